//! Every rule of the seed ("Enabling IPv6") and of CAPA's webhooks that
//! concerns the cluster network, as findings with stable ids. Pure: the
//! model, the facts discovered from AWS and the laid-out subnets in,
//! findings out. Rules that need facts (instance types, zones, a BYO VPC,
//! an existing cluster) stay silent when the facts are unknown.
//!
//! The rule ids, what each enforces and where it comes from are listed in
//! `docs/rules.md`; [`Rule`] is the same list, checked by a test.

mod rules;

use std::collections::BTreeSet;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::cidr;
use crate::facts::{Facts, ZoneType};
use crate::finding::{Finding, Severity};
use crate::layout::{Ipv6Block, LaidOutSubnet};
use crate::model::{ClusterModel, Family, Flavor, LB_TYPES, Machines};
use crate::spec::types::IngressRule;

pub use rules::{Origin, Rule};

struct V<'a> {
    model: &'a ClusterModel,
    facts: &'a Facts,
    /// Subnets whose family is known: all of them, except BYO subnets AWS
    /// has no record of (rules about families stay silent on those).
    subnets: &'a [LaidOutSubnet],
    /// Every laid-out subnet, found or not.
    all_subnets: &'a [LaidOutSubnet],
    region: Option<&'a str>,
    out: Vec<Finding>,
}

impl V<'_> {
    fn push(
        &mut self,
        rule: Rule,
        object: &str,
        source: Option<&crate::spec::Source>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.out.push(Finding {
            rule,
            severity: rule.severity(),
            object: object.to_owned(),
            path: path.into(),
            message: message.into(),
            source: source.cloned(),
        });
    }

    /// A finding on the infrastructure object (AWSCluster / AWSManagedControlPlane).
    fn infra(&mut self, rule: Rule, path: impl Into<String>, message: impl Into<String>) {
        let object = self.model.infra_object.clone();
        let source = self.model.infra_source.clone();
        self.push(rule, &object, source.as_ref(), path, message);
    }
}

/// Runs every rule. `region` is the region given on the command line, if any.
pub fn validate(
    model: &ClusterModel,
    facts: &Facts,
    subnets: &[LaidOutSubnet],
    region: Option<&str>,
) -> Vec<Finding> {
    let known: Vec<LaidOutSubnet> = if model.byo_vpc().is_some() && facts.byo_vpc_checked {
        subnets
            .iter()
            .filter(|s| s.resource_id.is_some())
            .cloned()
            .collect()
    } else {
        subnets.to_vec()
    };
    let mut v = V {
        model,
        facts,
        subnets: &known,
        all_subnets: subnets,
        region,
        out: Vec::new(),
    };
    region_rules(&mut v);
    vpc_rules(&mut v);
    subnet_rules(&mut v);
    load_balancer_rules(&mut v);
    machine_rules(&mut v);
    kubernetes_rules(&mut v);
    eks_rules(&mut v);
    ingress_rules(&mut v);
    cni_rules(&mut v);
    migration_rules(&mut v);
    let mut out = v.out;
    out.extend(model.manifest_findings.iter().cloned());
    out.sort_by_key(|f| f.severity);
    out
}

/// The findings about the manifests themselves: fields and kinds the
/// Kubernetes API does not know.
pub fn manifest_findings(unknown: &[crate::spec::schema::UnknownName]) -> Vec<Finding> {
    use crate::spec::schema::Unknown;
    unknown
        .iter()
        .map(|u| Finding {
            rule: match u.what {
                Unknown::Field => Rule::ManifestUnknownField,
                Unknown::Extension => Rule::ManifestExtensionField,
                Unknown::Kind => Rule::ManifestUnknownKind,
            },
            severity: Severity::Warning,
            object: u.object.clone(),
            path: u.path.clone(),
            message: u.message.clone(),
            source: Some(u.source.clone()),
        })
        .collect()
}

/// `--strict`: what the Kubernetes API does not know is refused, as
/// `kubectl apply --validate=strict` refuses it.
pub fn make_strict(findings: &mut [Finding]) {
    for f in findings {
        if matches!(
            f.rule,
            Rule::ManifestUnknownField | Rule::ManifestExtensionField | Rule::ManifestUnknownKind
        ) {
            f.severity = Severity::Error;
        }
    }
}

/// The rules that decide where the cluster lives (its region): `destroy`
/// runs them too, so it never looks for the cluster in the wrong place.
pub fn placement(model: &ClusterModel, region: Option<&str>) -> Vec<Finding> {
    let facts = Facts::default();
    let mut v = V {
        model,
        facts: &facts,
        subnets: &[],
        all_subnets: &[],
        region,
        out: Vec::new(),
    };
    region_rules(&mut v);
    v.out
}

fn region_rules(v: &mut V<'_>) {
    match (v.model.region.as_deref(), v.region) {
        (Some(spec), Some(cli)) if spec != cli => v.infra(
            Rule::RegionMismatch,
            "spec.region",
            format!("the spec says region '{spec}' but the command targets '{cli}'; pass --region {spec} or change spec.region"),
        ),
        _ => {}
    }
}

fn is_vpc_ipv6_prefix(len: u8) -> bool {
    (44..=60).contains(&len) && len.is_multiple_of(4)
}

