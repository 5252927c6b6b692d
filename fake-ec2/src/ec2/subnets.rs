//! Subnets: CreateSubnet, DescribeSubnets, DeleteSubnet,
//! ModifySubnetAttribute, Associate/DisassociateSubnetCidrBlock.
//!
//! IPv4 subnets are /16 to /28 inside a VPC IPv4 block; IPv6 subnet blocks are
//! /44 to /64 in steps of 4 inside a VPC IPv6 block; IPv6-only subnets
//! (`Ipv6Native`) have no IPv4 block at all.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters;
use super::paging::Limits;
use super::tags::{self, Tags};
use super::vpcs::{CidrBlockState, Vpc};
use super::zones::{Zone, ZoneType};
use super::{Ec2State, errors};
use crate::cidr;
use crate::index::{By, Indexed, Key, Keys, StableKeys};
use crate::protocol::error::AwsResult;
use crate::protocol::xml::rename;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;
use crate::registry;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubnetIpv6Association {
    pub association_id: String,
    pub ipv6_cidr_block: Ipv6Net,
    pub state: CidrBlockState,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subnet {
    pub subnet_id: String,
    pub subnet_arn: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub state: String,
    pub availability_zone: String,
    pub availability_zone_id: String,
    /// None for an IPv6-only subnet.
    pub cidr_block: Option<Ipv4Net>,
    pub ipv6_cidr_block_associations: Vec<SubnetIpv6Association>,
    pub ipv6_native: bool,
    pub assign_ipv6_address_on_creation: bool,
    pub map_public_ip_on_launch: bool,
    pub enable_dns64: bool,
    /// `ip-name` or `resource-name`.
    pub private_dns_hostname_type_on_launch: String,
    pub enable_resource_name_dns_a_record_on_launch: bool,
    pub enable_resource_name_dns_aaaa_record_on_launch: bool,
    pub default_for_az: bool,
    pub tags: Tags,
    /// Addresses handed out in this subnet (instances, NAT gateways, load balancer nodes).
    pub used_ipv4: BTreeSet<Ipv4Addr>,
    pub used_ipv6: BTreeSet<Ipv6Addr>,
}

crate::registry::resource!(
    Subnet: "subnet", "subnet", subnet_id, Tags, |id| errors::subnet_not_found(id);

    fn elbv2_not_found(id: &str) -> Option<AwsError> {
        Some(crate::elbv2::errors::subnet_not_found(id))
    }

    fn elb_not_found(id: &str) -> Option<AwsError> {
        Some(crate::elb::errors::subnet_not_found(id))
    }
);

/// The region's subnets by id, indexed by VPC, so CIDR checks and
/// `vpc-id` lookups cost the VPC's subnets rather than the region's.
pub type Subnets = Indexed<Subnet>;

impl Keys for Subnet {
    fn keys(&self, out: &mut Vec<Key>) {
        out.push((By::Vpc, self.vpc_id.clone()));
    }
}

/// A subnet never changes VPC.
impl StableKeys for Subnet {}

impl Subnets {
    /// The subnets of one VPC, in id order.
    pub fn in_vpc<'a>(&'a self, vpc_id: &str) -> impl Iterator<Item = &'a Subnet> + 'a {
        self.find(By::Vpc, vpc_id)
    }
}

/// AWS reserves the first four addresses and the last one of every subnet block.
pub const RESERVED_HEAD: u32 = 4;

