//! The subnets' rules: blocks that parse, fit and do not overlap, the
//! seed's subnet types, zones (Local and Wavelength zones take no IPv6),
//! a public subnet for the NAT gateways.

use std::collections::BTreeSet;

use super::{Rule, V};
use crate::cidr;
use crate::facts::ZoneType;
use crate::layout::{Ipv6Block, LaidOutSubnet};

pub(super) fn subnet_rules(v: &mut V<'_>) {
    let model = v.model;
    let managed = model.byo_vpc().is_none();
    let vpc_v4 = model
        .network
        .vpc
        .cidr_block
        .as_deref()
        .map_or_else(|| cidr::parse_v4("10.0.0.0/16"), cidr::parse_v4);
    let vpc_v6 = v
        .facts
        .existing_cluster_vpc
        .as_ref()
        .and_then(|f| f.ipv6_cidr_blocks.first().copied())
        .or_else(|| {
            model
                .network
                .vpc
                .ipv6
                .as_ref()
                .and_then(|i| i.cidr_block.as_deref())
                .and_then(cidr::parse_v6)
        });
    let mut seen_ids = BTreeSet::new();
    for (i, s) in model.network.subnets.iter().enumerate() {
        let p = |f: &str| format!("spec.network.subnets[{i}].{f}");
        if !seen_ids.insert(s.id.clone()) {
            v.infra(
                Rule::SubnetDuplicateId,
                p("id"),
                format!(
                    "the subnet id '{}' is used twice; ids name subnets and must be unique",
                    s.id
                ),
            );
        }
        if let Some(text) = s.cidr_block.as_deref().filter(|t| !t.is_empty())
            && cidr::parse_v4(text).is_none()
        {
            v.infra(
                Rule::SubnetCidrInvalid,
                p("cidrBlock"),
                format!("subnet CIDR block is invalid: '{text}'"),
            );
        }
        if let Some(text) = s.ipv6_cidr_block.as_deref().filter(|t| !t.is_empty()) {
            if cidr::parse_v6(text).is_none() {
                v.infra(
                    Rule::SubnetIpv6CidrInvalid,
                    p("ipv6CidrBlock"),
                    format!("subnet IPv6 CIDR block is invalid: '{text}'"),
                );
            } else if !s.is_ipv6 && managed {
                v.infra(
                    Rule::SubnetIpv6CidrNeedsIsIpv6,
                    p("ipv6CidrBlock"),
                    "ipv6CidrBlock is set but isIpv6 is not: set isIpv6: true for a \
                    dualstack or IPv6-only subnet, or remove ipv6CidrBlock",
                );
            }
        }
        if let Some(zt) = s.zone_type.as_deref()
            && ZoneType::parse(zt).is_some_and(ZoneType::is_edge)
            && s.parent_zone_name.as_deref().unwrap_or_default().is_empty()
        {
            v.infra(
                Rule::SubnetEdgeNeedsParentZone,
                p("parentZoneName"),
                "ParentZoneName must be set when ZoneType is 'local-zone' or 'wavelength-zone'.",
            );
        }
        if !managed {
            continue;
        }
        if !s.is_ipv6 && s.cidr_block.as_deref().unwrap_or_default().is_empty() {
            v.infra(
                Rule::SubnetIpv4NeedsCidr,
                p("cidrBlock"),
                format!(
                    "the IPv4-only subnet '{}' needs a cidrBlock (or set isIpv6: \
                true and leave cidrBlock empty for an IPv6-only subnet)",
                    s.id
                ),
            );
        }
        if s.is_ipv6 && !model.ipv6() {
            v.infra(
                Rule::SubnetIsIpv6NeedsVpcIpv6,
                p("isIpv6"),
                format!(
                    "the subnet '{}' asks for IPv6 but the VPC has none: set \
                spec.network.vpc.ipv6 (for example ipv6: {{}})",
                    s.id
                ),
            );
        }
    }
    // Checks on the laid-out subnets (spec or default layout).
    let subnets: Vec<LaidOutSubnet> = v.subnets.to_vec();
    if !v.facts.zones.is_empty() {
        for s in &subnets {
            let Some(az) = s.availability_zone.as_deref() else {
                continue;
            };
            match v.facts.zone(az) {
                None => v.infra(
                    Rule::SubnetAzUnknown,
                    s.path("availabilityZone"),
                    format!(
                        "the zone '{az}' does not exist in region {}",
                        v.region.or(model.region.as_deref()).unwrap_or("?")
                    ),
                ),
                Some(z) if z.opt_in_required && !z.opted_in => v.infra(
                    Rule::SubnetAzUnknown,
                    s.path("availabilityZone"),
                    format!(
                        "the {} '{az}' needs an opt-in first: aws ec2 \
                    modify-availability-zone-group --group-name <its group> \
                    --opt-in-status opted-in",
                        z.zone_type.as_str()
                    ),
                ),
                Some(_) => {}
            }
        }
    }
    if managed {
        for s in &subnets {
            if s.is_edge() && s.family.has_ipv6() {
                v.infra(
                    Rule::SubnetEdgeIpv6,
                    s.path("isIpv6"),
                    format!(
                        "failed to create subnet: IPv6 is not supported with zone type \
                    \"{}\" ({}): CAPA does not create IPv6-enabled subnets in Local \
                    or Wavelength zones; make it IPv4-only (isIpv6: false with a \
                    cidrBlock)",
                        s.zone_type.as_str(),
                        s.key
                    ),
                );
            }
            if let Some(net) = s.cidr_block {
                if !(16..=28).contains(&net.prefix_len()) {
                    v.infra(
                        Rule::SubnetCidrSize,
                        s.path("cidrBlock"),
                        format!("AWS accepts subnet blocks from /16 to /28; {net} is not"),
                    );
                }
                if let Some(vpc) = vpc_v4
                    && !vpc.contains(&net)
                    && model.network.vpc.secondary_cidr_blocks.iter().all(|c| {
                        cidr::parse_v4(&c.ipv4_cidr_block).is_none_or(|b| !b.contains(&net))
                    })
                {
                    v.infra(
                        Rule::SubnetCidrOutsideVpc,
                        s.path("cidrBlock"),
                        format!("{net} is not inside the VPC block {vpc}"),
                    );
                }
            }
            if let Some(Ipv6Block::Cidr(net)) = s.ipv6 {
                if !(44..=64).contains(&net.prefix_len())
                    || net.prefix_len() % 4 != 0
                    || net != net.trunc()
                {
                    v.infra(
                        Rule::SubnetIpv6CidrSize,
                        s.path("ipv6CidrBlock"),
                        format!(
                            "a subnet IPv6 block must be a network address of /44 to /64 in \
                        steps of 4 (AWS); {net} is not"
                        ),
                    );
                }
                if let Some(b) = vpc_v6
                    && !b.contains(&net)
                {
                    v.infra(
                        Rule::SubnetIpv6CidrOutsideVpc,
                        s.path("ipv6CidrBlock"),
                        format!("{net} is not inside the VPC IPv6 block {b}"),
                    );
                }
            }
        }
        overlap_rules(v, &subnets);
        if !subnets.is_empty() && !subnets.iter().any(|s| s.public && !s.is_edge()) {
            v.infra(
                Rule::SubnetNoPublic,
                "spec.network.subnets",
                "expected at least 1 public subnet but got 0: the internet \
                gateway, NAT gateways and an internet-facing load balancer need \
                one (set isPublic: true on one subnet per zone)",
            );
        }
        nat_rules(v, &subnets);
    }
}

