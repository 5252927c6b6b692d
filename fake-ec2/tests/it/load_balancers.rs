//! Load balancer rules through the real ELBv2 client: parameter values,
//! subnets and their mappings (Elastic IPs, private IPv4 and IPv6
//! addresses), security groups, DescribeLoadBalancers paging, attributes,
//! SetIpAddressType, SetSubnets and SetSecurityGroups.

use aws_sdk_elasticloadbalancingv2::types::{
    EnablePrefixForIpv6SourceNatEnum, IpAddressType, LoadBalancer, LoadBalancerAttribute,
    LoadBalancerSchemeEnum, LoadBalancerStateEnum, LoadBalancerTypeEnum, ProtocolEnum,
    SubnetMapping,
};

use aws_sdk_elasticloadbalancingv2::operation::create_load_balancer::builders::CreateLoadBalancerFluentBuilder;
use rstest::rstest;

use crate::common::*;

fn mapping(subnet: &str) -> aws_sdk_elasticloadbalancingv2::types::builders::SubnetMappingBuilder {
    SubnetMapping::builder().subnet_id(subnet)
}

/// A Network Load Balancer of `scheme` and `ip` type over `mappings`.
fn nlb_mapped(
    h: &Harness,
    name: &str,
    scheme: LoadBalancerSchemeEnum,
    ip: IpAddressType,
    mappings: Vec<SubnetMapping>,
) -> CreateLoadBalancerFluentBuilder {
    h.elb
        .create_load_balancer()
        .name(name)
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(scheme)
        .ip_address_type(ip)
        .set_subnet_mappings(Some(mappings))
}

