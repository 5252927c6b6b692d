//! Target group rules through the real ELBv2 client: parameter values,
//! lambda and alb groups, health checks, DescribeTargetGroups selectors,
//! deletes and attributes.

use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, ProtocolEnum, TargetGroupAttribute, TargetGroupIpAddressTypeEnum, TargetTypeEnum,
};

use aws_sdk_elasticloadbalancingv2::operation::create_target_group::builders::CreateTargetGroupFluentBuilder;
use rstest::rstest;

use crate::common::*;

#[tokio::test]
async fn target_type_and_ip_address_type_take_their_values() {
    let h = start().await;
    let n = net(&h).await;
    let create = || {
        h.elb
            .create_target_group()
            .name("tg")
            .protocol(ProtocolEnum::Tcp)
            .port(80)
            .vpc_id(&n.vpc)
    };
    let (code, msg) = err(create()
        .target_type(TargetTypeEnum::from("container"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "1 validation error detected: Value 'container' at 'targetType' failed to satisfy constraint: Member must satisfy enum value set: [instance, ip, lambda, alb]"
        )
    );
    let (code, msg) = err(create()
        .ip_address_type(TargetGroupIpAddressTypeEnum::from("dualstack"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "1 validation error detected: Value 'dualstack' at 'ipAddressType' failed to satisfy constraint: Member must satisfy enum value set: [ipv4, ipv6]"
        )
    );
    // The defaults: instance targets, ipv4.
    let t = create().send().await.unwrap().target_groups()[0].clone();
    assert_eq!(t.target_type(), Some(&TargetTypeEnum::Instance));
    assert_eq!(
        t.ip_address_type(),
        Some(&TargetGroupIpAddressTypeEnum::Ipv4)
    );
    for (name, kind, ip) in [
        (
            "ip4",
            TargetTypeEnum::Ip,
            TargetGroupIpAddressTypeEnum::Ipv4,
        ),
        (
            "ip6",
            TargetTypeEnum::Ip,
            TargetGroupIpAddressTypeEnum::Ipv6,
        ),
        (
            "inst6",
            TargetTypeEnum::Instance,
            TargetGroupIpAddressTypeEnum::Ipv6,
        ),
        (
            "alb",
            TargetTypeEnum::Alb,
            TargetGroupIpAddressTypeEnum::Ipv4,
        ),
    ] {
        let out = h
            .elb
            .create_target_group()
            .name(name)
            .protocol(ProtocolEnum::Tcp)
            .port(80)
            .vpc_id(&n.vpc)
            .target_type(kind.clone())
            .ip_address_type(ip.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(out.target_groups()[0].target_type(), Some(&kind));
        assert_eq!(out.target_groups()[0].ip_address_type(), Some(&ip));
    }
}

#[tokio::test]
async fn lambda_groups_take_no_protocol_port_or_vpc() {
    let h = start().await;
    let n = net(&h).await;
    let lambda = || {
        h.elb
            .create_target_group()
            .name("fn")
            .target_type(TargetTypeEnum::Lambda)
    };
    let want = "A protocol, port or VPC ID cannot be specified for target groups of type 'lambda'";
    for (code, msg) in [
        err(lambda().protocol(ProtocolEnum::Http).send().await),
        err(lambda().port(80).send().await),
        err(lambda().vpc_id(&n.vpc).send().await),
    ] {
        assert_eq!((code.as_str(), msg.as_str()), ("ValidationError", want));
    }
    let t = lambda().send().await.unwrap().target_groups()[0].clone();
    assert_eq!(t.target_type(), Some(&TargetTypeEnum::Lambda));
    assert_eq!(t.protocol(), None);
    assert_eq!(t.vpc_id(), None);
}

#[tokio::test]
async fn other_groups_need_a_protocol_a_port_and_a_vpc() {
    let h = start().await;
    let n = net(&h).await;
    let base = || h.elb.create_target_group().name("tg");
    let (code, msg) = err(base().port(80).vpc_id(&n.vpc).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ValidationError", "A protocol must be specified")
    );
    let (code, msg) = err(base()
        .protocol(ProtocolEnum::from("SCTP"))
        .port(80)
        .vpc_id(&n.vpc)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ValidationError", "The protocol 'SCTP' is not supported")
    );
    let (code, msg) = err(base()
        .target_type(TargetTypeEnum::Alb)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .vpc_id(&n.vpc)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "Target groups of type 'alb' support only the TCP protocol"
        )
    );
    for port in [None, Some(0)] {
        let (code, msg) = err(base()
            .protocol(ProtocolEnum::Tcp)
            .set_port(port)
            .vpc_id(&n.vpc)
            .send()
            .await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "ValidationError",
                "A port between 1 and 65535 must be specified"
            )
        );
    }
    let (code, _) = err(base()
        .protocol(ProtocolEnum::Tcp)
        .port(65536)
        .vpc_id(&n.vpc)
        .send()
        .await);
    assert_eq!(code, "ValidationError");
    let (code, msg) = err(base().protocol(ProtocolEnum::Tcp).port(80).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ValidationError", "A VPC ID must be specified")
    );
    for (name, protocol, port) in [
        ("http", ProtocolEnum::Http, 1),
        ("udp", ProtocolEnum::Udp, 65535),
        ("geneve", ProtocolEnum::Geneve, 6081),
    ] {
        base()
            .name(name)
            .protocol(protocol)
            .port(port)
            .vpc_id(&n.vpc)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn health_check_settings() {
    let h = start().await;
    let n = net(&h).await;
    let create = || {
        h.elb
            .create_target_group()
            .name("tg")
            .protocol(ProtocolEnum::Tcp)
            .port(80)
            .vpc_id(&n.vpc)
    };
    let (code, msg) = err(create()
        .health_check_protocol(ProtocolEnum::Udp)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "Health check protocol 'UDP' is not supported"
        )
    );
    for port in ["0", "65536", "http"] {
        let (code, msg) = err(create().health_check_port(port).send().await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "ValidationError",
                format!("Health check port '{port}' is not valid").as_str()
            )
        );
    }
    let (code, msg) = err(create().health_check_path("/healthz").send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "A health check path can only be set for HTTP and HTTPS health checks"
        )
    );
    let (code, msg) = err(create()
        .health_check_interval_seconds(10)
        .health_check_timeout_seconds(10)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "Health check timeout must be smaller than the interval"
        )
    );
    let t = create()
        .health_check_protocol(ProtocolEnum::Https)
        .health_check_port("8443")
        .health_check_path("/healthz")
        .health_check_interval_seconds(10)
        .health_check_timeout_seconds(9)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .clone();
    assert_eq!(t.health_check_protocol(), Some(&ProtocolEnum::Https));
    assert_eq!(t.health_check_port(), Some("8443"));
    assert_eq!(t.health_check_path(), Some("/healthz"));
    let arn = t.target_group_arn().unwrap();
    // ModifyTargetGroup checks the result the same way.
    let (code, msg) = err(h
        .elb
        .modify_target_group()
        .target_group_arn(arn)
        .health_check_timeout_seconds(12)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "Health check timeout must be smaller than the interval"
        )
    );
    let (code, _) = err(h
        .elb
        .modify_target_group()
        .target_group_arn(arn)
        .health_check_protocol(ProtocolEnum::Tls)
        .send()
        .await);
    assert_eq!(code, "ValidationError");
    let out = h
        .elb
        .modify_target_group()
        .target_group_arn(arn)
        .health_check_interval_seconds(30)
        .health_check_timeout_seconds(12)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.target_groups()[0].health_check_timeout_seconds(),
        Some(12)
    );
}

