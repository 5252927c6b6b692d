//! ELBv2 through the real aws-sdk-elasticloadbalancingv2 client: load
//! balancer IP address types, target group IP types, listeners, targets,
//! tags, and the rules that tie them to EC2.

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, EnablePrefixForIpv6SourceNatEnum, IpAddressType,
    LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum, ProtocolEnum, Tag,
    TargetDescription, TargetGroupAttribute, TargetGroupIpAddressTypeEnum, TargetHealthStateEnum,
    TargetTypeEnum,
};

use crate::common::*;

/// A dualstack VPC with, per AZ (a, b): one IPv4-only, one dualstack and one
/// IPv6-only subnet.
pub(crate) struct Net {
    pub vpc: String,
    pub block: String,
    pub v4: Vec<String>,
    pub ds: Vec<String>,
    pub v6: Vec<String>,
}

pub(crate) async fn net(h: &Harness) -> Net {
    let vpc_id = vpc(h, "10.0.0.0/16", true).await;
    let block = vpc_ipv6_block(h, &vpc_id).await;
    let mut n = Net {
        vpc: vpc_id.clone(),
        block: block.clone(),
        v4: vec![],
        ds: vec![],
        v6: vec![],
    };
    for (i, az) in ["us-east-1a", "us-east-1b"].iter().enumerate() {
        n.v4.push(subnet(h, &vpc_id, az, Some(&format!("10.0.{i}.0/24")), None).await);
        n.ds.push(
            subnet(
                h,
                &vpc_id,
                az,
                Some(&format!("10.0.{}.0/24", 10 + i)),
                Some(&sub_block(&block, 64, 10 + i)),
            )
            .await,
        );
        n.v6.push(subnet(h, &vpc_id, az, None, Some(&sub_block(&block, 64, 20 + i))).await);
    }
    n
}

pub(crate) fn nlb(h: &Harness, name: &str, ip: IpAddressType, subnets: &[String]) -> aws_sdk_elasticloadbalancingv2::operation::create_load_balancer::builders::CreateLoadBalancerFluentBuilder{
    h.elb
        .create_load_balancer()
        .name(name)
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::InternetFacing)
        .ip_address_type(ip)
        .set_subnets(Some(subnets.to_vec()))
}

pub(crate) async fn tg(
    h: &Harness,
    name: &str,
    vpc: &str,
    ip: TargetGroupIpAddressTypeEnum,
    kind: TargetTypeEnum,
) -> String {
    h.elb
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .vpc_id(vpc)
        .target_type(kind)
        .ip_address_type(ip)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned()
}

pub(crate) fn forward(tg: &str) -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .target_group_arn(tg)
        .build()
}

