//! Route tables: CreateRouteTable, DescribeRouteTables, DeleteRouteTable,
//! CreateRoute, ReplaceRoute, DeleteRoute, Associate/DisassociateRouteTable.
//!
//! Every table carries a `local` route for each of its VPC's IPv4 and IPv6
//! blocks; associating a new VPC block adds one to every table of the VPC.
//! Local routes cannot be replaced or deleted (`InvalidParameterValue` `[I]`).
//!
//! CreateRoute and ReplaceRoute take exactly one destination and exactly one
//! target (`MissingParameter` / `InvalidParameterCombination`); CIDRs must be
//! canonical. Targets must exist and sit in the table's VPC:
//! - `GatewayId` `igw-`: attached to the VPC, else `InvalidParameterValue`
//!   "route table … and network gateway … belong to different networks" (the
//!   real text); an unknown gateway is `InvalidGatewayID.NotFound`.
//! - `EgressOnlyInternetGatewayId`: the VPC's own; IPv6 destinations only,
//!   an IPv4 one is `InvalidParameterCombination` `[I]`.
//! - `NatGatewayId`: pending or available (a deleting, deleted or failed
//!   gateway is `InvalidParameterValue` `[I]`); in the VPC; IPv6 destinations
//!   only inside the NAT64 prefix `64:ff9b::/96` (`InvalidParameterValue` `[I]`).
//! - `InstanceId`: running or stopped, in the VPC.
//! - `CarrierGatewayId`: the VPC's own, in a VPC with a Wavelength Zone
//!   subnet, IPv4 destinations only (see `carrier_gateways.rs`).
//! - Peering connections, transit gateways, network interfaces
//!   and `vgw-` gateways are not modelled: taken on trust. Local gateway, VPC
//!   endpoint, core network and ODB network targets are `UnsupportedOperation`.
//! - A destination the table routes already is `RouteAlreadyExists`.
//!
//! Route `state` is `active` while the target can carry traffic and
//! `blackhole` once it cannot (gateway detached or deleted, NAT gateway
//! deleting, deleted or failed, instance terminated); it is recomputed for
//! the tables that route to a target when the target changes, for a table
//! when one of its routes does, and for the tables a DescribeRouteTables
//! shows. The tables are indexed by VPC, associated subnet, association
//! and route target, so none of this walks the region's tables.
//!
//! A subnet has at most one explicit association (a second one is
//! `Resource.AlreadyAssociated`), with a table of its own VPC. The main
//! association cannot be disassociated, and a main table or one with
//! associations cannot be deleted (`DependencyViolation`).

use std::net::Ipv6Addr;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters;
use super::nat_gateways::NatGateway;
use super::paging::Limits;
use super::tags::{self, Tags};
use super::zones::Zone;
use super::{Ec2State, carrier_gateways, errors};
use crate::cidr;
use crate::index::{By, Key, Keys};
use crate::protocol::error::AwsResult;
use crate::protocol::xml::rename;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;
use crate::registry;

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    Ipv4(Ipv4Net),
    Ipv6(Ipv6Net),
    PrefixList(String),
}

