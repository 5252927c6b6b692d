//! Subnets: IPv4, dualstack and IPv6-only, CIDR rules, zones, attributes.

use aws_sdk_ec2::types::{
    AttributeBooleanValue, Filter, HostnameType, SubnetCidrBlockStateCode, SubnetState,
};

use aws_sdk_ec2::operation::create_subnet::builders::CreateSubnetFluentBuilder;
use rstest::rstest;

use crate::common::*;

async fn dualstack_vpc(h: &Harness) -> (String, String) {
    let id = vpc(h, "10.0.0.0/16", true).await;
    let block = vpc_ipv6_block(h, &id).await;
    (id, block)
}

#[tokio::test]
async fn dualstack_subnet() {
    let h = start().await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let v6 = sub_block(&block, 64, 2);
    let out = h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .availability_zone("us-east-1a")
        .cidr_block("10.0.0.0/20")
        .ipv6_cidr_block(&v6)
        .send()
        .await
        .unwrap();
    let s = out.subnet.unwrap();
    assert_eq!(s.state(), Some(&SubnetState::Pending));
    assert_eq!(s.cidr_block(), Some("10.0.0.0/20"));
    assert_eq!(s.availability_zone(), Some("us-east-1a"));
    assert_eq!(s.availability_zone_id(), Some("use1-az1"));
    assert_eq!(s.ipv6_native(), Some(false));
    assert_eq!(s.assign_ipv6_address_on_creation(), Some(false));
    // As a Region's subnet answers it (the Outposts-only attribute, off).
    assert_eq!(s.map_customer_owned_ip_on_launch(), Some(false));
    assert_eq!(s.available_ip_address_count(), Some(4096 - 5));
    assert_eq!(
        s.subnet_arn(),
        Some(
            format!(
                "arn:aws:ec2:us-east-1:123456789012:subnet/{}",
                s.subnet_id().unwrap()
            )
            .as_str()
        )
    );
    let a = &s.ipv6_cidr_block_association_set()[0];
    assert_eq!(a.ipv6_cidr_block(), Some(v6.as_str()));
    assert_eq!(
        a.ipv6_cidr_block_state().unwrap().state(),
        Some(&SubnetCidrBlockStateCode::Associating)
    );
    let d = h
        .ec2
        .describe_subnets()
        .subnet_ids(s.subnet_id().unwrap())
        .send()
        .await
        .unwrap();
    let s = &d.subnets()[0];
    assert_eq!(s.state(), Some(&SubnetState::Available));
    assert_eq!(
        s.ipv6_cidr_block_association_set()[0]
            .ipv6_cidr_block_state()
            .unwrap()
            .state(),
        Some(&SubnetCidrBlockStateCode::Associated)
    );
}

#[tokio::test]
async fn ipv6_only_subnet_rules() {
    let h = start().await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let v6 = sub_block(&block, 64, 1);
    let (code, msg) = err(h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .ipv6_native(true)
        .cidr_block("10.0.0.0/24")
        .ipv6_cidr_block(&v6)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "When specifying ipv4 parameters, cidrBlock or ipv4IpamPoolId, you cannot set ipv6Native to true."
    );
    let (code, msg) = err(h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .ipv6_native(true)
        .send()
        .await);
    assert_eq!(code, "MissingParameter");
    assert_eq!(
        msg,
        "Either 'ipv6CidrBlock' or 'ipv6IpamPoolId' should be provided."
    );
    let s = h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .availability_zone("us-east-1b")
        .ipv6_native(true)
        .ipv6_cidr_block(&v6)
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap();
    assert_eq!(s.ipv6_native(), Some(true));
    assert_eq!(s.assign_ipv6_address_on_creation(), Some(true));
    assert_eq!(s.cidr_block(), None);
    assert_eq!(s.available_ip_address_count(), Some(0));
    let dns = s.private_dns_name_options_on_launch().unwrap();
    assert_eq!(dns.hostname_type(), Some(&HostnameType::ResourceName));
    assert_eq!(dns.enable_resource_name_dns_aaaa_record(), Some(true));
    assert_eq!(dns.enable_resource_name_dns_a_record(), Some(false));
    // A subnet may span the whole /56 of its VPC; a /60 is also a valid size.
    let vpc2 = vpc(&h, "10.1.0.0/16", true).await;
    let whole = vpc_ipv6_block(&h, &vpc2).await;
    subnet(&h, &vpc2, "us-east-1a", None, Some(&whole)).await;
    subnet(
        &h,
        &vpc_id,
        "us-east-1a",
        None,
        Some(&sub_block(&block, 60, 8)),
    )
    .await;
}

