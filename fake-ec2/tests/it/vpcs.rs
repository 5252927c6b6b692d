//! VPCs and their IPv4/IPv6 CIDR blocks through the real SDK.

use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, VpcAttributeName, VpcCidrBlockStateCode, VpcState,
};

use crate::common::*;

const POOLS: &str = r#"
regions:
  us-east-1:
    opt_in: [us-east-1-nyc-1, us-east-1-wl1]
    ipv6_pools:
      - pool_id: ipv6pool-ec2-0123456789abcdef0
        cidrs: ["2001:db8:1200::/48"]
    ipam_pools:
      - ipam_pool_id: ipam-pool-0aaaaaaaaaaaaaaaa
        address_family: ipv6
        cidrs: ["2001:db8:ab00::/40"]
        allocation_default_netmask_length: 56
        allocation_min_netmask_length: 48
      - ipam_pool_id: ipam-pool-0bbbbbbbbbbbbbbbb
        address_family: ipv6
        cidrs: ["2001:db8:cd00::/52"]
      - ipam_pool_id: ipam-pool-0cccccccccccccccc
        address_family: ipv4
        cidrs: ["10.64.0.0/12"]
        allocation_default_netmask_length: 16
"#;

#[tokio::test]
async fn create_ipv4_vpc_canonicalises_and_answers_pending() {
    let h = start().await;
    let out = h
        .ec2
        .create_vpc()
        .cidr_block("100.68.0.18/18")
        .send()
        .await
        .unwrap();
    let vpc = out.vpc.unwrap();
    assert_eq!(vpc.cidr_block(), Some("100.68.0.0/18"));
    assert_eq!(vpc.state(), Some(&VpcState::Pending));
    assert!(vpc.ipv6_cidr_block_association_set().is_empty());
    assert_eq!(vpc.instance_tenancy().map(|t| t.as_str()), Some("default"));
    assert_eq!(vpc.is_default(), Some(false));
    let described = h
        .ec2
        .describe_vpcs()
        .vpc_ids(vpc.vpc_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(described.vpcs()[0].state(), Some(&VpcState::Available));
    assert_eq!(
        described.vpcs()[0].cidr_block_association_set()[0].cidr_block(),
        Some("100.68.0.0/18")
    );
}

#[tokio::test]
async fn create_vpc_requires_an_ipv4_cidr() {
    let h = start().await;
    let (code, msg) = err(h
        .ec2
        .create_vpc()
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await);
    assert_eq!(code, "MissingParameter");
    assert_eq!(
        msg,
        "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided."
    );
}

#[tokio::test]
async fn ipv4_vpc_size_is_16_to_28() {
    let h = start().await;
    let (code, msg) = err(h.ec2.create_vpc().cidr_block("10.0.0.0/8").send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidVpc.Range", "The CIDR '10.0.0.0/8' is invalid.")
    );
    assert_eq!(
        code_of(h.ec2.create_vpc().cidr_block("10.0.0.0/29").send().await),
        "InvalidVpc.Range"
    );
    assert_eq!(
        code_of(h.ec2.create_vpc().cidr_block("10.0.0.0/28").send().await),
        "OK"
    );
    let (code, msg) = err(h.ec2.create_vpc().cidr_block("10.0.0.300/16").send().await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("cidrBlock"), "{msg}");
}

#[tokio::test]
async fn amazon_ipv6_is_a_56_in_the_region_border_group() {
    let h = start().await;
    let out = h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await
        .unwrap();
    let created = out.vpc.unwrap();
    let assoc = &created.ipv6_cidr_block_association_set()[0];
    let block = assoc.ipv6_cidr_block().unwrap();
    assert!(block.ends_with("/56"), "{block}");
    assert_eq!(assoc.network_border_group(), Some("us-east-1"));
    assert_eq!(assoc.ipv6_pool(), Some("Amazon"));
    assert_eq!(
        assoc.ipv6_cidr_block_state().unwrap().state(),
        Some(&VpcCidrBlockStateCode::Associating)
    );
    let vpc_id = created.vpc_id().unwrap();
    let d = h.ec2.describe_vpcs().vpc_ids(vpc_id).send().await.unwrap();
    let assoc = &d.vpcs()[0].ipv6_cidr_block_association_set()[0];
    assert_eq!(
        assoc.ipv6_cidr_block_state().unwrap().state(),
        Some(&VpcCidrBlockStateCode::Associated)
    );
    // A second VPC gets another /56.
    let other = vpc(&h, "10.1.0.0/16", true).await;
    assert_ne!(vpc_ipv6_block(&h, &other).await, block);
    // The main route table carries a local route for both blocks.
    let (v4, v6) = h.fake.with_world(|w| {
        let r = w.region("123456789012", REGION);
        let rtb = &r.ec2.route_tables[&r.ec2.vpcs[vpc_id].main_route_table_id];
        (rtb.routes.len(), rtb.is_main())
    });
    assert_eq!((v4, v6), (2, true));
}

#[tokio::test]
async fn settle_reads_keeps_a_block_associating() {
    let h = start_yaml("settle_reads: 2\n").await;
    let id = vpc(&h, "10.0.0.0/16", true).await;
    let state = || async {
        let d = h.ec2.describe_vpcs().vpc_ids(&id).send().await.unwrap();
        d.vpcs()[0].ipv6_cidr_block_association_set()[0]
            .ipv6_cidr_block_state()
            .unwrap()
            .state()
            .cloned()
            .unwrap()
    };
    assert_eq!(state().await, VpcCidrBlockStateCode::Associating);
    assert_eq!(state().await, VpcCidrBlockStateCode::Associating);
    assert_eq!(state().await, VpcCidrBlockStateCode::Associated);
}

#[tokio::test]
async fn ipv6_sources_are_mutually_exclusive() {
    let h = start_yaml(POOLS).await;
    let (code, _) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .amazon_provided_ipv6_cidr_block(true)
        .ipv6_pool("ipv6pool-ec2-0123456789abcdef0")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    let (code, _) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_cidr_block_network_border_group("us-east-1")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    let (code, msg) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_ipam_pool_id("ipam-pool-0aaaaaaaaaaaaaaaa")
        .ipv6_netmask_length(56)
        .ipv6_cidr_block("2001:db8:ab00::/56")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "The parameter 'ipv6NetmaskLength' may not be used in combination with 'ipv6CidrBlock'."
    );
}

