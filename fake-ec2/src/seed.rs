//! The world a fake starts from, as Rust values or a YAML file: account and
//! region defaults, fault rules, and per region whether it has a default
//! VPC, the zone groups opted into, extra zones and instance types, BYOIP
//! and IPAM pools.
//!
//! ```yaml
//! account_id: "123456789012"
//! default_region: us-east-1
//! regions:
//!   us-east-1:
//!     default_vpc: false
//!     opt_in: [us-east-1-nyc-1]
//!     key_pairs:
//!       - key_name: default
//!         public_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAn8wsVb4yA5ra9pHViFe1Ewq7uZuAi7pHsa7S+lgqLS seed-example
//!     ipv6_pools:
//!       - pool_id: ipv6pool-ec2-0123456789abcdef0
//!         cidrs: ["2001:db8:1200::/40"]
//!     ipam_pools:
//!       - ipam_pool_id: ipam-pool-0123456789abcdef0
//!         address_family: ipv6
//!         cidrs: ["2001:db8:ab00::/40"]
//!         allocation_default_netmask_length: 56
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use ipnet::{IpNet, Ipv6Net};
use serde::{Deserialize, Serialize};

use crate::ec2::instance_types::InstanceTypeInfo;
use crate::ec2::pools::{self, NewIpamPool};
use crate::ec2::tags::Tags;
use crate::ec2::vpcs::{CidrBlockState, Ipv6Association, Ipv6Source};
use crate::ec2::zones::{OptInStatus, Zone};
use crate::faults::FaultRule;
use crate::ids::Timestamp;
use crate::index::By;
use crate::protocol::sigv4::SecretKey;

/// An IPAM pool seed's address family.
pub use crate::ec2::pools::AddressFamily;
use crate::protocol::xml::first_text;
use crate::protocol::{Node, Params};
use crate::region::{Config, Ctx, DEFAULT_ACCOUNT, DEFAULT_REGION, Region};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The seed file could not be read.
    #[error("reading seed file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The seed is not valid YAML or has unknown fields.
    #[error("{0}")]
    Yaml(String),
    /// A fault rule asks for something AWS never answers (a status outside
    /// 400-599, a probability outside 0-1, ...).
    #[error("seed {0}")]
    Faults(String),
    /// The seed asks for something AWS would refuse (the AWS error says why).
    #[error("seed region {region}: {message}")]
    Invalid { region: String, message: String },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Seed {
    /// The account requests use when their access key is not a 12-digit account id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The region of requests without a SigV4 scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_region: Option<String>,
    /// Reads a new resource stays transitional for (see `Config::settle_reads`).
    pub settle_reads: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultRule>,
    /// Seed of the random source behind probabilistic faults.
    pub fault_seed: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub regions: BTreeMap<String, RegionSeed>,
    /// Whether regions start with a default VPC, as a real account's do
    /// (unset: yes); a region's own `default_vpc` wins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_vpc: Option<bool>,
    /// Check every request's SigV4 signature against `credentials`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub verify_sigv4: bool,
    /// Access key id -> secret access key, for `verify_sigv4`. Never
    /// serialised: no dump or state file holds a secret.
    #[serde(skip_serializing)]
    pub credentials: BTreeMap<String, SecretKey>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegionSeed {
    /// Whether the region starts with a default VPC (unset: the seed's
    /// `default_vpc`, else yes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_vpc: Option<bool>,
    /// Local Zone and Wavelength Zone groups the account has opted into.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opt_in: Vec<String>,
    /// Zones added to the built-in catalog (or replacing one of the same name).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<Zone>,
    /// Instance types added to the built-in catalog (or replacing one of the same name).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instance_types: Vec<InstanceTypeInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6_pools: Vec<Ipv6PoolSeed>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipam_pools: Vec<IpamPoolSeed>,
    /// Key pairs the account already has (OpenSSH public keys), imported
    /// as ImportKeyPair would. Unset and `[]` both mean none here; a
    /// caller that layers its own defaults on a seed (the provisioner's
    /// embedded account) can tell "not said" from "none".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_pairs: Option<Vec<KeyPairSeed>>,
    /// Pre-existing networks (bring-your-own VPC cases), created in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpcs: Vec<VpcSeed>,
}

/// A VPC that exists before the test starts, with what hangs off it.
/// Ids may be chosen (they must carry AWS's prefix, e.g. `vpc-`); otherwise
/// they are allocated like any other.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VpcSeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_id: Option<String>,
    pub cidr_block: String,
    /// An Amazon-provided /56 in the region's border group.
    pub amazon_ipv6: bool,
    /// IPv6 blocks the VPC already has (for example `2001:1234:ff00::/56`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<Ipv6Net>,
    pub enable_dns_hostnames: bool,
    #[serde(skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<SubnetSeed>,
    /// An internet gateway attached to the VPC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internet_gateway: Option<GatewaySeed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egress_only_internet_gateway: Option<GatewaySeed>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nat_gateways: Vec<NatGatewaySeed>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub route_tables: Vec<RouteTableSeed>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubnetSeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    pub availability_zone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr_block: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr_block: Option<String>,
    /// IPv6-only: no `cidr_block`, an `ipv6_cidr_block`.
    pub ipv6_native: bool,
    pub map_public_ip_on_launch: bool,
    pub assign_ipv6_address_on_creation: bool,
    pub enable_dns64: bool,
    #[serde(skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewaySeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NatGatewaySeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nat_gateway_id: Option<String>,
    /// The (public, IPv4) subnet it sits in, by id.
    pub subnet_id: String,
    #[serde(skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RouteTableSeed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_table_id: Option<String>,
    /// Add the routes to the VPC's main table instead of creating one.
    pub main: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<RouteSeed>,
    /// Subnets explicitly associated with the table.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<String>,
    #[serde(skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A route: a destination CIDR (IPv4 or IPv6) and a target id whose prefix
/// says what it is (`igw-`, `eigw-`, `nat-`, `i-`, `eni-`, `pcx-`, `tgw-`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSeed {
    pub destination: String,
    pub target: String,
}

