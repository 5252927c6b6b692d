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
