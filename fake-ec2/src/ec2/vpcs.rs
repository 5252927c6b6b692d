//! VPCs and their CIDR blocks: CreateVpc, DescribeVpcs, DeleteVpc,
//! Modify/DescribeVpcAttribute, Associate/DisassociateVpcCidrBlock.
//!
//! IPv6 blocks come from three sources: Amazon's per-region pool (a fixed
//! /56 per network border group), a BYOIP pool (`Ipv6Pool`), or an IPAM pool
//! (`Ipv6IpamPoolId`); pool blocks are /44 to /60 in steps of 4.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters;
use super::paging::Limits;
use super::pools::{self, IpamAllocationRequest};
use super::route_tables::RouteTable;
use super::security_groups::SecurityGroup;
use super::tags::{self, Tags};
use super::zones::ZoneType;
use super::{Ec2State, errors};
use crate::cidr;
use crate::index::By;
use crate::protocol::error::AwsResult;
use crate::protocol::xml::rename;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;
use crate::registry;

/// IPv4 VPC blocks are /16 to /28.
pub const VPC_IPV4_PREFIX: std::ops::RangeInclusive<u8> = 16..=28;
/// Quota "IPv4 CIDR blocks per VPC" and "IPv6 CIDR blocks per VPC" (default values).
pub const MAX_IPV4_BLOCKS: usize = 5;
pub const MAX_IPV6_BLOCKS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CidrBlockState {
    Associating,
    Associated,
    Disassociating,
    Disassociated,
    Failing,
    Failed,
}

impl CidrBlockState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Associating => "associating",
            Self::Associated => "associated",
            Self::Disassociating => "disassociating",
            Self::Disassociated => "disassociated",
            Self::Failing => "failing",
            Self::Failed => "failed",
        }
    }

    /// Whether the block is (or is becoming) part of the VPC.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Associating | Self::Associated)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ipv4Association {
    pub association_id: String,
    pub cidr_block: Ipv4Net,
    pub state: CidrBlockState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipam_pool_id: Option<String>,
}

/// Where an IPv6 block came from, as `ipv6Pool` / `ipSource` report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Ipv6Source {
    Amazon,
    Byoip { pool_id: String },
    Ipam { ipam_pool_id: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ipv6Association {
    pub association_id: String,
    pub ipv6_cidr_block: Ipv6Net,
    pub state: CidrBlockState,
    pub network_border_group: String,
    pub source: Ipv6Source,
    #[serde(default, skip_serializing_if = "crate::bookkeeping::hidden_in_dump")]
    pub reads_left: u32,
}

impl Ipv6Association {
    fn ipv6_pool(&self) -> &str {
        match &self.source {
            Ipv6Source::Amazon => "Amazon",
            Ipv6Source::Byoip { pool_id } => pool_id,
            Ipv6Source::Ipam { .. } => "IPAM Managed",
        }
    }

    fn ip_source(&self) -> &'static str {
        match self.source {
            Ipv6Source::Amazon => "amazon",
            Ipv6Source::Byoip { .. } => "byoip",
            Ipv6Source::Ipam { .. } => "none",
        }
    }

    pub fn to_xml(&self) -> Node {
        Node::el("item")
            .leaf("associationId", &self.association_id)
            .leaf("ipv6CidrBlock", self.ipv6_cidr_block)
            .child(Node::el("ipv6CidrBlockState").leaf("state", self.state.as_str()))
            .leaf("networkBorderGroup", &self.network_border_group)
            .leaf("ipv6Pool", self.ipv6_pool())
            .leaf("ipv6AddressAttribute", "public")
            .leaf("ipSource", self.ip_source())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Vpc {
    pub vpc_id: String,
    pub owner_id: String,
    pub state: String,
    /// The primary IPv4 block.
    pub cidr_block: Ipv4Net,
    pub cidr_block_associations: Vec<Ipv4Association>,
    pub ipv6_cidr_block_associations: Vec<Ipv6Association>,
    pub dhcp_options_id: String,
    pub instance_tenancy: String,
    pub is_default: bool,
    pub enable_dns_support: bool,
    pub enable_dns_hostnames: bool,
    pub enable_network_address_usage_metrics: bool,
    pub main_route_table_id: String,
    pub default_security_group_id: String,
    pub default_network_acl_id: String,
    pub tags: Tags,
}

crate::registry::resource!(
    Vpc: "vpc", "vpc", vpc_id, Tags, |id| errors::vpc_not_found(id);

    fn elbv2_not_found(id: &str) -> Option<AwsError> {
        Some(crate::elbv2::errors::validation(format!(
            "The VPC ID '{id}' is not found"
        )))
    }
);

impl Vpc {
    /// IPv4 blocks that are part of the VPC.
    pub fn ipv4_blocks(&self) -> impl Iterator<Item = Ipv4Net> + '_ {
        self.cidr_block_associations
            .iter()
            .filter(|a| a.state.is_active())
            .map(|a| a.cidr_block)
    }

    /// IPv6 associations that are part of the VPC.
    pub fn ipv6_associations(&self) -> impl Iterator<Item = &Ipv6Association> + '_ {
        self.ipv6_cidr_block_associations
            .iter()
            .filter(|a| a.state.is_active())
    }

    pub fn ipv6_blocks(&self) -> impl Iterator<Item = Ipv6Net> + '_ {
        self.ipv6_associations().map(|a| a.ipv6_cidr_block)
    }

    pub fn has_ipv6(&self) -> bool {
        self.ipv6_associations().next().is_some()
    }

    /// Moves transitional states on by one read (see `Config::settle_reads`).
    fn observe(&mut self) {
        self.state = "available".to_owned();
        for a in &mut self.ipv6_cidr_block_associations {
            settle(a);
        }
    }

    pub fn to_xml(&self) -> Node {
        let ipv6 = (!self.ipv6_cidr_block_associations.is_empty()).then(|| {
            Node::set(
                "ipv6CidrBlockAssociationSet",
                self.ipv6_cidr_block_associations
                    .iter()
                    .map(Ipv6Association::to_xml),
            )
        });
        Node::el("item")
            .leaf("vpcId", &self.vpc_id)
            .leaf("ownerId", &self.owner_id)
            .leaf("state", &self.state)
            .leaf("cidrBlock", self.cidr_block)
            .child(Node::set(
                "cidrBlockAssociationSet",
                self.cidr_block_associations.iter().map(|a| {
                    Node::el("item")
                        .leaf("associationId", &a.association_id)
                        .leaf("cidrBlock", a.cidr_block)
                        .child(Node::el("cidrBlockState").leaf("state", a.state.as_str()))
                }),
            ))
            .opt_child(ipv6)
            .leaf("dhcpOptionsId", &self.dhcp_options_id)
            .leaf("instanceTenancy", &self.instance_tenancy)
            .leaf("isDefault", self.is_default)
            .opt_child(tags::tag_set(&self.tags))
    }
}

