//! Elastic IP addresses: AllocateAddress, DescribeAddresses, ReleaseAddress.
//! Public addresses come from a deterministic per-region range.

use std::net::Ipv4Addr;

use serde::Serialize;

use super::Ctx;
use super::tags::Tags;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};

#[derive(Debug, Clone, Serialize)]
pub struct Address {
    pub allocation_id: String,
    pub public_ip: Ipv4Addr,
    pub domain: String,
    pub network_border_group: String,
    pub public_ipv4_pool: String,
    pub association_id: Option<String>,
    pub network_interface_id: Option<String>,
    pub private_ip_address: Option<Ipv4Addr>,
    pub instance_id: Option<String>,
    /// The NAT gateway holding this address, if any.
    pub nat_gateway_id: Option<String>,
    pub tags: Tags,
}

pub fn allocate_address(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("AllocateAddress"))
}

pub fn describe_addresses(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DescribeAddresses"))
}

pub fn release_address(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("ReleaseAddress"))
}