pub(super) fn overlap_rules(v: &mut V<'_>, subnets: &[LaidOutSubnet]) {
    for (i, a) in subnets.iter().enumerate() {
        for b in &subnets[i + 1..] {
            if let (Some(x), Some(y)) = (a.cidr_block, b.cidr_block)
                && cidr::overlaps_v4(&x, &y)
            {
                v.infra(
                    Rule::SubnetCidrOverlap,
                    b.path("cidrBlock"),
                    format!("{y} ({}) overlaps {x} ({})", b.key, a.key),
                );
            }
            if let (Some(Ipv6Block::Cidr(x)), Some(Ipv6Block::Cidr(y))) = (a.ipv6, b.ipv6)
                && cidr::overlaps_v6(&x, &y)
            {
                v.infra(
                    Rule::SubnetCidrOverlap,
                    b.path("ipv6CidrBlock"),
                    format!("{y} ({}) overlaps {x} ({})", b.key, a.key),
                );
            }
        }
    }
}

/// Private subnets route 0.0.0.0/0 (and NAT64) to a NAT gateway in a public
/// subnet of their zone; a NAT gateway needs an IPv4 address there.
pub(super) fn nat_rules(v: &mut V<'_>, subnets: &[LaidOutSubnet]) {
    let private_zones: BTreeSet<&str> = subnets
        .iter()
        .filter(|s| !s.public && !s.is_edge())
        .filter_map(|s| s.availability_zone.as_deref())
        .collect();
    for az in private_zones {
        let publics: Vec<&LaidOutSubnet> = subnets
            .iter()
            .filter(|s| s.public && !s.is_edge() && s.availability_zone.as_deref() == Some(az))
            .collect();
        if publics.is_empty() && subnets.iter().any(|s| s.public) {
            // CAPA routes a private subnet through its own zone's NAT
            // gateway only (edge subnets fall back to their parent zone).
            for s in subnets
                .iter()
                .filter(|s| !s.public && !s.is_edge() && s.availability_zone.as_deref() == Some(az))
            {
                v.infra(
                    Rule::NatNeedsPublicSubnetInZone,
                    s.path("availabilityZone"),
                    format!(
                        "no nat gateways available in {az:?} for private subnet {:?}: \
                        CAPA puts one NAT gateway in a public subnet of each zone \
                        that has private subnets, and routes a private subnet only \
                        through its own zone's; add a public subnet in {az}",
                        s.key
                    ),
                );
            }
        }
        if !publics.is_empty() && publics.iter().all(|s| !s.family.has_ipv4()) {
            v.infra(
                Rule::NatNeedsIpv4PublicSubnet,
                publics[0].path("cidrBlock"),
                format!(
                    "the private subnets in {az} need a NAT gateway, and a NAT \
                    gateway needs a public subnet with IPv4; {} is IPv6-only: make \
                    it dualstack (give it a cidrBlock)",
                    publics[0].key
                ),
            );
        }
    }
}
