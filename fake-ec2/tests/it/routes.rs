//! Route tables, routes and associations through the real SDK: local
//! routes, IPv4/IPv6 default routes, NAT64, blackholes, and the seed path.

use aws_sdk_ec2::types::{
    ConnectivityType, ResourceType, Route, RouteOrigin, RouteState, RouteTable,
    RouteTableAssociationStateCode,
};

use aws_sdk_ec2::operation::associate_route_table::builders::AssociateRouteTableFluentBuilder;
use rstest::rstest;

use crate::common::*;
use crate::gateways::{
    attached_igw, eigw, eip, filter, private_nat, public_nat, public_network, tag_spec,
};

pub async fn route_table(h: &Harness, vpc_id: &str) -> String {
    h.ec2
        .create_route_table()
        .vpc_id(vpc_id)
        .send()
        .await
        .unwrap()
        .route_table
        .and_then(|t| t.route_table_id)
        .unwrap()
}

async fn table(h: &Harness, id: &str) -> RouteTable {
    h.ec2
        .describe_route_tables()
        .route_table_ids(id)
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .clone()
}

/// The route of a table for a destination (IPv4 or IPv6 text).
fn route<'a>(t: &'a RouteTable, destination: &str) -> &'a Route {
    t.routes()
        .iter()
        .find(|r| {
            r.destination_cidr_block() == Some(destination)
                || r.destination_ipv6_cidr_block() == Some(destination)
        })
        .unwrap_or_else(|| panic!("no route to {destination} in {t:?}"))
}

async fn count_tables(h: &Harness, name: &str, value: &str) -> usize {
    h.ec2
        .describe_route_tables()
        .filters(filter(name, value))
        .send()
        .await
        .unwrap()
        .route_tables()
        .len()
}

#[tokio::test]
async fn create_route_table_has_local_routes_for_every_block() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let block = vpc_ipv6_block(&h, &vpc_id).await;
    let out = h
        .ec2
        .create_route_table()
        .vpc_id(&vpc_id)
        .tag_specifications(tag_spec(ResourceType::RouteTable, "Name", "private-a"))
        .send()
        .await
        .unwrap();
    let t = out.route_table.unwrap();
    let id = t.route_table_id().unwrap().to_owned();
    assert!(id.starts_with("rtb-"), "{id}");
    assert_eq!(t.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(t.owner_id(), Some("123456789012"));
    assert!(t.associations().is_empty());
    assert_eq!(t.tags()[0].value(), Some("private-a"));
    assert_eq!(t.routes().len(), 2);
    for dest in ["10.0.0.0/16", block.as_str()] {
        let r = route(&t, dest);
        assert_eq!(r.gateway_id(), Some("local"));
        assert_eq!(r.state(), Some(&RouteState::Active));
        assert_eq!(r.origin(), Some(&RouteOrigin::CreateRouteTable));
    }
    // A block associated later gets a local route in this table too.
    h.ec2
        .associate_vpc_cidr_block()
        .vpc_id(&vpc_id)
        .cidr_block("10.1.0.0/16")
        .send()
        .await
        .unwrap();
    let t = table(&h, &id).await;
    assert_eq!(route(&t, "10.1.0.0/16").gateway_id(), Some("local"));

    // The main table and this one, told apart by association.main.
    assert_eq!(count_tables(&h, "vpc-id", &vpc_id).await, 2);
    let main = h
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &vpc_id))
        .filters(filter("association.main", "true"))
        .send()
        .await
        .unwrap();
    assert_eq!(main.route_tables().len(), 1);
    let main = &main.route_tables()[0];
    assert_ne!(main.route_table_id(), Some(id.as_str()));
    assert_eq!(main.associations()[0].main(), Some(true));
    assert_eq!(count_tables(&h, "tag:Name", "private-a").await, 1);
    assert_eq!(count_tables(&h, "route-table-id", &id).await, 1);
    assert_eq!(
        count_tables(&h, "route.origin", "CreateRouteTable").await,
        2
    );

    let (code, msg) = err(h
        .ec2
        .create_route_table()
        .vpc_id("vpc-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidVpcID.NotFound");
    assert_eq!(msg, "The vpc ID 'vpc-0000000000000dead' does not exist");
}

