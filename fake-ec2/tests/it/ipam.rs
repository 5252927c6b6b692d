//! BYOIP IPv6 pools and IP Address Manager: DescribeIpv6Pools, CreateIpam,
//! DeleteIpam, scopes, CreateIpamPool, DeleteIpamPool,
//! ProvisionIpamPoolCidr, GetIpamPoolCidrs, GetIpamPoolAllocations.

use aws_sdk_ec2::types::{AddIpamOperatingRegion, AddressFamily, Filter, IpamTier};

use crate::common::*;

const BYOIP: &str = r#"
regions:
  us-east-1:
    ipv6_pools:
      - pool_id: ipv6pool-ec2-0123456789abcdef0
        cidrs: ["2001:db8:1200::/48"]
"#;

/// A new IPAM; answers (IPAM id, public scope, private scope).
async fn ipam(h: &Harness) -> (String, String, String) {
    let i = h.ec2.create_ipam().send().await.unwrap().ipam.unwrap();
    (
        i.ipam_id().unwrap().to_owned(),
        i.public_default_scope_id().unwrap().to_owned(),
        i.private_default_scope_id().unwrap().to_owned(),
    )
}

/// A pool in `scope` of `family`, located in us-east-1, with `cidr` provisioned.
async fn pool(h: &Harness, scope: &str, family: AddressFamily, cidr: &str) -> String {
    let id = h
        .ec2
        .create_ipam_pool()
        .ipam_scope_id(scope)
        .address_family(family)
        .locale(REGION)
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

#[tokio::test]
async fn describe_ipv6_pools_by_id() {
    let h = start_yaml(BYOIP).await;
    let out = h
        .ec2
        .describe_ipv6_pools()
        .pool_ids("ipv6pool-ec2-0123456789abcdef0")
        .send()
        .await
        .unwrap();
    let p = &out.ipv6_pools()[0];
    assert_eq!(p.pool_cidr_blocks()[0].cidr(), Some("2001:db8:1200::/48"));
    let (code, msg) = err(h
        .ec2
        .describe_ipv6_pools()
        .pool_ids("ipv6pool-ec2-0123456789abcdef0")
        .pool_ids("ipv6pool-ec2-nope")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidIpv6PoolID.NotFound",
            "The ipv6Pool ID 'ipv6pool-ec2-nope' does not exist"
        )
    );
}