#[tokio::test]
async fn dualstack_needs_ipv6_subnets() {
    let h = start().await;
    let n = net(&h).await;
    let (code, msg) = err(nlb(&h, "cp", IpAddressType::Dualstack, &n.v4).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "You must specify subnets with an associated IPv6 CIDR block."
        )
    );
    let out = nlb(&h, "cp", IpAddressType::Dualstack, &n.ds)
        .send()
        .await
        .unwrap();
    let lb = &out.load_balancers()[0];
    let arn = lb.load_balancer_arn().unwrap();
    assert!(
        arn.starts_with("arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/cp/"),
        "{arn}"
    );
    let dns = lb.dns_name().unwrap();
    assert!(
        dns.starts_with("cp-") && dns.ends_with(".elb.us-east-1.amazonaws.com"),
        "{dns}"
    );
    assert_eq!(lb.canonical_hosted_zone_id(), Some("Z26RNL4JYFTOTI"));
    assert_eq!(
        lb.state().unwrap().code(),
        Some(&LoadBalancerStateEnum::Provisioning)
    );
    assert_eq!(lb.ip_address_type(), Some(&IpAddressType::Dualstack));
    assert_eq!(lb.r#type(), Some(&LoadBalancerTypeEnum::Network));
    assert_eq!(lb.vpc_id(), Some(n.vpc.as_str()));
    assert_eq!(lb.availability_zones().len(), 2);
    for az in lb.availability_zones() {
        let a = &az.load_balancer_addresses()[0];
        let v6 = a
            .ipv6_address()
            .expect("a dualstack node has an IPv6 address");
        let block = h
            .ec2
            .describe_subnets()
            .subnet_ids(az.subnet_id().unwrap())
            .send()
            .await
            .unwrap()
            .subnets()[0]
            .ipv6_cidr_block_association_set()[0]
            .ipv6_cidr_block()
            .unwrap()
            .to_owned();
        let net: ipnet::Ipv6Net = block.parse().unwrap();
        assert!(
            net.contains(&v6.parse::<std::net::Ipv6Addr>().unwrap()),
            "{v6} not in {block}"
        );
        assert!(
            a.private_ipv4_address().unwrap().starts_with("10.0.1"),
            "{a:?}"
        );
    }
    let d = h
        .elb
        .describe_load_balancers()
        .load_balancer_arns(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.load_balancers()[0].state().unwrap().code(),
        Some(&LoadBalancerStateEnum::Active)
    );
    // An IPv4 NLB on IPv4-only subnets is fine.
    nlb(&h, "v4", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn internal_dualstack_nlb_is_allowed() {
    let h = start().await;
    let n = net(&h).await;
    let out = h
        .elb
        .create_load_balancer()
        .name("internal-nlb")
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .ip_address_type(IpAddressType::Dualstack)
        .subnets(&n.ds[0])
        .send()
        .await;
    // "internal-" is a reserved prefix for names.
    let (code, msg) = err(out);
    assert_eq!(code, "ValidationError");
    assert!(msg.contains("cannot begin with 'internal-'"), "{msg}");
    let out = h
        .elb
        .create_load_balancer()
        .name("private-nlb")
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .ip_address_type(IpAddressType::Dualstack)
        .subnets(&n.ds[0])
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.load_balancers()[0].scheme(),
        Some(&LoadBalancerSchemeEnum::Internal)
    );
}

#[tokio::test]
async fn no_load_balancer_in_ipv6_only_subnets() {
    let h = start().await;
    let n = net(&h).await;
    for ip in [IpAddressType::Ipv4, IpAddressType::Dualstack] {
        let (code, msg) = err(nlb(&h, "v6only", ip, &n.v6).send().await);
        assert_eq!(code, "InvalidSubnet");
        assert!(msg.contains("IPv6-only"), "{msg}");
    }
}

#[tokio::test]
async fn ip_address_type_rules() {
    let h = start().await;
    let n = net(&h).await;
    let (code, msg) = err(
        nlb(&h, "x", IpAddressType::DualstackWithoutPublicIpv4, &n.ds)
            .send()
            .await,
    );
    assert_eq!(code, "ValidationError");
    assert!(msg.contains("Application Load Balancers"), "{msg}");
    // The default type is application: one subnet is not enough for it.
    let (code, msg) = err(h
        .elb
        .create_load_balancer()
        .name("alb")
        .subnets(&n.ds[0])
        .send()
        .await);
    assert_eq!(code, "ValidationError");
    assert_eq!(
        msg,
        "At least two subnets in two different Availability Zones must be specified"
    );
    let alb = h
        .elb
        .create_load_balancer()
        .name("alb")
        .ip_address_type(IpAddressType::DualstackWithoutPublicIpv4)
        .set_subnets(Some(n.ds.clone()))
        .send()
        .await
        .unwrap();
    let lb = &alb.load_balancers()[0];
    assert_eq!(lb.r#type(), Some(&LoadBalancerTypeEnum::Application));
    assert!(
        lb.load_balancer_arn()
            .unwrap()
            .contains(":loadbalancer/app/alb/")
    );
    assert_eq!(
        lb.security_groups().len(),
        1,
        "an ALB gets the VPC's default group"
    );
    // Prefix source NAT is only for dualstack NLBs.
    let (code, _) = err(nlb(&h, "pfx", IpAddressType::Ipv4, &n.v4)
        .enable_prefix_for_ipv6_source_nat(EnablePrefixForIpv6SourceNatEnum::On)
        .send()
        .await);
    assert_eq!(code, "ValidationError");
}

#[tokio::test]
async fn subnet_rules() {
    let h = start().await;
    let n = net(&h).await;
    let same_az = vec![n.ds[0].clone(), n.v4[0].clone()];
    let (code, msg) = err(nlb(&h, "x", IpAddressType::Ipv4, &same_az).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "You cannot specify multiple subnets in the same Availability Zone"
        )
    );
    let (code, msg) = err(
        nlb(&h, "x", IpAddressType::Ipv4, &["subnet-nope".to_owned()])
            .send()
            .await,
    );
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("SubnetNotFound", "The subnet ID 'subnet-nope' is not valid")
    );
    let other = vpc(&h, "10.1.0.0/16", false).await;
    let far = subnet(&h, &other, "us-east-1c", Some("10.1.0.0/24"), None).await;
    let (code, _) = err(nlb(&h, "x", IpAddressType::Ipv4, &[n.v4[0].clone(), far])
        .send()
        .await);
    assert_eq!(code, "InvalidConfigurationRequest");
    let (code, _) = err(nlb(&h, "bad_name", IpAddressType::Ipv4, &n.v4).send().await);
    assert_eq!(code, "ValidationError");
    let (code, _) = err(nlb(&h, "-bad", IpAddressType::Ipv4, &n.v4).send().await);
    assert_eq!(code, "ValidationError");
}