fn arn(lb: &LoadBalancer) -> String {
    lb.load_balancer_arn().unwrap().to_owned()
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

#[tokio::test]
async fn type_scheme_and_ip_address_type_take_their_values() {
    let h = start().await;
    let n = net(&h).await;
    let create = || {
        h.elb
            .create_load_balancer()
            .name("lb")
            .set_subnets(Some(n.ds.clone()))
    };
    let (code, msg) = err(create()
        .r#type(LoadBalancerTypeEnum::from("classic"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "1 validation error detected: Value 'classic' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [application, network, gateway]"
        )
    );
    let (code, msg) = err(create()
        .scheme(LoadBalancerSchemeEnum::from("public"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "1 validation error detected: Value 'public' at 'scheme' failed to satisfy constraint: Member must satisfy enum value set: [internet-facing, internal]"
        )
    );
    let (code, msg) = err(create()
        .ip_address_type(IpAddressType::from("ipv6"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "1 validation error detected: Value 'ipv6' at 'ipAddressType' failed to satisfy constraint: Member must satisfy enum value set: [ipv4, dualstack, dualstack-without-public-ipv4]"
        )
    );
    // The defaults: application, internet-facing, ipv4.
    let lb = create().send().await.unwrap().load_balancers()[0].clone();
    assert_eq!(lb.r#type(), Some(&LoadBalancerTypeEnum::Application));
    assert_eq!(lb.scheme(), Some(&LoadBalancerSchemeEnum::InternetFacing));
    assert_eq!(lb.ip_address_type(), Some(&IpAddressType::Ipv4));
    // Every value of each is taken.
    let gw = h
        .elb
        .create_load_balancer()
        .name("gw")
        .r#type(LoadBalancerTypeEnum::Gateway)
        .subnets(&n.ds[0])
        .send()
        .await
        .unwrap();
    assert_eq!(
        gw.load_balancers()[0].r#type(),
        Some(&LoadBalancerTypeEnum::Gateway)
    );
}

#[tokio::test]
async fn enable_prefix_for_ipv6_source_nat_is_on_or_off() {
    let h = start().await;
    let n = net(&h).await;
    let (code, msg) = err(nlb(&h, "pfx", IpAddressType::Dualstack, &n.ds)
        .enable_prefix_for_ipv6_source_nat(EnablePrefixForIpv6SourceNatEnum::from("yes"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "The value 'yes' is not valid for EnablePrefixForIpv6SourceNat"
        )
    );
    for (name, value) in [
        ("off", EnablePrefixForIpv6SourceNatEnum::Off),
        ("on", EnablePrefixForIpv6SourceNatEnum::On),
    ] {
        nlb(&h, name, IpAddressType::Dualstack, &n.ds)
            .enable_prefix_for_ipv6_source_nat(value)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn subnets_or_subnet_mappings_and_at_least_one() {
    let h = start().await;
    let n = net(&h).await;
    let (code, msg) = err(nlb(&h, "both", IpAddressType::Ipv4, &n.v4[..1])
        .subnet_mappings(mapping(&n.v4[1]).build())
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "You can specify either subnets or subnet mappings, not both"
        )
    );
    for (code, msg) in [
        err(h
            .elb
            .create_load_balancer()
            .name("none")
            .r#type(LoadBalancerTypeEnum::Network)
            .send()
            .await),
        err(nlb(&h, "empty", IpAddressType::Ipv4, &[]).send().await),
    ] {
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("ValidationError", "At least one subnet must be specified")
        );
    }
    // Mappings alone work.
    let lb = nlb_mapped(
        &h,
        "mapped",
        LoadBalancerSchemeEnum::InternetFacing,
        IpAddressType::Ipv4,
        vec![mapping(&n.v4[0]).build(), mapping(&n.v4[1]).build()],
    )
    .send()
    .await
    .unwrap();
    assert_eq!(lb.load_balancers()[0].availability_zones().len(), 2);
}

#[tokio::test]
async fn internet_facing_nlb_subnets_have_eight_free_addresses() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    // A /28 has 11 usable addresses; each node takes one.
    let s = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/28"), None).await;
    let one = |name: &str, scheme: LoadBalancerSchemeEnum| {
        h.elb
            .create_load_balancer()
            .name(name)
            .r#type(LoadBalancerTypeEnum::Network)
            .scheme(scheme)
            .subnets(&s)
            .send()
    };
    for name in ["a", "b", "c", "d"] {
        one(name, LoadBalancerSchemeEnum::InternetFacing)
            .await
            .unwrap();
    }
    assert_eq!(free_ipv4(&h, &s).await, 7);
    let (code, msg) = err(one("e", LoadBalancerSchemeEnum::InternetFacing).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidSubnet",
            format!(
                "Not enough IP space available in {s}. ELB requires at least 8 free IP addresses in each subnet."
            )
            .as_str()
        )
    );
    // Internal load balancers are not held to it.
    one("e", LoadBalancerSchemeEnum::Internal).await.unwrap();
    assert_eq!(free_ipv4(&h, &s).await, 6);
}

#[tokio::test]
async fn elastic_ips_on_internet_facing_nlbs_only() {
    let h = start().await;
    let n = net(&h).await;
    let alloc = crate::gateways::eip(&h).await;
    let with_eip = |s: &str, a: &str| mapping(s).allocation_id(a).build();
    let want =
        "Elastic IP addresses can only be assigned to internet-facing Network Load Balancers";
    let (code, msg) = err(nlb_mapped(
        &h,
        "internal",
        LoadBalancerSchemeEnum::Internal,
        IpAddressType::Ipv4,
        vec![with_eip(&n.v4[0], &alloc)],
    )
    .send()
    .await);
    assert_eq!((code.as_str(), msg.as_str()), ("ValidationError", want));
    let (code, msg) = err(h
        .elb
        .create_load_balancer()
        .name("alb")
        .subnet_mappings(with_eip(&n.v4[0], &alloc))
        .subnet_mappings(mapping(&n.v4[1]).build())
        .send()
        .await);
    assert_eq!((code.as_str(), msg.as_str()), ("ValidationError", want));
    let nope = "eipalloc-0000000000000dead";
    let (code, msg) = err(nlb_mapped(
        &h,
        "nope",
        LoadBalancerSchemeEnum::InternetFacing,
        IpAddressType::Ipv4,
        vec![with_eip(&n.v4[0], nope)],
    )
    .send()
    .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "AllocationIdNotFound",
            "The allocation ID 'eipalloc-0000000000000dead' does not exist"
        )
    );
    let lb = nlb_mapped(
        &h,
        "public",
        LoadBalancerSchemeEnum::InternetFacing,
        IpAddressType::Ipv4,
        vec![with_eip(&n.v4[0], &alloc)],
    )
    .send()
    .await
    .unwrap();
    let a = &lb.load_balancers()[0].availability_zones()[0].load_balancer_addresses()[0];
    assert_eq!(a.allocation_id(), Some(alloc.as_str()));
    assert!(a.ip_address().is_some(), "{a:?}");
    // The address is no longer free.
    let (code, msg) = err(nlb_mapped(
        &h,
        "again",
        LoadBalancerSchemeEnum::InternetFacing,
        IpAddressType::Ipv4,
        vec![with_eip(&n.v4[1], &alloc)],
    )
    .send()
    .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidConfigurationRequest",
            format!("The allocation ID '{alloc}' is already associated").as_str()
        )
    );
}

