//! Key pairs: CreateKeyPair, ImportKeyPair, DescribeKeyPairs,
//! DeleteKeyPair, and the `KeyName` RunInstances checks.
//!
//! - A created key is a real one (RSA 2048 or ED25519, from the system's
//!   random source): its private key is in the CreateKeyPair answer only, as
//!   AWS gives it (`-----BEGIN RSA PRIVATE KEY-----` PKCS#1, or OpenSSH's
//!   format for ED25519). The fake keeps the public key, never the private
//!   one: no dump, state file or journal holds it. Key material is the one
//!   answer that differs from run to run.
//! - Fingerprints as AWS computes them: a created RSA key, the SHA-1 of its
//!   PKCS#8 DER private key; an imported RSA key, the MD5 of its DER public
//!   key; ED25519, the SHA-256 of the OpenSSH public key blob, base64.
//! - ImportKeyPair takes OpenSSH public keys (`ssh-rsa`, 1024 to 4096 bits,
//!   and `ssh-ed25519`); other formats and key types are `InvalidKey.Format`.
//! - Names are unique per region (case-sensitive), 1 to 255 ASCII characters.
//!   DeleteKeyPair of a name that does not exist succeeds, as on AWS.
//!
//! Choices where AWS's behaviour is not documented (`[I]`): the wording of
//! `InvalidKey.Format` and of an unknown `KeyPairId`; `KeyFormat=ppk` is not
//! modelled (`InvalidParameterValue`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use super::describe::Describe;
use super::errors::Ec2Code;
use super::filters;
use super::paging::Limits;
use super::tags::{self, Tags};
use crate::ids::Timestamp;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyPair {
    pub key_pair_id: String,
    pub key_name: String,
    /// `rsa` or `ed25519`.
    pub key_type: String,
    pub key_fingerprint: String,
    /// The OpenSSH public key line (`ssh-ed25519 AAAA...`).
    pub public_key: String,
    pub create_time: Timestamp,
    pub tags: Tags,
}

crate::registry::resource!(
    KeyPair: "key", "key-pair", key_pair_id, Tags,
    |id| not_found_id(id)
);

fn not_found_name(name: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidKeyPairNotFound,
        format!("The key pair '{name}' does not exist"),
    )
}

fn not_found_id(id: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidKeyPairNotFound,
        format!("The key pair ID '{id}' does not exist"),
    )
}

fn invalid_format(why: &str) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidKeyFormat,
        format!("Key is not in valid OpenSSH public key format: {why}"),
    )
}

impl KeyPair {
    fn to_xml(&self, include_public_key: bool) -> Node {
        Node::el("item")
            .leaf("keyPairId", &self.key_pair_id)
            .leaf("keyType", &self.key_type)
            .opt_child(tags::tag_set(&self.tags))
            .opt_leaf(
                "publicKey",
                include_public_key.then_some(self.public_key.as_str()),
            )
            .leaf("createTime", self.create_time)
            .leaf("keyName", &self.key_name)
            .leaf("keyFingerprint", &self.key_fingerprint)
    }
}

filters::filterable!(KeyPair, |key| [
    ("key-pair-id", filters::one(&key.key_pair_id)),
    ("fingerprint", filters::one(&key.key_fingerprint)),
    ("key-name", filters::one(&key.key_name)),
]);

/// The key pair of this name in the caller's region, for RunInstances.
pub fn check_exists(ctx: &Ctx<'_>, name: &str) -> AwsResult<()> {
    if has(ctx, name) {
        Ok(())
    } else {
        Err(not_found_name(name))
    }
}

fn has(ctx: &Ctx<'_>, name: &str) -> bool {
    ctx.region
        .ec2
        .key_pairs
        .values()
        .any(|k| k.key_name == name)
}