/// What a route sends traffic to; `gateway_id` covers `local`, IGWs and VGWs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Local,
    Gateway(String),
    EgressOnlyInternetGateway(String),
    NatGateway(String),
    Instance(String),
    NetworkInterface(String),
    VpcPeeringConnection(String),
    TransitGateway(String),
    CarrierGateway(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Route {
    pub destination: Destination,
    pub target: Target,
    /// `CreateRouteTable` for local routes, `CreateRoute` otherwise.
    pub origin: String,
    /// `active` or `blackhole` (the target is gone).
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RouteTableAssociation {
    pub route_table_association_id: String,
    pub subnet_id: Option<String>,
    pub gateway_id: Option<String>,
    pub main: bool,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RouteTable {
    pub route_table_id: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub routes: Vec<Route>,
    pub associations: Vec<RouteTableAssociation>,
    pub tags: Tags,
}

crate::registry::resource!(
    RouteTable: "rtb", "route-table", route_table_id, Tags, |id| errors::route_table_not_found(id)
);

/// A table is found by its VPC, its associations' subnets, ids and edge
/// gateways, and its routes' targets (`local` too: `route.gateway-id=local`
/// finds every table).
impl Keys for RouteTable {
    fn keys(&self, out: &mut Vec<Key>) {
        out.push((By::Vpc, self.vpc_id.clone()));
        for a in &self.associations {
            out.push((By::Association, a.route_table_association_id.clone()));
            if let Some(s) = &a.subnet_id {
                out.push((By::Subnet, s.clone()));
            }
            if let Some(g) = &a.gateway_id {
                out.push((By::Association, g.clone()));
            }
        }
        for r in &self.routes {
            out.push((By::Target, r.target.element().1.to_owned()));
        }
    }
}

impl RouteTable {
    pub fn new(route_table_id: String, vpc_id: String, owner_id: String) -> Self {
        Self {
            route_table_id,
            vpc_id,
            owner_id,
            routes: Vec::new(),
            associations: Vec::new(),
            tags: Tags::new(),
        }
    }

    fn local(destination: Destination) -> Route {
        Route {
            destination,
            target: Target::Local,
            origin: "CreateRouteTable".to_owned(),
            state: "active".to_owned(),
        }
    }

    pub fn add_local_route_v4(&mut self, block: Ipv4Net) {
        let d = Destination::Ipv4(block);
        if !self.routes.iter().any(|r| r.destination == d) {
            self.routes.push(Self::local(d));
        }
    }

    pub fn add_local_route_v6(&mut self, block: Ipv6Net) {
        let d = Destination::Ipv6(block);
        if !self.routes.iter().any(|r| r.destination == d) {
            self.routes.push(Self::local(d));
        }
    }

    pub fn remove_local_route_v4(&mut self, block: Ipv4Net) {
        self.routes
            .retain(|r| !(r.target == Target::Local && r.destination == Destination::Ipv4(block)));
    }

    pub fn remove_local_route_v6(&mut self, block: Ipv6Net) {
        self.routes
            .retain(|r| !(r.target == Target::Local && r.destination == Destination::Ipv6(block)));
    }

    /// Makes this the VPC's main table.
    pub fn set_main(&mut self, association_id: String) {
        self.associations.push(RouteTableAssociation {
            route_table_association_id: association_id,
            subnet_id: None,
            gateway_id: None,
            main: true,
            state: "associated".to_owned(),
        });
    }

    pub fn is_main(&self) -> bool {
        self.associations.iter().any(|a| a.main)
    }
}

impl Destination {
    fn text(&self) -> String {
        match self {
            Self::Ipv4(n) => n.to_string(),
            Self::Ipv6(n) => n.to_string(),
            Self::PrefixList(id) => id.clone(),
        }
    }

    /// How InvalidRoute.NotFound names the destination.
    fn kind(&self) -> &'static str {
        match self {
            Self::Ipv4(_) => "destination-cidr-block",
            Self::Ipv6(_) => "destination-ipv6-cidr-block",
            Self::PrefixList(_) => "destination-prefix-list-id",
        }
    }
}

impl Target {
    /// The routeSet element naming the target, and its value.
    fn element(&self) -> (&'static str, &str) {
        match self {
            Self::Local => ("gatewayId", "local"),
            Self::Gateway(id) => ("gatewayId", id),
            Self::EgressOnlyInternetGateway(id) => ("egressOnlyInternetGatewayId", id),
            Self::NatGateway(id) => ("natGatewayId", id),
            Self::Instance(id) => ("instanceId", id),
            Self::NetworkInterface(id) => ("networkInterfaceId", id),
            Self::VpcPeeringConnection(id) => ("vpcPeeringConnectionId", id),
            Self::TransitGateway(id) => ("transitGatewayId", id),
            Self::CarrierGateway(id) => ("carrierGatewayId", id),
        }
    }
}

impl Route {
    fn to_xml(&self) -> Node {
        let item = match &self.destination {
            Destination::Ipv4(n) => Node::el("item").leaf("destinationCidrBlock", n),
            Destination::Ipv6(n) => Node::el("item").leaf("destinationIpv6CidrBlock", n),
            Destination::PrefixList(id) => Node::el("item").leaf("destinationPrefixListId", id),
        };
        let (name, id) = self.target.element();
        item.leaf(name, id)
            .leaf("state", &self.state)
            .leaf("origin", &self.origin)
    }
}

impl RouteTable {
    pub fn to_xml(&self) -> Node {
        Node::el("item")
            .leaf("routeTableId", &self.route_table_id)
            .leaf("vpcId", &self.vpc_id)
            .leaf("ownerId", &self.owner_id)
            .child(Node::set("routeSet", self.routes.iter().map(Route::to_xml)))
            .child(Node::set(
                "associationSet",
                self.associations.iter().map(|a| {
                    Node::el("item")
                        .leaf("main", a.main)
                        .leaf("routeTableAssociationId", &a.route_table_association_id)
                        .leaf("routeTableId", &self.route_table_id)
                        .opt_leaf("subnetId", a.subnet_id.as_ref())
                        .opt_leaf("gatewayId", a.gateway_id.as_ref())
                        .child(Node::el("associationState").leaf("state", &a.state))
                }),
            ))
            .child(Node::set("propagatingVgwSet", []))
            .opt_child(tags::tag_set(&self.tags))
    }
}

impl RouteTable {
    /// Its routes' destinations of one kind ([`Destination::kind`]), as
    /// filter values.
    fn route_destinations(&self, kind: &str) -> Vec<String> {
        self.routes
            .iter()
            .filter(|r| r.destination.kind() == kind)
            .map(|r| r.destination.text())
            .collect()
    }

    /// The ids its routes send to, for the target element (`gatewayId`,
    /// `natGatewayId` ...), as filter values.
    fn route_target_ids(&self, element: &str) -> Vec<String> {
        self.routes
            .iter()
            .map(|r| r.target.element())
            .filter(|(n, _)| *n == element)
            .map(|(_, id)| id.to_owned())
            .collect()
    }
}

filters::filterable!(RouteTable, |table| [
    (
        "association.gateway-id",
        table
            .associations
            .iter()
            .filter_map(|a| a.gateway_id.clone())
            .collect()
    ),
    (
        "association.main",
        table
            .associations
            .iter()
            .map(|a| a.main.to_string())
            .collect()
    ),
    (
        "association.route-table-association-id",
        table
            .associations
            .iter()
            .map(|a| a.route_table_association_id.clone())
            .collect()
    ),
    (
        "association.route-table-id",
        table
            .associations
            .iter()
            .map(|_| table.route_table_id.clone())
            .collect()
    ),
    (
        "association.subnet-id",
        table
            .associations
            .iter()
            .filter_map(|a| a.subnet_id.clone())
            .collect()
    ),
    ("owner-id", filters::one(&table.owner_id)),
    ("route-table-id", filters::one(&table.route_table_id)),
    (
        "route.destination-cidr-block",
        table.route_destinations("destination-cidr-block")
    ),
    (
        "route.destination-ipv6-cidr-block",
        table.route_destinations("destination-ipv6-cidr-block")
    ),
    (
        "route.destination-prefix-list-id",
        table.route_destinations("destination-prefix-list-id")
    ),
    (
        "route.egress-only-internet-gateway-id",
        table.route_target_ids("egressOnlyInternetGatewayId")
    ),
    ("route.gateway-id", table.route_target_ids("gatewayId")),
    ("route.instance-id", table.route_target_ids("instanceId")),
    (
        "route.nat-gateway-id",
        table.route_target_ids("natGatewayId")
    ),
    (
        "route.origin",
        table.routes.iter().map(|r| r.origin.clone()).collect()
    ),
    (
        "route.state",
        table.routes.iter().map(|r| r.state.clone()).collect()
    ),
    (
        "route.transit-gateway-id",
        table.route_target_ids("transitGatewayId")
    ),
    (
        "route.vpc-peering-connection-id",
        table.route_target_ids("vpcPeeringConnectionId")
    ),
    ("vpc-id", filters::one(&table.vpc_id)),
]);

/// The NAT64 well-known prefix, the only IPv6 destination a NAT gateway takes.
fn nat64_prefix() -> Ipv6Net {
    Ipv6Net::new(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96).expect("96 is a valid prefix")
}

/// Whether a route's target can carry traffic from a table of `vpc_id`.
fn target_usable(ec2: &Ec2State, vpc_id: &str, target: &Target) -> bool {
    match target {
        Target::Gateway(id) if id.starts_with("igw-") => ec2
            .internet_gateways
            .get(id)
            .is_some_and(|g| g.attached_vpc() == Some(vpc_id)),
        Target::EgressOnlyInternetGateway(id) => ec2
            .egress_only_internet_gateways
            .get(id)
            .is_some_and(|g| g.is_attached()),
        Target::NatGateway(id) => ec2
            .nat_gateways
            .get(id)
            .is_some_and(NatGateway::is_routable),
        Target::Instance(id) => ec2.instances.get(id).is_some_and(|i| !i.is_terminated()),
        Target::CarrierGateway(id) => carrier_gateways::is_routable(ec2, id),
        _ => true,
    }
}

/// Sets the `active` / `blackhole` state of every route of the tables
/// `ids` names, from its target.
fn refresh_tables(ec2: &mut Ec2State, ids: Vec<String>) {
    let mut tables = std::mem::take(&mut ec2.route_tables);
    for id in ids {
        let Some(mut rt) = tables.change(&id) else {
            continue;
        };
        let vpc_id = rt.vpc_id.clone();
        for r in &mut rt.routes {
            let usable = target_usable(ec2, &vpc_id, &r.target);
            r.state = if usable { "active" } else { "blackhole" }.to_owned();
        }
    }
    ec2.route_tables = tables;
}

/// Refreshes the route states of the tables that route to `target` (a
/// gateway, NAT gateway or instance whose state changed).
pub fn refresh_routes_to(ec2: &mut Ec2State, target: &str) {
    let ids: Vec<String> = ec2.route_tables.ids(By::Target, target).cloned().collect();
    refresh_tables(ec2, ids);
}

fn find<'a>(ec2: &'a Ec2State, id: &str) -> AwsResult<&'a RouteTable> {
    registry::find(&ec2.route_tables, id)
}

