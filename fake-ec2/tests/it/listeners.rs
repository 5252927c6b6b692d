//! Listener rules through the real ELBv2 client: the load balancer,
//! protocols and ports per load balancer type, default actions,
//! DescribeListeners selectors and ModifyListener.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, EnablePrefixForIpv6SourceNatEnum, ForwardActionConfig, IpAddressType,
    LoadBalancerTypeEnum, ProtocolEnum, TargetGroupIpAddressTypeEnum, TargetGroupTuple,
    TargetTypeEnum,
};

use crate::common::*;

/// An NLB on the IPv4 subnets and a TCP target group of its VPC.
async fn lb_and_group(h: &Harness) -> (String, String) {
    let n = net(h).await;
    let lb = nlb(h, "lb", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let t = tg(
        h,
        "tcp",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    (lb, t)
}

#[tokio::test]
async fn the_load_balancer_exists() {
    let h = start().await;
    let (lb, t) = lb_and_group(&h).await;
    let (code, msg) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(lb.replace("/lb/", "/gone/"))
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .default_actions(forward(&t))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "LoadBalancerNotFound",
            "One or more load balancers not found"
        )
    );
}

#[tokio::test]
async fn protocols_and_ports_per_load_balancer_type() {
    let h = start().await;
    let (lb, t) = lb_and_group(&h).await;
    let listener = || {
        h.elb
            .create_listener()
            .load_balancer_arn(&lb)
            .default_actions(forward(&t))
    };
    let (code, msg) = err(listener().port(80).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ValidationError", "A listener protocol must be specified")
    );
    for port in [None, Some(0)] {
        let (code, msg) = err(listener()
            .protocol(ProtocolEnum::Tcp)
            .set_port(port)
            .send()
            .await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "ValidationError",
                "A listener port between 1 and 65535 must be specified"
            )
        );
    }
    let (code, _) = err(listener()
        .protocol(ProtocolEnum::Tcp)
        .port(65536)
        .send()
        .await);
    assert_eq!(code, "ValidationError");
    listener()
        .protocol(ProtocolEnum::Tcp)
        .port(65535)
        .send()
        .await
        .unwrap();
    // A Gateway Load Balancer listener takes neither protocol nor port.
    let n = net(&h).await;
    let gw = h
        .elb
        .create_load_balancer()
        .name("gw")
        .r#type(LoadBalancerTypeEnum::Gateway)
        .subnets(&n.v4[0])
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let geneve = h
        .elb
        .create_target_group()
        .name("geneve")
        .protocol(ProtocolEnum::Geneve)
        .port(6081)
        .vpc_id(&n.vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned();
    let gw_listener = || {
        h.elb
            .create_listener()
            .load_balancer_arn(&gw)
            .default_actions(forward(&geneve))
    };
    let want = "Listeners of Gateway Load Balancers take no protocol or port";
    for (code, msg) in [
        err(gw_listener().protocol(ProtocolEnum::Geneve).send().await),
        err(gw_listener().port(6081).send().await),
    ] {
        assert_eq!((code.as_str(), msg.as_str()), ("ValidationError", want));
    }
    let l = gw_listener().send().await.unwrap();
    assert_eq!(l.listeners()[0].port(), None);
    assert_eq!(l.listeners()[0].protocol(), None);
    // It forwards GENEVE only.
    let tcp = tg(
        &h,
        "tcp2",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let (code, msg) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(&gw)
        .default_actions(forward(&tcp))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "IncompatibleProtocols",
            "Listener protocol '' is not compatible with target group protocol 'TCP'"
        )
    );
}

