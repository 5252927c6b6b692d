//! Internet gateways, egress-only internet gateways, Elastic IPs and NAT
//! gateways through the real SDK, with AWS's rules and error texts.

use aws_sdk_ec2::types::{
    AttachmentStatus, ConnectivityType, DomainType, Filter, NatGatewayAddressStatus,
    NatGatewayState, ResourceType, Tag, TagSpecification,
};

use aws_sdk_ec2::operation::create_nat_gateway::builders::CreateNatGatewayFluentBuilder;
use rstest::rstest;

use crate::common::*;

pub fn tag_spec(resource_type: ResourceType, key: &str, value: &str) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(resource_type)
        .tags(Tag::builder().key(key).value(value).build())
        .build()
}

pub fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

pub async fn igw(h: &Harness) -> String {
    h.ec2
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway
        .and_then(|g| g.internet_gateway_id)
        .unwrap()
}

pub async fn attached_igw(h: &Harness, vpc_id: &str) -> String {
    let id = igw(h).await;
    h.ec2
        .attach_internet_gateway()
        .internet_gateway_id(&id)
        .vpc_id(vpc_id)
        .send()
        .await
        .unwrap();
    id
}

pub async fn eigw(h: &Harness, vpc_id: &str) -> String {
    h.ec2
        .create_egress_only_internet_gateway()
        .vpc_id(vpc_id)
        .send()
        .await
        .unwrap()
        .egress_only_internet_gateway
        .and_then(|g| g.egress_only_internet_gateway_id)
        .unwrap()
}

pub async fn eip(h: &Harness) -> String {
    h.ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .send()
        .await
        .unwrap()
        .allocation_id
        .unwrap()
}

pub async fn public_nat(h: &Harness, subnet_id: &str, allocation_id: &str) -> String {
    h.ec2
        .create_nat_gateway()
        .subnet_id(subnet_id)
        .allocation_id(allocation_id)
        .send()
        .await
        .unwrap()
        .nat_gateway
        .and_then(|n| n.nat_gateway_id)
        .unwrap()
}

pub async fn private_nat(h: &Harness, subnet_id: &str) -> String {
    h.ec2
        .create_nat_gateway()
        .subnet_id(subnet_id)
        .connectivity_type(ConnectivityType::Private)
        .send()
        .await
        .unwrap()
        .nat_gateway
        .and_then(|n| n.nat_gateway_id)
        .unwrap()
}

/// A dual-stack VPC with an attached internet gateway and a public IPv4
/// subnet (10.0.0.0/24, us-east-1a): (vpc, igw, subnet).
pub async fn public_network(h: &Harness) -> (String, String, String) {
    let vpc_id = vpc(h, "10.0.0.0/16", true).await;
    let igw_id = attached_igw(h, &vpc_id).await;
    let subnet_id = subnet(h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    (vpc_id, igw_id, subnet_id)
}

async fn nat_state(h: &Harness, id: &str) -> aws_sdk_ec2::types::NatGateway {
    h.ec2
        .describe_nat_gateways()
        .nat_gateway_ids(id)
        .send()
        .await
        .unwrap()
        .nat_gateways()[0]
        .clone()
}

async fn address(h: &Harness, allocation_id: &str) -> aws_sdk_ec2::types::Address {
    h.ec2
        .describe_addresses()
        .allocation_ids(allocation_id)
        .send()
        .await
        .unwrap()
        .addresses()[0]
        .clone()
}

async fn free_ips(h: &Harness, subnet_id: &str) -> i32 {
    h.ec2
        .describe_subnets()
        .subnet_ids(subnet_id)
        .send()
        .await
        .unwrap()
        .subnets()[0]
        .available_ip_address_count()
        .unwrap()
}

/// Sends a raw EC2 query and returns (status, body).
async fn raw_ec2(h: &Harness, body: &str) -> (u16, String) {
    let (status, _, body) = raw_post(&h.server.url(), Some(&sigv4(REGION, "ec2")), body).await;
    (status, body)
}

// ---------------------------------------------------------------- internet gateways

#[tokio::test]
async fn internet_gateway_create_attach_describe_detach_delete() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let created = h
        .ec2
        .create_internet_gateway()
        .tag_specifications(tag_spec(ResourceType::InternetGateway, "Name", "edge"))
        .send()
        .await
        .unwrap()
        .internet_gateway
        .unwrap();
    let id = created.internet_gateway_id().unwrap().to_owned();
    assert!(id.starts_with("igw-"), "{id}");
    assert_eq!(created.owner_id(), Some("123456789012"));
    assert!(created.attachments().is_empty());
    assert_eq!(created.tags()[0].value(), Some("edge"));

    h.ec2
        .attach_internet_gateway()
        .internet_gateway_id(&id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    let described = h
        .ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&id)
        .send()
        .await
        .unwrap();
    let g = &described.internet_gateways()[0];
    assert_eq!(g.attachments().len(), 1);
    assert_eq!(g.attachments()[0].vpc_id(), Some(vpc_id.as_str()));
    // `available` is AWS's word for an attached IGW; the model enum lacks it.
    let state = g.attachments()[0].state().unwrap();
    assert_eq!(state.as_str(), "available");
    assert_ne!(state, &AttachmentStatus::Attached);

    for (name, value) in [
        ("attachment.vpc-id", vpc_id.as_str()),
        ("attachment.state", "available"),
        ("internet-gateway-id", id.as_str()),
        ("owner-id", "123456789012"),
        ("tag-key", "Name"),
        ("tag:Name", "edge"),
    ] {
        let found = h
            .ec2
            .describe_internet_gateways()
            .filters(filter(name, value))
            .send()
            .await
            .unwrap();
        assert_eq!(found.internet_gateways().len(), 1, "{name}");
    }
    let none = h
        .ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", "vpc-0000"))
        .send()
        .await
        .unwrap();
    assert!(none.internet_gateways().is_empty());

    h.ec2
        .detach_internet_gateway()
        .internet_gateway_id(&id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    let g = h
        .ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&id)
        .send()
        .await
        .unwrap();
    assert!(g.internet_gateways()[0].attachments().is_empty());
    h.ec2
        .delete_internet_gateway()
        .internet_gateway_id(&id)
        .send()
        .await
        .unwrap();
    let (code, msg) = err(h
        .ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&id)
        .send()
        .await);
    assert_eq!(code, "InvalidInternetGatewayID.NotFound");
    assert_eq!(msg, format!("The internetGateway ID '{id}' does not exist"));
}