#[tokio::test]
async fn no_nlb_in_edge_zones() {
    let h =
        start_yaml("regions:\n  us-east-1:\n    opt_in: [us-east-1-nyc-1, us-east-1-wl1]\n").await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let lz = subnet(&h, &vpc_id, "us-east-1-nyc-1a", Some("10.0.0.0/24"), None).await;
    let wl = subnet(
        &h,
        &vpc_id,
        "us-east-1-wl1-was-wlz-1",
        Some("10.0.1.0/24"),
        None,
    )
    .await;
    for s in [lz, wl] {
        let (code, msg) = err(nlb(&h, "edge", IpAddressType::Ipv4, &[s]).send().await);
        assert_eq!(code, "AvailabilityZoneNotSupported");
        assert!(
            msg.starts_with("Load balancers with type 'network' are not supported in us-east-1-"),
            "{msg}"
        );
    }
}

#[tokio::test]
async fn same_name_same_settings_is_the_same_load_balancer() {
    let h = start().await;
    let n = net(&h).await;
    let a = nlb(&h, "cp", IpAddressType::Dualstack, &n.ds)
        .send()
        .await
        .unwrap();
    let b = nlb(&h, "cp", IpAddressType::Dualstack, &n.ds)
        .send()
        .await
        .unwrap();
    assert_eq!(
        a.load_balancers()[0].load_balancer_arn(),
        b.load_balancers()[0].load_balancer_arn()
    );
    let (code, msg) = err(nlb(&h, "cp", IpAddressType::Ipv4, &n.ds).send().await);
    assert_eq!(code, "DuplicateLoadBalancerName");
    assert!(msg.contains("'cp'"), "{msg}");
    assert_eq!(
        h.elb
            .describe_load_balancers()
            .send()
            .await
            .unwrap()
            .load_balancers()
            .len(),
        1
    );
}