/// An `associating` block settles after its remaining reads; `disassociating` likewise.
fn settle(a: &mut Ipv6Association) {
    if !matches!(
        a.state,
        CidrBlockState::Associating | CidrBlockState::Disassociating
    ) {
        return;
    }
    if a.reads_left > 0 {
        a.reads_left -= 1;
        return;
    }
    a.state = match a.state {
        CidrBlockState::Associating => CidrBlockState::Associated,
        _ => CidrBlockState::Disassociated,
    };
}

filters::filterable!(Vpc, |vpc| [
    ("cidr", filters::one(vpc.cidr_block)),
    (
        "cidr-block-association.association-id",
        vpc.cidr_block_associations
            .iter()
            .map(|a| a.association_id.clone())
            .collect()
    ),
    (
        "cidr-block-association.cidr-block",
        vpc.cidr_block_associations
            .iter()
            .map(|a| a.cidr_block.to_string())
            .collect()
    ),
    (
        "cidr-block-association.state",
        vpc.cidr_block_associations
            .iter()
            .map(|a| a.state.as_str().to_owned())
            .collect()
    ),
    ("dhcp-options-id", filters::one(&vpc.dhcp_options_id)),
    (
        "ipv6-cidr-block-association.association-id",
        vpc.ipv6_cidr_block_associations
            .iter()
            .map(|a| a.association_id.clone())
            .collect()
    ),
    (
        "ipv6-cidr-block-association.ipv6-cidr-block",
        vpc.ipv6_cidr_block_associations
            .iter()
            .map(|a| a.ipv6_cidr_block.to_string())
            .collect()
    ),
    (
        "ipv6-cidr-block-association.ipv6-pool",
        vpc.ipv6_cidr_block_associations
            .iter()
            .map(|a| a.ipv6_pool().to_owned())
            .collect()
    ),
    (
        "ipv6-cidr-block-association.state",
        vpc.ipv6_cidr_block_associations
            .iter()
            .map(|a| a.state.as_str().to_owned())
            .collect()
    ),
    ("is-default", filters::bool_value(vpc.is_default)),
    ("owner-id", filters::one(&vpc.owner_id)),
    ("state", filters::one(&vpc.state)),
    ("vpc-id", filters::one(&vpc.vpc_id)),
]);

/// How a request asks for an IPv6 block (CreateVpc and AssociateVpcCidrBlock share it).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ipv6Request {
    Amazon {
        network_border_group: Option<String>,
    },
    Byoip {
        pool_id: String,
        cidr: Option<Ipv6Net>,
    },
    Ipam {
        ipam_pool_id: String,
        cidr: Option<Ipv6Net>,
        netmask_length: Option<u8>,
    },
}