#[tokio::test]
async fn default_routes_igw_eigw_and_nat64() {
    let h = start().await;
    let (vpc_id, igw_id, subnet_id) = public_network(&h).await;
    let eigw_id = eigw(&h, &vpc_id).await;
    let alloc = eip(&h).await;
    let nat = public_nat(&h, &subnet_id, &alloc).await;
    let public_rtb = route_table(&h, &vpc_id).await;
    let private_rtb = route_table(&h, &vpc_id).await;

    let ok = |rtb: &str| h.ec2.create_route().route_table_id(rtb);
    let out = ok(&public_rtb)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw_id)
        .send()
        .await
        .unwrap();
    assert_eq!(out.r#return(), Some(true));
    ok(&public_rtb)
        .destination_ipv6_cidr_block("::/0")
        .gateway_id(&igw_id)
        .send()
        .await
        .unwrap();
    ok(&private_rtb)
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();
    ok(&private_rtb)
        .destination_ipv6_cidr_block("::/0")
        .egress_only_internet_gateway_id(&eigw_id)
        .send()
        .await
        .unwrap();
    // NAT64: the IPv6 well-known prefix to the NAT gateway.
    ok(&private_rtb)
        .destination_ipv6_cidr_block("64:ff9b::/96")
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();

    let t = table(&h, &public_rtb).await;
    assert_eq!(route(&t, "0.0.0.0/0").gateway_id(), Some(igw_id.as_str()));
    assert_eq!(route(&t, "::/0").gateway_id(), Some(igw_id.as_str()));
    let t = table(&h, &private_rtb).await;
    let v4 = route(&t, "0.0.0.0/0");
    assert_eq!(v4.nat_gateway_id(), Some(nat.as_str()));
    assert_eq!(v4.gateway_id(), None);
    assert_eq!(v4.origin(), Some(&RouteOrigin::CreateRoute));
    assert_eq!(v4.state(), Some(&RouteState::Active));
    let v6 = route(&t, "::/0");
    assert_eq!(v6.egress_only_internet_gateway_id(), Some(eigw_id.as_str()));
    assert_eq!(v6.destination_cidr_block(), None);
    let nat64 = route(&t, "64:ff9b::/96");
    assert_eq!(nat64.nat_gateway_id(), Some(nat.as_str()));
    assert_eq!(nat64.state(), Some(&RouteState::Active));

    // The filters a cluster provisioner looks tables up by.
    assert_eq!(count_tables(&h, "route.nat-gateway-id", &nat).await, 1);
    assert_eq!(
        count_tables(&h, "route.egress-only-internet-gateway-id", &eigw_id).await,
        1
    );
    assert_eq!(
        count_tables(&h, "route.destination-ipv6-cidr-block", "64:ff9b::/96").await,
        1
    );
    assert_eq!(
        count_tables(&h, "route.destination-ipv6-cidr-block", "::/0").await,
        2
    );
    assert_eq!(count_tables(&h, "route.gateway-id", &igw_id).await, 1);
    assert_eq!(count_tables(&h, "route.gateway-id", "local").await, 3);
    assert_eq!(
        count_tables(&h, "route.destination-cidr-block", "0.0.0.0/0").await,
        2
    );
    assert_eq!(count_tables(&h, "route.state", "active").await, 3);
    assert_eq!(count_tables(&h, "route.origin", "CreateRoute").await, 2);
}