fn check_name(ctx: &Ctx<'_>, p: &Params) -> AwsResult<String> {
    let name = p.required("KeyName")?;
    if name.is_empty() || name.len() > 255 || !name.is_ascii() {
        return Err(AwsError::invalid_parameter_value(format!(
            "Value ({name}) for parameter keyName is invalid. Key names are 1 to 255 ASCII characters."
        )));
    }
    if has(ctx, name) {
        return Err(AwsError::coded(
            Ec2Code::InvalidKeyPairDuplicate,
            format!("The keypair '{name}' already exists."),
        ));
    }
    Ok(name.to_owned())
}

/// Keeps a new key pair (its id and time given here) and answers with
/// its name, id and fingerprint, `extra` and its tags.
fn keep(ctx: &mut Ctx<'_>, key: NewKeyPair, extra: Option<Node>) -> Vec<Node> {
    let key = KeyPair {
        key_pair_id: ctx.next_id("key"),
        key_name: key.name,
        key_type: key.key_type.to_owned(),
        key_fingerprint: key.fingerprint,
        public_key: key.public_key,
        create_time: ctx.now,
        tags: key.tags,
    };
    let out = [
        Node::text("keyPairId", &key.key_pair_id),
        Node::text("keyName", &key.key_name),
        Node::text("keyFingerprint", &key.key_fingerprint),
    ]
    .into_iter()
    .chain(extra)
    .chain(tags::tag_set(&key.tags))
    .collect();
    ctx.ec2().key_pairs.insert(key.key_pair_id.clone(), key);
    out
}

/// What [`keep`] stores.
struct NewKeyPair {
    name: String,
    key_type: &'static str,
    fingerprint: String,
    public_key: String,
    tags: Tags,
}

/// `CreateKeyPair`: a new key; its private key is in this answer only.
pub fn create_key_pair(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "key-pair")?;
    let key_type = p.value("KeyType").unwrap_or("rsa");
    match p.value("KeyFormat").unwrap_or("pem") {
        "pem" => {}
        "ppk" => {
            return Err(AwsError::invalid_parameter_value(
                "KeyFormat ppk is not modelled by the fake; use pem.",
            ));
        }
        other => {
            return Err(AwsError::invalid_parameter_value(format!(
                "Value ({other}) for parameter keyFormat is invalid. Valid values: pem, ppk."
            )));
        }
    }
    let name = check_name(ctx, p)?;
    let made = match key_type {
        "rsa" => new_rsa()?,
        "ed25519" => new_ed25519(&name)?,
        other => {
            return Err(AwsError::invalid_parameter_value(format!(
                "Value ({other}) for parameter keyType is invalid. Valid values: rsa, ed25519."
            )));
        }
    };
    let key_type = if key_type == "rsa" { "rsa" } else { "ed25519" };
    Ok(keep(
        ctx,
        NewKeyPair {
            name,
            key_type,
            fingerprint: made.fingerprint,
            public_key: made.public_key,
            tags,
        },
        Some(Node::text("keyMaterial", &made.private_key)),
    ))
}

/// `ImportKeyPair`: an OpenSSH public key the caller made.
pub fn import_key_pair(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "key-pair")?;
    let name = check_name(ctx, p)?;
    let material = p.required("PublicKeyMaterial")?;
    // The query protocol carries the blob base64-encoded.
    let text = BASE64
        .decode(material.trim())
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| invalid_format("PublicKeyMaterial is not base64 of a text"))?;
    let parsed = parse_openssh(&text)?;
    Ok(keep(
        ctx,
        NewKeyPair {
            name,
            key_type: parsed.key_type,
            fingerprint: parsed.fingerprint,
            public_key: parsed.line,
            tags,
        },
        None,
    ))
}