fn parse_ipv6_request(p: &Params) -> AwsResult<Option<Ipv6Request>> {
    let amazon = p.flag("AmazonProvidedIpv6CidrBlock")?;
    let pool = p.value("Ipv6Pool");
    let ipam = p.value("Ipv6IpamPoolId");
    let nbg = p.value("Ipv6CidrBlockNetworkBorderGroup");
    let cidr_text = p.value("Ipv6CidrBlock");
    let netmask: Option<u8> = p.number("Ipv6NetmaskLength")?;

    if usize::from(amazon) + usize::from(pool.is_some()) + usize::from(ipam.is_some()) > 1 {
        return Err(AwsError::invalid_parameter_combination(
            "The parameters 'amazonProvidedIpv6CidrBlock', 'ipv6Pool' and 'ipv6IpamPoolId' are mutually exclusive.",
        ));
    }
    if nbg.is_some() && !amazon {
        return Err(AwsError::invalid_parameter_combination(
            "The parameter 'ipv6CidrBlockNetworkBorderGroup' can only be used with 'amazonProvidedIpv6CidrBlock'.",
        ));
    }
    if cidr_text.is_some() && pool.is_none() && ipam.is_none() {
        return Err(AwsError::invalid_parameter_combination(
            "The parameter 'ipv6CidrBlock' can only be used with 'ipv6Pool' or 'ipv6IpamPoolId'.",
        ));
    }
    if netmask.is_some() && ipam.is_none() {
        return Err(AwsError::invalid_parameter_combination(
            "The parameter 'ipv6NetmaskLength' can only be used with 'ipv6IpamPoolId'.",
        ));
    }
    if netmask.is_some() && cidr_text.is_some() {
        return Err(AwsError::invalid_parameter_combination(
            "The parameter 'ipv6NetmaskLength' may not be used in combination with 'ipv6CidrBlock'.",
        ));
    }
    let cidr = cidr_text.map(parse_pool_block).transpose()?;
    if let Some(len) = netmask
        && !cidr::is_vpc_ipv6_prefix(len)
    {
        return Err(AwsError::invalid_parameter_value(format!(
            "Value ({len}) for parameter ipv6NetmaskLength is invalid. The netmask length must be between 44 and 60 in increments of 4."
        )));
    }
    Ok(if amazon {
        Some(Ipv6Request::Amazon {
            network_border_group: nbg.map(str::to_owned),
        })
    } else if let Some(pool) = pool {
        Some(Ipv6Request::Byoip {
            pool_id: pool.to_owned(),
            cidr,
        })
    } else {
        ipam.map(|ipam| Ipv6Request::Ipam {
            ipam_pool_id: ipam.to_owned(),
            cidr,
            netmask_length: netmask,
        })
    })
}

/// A VPC IPv6 block named explicitly: canonical, /44 to /60 in steps of 4.
fn parse_pool_block(text: &str) -> AwsResult<Ipv6Net> {
    let net =
        cidr::parse_v6(text).ok_or_else(|| errors::invalid_cidr_value("ipv6CidrBlock", text))?;
    if !cidr::is_canonical_v6(&net) {
        return Err(AwsError::invalid_parameter_value(format!(
            "The IPv6 CIDR block '{text}' is not a valid network address: the host bits must be zero."
        )));
    }
    if !cidr::is_vpc_ipv6_prefix(net.prefix_len()) {
        return Err(AwsError::invalid_parameter_value(format!(
            "The IPv6 CIDR block '{text}' is invalid. The prefix length must be between /44 and /60 in increments of 4."
        )));
    }
    Ok(net)
}

/// The Amazon-provided /56 for the `n`th allocation in a network border group.
/// Each group has its own /32 so blocks never cross groups.
pub fn amazon_block(network_border_group: &str, n: u64) -> Ipv6Net {
    let base: u32 = match network_border_group {
        "us-east-1" => 0x2600_1f18,
        "us-east-2" => 0x2600_1f16,
        "us-west-1" => 0x2600_1f1c,
        "us-west-2" => 0x2600_1f14,
        "eu-west-1" => 0x2a05_d018,
        "eu-central-1" => 0x2a05_d014,
        "ap-northeast-1" => 0x2406_da14,
        other => {
            // FNV-1a of the group name, folded into 2600:1f00::/24 upward.
            let h = other.bytes().fold(0x811c_9dc5u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            });
            0x2600_1f00 | (h & 0xff)
        }
    };
    let addr = (u128::from(base) << 96) | (u128::from(n) << 72);
    Ipv6Net::new(addr.into(), 56).expect("56 is a valid prefix")
}

