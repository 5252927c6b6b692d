//! SigV4 verification (`verify_sigv4`) with the real SDK clients of both
//! services: the right key passes, a wrong secret, an unknown key and a
//! missing or malformed signature get AWS's codes and statuses, and neither
//! secrets nor signatures reach the journal, the state, a state file or the logs.

use std::sync::{Arc, Mutex};

use aws_sdk_ec2::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_ec2::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_ec2::error::{BoxError, ProvideErrorMetadata, SdkError};
use fake_ec2::{Fake, Seed, StateFile};

use crate::common::*;

const KEY: &str = "AKIDVERIFIED";
const SECRET: &str = "s3cr3t-Vx9qLm2Zr8";
const MISMATCH_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

fn verifying_seed() -> Seed {
    Seed::from_yaml(&format!(
        "verify_sigv4: true\ncredentials:\n  {KEY}: {SECRET}\n  \"210987654321\": other-account-secret\n"
    ))
    .expect("seed")
}

/// Records the `Authorization` header of every request a client sends.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeenAuth(Arc<Mutex<Vec<String>>>);

impl Intercept for SeenAuth {
    fn name(&self) -> &'static str {
        "SeenAuth"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(a) = context.request().headers().get("authorization") {
            self.0.lock().unwrap().push(a.to_owned());
        }
        Ok(())
    }
}

impl SeenAuth {
    /// The `Signature=` values seen so far.
    fn signatures(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|a| a.split("Signature=").nth(1).map(str::to_owned))
            .collect()
    }
}

fn ec2_as(url: &str, key: &str, secret: &str, seen: &SeenAuth) -> aws_sdk_ec2::Client {
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .endpoint_url(url)
        .retry_config(aws_sdk_ec2::config::retry::RetryConfig::disabled())
        .interceptor(seen.clone())
        .build();
    aws_sdk_ec2::Client::from_conf(conf)
}

fn elb_as(
    url: &str,
    key: &str,
    secret: &str,
    seen: &SeenAuth,
) -> aws_sdk_elasticloadbalancingv2::Client {
    use aws_sdk_elasticloadbalancingv2::config::{Builder, retry::RetryConfig};
    let conf = Builder::new()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .endpoint_url(url)
        .retry_config(RetryConfig::disabled())
        .interceptor(seen.clone())
        .build();
    aws_sdk_elasticloadbalancingv2::Client::from_conf(conf)
}

/// (code, message, HTTP status) of a failed call.
fn refusal<T: std::fmt::Debug, E: ProvideErrorMetadata + std::fmt::Debug>(
    r: Result<T, SdkError<E>>,
) -> (String, String, u16) {
    let e = r.expect_err("the call should be refused");
    let status = e.raw_response().map(|r| r.status().as_u16()).unwrap_or(0);
    (
        e.code().unwrap_or_default().to_owned(),
        e.message().unwrap_or_default().to_owned(),
        status,
    )
}

#[tokio::test]
async fn right_credentials_pass_and_wrong_ones_get_aws_errors() {
    let fake = Fake::from_seed(verifying_seed()).unwrap();
    let server = fake.start().await.unwrap();
    let url = server.url();
    let seen = SeenAuth::default();

    // The configured key signs for both services.
    let ec2 = ec2_as(&url, KEY, SECRET, &seen);
    let elb = elb_as(&url, KEY, SECRET, &seen);
    let vpc_id = ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    assert_eq!(made_vpcs(&ec2).await.len(), 1);
    elb.describe_load_balancers().send().await.unwrap();
    // A 12-digit key is still the account it names.
    let other = ec2_as(&url, "210987654321", "other-account-secret", &seen);
    assert!(made_vpcs(&other).await.is_empty());

    // A wrong secret: SignatureDoesNotMatch, 403, for both services.
    let ec2_bad = ec2_as(&url, KEY, "not-the-secret", &seen);
    let elb_bad = elb_as(&url, KEY, "not-the-secret", &seen);
    assert_eq!(
        refusal(ec2_bad.describe_vpcs().vpc_ids(&vpc_id).send().await),
        ("SignatureDoesNotMatch".into(), MISMATCH_MESSAGE.into(), 403)
    );
    assert_eq!(
        refusal(elb_bad.describe_load_balancers().send().await),
        ("SignatureDoesNotMatch".into(), MISMATCH_MESSAGE.into(), 403)
    );
    // A refused write changes nothing.
    refusal(ec2_bad.create_vpc().cidr_block("10.1.0.0/16").send().await);
    assert_eq!(made_vpcs(&ec2).await.len(), 1);

    // An unknown key: AuthFailure 401 for EC2, InvalidClientTokenId 403 for ELBv2.
    let ec2_stranger = ec2_as(&url, "AKIDUNKNOWN", SECRET, &seen);
    let elb_stranger = elb_as(&url, "AKIDUNKNOWN", SECRET, &seen);
    assert_eq!(
        refusal(ec2_stranger.describe_vpcs().send().await),
        (
            "AuthFailure".into(),
            "AWS was not able to validate the provided access credentials".into(),
            401
        )
    );
    assert_eq!(
        refusal(elb_stranger.describe_load_balancers().send().await),
        (
            "InvalidClientTokenId".into(),
            "The security token included in the request is invalid.".into(),
            403
        )
    );

    // No signature at all, and one without its Signature part.
    let (status, _, body) = raw_post(&url, None, "Action=DescribeVpcs&Version=2016-11-15").await;
    assert_eq!(status, 401);
    assert!(
        body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{body}"
    );
    let (status, _, body) = raw_post(
        &url,
        None,
        "Action=DescribeLoadBalancers&Version=2015-12-01",
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse"),
        "{body}"
    );
    assert!(
        body.contains("<Code>MissingAuthenticationToken</Code>"),
        "{body}"
    );
    let partial = format!(
        "AWS4-HMAC-SHA256 Credential={KEY}/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host"
    );
    let (status, _, body) = raw_post(&url, Some(&partial), "Action=DescribeVpcs").await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>IncompleteSignature</Code>"), "{body}");
    assert!(
        body.contains("requires &apos;Signature&apos; parameter"),
        "{body}"
    );
}