#[tokio::test]
async fn describe_delete_and_paging() {
    let h = start().await;
    let n = net(&h).await;
    for name in ["a", "b", "c"] {
        nlb(&h, name, IpAddressType::Ipv4, &n.ds)
            .send()
            .await
            .unwrap();
    }
    let by_name = h
        .elb
        .describe_load_balancers()
        .names("b")
        .send()
        .await
        .unwrap();
    assert_eq!(by_name.load_balancers()[0].load_balancer_name(), Some("b"));
    let (code, msg) = err(h.elb.describe_load_balancers().names("zz").send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "LoadBalancerNotFound",
            "One or more load balancers not found"
        )
    );
    let pages: Vec<_> = h
        .elb
        .describe_load_balancers()
        .page_size(2)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 2);
    assert_eq!(
        pages
            .iter()
            .map(|p| p.as_ref().unwrap().load_balancers().len())
            .sum::<usize>(),
        3
    );
    // Deleting gives the nodes' addresses back; deleting again succeeds.
    let free = |id: String| {
        let h = &h;
        async move {
            h.ec2
                .describe_subnets()
                .subnet_ids(id)
                .send()
                .await
                .unwrap()
                .subnets()[0]
                .available_ip_address_count()
                .unwrap()
        }
    };
    let before = free(n.ds[0].clone()).await;
    let arn = by_name.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    h.elb
        .delete_load_balancer()
        .load_balancer_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(free(n.ds[0].clone()).await, before + 1);
    h.elb
        .delete_load_balancer()
        .load_balancer_arn(&arn)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn subnets_vpcs_and_groups_in_use_cannot_be_deleted() {
    let h = start().await;
    let n = net(&h).await;
    let out = nlb(&h, "cp", IpAddressType::Dualstack, &n.ds)
        .send()
        .await
        .unwrap();
    let (code, _) = err(h.ec2.delete_subnet().subnet_id(&n.ds[0]).send().await);
    assert_eq!(code, "DependencyViolation");
    h.elb
        .delete_load_balancer()
        .load_balancer_arn(out.load_balancers()[0].load_balancer_arn().unwrap())
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_subnet()
        .subnet_id(&n.ds[0])
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn deletion_protection() {
    let h = start().await;
    let n = net(&h).await;
    let arn = nlb(&h, "cp", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let attr = |k: &str, v: &str| {
        aws_sdk_elasticloadbalancingv2::types::LoadBalancerAttribute::builder()
            .key(k)
            .value(v)
            .build()
    };
    h.elb
        .modify_load_balancer_attributes()
        .load_balancer_arn(&arn)
        .attributes(attr("deletion_protection.enabled", "true"))
        .send()
        .await
        .unwrap();
    let (code, _) = err(h
        .elb
        .delete_load_balancer()
        .load_balancer_arn(&arn)
        .send()
        .await);
    assert_eq!(code, "OperationNotPermitted");
    let (code, _) = err(h
        .elb
        .modify_load_balancer_attributes()
        .load_balancer_arn(&arn)
        .attributes(attr("nope", "1"))
        .send()
        .await);
    assert_eq!(code, "InvalidConfigurationRequest");
    let a = h
        .elb
        .describe_load_balancer_attributes()
        .load_balancer_arn(&arn)
        .send()
        .await
        .unwrap();
    assert!(a.attributes().iter().any(
        |x| x.key() == Some("load_balancing.cross_zone.enabled") && x.value() == Some("false")
    ));
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
    let (code, _) = err(h
        .elb
        .create_target_group()
        .name("cp-v6")
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .vpc_id(&n.vpc)
        .send()
        .await);
    assert_eq!(code, "DuplicateTargetGroupName");
    // No IPv6 for lambda or alb targets.
    for kind in [TargetTypeEnum::Lambda, TargetTypeEnum::Alb] {
        let (code, msg) = err(h
            .elb
            .create_target_group()
            .name("x")
            .target_type(kind)
            .ip_address_type(TargetGroupIpAddressTypeEnum::Ipv6)
            .send()
            .await);
        assert_eq!(code, "ValidationError");
        assert!(msg.contains("ipv6"), "{msg}");
    }
    let (code, _) = err(h
        .elb
        .create_target_group()
        .name("hc")
        .protocol(ProtocolEnum::Tcp)
        .port(1)
        .vpc_id(&n.vpc)
        .health_check_interval_seconds(1)
        .send()
        .await);
    assert_eq!(code, "ValidationError");
    let (code, _) = err(h
        .elb
        .create_target_group()
        .name("novpc")
        .protocol(ProtocolEnum::Tcp)
        .port(1)
        .vpc_id("vpc-nope")
        .send()
        .await);
    assert_eq!(code, "ValidationError");
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

#[tokio::test]
async fn ip_targets_match_the_group_family_and_the_vpc() {
    let h = start().await;
    let n = net(&h).await;
    let v4 = tg(
        &h,
        "v4",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let v6 = tg(
        &h,
        "v6",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv6,
        TargetTypeEnum::Ip,
    )
    .await;
    let target = |id: &str| TargetDescription::builder().id(id).build();
    let (code, msg) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v4)
        .targets(target("affe:affe:affe::affe"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "The IP address 'affe:affe:affe::affe' is not a valid IPv4 address"
        )
    );
    let (code, msg) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v6)
        .targets(target("10.0.1.10"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "The IP address '10.0.1.10' is not a valid IPv6 address"
        )
    );
    let (code, _) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v6)
        .targets(target("2001:db8::10"))
        .send()
        .await);
    assert_eq!(code, "InvalidTarget");
    let (code, _) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v4)
        .targets(target("8.8.8.8"))
        .send()
        .await);
    assert_eq!(code, "InvalidTarget");
    let inside = sub_block(&n.block, 64, 10).replace("::/64", "::10");
    h.elb
        .register_targets()
        .target_group_arn(&v6)
        .targets(target(&inside))
        .send()
        .await
        .unwrap();
    h.elb
        .register_targets()
        .target_group_arn(&v4)
        .targets(target("10.0.10.10"))
        .send()
        .await
        .unwrap();
    // Unused until a listener forwards to the group.
    let health = |arn: String| {
        let h = &h;
        async move {
            h.elb
                .describe_target_health()
                .target_group_arn(arn)
                .send()
                .await
                .unwrap()
        }
    };
    let d = health(v6.clone()).await;
    let th = d.target_health_descriptions()[0].target_health().unwrap();
    assert_eq!(th.state(), Some(&TargetHealthStateEnum::Unused));
    assert_eq!(th.reason().map(|r| r.as_str()), Some("Target.NotInUse"));
    let lb = nlb(&h, "ds", IpAddressType::Dualstack, &n.ds)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    h.elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&v6))
        .send()
        .await
        .unwrap();
    let d = health(v6.clone()).await;
    assert_eq!(
        d.target_health_descriptions()[0]
            .target_health()
            .unwrap()
            .state(),
        Some(&TargetHealthStateEnum::Healthy)
    );
    assert_eq!(
        d.target_health_descriptions()[0].target().unwrap().port(),
        Some(6443)
    );
    h.elb
        .deregister_targets()
        .target_group_arn(&v6)
        .targets(target(&inside))
        .send()
        .await
        .unwrap();
    assert!(
        health(v6.clone())
            .await
            .target_health_descriptions()
            .is_empty()
    );
    let (code, _) = err(h
        .elb
        .deregister_targets()
        .target_group_arn(&v6)
        .targets(target(&inside))
        .send()
        .await);
    assert_eq!(code, "InvalidTarget");
}