/// Plans (without committing) where a requested IPv6 block comes from.
fn plan_ipv6(
    ctx: &Ctx<'_>,
    vpc_id: &str,
    request: &Ipv6Request,
) -> AwsResult<(Ipv6Net, String, Ipv6Source, Option<IpamAllocationRequest>)> {
    let region = &ctx.region.name;
    let ec2 = &ctx.region.ec2;
    match request {
        Ipv6Request::Amazon {
            network_border_group,
        } => {
            let nbg = network_border_group
                .clone()
                .unwrap_or_else(|| region.clone());
            check_network_border_group(ctx, &nbg)?;
            // The block itself is drawn when committing (it consumes a counter).
            Ok((Ipv6Net::default(), nbg, Ipv6Source::Amazon, None))
        }
        Ipv6Request::Byoip { pool_id, cidr } => {
            let pool = ec2
                .ipv6_pools
                .get(pool_id)
                .ok_or_else(|| errors::ipv6_pool_not_found(pool_id))?;
            let used: Vec<Ipv6Net> = ec2
                .vpcs
                .values()
                .flat_map(|v| v.ipv6_associations())
                .filter(|a| matches!(&a.source, Ipv6Source::Byoip { pool_id: p } if p == pool_id))
                .map(|a| a.ipv6_cidr_block)
                .collect();
            let block = match cidr {
                Some(c) => {
                    if !pool.pool_cidr_blocks.iter().any(|p| p.contains(c)) {
                        return Err(AwsError::invalid_parameter_value(format!(
                            "The IPv6 CIDR block '{c}' is not within the CIDRs of the IPv6 pool '{pool_id}'."
                        )));
                    }
                    if used.iter().any(|u| cidr::overlaps_v6(u, c)) {
                        return Err(AwsError::invalid_parameter_value(format!(
                            "The IPv6 CIDR block '{c}' is already in use in the IPv6 pool '{pool_id}'."
                        )));
                    }
                    *c
                }
                None => pool
                    .pool_cidr_blocks
                    .iter()
                    .find_map(|p| cidr::first_free_v6(p, 56, &used))
                    .ok_or_else(|| {
                        AwsError::invalid_parameter_value(format!(
                            "The IPv6 pool '{pool_id}' has no free /56 CIDR block."
                        ))
                    })?,
            };
            Ok((
                block,
                region.clone(),
                Ipv6Source::Byoip {
                    pool_id: pool_id.clone(),
                },
                None,
            ))
        }
        Ipv6Request::Ipam {
            ipam_pool_id,
            cidr,
            netmask_length,
        } => {
            let pool = ec2
                .ipam_pools
                .get(ipam_pool_id)
                .ok_or_else(|| errors::ipam_pool_not_found(ipam_pool_id))?;
            let planned = pool.plan_vpc_allocation(
                region,
                pools::AddressFamily::Ipv6,
                cidr.map(IpNet::V6),
                *netmask_length,
            )?;
            let IpNet::V6(block) = planned else {
                unreachable!("an IPv6 pool allocates IPv6 blocks")
            };
            if !cidr::is_vpc_ipv6_prefix(block.prefix_len()) {
                return Err(AwsError::invalid_parameter_value(format!(
                    "The netmask length /{} is invalid for a VPC. The netmask length must be between 44 and 60 in increments of 4.",
                    block.prefix_len()
                )));
            }
            Ok((
                block,
                region.clone(),
                Ipv6Source::Ipam {
                    ipam_pool_id: ipam_pool_id.clone(),
                },
                Some(IpamAllocationRequest {
                    ipam_pool_id: ipam_pool_id.clone(),
                    cidr: planned,
                    resource_id: vpc_id.to_owned(),
                }),
            ))
        }
    }
}

/// A network border group that can hold an Amazon IPv6 block: the region,
/// or an opted-in Local Zone group that supports IPv6. Wavelength has no IPv6.
fn check_network_border_group(ctx: &Ctx<'_>, nbg: &str) -> AwsResult<()> {
    if nbg == ctx.region.name {
        return Ok(());
    }
    let zone = ctx
        .region
        .zones
        .iter()
        .find(|z| z.network_border_group == nbg)
        .ok_or_else(|| AwsError::invalid_value_for("ipv6CidrBlockNetworkBorderGroup", nbg))?;
    if !zone.is_usable() {
        return Err(AwsError::invalid_parameter_value(format!(
            "The network border group '{nbg}' is not enabled for this account. Opt in to the zone group '{}' first.",
            zone.group_name
        )));
    }
    if zone.zone_type == ZoneType::WavelengthZone || !zone.ipv6_supported {
        return Err(AwsError::invalid_parameter_value(format!(
            "IPv6 CIDR blocks are not supported in the network border group '{nbg}'."
        )));
    }
    Ok(())
}

/// Commits a planned IPv6 block to a VPC; returns the association.
fn commit_ipv6(
    ctx: &mut Ctx<'_>,
    planned: (Ipv6Net, String, Ipv6Source, Option<IpamAllocationRequest>),
) -> Ipv6Association {
    let (mut block, nbg, source, ipam) = planned;
    if source == Ipv6Source::Amazon {
        let n = ctx.region.ids.bump(&format!("amazon-ipv6/{nbg}"));
        block = amazon_block(&nbg, n);
    }
    if let Some(req) = ipam {
        pools::commit_allocation(ctx, req);
    }
    let association_id = ctx.next_id("vpc-cidr-assoc");
    Ipv6Association {
        association_id,
        ipv6_cidr_block: block,
        state: CidrBlockState::Associating,
        network_border_group: nbg,
        source,
        reads_left: ctx.region.settle_reads,
    }
}