impl Subnet {
    /// The subnet's active IPv6 blocks (at most one).
    pub fn ipv6_blocks(&self) -> impl Iterator<Item = Ipv6Net> + '_ {
        self.ipv6_cidr_block_associations
            .iter()
            .filter(|a| a.state.is_active())
            .map(|a| a.ipv6_cidr_block)
    }

    pub fn ipv6_block(&self) -> Option<Ipv6Net> {
        self.ipv6_blocks().next()
    }

    pub fn has_ipv6(&self) -> bool {
        self.ipv6_block().is_some()
    }

    /// IPv4 addresses still free (0 for an IPv6-only subnet).
    pub fn available_ip_address_count(&self) -> u64 {
        self.cidr_block.map_or(0, |c| {
            cidr::size_v4(&c)
                .saturating_sub(u64::from(RESERVED_HEAD) + 1 + self.used_ipv4.len() as u64)
        })
    }

    /// Takes the lowest free IPv4 address, if the subnet has IPv4 and room.
    pub fn allocate_ipv4(&mut self) -> Option<Ipv4Addr> {
        let net = self.cidr_block?;
        let size = u32::try_from(cidr::size_v4(&net)).ok()?;
        (RESERVED_HEAD..size.checked_sub(1)?)
            .map(|i| cidr::nth_v4(&net, i))
            .find(|a| !self.used_ipv4.contains(a))
            .inspect(|a| {
                self.used_ipv4.insert(*a);
            })
    }

    /// Takes the lowest free IPv6 address of the subnet's block.
    pub fn allocate_ipv6(&mut self) -> Option<Ipv6Addr> {
        let net = self.ipv6_block()?;
        let size: u128 = 1u128
            .checked_shl(u32::from(128 - net.prefix_len()))
            .unwrap_or(u128::MAX);
        let mut i = u128::from(RESERVED_HEAD);
        while i < size.saturating_sub(1) {
            let a = cidr::nth_v6(&net, i);
            if !self.used_ipv6.contains(&a) {
                self.used_ipv6.insert(a);
                return Some(a);
            }
            i += 1;
        }
        None
    }

    /// Claims a specific IPv6 address; false if it is outside the block, reserved or taken.
    pub fn claim_ipv6(&mut self, addr: Ipv6Addr) -> bool {
        let Some(net) = self.ipv6_block() else {
            return false;
        };
        let offset = u128::from(addr).wrapping_sub(u128::from(net.network()));
        let last = u128::from(net.broadcast());
        if !net.contains(&addr) || offset < u128::from(RESERVED_HEAD) || u128::from(addr) == last {
            return false;
        }
        self.used_ipv6.insert(addr)
    }

    /// Whether an address is one AWS keeps in the subnet's IPv4 block (the first four, the last).
    pub fn is_reserved_ipv4(&self, addr: Ipv4Addr) -> bool {
        self.cidr_block.is_some_and(|net| {
            net.contains(&addr)
                && (u32::from(addr) - u32::from(net.network()) < RESERVED_HEAD
                    || addr == net.broadcast())
        })
    }

    /// The same for the subnet's IPv6 block.
    pub fn is_reserved_ipv6(&self, addr: Ipv6Addr) -> bool {
        self.ipv6_block().is_some_and(|net| {
            net.contains(&addr)
                && (u128::from(addr) - u128::from(net.network()) < u128::from(RESERVED_HEAD)
                    || addr == net.broadcast())
        })
    }

    pub fn release_ipv4(&mut self, addr: Ipv4Addr) {
        self.used_ipv4.remove(&addr);
    }

    pub fn release_ipv6(&mut self, addr: Ipv6Addr) {
        self.used_ipv6.remove(&addr);
    }

    pub fn to_xml(&self) -> Node {
        Node::el("item")
            .leaf("subnetId", &self.subnet_id)
            .leaf("subnetArn", &self.subnet_arn)
            .leaf("state", &self.state)
            .leaf("ownerId", &self.owner_id)
            .leaf("vpcId", &self.vpc_id)
            .opt_leaf("cidrBlock", self.cidr_block)
            .child(Node::set(
                "ipv6CidrBlockAssociationSet",
                self.ipv6_cidr_block_associations
                    .iter()
                    .map(association_xml),
            ))
            .leaf("availableIpAddressCount", self.available_ip_address_count())
            .leaf("availabilityZone", &self.availability_zone)
            .leaf("availabilityZoneId", &self.availability_zone_id)
            .leaf("defaultForAz", self.default_for_az)
            .leaf("mapPublicIpOnLaunch", self.map_public_ip_on_launch)
            // Outposts only: never set in a Region's subnet.
            .leaf("mapCustomerOwnedIpOnLaunch", false)
            .leaf(
                "assignIpv6AddressOnCreation",
                self.assign_ipv6_address_on_creation,
            )
            .leaf("ipv6Native", self.ipv6_native)
            .leaf("enableDns64", self.enable_dns64)
            .child(
                Node::el("privateDnsNameOptionsOnLaunch")
                    .leaf("hostnameType", &self.private_dns_hostname_type_on_launch)
                    .leaf(
                        "enableResourceNameDnsARecord",
                        self.enable_resource_name_dns_a_record_on_launch,
                    )
                    .leaf(
                        "enableResourceNameDnsAAAARecord",
                        self.enable_resource_name_dns_aaaa_record_on_launch,
                    ),
            )
            .opt_child(tags::tag_set(&self.tags))
    }
}