#[tokio::test]
async fn describe_target_groups_selectors() {
    let h = start().await;
    let n = net(&h).await;
    let t = tg(
        &h,
        "tg",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let lb = nlb(&h, "lb", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let want = "Only one of load balancer ARN, target group ARNs or names can be specified";
    for (code, msg) in [
        err(h
            .elb
            .describe_target_groups()
            .load_balancer_arn(&lb)
            .names("tg")
            .send()
            .await),
        err(h
            .elb
            .describe_target_groups()
            .load_balancer_arn(&lb)
            .target_group_arns(&t)
            .send()
            .await),
        err(h
            .elb
            .describe_target_groups()
            .target_group_arns(&t)
            .names("tg")
            .send()
            .await),
    ] {
        assert_eq!((code.as_str(), msg.as_str()), ("ValidationError", want));
    }
    let (code, msg) = err(h
        .elb
        .describe_target_groups()
        .load_balancer_arn(lb.replace("/lb/", "/gone/"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "LoadBalancerNotFound",
            "One or more load balancers not found"
        )
    );
    // By load balancer: the groups its listeners use.
    let by_lb = || async {
        h.elb
            .describe_target_groups()
            .load_balancer_arn(&lb)
            .send()
            .await
            .unwrap()
            .target_groups()
            .len()
    };
    assert_eq!(by_lb().await, 0);
    h.elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .default_actions(forward(&t))
        .send()
        .await
        .unwrap();
    assert_eq!(by_lb().await, 1);
}

#[tokio::test]
async fn deleting_a_missing_target_group_succeeds() {
    let h = start().await;
    let n = net(&h).await;
    let t = tg(
        &h,
        "tg",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    for _ in 0..2 {
        h.elb
            .delete_target_group()
            .target_group_arn(&t)
            .send()
            .await
            .unwrap();
    }
    h.elb
        .delete_target_group()
        .target_group_arn("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/never/0000000000000001")
        .send()
        .await
        .unwrap();
    let (code, _) = err(h
        .elb
        .describe_target_groups()
        .target_group_arns(&t)
        .send()
        .await);
    assert_eq!(code, "TargetGroupNotFound");
}

#[tokio::test]
async fn modify_target_group_attributes_rules() {
    let h = start().await;
    let n = net(&h).await;
    let udp = h
        .elb
        .create_target_group()
        .name("udp")
        .protocol(ProtocolEnum::Udp)
        .port(53)
        .vpc_id(&n.vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned();
    let tcp = tg(
        &h,
        "tcp",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let (code, msg) = err(h
        .elb
        .modify_target_group_attributes()
        .target_group_arn(&tcp)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "At least one attribute must be specified"
        )
    );
    let off = TargetGroupAttribute::builder()
        .key("preserve_client_ip.enabled")
        .value("false")
        .build();
    let (code, msg) = err(h
        .elb
        .modify_target_group_attributes()
        .target_group_arn(&udp)
        .attributes(off.clone())
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidConfigurationRequest",
            "Client IP preservation cannot be disabled for UDP and TCP_UDP target groups"
        )
    );
    // A TCP ip group may turn it off.
    h.elb
        .modify_target_group_attributes()
        .target_group_arn(&tcp)
        .attributes(off)
        .send()
        .await
        .unwrap();
}

/// A VPC (the load balancer tests' `net`) holding the IPv6 instance group `cp-v6`.
struct Groups {
    h: Harness,
    n: Net,
}

async fn groups() -> Groups {
    let h = start().await;
    let n = net(&h).await;
    tg(
        &h,
        "cp-v6",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv6,
        TargetTypeEnum::Instance,
    )
    .await;
    Groups { h, n }
}

/// A TCP group on port 1 of the world's VPC, named `name`.
fn tcp_group(w: &Groups, name: &str) -> CreateTargetGroupFluentBuilder {
    w.h.elb
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Tcp)
        .port(1)
        .vpc_id(&w.n.vpc)
}

/// One refused CreateTargetGroup per rule: the request, AWS's code and
/// message. A refusal adds no group.
#[rstest]
#[case::same_name_other_settings(
    |w: &Groups| tcp_group(w, "cp-v6").port(6443),
    "DuplicateTargetGroupName",
    "A target group with the same name 'cp-v6' exists, but with different settings"
)]
#[case::no_ipv6_for_lambda(
    |w: &Groups| w.h.elb.create_target_group().name("x").target_type(TargetTypeEnum::Lambda).ip_address_type(TargetGroupIpAddressTypeEnum::Ipv6),
    "ValidationError",
    "The IP address type 'ipv6' is not supported for target groups of type 'lambda'"
)]
#[case::no_ipv6_for_alb(
    |w: &Groups| w.h.elb.create_target_group().name("x").target_type(TargetTypeEnum::Alb).ip_address_type(TargetGroupIpAddressTypeEnum::Ipv6),
    "ValidationError",
    "The IP address type 'ipv6' is not supported for target groups of type 'alb'"
)]
#[case::the_vpc_exists(
    |w: &Groups| tcp_group(w, "novpc").vpc_id("vpc-nope"),
    "ValidationError",
    "The VPC ID 'vpc-nope' is not found"
)]
#[case::health_check_interval_5_to_300(
    |w: &Groups| tcp_group(w, "hc").health_check_interval_seconds(1),
    "ValidationError",
    "1 validation error detected: Value '1' at 'healthCheckIntervalSeconds' failed to satisfy constraint: Member must have value between 5 and 300"
)]
#[case::health_check_timeout_2_to_120(
    |w: &Groups| tcp_group(w, "hc").health_check_timeout_seconds(121),
    "ValidationError",
    "1 validation error detected: Value '121' at 'healthCheckTimeoutSeconds' failed to satisfy constraint: Member must have value between 2 and 120"
)]
#[case::healthy_threshold_2_to_10(
    |w: &Groups| tcp_group(w, "hc").healthy_threshold_count(11),
    "ValidationError",
    "1 validation error detected: Value '11' at 'healthyThresholdCount' failed to satisfy constraint: Member must have value between 2 and 10"
)]
#[case::unhealthy_threshold_2_to_10(
    |w: &Groups| tcp_group(w, "hc").unhealthy_threshold_count(1),
    "ValidationError",
    "1 validation error detected: Value '1' at 'unhealthyThresholdCount' failed to satisfy constraint: Member must have value between 2 and 10"
)]
#[tokio::test]
async fn create_target_group_refusals(
    #[case] request: fn(&Groups) -> CreateTargetGroupFluentBuilder,
    #[case] code: &str,
    #[case] message: &str,
) {
    let w = groups().await;
    let (got_code, got_message) = err(request(&w).send().await);
    assert_eq!((got_code.as_str(), got_message.as_str()), (code, message));
    let all = w.h.elb.describe_target_groups().send().await.unwrap();
    assert_eq!(all.target_groups().len(), 1, "a refusal added a group");
}