#[tokio::test]
async fn create_route_parameter_rules() {
    let h = start().await;
    let (vpc_id, igw_id, _) = public_network(&h).await;
    let eigw_id = eigw(&h, &vpc_id).await;
    let rtb = route_table(&h, &vpc_id).await;
    let req = || h.ec2.create_route().route_table_id(&rtb);

    let (code, msg) = err(req().gateway_id(&igw_id).send().await);
    assert_eq!(code, "MissingParameter");
    assert_eq!(
        msg,
        "The request must contain the parameter destinationCidrBlock, destinationIpv6CidrBlock or destinationPrefixListId"
    );
    let (code, msg) = err(req()
        .destination_cidr_block("0.0.0.0/0")
        .destination_ipv6_cidr_block("::/0")
        .gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "The parameter destinationIpv6CidrBlock cannot be used with the parameter destinationCidrBlock"
    );
    let (code, msg) = err(req().destination_cidr_block("0.0.0.0/0").send().await);
    assert_eq!(code, "MissingParameter");
    assert_eq!(
        msg,
        "The request must contain exactly one of the parameters gatewayId, egressOnlyInternetGatewayId, natGatewayId, instanceId, networkInterfaceId, vpcPeeringConnectionId, transitGatewayId, carrierGatewayId, localGatewayId, vpcEndpointId, coreNetworkArn, odbNetworkArn"
    );
    let (code, msg) = err(req()
        .destination_ipv6_cidr_block("::/0")
        .gateway_id(&igw_id)
        .egress_only_internet_gateway_id(&eigw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        "The parameter egressOnlyInternetGatewayId cannot be used with the parameter gatewayId"
    );
    // CIDRs must be canonical and of the right family.
    let (code, msg) = err(req()
        .destination_cidr_block("10.1.2.3/8")
        .gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Value (10.1.2.3/8) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block."
    );
    let (code, msg) = err(req()
        .destination_ipv6_cidr_block("2600:1f18::1/56")
        .gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Value (2600:1f18::1/56) for parameter destinationIpv6CidrBlock is invalid. This is not a valid CIDR block."
    );
    let (code, _) = err(req()
        .destination_cidr_block("::/0")
        .gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    let (code, msg) = err(req()
        .destination_cidr_block("0.0.0.0/0")
        .vpc_endpoint_id("vpce-0123")
        .send()
        .await);
    assert_eq!(code, "UnsupportedOperation");
    assert_eq!(
        msg,
        "Routes to a vpcEndpointId target are not supported by this endpoint."
    );
    let (code, msg) = err(h
        .ec2
        .create_route()
        .route_table_id("rtb-0000000000000dead")
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidRouteTableID.NotFound");
    assert_eq!(
        msg,
        "The routeTable ID 'rtb-0000000000000dead' does not exist"
    );
    // Upper-case IPv6 is fine and comes back canonical.
    req()
        .destination_ipv6_cidr_block("2001:DB8::/32")
        .gateway_id(&igw_id)
        .send()
        .await
        .unwrap();
    let t = table(&h, &rtb).await;
    assert_eq!(
        route(&t, "2001:db8::/32").gateway_id(),
        Some(igw_id.as_str())
    );
    // Nothing refused above left a route behind.
    assert_eq!(t.routes().len(), 3);
}

#[tokio::test]
async fn route_targets_must_exist_in_the_vpc_and_suit_the_destination() {
    let h = start().await;
    let (vpc_id, igw_id, subnet_id) = public_network(&h).await;
    let eigw_id = eigw(&h, &vpc_id).await;
    let alloc = eip(&h).await;
    let nat = public_nat(&h, &subnet_id, &alloc).await;
    let rtb = route_table(&h, &vpc_id).await;
    let (other_vpc, other_igw, other_subnet) = {
        let v = vpc(&h, "10.1.0.0/16", true).await;
        let g = attached_igw(&h, &v).await;
        let s = subnet(&h, &v, "us-east-1a", Some("10.1.0.0/24"), None).await;
        (v, g, s)
    };
    let other_eigw = eigw(&h, &other_vpc).await;
    let other_nat = private_nat(&h, &other_subnet).await;
    let loose_igw = crate::gateways::igw(&h).await;
    let req = || h.ec2.create_route().route_table_id(&rtb);

    let (code, msg) = err(req()
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id("igw-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidGatewayID.NotFound");
    assert_eq!(msg, "The gateway ID 'igw-0000000000000dead' does not exist");
    for g in [&other_igw, &loose_igw] {
        let (code, msg) = err(req()
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id(g)
            .send()
            .await);
        assert_eq!(code, "InvalidParameterValue");
        assert_eq!(
            msg,
            format!("route table {rtb} and network gateway {g} belong to different networks")
        );
    }
    let (code, msg) = err(req()
        .destination_ipv6_cidr_block("::/0")
        .egress_only_internet_gateway_id("eigw-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidGatewayID.NotFound");
    assert_eq!(msg, "The eigw ID 'eigw-0000000000000dead' does not exist");
    let (code, msg) = err(req()
        .destination_ipv6_cidr_block("::/0")
        .egress_only_internet_gateway_id(&other_eigw)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!("route table {rtb} and network gateway {other_eigw} belong to different networks")
    );
    // An egress-only gateway takes IPv6 destinations only.
    let (code, msg) = err(req()
        .destination_cidr_block("0.0.0.0/0")
        .egress_only_internet_gateway_id(&eigw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
    assert_eq!(
        msg,
        format!(
            "The egress-only internet gateway {eigw_id} routes IPv6 traffic only; 0.0.0.0/0 is an IPv4 destination."
        )
    );
    // A NAT gateway takes IPv6 destinations only inside 64:ff9b::/96.
    let (code, msg) = err(req()
        .destination_ipv6_cidr_block("::/0")
        .nat_gateway_id(&nat)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "A NAT gateway can be the target of an IPv6 route only inside the NAT64 prefix 64:ff9b::/96, not ::/0."
    );
    let (code, msg) = err(req()
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&other_nat)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!("route table {rtb} and NAT gateway {other_nat} belong to different networks")
    );
    let (code, msg) = err(req()
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id("nat-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "NatGatewayNotFound");
    assert_eq!(msg, "The Nat Gateway nat-0000000000000dead was not found");
    let (code, msg) = err(req()
        .destination_cidr_block("0.0.0.0/0")
        .instance_id("i-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidInstanceID.NotFound");
    assert_eq!(msg, "The instance ID 'i-0000000000000dead' does not exist");

    // A deleted or failed NAT gateway is no target.
    let doomed = private_nat(&h, &subnet_id).await;
    h.ec2
        .delete_nat_gateway()
        .nat_gateway_id(&doomed)
        .send()
        .await
        .unwrap();
    let (code, msg) = err(req()
        .destination_cidr_block("10.9.0.0/16")
        .nat_gateway_id(&doomed)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!("The NAT gateway {doomed} is deleted and cannot be the target of a route.")
    );
    let failed = public_nat(&h, &subnet_id, &alloc).await;
    let (code, msg) = err(req()
        .destination_cidr_block("10.9.0.0/16")
        .nat_gateway_id(&failed)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!("The NAT gateway {failed} is failed and cannot be the target of a route.")
    );

    // Duplicates, local destinations included.
    req()
        .destination_ipv6_cidr_block("::/0")
        .egress_only_internet_gateway_id(&eigw_id)
        .send()
        .await
        .unwrap();
    let (code, msg) = err(req()
        .destination_ipv6_cidr_block("::/0")
        .gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "RouteAlreadyExists");
    assert_eq!(msg, "The route identified by ::/0 already exists.");
    let (code, msg) = err(req()
        .destination_cidr_block("10.0.0.0/16")
        .gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "RouteAlreadyExists");
    assert_eq!(msg, "The route identified by 10.0.0.0/16 already exists.");

    // Targets the fake does not model are taken on trust.
    req()
        .destination_cidr_block("172.16.0.0/12")
        .vpc_peering_connection_id("pcx-0123456789abcdef0")
        .send()
        .await
        .unwrap();
    req()
        .destination_cidr_block("192.168.0.0/16")
        .transit_gateway_id("tgw-0123456789abcdef0")
        .send()
        .await
        .unwrap();
    req()
        .destination_cidr_block("10.200.0.0/16")
        .gateway_id("vgw-0123456789abcdef0")
        .send()
        .await
        .unwrap();
    let t = table(&h, &rtb).await;
    let pcx = route(&t, "172.16.0.0/12");
    assert_eq!(
        pcx.vpc_peering_connection_id(),
        Some("pcx-0123456789abcdef0")
    );
    assert_eq!(pcx.state(), Some(&RouteState::Active));
    assert_eq!(
        route(&t, "192.168.0.0/16").transit_gateway_id(),
        Some("tgw-0123456789abcdef0")
    );
    assert_eq!(
        route(&t, "10.200.0.0/16").gateway_id(),
        Some("vgw-0123456789abcdef0")
    );
    assert_eq!(
        count_tables(
            &h,
            "route.vpc-peering-connection-id",
            "pcx-0123456789abcdef0"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn replace_and_delete_routes() {
    let h = start().await;
    let (vpc_id, igw_id, subnet_id) = public_network(&h).await;
    let eigw_id = eigw(&h, &vpc_id).await;
    let nat = private_nat(&h, &subnet_id).await;
    let rtb = route_table(&h, &vpc_id).await;
    let block = vpc_ipv6_block(&h, &vpc_id).await;
    h.ec2
        .create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw_id)
        .send()
        .await
        .unwrap();
    h.ec2
        .create_route()
        .route_table_id(&rtb)
        .destination_ipv6_cidr_block("::/0")
        .gateway_id(&igw_id)
        .send()
        .await
        .unwrap();

    let out = h
        .ec2
        .replace_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .nat_gateway_id(&nat)
        .send()
        .await;
    assert!(out.is_ok(), "{out:?}");
    h.ec2
        .replace_route()
        .route_table_id(&rtb)
        .destination_ipv6_cidr_block("::/0")
        .egress_only_internet_gateway_id(&eigw_id)
        .send()
        .await
        .unwrap();
    let t = table(&h, &rtb).await;
    let v4 = route(&t, "0.0.0.0/0");
    assert_eq!(v4.nat_gateway_id(), Some(nat.as_str()));
    assert_eq!(v4.gateway_id(), None);
    assert_eq!(
        route(&t, "::/0").egress_only_internet_gateway_id(),
        Some(eigw_id.as_str())
    );
    // A replacement obeys the same target rules as a new route.
    let (code, _) = err(h
        .ec2
        .replace_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .egress_only_internet_gateway_id(&eigw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");

    let (code, msg) = err(h
        .ec2
        .replace_route()
        .route_table_id(&rtb)
        .destination_cidr_block("10.9.0.0/16")
        .gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidRoute.NotFound");
    assert_eq!(
        msg,
        format!("no route with destination-cidr-block 10.9.0.0/16 in route table {rtb}")
    );
    let (code, msg) = err(h
        .ec2
        .replace_route()
        .route_table_id(&rtb)
        .destination_ipv6_cidr_block("2001:db8::/32")
        .gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidRoute.NotFound");
    assert_eq!(
        msg,
        format!("no route with destination-ipv6-cidr-block 2001:db8::/32 in route table {rtb}")
    );
    let (code, msg) = err(h
        .ec2
        .replace_route()
        .route_table_id(&rtb)
        .destination_cidr_block("10.0.0.0/16")
        .gateway_id(&igw_id)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!("cannot replace local route 10.0.0.0/16 in route table {rtb}")
    );
    let (code, msg) = err(h
        .ec2
        .delete_route()
        .route_table_id(&rtb)
        .destination_ipv6_cidr_block(&block)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!("cannot remove local route {block} in route table {rtb}")
    );

    h.ec2
        .delete_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .send()
        .await
        .unwrap();
    let (code, msg) = err(h
        .ec2
        .delete_route()
        .route_table_id(&rtb)
        .destination_cidr_block("0.0.0.0/0")
        .send()
        .await);
    assert_eq!(code, "InvalidRoute.NotFound");
    assert_eq!(
        msg,
        format!("no route with destination-cidr-block 0.0.0.0/0 in route table {rtb}")
    );
    let (code, _) = err(h.ec2.delete_route().route_table_id(&rtb).send().await);
    assert_eq!(code, "MissingParameter");
    let t = table(&h, &rtb).await;
    assert_eq!(t.routes().len(), 3);
}

#[tokio::test]
async fn routes_become_blackholes_when_targets_go() {
    let h = start().await;
    let (vpc_id, igw_id, subnet_id) = public_network(&h).await;
    let eigw_id = eigw(&h, &vpc_id).await;
    let alloc = eip(&h).await;
    let nat = public_nat(&h, &subnet_id, &alloc).await;
    let rtb = route_table(&h, &vpc_id).await;
    let add = |dest: &'static str| {
        h.ec2
            .create_route()
            .route_table_id(&rtb)
            .destination_cidr_block(dest)
    };
    add("0.0.0.0/0").gateway_id(&igw_id).send().await.unwrap();
    add("10.8.0.0/16")
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();
    h.ec2
        .create_route()
        .route_table_id(&rtb)
        .destination_ipv6_cidr_block("::/0")
        .egress_only_internet_gateway_id(&eigw_id)
        .send()
        .await
        .unwrap();
    h.ec2
        .create_route()
        .route_table_id(&rtb)
        .destination_ipv6_cidr_block("64:ff9b::/96")
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();
    let state = |t: &RouteTable, d: &str| route(t, d).state().cloned().unwrap();

    h.ec2
        .delete_nat_gateway()
        .nat_gateway_id(&nat)
        .send()
        .await
        .unwrap();
    let t = table(&h, &rtb).await;
    assert_eq!(state(&t, "10.8.0.0/16"), RouteState::Blackhole);
    assert_eq!(state(&t, "64:ff9b::/96"), RouteState::Blackhole);
    assert_eq!(state(&t, "0.0.0.0/0"), RouteState::Active);

    h.ec2
        .detach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    let t = table(&h, &rtb).await;
    assert_eq!(state(&t, "0.0.0.0/0"), RouteState::Blackhole);
    // Attached again, the gateway carries traffic again.
    h.ec2
        .attach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        state(&table(&h, &rtb).await, "0.0.0.0/0"),
        RouteState::Active
    );

    h.ec2
        .delete_egress_only_internet_gateway()
        .egress_only_internet_gateway_id(&eigw_id)
        .send()
        .await
        .unwrap();
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
    let t = table(&h, &rtb).await;
    assert_eq!(state(&t, "::/0"), RouteState::Blackhole);
    assert_eq!(state(&t, "0.0.0.0/0"), RouteState::Blackhole);
    // Local routes never go dark; blackholes are found by state.
    assert_eq!(state(&t, "10.0.0.0/16"), RouteState::Active);
    assert_eq!(count_tables(&h, "route.state", "blackhole").await, 1);
    // A blackhole route can be deleted or pointed elsewhere.
    h.ec2
        .delete_route()
        .route_table_id(&rtb)
        .destination_ipv6_cidr_block("::/0")
        .send()
        .await
        .unwrap();
}

/// The world a refused AssociateRouteTable meets: `rtb` holds the public
/// subnet, `edge_rtb` the VPC's internet gateway, `other_rtb` nothing; a
/// subnet of another VPC and an internet gateway attached nowhere.
struct Associated {
    h: Harness,
    subnet: String,
    igw: String,
    rtb: String,
    other_rtb: String,
    foreign_subnet: String,
    loose_igw: String,
}

async fn associated() -> Associated {
    let h = start().await;
    let (vpc_id, igw, public_subnet) = public_network(&h).await;
    let rtb = route_table(&h, &vpc_id).await;
    let other_rtb = route_table(&h, &vpc_id).await;
    let edge_rtb = route_table(&h, &vpc_id).await;
    let foreign_vpc = vpc(&h, "10.1.0.0/16", false).await;
    let foreign_subnet = subnet(&h, &foreign_vpc, "us-east-1a", Some("10.1.0.0/24"), None).await;
    let loose_igw = crate::gateways::igw(&h).await;
    let associate = |table: &str| h.ec2.associate_route_table().route_table_id(table);
    associate(&rtb)
        .subnet_id(&public_subnet)
        .send()
        .await
        .unwrap();
    associate(&edge_rtb).gateway_id(&igw).send().await.unwrap();
    Associated {
        h,
        subnet: public_subnet,
        igw,
        rtb,
        other_rtb,
        foreign_subnet,
        loose_igw,
    }
}

/// One refused AssociateRouteTable per rule: the request, AWS's code and
/// message (`{rtb}`, `{other_rtb}`, `{foreign_subnet}` and `{loose_igw}`
/// stand for the world's ids). Nothing is associated by a refusal.
#[rstest]
#[case::route_table_exists(
    |w: &Associated| w.h.ec2.associate_route_table().route_table_id("rtb-0000000000000dead").subnet_id(&w.subnet),
    "InvalidRouteTableID.NotFound",
    "The routeTable ID 'rtb-0000000000000dead' does not exist"
)]
#[case::subnet_or_gateway(
    |w: &Associated| w.h.ec2.associate_route_table().route_table_id(&w.other_rtb),
    "MissingParameter",
    "The request must contain the parameter subnetId or gatewayId"
)]
#[case::not_both(
    |w: &Associated| w.h.ec2.associate_route_table().route_table_id(&w.other_rtb).subnet_id(&w.subnet).gateway_id(&w.igw),
    "InvalidParameterCombination",
    "The parameter gatewayId cannot be used with the parameter subnetId"
)]
#[case::subnet_exists(
    |w: &Associated| w.h.ec2.associate_route_table().route_table_id(&w.other_rtb).subnet_id("subnet-0000000000000dead"),
    "InvalidSubnetID.NotFound",
    "The subnet ID 'subnet-0000000000000dead' does not exist"
)]
#[case::subnet_in_the_tables_vpc(
    |w: &Associated| w.h.ec2.associate_route_table().route_table_id(&w.other_rtb).subnet_id(&w.foreign_subnet),
    "InvalidParameterValue",
    "route table {other_rtb} and subnet {foreign_subnet} belong to different networks"
)]
#[case::one_association_per_subnet_same_table(
    |w: &Associated| w.h.ec2.associate_route_table().route_table_id(&w.rtb).subnet_id(&w.subnet),
    "Resource.AlreadyAssociated",
    "the specified association for route table {rtb} conflicts with an existing association"
)]
#[case::one_association_per_subnet(
    |w: &Associated| w.h.ec2.associate_route_table().route_table_id(&w.other_rtb).subnet_id(&w.subnet),
    "Resource.AlreadyAssociated",
    "the specified association for route table {other_rtb} conflicts with an existing association"
)]
#[case::gateway_exists(
    |w: &Associated| w.h.ec2.associate_route_table().route_table_id(&w.other_rtb).gateway_id("igw-0000000000000dead"),
    "InvalidGatewayID.NotFound",
    "The gateway ID 'igw-0000000000000dead' does not exist"
)]
#[case::gateway_attached_to_the_tables_vpc(
    |w: &Associated| w.h.ec2.associate_route_table().route_table_id(&w.other_rtb).gateway_id(&w.loose_igw),
    "InvalidParameterValue",
    "route table {other_rtb} and network gateway {loose_igw} belong to different networks"
)]
#[case::one_association_per_gateway(
    |w: &Associated| w.h.ec2.associate_route_table().route_table_id(&w.other_rtb).gateway_id(&w.igw),
    "Resource.AlreadyAssociated",
    "the specified association for route table {other_rtb} conflicts with an existing association"
)]
#[tokio::test]
async fn associate_route_table_refusals(
    #[case] request: fn(&Associated) -> AssociateRouteTableFluentBuilder,
    #[case] code: &str,
    #[case] message: &str,
) {
    let w = associated().await;
    let message = message
        .replace("{other_rtb}", &w.other_rtb)
        .replace("{rtb}", &w.rtb)
        .replace("{foreign_subnet}", &w.foreign_subnet)
        .replace("{loose_igw}", &w.loose_igw);
    let (got_code, got_message) = err(request(&w).send().await);
    assert_eq!(
        (got_code.as_str(), got_message.as_str()),
        (code, message.as_str())
    );
    let other = table(&w.h, &w.other_rtb).await;
    assert!(other.associations().is_empty(), "{other:?}");
}