fn association_xml(a: &SubnetIpv6Association) -> Node {
    Node::el("item")
        .leaf("associationId", &a.association_id)
        .leaf("ipv6CidrBlock", a.ipv6_cidr_block)
        .child(Node::el("ipv6CidrBlockState").leaf("state", a.state.as_str()))
        .leaf("ipv6AddressAttribute", "public")
        .leaf("ipSource", "amazon")
}

filters::filterable!(Subnet, |subnet| [
    ("availability-zone", filters::one(&subnet.availability_zone)),
    (
        "availability-zone-id",
        filters::one(&subnet.availability_zone_id)
    ),
    (
        "available-ip-address-count",
        filters::one(subnet.available_ip_address_count())
    ),
    ("cidr", filters::opt(subnet.cidr_block)),
    ("cidr-block", filters::opt(subnet.cidr_block)),
    ("cidrBlock", filters::opt(subnet.cidr_block)),
    ("default-for-az", filters::bool_value(subnet.default_for_az)),
    ("enable-dns64", filters::bool_value(subnet.enable_dns64)),
    (
        "ipv6-cidr-block-association.association-id",
        subnet
            .ipv6_cidr_block_associations
            .iter()
            .map(|a| a.association_id.clone())
            .collect()
    ),
    (
        "ipv6-cidr-block-association.ipv6-cidr-block",
        subnet
            .ipv6_cidr_block_associations
            .iter()
            .map(|a| a.ipv6_cidr_block.to_string())
            .collect()
    ),
    (
        "ipv6-cidr-block-association.state",
        subnet
            .ipv6_cidr_block_associations
            .iter()
            .map(|a| a.state.as_str().to_owned())
            .collect()
    ),
    ("ipv6-native", filters::bool_value(subnet.ipv6_native)),
    (
        "map-public-ip-on-launch",
        filters::bool_value(subnet.map_public_ip_on_launch)
    ),
    ("owner-id", filters::one(&subnet.owner_id)),
    (
        "private-dns-name-options-on-launch.enable-resource-name-dns-a-record",
        filters::bool_value(subnet.enable_resource_name_dns_a_record_on_launch)
    ),
    (
        "private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record",
        filters::bool_value(subnet.enable_resource_name_dns_aaaa_record_on_launch)
    ),
    (
        "private-dns-name-options-on-launch.hostname-type",
        filters::one(&subnet.private_dns_hostname_type_on_launch)
    ),
    ("state", filters::one(&subnet.state)),
    ("subnet-arn", filters::one(&subnet.subnet_arn)),
    ("subnet-id", filters::one(&subnet.subnet_id)),
    ("vpc-id", filters::one(&subnet.vpc_id)),
]);

fn find_subnet<'a>(ec2: &'a Ec2State, id: &str) -> AwsResult<&'a Subnet> {
    registry::find(&ec2.subnets, id)
}