/// The destination parameters: (wire parameter, name in messages).
const DESTINATIONS: [(&str, &str); 3] = [
    ("DestinationCidrBlock", "destinationCidrBlock"),
    ("DestinationIpv6CidrBlock", "destinationIpv6CidrBlock"),
    ("DestinationPrefixListId", "destinationPrefixListId"),
];

fn parse_destination(p: &Params) -> AwsResult<Destination> {
    let given: Vec<(&str, &str, &str)> = DESTINATIONS
        .iter()
        .filter_map(|(param, name)| p.value(param).map(|v| (*param, *name, v)))
        .collect();
    match given.as_slice() {
        [] => Err(AwsError::missing_parameter_msg(
            "The request must contain the parameter destinationCidrBlock, destinationIpv6CidrBlock or destinationPrefixListId",
        )),
        [("DestinationCidrBlock", name, v)] => cidr::parse_v4(v)
            .filter(cidr::is_canonical_v4)
            .map(Destination::Ipv4)
            .ok_or_else(|| errors::invalid_cidr_value(name, v)),
        [("DestinationIpv6CidrBlock", name, v)] => cidr::parse_v6(v)
            .filter(cidr::is_canonical_v6)
            .map(Destination::Ipv6)
            .ok_or_else(|| errors::invalid_cidr_value(name, v)),
        [(_, _, v)] => Ok(Destination::PrefixList((*v).to_owned())),
        [first, second, ..] => Err(AwsError::invalid_parameter_combination(format!(
            "The parameter {} cannot be used with the parameter {}",
            second.1, first.1
        ))),
    }
}