fn vpc_rules(v: &mut V<'_>) {
    let vpc = v.model.network.vpc.clone();
    let byo = v.model.byo_vpc().map(str::to_owned);
    if let Some(text) = vpc.cidr_block.as_deref() {
        match cidr::parse_v4(text) {
            None => v.infra(
                Rule::VpcCidrInvalid,
                "spec.network.vpc.cidrBlock",
                format!(
                    "VPC CIDR block is invalid: '{text}' is not an IPv4 CIDR such as 10.0.0.0/16"
                ),
            ),
            Some(n) if !(16..=28).contains(&n.prefix_len()) => v.infra(
                Rule::VpcCidrSize,
                "spec.network.vpc.cidrBlock",
                format!(
                    "AWS accepts VPC blocks from /16 to /28; '{text}' is /{}",
                    n.prefix_len()
                ),
            ),
            Some(_) => {}
        }
        if vpc.ipam_pool.is_some() {
            v.infra(
                Rule::VpcCidrAndIpamPool,
                "spec.network.vpc.cidrBlock",
                "cidrBlock and ipamPool cannot be used together: remove one of them",
            );
        }
    }
    if let Some(p) = &vpc.ipam_pool
        && p.id.as_deref().unwrap_or_default().is_empty()
        && p.name.as_deref().unwrap_or_default().is_empty()
    {
        v.infra(
            Rule::VpcIpamPoolNeedsIdOrName,
            "spec.network.vpc.ipamPool",
            "ipamPool must have either id or name",
        );
    }
    let Some(ipv6) = &vpc.ipv6 else {
        return;
    };
    let cidr_text = ipv6.cidr_block.as_deref().filter(|s| !s.is_empty());
    if let Some(text) = cidr_text {
        match cidr::parse_v6(text) {
            None => v.infra(Rule::VpcIpv6CidrInvalid, "spec.network.vpc.ipv6.cidrBlock", format!("VPC IPv6 CIDR block is invalid: '{text}' is not an IPv6 CIDR such as 2001:db8:1234:1a00::/56")),
            Some(n) if !is_vpc_ipv6_prefix(n.prefix_len()) || n != n.trunc() => v.infra(
                Rule::VpcIpv6CidrSize,
                "spec.network.vpc.ipv6.cidrBlock",
                format!("a VPC IPv6 block must be a network address of /44 to /60 in steps of 4 (AWS); '{text}' is not"),
            ),
            Some(_) => {}
        }
    }
    let pool_id = ipv6.pool_id.as_deref().filter(|s| !s.is_empty());
    if let Some(ipam) = &ipv6.ipam_pool {
        if pool_id.is_some() {
            v.infra(Rule::VpcIpv6PoolAndIpamPool, "spec.network.vpc.ipv6.poolId", "poolId and ipamPool cannot be used together: a BYOIP pool or an IPAM pool, not both");
        }
        if cidr_text.is_some() {
            v.infra(Rule::VpcIpv6CidrAndIpamPool, "spec.network.vpc.ipv6.cidrBlock", "cidrBlock and ipamPool cannot be used together: IPAM picks the block; remove cidrBlock or ipamPool");
        }
        if ipam.id.as_deref().unwrap_or_default().is_empty()
            && ipam.name.as_deref().unwrap_or_default().is_empty()
        {
            v.infra(
                Rule::VpcIpamPoolNeedsIdOrName,
                "spec.network.vpc.ipv6.ipamPool",
                "ipamPool must have either id or name",
            );
        }
        if let Some(len) = ipam.netmask_length
            && !(u8::try_from(len).is_ok_and(is_vpc_ipv6_prefix))
        {
            v.infra(
                Rule::VpcIpv6NetmaskLength,
                "spec.network.vpc.ipv6.ipamPool.netmaskLength",
                format!("netmaskLength {len} is not allowed: AWS gives VPCs IPv6 blocks of /44 to /60 in steps of 4 (default 56)"),
            );
        }
    }
    match byo {
        None => {
            if cidr_text.is_some() && pool_id.is_none() && ipv6.ipam_pool.is_none() {
                v.infra(Rule::VpcIpv6CidrNeedsPool, "spec.network.vpc.ipv6.poolId", "poolId cannot be empty if cidrBlock is set: give the BYOIP pool the block comes from, or remove cidrBlock to get an Amazon-provided /56");
            }
            if ipv6
                .egress_only_internet_gateway_id
                .as_deref()
                .is_some_and(|s| !s.is_empty())
            {
                v.infra(Rule::VpcIpv6EigwInManagedVpc, "spec.network.vpc.ipv6.egressOnlyInternetGatewayId", "an egress-only internet gateway id only makes sense with an existing VPC (vpc.id); CAPA creates the gateway of a VPC it creates: remove the field or set vpc.id");
            }
        }
        Some(vpc_id) => byo_vpc_rules(v, &vpc_id, cidr_text),
    }
}

