//! Instance types: a built-in catalog (Nitro and Xen, with and without IPv6,
//! bare metal) and DescribeInstanceTypes with its filters and paging.
//!
//! The catalog is a table of facts as DescribeInstanceTypes reports them on
//! AWS (vCPUs, memory, hypervisor, addresses per interface, interfaces,
//! architectures); seeds may add types or replace one. Bare-metal types run
//! on the Nitro system without a hypervisor, so they have no `hypervisor`
//! element. IPv6 is supported on every current-generation type and, of the
//! previous generation, on C3, R3 and I2 only (AWS's instance-type guide):
//! `c3.large` therefore has IPv6 while `m3.*`, `m1.*`, `c1.*` and `t1.*` do not.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::errors::Ec2Code;
use super::filters::{self, Filterable};
use super::paging::{self, Limits};
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hypervisor {
    Nitro,
    Xen,
}

impl Hypervisor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nitro => "nitro",
            Self::Xen => "xen",
        }
    }
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

    fn to_xml(&self) -> Node {
        Node::el("item")
            .leaf("instanceType", &self.instance_type)
            .leaf("currentGeneration", self.current_generation)
            .leaf("bareMetal", self.bare_metal)
            .opt_leaf("hypervisor", self.hypervisor.map(Hypervisor::as_str))
            .child(Node::el("processorInfo").child(Node::string_set(
                "supportedArchitectures",
                self.architectures.iter(),
            )))
            .child(Node::el("vCpuInfo").leaf("defaultVCpus", self.vcpus))
            .child(Node::el("memoryInfo").leaf("sizeInMiB", self.memory_mib))
            .child(
                Node::el("networkInfo")
                    .leaf("maximumNetworkInterfaces", self.maximum_network_interfaces)
                    .leaf(
                        "ipv4AddressesPerInterface",
                        self.ipv4_addresses_per_interface,
                    )
                    .leaf(
                        "ipv6AddressesPerInterface",
                        self.ipv6_addresses_per_interface,
                    )
                    .leaf("ipv6Supported", self.ipv6_supported),
            )
    }
}

/// How a catalog row runs: on a hypervisor, or bare metal on the Nitro system.
#[derive(Clone, Copy)]
enum Host {
    Nitro,
    Xen,
    Metal,
}

const X86: &[&str] = &["x86_64"];
const ARM: &[&str] = &["arm64"];
/// Older types that also run 32-bit AMIs.
const X86_32: &[&str] = &["i386", "x86_64"];

/// One catalog row: name, host, current generation, vCPUs, memory (MiB),
/// IPv4 and IPv6 addresses per interface (0 IPv6: no IPv6 support),
/// network interfaces, architectures.
type Row = (
    &'static str,
    Host,
    bool,
    u32,
    u64,
    u32,
    u32,
    u32,
    &'static [&'static str],
);

#[rustfmt::skip]
const CATALOG: &[Row] = &[
    // Nitro, IPv6.
    ("t3.micro",    Host::Nitro, true, 2, 1024,   2,  2,  2, X86),
    ("t3.medium",   Host::Nitro, true, 2, 4096,   6,  6,  3, X86),
    ("t3.large",    Host::Nitro, true, 2, 8192,  12, 12,  3, X86),
    ("t3a.medium",  Host::Nitro, true, 2, 4096,   6,  6,  3, X86),
    ("m5.large",    Host::Nitro, true, 2, 8192,  10, 10,  3, X86),
    ("m5.xlarge",   Host::Nitro, true, 4, 16384, 15, 15,  4, X86),
    ("m5.2xlarge",  Host::Nitro, true, 8, 32768, 15, 15,  4, X86),
    ("m6i.large",   Host::Nitro, true, 2, 8192,  10, 10,  3, X86),
    ("m6i.xlarge",  Host::Nitro, true, 4, 16384, 15, 15,  4, X86),
    ("m7i.large",   Host::Nitro, true, 2, 8192,  10, 10,  3, X86),
    ("c5.large",    Host::Nitro, true, 2, 4096,  10, 10,  3, X86),
    ("c5.xlarge",   Host::Nitro, true, 4, 8192,  15, 15,  4, X86),
    ("c6i.large",   Host::Nitro, true, 2, 4096,  10, 10,  3, X86),
    ("r5.large",    Host::Nitro, true, 2, 16384, 10, 10,  3, X86),
    ("m6g.large",   Host::Nitro, true, 2, 8192,  10, 10,  3, ARM),
    ("t4g.medium",  Host::Nitro, true, 2, 4096,   6,  6,  3, ARM),
    ("c7g.large",   Host::Nitro, true, 2, 4096,  10, 10,  3, ARM),
    // Bare metal on the Nitro system, IPv6.
    ("m5.metal",    Host::Metal, true, 96, 393216, 50, 50, 15, X86),
    ("c5.metal",    Host::Metal, true, 96, 196608, 50, 50, 15, X86),
    ("i3.metal",    Host::Metal, true, 72, 524288, 50, 50, 15, X86),
    // Xen, IPv6.
    ("t2.micro",    Host::Xen, true, 1, 1024,   2,  2,  2, X86_32),
    ("t2.medium",   Host::Xen, true, 2, 4096,   6,  6,  3, X86_32),
    ("t2.large",    Host::Xen, true, 2, 8192,  12, 12,  3, X86),
    ("m4.large",    Host::Xen, true, 2, 8192,  10, 10,  2, X86),
    ("m4.xlarge",   Host::Xen, true, 4, 16384, 15, 15,  4, X86),
    ("c4.large",    Host::Xen, true, 2, 3840,  10, 10,  3, X86),
    ("r4.large",    Host::Xen, true, 2, 15616, 10, 10,  3, X86),
    ("i3.large",    Host::Xen, true, 2, 15616, 10, 10,  3, X86),
    // Xen, previous generation: C3 has IPv6, the others have none.
    ("c3.large",    Host::Xen, false, 2, 3840, 10, 10,  3, X86_32),
    ("m3.medium",   Host::Xen, false, 1, 3840,  6,  0,  2, X86_32),
    ("m3.large",    Host::Xen, false, 2, 7680, 10,  0,  3, X86_32),
    ("c1.medium",   Host::Xen, false, 2, 1740,  6,  0,  2, X86_32),
    ("m1.small",    Host::Xen, false, 1, 1740,  4,  0,  2, X86_32),
    ("t1.micro",    Host::Xen, false, 1, 627,   2,  0,  2, X86_32),
];