type TargetOf = fn(String) -> Target;

/// The target parameters: (wire parameter, name in messages, the target it
/// makes; None for targets the fake does not model).
const TARGETS: [(&str, &str, Option<TargetOf>); 12] = [
    ("GatewayId", "gatewayId", Some(Target::Gateway)),
    (
        "EgressOnlyInternetGatewayId",
        "egressOnlyInternetGatewayId",
        Some(Target::EgressOnlyInternetGateway),
    ),
    ("NatGatewayId", "natGatewayId", Some(Target::NatGateway)),
    ("InstanceId", "instanceId", Some(Target::Instance)),
    (
        "NetworkInterfaceId",
        "networkInterfaceId",
        Some(Target::NetworkInterface),
    ),
    (
        "VpcPeeringConnectionId",
        "vpcPeeringConnectionId",
        Some(Target::VpcPeeringConnection),
    ),
    (
        "TransitGatewayId",
        "transitGatewayId",
        Some(Target::TransitGateway),
    ),
    (
        "CarrierGatewayId",
        "carrierGatewayId",
        Some(Target::CarrierGateway),
    ),
    ("LocalGatewayId", "localGatewayId", None),
    ("VpcEndpointId", "vpcEndpointId", None),
    ("CoreNetworkArn", "coreNetworkArn", None),
    ("OdbNetworkArn", "odbNetworkArn", None),
];