fn byo_vpc_rules(v: &mut V<'_>, vpc_id: &str, ipv6_cidr_text: Option<&str>) {
    let ipv6 = v.model.network.vpc.ipv6.clone().unwrap_or_default();
    if ipv6_cidr_text.is_none() {
        v.infra(Rule::ByoVpcIpv6NeedsCidr, "spec.network.vpc.ipv6.cidrBlock", format!("to use the IPv6 capabilities of the existing VPC {vpc_id}, give its IPv6 block in spec.network.vpc.ipv6.cidrBlock (seed: \"Bring-your-own IPv6 VPC\")"));
    }
    let eigw = ipv6
        .egress_only_internet_gateway_id
        .as_deref()
        .filter(|s| !s.is_empty());
    if eigw.is_none() {
        v.infra(Rule::ByoVpcIpv6NeedsEigw, "spec.network.vpc.ipv6.egressOnlyInternetGatewayId", format!("to use the IPv6 capabilities of the existing VPC {vpc_id}, give its egress-only internet gateway in spec.network.vpc.ipv6.egressOnlyInternetGatewayId (seed: \"Bring-your-own IPv6 VPC\")"));
    }
    if v.model.network.subnets.is_empty() {
        v.infra(Rule::ByoVpcNeedsSubnets, "spec.network.subnets", format!("no subnets specified: list the subnets of the existing VPC {vpc_id} the cluster uses"));
    }
    if !v.facts.byo_vpc_checked {
        return;
    }
    let Some(fact) = v.facts.byo_vpc.clone() else {
        v.infra(
            Rule::ByoVpcNotFound,
            "spec.network.vpc.id",
            format!("the VPC {vpc_id} does not exist in this account and region"),
        );
        return;
    };
    if let Some(text) = v.model.network.vpc.cidr_block.as_deref()
        && let Some(net) = cidr::parse_v4(text)
        && !fact.cidr_blocks.contains(&net)
    {
        v.infra(
            Rule::ByoVpcCidrMismatch,
            "spec.network.vpc.cidrBlock",
            format!(
                "{net} is not a CIDR block of {vpc_id} (it has {})",
                join(&fact.cidr_blocks)
            ),
        );
    }
    if let Some(text) = ipv6_cidr_text
        && let Some(net) = cidr::parse_v6(text)
        && !fact.ipv6_cidr_blocks.contains(&net)
    {
        let has = if fact.ipv6_cidr_blocks.is_empty() {
            "no associated IPv6 block".to_owned()
        } else {
            join(&fact.ipv6_cidr_blocks)
        };
        v.infra(
            Rule::ByoVpcIpv6CidrMismatch,
            "spec.network.vpc.ipv6.cidrBlock",
            format!("{net} is not an associated IPv6 block of {vpc_id} (it has {has})"),
        );
    }
    if let Some(id) = eigw {
        match &v.facts.byo_egress_only_gateway {
            Some(g) if g.vpc_id.as_deref() == Some(vpc_id) => {}
            Some(g) => v.infra(
                Rule::ByoVpcEigwMismatch,
                "spec.network.vpc.ipv6.egressOnlyInternetGatewayId",
                format!(
                    "the egress-only internet gateway {id} is attached to {}, not to {vpc_id}",
                    g.vpc_id.as_deref().unwrap_or("no VPC")
                ),
            ),
            None => v.infra(
                Rule::ByoVpcEigwMismatch,
                "spec.network.vpc.ipv6.egressOnlyInternetGatewayId",
                format!("the egress-only internet gateway {id} does not exist"),
            ),
        }
    }
    let subnets: Vec<LaidOutSubnet> = v.all_subnets.to_vec();
    for s in &subnets {
        if s.resource_id.is_none() {
            v.infra(
                Rule::ByoSubnetNotFound,
                s.path("id"),
                format!(
                    "no subnet '{}' (by id or Name tag) in the VPC {vpc_id}",
                    s.key
                ),
            );
            continue;
        }
        if s.family == Family::Ipv6Only && !s.is_edge() {
            if !s.dns64 {
                v.infra(Rule::ByoIpv6OnlySubnetNoDns64, s.path("id"), format!("the IPv6-only subnet {} has DNS64 off: pods cannot resolve IPv4-only names; enable it (aws ec2 modify-subnet-attribute --subnet-id {} --enable-dns64)", s.key, s.resource_id.as_deref().unwrap_or_default()));
            }
            if !s.nat64_route {
                v.infra(Rule::ByoIpv6OnlySubnetNoNat64, s.path("id"), format!("the IPv6-only subnet {} has no 64:ff9b::/96 route to a NAT gateway: pods cannot reach IPv4-only services; add the NAT64 route to its route table", s.key));
            }
        }
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn subnet_rules(v: &mut V<'_>) {
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
                v.infra(Rule::SubnetIpv6CidrNeedsIsIpv6, p("ipv6CidrBlock"), "ipv6CidrBlock is set but isIpv6 is not: set isIpv6: true for a dualstack or IPv6-only subnet, or remove ipv6CidrBlock");
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
            v.infra(Rule::SubnetIpv4NeedsCidr, p("cidrBlock"), format!("the IPv4-only subnet '{}' needs a cidrBlock (or set isIpv6: true and leave cidrBlock empty for an IPv6-only subnet)", s.id));
        }
        if s.is_ipv6 && !model.ipv6() {
            v.infra(Rule::SubnetIsIpv6NeedsVpcIpv6, p("isIpv6"), format!("the subnet '{}' asks for IPv6 but the VPC has none: set spec.network.vpc.ipv6 (for example ipv6: {{}})", s.id));
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
                None => v.infra(Rule::SubnetAzUnknown, s.path("availabilityZone"), format!("the zone '{az}' does not exist in region {}", v.region.or(model.region.as_deref()).unwrap_or("?"))),
                Some(z) if z.opt_in_required && !z.opted_in => v.infra(Rule::SubnetAzUnknown, s.path("availabilityZone"), format!("the {} '{az}' needs an opt-in first: aws ec2 modify-availability-zone-group --group-name <its group> --opt-in-status opted-in", z.zone_type.as_str())),
                Some(_) => {}
            }
        }
    }
    if managed {
        for s in &subnets {
            if s.is_edge() && s.family.has_ipv6() {
                v.infra(Rule::SubnetEdgeIpv6, s.path("isIpv6"), format!("failed to create subnet: IPv6 is not supported with zone type \"{}\" ({}): CAPA does not create IPv6-enabled subnets in Local or Wavelength zones; make it IPv4-only (isIpv6: false with a cidrBlock)", s.zone_type.as_str(), s.key));
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
                    v.infra(Rule::SubnetIpv6CidrSize, s.path("ipv6CidrBlock"), format!("a subnet IPv6 block must be a network address of /44 to /64 in steps of 4 (AWS); {net} is not"));
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
            v.infra(Rule::SubnetNoPublic, "spec.network.subnets", "expected at least 1 public subnet but got 0: the internet gateway, NAT gateways and an internet-facing load balancer need one (set isPublic: true on one subnet per zone)");
        }
        nat_rules(v, &subnets);
    }
}

