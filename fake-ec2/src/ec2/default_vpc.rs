//! Default VPCs: the network a real account has in every region before it
//! creates anything (CreateDefaultVpc, CreateDefaultSubnet,
//! DescribeAccountAttributes).
//!
//! A default VPC is `172.31.0.0/16` with DNS hostnames on, an attached
//! internet gateway, `0.0.0.0/0` to it in the main route table, the default
//! security group and network ACL, and a default `/20` subnet (public
//! addresses on launch, `defaultForAz`) in each Availability Zone, in zone
//! order: `172.31.0.0/20`, `172.31.16.0/20`, ... A region gets one on its
//! first use unless the seed says `default_vpc: false`.
//!
//! Its resources take their ids from a series of their own
//! (`vpc-d0000000000000001`, see [`crate::ids::Ids::next`]), so a world with
//! a default VPC gives a test's own resources the ids it gives them without
//! one, and they are settled at once, whatever `settle_reads` says.
//!
//! Choices where AWS's behaviour is not documented (`[I]`):
//! - CreateDefaultSubnet in a Local or Wavelength Zone:
//!   `InvalidParameterValue` (default subnets are for Availability Zones).
//! - DescribeAccountAttributes with an unknown name: `InvalidParameterValue`.
//! - CreateDefaultSubnet with `Ipv6Native`: the first free `/64` of the
//!   default VPC's IPv6 block (`InvalidParameterValue` without one).
//! - RunInstances without a subnet, in a default VPC without a default
//!   subnet (in the zone asked for): `MissingInput`.
//! - The message texts of `DefaultVpcAlreadyExists`,
//!   `DefaultVpcDoesNotExist` and `DefaultSubnetAlreadyExistsInAvailabilityZone`.

use ipnet::Ipv4Net;

use super::Handler;
use super::errors;
use super::zones::ZoneType;
use crate::protocol::error::AwsResult;
use crate::protocol::xml::{first_text, rename};
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

/// The IPv4 block of every default VPC.
pub const CIDR: &str = "172.31.0.0/16";
/// The prefix length of a default subnet.
const SUBNET_PREFIX: u8 = 20;

/// The account attributes DescribeAccountAttributes knows, with the values
/// of a new account (the default VPC's id is filled in per region).
const ATTRIBUTES: &[(&str, &str)] = &[
    ("supported-platforms", "VPC"),
    ("vpc-max-security-groups-per-interface", "5"),
    ("max-elastic-ips", "5"),
    ("vpc-max-elastic-ips", "5"),
    ("max-instances", "20"),
    ("default-vpc", ""),
];

/// The region's default VPC, if it has one.
pub fn id(ctx: &Ctx<'_>) -> Option<String> {
    ctx.region.ec2.default_vpc().map(|v| v.vpc_id.clone())
}

/// Builds the region's default VPC (see the module docs) and returns its id.
pub(crate) fn build(ctx: &mut Ctx<'_>) -> AwsResult<String> {
    in_default_series(ctx, |ctx| {
        let out = call(ctx, super::vpcs::create_vpc, &[("CidrBlock", CIDR)])?;
        let vpc_id = first_text(&out, "vpcId").ok_or_else(AwsError::internal_error)?;
        call(
            ctx,
            super::vpcs::modify_vpc_attribute,
            &[("VpcId", &vpc_id), ("EnableDnsHostnames.Value", "true")],
        )?;
        let vpc = ctx
            .ec2()
            .vpcs
            .get_mut(&vpc_id)
            .ok_or_else(AwsError::internal_error)?;
        vpc.is_default = true;
        let main_table = vpc.main_route_table_id.clone();
        let out = call(ctx, super::internet_gateways::create_internet_gateway, &[])?;
        let igw = first_text(&out, "internetGatewayId").ok_or_else(AwsError::internal_error)?;
        call(
            ctx,
            super::internet_gateways::attach_internet_gateway,
            &[("InternetGatewayId", &igw), ("VpcId", &vpc_id)],
        )?;
        call(
            ctx,
            super::route_tables::create_route,
            &[
                ("RouteTableId", &main_table),
                ("DestinationCidrBlock", "0.0.0.0/0"),
                ("GatewayId", &igw),
            ],
        )?;
        let zones: Vec<String> = ctx
            .region
            .zones
            .iter()
            .filter(|z| z.zone_type == ZoneType::AvailabilityZone && z.is_usable())
            .map(|z| z.name.clone())
            .collect();
        for zone in zones {
            default_subnet(ctx, &vpc_id, &zone)?;
        }
        Ok(vpc_id)
    })
}