#[tokio::test]
async fn byoip_pool_blocks() {
    let h = start_yaml(POOLS).await;
    let pool = "ipv6pool-ec2-0123456789abcdef0";
    let create = |cidr: Option<&str>| {
        h.ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .ipv6_pool(pool)
            .set_ipv6_cidr_block(cidr.map(str::to_owned))
            .send()
    };
    // Explicit /52 inside the pool.
    let out = create(Some("2001:db8:1200:1000::/52")).await.unwrap();
    let assoc = &out.vpc.unwrap().ipv6_cidr_block_association_set()[0].clone();
    assert_eq!(assoc.ipv6_cidr_block(), Some("2001:db8:1200:1000::/52"));
    assert_eq!(assoc.ipv6_pool(), Some(pool));
    // Overlapping it is refused; outside the pool too; a /64 is no VPC size.
    let (code, msg) = err(create(Some("2001:db8:1200:1100::/56")).await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("already in use"), "{msg}");
    let (code, msg) = err(create(Some("2001:db8:9900::/56")).await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("not within"), "{msg}");
    let (code, msg) = err(create(Some("2001:db8:1200:2000::/64")).await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("/44 and /60"), "{msg}");
    let (code, _) = err(create(Some("2001:db8:1200:2000::/50")).await);
    assert_eq!(code, "InvalidParameterValue");
    // Without a block Amazon picks the first free /56.
    let auto = create(None).await.unwrap();
    assert_eq!(
        auto.vpc.unwrap().ipv6_cidr_block_association_set()[0].ipv6_cidr_block(),
        Some("2001:db8:1200::/56")
    );
    let (code, msg) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_pool("ipv6pool-ec2-nope")
        .send()
        .await);
    assert_eq!(code, "InvalidIpv6PoolID.NotFound");
    assert!(msg.contains("ipv6pool-ec2-nope"));
}

#[tokio::test]
async fn ipam_pool_allocations() {
    let h = start_yaml(POOLS).await;
    let create = |pool: &str, len: Option<i32>| {
        h.ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .ipv6_ipam_pool_id(pool)
            .set_ipv6_netmask_length(len)
            .send()
    };
    let a = create("ipam-pool-0aaaaaaaaaaaaaaaa", None).await.unwrap();
    let a = a.vpc.unwrap();
    let assoc = &a.ipv6_cidr_block_association_set()[0];
    assert_eq!(assoc.ipv6_cidr_block(), Some("2001:db8:ab00::/56"));
    assert_eq!(assoc.ipv6_pool(), Some("IPAM Managed"));
    let b = create("ipam-pool-0aaaaaaaaaaaaaaaa", Some(52))
        .await
        .unwrap();
    assert_eq!(
        b.vpc.unwrap().ipv6_cidr_block_association_set()[0].ipv6_cidr_block(),
        Some("2001:db8:ab00:1000::/52")
    );
    // The pool's minimum netmask is /48: a /44 is too big.
    let (code, msg) = err(create("ipam-pool-0aaaaaaaaaaaaaaaa", Some(44)).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "The allocation size is too big for the pool."
        )
    );
    // No default length and none given.
    let (code, msg) = err(create("ipam-pool-0bbbbbbbbbbbbbbbb", None).await);
    assert_eq!(code, "InvalidParameterCombination");
    assert!(
        msg.starts_with("The request cannot contain empty CIDR and Netmask Length"),
        "{msg}"
    );
    // A /52 pool holds exactly one /52.
    create("ipam-pool-0bbbbbbbbbbbbbbbb", Some(52))
        .await
        .unwrap();
    let (code, _) = err(create("ipam-pool-0bbbbbbbbbbbbbbbb", Some(56)).await);
    assert_eq!(code, "InsufficientCidrBlocks");
    // An IPv4 pool cannot give IPv6.
    let (code, _) = err(create("ipam-pool-0cccccccccccccccc", Some(56)).await);
    assert_eq!(code, "InvalidParameterValue");
    let (code, _) = err(create("ipam-pool-0nope", Some(56)).await);
    assert_eq!(code, "InvalidIpamPoolId.NotFound");
    // Allocations are visible and freed with the VPC.
    let allocs = h
        .ec2
        .get_ipam_pool_allocations()
        .ipam_pool_id("ipam-pool-0aaaaaaaaaaaaaaaa")
        .send()
        .await
        .unwrap();
    assert_eq!(allocs.ipam_pool_allocations().len(), 2);
    assert_eq!(allocs.ipam_pool_allocations()[0].resource_id(), a.vpc_id());
    h.ec2
        .delete_vpc()
        .vpc_id(a.vpc_id().unwrap())
        .send()
        .await
        .unwrap();
    let allocs = h
        .ec2
        .get_ipam_pool_allocations()
        .ipam_pool_id("ipam-pool-0aaaaaaaaaaaaaaaa")
        .send()
        .await
        .unwrap();
    assert_eq!(allocs.ipam_pool_allocations().len(), 1);
}