/// The primary or secondary IPv4 block a request asks for: explicit, or from an IPAM pool.
fn plan_ipv4(
    ctx: &Ctx<'_>,
    p: &Params,
    vpc_id: &str,
) -> AwsResult<Option<(Ipv4Net, Option<IpamAllocationRequest>)>> {
    let pool_id = p.value("Ipv4IpamPoolId");
    let netmask: Option<u8> = p.number("Ipv4NetmaskLength")?;
    let explicit = match p.value("CidrBlock") {
        Some(text) => {
            let net = cidr::parse_v4(text)
                .ok_or_else(|| errors::invalid_cidr_value("cidrBlock", text))?;
            if !VPC_IPV4_PREFIX.contains(&net.prefix_len()) {
                return Err(errors::vpc_range(text));
            }
            // AWS keeps the network address and drops host bits.
            Some(net.trunc())
        }
        None => None,
    };
    if netmask.is_some() && pool_id.is_none() {
        return Err(AwsError::invalid_parameter_combination(
            "The parameter 'ipv4NetmaskLength' can only be used with 'ipv4IpamPoolId'.",
        ));
    }
    let Some(pool_id) = pool_id else {
        return Ok(explicit.map(|n| (n, None)));
    };
    if explicit.is_some() && netmask.is_some() {
        return Err(AwsError::invalid_parameter_combination(
            "The parameter 'ipv4NetmaskLength' may not be used in combination with 'cidrBlock'.",
        ));
    }
    let pool = ctx
        .region
        .ec2
        .ipam_pools
        .get(pool_id)
        .ok_or_else(|| errors::ipam_pool_not_found(pool_id))?;
    let planned = pool.plan_vpc_allocation(
        &ctx.region.name,
        pools::AddressFamily::Ipv4,
        explicit.map(IpNet::V4),
        netmask,
    )?;
    let IpNet::V4(block) = planned else {
        unreachable!("an IPv4 pool allocates IPv4 blocks")
    };
    if !VPC_IPV4_PREFIX.contains(&block.prefix_len()) {
        return Err(errors::vpc_range(&block.to_string()));
    }
    Ok(Some((
        block,
        Some(IpamAllocationRequest {
            ipam_pool_id: pool_id.to_owned(),
            cidr: planned,
            resource_id: vpc_id.to_owned(),
        }),
    )))
}

fn find_vpc<'a>(ec2: &'a Ec2State, id: &str) -> AwsResult<&'a Vpc> {
    registry::find(&ec2.vpcs, id)
}

pub fn create_vpc(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "vpc")?;
    let tenancy = p.value("InstanceTenancy").unwrap_or("default");
    if !["default", "dedicated", "host"].contains(&tenancy) {
        return Err(AwsError::invalid_value_for("instanceTenancy", tenancy));
    }
    if p.value("CidrBlock").is_none() && p.value("Ipv4IpamPoolId").is_none() {
        return Err(AwsError::missing_parameter_msg(
            "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.",
        ));
    }
    let ipv6_request = parse_ipv6_request(p)?;
    // Planning reads state only; nothing is committed until every check passed.
    let vpc_id = ctx.region.ids.next("vpc");
    let (ipv4, ipv4_alloc) = plan_ipv4(ctx, p, &vpc_id)?.expect("cidrBlock or pool checked above");
    let ipv6_plan = ipv6_request
        .as_ref()
        .map(|r| plan_ipv6(ctx, &vpc_id, r))
        .transpose()?;

    if let Some(req) = ipv4_alloc.clone() {
        pools::commit_allocation(ctx, req);
    }
    let ipv4_assoc = Ipv4Association {
        association_id: ctx.next_id("vpc-cidr-assoc"),
        cidr_block: ipv4,
        state: CidrBlockState::Associated,
        ipam_pool_id: ipv4_alloc.map(|a| a.ipam_pool_id),
    };
    let ipv6_assoc = ipv6_plan.map(|plan| commit_ipv6(ctx, plan));

    let owner = ctx.account().to_owned();
    let main_rt_id = ctx.next_id("rtb");
    let sg_id = ctx.next_id("sg");
    let acl_id = ctx.next_id("acl");
    let dhcp = default_dhcp_options(ctx);

    let mut main_rt = RouteTable::new(main_rt_id.clone(), vpc_id.clone(), owner.clone());
    main_rt.add_local_route_v4(ipv4);
    if let Some(a) = &ipv6_assoc {
        main_rt.add_local_route_v6(a.ipv6_cidr_block);
    }
    let main_assoc = ctx.next_id("rtbassoc");
    main_rt.set_main(main_assoc);

    let default_sg = SecurityGroup::vpc_default(ctx, sg_id.clone(), &vpc_id, ipv6_assoc.is_some());

    let vpc = Vpc {
        vpc_id: vpc_id.clone(),
        owner_id: owner,
        state: "pending".to_owned(),
        cidr_block: ipv4,
        cidr_block_associations: vec![ipv4_assoc],
        ipv6_cidr_block_associations: ipv6_assoc.into_iter().collect(),
        dhcp_options_id: dhcp,
        instance_tenancy: tenancy.to_owned(),
        is_default: false,
        enable_dns_support: true,
        enable_dns_hostnames: false,
        enable_network_address_usage_metrics: false,
        main_route_table_id: main_rt_id.clone(),
        default_security_group_id: sg_id.clone(),
        default_network_acl_id: acl_id,
        tags,
    };
    let answer = vpc.to_xml();
    let ec2 = ctx.ec2();
    ec2.route_tables.insert(main_rt_id, main_rt);
    ec2.security_groups.insert(sg_id, default_sg);
    let settle_now = ctx.region.settle_reads == 0;
    let stored = ctx.ec2().vpcs.entry(vpc_id).or_insert(vpc);
    if settle_now {
        stored.observe();
    }
    Ok(vec![rename(answer, "vpc")])
}

/// Every region shares one default DHCP options set per account.
fn default_dhcp_options(ctx: &mut Ctx<'_>) -> String {
    if ctx.region.ids.bump("dopt-default-seen") == 1 {
        ctx.region.ids.bump("dopt");
    }
    "dopt-00000000000000001".to_owned()
}

