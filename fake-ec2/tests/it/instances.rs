//! Instance types and instances: the catalog through DescribeInstanceTypes,
//! RunInstances in IPv4, dualstack and IPv6-only subnets with AWS's IPv6
//! rules, DescribeInstances, TerminateInstances, and instance targets in
//! ELBv2 target groups.

use aws_sdk_ec2::operation::run_instances::RunInstancesOutput;
use aws_sdk_ec2::operation::run_instances::builders::RunInstancesFluentBuilder;
use aws_sdk_ec2::types::{
    ArchitectureType, AttributeBooleanValue, Filter, HostnameType, HttpTokensState, HypervisorType,
    InstanceIpv6Address, InstanceMetadataEndpointState, InstanceMetadataOptionsRequest,
    InstanceMetadataOptionsState, InstanceMetadataProtocolState, InstanceMetadataTagsState,
    InstanceNetworkInterfaceSpecification, InstanceStateName, InstanceType, InstanceTypeHypervisor,
    Placement, PrivateDnsNameOptionsRequest, ResourceType, Tag, TagSpecification,
};
use aws_sdk_elasticloadbalancingv2::types::{
    ProtocolEnum, TargetDescription, TargetGroupIpAddressTypeEnum, TargetHealthReasonEnum,
    TargetHealthStateEnum, TargetTypeEnum,
};

use rstest::rstest;

use crate::common::*;

/// A dualstack VPC with three subnets in us-east-1a: IPv4-only,
/// dualstack and IPv6-only.
struct Net {
    vpc: String,
    v4: String,
    ds: String,
    ds_block: String,
    v6: String,
    v6_block: String,
}

async fn net(h: &Harness) -> Net {
    let vpc_id = vpc(h, "10.0.0.0/16", true).await;
    let block = vpc_ipv6_block(h, &vpc_id).await;
    let ds_block = sub_block(&block, 64, 2);
    let v6_block = sub_block(&block, 64, 3);
    Net {
        v4: subnet(h, &vpc_id, "us-east-1a", Some("10.0.1.0/24"), None).await,
        ds: subnet(
            h,
            &vpc_id,
            "us-east-1a",
            Some("10.0.2.0/24"),
            Some(&ds_block),
        )
        .await,
        v6: subnet(h, &vpc_id, "us-east-1a", None, Some(&v6_block)).await,
        vpc: vpc_id,
        ds_block,
        v6_block,
    }
}

/// The address `offset` places into an IPv6 block.
fn addr_in(block: &str, offset: u128) -> String {
    let net: ipnet::Ipv6Net = block.parse().unwrap();
    std::net::Ipv6Addr::from(u128::from(net.network()) + offset).to_string()
}

fn run(h: &Harness, subnet: &str, instance_type: &str) -> RunInstancesFluentBuilder {
    h.ec2
        .run_instances()
        .image_id(ami())
        .instance_type(InstanceType::from(instance_type))
        .min_count(1)
        .max_count(1)
        .subnet_id(subnet)
}

fn only(out: &RunInstancesOutput) -> &aws_sdk_ec2::types::Instance {
    assert_eq!(out.instances().len(), 1);
    &out.instances()[0]
}

fn id_of(out: &RunInstancesOutput) -> String {
    only(out).instance_id().unwrap().to_owned()
}