#[tokio::test]
async fn default_actions_forward_to_a_target_group() {
    let h = start().await;
    let (lb, t) = lb_and_group(&h).await;
    let listener = |port: i32| {
        h.elb
            .create_listener()
            .load_balancer_arn(&lb)
            .protocol(ProtocolEnum::Tcp)
            .port(port)
    };
    let (code, msg) = err(listener(80).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "At least one default action must be specified"
        )
    );
    let (code, msg) = err(listener(80)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::FixedResponse)
                .build(),
        )
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "The action type 'fixed-response' is not supported by this endpoint; use 'forward'"
        )
    );
    let (code, msg) = err(listener(80)
        .default_actions(Action::builder().r#type(ActionTypeEnum::Forward).build())
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ValidationError", "A forward action needs a target group")
    );
    // A forward config names the group as well.
    let l = listener(80)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .forward_config(
                    ForwardActionConfig::builder()
                        .target_groups(TargetGroupTuple::builder().target_group_arn(&t).build())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let a = &l.listeners()[0].default_actions()[0];
    assert_eq!(
        a.forward_config().unwrap().target_groups()[0].target_group_arn(),
        Some(t.as_str())
    );
    // A plain target group ARN is answered with the ForwardConfig it stands
    // for (weight 1, stickiness off) and an order, as AWS answers it.
    let l = listener(81)
        .default_actions(forward(&t))
        .send()
        .await
        .unwrap();
    let a = &l.listeners()[0].default_actions()[0];
    assert_eq!(a.target_group_arn(), Some(t.as_str()));
    assert_eq!(a.order(), Some(1));
    let fc = a.forward_config().unwrap();
    assert_eq!(fc.target_groups()[0].target_group_arn(), Some(t.as_str()));
    assert_eq!(fc.target_groups()[0].weight(), Some(1));
    assert_eq!(
        fc.target_group_stickiness_config()
            .and_then(|s| s.enabled()),
        Some(false)
    );
}

#[tokio::test]
async fn describe_listeners_selectors() {
    let h = start().await;
    let (lb, t) = lb_and_group(&h).await;
    let l = h
        .elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .default_actions(forward(&t))
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .listener_arn()
        .unwrap()
        .to_owned();
    let (code, msg) = err(h
        .elb
        .describe_listeners()
        .load_balancer_arn(&lb)
        .listener_arns(&l)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "A load balancer ARN and listener ARNs cannot both be specified"
        )
    );
    let (code, msg) = err(h.elb.describe_listeners().send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "You must specify either listener ARNs or a load balancer ARN"
        )
    );
    let (code, msg) = err(h
        .elb
        .describe_listeners()
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
    let (code, msg) = err(h
        .elb
        .describe_listeners()
        .listener_arns(&l)
        .listener_arns(format!("{l}0"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ListenerNotFound", "One or more listeners not found")
    );
    let d = h
        .elb
        .describe_listeners()
        .listener_arns(&l)
        .send()
        .await
        .unwrap();
    assert_eq!(d.listeners()[0].port(), Some(80));
}

#[tokio::test]
async fn modify_listener_applies_the_listener_rules() {
    let h = start().await;
    let (lb, t) = lb_and_group(&h).await;
    let create = |port: i32| {
        h.elb
            .create_listener()
            .load_balancer_arn(&lb)
            .protocol(ProtocolEnum::Tcp)
            .port(port)
            .default_actions(forward(&t))
            .send()
    };
    let a = create(80).await.unwrap().listeners()[0]
        .listener_arn()
        .unwrap()
        .to_owned();
    create(81).await.unwrap();
    let modify = || h.elb.modify_listener().listener_arn(&a);
    let (code, msg) = err(modify().port(81).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "DuplicateListener",
            "A listener already exists on this port for this load balancer"
        )
    );
    let (code, msg) = err(modify().protocol(ProtocolEnum::Http).send().await);
    assert_eq!(code, "ValidationError");
    assert!(
        msg.starts_with("Listener protocol 'HTTP' must be one of"),
        "{msg}"
    );
    let (code, _) = err(modify().port(0).send().await);
    assert_eq!(code, "ValidationError");
    let (code, _) = err(modify().protocol(ProtocolEnum::Tls).send().await);
    assert_eq!(code, "CertificateNotFound");
    let (code, _) = err(modify()
        .default_actions(forward(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/none/0",
        ))
        .send()
        .await);
    assert_eq!(code, "TargetGroupNotFound");
    let (code, msg) = err(h
        .elb
        .modify_listener()
        .listener_arn(format!("{a}0"))
        .port(82)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ListenerNotFound", "One or more listeners not found")
    );
    // Nothing changed so far; a free port is taken.
    let out = modify().port(82).send().await.unwrap();
    assert_eq!(out.listeners()[0].port(), Some(82));
    assert_eq!(out.listeners()[0].protocol(), Some(&ProtocolEnum::Tcp));
}

#[tokio::test]
async fn ipv6_target_group_needs_a_dualstack_load_balancer() {
    let h = start().await;
    let n = net(&h).await;
    let v4_lb = nlb(&h, "v4", IpAddressType::Ipv4, &n.ds)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let v6_tg = tg(
        &h,
        "v6",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv6,
        TargetTypeEnum::Instance,
    )
    .await;
    let (code, msg) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(&v4_lb)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&v6_tg))
        .send()
        .await);
    assert_eq!(code, "InvalidConfigurationRequest");
    assert_eq!(
        msg,
        "You cannot associate an IPv6 target group with a load balancer that has an 'ipv4' IP address type"
    );
    // After switching the load balancer to dualstack it works, and it cannot go back to ipv4.
    let out = h
        .elb
        .set_ip_address_type()
        .load_balancer_arn(&v4_lb)
        .ip_address_type(IpAddressType::Dualstack)
        .send()
        .await
        .unwrap();
    assert_eq!(out.ip_address_type(), Some(&IpAddressType::Dualstack));
    let l = h
        .elb
        .create_listener()
        .load_balancer_arn(&v4_lb)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&v6_tg))
        .send()
        .await
        .unwrap();
    let listener = &l.listeners()[0];
    assert!(
        listener
            .listener_arn()
            .unwrap()
            .contains(":listener/net/v4/"),
        "{listener:?}"
    );
    let (code, _) = err(h
        .elb
        .set_ip_address_type()
        .load_balancer_arn(&v4_lb)
        .ip_address_type(IpAddressType::Ipv4)
        .send()
        .await);
    assert_eq!(code, "InvalidConfigurationRequest");
    let d = h
        .elb
        .describe_load_balancers()
        .load_balancer_arns(&v4_lb)
        .send()
        .await
        .unwrap();
    assert!(
        d.load_balancers()[0]
            .availability_zones()
            .iter()
            .all(|z| z.load_balancer_addresses()[0].ipv6_address().is_some())
    );
    // The group now names its load balancer and cannot be deleted.
    let t = h
        .elb
        .describe_target_groups()
        .load_balancer_arn(&v4_lb)
        .send()
        .await
        .unwrap();
    assert_eq!(
        t.target_groups()[0].load_balancer_arns(),
        std::slice::from_ref(&v4_lb)
    );
    let (code, msg) = err(h
        .elb
        .delete_target_group()
        .target_group_arn(&v6_tg)
        .send()
        .await);
    assert_eq!(code, "ResourceInUse");
    assert!(msg.contains("currently in use by a listener"), "{msg}");
    // Same listener again: the same listener; another group on the port: DuplicateListener.
    let again = h
        .elb
        .create_listener()
        .load_balancer_arn(&v4_lb)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&v6_tg))
        .send()
        .await
        .unwrap();
    assert_eq!(again.listeners()[0].listener_arn(), listener.listener_arn());
    let other = tg(
        &h,
        "other",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Instance,
    )
    .await;
    let (code, _) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(&v4_lb)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&other))
        .send()
        .await);
    assert_eq!(code, "DuplicateListener");
    // Deleting the listener frees the group.
    h.elb
        .delete_listener()
        .listener_arn(listener.listener_arn().unwrap())
        .send()
        .await
        .unwrap();
    h.elb
        .delete_target_group()
        .target_group_arn(&v6_tg)
        .send()
        .await
        .unwrap();
    let (code, _) = err(h
        .elb
        .delete_listener()
        .listener_arn(listener.listener_arn().unwrap())
        .send()
        .await);
    assert_eq!(code, "ListenerNotFound");
}