/// The zone a CreateSubnet asks for (by name or id), or the region's first AZ.
pub(crate) fn resolve_zone(ctx: &Ctx<'_>, p: &Params) -> AwsResult<Zone> {
    let usable = || {
        ctx.region
            .zones
            .iter()
            .filter(|z| z.is_usable())
            .map(|z| z.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (p.value("AvailabilityZone"), p.value("AvailabilityZoneId")) {
        (Some(_), Some(_)) => Err(AwsError::invalid_parameter_combination(
            "The parameters 'availabilityZone' and 'availabilityZoneId' cannot be used together.",
        )),
        (Some(name), None) => ctx
            .region
            .zone(name)
            .filter(|z| z.is_usable())
            .cloned()
            .ok_or_else(|| {
                AwsError::invalid_parameter_value(format!(
                    "Value ({name}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: {}.",
                    usable()
                ))
            }),
        (None, Some(id)) => ctx
            .region
            .zone_by_id(id)
            .filter(|z| z.is_usable())
            .cloned()
            .ok_or_else(|| {
                AwsError::invalid_parameter_value(format!(
                    "Value ({id}) for parameter availabilityZoneId is invalid. Subnets can currently only be created in the following availability zones: {}.",
                    usable()
                ))
            }),
        (None, None) => ctx
            .region
            .zones
            .iter()
            .find(|z| z.zone_type == ZoneType::AvailabilityZone)
            .cloned()
            .ok_or_else(|| AwsError::missing_parameter("AvailabilityZone")),
    }
}

/// An IPv4 subnet block: canonical, /16 to /28, inside the VPC, overlapping no subnet.
fn check_ipv4_block(ec2: &Ec2State, vpc: &Vpc, text: &str) -> AwsResult<Ipv4Net> {
    let net = cidr::parse_v4(text)
        .filter(cidr::is_canonical_v4)
        .ok_or_else(|| errors::invalid_cidr_value("cidrBlock", text))?;
    if !(16..=28).contains(&net.prefix_len()) || !vpc.ipv4_blocks().any(|b| b.contains(&net)) {
        return Err(errors::subnet_range(text));
    }
    let conflict = ec2
        .subnets
        .in_vpc(&vpc.vpc_id)
        .filter_map(|s| s.cidr_block)
        .any(|c| cidr::overlaps_v4(&c, &net));
    if conflict {
        return Err(errors::subnet_conflict(text));
    }
    Ok(net)
}

/// An IPv6 subnet block: canonical, /44 to /64 in steps of 4, inside a VPC
/// IPv6 block of the zone's network border group, overlapping no subnet.
/// Wavelength Zones and Local Zones without IPv6 take no IPv6 block.
fn check_ipv6_block(
    ec2: &Ec2State,
    vpc: &Vpc,
    zone: &Zone,
    text: &str,
    except_subnet: Option<&str>,
) -> AwsResult<Ipv6Net> {
    let net =
        cidr::parse_v6(text).ok_or_else(|| errors::invalid_cidr_value("ipv6CidrBlock", text))?;
    if !cidr::is_canonical_v6(&net) || !cidr::is_subnet_ipv6_prefix(net.prefix_len()) {
        return Err(AwsError::invalid_parameter_value(format!(
            "invalid value for parameter ipv6-cidr-block: {text}"
        )));
    }
    match zone.zone_type {
        ZoneType::WavelengthZone => {
            return Err(AwsError::invalid_parameter_value(format!(
                "IPv6 is not supported in the Wavelength Zone '{}'. Wavelength subnets are IPv4 only.",
                zone.name
            )));
        }
        ZoneType::LocalZone if !zone.ipv6_supported => {
            return Err(AwsError::invalid_parameter_value(format!(
                "IPv6 is not supported in the Local Zone '{}'.",
                zone.name
            )));
        }
        _ => {}
    }
    let container = vpc
        .ipv6_associations()
        .find(|a| a.ipv6_cidr_block.contains(&net))
        .ok_or_else(|| errors::ipv6_subnet_range(text))?;
    if container.network_border_group != zone.network_border_group {
        return Err(AwsError::invalid_parameter_value(format!(
            "The IPv6 CIDR block '{text}' is from the network border group '{}', but the zone '{}' is in the network border group '{}'.",
            container.network_border_group, zone.name, zone.network_border_group
        )));
    }
    let conflict = ec2
        .subnets
        .in_vpc(&vpc.vpc_id)
        .filter(|s| Some(s.subnet_id.as_str()) != except_subnet)
        .flat_map(Subnet::ipv6_blocks)
        .any(|b| cidr::overlaps_v6(&b, &net));
    if conflict {
        return Err(errors::subnet_conflict(text));
    }
    Ok(net)
}

fn unsupported_ipam_subnets() -> AwsError {
    AwsError::unsupported_operation(
        "Allocating subnet CIDRs from IPAM pools is not supported by this endpoint; pass CidrBlock or Ipv6CidrBlock.",
    )
}

pub fn create_subnet(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "subnet")?;
    let vpc_id = p.required("VpcId")?;
    let ec2 = &ctx.region.ec2;
    let vpc = ec2
        .vpcs
        .get(vpc_id)
        .ok_or_else(|| errors::vpc_not_found(vpc_id))?;
    let ipv6_native = p.flag("Ipv6Native")?;
    let zone = resolve_zone(ctx, p)?;
    let v4_text = p.value("CidrBlock");
    let v6_text = p.value("Ipv6CidrBlock");
    if ipv6_native && (v4_text.is_some() || p.value("Ipv4IpamPoolId").is_some()) {
        return Err(AwsError::invalid_parameter_combination(
            "When specifying ipv4 parameters, cidrBlock or ipv4IpamPoolId, you cannot set ipv6Native to true.",
        ));
    }
    if p.value("Ipv4IpamPoolId").is_some() || p.value("Ipv6IpamPoolId").is_some() {
        return Err(unsupported_ipam_subnets());
    }
    if ipv6_native && v6_text.is_none() {
        return Err(AwsError::missing_parameter_msg(
            "Either 'ipv6CidrBlock' or 'ipv6IpamPoolId' should be provided.",
        ));
    }
    if !ipv6_native && v4_text.is_none() {
        return Err(AwsError::missing_parameter_msg(
            "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.",
        ));
    }
    let v4 = v4_text.map(|t| check_ipv4_block(ec2, vpc, t)).transpose()?;
    let v6 = v6_text
        .map(|t| check_ipv6_block(ec2, vpc, &zone, t, None))
        .transpose()?;

    let subnet_id = ctx.next_id("subnet");
    let assoc = match v6 {
        Some(block) => vec![SubnetIpv6Association {
            association_id: ctx.next_id("subnet-cidr-assoc"),
            ipv6_cidr_block: block,
            state: CidrBlockState::Associated,
        }],
        None => Vec::new(),
    };
    let subnet = Subnet {
        subnet_arn: ctx.region.arn("ec2", &format!("subnet/{subnet_id}")),
        subnet_id: subnet_id.clone(),
        vpc_id: vpc_id.to_owned(),
        owner_id: ctx.account().to_owned(),
        state: "available".to_owned(),
        availability_zone: zone.name.clone(),
        availability_zone_id: zone.zone_id.clone(),
        cidr_block: v4,
        ipv6_cidr_block_associations: assoc,
        ipv6_native,
        assign_ipv6_address_on_creation: ipv6_native,
        map_public_ip_on_launch: false,
        enable_dns64: false,
        private_dns_hostname_type_on_launch: if ipv6_native {
            "resource-name"
        } else {
            "ip-name"
        }
        .to_owned(),
        enable_resource_name_dns_a_record_on_launch: false,
        enable_resource_name_dns_aaaa_record_on_launch: ipv6_native,
        default_for_az: false,
        tags,
        used_ipv4: BTreeSet::new(),
        used_ipv6: BTreeSet::new(),
    };
    let mut answer = subnet.clone();
    answer.state = "pending".to_owned();
    for a in &mut answer.ipv6_cidr_block_associations {
        a.state = CidrBlockState::Associating;
    }
    ctx.ec2().subnets.insert(subnet_id, subnet);
    Ok(vec![rename(answer.to_xml(), "subnet")])
}

pub fn describe_subnets(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let describe = Describe {
        ids: "SubnetId",
        set: "subnetSet",
        limits: Limits::new(5, 1000),
        ids_set: Some("subnetIds"),
    };
    let ec2 = ctx.ec2();
    let req = describe.request(p, &ec2.subnets)?;
    let candidates = ec2
        .subnets
        .candidates(&req.ids, &req.filters, &[("vpc-id", By::Vpc)]);
    let items = filters::select(candidates, &req.filters)?
        .into_iter()
        .map(Subnet::to_xml)
        .collect();
    describe.answer(p, &req, items)
}

pub fn delete_subnet(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("SubnetId")?.to_owned();
    let ec2 = &ctx.region.ec2;
    find_subnet(ec2, &id)?;
    let depends = ec2
        .instances
        .find(By::Subnet, &id)
        .any(|i| !i.is_terminated() && i.network_interfaces.iter().any(|n| n.subnet_id == id))
        || ec2.nat_gateways.find(By::Subnet, &id).any(|n| n.is_live())
        || ctx.region.elbv2.uses_subnet(&id)
        || ctx.region.elb.uses_subnet(&id)
        || ec2.interface_in_subnet(&id);
    if depends {
        return Err(errors::dependency_violation("subnet", &id));
    }
    let ec2 = ctx.ec2();
    ec2.subnets.remove(&id);
    ec2.route_tables.change_each(By::Subnet, &id, |rt| {
        rt.associations
            .retain(|a| a.subnet_id.as_deref() != Some(id.as_str()));
    });
    Ok(vec![Node::text("return", true)])
}

/// The attributes ModifySubnetAttribute takes, one per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SubnetAttribute {
    AssignIpv6AddressOnCreation,
    MapPublicIpOnLaunch,
    EnableDns64,
    EnableResourceNameDnsARecordOnLaunch,
    EnableResourceNameDnsAaaaRecordOnLaunch,
    PrivateDnsHostnameTypeOnLaunch,
}

