//! NAT gateways: CreateNatGateway, DescribeNatGateways, DeleteNatGateway.
//! A public NAT gateway needs an Elastic IP and a subnet with IPv4; it goes
//! pending -> available, and deleting -> deleted.

use std::net::Ipv4Addr;

use serde::Serialize;

use super::Ctx;
use super::tags::Tags;
use crate::ids::Timestamp;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};

#[derive(Debug, Clone, Serialize)]
pub struct NatGateway {
    pub nat_gateway_id: String,
    pub subnet_id: String,
    pub vpc_id: String,
    /// pending | failed | available | deleting | deleted
    pub state: String,
    /// public | private
    pub connectivity_type: String,
    pub allocation_id: Option<String>,
    pub network_interface_id: String,
    pub private_ip: Ipv4Addr,
    pub public_ip: Option<Ipv4Addr>,
    pub create_time: Timestamp,
    pub delete_time: Option<Timestamp>,
    pub failure_code: Option<String>,
    pub failure_message: Option<String>,
    pub client_token: Option<String>,
    pub tags: Tags,
    #[serde(skip)]
    pub reads_left: u32,
}

impl NatGateway {
    /// Counts against quotas and blocks deletes of its subnet and VPC.
    pub fn is_live(&self) -> bool {
        !matches!(self.state.as_str(), "deleted" | "failed")
    }
}

pub fn create_nat_gateway(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("CreateNatGateway"))
}

pub fn describe_nat_gateways(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DescribeNatGateways"))
}

pub fn delete_nat_gateway(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DeleteNatGateway"))
}
