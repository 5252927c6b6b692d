//! What the provisioner learned from AWS before validating and planning:
//! zones, instance types, a bring-your-own VPC and its subnets, and whether
//! the cluster already exists. Pure data, gathered by [`crate::discover`];
//! validation and planning read it and never call AWS themselves. An empty
//! `Facts` means "nothing known", and the rules that need facts stay silent.

use std::collections::BTreeMap;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneType {
    AvailabilityZone,
    LocalZone,
    WavelengthZone,
}

impl ZoneType {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "availability-zone" => Self::AvailabilityZone,
            "local-zone" => Self::LocalZone,
            "wavelength-zone" => Self::WavelengthZone,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::AvailabilityZone => "availability-zone",
            Self::LocalZone => "local-zone",
            Self::WavelengthZone => "wavelength-zone",
        }
    }

    pub fn is_edge(self) -> bool {
        self != Self::AvailabilityZone
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZoneFact {
    pub name: String,
    pub zone_type: ZoneType,
    pub parent_zone_name: Option<String>,
    /// Standard AZs need no opt-in; Local and Wavelength zones do.
    pub opt_in_required: bool,
    pub opted_in: bool,
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InstanceTypeFact {
    pub ipv6_supported: bool,
    /// Built on the Nitro system (Nitro hypervisor or bare metal).
    pub nitro: bool,
    pub hypervisor: Option<String>,
    /// `ProcessorInfo.SupportedArchitectures`, in AWS's order.
    pub architectures: Vec<String>,
    /// The region's zones that offer it (DescribeInstanceTypeOfferings);
    /// `None` when the endpoint does not say.
    pub zones: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcFact {
    pub vpc_id: String,
    pub cidr_blocks: Vec<Ipv4Net>,
    /// IPv6 blocks in state `associated`.
    pub ipv6_cidr_blocks: Vec<Ipv6Net>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubnetFact {
    pub subnet_id: String,
    pub vpc_id: String,
    pub availability_zone: String,
    pub cidr_block: Option<Ipv4Net>,
    pub ipv6_cidr_block: Option<Ipv6Net>,
    pub ipv6_native: bool,
    pub enable_dns64: bool,
    pub map_public_ip_on_launch: bool,
    /// Its route table (explicit association, else the VPC's main table)
    /// has a route to an internet gateway.
    pub public: bool,
    /// Its route table has `64:ff9b::/96` to a NAT gateway.
    pub nat64_route: bool,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EgressOnlyGatewayFact {
    pub id: String,
    /// The VPC it is attached to, if any.
    pub vpc_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// The region's zones (all, including ones not opted into). Empty: unknown.
    pub zones: Vec<ZoneFact>,
    /// Instance types asked about; `None` for a type AWS does not know.
    pub instance_types: BTreeMap<String, Option<InstanceTypeFact>>,
    /// The bring-your-own VPC, when `vpc.id` is set and it exists.
    pub byo_vpc: Option<VpcFact>,
    /// Whether the BYO VPC was looked up (so "absent" means "not found").
    pub byo_vpc_checked: bool,
    /// Subnets of the BYO VPC referenced by the spec, by id.
    pub byo_subnets: BTreeMap<String, SubnetFact>,
    pub byo_egress_only_gateway: Option<EgressOnlyGatewayFact>,
    /// The cluster's own VPC found by its tags (it was created before), or
    /// given by id and carrying the cluster's owned tag.
    pub existing_cluster_vpc: Option<VpcFact>,
    /// `vpc.id` names a VPC with the cluster's owned tag: CAPA manages it
    /// (`VPCSpec.IsUnmanaged` is false), so the plan does too.
    pub given_vpc_owned: bool,
    /// VPCs named like the cluster's that stop CAPA's reconcile.
    pub vpc_name_clash: Option<VpcNameClash>,
    /// The existing cluster's API load balancer (read once the cluster exists).
    pub existing_load_balancer: Option<LoadBalancerFact>,
    /// IPv6 blocks the cluster's existing subnets hold, by Name tag: an
    /// auto-assigned block stays with its subnet when the list changes.
    pub existing_subnet_ipv6: BTreeMap<String, Ipv6Net>,
    /// For an EKS cluster with a version: the versions DescribeAddonVersions
    /// lists for each of the spec's add-ons on that Kubernetes version (an
    /// add-on EKS does not know has none).
    pub eks_addon_versions: BTreeMap<String, Vec<String>>,
    /// The key pairs the machines launch with (DescribeKeyPairs): name ->
    /// whether the region has it. Empty: not looked up.
    pub key_pairs: BTreeMap<String, bool>,
    /// The images CAPA's default lookups find for the machines without an
    /// `ami.id`, by instance type (`bastion` for the bastion's).
    pub images: BTreeMap<String, ImageFact>,
}

/// One image lookup and what it found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageFact {
    /// What DescribeImages was asked (see [`crate::images`]).
    pub lookup: String,
    pub image_id: Option<String>,
}

/// An existing API load balancer: the fields CAPA keeps immutable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadBalancerFact {
    pub name: String,
    pub scheme: Option<String>,
    pub target_group: Option<TargetGroupFact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetGroupFact {
    pub name: String,
    pub ip_address_type: Option<String>,
    pub health_check_protocol: Option<String>,
}

/// What CAPA's `describeVPCByName` finds that it cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VpcNameClash {
    /// One VPC with the cluster's VPC name and without its owned tag.
    Untagged(String),
    /// Several VPCs with the cluster's VPC name.
    Several(Vec<String>),
}

impl Facts {
    pub fn zone(&self, name: &str) -> Option<&ZoneFact> {
        self.zones.iter().find(|z| z.name == name)
    }

    /// Zones CAPA's default layout may use: available standard AZs that need
    /// no opt-in, sorted by name.
    pub fn default_layout_zones(&self) -> Vec<&ZoneFact> {
        let mut zones: Vec<&ZoneFact> = self
            .zones
            .iter()
            .filter(|z| z.available && !z.opt_in_required && !z.zone_type.is_edge())
            .collect();
        zones.sort_by(|a, b| a.name.cmp(&b.name));
        zones
    }
}
