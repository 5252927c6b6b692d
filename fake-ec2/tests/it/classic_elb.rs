//! Classic Elastic Load Balancing (API 2012-06-01) through the real
//! `aws-sdk-elasticloadbalancing` client: one test per rule of the README's
//! classic ELB table, a round trip of every action, paging, routing on
//! `Version`, and a dualstack end to end.

use aws_sdk_elasticloadbalancing::operation::create_load_balancer::builders::CreateLoadBalancerFluentBuilder;
use aws_sdk_elasticloadbalancing::types::{
    AccessLog, AdditionalAttribute, ConnectionDraining, ConnectionSettings, CrossZoneLoadBalancing,
    HealthCheck, Instance, Listener, LoadBalancerAttributes, Tag, TagKeyOnly,
};
use fake_ec2::{FaultRule, Service};
use rstest::rstest;

use crate::common::*;

fn listener(protocol: &str, lb_port: i32, instance_port: i32) -> Listener {
    Listener::builder()
        .protocol(protocol)
        .load_balancer_port(lb_port)
        .instance_port(instance_port)
        .build()
        .unwrap()
}

fn instance(id: &str) -> Instance {
    Instance::builder().instance_id(id).build()
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder().key(key).value(value).build().unwrap()
}

/// A classic load balancer with a TCP:6443 listener over `subnets`.
fn create(h: &Harness, name: &str, subnets: &[String]) -> CreateLoadBalancerFluentBuilder {
    h.classic
        .create_load_balancer()
        .load_balancer_name(name)
        .listeners(listener("TCP", 6443, 6443))
        .set_subnets(Some(subnets.to_vec()))
}

/// [`net`] with an internet gateway attached: what internet-facing load
/// balancers need.
async fn public_net(h: &Harness) -> (Net, String) {
    let n = net(h).await;
    let igw = h
        .ec2
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway
        .unwrap()
        .internet_gateway_id
        .unwrap();
    h.ec2
        .attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&n.vpc)
        .send()
        .await
        .unwrap();
    (n, igw)
}

async fn launch(h: &Harness, subnet: &str) -> String {
    h.ec2
        .run_instances()
        .image_id(ami())
        .instance_type(aws_sdk_ec2::types::InstanceType::M5Large)
        .min_count(1)
        .max_count(1)
        .subnet_id(subnet)
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_owned()
}

async fn free_ipv4(h: &Harness, subnet: &str) -> i32 {
    h.ec2
        .describe_subnets()
        .subnet_ids(subnet)
        .send()
        .await
        .unwrap()
        .subnets()[0]
        .available_ip_address_count()
        .unwrap()
}

async fn describe(
    h: &Harness,
    name: &str,
) -> aws_sdk_elasticloadbalancing::types::LoadBalancerDescription {
    h.classic
        .describe_load_balancers()
        .load_balancer_names(name)
        .send()
        .await
        .unwrap()
        .load_balancer_descriptions()[0]
        .clone()
}

#[rstest]
#[case::ok("api-1", "OK")]
#[case::thirty_two("a2345678901234567890123456789012", "OK")]
#[case::thirty_three("a23456789012345678901234567890123", "ValidationError")]
#[case::leading_hyphen("-api", "ValidationError")]
#[case::trailing_hyphen("api-", "ValidationError")]
#[case::underscore("my_api", "ValidationError")]
#[tokio::test]
async fn load_balancer_names_follow_aws_rules(#[case] name: &str, #[case] expected: &str) {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    assert_eq!(code_of(create(&h, name, &n.ds).send().await), expected);
}

#[rstest]
#[case::tcp_lower(listener("tcp", 6443, 6443), "OK")]
#[case::http(listener("HTTP", 80, 8080), "OK")]
#[case::udp(listener("UDP", 53, 53), "ValidationError")]
#[case::port_zero(listener("TCP", 0, 80), "ValidationError")]
#[case::port_65536(listener("TCP", 80, 65536), "ValidationError")]
#[case::layers_differ(Listener::builder().protocol("HTTP").load_balancer_port(80).instance_protocol("TCP").instance_port(80).build().unwrap(), "ValidationError")]
#[case::https_without_certificate(listener("HTTPS", 443, 80), "CertificateNotFound")]
#[case::ssl_with_certificate(Listener::builder().protocol("SSL").load_balancer_port(443).instance_port(6443).ssl_certificate_id("arn:aws:acm:us-east-1:123456789012:certificate/x").build().unwrap(), "OK")]
#[tokio::test]
async fn listeners_take_protocols_ports_and_certificates(
    #[case] l: Listener,
    #[case] expected: &str,
) {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    let r = h
        .classic
        .create_load_balancer()
        .load_balancer_name("api")
        .listeners(l)
        .set_subnets(Some(n.ds.clone()))
        .send()
        .await;
    assert_eq!(code_of(r), expected);
}