/// The world a refused CreateSubnet meets: a dualstack 10.0.0.0/16 VPC
/// holding 10.0.0.0/24 with the first /64 of its block, and an IPv4-only
/// 10.9.0.0/16 VPC.
struct SubnetWorld {
    h: Harness,
    vpc: String,
    block: String,
    first: String,
    v4_vpc: String,
}

async fn subnet_world() -> SubnetWorld {
    let h = start().await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let first = sub_block(&block, 64, 0);
    subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), Some(&first)).await;
    let v4_vpc = vpc(&h, "10.9.0.0/16", false).await;
    SubnetWorld {
        h,
        vpc: vpc_id,
        block,
        first,
        v4_vpc,
    }
}

/// `first` as a /62: not a step of 4.
fn first_as_62(w: &SubnetWorld) -> String {
    format!("{}/62", w.first.trim_end_matches("/64"))
}

fn create_v4(w: &SubnetWorld, cidr: &str) -> CreateSubnetFluentBuilder {
    w.h.ec2.create_subnet().vpc_id(&w.vpc).cidr_block(cidr)
}

fn create_ds(w: &SubnetWorld, v6: String) -> CreateSubnetFluentBuilder {
    create_v4(w, "10.0.1.0/24").ipv6_cidr_block(v6)
}

/// Checks one refused CreateSubnet (`{bad62}` in the message stands for
/// [`first_as_62`]; the VPC's block is 2600:1f18:0:100::/56, the region's
/// first) and that it made no subnet.
async fn refused_subnet(
    request: fn(&SubnetWorld) -> CreateSubnetFluentBuilder,
    code: &str,
    message: &str,
) {
    let w = subnet_world().await;
    let message = message.replace("{bad62}", &first_as_62(&w));
    let (got_code, got_message) = err(request(&w).send().await);
    assert_eq!(
        (got_code.as_str(), got_message.as_str()),
        (code, message.as_str())
    );
    let all = w.h.ec2.describe_subnets().send().await.unwrap();
    assert_eq!(all.subnets().len(), 1, "a refusal made a subnet");
}

/// One refused IPv4 CreateSubnet per rule: the request, AWS's code and message.
#[rstest]
#[case::inside_the_vpc(
    |w: &SubnetWorld| create_v4(w, "10.1.0.0/24"),
    "InvalidSubnet.Range",
    "The CIDR '10.1.0.0/24' is invalid."
)]
#[case::at_most_a_28(
    |w: &SubnetWorld| create_v4(w, "10.0.16.0/29"),
    "InvalidSubnet.Range",
    "The CIDR '10.0.16.0/29' is invalid."
)]
#[case::no_overlap(
    |w: &SubnetWorld| create_v4(w, "10.0.0.128/25"),
    "InvalidSubnet.Conflict",
    "The CIDR '10.0.0.128/25' conflicts with another subnet"
)]
#[case::canonical(
    |w: &SubnetWorld| create_v4(w, "10.0.1.7/24"),
    "InvalidParameterValue",
    "Value (10.0.1.7/24) for parameter cidrBlock is invalid. This is not a valid CIDR block."
)]
#[case::a_cidr_block(
    |w: &SubnetWorld| w.h.ec2.create_subnet().vpc_id(&w.vpc),
    "MissingParameter",
    "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided."
)]
#[case::the_vpc_exists(
    |w: &SubnetWorld| w.h.ec2.create_subnet().vpc_id("vpc-nope").cidr_block("10.0.0.0/24"),
    "InvalidVpcID.NotFound",
    "The vpc ID 'vpc-nope' does not exist"
)]
#[tokio::test]
async fn ipv4_subnet_cidr_rules(
    #[case] request: fn(&SubnetWorld) -> CreateSubnetFluentBuilder,
    #[case] code: &str,
    #[case] message: &str,
) {
    refused_subnet(request, code, message).await;
}