#[tokio::test]
async fn attach_internet_gateway_rules() {
    let h = start().await;
    let vpc_a = vpc(&h, "10.0.0.0/16", false).await;
    let vpc_b = vpc(&h, "10.1.0.0/16", false).await;
    let first = attached_igw(&h, &vpc_a).await;
    let second = igw(&h).await;

    let (code, msg) = err(h
        .ec2
        .attach_internet_gateway()
        .internet_gateway_id("igw-0000000000000dead")
        .vpc_id(&vpc_a)
        .send()
        .await);
    assert_eq!(code, "InvalidInternetGatewayID.NotFound");
    assert_eq!(
        msg,
        "The internetGateway ID 'igw-0000000000000dead' does not exist"
    );
    let (code, msg) = err(h
        .ec2
        .attach_internet_gateway()
        .internet_gateway_id(&second)
        .vpc_id("vpc-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidVpcID.NotFound");
    assert_eq!(msg, "The vpc ID 'vpc-0000000000000dead' does not exist");

    // A gateway attached somewhere cannot be attached again.
    let (code, msg) = err(h
        .ec2
        .attach_internet_gateway()
        .internet_gateway_id(&first)
        .vpc_id(&vpc_b)
        .send()
        .await);
    assert_eq!(code, "Resource.AlreadyAssociated");
    assert_eq!(
        msg,
        format!("resource {first} is already attached to network {vpc_a}")
    );
    // One gateway per VPC.
    let (code, msg) = err(h
        .ec2
        .attach_internet_gateway()
        .internet_gateway_id(&second)
        .vpc_id(&vpc_a)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!("Network {vpc_a} already has an internet gateway attached")
    );
    // The refused attach changed nothing.
    let g = h
        .ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&second)
        .send()
        .await
        .unwrap();
    assert!(g.internet_gateways()[0].attachments().is_empty());
    h.ec2
        .attach_internet_gateway()
        .internet_gateway_id(&second)
        .vpc_id(&vpc_b)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn detach_and_delete_internet_gateway_rules() {
    let h = start().await;
    let (vpc_id, igw_id, subnet_id) = public_network(&h).await;
    let other_vpc = vpc(&h, "10.1.0.0/16", false).await;

    let (code, msg) = err(h
        .ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&other_vpc)
        .send()
        .await);
    assert_eq!(code, "Gateway.NotAttached");
    assert_eq!(
        msg,
        format!("resource {igw_id} is not attached to network {other_vpc}")
    );
    let (code, _) = err(h
        .ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id("vpc-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidVpcID.NotFound");
    let (code, msg) = err(h
        .ec2
        .delete_internet_gateway()
        .internet_gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "DependencyViolation");
    assert_eq!(
        msg,
        format!("The internetGateway '{igw_id}' has dependencies and cannot be deleted.")
    );

    // A public NAT gateway maps a public address into the VPC.
    let alloc = eip(&h).await;
    let nat = public_nat(&h, &subnet_id, &alloc).await;
    let (code, msg) = err(h
        .ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await);
    assert_eq!(code, "DependencyViolation");
    assert_eq!(
        msg,
        format!(
            "Network {vpc_id} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway."
        )
    );
    h.ec2
        .delete_nat_gateway()
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();
    // A private NAT gateway maps nothing public.
    private_nat(&h, &subnet_id).await;
    h.ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_internet_gateway()
        .internet_gateway_id(&igw_id)
        .send()
        .await
        .unwrap();
    let (code, _) = err(h
        .ec2
        .delete_internet_gateway()
        .internet_gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidInternetGatewayID.NotFound");
}

#[tokio::test]
async fn detach_refused_while_a_load_balancer_holds_an_elastic_ip() {
    let h = start().await;
    let (vpc_id, igw_id, subnet_id) = public_network(&h).await;
    let alloc = eip(&h).await;
    h.elb
        .create_load_balancer()
        .name("edge")
        .r#type(aws_sdk_elasticloadbalancingv2::types::LoadBalancerTypeEnum::Network)
        .subnet_mappings(
            aws_sdk_elasticloadbalancingv2::types::SubnetMapping::builder()
                .subnet_id(&subnet_id)
                .allocation_id(&alloc)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (code, _) = err(h
        .ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await);
    assert_eq!(code, "DependencyViolation");
}

#[tokio::test]
async fn describe_internet_gateways_pages_and_checks_filters() {
    let h = start().await;
    for _ in 0..6 {
        igw(&h).await;
    }
    let page1 = h
        .ec2
        .describe_internet_gateways()
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page1.internet_gateways().len(), 5);
    let page2 = h
        .ec2
        .describe_internet_gateways()
        .max_results(5)
        .next_token(page1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page2.internet_gateways().len(), 1);
    assert!(page2.next_token().is_none());
    let (code, msg) = err(h
        .ec2
        .describe_internet_gateways()
        .max_results(4)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Value ( 4 ) for parameter maxResults is invalid. Parameter must be between 5 and 1000."
    );
    let (code, msg) = err(h
        .ec2
        .describe_internet_gateways()
        .filters(filter("bogus", "x"))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(msg, "The filter 'bogus' is invalid");
}

// ------------------------------------------------------- egress-only internet gateways

#[tokio::test]
async fn egress_only_gateway_create_describe_delete() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let out = h
        .ec2
        .create_egress_only_internet_gateway()
        .vpc_id(&vpc_id)
        .client_token("tok-1")
        .tag_specifications(tag_spec(
            ResourceType::EgressOnlyInternetGateway,
            "Name",
            "v6-out",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(out.client_token(), Some("tok-1"));
    let g = out.egress_only_internet_gateway.unwrap();
    let id = g.egress_only_internet_gateway_id().unwrap().to_owned();
    assert!(id.starts_with("eigw-"), "{id}");
    assert_eq!(g.attachments()[0].vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(
        g.attachments()[0].state(),
        Some(&AttachmentStatus::Attached)
    );
    assert_eq!(g.tags()[0].key(), Some("Name"));

    let by_id = h
        .ec2
        .describe_egress_only_internet_gateways()
        .egress_only_internet_gateway_ids(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(by_id.egress_only_internet_gateways().len(), 1);
    for (name, value) in [
        ("egress-only-internet-gateway-id", id.as_str()),
        ("tag-key", "Name"),
        ("tag:Name", "v6-out"),
        ("tag-value", "v6-out"),
    ] {
        let found = h
            .ec2
            .describe_egress_only_internet_gateways()
            .filters(filter(name, value))
            .send()
            .await
            .unwrap();
        assert_eq!(found.egress_only_internet_gateways().len(), 1, "{name}");
    }
    // Only the id and tag filters exist for this call.
    let (code, msg) = err(h
        .ec2
        .describe_egress_only_internet_gateways()
        .filters(filter("attachment.vpc-id", &vpc_id))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(msg, "The filter 'attachment.vpc-id' is invalid");

    let deleted = h
        .ec2
        .delete_egress_only_internet_gateway()
        .egress_only_internet_gateway_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.return_code(), Some(true));
    let (code, msg) = err(h
        .ec2
        .delete_egress_only_internet_gateway()
        .egress_only_internet_gateway_id(&id)
        .send()
        .await);
    assert_eq!(code, "InvalidGatewayID.NotFound");
    assert_eq!(msg, format!("The eigw ID '{id}' does not exist"));
    let (code, _) = err(h
        .ec2
        .describe_egress_only_internet_gateways()
        .egress_only_internet_gateway_ids(&id)
        .send()
        .await);
    assert_eq!(code, "InvalidGatewayID.NotFound");
}

#[tokio::test]
async fn egress_only_gateway_rules_and_client_token() {
    let h = start().await;
    let vpc_a = vpc(&h, "10.0.0.0/16", true).await;
    let vpc_b = vpc(&h, "10.1.0.0/16", true).await;

    let (status, body) = raw_ec2(
        &h,
        "Action=CreateEgressOnlyInternetGateway&Version=2016-11-15",
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>MissingParameter</Code>"), "{body}");
    assert!(
        body.contains("The request must contain the parameter VpcId"),
        "{body}"
    );
    let (code, msg) = err(h
        .ec2
        .create_egress_only_internet_gateway()
        .vpc_id("vpc-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidVpcID.NotFound");
    assert_eq!(msg, "The vpc ID 'vpc-0000000000000dead' does not exist");

    let create = |token: &'static str, vpc_id: String| {
        h.ec2
            .create_egress_only_internet_gateway()
            .vpc_id(vpc_id)
            .client_token(token)
            .send()
    };
    let first = create("same", vpc_a.clone()).await.unwrap();
    let again = create("same", vpc_a.clone()).await.unwrap();
    let id = first
        .egress_only_internet_gateway()
        .unwrap()
        .egress_only_internet_gateway_id()
        .unwrap();
    assert_eq!(
        again
            .egress_only_internet_gateway()
            .unwrap()
            .egress_only_internet_gateway_id(),
        Some(id)
    );
    assert_eq!(again.client_token(), Some("same"));
    let (code, msg) = err(create("same", vpc_b.clone()).await);
    assert_eq!(code, "IdempotentParameterMismatch");
    assert_eq!(
        msg,
        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s)."
    );
    let all = h
        .ec2
        .describe_egress_only_internet_gateways()
        .send()
        .await
        .unwrap();
    assert_eq!(all.egress_only_internet_gateways().len(), 1);

    // One egress-only gateway per VPC.
    let (code, msg) = err(h
        .ec2
        .create_egress_only_internet_gateway()
        .vpc_id(&vpc_a)
        .send()
        .await);
    assert_eq!(code, "Resource.AlreadyAssociated");
    assert_eq!(
        msg,
        format!("Network {vpc_a} already has an egress-only internet gateway attached: {id}")
    );
    eigw(&h, &vpc_b).await;
}

#[tokio::test]
async fn describe_egress_only_gateways_pages_up_to_255() {
    let h = start().await;
    for i in 0..6 {
        let v = vpc(&h, &format!("10.{i}.0.0/16"), true).await;
        eigw(&h, &v).await;
    }
    let page1 = h
        .ec2
        .describe_egress_only_internet_gateways()
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page1.egress_only_internet_gateways().len(), 5);
    let page2 = h
        .ec2
        .describe_egress_only_internet_gateways()
        .max_results(5)
        .next_token(page1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page2.egress_only_internet_gateways().len(), 1);
    let (code, msg) = err(h
        .ec2
        .describe_egress_only_internet_gateways()
        .max_results(256)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Value ( 256 ) for parameter maxResults is invalid. Parameter must be between 5 and 255."
    );
}

// ------------------------------------------------------------------------ Elastic IPs

#[tokio::test]
async fn elastic_ip_allocate_describe_release() {
    let h = start().await;
    let out = h
        .ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .tag_specifications(tag_spec(ResourceType::ElasticIp, "Name", "nat-a"))
        .send()
        .await
        .unwrap();
    let alloc = out.allocation_id().unwrap().to_owned();
    assert!(alloc.starts_with("eipalloc-"), "{alloc}");
    assert_eq!(out.public_ip(), Some("3.208.0.1"));
    assert_eq!(out.domain(), Some(&DomainType::Vpc));
    assert_eq!(out.network_border_group(), Some("us-east-1"));
    assert_eq!(out.public_ipv4_pool(), Some("amazon"));
    // Domain defaults to vpc; addresses count up in the group.
    let second = h.ec2.allocate_address().send().await.unwrap();
    assert_eq!(second.public_ip(), Some("3.208.0.2"));
    assert_eq!(second.domain(), Some(&DomainType::Vpc));

    let a = address(&h, &alloc).await;
    assert_eq!(a.public_ip(), Some("3.208.0.1"));
    assert_eq!(a.association_id(), None);
    assert_eq!(a.tags()[0].value(), Some("nat-a"));
    let by_ip = h
        .ec2
        .describe_addresses()
        .public_ips("3.208.0.2")
        .send()
        .await
        .unwrap();
    assert_eq!(by_ip.addresses()[0].allocation_id(), second.allocation_id());
    for (name, value, n) in [
        ("allocation-id", alloc.as_str(), 1),
        ("public-ip", "3.208.0.1", 1),
        ("domain", "vpc", 2),
        ("network-border-group", "us-east-1", 2),
        ("tag-key", "Name", 1),
        ("tag:Name", "nat-a", 1),
    ] {
        let found = h
            .ec2
            .describe_addresses()
            .filters(filter(name, value))
            .send()
            .await
            .unwrap();
        assert_eq!(found.addresses().len(), n, "{name}");
    }
    let (code, msg) = err(h
        .ec2
        .describe_addresses()
        .allocation_ids("eipalloc-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidAllocationID.NotFound");
    assert_eq!(
        msg,
        "The allocation ID 'eipalloc-0000000000000dead' does not exist"
    );
    let (code, msg) = err(h
        .ec2
        .describe_addresses()
        .public_ips("3.208.9.9")
        .send()
        .await);
    assert_eq!(code, "InvalidAddress.NotFound");
    assert_eq!(msg, "The address '3.208.9.9' does not exist");

    h.ec2
        .release_address()
        .allocation_id(&alloc)
        .send()
        .await
        .unwrap();
    let (code, _) = err(h.ec2.release_address().allocation_id(&alloc).send().await);
    assert_eq!(code, "InvalidAllocationID.NotFound");
    let left = h.ec2.describe_addresses().send().await.unwrap();
    assert_eq!(left.addresses().len(), 1);
    // Released addresses are not handed out again.
    let third = h.ec2.allocate_address().send().await.unwrap();
    assert_eq!(third.public_ip(), Some("3.208.0.3"));
}

#[tokio::test]
async fn elastic_ip_network_border_group_domain_and_pool() {
    let h = start_yaml("regions:\n  us-east-1:\n    opt_in: [us-east-1-nyc-1]\n").await;
    let lz = h
        .ec2
        .allocate_address()
        .network_border_group("us-east-1-nyc-1")
        .send()
        .await
        .unwrap();
    assert_eq!(lz.network_border_group(), Some("us-east-1-nyc-1"));
    assert!(lz.public_ip().unwrap().starts_with("3."));
    assert!(!lz.public_ip().unwrap().starts_with("3.208."));
    let found = h
        .ec2
        .describe_addresses()
        .filters(filter("network-border-group", "us-east-1-nyc-1"))
        .send()
        .await
        .unwrap();
    assert_eq!(found.addresses().len(), 1);

    // Unknown groups and groups the account has not opted into.
    for nbg in ["nowhere-1", "us-east-1-mia-1"] {
        let (code, msg) = err(h
            .ec2
            .allocate_address()
            .network_border_group(nbg)
            .send()
            .await);
        assert_eq!(code, "InvalidParameterValue");
        assert_eq!(
            msg,
            format!("Value ({nbg}) for parameter NetworkBorderGroup is invalid.")
        );
    }
    let (code, msg) = err(h
        .ec2
        .allocate_address()
        .domain(DomainType::Standard)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(msg, "Value (standard) for parameter Domain is invalid.");
    let (code, msg) = err(h
        .ec2
        .allocate_address()
        .public_ipv4_pool("ipv4pool-ec2-0123")
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Value (ipv4pool-ec2-0123) for parameter PublicIpv4Pool is invalid."
    );
    let all = h.ec2.describe_addresses().send().await.unwrap();
    assert_eq!(all.addresses().len(), 1);
}

#[tokio::test]
async fn release_address_in_use_or_by_public_ip_is_refused() {
    let h = start().await;
    let (_, _, subnet_id) = public_network(&h).await;
    let alloc = eip(&h).await;
    let nat = public_nat(&h, &subnet_id, &alloc).await;
    let (code, msg) = err(h.ec2.release_address().allocation_id(&alloc).send().await);
    assert_eq!(code, "InvalidIPAddress.InUse");
    assert_eq!(
        msg,
        format!("The address with allocation id [{alloc}] is in use.")
    );
    let (code, msg) = err(h.ec2.release_address().send().await);
    assert_eq!(code, "MissingParameter");
    assert_eq!(msg, "The request must contain the parameter AllocationId");
    let (code, msg) = err(h.ec2.release_address().public_ip("3.208.0.1").send().await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "You must specify an allocation id when releasing a VPC elastic IP address"
    );
    h.ec2
        .delete_nat_gateway()
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();
    h.ec2
        .release_address()
        .allocation_id(&alloc)
        .send()
        .await
        .unwrap();
}

// ----------------------------------------------------------------------- NAT gateways

#[tokio::test]
async fn public_nat_gateway_lifecycle() {
    let h = start().await;
    let (vpc_id, _, subnet_id) = public_network(&h).await;
    let alloc = eip(&h).await;
    let free_before = free_ips(&h, &subnet_id).await;
    let out = h
        .ec2
        .create_nat_gateway()
        .subnet_id(&subnet_id)
        .allocation_id(&alloc)
        .client_token("nat-a-token")
        .tag_specifications(tag_spec(ResourceType::Natgateway, "Name", "nat-a"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.client_token(), Some("nat-a-token"));
    let n = out.nat_gateway.unwrap();
    let id = n.nat_gateway_id().unwrap().to_owned();
    assert!(id.starts_with("nat-"), "{id}");
    assert_eq!(n.state(), Some(&NatGatewayState::Pending));
    assert_eq!(n.subnet_id(), Some(subnet_id.as_str()));
    assert_eq!(n.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(n.connectivity_type(), Some(&ConnectivityType::Public));
    assert!(n.create_time().is_some());
    assert_eq!(n.tags()[0].value(), Some("nat-a"));
    let a = &n.nat_gateway_addresses()[0];
    assert_eq!(a.allocation_id(), Some(alloc.as_str()));
    assert!(a.network_interface_id().unwrap().starts_with("eni-"));
    assert_eq!(a.private_ip(), Some("10.0.0.4"));
    assert_eq!(a.public_ip(), Some("3.208.0.1"));
    assert_eq!(a.is_primary(), Some(true));
    assert_eq!(a.status(), Some(&NatGatewayAddressStatus::Associating));

    let n = nat_state(&h, &id).await;
    assert_eq!(n.state(), Some(&NatGatewayState::Available));
    assert_eq!(
        n.nat_gateway_addresses()[0].status(),
        Some(&NatGatewayAddressStatus::Succeeded)
    );
    assert_eq!(n.failure_code(), None);
    assert_eq!(free_ips(&h, &subnet_id).await, free_before - 1);
    let e = address(&h, &alloc).await;
    assert!(e.association_id().unwrap().starts_with("eipassoc-"));
    assert_eq!(
        e.network_interface_id(),
        n.nat_gateway_addresses()[0].network_interface_id()
    );
    assert_eq!(e.private_ip_address(), Some("10.0.0.4"));
    let by_assoc = h
        .ec2
        .describe_addresses()
        .filters(filter("association-id", e.association_id().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(by_assoc.addresses().len(), 1);

    for (name, value) in [
        ("nat-gateway-id", id.as_str()),
        ("state", "available"),
        ("subnet-id", subnet_id.as_str()),
        ("vpc-id", vpc_id.as_str()),
        ("tag:Name", "nat-a"),
        ("tag-key", "Name"),
    ] {
        let found = h
            .ec2
            .describe_nat_gateways()
            .filter(filter(name, value))
            .send()
            .await
            .unwrap();
        assert_eq!(found.nat_gateways().len(), 1, "{name}");
    }
    let (code, _) = err(h
        .ec2
        .describe_nat_gateways()
        .filter(filter("connectivity-type", "public"))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");

    let deleted = h
        .ec2
        .delete_nat_gateway()
        .nat_gateway_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.nat_gateway_id(), Some(id.as_str()));
    let n = nat_state(&h, &id).await;
    assert_eq!(n.state(), Some(&NatGatewayState::Deleted));
    assert!(n.delete_time().is_some());
    // The address and the Elastic IP are free again.
    assert_eq!(free_ips(&h, &subnet_id).await, free_before);
    let e = address(&h, &alloc).await;
    assert_eq!(e.association_id(), None);
    assert_eq!(e.network_interface_id(), None);
    // Deleting again answers the same; deleted gateways stay visible.
    h.ec2
        .delete_nat_gateway()
        .nat_gateway_id(&id)
        .send()
        .await
        .unwrap();
    let gone = h
        .ec2
        .describe_nat_gateways()
        .filter(filter("state", "deleted"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.nat_gateways().len(), 1);
    let (code, msg) = err(h
        .ec2
        .delete_nat_gateway()
        .nat_gateway_id("nat-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "NatGatewayNotFound");
    assert_eq!(msg, "The Nat Gateway nat-0000000000000dead was not found");
}

#[tokio::test]
async fn nat_gateway_client_token_is_idempotent() {
    let h = start().await;
    let (vpc_id, _, subnet_id) = public_network(&h).await;
    let other = subnet(&h, &vpc_id, "us-east-1b", Some("10.0.1.0/24"), None).await;
    let alloc = eip(&h).await;
    let create = |subnet: String| {
        h.ec2
            .create_nat_gateway()
            .subnet_id(subnet)
            .allocation_id(&alloc)
            .client_token("once")
            .send()
    };
    let first = create(subnet_id.clone()).await.unwrap();
    let again = create(subnet_id.clone()).await.unwrap();
    let id = first.nat_gateway().unwrap().nat_gateway_id().unwrap();
    assert_eq!(again.nat_gateway().unwrap().nat_gateway_id(), Some(id));
    assert_eq!(again.client_token(), Some("once"));
    // The retry neither failed on the (now used) Elastic IP nor made a second gateway.
    assert_eq!(
        nat_state(&h, id).await.state(),
        Some(&NatGatewayState::Available)
    );
    let all = h.ec2.describe_nat_gateways().send().await.unwrap();
    assert_eq!(all.nat_gateways().len(), 1);
    let (code, msg) = err(create(other).await);
    assert_eq!(code, "IdempotentParameterMismatch");
    assert_eq!(
        msg,
        "Arguments on this idempotent request are inconsistent with arguments used in previous request(s)."
    );
}

/// The world a refused CreateNatGateway meets: a public subnet holding a
/// private gateway at 10.0.0.77, an IPv6-only subnet, a free Elastic IP.
struct NatWorld {
    h: Harness,
    subnet: String,
    v6_only: String,
    alloc: String,
}

async fn nat_world() -> NatWorld {
    let h = start().await;
    let (vpc_id, _, subnet_id) = public_network(&h).await;
    let block = vpc_ipv6_block(&h, &vpc_id).await;
    let v6_only = subnet(
        &h,
        &vpc_id,
        "us-east-1a",
        None,
        Some(&sub_block(&block, 64, 1)),
    )
    .await;
    let alloc = eip(&h).await;
    let ok = h
        .ec2
        .create_nat_gateway()
        .subnet_id(&subnet_id)
        .connectivity_type(ConnectivityType::Private)
        .private_ip_address("10.0.0.77")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.nat_gateway().unwrap().nat_gateway_addresses()[0].private_ip(),
        Some("10.0.0.77")
    );
    NatWorld {
        h,
        subnet: subnet_id,
        v6_only,
        alloc,
    }
}

fn private_nat_at(w: &NatWorld, ip: &str) -> CreateNatGatewayFluentBuilder {
    w.h.ec2
        .create_nat_gateway()
        .subnet_id(&w.subnet)
        .connectivity_type(ConnectivityType::Private)
        .private_ip_address(ip)
}

/// One refused CreateNatGateway per rule: the request, AWS's code and
/// message (`{subnet}` and `{v6_only}` stand for the subnets' ids). A
/// refusal makes no gateway and leaves the Elastic IP free.
#[rstest]
#[case::public_needs_an_allocation_id(
    |w: &NatWorld| w.h.ec2.create_nat_gateway().subnet_id(&w.subnet),
    "MissingParameter",
    "The request must contain the parameter AllocationId"
)]
#[case::private_takes_no_allocation_id(
    |w: &NatWorld| w.h.ec2.create_nat_gateway().subnet_id(&w.subnet).connectivity_type(ConnectivityType::Private).allocation_id(&w.alloc),
    "InvalidParameterCombination",
    "The parameter AllocationId cannot be used with a private NAT gateway."
)]
#[case::connectivity_is_public_or_private(
    |w: &NatWorld| w.h.ec2.create_nat_gateway().subnet_id(&w.subnet).connectivity_type(ConnectivityType::from("shared")),
    "InvalidParameterValue",
    "Value (shared) for parameter ConnectivityType is invalid."
)]
#[case::the_subnet_exists(
    |w: &NatWorld| w.h.ec2.create_nat_gateway().subnet_id("subnet-0000000000000dead").allocation_id(&w.alloc),
    "InvalidSubnetID.NotFound",
    "The subnet ID 'subnet-0000000000000dead' does not exist"
)]
#[case::the_elastic_ip_exists(
    |w: &NatWorld| w.h.ec2.create_nat_gateway().subnet_id(&w.subnet).allocation_id("eipalloc-0000000000000dead"),
    "InvalidAllocationID.NotFound",
    "The allocation ID 'eipalloc-0000000000000dead' does not exist"
)]
#[case::public_not_in_an_ipv6_only_subnet(
    |w: &NatWorld| w.h.ec2.create_nat_gateway().subnet_id(&w.v6_only).allocation_id(&w.alloc),
    "InvalidParameterValue",
    "The subnet '{v6_only}' has no IPv4 CIDR block. A NAT gateway needs an IPv4 address in its subnet."
)]
#[case::private_not_in_an_ipv6_only_subnet(
    |w: &NatWorld| w.h.ec2.create_nat_gateway().subnet_id(&w.v6_only).connectivity_type(ConnectivityType::Private),
    "InvalidParameterValue",
    "The subnet '{v6_only}' has no IPv4 CIDR block. A NAT gateway needs an IPv4 address in its subnet."
)]
#[case::private_ip_in_the_subnet(
    |w: &NatWorld| private_nat_at(w, "10.0.9.9"),
    "InvalidParameterValue",
    "Address 10.0.9.9 does not fall within the subnet's address range"
)]
#[case::private_ip_not_reserved(
    |w: &NatWorld| private_nat_at(w, "10.0.0.2"),
    "InvalidParameterValue",
    "Address 10.0.0.2 is reserved by AWS in the subnet {subnet}"
)]
#[case::private_ip_is_an_address(
    |w: &NatWorld| private_nat_at(w, "not-an-ip"),
    "InvalidParameterValue",
    "Value (not-an-ip) for parameter PrivateIpAddress is invalid."
)]
#[case::private_ip_not_taken(
    |w: &NatWorld| private_nat_at(w, "10.0.0.77"),
    "InvalidIPAddress.InUse",
    "Address 10.0.0.77 is in use."
)]
#[tokio::test]
async fn create_nat_gateway_validation(
    #[case] request: fn(&NatWorld) -> CreateNatGatewayFluentBuilder,
    #[case] code: &str,
    #[case] message: &str,
) {
    let w = nat_world().await;
    let message = message
        .replace("{v6_only}", &w.v6_only)
        .replace("{subnet}", &w.subnet);
    let (got_code, got_message) = err(request(&w).send().await);
    assert_eq!(
        (got_code.as_str(), got_message.as_str()),
        (code, message.as_str())
    );
    let all = w.h.ec2.describe_nat_gateways().send().await.unwrap();
    assert_eq!(all.nat_gateways().len(), 1, "a refusal made a gateway");
    assert_eq!(address(&w.h, &w.alloc).await.association_id(), None);
}

