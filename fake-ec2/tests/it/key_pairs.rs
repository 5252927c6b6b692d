//! Key pairs through the real SDK: CreateKeyPair (RSA and ED25519, real
//! keys), ImportKeyPair (OpenSSH public keys, AWS's fingerprints),
//! DescribeKeyPairs, DeleteKeyPair, seeded key pairs, and RunInstances with
//! a `KeyName`.

use aws_sdk_ec2::primitives::Blob;
use aws_sdk_ec2::types::{Filter, KeyType, ResourceType, Tag, TagSpecification};

use crate::common::*;

/// Made with `ssh-keygen -t ed25519`; `ssh-keygen -l` prints
/// `SHA256:i+LyOi4Byf4H2htUHe03qlZj0q3ydzXnI8iC/LyT8l8`.
const ED25519_PUB: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAn8wsVb4yA5ra9pHViFe1Ewq7uZuAi7pHsa7S+lgqLS seed-example";
/// Made with `ssh-keygen -t rsa -b 2048`; AWS's fingerprint of an imported
/// RSA key, `ssh-keygen -e -m PKCS8 -f k.pub | openssl pkey -pubin -outform
/// DER | openssl md5 -c`, is the one below.
const RSA_PUB: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC34V5iTf1+I9Jy0+Tl+R009fvg9jqOdQSxnjXcVT9SrUF1F+5th8C+SUbkVd11jZlsfHb3Hi1BvF79dbqUJblIFAoTFSCqq24hOU9gab5IuKVnb22/cXY+nzP7Uk3HRhxeg7oePrn3XdpQ06Pozenkw4PBIcIaHlaWOyzPFEknLCl4NAc8PWN806UZzDOTHTVRCFdVB9XxkOusC0HNHQavATN5EMU7BwXCXBMMEB2+Uq8VMOZpnOQsl1Q0qpakgimA8JUmA2xIkub9pTPAGfbrj/k+fPgdi86C3Eu/gSI0ItV78Lg8r8X7mZxrF1wLJ4LqHYhwJM5+V0oxrt3YRntf rsa-example";
const RSA_MD5: &str = "78:83:b3:1f:ff:63:29:3a:40:43:a0:3c:7a:6f:bb:12";

#[tokio::test]
async fn created_keys_are_real_and_listed_without_their_private_half() {
    let h = start().await;
    let rsa = h
        .ec2
        .create_key_pair()
        .key_name("ops")
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::KeyPair)
                .tags(Tag::builder().key("team").value("net").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let material = rsa.key_material().unwrap();
    assert!(
        material.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"),
        "{}",
        &material[..40]
    );
    assert!(material.ends_with("-----END RSA PRIVATE KEY-----"));
    assert_eq!(rsa.key_fingerprint().unwrap().len(), 59, "SHA-1, colon hex");
    assert_eq!(rsa.key_pair_id(), Some("key-00000000000000001"));
    assert_eq!(rsa.tags().len(), 1);

    let ed = h
        .ec2
        .create_key_pair()
        .key_name("ops-ed")
        .key_type(KeyType::Ed25519)
        .send()
        .await
        .unwrap();
    assert!(
        ed.key_material()
            .unwrap()
            .starts_with("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    );
    assert_eq!(ed.key_fingerprint().unwrap().len(), 44, "SHA-256, base64");

    let listed = h
        .ec2
        .describe_key_pairs()
        .include_public_key(true)
        .send()
        .await
        .unwrap();
    let keys = listed.key_pairs();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].key_name(), Some("ops"));
    assert_eq!(keys[0].key_type(), Some(&KeyType::Rsa));
    assert_eq!(keys[0].key_fingerprint(), rsa.key_fingerprint());
    assert!(keys[0].public_key().unwrap().starts_with("ssh-rsa AAAA"));
    assert!(
        keys[1]
            .public_key()
            .unwrap()
            .starts_with("ssh-ed25519 AAAA")
    );
    assert!(keys[0].create_time().is_some());
    let without = h.ec2.describe_key_pairs().send().await.unwrap();
    assert_eq!(without.key_pairs()[0].public_key(), None);

    // The private key is nowhere but in the create answer.
    let dump = serde_json::to_string(&h.fake.dump()).unwrap();
    for line in material.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!dump.contains(line), "the dump holds private key material");
    }

    // Names are unique.
    let (code, msg) = err(h.ec2.create_key_pair().key_name("ops").send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidKeyPair.Duplicate",
            "The keypair 'ops' already exists."
        )
    );
    let (code, _) = err(h
        .ec2
        .create_key_pair()
        .key_name("x")
        .key_type(KeyType::from("dsa"))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
}

