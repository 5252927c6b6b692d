//! Where each client is pointed for every combination of the options and
//! the environment, and how a client without an endpoint behaves.

use std::collections::BTreeMap;

use super::*;

const EC2: &str = "AWS_ENDPOINT_URL_EC2";
const ELB: &str = "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2";
const ALL: &str = "AWS_ENDPOINT_URL";

fn run(
    vars: &[(&str, &str)],
    flag_url: Option<&str>,
    aws: bool,
    uses: &[Service],
) -> Result<Option<Target>, TargetError> {
    let env: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let opts = TargetOptions {
        region: "us-east-1".into(),
        endpoint_url: flag_url.map(str::to_owned),
        aws,
        timeouts: Timeouts::default(),
    };
    resolve(&opts, &|k| env.get(k).cloned(), uses)
}

fn ep(url: &str, source: &'static str) -> Option<Endpoint> {
    Some(Endpoint {
        url: url.into(),
        source,
    })
}

/// Every combination of the three variables, `--endpoint-url` and
/// `--aws`, for a command that uses both services: where each client
/// is pointed, or why it is refused. No combination without `--aws`
/// leaves a service to the SDK's default (an AWS host).
#[test]
fn every_combination_points_each_client_or_is_refused() {
    let both = [Service::Ec2, Service::Elbv2];
    let mut seen = 0;
    for mask in 0..32u32 {
        let mut vars = Vec::new();
        if mask & 1 != 0 {
            vars.push((EC2, "http://ec2.test:1"));
        }
        if mask & 2 != 0 {
            vars.push((ELB, "http://elb.test:2"));
        }
        if mask & 4 != 0 {
            vars.push((ALL, "http://all.test:3"));
        }
        let flag = (mask & 8 != 0).then_some("http://flag.test:4");
        let aws = mask & 16 != 0;
        let got = run(&vars, flag, aws, &both);
        let any = mask & 15 != 0;
        match (aws, any) {
            (true, true) => assert!(
                matches!(got, Err(TargetError::Conflict(_))),
                "{mask}: {got:?}"
            ),
            (true, false) => assert_eq!(
                got.unwrap(),
                Some(Target::Aws {
                    region: "us-east-1".into()
                }),
                "{mask}"
            ),
            (false, false) => assert_eq!(got.unwrap(), None, "{mask}: embedded"),
            (false, true) => {
                let ec2 = if flag.is_some() {
                    ep("http://flag.test:4", "--endpoint-url")
                } else if mask & 1 != 0 {
                    ep("http://ec2.test:1", EC2)
                } else if mask & 4 != 0 {
                    ep("http://all.test:3", ALL)
                } else {
                    None
                };
                let elb = if flag.is_some() {
                    ep("http://flag.test:4", "--endpoint-url")
                } else if mask & 2 != 0 {
                    ep("http://elb.test:2", ELB)
                } else if mask & 4 != 0 {
                    ep("http://all.test:3", ALL)
                } else {
                    None
                };
                // Not used by the command, but pointed where every service is.
                let eks = if flag.is_some() {
                    ep("http://flag.test:4", "--endpoint-url")
                } else if mask & 4 != 0 {
                    ep("http://all.test:3", ALL)
                } else {
                    None
                };
                let sts = eks.clone();
                match (&ec2, &elb) {
                    (Some(_), Some(_)) => assert_eq!(
                        got.unwrap(),
                        Some(Target::Endpoint(Overrides { ec2, elb, eks, sts })),
                        "{mask}"
                    ),
                    (None, _) => match got {
                        Err(TargetError::Partial { missing, .. }) => assert_eq!(missing, EC2),
                        other => panic!("{mask}: {other:?}"),
                    },
                    (_, None) => match got {
                        Err(TargetError::Partial { missing, .. }) => assert_eq!(missing, ELB),
                        other => panic!("{mask}: {other:?}"),
                    },
                }
            }
        }
        seen += 1;
    }
    assert_eq!(seen, 32);
}

#[test]
fn a_partial_override_names_the_missing_variable() {
    let e = run(
        &[(EC2, "http://127.0.0.1:4566")],
        None,
        false,
        &Service::ALL,
    )
    .unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("AWS_ENDPOINT_URL_EC2 points ec2 at http://127.0.0.1:4566"),
        "{text}"
    );
    assert!(
        text.contains("set AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 too"),
        "{text}"
    );
}