#[tokio::test]
async fn health_settles_deterministically() {
    let h = start_yaml("settle_reads: 1\n").await;
    let n = net(&h).await;
    let v4 = tg(
        &h,
        "v4",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let lb = nlb(&h, "cp", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    h.elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&v4))
        .send()
        .await
        .unwrap();
    h.elb
        .register_targets()
        .target_group_arn(&v4)
        .targets(TargetDescription::builder().id("10.0.0.10").build())
        .send()
        .await
        .unwrap();
    let state = || async {
        h.elb
            .describe_target_health()
            .target_group_arn(&v4)
            .send()
            .await
            .unwrap()
            .target_health_descriptions()
            .first()
            .and_then(|d| d.target_health())
            .and_then(|t| t.state())
            .cloned()
    };
    assert_eq!(state().await, Some(TargetHealthStateEnum::Initial));
    assert_eq!(state().await, Some(TargetHealthStateEnum::Healthy));
    h.elb
        .deregister_targets()
        .target_group_arn(&v4)
        .targets(TargetDescription::builder().id("10.0.0.10").build())
        .send()
        .await
        .unwrap();
    assert_eq!(state().await, Some(TargetHealthStateEnum::Draining));
    assert_eq!(state().await, None);
    // The load balancer stays provisioning for one read.
    let lb_state = || async {
        let d = h
            .elb
            .describe_load_balancers()
            .load_balancer_arns(&lb)
            .send()
            .await
            .unwrap();
        d.load_balancers()[0].state().unwrap().code().cloned()
    };
    assert_eq!(lb_state().await, Some(LoadBalancerStateEnum::Provisioning));
    assert_eq!(lb_state().await, Some(LoadBalancerStateEnum::Active));
}