/// `DescribeKeyPairs`: by `KeyName.N` or `KeyPairId.N` (each must exist),
/// filters, `IncludePublicKey`.
pub fn describe_key_pairs(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let include = p.flag("IncludePublicKey")?;
    let names = p.list("KeyName");
    let keys = &ctx.region.ec2.key_pairs;
    for name in &names {
        if !keys.values().any(|k| &k.key_name == name) {
            return Err(not_found_name(name));
        }
    }
    const DESCRIBE: Describe = Describe {
        ids: "KeyPairId",
        set: "keySet",
        limits: Limits::new(1, 1000),
        ids_set: None,
    };
    let req = DESCRIBE.request(p, keys)?;
    let named = req
        .candidates(keys)
        .into_iter()
        .filter(|k| names.is_empty() || names.contains(&k.key_name));
    let items = filters::select(named.collect::<Vec<_>>(), &req.filters)?
        .into_iter()
        .map(|k: &KeyPair| k.to_xml(include))
        .collect::<Vec<_>>();
    Ok(vec![Node::set(DESCRIBE.set, items)])
}

/// `DeleteKeyPair`: by `KeyName` or `KeyPairId`; an unknown name is fine.
pub fn delete_key_pair(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let keys = &ctx.region.ec2.key_pairs;
    let id = match (p.value("KeyPairId"), p.value("KeyName")) {
        (Some(id), _) => {
            if !keys.contains_key(id) {
                return Err(not_found_id(id));
            }
            Some(id.to_owned())
        }
        (None, Some(name)) => keys
            .values()
            .find(|k| k.key_name == name)
            .map(|k| k.key_pair_id.clone()),
        (None, None) => return Err(AwsError::missing_parameter("KeyName")),
    };
    if let Some(id) = &id {
        ctx.ec2().key_pairs.remove(id);
    }
    Ok(vec![
        Node::text("return", true),
        Node::text("keyPairId", id.unwrap_or_default()),
    ])
}

/// A new key: its private key (for the answer), public key line, fingerprint.
struct NewKey {
    private_key: String,
    public_key: String,
    fingerprint: String,
}

fn crypto_failed() -> AwsError {
    AwsError::internal_error()
}

fn new_rsa() -> AwsResult<NewKey> {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::rsa::{KeyPair as RsaKeyPair, KeySize};
    use aws_lc_rs::signature::KeyPair as _;
    let key = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| crypto_failed())?;
    let pkcs8 =
        AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&key).map_err(|_| crypto_failed())?;
    let pkcs8 = pkcs8.as_ref();
    let pkcs1 = pkcs1_of_pkcs8(pkcs8).ok_or_else(crypto_failed)?;
    let public = key.public_key();
    let blob = ssh_rsa_blob(
        public.exponent().big_endian_without_leading_zero(),
        public.modulus().big_endian_without_leading_zero(),
    );
    let sha1 = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, pkcs8);
    Ok(NewKey {
        private_key: pem("RSA PRIVATE KEY", pkcs1, 64),
        public_key: format!("ssh-rsa {}", BASE64.encode(&blob)),
        fingerprint: colon_hex(sha1.as_ref()),
    })
}

fn new_ed25519(comment: &str) -> AwsResult<NewKey> {
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
    let key = Ed25519KeyPair::generate().map_err(|_| crypto_failed())?;
    let public: &[u8] = key.public_key().as_ref();
    let pkcs8 = key.to_pkcs8v1().map_err(|_| crypto_failed())?;
    // PKCS#8 v1 of an Ed25519 key ends with the 32-byte seed.
    let der = pkcs8.as_ref();
    let seed = der
        .get(der.len().saturating_sub(32)..)
        .ok_or_else(crypto_failed)?;
    let blob = ssh_ed25519_blob(public);
    // openssh-key-v1, unencrypted: one key, its check numbers, comment, padding.
    let check = u32::from_be_bytes([public[0], public[1], public[2], public[3]]);
    let mut private = Vec::new();
    private.extend_from_slice(&check.to_be_bytes());
    private.extend_from_slice(&check.to_be_bytes());
    ssh_string(&mut private, b"ssh-ed25519");
    ssh_string(&mut private, public);
    let mut secret = seed.to_vec();
    secret.extend_from_slice(public);
    ssh_string(&mut private, &secret);
    ssh_string(&mut private, comment.as_bytes());
    let mut pad = 1u8;
    while !private.len().is_multiple_of(8) {
        private.push(pad);
        pad += 1;
    }
    let mut file = b"openssh-key-v1\0".to_vec();
    ssh_string(&mut file, b"none");
    ssh_string(&mut file, b"none");
    ssh_string(&mut file, b"");
    file.extend_from_slice(&1u32.to_be_bytes());
    ssh_string(&mut file, &blob);
    ssh_string(&mut file, &private);
    Ok(NewKey {
        private_key: pem("OPENSSH PRIVATE KEY", &file, 70),
        public_key: format!("ssh-ed25519 {}", BASE64.encode(&blob)),
        fingerprint: BASE64.encode(sha2::Sha256::digest(&blob)),
    })
}