pub fn describe_vpcs(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let describe = Describe {
        ids: "VpcId",
        set: "vpcSet",
        limits: Limits::new(5, 1000),
        ids_set: Some("vpcIdsSet"),
    };
    let ec2 = ctx.ec2();
    let req = describe.request(p, &ec2.vpcs)?;
    // Filters see the state before this read settles it.
    let selected: Vec<String> = filters::select(req.candidates(&ec2.vpcs), &req.filters)?
        .into_iter()
        .map(|v| v.vpc_id.clone())
        .collect();
    let mut items = Vec::with_capacity(selected.len());
    for id in selected {
        let vpc = ec2.vpcs.get_mut(&id).expect("selected from the map");
        vpc.observe();
        items.push(vpc.to_xml());
    }
    describe.answer(p, &req, items)
}

pub fn delete_vpc(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("VpcId")?.to_owned();
    let ec2 = ctx.ec2();
    let vpc = find_vpc(ec2, &id)?;
    let main_rt = vpc.main_route_table_id.clone();
    let default_sg = vpc.default_security_group_id.clone();
    let depends = ec2.subnets.in_vpc(&id).next().is_some()
        || ec2.internet_gateways.any(By::Vpc, &id)
        || ec2
            .egress_only_internet_gateways
            .find(By::Vpc, &id)
            .any(|g| g.is_attached())
        || ec2.carrier_gateways.any(By::Vpc, &id)
        || ec2.endpoint_in_vpc(&id)
        || ec2.route_tables.ids(By::Vpc, &id).any(|r| *r != main_rt)
        || ec2
            .security_groups
            .ids(By::Vpc, &id)
            .any(|g| *g != default_sg)
        || ctx.region.elbv2.uses_vpc(&id)
        || ctx.region.elb.uses_vpc(&id)
        || ctx.region.ec2.interface_in_vpc(&id);
    if depends {
        return Err(errors::dependency_violation("vpc", &id));
    }
    let ec2 = ctx.ec2();
    ec2.route_tables.remove(&main_rt);
    ec2.security_groups.remove(&default_sg);
    ec2.vpcs.remove(&id);
    pools::release_allocations(ec2, &id, None);
    Ok(vec![Node::text("return", true)])
}

const VPC_ATTRIBUTES: [(&str, &str); 3] = [
    ("EnableDnsSupport", "enableDnsSupport"),
    ("EnableDnsHostnames", "enableDnsHostnames"),
    (
        "EnableNetworkAddressUsageMetrics",
        "enableNetworkAddressUsageMetrics",
    ),
];

pub fn modify_vpc_attribute(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("VpcId")?.to_owned();
    find_vpc(ctx.ec2(), &id)?;
    let given: Vec<(&str, bool)> = VPC_ATTRIBUTES
        .iter()
        .filter_map(|(param, wire)| {
            let key = format!("{param}.Value");
            match p.bool(&key) {
                Ok(Some(v)) => Some(Ok((*wire, v))),
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            }
        })
        .collect::<AwsResult<_>>()?;
    match given.as_slice() {
        [] => Err(AwsError::missing_parameter_msg(
            "The request must contain exactly one of the parameters enableDnsSupport, enableDnsHostnames or enableNetworkAddressUsageMetrics",
        )),
        [(attr, value)] => {
            let vpc = ctx.ec2().vpcs.get_mut(&id).expect("checked above");
            match *attr {
                "enableDnsSupport" => vpc.enable_dns_support = *value,
                "enableDnsHostnames" => vpc.enable_dns_hostnames = *value,
                _ => vpc.enable_network_address_usage_metrics = *value,
            }
            Ok(vec![Node::text("return", true)])
        }
        many => Err(AwsError::invalid_parameter_combination(format!(
            "Fields for multiple attribute types specified: {}",
            many.iter().map(|(a, _)| *a).collect::<Vec<_>>().join(", ")
        ))),
    }
}

pub fn describe_vpc_attribute(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("VpcId")?;
    let attribute = p.required("Attribute")?;
    let vpc = find_vpc(ctx.ec2(), id)?;
    let value = match attribute {
        "enableDnsSupport" => vpc.enable_dns_support,
        "enableDnsHostnames" => vpc.enable_dns_hostnames,
        "enableNetworkAddressUsageMetrics" => vpc.enable_network_address_usage_metrics,
        other => return Err(AwsError::invalid_value_for("attribute", other)),
    };
    Ok(vec![
        Node::text("vpcId", id),
        Node::el(attribute.to_owned()).leaf("value", value),
    ])
}