#[tokio::test]
async fn tags() {
    let h = start().await;
    let n = net(&h).await;
    let lb = nlb(&h, "cp", IpAddressType::Ipv4, &n.v4)
        .tags(
            Tag::builder()
                .key("sigs.k8s.io/cluster-api-provider-aws/cluster/c1")
                .value("owned")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let t = tg(
        &h,
        "cp",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Instance,
    )
    .await;
    h.elb
        .add_tags()
        .resource_arns(&lb)
        .resource_arns(&t)
        .tags(Tag::builder().key("Name").value("cp").build())
        .send()
        .await
        .unwrap();
    h.elb
        .remove_tags()
        .resource_arns(&t)
        .tag_keys("Name")
        .send()
        .await
        .unwrap();
    let d = h
        .elb
        .describe_tags()
        .resource_arns(&lb)
        .resource_arns(&t)
        .send()
        .await
        .unwrap();
    let lb_tags: Vec<_> = d.tag_descriptions()[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_owned(), t.value().unwrap().to_owned()))
        .collect();
    assert_eq!(
        lb_tags,
        [
            (
                "sigs.k8s.io/cluster-api-provider-aws/cluster/c1".to_owned(),
                "owned".to_owned()
            ),
            ("Name".to_owned(), "cp".to_owned())
        ]
    );
    assert!(d.tag_descriptions()[1].tags().is_empty());
    let many: Vec<Tag> = (0..51)
        .map(|i| Tag::builder().key(format!("k{i}")).value("v").build())
        .collect();
    let (code, _) = err(h
        .elb
        .add_tags()
        .resource_arns(&t)
        .set_tags(Some(many))
        .send()
        .await);
    assert_eq!(code, "TooManyTags");
    let (code, _) = err(h
        .elb
        .describe_tags()
        .resource_arns(lb.replace("/cp/", "/nope/"))
        .send()
        .await);
    assert_eq!(code, "LoadBalancerNotFound");
}

#[tokio::test]
async fn set_subnets_adds_but_never_removes_nlb_zones() {
    let h = start().await;
    let n = net(&h).await;
    let lb = nlb(&h, "cp", IpAddressType::Ipv4, &n.ds[..1])
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let out = h
        .elb
        .set_subnets()
        .load_balancer_arn(&lb)
        .set_subnets(Some(n.ds.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(out.availability_zones().len(), 2);
    let (code, _) = err(h
        .elb
        .set_subnets()
        .load_balancer_arn(&lb)
        .subnets(&n.ds[1])
        .send()
        .await);
    assert_eq!(code, "InvalidConfigurationRequest");
}

#[tokio::test]
async fn envelopes_are_aws_query_shaped() {
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