/// A key pair: its name and OpenSSH public key line
/// (`ssh-ed25519 AAAA... comment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPairSeed {
    pub key_name: String,
    pub public_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_pair_id: Option<String>,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

/// A BYOIP pool, as after `ProvisionByoipCidr` and `AdvertiseByoipCidr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipv6PoolSeed {
    pub pool_id: String,
    pub cidrs: Vec<Ipv6Net>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

/// An IPAM pool with provisioned CIDRs. The seed creates one IPAM per region
/// to hold them (IPv6 pools in its public scope, IPv4 pools in its private one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpamPoolSeed {
    #[serde(default)]
    pub ipam_pool_id: Option<String>,
    pub address_family: AddressFamily,
    /// Defaults to the region, which is what VPC allocations need.
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub cidrs: Vec<IpNet>,
    #[serde(default)]
    pub allocation_min_netmask_length: Option<u8>,
    #[serde(default)]
    pub allocation_max_netmask_length: Option<u8>,
    #[serde(default)]
    pub allocation_default_netmask_length: Option<u8>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

impl Seed {
    pub fn from_yaml(text: &str) -> Result<Self, SeedError> {
        Self::parse(text, "seed")
    }

    /// Parses a seed; a parse error names `source:line:column` and never
    /// shows a `credentials` value (no code frame, secrets masked).
    fn parse(text: &str, source: &str) -> Result<Self, SeedError> {
        let options = serde_saphyr::options! { with_snippet: false };
        let seed: Self = serde_saphyr::from_str_with_options(text, options)
            .map_err(|e| SeedError::Yaml(yaml_error(text, source, &e)))?;
        seed.check()?;
        Ok(seed)
    }