#[tokio::test]
async fn create_ipam_tier_and_operating_regions() {
    let h = start().await;
    let (code, msg) = err(h
        .ec2
        .create_ipam()
        .tier(IpamTier::from("premium"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Value (premium) for parameter tier is invalid."
        )
    );
    // Only another region asked for: the IPAM's own region is added first.
    let i = h
        .ec2
        .create_ipam()
        .tier(IpamTier::Free)
        .operating_regions(
            AddIpamOperatingRegion::builder()
                .region_name("us-west-2")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .ipam
        .unwrap();
    assert_eq!(i.tier(), Some(&IpamTier::Free));
    let regions: Vec<_> = i
        .operating_regions()
        .iter()
        .map(|r| r.region_name().unwrap())
        .collect();
    assert_eq!(regions, ["us-east-1", "us-west-2"]);
    assert_eq!(i.ipam_region(), Some("us-east-1"));
    let i = h.ec2.create_ipam().send().await.unwrap().ipam.unwrap();
    assert_eq!(i.tier(), Some(&IpamTier::Advanced));
    assert_eq!(i.operating_regions().len(), 1);
}

#[tokio::test]
async fn ipam_scope_and_pool_ids_exist() {
    let h = start().await;
    let (ipam_id, public, _) = ipam(&h).await;
    let p = pool(&h, &public, AddressFamily::Ipv6, "2001:db8::/48").await;
    // Known ids describe.
    assert_eq!(
        h.ec2
            .describe_ipams()
            .ipam_ids(&ipam_id)
            .send()
            .await
            .unwrap()
            .ipams()
            .len(),
        1
    );
    assert_eq!(
        h.ec2
            .describe_ipam_scopes()
            .ipam_scope_ids(&public)
            .send()
            .await
            .unwrap()
            .ipam_scopes()
            .len(),
        1
    );
    assert_eq!(
        h.ec2
            .describe_ipam_pools()
            .ipam_pool_ids(&p)
            .send()
            .await
            .unwrap()
            .ipam_pools()
            .len(),
        1
    );
    let ipam_nope = "ipam-0000000000000dead";
    let scope_nope = "ipam-scope-0000000000000dead";
    let pool_nope = "ipam-pool-0000000000000dead";
    let not_found = |kind: &str, id: &str| format!("The {kind} ID '{id}' does not exist");
    for (code, msg) in [
        err(h.ec2.describe_ipams().ipam_ids(ipam_nope).send().await),
        err(h.ec2.delete_ipam().ipam_id(ipam_nope).send().await),
    ] {
        assert_eq!(code, "InvalidIpamId.NotFound");
        assert_eq!(msg, not_found("ipam", ipam_nope));
    }
    for (code, msg) in [
        err(h
            .ec2
            .describe_ipam_scopes()
            .ipam_scope_ids(scope_nope)
            .send()
            .await),
        err(h
            .ec2
            .create_ipam_pool()
            .ipam_scope_id(scope_nope)
            .address_family(AddressFamily::Ipv6)
            .send()
            .await),
    ] {
        assert_eq!(code, "InvalidIpamScopeId.NotFound");
        assert_eq!(msg, not_found("ipam scope", scope_nope));
    }
    for (code, msg) in [
        err(h
            .ec2
            .describe_ipam_pools()
            .ipam_pool_ids(pool_nope)
            .send()
            .await),
        err(h
            .ec2
            .delete_ipam_pool()
            .ipam_pool_id(pool_nope)
            .send()
            .await),
        err(h
            .ec2
            .provision_ipam_pool_cidr()
            .ipam_pool_id(pool_nope)
            .cidr("2001:db8::/48")
            .send()
            .await),
        err(h
            .ec2
            .get_ipam_pool_cidrs()
            .ipam_pool_id(pool_nope)
            .send()
            .await),
        err(h
            .ec2
            .get_ipam_pool_allocations()
            .ipam_pool_id(pool_nope)
            .send()
            .await),
    ] {
        assert_eq!(code, "InvalidIpamPoolId.NotFound");
        assert_eq!(msg, not_found("ipam pool", pool_nope));
    }
}

#[tokio::test]
async fn delete_ipam_needs_cascade_and_no_allocations() {
    let h = start().await;
    let (ipam_id, public, _) = ipam(&h).await;
    let p = pool(&h, &public, AddressFamily::Ipv6, "2001:db8::/48").await;
    let (code, msg) = err(h.ec2.delete_ipam().ipam_id(&ipam_id).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            format!("The IPAM '{ipam_id}' has pools. Delete them first or set Cascade.").as_str()
        )
    );
    let vpc_id = h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_ipam_pool_id(&p)
        .ipv6_netmask_length(56)
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let (code, msg) = err(h
        .ec2
        .delete_ipam()
        .ipam_id(&ipam_id)
        .cascade(true)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "DependencyViolation",
            format!("The IPAM '{ipam_id}' has pools with allocations and cannot be deleted.")
                .as_str()
        )
    );
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
    h.ec2
        .delete_ipam()
        .ipam_id(&ipam_id)
        .cascade(true)
        .send()
        .await
        .unwrap();
    // The pools and scopes went with it.
    assert!(
        h.ec2
            .describe_ipam_pools()
            .send()
            .await
            .unwrap()
            .ipam_pools()
            .is_empty()
    );
    assert!(
        h.ec2
            .describe_ipam_scopes()
            .send()
            .await
            .unwrap()
            .ipam_scopes()
            .is_empty()
    );
}

#[tokio::test]
async fn create_ipam_pool_rules() {
    let h = start().await;
    let (_, public, private) = ipam(&h).await;
    let create = || h.ec2.create_ipam_pool().ipam_scope_id(&private);
    let (code, msg) = err(create().send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter AddressFamily"
        )
    );
    let (code, msg) = err(create()
        .address_family(AddressFamily::from("ipx"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Value (ipx) for parameter addressFamily is invalid."
        )
    );
    let v4 = || create().address_family(AddressFamily::Ipv4);
    let (code, msg) = err(v4().locale("eu-west-1").send().await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(
        msg.starts_with("The locale 'eu-west-1' is not an operating region of the IPAM"),
        "{msg}"
    );
    let (code, msg) = err(v4()
        .source_ipam_pool_id("ipam-pool-0000000000000dead")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidIpamPoolId.NotFound",
            "The ipam pool ID 'ipam-pool-0000000000000dead' does not exist"
        )
    );
    // Netmask lengths fit the family: 0-32 for IPv4, 0-128 for IPv6.
    let (code, msg) = err(v4().allocation_max_netmask_length(33).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Value (33) for parameter AllocationMaxNetmaskLength is invalid."
        )
    );
    h.ec2
        .create_ipam_pool()
        .ipam_scope_id(&public)
        .address_family(AddressFamily::Ipv6)
        .allocation_max_netmask_length(64)
        .send()
        .await
        .unwrap();
    let (code, msg) = err(v4()
        .allocation_min_netmask_length(24)
        .allocation_max_netmask_length(16)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "The allocation minimum netmask length must not be greater than the maximum."
        )
    );
    for (min, default, max) in [(16, 8, 24), (16, 28, 24)] {
        let (code, msg) = err(v4()
            .allocation_min_netmask_length(min)
            .allocation_default_netmask_length(default)
            .allocation_max_netmask_length(max)
            .send()
            .await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "InvalidParameterValue",
                "The allocation default netmask length must be between the minimum and the maximum."
            )
        );
    }
    let p = v4()
        .locale(REGION)
        .allocation_min_netmask_length(16)
        .allocation_default_netmask_length(20)
        .allocation_max_netmask_length(24)
        .send()
        .await
        .unwrap()
        .ipam_pool
        .unwrap();
    assert_eq!(p.allocation_default_netmask_length(), Some(20));
    assert_eq!(p.locale(), Some(REGION));
    assert!(
        h.ec2
            .describe_ipam_pools()
            .send()
            .await
            .unwrap()
            .ipam_pools()
            .len()
            == 2
    );
}

