//! SigV4: the credential scope `AKID/YYYYMMDD/<region>/<service>/aws4_request`
//! the fake routes on, and (with `verify_sigv4`) the signature check: the
//! canonical request, the string to sign and the HMAC-SHA256 key derivation
//! of AWS's Signature Version 4. Signatures and secret keys are never stored,
//! logged or put in an error message.

use std::collections::BTreeMap;
use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// The parts of a SigV4 credential scope the fake routes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    pub access_key_id: String,
    pub date: String,
    pub region: String,
    pub service: String,
}

/// Parses the `Credential=` part of an `AWS4-HMAC-SHA256` Authorization header.
pub fn parse_authorization(header: &str) -> Option<CredentialScope> {
    let rest = header.trim().strip_prefix("AWS4-HMAC-SHA256")?;
    let start = rest.find("Credential=")? + "Credential=".len();
    let credential = rest[start..].split([',', ' ']).next()?;
    parse_credential(credential)
}

/// Parses `AKID/YYYYMMDD/region/service/aws4_request` (also used for the
/// `X-Amz-Credential` query parameter of presigned requests).
pub fn parse_credential(credential: &str) -> Option<CredentialScope> {
    let mut parts = credential.split('/');
    let access_key_id = parts.next()?.to_owned();
    let date = parts.next()?.to_owned();
    let region = parts.next()?.to_owned();
    let service = parts.next()?.to_owned();
    if parts.next()? != "aws4_request" || region.is_empty() || service.is_empty() {
        return None;
    }
    Some(CredentialScope {
        access_key_id,
        date,
        region,
        service,
    })
}

/// A secret access key. Its `Debug` never shows it and it has no `Serialize`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct SecretKey(String);

impl SecretKey {
    pub fn new(secret: impl Into<String>) -> Self {
        Self(secret.into())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// The keys requests may sign with: access key id -> secret access key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials(BTreeMap<String, SecretKey>);

impl Credentials {
    pub fn new(keys: BTreeMap<String, SecretKey>) -> Self {
        Self(keys)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn insert(&mut self, access_key_id: impl Into<String>, secret: SecretKey) {
        self.0.insert(access_key_id.into(), secret);
    }
}

/// Why a request's signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    /// Neither an `Authorization` header nor presigned `X-Amz-*` parameters.
    Missing,
    /// A signature that does not follow SigV4's form; says what is wrong.
    Incomplete(String),
    /// The access key id is not one of the configured credentials.
    UnknownAccessKey,
    /// The signature is not the one the secret key gives.
    Mismatch,
}

/// What the signature covers, as the request came off the wire.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// The path as sent, percent-encoded, without the query.
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: &'a str,
    /// Every header as (name, value); names in any case.
    pub headers: &'a [(&'a str, &'a str)],
    pub body: &'a [u8],
}

/// The parts of a signature, from the `Authorization` header or the query.
struct Signature<'a> {
    scope: CredentialScope,
    signed_headers: Vec<String>,
    signature: &'a str,
    date: String,
    presigned: bool,
}

/// Checks a request's SigV4 signature against the configured keys and
/// returns its credential scope.
pub fn verify(req: &SignedRequest<'_>, keys: &Credentials) -> Result<CredentialScope, AuthError> {
    let query = decode_query(req.query);
    let sig = read_signature(req, &query)?;
    let secret = keys
        .0
        .get(&sig.scope.access_key_id)
        .ok_or(AuthError::UnknownAccessKey)?;
    if !sig.date.starts_with(&sig.scope.date) {
        return Err(AuthError::Mismatch);
    }
    let body_hash = hex(&Sha256::digest(req.body));
    let declared = header(req.headers, "x-amz-content-sha256");
    let payload_hashes: Vec<String> = match declared {
        Some("UNSIGNED-PAYLOAD") => vec!["UNSIGNED-PAYLOAD".to_owned()],
        Some(h) if !h.eq_ignore_ascii_case(&body_hash) => return Err(AuthError::Mismatch),
        _ if sig.presigned => vec![body_hash, "UNSIGNED-PAYLOAD".to_owned()],
        _ => vec![body_hash],
    };
    let key = signing_key(secret, &sig.scope);
    let scope = format!(
        "{}/{}/{}/aws4_request",
        sig.scope.date, sig.scope.region, sig.scope.service
    );
    for payload in &payload_hashes {
        let canonical = canonical_request(req, &query, &sig, payload);
        let to_sign = format!(
            "AWS4-HMAC-SHA256\n{}\n{scope}\n{}",
            sig.date,
            hex(&Sha256::digest(canonical.as_bytes()))
        );
        let expected = hex(&hmac(&key, to_sign.as_bytes()));
        if constant_time_eq(expected.as_bytes(), sig.signature.as_bytes()) {
            return Ok(sig.scope);
        }
    }
    Err(AuthError::Mismatch)
}

