//! The subnets a cluster ends up with: the ones its spec lists (with
//! auto-assigned IPv6 blocks), CAPA's default layout when a managed VPC
//! lists none, or the existing subnets a bring-your-own VPC names.
//!
//! Default layout (CAPA `network/subnets.go`, PreferPrivate), N zones:
//! IPv4 splits the VPC block into N+1 (rounded up to a power of two) and
//! splits the first piece again into N public subnets, the next N pieces
//! being the private ones. IPv6 /64 slots of the VPC block `B`: private
//! `B+2..B+N+1`, public `B+N+2..B+2N+1` (`B+1` is never used). PreferPublic
//! swaps the roles. With IPv6 every default subnet is dualstack.

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

use crate::cidr;
use crate::facts::{Facts, ZoneType};
use crate::finding::Finding;
use crate::model::{ClusterModel, CpLb, Family, subnet_family};
use crate::spec::types::{LoadBalancerSpec, Tags};
use std::collections::BTreeSet;

use crate::model::{Machines, TgIpType};
use crate::rule::Rule;

/// Where a subnet's IPv6 /64 comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ipv6Block {
    /// The k-th /64 of the VPC's IPv6 block (`B+k`), known once the VPC is.
    Slot(u128),
    /// A block given in the spec or found on an existing subnet.
    Cidr(Ipv6Net),
}

impl Ipv6Block {
    /// The concrete block, given the VPC's IPv6 block.
    pub fn resolve(self, vpc_block: Option<Ipv6Net>) -> Option<Ipv6Net> {
        match self {
            Ipv6Block::Cidr(n) => Some(n),
            Ipv6Block::Slot(k) => vpc_block.and_then(|b| cidr::ipv6_slot(b, k)),
        }
    }
}

impl std::fmt::Display for Ipv6Block {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ipv6Block::Slot(k) => write!(f, "B+{k} (the {k}th /64 of the VPC block)"),
            Ipv6Block::Cidr(n) => write!(f, "{n}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaidOutSubnet {
    /// The spec `id` (a placeholder name for managed subnets, a subnet id or
    /// Name tag for BYO ones), or the generated name of a default subnet.
    pub key: String,
    /// Index in `spec.network.subnets`, for field paths.
    pub spec_index: Option<usize>,
    /// The AWS subnet id of an existing (BYO) subnet.
    pub resource_id: Option<String>,
    pub availability_zone: Option<String>,
    pub zone_type: ZoneType,
    pub parent_zone_name: Option<String>,
    pub public: bool,
    pub family: Family,
    pub cidr_block: Option<Ipv4Net>,
    pub ipv6: Option<Ipv6Block>,
    /// The spec's `cidrBlock` / `ipv6CidrBlock` when they do not parse: sent
    /// as written, so AWS judges them when validation is off.
    pub cidr_text: Option<String>,
    pub ipv6_text: Option<String>,
    /// Created and owned by the cluster (false for BYO subnets).
    pub managed: bool,
    pub tags: Tags,
    /// BYO only: DNS64 on, and a `64:ff9b::/96` route to a NAT gateway.
    pub dns64: bool,
    pub nat64_route: bool,
}

impl LaidOutSubnet {
    pub fn is_edge(&self) -> bool {
        self.zone_type.is_edge()
    }

