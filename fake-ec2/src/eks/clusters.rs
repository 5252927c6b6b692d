//! EKS clusters: CreateCluster, DescribeCluster, ListClusters,
//! DeleteCluster, UpdateClusterConfig, UpdateClusterVersion, DescribeUpdate,
//! ListUpdates; and what a cluster makes in its VPC (the cluster security
//! group, the control plane's network interfaces).
//!
//! Status: CREATING on create, ACTIVE after `settle_reads` reads (reads
//! are DescribeCluster, ListClusters, DescribeUpdate and the add-on reads
//! naming the cluster); an update shows UPDATING for at least one read;
//! a delete shows DELETING in its answer and at least one read after it,
//! then the cluster, its add-ons, security group and interfaces are gone.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::Ipv4Net;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::addons::Addon;
use super::catalog::{self, supported_minor};
use super::errors::{self, EksCode};
use super::{Request, Tags, bool_in, epoch, string_in, strings_in, tags_in};
use crate::ec2::network_interfaces::{EKS_SERVICE_ACCOUNT, NetworkInterface};
use crate::ec2::security_groups::{Peer, SecurityGroup, SecurityGroupRule};
use crate::faults::Fate;
use crate::ids::Timestamp;
use crate::protocol::AwsError;
use crate::protocol::error::AwsResult;
use crate::region::Ctx;

pub const CREATING: &str = "CREATING";
pub const ACTIVE: &str = "ACTIVE";
pub const UPDATING: &str = "UPDATING";
pub const DELETING: &str = "DELETING";
pub const FAILED: &str = "FAILED";

/// The control plane's log types, in the API's order.
pub const LOG_TYPES: [&str; 5] = [
    "api",
    "audit",
    "authenticator",
    "controllerManager",
    "scheduler",
];
const AUTH_MODES: [&str; 3] = ["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"];
/// Zone ids EKS does not place control planes in (UG-NET).
const UNSUPPORTED_ZONE_IDS: [&str; 3] = ["use1-az3", "usw1-az2", "cac1-az3"];
/// Free addresses EKS needs in each cluster subnet (UG-NET).
const MIN_FREE_IPS: u64 = 6;
/// Control-plane interfaces a cluster puts in its subnets: one in each of
/// its first two zones `[I]`.
const INTERFACES: usize = 2;
pub const CLUSTER_SG_DESCRIPTION: &str = "EKS created security group applied to ENI that is attached to EKS Control Plane master nodes, as well as any managed workloads.";

/// One update (cluster or add-on), as DescribeUpdate shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Update {
    pub id: String,
    /// `VersionUpdate`, `EndpointAccessUpdate`, `AddonUpdate` ...
    pub kind: String,
    /// `InProgress` until the cluster (or add-on) is ACTIVE again, then `Successful`.
    pub status: String,
    pub params: Vec<(String, String)>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addon_name: Option<String>,
}

impl Update {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "status": self.status,
            "type": self.kind,
            "params": self.params.iter().map(|(t, v)| json!({"type": t, "value": v})).collect::<Vec<_>>(),
            "createdAt": epoch(self.created_at),
            "errors": [],
        })
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cluster {
    pub name: String,
    pub arn: String,
    pub created_at: Timestamp,
    /// `1.NN`.
    pub version: String,
    pub platform_version: String,
    pub role_arn: String,
    pub status: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
    pub cluster_security_group_id: String,
    pub vpc_id: String,
    pub endpoint_public_access: bool,
    pub endpoint_private_access: bool,
    pub public_access_cidrs: Vec<String>,
    /// `ipv4` or `ipv6`.
    pub ip_family: String,
    pub service_ipv4_cidr: Option<String>,
    pub service_ipv6_cidr: Option<String>,
    /// Enabled per log type.
    pub logging: BTreeMap<String, bool>,
    pub authentication_mode: String,
    pub bootstrap_cluster_creator_admin_permissions: bool,
    pub support_type: String,
    pub endpoint: String,
    pub certificate_authority: String,
    pub oidc_issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub encryption_config: Vec<Value>,
    /// The control plane's interfaces (EC2's `network_interfaces`).
    pub interface_ids: Vec<String>,
    pub addons: BTreeMap<String, Addon>,
    pub updates: BTreeMap<String, Update>,
    pub tags: Tags,
    /// Reads left before a transitional status moves on.
    #[serde(default, skip_serializing_if = "crate::bookkeeping::hidden_in_dump")]
    pub reads_left: u32,
    /// A fault rule's fate: never leaves CREATING, or ends FAILED.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stuck: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fails: bool,
}

crate::registry::resource!(
    Cluster: "cluster", "cluster", name, Tags, |id| errors::cluster_not_found(id);

    fn owns(_id: &str) -> bool {
        false
    }
);

impl Cluster {
    pub fn minor(&self) -> u32 {
        supported_minor(&self.version).unwrap_or(catalog::MIN_MINOR)
    }

    pub fn is_ipv6(&self) -> bool {
        self.ip_family == "ipv6"
    }

    /// Moves a transitional status on by one read; true when a deleted
    /// cluster is gone.
    pub fn observe(&mut self) -> bool {
        if ![CREATING, UPDATING, DELETING].contains(&self.status.as_str())
            || (self.stuck && self.status == CREATING)
        {
            return false;
        }
        if self.reads_left > 0 {
            self.reads_left -= 1;
            return false;
        }
        match self.status.as_str() {
            DELETING => return true,
            CREATING if self.fails => self.status = FAILED.to_owned(),
            _ => self.status = ACTIVE.to_owned(),
        }
        for u in self.updates.values_mut() {
            if u.addon_name.is_none() && u.status == "InProgress" {
                u.status = "Successful".to_owned();
            }
        }
        false
    }