/// A command that only calls EC2 (`instance-types`) takes an EC2-only
/// override; its ELBv2 client has no endpoint and refuses every call.
#[test]
fn an_unused_service_needs_no_endpoint() {
    let got = run(&[(EC2, "http://127.0.0.1:1")], None, false, &[Service::Ec2]).unwrap();
    assert_eq!(
        got,
        Some(Target::Endpoint(Overrides {
            ec2: ep("http://127.0.0.1:1", EC2),
            ..Overrides::default()
        }))
    );
    assert_eq!(
        got.unwrap().to_string(),
        "endpoints ec2 http://127.0.0.1:1 (from AWS_ENDPOINT_URL_EC2), elasticloadbalancing none (not used)"
    );
}

#[tokio::test]
async fn a_client_without_an_endpoint_sends_nothing() {
    let conf = fake_config("us-east-1", Timeouts::default(), https_client());
    let elb = elb_from(&conf, None, None);
    let e = elb.describe_load_balancers().send().await.unwrap_err();
    let text = aws_smithy_types::error::display::DisplayErrorContext(&e).to_string();
    assert!(
        text.contains("no endpoint is configured for elasticloadbalancing"),
        "{text}"
    );
}

/// The account a target's credentials are: the fake's from STS; none
/// asked when per-service variables leave STS out; a 12-digit key (the
/// fake's account rule) names its own.
#[tokio::test]
async fn the_account_comes_from_sts() {
    let fake = fake_ec2::Fake::new();
    let server = fake.start().await.unwrap();
    let url = server.url();
    let clients = Clients::for_fake(fake.clone(), server, "us-east-1");
    assert_eq!(clients.account().await.as_deref(), Ok("123456789012"));
    let journal = fake.journal();
    assert_eq!(
        journal.last().map(|e| e.action.as_str()),
        Some("GetCallerIdentity")
    );
    let mut partial = Clients::for_endpoint(&url, "AWS_ENDPOINT_URL_EC2", "us-east-1");
    if let Target::Endpoint(o) = &mut partial.target {
        o.sts = None;
    }
    let why = partial.account().await.unwrap_err();
    assert!(why.contains("AWS_ENDPOINT_URL_STS"), "{why}");
    let conf = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(aws_sdk_ec2::config::SharedCredentialsProvider::new(
            Credentials::new("210987654321", "x", None, None, "test"),
        ))
        .build();
    let mut other = Clients::for_endpoint(&url, "--endpoint-url", "us-east-1");
    other.sts = sts_from(&conf, Some(&url), None);
    assert_eq!(other.account().await.as_deref(), Ok("210987654321"));
}

/// A fake that answers 500 to everything drains its clients' retry
/// quota; another fake's clients still retry (the quota is theirs).
/// With the SDK's shared per-service quota the second call fails.
#[tokio::test]
async fn each_client_set_has_its_own_retry_quota() {
    let rule =
        |json: serde_json::Value| -> fake_ec2::FaultRule { serde_json::from_value(json).unwrap() };
    let broken = fake_ec2::Fake::new();
    let broken_server = broken.start().await.unwrap();
    broken.set_faults(
        vec![rule(
            serde_json::json!({"action": "DescribeVpcs", "error": "InternalError"}),
        )],
        0,
    );
    let drained = ec2_client(&broken_server.url(), "us-east-1");
    for _ in 0..8 {
        assert!(drained.describe_vpcs().send().await.is_err());
    }
    let flaky = fake_ec2::Fake::new();
    let flaky_server = flaky.start().await.unwrap();
    flaky.set_faults(
        vec![rule(
            serde_json::json!({"action": "DescribeVpcs", "error": "InternalError", "nth": 1}),
        )],
        0,
    );
    let healthy = ec2_client(&flaky_server.url(), "us-east-1");
    healthy
        .describe_vpcs()
        .send()
        .await
        .expect("one 500, then a retry with this client's own quota");
}

#[test]
fn ignored_variables_and_empty_values_do_not_count() {
    let got = run(
        &[
            (EC2, "http://x:1"),
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
        ],
        None,
        false,
        &Service::ALL,
    );
    assert_eq!(got.unwrap(), None);
    assert_eq!(run(&[(ALL, "")], None, false, &Service::ALL).unwrap(), None);
    // The flag is never ignored.
    let got = run(
        &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")],
        Some("http://f:1"),
        true,
        &Service::ALL,
    );
    assert!(matches!(got, Err(TargetError::Conflict("--endpoint-url"))));
}