fn v6(addr: &str) -> InstanceIpv6Address {
    InstanceIpv6Address::builder().ipv6_address(addr).build()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

async fn describe(h: &Harness, id: &str) -> aws_sdk_ec2::types::Instance {
    let out = h
        .ec2
        .describe_instances()
        .instance_ids(id)
        .send()
        .await
        .unwrap();
    out.reservations()[0].instances()[0].clone()
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

async fn type_names(h: &Harness, filters: Vec<Filter>) -> Vec<String> {
    let mut pages = h
        .ec2
        .describe_instance_types()
        .set_filters(Some(filters))
        .into_paginator()
        .send();
    let mut names = Vec::new();
    while let Some(page) = pages.next().await {
        names.extend(
            page.unwrap()
                .instance_types()
                .iter()
                .map(|t| t.instance_type().unwrap().as_str().to_owned()),
        );
    }
    names
}

/// How many types of the catalog have IPv6 (data/instance-types.tsv).
const IPV6_TYPES: usize = 1359;

#[tokio::test]
async fn instance_types_by_ipv6_support() {
    let h = start().await;
    let with = type_names(&h, vec![filter("network-info.ipv6-supported", "true")]).await;
    assert!(with.contains(&"m5.large".to_owned()));
    assert!(with.contains(&"t2.micro".to_owned()));
    assert!(with.contains(&"c3.large".to_owned()));
    assert!(!with.contains(&"m3.medium".to_owned()));
    let without = type_names(&h, vec![filter("network-info.ipv6-supported", "false")]).await;
    for t in ["m3.medium", "m3.large", "m1.small", "t1.micro", "c1.medium"] {
        assert!(without.contains(&t.to_owned()), "{t}");
    }
    assert!(!without.contains(&"m5.large".to_owned()));

    let out = h
        .ec2
        .describe_instance_types()
        .instance_types(InstanceType::M5Large)
        .send()
        .await
        .unwrap();
    let t = &out.instance_types()[0];
    assert_eq!(t.hypervisor(), Some(&InstanceTypeHypervisor::Nitro));
    assert_eq!(t.bare_metal(), Some(false));
    // As recorded from EC2 (data/README.md): m5 says false there.
    assert_eq!(t.current_generation(), Some(false));
    assert_eq!(t.free_tier_eligible(), Some(false));
    assert_eq!(t.burstable_performance_supported(), Some(false));
    assert_eq!(t.v_cpu_info().unwrap().default_v_cpus(), Some(2));
    assert_eq!(t.memory_info().unwrap().size_in_mib(), Some(8192));
    let n = t.network_info().unwrap();
    assert_eq!(n.ipv6_supported(), Some(true));
    assert_eq!(n.ipv4_addresses_per_interface(), Some(10));
    assert_eq!(n.ipv6_addresses_per_interface(), Some(10));
    assert_eq!(n.maximum_network_interfaces(), Some(3));
    assert_eq!(n.network_performance(), Some("Up to 10 Gigabit"));
    assert_eq!(n.ena_support().map(|e| e.as_str()), Some("required"));
    assert_eq!(
        t.processor_info().unwrap().supported_architectures(),
        [ArchitectureType::X8664]
    );
    // The whole catalog: the 1,373 types EC2 lists, of which 1,359 have IPv6
    // (what the seed's first describe-instance-types lists on AWS).
    let all = type_names(&h, vec![]).await;
    assert_eq!(all.len(), 1373);
    assert_eq!(with.len(), IPV6_TYPES);
    for t in [
        "m5a.large",
        "r6i.large",
        "c6a.xlarge",
        "m7g.large",
        "t3a.large",
        "t3.nano",
    ] {
        assert!(with.contains(&t.to_owned()), "{t}");
    }
}

#[tokio::test]
async fn instance_types_by_hypervisor_metal_and_more() {
    let h = start().await;
    let nitro = type_names(&h, vec![filter("hypervisor", "nitro")]).await;
    assert!(nitro.contains(&"m5.large".to_owned()));
    assert!(nitro.contains(&"t4g.medium".to_owned()));
    assert!(!nitro.contains(&"t2.micro".to_owned()));
    assert!(
        !nitro.contains(&"m5.metal".to_owned()),
        "metal has no hypervisor"
    );
    let xen = type_names(&h, vec![filter("hypervisor", "xen")]).await;
    assert!(xen.contains(&"m4.large".to_owned()));
    assert!(!xen.contains(&"m5.large".to_owned()));

    let metal = type_names(&h, vec![filter("bare-metal", "true")]).await;
    for t in ["c5.metal", "m5.metal", "m6i.metal"] {
        assert!(metal.contains(&t.to_owned()), "{t}");
    }
    assert!(!metal.contains(&"m5.large".to_owned()));
    let out = h
        .ec2
        .describe_instance_types()
        .instance_types(InstanceType::M5Metal)
        .send()
        .await
        .unwrap();
    let t = &out.instance_types()[0];
    assert_eq!(t.hypervisor(), None);
    assert_eq!(t.bare_metal(), Some(true));
    assert_eq!(t.network_info().unwrap().ipv6_supported(), Some(true));

    let arm = type_names(
        &h,
        vec![filter("processor-info.supported-architecture", "arm64")],
    )
    .await;
    for t in ["c7g.large", "m6g.large", "t4g.medium", "m7g.large"] {
        assert!(arm.contains(&t.to_owned()), "{t}");
    }
    assert!(!arm.contains(&"m5.large".to_owned()));
    let previous = type_names(&h, vec![filter("current-generation", "false")]).await;
    assert!(previous.contains(&"m3.medium".to_owned()));
    assert!(previous.contains(&"c3.large".to_owned()));
    assert!(!previous.contains(&"t2.micro".to_owned()));
    let t3 = type_names(&h, vec![filter("instance-type", "t3*")]).await;
    assert!(t3.iter().all(|t| t.starts_with("t3")), "{t3:?}");
    assert!(t3.contains(&"t3.nano".to_owned()) && t3.contains(&"t3a.medium".to_owned()));
    let four = type_names(
        &h,
        vec![
            filter("vcpu-info.default-vcpus", "4"),
            filter("memory-info.size-in-mib", "16384"),
        ],
    )
    .await;
    for t in ["m4.xlarge", "m5.xlarge", "m6i.xlarge"] {
        assert!(four.contains(&t.to_owned()), "{t}");
    }
    assert!(!four.contains(&"m5.large".to_owned()));
    let fifty = type_names(
        &h,
        vec![
            filter("network-info.ipv6-addresses-per-interface", "50"),
            filter("network-info.maximum-network-interfaces", "15"),
        ],
    )
    .await;
    for t in ["c5.metal", "m5.metal"] {
        assert!(fifty.contains(&t.to_owned()), "{t}");
    }
    let burstable = type_names(&h, vec![filter("burstable-performance-supported", "true")]).await;
    assert!(
        burstable.contains(&"t3.micro".to_owned()) && !burstable.contains(&"m5.large".to_owned())
    );
    let free = type_names(&h, vec![filter("free-tier-eligible", "true")]).await;
    assert!(
        !free.is_empty() && !free.contains(&"m5.large".to_owned()),
        "{free:?}"
    );
}

#[tokio::test]
async fn instance_types_paging_and_errors() {
    let h = start().await;
    let all = type_names(&h, vec![]).await;
    let mut paged = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = h
            .ec2
            .describe_instance_types()
            .max_results(5)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        assert!(out.instance_types().len() <= 5);
        paged.extend(
            out.instance_types()
                .iter()
                .map(|t| t.instance_type().unwrap().as_str().to_owned()),
        );
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(paged, all);
    assert!(all.len() >= 30);
    for bad in [4, 101] {
        let (code, _) = err(h
            .ec2
            .describe_instance_types()
            .max_results(bad)
            .send()
            .await);
        assert_eq!(code, "InvalidParameterValue");
    }
    let (code, msg) = err(h
        .ec2
        .describe_instance_types()
        .instance_types(InstanceType::M5Large)
        .instance_types(InstanceType::from("m5.huge"))
        .send()
        .await);
    assert_eq!(code, "InvalidInstanceType");
    assert_eq!(
        msg,
        "The following supplied instance types do not exist: [m5.huge]"
    );
    let (code, msg) = err(h
        .ec2
        .describe_instance_types()
        .filters(filter("network-info.bogus", "true"))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(msg, "The filter 'network-info.bogus' is invalid");
}

#[tokio::test]
async fn seeds_add_and_replace_instance_types() {
    let h = start_yaml(
        "regions:\n  us-east-1:\n    instance_types:\n      - instance_type: x9.large\n        hypervisor: nitro\n        vcpus: 2\n        memory_mib: 4096\n        ipv6_supported: false\n        ipv4_addresses_per_interface: 4\n        ipv6_addresses_per_interface: 0\n        maximum_network_interfaces: 2\n",
    )
    .await;
    let n = net(&h).await;
    let names = type_names(&h, vec![filter("instance-type", "x9.*")]).await;
    assert_eq!(names, ["x9.large"]);
    // Nitro but without IPv6: the IPv6-only subnet refuses it for want of IPv6.
    let (code, msg) = err(run(&h, &n.v6, "x9.large").send().await);
    assert_eq!(code, "UnsupportedOperation");
    assert_eq!(msg, "IPv6 addresses are not supported on x9.large");
}

#[tokio::test]
async fn run_in_an_ipv4_subnet() {
    let h = start().await;
    let n = net(&h).await;
    let before = free_ipv4(&h, &n.v4).await;
    h.ec2
        .create_key_pair()
        .key_name("ops")
        .key_type(aws_sdk_ec2::types::KeyType::Ed25519)
        .send()
        .await
        .unwrap();
    let out = run(&h, &n.v4, "m5.large")
        .key_name("ops")
        .user_data("IyEvYmluL3NoCmVjaG8gaGk=")
        .send()
        .await
        .unwrap();
    assert!(out.reservation_id().unwrap().starts_with("r-"));
    assert_eq!(out.owner_id(), Some("123456789012"));
    let i = only(&out);
    let id = i.instance_id().unwrap();
    assert!(id.starts_with("i-"));
    assert_eq!(i.image_id(), Some(ami().as_str()));
    assert_eq!(i.instance_type(), Some(&InstanceType::M5Large));
    assert_eq!(i.state().unwrap().name(), Some(&InstanceStateName::Pending));
    assert_eq!(i.state().unwrap().code(), Some(0));
    assert_eq!(i.private_ip_address(), Some("10.0.1.4"));
    assert_eq!(i.private_dns_name(), Some("ip-10-0-1-4.ec2.internal"));
    assert_eq!(i.ipv6_address(), None);
    assert_eq!(
        i.hypervisor(),
        Some(&HypervisorType::Xen),
        "xen even for Nitro"
    );
    // The members a Linux instance launched without options answers.
    assert_eq!(i.platform_details(), Some("Linux/UNIX"));
    assert_eq!(i.usage_operation(), Some("RunInstances"));
    assert_eq!(
        i.hibernation_options().and_then(|o| o.configured()),
        Some(false)
    );
    assert_eq!(i.enclave_options().and_then(|o| o.enabled()), Some(false));
    // m5.large: two vCPUs, one core with two threads.
    let cpu = i.cpu_options().unwrap();
    assert_eq!(
        (cpu.core_count(), cpu.threads_per_core()),
        (Some(1), Some(2))
    );
    assert_eq!(
        i.maintenance_options()
            .and_then(|o| o.auto_recovery())
            .map(|a| a.as_str()),
        Some("default")
    );
    assert_eq!(i.subnet_id(), Some(n.v4.as_str()));
    assert_eq!(i.vpc_id(), Some(n.vpc.as_str()));
    assert_eq!(i.key_name(), Some("ops"));
    assert_eq!(
        i.placement().unwrap().availability_zone(),
        Some("us-east-1a")
    );
    assert_eq!(i.security_groups().len(), 1);
    assert_eq!(i.security_groups()[0].group_name(), Some("default"));
    let nic = &i.network_interfaces()[0];
    assert!(nic.network_interface_id().unwrap().starts_with("eni-"));
    assert_eq!(nic.private_ip_address(), Some("10.0.1.4"));
    assert!(nic.ipv6_addresses().is_empty());
    assert_eq!(nic.attachment().unwrap().device_index(), Some(0));
    assert_eq!(
        nic.attachment().unwrap().delete_on_termination(),
        Some(true)
    );
    assert_eq!(nic.groups(), i.security_groups());
    let m = i.metadata_options().unwrap();
    assert_eq!(m.state(), Some(&InstanceMetadataOptionsState::Pending));
    assert_eq!(m.http_tokens(), Some(&HttpTokensState::Optional));
    assert_eq!(m.http_put_response_hop_limit(), Some(1));
    assert_eq!(
        m.http_endpoint(),
        Some(&InstanceMetadataEndpointState::Enabled)
    );
    assert_eq!(
        m.http_protocol_ipv6(),
        Some(&InstanceMetadataProtocolState::Disabled)
    );
    let dns = i.private_dns_name_options().unwrap();
    assert_eq!(dns.hostname_type(), Some(&HostnameType::IpName));

    let d = describe(&h, id).await;
    assert_eq!(d.state().unwrap().name(), Some(&InstanceStateName::Running));
    assert_eq!(d.state().unwrap().code(), Some(16));
    assert_eq!(
        d.metadata_options().unwrap().state(),
        Some(&InstanceMetadataOptionsState::Applied)
    );
    // The next instance takes the next address.
    let out = run(&h, &n.v4, "m5.large").send().await.unwrap();
    assert_eq!(only(&out).private_ip_address(), Some("10.0.1.5"));
    assert_eq!(free_ipv4(&h, &n.v4).await, before - 2);
    // Without InstanceType, AWS launches an m1.small.
    let out = h
        .ec2
        .run_instances()
        .image_id(ami())
        .min_count(1)
        .max_count(1)
        .subnet_id(&n.v4)
        .send()
        .await
        .unwrap();
    assert_eq!(only(&out).instance_type(), Some(&InstanceType::M1Small));
}

#[tokio::test]
async fn run_in_a_dualstack_subnet() {
    let h = start().await;
    let n = net(&h).await;
    // An IPv6 address drawn from the subnet, made primary.
    let out = run(&h, &n.ds, "m5.large")
        .ipv6_address_count(1)
        .enable_primary_ipv6(true)
        .send()
        .await
        .unwrap();
    let i = only(&out);
    let first = addr_in(&n.ds_block, 4);
    assert_eq!(i.private_ip_address(), Some("10.0.2.4"));
    assert_eq!(i.ipv6_address(), Some(first.as_str()));
    let a = &i.network_interfaces()[0].ipv6_addresses()[0];
    assert_eq!(a.ipv6_address(), Some(first.as_str()));
    assert_eq!(a.is_primary_ipv6(), Some(true));

    // Without EnablePrimaryIpv6 the address is not primary.
    let out = run(&h, &n.ds, "m5.large")
        .ipv6_address_count(2)
        .send()
        .await
        .unwrap();
    let addrs = only(&out).network_interfaces()[0].ipv6_addresses();
    assert_eq!(addrs.len(), 2);
    assert_eq!(
        addrs[0].ipv6_address(),
        Some(addr_in(&n.ds_block, 5).as_str())
    );
    assert_eq!(
        addrs[1].ipv6_address(),
        Some(addr_in(&n.ds_block, 6).as_str())
    );
    assert!(addrs.iter().all(|a| a.is_primary_ipv6() == Some(false)));

    // An explicit address inside the block.
    let chosen = addr_in(&n.ds_block, 0x100);
    let out = run(&h, &n.ds, "m5.large")
        .ipv6_addresses(v6(&chosen))
        .enable_primary_ipv6(true)
        .send()
        .await
        .unwrap();
    assert_eq!(only(&out).ipv6_address(), Some(chosen.as_str()));

    // Taken, outside, reserved.
    let (code, msg) = err(run(&h, &n.ds, "m5.large")
        .ipv6_addresses(v6(&chosen))
        .send()
        .await);
    assert_eq!(code, "InvalidIPAddress.InUse");
    assert_eq!(msg, format!("Address {chosen} is in use."));
    let (code, msg) = err(run(&h, &n.ds, "m5.large")
        .ipv6_addresses(v6("2001:db8::10"))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Address does not fall within the subnet's address range"
    );
    let reserved = addr_in(&n.ds_block, 1);
    let (code, msg) = err(run(&h, &n.ds, "m5.large")
        .ipv6_addresses(v6(&reserved))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!("Address {reserved} is reserved by AWS and cannot be assigned.")
    );

    // The subnet's AssignIpv6AddressOnCreation gives one address unasked.
    h.ec2
        .modify_subnet_attribute()
        .subnet_id(&n.ds)
        .assign_ipv6_address_on_creation(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .unwrap();
    let out = run(&h, &n.ds, "t3.micro").send().await.unwrap();
    let i = only(&out);
    assert_eq!(i.network_interfaces()[0].ipv6_addresses().len(), 1);
    assert_eq!(i.ipv6_address(), Some(addr_in(&n.ds_block, 7).as_str()));
}

#[tokio::test]
async fn run_in_an_ipv6_only_subnet() {
    let h = start().await;
    let n = net(&h).await;
    let out = run(&h, &n.v6, "m5.large")
        .enable_primary_ipv6(true)
        .send()
        .await
        .unwrap();
    let i = only(&out);
    let id = i.instance_id().unwrap();
    assert_eq!(i.private_ip_address(), None);
    assert_eq!(i.ipv6_address(), Some(addr_in(&n.v6_block, 4).as_str()));
    assert_eq!(
        i.private_dns_name(),
        Some(format!("{id}.ec2.internal").as_str())
    );
    let dns = i.private_dns_name_options().unwrap();
    assert_eq!(dns.hostname_type(), Some(&HostnameType::ResourceName));
    assert_eq!(dns.enable_resource_name_dns_aaaa_record(), Some(true));
    assert_eq!(dns.enable_resource_name_dns_a_record(), Some(false));
    let nic = &i.network_interfaces()[0];
    assert_eq!(nic.private_ip_address(), None);
    assert_eq!(nic.ipv6_addresses()[0].is_primary_ipv6(), Some(true));
    // Always an IPv6 address, even unasked and with a count of 0.
    for count in [None, Some(0)] {
        let out = run(&h, &n.v6, "c6i.large")
            .set_ipv6_address_count(count)
            .send()
            .await
            .unwrap();
        assert_eq!(only(&out).network_interfaces()[0].ipv6_addresses().len(), 1);
    }
    // Bare metal runs on the Nitro system.
    run(&h, &n.v6, "m5.metal").send().await.unwrap();

    // Xen types are refused.
    for t in ["t2.micro", "m4.large"] {
        let (code, msg) = err(run(&h, &n.v6, t).send().await);
        assert_eq!(code, "InvalidParameterCombination");
        assert_eq!(
            msg,
            format!(
                "The instance type '{t}' is not supported in the IPv6-only subnet '{}'. A Nitro-based instance type is required.",
                n.v6
            )
        );
    }
    // Hostnames must be resource names; no IPv4 can be named.
    let (code, msg) = err(run(&h, &n.v6, "m5.large")
        .private_dns_name_options(
            PrivateDnsNameOptionsRequest::builder()
                .hostname_type(HostnameType::IpName)
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!(
            "The hostname type ip-name is not supported in the IPv6-only subnet '{}'. Use resource-name.",
            n.v6
        )
    );
    let (code, msg) = err(run(&h, &n.v6, "m5.large")
        .private_ip_address("10.0.1.10")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        format!(
            "The subnet '{}' is IPv6-only: a private IPv4 address cannot be specified.",
            n.v6
        )
    );
}

#[tokio::test]
async fn ipv6_needs_a_capable_type_and_subnet() {
    let h = start().await;
    let n = net(&h).await;
    let (code, msg) = err(run(&h, &n.ds, "m3.medium")
        .ipv6_address_count(1)
        .send()
        .await);
    assert_eq!(code, "UnsupportedOperation");
    assert_eq!(msg, "IPv6 addresses are not supported on m3.medium");
    let (code, _) = err(run(&h, &n.ds, "m3.medium")
        .ipv6_addresses(v6(&addr_in(&n.ds_block, 0x20)))
        .send()
        .await);
    assert_eq!(code, "UnsupportedOperation");
    // Without IPv6 it launches in the dualstack subnet.
    run(&h, &n.ds, "m3.medium").send().await.unwrap();
    // With the subnet assigning IPv6 on creation it is refused.
    h.ec2
        .modify_subnet_attribute()
        .subnet_id(&n.ds)
        .assign_ipv6_address_on_creation(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .unwrap();
    let (code, msg) = err(run(&h, &n.ds, "m3.medium").send().await);
    assert_eq!(code, "UnsupportedOperation");
    assert_eq!(msg, "IPv6 addresses are not supported on m3.medium");
    // In the IPv6-only subnet the Nitro rule comes first.
    let (code, _) = err(run(&h, &n.v6, "m3.medium").send().await);
    assert_eq!(code, "InvalidParameterCombination");

    // Count and addresses together.
    let (code, msg) = err(run(&h, &n.ds, "m5.large")
        .ipv6_address_count(1)
        .ipv6_addresses(v6(&addr_in(&n.ds_block, 0x20)))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "IPv6 addresses and IPv6 address count may not be specified on the same request"
    );
    // More than the type allows per interface (t3.micro: 2).
    let (code, msg) = err(run(&h, &n.ds, "t3.micro")
        .ipv6_address_count(3)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "The number of IPv6 addresses (3) exceeds the limit of 2 per network interface for instance type 't3.micro'."
    );
    run(&h, &n.ds, "t3.micro")
        .ipv6_address_count(2)
        .send()
        .await
        .unwrap();
    // A subnet without an IPv6 block.
    let (code, msg) = err(run(&h, &n.v4, "m5.large")
        .ipv6_address_count(1)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!(
            "The subnet '{}' has no IPv6 CIDR block: IPv6 addresses cannot be assigned to network interfaces in it.",
            n.v4
        )
    );
    // A primary IPv6 needs an IPv6 address.
    let (code, msg) = err(run(&h, &n.v4, "m5.large")
        .enable_primary_ipv6(true)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert!(
        msg.starts_with("A primary IPv6 address needs an IPv6 address"),
        "{msg}"
    );
}

/// The world a refused launch meets: the subnets above and a security
/// group of another VPC (its instance is the one instance there).
struct Launch {
    h: Harness,
    n: Net,
    other_group: String,
}

async fn launch_world() -> Launch {
    let h = start().await;
    let n = net(&h).await;
    let other_vpc = vpc(&h, "10.1.0.0/16", false).await;
    let other_subnet = subnet(&h, &other_vpc, "us-east-1a", Some("10.1.0.0/24"), None).await;
    let other_group = only(&run(&h, &other_subnet, "m5.large").send().await.unwrap())
        .security_groups()[0]
        .group_id()
        .unwrap()
        .to_owned();
    Launch { h, n, other_group }
}

async fn instance_count(h: &Harness) -> usize {
    let out = h.ec2.describe_instances().send().await.unwrap();
    out.reservations().iter().map(|r| r.instances().len()).sum()
}

fn six_groups(w: &Launch) -> RunInstancesFluentBuilder {
    (1..=6).fold(run(&w.h, &w.n.v4, "m5.large"), |b, k| {
        b.security_group_ids(format!("sg-0000000000000009{k}"))
    })
}

/// One refused RunInstances per rule: the request, AWS's code and message
/// (`{v4}` stands for the IPv4 subnet's id, `{other_group}` for the other
/// VPC's group, `{eu_ami}` for an image of eu-west-1). A refused launch leaves no instance behind.
#[rstest]
#[case::image_id_is_given(
    |w: &Launch| w.h.ec2.run_instances().min_count(1).max_count(1).subnet_id(&w.n.v4),
    "MissingParameter",
    "The request must contain the parameter ImageId"
)]
#[case::image_id_looks_like_an_ami(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").image_id("img-1"),
    "InvalidAMIID.Malformed",
    "Invalid id: \"img-1\" (expecting \"ami-...\")"
)]
#[case::image_exists_in_the_region(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").image_id(ami_in("eu-west-1")),
    "InvalidAMIID.NotFound",
    "The image id '[{eu_ami}]' does not exist"
)]
#[case::image_matches_the_type_architecture(
    |w: &Launch| run(&w.h, &w.n.v4, "m7g.large"),
    "InvalidParameterValue",
    "The architecture 'arm64' of the specified instance type does not match the architecture 'x86_64' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI."
)]
#[case::min_count_is_given(
    |w: &Launch| w.h.ec2.run_instances().image_id(ami()).max_count(1).subnet_id(&w.n.v4),
    "MissingParameter",
    "The request must contain the parameter MinCount"
)]
#[case::max_count_is_given(
    |w: &Launch| w.h.ec2.run_instances().image_id(ami()).min_count(1).subnet_id(&w.n.v4),
    "MissingParameter",
    "The request must contain the parameter MaxCount"
)]
#[case::min_count_at_most_max_count(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").min_count(3).max_count(2),
    "InvalidParameterValue",
    "Value (2) for parameter maxCount is invalid. maxCount must be greater than or equal to minCount (3)."
)]
#[case::counts_are_at_least_one(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").min_count(0),
    "InvalidParameterValue",
    "Value (0) for parameter minCount is invalid. Expected a positive integer."
)]
#[case::instance_type_exists(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.huge"),
    "InvalidParameterValue",
    "Invalid value 'm5.huge' for InstanceType."
)]
#[case::hop_limit_1_to_64(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").metadata_options(
        InstanceMetadataOptionsRequest::builder().http_put_response_hop_limit(65).build(),
    ),
    "InvalidParameterValue",
    "Value (65) for parameter MetadataOptions.HttpPutResponseHopLimit is invalid. The hop limit must be between 1 and 64."
)]
#[case::metadata_tokens_are_valid(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").metadata_options(
        InstanceMetadataOptionsRequest::builder()
            .http_tokens(HttpTokensState::from("sometimes"))
            .build(),
    ),
    "InvalidParameterValue",
    "Value (sometimes) for parameter MetadataOptions.HttpTokens is invalid."
)]
#[case::user_data_is_base64(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").user_data("#!/bin/sh\necho hi\n"),
    "InvalidParameterValue",
    "Invalid BASE64 encoding of user data."
)]
#[case::a_subnet_or_interfaces(
    |w: &Launch| w.h.ec2.run_instances().image_id(ami()).min_count(1).max_count(1),
    "VPCIdNotSpecified",
    "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC."
)]
#[case::group_names_not_with_a_subnet(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").security_groups("default"),
    "InvalidParameterCombination",
    "The parameter groupName cannot be used with the parameter subnet"
)]
#[case::interfaces_not_with_a_subnet(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").network_interfaces(
        InstanceNetworkInterfaceSpecification::builder()
            .device_index(0)
            .subnet_id(&w.n.v4)
            .build(),
    ),
    "InvalidParameterCombination",
    "Network interfaces and an instance-level subnet ID may not be specified on the same request"
)]
#[case::the_subnet_exists(
    |w: &Launch| run(&w.h, "subnet-00000000000000099", "m5.large"),
    "InvalidSubnetID.NotFound",
    "The subnet ID 'subnet-00000000000000099' does not exist"
)]
#[case::at_most_five_groups(
    six_groups,
    "SecurityGroupsPerInterfaceLimitExceeded",
    "The maximum number of security groups per interface has been reached."
)]
#[case::groups_exist(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").security_group_ids("sg-00000000000000099"),
    "InvalidGroup.NotFound",
    "The security group 'sg-00000000000000099' does not exist"
)]
#[case::groups_in_the_subnets_vpc(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").security_group_ids(&w.other_group),
    "InvalidParameter",
    "Security group {other_group} and subnet {v4} belong to different networks."
)]
#[case::hostname_type_is_known(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large").private_dns_name_options(
        PrivateDnsNameOptionsRequest::builder()
            .hostname_type(HostnameType::from("fqdn"))
            .build(),
    ),
    "InvalidParameterValue",
    "Value (fqdn) for parameter PrivateDnsNameOptions.HostnameType is invalid."
)]
#[case::zone_is_the_subnets(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large")
        .placement(Placement::builder().availability_zone("us-east-1b").build()),
    "InvalidParameterValue",
    "Value (us-east-1b) for parameter availabilityZone is invalid. Subnet '{v4}' is in availability zone us-east-1a."
)]
#[case::zone_exists(
    |w: &Launch| run(&w.h, &w.n.v4, "m5.large")
        .placement(Placement::builder().availability_zone("us-east-1z").build()),
    "InvalidParameterValue",
    "Invalid availability zone: [us-east-1z]"
)]
#[tokio::test]
async fn run_instances_parameter_errors(
    #[case] request: fn(&Launch) -> RunInstancesFluentBuilder,
    #[case] code: &str,
    #[case] message: &str,
) {
    let w = launch_world().await;
    let message = message
        .replace("{v4}", &w.n.v4)
        .replace("{other_group}", &w.other_group)
        .replace("{eu_ami}", &ami_in("eu-west-1"));
    let (got_code, got_message) = err(request(&w).send().await);
    assert_eq!(
        (got_code.as_str(), got_message.as_str()),
        (code, message.as_str())
    );
    assert_eq!(
        instance_count(&w.h).await,
        1,
        "a refused launch left an instance"
    );
}