#[tokio::test]
async fn verification_is_off_by_default() {
    let h = start().await;
    let seen = SeenAuth::default();
    let any = ec2_as(&h.server.url(), "AKIDANY", "any-secret", &seen);
    any.describe_vpcs().send().await.unwrap();
    let (status, _, _) = raw_post(&h.server.url(), None, "Action=DescribeVpcs").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn secrets_and_signatures_never_reach_journal_state_or_state_file() {
    let dir = crate::standalone::temp_dir("secrets-in-process");
    let state_path = dir.join("state.json");
    let fake = Fake::with_state_file(verifying_seed(), StateFile::new(&state_path)).unwrap();
    let server = fake.start().await.unwrap();
    let url = server.url();
    let seen = SeenAuth::default();
    let signatures = signed_traffic(&url, &seen).await;

    let journal = serde_json::to_string(&fake.journal()).unwrap();
    let state = serde_json::to_string(&fake.dump()).unwrap();
    let (_, _, journal_http) = get(&url, "/_fake/journal").await;
    let (_, _, state_http) = get(&url, "/_fake/state").await;
    let state_file = std::fs::read_to_string(&state_path).unwrap();
    let journal_file = std::fs::read_to_string(StateFile::new(&state_path).journal_path()).unwrap();
    assert!(journal.contains("CreateSubnet") && journal_file.contains("CreateSubnet"));
    assert!(state_file.contains("10.0.0.0/24"), "{state_file}");
    for (place, text) in [
        ("journal", &journal),
        ("state dump", &state),
        ("/_fake/journal", &journal_http),
        ("/_fake/state", &state_http),
        ("state file", &state_file),
        ("journal file", &journal_file),
    ] {
        assert_no_secrets(place, text, &signatures);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Signed requests of both services, good and refused; returns every
/// signature sent.
pub(crate) async fn signed_traffic(url: &str, seen: &SeenAuth) -> Vec<String> {
    let ec2 = ec2_as(url, KEY, SECRET, seen);
    let elb = elb_as(url, KEY, SECRET, seen);
    let vpc_id = vpc_via(&ec2).await;
    ec2.create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.0.0.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await
        .unwrap();
    elb.describe_load_balancers().send().await.unwrap();
    // Refused ones too: a wrong secret and a forged header.
    refusal(
        ec2_as(url, KEY, "wrong-secret-Q7", seen)
            .describe_vpcs()
            .send()
            .await,
    );
    let forged = format!(
        "AWS4-HMAC-SHA256 Credential={KEY}/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=feedfacefeedface"
    );
    raw_post(url, Some(&forged), "Action=DescribeVpcs").await;
    let mut signatures = seen.signatures();
    signatures.push("feedfacefeedface".to_owned());
    assert!(signatures.len() >= 5, "{signatures:?}");
    signatures
}

pub(crate) fn assert_no_secrets(place: &str, text: &str, signatures: &[String]) {
    for secret in [SECRET, "wrong-secret-Q7", "other-account-secret"] {
        assert!(!text.contains(secret), "{place} holds a secret key");
    }
    for sig in signatures {
        assert!(
            !text.contains(sig.as_str()),
            "{place} holds the signature {sig}"
        );
    }
    assert!(
        !text.contains("Signature="),
        "{place} holds an Authorization header"
    );
}

/// The credentials of [`verifying_seed`] as a `--credentials` file.
pub(crate) fn credentials_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("credentials.yaml");
    std::fs::write(
        &path,
        format!("{KEY}: {SECRET}\n\"210987654321\": other-account-secret\n"),
    )
    .unwrap();
    path
}

async fn vpc_via(ec2: &aws_sdk_ec2::Client) -> String {
    ec2.create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap()
}

/// A request refused for its signature is answered but not journaled (its
/// parameters are anyone's, up to the 8 MB body); it still takes a request
/// number, so ids never repeat.
#[tokio::test]
async fn requests_refused_for_their_signature_are_not_journaled() {
    let fake = Fake::from_seed(verifying_seed()).unwrap();
    let server = fake.start().await.unwrap();
    let url = server.url();
    let junk = "x".repeat(1024 * 1024);
    for _ in 0..3 {
        let (status, _, _) = raw_post(
            &url,
            None,
            &format!("Action=DescribeVpcs&Version=2016-11-15&Junk={junk}"),
        )
        .await;
        assert_eq!(status, 401);
    }
    let seen = SeenAuth::default();
    refusal(
        ec2_as(&url, KEY, "not-the-secret", &seen)
            .describe_vpcs()
            .send()
            .await,
    );
    assert!(fake.journal().is_empty(), "{:?}", fake.journal());
    let ok = ec2_as(&url, KEY, SECRET, &seen);
    ok.describe_vpcs().send().await.unwrap();
    let journal = fake.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!((journal[0].seq, journal[0].status), (5, 200));
}