#[test]
fn endpoint_urls_are_checked() {
    for bad in ["not-a-url", "ftp://x:1", "127.0.0.1:4566", "http://"] {
        let got = run(&[], Some(bad), false, &Service::ALL);
        assert!(
            matches!(got, Err(TargetError::BadUrl { .. })),
            "{bad}: {got:?}"
        );
    }
    let e = run(&[(ALL, "not a url")], None, false, &Service::ALL).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("AWS_ENDPOINT_URL: 'not a url' is not an endpoint URL"),
        "{e}"
    );
    for good in [
        "http://127.0.0.1:4566",
        "https://ec2.example.com",
        "http://[::1]:4566/",
    ] {
        assert!(run(&[], Some(good), false, &Service::ALL).is_ok(), "{good}");
    }
}

#[test]
fn the_banner_names_every_service() {
    let t = run(
        &[(EC2, "http://a:1"), (ALL, "http://b:2")],
        None,
        false,
        &Service::ALL,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        t.to_string(),
        "endpoints ec2 http://a:1 (from AWS_ENDPOINT_URL_EC2), elasticloadbalancing http://b:2 (from AWS_ENDPOINT_URL), eks http://b:2 (from AWS_ENDPOINT_URL), sts http://b:2 (from AWS_ENDPOINT_URL)"
    );
    let t = run(&[], Some("http://a:1"), false, &Service::ALL)
        .unwrap()
        .unwrap();
    assert_eq!(
        t.to_string(),
        "endpoint http://a:1 (from --endpoint-url) for ec2, elasticloadbalancing, eks and sts"
    );
}

/// An EKS cluster's commands call EKS too: per-service variables must
/// point it somewhere (`AWS_ENDPOINT_URL_EKS`), or the command is refused
/// before anything is sent; without EKS among its services, a command is
/// not asked for one.
#[test]
fn eks_has_its_own_variable() {
    const EKS: &str = "AWS_ENDPOINT_URL_EKS";
    let two = [(EC2, "http://e:1"), (ELB, "http://e:1")];
    let e = run(&two, None, false, &Service::ALL).unwrap_err();
    assert!(
        matches!(e, TargetError::Partial { missing, .. } if missing == EKS),
        "{e}"
    );
    assert!(
        run(&two, None, false, &[Service::Ec2, Service::Elbv2])
            .unwrap()
            .is_some()
    );
    let three = [two[0], two[1], (EKS, "http://k:2")];
    let t = run(&three, None, false, &Service::ALL).unwrap().unwrap();
    assert_eq!(t.endpoint_of(Service::Eks), "http://k:2");
    assert_eq!(
        t.to_string(),
        "endpoints ec2 http://e:1 (from AWS_ENDPOINT_URL_EC2), elasticloadbalancing http://e:1 \
         (from AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2), eks http://k:2 (from AWS_ENDPOINT_URL_EKS)"
    );
    let e = run(&[(EKS, "http://k:2")], None, true, &Service::ALL).unwrap_err();
    assert!(matches!(e, TargetError::Conflict(EKS)), "{e}");
}

/// The embedded account holds the key pair `default` in the region asked
/// for (a real one: AWS's fingerprint of the public key), not in others;
/// a world that lists the region's key pairs, even none, keeps its list.
#[tokio::test]
async fn the_embedded_account_has_a_default_key_pair() {
    let fake = embedded_fake(fake_ec2::Seed::default(), "eu-west-1").unwrap();
    let server = fake.start().await.unwrap();
    let there = ec2_client(&server.url(), "eu-west-1");
    let keys = there.describe_key_pairs().send().await.unwrap();
    let names: Vec<_> = keys
        .key_pairs()
        .iter()
        .filter_map(|k| k.key_name())
        .collect();
    assert_eq!(names, ["default"]);
    let fingerprint = keys.key_pairs()[0].key_fingerprint().unwrap_or_default();
    assert!(
        fingerprint.ends_with('='),
        "SHA-256 base64 fingerprint: {fingerprint}"
    );
    let elsewhere = ec2_client(&server.url(), "us-east-1");
    let none = elsewhere.describe_key_pairs().send().await.unwrap();
    assert!(none.key_pairs().is_empty());

    let world: fake_ec2::Seed =
        serde_saphyr::from_str("regions: {eu-west-1: {key_pairs: []}}").unwrap();
    let kept = embedded_world(world, "eu-west-1");
    assert_eq!(
        kept.regions["eu-west-1"].key_pairs.as_deref(),
        Some(&[][..])
    );
}

