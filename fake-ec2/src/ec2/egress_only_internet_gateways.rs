//! Egress-only internet gateways: created already attached to their VPC,
//! one per VPC, IPv6 outbound only.

use serde::Serialize;

use super::Ctx;
use super::tags::Tags;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};

#[derive(Debug, Clone, Serialize)]
pub struct EgressOnlyInternetGateway {
    pub egress_only_internet_gateway_id: String,
    pub vpc_id: String,
    /// `attached` until deleted.
    pub state: String,
    pub client_token: Option<String>,
    pub tags: Tags,
}

impl EgressOnlyInternetGateway {
    pub fn is_attached(&self) -> bool {
        self.state == "attached"
    }
}

pub fn create_egress_only_internet_gateway(
    _ctx: &mut Ctx<'_>,
    _p: &Params,
) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("CreateEgressOnlyInternetGateway"))
}

pub fn describe_egress_only_internet_gateways(
    _ctx: &mut Ctx<'_>,
    _p: &Params,
) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action(
        "DescribeEgressOnlyInternetGateways",
    ))
}

pub fn delete_egress_only_internet_gateway(
    _ctx: &mut Ctx<'_>,
    _p: &Params,
) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DeleteEgressOnlyInternetGateway"))
}