#[tokio::test]
async fn one_listener_per_port_and_at_least_one() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    let (code, _) = err(h
        .classic
        .create_load_balancer()
        .load_balancer_name("api")
        .set_subnets(Some(n.ds.clone()))
        .send()
        .await);
    assert_eq!(code, "ValidationError");
    let (code, _) = err(create(&h, "api", &n.ds)
        .listeners(listener("TCP", 6443, 7443))
        .send()
        .await);
    assert_eq!(code, "DuplicateListener");
    // The same listener twice is one listener; the default back end of a
    // TCP listener is TCP, of an HTTPS one HTTP.
    create(&h, "api", &n.ds)
        .listeners(listener("TCP", 6443, 6443))
        .listeners(
            Listener::builder()
                .protocol("HTTPS")
                .load_balancer_port(443)
                .instance_port(80)
                .ssl_certificate_id("arn:aws:iam::123456789012:server-certificate/x")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let lb = describe(&h, "api").await;
    let got: Vec<(String, i32, String, i32)> = lb
        .listener_descriptions()
        .iter()
        .map(|d| {
            let l = d.listener().unwrap();
            (
                l.protocol().to_owned(),
                l.load_balancer_port(),
                l.instance_protocol().unwrap().to_owned(),
                l.instance_port(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("TCP".to_owned(), 6443, "TCP".to_owned(), 6443),
            ("HTTPS".to_owned(), 443, "HTTP".to_owned(), 80)
        ]
    );
}

#[tokio::test]
async fn subnets_or_availability_zones() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    let (code, msg) = err(create(&h, "api", &[]).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "Either AvailabilityZones or SubnetIds must be specified"
        )
    );
    let (code, _) = err(create(&h, "api", &n.ds)
        .availability_zones("us-east-1a")
        .send()
        .await);
    assert_eq!(code, "ValidationError");
    // Zones alone need a default VPC, which the fake has not.
    let r = h
        .classic
        .create_load_balancer()
        .load_balancer_name("api")
        .listeners(listener("TCP", 80, 80))
        .availability_zones("us-east-1a")
        .send()
        .await;
    assert_eq!(code_of(r), "InvalidConfigurationRequest");
}

#[tokio::test]
async fn subnet_rules() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    let (code, _) = err(create(&h, "api", &["subnet-0000000000000dead".to_owned()])
        .send()
        .await);
    assert_eq!(code, "SubnetNotFound");
    let other = vpc(&h, "10.9.0.0/16", false).await;
    let elsewhere = subnet(&h, &other, "us-east-1b", Some("10.9.0.0/24"), None).await;
    let (code, _) = err(create(&h, "api", &[n.ds[0].clone(), elsewhere])
        .send()
        .await);
    assert_eq!(code, "InvalidConfigurationRequest");
    let (code, msg) = err(create(&h, "api", &[n.ds[0].clone(), n.v4[0].clone()])
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidConfigurationRequest",
            "A load balancer cannot be attached to multiple subnets in the same Availability Zone."
        )
    );
    // Two zones, one subnet each, IPv4-only or dualstack.
    create(&h, "api", &[n.ds[0].clone(), n.v4[1].clone()])
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn ipv6_only_subnets_are_refused() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    let (code, msg) = err(create(&h, "api", &[n.v6[0].clone()]).send().await);
    assert_eq!(code, "InvalidSubnet");
    assert!(msg.contains(&n.v6[0]) && msg.contains("IPv6-only"), "{msg}");
    let (code, _) = err(create(&h, "api", &[n.ds[0].clone(), n.v6[1].clone()])
        .scheme("internal")
        .send()
        .await);
    assert_eq!(code, "InvalidSubnet");
}

#[tokio::test]
async fn a_node_needs_eight_free_addresses() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    let tiny = subnet(&h, &n.vpc, "us-east-1a", Some("10.0.99.0/28"), None).await;
    // 11 usable addresses in a /28: take 4, leaving 7.
    for _ in 0..4 {
        launch(&h, &tiny).await;
    }
    let (code, msg) = err(create(&h, "api", &[tiny]).send().await);
    assert_eq!(code, "InvalidSubnet");
    assert!(msg.contains("at least 8 free IP addresses"), "{msg}");
}

#[tokio::test]
async fn internet_facing_needs_an_internet_gateway() {
    let h = start().await;
    let n = net(&h).await;
    let (code, msg) = err(create(&h, "api", &n.ds).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidSubnet",
            format!("VPC {} has no internet gateway", n.vpc).as_str()
        )
    );
    let dns = create(&h, "api", &n.ds)
        .scheme("internal")
        .send()
        .await
        .unwrap()
        .dns_name
        .unwrap();
    assert_eq!(dns, "internal-api-1000000001.us-east-1.elb.amazonaws.com");
    let (code, _) = err(create(&h, "bad", &n.ds).scheme("public").send().await);
    assert_eq!(code, "ValidationError");
}

#[tokio::test]
async fn security_groups_exist_in_the_vpc() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    let other = vpc(&h, "10.9.0.0/16", false).await;
    let foreign = h
        .ec2
        .create_security_group()
        .group_name("x")
        .description("x")
        .vpc_id(&other)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    for g in [foreign.as_str(), "sg-0000000000000dead"] {
        let (code, _) = err(create(&h, "api", &n.ds).security_groups(g).send().await);
        assert_eq!(code, "InvalidSecurityGroup", "{g}");
    }
    create(&h, "api", &n.ds).send().await.unwrap();
    let lb = describe(&h, "api").await;
    let default = h
        .ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(&n.vpc)
                .build(),
        )
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values("default")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .security_groups()[0]
        .group_id()
        .unwrap()
        .to_owned();
    assert_eq!(lb.security_groups(), [default]);
    let source = lb.source_security_group().unwrap();
    assert_eq!(source.group_name(), Some("default"));
    assert_eq!(source.owner_alias(), Some("123456789012"));
}