const BOOLEAN_ATTRIBUTES: [(&str, &str, SubnetAttribute); 5] = [
    (
        "AssignIpv6AddressOnCreation",
        "assignIpv6AddressOnCreation",
        SubnetAttribute::AssignIpv6AddressOnCreation,
    ),
    (
        "MapPublicIpOnLaunch",
        "mapPublicIpOnLaunch",
        SubnetAttribute::MapPublicIpOnLaunch,
    ),
    ("EnableDns64", "enableDns64", SubnetAttribute::EnableDns64),
    (
        "EnableResourceNameDnsARecordOnLaunch",
        "enableResourceNameDnsARecordOnLaunch",
        SubnetAttribute::EnableResourceNameDnsARecordOnLaunch,
    ),
    (
        "EnableResourceNameDnsAAAARecordOnLaunch",
        "enableResourceNameDnsAAAARecordOnLaunch",
        SubnetAttribute::EnableResourceNameDnsAaaaRecordOnLaunch,
    ),
];

pub fn modify_subnet_attribute(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("SubnetId")?.to_owned();
    let subnet = find_subnet(ctx.ec2(), &id)?.clone();
    // (wire name, attribute, boolean value or hostname type)
    let mut given: Vec<(&str, SubnetAttribute, Option<bool>, Option<&str>)> = Vec::new();
    for (param, wire, attr) in BOOLEAN_ATTRIBUTES {
        if let Some(v) = p.bool(&format!("{param}.Value"))? {
            given.push((wire, attr, Some(v), None));
        }
    }
    if let Some(v) = p.value("PrivateDnsHostnameTypeOnLaunch") {
        given.push((
            "privateDnsHostnameTypeOnLaunch",
            SubnetAttribute::PrivateDnsHostnameTypeOnLaunch,
            None,
            Some(v),
        ));
    }
    let (attr, flag, text) = match given.as_slice() {
        [] => {
            return Err(AwsError::missing_parameter_msg(
                "The request must contain exactly one subnet attribute to modify.",
            ));
        }
        [(_, attr, flag, text)] => (*attr, *flag, *text),
        many => {
            return Err(AwsError::invalid_parameter_combination(format!(
                "Fields for multiple attribute types specified: {}",
                many.iter().map(|g| g.0).collect::<Vec<_>>().join(", ")
            )));
        }
    };
    let needs_ipv6 = |what: &str| {
        AwsError::invalid_parameter_value(format!(
            "The subnet '{id}' has no IPv6 CIDR block. Associate one before enabling {what}."
        ))
    };
    let ipv6_only = |what: &str| {
        AwsError::invalid_parameter_value(format!("The subnet '{id}' is IPv6-only: {what}."))
    };
    let on = flag == Some(true);
    match attr {
        SubnetAttribute::AssignIpv6AddressOnCreation if on && !subnet.has_ipv6() => {
            return Err(needs_ipv6("AssignIpv6AddressOnCreation"));
        }
        SubnetAttribute::AssignIpv6AddressOnCreation if !on && subnet.ipv6_native => {
            return Err(ipv6_only("AssignIpv6AddressOnCreation must stay true"));
        }
        SubnetAttribute::EnableDns64 if on && !subnet.has_ipv6() => {
            return Err(needs_ipv6("DNS64"));
        }
        SubnetAttribute::EnableResourceNameDnsAaaaRecordOnLaunch if on && !subnet.has_ipv6() => {
            return Err(needs_ipv6("AAAA records"));
        }
        SubnetAttribute::MapPublicIpOnLaunch if on && subnet.ipv6_native => {
            return Err(ipv6_only("it has no IPv4 addresses to make public"));
        }
        SubnetAttribute::EnableResourceNameDnsARecordOnLaunch if on && subnet.ipv6_native => {
            return Err(ipv6_only("it has no IPv4 addresses for A records"));
        }
        SubnetAttribute::PrivateDnsHostnameTypeOnLaunch => match text {
            Some("resource-name") => {}
            Some("ip-name") if subnet.ipv6_native => {
                return Err(ipv6_only("the hostname type must be resource-name"));
            }
            Some("ip-name") => {}
            other => {
                return Err(AwsError::invalid_value_for(
                    "privateDnsHostnameTypeOnLaunch",
                    other.unwrap_or_default(),
                ));
            }
        },
        _ => {}
    }
    let s = ctx.ec2().subnets.get_mut(&id).expect("checked above");
    match attr {
        SubnetAttribute::AssignIpv6AddressOnCreation => s.assign_ipv6_address_on_creation = on,
        SubnetAttribute::MapPublicIpOnLaunch => s.map_public_ip_on_launch = on,
        SubnetAttribute::EnableDns64 => s.enable_dns64 = on,
        SubnetAttribute::EnableResourceNameDnsARecordOnLaunch => {
            s.enable_resource_name_dns_a_record_on_launch = on
        }
        SubnetAttribute::EnableResourceNameDnsAaaaRecordOnLaunch => {
            s.enable_resource_name_dns_aaaa_record_on_launch = on;
        }
        SubnetAttribute::PrivateDnsHostnameTypeOnLaunch => {
            s.private_dns_hostname_type_on_launch = text.unwrap_or_default().to_owned();
        }
    }
    Ok(vec![Node::text("return", true)])
}