/// An OpenSSH public key line, checked.
struct ParsedKey {
    key_type: &'static str,
    line: String,
    fingerprint: String,
}

fn parse_openssh(text: &str) -> AwsResult<ParsedKey> {
    let mut words = text.split_whitespace();
    let (Some(kind), Some(b64)) = (words.next(), words.next()) else {
        return Err(invalid_format("expected '<type> <base64> [comment]'"));
    };
    let blob = BASE64
        .decode(b64)
        .map_err(|_| invalid_format("the key is not base64"))?;
    let mut r = SshReader(&blob);
    let inner = r.string().ok_or_else(|| invalid_format("truncated key"))?;
    if inner != kind.as_bytes() {
        return Err(invalid_format("the key's type does not match its line"));
    }
    let line = format!("{kind} {b64}");
    match kind {
        "ssh-rsa" => {
            let e = r.string().ok_or_else(|| invalid_format("truncated key"))?;
            let n = r.string().ok_or_else(|| invalid_format("truncated key"))?;
            if !r.0.is_empty() {
                return Err(invalid_format("trailing bytes after the key"));
            }
            let n = strip_zeros(n);
            let bits = n.len() * 8 - n.first().map_or(8, |b| b.leading_zeros() as usize);
            if !(1024..=4096).contains(&bits) {
                return Err(invalid_format(&format!(
                    "RSA keys are 1024 to 4096 bits, this one is {bits}"
                )));
            }
            let spki =
                rsa_spki_der(strip_zeros(e), n).ok_or_else(|| invalid_format("bad RSA key"))?;
            Ok(ParsedKey {
                key_type: "rsa",
                line,
                fingerprint: colon_hex(&md5::Md5::digest(&spki)),
            })
        }
        "ssh-ed25519" => {
            let k = r.string().ok_or_else(|| invalid_format("truncated key"))?;
            if k.len() != 32 || !r.0.is_empty() {
                return Err(invalid_format("an ED25519 key is 32 bytes"));
            }
            Ok(ParsedKey {
                key_type: "ed25519",
                line,
                fingerprint: BASE64.encode(sha2::Sha256::digest(&blob)),
            })
        }
        other => Err(invalid_format(&format!(
            "key type '{other}' is not supported (ssh-rsa and ssh-ed25519 are)"
        ))),
    }
}

struct SshReader<'a>(&'a [u8]);

impl<'a> SshReader<'a> {
    fn string(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_be_bytes(self.0.get(..4)?.try_into().ok()?) as usize;
        let body = self.0.get(4..4 + len)?;
        self.0 = &self.0[4 + len..];
        Some(body)
    }
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    &b[start..]
}