#[tokio::test]
async fn associate_and_disassociate_route_tables() {
    let h = start().await;
    let (vpc_id, igw_id, subnet_id) = public_network(&h).await;
    let rtb = route_table(&h, &vpc_id).await;
    let other_rtb = route_table(&h, &vpc_id).await;
    let edge_rtb = route_table(&h, &vpc_id).await;

    let out = h
        .ec2
        .associate_route_table()
        .route_table_id(&rtb)
        .subnet_id(&subnet_id)
        .send()
        .await
        .unwrap();
    let assoc = out.association_id().unwrap().to_owned();
    assert!(assoc.starts_with("rtbassoc-"), "{assoc}");
    assert_eq!(
        out.association_state().unwrap().state(),
        Some(&RouteTableAssociationStateCode::Associated)
    );
    let t = table(&h, &rtb).await;
    let a = &t.associations()[0];
    assert_eq!(a.route_table_association_id(), Some(assoc.as_str()));
    assert_eq!(a.route_table_id(), Some(rtb.as_str()));
    assert_eq!(a.subnet_id(), Some(subnet_id.as_str()));
    assert_eq!(a.main(), Some(false));
    assert_eq!(
        a.association_state().unwrap().state(),
        Some(&RouteTableAssociationStateCode::Associated)
    );
    assert_eq!(
        count_tables(&h, "association.subnet-id", &subnet_id).await,
        1
    );
    assert_eq!(
        count_tables(&h, "association.route-table-association-id", &assoc).await,
        1
    );
    assert_eq!(count_tables(&h, "association.main", "false").await, 1);

    // An edge association with the VPC's internet gateway.
    let edge = h
        .ec2
        .associate_route_table()
        .route_table_id(&edge_rtb)
        .gateway_id(&igw_id)
        .send()
        .await
        .unwrap();
    let t = table(&h, &edge_rtb).await;
    assert_eq!(t.associations()[0].gateway_id(), Some(igw_id.as_str()));
    assert_eq!(count_tables(&h, "association.gateway-id", &igw_id).await, 1);

    // Tables with associations, and main tables, stay.
    let (code, msg) = err(h.ec2.delete_route_table().route_table_id(&rtb).send().await);
    assert_eq!(code, "DependencyViolation");
    assert_eq!(
        msg,
        format!("The routeTable '{rtb}' has dependencies and cannot be deleted.")
    );
    let main = h
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &vpc_id))
        .filters(filter("association.main", "true"))
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .clone();
    let main_id = main.route_table_id().unwrap();
    let main_assoc = main.associations()[0].route_table_association_id().unwrap();
    let (code, msg) = err(h
        .ec2
        .delete_route_table()
        .route_table_id(main_id)
        .send()
        .await);
    assert_eq!(code, "DependencyViolation");
    assert_eq!(
        msg,
        format!("The routeTable '{main_id}' has dependencies and cannot be deleted.")
    );
    let (code, msg) = err(h
        .ec2
        .disassociate_route_table()
        .association_id(main_assoc)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        format!("cannot disassociate the main route table association {main_assoc}")
    );

    h.ec2
        .disassociate_route_table()
        .association_id(&assoc)
        .send()
        .await
        .unwrap();
    let (code, msg) = err(h
        .ec2
        .disassociate_route_table()
        .association_id(&assoc)
        .send()
        .await);
    assert_eq!(code, "InvalidAssociationID.NotFound");
    assert_eq!(msg, format!("The association ID '{assoc}' does not exist"));
    // Free again, the subnet may join another table.
    h.ec2
        .associate_route_table()
        .route_table_id(&other_rtb)
        .subnet_id(&subnet_id)
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_route_table()
        .route_table_id(&rtb)
        .send()
        .await
        .unwrap();
    let (code, _) = err(h
        .ec2
        .describe_route_tables()
        .route_table_ids(&rtb)
        .send()
        .await);
    assert_eq!(code, "InvalidRouteTableID.NotFound");
    h.ec2
        .disassociate_route_table()
        .association_id(edge.association_id().unwrap())
        .send()
        .await
        .unwrap();
    // Deleting the subnet drops its association.
    h.ec2
        .delete_subnet()
        .subnet_id(&subnet_id)
        .send()
        .await
        .unwrap();
    assert!(table(&h, &other_rtb).await.associations().is_empty());
}