pub fn associate_subnet_cidr_block(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("SubnetId")?.to_owned();
    if p.value("Ipv6IpamPoolId").is_some() {
        return Err(unsupported_ipam_subnets());
    }
    let text = p.required("Ipv6CidrBlock")?;
    let ec2 = &ctx.region.ec2;
    let subnet = find_subnet(ec2, &id)?;
    if subnet.has_ipv6() {
        return Err(AwsError::invalid_parameter_value(format!(
            "The subnet '{id}' already has an IPv6 CIDR block. A subnet can have only one."
        )));
    }
    let vpc = ec2
        .vpcs
        .get(&subnet.vpc_id)
        .ok_or_else(|| errors::vpc_not_found(&subnet.vpc_id))?;
    let zone = ctx
        .region
        .zone(&subnet.availability_zone)
        .cloned()
        .ok_or_else(AwsError::internal_error)?;
    let block = check_ipv6_block(ec2, vpc, &zone, text, Some(&id))?;
    let assoc = SubnetIpv6Association {
        association_id: ctx.next_id("subnet-cidr-assoc"),
        ipv6_cidr_block: block,
        state: CidrBlockState::Associated,
    };
    let mut answer = assoc.clone();
    answer.state = CidrBlockState::Associating;
    let s = ctx.ec2().subnets.get_mut(&id).expect("checked above");
    s.ipv6_cidr_block_associations
        .retain(|a| a.state.is_active());
    s.ipv6_cidr_block_associations.push(assoc);
    Ok(vec![
        Node::text("subnetId", &id),
        rename(association_xml(&answer), "ipv6CidrBlockAssociation"),
    ])
}