pub fn associate_vpc_cidr_block(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("VpcId")?.to_owned();
    let vpc = find_vpc(ctx.ec2(), &id)?.clone();
    let ipv6_request = parse_ipv6_request(p)?;
    let wants_v4 = p.value("CidrBlock").is_some() || p.value("Ipv4IpamPoolId").is_some();
    match (wants_v4, ipv6_request) {
        (true, Some(_)) => Err(AwsError::invalid_parameter_combination(
            "An IPv4 and an IPv6 CIDR block cannot be associated in the same request.",
        )),
        (false, None) => Err(AwsError::missing_parameter_msg(
            "Either 'cidrBlock', 'ipv4IpamPoolId', 'amazonProvidedIpv6CidrBlock', 'ipv6Pool' or 'ipv6IpamPoolId' should be provided.",
        )),
        (true, None) => associate_ipv4(ctx, p, &vpc),
        (false, Some(request)) => {
            let active: Vec<&Ipv6Association> = vpc.ipv6_associations().collect();
            if active.len() >= MAX_IPV6_BLOCKS {
                return Err(errors::cidr_limit_exceeded(&id, MAX_IPV6_BLOCKS));
            }
            let plan = plan_ipv6(ctx, &id, &request)?;
            if plan.2 == Ipv6Source::Amazon
                && active
                    .iter()
                    .any(|a| a.source == Ipv6Source::Amazon && a.network_border_group == plan.1)
            {
                return Err(AwsError::coded(
                    errors::Ec2Code::CidrLimitExceeded,
                    format!(
                        "This network '{id}' already has an Amazon-provided IPv6 CIDR block in the network border group '{}'.",
                        plan.1
                    ),
                ));
            }
            if plan.2 != Ipv6Source::Amazon
                && vpc.ipv6_blocks().any(|b| cidr::overlaps_v6(&b, &plan.0))
            {
                return Err(AwsError::invalid_parameter_value(format!(
                    "The IPv6 CIDR block '{}' overlaps a CIDR block of the VPC '{id}'.",
                    plan.0
                )));
            }
            let assoc = commit_ipv6(ctx, plan);
            let answer = assoc.to_xml();
            let block = assoc.ipv6_cidr_block;
            let settle_now = ctx.region.settle_reads == 0;
            let ec2 = ctx.ec2();
            let vpc = ec2.vpcs.get_mut(&id).expect("checked above");
            vpc.ipv6_cidr_block_associations.push(assoc);
            if settle_now {
                vpc.observe();
            }
            ec2.route_tables
                .change_each(By::Vpc, &id, |rt| rt.add_local_route_v6(block));
            Ok(vec![
                Node::text("vpcId", &id),
                rename(answer, "ipv6CidrBlockAssociation"),
            ])
        }
    }
}

fn associate_ipv4(ctx: &mut Ctx<'_>, p: &Params, vpc: &Vpc) -> AwsResult<Vec<Node>> {
    let active: Vec<Ipv4Net> = vpc.ipv4_blocks().collect();
    if active.len() >= MAX_IPV4_BLOCKS {
        return Err(errors::cidr_limit_exceeded(&vpc.vpc_id, MAX_IPV4_BLOCKS));
    }
    let (block, alloc) = plan_ipv4(ctx, p, &vpc.vpc_id)?.expect("asked for IPv4");
    if let Some(conflict) = active.iter().find(|b| cidr::overlaps_v4(b, &block)) {
        return Err(AwsError::coded(
            errors::Ec2Code::InvalidVpcRange,
            format!("The CIDR '{block}' overlaps the CIDR '{conflict}' of the VPC."),
        ));
    }
    if let Some(req) = alloc.clone() {
        pools::commit_allocation(ctx, req);
    }
    let assoc = Ipv4Association {
        association_id: ctx.next_id("vpc-cidr-assoc"),
        cidr_block: block,
        state: CidrBlockState::Associated,
        ipam_pool_id: alloc.map(|a| a.ipam_pool_id),
    };
    let answer = Node::el("cidrBlockAssociation")
        .leaf("associationId", &assoc.association_id)
        .leaf("cidrBlock", block)
        .child(Node::el("cidrBlockState").leaf("state", "associating"));
    let id = vpc.vpc_id.clone();
    let ec2 = ctx.ec2();
    ec2.vpcs
        .get_mut(&id)
        .expect("checked by caller")
        .cidr_block_associations
        .push(assoc);
    ec2.route_tables
        .change_each(By::Vpc, &id, |rt| rt.add_local_route_v4(block));
    Ok(vec![Node::text("vpcId", &id), answer])
}