#[tokio::test]
async fn udp_on_dualstack_needs_prefix_source_nat() {
    let h = start().await;
    let n = net(&h).await;
    let udp = h
        .elb
        .create_target_group()
        .name("udp")
        .protocol(ProtocolEnum::Udp)
        .port(4789)
        .vpc_id(&n.vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned();
    let ds = nlb(&h, "ds", IpAddressType::Dualstack, &n.ds)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let (code, msg) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(&ds)
        .protocol(ProtocolEnum::Udp)
        .port(4789)
        .default_actions(forward(&udp))
        .send()
        .await);
    assert_eq!(code, "InvalidConfigurationRequest");
    assert!(msg.contains("EnablePrefixForIpv6SourceNat"), "{msg}");
    let pfx = nlb(&h, "pfx", IpAddressType::Dualstack, &n.ds)
        .enable_prefix_for_ipv6_source_nat(EnablePrefixForIpv6SourceNatEnum::On)
        .send()
        .await
        .unwrap();
    let pfx_arn = pfx.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    assert_eq!(
        pfx.load_balancers()[0].enable_prefix_for_ipv6_source_nat(),
        Some(&EnablePrefixForIpv6SourceNatEnum::On)
    );
    h.elb
        .create_listener()
        .load_balancer_arn(&pfx_arn)
        .protocol(ProtocolEnum::Udp)
        .port(4789)
        .default_actions(forward(&udp))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn listener_protocol_and_vpc_rules() {
    let h = start().await;
    let n = net(&h).await;
    let lb = nlb(&h, "cp", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let tcp = tg(
        &h,
        "tcp",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Instance,
    )
    .await;
    let (code, msg) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .default_actions(forward(&tcp))
        .send()
        .await);
    assert_eq!(code, "ValidationError");
    assert!(
        msg.starts_with("Listener protocol 'HTTP' must be one of"),
        "{msg}"
    );
    let (code, _) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tls)
        .port(443)
        .default_actions(forward(&tcp))
        .send()
        .await);
    assert_eq!(code, "CertificateNotFound");
    let http = h
        .elb
        .create_target_group()
        .name("http")
        .protocol(ProtocolEnum::Http)
        .port(80)
        .vpc_id(&n.vpc)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned();
    let (code, _) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .default_actions(forward(&http))
        .send()
        .await);
    assert_eq!(code, "IncompatibleProtocols");
    let other_vpc = vpc(&h, "10.9.0.0/16", false).await;
    let far = tg(
        &h,
        "far",
        &other_vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Instance,
    )
    .await;
    let (code, _) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(81)
        .default_actions(forward(&far))
        .send()
        .await);
    assert_eq!(code, "InvalidConfigurationRequest");
    let (code, _) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(82)
        .default_actions(forward(
            "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/none/0",
        ))
        .send()
        .await);
    assert_eq!(code, "TargetGroupNotFound");
    // A target group serves one load balancer.
    h.elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&tcp))
        .send()
        .await
        .unwrap();
    let lb2 = nlb(&h, "cp2", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let (code, msg) = err(h
        .elb
        .create_listener()
        .load_balancer_arn(&lb2)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&tcp))
        .send()
        .await);
    assert_eq!(code, "TargetGroupAssociationLimit");
    assert!(msg.contains(&tcp), "{msg}");
    let l = h
        .elb
        .describe_listeners()
        .load_balancer_arn(&lb)
        .send()
        .await
        .unwrap();
    assert_eq!(l.listeners().len(), 1);
    assert_eq!(
        l.listeners()[0].default_actions()[0].target_group_arn(),
        Some(tcp.as_str())
    );
}