#[tokio::test]
async fn run_instances_in_the_subnets_zone() {
    let w = launch_world().await;
    run(&w.h, &w.n.v4, "m5.large")
        .placement(Placement::builder().availability_zone("us-east-1a").build())
        .send()
        .await
        .unwrap();
    assert_eq!(instance_count(&w.h).await, 2);
}

#[tokio::test]
async fn metadata_and_hostname_options() {
    let h = start().await;
    let n = net(&h).await;
    let out = run(&h, &n.ds, "m5.large")
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_tokens(HttpTokensState::Required)
                .http_put_response_hop_limit(2)
                .http_endpoint(InstanceMetadataEndpointState::Enabled)
                .http_protocol_ipv6(InstanceMetadataProtocolState::Enabled)
                .instance_metadata_tags(InstanceMetadataTagsState::Enabled)
                .build(),
        )
        .private_dns_name_options(
            PrivateDnsNameOptionsRequest::builder()
                .hostname_type(HostnameType::ResourceName)
                .enable_resource_name_dns_a_record(true)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let i = only(&out);
    let m = i.metadata_options().unwrap();
    assert_eq!(m.http_tokens(), Some(&HttpTokensState::Required));
    assert_eq!(m.http_put_response_hop_limit(), Some(2));
    assert_eq!(
        m.http_protocol_ipv6(),
        Some(&InstanceMetadataProtocolState::Enabled)
    );
    assert_eq!(
        m.instance_metadata_tags(),
        Some(&InstanceMetadataTagsState::Enabled)
    );
    let dns = i.private_dns_name_options().unwrap();
    assert_eq!(dns.hostname_type(), Some(&HostnameType::ResourceName));
    assert_eq!(dns.enable_resource_name_dns_a_record(), Some(true));
    assert_eq!(
        i.private_dns_name(),
        Some(format!("{}.ec2.internal", i.instance_id().unwrap()).as_str())
    );
    // The subnet's launch default decides when the request does not.
    h.ec2
        .modify_subnet_attribute()
        .subnet_id(&n.v4)
        .private_dns_hostname_type_on_launch(HostnameType::ResourceName)
        .send()
        .await
        .unwrap();
    let out = run(&h, &n.v4, "m5.large").send().await.unwrap();
    let i = only(&out);
    assert_eq!(
        i.private_dns_name_options().unwrap().hostname_type(),
        Some(&HostnameType::ResourceName)
    );

    // Outside us-east-1 names end in <region>.compute.internal.
    let west = ec2_client(&h.server.url(), "us-west-2");
    let vpc_id = west
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let subnet_id = west
        .create_subnet()
        .vpc_id(&vpc_id)
        .availability_zone("us-west-2a")
        .cidr_block("10.9.1.0/24")
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap()
        .subnet_id
        .unwrap();
    let out = west
        .run_instances()
        .image_id(ami_in("us-west-2"))
        .instance_type(InstanceType::M5Large)
        .min_count(1)
        .max_count(1)
        .subnet_id(&subnet_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        only(&out).private_dns_name(),
        Some("ip-10-9-1-4.us-west-2.compute.internal")
    );
}