fn parse_target(p: &Params) -> AwsResult<Target> {
    let given: Vec<(&str, Option<TargetOf>, &str)> = TARGETS
        .iter()
        .filter_map(|(param, name, make)| p.value(param).map(|v| (*name, *make, v)))
        .collect();
    match given.as_slice() {
        [] => Err(AwsError::missing_parameter_msg(format!(
            "The request must contain exactly one of the parameters {}",
            TARGETS.map(|t| t.1).join(", ")
        ))),
        [(_, Some(make), v)] => Ok(make((*v).to_owned())),
        [(name, None, _)] => Err(AwsError::unsupported_operation(format!(
            "Routes to a {name} target are not supported by this endpoint."
        ))),
        [first, second, ..] => Err(AwsError::invalid_parameter_combination(format!(
            "The parameter {} cannot be used with the parameter {}",
            second.0, first.0
        ))),
    }
}

/// A target must exist, sit in the table's VPC and suit the destination.
fn check_target(
    zones: &[Zone],
    ec2: &Ec2State,
    rt: &RouteTable,
    destination: &Destination,
    target: &Target,
) -> AwsResult<()> {
    let rtb = rt.route_table_id.as_str();
    let vpc = rt.vpc_id.as_str();
    match target {
        Target::Gateway(id) if id.starts_with("vgw-") => Ok(()),
        Target::Gateway(id) => {
            let igw = ec2
                .internet_gateways
                .get(id)
                .ok_or_else(|| errors::gateway_not_found(id))?;
            if igw.attached_vpc() != Some(vpc) {
                return Err(errors::different_networks(rtb, "network gateway", id));
            }
            Ok(())
        }
        Target::EgressOnlyInternetGateway(id) => {
            let gw = ec2
                .egress_only_internet_gateways
                .get(id)
                .ok_or_else(|| errors::egress_only_gateway_not_found(id))?;
            if gw.vpc_id != vpc {
                return Err(errors::different_networks(rtb, "network gateway", id));
            }
            if let Destination::Ipv4(net) = destination {
                return Err(AwsError::invalid_parameter_combination(format!(
                    "The egress-only internet gateway {id} routes IPv6 traffic only; {net} is an IPv4 destination."
                )));
            }
            Ok(())
        }
        Target::NatGateway(id) => {
            let nat = ec2
                .nat_gateways
                .get(id)
                .ok_or_else(|| errors::nat_gateway_not_found(id))?;
            if !nat.is_routable() {
                return Err(AwsError::invalid_parameter_value(format!(
                    "The NAT gateway {id} is {} and cannot be the target of a route.",
                    nat.state
                )));
            }
            if nat.vpc_id != vpc {
                return Err(errors::different_networks(rtb, "NAT gateway", id));
            }
            if let Destination::Ipv6(net) = destination
                && !nat64_prefix().contains(net)
            {
                return Err(AwsError::invalid_parameter_value(format!(
                    "A NAT gateway can be the target of an IPv6 route only inside the NAT64 prefix 64:ff9b::/96, not {net}."
                )));
            }
            Ok(())
        }
        Target::Instance(id) => {
            let instance = ec2
                .instances
                .get(id)
                .filter(|i| !i.is_terminated())
                .ok_or_else(|| errors::instance_not_found(id))?;
            if instance.vpc_id != vpc {
                return Err(errors::different_networks(rtb, "instance", id));
            }
            Ok(())
        }
        Target::CarrierGateway(id) => carrier_gateways::check_route_target(
            zones,
            ec2,
            rtb,
            vpc,
            id,
            matches!(destination, Destination::Ipv4(_)),
        ),
        _ => Ok(()),
    }
}