#[tokio::test]
async fn create_nat_gateway_needs_a_subnet_id() {
    let h = start().await;
    let (status, body) = raw_ec2(&h, "Action=CreateNatGateway&Version=2016-11-15").await;
    assert_eq!(status, 400);
    assert!(body.contains("<Code>MissingParameter</Code>"), "{body}");
    assert!(body.contains("parameter SubnetId"), "{body}");
}

#[tokio::test]
async fn private_nat_gateway_needs_no_elastic_ip_or_internet_gateway() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let subnet_id = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let out = h
        .ec2
        .create_nat_gateway()
        .subnet_id(&subnet_id)
        .connectivity_type(ConnectivityType::Private)
        .send()
        .await
        .unwrap();
    let n = out.nat_gateway().unwrap();
    assert_eq!(n.connectivity_type(), Some(&ConnectivityType::Private));
    let a = &n.nat_gateway_addresses()[0];
    assert_eq!(a.allocation_id(), None);
    assert_eq!(a.public_ip(), None);
    assert_eq!(a.private_ip(), Some("10.0.0.4"));
    assert_eq!(a.status(), Some(&NatGatewayAddressStatus::Assigning));
    let n = nat_state(&h, n.nat_gateway_id().unwrap()).await;
    assert_eq!(n.state(), Some(&NatGatewayState::Available));
}