#[tokio::test]
async fn describe_route_tables_pages_up_to_100() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    for _ in 0..6 {
        route_table(&h, &vpc_id).await;
    }
    let page1 = h
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &vpc_id))
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page1.route_tables().len(), 5);
    let page2 = h
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", &vpc_id))
        .max_results(5)
        .next_token(page1.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page2.route_tables().len(), 2);
    assert!(page2.next_token().is_none());
    let (code, msg) = err(h.ec2.describe_route_tables().max_results(101).send().await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Value ( 101 ) for parameter maxResults is invalid. Parameter must be between 5 and 100."
    );
    let (code, msg) = err(h
        .ec2
        .describe_route_tables()
        .filters(filter("route.bogus", "x"))
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(msg, "The filter 'route.bogus' is invalid");
}

#[tokio::test]
async fn delete_vpc_refuses_while_a_created_route_table_exists() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let rtb = route_table(&h, &vpc_id).await;
    let (code, _) = err(h.ec2.delete_vpc().vpc_id(&vpc_id).send().await);
    assert_eq!(code, "DependencyViolation");
    h.ec2
        .delete_route_table()
        .route_table_id(&rtb)
        .send()
        .await
        .unwrap();
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
}

const SEEDED: &str = r#"
regions:
  us-east-1:
    vpcs:
      - vpc_id: vpc-0a1b2c3d4e5f60001
        cidr_block: 10.0.0.0/16
        ipv6_cidr_blocks: ["2001:db8:1234:1a00::/56"]
        tags: {Name: byo}
        subnets:
          - subnet_id: subnet-0a1b2c3d4e5f60001
            availability_zone: us-east-1a
            cidr_block: 10.0.0.0/24
            ipv6_cidr_block: 2001:db8:1234:1a00::/64
            map_public_ip_on_launch: true
          - subnet_id: subnet-0a1b2c3d4e5f60002
            availability_zone: us-east-1a
            ipv6_native: true
            ipv6_cidr_block: 2001:db8:1234:1a01::/64
            enable_dns64: true
        internet_gateway:
          id: igw-0a1b2c3d4e5f60001
          tags: {Name: byo-igw}
        egress_only_internet_gateway:
          id: eigw-0a1b2c3d4e5f60001
        nat_gateways:
          - nat_gateway_id: nat-0a1b2c3d4e5f60001
            subnet_id: subnet-0a1b2c3d4e5f60001
            tags: {Name: byo-nat}
        route_tables:
          - main: true
            routes:
              - {destination: 0.0.0.0/0, target: igw-0a1b2c3d4e5f60001}
              - {destination: "::/0", target: igw-0a1b2c3d4e5f60001}
          - route_table_id: rtb-0a1b2c3d4e5f60002
            tags: {Name: byo-private}
            routes:
              - {destination: "::/0", target: eigw-0a1b2c3d4e5f60001}
              - {destination: "64:ff9b::/96", target: nat-0a1b2c3d4e5f60001}
              - {destination: 0.0.0.0/0, target: nat-0a1b2c3d4e5f60001}
            subnets: [subnet-0a1b2c3d4e5f60002]