#[tokio::test]
async fn ipv4_from_an_ipam_pool() {
    let h = start_yaml(POOLS).await;
    let out = h
        .ec2
        .create_vpc()
        .ipv4_ipam_pool_id("ipam-pool-0cccccccccccccccc")
        .send()
        .await
        .unwrap();
    assert_eq!(out.vpc.unwrap().cidr_block(), Some("10.64.0.0/16"));
    let out = h
        .ec2
        .create_vpc()
        .ipv4_ipam_pool_id("ipam-pool-0cccccccccccccccc")
        .ipv4_netmask_length(20)
        .send()
        .await
        .unwrap();
    assert_eq!(out.vpc.unwrap().cidr_block(), Some("10.65.0.0/20"));
}

#[tokio::test]
async fn local_zone_border_groups() {
    let h = start_yaml(POOLS).await;
    let id = vpc(&h, "10.0.0.0/16", true).await;
    let out = h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .amazon_provided_ipv6_cidr_block(true)
        .ipv6_cidr_block_network_border_group("us-east-1-nyc-1")
        .send()
        .await
        .unwrap();
    let assoc = out.ipv6_cidr_block_association.unwrap();
    assert_eq!(assoc.network_border_group(), Some("us-east-1-nyc-1"));
    assert_eq!(
        assoc.ipv6_cidr_block_state().unwrap().state(),
        Some(&VpcCidrBlockStateCode::Associating)
    );
    // Only one Amazon block per border group.
    let (code, _) = err(h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .amazon_provided_ipv6_cidr_block(true)
        .ipv6_cidr_block_network_border_group("us-east-1-nyc-1")
        .send()
        .await);
    assert_eq!(code, "CidrLimitExceeded");
    // Wavelength has no IPv6; a Local Zone without IPv6 support neither; a group not opted into is refused.
    for (nbg, needle) in [
        ("us-east-1-wl1-was-wlz-1", "not supported"),
        ("us-east-1-bos-1", "not enabled"),
        ("us-east-1-nowhere-1", "ipv6CidrBlockNetworkBorderGroup"),
    ] {
        let (code, msg) = err(h
            .ec2
            .associate_vpc_cidr_block()
            .vpc_id(&id)
            .amazon_provided_ipv6_cidr_block(true)
            .ipv6_cidr_block_network_border_group(nbg)
            .send()
            .await);
        assert_eq!(code, "InvalidParameterValue", "{nbg}");
        assert!(msg.contains(needle), "{nbg}: {msg}");
    }
}

#[tokio::test]
async fn up_to_five_ipv6_blocks_per_vpc() {
    let h = start_yaml(POOLS).await;
    let id = vpc(&h, "10.0.0.0/16", true).await;
    for i in 0..4 {
        h.ec2
            .associate_vpc_cidr_block()
            .vpc_id(&id)
            .ipv6_pool("ipv6pool-ec2-0123456789abcdef0")
            .ipv6_cidr_block(format!("2001:db8:1200:{i}00::/56"))
            .send()
            .await
            .unwrap();
    }
    let (code, msg) = err(h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .ipv6_pool("ipv6pool-ec2-0123456789abcdef0")
        .send()
        .await);
    assert_eq!(code, "CidrLimitExceeded");
    assert!(msg.contains(&id), "{msg}");
    // Every block has a local route in the main table.
    let routes = h.fake.with_world(|w| {
        let r = w.region("123456789012", REGION);
        r.ec2.route_tables[&r.ec2.vpcs[&id].main_route_table_id]
            .routes
            .len()
    });
    assert_eq!(routes, 1 + 5);
}