pub fn disassociate_subnet_cidr_block(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let assoc_id = p.required("AssociationId")?.to_owned();
    let ec2 = ctx.ec2();
    let subnet = ec2
        .subnets
        .values()
        .find(|s| {
            s.ipv6_cidr_block_associations
                .iter()
                .any(|a| a.association_id == assoc_id && a.state.is_active())
        })
        .ok_or_else(|| errors::subnet_cidr_association_not_found(&assoc_id))?;
    let id = subnet.subnet_id.clone();
    if subnet.ipv6_native {
        return Err(AwsError::invalid_parameter_value(format!(
            "The IPv6 CIDR block of the IPv6-only subnet '{id}' cannot be disassociated."
        )));
    }
    if !subnet.used_ipv6.is_empty() {
        return Err(AwsError::dependency_violation(format!(
            "The IPv6 CIDR block of the subnet '{id}' has addresses in use. Unassign them first."
        )));
    }
    let s = ec2.subnets.get_mut(&id).expect("found above");
    let a = s
        .ipv6_cidr_block_associations
        .iter_mut()
        .find(|a| a.association_id == assoc_id)
        .expect("found above");
    let mut answer = a.clone();
    answer.state = CidrBlockState::Disassociating;
    a.state = CidrBlockState::Disassociated;
    s.assign_ipv6_address_on_creation = false;
    s.enable_dns64 = false;
    s.enable_resource_name_dns_aaaa_record_on_launch = false;
    Ok(vec![
        Node::text("subnetId", &id),
        rename(association_xml(&answer), "ipv6CidrBlockAssociation"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subnet(id: &str, vpc: &str) -> Subnet {
        Subnet {
            subnet_id: id.into(),
            subnet_arn: String::new(),
            vpc_id: vpc.into(),
            owner_id: String::new(),
            state: "available".into(),
            availability_zone: "us-east-1a".into(),
            availability_zone_id: "use1-az1".into(),
            cidr_block: None,
            ipv6_cidr_block_associations: Vec::new(),
            ipv6_native: false,
            assign_ipv6_address_on_creation: false,
            map_public_ip_on_launch: false,
            enable_dns64: false,
            private_dns_hostname_type_on_launch: "ip-name".into(),
            enable_resource_name_dns_a_record_on_launch: false,
            enable_resource_name_dns_aaaa_record_on_launch: false,
            default_for_az: false,
            tags: Tags::new(),
            used_ipv4: BTreeSet::new(),
            used_ipv6: BTreeSet::new(),
        }
    }

    fn ids<'a>(it: impl Iterator<Item = &'a Subnet>) -> Vec<&'a str> {
        it.map(|s| s.subnet_id.as_str()).collect()
    }

    #[test]
    fn the_vpc_index_follows_inserts_removes_and_reloads() {
        let mut s = Subnets::default();
        s.insert("subnet-2".into(), subnet("subnet-2", "vpc-a"));
        s.insert("subnet-1".into(), subnet("subnet-1", "vpc-a"));
        s.insert("subnet-3".into(), subnet("subnet-3", "vpc-b"));
        assert_eq!(ids(s.in_vpc("vpc-a")), ["subnet-1", "subnet-2"]);
        assert_eq!(
            s.remove("subnet-1").map(|x| x.subnet_id),
            Some("subnet-1".into())
        );
        assert_eq!(ids(s.in_vpc("vpc-a")), ["subnet-2"]);
        s.remove("subnet-2");
        assert_eq!(ids(s.in_vpc("vpc-a")), Vec::<&str>::new());
        assert!(s.remove("subnet-9").is_none());
        let json = serde_json::to_string(&s).unwrap();
        let back: Subnets = serde_json::from_str(&json).unwrap();
        assert_eq!(ids(back.in_vpc("vpc-b")), ["subnet-3"]);
        assert_eq!(back.len(), 1);
    }
}