#[tokio::test]
async fn private_ipv4_addresses_on_internal_load_balancers_only() {
    let h = start().await;
    let n = net(&h).await;
    let at = |ip: &str| vec![mapping(&n.v4[0]).private_ipv4_address(ip).build()];
    let create = |name: &str, scheme: LoadBalancerSchemeEnum, ip: &str| {
        nlb_mapped(&h, name, scheme, IpAddressType::Ipv4, at(ip)).send()
    };
    let (code, msg) =
        err(create("pub", LoadBalancerSchemeEnum::InternetFacing, "10.0.0.100").await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "Private IPv4 addresses can only be assigned to internal load balancers"
        )
    );
    // Outside the subnet, reserved by AWS (the first four and the last).
    for ip in ["10.0.9.100", "10.0.0.0", "10.0.0.3", "10.0.0.255"] {
        let (code, msg) = err(create("int", LoadBalancerSchemeEnum::Internal, ip).await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "InvalidConfigurationRequest",
                format!(
                    "The private IPv4 address '{ip}' is not available in the subnet '{}'",
                    n.v4[0]
                )
                .as_str()
            )
        );
    }
    let before = free_ipv4(&h, &n.v4[0]).await;
    let lb = create("int", LoadBalancerSchemeEnum::Internal, "10.0.0.100")
        .await
        .unwrap();
    assert_eq!(
        lb.load_balancers()[0].availability_zones()[0].load_balancer_addresses()[0]
            .private_ipv4_address(),
        Some("10.0.0.100")
    );
    assert_eq!(free_ipv4(&h, &n.v4[0]).await, before - 1);
    // Taken now.
    let (code, _) = err(create("int2", LoadBalancerSchemeEnum::Internal, "10.0.0.100").await);
    assert_eq!(code, "InvalidConfigurationRequest");
}

#[tokio::test]
async fn ipv6_addresses_on_dualstack_load_balancers_only() {
    let h = start().await;
    let n = net(&h).await;
    let block = h
        .ec2
        .describe_subnets()
        .subnet_ids(&n.ds[0])
        .send()
        .await
        .unwrap()
        .subnets()[0]
        .ipv6_cidr_block_association_set()[0]
        .ipv6_cidr_block()
        .unwrap()
        .to_owned();
    let net6: ipnet::Ipv6Net = block.parse().unwrap();
    let nth = |i: u128| std::net::Ipv6Addr::from(u128::from(net6.network()) + i).to_string();
    let create = |name: &str, ip: IpAddressType, addr: &str| {
        nlb_mapped(
            &h,
            name,
            LoadBalancerSchemeEnum::InternetFacing,
            ip,
            vec![mapping(&n.ds[0]).ipv6_address(addr).build()],
        )
        .send()
    };
    let (code, msg) = err(create("v4", IpAddressType::Ipv4, &nth(100)).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "IPv6 addresses can only be assigned to dualstack load balancers"
        )
    );
    // Outside the subnet's block, or reserved by AWS.
    for addr in ["2001:db8::100".to_owned(), nth(0), nth(3)] {
        let (code, msg) = err(create("ds", IpAddressType::Dualstack, &addr).await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "InvalidConfigurationRequest",
                format!(
                    "The IPv6 address '{addr}' is not available in the subnet '{}'",
                    n.ds[0]
                )
                .as_str()
            )
        );
    }
    let lb = create("ds", IpAddressType::Dualstack, &nth(100))
        .await
        .unwrap();
    assert_eq!(
        lb.load_balancers()[0].availability_zones()[0].load_balancer_addresses()[0].ipv6_address(),
        Some(nth(100).as_str())
    );
    let (code, _) = err(create("ds2", IpAddressType::Dualstack, &nth(100)).await);
    assert_eq!(code, "InvalidConfigurationRequest");
}