#[tokio::test]
async fn secondary_ipv4_blocks() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let out = h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .cidr_block("10.1.0.0/16")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.cidr_block_association.unwrap().cidr_block(),
        Some("10.1.0.0/16")
    );
    let (code, _) = err(h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .cidr_block("10.1.128.0/17")
        .send()
        .await);
    assert_eq!(code, "InvalidVpc.Range");
    let (code, _) = err(h.ec2.associate_vpc_cidr_block().vpc_id(&id).send().await);
    assert_eq!(code, "MissingParameter");
}

#[tokio::test]
async fn disassociate_ipv6_block() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", true).await;
    let d = h.ec2.describe_vpcs().vpc_ids(&id).send().await.unwrap();
    let v = &d.vpcs()[0];
    let assoc = v.ipv6_cidr_block_association_set()[0]
        .association_id()
        .unwrap()
        .to_owned();
    let primary = v.cidr_block_association_set()[0]
        .association_id()
        .unwrap()
        .to_owned();
    let out = h
        .ec2
        .disassociate_vpc_cidr_block()
        .association_id(&assoc)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.ipv6_cidr_block_association
            .unwrap()
            .ipv6_cidr_block_state()
            .unwrap()
            .state(),
        Some(&VpcCidrBlockStateCode::Disassociating)
    );
    let d = h.ec2.describe_vpcs().vpc_ids(&id).send().await.unwrap();
    assert_eq!(
        d.vpcs()[0].ipv6_cidr_block_association_set()[0]
            .ipv6_cidr_block_state()
            .unwrap()
            .state(),
        Some(&VpcCidrBlockStateCode::Disassociated)
    );
    let (code, msg) = err(h
        .ec2
        .disassociate_vpc_cidr_block()
        .association_id(&primary)
        .send()
        .await);
    assert_eq!(code, "OperationNotPermitted");
    assert!(msg.contains("primary IPv4 CIDR block"), "{msg}");
    let (code, _) = err(h
        .ec2
        .disassociate_vpc_cidr_block()
        .association_id(&assoc)
        .send()
        .await);
    assert_eq!(code, "InvalidVpcCidrBlockAssociationID.NotFound");
    // The IPv6 local route is gone.
    let routes = h.fake.with_world(|w| {
        let r = w.region("123456789012", REGION);
        r.ec2.route_tables[&r.ec2.vpcs[&id].main_route_table_id]
            .routes
            .len()
    });
    assert_eq!(routes, 1);
}

#[tokio::test]
async fn describe_vpcs_filters_and_pages() {
    let h = start().await;
    let mut ids = Vec::new();
    for i in 0..12 {
        ids.push(vpc(&h, &format!("10.{i}.0.0/16"), i % 2 == 0).await);
    }
    h.ec2
        .create_tags()
        .resources(&ids[3])
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Name")
                .value("three")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let by_tag = h
        .ec2
        .describe_vpcs()
        .filters(Filter::builder().name("tag:Name").values("three").build())
        .send()
        .await
        .unwrap();
    assert_eq!(by_tag.vpcs().len(), 1);
    assert_eq!(by_tag.vpcs()[0].vpc_id(), Some(ids[3].as_str()));
    let with_ipv6 = h
        .ec2
        .describe_vpcs()
        .filters(
            Filter::builder()
                .name("ipv6-cidr-block-association.state")
                .values("associated")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(with_ipv6.vpcs().len(), 6);
    let block = vpc_ipv6_block(&h, &ids[4]).await;
    let by_block = h
        .ec2
        .describe_vpcs()
        .filters(
            Filter::builder()
                .name("ipv6-cidr-block-association.ipv6-cidr-block")
                .values(&block)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(by_block.vpcs()[0].vpc_id(), Some(ids[4].as_str()));
    let wildcard = h
        .ec2
        .describe_vpcs()
        .filters(
            Filter::builder()
                .name("cidr")
                .values("10.1?.0.0/16")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(wildcard.vpcs().len(), 2);
    let (code, msg) = err(h
        .ec2
        .describe_vpcs()
        .filters(Filter::builder().name("bogus").values("x").build())
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidParameterValue", "The filter 'bogus' is invalid")
    );
    // Paging with the SDK paginator visits every VPC exactly once.
    let pages: Vec<_> = h
        .ec2
        .describe_vpcs()
        .max_results(5)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 3);
    let seen: usize = pages.iter().map(|p| p.as_ref().unwrap().vpcs().len()).sum();
    assert_eq!(seen, 12);
    let (code, _) = err(h.ec2.describe_vpcs().vpc_ids("vpc-nope").send().await);
    assert_eq!(code, "InvalidVpcID.NotFound");
    let (code, _) = err(h.ec2.describe_vpcs().max_results(4).send().await);
    assert_eq!(code, "InvalidParameterValue");
}

#[tokio::test]
async fn vpc_attributes_one_at_a_time() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let yes = AttributeBooleanValue::builder().value(true).build();
    h.ec2
        .modify_vpc_attribute()
        .vpc_id(&id)
        .enable_dns_hostnames(yes.clone())
        .send()
        .await
        .unwrap();
    let (code, msg) = err(h
        .ec2
        .modify_vpc_attribute()
        .vpc_id(&id)
        .enable_dns_hostnames(yes.clone())
        .enable_dns_support(yes)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "Fields for multiple attribute types specified: enableDnsSupport, enableDnsHostnames"
    );
    let a = h
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute(VpcAttributeName::EnableDnsHostnames)
        .send()
        .await
        .unwrap();
    assert_eq!(a.enable_dns_hostnames().and_then(|v| v.value()), Some(true));
    let a = h
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute(VpcAttributeName::EnableDnsSupport)
        .send()
        .await
        .unwrap();
    assert_eq!(a.enable_dns_support().and_then(|v| v.value()), Some(true));
}

#[tokio::test]
async fn delete_vpc_removes_its_defaults() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", true).await;
    h.ec2.delete_vpc().vpc_id(&id).send().await.unwrap();
    let (code, msg) = err(h.ec2.delete_vpc().vpc_id(&id).send().await);
    assert_eq!(code, "InvalidVpcID.NotFound");
    assert_eq!(msg, format!("The vpc ID '{id}' does not exist"));
    let left = h.fake.with_world(|w| {
        let r = w.region("123456789012", REGION);
        (r.ec2.route_tables.len(), r.ec2.security_groups.len())
    });
    assert_eq!(left, (0, 0));
}