    /// The update in progress on the cluster itself, if any.
    fn update_in_progress(&self) -> Option<&Update> {
        self.updates
            .values()
            .find(|u| u.addon_name.is_none() && u.status == "InProgress")
    }

    fn logging_json(&self) -> Value {
        let mut entries = Vec::new();
        for enabled in [true, false] {
            let types: Vec<&str> = LOG_TYPES
                .iter()
                .copied()
                .filter(|t| self.logging.get(*t).copied().unwrap_or(false) == enabled)
                .collect();
            if !types.is_empty() {
                entries.push(json!({"types": types, "enabled": enabled}));
            }
        }
        json!({ "clusterLogging": entries })
    }

    pub fn to_json(&self) -> Value {
        let mut network = Map::new();
        if let Some(c) = &self.service_ipv4_cidr {
            network.insert("serviceIpv4Cidr".into(), json!(c));
        }
        if let Some(c) = &self.service_ipv6_cidr {
            network.insert("serviceIpv6Cidr".into(), json!(c));
        }
        network.insert("ipFamily".into(), json!(self.ip_family));
        let mut out = json!({
            "name": self.name,
            "arn": self.arn,
            "createdAt": epoch(self.created_at),
            "version": self.version,
            "roleArn": self.role_arn,
            "resourcesVpcConfig": {
                "subnetIds": self.subnet_ids,
                "securityGroupIds": self.security_group_ids,
                "clusterSecurityGroupId": self.cluster_security_group_id,
                "vpcId": self.vpc_id,
                "endpointPublicAccess": self.endpoint_public_access,
                "endpointPrivateAccess": self.endpoint_private_access,
                "publicAccessCidrs": self.public_access_cidrs,
            },
            "kubernetesNetworkConfig": network,
            "logging": self.logging_json(),
            "identity": {"oidc": {"issuer": self.oidc_issuer}},
            "status": self.status,
            "certificateAuthority": {},
            "platformVersion": self.platform_version,
            "tags": self.tags,
            "health": {"issues": []},
            "accessConfig": {
                "bootstrapClusterCreatorAdminPermissions": self.bootstrap_cluster_creator_admin_permissions,
                "authenticationMode": self.authentication_mode,
            },
            "upgradePolicy": {"supportType": self.support_type},
        });
        let o = out.as_object_mut().expect("an object");
        if self.status != CREATING {
            o.insert("endpoint".into(), json!(self.endpoint));
            o.insert(
                "certificateAuthority".into(),
                json!({"data": self.certificate_authority}),
            );
        }
        if let Some(t) = &self.client_request_token {
            o.insert("clientRequestToken".into(), json!(t));
        }
        if !self.encryption_config.is_empty() {
            o.insert("encryptionConfig".into(), json!(self.encryption_config));
        }
        out
    }
}

/// Standard base64 (for the certificate authority's data).
pub fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The cluster a call names, read: its status moves on, and a deleted
/// cluster whose last DELETING read has passed is removed (then the call
/// answers ResourceNotFoundException).
pub fn observe<'a>(ctx: &'a mut Ctx<'_>, name: &str) -> AwsResult<&'a mut Cluster> {
    let gone = ctx
        .region
        .eks
        .clusters
        .get_mut(name)
        .ok_or_else(|| errors::cluster_not_found(name))?
        .observe();
    if gone {
        remove(ctx, name);
        return Err(errors::cluster_not_found(name));
    }
    Ok(ctx
        .region
        .eks
        .clusters
        .get_mut(name)
        .expect("observed above"))
}

pub fn find_mut<'a>(ctx: &'a mut Ctx<'_>, name: &str) -> AwsResult<&'a mut Cluster> {
    ctx.region
        .eks
        .clusters
        .get_mut(name)
        .ok_or_else(|| errors::cluster_not_found(name))
}

/// Takes a cluster away with what it made in EC2.
fn remove(ctx: &mut Ctx<'_>, name: &str) {
    let Some(cluster) = ctx.region.eks.clusters.remove(name) else {
        return;
    };
    let ec2 = ctx.ec2();
    for id in &cluster.interface_ids {
        release_interface(ec2, id);
    }
    ec2.security_groups
        .remove(&cluster.cluster_security_group_id);
}

fn release_interface(ec2: &mut crate::ec2::Ec2State, id: &str) {
    ec2.remove_interface(id);
}

fn role_arn_ok(arn: &str) -> bool {
    let Some(rest) = arn.strip_prefix("arn:") else {
        return false;
    };
    let parts: Vec<&str> = rest.splitn(5, ':').collect();
    parts.len() == 5
        && parts[0].starts_with("aws")
        && parts[1] == "iam"
        && parts[2].is_empty()
        && parts[3].len() == 12
        && parts[3].bytes().all(|b| b.is_ascii_digit())
        && parts[4]
            .strip_prefix("role/")
            .is_some_and(|r| !r.is_empty())
}

fn role_error(arn: &str) -> AwsError {
    errors::invalid_parameter(format!(
        "Role with arn: {arn}, could not be assumed because it does not exist or the trusted entity is not correct"
    ))
}

fn name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    (1..=100).contains(&name.len())
        && chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The subnets and groups a cluster is placed in, checked against EC2.
struct Placement {
    vpc_id: String,
    subnet_ids: Vec<String>,
    security_group_ids: Vec<String>,
}

