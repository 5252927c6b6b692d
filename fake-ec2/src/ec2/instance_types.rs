//! Instance types: a built-in catalog (Nitro and Xen, with and without IPv6,
//! bare metal) and DescribeInstanceTypes with its filters and paging.

use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hypervisor {
    Nitro,
    Xen,
}

/// One instance type, with the fields the IPv6 rules depend on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceTypeInfo {
    pub instance_type: String,
    /// None for bare metal (which runs on the Nitro system without a hypervisor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hypervisor: Option<Hypervisor>,
    #[serde(default)]
    pub bare_metal: bool,
    #[serde(default = "yes")]
    pub current_generation: bool,
    pub vcpus: u32,
    pub memory_mib: u64,
    pub ipv6_supported: bool,
    pub ipv4_addresses_per_interface: u32,
    pub ipv6_addresses_per_interface: u32,
    pub maximum_network_interfaces: u32,
    #[serde(default = "x86_64")]
    pub architectures: Vec<String>,
}

fn yes() -> bool {
    true
}

fn x86_64() -> Vec<String> {
    vec!["x86_64".to_owned()]
}

impl InstanceTypeInfo {
    /// Built on the Nitro system: a Nitro hypervisor or bare metal.
    pub fn is_nitro(&self) -> bool {
        self.hypervisor == Some(Hypervisor::Nitro) || self.bare_metal
    }
}

/// The built-in catalog.
pub fn catalog() -> Vec<InstanceTypeInfo> {
    Vec::new()
}

pub fn describe_instance_types(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DescribeInstanceTypes"))
}