#[tokio::test]
async fn dry_run_validates_without_creating() {
    let h = start().await;
    let (code, msg) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .dry_run(true)
        .send()
        .await);
    assert_eq!(code, "DryRunOperation");
    assert_eq!(msg, "Request would have succeeded, but DryRun flag is set.");
    let (code, _) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/8")
        .dry_run(true)
        .send()
        .await);
    assert_eq!(code, "InvalidVpc.Range");
    assert!(
        h.ec2
            .describe_vpcs()
            .send()
            .await
            .unwrap()
            .vpcs()
            .is_empty()
    );
    let j = h.fake.journal();
    assert!(j.iter().all(|e| e.action != "CreateVpc" || e.dry_run));
}

/// Pools for the edge cases: a BYOIP pool with room for one /56, a BYOIP
/// pool and an IPAM pool over the same range, an IPAM pool with a maximum
/// netmask, and one whose default length is no VPC size.
const EDGE_POOLS: &str = r#"
regions:
  us-east-1:
    ipv6_pools:
      - pool_id: ipv6pool-ec2-0000000000000one56
        cidrs: ["2001:db8:1300::/56"]
      - pool_id: ipv6pool-ec2-00000000000shared
        cidrs: ["2001:db8:4400::/48"]
    ipam_pools:
      - ipam_pool_id: ipam-pool-0dddddddddddddddd
        address_family: ipv6
        cidrs: ["2001:db8:4400::/48"]
      - ipam_pool_id: ipam-pool-0eeeeeeeeeeeeeeee
        address_family: ipv6
        cidrs: ["2001:db8:5500::/44"]
        allocation_default_netmask_length: 48
        allocation_max_netmask_length: 52
      - ipam_pool_id: ipam-pool-0ffffffffffffffff
        address_family: ipv6
        cidrs: ["2001:db8:6600::/48"]
        allocation_default_netmask_length: 64
"#;

#[tokio::test]
async fn instance_tenancy_values() {
    let h = start().await;
    let (code, msg) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .instance_tenancy(aws_sdk_ec2::types::Tenancy::from("shared"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Value (shared) for parameter instanceTenancy is invalid."
        )
    );
    for tenancy in ["default", "dedicated", "host"] {
        let out = h
            .ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .instance_tenancy(aws_sdk_ec2::types::Tenancy::from(tenancy))
            .send()
            .await
            .unwrap();
        assert_eq!(
            out.vpc().unwrap().instance_tenancy().map(|t| t.as_str()),
            Some(tenancy)
        );
    }
}

#[tokio::test]
async fn ipv6_netmask_length_needs_an_ipam_pool() {
    let h = start_yaml(POOLS).await;
    let msg_want = "The parameter 'ipv6NetmaskLength' can only be used with 'ipv6IpamPoolId'.";
    let (code, msg) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_netmask_length(56)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidParameterCombination", msg_want)
    );
    for (code, msg) in [
        err(h
            .ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .amazon_provided_ipv6_cidr_block(true)
            .ipv6_netmask_length(56)
            .send()
            .await),
        err(h
            .ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .ipv6_pool("ipv6pool-ec2-0123456789abcdef0")
            .ipv6_netmask_length(56)
            .send()
            .await),
    ] {
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("InvalidParameterCombination", msg_want)
        );
    }
    // With the IPAM pool it is the allocation's size.
    let out = h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_ipam_pool_id("ipam-pool-0aaaaaaaaaaaaaaaa")
        .ipv6_netmask_length(52)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.vpc.unwrap().ipv6_cidr_block_association_set()[0].ipv6_cidr_block(),
        Some("2001:db8:ab00::/52")
    );
}