fn local_route_error(verb: &str, destination: &Destination, rtb: &str) -> AwsError {
    AwsError::invalid_parameter_value(format!(
        "cannot {verb} local route {} in route table {rtb}",
        destination.text()
    ))
}

pub fn create_route_table(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "route-table")?;
    let vpc_id = p.required("VpcId")?.to_owned();
    let vpc = ctx
        .region
        .ec2
        .vpcs
        .get(&vpc_id)
        .ok_or_else(|| errors::vpc_not_found(&vpc_id))?;
    let v4: Vec<Ipv4Net> = vpc.ipv4_blocks().collect();
    let v6: Vec<Ipv6Net> = vpc.ipv6_blocks().collect();
    let id = ctx.next_id("rtb");
    let mut rt = RouteTable::new(id.clone(), vpc_id, ctx.account().to_owned());
    for b in v4 {
        rt.add_local_route_v4(b);
    }
    for b in v6 {
        rt.add_local_route_v6(b);
    }
    rt.tags = tags;
    let answer = rename(rt.to_xml(), "routeTable");
    ctx.ec2().route_tables.insert(id, rt);
    Ok(vec![answer])
}

/// The filters a DescribeRouteTables answers from an index.
const INDEXED_FILTERS: &[(&str, By)] = &[
    ("vpc-id", By::Vpc),
    ("association.subnet-id", By::Subnet),
    ("association.route-table-association-id", By::Association),
    ("association.gateway-id", By::Association),
    ("route.gateway-id", By::Target),
    ("route.nat-gateway-id", By::Target),
    ("route.egress-only-internet-gateway-id", By::Target),
    ("route.instance-id", By::Target),
];

pub fn describe_route_tables(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let describe = Describe {
        ids: "RouteTableId",
        set: "routeTableSet",
        limits: Limits::new(5, 100),
        ids_set: Some("routeTableIds"),
    };
    let ec2 = ctx.ec2();
    let req = describe.request(p, &ec2.route_tables)?;
    filters::check::<RouteTable>(&req.filters)?;
    let ids: Vec<String> = ec2
        .route_tables
        .candidates(&req.ids, &req.filters, INDEXED_FILTERS)
        .into_iter()
        .map(|rt| rt.route_table_id.clone())
        .collect();
    // Settle what the answer shows before filtering on it (`route.state`).
    refresh_tables(ec2, ids.clone());
    let tables = ids.iter().filter_map(|id| ec2.route_tables.get(id));
    let items = filters::select(tables, &req.filters)?
        .into_iter()
        .map(RouteTable::to_xml)
        .collect();
    describe.answer(p, &req, items)
}

pub fn delete_route_table(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("RouteTableId")?.to_owned();
    let ec2 = ctx.ec2();
    let rt = find(ec2, &id)?;
    if rt.is_main() || !rt.associations.is_empty() {
        return Err(errors::dependency_violation("routeTable", &id));
    }
    ec2.route_tables.remove(&id);
    ec2.forget_endpoint_route_table(&id);
    Ok(vec![Node::text("return", true)])
}

pub fn create_route(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let rtb = p.required("RouteTableId")?.to_owned();
    let destination = parse_destination(p)?;
    let target = parse_target(p)?;
    let zones = &ctx.region.zones;
    let ec2 = &mut ctx.region.ec2;
    let rt = find(ec2, &rtb)?;
    check_target(zones, ec2, rt, &destination, &target)?;
    if rt.routes.iter().any(|r| r.destination == destination) {
        return Err(errors::route_already_exists(&destination.text()));
    }
    ec2.route_tables
        .change(&rtb)
        .expect("checked above")
        .routes
        .push(Route {
            destination,
            target,
            origin: "CreateRoute".to_owned(),
            state: "active".to_owned(),
        });
    refresh_tables(ec2, vec![rtb]);
    Ok(vec![Node::text("return", true)])
}