fn read_signature<'a>(
    req: &SignedRequest<'a>,
    query: &'a [(String, String)],
) -> Result<Signature<'a>, AuthError> {
    let incomplete = |what: &str| AuthError::Incomplete(what.to_owned());
    if let Some(auth) = header(req.headers, "authorization") {
        let rest = auth
            .trim()
            .strip_prefix("AWS4-HMAC-SHA256 ")
            .ok_or_else(|| incomplete("Authorization header is not AWS4-HMAC-SHA256."))?;
        let mut credential = None;
        let mut signed = None;
        let mut signature = None;
        for part in rest.split(',') {
            match part.trim().split_once('=') {
                Some(("Credential", v)) => credential = Some(v),
                Some(("SignedHeaders", v)) => signed = Some(v),
                Some(("Signature", v)) => signature = Some(v),
                _ => {}
            }
        }
        let mut missing = Vec::new();
        for (name, v) in [
            ("Credential", credential),
            ("Signature", signature),
            ("SignedHeaders", signed),
        ] {
            if v.is_none_or(str::is_empty) {
                missing.push(format!("Authorization header requires '{name}' parameter."));
            }
        }
        let date = header(req.headers, "x-amz-date").or_else(|| header(req.headers, "date"));
        if date.is_none() {
            missing.push(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                    .to_owned(),
            );
        }
        if !missing.is_empty() {
            return Err(AuthError::Incomplete(missing.join(" ")));
        }
        let scope = parse_credential(credential.unwrap_or_default())
            .ok_or_else(|| incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term."))?;
        return Ok(Signature {
            scope,
            signed_headers: split_signed(signed.unwrap_or_default()),
            signature: signature.unwrap_or_default(),
            date: date.unwrap_or_default().to_owned(),
            presigned: false,
        });
    }
    let q = |name: &str| {
        query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let Some(signature) = q("X-Amz-Signature") else {
        return Err(AuthError::Missing);
    };
    if q("X-Amz-Algorithm") != Some("AWS4-HMAC-SHA256") {
        return Err(incomplete(
            "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\".",
        ));
    }
    let scope = q("X-Amz-Credential")
        .and_then(parse_credential)
        .ok_or_else(|| incomplete("X-Amz-Credential is missing or malformed."))?;
    let date = q("X-Amz-Date").ok_or_else(|| incomplete("X-Amz-Date is missing."))?;
    let signed =
        q("X-Amz-SignedHeaders").ok_or_else(|| incomplete("X-Amz-SignedHeaders is missing."))?;
    Ok(Signature {
        scope,
        signed_headers: split_signed(signed),
        signature,
        date: date.to_owned(),
        presigned: true,
    })
}

fn split_signed(list: &str) -> Vec<String> {
    list.split(';')
        .filter(|h| !h.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn canonical_request(
    req: &SignedRequest<'_>,
    query: &[(String, String)],
    sig: &Signature<'_>,
    payload_hash: &str,
) -> String {
    let method = if req.method.is_empty() {
        "POST"
    } else {
        req.method
    };
    let mut pairs: Vec<(String, String)> = query
        .iter()
        .filter(|(k, _)| !(sig.presigned && k == "X-Amz-Signature"))
        .map(|(k, v)| (uri_encode(k, true), uri_encode(v, true)))
        .collect();
    pairs.sort();
    let canonical_query = pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut headers = String::new();
    for name in &sig.signed_headers {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        headers.push_str(name);
        headers.push(':');
        headers.push_str(&values.join(","));
        headers.push('\n');
    }
    format!(
        "{method}\n{}\n{canonical_query}\n{headers}\n{}\n{payload_hash}",
        canonical_uri(req.path),
        sig.signed_headers.join(";")
    )
}

/// The path with dot segments removed, each segment encoded again (SigV4's
/// double encoding for every service but S3).
fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::from("/");
    out.push_str(
        &segments
            .iter()
            .map(|s| uri_encode(s, true))
            .collect::<Vec<_>>()
            .join("/"),
    );
    if path.ends_with('/') && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// SigV4's URI encoding: unreserved characters as they are, every other byte `%XX`.
fn uri_encode(s: &str, encode_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char);
            }
            b'/' if !encode_slash => out.push('/'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The query's pairs, percent-decoded (a `+` stays a `+`, as SigV4 reads it).
fn decode_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

/// Percent-decodes `s` (`%2F` included; a `+` stays a `+`).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex_val(bytes[i + 1]), hex_val(bytes[i + 2]))
        {
            out.push((h << 4) | l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn header<'a>(headers: &[(&str, &'a str)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| *v)
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`
fn signing_key(secret: &SecretKey, scope: &CredentialScope) -> Vec<u8> {
    let k_date = hmac(
        format!("AWS4{}", secret.0).as_bytes(),
        scope.date.as_bytes(),
    );
    let k_region = hmac(&k_date, scope.region.as_bytes());
    let k_service = hmac(&k_region, scope.service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares without an early exit, so timing does not tell how much matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_scope() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIDTEST/20261125/us-west-2/elasticloadbalancing/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=abcdef";
        let s = parse_authorization(h).unwrap();
        assert_eq!(s.access_key_id, "AKIDTEST");
        assert_eq!(s.region, "us-west-2");
        assert_eq!(s.service, "elasticloadbalancing");
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(parse_authorization("Basic Zm9v"), None);
        assert_eq!(parse_authorization("AWS4-HMAC-SHA256 Credential=a/b"), None);
        assert_eq!(
            parse_authorization("AWS4-HMAC-SHA256 Credential=a/b/c/d/e"),
            None
        );
    }

    fn keys() -> Credentials {
        let mut c = Credentials::default();
        c.insert(
            "AKIDEXAMPLE",
            SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
        );
        c
    }

    /// `get-vanilla` from AWS's SigV4 test suite.
    #[test]
    fn aws_test_suite_get_vanilla() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        let headers = [
            ("Host", "example.amazonaws.com"),
            ("X-Amz-Date", "20150830T123600Z"),
            ("Authorization", auth),
        ];
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: "",
            headers: &headers,
            body: b"",
        };
        let scope = verify(&req, &keys()).unwrap();
        assert_eq!(scope.service, "service");
        let wrong = auth.replace("5fa00", "5fa01");
        let headers = [headers[0], headers[1], ("Authorization", wrong.as_str())];
        assert_eq!(
            verify(
                &SignedRequest {
                    headers: &headers,
                    ..req
                },
                &keys()
            ),
            Err(AuthError::Mismatch)
        );
    }

    /// The ListUsers example of AWS's SigV4 documentation: a query string
    /// and a signed content-type.
    #[test]
    fn aws_docs_iam_list_users() {
        let headers = [
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
            ("host", "iam.amazonaws.com"),
            ("x-amz-date", "20150830T123600Z"),
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7",
            ),
        ];
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        assert!(verify(&req, &keys()).is_ok());
        // The body is covered: another body, another signature.
        assert_eq!(
            verify(&SignedRequest { body: b"x", ..req }, &keys()),
            Err(AuthError::Mismatch)
        );
        // Unknown key, missing and malformed signatures.
        assert_eq!(
            verify(&req, &Credentials::default()),
            Err(AuthError::UnknownAccessKey)
        );
        let none = SignedRequest {
            headers: &headers[..3],
            ..req
        };
        assert_eq!(verify(&none, &keys()), Err(AuthError::Missing));
        let partial = [
            headers[1],
            headers[2],
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request",
            ),
        ];
        let Err(AuthError::Incomplete(why)) = verify(
            &SignedRequest {
                headers: &partial,
                ..req
            },
            &keys(),
        ) else {
            panic!("an incomplete signature");
        };
        assert!(
            why.contains("'Signature'") && why.contains("'SignedHeaders'"),
            "{why}"
        );
    }

    /// The presigned URL example of AWS's SigV4 documentation (query
    /// parameters, `UNSIGNED-PAYLOAD`).
    #[test]
    fn aws_docs_presigned_url() {
        let mut keys = Credentials::default();
        keys.insert(
            "AKIAIOSFODNN7EXAMPLE",
            SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        );
        let query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";
        let headers = [("Host", "examplebucket.s3.amazonaws.com")];
        let req = SignedRequest {
            method: "GET",
            path: "/test.txt",
            query,
            headers: &headers,
            body: b"",
        };
        assert_eq!(verify(&req, &keys).unwrap().service, "s3");
        let tampered = query.replace("86400", "86401");
        assert_eq!(
            verify(
                &SignedRequest {
                    query: &tampered,
                    ..req
                },
                &keys
            ),
            Err(AuthError::Mismatch)
        );
    }

    #[test]
    fn canonical_pieces() {
        assert_eq!(canonical_uri(""), "/");
        assert_eq!(canonical_uri("/a/./b/../c%20d/"), "/a/c%2520d/");
        assert_eq!(uri_encode("a b+c/~", true), "a%20b%2Bc%2F~");
        assert_eq!(percent_decode("a%2Fb%zz%"), "a/b%zz%");
        assert_eq!(format!("{:?}", SecretKey::new("hush")), "SecretKey(..)");
    }
}