#[tokio::test]
async fn a_full_byoip_pool_gives_no_block() {
    let h = start_yaml(EDGE_POOLS).await;
    let pool = "ipv6pool-ec2-0000000000000one56";
    let create = || {
        h.ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .ipv6_pool(pool)
            .send()
    };
    let first = create().await.unwrap().vpc.unwrap();
    assert_eq!(
        first.ipv6_cidr_block_association_set()[0].ipv6_cidr_block(),
        Some("2001:db8:1300::/56")
    );
    let (code, msg) = err(create().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "The IPv6 pool 'ipv6pool-ec2-0000000000000one56' has no free /56 CIDR block."
        )
    );
    // Deleting the VPC frees the block.
    h.ec2
        .delete_vpc()
        .vpc_id(first.vpc_id().unwrap())
        .send()
        .await
        .unwrap();
    create().await.unwrap();
}

#[tokio::test]
async fn an_ipam_pool_locale_is_the_vpc_region() {
    let h = start().await;
    let ipam = h
        .ec2
        .create_ipam()
        .operating_regions(
            aws_sdk_ec2::types::AddIpamOperatingRegion::builder()
                .region_name("us-west-2")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .ipam
        .unwrap();
    let scope = ipam.public_default_scope_id().unwrap();
    let pool = |locale: Option<&str>, cidr: &'static str| {
        let h = &h;
        let locale = locale.map(str::to_owned);
        async move {
            let id = h
                .ec2
                .create_ipam_pool()
                .ipam_scope_id(scope)
                .address_family(aws_sdk_ec2::types::AddressFamily::Ipv6)
                .set_locale(locale)
                .allocation_default_netmask_length(56)
                .send()
                .await
                .unwrap()
                .ipam_pool
                .unwrap()
                .ipam_pool_id
                .unwrap();
            h.ec2
                .provision_ipam_pool_cidr()
                .ipam_pool_id(&id)
                .cidr(cidr)
                .send()
                .await
                .unwrap();
            id
        }
    };
    let west = pool(Some("us-west-2"), "2001:db8:1000::/48").await;
    let nowhere = pool(None, "2001:db8:2000::/48").await;
    let east = pool(Some("us-east-1"), "2001:db8:3000::/48").await;
    let create = |p: &str| {
        h.ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .ipv6_ipam_pool_id(p)
            .send()
    };
    let (code, msg) = err(create(&west).await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!(
            "The IPAM pool '{west}' has locale 'us-west-2'. Allocations to a VPC in 'us-east-1' need a pool whose locale is 'us-east-1'."
        )
    );
    let (code, msg) = err(create(&nowhere).await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("has locale 'None'"), "{msg}");
    let out = create(&east).await.unwrap();
    assert_eq!(
        out.vpc.unwrap().ipv6_cidr_block_association_set()[0].ipv6_cidr_block(),
        Some("2001:db8:3000::/56")
    );
}

#[tokio::test]
async fn ipam_allocations_respect_the_maximum_netmask() {
    let h = start_yaml(EDGE_POOLS).await;
    let create = |len: i32| {
        h.ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .ipv6_ipam_pool_id("ipam-pool-0eeeeeeeeeeeeeeee")
            .ipv6_netmask_length(len)
            .send()
    };
    let (code, msg) = err(create(56).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "The allocation size is too small for the pool."
        )
    );
    let out = create(52).await.unwrap();
    assert_eq!(
        out.vpc.unwrap().ipv6_cidr_block_association_set()[0].ipv6_cidr_block(),
        Some("2001:db8:5500::/52")
    );
    // An explicit block is held to the same bounds.
    let (code, msg) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_ipam_pool_id("ipam-pool-0eeeeeeeeeeeeeeee")
        .ipv6_cidr_block("2001:db8:5510::/56")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(msg, "The allocation size is too small for the pool.");
}

