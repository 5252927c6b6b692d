//! Load balancers: CreateLoadBalancer, DescribeLoadBalancers,
//! DeleteLoadBalancer, SetIpAddressType, SetSubnets, SetSecurityGroups and
//! the attribute calls.
//!
//! Every node of a load balancer takes an IPv4 address from its subnet, so
//! IPv6-only subnets take no load balancer; `dualstack` needs every subnet to
//! have an IPv6 block; NLBs and GWLBs never go into Local or Wavelength Zones.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::errors;
use super::types::{LbIpType, Scheme, TgIpType};
use super::{
    Tags, attribute_changes, attributes_xml, check_name, member_list, page, parse_tags, with_marker,
};
use crate::faults::Fate;
use crate::ids::Timestamp;
use crate::index::{By, Guard, Key, Keys};
use crate::protocol::error::AwsResult;
use crate::protocol::{Node, Params};
use crate::region::Ctx;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbAddress {
    /// The Elastic IP of an internet-facing NLB node, when one was mapped.
    pub ip_address: Option<Ipv4Addr>,
    pub allocation_id: Option<String>,
    pub private_ipv4_address: Ipv4Addr,
    pub ipv6_address: Option<Ipv6Addr>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LbZone {
    pub zone_name: String,
    pub subnet_id: String,
    pub address: LbAddress,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadBalancer {
    pub load_balancer_arn: String,
    pub name: String,
    pub dns_name: String,
    pub canonical_hosted_zone_id: String,
    pub created_time: Timestamp,
    /// `internet-facing` or `internal`.
    pub scheme: Scheme,
    pub vpc_id: String,
    /// provisioning | active | failed
    pub state: String,
    /// application | network | gateway
    pub lb_type: String,
    /// ipv4 | dualstack | dualstack-without-public-ipv4
    pub ip_address_type: LbIpType,
    pub availability_zones: Vec<LbZone>,
    pub security_groups: Vec<String>,
    pub enable_prefix_for_ipv6_source_nat: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub tags: Tags,
    #[serde(default, skip_serializing_if = "crate::bookkeeping::hidden_in_dump")]
    pub reads_left: u32,
    /// Never leaves `provisioning` (the `outcome: stuck` fault).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stuck: bool,
    /// Set for a load balancer that goes `failed` (the `outcome: failed`
    /// fault): the state's `Reason`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

crate::registry::resource!(
    LoadBalancer: "loadbalancer", "loadbalancer", load_balancer_arn, Tags,
    |_id| errors::load_balancer_not_found();

    fn owns(id: &str) -> bool {
        id.contains(":loadbalancer/")
    }
);

/// A load balancer is found by its name, its VPC, its subnets and its
/// security groups.
impl Keys for LoadBalancer {
    fn keys(&self, out: &mut Vec<Key>) {
        out.push((By::Name, self.name.clone()));
        out.push((By::Vpc, self.vpc_id.clone()));
        out.extend(
            self.availability_zones
                .iter()
                .map(|z| (By::Subnet, z.subnet_id.clone())),
        );
        out.extend(self.security_groups.iter().map(|g| (By::Group, g.clone())));
    }
}

impl LoadBalancer {
    pub fn is_network(&self) -> bool {
        self.lb_type == "network"
    }

    pub fn is_dualstack(&self) -> bool {
        self.ip_address_type.is_dualstack()
    }

    fn observe(&mut self) {
        if self.state == "provisioning" && !self.stuck {
            if self.reads_left > 0 {
                self.reads_left -= 1;
            } else if self.failure_reason.is_some() {
                self.state = "failed".to_owned();
            } else {
                self.state = "active".to_owned();
            }
        }
    }

    pub fn to_xml(&self) -> Node {
        Node::el("member")
            .leaf("LoadBalancerArn", &self.load_balancer_arn)
            .leaf("DNSName", &self.dns_name)
            .leaf("CanonicalHostedZoneId", &self.canonical_hosted_zone_id)
            .leaf("CreatedTime", self.created_time)
            .leaf("LoadBalancerName", &self.name)
            .leaf("Scheme", self.scheme)
            .leaf("VpcId", &self.vpc_id)
            .child(
                Node::el("State").leaf("Code", &self.state).opt_leaf(
                    "Reason",
                    self.failure_reason
                        .as_ref()
                        .filter(|_| self.state == "failed"),
                ),
            )
            .leaf("Type", &self.lb_type)
            .child(zones_xml(&self.availability_zones))
            .opt_child((!self.security_groups.is_empty()).then(|| {
                Node::members(
                    "SecurityGroups",
                    self.security_groups.iter().map(|s| Node::text("member", s)),
                )
            }))
            .leaf("IpAddressType", self.ip_address_type)
            .opt_leaf(
                "EnablePrefixForIpv6SourceNat",
                self.enable_prefix_for_ipv6_source_nat.as_ref(),
            )
    }
}

fn zones_xml(zones: &[LbZone]) -> Node {
    Node::members(
        "AvailabilityZones",
        zones.iter().map(|z| {
            let a = &z.address;
            Node::el("member")
                .leaf("ZoneName", &z.zone_name)
                .leaf("SubnetId", &z.subnet_id)
                .child(Node::members(
                    "LoadBalancerAddresses",
                    [Node::el("member")
                        .opt_leaf("IpAddress", a.ip_address)
                        .opt_leaf("AllocationId", a.allocation_id.as_ref())
                        .leaf("PrivateIPv4Address", a.private_ipv4_address)
                        .opt_leaf("IPv6Address", a.ipv6_address)],
                ))
        }),
    )
}

/// One `Subnets.member.N` or `SubnetMappings.member.N` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mapping {
    subnet_id: String,
    allocation_id: Option<String>,
    private_ipv4: Option<Ipv4Addr>,
    ipv6: Option<Ipv6Addr>,
}

fn parse_mappings(p: &Params) -> AwsResult<Option<Vec<Mapping>>> {
    let plain = p.member_list("Subnets");
    let mapped = p.member_structs("SubnetMappings");
    match (plain, mapped) {
        (Some(s), Some(m)) if !s.is_empty() && !m.is_empty() => Err(errors::validation(
            "You can specify either subnets or subnet mappings, not both",
        )),
        (Some(s), _) if !s.is_empty() => Ok(Some(
            s.into_iter()
                .map(|subnet_id| Mapping {
                    subnet_id,
                    allocation_id: None,
                    private_ipv4: None,
                    ipv6: None,
                })
                .collect(),
        )),
        (_, Some(m)) if !m.is_empty() => m
            .into_iter()
            .map(|e| {
                let subnet_id = e
                    .value("SubnetId")
                    .ok_or_else(|| errors::validation("A subnet mapping must specify a subnet ID"))?
                    .to_owned();
                let private_ipv4 = parse_ip(e.value("PrivateIPv4Address"), "IPv4")?;
                let ipv6 = parse_ip(e.value("IPv6Address"), "IPv6")?;
                Ok(Mapping {
                    subnet_id,
                    allocation_id: e.value("AllocationId").map(str::to_owned),
                    private_ipv4,
                    ipv6,
                })
            })
            .collect::<AwsResult<Vec<_>>>()
            .map(Some),
        (Some(_), _) | (_, Some(_)) => Ok(Some(Vec::new())),
        (None, None) => Ok(None),
    }
}

/// Where each node of a load balancer goes, after every subnet rule.
struct ZonePlan {
    vpc_id: String,
    zones: Vec<(Mapping, String)>,
}

/// The `IpAddressType` a request gives, checked against the load
/// balancer's type and scheme.
fn check_ip_address_type(lb_type: &str, scheme: Scheme, ip_type: &str) -> AwsResult<LbIpType> {
    let ip_type = LbIpType::parse(ip_type)?;
    if ip_type == LbIpType::DualstackWithoutPublicIpv4
        && (lb_type != "application" || scheme != Scheme::InternetFacing)
    {
        return Err(errors::validation(
            "The IP address type 'dualstack-without-public-ipv4' is supported only by internet-facing Application Load Balancers",
        ));
    }
    Ok(ip_type)
}

fn plan_zones(
    ctx: &Ctx<'_>,
    lb_type: &str,
    scheme: Scheme,
    ip_type: LbIpType,
    mappings: &[Mapping],
) -> AwsResult<ZonePlan> {
    let ec2 = &ctx.region.ec2;
    if mappings.is_empty() {
        return Err(errors::validation("At least one subnet must be specified"));
    }
    if lb_type == "application" && mappings.len() < 2 {
        return Err(errors::validation(
            "At least two subnets in two different Availability Zones must be specified",
        ));
    }
    let mut vpc_id: Option<String> = None;
    let mut zones: Vec<(Mapping, String)> = Vec::new();
    for m in mappings {
        let subnet = ec2
            .subnets
            .get(&m.subnet_id)
            .ok_or_else(|| errors::subnet_not_found(&m.subnet_id))?;
        match &vpc_id {
            None => vpc_id = Some(subnet.vpc_id.clone()),
            Some(v) if *v != subnet.vpc_id => {
                return Err(errors::invalid_configuration(
                    "The subnets of a load balancer must all belong to the same VPC",
                ));
            }
            Some(_) => {}
        }
        if zones.iter().any(|(_, z)| *z == subnet.availability_zone) {
            return Err(errors::validation(
                "You cannot specify multiple subnets in the same Availability Zone",
            ));
        }
        if subnet.ipv6_native || subnet.cidr_block.is_none() {
            return Err(errors::invalid_subnet(format!(
                "The subnet '{}' is IPv6-only. Load balancer nodes need an IPv4 address; use IPv4 or dualstack subnets",
                m.subnet_id
            )));
        }
        let zone = ctx.region.zone(&subnet.availability_zone);
        if lb_type != "application" && zone.is_some_and(|z| z.zone_type.is_edge()) {
            return Err(errors::availability_zone_not_supported(
                lb_type,
                &subnet.availability_zone,
            ));
        }
        if ip_type.is_dualstack() && !subnet.has_ipv6() {
            return Err(errors::validation(
                "You must specify subnets with an associated IPv6 CIDR block.",
            ));
        }
        if scheme == Scheme::InternetFacing
            && lb_type == "network"
            && subnet.available_ip_address_count() < 8
        {
            return Err(errors::invalid_subnet(format!(
                "Not enough IP space available in {}. ELB requires at least 8 free IP addresses in each subnet.",
                m.subnet_id
            )));
        }
        if let Some(alloc) = &m.allocation_id {
            if lb_type != "network" || scheme != Scheme::InternetFacing {
                return Err(errors::validation(
                    "Elastic IP addresses can only be assigned to internet-facing Network Load Balancers",
                ));
            }
            let eip = ec2
                .addresses
                .get(alloc)
                .ok_or_else(|| errors::allocation_id_not_found(alloc))?;
            if eip.association_id.is_some() || eip.nat_gateway_id.is_some() {
                return Err(errors::invalid_configuration(format!(
                    "The allocation ID '{alloc}' is already associated"
                )));
            }
        }
        if let Some(ip) = m.private_ipv4 {
            if scheme != Scheme::Internal {
                return Err(errors::validation(
                    "Private IPv4 addresses can only be assigned to internal load balancers",
                ));
            }
            if !subnet.cidr_block.is_some_and(|c| c.contains(&ip))
                || subnet.is_reserved_ipv4(ip)
                || subnet.used_ipv4.contains(&ip)
            {
                return Err(errors::invalid_configuration(format!(
                    "The private IPv4 address '{ip}' is not available in the subnet '{}'",
                    m.subnet_id
                )));
            }
        }
        if let Some(ip) = m.ipv6 {
            if ip_type == LbIpType::Ipv4 {
                return Err(errors::validation(
                    "IPv6 addresses can only be assigned to dualstack load balancers",
                ));
            }
            if !subnet.ipv6_block().is_some_and(|b| b.contains(&ip))
                || subnet.is_reserved_ipv6(ip)
                || subnet.used_ipv6.contains(&ip)
            {
                return Err(errors::invalid_configuration(format!(
                    "The IPv6 address '{ip}' is not available in the subnet '{}'",
                    m.subnet_id
                )));
            }
        }
        zones.push((m.clone(), subnet.availability_zone.clone()));
    }
    Ok(ZonePlan {
        vpc_id: vpc_id.unwrap_or_default(),
        zones,
    })
}

/// Takes the addresses a planned zone needs from its subnet.
fn commit_zone(
    ctx: &mut Ctx<'_>,
    m: &Mapping,
    zone_name: String,
    dualstack: bool,
) -> AwsResult<LbZone> {
    let ec2 = &mut ctx.region.ec2;
    let subnet = ec2
        .subnets
        .get_mut(&m.subnet_id)
        .ok_or_else(|| errors::subnet_not_found(&m.subnet_id))?;
    let private_ipv4_address = match m.private_ipv4 {
        Some(ip) => {
            subnet.used_ipv4.insert(ip);
            ip
        }
        None => subnet.allocate_ipv4().ok_or_else(|| {
            errors::invalid_subnet(format!("Not enough IP space available in {}", m.subnet_id))
        })?,
    };
    let ipv6_address = if dualstack {
        match m.ipv6 {
            Some(ip) => subnet.claim_ipv6(ip).then_some(ip),
            None => subnet.allocate_ipv6(),
        }
    } else {
        None
    };
    let mut ip_address = None;
    if let Some(alloc) = &m.allocation_id
        && let Some(eip) = ec2.addresses.get_mut(alloc)
    {
        eip.association_id = Some(format!("eipassoc-elb-{}", &m.subnet_id));
        eip.private_ip_address = Some(private_ipv4_address);
        ip_address = Some(eip.public_ip);
    }
    Ok(LbZone {
        zone_name,
        subnet_id: m.subnet_id.clone(),
        address: LbAddress {
            ip_address,
            allocation_id: m.allocation_id.clone(),
            private_ipv4_address,
            ipv6_address,
        },
    })
}

/// Gives a zone's addresses back to its subnet.
fn release_zone(ctx: &mut Ctx<'_>, z: &LbZone) {
    let ec2 = &mut ctx.region.ec2;
    if let Some(s) = ec2.subnets.get_mut(&z.subnet_id) {
        s.release_ipv4(z.address.private_ipv4_address);
        if let Some(v6) = z.address.ipv6_address {
            s.release_ipv6(v6);
        }
    }
    if let Some(alloc) = &z.address.allocation_id
        && let Some(eip) = ec2.addresses.get_mut(alloc)
    {
        eip.association_id = None;
        eip.private_ip_address = None;
    }
}

/// Security groups must exist and sit in the load balancer's VPC.
fn check_security_groups(ctx: &Ctx<'_>, vpc_id: &str, groups: &[String]) -> AwsResult<()> {
    for g in groups {
        match ctx.region.ec2.security_groups.get(g) {
            Some(sg) if sg.vpc_id == vpc_id => {}
            _ => return Err(errors::invalid_security_group(g)),
        }
    }
    Ok(())
}

/// Route 53 hosted zone ids of ELB DNS names, per region and type.
fn hosted_zone(region: &str, lb_type: &str) -> &'static str {
    let nlb = lb_type != "application";
    match (region, nlb) {
        ("us-east-1", true) => "Z26RNL4JYFTOTI",
        ("us-east-1", false) => "Z35SXDOTRQ7X7K",
        ("us-east-2", true) => "ZLMOA37VPKANP",
        ("us-east-2", false) => "Z3AADJGX6KTTL2",
        ("us-west-2", true) => "Z18D5FSROUN65G",
        ("us-west-2", false) => "Z1H1FL5HABSF5",
        ("eu-west-1", true) => "Z2IFOLAFXWLO4F",
        ("eu-west-1", false) => "Z32O12XQLNTSW2",
        (_, true) => "Z2FAKENLBZONE0",
        (_, false) => "Z2FAKEALBZONE0",
    }
}

fn default_attributes(lb_type: &str) -> BTreeMap<String, String> {
    let mut a: BTreeMap<String, String> = [
        ("deletion_protection.enabled", "false"),
        ("access_logs.s3.enabled", "false"),
        ("access_logs.s3.bucket", ""),
        ("access_logs.s3.prefix", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let extra: &[(&str, &str)] = match lb_type {
        "network" => &[
            ("load_balancing.cross_zone.enabled", "false"),
            ("dns_record.client_routing_policy", "any_availability_zone"),
            ("ipv6.deny_all_igw_traffic", "false"),
        ],
        "application" => &[
            ("load_balancing.cross_zone.enabled", "true"),
            ("idle_timeout.timeout_seconds", "60"),
            ("routing.http2.enabled", "true"),
            ("routing.http.drop_invalid_header_fields.enabled", "false"),
        ],
        _ => &[("load_balancing.cross_zone.enabled", "false")],
    };
    a.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    a
}

pub fn create_load_balancer(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("Name")?.to_owned();
    check_name("Load balancer", &name)?;
    if name.starts_with("internal-") {
        return Err(errors::validation(format!(
            "Load balancer name '{name}' cannot begin with 'internal-'"
        )));
    }
    let lb_type = p.value("Type").unwrap_or("application").to_owned();
    if !["application", "network", "gateway"].contains(&lb_type.as_str()) {
        return Err(errors::validation(format!(
            "1 validation error detected: Value '{lb_type}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [application, network, gateway]"
        )));
    }
    let scheme = Scheme::parse(p.value("Scheme").unwrap_or("internet-facing"))?;
    let ip_type =
        check_ip_address_type(&lb_type, scheme, p.value("IpAddressType").unwrap_or("ipv4"))?;
    let prefix_nat = p.value("EnablePrefixForIpv6SourceNat").map(str::to_owned);
    match prefix_nat.as_deref() {
        None | Some("off") => {}
        Some("on") if lb_type == "network" && ip_type == LbIpType::Dualstack => {}
        Some("on") => {
            return Err(errors::validation(
                "EnablePrefixForIpv6SourceNat can be 'on' only for dualstack Network Load Balancers",
            ));
        }
        Some(other) => {
            return Err(errors::validation(format!(
                "The value '{other}' is not valid for EnablePrefixForIpv6SourceNat"
            )));
        }
    }
    let mappings = parse_mappings(p)?
        .ok_or_else(|| errors::validation("At least one subnet must be specified"))?;
    let tags = parse_tags(p)?;
    let plan = plan_zones(ctx, &lb_type, scheme, ip_type, &mappings)?;
    let mut security_groups = member_list(p, "SecurityGroups");
    check_security_groups(ctx, &plan.vpc_id, &security_groups)?;
    if security_groups.is_empty()
        && lb_type == "application"
        && let Some(v) = ctx.region.ec2.vpcs.get(&plan.vpc_id)
    {
        security_groups.push(v.default_security_group_id.clone());
    }

    // Same name: the same load balancer if the settings match, else an error.
    if let Some(existing) = ctx.region.elbv2.load_balancers.first(By::Name, &name) {
        let same_subnets = {
            let mut a: Vec<&str> = existing
                .availability_zones
                .iter()
                .map(|z| z.subnet_id.as_str())
                .collect();
            let mut b: Vec<&str> = mappings.iter().map(|m| m.subnet_id.as_str()).collect();
            a.sort_unstable();
            b.sort_unstable();
            a == b
        };
        if existing.lb_type == lb_type
            && existing.scheme == scheme
            && existing.ip_address_type == ip_type
            && same_subnets
        {
            return Ok(vec![Node::members("LoadBalancers", [existing.to_xml()])]);
        }
        return Err(errors::duplicate_load_balancer_name(&name));
    }

    let dualstack = ip_type.is_dualstack();
    let mut zones = Vec::with_capacity(plan.zones.len());
    for (m, zone_name) in &plan.zones {
        zones.push(commit_zone(ctx, m, zone_name.clone(), dualstack)?);
    }
    let suffix = ctx.region.ids.next_hex16("elbv2-lb");
    let short = match lb_type.as_str() {
        "network" => "net",
        "gateway" => "gwy",
        _ => "app",
    };
    let region = ctx.region.name.clone();
    let dns_name = match lb_type.as_str() {
        "application" => {
            let prefix = if scheme == Scheme::Internal {
                "internal-"
            } else {
                ""
            };
            format!(
                "{prefix}{name}-{}.{region}.elb.amazonaws.com",
                u64::from_str_radix(&suffix, 16).unwrap_or(0)
            )
        }
        _ => format!("{name}-{suffix}.elb.{region}.amazonaws.com"),
    };
    let lb = LoadBalancer {
        load_balancer_arn: ctx.region.arn(
            "elasticloadbalancing",
            &format!("loadbalancer/{short}/{name}/{suffix}"),
        ),
        name,
        dns_name,
        canonical_hosted_zone_id: hosted_zone(&region, &lb_type).to_owned(),
        created_time: ctx.now,
        scheme,
        vpc_id: plan.vpc_id,
        state: "provisioning".to_owned(),
        attributes: default_attributes(&lb_type),
        lb_type,
        ip_address_type: ip_type,
        availability_zones: zones,
        security_groups,
        enable_prefix_for_ipv6_source_nat: prefix_nat.filter(|_| dualstack),
        tags,
        reads_left: ctx.region.settle_reads,
        stuck: ctx.fate == Some(Fate::Stuck),
        failure_reason: match &ctx.fate {
            Some(Fate::Failed { message, .. }) => Some(message.clone().unwrap_or_else(|| {
                "The load balancer could not be provisioned: an internal error occurred.".to_owned()
            })),
            _ => None,
        },
    };
    let answer = lb.to_xml();
    ctx.region
        .elbv2
        .load_balancers
        .insert(lb.load_balancer_arn.clone(), lb);
    Ok(vec![Node::members("LoadBalancers", [answer])])
}

pub fn describe_load_balancers(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arns = member_list(p, "LoadBalancerArns");
    let names = member_list(p, "Names");
    if !arns.is_empty() && !names.is_empty() {
        return Err(errors::validation(
            "Load balancer names and load balancer ARNs cannot be specified at the same time",
        ));
    }
    let state = &mut ctx.region.elbv2;
    let selected: Vec<String> = if !arns.is_empty() {
        if arns.iter().any(|a| !state.load_balancers.contains_key(a)) {
            return Err(errors::load_balancer_not_found());
        }
        arns
    } else if !names.is_empty() {
        names
            .iter()
            .map(|n| {
                state
                    .load_balancers
                    .first(By::Name, n)
                    .map(|lb| lb.load_balancer_arn.clone())
                    .ok_or_else(errors::load_balancer_not_found)
            })
            .collect::<AwsResult<_>>()?
    } else {
        state.load_balancers.keys().cloned().collect()
    };
    let mut items = Vec::with_capacity(selected.len());
    for arn in &selected {
        if let Some(mut lb) = state.load_balancers.change(arn) {
            lb.observe();
            items.push(lb.to_xml());
        }
    }
    let (items, next) = page(items, p)?;
    Ok(with_marker(
        vec![Node::members("LoadBalancers", items)],
        next,
    ))
}

pub fn delete_load_balancer(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("LoadBalancerArn")?.to_owned();
    // Deleting a load balancer that does not exist succeeds, as on AWS.
    let Some(lb) = ctx.region.elbv2.load_balancers.get(&arn) else {
        return Ok(Vec::new());
    };
    if lb
        .attributes
        .get("deletion_protection.enabled")
        .map(String::as_str)
        == Some("true")
    {
        return Err(errors::operation_not_permitted(format!(
            "Load balancer '{arn}' cannot be deleted because deletion protection is enabled"
        )));
    }
    let lb = ctx
        .region
        .elbv2
        .load_balancers
        .remove(&arn)
        .expect("checked above");
    ctx.region
        .elbv2
        .listeners
        .remove_each(By::LoadBalancer, &arn);
    for z in &lb.availability_zones {
        release_zone(ctx, z);
    }
    Ok(Vec::new())
}

fn find_lb<'a>(ctx: &'a Ctx<'_>, arn: &str) -> AwsResult<&'a LoadBalancer> {
    ctx.region
        .elbv2
        .load_balancers
        .get(arn)
        .ok_or_else(errors::load_balancer_not_found)
}

pub(super) fn find_lb_mut<'a>(
    ctx: &'a mut Ctx<'_>,
    arn: &str,
) -> AwsResult<Guard<'a, LoadBalancer>> {
    ctx.region
        .elbv2
        .load_balancers
        .change(arn)
        .ok_or_else(errors::load_balancer_not_found)
}

/// An optional address parameter; one that is not an address of the
/// family is AWS's ValidationError.
fn parse_ip<T: std::str::FromStr>(value: Option<&str>, family: &str) -> AwsResult<Option<T>> {
    value
        .map(|v| v.parse().map_err(|_| errors::not_an_ip_address(v, family)))
        .transpose()
}

/// An IPv6 target group attached through a listener keeps a load balancer dualstack.
fn has_ipv6_target_group(ctx: &Ctx<'_>, lb_arn: &str) -> bool {
    let elb = &ctx.region.elbv2;
    elb.listeners
        .find(By::LoadBalancer, lb_arn)
        .flat_map(|l| l.target_group_arns())
        .any(|tg| {
            elb.target_groups
                .get(tg)
                .is_some_and(|t| t.ip_address_type == TgIpType::Ipv6)
        })
}

pub fn set_ip_address_type(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("LoadBalancerArn")?.to_owned();
    let ip_type = p.required("IpAddressType")?.to_owned();
    let lb = find_lb(ctx, &arn)?.clone();
    let ip_type = check_ip_address_type(&lb.lb_type, lb.scheme, &ip_type)?;
    if ip_type == LbIpType::Ipv4 && has_ipv6_target_group(ctx, &arn) {
        return Err(errors::invalid_configuration(
            "You cannot set the IP address type to 'ipv4' while an IPv6 target group is associated with the load balancer",
        ));
    }
    if ip_type.is_dualstack() {
        for z in &lb.availability_zones {
            let has = ctx
                .region
                .ec2
                .subnets
                .get(&z.subnet_id)
                .is_some_and(|s| s.has_ipv6());
            if !has {
                return Err(errors::validation(
                    "You must specify subnets with an associated IPv6 CIDR block.",
                ));
            }
        }
        let udp = ctx
            .region
            .elbv2
            .listeners
            .find(By::LoadBalancer, &arn)
            .any(|l| matches!(l.protocol.as_str(), "UDP" | "TCP_UDP"));
        if udp && lb.enable_prefix_for_ipv6_source_nat.as_deref() != Some("on") {
            return Err(errors::invalid_configuration(
                "UDP and TCP_UDP listeners cannot be used with a dualstack load balancer unless EnablePrefixForIpv6SourceNat is 'on'",
            ));
        }
    }
    let ec2 = &mut ctx.region.ec2;
    let mut zones = lb.availability_zones.clone();
    for z in &mut zones {
        let Some(s) = ec2.subnets.get_mut(&z.subnet_id) else {
            continue;
        };
        match (ip_type.is_dualstack(), z.address.ipv6_address) {
            (true, None) => z.address.ipv6_address = s.allocate_ipv6(),
            (false, Some(v6)) => {
                s.release_ipv6(v6);
                z.address.ipv6_address = None;
            }
            _ => {}
        }
    }
    let mut lb = find_lb_mut(ctx, &arn)?;
    lb.availability_zones = zones;
    lb.ip_address_type = ip_type;
    Ok(vec![Node::text("IpAddressType", ip_type)])
}

pub fn set_subnets(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("LoadBalancerArn")?.to_owned();
    let lb = find_lb(ctx, &arn)?.clone();
    let ip_type = p
        .value("IpAddressType")
        .unwrap_or(lb.ip_address_type.as_str())
        .to_owned();
    let ip_type = check_ip_address_type(&lb.lb_type, lb.scheme, &ip_type)?;
    let mappings = parse_mappings(p)?
        .ok_or_else(|| errors::validation("At least one subnet must be specified"))?;
    if lb.is_network() {
        let kept = lb
            .availability_zones
            .iter()
            .all(|z| mappings.iter().any(|m| m.subnet_id == z.subnet_id));
        if !kept {
            return Err(errors::invalid_configuration(
                "Subnets cannot be removed from a Network Load Balancer; you can only add subnets in new Availability Zones",
            ));
        }
    }
    // Plan against a state without this load balancer's own addresses.
    for z in &lb.availability_zones {
        release_zone(ctx, z);
    }
    let planned = plan_zones(ctx, &lb.lb_type, lb.scheme, ip_type, &mappings).and_then(|plan| {
        if plan.vpc_id != lb.vpc_id {
            return Err(errors::invalid_configuration(
                "The subnets must belong to the VPC of the load balancer",
            ));
        }
        Ok(plan)
    });
    let plan = match planned {
        Ok(plan) => plan,
        Err(e) => {
            // Put the old addresses back before answering.
            for z in &lb.availability_zones {
                if let Some(s) = ctx.region.ec2.subnets.get_mut(&z.subnet_id) {
                    s.used_ipv4.insert(z.address.private_ipv4_address);
                    if let Some(v6) = z.address.ipv6_address {
                        s.used_ipv6.insert(v6);
                    }
                }
            }
            return Err(e);
        }
    };
    let dualstack = ip_type.is_dualstack();
    let mut zones = Vec::new();
    for (m, zone_name) in &plan.zones {
        // Keep an existing node's addresses where the subnet stays.
        match lb.availability_zones.iter().find(|z| {
            z.subnet_id == m.subnet_id && m.allocation_id.is_none() && m.private_ipv4.is_none()
        }) {
            Some(old) => {
                let mapping = Mapping {
                    subnet_id: m.subnet_id.clone(),
                    allocation_id: old.address.allocation_id.clone(),
                    private_ipv4: Some(old.address.private_ipv4_address),
                    ipv6: old.address.ipv6_address.filter(|_| dualstack),
                };
                zones.push(commit_zone(ctx, &mapping, zone_name.clone(), dualstack)?);
            }
            None => zones.push(commit_zone(ctx, m, zone_name.clone(), dualstack)?),
        }
    }
    let answer = zones_xml(&zones);
    let mut lb = find_lb_mut(ctx, &arn)?;
    lb.availability_zones = zones;
    lb.ip_address_type = ip_type;
    Ok(vec![answer, Node::text("IpAddressType", ip_type)])
}

pub fn set_security_groups(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("LoadBalancerArn")?.to_owned();
    let groups = member_list(p, "SecurityGroups");
    let lb = find_lb(ctx, &arn)?.clone();
    if lb.is_network() && lb.security_groups.is_empty() && !groups.is_empty() {
        return Err(errors::invalid_configuration(
            "You cannot add security groups to a Network Load Balancer that was created without security groups",
        ));
    }
    if lb.lb_type == "application" && groups.is_empty() {
        return Err(errors::validation(
            "An Application Load Balancer needs at least one security group",
        ));
    }
    check_security_groups(ctx, &lb.vpc_id, &groups)?;
    let mut lb = find_lb_mut(ctx, &arn)?;
    lb.security_groups = groups.clone();
    Ok(vec![Node::members(
        "SecurityGroupIds",
        groups.iter().map(|g| Node::text("member", g)),
    )])
}

pub fn describe_load_balancer_attributes(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("LoadBalancerArn")?;
    let lb = find_lb(ctx, arn)?;
    Ok(vec![attributes_xml(&lb.attributes)])
}

pub fn modify_load_balancer_attributes(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("LoadBalancerArn")?.to_owned();
    let changes = attribute_changes(p)?;
    let lb = find_lb(ctx, &arn)?;
    for (k, v) in &changes {
        if !lb.attributes.contains_key(k) {
            return Err(errors::invalid_configuration(format!(
                "Key {k} not valid for a load balancer of type '{}'",
                lb.lb_type
            )));
        }
        if k.ends_with(".enabled") && v != "true" && v != "false" {
            return Err(errors::invalid_configuration(format!(
                "The value of {k} must be 'true' or 'false'"
            )));
        }
    }
    let mut lb = find_lb_mut(ctx, &arn)?;
    lb.attributes.extend(changes);
    Ok(vec![attributes_xml(&lb.attributes)])
}