#[tokio::test]
async fn mapping_addresses_are_ip_addresses() {
    let h = start().await;
    let n = net(&h).await;
    let (code, msg) = err(nlb_mapped(
        &h,
        "bad4",
        LoadBalancerSchemeEnum::Internal,
        IpAddressType::Ipv4,
        vec![mapping(&n.v4[0]).private_ipv4_address("10.0.0.300").build()],
    )
    .send()
    .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "The IP address '10.0.0.300' is not a valid IPv4 address"
        )
    );
    let (code, msg) = err(nlb_mapped(
        &h,
        "bad6",
        LoadBalancerSchemeEnum::Internal,
        IpAddressType::Dualstack,
        vec![mapping(&n.ds[0]).ipv6_address("10.0.10.20").build()],
    )
    .send()
    .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "The IP address '10.0.10.20' is not a valid IPv6 address"
        )
    );
}

#[tokio::test]
async fn security_groups_exist_in_the_load_balancers_vpc() {
    let h = start().await;
    let n = net(&h).await;
    let other = vpc(&h, "10.9.0.0/16", false).await;
    let group = |vpc_id: String, name: &'static str| {
        let h = &h;
        async move {
            h.ec2
                .create_security_group()
                .group_name(name)
                .description(name)
                .vpc_id(vpc_id)
                .send()
                .await
                .unwrap()
                .group_id
                .unwrap()
        }
    };
    let far = group(other, "far").await;
    let near = group(n.vpc.clone(), "near").await;
    for g in ["sg-0000000000000dead", far.as_str()] {
        let (code, msg) = err(h
            .elb
            .create_load_balancer()
            .name("alb")
            .set_subnets(Some(n.v4.clone()))
            .security_groups(g)
            .send()
            .await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "InvalidSecurityGroup",
                format!("The security group '{g}' does not exist in the VPC of the load balancer")
                    .as_str()
            )
        );
    }
    let lb = h
        .elb
        .create_load_balancer()
        .name("alb")
        .set_subnets(Some(n.v4.clone()))
        .security_groups(&near)
        .send()
        .await
        .unwrap();
    assert_eq!(lb.load_balancers()[0].security_groups(), [near]);
}

#[tokio::test]
async fn describe_load_balancers_selectors_and_paging() {
    let h = start().await;
    let n = net(&h).await;
    let mut arns = Vec::new();
    for name in ["a", "b", "c"] {
        arns.push(arn(&nlb(&h, name, IpAddressType::Ipv4, &n.v4)
            .send()
            .await
            .unwrap()
            .load_balancers()[0]));
    }
    let (code, msg) = err(h
        .elb
        .describe_load_balancers()
        .load_balancer_arns(&arns[0])
        .names("b")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "Load balancer names and load balancer ARNs cannot be specified at the same time"
        )
    );
    for size in [0, 401] {
        let (code, msg) = err(h.elb.describe_load_balancers().page_size(size).send().await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "ValidationError",
                format!("1 validation error detected: Value '{size}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400").as_str()
            )
        );
    }
    for size in [1, 400] {
        h.elb
            .describe_load_balancers()
            .page_size(size)
            .send()
            .await
            .unwrap();
    }
    // A marker the fake handed out pages on; any other is refused.
    let first = h
        .elb
        .describe_load_balancers()
        .page_size(2)
        .send()
        .await
        .unwrap();
    let marker = first.next_marker().unwrap().to_owned();
    let rest = h
        .elb
        .describe_load_balancers()
        .page_size(2)
        .marker(&marker)
        .send()
        .await
        .unwrap();
    assert_eq!(rest.load_balancers().len(), 1);
    assert_eq!(rest.next_marker(), None);
    for bad in ["bogus", "m-zz", "m-10"] {
        let (code, msg) = err(h.elb.describe_load_balancers().marker(bad).send().await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "ValidationError",
                format!("The marker '{bad}' is not valid").as_str()
            )
        );
    }
}