/// The clients of a fake by URL are given one HTTPS client (set in their
/// config), not left to build one each, which reads the root certificates
/// once per client.
#[test]
fn clients_of_an_endpoint_share_one_http_client() {
    let c = Clients::for_endpoint("http://127.0.0.1:1", "test", "us-east-1");
    assert!(c.ec2.config().http_client().is_some(), "ec2");
    assert!(c.elb.config().http_client().is_some(), "elbv2");
    assert!(c.elb_classic.config().http_client().is_some(), "elb");
    assert!(c.eks.config().http_client().is_some(), "eks");
    assert!(c.sts.config().http_client().is_some(), "sts");
    let lone = ec2_client("http://127.0.0.1:1", "us-east-1");
    assert!(lone.config().http_client().is_some(), "ec2_client");
}

/// The in-process clients turn stalled-stream protection off (their
/// bodies are in memory) and still sign; an endpoint's clients keep the
/// SDK's default (on). A signing-off layer set sends unsigned requests,
/// whose region the fake cannot tell (the signature's scope names it).
#[tokio::test]
async fn in_process_clients_drop_only_stalled_stream_protection() {
    let fake = fake_ec2::Fake::new();
    let c = Clients::in_process(fake.clone(), "us-east-1", Timeouts::default());
    for (service, stalled) in [
        ("ec2", c.ec2.config().stalled_stream_protection()),
        ("elb", c.elb.config().stalled_stream_protection()),
        ("eks", c.eks.config().stalled_stream_protection()),
        ("sts", c.sts.config().stalled_stream_protection()),
    ] {
        assert_eq!(stalled.map(|s| s.is_enabled()), Some(false), "{service}");
    }
    c.ec2
        .describe_vpcs()
        .send()
        .await
        .expect("signed and routed");
    let signed = fake.journal().last().map(|e| e.action.clone());
    assert_eq!(signed.as_deref(), Some("DescribeVpcs"));

    let url = "http://127.0.0.1:1";
    let e = Clients::for_endpoint(url, "test", "us-east-1");
    let stalled = e.ec2.config().stalled_stream_protection();
    assert!(stalled.is_none_or(|s| s.is_enabled()), "{stalled:?}");

    let unsigned = SdkLayers {
        signing: false,
        ..SdkLayers::IN_PROCESS
    };
    let http = in_process_http_client(fake.clone());
    let u = Clients::over(
        http,
        fake.clone(),
        "eu-west-1",
        Timeouts::default(),
        unsigned,
    );
    u.ec2
        .describe_vpcs()
        .send()
        .await
        .expect("answered unsigned");
    // Without a scope the fake cannot tell the region: the call lands in
    // its default one, not the client's.
    let entry = fake.journal().last().cloned().expect("journaled");
    assert_eq!(
        (entry.action.as_str(), entry.region.as_str()),
        ("DescribeVpcs", "us-east-1")
    );
}

/// The clients record every call they make, in the order they started,
/// with its status and AWS's error code when refused.
#[tokio::test]
async fn clients_record_their_calls() {
    let fake = embedded_fake(fake_ec2::Seed::default(), "us-east-1").unwrap();
    let clients = Clients::in_process(fake, "us-east-1", Timeouts::default());
    assert!(clients.calls.is_empty());
    clients.ec2.describe_vpcs().send().await.unwrap();
    let refused = clients
        .ec2
        .describe_subnets()
        .subnet_ids("subnet-00000000000000999")
        .send()
        .await;
    assert!(refused.is_err());
    let calls = clients.calls.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert_eq!(calls[0].operation, "DescribeVpcs");
    assert_eq!(calls[0].service, "EC2");
    assert_eq!(calls[0].status, Some(200));
    assert_eq!(calls[0].error_code, None);
    assert_eq!(calls[0].attempts, 1);
    assert_eq!(calls[1].operation, "DescribeSubnets");
    assert_eq!(calls[1].status, Some(400));
    assert_eq!(
        calls[1].error_code.as_deref(),
        Some("InvalidSubnetID.NotFound")
    );
    assert!(calls[0].started_ms <= calls[1].started_ms);
}
