//! STS GetCallerIdentity through the real `aws-sdk-sts`: the account is
//! the one every other call of the same credentials lands in, the caller
//! the account's root user (the fake has no IAM users), and the wire shape
//! is awsQuery's.

use aws_sdk_sts::config::{BehaviorVersion, Credentials, Region};

use crate::common::{Harness, REGION, raw_post, sigv4, start};

fn sts_client(h: &Harness, access_key: &str) -> aws_sdk_sts::Client {
    let conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(
            access_key,
            "not-a-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(h.server.url())
        .build();
    aws_sdk_sts::Client::from_conf(conf)
}

#[tokio::test]
async fn caller_identity_names_the_default_account_and_its_root_user() {
    let h = start().await;
    let out = sts_client(&h, "AKIDTEST")
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(out.account(), Some("123456789012"));
    assert_eq!(out.user_id(), Some("123456789012"));
    assert_eq!(out.arn(), Some("arn:aws:iam::123456789012:root"));
    let journal = h.fake.journal();
    let last = journal.last().expect("journalled");
    assert_eq!(
        (last.action.as_str(), last.service.as_str(), last.mutating),
        ("GetCallerIdentity", "sts", false)
    );
}

/// A 12-digit access key names its account, for STS as for EC2: the VPC
/// that key makes is owned by the account GetCallerIdentity names.
#[tokio::test]
async fn caller_identity_follows_the_account_rule() {
    let h = start().await;
    let key = "210987654321";
    let out = sts_client(&h, key)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(out.account(), Some(key));
    assert_eq!(out.arn(), Some("arn:aws:iam::210987654321:root"));
    let ec2 = {
        let conf = aws_sdk_ec2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(REGION))
            .credentials_provider(Credentials::new(key, "not-a-secret", None, None, "test"))
            .endpoint_url(h.server.url())
            .build();
        aws_sdk_ec2::Client::from_conf(conf)
    };
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .expect("CreateVpc");
    assert_eq!(vpc.vpc().and_then(|v| v.owner_id()), Some(key));
}

/// The wire: routed by the `sts` scope or, unsigned, by `Version`; an
/// awsQuery envelope in STS's namespace; an unknown action is refused in
/// STS's error envelope.
#[tokio::test]
async fn the_wire_is_aws_query() {
    let h = start().await;
    let url = h.server.url();
    let auth = sigv4("us-east-1", "sts");
    for authorization in [Some(auth.as_str()), None] {
        let (status, _, body) = raw_post(
            &url,
            authorization,
            "Action=GetCallerIdentity&Version=2011-06-15",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert!(
            body.contains(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><UserId>123456789012</UserId><Account>123456789012</Account><Arn>arn:aws:iam::123456789012:root</Arn></GetCallerIdentityResult><ResponseMetadata><RequestId>"
            ),
            "{body}"
        );
    }
    let (status, _, body) =
        raw_post(&url, Some(&auth), "Action=AssumeRole&Version=2011-06-15").await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.contains("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>InvalidAction</Code>"),
        "{body}"
    );
}
