//! Carrier gateways: a VPC's way out through a telecom carrier's network
//! from its Wavelength Zone subnets, the gateway CAPA routes a Wavelength
//! public subnet's `0.0.0.0/0` to (in place of the internet gateway).
//!
//! - CreateCarrierGateway needs an existing `VpcId`; the gateway is
//!   `available` at once. One per VPC (Wavelength's quota); a second is
//!   `Resource.AlreadyAssociated`, the code a second egress-only gateway
//!   gets `[I]`.
//! - `ClientToken`: the same token with the same VPC returns the gateway
//!   made first; with another VPC it is `IdempotentParameterMismatch`.
//! - CreateRoute to a carrier gateway needs a Wavelength Zone subnet in the
//!   table's VPC (the CreateRoute reference: "You can only use this option
//!   when the VPC contains a subnet which is associated with a Wavelength
//!   Zone"), and an IPv4 destination: the carrier network is IPv4 only.
//! - DeleteCarrierGateway answers the gateway in state `deleting`; it is
//!   gone from Describe after, and routes to it show `blackhole`. DeleteVpc
//!   with a carrier gateway is `DependencyViolation`.
//! - Describe filters: `carrier-gateway-id`, `state`, `vpc-id`, `owner-id`
//!   and the tag filters.

use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters;
use super::paging::Limits;
use super::tags::{self, Tags};
use super::zones::{self, Zone, ZoneType};
use super::{Ec2State, errors, idempotency, route_tables};
use crate::index::{By, Key, Keys, StableKeys};
use crate::protocol::error::AwsResult;
use crate::protocol::xml::rename;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;
use crate::registry;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CarrierGateway {
    pub carrier_gateway_id: String,
    pub vpc_id: String,
    pub owner_id: String,
    /// `available` until deleted.
    pub state: String,
    pub client_token: Option<String>,
    pub tags: Tags,
}

crate::registry::resource!(
    CarrierGateway: "cagw", "carrier-gateway", carrier_gateway_id, Tags,
    |id| not_found(id)
);

/// A gateway is found by its VPC and its client token.
impl Keys for CarrierGateway {
    fn keys(&self, out: &mut Vec<Key>) {
        out.push((By::Vpc, self.vpc_id.clone()));
        out.extend(self.client_token.iter().map(|t| (By::Token, t.clone())));
    }
}

/// Neither changes once the gateway is made.
impl StableKeys for CarrierGateway {}

fn not_found(id: &str) -> AwsError {
    AwsError::coded(
        errors::Ec2Code::InvalidCarrierGatewayIdNotFound,
        format!("The carrierGateway ID '{id}' does not exist"),
    )
}

impl CarrierGateway {
    pub fn to_xml(&self) -> Node {
        Node::el("item")
            .leaf("carrierGatewayId", &self.carrier_gateway_id)
            .leaf("vpcId", &self.vpc_id)
            .leaf("state", &self.state)
            .leaf("ownerId", &self.owner_id)
            .opt_child(tags::tag_set(&self.tags))
    }
}

filters::filterable!(CarrierGateway, |gw| [
    ("carrier-gateway-id", filters::one(&gw.carrier_gateway_id)),
    ("state", filters::one(&gw.state)),
    ("vpc-id", filters::one(&gw.vpc_id)),
    ("owner-id", filters::one(&gw.owner_id)),
]);

/// Whether routes may send traffic to the gateway.
/// A stored gateway is always `available` (deletion removes it at once).
pub fn is_routable(ec2: &Ec2State, id: &str) -> bool {
    ec2.carrier_gateways.contains_key(id)
}

/// CreateRoute / ReplaceRoute to a carrier gateway: it exists, sits in the
/// table's VPC, which has a Wavelength Zone subnet, and the destination is
/// IPv4.
pub fn check_route_target(
    zones: &[Zone],
    ec2: &Ec2State,
    route_table: &str,
    vpc: &str,
    id: &str,
    ipv4_destination: bool,
) -> AwsResult<()> {
    let gw = registry::find(&ec2.carrier_gateways, id)?;
    if gw.vpc_id != vpc {
        return Err(errors::different_networks(
            route_table,
            "carrier gateway",
            id,
        ));
    }
    let wavelength = ec2
        .subnets
        .in_vpc(vpc)
        .any(|s| zones::zone_type(zones, &s.availability_zone) == Some(ZoneType::WavelengthZone));
    if !wavelength {
        return Err(AwsError::invalid_parameter_value(format!(
            "The carrier gateway {id} can only be a route target when the VPC {vpc} contains a subnet in a Wavelength Zone."
        )));
    }
    if !ipv4_destination {
        return Err(AwsError::invalid_parameter_combination(format!(
            "The carrier gateway {id} routes IPv4 traffic only; use an IPv4 destination."
        )));
    }
    Ok(())
}

fn answer(gw: &CarrierGateway) -> Vec<Node> {
    vec![rename(gw.to_xml(), "carrierGateway")]
}

pub fn create_carrier_gateway(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "carrier-gateway")?;
    let vpc_id = p.required("VpcId")?.to_owned();
    let token = p.value("ClientToken").map(str::to_owned);
    let ec2 = &ctx.region.ec2;
    if let Some(existing) =
        idempotency::earlier_indexed(&ec2.carrier_gateways, token.as_deref(), |g| {
            g.vpc_id == vpc_id
        })?
    {
        return Ok(answer(existing));
    }
    if !ec2.vpcs.contains_key(&vpc_id) {
        return Err(errors::vpc_not_found(&vpc_id));
    }
    if let Some(other) = ec2.carrier_gateways.first(By::Vpc, &vpc_id) {
        return Err(AwsError::coded(
            errors::Ec2Code::ResourceAlreadyAssociated,
            format!(
                "Network {vpc_id} already has a carrier gateway: {}",
                other.carrier_gateway_id
            ),
        ));
    }
    let id = ctx.next_id("cagw");
    let gw = CarrierGateway {
        carrier_gateway_id: id.clone(),
        vpc_id,
        owner_id: ctx.region.account.clone(),
        state: "available".to_owned(),
        client_token: token,
        tags,
    };
    let out = answer(&gw);
    let ec2 = ctx.ec2();
    ec2.carrier_gateways.insert(id, gw);
    Ok(out)
}

const DESCRIBE: Describe = Describe {
    ids: "CarrierGatewayId",
    set: "carrierGatewaySet",
    limits: Limits::new(5, 1000),
    ids_set: None,
};

pub fn describe_carrier_gateways(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    DESCRIBE.run(p, &ctx.ec2().carrier_gateways, CarrierGateway::to_xml)
}

pub fn delete_carrier_gateway(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("CarrierGatewayId")?.to_owned();
    let ec2 = ctx.ec2();
    let mut gw = registry::find(&ec2.carrier_gateways, &id)?.clone();
    ec2.carrier_gateways.remove(&id);
    route_tables::refresh_routes_to(ec2, &id);
    gw.state = "deleting".to_owned();
    Ok(answer(&gw))
}
