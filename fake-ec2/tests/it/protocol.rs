//! Wire-level behaviour: envelopes byte for byte, routing, regions, accounts,
//! faults, and answers to malformed input.

use crate::common::*;

#[tokio::test]
async fn success_envelope_bytes() {
    let h = start().await;
    let (status, headers, body) = raw_post(
        &h.server.url(),
        Some(&sigv4("us-east-1", "ec2")),
        "Action=DescribeVpcs&Version=2016-11-15",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "x-amzn-requestid"),
        Some("00000000-0000-4000-8000-000000000001")
    );
    assert_eq!(
        header(&headers, "content-type"),
        Some("text/xml;charset=UTF-8")
    );
    assert_eq!(header(&headers, "server"), Some("AmazonEC2"));
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>00000000-0000-4000-8000-000000000001</requestId><vpcSet/></DescribeVpcsResponse>"
    );
}

#[tokio::test]
async fn error_envelope_bytes() {
    let h = start().await;
    let (status, headers, body) = raw_post(
        &h.server.url(),
        None,
        "Action=DescribeUnicorns&Version=2016-11-15",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        header(&headers, "x-amzn-requestid"),
        Some("00000000-0000-4000-8000-000000000001")
    );
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>InvalidAction</Code><Message>The action DescribeUnicorns is not valid for this web service.</Message></Error></Errors><RequestID>00000000-0000-4000-8000-000000000001</RequestID></Response>"
    );
}

#[tokio::test]
async fn dry_run_envelope_bytes() {
    let h = start().await;
    let (status, _, body) = raw_post(
        &h.server.url(),
        None,
        "Action=CreateVpc&Version=2016-11-15&CidrBlock=10.0.0.0%2F16&DryRun=true",
    )
    .await;
    assert_eq!(status, 412);
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>DryRunOperation</Code><Message>Request would have succeeded, but DryRun flag is set.</Message></Error></Errors><RequestID>00000000-0000-4000-8000-000000000001</RequestID></Response>"
    );
}