#[tokio::test]
async fn same_name_same_settings_is_the_same_load_balancer() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    let first = create(&h, "api", &n.ds).send().await.unwrap().dns_name;
    let again = create(&h, "api", &[n.ds[1].clone(), n.ds[0].clone()])
        .send()
        .await
        .unwrap()
        .dns_name;
    assert_eq!(first, again);
    assert_eq!(
        first.as_deref(),
        Some("api-1000000001.us-east-1.elb.amazonaws.com")
    );
    let (code, _) = err(create(&h, "api", &n.ds[..1]).send().await);
    assert_eq!(code, "DuplicateLoadBalancerName");
    let (code, _) = err(create(&h, "api", &n.ds).scheme("internal").send().await);
    assert_eq!(code, "DuplicateLoadBalancerName");
}

#[tokio::test]
async fn describe_load_balancers_names_and_paging() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    for name in ["a", "b", "c"] {
        create(&h, name, &n.ds).send().await.unwrap();
    }
    let (code, msg) = err(h
        .classic
        .describe_load_balancers()
        .load_balancer_names("a")
        .load_balancer_names("nope")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "LoadBalancerNotFound",
            "There is no ACTIVE Load Balancer named 'nope'"
        )
    );
    for size in [0, 401] {
        let r = h
            .classic
            .describe_load_balancers()
            .page_size(size)
            .send()
            .await;
        assert_eq!(code_of(r), "ValidationError", "{size}");
    }
    let r = h
        .classic
        .describe_load_balancers()
        .marker("bogus")
        .send()
        .await;
    assert_eq!(code_of(r), "ValidationError");
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = h
            .classic
            .describe_load_balancers()
            .page_size(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        names.extend(
            page.load_balancer_descriptions()
                .iter()
                .map(|d| d.load_balancer_name().unwrap().to_owned()),
        );
        marker = page.next_marker().map(str::to_owned);
        if marker.is_none() {
            break;
        }
    }
    assert_eq!(
        (names, pages),
        (vec!["a".into(), "b".into(), "c".into()], 2)
    );
}

fn health(target: &str, interval: i32, timeout: i32, unhealthy: i32, healthy: i32) -> HealthCheck {
    HealthCheck::builder()
        .target(target)
        .interval(interval)
        .timeout(timeout)
        .unhealthy_threshold(unhealthy)
        .healthy_threshold(healthy)
        .build()
        .unwrap()
}

#[rstest]
#[case::tcp("TCP:6443", 10, 5, 2, 3, "OK")]
#[case::http_path("HTTP:80/healthz", 30, 5, 2, 10, "OK")]
#[case::https_path("https:443/", 300, 60, 10, 10, "OK")]
#[case::ssl("SSL:443", 5, 2, 2, 2, "OK")]
#[case::http_without_path("HTTP:80", 30, 5, 2, 10, "ValidationError")]
#[case::tcp_with_path("TCP:80/x", 30, 5, 2, 10, "ValidationError")]
#[case::udp("UDP:53", 30, 5, 2, 10, "ValidationError")]
#[case::port_zero("TCP:0", 30, 5, 2, 10, "ValidationError")]
#[case::interval_4("TCP:80", 4, 2, 2, 10, "ValidationError")]
#[case::interval_301("TCP:80", 301, 5, 2, 10, "ValidationError")]
#[case::timeout_1("TCP:80", 30, 1, 2, 10, "ValidationError")]
#[case::timeout_61("TCP:80", 300, 61, 2, 10, "ValidationError")]
#[case::timeout_not_below_interval("TCP:80", 10, 10, 2, 10, "ValidationError")]
#[case::unhealthy_1("TCP:80", 30, 5, 1, 10, "ValidationError")]
#[case::healthy_11("TCP:80", 30, 5, 2, 11, "ValidationError")]
#[tokio::test]
async fn configure_health_check_rules(
    #[case] target: &str,
    #[case] interval: i32,
    #[case] timeout: i32,
    #[case] unhealthy: i32,
    #[case] healthy: i32,
    #[case] expected: &str,
) {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    create(&h, "api", &n.ds).send().await.unwrap();
    let r = h
        .classic
        .configure_health_check()
        .load_balancer_name("api")
        .health_check(health(target, interval, timeout, unhealthy, healthy))
        .send()
        .await;
    let ok = r.is_ok();
    assert_eq!(code_of(r), expected);
    let stored = describe(&h, "api").await.health_check().unwrap().clone();
    if ok {
        assert_eq!(
            stored.target().to_ascii_uppercase(),
            target.to_ascii_uppercase()
        );
        assert_eq!(stored.interval(), interval);
    } else {
        // The default check stays: TCP on the first listener's instance port.
        assert_eq!(stored, health("TCP:6443", 30, 5, 2, 10));
    }
}

#[tokio::test]
async fn configure_health_check_needs_the_load_balancer() {
    let h = start().await;
    let r = h
        .classic
        .configure_health_check()
        .load_balancer_name("nope")
        .health_check(health("TCP:80", 30, 5, 2, 10))
        .send()
        .await;
    assert_eq!(code(r), "LoadBalancerNotFound");
}