#[tokio::test]
async fn modify_load_balancer_attributes_values() {
    let h = start().await;
    let n = net(&h).await;
    let lb = arn(&nlb(&h, "cp", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]);
    let (code, msg) = err(h
        .elb
        .modify_load_balancer_attributes()
        .load_balancer_arn(&lb)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "At least one attribute must be specified"
        )
    );
    let attr = |k: &str, v: &str| LoadBalancerAttribute::builder().key(k).value(v).build();
    let (code, msg) = err(h
        .elb
        .modify_load_balancer_attributes()
        .load_balancer_arn(&lb)
        .attributes(attr("load_balancing.cross_zone.enabled", "yes"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidConfigurationRequest",
            "The value of load_balancing.cross_zone.enabled must be 'true' or 'false'"
        )
    );
    let out = h
        .elb
        .modify_load_balancer_attributes()
        .load_balancer_arn(&lb)
        .attributes(attr("load_balancing.cross_zone.enabled", "true"))
        .send()
        .await
        .unwrap();
    assert!(
        out.attributes()
            .iter()
            .any(|a| a.key() == Some("load_balancing.cross_zone.enabled")
                && a.value() == Some("true"))
    );
}

#[tokio::test]
async fn set_ip_address_type_to_dualstack_rules() {
    let h = start().await;
    let n = net(&h).await;
    let on_v4 = arn(&nlb(&h, "v4", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]);
    let set = |lb: &str, ip: IpAddressType| {
        h.elb
            .set_ip_address_type()
            .load_balancer_arn(lb)
            .ip_address_type(ip)
            .send()
    };
    let (code, msg) = err(set(&on_v4, IpAddressType::Dualstack).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "You must specify subnets with an associated IPv6 CIDR block."
        )
    );
    // UDP listeners need prefix source NAT on a dualstack load balancer.
    let on_ds = arn(&nlb(&h, "ds", IpAddressType::Ipv4, &n.ds)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]);
    let udp = h
        .elb
        .create_target_group()
        .name("udp")
        .protocol(ProtocolEnum::Udp)
        .port(53)
        .vpc_id(&n.vpc)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned();
    let listener = h
        .elb
        .create_listener()
        .load_balancer_arn(&on_ds)
        .protocol(ProtocolEnum::Udp)
        .port(53)
        .default_actions(forward(&udp))
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .listener_arn()
        .unwrap()
        .to_owned();
    let (code, msg) = err(set(&on_ds, IpAddressType::Dualstack).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidConfigurationRequest",
            "UDP and TCP_UDP listeners cannot be used with a dualstack load balancer unless EnablePrefixForIpv6SourceNat is 'on'"
        )
    );
    h.elb
        .delete_listener()
        .listener_arn(&listener)
        .send()
        .await
        .unwrap();
    let out = set(&on_ds, IpAddressType::Dualstack).await.unwrap();
    assert_eq!(out.ip_address_type(), Some(&IpAddressType::Dualstack));
    // With prefix source NAT on, UDP listeners may stay.
    let pfx = arn(&nlb(&h, "pfx", IpAddressType::Dualstack, &n.ds)
        .enable_prefix_for_ipv6_source_nat(EnablePrefixForIpv6SourceNatEnum::On)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]);
    set(&pfx, IpAddressType::Ipv4).await.unwrap();
    h.elb
        .create_listener()
        .load_balancer_arn(&pfx)
        .protocol(ProtocolEnum::Udp)
        .port(53)
        .default_actions(forward(&udp))
        .send()
        .await
        .unwrap();
    set(&pfx, IpAddressType::Dualstack).await.unwrap();
}

