//! Instances: RunInstances, DescribeInstances, TerminateInstances.
//! IPv6 addresses come from the subnet's IPv6 block; an IPv6-only subnet
//! takes only Nitro instance types and gives them no IPv4 address.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::Ctx;
use super::tags::Tags;
use crate::ids::Timestamp;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};

#[derive(Debug, Clone, Serialize)]
pub struct InstanceIpv6Address {
    pub address: Ipv6Addr,
    pub is_primary: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct InstanceNetworkInterface {
    pub network_interface_id: String,
    pub device_index: u32,
    pub subnet_id: String,
    pub vpc_id: String,
    pub private_ip_address: Option<Ipv4Addr>,
    pub ipv6_addresses: Vec<InstanceIpv6Address>,
    pub security_group_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Instance {
    pub instance_id: String,
    pub reservation_id: String,
    pub image_id: String,
    pub instance_type: String,
    /// pending | running | shutting-down | terminated | stopping | stopped
    pub state: String,
    pub subnet_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub network_interfaces: Vec<InstanceNetworkInterface>,
    pub private_dns_name: String,
    pub hostname_type: String,
    pub enable_resource_name_dns_a_record: bool,
    pub enable_resource_name_dns_aaaa_record: bool,
    pub metadata_http_protocol_ipv6: String,
    pub metadata_http_tokens: String,
    pub metadata_http_endpoint: String,
    pub metadata_hop_limit: u32,
    pub key_name: Option<String>,
    pub launch_time: Timestamp,
    pub client_token: Option<String>,
    pub tags: Tags,
    #[serde(skip)]
    pub reads_left: u32,
}

impl Instance {
    /// The primary interface (device index 0).
    pub fn primary_interface(&self) -> Option<&InstanceNetworkInterface> {
        self.network_interfaces.iter().find(|n| n.device_index == 0)
    }

    pub fn private_ip_address(&self) -> Option<Ipv4Addr> {
        self.primary_interface().and_then(|n| n.private_ip_address)
    }

    /// The primary IPv6 address (`EnablePrimaryIpv6`), needed for IPv6 target groups.
    pub fn primary_ipv6(&self) -> Option<Ipv6Addr> {
        self.primary_interface()?
            .ipv6_addresses
            .iter()
            .find(|a| a.is_primary)
            .map(|a| a.address)
    }

    pub fn is_terminated(&self) -> bool {
        self.state == "terminated"
    }
}

pub fn run_instances(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("RunInstances"))
}

pub fn describe_instances(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DescribeInstances"))
}

pub fn terminate_instances(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("TerminateInstances"))
}