#[tokio::test]
async fn elbv2_is_routed_by_scope_and_by_version() {
    let h = start().await;
    let (status, _, body) = raw_post(
        &h.server.url(),
        Some(&sigv4("us-east-1", "elasticloadbalancing")),
        "Action=Nope&Version=2015-12-01",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender</Type><Code>InvalidAction</Code>"), "{body}");
    assert!(
        body.ends_with(
            "<RequestId>00000000-0000-4000-8000-000000000001</RequestId></ErrorResponse>"
        ),
        "{body}"
    );
    let (_, _, body) = raw_post(&h.server.url(), None, "Action=Nope&Version=2015-12-01").await;
    assert!(body.contains("<ErrorResponse"), "{body}");
    let (_, _, body) = raw_post(&h.server.url(), None, "Action=Nope&Version=2016-11-15").await;
    assert!(body.contains("<Response><Errors>"), "{body}");
}

#[tokio::test]
async fn regions_and_accounts_are_separate_worlds() {
    let h = start().await;
    vpc(&h, "10.0.0.0/16", false).await;
    let west = ec2_client(&h.server.url(), "us-west-2");
    assert!(west.describe_vpcs().send().await.unwrap().vpcs().is_empty());
    // A 12-digit access key id selects that account.
    let (_, _, body) = raw_post(
        &h.server.url(),
        Some("AWS4-HMAC-SHA256 Credential=210987654321/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00"),
        "Action=DescribeVpcs&Version=2016-11-15",
    )
    .await;
    assert!(body.contains("<vpcSet/>"), "{body}");
    let accounts: Vec<String> = h.fake.journal().iter().map(|e| e.account.clone()).collect();
    assert_eq!(accounts.last().map(String::as_str), Some("210987654321"));
    assert_eq!(h.fake.journal()[0].account, "123456789012");
}

#[tokio::test]
async fn missing_action_and_garbage_get_aws_errors() {
    let h = start().await;
    let (status, _, body) = raw_post(&h.server.url(), None, "").await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>MissingAction</Code>"), "{body}");
    let (status, _, body) = raw_post(&h.server.url(), None, "%%%&&&==\u{1}<>").await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>MissingAction</Code>"), "{body}");
    let (status, _, body) = raw_post(
        &h.server.url(),
        None,
        "Action=CreateVpc&CidrBlock=%3Cscript%3E",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("Value (&lt;script&gt;) for parameter cidrBlock"),
        "{body}"
    );
    let (status, _, body) = raw_post(
        &h.server.url(),
        None,
        "Action=CreateVpc&CidrBlock=10.0.0.0%2F16&DryRun=maybe",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("<Code>InvalidParameterValue</Code>"),
        "{body}"
    );
}

#[tokio::test]
async fn get_with_query_string() {
    let h = start().await;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = h.server.url().trim_start_matches("http://").to_owned();
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(format!("GET /?Action=DescribeVpcs&Version=2016-11-15 HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("<DescribeVpcsResponse"), "{out}");
}

#[tokio::test]
async fn injected_faults_reach_the_sdk_with_aws_statuses() {
    let h = start().await;
    h.fake.set_faults(
        vec![
            fake_ec2::FaultRule {
                action: Some("DescribeVpcs".into()),
                error: Some("RequestLimitExceeded".into()),
                nth: Some(1),
                ..Default::default()
            },
            fake_ec2::FaultRule {
                action: Some("CreateVpc".into()),
                error: Some("InternalError".into()),
                times: Some(1),
                ..Default::default()
            },
        ],
        0,
    );
    let r = h.ec2.describe_vpcs().send().await;
    let e = r.unwrap_err();
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(503));
    assert_eq!(
        aws_sdk_ec2::error::ProvideErrorMetadata::code(&e),
        Some("RequestLimitExceeded")
    );
    let r = h.ec2.create_vpc().cidr_block("10.0.0.0/16").send().await;
    let e = r.unwrap_err();
    assert_eq!(e.raw_response().map(|r| r.status().as_u16()), Some(500));
    // Each rule fired once; the calls after succeed.
    h.ec2.describe_vpcs().send().await.unwrap();
    h.ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .send()
        .await
        .unwrap();
    let injected = h.fake.journal().iter().filter(|e| e.injected).count();
    assert_eq!(injected, 2);
}

/// Server-side codes keep AWS's 5xx statuses (so ELBv2 says `Receiver` and
/// SDKs retry by status); throttling keeps its own. Each code is injected
/// once on each service and read back through the real SDKs.
#[tokio::test]
async fn injected_server_side_codes_keep_their_statuses_and_fault_type() {
    let h = start().await;
    let cases = [
        ("InternalError", 500),
        ("InternalFailure", 500),
        ("Unavailable", 503),
        ("ServiceUnavailable", 503),
        ("InsufficientInstanceCapacity", 500),
        ("RequestLimitExceeded", 503),
        ("Throttling", 400),
        ("ThrottlingException", 400),
    ];
    for (code, status) in cases {
        h.fake.set_faults(
            vec![fake_ec2::FaultRule {
                error: Some(code.into()),
                times: Some(2),
                ..Default::default()
            }],
            0,
        );
        let e = h.ec2.describe_vpcs().send().await.unwrap_err();
        assert_eq!(
            e.raw_response().map(|r| r.status().as_u16()),
            Some(status),
            "{code}"
        );
        assert_eq!(
            aws_sdk_ec2::error::ProvideErrorMetadata::code(&e),
            Some(code)
        );
        let e = h.elb.describe_load_balancers().send().await.unwrap_err();
        let raw = e.raw_response().expect("a service answer");
        assert_eq!(raw.status().as_u16(), status, "{code}");
        let body = std::str::from_utf8(raw.body().bytes().unwrap()).unwrap();
        let kind = if status >= 500 { "Receiver" } else { "Sender" };
        assert!(
            body.contains(&format!("<Type>{kind}</Type><Code>{code}</Code>")),
            "{code}: {body}"
        );
        assert_eq!(
            aws_sdk_elasticloadbalancingv2::error::ProvideErrorMetadata::code(&e),
            Some(code)
        );
    }
}

#[tokio::test]
async fn sdk_retries_throttling_from_the_fake() {
    let h = start().await;
    h.fake.set_faults(
        vec![fake_ec2::FaultRule {
            action: Some("DescribeVpcs".into()),
            error: Some("RequestLimitExceeded".into()),
            times: Some(2),
            ..Default::default()
        }],
        0,
    );
    let conf = aws_sdk_ec2::Config::builder()
        .behavior_version(aws_sdk_ec2::config::BehaviorVersion::latest())
        .region(aws_sdk_ec2::config::Region::new(REGION))
        .credentials_provider(aws_sdk_ec2::config::Credentials::new(
            "AKIDTEST",
            "not-a-secret",
            None,
            None,
            "test",
        ))
        .endpoint_url(h.server.url())
        .retry_config(
            aws_sdk_ec2::config::retry::RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(std::time::Duration::from_millis(1)),
        )
        .build();
    let client = aws_sdk_ec2::Client::from_conf(conf);
    client.describe_vpcs().send().await.unwrap();
    assert_eq!(h.fake.journal().len(), 3);
}

#[tokio::test]
async fn journal_never_holds_credentials() {
    let h = start().await;
    vpc(&h, "10.0.0.0/16", false).await;
    raw_post(
        &h.server.url(),
        None,
        "Action=DescribeVpcs&X-Amz-Credential=AKIDSECRET%2F20261125%2Fus-east-1%2Fec2%2Faws4_request&X-Amz-Signature=deadbeef&X-Amz-Security-Token=tok",
    )
    .await;
    let text = serde_json::to_string(&h.fake.journal()).unwrap();
    for secret in [
        "not-a-secret",
        "deadbeef",
        "AKIDSECRET",
        "Signature",
        "tok\"",
    ] {
        assert!(!text.contains(secret), "journal leaks {secret}: {text}");
    }
}

#[tokio::test]
async fn oversized_body_gets_an_aws_error() {
    let h = start().await;
    let big = format!(
        "Action=DescribeVpcs&Pad={}",
        "x".repeat(fake_ec2::server::MAX_BODY + 10)
    );
    let (status, _, body) = raw_post(&h.server.url(), None, &big).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("<Code>RequestEntityTooLarge</Code>"),
        "{body}"
    );
}

#[tokio::test]
async fn fake_endpoints() {
    let h = start().await;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = h.server.url().trim_start_matches("http://").to_owned();
    vpc(&h, "10.0.0.0/16", false).await;
    for (method, path, needle) in [
        ("GET", "/_fake/health", "\"status\": \"ok\""),
        ("GET", "/_fake/state", "\"vpcs\""),
        ("GET", "/_fake/journal", "\"CreateVpc\""),
        ("POST", "/_fake/reset", "\"reset\": true"),
    ] {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{path}: {out}");
        assert!(out.contains(needle), "{path}: {out}");
    }
    assert!(
        h.ec2
            .describe_vpcs()
            .send()
            .await
            .unwrap()
            .vpcs()
            .is_empty()
    );
}

#[tokio::test]
async fn elbv2_envelopes_are_aws_query_shaped() {
    let h = start().await;
    let auth = sigv4("us-east-1", "elasticloadbalancing");
    let (status, headers, body) = raw_post(&h.server.url(), Some(&auth), "Action=DeleteLoadBalancer&Version=2015-12-01&LoadBalancerArn=arn%3Aaws%3Aelasticloadbalancing%3Aus-east-1%3A123456789012%3Aloadbalancer%2Fnet%2Fx%2F1").await;
    assert_eq!(status, 200);
    assert_eq!(
        header(&headers, "x-amzn-requestid"),
        Some("00000000-0000-4000-8000-000000000001")
    );
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteLoadBalancerResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><DeleteLoadBalancerResult/><ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000001</RequestId></ResponseMetadata></DeleteLoadBalancerResponse>"
    );
    let (status, _, body) = raw_post(
        &h.server.url(),
        Some(&auth),
        "Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1=nope",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/\"><Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code><Message>One or more load balancers not found</Message></Error><RequestId>00000000-0000-4000-8000-000000000002</RequestId></ErrorResponse>"
    );
    // An empty list arrives as a bare `Names=`.
    let (status, _, body) = raw_post(
        &h.server.url(),
        Some(&auth),
        "Action=DescribeLoadBalancers&Version=2015-12-01&Names=",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains(
            "<DescribeLoadBalancersResult><LoadBalancers/></DescribeLoadBalancersResult>"
        ),
        "{body}"
    );
}