#[tokio::test]
async fn set_ip_address_type_and_set_subnets_check_the_type() {
    let h = start().await;
    let n = net(&h).await;
    let lb = arn(&nlb(&h, "cp", IpAddressType::Ipv4, &n.ds)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]);
    let enum_msg = "1 validation error detected: Value 'ipv6' at 'ipAddressType' failed to satisfy constraint: Member must satisfy enum value set: [ipv4, dualstack, dualstack-without-public-ipv4]";
    let alb_only = "The IP address type 'dualstack-without-public-ipv4' is supported only by internet-facing Application Load Balancers";
    for (ip, want) in [
        (IpAddressType::from("ipv6"), enum_msg),
        (IpAddressType::DualstackWithoutPublicIpv4, alb_only),
    ] {
        let (code, msg) = err(h
            .elb
            .set_ip_address_type()
            .load_balancer_arn(&lb)
            .ip_address_type(ip.clone())
            .send()
            .await);
        assert_eq!((code.as_str(), msg.as_str()), ("ValidationError", want));
        let (code, msg) = err(h
            .elb
            .set_subnets()
            .load_balancer_arn(&lb)
            .set_subnets(Some(n.ds.clone()))
            .ip_address_type(ip)
            .send()
            .await);
        assert_eq!((code.as_str(), msg.as_str()), ("ValidationError", want));
    }
    let gone = lb.replace("/cp/", "/gone/");
    let (code, msg) = err(h
        .elb
        .set_ip_address_type()
        .load_balancer_arn(&gone)
        .ip_address_type(IpAddressType::Dualstack)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "LoadBalancerNotFound",
            "One or more load balancers not found"
        )
    );
    let (code, _) = err(h
        .elb
        .set_subnets()
        .load_balancer_arn(&gone)
        .set_subnets(Some(n.ds.clone()))
        .send()
        .await);
    assert_eq!(code, "LoadBalancerNotFound");
    // SetSubnets may change the type along with the subnets.
    let out = h
        .elb
        .set_subnets()
        .load_balancer_arn(&lb)
        .set_subnets(Some(n.ds.clone()))
        .ip_address_type(IpAddressType::Dualstack)
        .send()
        .await
        .unwrap();
    assert_eq!(out.ip_address_type(), Some(&IpAddressType::Dualstack));
}

#[tokio::test]
async fn set_subnets_keeps_the_vpc_and_the_subnet_rules() {
    let h = start().await;
    let n = net(&h).await;
    let alb = arn(&h
        .elb
        .create_load_balancer()
        .name("alb")
        .set_subnets(Some(n.v4.clone()))
        .send()
        .await
        .unwrap()
        .load_balancers()[0]);
    let held = free_ipv4(&h, &n.v4[0]).await;
    let set = |subnets: Vec<String>| {
        h.elb
            .set_subnets()
            .load_balancer_arn(&alb)
            .set_subnets(Some(subnets))
            .send()
    };
    let other = vpc(&h, "10.9.0.0/16", false).await;
    let far = vec![
        subnet(&h, &other, "us-east-1a", Some("10.9.0.0/24"), None).await,
        subnet(&h, &other, "us-east-1b", Some("10.9.1.0/24"), None).await,
    ];
    let (code, msg) = err(set(far).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidConfigurationRequest",
            "The subnets must belong to the VPC of the load balancer"
        )
    );
    let (code, _) = err(set(n.v6.clone()).await);
    assert_eq!(code, "InvalidSubnet");
    let (code, _) = err(set(vec![n.v4[0].clone(), "subnet-0000000000000dead".to_owned()]).await);
    assert_eq!(code, "SubnetNotFound");
    let (code, msg) = err(set(vec![n.v4[0].clone(), n.ds[0].clone()]).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "You cannot specify multiple subnets in the same Availability Zone"
        )
    );
    let (code, _) = err(set(vec![n.ds[0].clone()]).await);
    assert_eq!(code, "ValidationError");
    let (code, msg) = err(set(vec![]).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("ValidationError", "At least one subnet must be specified")
    );
    // The refused calls left the load balancer's addresses where they were.
    assert_eq!(free_ipv4(&h, &n.v4[0]).await, held);
    let out = set(n.ds.clone()).await.unwrap();
    assert_eq!(out.availability_zones().len(), 2);
    assert_eq!(free_ipv4(&h, &n.v4[0]).await, held + 1);
}