/// The built-in catalog.
pub fn catalog() -> Vec<InstanceTypeInfo> {
    CATALOG
        .iter()
        .map(
            |&(name, host, current, vcpus, memory, v4, v6, enis, arch)| InstanceTypeInfo {
                instance_type: name.to_owned(),
                hypervisor: match host {
                    Host::Nitro => Some(Hypervisor::Nitro),
                    Host::Xen => Some(Hypervisor::Xen),
                    Host::Metal => None,
                },
                bare_metal: matches!(host, Host::Metal),
                current_generation: current,
                vcpus,
                memory_mib: memory,
                ipv6_supported: v6 > 0,
                ipv4_addresses_per_interface: v4,
                ipv6_addresses_per_interface: v6,
                maximum_network_interfaces: enis,
                architectures: arch.iter().map(|a| (*a).to_owned()).collect(),
            },
        )
        .collect()
}

/// Instance types carry no tags.
static NO_TAGS: BTreeMap<String, String> = BTreeMap::new();

impl Filterable for InstanceTypeInfo {
    const FILTERS: &'static [&'static str] = &[
        "bare-metal",
        "current-generation",
        "hypervisor",
        "instance-type",
        "memory-info.size-in-mib",
        "network-info.ipv4-addresses-per-interface",
        "network-info.ipv6-addresses-per-interface",
        "network-info.ipv6-supported",
        "network-info.maximum-network-interfaces",
        "processor-info.supported-architecture",
        "vcpu-info.default-vcpus",
    ];

    fn filter_values(&self, name: &str) -> Vec<String> {
        match name {
            "bare-metal" => filters::bool_value(self.bare_metal),
            "current-generation" => filters::bool_value(self.current_generation),
            "hypervisor" => filters::opt(self.hypervisor.map(Hypervisor::as_str)),
            "instance-type" => filters::one(&self.instance_type),
            "memory-info.size-in-mib" => filters::one(self.memory_mib),
            "network-info.ipv4-addresses-per-interface" => {
                filters::one(self.ipv4_addresses_per_interface)
            }
            "network-info.ipv6-addresses-per-interface" => {
                filters::one(self.ipv6_addresses_per_interface)
            }
            "network-info.ipv6-supported" => filters::bool_value(self.ipv6_supported),
            "network-info.maximum-network-interfaces" => {
                filters::one(self.maximum_network_interfaces)
            }
            "processor-info.supported-architecture" => self.architectures.clone(),
            "vcpu-info.default-vcpus" => filters::one(self.vcpus),
            _ => Vec::new(),
        }
    }

    fn tags(&self) -> &BTreeMap<String, String> {
        &NO_TAGS
    }
}

pub fn invalid_instance_types(names: &[String]) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidInstanceType,
        format!(
            "The following supplied instance types do not exist: [{}]",
            names.join(", ")
        ),
    )
}

/// DescribeInstanceTypes: `InstanceType.N`, filters, `MaxResults` 5-100.
/// Types are listed by name.
pub fn describe_instance_types(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let names = p.list("InstanceType");
    let filters = p.filters()?;
    let catalog = ctx.region.instance_types.clone();
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| !catalog.iter().any(|t| &t.instance_type == *n))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(invalid_instance_types(&unknown));
    }
    let mut selected: Vec<&InstanceTypeInfo> = filters::select(catalog.iter(), &filters)?
        .into_iter()
        .filter(|t| names.is_empty() || names.contains(&t.instance_type))
        .collect();
    selected.sort_by(|a, b| a.instance_type.cmp(&b.instance_type));
    let items = selected.into_iter().map(InstanceTypeInfo::to_xml).collect();
    let (page, next) = paging::page_named(items, p, Limits::new(5, 100), None)?;
    Ok(paging::with_token(
        vec![Node::set("instanceTypeSet", page)],
        next,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_consistent() {
        let c = catalog();
        let mut names: Vec<&str> = c.iter().map(|t| t.instance_type.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), c.len(), "no duplicate names");
        for t in &c {
            assert_eq!(t.bare_metal, t.hypervisor.is_none(), "{}", t.instance_type);
            assert_eq!(
                t.ipv6_supported,
                t.ipv6_addresses_per_interface > 0,
                "{}",
                t.instance_type
            );
            assert!(t.maximum_network_interfaces >= 2, "{}", t.instance_type);
        }
        let m3 = c.iter().find(|t| t.instance_type == "m3.medium").unwrap();
        assert!(!m3.ipv6_supported && !m3.is_nitro() && !m3.current_generation);
        let metal = c.iter().find(|t| t.instance_type == "m5.metal").unwrap();
        assert!(metal.is_nitro());
    }
}