    /// The field path of this subnet in the infrastructure object.
    pub fn path(&self, field: &str) -> String {
        match self.spec_index {
            Some(i) if field.is_empty() => format!("spec.network.subnets[{i}]"),
            Some(i) => format!("spec.network.subnets[{i}].{field}"),
            None => "spec.network.subnets".to_owned(),
        }
    }
}

/// The cluster's subnets, and problems found while laying them out.
/// When the cluster's VPC exists (`facts.existing_cluster_vpc`), its blocks
/// are used: the IPv4 block for the default layout (an IPAM pool picks it),
/// the IPv6 block so auto-assignment skips slots that explicit blocks use.
pub fn subnets(model: &ClusterModel, facts: &Facts) -> (Vec<LaidOutSubnet>, Vec<Finding>) {
    let existing = facts.existing_cluster_vpc.as_ref();
    let vpc_ipv6_block = existing.and_then(|v| v.ipv6_cidr_blocks.first().copied());
    let vpc_ipv4_block = existing.and_then(|v| v.cidr_blocks.first().copied());
    let mut findings = Vec::new();
    let out = if model.byo_vpc().is_some() {
        byo(model, facts)
    } else if model.network.subnets.is_empty() {
        match default_layout(model, facts, vpc_ipv4_block) {
            Ok(s) => s,
            Err(message) => {
                findings.push(infra_finding(
                    model,
                    Rule::SubnetDefaultLayout,
                    "spec.network.vpc",
                    message,
                ));
                Vec::new()
            }
        }
    } else {
        let mut s = from_spec(model, facts);
        keep_existing_ipv6(facts, &mut s);
        if let Err(message) = auto_assign_ipv6(model, &mut s, vpc_ipv6_block) {
            findings.push(infra_finding(
                model,
                Rule::SubnetIpv6AutoAssign,
                "spec.network.subnets",
                message,
            ));
        }
        s
    };
    (out, findings)
}

fn zone_info(
    facts: &Facts,
    az: Option<&str>,
    spec_type: Option<&str>,
) -> (ZoneType, Option<String>) {
    if let Some(z) = az.and_then(|a| facts.zone(a)) {
        return (z.zone_type, z.parent_zone_name.clone());
    }
    (
        spec_type
            .and_then(ZoneType::parse)
            .unwrap_or(ZoneType::AvailabilityZone),
        None,
    )
}

fn from_spec(model: &ClusterModel, facts: &Facts) -> Vec<LaidOutSubnet> {
    model
        .network
        .subnets
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let family = subnet_family(s);
            let (zone_type, parent) = zone_info(
                facts,
                s.availability_zone.as_deref(),
                s.zone_type.as_deref(),
            );
            LaidOutSubnet {
                key: s.id.clone(),
                spec_index: Some(i),
                resource_id: s.resource_id.clone().filter(|r| !r.is_empty()),
                availability_zone: s.availability_zone.clone(),
                zone_type,
                parent_zone_name: parent.or_else(|| s.parent_zone_name.clone()),
                public: s.is_public,
                family,
                cidr_block: s.cidr_block.as_deref().and_then(cidr::parse_v4),
                cidr_text: s
                    .cidr_block
                    .clone()
                    .filter(|t| !t.is_empty() && cidr::parse_v4(t).is_none()),
                ipv6_text: s
                    .ipv6_cidr_block
                    .clone()
                    .filter(|t| s.is_ipv6 && !t.is_empty() && cidr::parse_v6(t).is_none()),
                ipv6: if s.is_ipv6 {
                    s.ipv6_cidr_block
                        .as_deref()
                        .and_then(cidr::parse_v6)
                        .map(Ipv6Block::Cidr)
                } else {
                    None
                },
                managed: true,
                tags: s.tags.clone(),
                dns64: false,
                nat64_route: false,
            }
        })
        .collect()
}

/// A subnet that exists already keeps the block it was given, whatever its
/// place in the list now (CAPA writes assigned blocks back into the spec).
fn keep_existing_ipv6(facts: &Facts, subnets: &mut [LaidOutSubnet]) {
    for s in subnets
        .iter_mut()
        .filter(|s| s.family.has_ipv6() && s.ipv6.is_none())
    {
        let name = s.tags.get("Name").unwrap_or(&s.key);
        if let Some(block) = facts.existing_subnet_ipv6.get(name) {
            s.ipv6 = Some(Ipv6Block::Cidr(*block));
        }
    }
}