#[tokio::test]
async fn explicit_ipam_blocks_lie_in_the_pool_and_overlap_no_allocation() {
    let h = start_yaml(POOLS).await;
    let create = |cidr: &str| {
        h.ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .ipv6_ipam_pool_id("ipam-pool-0aaaaaaaaaaaaaaaa")
            .ipv6_cidr_block(cidr)
            .send()
    };
    let out = create("2001:db8:ab00:100::/56").await.unwrap();
    assert_eq!(
        out.vpc.unwrap().ipv6_cidr_block_association_set()[0].ipv6_cidr_block(),
        Some("2001:db8:ab00:100::/56")
    );
    let (code, msg) = err(create("2001:db8:ab00:100::/56").await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "The CIDR '2001:db8:ab00:100::/56' overlaps an existing allocation in the IPAM pool 'ipam-pool-0aaaaaaaaaaaaaaaa'."
        )
    );
    // A /52 around the allocation overlaps it too.
    let (code, msg) = err(create("2001:db8:ab00::/52").await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("overlaps an existing allocation"), "{msg}");
    let (code, msg) = err(create("2001:db8:cc00::/56").await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "The CIDR '2001:db8:cc00::/56' is not within a CIDR provisioned to the IPAM pool 'ipam-pool-0aaaaaaaaaaaaaaaa'."
        )
    );
    // The same for IPv4.
    let v4 = |cidr: &str| {
        h.ec2
            .create_vpc()
            .ipv4_ipam_pool_id("ipam-pool-0cccccccccccccccc")
            .cidr_block(cidr)
            .send()
    };
    let out = v4("10.70.0.0/16").await.unwrap();
    assert_eq!(out.vpc.unwrap().cidr_block(), Some("10.70.0.0/16"));
    let (code, msg) = err(v4("10.70.0.0/20").await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("overlaps an existing allocation"), "{msg}");
    let (code, msg) = err(v4("10.0.0.0/16").await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("is not within a CIDR provisioned"), "{msg}");
}

#[tokio::test]
async fn ipam_blocks_have_vpc_sizes() {
    // A pool whose default length is /64 gives no VPC block: IPv6 VPC blocks
    // from IPAM are /44 to /60 in steps of 4.
    let h = start_yaml(EDGE_POOLS).await;
    let (code, msg) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_ipam_pool_id("ipam-pool-0ffffffffffffffff")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "The netmask length /64 is invalid for a VPC. The netmask length must be between 44 and 60 in increments of 4."
        )
    );
    h.ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_ipam_pool_id("ipam-pool-0ffffffffffffffff")
        .ipv6_netmask_length(56)
        .send()
        .await
        .unwrap();
    // IPv4 blocks from IPAM are /16 to /28.
    let h = start_yaml(POOLS).await;
    let v4 = |len: i32| {
        h.ec2
            .create_vpc()
            .ipv4_ipam_pool_id("ipam-pool-0cccccccccccccccc")
            .ipv4_netmask_length(len)
            .send()
    };
    let (code, msg) = err(v4(29).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidVpc.Range", "The CIDR '10.64.0.0/29' is invalid.")
    );
    let (code, msg) = err(v4(12).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidVpc.Range", "The CIDR '10.64.0.0/12' is invalid.")
    );
    let out = v4(28).await.unwrap();
    assert_eq!(out.vpc.unwrap().cidr_block(), Some("10.64.0.0/28"));
}

#[tokio::test]
async fn ipv4_netmask_length_needs_the_pool_and_no_cidr() {
    let h = start_yaml(POOLS).await;
    let (code, msg) = err(h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv4_netmask_length(20)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterCombination",
            "The parameter 'ipv4NetmaskLength' can only be used with 'ipv4IpamPoolId'."
        )
    );
    let (code, msg) = err(h
        .ec2
        .create_vpc()
        .ipv4_ipam_pool_id("ipam-pool-0cccccccccccccccc")
        .cidr_block("10.64.0.0/16")
        .ipv4_netmask_length(16)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterCombination",
            "The parameter 'ipv4NetmaskLength' may not be used in combination with 'cidrBlock'."
        )
    );
    // AssociateVpcCidrBlock follows the same rules.
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let (code, _) = err(h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .cidr_block("10.1.0.0/16")
        .ipv4_netmask_length(16)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    let out = h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .ipv4_ipam_pool_id("ipam-pool-0cccccccccccccccc")
        .ipv4_netmask_length(20)
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.cidr_block_association.unwrap().cidr_block(),
        Some("10.64.0.0/20")
    );
}

#[tokio::test]
async fn associate_asks_for_one_family_at_a_time() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let (code, msg) = err(h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .cidr_block("10.1.0.0/16")
        .amazon_provided_ipv6_cidr_block(true)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterCombination",
            "An IPv4 and an IPv6 CIDR block cannot be associated in the same request."
        )
    );
    let d = h.ec2.describe_vpcs().vpc_ids(&id).send().await.unwrap();
    assert_eq!(d.vpcs()[0].cidr_block_association_set().len(), 1);
    assert!(d.vpcs()[0].ipv6_cidr_block_association_set().is_empty());
}

#[tokio::test]
async fn pool_blocks_do_not_overlap_the_vpcs_ipv6_blocks() {
    // A BYOIP pool and an IPAM pool over the same range: the VPC cannot take
    // the same /56 from both.
    let h = start_yaml(EDGE_POOLS).await;
    let id = h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_pool("ipv6pool-ec2-00000000000shared")
        .ipv6_cidr_block("2001:db8:4400::/56")
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let assoc = |cidr: &str| {
        h.ec2
            .associate_vpc_cidr_block()
            .vpc_id(&id)
            .ipv6_ipam_pool_id("ipam-pool-0dddddddddddddddd")
            .ipv6_cidr_block(cidr)
            .send()
    };
    let (code, msg) = err(assoc("2001:db8:4400::/56").await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            format!(
                "The IPv6 CIDR block '2001:db8:4400::/56' overlaps a CIDR block of the VPC '{id}'."
            )
            .as_str()
        )
    );
    let out = assoc("2001:db8:4400:100::/56").await.unwrap();
    assert_eq!(
        out.ipv6_cidr_block_association.unwrap().ipv6_cidr_block(),
        Some("2001:db8:4400:100::/56")
    );
}