/// One refused IPv6 CreateSubnet per rule: the request, AWS's code and message.
#[rstest]
#[case::steps_of_4(
    |w: &SubnetWorld| create_ds(w, first_as_62(w)),
    "InvalidParameterValue",
    "invalid value for parameter ipv6-cidr-block: {bad62}"
)]
#[case::inside_a_vpc_block(
    |w: &SubnetWorld| create_ds(w, "2001:db8::/64".into()),
    "InvalidSubnet.Range",
    "The IPv6 CIDR '2001:db8::/64' is invalid."
)]
#[case::no_overlap(
    |w: &SubnetWorld| create_ds(w, sub_block(&w.block, 60, 0)),
    "InvalidSubnet.Conflict",
    "The CIDR '2600:1f18:0:100::/60' conflicts with another subnet"
)]
#[case::no_host_bits(
    |w: &SubnetWorld| create_ds(w, w.first.replace("::/64", "::1/64")),
    "InvalidParameterValue",
    "invalid value for parameter ipv6-cidr-block: 2600:1f18:0:100::1/64"
)]
#[case::the_vpc_has_an_ipv6_block(
    |w: &SubnetWorld| w.h.ec2.create_subnet().vpc_id(&w.v4_vpc).cidr_block("10.9.0.0/24").ipv6_cidr_block(&w.first),
    "InvalidSubnet.Range",
    "The IPv6 CIDR '2600:1f18:0:100::/64' is invalid."
)]
#[tokio::test]
async fn ipv6_subnet_cidr_rules(
    #[case] request: fn(&SubnetWorld) -> CreateSubnetFluentBuilder,
    #[case] code: &str,
    #[case] message: &str,
) {
    refused_subnet(request, code, message).await;
}