#[tokio::test]
async fn register_instances_rules() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    create(&h, "api", &n.ds).send().await.unwrap();
    let register = |id: &str| {
        h.classic
            .register_instances_with_load_balancer()
            .load_balancer_name("api")
            .instances(instance(id))
            .send()
    };
    let (code, msg) = err(register("i-0000000000000dead").await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidInstance",
            "Could not find EC2 instance i-0000000000000dead."
        )
    );
    let other = vpc(&h, "10.9.0.0/16", false).await;
    let elsewhere = subnet(&h, &other, "us-east-1a", Some("10.9.0.0/24"), None).await;
    let foreign = launch(&h, &elsewhere).await;
    let (code, msg) = err(register(&foreign).await);
    assert_eq!(code, "InvalidInstance");
    assert!(msg.contains("same VPC"), "{msg}");
    let gone = launch(&h, &n.ds[0]).await;
    h.ec2
        .terminate_instances()
        .instance_ids(&gone)
        .send()
        .await
        .unwrap();
    let (code, msg) = err(register(&gone).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidInstance",
            format!("EC2 instance {gone} is not in running state.").as_str()
        )
    );
    let r = h
        .classic
        .register_instances_with_load_balancer()
        .load_balancer_name("nope")
        .instances(instance(&gone))
        .send()
        .await;
    assert_eq!(code_of(r), "LoadBalancerNotFound");
    let a = launch(&h, &n.ds[0]).await;
    let b = launch(&h, &n.v4[1]).await;
    let listed = register(&a).await.unwrap();
    assert_eq!(listed.instances().len(), 1);
    // Registering again changes nothing; the answer lists every instance.
    let listed = h
        .classic
        .register_instances_with_load_balancer()
        .load_balancer_name("api")
        .instances(instance(&b))
        .instances(instance(&a))
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = listed
        .instances()
        .iter()
        .map(|i| i.instance_id().unwrap())
        .collect();
    assert_eq!(ids, [a.as_str(), b.as_str()]);
}

#[tokio::test]
async fn ipv6_only_instances_are_refused() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    create(&h, "api", &n.ds).send().await.unwrap();
    let v6 = launch(&h, &n.v6[0]).await;
    let (code, msg) = err(h
        .classic
        .register_instances_with_load_balancer()
        .load_balancer_name("api")
        .instances(instance(&v6))
        .send()
        .await);
    assert_eq!(code, "InvalidInstance");
    assert!(msg.contains(&v6) && msg.contains("IPv4"), "{msg}");
    assert!(describe(&h, "api").await.instances().is_empty());
}

#[tokio::test]
async fn deregister_instances_rules() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    create(&h, "api", &n.ds).send().await.unwrap();
    let a = launch(&h, &n.ds[0]).await;
    let b = launch(&h, &n.ds[1]).await;
    h.classic
        .register_instances_with_load_balancer()
        .load_balancer_name("api")
        .instances(instance(&a))
        .instances(instance(&b))
        .send()
        .await
        .unwrap();
    let deregister = |id: &str| {
        h.classic
            .deregister_instances_from_load_balancer()
            .load_balancer_name("api")
            .instances(instance(id))
            .send()
    };
    assert_eq!(
        code(deregister("i-0000000000000dead").await),
        "InvalidInstance"
    );
    let left = deregister(&a).await.unwrap();
    let ids: Vec<&str> = left
        .instances()
        .iter()
        .map(|i| i.instance_id().unwrap())
        .collect();
    assert_eq!(ids, [b.as_str()]);
    // No longer registered.
    assert_eq!(code(deregister(&a).await), "InvalidInstance");
}

