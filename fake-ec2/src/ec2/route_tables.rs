//! Route tables: CreateRouteTable, DescribeRouteTables, DeleteRouteTable,
//! CreateRoute, ReplaceRoute, DeleteRoute, Associate/DisassociateRouteTable.
//!
//! Every table carries a `local` route for each of its VPC's IPv4 and IPv6
//! blocks; associating a new VPC block adds one to every table of the VPC.

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

use super::Ctx;
use super::tags::Tags;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};

/// Where a route sends traffic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    Ipv4(Ipv4Net),
    Ipv6(Ipv6Net),
    PrefixList(String),
}

/// What a route sends traffic to; `gateway_id` covers `local`, IGWs and VGWs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub destination: Destination,
    pub target: Target,
    /// `CreateRouteTable` for local routes, `CreateRoute` otherwise.
    pub origin: String,
    /// `active` or `blackhole` (the target is gone).
    pub state: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteTableAssociation {
    pub route_table_association_id: String,
    pub subnet_id: Option<String>,
    pub gateway_id: Option<String>,
    pub main: bool,
    pub state: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteTable {
    pub route_table_id: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub routes: Vec<Route>,
    pub associations: Vec<RouteTableAssociation>,
    pub tags: Tags,
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

pub fn create_route_table(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("CreateRouteTable"))
}

pub fn describe_route_tables(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DescribeRouteTables"))
}

pub fn delete_route_table(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DeleteRouteTable"))
}

pub fn create_route(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("CreateRoute"))
}

pub fn replace_route(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("ReplaceRoute"))
}

pub fn delete_route(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DeleteRoute"))
}

pub fn associate_route_table(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("AssociateRouteTable"))
}

pub fn disassociate_route_table(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DisassociateRouteTable"))
}