#[tokio::test]
async fn zones_limit_where_subnets_go() {
    let h =
        start_yaml("regions:\n  us-east-1:\n    opt_in: [us-east-1-wl1, us-east-1-bos-1]\n").await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let (code, msg) = err(h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .availability_zone("us-east-1z")
        .cidr_block("10.0.0.0/24")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.starts_with("Value (us-east-1z) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: us-east-1a, "), "{msg}");
    // A Local Zone not opted into is not available; opting in makes it so.
    let (code, _) = err(h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .availability_zone("us-east-1-nyc-1a")
        .cidr_block("10.0.0.0/24")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    h.ec2
        .modify_availability_zone_group()
        .group_name("us-east-1-nyc-1")
        .opt_in_status(aws_sdk_ec2::types::ModifyAvailabilityZoneOptInStatus::OptedIn)
        .send()
        .await
        .unwrap();
    subnet(&h, &vpc_id, "us-east-1-nyc-1a", Some("10.0.0.0/24"), None).await;
    // IPv6 from the region's block is refused in the Local Zone's border group.
    let (code, msg) = err(h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .availability_zone("us-east-1-nyc-1a")
        .cidr_block("10.0.1.0/24")
        .ipv6_cidr_block(sub_block(&block, 64, 1))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(
        msg.contains("network border group 'us-east-1-nyc-1'"),
        "{msg}"
    );
    // With a block of the Local Zone's border group it works.
    let lz = h
        .ec2
        .associate_vpc_cidr_block()
        .vpc_id(&vpc_id)
        .amazon_provided_ipv6_cidr_block(true)
        .ipv6_cidr_block_network_border_group("us-east-1-nyc-1")
        .send()
        .await
        .unwrap()
        .ipv6_cidr_block_association
        .unwrap();
    let lz_block = lz.ipv6_cidr_block().unwrap();
    subnet(
        &h,
        &vpc_id,
        "us-east-1-nyc-1a",
        Some("10.0.1.0/24"),
        Some(&sub_block(lz_block, 64, 0)),
    )
    .await;
    // ... but not in a standard AZ.
    let (code, _) = err(h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .availability_zone("us-east-1a")
        .cidr_block("10.0.2.0/24")
        .ipv6_cidr_block(sub_block(lz_block, 64, 1))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    // Wavelength: IPv4 only.
    subnet(
        &h,
        &vpc_id,
        "us-east-1-wl1-was-wlz-1",
        Some("10.0.3.0/24"),
        None,
    )
    .await;
    let (code, msg) = err(h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .availability_zone("us-east-1-wl1-bos-wlz-1")
        .cidr_block("10.0.4.0/24")
        .ipv6_cidr_block(sub_block(&block, 64, 4))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("Wavelength"), "{msg}");
    // A Local Zone without IPv6 support.
    let (code, msg) = err(h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .availability_zone("us-east-1-bos-1a")
        .cidr_block("10.0.5.0/24")
        .ipv6_cidr_block(sub_block(&block, 64, 5))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("not supported in the Local Zone"), "{msg}");
}

#[tokio::test]
async fn describe_subnets_filters() {
    let h = start().await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let v4 = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let ds = subnet(
        &h,
        &vpc_id,
        "us-east-1b",
        Some("10.0.1.0/24"),
        Some(&sub_block(&block, 64, 1)),
    )
    .await;
    let v6 = subnet(
        &h,
        &vpc_id,
        "us-east-1c",
        None,
        Some(&sub_block(&block, 64, 2)),
    )
    .await;
    let yes = AttributeBooleanValue::builder().value(true).build();
    h.ec2
        .modify_subnet_attribute()
        .subnet_id(&v6)
        .enable_dns64(yes)
        .send()
        .await
        .unwrap();
    let find = |name: &'static str, value: String| {
        let h = &h;
        async move {
            let out = h
                .ec2
                .describe_subnets()
                .filters(Filter::builder().name(name).values(value).build())
                .send()
                .await
                .unwrap();
            let mut ids: Vec<String> = out
                .subnets()
                .iter()
                .map(|s| s.subnet_id().unwrap().to_owned())
                .collect();
            ids.sort();
            ids
        }
    };
    assert_eq!(find("ipv6-native", "true".into()).await, vec![v6.clone()]);
    assert_eq!(find("enable-dns64", "true".into()).await, vec![v6.clone()]);
    assert_eq!(find("vpc-id", vpc_id.clone()).await.len(), 3);
    assert_eq!(
        find(
            "ipv6-cidr-block-association.ipv6-cidr-block",
            sub_block(&block, 64, 1)
        )
        .await,
        vec![ds.clone()]
    );
    assert_eq!(
        find("availability-zone", "us-east-1a".into()).await,
        vec![v4.clone()]
    );
    assert_eq!(find("cidr-block", "10.0.*".into()).await.len(), 2);
    assert_eq!(
        find(
            "private-dns-name-options-on-launch.hostname-type",
            "resource-name".into()
        )
        .await,
        vec![v6]
    );
}

#[tokio::test]
async fn subnet_attributes() {
    let h = start().await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let v4 = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let ds = subnet(
        &h,
        &vpc_id,
        "us-east-1a",
        Some("10.0.1.0/24"),
        Some(&sub_block(&block, 64, 1)),
    )
    .await;
    let v6 = subnet(
        &h,
        &vpc_id,
        "us-east-1a",
        None,
        Some(&sub_block(&block, 64, 2)),
    )
    .await;
    let b = |v| AttributeBooleanValue::builder().value(v).build();
    let m = || h.ec2.modify_subnet_attribute();
    // DNS64 and IPv6 auto-assignment need an IPv6 block.
    let (code, msg) = err(m().subnet_id(&v4).enable_dns64(b(true)).send().await);
    assert_eq!(code, "InvalidParameterValue");
    assert!(msg.contains("no IPv6 CIDR block"), "{msg}");
    assert_eq!(
        code_of(
            m().subnet_id(&v4)
                .assign_ipv6_address_on_creation(b(true))
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    m().subnet_id(&ds)
        .enable_dns64(b(true))
        .send()
        .await
        .unwrap();
    m().subnet_id(&ds)
        .assign_ipv6_address_on_creation(b(true))
        .send()
        .await
        .unwrap();
    // One attribute per call.
    let (code, msg) = err(m()
        .subnet_id(&ds)
        .enable_dns64(b(false))
        .map_public_ip_on_launch(b(true))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert!(
        msg.starts_with("Fields for multiple attribute types specified"),
        "{msg}"
    );
    // IPv6-only subnets keep resource-name hostnames and auto-assigned IPv6, and have nothing public in IPv4.
    assert_eq!(
        code_of(
            m().subnet_id(&v6)
                .private_dns_hostname_type_on_launch(HostnameType::IpName)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code_of(
            m().subnet_id(&v6)
                .assign_ipv6_address_on_creation(b(false))
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code_of(
            m().subnet_id(&v6)
                .map_public_ip_on_launch(b(true))
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    m().subnet_id(&v4)
        .map_public_ip_on_launch(b(true))
        .send()
        .await
        .unwrap();
    m().subnet_id(&v4)
        .private_dns_hostname_type_on_launch(HostnameType::ResourceName)
        .send()
        .await
        .unwrap();
    let d = h
        .ec2
        .describe_subnets()
        .subnet_ids(&ds)
        .send()
        .await
        .unwrap();
    assert_eq!(d.subnets()[0].enable_dns64(), Some(true));
    assert_eq!(d.subnets()[0].assign_ipv6_address_on_creation(), Some(true));
}

#[tokio::test]
async fn subnet_ipv6_association() {
    let h = start().await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let v4 = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let out = h
        .ec2
        .associate_subnet_cidr_block()
        .subnet_id(&v4)
        .ipv6_cidr_block(sub_block(&block, 64, 7))
        .send()
        .await
        .unwrap();
    let assoc = out.ipv6_cidr_block_association.unwrap();
    assert_eq!(out.subnet_id.as_deref(), Some(v4.as_str()));
    assert_eq!(
        assoc.ipv6_cidr_block_state().unwrap().state(),
        Some(&SubnetCidrBlockStateCode::Associating)
    );
    let (code, _) = err(h
        .ec2
        .associate_subnet_cidr_block()
        .subnet_id(&v4)
        .ipv6_cidr_block(sub_block(&block, 64, 8))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    let out = h
        .ec2
        .disassociate_subnet_cidr_block()
        .association_id(assoc.association_id().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.ipv6_cidr_block_association
            .unwrap()
            .ipv6_cidr_block_state()
            .unwrap()
            .state(),
        Some(&SubnetCidrBlockStateCode::Disassociating)
    );
    let (code, _) = err(h
        .ec2
        .disassociate_subnet_cidr_block()
        .association_id(assoc.association_id().unwrap())
        .send()
        .await);
    assert_eq!(code, "InvalidSubnetCidrBlockAssociationID.NotFound");
    // Another block can be associated afterwards.
    h.ec2
        .associate_subnet_cidr_block()
        .subnet_id(&v4)
        .ipv6_cidr_block(sub_block(&block, 64, 8))
        .send()
        .await
        .unwrap();
    // An IPv6-only subnet cannot lose its block.
    let v6 = h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .ipv6_native(true)
        .ipv6_cidr_block(sub_block(&block, 64, 9))
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap();
    let a = v6.ipv6_cidr_block_association_set()[0]
        .association_id()
        .unwrap();
    assert_eq!(
        crate::common::code(
            h.ec2
                .disassociate_subnet_cidr_block()
                .association_id(a)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn deletes_and_dependencies() {
    let h = start().await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let s = subnet(
        &h,
        &vpc_id,
        "us-east-1a",
        Some("10.0.0.0/24"),
        Some(&sub_block(&block, 64, 0)),
    )
    .await;
    let (code, msg) = err(h.ec2.delete_vpc().vpc_id(&vpc_id).send().await);
    assert_eq!(code, "DependencyViolation");
    assert_eq!(
        msg,
        format!("The vpc '{vpc_id}' has dependencies and cannot be deleted.")
    );
    // The VPC's IPv6 block is in use by the subnet.
    let d = h.ec2.describe_vpcs().vpc_ids(&vpc_id).send().await.unwrap();
    let assoc = d.vpcs()[0].ipv6_cidr_block_association_set()[0]
        .association_id()
        .unwrap()
        .to_owned();
    assert_eq!(
        crate::common::code(
            h.ec2
                .disassociate_vpc_cidr_block()
                .association_id(&assoc)
                .send()
                .await
        ),
        "DependencyViolation"
    );
    h.ec2.delete_subnet().subnet_id(&s).send().await.unwrap();
    let (code, msg) = err(h.ec2.delete_subnet().subnet_id(&s).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidSubnetID.NotFound",
            format!("The subnet ID '{s}' does not exist").as_str()
        )
    );
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
}

#[tokio::test]
async fn zone_by_name_or_by_id_not_both() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let (code, msg) = err(h
        .ec2
        .create_subnet()
        .vpc_id(&id)
        .availability_zone("us-east-1a")
        .availability_zone_id("use1-az1")
        .cidr_block("10.0.0.0/24")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterCombination",
            "The parameters 'availabilityZone' and 'availabilityZoneId' cannot be used together."
        )
    );
    // By id: an unknown id, and a Local Zone not opted into, are refused.
    for zone_id in ["use1-az99", "use1-nyc1-az1"] {
        let (code, msg) = err(h
            .ec2
            .create_subnet()
            .vpc_id(&id)
            .availability_zone_id(zone_id)
            .cidr_block("10.0.0.0/24")
            .send()
            .await);
        assert_eq!(code, "InvalidParameterValue");
        assert!(
            msg.starts_with(&format!(
                "Value ({zone_id}) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zones: us-east-1a, "
            )),
            "{msg}"
        );
    }
    let s = h
        .ec2
        .create_subnet()
        .vpc_id(&id)
        .availability_zone_id("use1-az1")
        .cidr_block("10.0.0.0/24")
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap();
    assert_eq!(s.availability_zone(), Some("us-east-1a"));
    assert_eq!(s.availability_zone_id(), Some("use1-az1"));
}

#[tokio::test]
async fn an_ipv6_block_is_a_cidr() {
    let h = start().await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let v4 = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    for bad in ["nonsense", "2001:db8::/129", "10.0.1.0/24"] {
        let (code, msg) = err(h
            .ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .availability_zone("us-east-1a")
            .cidr_block("10.0.1.0/24")
            .ipv6_cidr_block(bad)
            .send()
            .await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "InvalidParameterValue",
                format!(
                    "Value ({bad}) for parameter ipv6CidrBlock is invalid. This is not a valid CIDR block."
                )
                .as_str()
            )
        );
        let (code, _) = err(h
            .ec2
            .associate_subnet_cidr_block()
            .subnet_id(&v4)
            .ipv6_cidr_block(bad)
            .send()
            .await);
        assert_eq!(code, "InvalidParameterValue");
    }
    h.ec2
        .associate_subnet_cidr_block()
        .subnet_id(&v4)
        .ipv6_cidr_block(sub_block(&block, 64, 0))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn subnet_blocks_from_ipam_pools_are_not_modelled() {
    let h = start().await;
    let (vpc_id, _) = dualstack_vpc(&h).await;
    let v4 = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let want = "Allocating subnet CIDRs from IPAM pools is not supported by this endpoint; pass CidrBlock or Ipv6CidrBlock.";
    for (code, msg) in [
        err(h
            .ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .ipv4_ipam_pool_id("ipam-pool-0aaaaaaaaaaaaaaaa")
            .ipv4_netmask_length(24)
            .send()
            .await),
        err(h
            .ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .ipv6_native(true)
            .ipv6_ipam_pool_id("ipam-pool-0aaaaaaaaaaaaaaaa")
            .ipv6_netmask_length(64)
            .send()
            .await),
        err(h
            .ec2
            .associate_subnet_cidr_block()
            .subnet_id(&v4)
            .ipv6_ipam_pool_id("ipam-pool-0aaaaaaaaaaaaaaaa")
            .ipv6_netmask_length(64)
            .send()
            .await),
    ] {
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("UnsupportedOperation", want)
        );
    }
}

#[tokio::test]
async fn modify_subnet_attribute_names_an_attribute() {
    let h = start().await;
    let id = vpc(&h, "10.0.0.0/16", false).await;
    let s = subnet(&h, &id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let (code, msg) = err(h.ec2.modify_subnet_attribute().subnet_id(&s).send().await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain exactly one subnet attribute to modify."
        )
    );
}

#[tokio::test]
async fn dns_name_options_on_launch() {
    let h = start().await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let v4 = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let ds = subnet(
        &h,
        &vpc_id,
        "us-east-1a",
        Some("10.0.1.0/24"),
        Some(&sub_block(&block, 64, 1)),
    )
    .await;
    let v6 = subnet(
        &h,
        &vpc_id,
        "us-east-1a",
        None,
        Some(&sub_block(&block, 64, 2)),
    )
    .await;
    let b = |v| AttributeBooleanValue::builder().value(v).build();
    let m = || h.ec2.modify_subnet_attribute();
    // AAAA records need an IPv6 block.
    let (code, msg) = err(m()
        .subnet_id(&v4)
        .enable_resource_name_dns_aaaa_record_on_launch(b(true))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            format!(
                "The subnet '{v4}' has no IPv6 CIDR block. Associate one before enabling AAAA records."
            )
            .as_str()
        )
    );
    m().subnet_id(&ds)
        .enable_resource_name_dns_aaaa_record_on_launch(b(true))
        .send()
        .await
        .unwrap();
    // An IPv6-only subnet has no IPv4 address to give an A record.
    let (code, msg) = err(m()
        .subnet_id(&v6)
        .enable_resource_name_dns_a_record_on_launch(b(true))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            format!("The subnet '{v6}' is IPv6-only: it has no IPv4 addresses for A records.")
                .as_str()
        )
    );
    m().subnet_id(&v4)
        .enable_resource_name_dns_a_record_on_launch(b(true))
        .send()
        .await
        .unwrap();
    // The hostname type is ip-name or resource-name.
    let (code, msg) = err(m()
        .subnet_id(&v4)
        .private_dns_hostname_type_on_launch(HostnameType::from("dns-name"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            "Value (dns-name) for parameter privateDnsHostnameTypeOnLaunch is invalid."
        )
    );
    m().subnet_id(&ds)
        .private_dns_hostname_type_on_launch(HostnameType::ResourceName)
        .send()
        .await
        .unwrap();
    let d = h
        .ec2
        .describe_subnets()
        .subnet_ids(&v4)
        .subnet_ids(&ds)
        .send()
        .await
        .unwrap();
    for s in d.subnets() {
        let o = s.private_dns_name_options_on_launch().unwrap();
        if s.subnet_id() == Some(v4.as_str()) {
            assert_eq!(o.enable_resource_name_dns_a_record(), Some(true));
            assert_eq!(o.hostname_type(), Some(&HostnameType::IpName));
        } else {
            assert_eq!(o.enable_resource_name_dns_aaaa_record(), Some(true));
            assert_eq!(o.hostname_type(), Some(&HostnameType::ResourceName));
        }
    }
}

#[tokio::test]
async fn a_block_with_addresses_in_use_stays() {
    let h = start().await;
    let (vpc_id, block) = dualstack_vpc(&h).await;
    let out = h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .availability_zone("us-east-1a")
        .cidr_block("10.0.0.0/24")
        .ipv6_cidr_block(sub_block(&block, 64, 0))
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap();
    let s = out.subnet_id().unwrap();
    let assoc = out.ipv6_cidr_block_association_set()[0]
        .association_id()
        .unwrap();
    let i = h
        .ec2
        .run_instances()
        .image_id(ami())
        .instance_type(aws_sdk_ec2::types::InstanceType::M5Large)
        .min_count(1)
        .max_count(1)
        .subnet_id(s)
        .ipv6_address_count(1)
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_owned();
    let (code, msg) = err(h
        .ec2
        .disassociate_subnet_cidr_block()
        .association_id(assoc)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "DependencyViolation",
            format!(
                "The IPv6 CIDR block of the subnet '{s}' has addresses in use. Unassign them first."
            )
            .as_str()
        )
    );
    h.ec2
        .terminate_instances()
        .instance_ids(&i)
        .send()
        .await
        .unwrap();
    h.ec2
        .describe_instances()
        .instance_ids(&i)
        .send()
        .await
        .unwrap();
    h.ec2
        .disassociate_subnet_cidr_block()
        .association_id(assoc)
        .send()
        .await
        .unwrap();
}