#[tokio::test]
async fn nat_gateway_fails_like_aws() {
    let h = start_yaml("regions:\n  us-east-1:\n    opt_in: [us-east-1-nyc-1]\n").await;
    let (vpc_id, _, subnet_id) = public_network(&h).await;
    let failed = |id: String| {
        let h = &h;
        async move {
            let n = nat_state(h, &id).await;
            assert_eq!(n.state(), Some(&NatGatewayState::Failed), "{id}");
            (
                n.failure_code().unwrap().to_owned(),
                n.failure_message().unwrap().to_owned(),
            )
        }
    };

    // An Elastic IP another NAT gateway holds.
    let alloc = eip(&h).await;
    public_nat(&h, &subnet_id, &alloc).await;
    let free_before = free_ips(&h, &subnet_id).await;
    let second = public_nat(&h, &subnet_id, &alloc).await;
    assert_eq!(
        failed(second.clone()).await,
        (
            "Resource.AlreadyAssociated".to_owned(),
            format!("Elastic IP address [{alloc}] is already associated")
        )
    );
    let n = nat_state(&h, &second).await;
    assert_eq!(
        n.nat_gateway_addresses()[0].status(),
        Some(&NatGatewayAddressStatus::Failed)
    );
    // A failed gateway holds no private address.
    assert_eq!(free_ips(&h, &subnet_id).await, free_before);

    // An Elastic IP of another network border group.
    let lz = h
        .ec2
        .allocate_address()
        .network_border_group("us-east-1-nyc-1")
        .send()
        .await
        .unwrap()
        .allocation_id
        .unwrap();
    let wrong_group = public_nat(&h, &subnet_id, &lz).await;
    assert_eq!(
        failed(wrong_group).await,
        (
            "InvalidAllocationID.NotFound".to_owned(),
            format!("Elastic IP address {lz} could not be associated with this NAT gateway")
        )
    );
    assert_eq!(address(&h, &lz).await.association_id(), None);

    // A public gateway in a VPC without an internet gateway.
    let bare = vpc(&h, "10.1.0.0/16", false).await;
    let bare_subnet = subnet(&h, &bare, "us-east-1a", Some("10.1.0.0/24"), None).await;
    let free_eip = eip(&h).await;
    let no_igw = public_nat(&h, &bare_subnet, &free_eip).await;
    assert_eq!(
        failed(no_igw).await,
        (
            "Gateway.NotAttached".to_owned(),
            format!("Network {bare} has no Internet gateway attached")
        )
    );

    // A subnet without a free address.
    let full = subnet(&h, &vpc_id, "us-east-1b", Some("10.0.1.0/28"), None).await;
    h.fake.with_world(|w| {
        let s = w
            .region("123456789012", REGION)
            .ec2
            .subnets
            .get_mut(&full)
            .unwrap();
        while s.allocate_ipv4().is_some() {}
    });
    let no_room = private_nat(&h, &full).await;
    assert_eq!(
        failed(no_room).await,
        (
            "InsufficientFreeAddressesInSubnet".to_owned(),
            "Subnet has insufficient free addresses to create this NAT gateway".to_owned()
        )
    );
    let failed_ones = h
        .ec2
        .describe_nat_gateways()
        .filter(filter("state", "failed"))
        .send()
        .await
        .unwrap();
    assert_eq!(failed_ones.nat_gateways().len(), 4);
    // Failed gateways do not block their subnet.
    h.ec2.delete_subnet().subnet_id(&full).send().await.unwrap();
}