#[tokio::test]
async fn addresses_run_out_and_launches_shrink_to_fit() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    // A /28 has 16 - 5 = 11 usable addresses.
    let small = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/28"), None).await;
    let out = run(&h, &small, "t3.micro")
        .min_count(2)
        .max_count(20)
        .send()
        .await
        .unwrap();
    assert_eq!(out.instances().len(), 11);
    let launch_index: Vec<i32> = out
        .instances()
        .iter()
        .map(|i| i.ami_launch_index().unwrap())
        .collect();
    assert_eq!(launch_index, (0..11).collect::<Vec<_>>());
    assert_eq!(free_ipv4(&h, &small).await, 0);
    let (code, msg) = err(run(&h, &small, "t3.micro").send().await);
    assert_eq!(code, "InsufficientFreeAddressesInSubnet");
    assert_eq!(
        msg,
        format!(
            "There are not enough free addresses in subnet '{small}' to satisfy the requested number of instances."
        )
    );

    let other = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.1.0/24"), None).await;
    let (code, msg) = err(run(&h, &other, "t3.micro")
        .min_count(300)
        .max_count(300)
        .send()
        .await);
    assert_eq!(code, "InsufficientFreeAddressesInSubnet");
    assert!(msg.contains(&other), "{msg}");
    // Named addresses: free, taken, outside, reserved; one instance only.
    let out = run(&h, &other, "t3.micro")
        .private_ip_address("10.0.1.50")
        .send()
        .await
        .unwrap();
    assert_eq!(only(&out).private_ip_address(), Some("10.0.1.50"));
    let (code, msg) = err(run(&h, &other, "t3.micro")
        .private_ip_address("10.0.1.50")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidIPAddress.InUse", "Address 10.0.1.50 is in use.")
    );
    let (code, msg) = err(run(&h, &other, "t3.micro")
        .private_ip_address("10.0.2.50")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Address does not fall within the subnet's address range"
        )
    );
    let (code, _) = err(run(&h, &other, "t3.micro")
        .private_ip_address("10.0.1.255")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    let (code, msg) = err(run(&h, &other, "t3.micro")
        .private_ip_address("10.0.1.60")
        .max_count(2)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "Specific private IPv4 or IPv6 addresses may only be requested when launching a single instance."
    );
}