pub fn disassociate_vpc_cidr_block(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let assoc_id = p.required("AssociationId")?.to_owned();
    let ec2 = ctx.ec2();
    let (vpc_id, family) = ec2
        .vpcs
        .values()
        .find_map(|v| {
            if v.cidr_block_associations
                .iter()
                .any(|a| a.association_id == assoc_id && a.state.is_active())
            {
                Some((v.vpc_id.clone(), 4))
            } else if v
                .ipv6_cidr_block_associations
                .iter()
                .any(|a| a.association_id == assoc_id && a.state.is_active())
            {
                Some((v.vpc_id.clone(), 6))
            } else {
                None
            }
        })
        .ok_or_else(|| errors::vpc_cidr_association_not_found(&assoc_id))?;
    let vpc = &ec2.vpcs[&vpc_id];
    if family == 4 {
        let a = vpc
            .cidr_block_associations
            .iter()
            .find(|a| a.association_id == assoc_id)
            .expect("found above");
        if a.cidr_block == vpc.cidr_block {
            return Err(AwsError::coded(
                errors::Ec2Code::OperationNotPermitted,
                format!(
                    "The vpc CIDR block with association ID {assoc_id} may not be disassociated. It is the primary IPv4 CIDR block of the VPC"
                ),
            ));
        }
        let block = a.cidr_block;
        if let Some(s) = ec2
            .subnets
            .in_vpc(&vpc_id)
            .find(|s| s.cidr_block.is_some_and(|c| block.contains(&c)))
        {
            return Err(AwsError::dependency_violation(format!(
                "The vpc CIDR block '{block}' cannot be disassociated because it is used by the subnet '{}'.",
                s.subnet_id
            )));
        }
        let vpc = ec2.vpcs.get_mut(&vpc_id).expect("found above");
        let a = vpc
            .cidr_block_associations
            .iter_mut()
            .find(|a| a.association_id == assoc_id)
            .expect("found above");
        a.state = CidrBlockState::Disassociated;
        let answer = Node::el("cidrBlockAssociation")
            .leaf("associationId", &a.association_id)
            .leaf("cidrBlock", a.cidr_block)
            .child(Node::el("cidrBlockState").leaf("state", "disassociating"));
        vpc.cidr_block_associations
            .retain(|a| a.association_id != assoc_id);
        ec2.route_tables
            .change_each(By::Vpc, &vpc_id, |rt| rt.remove_local_route_v4(block));
        pools::release_allocations(ec2, &vpc_id, Some(IpNet::V4(block)));
        return Ok(vec![Node::text("vpcId", &vpc_id), answer]);
    }
    let block = vpc
        .ipv6_cidr_block_associations
        .iter()
        .find(|a| a.association_id == assoc_id)
        .expect("found above")
        .ipv6_cidr_block;
    if let Some(s) = ec2
        .subnets
        .in_vpc(&vpc_id)
        .find(|s| s.ipv6_blocks().any(|c| block.contains(&c)))
    {
        return Err(AwsError::dependency_violation(format!(
            "The vpc IPv6 CIDR block '{block}' cannot be disassociated because it is used by the subnet '{}'.",
            s.subnet_id
        )));
    }
    let settle_reads = ctx.region.settle_reads;
    let ec2 = ctx.ec2();
    let vpc = ec2.vpcs.get_mut(&vpc_id).expect("found above");
    let a = vpc
        .ipv6_cidr_block_associations
        .iter_mut()
        .find(|a| a.association_id == assoc_id)
        .expect("found above");
    a.state = CidrBlockState::Disassociating;
    a.reads_left = settle_reads;
    let answer = rename(a.to_xml(), "ipv6CidrBlockAssociation");
    if settle_reads == 0 {
        a.state = CidrBlockState::Disassociated;
    }
    ec2.route_tables
        .change_each(By::Vpc, &vpc_id, |rt| rt.remove_local_route_v6(block));
    pools::release_allocations(ec2, &vpc_id, Some(IpNet::V6(block)));
    Ok(vec![Node::text("vpcId", &vpc_id), answer])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amazon_blocks_are_distinct_56s_per_group() {
        let a = amazon_block("us-east-1", 1);
        let b = amazon_block("us-east-1", 2);
        assert_eq!(a.to_string(), "2600:1f18:0:100::/56");
        assert_eq!(b.to_string(), "2600:1f18:0:200::/56");
        let lz = amazon_block("us-east-1-nyc-1", 1);
        assert!(!cidr::overlaps_v6(&a, &lz));
        assert_eq!(lz.prefix_len(), 56);
    }

    #[test]
    fn ipv6_request_combinations() {
        let parse = |s: &str| parse_ipv6_request(&Params::parse(s.as_bytes()));
        assert_eq!(
            parse("AmazonProvidedIpv6CidrBlock=true").unwrap(),
            Some(Ipv6Request::Amazon {
                network_border_group: None
            })
        );
        assert_eq!(parse("").unwrap(), None);
        let e = parse("AmazonProvidedIpv6CidrBlock=true&Ipv6Pool=ipv6pool-ec2-1").unwrap_err();
        assert_eq!(e.code, "InvalidParameterCombination");
        let e = parse("Ipv6CidrBlockNetworkBorderGroup=us-east-1").unwrap_err();
        assert_eq!(e.code, "InvalidParameterCombination");
        let e = parse("Ipv6CidrBlock=2001:db8::/56").unwrap_err();
        assert_eq!(e.code, "InvalidParameterCombination");
        let e =
            parse("Ipv6IpamPoolId=ipam-pool-1&Ipv6NetmaskLength=56&Ipv6CidrBlock=2001:db8::/56")
                .unwrap_err();
        assert!(e.message.contains("ipv6NetmaskLength"), "{e}");
        let e = parse("Ipv6Pool=p&Ipv6CidrBlock=2001:db8::/64").unwrap_err();
        assert_eq!(e.code, "InvalidParameterValue");
        let e = parse("Ipv6Pool=p&Ipv6CidrBlock=2001:db8::1/56").unwrap_err();
        assert_eq!(e.code, "InvalidParameterValue");
        let e = parse("Ipv6IpamPoolId=p&Ipv6NetmaskLength=50").unwrap_err();
        assert_eq!(e.code, "InvalidParameterValue");
    }
}