#[tokio::test]
async fn imported_keys_get_aws_fingerprints() {
    let h = start().await;
    let out = h
        .ec2
        .import_key_pair()
        .key_name("laptop")
        .public_key_material(Blob::new(RSA_PUB))
        .send()
        .await
        .unwrap();
    assert_eq!(out.key_fingerprint(), Some(RSA_MD5));
    let out = h
        .ec2
        .import_key_pair()
        .key_name("laptop-ed")
        .public_key_material(Blob::new(ED25519_PUB))
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.key_fingerprint(),
        Some("i+LyOi4Byf4H2htUHe03qlZj0q3ydzXnI8iC/LyT8l8=")
    );
    let listed = h
        .ec2
        .describe_key_pairs()
        .key_names("laptop-ed")
        .include_public_key(true)
        .send()
        .await
        .unwrap();
    let key = &listed.key_pairs()[0];
    assert_eq!(key.key_type(), Some(&KeyType::Ed25519));
    assert_eq!(
        Some(key.public_key().unwrap()),
        ED25519_PUB.rsplit_once(' ').map(|(k, _)| k)
    );
    let by_fingerprint = h
        .ec2
        .describe_key_pairs()
        .filters(
            Filter::builder()
                .name("fingerprint")
                .values(RSA_MD5)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(by_fingerprint.key_pairs()[0].key_name(), Some("laptop"));

    for bad in [
        "ssh-dss AAAAB3NzaC1kc3MAAAA=",
        "not a key",
        "-----BEGIN PUBLIC KEY-----",
    ] {
        let (code, msg) = err(h
            .ec2
            .import_key_pair()
            .key_name("bad")
            .public_key_material(Blob::new(bad))
            .send()
            .await);
        assert_eq!(code, "InvalidKey.Format", "{bad}");
        assert!(
            msg.starts_with("Key is not in valid OpenSSH public key format"),
            "{msg}"
        );
    }
}

#[tokio::test]
async fn describe_and_delete_by_name_or_id() {
    let h = start().await;
    let id = h
        .ec2
        .import_key_pair()
        .key_name("a")
        .public_key_material(Blob::new(ED25519_PUB))
        .send()
        .await
        .unwrap()
        .key_pair_id
        .unwrap();
    let (code, msg) = err(h.ec2.describe_key_pairs().key_names("b").send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidKeyPair.NotFound", "The key pair 'b' does not exist")
    );
    let (code, _) = err(h
        .ec2
        .describe_key_pairs()
        .key_pair_ids("key-0000000000000000f")
        .send()
        .await);
    assert_eq!(code, "InvalidKeyPair.NotFound");
    let by_id = h
        .ec2
        .describe_key_pairs()
        .key_pair_ids(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.key_pairs()[0].key_name(), Some("a"));

    // Deleting a name that does not exist succeeds, as on AWS; an id must exist.
    h.ec2.delete_key_pair().key_name("b").send().await.unwrap();
    let (code, _) = err(h
        .ec2
        .delete_key_pair()
        .key_pair_id("key-0000000000000000f")
        .send()
        .await);
    assert_eq!(code, "InvalidKeyPair.NotFound");
    h.ec2
        .delete_key_pair()
        .key_pair_id(&id)
        .send()
        .await
        .unwrap();
    assert!(
        h.ec2
            .describe_key_pairs()
            .send()
            .await
            .unwrap()
            .key_pairs()
            .is_empty()
    );
}

#[tokio::test]
async fn run_instances_needs_the_key_pair_it_names() {
    let h = start_yaml(&format!(
        "regions:\n  us-east-1:\n    key_pairs:\n      - key_name: default\n        public_key: {ED25519_PUB}\n"
    ))
    .await;
    let listed = h.ec2.describe_key_pairs().send().await.unwrap();
    assert_eq!(listed.key_pairs()[0].key_name(), Some("default"));
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let subnet = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.1.0/24"), None).await;
    let run = |key: &str| {
        h.ec2
            .run_instances()
            .image_id(ami())
            .subnet_id(&subnet)
            .key_name(key)
            .min_count(1)
            .max_count(1)
    };
    let (code, msg) = err(run("nosuch").send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidKeyPair.NotFound",
            "The key pair 'nosuch' does not exist"
        )
    );
    let out = run("default").send().await.unwrap();
    assert_eq!(out.instances()[0].key_name(), Some("default"));
}