#[tokio::test]
async fn instance_limit() {
    let h = start().await;
    let n = net(&h).await;
    let (code, msg) = err(run(&h, &n.v4, "t3.micro")
        .min_count(1001)
        .max_count(1001)
        .send()
        .await);
    assert_eq!(code, "InstanceLimitExceeded");
    assert!(
        msg.starts_with(
            "You have requested more instances (1001) than your current instance limit of 1000 allows"
        ),
        "{msg}"
    );
}

#[tokio::test]
async fn client_token_makes_launches_idempotent() {
    let h = start().await;
    let n = net(&h).await;
    let first = run(&h, &n.v4, "m5.large")
        .client_token("launch-1")
        .send()
        .await
        .unwrap();
    let again = run(&h, &n.v4, "m5.large")
        .client_token("launch-1")
        .send()
        .await
        .unwrap();
    assert_eq!(first.reservation_id(), again.reservation_id());
    assert_eq!(id_of(&first), id_of(&again));
    assert_eq!(only(&again).client_token(), Some("launch-1"));
    assert_eq!(only(&again).private_ip_address(), Some("10.0.1.4"));
    let out = h.ec2.describe_instances().send().await.unwrap();
    assert_eq!(out.reservations().len(), 1);
    let (code, msg) = err(run(&h, &n.v4, "t3.micro")
        .client_token("launch-1")
        .send()
        .await);
    assert_eq!(code, "IdempotentParameterMismatch");
    assert_eq!(
        msg,
        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s)."
    );
}