/// Gives every IPv6 subnet without a block the next free /64 slot, in list
/// order (CAPA: slots 1..=M, skipping the ones the spec already uses).
fn auto_assign_ipv6(
    model: &ClusterModel,
    subnets: &mut [LaidOutSubnet],
    vpc_ipv6_block: Option<Ipv6Net>,
) -> Result<(), String> {
    if !model.ipv6() {
        return Ok(());
    }
    let explicit_blocks: Vec<Ipv6Net> = subnets
        .iter()
        .filter_map(|s| match s.ipv6 {
            Some(Ipv6Block::Cidr(n)) => Some(n),
            _ => None,
        })
        .collect();
    let known_vpc_block = vpc_ipv6_block.or_else(|| {
        model
            .network
            .vpc
            .ipv6
            .as_ref()
            .and_then(|v| v.cidr_block.as_deref())
            .and_then(cidr::parse_v6)
    });
    // Edge-zone subnets get a slot too: validation refuses IPv6 there, and
    // with validation off AWS gives its own verdict on the block.
    let wanted = subnets
        .iter()
        .filter(|s| s.family.has_ipv6() && s.ipv6.is_none() && s.ipv6_text.is_none())
        .count();
    let mut next: u128 = 1;
    for (assigned, s) in subnets
        .iter_mut()
        .filter(|s| s.family.has_ipv6() && s.ipv6.is_none() && s.ipv6_text.is_none())
        .enumerate()
    {
        // Skip slots the spec uses explicitly (comparing blocks, not text).
        while let Some(vpc) = known_vpc_block {
            let taken = cidr::ipv6_slot(vpc, next)
                .is_some_and(|slot| explicit_blocks.iter().any(|e| cidr::overlaps_v6(e, &slot)));
            if !taken {
                break;
            }
            next += 1;
        }
        if known_vpc_block.is_some_and(|b| cidr::ipv6_slot(b, next).is_none()) {
            return Err(format!(
                "failed to assign IPv6 CIDRs to all subnets: assigned {assigned} \
                    out of {wanted}; the VPC IPv6 block has no free /64 left"
            ));
        }
        s.ipv6 = Some(Ipv6Block::Slot(next));
        next += 1;
    }
    Ok(())
}

fn default_layout(
    model: &ClusterModel,
    facts: &Facts,
    vpc_ipv4_block: Option<Ipv4Net>,
) -> Result<Vec<LaidOutSubnet>, String> {
    let vpc_cidr = match vpc_ipv4_block {
        Some(b) => b,
        None => {
            let text = model
                .network
                .vpc
                .cidr_block
                .clone()
                .unwrap_or_else(|| "10.0.0.0/16".to_owned());
            cidr::parse_v4(&text)
                .ok_or_else(|| format!("VPC CIDR block '{text}' is invalid"))?
                .trunc()
        }
    };
    let mut zones: Vec<String> = facts
        .default_layout_zones()
        .into_iter()
        .map(|z| z.name.clone())
        .collect();
    if zones.is_empty() {
        return Err(format!(
            "no available zones to lay subnets out in (region {}); list \
                spec.network.subnets explicitly",
            model.region.as_deref().unwrap_or("?")
        ));
    }
    let limit = model.availability_zone_usage_limit().max(1);
    if zones.len() > limit {
        // Ordered (and, deterministically, Random too): the first N after sorting.
        zones.truncate(limit);
    }
    let n = zones.len();
    let blocks = cidr::split_ipv4(vpc_cidr, n + 1)?;
    let small = cidr::split_ipv4(blocks[0], n)?;
    let large = &blocks[1..=n];
    let prefer_public = model.network.vpc.subnet_schema.as_deref() == Some("PreferPublic");
    let (public_v4, private_v4): (Vec<Ipv4Net>, Vec<Ipv4Net>) = if prefer_public {
        (large.to_vec(), small)
    } else {
        (small, large.to_vec())
    };
    // IPv6 slots: ip6 = 1..=n+1; one role takes 2..=n+1, the other splits n+1 further.
    let v6_large: Vec<u128> = (2..=(n as u128 + 1)).collect();
    let v6_small: Vec<u128> = ((n as u128 + 2)..=(2 * n as u128 + 1)).collect();
    let (public_v6, private_v6) = if prefer_public {
        (v6_large, v6_small)
    } else {
        (v6_small, v6_large)
    };
    let ipv6 = model.ipv6();
    let mut out = Vec::with_capacity(2 * n);
    for (i, az) in zones.iter().enumerate() {
        for public in [true, false] {
            let role = if public { "public" } else { "private" };
            out.push(LaidOutSubnet {
                key: format!("{}-subnet-{role}-{az}", model.name),
                spec_index: None,
                resource_id: None,
                availability_zone: Some(az.clone()),
                zone_type: ZoneType::AvailabilityZone,
                parent_zone_name: None,
                public,
                family: if ipv6 {
                    Family::Dualstack
                } else {
                    Family::Ipv4
                },
                cidr_block: Some(if public { public_v4[i] } else { private_v4[i] }),
                cidr_text: None,
                ipv6_text: None,
                ipv6: ipv6
                    .then(|| Ipv6Block::Slot(if public { public_v6[i] } else { private_v6[i] })),
                managed: true,
                tags: Tags::new(),
                dns64: false,
                nat64_route: false,
            });
        }
    }
    Ok(out)
}