"#;

#[tokio::test]
async fn seeded_vpc_with_gateways_nat_and_route_tables() {
    let h = start_yaml(SEEDED).await;
    let vpc_id = "vpc-0a1b2c3d4e5f60001";
    let igws = h
        .ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", vpc_id))
        .send()
        .await
        .unwrap();
    let g = &igws.internet_gateways()[0];
    assert_eq!(g.internet_gateway_id(), Some("igw-0a1b2c3d4e5f60001"));
    assert_eq!(g.tags()[0].value(), Some("byo-igw"));
    let eigws = h
        .ec2
        .describe_egress_only_internet_gateways()
        .egress_only_internet_gateway_ids("eigw-0a1b2c3d4e5f60001")
        .send()
        .await
        .unwrap();
    assert_eq!(
        eigws.egress_only_internet_gateways()[0].attachments()[0].vpc_id(),
        Some(vpc_id)
    );
    let nats = h
        .ec2
        .describe_nat_gateways()
        .filter(filter("vpc-id", vpc_id))
        .send()
        .await
        .unwrap();
    let n = &nats.nat_gateways()[0];
    assert_eq!(n.nat_gateway_id(), Some("nat-0a1b2c3d4e5f60001"));
    assert_eq!(
        n.state(),
        Some(&aws_sdk_ec2::types::NatGatewayState::Available)
    );
    assert_eq!(n.connectivity_type(), Some(&ConnectivityType::Public));
    assert_eq!(n.subnet_id(), Some("subnet-0a1b2c3d4e5f60001"));
    let public_ip = n.nat_gateway_addresses()[0].public_ip().unwrap();
    assert!(public_ip.starts_with("3.208."), "{public_ip}");

    let main = h
        .ec2
        .describe_route_tables()
        .filters(filter("vpc-id", vpc_id))
        .filters(filter("association.main", "true"))
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .clone();
    assert_eq!(
        route(&main, "0.0.0.0/0").gateway_id(),
        Some("igw-0a1b2c3d4e5f60001")
    );
    assert_eq!(
        route(&main, "::/0").gateway_id(),
        Some("igw-0a1b2c3d4e5f60001")
    );
    assert_eq!(
        route(&main, "2001:db8:1234:1a00::/56").gateway_id(),
        Some("local")
    );

    let private = h
        .ec2
        .describe_route_tables()
        .filters(filter("association.subnet-id", "subnet-0a1b2c3d4e5f60002"))
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .clone();
    assert_eq!(private.route_table_id(), Some("rtb-0a1b2c3d4e5f60002"));
    assert_eq!(private.tags()[0].value(), Some("byo-private"));
    assert_eq!(
        route(&private, "::/0").egress_only_internet_gateway_id(),
        Some("eigw-0a1b2c3d4e5f60001")
    );
    assert_eq!(
        route(&private, "64:ff9b::/96").nat_gateway_id(),
        Some("nat-0a1b2c3d4e5f60001")
    );
    assert_eq!(
        route(&private, "0.0.0.0/0").nat_gateway_id(),
        Some("nat-0a1b2c3d4e5f60001")
    );
    assert!(
        private
            .routes()
            .iter()
            .all(|r| r.state() == Some(&RouteState::Active))
    );
    assert_eq!(private.associations().len(), 1);
    assert_eq!(private.associations()[0].main(), Some(false));
    assert_eq!(
        count_tables(&h, "route.nat-gateway-id", "nat-0a1b2c3d4e5f60001").await,
        1
    );
}