#[tokio::test]
async fn instance_health_states() {
    let h = start_yaml("settle_reads: 1\n").await;
    let (n, _) = public_net(&h).await;
    create(&h, "api", &n.ds).send().await.unwrap();
    let a = launch(&h, &n.ds[0]).await;
    let b = launch(&h, &n.ds[1]).await;
    h.classic
        .register_instances_with_load_balancer()
        .load_balancer_name("api")
        .instances(instance(&a))
        .send()
        .await
        .unwrap();
    let states = |only: Option<&str>| {
        let call = h
            .classic
            .describe_instance_health()
            .load_balancer_name("api")
            .set_instances(only.map(|i| vec![instance(i)]));
        async move {
            call.send()
                .await
                .unwrap()
                .instance_states()
                .iter()
                .map(|s| {
                    (
                        s.instance_id().unwrap().to_owned(),
                        s.state().unwrap().to_owned(),
                        s.reason_code().unwrap().to_owned(),
                        s.description().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let st = |id: &str, s: &str, r: &str, d: &str| {
        (id.to_owned(), s.to_owned(), r.to_owned(), d.to_owned())
    };
    // One read sees the registration in progress, then it is in service.
    assert_eq!(
        states(None).await,
        [st(
            &a,
            "OutOfService",
            "ELB",
            "Instance registration is still in progress."
        )]
    );
    assert_eq!(states(None).await, [st(&a, "InService", "N/A", "N/A")]);
    assert_eq!(
        states(Some(&b)).await,
        [st(
            &b,
            "OutOfService",
            "ELB",
            "Instance is not currently registered with the LoadBalancer."
        )]
    );
    // An instance that stops is out of service.
    h.fake.with_world(|w| {
        w.region("123456789012", "us-east-1")
            .ec2
            .instances
            .get_mut(&a)
            .unwrap()
            .state = "stopped".to_owned();
    });
    assert_eq!(
        states(None).await,
        [st(
            &a,
            "OutOfService",
            "Instance",
            "Instance is in stopped state."
        )]
    );
    let r = h
        .classic
        .describe_instance_health()
        .load_balancer_name("api")
        .instances(instance("i-0000000000000dead"))
        .send()
        .await;
    assert_eq!(code(r), "InvalidInstance");
}

#[tokio::test]
async fn terminated_instances_leave_the_load_balancer() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    create(&h, "api", &n.ds).send().await.unwrap();
    let a = launch(&h, &n.ds[0]).await;
    let b = launch(&h, &n.ds[1]).await;
    h.classic
        .register_instances_with_load_balancer()
        .load_balancer_name("api")
        .instances(instance(&a))
        .instances(instance(&b))
        .send()
        .await
        .unwrap();
    h.ec2
        .terminate_instances()
        .instance_ids(&a)
        .send()
        .await
        .unwrap();
    let ids: Vec<String> = describe(&h, "api")
        .await
        .instances()
        .iter()
        .map(|i| i.instance_id().unwrap().to_owned())
        .collect();
    assert_eq!(ids, [b]);
}

#[tokio::test]
async fn load_balancer_attributes_defaults_and_changes() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    create(&h, "api", &n.ds).send().await.unwrap();
    let attrs = h
        .classic
        .describe_load_balancer_attributes()
        .load_balancer_name("api")
        .send()
        .await
        .unwrap()
        .load_balancer_attributes
        .unwrap();
    assert!(!attrs.cross_zone_load_balancing().unwrap().enabled());
    let draining = attrs.connection_draining().unwrap();
    assert_eq!((draining.enabled(), draining.timeout()), (false, Some(300)));
    assert_eq!(attrs.connection_settings().unwrap().idle_timeout(), 60);
    assert!(!attrs.access_log().unwrap().enabled());
    let extra = &attrs.additional_attributes()[0];
    assert_eq!(
        (extra.key(), extra.value()),
        (Some("elb.http.desyncmitigationmode"), Some("defensive"))
    );
    let changed = h
        .classic
        .modify_load_balancer_attributes()
        .load_balancer_name("api")
        .load_balancer_attributes(
            LoadBalancerAttributes::builder()
                .cross_zone_load_balancing(CrossZoneLoadBalancing::builder().enabled(true).build())
                .connection_draining(
                    ConnectionDraining::builder()
                        .enabled(true)
                        .timeout(120)
                        .build(),
                )
                .connection_settings(
                    ConnectionSettings::builder()
                        .idle_timeout(3600)
                        .build()
                        .unwrap(),
                )
                .access_log(
                    AccessLog::builder()
                        .enabled(true)
                        .s3_bucket_name("logs")
                        .emit_interval(5)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(changed.load_balancer_name(), Some("api"));
    let attrs = h
        .classic
        .describe_load_balancer_attributes()
        .load_balancer_name("api")
        .send()
        .await
        .unwrap()
        .load_balancer_attributes
        .unwrap();
    assert!(attrs.cross_zone_load_balancing().unwrap().enabled());
    assert_eq!(attrs.connection_draining().unwrap().timeout(), Some(120));
    assert_eq!(attrs.connection_settings().unwrap().idle_timeout(), 3600);
    let log = attrs.access_log().unwrap();
    assert_eq!(
        (log.enabled(), log.s3_bucket_name(), log.emit_interval()),
        (true, Some("logs"), Some(5))
    );
    let r = h
        .classic
        .describe_load_balancer_attributes()
        .load_balancer_name("nope")
        .send()
        .await;
    assert_eq!(code(r), "LoadBalancerNotFound");
}

#[rstest]
#[case::idle_0(LoadBalancerAttributes::builder().connection_settings(ConnectionSettings::builder().idle_timeout(0).build().unwrap()).build(), "ValidationError")]
#[case::idle_3601(LoadBalancerAttributes::builder().connection_settings(ConnectionSettings::builder().idle_timeout(3601).build().unwrap()).build(), "ValidationError")]
#[case::idle_1(LoadBalancerAttributes::builder().connection_settings(ConnectionSettings::builder().idle_timeout(1).build().unwrap()).build(), "OK")]
#[case::draining_0(LoadBalancerAttributes::builder().connection_draining(ConnectionDraining::builder().enabled(true).timeout(0).build()).build(), "ValidationError")]
#[case::draining_3601(LoadBalancerAttributes::builder().connection_draining(ConnectionDraining::builder().enabled(true).timeout(3601).build()).build(), "ValidationError")]
#[case::log_without_bucket(LoadBalancerAttributes::builder().access_log(AccessLog::builder().enabled(true).build()).build(), "ValidationError")]
#[case::log_interval_10(LoadBalancerAttributes::builder().access_log(AccessLog::builder().enabled(true).s3_bucket_name("b").emit_interval(10).build()).build(), "ValidationError")]
#[case::unknown_additional(LoadBalancerAttributes::builder().additional_attributes(AdditionalAttribute::builder().key("elb.nope").value("x").build()).build(), "LoadBalancerAttributeNotFound")]
#[case::bad_desync_mode(LoadBalancerAttributes::builder().additional_attributes(AdditionalAttribute::builder().key("elb.http.desyncmitigationmode").value("lax").build()).build(), "ValidationError")]
#[case::strictest(LoadBalancerAttributes::builder().additional_attributes(AdditionalAttribute::builder().key("elb.http.desyncmitigationmode").value("strictest").build()).build(), "OK")]
#[tokio::test]
async fn attribute_values_are_checked(
    #[case] attrs: LoadBalancerAttributes,
    #[case] expected: &str,
) {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    create(&h, "api", &n.ds).send().await.unwrap();
    let r = h
        .classic
        .modify_load_balancer_attributes()
        .load_balancer_name("api")
        .load_balancer_attributes(attrs)
        .send()
        .await;
    assert_eq!(code_of(r), expected);
}

#[tokio::test]
async fn tag_rules() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    create(&h, "api", &n.ds)
        .tags(tag("Name", "api"))
        .send()
        .await
        .unwrap();
    create(&h, "web", &n.ds).send().await.unwrap();
    let add = |names: &[&str], tags: Vec<Tag>| {
        h.classic
            .add_tags()
            .set_load_balancer_names(Some(names.iter().map(|s| (*s).to_owned()).collect()))
            .set_tags(Some(tags))
            .send()
    };
    assert_eq!(
        code(add(&["nope"], vec![tag("a", "b")]).await),
        "LoadBalancerNotFound"
    );
    assert_eq!(
        code(add(&["api", "web"], vec![tag("a", "b")]).await),
        "ValidationError"
    );
    assert_eq!(
        code(add(&["api"], vec![tag("a", "1"), tag("a", "2")]).await),
        "DuplicateTagKeys"
    );
    assert_eq!(
        code(add(&["api"], vec![tag("aws:x", "1")]).await),
        "ValidationError"
    );
    let many: Vec<Tag> = (0..49).map(|i| tag(&format!("k{i}"), "v")).collect();
    add(&["api"], many).await.unwrap();
    assert_eq!(
        code(add(&["api"], vec![tag("one-more", "v")]).await),
        "TooManyTags"
    );
    // Replacing a value adds no tag.
    add(&["api"], vec![tag("Name", "api-2")]).await.unwrap();
    let described = h
        .classic
        .describe_tags()
        .load_balancer_names("api")
        .load_balancer_names("web")
        .send()
        .await
        .unwrap();
    let d = described.tag_descriptions();
    assert_eq!(d.len(), 2);
    assert_eq!(d[0].tags().len(), 50);
    assert_eq!(d[0].tags()[0].value(), Some("api-2"));
    assert!(d[1].tags().is_empty());
    let too_many = h
        .classic
        .describe_tags()
        .set_load_balancer_names(Some((0..21).map(|i| format!("lb{i}")).collect()))
        .send()
        .await;
    assert_eq!(code(too_many), "ValidationError");
    let missing = h
        .classic
        .describe_tags()
        .load_balancer_names("nope")
        .send()
        .await;
    assert_eq!(code(missing), "LoadBalancerNotFound");
    h.classic
        .remove_tags()
        .load_balancer_names("api")
        .tags(TagKeyOnly::builder().key("Name").build())
        .send()
        .await
        .unwrap();
    let left = h
        .classic
        .describe_tags()
        .load_balancer_names("api")
        .send()
        .await
        .unwrap();
    assert_eq!(left.tag_descriptions()[0].tags().len(), 49);
    let r = h
        .classic
        .remove_tags()
        .load_balancer_names("nope")
        .tags(TagKeyOnly::builder().key("Name").build())
        .send()
        .await;
    assert_eq!(code(r), "LoadBalancerNotFound");
    assert_eq!(h.fake.view(|v| v.ids_tagged("k0", None)), ["api"]);
}

#[tokio::test]
async fn delete_gives_addresses_back_and_a_missing_name_succeeds() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    let before = free_ipv4(&h, &n.ds[0]).await;
    create(&h, "api", &n.ds).send().await.unwrap();
    assert_eq!(free_ipv4(&h, &n.ds[0]).await, before - 1);
    h.classic
        .delete_load_balancer()
        .load_balancer_name("api")
        .send()
        .await
        .unwrap();
    assert_eq!(free_ipv4(&h, &n.ds[0]).await, before);
    h.classic
        .delete_load_balancer()
        .load_balancer_name("api")
        .send()
        .await
        .unwrap();
    let r = h
        .classic
        .describe_load_balancers()
        .load_balancer_names("api")
        .send()
        .await;
    assert_eq!(code(r), "LoadBalancerNotFound");
}

#[tokio::test]
async fn ec2_resources_a_classic_load_balancer_uses_are_kept() {
    let h = start().await;
    let (n, igw) = public_net(&h).await;
    let sg = h
        .ec2
        .create_security_group()
        .group_name("lb")
        .description("lb")
        .vpc_id(&n.vpc)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    create(&h, "api", &n.ds[..1])
        .security_groups(&sg)
        .send()
        .await
        .unwrap();
    let r = h.ec2.delete_subnet().subnet_id(&n.ds[0]).send().await;
    assert_eq!(code(r), "DependencyViolation");
    let r = h.ec2.delete_security_group().group_id(&sg).send().await;
    assert_eq!(code(r), "DependencyViolation");
    let r = h.ec2.delete_vpc().vpc_id(&n.vpc).send().await;
    assert_eq!(code(r), "DependencyViolation");
    // Its nodes have public addresses: the gateway stays attached.
    let r = h
        .ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&n.vpc)
        .send()
        .await;
    assert_eq!(code(r), "DependencyViolation");
    // The other subnet is free.
    h.ec2
        .delete_subnet()
        .subnet_id(&n.ds[1])
        .send()
        .await
        .unwrap();
    h.classic
        .delete_load_balancer()
        .load_balancer_name("api")
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_subnet()
        .subnet_id(&n.ds[0])
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_security_group()
        .group_id(&sg)
        .send()
        .await
        .unwrap();
    h.ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&n.vpc)
        .send()
        .await
        .unwrap();
}

/// Classic ELB and ELBv2 share the SigV4 service name; `Version` picks
/// the API. Answers carry the 2012-06-01 namespace, errors the awsQuery
/// envelope, and the journal says `elb`.
#[tokio::test]
async fn classic_elb_is_routed_by_version() {
    let h = start().await;
    let auth = sigv4("us-east-1", "elasticloadbalancing");
    let (status, _, body) = raw_post(
        &h.server.url(),
        Some(&auth),
        "Action=DescribeLoadBalancers&Version=2012-06-01",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        body.contains("<DescribeLoadBalancersResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/\"><DescribeLoadBalancersResult><LoadBalancerDescriptions/></DescribeLoadBalancersResult><ResponseMetadata><RequestId>"),
        "{body}"
    );
    let (status, _, body) = raw_post(
        &h.server.url(),
        Some(&auth),
        "Action=DescribeLoadBalancers&Version=2015-12-01",
    )
    .await;
    assert_eq!(status, 200);
    assert!(body.contains("<LoadBalancers/>"), "{body}");
    let (status, _, body) = raw_post(
        &h.server.url(),
        Some(&auth),
        "Action=DescribeLoadBalancers&Version=2012-06-01&LoadBalancerNames.member.1=x",
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("<ErrorResponse xmlns=\"http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/\"><Error><Type>Sender</Type><Code>LoadBalancerNotFound</Code><Message>There is no ACTIVE Load Balancer named &apos;x&apos;</Message></Error><RequestId>"),
        "{body}"
    );
    // Without a scope, the version alone decides; a v2-only action is not classic's.
    let (status, _, body) = raw_post(
        &h.server.url(),
        None,
        "Action=DescribeTargetGroups&Version=2012-06-01",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>InvalidAction</Code>"), "{body}");
    let (status, _, body) = raw_post(
        &h.server.url(),
        Some(&auth),
        "Action=CreateLoadBalancer&Version=2012-06-01&LoadBalancerName=x&Listeners.member.1.Protocol=TCP&Listeners.member.1.LoadBalancerPort=80&Listeners.member.1.InstancePort=80&AvailabilityZones.member.1=us-east-1a",
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body.contains("<Code>InvalidConfigurationRequest</Code>"),
        "{body}"
    );
    let services: Vec<(Service, String)> = h
        .fake
        .journal()
        .into_iter()
        .map(|e| (e.service, e.action))
        .collect();
    assert_eq!(
        services,
        [
            (Service::Elb, "DescribeLoadBalancers".to_owned()),
            (Service::Elbv2, "DescribeLoadBalancers".to_owned()),
            (Service::Elb, "DescribeLoadBalancers".to_owned()),
            (Service::Elb, "DescribeTargetGroups".to_owned()),
            (Service::Elb, "CreateLoadBalancer".to_owned()),
        ]
    );
    let (_, _, health) = get(&h.server.url(), "/_fake/health").await;
    assert!(health.contains("\"elb\": \"2012-06-01\""), "{health}");
}

/// Fault rules name the service `elb`; a created load balancer's name can
/// be hidden from the next calls like any id.
#[tokio::test]
async fn faults_and_hidden_names() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    h.fake.set_faults(
        vec![
            FaultRule {
                service: Some(Service::Elb),
                action: Some("DescribeLoadBalancers".to_owned()),
                error: Some("Throttling".to_owned()),
                nth: Some(1),
                ..FaultRule::default()
            },
            FaultRule {
                service: Some(Service::Elb),
                action: Some("CreateLoadBalancer".to_owned()),
                not_found_reads: Some(1),
                ..FaultRule::default()
            },
        ],
        0,
    );
    // ELBv2's DescribeLoadBalancers does not match a rule for `elb`.
    h.elb.describe_load_balancers().send().await.unwrap();
    let r = h.classic.describe_load_balancers().send().await;
    assert_eq!(code(r), "Throttling");
    create(&h, "api", &n.ds).send().await.unwrap();
    let r = h
        .classic
        .describe_load_balancers()
        .load_balancer_names("api")
        .send()
        .await;
    assert_eq!(code(r), "LoadBalancerNotFound");
    describe(&h, "api").await;
    let injected: Vec<bool> = h
        .fake
        .journal()
        .iter()
        .filter(|e| e.service == Service::Elb)
        .map(|e| e.injected)
        .collect();
    assert_eq!(injected, [true, false, true, false]);
}

/// Every classic action once, through the SDK, and the state dump and the
/// state file's keyed map hold the load balancer.
#[tokio::test]
async fn every_action_round_trips() {
    let h = start().await;
    let (n, _) = public_net(&h).await;
    let i = launch(&h, &n.ds[0]).await;
    let c = &h.classic;
    let dns = create(&h, "api", &n.ds)
        .tags(tag("role", "apiserver"))
        .send()
        .await
        .unwrap()
        .dns_name
        .unwrap();
    c.configure_health_check()
        .load_balancer_name("api")
        .health_check(health("TCP:6443", 10, 5, 3, 5))
        .send()
        .await
        .unwrap();
    c.modify_load_balancer_attributes()
        .load_balancer_name("api")
        .load_balancer_attributes(
            LoadBalancerAttributes::builder()
                .cross_zone_load_balancing(CrossZoneLoadBalancing::builder().enabled(true).build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.describe_load_balancer_attributes()
        .load_balancer_name("api")
        .send()
        .await
        .unwrap();
    c.register_instances_with_load_balancer()
        .load_balancer_name("api")
        .instances(instance(&i))
        .send()
        .await
        .unwrap();
    c.describe_instance_health()
        .load_balancer_name("api")
        .send()
        .await
        .unwrap();
    c.add_tags()
        .load_balancer_names("api")
        .tags(tag("x", "y"))
        .send()
        .await
        .unwrap();
    c.describe_tags()
        .load_balancer_names("api")
        .send()
        .await
        .unwrap();
    c.remove_tags()
        .load_balancer_names("api")
        .tags(TagKeyOnly::builder().key("x").build())
        .send()
        .await
        .unwrap();
    let lb = describe(&h, "api").await;
    assert_eq!(lb.dns_name(), Some(dns.as_str()));
    assert_eq!(lb.canonical_hosted_zone_name(), Some(dns.as_str()));
    assert_eq!(lb.canonical_hosted_zone_name_id(), Some("Z35SXDOTRQ7X7K"));
    assert_eq!(lb.vpc_id(), Some(n.vpc.as_str()));
    assert_eq!(lb.subnets(), n.ds.as_slice());
    assert_eq!(lb.availability_zones(), ["us-east-1a", "us-east-1b"]);
    assert_eq!(lb.scheme(), Some("internet-facing"));
    assert!(lb.created_time().is_some());
    assert!(lb.policies().is_some());
    assert!(lb.backend_server_descriptions().is_empty());
    assert_eq!(lb.instances()[0].instance_id(), Some(i.as_str()));
    assert_eq!(lb.health_check().unwrap().target(), "TCP:6443");
    c.deregister_instances_from_load_balancer()
        .load_balancer_name("api")
        .instances(instance(&i))
        .send()
        .await
        .unwrap();
    let dump = serde_json::to_value(h.fake.dump()).unwrap();
    let stored = &dump["regions"][0]["elb"]["load_balancers"]["api"];
    assert_eq!(stored["dns_name"], dns.as_str());
    assert_eq!(stored["attributes"]["cross_zone_load_balancing"], true);
    c.delete_load_balancer()
        .load_balancer_name("api")
        .send()
        .await
        .unwrap();
    let mutating: Vec<String> = h
        .fake
        .journal()
        .into_iter()
        .filter(|e| e.service == Service::Elb && e.mutating)
        .map(|e| e.action)
        .collect();
    assert_eq!(
        mutating,
        [
            "CreateLoadBalancer",
            "ConfigureHealthCheck",
            "ModifyLoadBalancerAttributes",
            "RegisterInstancesWithLoadBalancer",
            "AddTags",
            "RemoveTags",
            "DeregisterInstancesFromLoadBalancer",
            "DeleteLoadBalancer",
        ]
    );
}

/// What CAPA builds for a dualstack cluster's API server: a dualstack VPC
/// with two dualstack subnets in two zones and an internet gateway, a
/// classic load balancer with a TCP:6443 listener, a health check and
/// cross-zone balancing, a running control-plane instance registered and
/// in service, then everything deleted.
#[tokio::test]
async fn dualstack_end_to_end() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let block = vpc_ipv6_block(&h, &vpc_id).await;
    let mut subnets = Vec::new();
    for (i, az) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
        subnets.push(
            subnet(
                &h,
                &vpc_id,
                az,
                Some(&format!("10.0.{i}.0/24")),
                Some(&sub_block(&block, 64, i)),
            )
            .await,
        );
    }
    let igw = h
        .ec2
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway
        .unwrap()
        .internet_gateway_id
        .unwrap();
    h.ec2
        .attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    let dns = h
        .classic
        .create_load_balancer()
        .load_balancer_name("capa-apiserver")
        .listeners(
            Listener::builder()
                .protocol("TCP")
                .load_balancer_port(6443)
                .instance_protocol("TCP")
                .instance_port(6443)
                .build()
                .unwrap(),
        )
        .set_subnets(Some(subnets.clone()))
        .scheme("internet-facing")
        .tags(tag(
            "sigs.k8s.io/cluster-api-provider-aws/role",
            "apiserver",
        ))
        .send()
        .await
        .unwrap()
        .dns_name
        .unwrap();
    assert!(dns.starts_with("capa-apiserver-") && dns.ends_with(".us-east-1.elb.amazonaws.com"));
    h.classic
        .configure_health_check()
        .load_balancer_name("capa-apiserver")
        .health_check(health("TCP:6443", 10, 5, 3, 5))
        .send()
        .await
        .unwrap();
    h.classic
        .modify_load_balancer_attributes()
        .load_balancer_name("capa-apiserver")
        .load_balancer_attributes(
            LoadBalancerAttributes::builder()
                .cross_zone_load_balancing(CrossZoneLoadBalancing::builder().enabled(true).build())
                .connection_settings(
                    ConnectionSettings::builder()
                        .idle_timeout(600)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let cp = launch(&h, &subnets[0]).await;
    h.ec2
        .describe_instances()
        .instance_ids(&cp)
        .send()
        .await
        .unwrap();
    h.classic
        .register_instances_with_load_balancer()
        .load_balancer_name("capa-apiserver")
        .instances(instance(&cp))
        .send()
        .await
        .unwrap();
    let health = h
        .classic
        .describe_instance_health()
        .load_balancer_name("capa-apiserver")
        .send()
        .await
        .unwrap();
    let s = &health.instance_states()[0];
    assert_eq!(
        (s.instance_id(), s.state()),
        (Some(cp.as_str()), Some("InService"))
    );
    let attrs = h
        .classic
        .describe_load_balancer_attributes()
        .load_balancer_name("capa-apiserver")
        .send()
        .await
        .unwrap()
        .load_balancer_attributes
        .unwrap();
    assert!(attrs.cross_zone_load_balancing().unwrap().enabled());
    assert_eq!(attrs.connection_settings().unwrap().idle_timeout(), 600);
    h.classic
        .delete_load_balancer()
        .load_balancer_name("capa-apiserver")
        .send()
        .await
        .unwrap();
    h.ec2
        .terminate_instances()
        .instance_ids(&cp)
        .send()
        .await
        .unwrap();
    for s in &subnets {
        h.ec2.delete_subnet().subnet_id(s).send().await.unwrap();
    }
    h.ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_internet_gateway()
        .internet_gateway_id(&igw)
        .send()
        .await
        .unwrap();
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
}