#[tokio::test]
async fn up_to_five_ipv4_blocks_per_vpc() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    for i in 1..5 {
        h.ec2
            .associate_vpc_cidr_block()
            .vpc_id(&id)
            .cidr_block(format!("10.{i}.0.0/16"))
            .send()
            .await
            .unwrap();
    }
    let (code, msg) = err(h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .cidr_block("10.5.0.0/16")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "CidrLimitExceeded",
            format!("This network '{id}' has met its maximum number of allowed CIDRs: 5").as_str()
        )
    );
    // A disassociated block makes room again.
    let d = h.ec2.describe_vpcs().vpc_ids(&id).send().await.unwrap();
    let last = d.vpcs()[0].cidr_block_association_set()[4]
        .association_id()
        .unwrap()
        .to_owned();
    h.ec2
        .disassociate_vpc_cidr_block()
        .association_id(last)
        .send()
        .await
        .unwrap();
    h.ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .cidr_block("10.5.0.0/16")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn an_ipv4_block_a_subnet_uses_stays() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let assoc = h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&id)
        .cidr_block("10.1.0.0/16")
        .send()
        .await
        .unwrap()
        .cidr_block_association
        .unwrap()
        .association_id
        .unwrap();
    let s = subnet(&h, &id, "us-east-1a", Some("10.1.2.0/24"), None).await;
    let (code, msg) = err(h
        .ec2
        .disassociate_vpc_cidr_block()
        .association_id(&assoc)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "DependencyViolation",
            format!(
                "The vpc CIDR block '10.1.0.0/16' cannot be disassociated because it is used by the subnet '{s}'."
            )
            .as_str()
        )
    );
    h.ec2.delete_subnet().subnet_id(&s).send().await.unwrap();
    h.ec2
        .disassociate_vpc_cidr_block()
        .association_id(&assoc)
        .send()
        .await
        .unwrap();
    let d = h.ec2.describe_vpcs().vpc_ids(&id).send().await.unwrap();
    assert_eq!(d.vpcs()[0].cidr_block_association_set().len(), 1);
}

#[tokio::test]
async fn vpc_attribute_names() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let (code, msg) = err(h.ec2.modify_vpc_attribute().vpc_id(&id).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain exactly one of the parameters enableDnsSupport, enableDnsHostnames or enableNetworkAddressUsageMetrics"
        )
    );
    let (code, msg) = err(h
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute(VpcAttributeName::from("enableDnsResolution"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Value (enableDnsResolution) for parameter attribute is invalid."
        )
    );
    h.ec2
        .modify_vpc_attribute()
        .vpc_id(&id)
        .enable_network_address_usage_metrics(AttributeBooleanValue::builder().value(true).build())
        .send()
        .await
        .unwrap();
    let a = h
        .ec2
        .describe_vpc_attribute()
        .vpc_id(&id)
        .attribute(VpcAttributeName::EnableNetworkAddressUsageMetrics)
        .send()
        .await
        .unwrap();
    assert_eq!(
        a.enable_network_address_usage_metrics()
            .and_then(|v| v.value()),
        Some(true)
    );
}

#[tokio::test]
async fn delete_vpc_waits_for_load_balancers_and_target_groups() {
    use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerTypeEnum, ProtocolEnum};
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let tg = h
        .elb
        .create_target_group()
        .name("tg")
        .protocol(ProtocolEnum::Tcp)
        .port(80)
        .vpc_id(&id)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned();
    let (code, msg) = err(h.ec2.delete_vpc().vpc_id(&id).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "DependencyViolation",
            format!("The vpc '{id}' has dependencies and cannot be deleted.").as_str()
        )
    );
    h.elb
        .delete_target_group()
        .target_group_arn(&tg)
        .send()
        .await
        .unwrap();
    // A load balancer: its subnet blocks DeleteVpc as well, so the subnet is
    // taken out behind the API's back to see the load balancer alone.
    let s = subnet(&h, &id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let lb = h
        .elb
        .create_load_balancer()
        .name("lb")
        .r#type(LoadBalancerTypeEnum::Network)
        .subnets(&s)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    h.fake.with_world(|w| {
        w.region("123456789012", REGION).ec2.subnets.remove(&s);
    });
    let (code, _) = err(h.ec2.delete_vpc().vpc_id(&id).send().await);
    assert_eq!(code, "DependencyViolation");
    h.elb
        .delete_load_balancer()
        .load_balancer_arn(&lb)
        .send()
        .await
        .unwrap();
    h.ec2.delete_vpc().vpc_id(&id).send().await.unwrap();
}