fn check_placement(
    ctx: &Ctx<'_>,
    cluster: &str,
    subnet_ids: &[String],
    security_group_ids: &[String],
    ipv6: bool,
) -> AwsResult<Placement> {
    let ec2 = &ctx.region.ec2;
    if subnet_ids.is_empty() {
        return Err(errors::invalid_parameter("Subnet Id is required"));
    }
    let mut subnets = Vec::new();
    for id in subnet_ids {
        let s = ec2.subnets.get(id).ok_or_else(|| {
            errors::invalid_parameter(format!(
                "The subnet ID '{id}' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidSubnetID.NotFound)"
            ))
        })?;
        subnets.push(s);
    }
    let vpc_id = subnets[0].vpc_id.clone();
    if subnets.iter().any(|s| s.vpc_id != vpc_id) {
        return Err(errors::invalid_parameter("Subnets are not in the same VPC"));
    }
    if let Some(s) = subnets.iter().find(|s| s.cidr_block.is_none()) {
        return Err(errors::invalid_parameter(format!(
            "Subnet {} is IPv6-only: cluster subnets need an IPv4 CIDR block",
            s.subnet_id
        )));
    }
    if let Some(s) = subnets
        .iter()
        .find(|s| UNSUPPORTED_ZONE_IDS.contains(&s.availability_zone_id.as_str()))
    {
        let mut valid: Vec<&str> = ctx
            .region
            .zones
            .iter()
            .filter(|z| {
                z.zone_type == crate::ec2::zones::ZoneType::AvailabilityZone && z.is_usable()
            })
            .filter(|z| !UNSUPPORTED_ZONE_IDS.contains(&z.zone_id.as_str()))
            .map(|z| z.name.as_str())
            .collect();
        valid.sort_unstable();
        return Err(AwsError::coded(
            EksCode::UnsupportedAvailabilityZoneException,
            format!(
                "Cannot create cluster '{cluster}' because {}, the targeted availability zone, does not currently have sufficient capacity to support the cluster. Retry and choose from these availability zones: {}",
                s.availability_zone,
                valid.join(", ")
            ),
        ));
    }
    let zones: std::collections::BTreeSet<&str> = subnets
        .iter()
        .map(|s| s.availability_zone.as_str())
        .collect();
    if zones.len() < 2 {
        return Err(errors::invalid_parameter(
            "Subnets specified must be in at least two different AZs",
        ));
    }
    if ipv6 {
        let v6_zones: std::collections::BTreeSet<&str> = subnets
            .iter()
            .filter(|s| s.has_ipv6())
            .map(|s| s.availability_zone.as_str())
            .collect();
        if v6_zones.len() < 2 {
            return Err(errors::invalid_parameter(
                "IPv6 clusters need subnets with IPv6 CIDR blocks in at least two different AZs",
            ));
        }
    }
    if let Some(s) = subnets
        .iter()
        .find(|s| s.available_ip_address_count() < MIN_FREE_IPS)
    {
        return Err(errors::invalid_parameter(format!(
            "Provided subnets {} Free IPs: {} , need at least {MIN_FREE_IPS} IPs in each subnet to be available for EKS Cluster.",
            s.subnet_id,
            s.available_ip_address_count()
        )));
    }
    for g in security_group_ids {
        let group = ec2.security_groups.get(g).ok_or_else(|| {
            errors::invalid_parameter(format!(
                "The security group '{g}' does not exist (Service: AmazonEC2; Status Code: 400; Error Code: InvalidGroup.NotFound)"
            ))
        })?;
        if group.vpc_id != vpc_id {
            return Err(errors::invalid_parameter(format!(
                "Security group {g} is in VPC {}, not in the subnets' VPC {vpc_id}",
                group.vpc_id
            )));
        }
    }
    Ok(Placement {
        vpc_id,
        subnet_ids: subnet_ids.to_vec(),
        security_group_ids: security_group_ids.to_vec(),
    })
}