#[tokio::test]
async fn set_security_groups_rules() {
    let h = start().await;
    let n = net(&h).await;
    let group = |vpc_id: String, name: &'static str| {
        let h = &h;
        async move {
            h.ec2
                .create_security_group()
                .group_name(name)
                .description(name)
                .vpc_id(vpc_id)
                .send()
                .await
                .unwrap()
                .group_id
                .unwrap()
        }
    };
    let near = group(n.vpc.clone(), "near").await;
    let other = vpc(&h, "10.9.0.0/16", false).await;
    let far = group(other, "far").await;
    let set = |lb: &str, groups: Vec<String>| {
        h.elb
            .set_security_groups()
            .load_balancer_arn(lb)
            .set_security_groups(Some(groups))
            .send()
    };
    // A Network Load Balancer created without groups never takes any.
    let bare = arn(&nlb(&h, "bare", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]);
    let (code, msg) = err(set(&bare, vec![near.clone()]).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidConfigurationRequest",
            "You cannot add security groups to a Network Load Balancer that was created without security groups"
        )
    );
    // One created with groups can change them.
    let guarded = arn(&nlb(&h, "guarded", IpAddressType::Ipv4, &n.v4)
        .security_groups(&near)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]);
    set(&guarded, vec![near.clone()]).await.unwrap();
    // An Application Load Balancer keeps at least one, of its VPC.
    let alb = arn(&h
        .elb
        .create_load_balancer()
        .name("alb")
        .set_subnets(Some(n.v4.clone()))
        .send()
        .await
        .unwrap()
        .load_balancers()[0]);
    let (code, msg) = err(set(&alb, vec![]).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "An Application Load Balancer needs at least one security group"
        )
    );
    let (code, msg) = err(set(&alb, vec![far.clone()]).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidSecurityGroup",
            format!("The security group '{far}' does not exist in the VPC of the load balancer")
                .as_str()
        )
    );
    let out = set(&alb, vec![near.clone()]).await.unwrap();
    assert_eq!(out.security_group_ids(), std::slice::from_ref(&near));
    let d = h
        .elb
        .describe_load_balancers()
        .load_balancer_arns(&alb)
        .send()
        .await
        .unwrap();
    assert_eq!(d.load_balancers()[0].security_groups(), [near]);
}

/// The load balancer tests' `net`, and a subnet of another VPC in us-east-1c.
struct LbWorld {
    h: Harness,
    n: Net,
    far: String,
}

async fn lb_world() -> LbWorld {
    let h = start().await;
    let n = net(&h).await;
    let other = vpc(&h, "10.1.0.0/16", false).await;
    let far = subnet(&h, &other, "us-east-1c", Some("10.1.0.0/24"), None).await;
    LbWorld { h, n, far }
}

fn internal_dualstack(w: &LbWorld, name: &str) -> CreateLoadBalancerFluentBuilder {
    w.h.elb
        .create_load_balancer()
        .name(name)
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .ip_address_type(IpAddressType::Dualstack)
        .subnets(&w.n.ds[0])
}