/// Subnets of a bring-your-own VPC: each spec entry names an existing subnet
/// by id (or by its Name tag); its family and addresses are AWS's.
fn byo(model: &ClusterModel, facts: &Facts) -> Vec<LaidOutSubnet> {
    model
        .network
        .subnets
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let fact = facts.byo_subnets.get(&s.id);
            let az = fact
                .map(|f| f.availability_zone.clone())
                .or_else(|| s.availability_zone.clone());
            let (zone_type, parent) = zone_info(facts, az.as_deref(), s.zone_type.as_deref());
            let (family, cidr_block, ipv6) = match fact {
                Some(f) => (
                    match (f.cidr_block.is_some(), f.ipv6_cidr_block.is_some()) {
                        (true, true) => Family::Dualstack,
                        (false, true) => Family::Ipv6Only,
                        _ => Family::Ipv4,
                    },
                    f.cidr_block,
                    f.ipv6_cidr_block.map(Ipv6Block::Cidr),
                ),
                None => (
                    subnet_family(s),
                    s.cidr_block.as_deref().and_then(cidr::parse_v4),
                    s.ipv6_cidr_block
                        .as_deref()
                        .and_then(cidr::parse_v6)
                        .map(Ipv6Block::Cidr),
                ),
            };
            let public = fact.map_or(s.is_public, |f| {
                f.public
                    || f.tags
                        .get("sigs.k8s.io/cluster-api-provider-aws/role")
                        .map(String::as_str)
                        == Some("public")
            });
            LaidOutSubnet {
                key: s.id.clone(),
                spec_index: Some(i),
                resource_id: fact.map(|f| f.subnet_id.clone()),
                availability_zone: az,
                zone_type,
                parent_zone_name: parent,
                public,
                family,
                cidr_block,
                ipv6,
                cidr_text: None,
                ipv6_text: None,
                managed: false,
                tags: s.tags.clone(),
                dns64: fact.is_some_and(|f| f.enable_dns64),
                nat64_route: fact.is_some_and(|f| f.nat64_route),
            }
        })
        .collect()
}

/// The subnets the primary API load balancer goes in (see [`cp_lb_subnets`]).
pub fn lb_subnets<'a>(
    model: &ClusterModel,
    subnets: &'a [LaidOutSubnet],
) -> Vec<&'a LaidOutSubnet> {
    model
        .primary_lb()
        .map(|lb| cp_lb_subnets(lb, subnets))
        .unwrap_or_default()
}

/// The subnets a control-plane load balancer goes in (CAPA: the spec's
/// list, else public subnets for internet-facing and private ones for
/// internal; edge zones excluded; one per zone).
pub fn cp_lb_subnets<'a>(lb: CpLb<'_>, subnets: &'a [LaidOutSubnet]) -> Vec<&'a LaidOutSubnet> {
    let internal = lb.scheme() == "internal";
    let lb = lb.spec;
    let chosen: Vec<&LaidOutSubnet> = if lb.subnets.is_empty() {
        let private: Vec<&LaidOutSubnet> = subnets
            .iter()
            .filter(|s| !s.public && !s.is_edge())
            .collect();
        if internal && !private.is_empty() {
            private
        } else {
            subnets
                .iter()
                .filter(|s| s.public && !s.is_edge())
                .collect()
        }
    } else {
        lb.subnets
            .iter()
            .filter_map(|id| {
                subnets
                    .iter()
                    .find(|s| &s.key == id || s.resource_id.as_deref() == Some(id))
            })
            .collect()
    };
    let mut zones = BTreeSet::new();
    chosen
        .into_iter()
        .filter(|s| zones.insert(s.availability_zone.clone()))
        .collect()
}