#[tokio::test]
async fn target_group_rules() {
    let h = start().await;
    let n = net(&h).await;
    let arn = tg(
        &h,
        "cp-v6",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv6,
        TargetTypeEnum::Instance,
    )
    .await;
    assert!(
        arn.starts_with("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/cp-v6/"),
        "{arn}"
    );
    let d = h
        .elb
        .describe_target_groups()
        .target_group_arns(&arn)
        .send()
        .await
        .unwrap();
    let t = &d.target_groups()[0];
    assert_eq!(
        t.ip_address_type(),
        Some(&TargetGroupIpAddressTypeEnum::Ipv6)
    );
    assert_eq!(t.health_check_protocol(), Some(&ProtocolEnum::Tcp));
    assert_eq!(t.health_check_port(), Some("traffic-port"));
    assert!(t.load_balancer_arns().is_empty());
    // Same name and settings: the same group; other settings: an error.
    assert_eq!(
        tg(
            &h,
            "cp-v6",
            &n.vpc,
            TargetGroupIpAddressTypeEnum::Ipv6,
            TargetTypeEnum::Instance
        )
        .await,
        arn
    );
    let (code, msg) = err(h.elb.describe_target_groups().names("nope").send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("TargetGroupNotFound", "One or more target groups not found")
    );
}