    /// What deserialising cannot check: the fault rules.
    pub fn check(&self) -> Result<(), SeedError> {
        crate::faults::check_rules("faults", &self.faults).map_err(SeedError::Faults)
    }

    pub fn from_file(path: &Path) -> Result<Self, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string()).map_err(|e| match e {
            SeedError::Faults(m) => SeedError::Faults(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    pub fn config(&self) -> Config {
        Config {
            default_account: self
                .account_id
                .clone()
                .unwrap_or_else(|| DEFAULT_ACCOUNT.to_owned()),
            default_region: self
                .default_region
                .clone()
                .unwrap_or_else(|| DEFAULT_REGION.to_owned()),
            settle_reads: self.settle_reads,
        }
    }
}

/// Where a seed's `credentials` sit in its text: the lines of the map (a
/// block map under a top-level `credentials:` key; from a `credentials` key
/// anywhere else, as in a JSON seed, to the end of the text) and the values
/// written there, so that no parse error shows them.
struct CredentialText<'a> {
    /// 1-based, inclusive.
    lines: Vec<(usize, usize)>,
    values: Vec<&'a str>,
}

impl<'a> CredentialText<'a> {
    fn find(text: &'a str) -> Self {
        let lines: Vec<&'a str> = text.lines().collect();
        let block_key = |l: &str| {
            ["credentials", "\"credentials\"", "'credentials'"]
                .iter()
                .any(|k| {
                    l.strip_prefix(k)
                        .is_some_and(|r| r.trim_start().starts_with(':'))
                })
        };
        let top_level = |l: &str| {
            !l.is_empty() && !l.starts_with([' ', '\t', '#', '-', '}', ']', ',']) && l != "..."
        };
        let mut found = Self {
            lines: Vec::new(),
            values: Vec::new(),
        };
        let mut i = 0;
        while i < lines.len() {
            if !lines[i].contains("credentials") {
                i += 1;
                continue;
            }
            let end = if block_key(lines[i]) {
                (i + 1..lines.len())
                    .find(|&j| top_level(lines[j]))
                    .unwrap_or(lines.len())
            } else {
                lines.len()
            };
            found.lines.push((i + 1, end));
            for l in &lines[i..end] {
                // Every scalar after a ':' (block or flow style) may be a secret.
                for piece in l.split([',', '{', '}', '[', ']']) {
                    if let Some((_, v)) = piece.split_once(':') {
                        let v = v.split(" #").next().unwrap_or("").trim();
                        let v = v.trim_matches(['"', '\'']).trim();
                        if v.len() >= 3 {
                            found.values.push(v);
                        }
                    }
                }
            }
            i = end.max(i + 1);
        }
        found
    }

    fn covers(&self, line: u64) -> bool {
        self.lines
            .iter()
            .any(|&(a, b)| (a as u64..=b as u64).contains(&line))
    }
}

/// A YAML error as `source:line:column: message`, without serde-saphyr's
/// code frame (it quotes the lines around the error, credentials included).
fn yaml_error(text: &str, source: &str, e: &serde_saphyr::Error) -> String {
    let credentials = CredentialText::find(text);
    let location = e.location().map(|l| (l.line(), l.column()));
    let rendered = e.to_string();
    // serde-saphyr writes "error: line L column C: message"; keep the message.
    let mut message = rendered.trim_start_matches("error: ");
    if let Some((l, c)) = location {
        message = message
            .strip_prefix(&format!("line {l} column {c}: "))
            .unwrap_or(message);
        message = message
            .strip_suffix(&format!(" at line {l}, column {c}"))
            .unwrap_or(message);
    }
    let message = if location.is_some_and(|(l, _)| credentials.covers(l)) {
        "`credentials` must map access key ids to secret access keys (strings); its values are never shown".to_owned()
    } else {
        let mut m = message.to_owned();
        for v in &credentials.values {
            m = m.replace(v, "***");
        }
        m
    };
    match location {
        Some((l, c)) => format!("{source}:{l}:{c}: {message}"),
        None => format!("{source}: {message}"),
    }
}

fn seed_ipam_pools(ctx: &mut Ctx<'_>, name: &str, seeds: &[IpamPoolSeed]) -> Result<(), String> {
    let ipam_id = pools::new_ipam(
        ctx,
        Some("seeded".to_owned()),
        Vec::new(),
        "advanced".to_owned(),
        Tags::new(),
    );
    let ipam = ctx.region.ec2.ipams[&ipam_id].clone();
    for seed in seeds {
        if let Some(id) = &seed.ipam_pool_id {
            ctx.region.ids.choose("ipam-pool", id.clone());
        }
        let scope_id = match seed.address_family {
            AddressFamily::Ipv6 => ipam.public_default_scope_id.clone(),
            AddressFamily::Ipv4 => ipam.private_default_scope_id.clone(),
        };
        let id = pools::new_ipam_pool(
            ctx,
            NewIpamPool {
                scope_id,
                family: Some(seed.address_family),
                locale: Some(seed.locale.clone().unwrap_or_else(|| name.to_owned())),
                description: seed.description.clone(),
                min: seed.allocation_min_netmask_length,
                max: seed.allocation_max_netmask_length,
                default: seed.allocation_default_netmask_length,
                tags: seed.tags.clone(),
                ..NewIpamPool::default()
            },
        )
        .map_err(|e| e.to_string())?;
        for cidr in &seed.cidrs {
            pools::provision_cidr(ctx, &id, *cidr).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Runs one EC2 action as the API would, so seeds obey AWS's rules.
fn call(
    ctx: &mut Ctx<'_>,
    action: &str,
    pairs: Vec<(String, String)>,
) -> Result<Vec<Node>, String> {
    let handler = crate::ec2::handler(action).ok_or_else(|| format!("unknown action {action}"))?;
    handler(ctx, &Params::from_pairs(pairs))
        .map_err(|e| format!("{action}: {}: {}", e.code, e.message))
}

fn tag_pairs(resource_type: &str, tags: &Tags) -> Vec<(String, String)> {
    if tags.is_empty() {
        return Vec::new();
    }
    let mut out = vec![pair("TagSpecification.1.ResourceType", resource_type)];
    for (i, (k, v)) in tags.iter().enumerate() {
        out.push(pair(&format!("TagSpecification.1.Tag.{}.Key", i + 1), k));
        out.push(pair(&format!("TagSpecification.1.Tag.{}.Value", i + 1), v));
    }
    out
}

/// Makes the next id of `prefix` the seed's choice; refuses ids AWS would never issue.
fn choose(ctx: &mut Ctx<'_>, prefix: &str, id: Option<&String>) -> Result<(), String> {
    if let Some(id) = id {
        if !id.starts_with(&format!("{prefix}-")) || id.len() <= prefix.len() + 1 {
            return Err(format!("the id '{id}' must start with '{prefix}-'"));
        }
        ctx.region.ids.choose(prefix, id.clone());
    }
    Ok(())
}

fn pair(k: &str, v: impl ToString) -> (String, String) {
    (k.to_owned(), v.to_string())
}

fn seed_key_pair(ctx: &mut Ctx<'_>, seed: &KeyPairSeed) -> Result<(), String> {
    use base64::Engine as _;
    choose(ctx, "key", seed.key_pair_id.as_ref())?;
    let material = base64::engine::general_purpose::STANDARD.encode(seed.public_key.trim());
    let mut args = vec![
        pair("KeyName", &seed.key_name),
        pair("PublicKeyMaterial", material),
    ];
    args.extend(tag_pairs("key-pair", &seed.tags));
    call(ctx, "ImportKeyPair", args)?;
    Ok(())
}

fn seed_vpc(ctx: &mut Ctx<'_>, seed: &VpcSeed) -> Result<(), String> {
    choose(ctx, "vpc", seed.vpc_id.as_ref())?;
    let mut args = vec![pair("CidrBlock", &seed.cidr_block)];
    if seed.amazon_ipv6 {
        args.push(pair("AmazonProvidedIpv6CidrBlock", true));
    }
    args.extend(tag_pairs("vpc", &seed.tags));
    let out = call(ctx, "CreateVpc", args)?;
    let vpc_id = first_text(&out, "vpcId").ok_or("CreateVpc gave no id")?;
    if !seed.ipv6_cidr_blocks.is_empty() {
        add_existing_ipv6_blocks(ctx, &vpc_id, &seed.ipv6_cidr_blocks)?;
    }
    if seed.enable_dns_hostnames {
        call(
            ctx,
            "ModifyVpcAttribute",
            vec![
                pair("VpcId", &vpc_id),
                pair("EnableDnsHostnames.Value", true),
            ],
        )?;
    }
    for (i, s) in seed.subnets.iter().enumerate() {
        seed_subnet(ctx, &vpc_id, s).map_err(|e| format!("subnets[{i}]: {e}"))?;
    }
    if let Some(g) = &seed.internet_gateway {
        choose(ctx, "igw", g.id.as_ref())?;
        let out = call(
            ctx,
            "CreateInternetGateway",
            tag_pairs("internet-gateway", &g.tags),
        )?;
        let igw =
            first_text(&out, "internetGatewayId").ok_or("CreateInternetGateway gave no id")?;
        call(
            ctx,
            "AttachInternetGateway",
            vec![pair("InternetGatewayId", &igw), pair("VpcId", &vpc_id)],
        )?;
    }
    if let Some(g) = &seed.egress_only_internet_gateway {
        choose(ctx, "eigw", g.id.as_ref())?;
        let mut args = vec![pair("VpcId", &vpc_id)];
        args.extend(tag_pairs("egress-only-internet-gateway", &g.tags));
        call(ctx, "CreateEgressOnlyInternetGateway", args)?;
    }
    for (i, n) in seed.nat_gateways.iter().enumerate() {
        let at = |e: String| format!("nat_gateways[{i}]: {e}");
        let out = call(ctx, "AllocateAddress", vec![pair("Domain", "vpc")]).map_err(at)?;
        let alloc = first_text(&out, "allocationId").ok_or("AllocateAddress gave no id")?;
        choose(ctx, "nat", n.nat_gateway_id.as_ref())?;
        let mut args = vec![pair("SubnetId", &n.subnet_id), pair("AllocationId", &alloc)];
        args.extend(tag_pairs("natgateway", &n.tags));
        call(ctx, "CreateNatGateway", args).map_err(at)?;
    }
    for (i, rt) in seed.route_tables.iter().enumerate() {
        seed_route_table(ctx, &vpc_id, rt).map_err(|e| format!("route_tables[{i}]: {e}"))?;
    }
    Ok(())
}

/// Blocks a pre-existing VPC already has, whatever pool they came from.
fn add_existing_ipv6_blocks(
    ctx: &mut Ctx<'_>,
    vpc_id: &str,
    blocks: &[Ipv6Net],
) -> Result<(), String> {
    for block in blocks {
        if *block != block.trunc() || !crate::cidr::is_vpc_ipv6_prefix(block.prefix_len()) {
            return Err(format!(
                "{block} is not a valid VPC IPv6 block (canonical, /44 to /60 in steps of 4)"
            ));
        }
        let association_id = ctx.next_id("vpc-cidr-assoc");
        let nbg = ctx.region.name.clone();
        let ec2 = ctx.ec2();
        let vpc = ec2.vpcs.get_mut(vpc_id).ok_or("the VPC is gone")?;
        if vpc
            .ipv6_blocks()
            .any(|b| crate::cidr::overlaps_v6(&b, block))
        {
            return Err(format!("{block} overlaps another IPv6 block of the VPC"));
        }
        vpc.ipv6_cidr_block_associations.push(Ipv6Association {
            association_id,
            ipv6_cidr_block: *block,
            state: CidrBlockState::Associated,
            network_border_group: nbg,
            source: Ipv6Source::Amazon,
            reads_left: 0,
        });
        ec2.route_tables
            .change_each(By::Vpc, vpc_id, |rt| rt.add_local_route_v6(*block));
    }
    Ok(())
}

fn seed_subnet(ctx: &mut Ctx<'_>, vpc_id: &str, s: &SubnetSeed) -> Result<(), String> {
    choose(ctx, "subnet", s.subnet_id.as_ref())?;
    let mut args = vec![
        pair("VpcId", vpc_id),
        pair("AvailabilityZone", &s.availability_zone),
    ];
    if let Some(c) = &s.cidr_block {
        args.push(pair("CidrBlock", c));
    }
    if let Some(c) = &s.ipv6_cidr_block {
        args.push(pair("Ipv6CidrBlock", c));
    }
    if s.ipv6_native {
        args.push(pair("Ipv6Native", true));
    }
    args.extend(tag_pairs("subnet", &s.tags));
    let out = call(ctx, "CreateSubnet", args)?;
    let id = first_text(&out, "subnetId").ok_or("CreateSubnet gave no id")?;
    let attrs = [
        ("MapPublicIpOnLaunch.Value", s.map_public_ip_on_launch),
        (
            "AssignIpv6AddressOnCreation.Value",
            s.assign_ipv6_address_on_creation && !s.ipv6_native,
        ),
        ("EnableDns64.Value", s.enable_dns64),
    ];
    for (attr, on) in attrs {
        if on {
            call(
                ctx,
                "ModifySubnetAttribute",
                vec![pair("SubnetId", &id), pair(attr, true)],
            )?;
        }
    }
    Ok(())
}

fn seed_route_table(ctx: &mut Ctx<'_>, vpc_id: &str, rt: &RouteTableSeed) -> Result<(), String> {
    let table = if rt.main {
        ctx.region
            .ec2
            .vpcs
            .get(vpc_id)
            .map(|v| v.main_route_table_id.clone())
            .ok_or("the VPC is gone")?
    } else {
        choose(ctx, "rtb", rt.route_table_id.as_ref())?;
        let mut args = vec![pair("VpcId", vpc_id)];
        args.extend(tag_pairs("route-table", &rt.tags));
        let out = call(ctx, "CreateRouteTable", args)?;
        first_text(&out, "routeTableId").ok_or("CreateRouteTable gave no id")?
    };
    for r in &rt.routes {
        let dest_param = if r.destination.contains(':') {
            "DestinationIpv6CidrBlock"
        } else {
            "DestinationCidrBlock"
        };
        let target_param = match r.target.rsplit_once('-').map(|(p, _)| p) {
            Some("igw") => "GatewayId",
            Some("eigw") => "EgressOnlyInternetGatewayId",
            Some("nat") => "NatGatewayId",
            Some("i") => "InstanceId",
            Some("eni") => "NetworkInterfaceId",
            Some("pcx") => "VpcPeeringConnectionId",
            Some("tgw") => "TransitGatewayId",
            _ => {
                return Err(format!(
                    "route target '{}' has no known id prefix",
                    r.target
                ));
            }
        };
        call(
            ctx,
            "CreateRoute",
            vec![
                pair("RouteTableId", &table),
                pair(dest_param, &r.destination),
                pair(target_param, &r.target),
            ],
        )?;
    }
    for subnet in &rt.subnets {
        call(
            ctx,
            "AssociateRouteTable",
            vec![pair("RouteTableId", &table), pair("SubnetId", subnet)],
        )?;
    }
    Ok(())
}

impl Seed {
    /// A region's state on its first use: the fake's catalogs of zones and
    /// instance types with this seed's additions for it, no resources yet.
    /// It has the default VPC of a real account unless the seed says not.
    pub(crate) fn new_region(&self, account: &str, name: &str, config: &Config) -> Region {
        let (zones, instance_types) = self.catalogs(name);
        let mut region = Region::new(account, name, zones, instance_types, config);
        if self.has_default_vpc(name) {
            let mut ctx = Ctx {
                region: &mut region,
                now: Timestamp(crate::ids::EPOCH),
                fate: None,
            };
            // A new region has room for it: a refusal here is the fake's
            // own bug, reported, and the region is used as far as it got.
            if let Err(e) = crate::ec2::default_vpc::build(&mut ctx) {
                tracing::error!(region = name, code = %e.code, "default VPC not built: {}", e.message);
            }
        }
        region
    }

    /// Whether `region` starts with a default VPC.
    pub fn has_default_vpc(&self, region: &str) -> bool {
        self.regions
            .get(region)
            .and_then(|r| r.default_vpc)
            .or(self.default_vpc)
            .unwrap_or(true)
    }

    /// A region's zones and instance types: the fake's catalogs with this
    /// seed's additions for it.
    pub(crate) fn catalogs(&self, name: &str) -> (Vec<Zone>, Vec<InstanceTypeInfo>) {
        let mut zones = crate::ec2::zones::catalog(name);
        let mut instance_types = crate::ec2::instance_types::catalog();
        if let Some(seed) = self.regions.get(name) {
            seed.apply_catalogs(&mut zones, &mut instance_types);
        }
        (zones, instance_types)
    }
}

impl RegionSeed {
    /// Creates the region's seeded resources through the same code paths
    /// as the API, so a seed that breaks an AWS rule fails with AWS's error.
    pub(crate) fn apply_resources(
        &self,
        name: &str,
        region: &mut Region,
        now: Timestamp,
    ) -> Result<(), SeedError> {
        let rs = self;
        let invalid = |message: String| SeedError::Invalid {
            region: name.to_owned(),
            message,
        };
        for group in &rs.opt_in {
            if !region.zones.iter().any(|z| &z.group_name == group) {
                return Err(invalid(format!("no zone group '{group}' to opt in to")));
            }
        }
        let mut ctx = Ctx {
            region,
            now,
            fate: None,
        };
        for pool in &rs.ipv6_pools {
            ctx.region.ec2.ipv6_pools.insert(
                pool.pool_id.clone(),
                pools::Ipv6Pool {
                    pool_id: pool.pool_id.clone(),
                    description: pool.description.clone().unwrap_or_default(),
                    pool_cidr_blocks: pool.cidrs.clone(),
                    tags: pool.tags.clone(),
                },
            );
        }
        if !rs.ipam_pools.is_empty() {
            seed_ipam_pools(&mut ctx, name, &rs.ipam_pools).map_err(invalid)?;
        }
        for (i, key) in rs.key_pairs.iter().flatten().enumerate() {
            seed_key_pair(&mut ctx, key).map_err(|e| invalid(format!("key_pairs[{i}]: {e}")))?;
        }
        for (i, vpc) in rs.vpcs.iter().enumerate() {
            seed_vpc(&mut ctx, vpc).map_err(|e| invalid(format!("vpcs[{i}]: {e}")))?;
        }
        Ok(())
    }

    pub(crate) fn apply_catalogs(
        &self,
        zones: &mut Vec<Zone>,
        instance_types: &mut Vec<InstanceTypeInfo>,
    ) {
        for z in &self.zones {
            zones.retain(|old| old.name != z.name);
            zones.push(z.clone());
        }
        for t in &self.instance_types {
            instance_types.retain(|old| old.instance_type != t.instance_type);
            instance_types.push(t.clone());
        }
        for z in zones.iter_mut() {
            if self.opt_in.contains(&z.group_name) && z.opt_in_status == OptInStatus::NotOptedIn {
                z.opt_in_status = OptInStatus::OptedIn;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let text = "account_id: \"123456789012\"\ndefault_region: us-east-1\nregions:\n  us-east-1:\n    opt_in: [us-east-1-nyc-1]\n    ipv6_pools:\n      - pool_id: ipv6pool-ec2-0123456789abcdef0\n        cidrs: [\"2001:db8:1200::/40\"]\n    ipam_pools:\n      - ipam_pool_id: ipam-pool-0123456789abcdef0\n        address_family: ipv6\n        cidrs: [\"2001:db8:ab00::/40\"]\n        allocation_default_netmask_length: 56\n";
        let seed = Seed::from_yaml(text).unwrap();
        let mut world = crate::World::new(seed).unwrap();
        let region = world.region("123456789012", "us-east-1");
        assert!(region.zone("us-east-1-nyc-1a").unwrap().is_usable());
        assert!(
            region
                .ec2
                .ipv6_pools
                .contains_key("ipv6pool-ec2-0123456789abcdef0")
        );
        let pool = &region.ec2.ipam_pools["ipam-pool-0123456789abcdef0"];
        assert_eq!(pool.locale.as_deref(), Some("us-east-1"));
        assert_eq!(pool.cidrs.len(), 1);
    }

    /// A seed that fails to parse names file, line and column and what is
    /// wrong, but never shows a `credentials` value: no code frame, and an
    /// error inside the map (or a message quoting one of its values) is
    /// worded without them.
    #[test]
    fn parse_errors_never_show_credentials() {
        let cases = [
            (
                "verify_sigv4: true\ncredentials:\n  AKIDSEED: SeedSecretValue123\n  AKIDTWO: \"OtherSecret456\"\nsettle_reads: notanumber\n",
                "seed:5:15: invalid u32",
            ),
            (
                "settle_reads: x\ncredentials:\n  AKIDSEED: SeedSecretValue123\n",
                "seed:1:15: invalid u32",
            ),
            (
                "credentials:\n  AKIDSEED: [SeedSecretValue123]\n",
                "seed:2:13: `credentials` must map access key ids to secret access keys (strings); its values are never shown",
            ),
            (
                "credentials:\n  AKIDSEED: SeedSecretValue123\n  bad: : :\n",
                "seed:3:8: `credentials` must map access key ids to secret access keys (strings); its values are never shown",
            ),
            (
                "credentials:\n  AKIDSEED: SeedSecretValue123\nregionz: {}\n",
                "seed:3:1: unknown field `regionz`, expected one of account_id, default_region, settle_reads, faults, fault_seed, regions, default_vpc, verify_sigv4, credentials",
            ),
            (
                "{\"credentials\": {\"AKIDSEED\": \"SeedSecretValue123\"}, \"settle_reads\": \"x\"}\n",
                "seed:1:",
            ),
        ];
        for (text, want) in cases {
            let e = Seed::from_yaml(text).unwrap_err().to_string();
            assert!(e.starts_with(want), "{text:?}: {e}");
            for secret in ["SeedSecretValue123", "OtherSecret456"] {
                assert!(!e.contains(secret), "{text:?}: {e}");
            }
            assert!(!e.contains(" | "), "no code frame: {e}");
        }
        let dir = std::env::temp_dir().join(format!("fake-ec2-seed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("world.yaml");
        std::fs::write(&path, cases[0].0).unwrap();
        let e = Seed::from_file(&path).unwrap_err().to_string();
        assert_eq!(e, format!("{}:5:15: invalid u32", path.display()));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unknown_fields_are_errors() {
        let e = Seed::from_yaml("regionz: {}").unwrap_err();
        assert!(e.to_string().contains("regionz"), "{e}");
    }

    #[test]
    fn bad_opt_in_group_is_refused() {
        let seed = Seed::from_yaml("regions:\n  us-east-1:\n    opt_in: [nowhere-1]\n").unwrap();
        assert!(crate::World::new(seed).is_err());
    }
}