/// One refused CreateLoadBalancer per rule: the request, AWS's code and
/// message (`subnet-00000000000000003` is the first IPv6-only subnet). A
/// refusal makes no load balancer.
#[rstest]
#[case::dualstack_needs_ipv6_subnets(
    |w: &LbWorld| nlb(&w.h, "cp", IpAddressType::Dualstack, &w.n.v4),
    "ValidationError",
    "You must specify subnets with an associated IPv6 CIDR block."
)]
#[case::no_ipv4_nlb_in_ipv6_only_subnets(
    |w: &LbWorld| nlb(&w.h, "v6only", IpAddressType::Ipv4, &w.n.v6),
    "InvalidSubnet",
    "The subnet 'subnet-00000000000000003' is IPv6-only. Load balancer nodes need an IPv4 address; use IPv4 or dualstack subnets"
)]
#[case::no_dualstack_nlb_in_ipv6_only_subnets(
    |w: &LbWorld| nlb(&w.h, "v6only", IpAddressType::Dualstack, &w.n.v6),
    "InvalidSubnet",
    "The subnet 'subnet-00000000000000003' is IPv6-only. Load balancer nodes need an IPv4 address; use IPv4 or dualstack subnets"
)]
#[case::dualstack_without_public_ipv4_is_for_albs(
    |w: &LbWorld| nlb(&w.h, "x", IpAddressType::DualstackWithoutPublicIpv4, &w.n.ds),
    "ValidationError",
    "The IP address type 'dualstack-without-public-ipv4' is supported only by internet-facing Application Load Balancers"
)]
#[case::an_alb_needs_two_zones(
    |w: &LbWorld| w.h.elb.create_load_balancer().name("alb").subnets(&w.n.ds[0]),
    "ValidationError",
    "At least two subnets in two different Availability Zones must be specified"
)]
#[case::prefix_source_nat_only_on_dualstack(
    |w: &LbWorld| nlb(&w.h, "pfx", IpAddressType::Ipv4, &w.n.v4)
        .enable_prefix_for_ipv6_source_nat(EnablePrefixForIpv6SourceNatEnum::On),
    "ValidationError",
    "EnablePrefixForIpv6SourceNat can be 'on' only for dualstack Network Load Balancers"
)]
#[case::one_subnet_per_zone(
    |w: &LbWorld| nlb(&w.h, "x", IpAddressType::Ipv4, &[w.n.ds[0].clone(), w.n.v4[0].clone()]),
    "ValidationError",
    "You cannot specify multiple subnets in the same Availability Zone"
)]
#[case::subnets_exist(
    |w: &LbWorld| nlb(&w.h, "x", IpAddressType::Ipv4, &["subnet-nope".to_owned()]),
    "SubnetNotFound",
    "The subnet ID 'subnet-nope' is not valid"
)]
#[case::subnets_in_one_vpc(
    |w: &LbWorld| nlb(&w.h, "x", IpAddressType::Ipv4, &[w.n.v4[0].clone(), w.far.clone()]),
    "InvalidConfigurationRequest",
    "The subnets of a load balancer must all belong to the same VPC"
)]
#[case::names_are_alphanumerics_and_hyphens(
    |w: &LbWorld| nlb(&w.h, "bad_name", IpAddressType::Ipv4, &w.n.v4),
    "ValidationError",
    "Load balancer name 'bad_name' can only contain characters that are alphanumeric characters or hyphens(-)"
)]
#[case::names_start_without_a_hyphen(
    |w: &LbWorld| nlb(&w.h, "-bad", IpAddressType::Ipv4, &w.n.v4),
    "ValidationError",
    "Load balancer name '-bad' cannot begin or end with a hyphen"
)]
#[case::names_start_without_internal(
    |w: &LbWorld| internal_dualstack(w, "internal-nlb"),
    "ValidationError",
    "Load balancer name 'internal-nlb' cannot begin with 'internal-'"
)]
#[tokio::test]
async fn create_load_balancer_refusals(
    #[case] request: fn(&LbWorld) -> CreateLoadBalancerFluentBuilder,
    #[case] code: &str,
    #[case] message: &str,
) {
    let w = lb_world().await;
    let (got_code, got_message) = err(request(&w).send().await);
    assert_eq!((got_code.as_str(), got_message.as_str()), (code, message));
    let all = w.h.elb.describe_load_balancers().send().await.unwrap();
    assert!(
        all.load_balancers().is_empty(),
        "a refusal made a load balancer"
    );
}

#[tokio::test]
async fn dualstack_needs_ipv6_subnets() {
    let h = start().await;
    let n = net(&h).await;
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
async fn ip_address_type_rules() {
    let h = start().await;
    let n = net(&h).await;
    // The default type is application.
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
    let attr = |k: &str, v: &str| LoadBalancerAttribute::builder().key(k).value(v).build();
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