fn ssh_string(out: &mut Vec<u8>, body: &[u8]) {
    out.extend_from_slice(&u32::try_from(body.len()).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(body);
}

/// An SSH `mpint`: big-endian, a leading zero when the top bit is set.
fn ssh_mpint(out: &mut Vec<u8>, magnitude: &[u8]) {
    let m = strip_zeros(magnitude);
    if m.first().is_some_and(|b| b & 0x80 != 0) {
        let mut v = vec![0];
        v.extend_from_slice(m);
        ssh_string(out, &v);
    } else {
        ssh_string(out, m);
    }
}

fn ssh_rsa_blob(e: &[u8], n: &[u8]) -> Vec<u8> {
    let mut blob = Vec::new();
    ssh_string(&mut blob, b"ssh-rsa");
    ssh_mpint(&mut blob, e);
    ssh_mpint(&mut blob, n);
    blob
}

fn ssh_ed25519_blob(public: &[u8]) -> Vec<u8> {
    let mut blob = Vec::new();
    ssh_string(&mut blob, b"ssh-ed25519");
    ssh_string(&mut blob, public);
    blob
}

/// The DER SubjectPublicKeyInfo of an RSA public key (what AWS hashes for
/// an imported key's fingerprint).
fn rsa_spki_der(e: &[u8], n: &[u8]) -> Option<Vec<u8>> {
    use aws_lc_rs::encoding::AsDer;
    let components = aws_lc_rs::rsa::PublicKeyComponents { n, e };
    let der = AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(&components).ok()?;
    Some(der.as_ref().to_vec())
}

/// The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo:
/// SEQUENCE { INTEGER version, SEQUENCE algorithm, OCTET STRING key }.
fn pkcs1_of_pkcs8(der: &[u8]) -> Option<&[u8]> {
    let (tag, body, _) = der_tlv(der)?;
    if tag != 0x30 {
        return None;
    }
    let (_, _, rest) = der_tlv(body)?; // version
    let (_, _, rest) = der_tlv(rest)?; // algorithm
    let (tag, key, _) = der_tlv(rest)?;
    (tag == 0x04).then_some(key)
}

/// One DER tag-length-value: (tag, value, what follows).
fn der_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let tag = *b.first()?;
    let first = *b.get(1)?;
    let (len, head) = if first & 0x80 == 0 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        let bytes = b.get(2..2 + n)?;
        (
            bytes.iter().fold(0usize, |a, x| (a << 8) | *x as usize),
            2 + n,
        )
    };
    let value = b.get(head..head + len)?;
    Some((tag, value, &b[head + len..]))
}

fn pem(label: &str, der: &[u8], width: usize) -> String {
    let b64 = BASE64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(width) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----"));
    out
}

fn colon_hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_keys_parse_back_and_match_their_fingerprints() {
        let rsa = new_rsa().unwrap();
        assert!(
            rsa.private_key
                .starts_with("-----BEGIN RSA PRIVATE KEY-----\n")
        );
        assert_eq!(rsa.fingerprint.len(), 59, "SHA-1, colon hex");
        let parsed = parse_openssh(&rsa.public_key).unwrap();
        assert_eq!(parsed.key_type, "rsa");
        assert_eq!(parsed.fingerprint.len(), 47, "MD5, colon hex");

        let ed = new_ed25519("c1").unwrap();
        assert!(
            ed.private_key
                .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n")
        );
        let parsed = parse_openssh(&ed.public_key).unwrap();
        assert_eq!(parsed.key_type, "ed25519");
        assert_eq!(parsed.fingerprint, ed.fingerprint);
        // The private file holds the public blob it was made from.
        let body: String = ed
            .private_key
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let file = BASE64.decode(body).unwrap();
        assert!(file.starts_with(b"openssh-key-v1\0"));
        let blob = BASE64
            .decode(ed.public_key.split(' ').nth(1).unwrap())
            .unwrap();
        assert!(file.windows(blob.len()).any(|w| w == blob));
    }

    #[test]
    fn bad_public_keys_are_refused_with_the_reason() {
        for (line, why) in [
            ("ssh-rsa", "expected"),
            ("ssh-rsa !!!", "not base64"),
            (
                "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY=",
                "not supported",
            ),
            ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAAQA=", "32 bytes"),
            ("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAAQA=", "does not match"),
        ] {
            let e = parse_openssh(line).err().expect(line);
            assert!(e.message.contains(why), "{line}: {}", e.message);
        }
    }
}