#[tokio::test]
async fn delete_ipam_pool_without_allocations_or_children() {
    let h = start().await;
    let (_, _, private) = ipam(&h).await;
    let parent = pool(&h, &private, AddressFamily::Ipv4, "10.0.0.0/8").await;
    let child = h
        .ec2
        .create_ipam_pool()
        .ipam_scope_id(&private)
        .address_family(AddressFamily::Ipv4)
        .locale(REGION)
        .source_ipam_pool_id(&parent)
        .allocation_default_netmask_length(16)
        .send()
        .await
        .unwrap()
        .ipam_pool
        .unwrap()
        .ipam_pool_id
        .unwrap();
    h.ec2
        .provision_ipam_pool_cidr()
        .ipam_pool_id(&child)
        .cidr("10.1.0.0/16")
        .send()
        .await
        .unwrap();
    let (code, msg) = err(h.ec2.delete_ipam_pool().ipam_pool_id(&parent).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "DependencyViolation",
            format!("The IPAM pool '{parent}' has child pools and cannot be deleted.").as_str()
        )
    );
    let vpc_id = h
        .ec2
        .create_vpc()
        .ipv4_ipam_pool_id(&child)
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let (code, msg) = err(h.ec2.delete_ipam_pool().ipam_pool_id(&child).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            format!("The IPAM pool '{child}' has allocations and cannot be deleted.").as_str()
        )
    );
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
    h.ec2
        .delete_ipam_pool()
        .ipam_pool_id(&child)
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_ipam_pool()
        .ipam_pool_id(&parent)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn provision_ipam_pool_cidr_rules() {
    let h = start().await;
    let (_, public, private) = ipam(&h).await;
    let v6 = pool(&h, &public, AddressFamily::Ipv6, "2001:db8::/48").await;
    let parent = pool(&h, &private, AddressFamily::Ipv4, "10.0.0.0/15").await;
    let child = h
        .ec2
        .create_ipam_pool()
        .ipam_scope_id(&private)
        .address_family(AddressFamily::Ipv4)
        .locale(REGION)
        .source_ipam_pool_id(&parent)
        .send()
        .await
        .unwrap()
        .ipam_pool
        .unwrap()
        .ipam_pool_id
        .unwrap();
    let provision = |pool: &str| h.ec2.provision_ipam_pool_cidr().ipam_pool_id(pool);
    let (code, msg) = err(provision(&v6).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "Either 'cidr' or 'netmaskLength' should be provided."
        )
    );
    let (code, msg) = err(provision(&child)
        .cidr("10.0.0.0/16")
        .netmask_length(16)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterCombination",
            "Exactly one of 'cidr' and 'netmaskLength' should be provided."
        )
    );
    // The pool's family.
    let (code, msg) = err(provision(&v6).cidr("10.0.0.0/16").send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Value (10.0.0.0/16) for parameter cidr is invalid. This is not a valid CIDR block."
        )
    );
    // No host bits.
    let (code, msg) = err(provision(&v6).cidr("2001:db8:1::1/48").send().await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("the host bits must be zero"), "{msg}");
    // No overlap with the pool's CIDRs, either way round.
    for overlapping in ["2001:db8:0:100::/56", "2001:db8::/32"] {
        let (code, msg) = err(provision(&v6).cidr(overlapping).send().await);
        assert_eq!(code, "InvalidParameterValue");
        assert!(msg.contains("overlaps a CIDR already provisioned"), "{msg}");
    }
    provision(&v6).cidr("2001:db8:1::/48").send().await.unwrap();
    // A child's CIDR lies inside its source pool.
    let (code, msg) = err(provision(&child).cidr("10.2.0.0/16").send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            format!("The CIDR '10.2.0.0/16' is not within a CIDR of the source pool '{parent}'.")
                .as_str()
        )
    );
    // A netmask length only for a pool with a source.
    let (code, msg) = err(provision(&parent).netmask_length(16).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterCombination",
            "A netmask length can only be provisioned to a pool that has a source pool."
        )
    );
    // The source pool (a /15) holds two /16s, then has no room.
    let cidrs: Vec<String> = [
        provision(&child).netmask_length(16).send().await.unwrap(),
        provision(&child).netmask_length(16).send().await.unwrap(),
    ]
    .iter()
    .map(|o| o.ipam_pool_cidr().unwrap().cidr().unwrap().to_owned())
    .collect();
    assert_eq!(cidrs, ["10.0.0.0/16", "10.1.0.0/16"]);
    let (code, msg) = err(provision(&child).netmask_length(16).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InsufficientCidrBlocks",
            format!("The source pool '{parent}' has no free /16 CIDR.").as_str()
        )
    );
}