/// Runs `f` with ids from the default VPC's series and with creates that
/// settle at once: a default VPC is `available` from the first read on.
fn in_default_series<T>(
    ctx: &mut Ctx<'_>,
    f: impl FnOnce(&mut Ctx<'_>) -> AwsResult<T>,
) -> AwsResult<T> {
    let settle_reads = ctx.region.settle_reads;
    ctx.region.settle_reads = 0;
    ctx.region.ids.set_default_series(true);
    let out = f(ctx);
    ctx.region.ids.set_default_series(false);
    ctx.region.settle_reads = settle_reads;
    out
}

fn call(ctx: &mut Ctx<'_>, handler: Handler, pairs: &[(&str, &str)]) -> AwsResult<Vec<Node>> {
    let pairs: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    handler(ctx, &Params::from_pairs(pairs))
}

/// The first `/20` of `172.31.0.0/16` no subnet of the VPC overlaps.
fn free_block(ctx: &Ctx<'_>, vpc_id: &str) -> Option<Ipv4Net> {
    let vpc: Ipv4Net = CIDR.parse().ok()?;
    let taken: Vec<Ipv4Net> = ctx
        .region
        .ec2
        .subnets
        .in_vpc(vpc_id)
        .filter_map(|s| s.cidr_block)
        .collect();
    crate::cidr::first_free_v4(&vpc, SUBNET_PREFIX, &taken)
}

/// Creates the default subnet of `zone` and returns it as an answer's item.
fn default_subnet(ctx: &mut Ctx<'_>, vpc_id: &str, zone: &str) -> AwsResult<Node> {
    let block = free_block(ctx, vpc_id).ok_or_else(|| {
        AwsError::coded(
            errors::Ec2Code::InsufficientCidrBlocks,
            "The default VPC has no free /20 left for a default subnet.",
        )
    })?;
    let block = block.to_string();
    let extra = [("CidrBlock", block.as_str())];
    make_default_subnet(ctx, vpc_id, zone, &extra, |s| {
        s.map_public_ip_on_launch = true
    })
}

/// CreateSubnet in `zone` with `extra` parameters, marked `defaultForAz`
/// and changed by `set`; the subnet as an answer's item.
fn make_default_subnet(
    ctx: &mut Ctx<'_>,
    vpc_id: &str,
    zone: &str,
    extra: &[(&str, &str)],
    set: impl FnOnce(&mut super::subnets::Subnet),
) -> AwsResult<Node> {
    let mut pairs = vec![("VpcId", vpc_id), ("AvailabilityZone", zone)];
    pairs.extend_from_slice(extra);
    let out = call(ctx, super::subnets::create_subnet, &pairs)?;
    let id = first_text(&out, "subnetId").ok_or_else(AwsError::internal_error)?;
    let subnet = ctx
        .ec2()
        .subnets
        .get_mut(&id)
        .ok_or_else(AwsError::internal_error)?;
    subnet.default_for_az = true;
    set(subnet);
    Ok(subnet.to_xml())
}

/// `CreateDefaultVpc`: a new default VPC, when the region has none.
pub fn create_default_vpc(ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    if id(ctx).is_some() {
        return Err(AwsError::coded(
            errors::Ec2Code::DefaultVpcAlreadyExists,
            "A Default VPC already exists for this account in this region.",
        ));
    }
    let vpc_id = build(ctx)?;
    let vpc = ctx
        .region
        .ec2
        .vpcs
        .get(&vpc_id)
        .ok_or_else(AwsError::internal_error)?;
    Ok(vec![rename(vpc.to_xml(), "vpc")])
}

/// `CreateDefaultSubnet`: the default subnet of one Availability Zone of
/// the default VPC.
pub fn create_default_subnet(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    if p.value("AvailabilityZone").is_none() && p.value("AvailabilityZoneId").is_none() {
        return Err(AwsError::missing_parameter("AvailabilityZone"));
    }
    let ipv6_native = p.flag("Ipv6Native")?;
    let zone = super::subnets::resolve_zone(ctx, p)?;
    if zone.zone_type != ZoneType::AvailabilityZone {
        return Err(AwsError::invalid_parameter_value(format!(
            "Value ({}) for parameter availabilityZone is invalid. Default subnets can only be created in Availability Zones, not in a {}.",
            zone.name,
            zone.zone_type.as_str()
        )));
    }
    let vpc_id = id(ctx).ok_or_else(|| {
        AwsError::coded(
            errors::Ec2Code::DefaultVpcDoesNotExist,
            "No default VPC exists for this account in this region.",
        )
    })?;
    if ctx
        .region
        .ec2
        .subnets
        .in_vpc(&vpc_id)
        .any(|s| s.default_for_az && s.availability_zone == zone.name)
    {
        return Err(AwsError::coded(
            errors::Ec2Code::DefaultSubnetAlreadyExistsInAvailabilityZone,
            format!(
                "A Default Subnet already exists in the availability zone '{}'.",
                zone.name
            ),
        ));
    }
    let item = in_default_series(ctx, |ctx| {
        if ipv6_native {
            ipv6_only_default_subnet(ctx, &vpc_id, &zone.name)
        } else {
            default_subnet(ctx, &vpc_id, &zone.name)
        }
    })?;
    Ok(vec![rename(item, "subnet")])
}

/// An IPv6-only default subnet: the first `/64` of the default VPC's IPv6
/// block that no subnet of it uses.
fn ipv6_only_default_subnet(ctx: &mut Ctx<'_>, vpc_id: &str, zone: &str) -> AwsResult<Node> {
    let ec2 = &ctx.region.ec2;
    let block = ec2
        .vpcs
        .get(vpc_id)
        .and_then(|v| v.ipv6_blocks().next())
        .ok_or_else(|| {
            AwsError::invalid_parameter_value(format!(
                "The default VPC '{vpc_id}' has no IPv6 CIDR block; associate one before creating an IPv6-only default subnet."
            ))
        })?;
    let taken: Vec<ipnet::Ipv6Net> = ec2
        .subnets
        .in_vpc(vpc_id)
        .flat_map(|s| s.ipv6_blocks().collect::<Vec<_>>())
        .collect();
    let free = crate::cidr::first_free_v6(&block, 64, &taken).ok_or_else(|| {
        AwsError::coded(
            errors::Ec2Code::InsufficientCidrBlocks,
            format!("The IPv6 CIDR block {block} of the default VPC has no free /64 left."),
        )
    })?;
    let free = free.to_string();
    let extra = [("Ipv6Native", "true"), ("Ipv6CidrBlock", free.as_str())];
    make_default_subnet(ctx, vpc_id, zone, &extra, |s| {
        s.assign_ipv6_address_on_creation = true;
    })
}

/// Where RunInstances launches without a subnet or network interface: the
/// default subnet of `Placement.AvailabilityZone`, or else of the first
/// zone (in zone order) that offers the type; and the security groups
/// `SecurityGroup.N` names, looked up in the default VPC.
pub(crate) fn launch_target(
    ctx: &Ctx<'_>,
    zone: Option<&str>,
    instance_type: &str,
    group_names: &[String],
) -> AwsResult<(String, Vec<String>)> {
    let ec2 = &ctx.region.ec2;
    let vpc_id = id(ctx).ok_or_else(errors::vpc_id_not_specified)?;
    if let Some(z) = zone
        && ctx.region.zone(z).is_none()
    {
        return Err(AwsError::invalid_parameter_value(format!(
            "Invalid availability zone: [{z}]"
        )));
    }
    let mut defaults: Vec<_> = ec2
        .subnets
        .in_vpc(&vpc_id)
        .filter(|s| s.default_for_az && zone.is_none_or(|z| s.availability_zone == z))
        .collect();
    let order = |zone: &str| ctx.region.zones.iter().position(|z| z.name == zone);
    defaults.sort_by_key(|s| order(&s.availability_zone));
    let region = &ctx.region.name;
    let subnet = defaults
        .iter()
        .find(|s| super::instance_types::offered(region, &s.availability_zone, instance_type))
        .or(defaults.first())
        .ok_or_else(|| match zone {
            Some(z) => AwsError::coded(
                errors::Ec2Code::MissingInput,
                format!("No default subnet for availability zone: '{z}'. Please specify a subnet."),
            ),
            None => AwsError::coded(
                errors::Ec2Code::MissingInput,
                format!(
                    "No subnets found for the default VPC '{vpc_id}'. Please specify a subnet."
                ),
            ),
        })?;
    let groups = group_names
        .iter()
        .map(|name| super::security_groups::group_by_name(ec2, name).map(|g| g.group_id.clone()))
        .collect::<AwsResult<_>>()?;
    Ok((subnet.subnet_id.clone(), groups))
}

/// `DescribeAccountAttributes`: a new account's quotas and platforms, and
/// the region's default VPC (`none` without one).
pub fn describe_account_attributes(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let wanted = p.list("AttributeName");
    for name in &wanted {
        if !ATTRIBUTES.iter().any(|(n, _)| n == name) {
            return Err(AwsError::invalid_parameter_value(format!(
                "Value ({name}) for parameter attributeName is invalid. Valid names: {}.",
                ATTRIBUTES
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    let default_vpc = id(ctx).unwrap_or_else(|| "none".to_owned());
    let items = ATTRIBUTES
        .iter()
        .filter(|(n, _)| wanted.is_empty() || wanted.iter().any(|w| w == n))
        .map(|(name, value)| {
            let value = if *name == "default-vpc" {
                default_vpc.as_str()
            } else {
                value
            };
            Node::el("item")
                .leaf("attributeName", *name)
                .child(Node::set(
                    "attributeValueSet",
                    [Node::el("item").leaf("attributeValue", value)],
                ))
        });
    Ok(vec![Node::set("accountAttributeSet", items)])
}