fn overlap_rules(v: &mut V<'_>, subnets: &[LaidOutSubnet]) {
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
fn nat_rules(v: &mut V<'_>, subnets: &[LaidOutSubnet]) {
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
        if !publics.is_empty() && publics.iter().all(|s| !s.family.has_ipv4()) {
            v.infra(
                Rule::NatNeedsIpv4PublicSubnet,
                publics[0].path("cidrBlock"),
                format!("the private subnets in {az} need a NAT gateway, and a NAT gateway needs a public subnet with IPv4; {} is IPv6-only: make it dualstack (give it a cidrBlock)", publics[0].key),
            );
        }
    }
}

/// The subnets the API load balancer goes in (CAPA: the spec's list, else
/// public subnets for internet-facing and private ones for internal; edge
/// zones excluded; one per zone).
pub fn lb_subnets<'a>(
    model: &ClusterModel,
    subnets: &'a [LaidOutSubnet],
) -> Vec<&'a LaidOutSubnet> {
    let Some(lb) = &model.load_balancer else {
        return Vec::new();
    };
    let chosen: Vec<&LaidOutSubnet> = if lb.subnets.is_empty() {
        let internal = model.lb_scheme() == "internal";
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

/// The target group IP type: explicit, else CAPA's rule (no IPv6 VPC ->
/// ipv4; any IPv4-only private subnet -> ipv4; else ipv6).
pub fn target_group_ip_type(model: &ClusterModel, subnets: &[LaidOutSubnet]) -> String {
    if let Some(t) = model
        .load_balancer
        .as_ref()
        .and_then(|lb| lb.target_group_ip_type.as_deref())
    {
        return t.to_owned();
    }
    if !model.ipv6() {
        return "ipv4".to_owned();
    }
    let private: Vec<&LaidOutSubnet> = subnets
        .iter()
        .filter(|s| !s.public && !s.is_edge())
        .collect();
    if private.iter().any(|s| s.family == Family::Ipv4) {
        "ipv4".to_owned()
    } else {
        "ipv6".to_owned()
    }
}

fn load_balancer_rules(v: &mut V<'_>) {
    let model = v.model;
    let Some(lb) = model.load_balancer.clone() else {
        return;
    };
    let lb_type = model.lb_type().unwrap_or("classic").to_owned();
    let base = "spec.controlPlaneLoadBalancer";
    if !LB_TYPES.contains(&lb_type.as_str()) {
        v.infra(
            Rule::LbTypeInvalid,
            format!("{base}.loadBalancerType"),
            format!(
                "'{lb_type}' is not a load balancer type: use one of {}",
                LB_TYPES.join(", ")
            ),
        );
        return;
    }
    if let Some(scheme) = lb.scheme.as_deref()
        && !["internet-facing", "internal"].contains(&scheme)
    {
        v.infra(
            Rule::LbSchemeInvalid,
            format!("{base}.scheme"),
            format!("'{scheme}' is not a scheme: use internet-facing or internal"),
        );
    }
    let classic_or_disabled = matches!(lb_type.as_str(), "classic" | "disabled");
    if let Some(ip) = lb.ip_address_type.as_deref() {
        match ip {
            "ipv6" => v.infra(Rule::LbIpTypeIpv6, format!("{base}.ipAddressType"), "ipv6 is not a valid load balancer IP type: AWS load balancers always have IPv4; use dualstack for IPv4 and IPv6"),
            "ipv4" | "dualstack" => {
                if classic_or_disabled {
                    v.infra(Rule::LbIpTypeClassic, format!("{base}.ipAddressType"), format!("ipAddressType cannot be set on a {lb_type} load balancer (a classic ELB is IPv4-only); use loadBalancerType: nlb"));
                }
            }
            other => v.infra(Rule::LbIpTypeInvalid, format!("{base}.ipAddressType"), format!("'{other}' is not a load balancer IP type: use ipv4 or dualstack")),
        }
    }
    // Target group IP types: the API listener's and each additional listener's.
    let mut tg_types: Vec<(String, Option<String>)> = vec![(
        format!("{base}.targetGroupIPType"),
        lb.target_group_ip_type.clone(),
    )];
    for (i, l) in lb.additional_listeners.iter().enumerate() {
        tg_types.push((
            format!("{base}.additionalListeners[{i}].targetGroupIPType"),
            l.target_group_ip_type.clone(),
        ));
    }
    for (path, t) in &tg_types {
        let Some(t) = t.as_deref() else { continue };
        if lb_type == "classic" {
            v.infra(Rule::TgIpTypeClassic, path.clone(), "targetGroupIPType cannot be used with classic load balancer types: use loadBalancerType: nlb");
        } else if lb_type == "disabled" {
            v.infra(
                Rule::TgIpTypeDisabled,
                path.clone(),
                "cannot set target group IP type if the LoadBalancer reconciliation is disabled",
            );
        }
        if !["ipv4", "ipv6"].contains(&t) {
            v.infra(
                Rule::TgIpTypeInvalid,
                path.clone(),
                format!("'{t}' is not a target group IP type: use ipv4 or ipv6"),
            );
        } else if t == "ipv6" && !model.ipv6() {
            v.infra(Rule::TgIpv6NeedsVpcIpv6, path.clone(), "targetGroupIPType IPv6 requires IPv6 to be enabled on the VPC. Set spec.network.vpc.ipv6 to enable IPv6");
        }
    }
    if classic_or_disabled {
        return;
    }
    let ip_type = model.lb_ip_address_type().to_owned();
    if ip_type == "dualstack" && !model.ipv6() {
        v.infra(Rule::LbDualstackNeedsVpcIpv6, format!("{base}.ipAddressType"), "a dualstack load balancer needs subnets with IPv6: set spec.network.vpc.ipv6, or ipAddressType: ipv4");
    }
    let subnets = v.subnets;
    let chosen = lb_subnets(model, subnets);
    if chosen.is_empty() && !subnets.is_empty() {
        v.infra(
            Rule::LbNoSubnets,
            format!("{base}.subnets"),
            format!(
                "no subnet for the {} load balancer: it needs {} subnets",
                model.lb_scheme(),
                if model.lb_scheme() == "internal" {
                    "private or public"
                } else {
                    "public"
                }
            ),
        );
    }
    if let Some(s) = chosen.iter().find(|s| s.family == Family::Ipv6Only) {
        v.infra(Rule::LbIpv6OnlySubnet, s.path(""), format!("Load Balancers cannot use IPv6-only subnets: {} is IPv6-only and would hold the {} load balancer; make it dualstack (give it a cidrBlock)", s.key, model.lb_scheme()));
    } else if ip_type == "dualstack"
        && model.ipv6()
        && let Some(s) = chosen.iter().find(|s| s.family == Family::Ipv4)
    {
        {
            v.infra(Rule::LbDualstackNeedsIpv6Subnets, s.path("isIpv6"), format!("a dualstack load balancer needs every subnet to have an IPv6 block; {} is IPv4-only: make it dualstack (isIpv6: true) or use ipAddressType: ipv4", s.key));
        }
    }
    // Targets: the API target group holds the control-plane machines.
    let tg = target_group_ip_type(model, subnets);
    if !["ipv4", "ipv6"].contains(&tg.as_str()) {
        return;
    }
    if tg == "ipv6" && ip_type == "ipv4" {
        v.infra(Rule::TgIpv6NeedsDualstackLb, format!("{base}.targetGroupIPType"), "You cannot associate an IPv6 target group with a load balancer that has an 'ipv4' IP address type: use ipAddressType: dualstack or targetGroupIPType: ipv4");
    }
    let Some(cp) = model.control_plane.clone() else {
        return;
    };
    let cp_subnets = control_plane_subnets(model, subnets);
    let primary_disabled = cp.spec.assign_primary_ipv6.as_deref() == Some("disabled");
    if tg == "ipv6" {
        if let Some(s) = cp_subnets.iter().find(|s| !s.family.has_ipv6()) {
            v.infra(Rule::TgIpv6NeedsCpIpv6, format!("{base}.targetGroupIPType"), format!("Cannot use IPv6 targets when control plane has no IPv6 addresses: control-plane machines go in {} ({}); use targetGroupIPType: ipv4, or dualstack or IPv6-only private subnets", s.key, s.family));
        } else if primary_disabled && model.ipv6() {
            let object = cp.object.clone();
            v.push(Rule::TgIpv6NeedsCpIpv6, &object, cp.source.as_ref(), "spec.template.spec.assignPrimaryIPv6", "Cannot use IPv6 targets when control plane has no IPv6 addresses: an IPv6 target group registers machines by their primary IPv6 address, and assignPrimaryIPv6 is disabled; enable it or use targetGroupIPType: ipv4");
        }
    } else if let Some(s) = cp_subnets.iter().find(|s| !s.family.has_ipv4()) {
        v.infra(Rule::TgIpv4NeedsCpIpv4, format!("{base}.targetGroupIPType"), format!("an ipv4 target group needs control-plane machines with IPv4 addresses, but {} is IPv6-only: use targetGroupIPType: ipv6", s.key));
    }
}

fn machine_rules(v: &mut V<'_>) {
    let model = v.model;
    let mut groups: Vec<Machines> = Vec::new();
    groups.extend(model.control_plane.clone());
    groups.extend(model.workers.iter().cloned());
    let mut seen = BTreeSet::new();
    for m in groups {
        if !seen.insert(m.object.clone()) {
            continue;
        }
        let subnets = machine_subnets(Some(&m), v.subnets);
        if let Some(id) = m.spec.subnet.as_ref().and_then(|s| s.id.as_deref())
            && subnets.is_empty()
            && !v.subnets.is_empty()
        {
            v.push(
                Rule::MachineSubnetNotFound,
                &m.object,
                m.source.as_ref(),
                "spec.template.spec.subnet.id",
                format!("no subnet '{id}' among the cluster's subnets"),
            );
        }
        let path = |f: &str| format!("spec.template.spec.{f}");
        let has_v6 = subnets.iter().any(|s| s.family.has_ipv6());
        let v6_only = subnets
            .iter()
            .find(|s| s.family == Family::Ipv6Only)
            .map(|s| s.key.clone());
        match m.spec.assign_primary_ipv6.as_deref() {
            Some("enabled") if !model.ipv6() => v.push(Rule::MachinePrimaryIpv6WithoutVpcIpv6, &m.object, m.source.as_ref(), path("assignPrimaryIPv6"), "cannot enable PrimaryIPv6: VPC does not have IPv6 enabled; set spec.network.vpc.ipv6 or remove assignPrimaryIPv6"),
            Some("enabled") => {
                if let Some(s) = subnets.iter().find(|s| !s.family.has_ipv6()) {
                    v.push(Rule::MachinePrimaryIpv6SubnetWithoutIpv6, &m.object, m.source.as_ref(), path("assignPrimaryIPv6"), format!("cannot enable PrimaryIPv6: subnet {} does not have IPv6 CIDR block", s.key));
                }
            }
            _ => {}
        }
        if let Some(s) = &v6_only {
            let hostname = m
                .spec
                .private_dns_name
                .as_ref()
                .and_then(|p| p.hostname_type.as_deref());
            if hostname == Some("ip-name") {
                v.push(Rule::MachineHostnameIpv6Only, &m.object, m.source.as_ref(), path("privateDnsName.hostnameType"), format!("machines in the IPv6-only subnet {s} must use hostnameType: resource-name (ip-name needs an IPv4 address)"));
            }
            let imds_v6 = m
                .spec
                .instance_metadata_options
                .as_ref()
                .and_then(|o| o.http_protocol_ipv6.as_deref());
            if imds_v6 != Some("enabled") {
                v.push(Rule::MachineMetadataIpv6Only, &m.object, m.source.as_ref(), path("instanceMetadataOptions.httpProtocolIpv6"), format!("machines in the IPv6-only subnet {s} reach the instance metadata service only over IPv6: set instanceMetadataOptions.httpProtocolIpv6: enabled"));
            }
        }
        let Some(itype) = m.spec.instance_type.clone() else {
            continue;
        };
        if !v.facts.instance_types.contains_key(&itype) {
            continue; // not looked up: no facts
        }
        match v.facts.instance_types.get(&itype).cloned().flatten() {
            None => v.push(
                Rule::InstanceTypeUnknown,
                &m.object,
                m.source.as_ref(),
                path("instanceType"),
                format!("the instance type '{itype}' does not exist in this region"),
            ),
            Some(t) => {
                if has_v6 && !t.ipv6_supported {
                    v.push(Rule::InstanceTypeNoIpv6, &m.object, m.source.as_ref(), path("instanceType"), format!("{itype} does not support IPv6, and these machines go in subnets with IPv6; pick a type with NetworkInfo.Ipv6Supported=true (provisioner instance-types lists them)"));
                } else if let Some(s) = &v6_only
                    && !t.nitro
                {
                    v.push(Rule::InstanceTypeNotNitro, &m.object, m.source.as_ref(), path("instanceType"), format!("{itype} is not Nitro-based (hypervisor {}), and only Nitro instances launch in the IPv6-only subnet {s}; pick a Nitro type such as m5.large", t.hypervisor.as_deref().unwrap_or("-")));
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fam {
    V4,
    V6,
}

fn parse_k8s_cidrs(v: &mut V<'_>, what: &str, cidrs: &[String]) -> Vec<(Fam, IpNet)> {
    let mut out = Vec::new();
    for (i, c) in cidrs.iter().enumerate() {
        match c.trim().parse::<IpNet>() {
            Ok(n @ IpNet::V4(_)) => out.push((Fam::V4, n)),
            Ok(n @ IpNet::V6(_)) => out.push((Fam::V6, n)),
            Err(_) => {
                let object = format!("Cluster/{}", v.model.name);
                v.push(
                    Rule::K8sCidrInvalid,
                    &object,
                    None,
                    format!("spec.clusterNetwork.{what}.cidrBlocks[{i}]"),
                    format!("'{c}' is not a CIDR"),
                );
            }
        }
    }
    out
}

fn kubernetes_rules(v: &mut V<'_>) {
    let model = v.model;
    if model.flavor == Flavor::Eks {
        return; // EKS picks its own pod and service ranges.
    }
    let object = format!("Cluster/{}", model.name);
    let pods = parse_k8s_cidrs(v, "pods", model.pod_cidrs());
    let services = parse_k8s_cidrs(v, "services", model.service_cidrs());
    for (what, list) in [("pods", &pods), ("services", &services)] {
        let path = format!("spec.clusterNetwork.{what}.cidrBlocks");
        if list.iter().any(|(f, _)| *f == Fam::V6) && !model.ipv6() {
            v.push(
                Rule::K8sIpv6NeedsVpcIpv6,
                &object,
                None,
                path.clone(),
                format!(
                    "IPv6 {what} CIDRs need a VPC with IPv6: set spec.network.vpc.ipv6 in {}",
                    model.infra_object
                ),
            );
        }
        let bad = list.len() > 2 || (list.len() == 2 && list[0].0 == list[1].0);
        if bad {
            v.push(Rule::K8sDualstackOnePerFamily, &object, None, path, format!("{what}: give one CIDR (single stack) or exactly one IPv4 and one IPv6 CIDR (dualstack); the first is the primary family"));
        }
    }
    if let (Some(p), Some(s)) = (pods.first(), services.first())
        && p.0 != s.0
    {
        v.push(Rule::K8sPrimaryFamilyMismatch, &object, None, "spec.clusterNetwork.services.cidrBlocks[0]", "the first pod CIDR and the first service CIDR must be of the same family (it is the cluster's primary family); reorder one of the lists");
    }
    for (i, (f, n)) in services.iter().enumerate() {
        if *f == Fam::V6 && n.prefix_len() < 108 {
            v.push(Rule::K8sServiceIpv6Prefix, &object, None, format!("spec.clusterNetwork.services.cidrBlocks[{i}]"), format!("the IPv6 service CIDR {n} is too large: kubeadm needs a mask of /108 or longer (e.g. fd02::/112)"));
        }
    }
    let wants_v6 = pods.iter().chain(&services).any(|(f, _)| *f == Fam::V6);
    if wants_v6 && model.ipv6() {
        let cp = control_plane_subnets(model, v.subnets);
        if let Some(s) = cp.iter().find(|s| !s.family.has_ipv6()) {
            v.push(Rule::K8sIpv6NeedsNodeIpv6, &object, None, "spec.clusterNetwork", format!("IPv6 pod and service networks need nodes with IPv6 addresses, but control-plane machines go in {} ({}); use dualstack or IPv6-only private subnets", s.key, s.family));
        }
    }
}

/// `v1.21.0`, `1.22`, `v1.11.0-eksbuild.1` -> (major, minor, patch).
fn version(text: &str) -> Option<(u64, u64, u64)> {
    let t = text.trim().trim_start_matches('v');
    let core = t.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>());
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    Some((major, minor, patch))
}

fn eks_rules(v: &mut V<'_>) {
    let model = v.model;
    let Some(eks) = model.eks.clone() else { return };
    if !model.ipv6() {
        return;
    }
    if let Some(ver) = eks.version.as_deref()
        && version(ver).is_some_and(|x| x < (1, 21, 0))
    {
        v.infra(
            Rule::EksIpv6Version,
            "spec.version",
            format!("IPv6 requires Kubernetes v1.21.0 or greater (spec.version is {ver})"),
        );
    }
    match &eks.addons {
        None => v.infra(Rule::EksIpv6Addons, "spec.addons", "addons are required to be set explicitly if IPv6 is enabled: list vpc-cni (conflictResolution: overwrite), coredns and kube-proxy"),
        Some(addons) => {
            for name in ["vpc-cni", "coredns", "kube-proxy"] {
                if !addons.iter().any(|a| a.name == name) {
                    v.infra(Rule::EksIpv6AddonMissing, "spec.addons", format!("the {name} addon is missing: an IPv6 EKS cluster needs vpc-cni, coredns and kube-proxy enabled (seed)"));
                }
            }
            for (i, a) in addons.iter().enumerate() {
                if a.name == "vpc-cni"
                    && version(&a.version).is_some_and(|x| x < (1, 10, 2))
                {
                    v.infra(Rule::EksIpv6VpcCniVersion, format!("spec.addons[{i}].version"), format!("vpc-cni version must be above or equal to 1.10.2 for IPv6 (got {})", a.version));
                }
            }
        }
    }
    if let Some(h) = model
        .network
        .vpc
        .private_dns_hostname_type_on_launch
        .as_deref()
        && h != "resource-name"
    {
        v.infra(
            Rule::EksIpv6HostnameType,
            "spec.network.vpc.privateDnsHostnameTypeOnLaunch",
            "only resource-name HostnameType can be used in IPv6 mode",
        );
    }
}

fn ingress_rule_checks(v: &mut V<'_>, rules: &[IngressRule], base: &str) {
    for (i, r) in rules.iter().enumerate() {
        let path = format!("{base}[{i}]");
        let has_cidrs = !r.cidr_blocks.is_empty() || !r.ipv6_cidr_blocks.is_empty();
        let has_groups =
            !r.source_security_group_ids.is_empty() || !r.source_security_group_roles.is_empty();
        if r.nat_gateways_ips_source && (has_cidrs || has_groups) {
            v.infra(Rule::IngressRuleNatSourceExclusive, path.clone(), "natGatewaysIPsSource cannot be used together with CIDR blocks, security group IDs or security group roles");
        } else if has_cidrs && has_groups {
            v.infra(Rule::IngressRuleCidrsAndGroups, path.clone(), "CIDR blocks and security group IDs or security group roles cannot be used together");
        }
        for (j, c) in r.cidr_blocks.iter().enumerate() {
            if c.parse::<Ipv4Net>().is_err() {
                v.infra(
                    Rule::IngressRuleCidrInvalid,
                    format!("{path}.cidrBlocks[{j}]"),
                    format!("'{c}' is not an IPv4 CIDR (IPv6 ones go in ipv6CidrBlocks)"),
                );
            }
        }
        for (j, c) in r.ipv6_cidr_blocks.iter().enumerate() {
            if c.parse::<Ipv6Net>().is_err() {
                v.infra(
                    Rule::IngressRuleCidrInvalid,
                    format!("{path}.ipv6CidrBlocks[{j}]"),
                    format!("'{c}' is not an IPv6 CIDR"),
                );
            }
        }
    }
}

fn ingress_rules(v: &mut V<'_>) {
    let n = v.model.network.clone();
    ingress_rule_checks(
        v,
        &n.additional_control_plane_ingress_rules,
        "spec.network.additionalControlPlaneIngressRules",
    );
    ingress_rule_checks(
        v,
        &n.additional_node_ingress_rules,
        "spec.network.additionalNodeIngressRules",
    );
    if let Some(lb) = v.model.load_balancer.clone() {
        ingress_rule_checks(
            v,
            &lb.ingress_rules,
            "spec.controlPlaneLoadBalancer.ingressRules",
        );
    }
    for (i, c) in n.node_port_ingress_rule_cidr_blocks.iter().enumerate() {
        if c.parse::<IpNet>().is_err() {
            v.infra(
                Rule::IngressRuleCidrInvalid,
                format!("spec.network.nodePortIngressRuleCidrBlocks[{i}]"),
                format!("CIDR block is invalid: '{c}'"),
            );
        }
    }
}

fn cni_rules(v: &mut V<'_>) {
    let model = v.model;
    if model.flavor == Flavor::Eks || !model.ipv6() {
        return;
    }
    let rules = model
        .network
        .cni
        .as_ref()
        .map(|c| c.cni_ingress_rules.clone())
        .unwrap_or_default();
    let vxlan = rules.iter().any(|r| {
        r.protocol.eq_ignore_ascii_case("udp") && r.from_port <= 4789 && r.to_port >= 4789
    });
    if !vxlan {
        v.infra(Rule::CniVxlanMissing, "spec.network.cni.cniIngressRules", "Calico supports IPv6 only with VXLAN: add the CNI ingress rule {description: \"VXLAN (calico)\", protocol: udp, fromPort: 4789, toPort: 4789} (without cni rules CAPA adds Calico's IP-in-IP and BGP rules, which do not work over IPv6)");
    }
    if let Some(i) = rules.iter().position(|r| r.protocol == "4") {
        v.infra(
            Rule::CniIpipIpv6,
            format!("spec.network.cni.cniIngressRules[{i}]"),
            "IP-in-IP (protocol 4) is not supported for IPv6; Calico needs VXLAN (udp/4789)",
        );
    }
}

fn migration_rules(v: &mut V<'_>) {
    let Some(existing) = v.facts.existing_cluster_vpc.clone() else {
        return;
    };
    let was_v6 = !existing.ipv6_cidr_blocks.is_empty();
    let wants_v6 = v.model.ipv6();
    if was_v6 == wants_v6 {
        return;
    }
    let (from, to) = if was_v6 {
        ("dualstack (IPv6)", "IPv4")
    } else {
        ("IPv4", "dualstack (IPv6)")
    };
    v.infra(
        Rule::NoInPlaceMigration,
        "spec.network.vpc.ipv6",
        format!("the cluster {} already exists as {from} (VPC {}); CAPA does not support in-place migration from {from} to {to}: create a new cluster with another name", v.model.name, existing.vpc_id),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(version("v1.21.0"), Some((1, 21, 0)));
        assert_eq!(version("1.22"), Some((1, 22, 0)));
        assert_eq!(version("v1.11.0-eksbuild.1"), Some((1, 11, 0)));
        assert!(version("v1.9.3").unwrap() < (1, 10, 2));
        assert_eq!(version("latest"), None);
    }
}
#[cfg(test)]
#[path = "tests.rs"]
mod rule_tests;