/// The subnets control-plane machines go in: the template's subnet, else
/// one private (non-edge) subnet per zone, else the public ones.
pub fn control_plane_subnets<'a>(
    model: &ClusterModel,
    subnets: &'a [LaidOutSubnet],
) -> Vec<&'a LaidOutSubnet> {
    machine_subnets(model.control_plane.as_ref(), subnets)
}

/// The subnet a worker goes in, as CAPA's `findSubnet` picks it for a
/// machine of a MachineDeployment (Cluster API does not spread those over
/// zones): the template's subnet, else the first private subnet in the
/// failure domain, else the cluster's first private subnet. `None` when
/// there is none (CAPA's controller then fails the machine).
pub fn worker_subnet<'a>(m: &Machines, subnets: &'a [LaidOutSubnet]) -> Option<&'a LaidOutSubnet> {
    if m.spec
        .subnet
        .as_ref()
        .and_then(|s| s.id.as_deref())
        .is_some()
    {
        return machine_subnets(Some(m), subnets).into_iter().next();
    }
    let mut private = subnets.iter().filter(|s| !s.public);
    match &m.failure_domain {
        Some(zone) => private.find(|s| s.availability_zone.as_ref() == Some(zone)),
        None => private.next(),
    }
}

pub fn machine_subnets<'a>(
    machines: Option<&Machines>,
    subnets: &'a [LaidOutSubnet],
) -> Vec<&'a LaidOutSubnet> {
    if let Some(id) = machines
        .and_then(|m| m.spec.subnet.as_ref())
        .and_then(|s| s.id.as_deref())
    {
        return subnets
            .iter()
            .filter(|s| s.key == id || s.resource_id.as_deref() == Some(id))
            .collect();
    }
    let pick = |public: bool| -> Vec<&'a LaidOutSubnet> {
        let mut zones = BTreeSet::new();
        let mut v: Vec<&LaidOutSubnet> = subnets
            .iter()
            .filter(|s| s.public == public && !s.is_edge())
            .collect();
        v.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
        v.into_iter()
            .filter(|s| zones.insert(s.availability_zone.clone()))
            .collect()
    };
    let private = pick(false);
    if private.is_empty() {
        pick(true)
    } else {
        private
    }
}

/// The primary API target group's IP type (see [`cp_lb_target_group_ip_type`]).
pub fn target_group_ip_type(model: &ClusterModel, subnets: &[LaidOutSubnet]) -> TgIpType {
    cp_lb_target_group_ip_type(model, model.load_balancer.as_ref(), subnets)
}

/// A load balancer's API target group IP type: explicit, else CAPA's rule
/// (no IPv6 VPC -> ipv4; any IPv4-only private subnet -> ipv4; else ipv6).
pub fn cp_lb_target_group_ip_type(
    model: &ClusterModel,
    lb: Option<&LoadBalancerSpec>,
    subnets: &[LaidOutSubnet],
) -> TgIpType {
    if let Some(t) = lb.and_then(|lb| lb.target_group_ip_type.as_deref()) {
        return TgIpType::from_text(t);
    }
    if !model.ipv6() {
        return TgIpType::Ipv4;
    }
    let private: Vec<&LaidOutSubnet> = subnets
        .iter()
        .filter(|s| !s.public && !s.is_edge())
        .collect();
    if private.iter().any(|s| s.family == Family::Ipv4) {
        TgIpType::Ipv4
    } else {
        TgIpType::Ipv6
    }
}

/// A finding about the cluster's infrastructure object at `path`.
fn infra_finding(model: &ClusterModel, rule: Rule, path: &str, message: String) -> Finding {
    Finding::new(
        rule,
        model.infra_object.clone(),
        path,
        message,
        model.infra_source.clone(),
    )
}