#[tokio::test]
async fn pool_cidr_and_allocation_listings() {
    let h = start().await;
    let (_, public, _) = ipam(&h).await;
    let p = pool(&h, &public, AddressFamily::Ipv6, "2001:db8::/48").await;
    h.ec2
        .provision_ipam_pool_cidr()
        .ipam_pool_id(&p)
        .cidr("2001:db8:1::/48")
        .send()
        .await
        .unwrap();
    let filter = |name: &str, value: &str| Filter::builder().name(name).values(value).build();
    let cidrs = h
        .ec2
        .get_ipam_pool_cidrs()
        .ipam_pool_id(&p)
        .filters(filter("cidr", "2001:db8:1::/48"))
        .send()
        .await
        .unwrap();
    assert_eq!(cidrs.ipam_pool_cidrs().len(), 1);
    let cidrs = h
        .ec2
        .get_ipam_pool_cidrs()
        .ipam_pool_id(&p)
        .filters(filter("state", "provisioned"))
        .send()
        .await
        .unwrap();
    assert_eq!(cidrs.ipam_pool_cidrs().len(), 2);
    let (code, msg) = err(h
        .ec2
        .get_ipam_pool_cidrs()
        .ipam_pool_id(&p)
        .filters(filter("resource-id", "x"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "The filter 'resource-id' is invalid"
        )
    );
    let vpc_id = h
        .ec2
        .create_vpc()
        .cidr_block("10.0.0.0/16")
        .ipv6_ipam_pool_id(&p)
        .ipv6_netmask_length(56)
        .send()
        .await
        .unwrap()
        .vpc
        .unwrap()
        .vpc_id
        .unwrap();
    let allocs = |b: aws_sdk_ec2::operation::get_ipam_pool_allocations::builders::GetIpamPoolAllocationsFluentBuilder| async move {
        b.send().await.map(|o| o.ipam_pool_allocations().to_vec())
    };
    let get = || h.ec2.get_ipam_pool_allocations().ipam_pool_id(&p);
    let all = allocs(get()).await.unwrap();
    assert_eq!(all.len(), 1);
    let alloc_id = all[0].ipam_pool_allocation_id().unwrap().to_owned();
    assert_eq!(all[0].resource_id(), Some(vpc_id.as_str()));
    assert_eq!(
        allocs(get().ipam_pool_allocation_id(&alloc_id))
            .await
            .unwrap()
            .len(),
        1
    );
    for (name, value, n) in [
        ("resource-id", vpc_id.as_str(), 1),
        ("resource-type", "vpc", 1),
        ("resource-owner", "123456789012", 1),
        ("ipam-pool-allocation-id", alloc_id.as_str(), 1),
        ("cidr", "2001:db8::/56", 1),
        ("cidr", "2001:db8:1::/56", 0),
    ] {
        assert_eq!(
            allocs(get().filters(filter(name, value)))
                .await
                .unwrap()
                .len(),
            n,
            "{name}={value}"
        );
    }
    let (code, msg) = err(get().filters(filter("state", "x")).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("InvalidParameterValue", "The filter 'state' is invalid")
    );
    let (code, msg) = err(get()
        .ipam_pool_allocation_id("ipam-pool-alloc-0000000000000dead")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidIpamPoolAllocationId.NotFound",
            "The ipam pool allocation ID 'ipam-pool-alloc-0000000000000dead' does not exist"
        )
    );
}