/// `serviceIpv4Cidr`: private, /12 to /24, clear of the VPC's blocks.
fn check_service_cidr(ctx: &Ctx<'_>, vpc_id: &str, cidr: &str) -> AwsResult<String> {
    let bad =
        |why: &str| errors::invalid_parameter(format!("serviceIpv4Cidr {cidr} is invalid: {why}"));
    let net: Ipv4Net = cidr.parse().map_err(|_| bad("not an IPv4 CIDR block"))?;
    let net = net.trunc();
    let private = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        .iter()
        .any(|p| p.parse::<Ipv4Net>().is_ok_and(|p| p.contains(&net)));
    if !private {
        return Err(bad(
            "it must be within 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        ));
    }
    if !(12..=24).contains(&net.prefix_len()) {
        return Err(bad("its prefix must be between /12 and /24"));
    }
    if let Some(vpc) = ctx.region.ec2.vpcs.get(vpc_id)
        && vpc
            .ipv4_blocks()
            .any(|b| b.contains(&net.network()) || net.contains(&b.network()))
    {
        return Err(bad("it overlaps a CIDR block of the VPC"));
    }
    Ok(net.to_string())
}

/// EKS's default service block: 10.100.0.0/16, or 172.20.0.0/16 when the
/// VPC is in 10.0.0.0/8.
fn default_service_cidr(ctx: &Ctx<'_>, vpc_id: &str) -> String {
    let ten: Ipv4Net = "10.0.0.0/8".parse().expect("a CIDR");
    let in_ten = ctx
        .region
        .ec2
        .vpcs
        .get(vpc_id)
        .is_some_and(|v| v.ipv4_blocks().any(|b| ten.contains(&b.network())));
    if in_ten {
        "172.20.0.0/16"
    } else {
        "10.100.0.0/16"
    }
    .to_owned()
}

/// A ULA /108 from `fd00::/8`, 40 bits from a counter (EKS's own choice,
/// never the caller's).
fn service_ipv6_cidr(n: u64) -> String {
    let bits = 0x16_44b2_c6d7_u64.wrapping_add(n.wrapping_mul(0x9e37_79b1)) & 0xff_ffff_ffff;
    format!(
        "fd{:02x}:{:04x}:{:04x}::/108",
        bits >> 32,
        (bits >> 16) & 0xffff,
        bits & 0xffff
    )
}

fn parse_logging(m: &Map<String, Value>, into: &mut BTreeMap<String, bool>) -> AwsResult<()> {
    let Some(list) = m.get("clusterLogging").filter(|v| !v.is_null()) else {
        return Ok(());
    };
    let list = list
        .as_array()
        .ok_or_else(|| errors::wrong_type("clusterLogging", "a list"))?;
    for entry in list {
        let entry = entry
            .as_object()
            .ok_or_else(|| errors::wrong_type("clusterLogging", "a list of objects"))?;
        let enabled = bool_in(entry, "enabled")?.unwrap_or(false);
        for t in strings_in(entry, "types")?.unwrap_or_default() {
            if !LOG_TYPES.contains(&t.as_str()) {
                return Err(errors::invalid_parameter(format!(
                    "Invalid log type {t}: valid types are {}",
                    LOG_TYPES.join(", ")
                )));
            }
            into.insert(t, enabled);
        }
    }
    Ok(())
}

fn check_cidrs(cidrs: &[String], ipv6: bool) -> AwsResult<()> {
    for c in cidrs {
        let ok_v4 = c.parse::<Ipv4Net>().is_ok();
        let ok_v6 = c.parse::<ipnet::Ipv6Net>().is_ok();
        if !ok_v4 && !ok_v6 {
            return Err(errors::invalid_parameter(format!(
                "The public access CIDR {c} is not a valid CIDR block"
            )));
        }
        if ok_v6 && !ipv6 {
            return Err(errors::invalid_parameter(format!(
                "The public access CIDR {c} is IPv6: IPv6 CIDRs need an ipv6 cluster"
            )));
        }
    }
    Ok(())
}

fn access_mode(mode: &str) -> AwsResult<()> {
    if AUTH_MODES.contains(&mode) {
        Ok(())
    } else {
        Err(errors::invalid_parameter(format!(
            "Invalid authenticationMode {mode}: valid values are {}",
            AUTH_MODES.join(", ")
        )))
    }
}

fn support_type(t: &str) -> AwsResult<()> {
    if t == "STANDARD" || t == "EXTENDED" {
        Ok(())
    } else {
        Err(errors::invalid_parameter(format!(
            "Invalid supportType {t}: valid values are STANDARD, EXTENDED"
        )))
    }
}

fn counter_hex(ctx: &mut Ctx<'_>, counter: &str) -> String {
    let n = ctx.region.ids.bump(counter);
    format!(
        "{:032X}",
        u128::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835)
    )
}

/// A UUID-shaped id from a counter.
pub fn uuid(ctx: &mut Ctx<'_>, counter: &str) -> String {
    let n = ctx.region.ids.bump(counter);
    format!(
        "{:08x}-0000-4000-a000-{n:012x}",
        n.wrapping_mul(0x2f6b_1d3b) as u32
    )
}

pub fn create_cluster(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let name = req.required_string("name")?.to_owned();
    if !name_ok(&name) {
        return Err(errors::invalid_parameter(format!(
            "The cluster name {name} is invalid: 1-100 characters, letters, digits, hyphens and underscores, starting with a letter or digit"
        )));
    }
    let role_arn = req.required_string("roleArn")?.to_owned();
    let token = req.string("clientRequestToken")?.map(str::to_owned);
    if let Some(existing) = ctx.region.eks.clusters.get(&name) {
        if token.is_some() && existing.client_request_token == token {
            return Ok(json!({ "cluster": existing.to_json() }));
        }
        return Err(errors::in_use(format!(
            "Cluster already exists with name: {name}"
        )));
    }
    if !role_arn_ok(&role_arn) {
        return Err(role_error(&role_arn));
    }
    let version = req
        .string("version")?
        .unwrap_or(catalog::DEFAULT_VERSION)
        .to_owned();
    let minor = supported_minor(&version).ok_or_else(|| errors::unsupported_version(&version))?;
    let vpc_config = req
        .object("resourcesVpcConfig")?
        .ok_or_else(|| errors::missing("resourcesVpcConfig"))?;
    let network = req.object("kubernetesNetworkConfig")?;
    let empty = Map::new();
    let network = network.unwrap_or(&empty);
    let ip_family = string_in(network, "ipFamily")?.unwrap_or("ipv4").to_owned();
    if ip_family != "ipv4" && ip_family != "ipv6" {
        return Err(errors::invalid_parameter(format!(
            "Invalid ipFamily {ip_family}: valid values are ipv4, ipv6"
        )));
    }
    let ipv6 = ip_family == "ipv6";
    let service_cidr = string_in(network, "serviceIpv4Cidr")?;
    if ipv6 {
        if minor < catalog::IPV6_MIN_MINOR {
            return Err(errors::invalid_parameter(format!(
                "IPv6 is not supported for Kubernetes version {version}: ipFamily ipv6 needs 1.{} or later",
                catalog::IPV6_MIN_MINOR
            )));
        }
        if service_cidr.is_some() {
            return Err(errors::invalid_parameter(
                "serviceIpv4Cidr can't be specified when ipFamily is ipv6",
            ));
        }
    }
    let subnet_ids = strings_in(vpc_config, "subnetIds")?.unwrap_or_default();
    let group_ids = strings_in(vpc_config, "securityGroupIds")?.unwrap_or_default();
    let placement = check_placement(ctx, &name, &subnet_ids, &group_ids, ipv6)?;
    let service_ipv4_cidr = match (ipv6, service_cidr) {
        (true, _) => None,
        (false, Some(c)) => Some(check_service_cidr(ctx, &placement.vpc_id, c)?),
        (false, None) => Some(default_service_cidr(ctx, &placement.vpc_id)),
    };
    let public = bool_in(vpc_config, "endpointPublicAccess")?.unwrap_or(true);
    let private = bool_in(vpc_config, "endpointPrivateAccess")?.unwrap_or(false);
    if !public && !private {
        return Err(errors::invalid_parameter(
            "The cluster endpoint must have public access, private access or both",
        ));
    }
    let cidrs = match strings_in(vpc_config, "publicAccessCidrs")? {
        Some(c) if !c.is_empty() => c,
        _ if ipv6 => vec!["0.0.0.0/0".to_owned(), "::/0".to_owned()],
        _ => vec!["0.0.0.0/0".to_owned()],
    };
    check_cidrs(&cidrs, ipv6)?;
    let mut logging: BTreeMap<String, bool> =
        LOG_TYPES.iter().map(|t| ((*t).to_owned(), false)).collect();
    if let Some(l) = req.object("logging")? {
        parse_logging(l, &mut logging)?;
    }
    let (mut mode, mut bootstrap) = ("CONFIG_MAP".to_owned(), true);
    if let Some(a) = req.object("accessConfig")? {
        if let Some(m) = string_in(a, "authenticationMode")? {
            access_mode(m)?;
            m.clone_into(&mut mode);
        }
        bootstrap = bool_in(a, "bootstrapClusterCreatorAdminPermissions")?.unwrap_or(true);
    }
    let mut support = "EXTENDED".to_owned();
    if let Some(u) = req.object("upgradePolicy")?
        && let Some(t) = string_in(u, "supportType")?
    {
        support_type(t)?;
        t.clone_into(&mut support);
    }
    let encryption_config = match req.get("encryptionConfig") {
        None => Vec::new(),
        Some(Value::Array(a)) if a.len() <= 1 => a.clone(),
        Some(Value::Array(_)) => {
            return Err(errors::invalid_parameter(
                "Only one encryption configuration is allowed",
            ));
        }
        Some(_) => return Err(errors::wrong_type("encryptionConfig", "a list")),
    };
    let tags = tags_in(&req.body, "tags")?;
    super::check_tags(&tags, errors::invalid_parameter)?;

    // Everything checked: make what EKS makes.
    let n = ctx.region.ids.bump("eks-cluster");
    let service_ipv6_cidr = ipv6.then(|| service_ipv6_cidr(n));
    let sg_id = make_cluster_group(ctx, &name, &placement.vpc_id, ipv6);
    let mut groups = vec![sg_id.clone()];
    groups.extend(placement.security_group_ids.iter().cloned());
    let interface_ids = make_interfaces(ctx, &name, &placement.subnet_ids, &groups, ipv6);
    let id = counter_hex(ctx, "eks-endpoint");
    let region = ctx.region.name.clone();
    let ca = base64(
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            base64(format!("fake-ec2 EKS cluster CA for {name} ({id})").as_bytes())
        )
        .as_bytes(),
    );
    let (stuck, fails) = match ctx.fate.take() {
        Some(Fate::Stuck) => (true, false),
        Some(Fate::Failed { .. }) => (false, true),
        None => (false, false),
    };
    let cluster = Cluster {
        arn: ctx.region.arn("eks", &format!("cluster/{name}")),
        name: name.clone(),
        created_at: ctx.now,
        version: format!("1.{minor}"),
        platform_version: catalog::platform_version(minor),
        role_arn,
        status: CREATING.to_owned(),
        subnet_ids: placement.subnet_ids,
        security_group_ids: placement.security_group_ids,
        cluster_security_group_id: sg_id,
        vpc_id: placement.vpc_id,
        endpoint_public_access: public,
        endpoint_private_access: private,
        public_access_cidrs: cidrs,
        ip_family,
        service_ipv4_cidr,
        service_ipv6_cidr,
        logging,
        authentication_mode: mode,
        bootstrap_cluster_creator_admin_permissions: bootstrap,
        support_type: support,
        endpoint: format!("https://{id}.gr7.{region}.eks.amazonaws.com"),
        certificate_authority: ca,
        oidc_issuer: format!("https://oidc.eks.{region}.amazonaws.com/id/{id}"),
        client_request_token: token,
        encryption_config,
        interface_ids,
        addons: BTreeMap::new(),
        updates: BTreeMap::new(),
        tags,
        reads_left: ctx.region.settle_reads,
        stuck,
        fails,
    };
    let answer = json!({ "cluster": cluster.to_json() });
    ctx.region.eks.clusters.insert(name, cluster);
    Ok(answer)
}