#[tokio::test]
async fn target_group_attributes() {
    let h = start().await;
    let n = net(&h).await;
    let arn = tg(
        &h,
        "cp",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let a = h
        .elb
        .describe_target_group_attributes()
        .target_group_arn(&arn)
        .send()
        .await
        .unwrap();
    let get = |attrs: &[TargetGroupAttribute], k: &str| {
        attrs
            .iter()
            .find(|a| a.key() == Some(k))
            .and_then(|a| a.value())
            .map(str::to_owned)
    };
    assert_eq!(
        get(a.attributes(), "preserve_client_ip.enabled").as_deref(),
        Some("false")
    );
    assert_eq!(
        get(a.attributes(), "deregistration_delay.timeout_seconds").as_deref(),
        Some("300")
    );
    let attr = |k: &str, v: &str| TargetGroupAttribute::builder().key(k).value(v).build();
    let m = h
        .elb
        .modify_target_group_attributes()
        .target_group_arn(&arn)
        .attributes(attr("preserve_client_ip.enabled", "true"))
        .attributes(attr(
            "deregistration_delay.connection_termination.enabled",
            "true",
        ))
        .attributes(attr("deregistration_delay.timeout_seconds", "30"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        get(m.attributes(), "deregistration_delay.timeout_seconds").as_deref(),
        Some("30")
    );
    let (code, _) = err(h
        .elb
        .modify_target_group_attributes()
        .target_group_arn(&arn)
        .attributes(attr("deregistration_delay.timeout_seconds", "4000"))
        .send()
        .await);
    assert_eq!(code, "InvalidConfigurationRequest");
    let (code, _) = err(h
        .elb
        .modify_target_group_attributes()
        .target_group_arn(&arn)
        .attributes(attr("bogus", "1"))
        .send()
        .await);
    assert_eq!(code, "InvalidConfigurationRequest");
}

#[tokio::test]
async fn unhealthy_draining_interval_needs_termination_off() {
    let h = start().await;
    let n = net(&h).await;
    let tcp = tg(
        &h,
        "tcp",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let attr = |k: &str, v: &str| TargetGroupAttribute::builder().key(k).value(v).build();
    let draining = "target_health_state.unhealthy.draining_interval_seconds";
    let termination = "target_health_state.unhealthy.connection_termination.enabled";
    // Termination is on by default, so a draining interval is refused.
    let (code, msg) = err(h
        .elb
        .modify_target_group_attributes()
        .target_group_arn(&tcp)
        .attributes(attr(draining, "300"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidConfigurationRequest",
            "target_health_state.unhealthy.draining_interval_seconds can only be set when \
             target_health_state.unhealthy.connection_termination.enabled is false"
        )
    );
    let (code, msg) = err(h
        .elb
        .modify_target_group_attributes()
        .target_group_arn(&tcp)
        .attributes(attr(termination, "false"))
        .attributes(attr(draining, "360001"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidConfigurationRequest",
            "The value '360001' is not valid for the attribute \
             target_health_state.unhealthy.draining_interval_seconds"
        )
    );
    // Both in one call, as CAPA sends them.
    let out = h
        .elb
        .modify_target_group_attributes()
        .target_group_arn(&tcp)
        .attributes(attr(termination, "false"))
        .attributes(attr(draining, "300"))
        .send()
        .await
        .unwrap();
    let got: Vec<(&str, &str)> = out
        .attributes()
        .iter()
        .filter(|a| {
            a.key()
                .is_some_and(|k| k.starts_with("target_health_state"))
        })
        .map(|a| (a.key().unwrap(), a.value().unwrap()))
        .collect();
    assert_eq!(got, [(termination, "false"), (draining, "300")]);
}