#[test]
fn seed_with_a_bad_route_fails_with_aws_error() {
    let bad = SEEDED.replace(
        "{destination: \"::/0\", target: eigw-0a1b2c3d4e5f60001}",
        "{destination: 0.0.0.0/8, target: eigw-0a1b2c3d4e5f60001}",
    );
    let seed = fake_ec2::Seed::from_yaml(&bad).unwrap();
    let Err(e) = fake_ec2::Fake::from_seed(seed) else {
        panic!("a seed with a route AWS refuses must not load");
    };
    assert!(e.to_string().contains("InvalidParameterCombination"), "{e}");
}

#[tokio::test]
async fn an_instance_target_sits_in_the_tables_vpc() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let other = vpc(&h, "10.1.0.0/16", false).await;
    let launch = |subnet: String| {
        let h = &h;
        async move {
            h.ec2
                .run_instances()
                .image_id(ami())
                .min_count(1)
                .max_count(1)
                .subnet_id(subnet)
                .send()
                .await
                .unwrap()
                .instances()[0]
                .instance_id()
                .unwrap()
                .to_owned()
        }
    };
    let near = launch(subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await).await;
    let far = launch(subnet(&h, &other, "us-east-1a", Some("10.1.0.0/24"), None).await).await;
    let rtb = route_table(&h, &vpc_id).await;
    let (code, msg) = err(h
        .ec2
        .create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("192.168.0.0/16")
        .instance_id(&far)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterValue",
            format!("route table {rtb} and instance {far} belong to different networks").as_str()
        )
    );
    h.ec2
        .create_route()
        .route_table_id(&rtb)
        .destination_cidr_block("192.168.0.0/16")
        .instance_id(&near)
        .send()
        .await
        .unwrap();
    let (code, _) = err(h
        .ec2
        .replace_route()
        .route_table_id(&rtb)
        .destination_cidr_block("192.168.0.0/16")
        .instance_id(&far)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
    let routes = table(&h, &rtb).await;
    let r = routes
        .routes()
        .iter()
        .find(|r| r.destination_cidr_block() == Some("192.168.0.0/16"))
        .unwrap();
    assert_eq!(r.instance_id(), Some(near.as_str()));
}