#[tokio::test]
async fn tag_specifications() {
    let h = start().await;
    let n = net(&h).await;
    let spec = |rt: ResourceType, v: &str| {
        TagSpecification::builder()
            .resource_type(rt)
            .tags(Tag::builder().key("Name").value(v).build())
            .build()
    };
    let out = run(&h, &n.v4, "m5.large")
        .tag_specifications(spec(ResourceType::Instance, "cp-0"))
        .tag_specifications(spec(ResourceType::Volume, "cp-0-root"))
        .tag_specifications(spec(ResourceType::NetworkInterface, "cp-0-eni"))
        .send()
        .await
        .unwrap();
    let i = only(&out);
    assert_eq!(i.tags().len(), 1);
    assert_eq!(i.tags()[0].value(), Some("cp-0"));
    let (code, msg) = err(run(&h, &n.v4, "m5.large")
        .tag_specifications(spec(ResourceType::Vpc, "x"))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "'vpc' is not a valid taggable resource type for this operation."
    );
    let out = h
        .ec2
        .describe_instances()
        .filters(filter("tag:Name", "cp-*"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.reservations().len(), 1);
}

#[tokio::test]
async fn network_interfaces() {
    let h = start().await;
    let n = net(&h).await;
    let nic = |index: i32, subnet: &str| {
        InstanceNetworkInterfaceSpecification::builder()
            .device_index(index)
            .subnet_id(subnet)
    };
    let launch = || {
        h.ec2
            .run_instances()
            .image_id(ami())
            .instance_type(InstanceType::M5Large)
            .min_count(1)
            .max_count(1)
    };
    let out = launch()
        .network_interfaces(
            nic(0, &n.ds)
                .ipv6_address_count(1)
                .primary_ipv6(true)
                .delete_on_termination(false)
                .build(),
        )
        .network_interfaces(nic(1, &n.v4).build())
        .send()
        .await
        .unwrap();
    let i = only(&out);
    assert_eq!(i.subnet_id(), Some(n.ds.as_str()));
    assert_eq!(i.private_ip_address(), Some("10.0.2.4"));
    assert_eq!(i.ipv6_address(), Some(addr_in(&n.ds_block, 4).as_str()));
    let nics = i.network_interfaces();
    assert_eq!(nics.len(), 2);
    assert_eq!(
        nics[0].attachment().unwrap().delete_on_termination(),
        Some(false)
    );
    assert_eq!(nics[1].subnet_id(), Some(n.v4.as_str()));
    assert_eq!(nics[1].private_ip_address(), Some("10.0.1.4"));
    assert!(nics[1].ipv6_addresses().is_empty());
    assert_ne!(
        nics[0].network_interface_id(),
        nics[1].network_interface_id()
    );
    let group = i.security_groups()[0].group_id().unwrap().to_owned();

    let (code, msg) = err(launch()
        .network_interfaces(nic(0, &n.ds).build())
        .security_group_ids(&group)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "Network interfaces and an instance-level security groups may not be specified on the same request"
    );
    let (code, msg) = err(launch()
        .network_interfaces(nic(1, &n.ds).build())
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "When specifying network interfaces, you must include a device at index 0."
    );
    let (code, _) = err(launch()
        .network_interfaces(nic(0, &n.ds).build())
        .network_interfaces(nic(0, &n.v4).build())
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    let other_az = subnet(&h, &n.vpc, "us-east-1b", Some("10.0.9.0/24"), None).await;
    let (code, msg) = err(launch()
        .network_interfaces(nic(0, &n.ds).build())
        .network_interfaces(nic(1, &other_az).build())
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "The network interfaces of an instance must all be in subnets of the same availability zone."
    );
    let (code, msg) = err(launch()
        .network_interfaces(
            InstanceNetworkInterfaceSpecification::builder()
                .device_index(0)
                .network_interface_id("eni-00000000000000099")
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidNetworkInterfaceID.NotFound");
    assert_eq!(
        msg,
        "The networkInterface ID 'eni-00000000000000099' does not exist"
    );
    let (code, msg) = err(launch()
        .network_interfaces(nic(0, &n.ds).build())
        .ipv6_address_count(1)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "Network interfaces and an instance-level IPv6 addresses may not be specified on the same request"
    );
    let (code, msg) = err(launch()
        .network_interfaces(nic(0, &n.ds).build())
        .private_ip_address("10.0.2.99")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "Network interfaces and an instance-level private IP address may not be specified on the same request"
    );
    let (code, msg) = err(launch()
        .network_interfaces(
            InstanceNetworkInterfaceSpecification::builder()
                .device_index(0)
                .build(),
        )
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter NetworkInterface.1.SubnetId"
        )
    );
    let (code, msg) = err(launch()
        .network_interfaces(
            InstanceNetworkInterfaceSpecification::builder()
                .subnet_id(&n.ds)
                .build(),
        )
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter NetworkInterface.1.DeviceIndex"
        )
    );
    // Per-interface IPv6 rules match the instance-level ones.
    let (code, _) = err(launch()
        .network_interfaces(
            nic(0, &n.ds)
                .ipv6_address_count(1)
                .ipv6_addresses(v6(&addr_in(&n.ds_block, 0x40)))
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    let out = launch()
        .network_interfaces(
            nic(0, &n.ds)
                .ipv6_addresses(v6(&addr_in(&n.ds_block, 0x40)))
                .primary_ipv6(true)
                .groups(&group)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        only(&out).ipv6_address(),
        Some(addr_in(&n.ds_block, 0x40).as_str())
    );
    let (code, _) = err(launch()
        .instance_type(InstanceType::T3Micro)
        .network_interfaces(nic(0, &n.ds).build())
        .network_interfaces(nic(1, &n.v4).build())
        .network_interfaces(nic(2, &n.v4).build())
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue", "t3.micro takes 2 interfaces");
}

#[tokio::test]
async fn describe_instances_filters_and_grouping() {
    let h = start().await;
    let n = net(&h).await;
    let pair = run(&h, &n.ds, "m5.large")
        .min_count(2)
        .max_count(2)
        .ipv6_address_count(1)
        .send()
        .await
        .unwrap();
    let single = run(&h, &n.v4, "t3.micro").send().await.unwrap();
    let v6only = run(&h, &n.v6, "c6i.large").send().await.unwrap();

    let out = h.ec2.describe_instances().send().await.unwrap();
    let r = out.reservations();
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].reservation_id(), pair.reservation_id());
    assert_eq!(r[0].instances().len(), 2);
    assert_eq!(r[0].owner_id(), Some("123456789012"));
    assert_eq!(r[1].instances().len(), 1);

    let ids = |f: Vec<Filter>| {
        let ec2 = h.ec2.clone();
        async move {
            let out = ec2
                .describe_instances()
                .set_filters(Some(f))
                .send()
                .await
                .unwrap();
            out.reservations()
                .iter()
                .flat_map(|r| r.instances())
                .map(|i| i.instance_id().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let pair_ids: Vec<String> = pair
        .instances()
        .iter()
        .map(|i| i.instance_id().unwrap().to_owned())
        .collect();
    let single_id = id_of(&single);
    let v6_id = id_of(&v6only);
    assert_eq!(
        ids(vec![filter("instance-type", "m5.large")]).await,
        pair_ids
    );
    assert_eq!(
        ids(vec![filter("subnet-id", &n.v4)]).await,
        [single_id.as_str()]
    );
    assert_eq!(ids(vec![filter("vpc-id", &n.vpc)]).await.len(), 4);
    assert_eq!(
        ids(vec![filter("availability-zone", "us-east-1a")])
            .await
            .len(),
        4
    );
    assert_eq!(
        ids(vec![filter("private-ip-address", "10.0.1.4")]).await,
        [single_id.as_str()]
    );
    let first_v6 = addr_in(&n.ds_block, 4);
    assert_eq!(
        ids(vec![filter("ipv6-address", &first_v6)]).await,
        [pair_ids[0].as_str()]
    );
    assert_eq!(
        ids(vec![filter(
            "network-interface.ipv6-addresses.ipv6-address",
            &addr_in(&n.v6_block, 4)
        )])
        .await,
        [v6_id.as_str()]
    );
    assert_eq!(
        ids(vec![filter("network-interface.subnet-id", &n.v6)]).await,
        [v6_id.as_str()]
    );
    let group = only(&single).security_groups()[0]
        .group_id()
        .unwrap()
        .to_owned();
    assert_eq!(
        ids(vec![filter("instance.group-id", &group)]).await.len(),
        4
    );
    assert_eq!(
        ids(vec![filter("instance.group-name", "default")])
            .await
            .len(),
        4
    );
    assert_eq!(
        ids(vec![filter("instance.group-name", "web")]).await.len(),
        0
    );
    assert_eq!(
        ids(vec![filter("instance-state-name", "running")])
            .await
            .len(),
        4
    );
    assert_eq!(
        ids(vec![filter("instance-id", &single_id)]).await,
        [single_id.as_str()]
    );
    assert_eq!(
        ids(vec![
            filter("instance-type", "m5.large"),
            filter("ipv6-address", &first_v6)
        ])
        .await
        .len(),
        1
    );

    // Unknown and malformed ids, unknown filters.
    let (code, msg) = err(h
        .ec2
        .describe_instances()
        .instance_ids("i-00000000000000099")
        .send()
        .await);
    assert_eq!(code, "InvalidInstanceID.NotFound");
    assert_eq!(msg, "The instance ID 'i-00000000000000099' does not exist");
    let (code, msg) = err(h
        .ec2
        .describe_instances()
        .instance_ids("i-00000000000000098")
        .instance_ids("i-00000000000000099")
        .send()
        .await);
    assert_eq!(code, "InvalidInstanceID.NotFound");
    assert_eq!(
        msg,
        "The instance IDs 'i-00000000000000098, i-00000000000000099' do not exist"
    );
    let (code, msg) = err(h
        .ec2
        .describe_instances()
        .instance_ids("web-1")
        .send()
        .await);
    assert_eq!(code, "InvalidInstanceID.Malformed");
    assert_eq!(msg, "Invalid id: \"web-1\"");
    let (code, _) = err(h
        .ec2
        .describe_instances()
        .filters(filter("instance-colour", "red"))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    let (code, _) = err(h
        .ec2
        .describe_instances()
        .instance_ids(&single_id)
        .max_results(5)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
}

#[tokio::test]
async fn describe_instances_pages_by_reservation() {
    let h = start().await;
    let n = net(&h).await;
    for _ in 0..7 {
        run(&h, &n.v4, "t3.micro").send().await.unwrap();
    }
    let first = h
        .ec2
        .describe_instances()
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(first.reservations().len(), 5);
    let rest = h
        .ec2
        .describe_instances()
        .max_results(5)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.reservations().len(), 2);
    assert_eq!(rest.next_token(), None);
    let (code, _) = err(h.ec2.describe_instances().max_results(4).send().await);
    assert_eq!(code, "InvalidParameterValue");
}

#[tokio::test]
async fn terminate_releases_addresses() {
    let h = start().await;
    let n = net(&h).await;
    let before = free_ipv4(&h, &n.ds).await;
    let out = run(&h, &n.ds, "m5.large")
        .ipv6_address_count(1)
        .enable_primary_ipv6(true)
        .send()
        .await
        .unwrap();
    let id = id_of(&out);
    assert_eq!(free_ipv4(&h, &n.ds).await, before - 1);
    describe(&h, &id).await;

    let t = h
        .ec2
        .terminate_instances()
        .instance_ids(&id)
        .send()
        .await
        .unwrap();
    let change = &t.terminating_instances()[0];
    assert_eq!(change.instance_id(), Some(id.as_str()));
    assert_eq!(
        change.current_state().unwrap().name(),
        Some(&InstanceStateName::ShuttingDown)
    );
    assert_eq!(change.current_state().unwrap().code(), Some(32));
    assert_eq!(
        change.previous_state().unwrap().name(),
        Some(&InstanceStateName::Running)
    );
    assert_eq!(change.previous_state().unwrap().code(), Some(16));

    // Still visible, terminated, without addresses; the subnet has them back.
    let d = describe(&h, &id).await;
    assert_eq!(
        d.state().unwrap().name(),
        Some(&InstanceStateName::Terminated)
    );
    assert_eq!(d.state().unwrap().code(), Some(48));
    assert_eq!(d.private_ip_address(), None);
    assert_eq!(d.ipv6_address(), None);
    assert!(d.network_interfaces().is_empty());
    assert_eq!(free_ipv4(&h, &n.ds).await, before);
    let out = run(&h, &n.ds, "m5.large")
        .ipv6_address_count(1)
        .send()
        .await
        .unwrap();
    let i = only(&out);
    assert_eq!(i.private_ip_address(), Some("10.0.2.4"));
    assert_eq!(
        i.network_interfaces()[0].ipv6_addresses()[0].ipv6_address(),
        Some(addr_in(&n.ds_block, 4).as_str())
    );
    let terminated = h
        .ec2
        .describe_instances()
        .filters(filter("instance-state-name", "terminated"))
        .send()
        .await
        .unwrap();
    assert_eq!(terminated.reservations().len(), 1);

    // Terminating a terminated instance succeeds and changes nothing.
    let t = h
        .ec2
        .terminate_instances()
        .instance_ids(&id)
        .send()
        .await
        .unwrap();
    let change = &t.terminating_instances()[0];
    assert_eq!(
        change.current_state().unwrap().name(),
        Some(&InstanceStateName::Terminated)
    );
    assert_eq!(
        change.previous_state().unwrap().name(),
        Some(&InstanceStateName::Terminated)
    );
    let (code, msg) = err(h.ec2.terminate_instances().send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter InstanceId"
        )
    );
    let (code, _) = err(h
        .ec2
        .terminate_instances()
        .instance_ids(i.instance_id().unwrap())
        .instance_ids("i-00000000000000099")
        .send()
        .await);
    assert_eq!(code, "InvalidInstanceID.NotFound");
    // The refused call terminated nothing.
    assert_eq!(
        describe(&h, i.instance_id().unwrap())
            .await
            .state()
            .unwrap()
            .name(),
        Some(&InstanceStateName::Running)
    );
}

#[tokio::test]
async fn a_live_instance_keeps_its_subnet() {
    let h = start().await;
    let n = net(&h).await;
    let id = id_of(&run(&h, &n.v6, "m5.large").send().await.unwrap());
    let (code, msg) = err(h.ec2.delete_subnet().subnet_id(&n.v6).send().await);
    assert_eq!(code, "DependencyViolation");
    assert_eq!(
        msg,
        format!(
            "The subnet '{}' has dependencies and cannot be deleted.",
            n.v6
        )
    );
    h.ec2
        .terminate_instances()
        .instance_ids(&id)
        .send()
        .await
        .unwrap();
    h.ec2.delete_subnet().subnet_id(&n.v6).send().await.unwrap();
}

#[tokio::test]
async fn states_settle_after_reads() {
    let h = start_yaml("settle_reads: 1\n").await;
    let n = net(&h).await;
    let id = id_of(&run(&h, &n.v4, "m5.large").send().await.unwrap());
    let state = || async { describe(&h, &id).await.state().unwrap().name().cloned() };
    assert_eq!(state().await, Some(InstanceStateName::Pending));
    assert_eq!(state().await, Some(InstanceStateName::Running));
    h.ec2
        .terminate_instances()
        .instance_ids(&id)
        .send()
        .await
        .unwrap();
    // Shutting down still holds the subnet and its address.
    assert_eq!(
        code(h.ec2.delete_subnet().subnet_id(&n.v4).send().await),
        "DependencyViolation"
    );
    assert_eq!(state().await, Some(InstanceStateName::ShuttingDown));
    assert_eq!(state().await, Some(InstanceStateName::Terminated));
    h.ec2.delete_subnet().subnet_id(&n.v4).send().await.unwrap();
}

async fn instance_tg(
    h: &Harness,
    name: &str,
    vpc: &str,
    ip: TargetGroupIpAddressTypeEnum,
) -> String {
    h.elb
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .vpc_id(vpc)
        .target_type(TargetTypeEnum::Instance)
        .ip_address_type(ip)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned()
}

fn target(id: &str) -> TargetDescription {
    TargetDescription::builder().id(id).build()
}

#[tokio::test]
async fn instance_targets_follow_the_group_ip_type() {
    let h = start().await;
    let n = net(&h).await;
    let v6_tg = instance_tg(&h, "cp-v6", &n.vpc, TargetGroupIpAddressTypeEnum::Ipv6).await;
    let v4_tg = instance_tg(&h, "cp-v4", &n.vpc, TargetGroupIpAddressTypeEnum::Ipv4).await;

    // An IPv6 address that is not primary is not enough.
    let plain = id_of(
        &run(&h, &n.ds, "m5.large")
            .ipv6_address_count(1)
            .send()
            .await
            .unwrap(),
    );
    let (code, msg) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v6_tg)
        .targets(target(&plain))
        .send()
        .await);
    assert_eq!(code, "InvalidTarget");
    assert_eq!(
        msg,
        format!(
            "The following targets cannot be used with this IPv6 target group because of missing primary IPv6 addresses: {plain}"
        )
    );
    let primary = id_of(
        &run(&h, &n.ds, "m5.large")
            .ipv6_address_count(1)
            .enable_primary_ipv6(true)
            .send()
            .await
            .unwrap(),
    );
    h.elb
        .register_targets()
        .target_group_arn(&v6_tg)
        .targets(target(&primary))
        .send()
        .await
        .unwrap();

    // An IPv4 group takes no instance without IPv4.
    let v6only = id_of(&run(&h, &n.v6, "m5.large").send().await.unwrap());
    let (code, msg) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v4_tg)
        .targets(target(&v6only))
        .send()
        .await);
    assert_eq!(code, "InvalidTarget");
    assert!(msg.ends_with(&v6only), "{msg}");
    h.elb
        .register_targets()
        .target_group_arn(&v4_tg)
        .targets(target(&plain))
        .send()
        .await
        .unwrap();

    // A terminated target is unused.
    h.ec2
        .terminate_instances()
        .instance_ids(&plain)
        .send()
        .await
        .unwrap();
    let health = h
        .elb
        .describe_target_health()
        .target_group_arn(&v4_tg)
        .send()
        .await
        .unwrap();
    let d = &health.target_health_descriptions()[0];
    assert_eq!(d.target().unwrap().id(), Some(plain.as_str()));
    let th = d.target_health().unwrap();
    assert_eq!(th.state(), Some(&TargetHealthStateEnum::Unused));
    assert_eq!(th.reason(), Some(&TargetHealthReasonEnum::InvalidState));
    // And cannot be registered again.
    let (code, _) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v6_tg)
        .targets(target(&plain))
        .send()
        .await);
    assert_eq!(code, "InvalidTarget");
}