/// The cluster security group: `eks-cluster-sg-<name>-<digits>`, all
/// traffic from itself, all egress, tagged as EKS tags it.
fn make_cluster_group(ctx: &mut Ctx<'_>, name: &str, vpc_id: &str, ipv6: bool) -> String {
    let n = ctx.region.ids.bump("eks-cluster-sg");
    let group_name = format!("eks-cluster-sg-{name}-{}", 1_000_000_000 + n * 7_919);
    let group_id = ctx.next_id("sg");
    let owner = ctx.account().to_owned();
    let ingress = vec![SecurityGroupRule {
        rule_id: ctx.next_id("sgr"),
        ip_protocol: "-1".to_owned(),
        from_port: None,
        to_port: None,
        peer: Peer::Group {
            group_id: group_id.clone(),
            user_id: owner.clone(),
        },
        description: None,
        tags: crate::ec2::tags::Tags::new(),
    }];
    let egress = SecurityGroup::default_egress(ctx, ipv6);
    let tags = [
        ("Name", group_name.as_str()),
        ("aws:eks:cluster-name", name),
        (&format!("kubernetes.io/cluster/{name}"), "owned"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let group = SecurityGroup {
        group_id: group_id.clone(),
        group_name,
        description: CLUSTER_SG_DESCRIPTION.to_owned(),
        vpc_id: vpc_id.to_owned(),
        owner_id: owner,
        ingress,
        egress,
        tags,
    };
    ctx.ec2().security_groups.insert(group_id.clone(), group);
    group_id
}

/// One interface in the first subnet of each of the first two zones, with
/// an IPv4 address, and an IPv6 one too for an ipv6 cluster in a subnet
/// with IPv6.
fn make_interfaces(
    ctx: &mut Ctx<'_>,
    name: &str,
    subnet_ids: &[String],
    groups: &[String],
    ipv6: bool,
) -> Vec<String> {
    let mut zones: Vec<String> = Vec::new();
    let mut chosen = Vec::new();
    for id in subnet_ids {
        let Some(s) = ctx.region.ec2.subnets.get(id) else {
            continue;
        };
        if zones.contains(&s.availability_zone) || chosen.len() == INTERFACES {
            continue;
        }
        zones.push(s.availability_zone.clone());
        chosen.push(id.clone());
    }
    let owner = ctx.account().to_owned();
    let mut ids = Vec::new();
    for subnet_id in chosen {
        let eni_id = ctx.next_id("eni");
        let attachment_id = ctx.next_id("eni-attach");
        let n = ctx.region.ids.bump("eni-mac");
        let Some(subnet) = ctx.ec2().subnets.get_mut(&subnet_id) else {
            continue;
        };
        let v4: Option<Ipv4Addr> = subnet.allocate_ipv4();
        let v6: Vec<Ipv6Addr> = if ipv6 {
            subnet.allocate_ipv6().into_iter().collect()
        } else {
            Vec::new()
        };
        let eni = NetworkInterface {
            description: format!("Amazon EKS {name}"),
            instance_owner_id: EKS_SERVICE_ACCOUNT.to_owned(),
            attachment_id,
            private_ip_address: v4,
            ipv6_addresses: v6,
            security_group_ids: groups.to_vec(),
            ..NetworkInterface::in_subnet(eni_id.clone(), subnet, owner.clone(), n)
        };
        ctx.ec2().network_interfaces.insert(eni_id.clone(), eni);
        ids.push(eni_id);
    }
    ids
}

pub fn describe_cluster(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let cluster = observe(ctx, req.label(0))?;
    Ok(json!({ "cluster": cluster.to_json() }))
}

pub fn list_clusters(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    if let Some(include) = req.query_one("include")
        && include != "all"
    {
        return Err(errors::invalid_parameter(format!(
            "Invalid include value {include}: the only value is all"
        )));
    }
    let names: Vec<String> = ctx.region.eks.clusters.keys().cloned().collect();
    let mut live = Vec::new();
    for name in names {
        if observe(ctx, &name).is_ok() {
            live.push((name.clone(), name));
        }
    }
    let (page, next) = super::page(req, &live)?;
    let mut out = json!({ "clusters": page });
    if let Some(t) = next {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

pub fn delete_cluster(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let name = req.label(0);
    let settle = ctx.region.settle_reads.max(1);
    let cluster = find_mut(ctx, name)?;
    match cluster.status.as_str() {
        CREATING => {
            return Err(errors::in_use(format!(
                "Cannot delete because cluster {name} currently has status CREATING"
            )));
        }
        UPDATING => {
            let id = cluster
                .update_in_progress()
                .map(|u| u.id.clone())
                .unwrap_or_default();
            return Err(errors::in_use(format!(
                "Cannot delete because cluster {name} currently has update {id} in progress"
            )));
        }
        DELETING => return Ok(json!({ "cluster": cluster.to_json() })),
        _ => {}
    }
    cluster.status = DELETING.to_owned();
    cluster.reads_left = settle;
    for addon in cluster.addons.values_mut() {
        addon.status = super::addons::DELETING.to_owned();
        addon.reads_left = settle;
    }
    Ok(json!({ "cluster": cluster.to_json() }))
}

/// A cluster that can take an update now, or why not.
fn ready_for_update<'a>(
    ctx: &'a mut Ctx<'_>,
    name: &str,
    kind: &str,
) -> AwsResult<&'a mut Cluster> {
    let cluster = find_mut(ctx, name)?;
    if let Some(u) = cluster.update_in_progress() {
        return Err(errors::in_use(format!(
            "Cannot {kind} because cluster {name} currently has update {} in progress",
            u.id
        )));
    }
    if cluster.status != ACTIVE {
        return Err(errors::in_use(format!(
            "Cannot {kind} because cluster {name} currently has status {}",
            cluster.status
        )));
    }
    Ok(cluster)
}

/// Records an update and shows the cluster UPDATING for at least one read.
fn start_update(
    ctx: &mut Ctx<'_>,
    name: &str,
    kind: &str,
    params: Vec<(String, String)>,
) -> AwsResult<Value> {
    let id = uuid(ctx, "eks-update");
    let settle = ctx.region.settle_reads.max(1);
    let now = ctx.now;
    let cluster = find_mut(ctx, name)?;
    let update = Update {
        id: id.clone(),
        kind: kind.to_owned(),
        status: "InProgress".to_owned(),
        params,
        created_at: now,
        addon_name: None,
    };
    let answer = json!({ "update": update.to_json() });
    cluster.updates.insert(id, update);
    cluster.status = UPDATING.to_owned();
    cluster.reads_left = settle;
    Ok(answer)
}

pub fn update_cluster_version(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let name = req.label(0).to_owned();
    let version = req.required_string("version")?.to_owned();
    let target = supported_minor(&version).ok_or_else(|| errors::unsupported_version(&version))?;
    let cluster = ready_for_update(ctx, &name, "VersionUpdate")?;
    let current = cluster.minor();
    if target != current + 1 {
        return Err(errors::invalid_parameter(format!(
            "Unsupported Kubernetes minor version update from {} to {version}",
            cluster.version
        )));
    }
    cluster.version = format!("1.{target}");
    cluster.platform_version = catalog::platform_version(target);
    let params = vec![
        ("Version".to_owned(), cluster.version.clone()),
        (
            "PlatformVersion".to_owned(),
            cluster.platform_version.clone(),
        ),
    ];
    start_update(ctx, &name, "VersionUpdate", params)
}

/// The update kinds an UpdateClusterConfig body asks for.
fn config_kinds(req: &Request) -> AwsResult<Vec<&'static str>> {
    let mut kinds = Vec::new();
    if let Some(v) = req.object("resourcesVpcConfig")? {
        if v.contains_key("subnetIds") || v.contains_key("securityGroupIds") {
            kinds.push("VpcConfigUpdate");
        }
        if [
            "endpointPublicAccess",
            "endpointPrivateAccess",
            "publicAccessCidrs",
        ]
        .iter()
        .any(|k| v.get(*k).is_some_and(|x| !x.is_null()))
        {
            kinds.push("EndpointAccessUpdate");
        }
    }
    for (key, kind) in [
        ("logging", "LoggingUpdate"),
        ("accessConfig", "AccessConfigUpdate"),
        ("upgradePolicy", "UpgradePolicyUpdate"),
        ("kubernetesNetworkConfig", "ConfigUpdate"),
    ] {
        if req.get(key).is_some() {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

pub fn update_cluster_config(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let name = req.label(0).to_owned();
    find_mut(ctx, &name)?;
    let kinds = config_kinds(req)?;
    let kind = match kinds.as_slice() {
        [] => {
            return Err(errors::invalid_parameter(
                "No changes were specified: name one of resourcesVpcConfig, logging, accessConfig, upgradePolicy",
            ));
        }
        [one] => *one,
        _ => {
            return Err(errors::invalid_parameter(
                "Only one type of update can be allowed.",
            ));
        }
    };
    let cluster = ready_for_update(ctx, &name, kind)?.clone();
    let mut params = Vec::new();
    let mut changed = cluster.clone();
    match kind {
        "EndpointAccessUpdate" => {
            let v = req.object("resourcesVpcConfig")?.expect("counted above");
            let public =
                bool_in(v, "endpointPublicAccess")?.unwrap_or(cluster.endpoint_public_access);
            let private =
                bool_in(v, "endpointPrivateAccess")?.unwrap_or(cluster.endpoint_private_access);
            let cidrs = match strings_in(v, "publicAccessCidrs")? {
                Some(c) if !c.is_empty() => c,
                Some(_) if cluster.is_ipv6() => vec!["0.0.0.0/0".to_owned(), "::/0".to_owned()],
                Some(_) => vec!["0.0.0.0/0".to_owned()],
                None => cluster.public_access_cidrs.clone(),
            };
            check_cidrs(&cidrs, cluster.is_ipv6())?;
            if !public && !private {
                return Err(errors::invalid_parameter(
                    "The cluster endpoint must have public access, private access or both",
                ));
            }
            if public == cluster.endpoint_public_access
                && private == cluster.endpoint_private_access
                && cidrs == cluster.public_access_cidrs
            {
                return Err(errors::invalid_parameter(format!(
                    "Cluster is already at the desired configuration with endpointPrivateAccess: {private} , endpointPublicAccess: {public}, and Public Endpoint Restrictions: [{}]",
                    cidrs.join(", ")
                )));
            }
            params.push(("EndpointPublicAccess".to_owned(), public.to_string()));
            params.push(("EndpointPrivateAccess".to_owned(), private.to_string()));
            params.push((
                "PublicAccessCidrs".to_owned(),
                serde_json::to_string(&cidrs).unwrap_or_default(),
            ));
            changed.endpoint_public_access = public;
            changed.endpoint_private_access = private;
            changed.public_access_cidrs = cidrs;
        }
        "VpcConfigUpdate" => {
            let v = req.object("resourcesVpcConfig")?.expect("counted above");
            let subnets = strings_in(v, "subnetIds")?.unwrap_or_else(|| cluster.subnet_ids.clone());
            let groups = strings_in(v, "securityGroupIds")?
                .unwrap_or_else(|| cluster.security_group_ids.clone());
            let placement = check_placement(ctx, &name, &subnets, &groups, cluster.is_ipv6())?;
            if placement.vpc_id != cluster.vpc_id {
                return Err(errors::invalid_parameter(format!(
                    "Subnets must be in the cluster's VPC {}",
                    cluster.vpc_id
                )));
            }
            let zone_of = |id: &String| {
                ctx.region
                    .ec2
                    .subnets
                    .get(id)
                    .map(|s| s.availability_zone.clone())
            };
            let old: std::collections::BTreeSet<_> =
                cluster.subnet_ids.iter().filter_map(zone_of).collect();
            let new: std::collections::BTreeSet<_> = subnets.iter().filter_map(zone_of).collect();
            if !new.is_subset(&old) {
                return Err(errors::invalid_parameter(
                    "Provided subnets must be in the same availability zones as the cluster's subnets at creation",
                ));
            }
            params.push((
                "SubnetIds".to_owned(),
                serde_json::to_string(&subnets).unwrap_or_default(),
            ));
            params.push((
                "SecurityGroupIds".to_owned(),
                serde_json::to_string(&groups).unwrap_or_default(),
            ));
            changed.subnet_ids = placement.subnet_ids;
            changed.security_group_ids = placement.security_group_ids;
        }
        "LoggingUpdate" => {
            let l = req.object("logging")?.unwrap_or(&Map::new()).clone();
            parse_logging(&l, &mut changed.logging)?;
            if changed.logging == cluster.logging {
                return Err(errors::invalid_parameter(
                    "No changes needed for the logging config provided",
                ));
            }
            params.push((
                "ClusterLogging".to_owned(),
                changed.logging_json().to_string(),
            ));
        }
        "AccessConfigUpdate" => {
            let a = req.object("accessConfig")?.unwrap_or(&Map::new()).clone();
            if bool_in(&a, "bootstrapClusterCreatorAdminPermissions")?.is_some() {
                return Err(errors::invalid_parameter(
                    "bootstrapClusterCreatorAdminPermissions can only be set when the cluster is created",
                ));
            }
            let mode = string_in(&a, "authenticationMode")?
                .ok_or_else(|| errors::missing("accessConfig.authenticationMode"))?;
            access_mode(mode)?;
            let rank = |m: &str| AUTH_MODES.iter().position(|x| *x == m).unwrap_or(0);
            if rank(mode) <= rank(&cluster.authentication_mode) {
                return Err(errors::invalid_parameter(format!(
                    "Unsupported authentication mode update from {} to {mode}",
                    cluster.authentication_mode
                )));
            }
            params.push(("AuthenticationMode".to_owned(), mode.to_owned()));
            mode.clone_into(&mut changed.authentication_mode);
        }
        "UpgradePolicyUpdate" => {
            let u = req.object("upgradePolicy")?.unwrap_or(&Map::new()).clone();
            let t = string_in(&u, "supportType")?
                .ok_or_else(|| errors::missing("upgradePolicy.supportType"))?;
            support_type(t)?;
            params.push(("UpgradePolicy".to_owned(), t.to_owned()));
            t.clone_into(&mut changed.support_type);
        }
        _ => {
            let k = req
                .object("kubernetesNetworkConfig")?
                .unwrap_or(&Map::new())
                .clone();
            if let Some(f) = string_in(&k, "ipFamily")?
                && f != cluster.ip_family
            {
                return Err(errors::invalid_parameter(format!(
                    "The IP family of cluster {name} is {} and can't be changed",
                    cluster.ip_family
                )));
            }
            if string_in(&k, "serviceIpv4Cidr")?.is_some() {
                return Err(errors::invalid_parameter(
                    "serviceIpv4Cidr can only be set when the cluster is created",
                ));
            }
            return Err(errors::invalid_parameter(
                "kubernetesNetworkConfig can only change elasticLoadBalancing (EKS Auto Mode), which the fake does not model",
            ));
        }
    }
    if kind == "VpcConfigUpdate" {
        // The control plane's interfaces move to the new subnets and groups.
        let ec2 = ctx.ec2();
        for id in &cluster.interface_ids {
            release_interface(ec2, id);
        }
        let mut groups = vec![cluster.cluster_security_group_id.clone()];
        groups.extend(changed.security_group_ids.iter().cloned());
        changed.interface_ids =
            make_interfaces(ctx, &name, &changed.subnet_ids, &groups, cluster.is_ipv6());
    }
    ctx.region.eks.clusters.insert(name.clone(), changed);
    start_update(ctx, &name, kind, params)
}

pub fn describe_update(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let id = req.label(1).to_owned();
    let addon = req.query_one("addonName").map(str::to_owned);
    let name = req.label(0).to_owned();
    if let Some(a) = &addon {
        super::addons::observe_addon(ctx, &name, a)?;
    }
    let cluster = observe(ctx, &name)?;
    let update = cluster
        .updates
        .get(&id)
        .filter(|u| u.addon_name == addon)
        .ok_or_else(|| errors::update_not_found(&id))?;
    Ok(json!({ "update": update.to_json() }))
}

pub fn list_updates(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let addon = req.query_one("addonName").map(str::to_owned);
    let cluster = observe(ctx, req.label(0))?;
    let mut ids: Vec<(String, String)> = cluster
        .updates
        .values()
        .filter(|u| u.addon_name == addon)
        .map(|u| (u.id.clone(), u.id.clone()))
        .collect();
    ids.sort();
    let (page, next) = super::page(req, &ids)?;
    let mut out = json!({ "updateIds": page });
    if let Some(t) = next {
        out["nextToken"] = json!(t);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn service_ipv6_blocks_are_ula_108s() {
        for n in 1..50 {
            let c = service_ipv6_cidr(n);
            let net: ipnet::Ipv6Net = c.parse().unwrap();
            assert_eq!(net.prefix_len(), 108);
            assert!(c.starts_with("fd"), "{c}");
        }
        assert_ne!(service_ipv6_cidr(1), service_ipv6_cidr(2));
    }

    #[test]
    fn names_and_roles() {
        assert!(name_ok("default_c1-control-plane"));
        assert!(!name_ok("-x") && !name_ok("") && !name_ok("a.b"));
        assert!(role_arn_ok("arn:aws:iam::123456789012:role/eks"));
        assert!(!role_arn_ok("arn:aws:iam::123:role/eks") && !role_arn_ok("role/eks"));
    }
}