pub fn replace_route(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let rtb = p.required("RouteTableId")?.to_owned();
    let destination = parse_destination(p)?;
    let target = parse_target(p)?;
    let zones = &ctx.region.zones;
    let ec2 = &mut ctx.region.ec2;
    let rt = find(ec2, &rtb)?;
    let index = rt
        .routes
        .iter()
        .position(|r| r.destination == destination)
        .ok_or_else(|| errors::route_not_found(destination.kind(), &destination.text(), &rtb))?;
    if rt.routes[index].target == Target::Local {
        return Err(local_route_error("replace", &destination, &rtb));
    }
    check_target(zones, ec2, rt, &destination, &target)?;
    let mut rt = ec2.route_tables.change(&rtb).expect("checked above");
    rt.routes[index].target = target;
    drop(rt);
    refresh_tables(ec2, vec![rtb]);
    Ok(vec![Node::text("return", true)])
}

pub fn delete_route(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let rtb = p.required("RouteTableId")?.to_owned();
    let destination = parse_destination(p)?;
    let ec2 = ctx.ec2();
    let rt = find(ec2, &rtb)?;
    let index = rt
        .routes
        .iter()
        .position(|r| r.destination == destination)
        .ok_or_else(|| errors::route_not_found(destination.kind(), &destination.text(), &rtb))?;
    if rt.routes[index].target == Target::Local {
        return Err(local_route_error("remove", &destination, &rtb));
    }
    ec2.route_tables
        .change(&rtb)
        .expect("checked above")
        .routes
        .remove(index);
    Ok(vec![Node::text("return", true)])
}

pub fn associate_route_table(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let rtb = p.required("RouteTableId")?.to_owned();
    let subnet_id = p.value("SubnetId").map(str::to_owned);
    let gateway_id = p.value("GatewayId").map(str::to_owned);
    match (&subnet_id, &gateway_id) {
        (None, None) => {
            return Err(AwsError::missing_parameter_msg(
                "The request must contain the parameter subnetId or gatewayId",
            ));
        }
        (Some(_), Some(_)) => {
            return Err(AwsError::invalid_parameter_combination(
                "The parameter gatewayId cannot be used with the parameter subnetId",
            ));
        }
        _ => {}
    }
    let ec2 = &ctx.region.ec2;
    let rt = find(ec2, &rtb)?;
    if let Some(s) = &subnet_id {
        let subnet = ec2
            .subnets
            .get(s)
            .ok_or_else(|| errors::subnet_not_found(s))?;
        if subnet.vpc_id != rt.vpc_id {
            return Err(errors::different_networks(&rtb, "subnet", s));
        }
        if ec2.route_tables.any(By::Subnet, s) {
            return Err(errors::route_table_association_conflict(&rtb));
        }
    }
    if let Some(g) = &gateway_id {
        if !g.starts_with("vgw-") {
            let igw = ec2
                .internet_gateways
                .get(g)
                .ok_or_else(|| errors::gateway_not_found(g))?;
            if igw.attached_vpc() != Some(rt.vpc_id.as_str()) {
                return Err(errors::different_networks(&rtb, "network gateway", g));
            }
        }
        if ec2.route_tables.any(By::Association, g) {
            return Err(errors::route_table_association_conflict(&rtb));
        }
    }
    let association_id = ctx.next_id("rtbassoc");
    ctx.ec2()
        .route_tables
        .change(&rtb)
        .expect("checked above")
        .associations
        .push(RouteTableAssociation {
            route_table_association_id: association_id.clone(),
            subnet_id,
            gateway_id,
            main: false,
            state: "associated".to_owned(),
        });
    Ok(vec![
        Node::text("associationId", association_id),
        Node::el("associationState").leaf("state", "associated"),
    ])
}

pub fn disassociate_route_table(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("AssociationId")?.to_owned();
    let ec2 = ctx.ec2();
    let (rtb, main) = ec2
        .route_tables
        .find(By::Association, &id)
        .find_map(|t| {
            t.associations
                .iter()
                .find(|a| a.route_table_association_id == id)
                .map(|a| (t.route_table_id.clone(), a.main))
        })
        .ok_or_else(|| errors::route_table_association_not_found(&id))?;
    if main {
        return Err(AwsError::invalid_parameter_value(format!(
            "cannot disassociate the main route table association {id}"
        )));
    }
    ec2.route_tables
        .change(&rtb)
        .expect("found above")
        .associations
        .retain(|a| a.route_table_association_id != id);
    Ok(vec![Node::text("return", true)])
}