/// DescribeInstanceTypeOfferings as recorded from EC2: by region, zone or
/// zone id, filtered by type and location, paged.
#[tokio::test]
async fn instance_type_offerings_by_location() {
    use aws_sdk_ec2::types::LocationType;
    let h = start().await;
    let offers = |location: LocationType, filters: Vec<Filter>| {
        let h = &h;
        async move {
            let mut pages = h
                .ec2
                .describe_instance_type_offerings()
                .location_type(location)
                .set_filters(Some(filters))
                .into_paginator()
                .send();
            let mut out = Vec::new();
            while let Some(page) = pages.next().await {
                for o in page.unwrap().instance_type_offerings() {
                    out.push((
                        o.instance_type().unwrap().as_str().to_owned(),
                        o.location().unwrap().to_owned(),
                    ));
                }
            }
            out
        }
    };
    let m5 = offers(
        LocationType::AvailabilityZone,
        vec![filter("instance-type", "m5.large")],
    )
    .await;
    let zones: Vec<&str> = m5.iter().map(|(_, z)| z.as_str()).collect();
    assert_eq!(
        zones,
        [
            "us-east-1a",
            "us-east-1b",
            "us-east-1c",
            "us-east-1d",
            "us-east-1f"
        ]
    );
    // us-east-1e offers 58 types only.
    let e = offers(
        LocationType::AvailabilityZone,
        vec![filter("location", "us-east-1e")],
    )
    .await;
    assert_eq!(e.len(), 58);
    assert!(e.iter().any(|(t, _)| t == "t2.micro"));
    // By zone id: us-east-1e is use1-az3.
    let ids = offers(
        LocationType::AvailabilityZoneId,
        vec![filter("instance-type", "m5.large")],
    )
    .await;
    assert!(
        ids.iter().all(|(_, z)| z.starts_with("use1-az"))
            && !ids.iter().any(|(_, z)| z == "use1-az3")
    );
    // The region offers the whole catalog.
    let region = offers(
        LocationType::Region,
        vec![filter("instance-type", "m5.large")],
    )
    .await;
    assert_eq!(region, [("m5.large".to_owned(), "us-east-1".to_owned())]);
    let err = h
        .ec2
        .describe_instance_type_offerings()
        .location_type(LocationType::from("planet"))
        .send()
        .await;
    assert_eq!(code(err), "InvalidParameterValue");
}

/// RunInstances refuses a type its subnet's zone does not offer, naming the
/// zones that do (AWS's `Unsupported`).
#[tokio::test]
async fn run_refuses_a_type_the_zone_does_not_offer() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let e = subnet(&h, &vpc_id, "us-east-1e", Some("10.0.5.0/24"), None).await;
    let (code, msg) = err(run(&h, &e, "m5.large").send().await);
    assert_eq!(code, "Unsupported");
    assert_eq!(
        msg,
        "Your requested instance type (m5.large) is not supported in your requested Availability Zone (us-east-1e). Please retry your request by not specifying an Availability Zone or choosing us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1f."
    );
    // t2.micro is offered there.
    run(&h, &e, "t2.micro")
        .send()
        .await
        .expect("t2.micro in us-east-1e");
}