#[tokio::test]
async fn five_nat_gateways_per_availability_zone() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let a1 = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let a2 = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.1.0/24"), None).await;
    let b = subnet(&h, &vpc_id, "us-east-1b", Some("10.0.2.0/24"), None).await;
    let mut in_a = Vec::new();
    for i in 0..5 {
        in_a.push(private_nat(&h, if i % 2 == 0 { &a1 } else { &a2 }).await);
    }
    let (code, msg) = err(h
        .ec2
        .create_nat_gateway()
        .subnet_id(&a2)
        .connectivity_type(ConnectivityType::Private)
        .send()
        .await);
    assert_eq!(code, "NatGatewayLimitExceeded");
    assert_eq!(
        msg,
        "The maximum number of NAT gateways (5) in the Availability Zone 'us-east-1a' has been reached."
    );
    private_nat(&h, &b).await;
    h.ec2
        .delete_nat_gateway()
        .nat_gateway_id(&in_a[0])
        .send()
        .await
        .unwrap();
    private_nat(&h, &a1).await;

    // Paging: 7 gateways (one deleted), 5 per page.
    let page1 = h
        .ec2
        .describe_nat_gateways()
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page1.nat_gateways().len(), 5);
    let page2 = h
        .ec2
        .describe_nat_gateways()
        .max_results(5)
        .next_token(page1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page2.nat_gateways().len(), 2);
    assert!(page2.next_token().is_none());
    let (code, msg) = err(h.ec2.describe_nat_gateways().max_results(1001).send().await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Value ( 1001 ) for parameter maxResults is invalid. Parameter must be between 5 and 1000."
    );
    let (code, msg) = err(h
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids("nat-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "NatGatewayNotFound");
    assert_eq!(msg, "The Nat Gateway nat-0000000000000dead was not found");
}

#[tokio::test]
async fn nat_gateway_states_follow_settle_reads() {
    let h = start_yaml("settle_reads: 2\n").await;
    let (_, _, subnet_id) = public_network(&h).await;
    let alloc = eip(&h).await;
    let id = public_nat(&h, &subnet_id, &alloc).await;
    for _ in 0..2 {
        assert_eq!(
            nat_state(&h, &id).await.state(),
            Some(&NatGatewayState::Pending)
        );
    }
    assert_eq!(
        nat_state(&h, &id).await.state(),
        Some(&NatGatewayState::Available)
    );
    h.ec2
        .delete_nat_gateway()
        .nat_gateway_id(&id)
        .send()
        .await
        .unwrap();
    let n = nat_state(&h, &id).await;
    assert_eq!(n.state(), Some(&NatGatewayState::Deleting));
    assert_eq!(
        n.nat_gateway_addresses()[0].status(),
        Some(&NatGatewayAddressStatus::Disassociating)
    );
    // A deleting gateway still holds its subnet.
    let (code, _) = err(h.ec2.delete_subnet().subnet_id(&subnet_id).send().await);
    assert_eq!(code, "DependencyViolation");
    nat_state(&h, &id).await;
    assert_eq!(
        nat_state(&h, &id).await.state(),
        Some(&NatGatewayState::Deleted)
    );
    h.ec2
        .delete_subnet()
        .subnet_id(&subnet_id)
        .send()
        .await
        .unwrap();
}

// ------------------------------------------------------------ dependencies of VPCs

#[tokio::test]
async fn delete_vpc_and_subnet_wait_for_gateways_nat_and_tables() {
    let h = start().await;
    let (vpc_id, igw_id, subnet_id) = public_network(&h).await;
    let eigw_id = eigw(&h, &vpc_id).await;
    let alloc = eip(&h).await;
    let nat = public_nat(&h, &subnet_id, &alloc).await;
    let rtb = h
        .ec2
        .create_route_table()
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap()
        .route_table
        .and_then(|t| t.route_table_id)
        .unwrap();
    let vpc_blocked = || async {
        let (code, msg) = err(h.ec2.delete_vpc().vpc_id(&vpc_id).send().await);
        assert_eq!(code, "DependencyViolation");
        assert_eq!(
            msg,
            format!("The vpc '{vpc_id}' has dependencies and cannot be deleted.")
        );
    };

    let (code, msg) = err(h.ec2.delete_subnet().subnet_id(&subnet_id).send().await);
    assert_eq!(code, "DependencyViolation");
    assert_eq!(
        msg,
        format!("The subnet '{subnet_id}' has dependencies and cannot be deleted.")
    );
    vpc_blocked().await;
    h.ec2
        .delete_nat_gateway()
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_subnet()
        .subnet_id(&subnet_id)
        .send()
        .await
        .unwrap();
    vpc_blocked().await;
    h.ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    vpc_blocked().await;
    h.ec2
        .delete_egress_only_internet_gateway()
        .egress_only_internet_gateway_id(&eigw_id)
        .send()
        .await
        .unwrap();
    vpc_blocked().await;
    h.ec2
        .delete_route_table()
        .route_table_id(&rtb)
        .send()
        .await
        .unwrap();
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
    // The main route table went with the VPC; the detached gateway stays.
    let tables = h.ec2.describe_route_tables().send().await.unwrap();
    assert!(tables.route_tables().is_empty());
    let gws = h.ec2.describe_internet_gateways().send().await.unwrap();
    assert_eq!(gws.internet_gateways().len(), 1);
}
