//! Egress-only internet gateways: created already attached to their VPC,
//! one per VPC, IPv6 outbound only.
//!
//! - CreateEgressOnlyInternetGateway needs an existing `VpcId`; the gateway is
//!   `attached` at once (there is no Attach call).
//! - "You can attach only one egress-only internet gateway to a VPC at a
//!   time" (AWS docs). The error code is not documented; the fake answers
//!   `Resource.AlreadyAssociated`, the code AWS uses for a second internet
//!   gateway attachment `[I]`.
//! - `ClientToken`: the same token with the same VPC returns the gateway
//!   created first; with another VPC it is `IdempotentParameterMismatch`.
//! - DeleteEgressOnlyInternetGateway answers `<returnCode>` (not `<return>`);
//!   the gateway disappears and routes to it show `blackhole`.
//! - Describe filters: `egress-only-internet-gateway-id` and the tag filters.

use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters;
use super::paging::Limits;
use super::tags::{self, Tags};
use super::{Ec2State, errors, idempotency, route_tables};
use crate::index::{By, Key, Keys, StableKeys};
use crate::protocol::error::AwsResult;
use crate::protocol::xml::rename;
use crate::protocol::{Node, Params};
use crate::region::Ctx;
use crate::registry;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EgressOnlyInternetGateway {
    pub egress_only_internet_gateway_id: String,
    pub vpc_id: String,
    /// `attached` until deleted.
    pub state: String,
    pub client_token: Option<String>,
    pub tags: Tags,
}

crate::registry::resource!(
    EgressOnlyInternetGateway: "eigw", "egress-only-internet-gateway",
    egress_only_internet_gateway_id, Tags,
    |id| errors::egress_only_gateway_not_found(id)
);

/// A gateway is found by its VPC and its client token.
impl Keys for EgressOnlyInternetGateway {
    fn keys(&self, out: &mut Vec<Key>) {
        out.push((By::Vpc, self.vpc_id.clone()));
        out.extend(self.client_token.iter().map(|t| (By::Token, t.clone())));
    }
}

/// Neither changes once the gateway is made.
impl StableKeys for EgressOnlyInternetGateway {}

impl EgressOnlyInternetGateway {
    pub fn is_attached(&self) -> bool {
        self.state == "attached"
    }

    pub fn to_xml(&self) -> Node {
        Node::el("item")
            .child(Node::set(
                "attachmentSet",
                [Node::el("item")
                    .leaf("state", &self.state)
                    .leaf("vpcId", &self.vpc_id)],
            ))
            .leaf(
                "egressOnlyInternetGatewayId",
                &self.egress_only_internet_gateway_id,
            )
            .opt_child(tags::tag_set(&self.tags))
    }
}

filters::filterable!(EgressOnlyInternetGateway, |gw| [(
    "egress-only-internet-gateway-id",
    filters::one(&gw.egress_only_internet_gateway_id)
),]);

fn find<'a>(ec2: &'a Ec2State, id: &str) -> AwsResult<&'a EgressOnlyInternetGateway> {
    registry::find(&ec2.egress_only_internet_gateways, id)
}

fn answer(gw: &EgressOnlyInternetGateway) -> Vec<Node> {
    let mut out = Vec::new();
    if let Some(t) = &gw.client_token {
        out.push(Node::text("clientToken", t));
    }
    out.push(rename(gw.to_xml(), "egressOnlyInternetGateway"));
    out
}

pub fn create_egress_only_internet_gateway(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "egress-only-internet-gateway")?;
    let vpc_id = p.required("VpcId")?.to_owned();
    let token = p.value("ClientToken").map(str::to_owned);
    let ec2 = &ctx.region.ec2;
    if let Some(existing) =
        idempotency::earlier_indexed(&ec2.egress_only_internet_gateways, token.as_deref(), |g| {
            g.vpc_id == vpc_id
        })?
    {
        return Ok(answer(existing));
    }
    if !ec2.vpcs.contains_key(&vpc_id) {
        return Err(errors::vpc_not_found(&vpc_id));
    }
    if let Some(other) = ec2
        .egress_only_internet_gateways
        .find(By::Vpc, &vpc_id)
        .find(|g| g.is_attached())
    {
        return Err(errors::vpc_has_egress_only_gateway(
            &vpc_id,
            &other.egress_only_internet_gateway_id,
        ));
    }
    let id = ctx.next_id("eigw");
    let gw = EgressOnlyInternetGateway {
        egress_only_internet_gateway_id: id.clone(),
        vpc_id,
        state: "attached".to_owned(),
        client_token: token,
        tags,
    };
    let out = answer(&gw);
    let ec2 = ctx.ec2();
    ec2.egress_only_internet_gateways.insert(id, gw);
    Ok(out)
}

const DESCRIBE: Describe = Describe {
    ids: "EgressOnlyInternetGatewayId",
    set: "egressOnlyInternetGatewaySet",
    limits: Limits::new(5, 255),
    ids_set: Some("egressOnlyInternetGatewayIds"),
};

pub fn describe_egress_only_internet_gateways(
    ctx: &mut Ctx<'_>,
    p: &Params,
) -> AwsResult<Vec<Node>> {
    DESCRIBE.run(
        p,
        &ctx.ec2().egress_only_internet_gateways,
        EgressOnlyInternetGateway::to_xml,
    )
}

pub fn delete_egress_only_internet_gateway(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("EgressOnlyInternetGatewayId")?.to_owned();
    let ec2 = ctx.ec2();
    find(ec2, &id)?;
    ec2.egress_only_internet_gateways.remove(&id);
    route_tables::refresh_routes_to(ec2, &id);
    Ok(vec![Node::text("returnCode", true)])
}
