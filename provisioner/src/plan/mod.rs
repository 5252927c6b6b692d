//! The desired network, computed purely from the model, the facts and the
//! laid-out subnets: VPC, subnets and their attributes, gateways, NAT
//! gateways, one route table per subnet, security groups, the API load
//! balancer with its target group, and the control-plane machines.
//!
//! The plan is built even for configurations validation refuses, so that
//! the provisioner can be run with validation off and AWS (or the fake)
//! gives its own verdict.

mod build;
mod compute;
pub mod eks;
mod security_groups;

pub use build::plan;

use std::collections::BTreeMap;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Serialize;

use crate::layout::{Ipv6Block, LaidOutSubnet};
use crate::layout::{
    control_plane_subnets, cp_lb_subnets, cp_lb_target_group_ip_type, worker_subnet,
};
use crate::model::{ClusterModel, CpLb, Family, Flavor, LbRole, Machines};
pub use crate::model::{LbIpType, Scheme, TgIpType};
use crate::spec::types::{IngressRule, Tags};

/// Tag keys CAPA uses; the provisioner finds its resources by them.
pub mod tags {
    pub const NAME: &str = "Name";
    pub const ROLE: &str = "sigs.k8s.io/cluster-api-provider-aws/role";

    /// `sigs.k8s.io/cluster-api-provider-aws/cluster/<name>`, value `owned`.
    pub fn owned_key(cluster: &str) -> String {
        format!("sigs.k8s.io/cluster-api-provider-aws/cluster/{cluster}")
    }

    /// `kubernetes.io/cluster/<name>`, value `owned` (or `shared` on BYO subnets).
    pub fn kubernetes_key(cluster: &str) -> String {
        format!("kubernetes.io/cluster/{cluster}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum Ipv6Plan {
    /// An Amazon-provided /56 (`ipv6: {}`).
    Amazon,
    /// A given block, from the BYOIP pool `pool_id` (sent even when empty,
    /// as CAPA sends it; AWS then refuses the block).
    Byoip {
        pool_id: String,
        /// The block as written (AWS judges it).
        cidr: Option<String>,
    },
    /// From an IPAM pool, by id or by its Name tag.
    Ipam {
        pool_id: Option<String>,
        pool_name: Option<String>,
        netmask_length: u8,
    },
    /// The block an existing (BYO) VPC already has.
    Existing { cidr: Option<Ipv6Net> },
}

/// An IPAM pool by id or by its Name tag, and the netmask to ask for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpamRef {
    pub pool_id: Option<String>,
    pub pool_name: Option<String>,
    pub netmask_length: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcPlan {
    /// A BYO VPC's id; `None` when the provisioner creates the VPC.
    pub existing_id: Option<String>,
    /// A managed VPC the spec names by id (it carries the cluster's owned
    /// tag): looked up by that id rather than by its Name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed_id: Option<String>,
    pub cidr_block: Ipv4Net,
    /// `cidrBlock` as written, sent to CreateVpc as is (AWS judges a bad one).
    pub cidr_block_text: String,
    /// An IPv4 IPAM pool the block comes from instead (`vpc.ipamPool`).
    pub ipv4_ipam: Option<IpamRef>,
    pub ipv6: Option<Ipv6Plan>,
    /// Secondary IPv4 blocks to associate (`vpc.secondaryCidrBlocks`), as
    /// written; a managed VPC's only.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secondary_cidr_blocks: Vec<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubnetPlan {
    pub key: String,
    pub managed: bool,
    pub resource_id: Option<String>,
    pub availability_zone: Option<String>,
    pub public: bool,
    pub family: Family,
    pub cidr_block: Option<Ipv4Net>,
    pub ipv6: Option<Ipv6Block>,
    /// Blocks as written when they do not parse (see `LaidOutSubnet`).
    pub cidr_text: Option<String>,
    pub ipv6_text: Option<String>,
    /// Attributes set after creation (ModifySubnetAttribute, one per call).
    pub assign_ipv6_address_on_creation: bool,
    pub enable_dns64: bool,
    pub map_public_ip_on_launch: bool,
    pub hostname_type: Option<String>,
    pub tags: Tags,
}

/// A gateway VPC endpoint, as CAPA's `reconcileVPCEndpoints` makes one:
/// for S3 when `spec.s3Bucket` is set, in a VPC CAPA manages, routed from
/// every subnet's route table; tagged owned with role `common` and no Name
/// (`getVPCEndpointTagParams`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VpcEndpointPlan {
    /// `com.amazonaws.<region>.s3`.
    pub service_name: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NatGatewayPlan {
    pub availability_zone: String,
    pub subnet_key: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    AnyIpv4,
    AnyIpv6,
    /// `64:ff9b::/96`, NAT64.
    Nat64,
}

impl Destination {
    pub fn cidr(self) -> IpNet {
        match self {
            Destination::AnyIpv4 => "0.0.0.0/0".parse().expect("valid"),
            Destination::AnyIpv6 => "::/0".parse().expect("valid"),
            Destination::Nat64 => "64:ff9b::/96".parse().expect("valid"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteTarget {
    InternetGateway,
    EgressOnlyInternetGateway,
    /// The VPC's carrier gateway (a Wavelength Zone public subnet's IPv4).
    CarrierGateway,
    /// The NAT gateway of this zone.
    NatGateway(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoutePlan {
    pub destination: Destination,
    pub target: RouteTarget,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteTablePlan {
    pub subnet_key: String,
    pub routes: Vec<RoutePlan>,
    pub tags: Tags,
}

/// Where a security group rule lets traffic in from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Peer {
    Cidr(IpNet),
    /// An entry of a rule's `cidrBlocks`, sent as an IPv4 range as written.
    Ipv4Text(String),
    /// An entry of a rule's `ipv6CidrBlocks`, sent as an IPv6 range as written.
    Ipv6Text(String),
    /// A security group by id (`sourceSecurityGroupIds`).
    GroupId(String),
    /// The Elastic IPs of the cluster's NAT gateways, as /32s
    /// (`natGatewaysIPsSource`).
    NatGatewayIps,
    /// The VPC's IPv4 block.
    VpcIpv4,
    /// The VPC's IPv6 block.
    VpcIpv6,
    /// Another of the cluster's groups, by role.
    Group(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RulePlan {
    pub description: String,
    /// `tcp`, `udp`, `-1`, or a protocol number such as `4` or `58`.
    pub protocol: String,
    pub from_port: i64,
    pub to_port: i64,
    pub peer: Peer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecurityGroupPlan {
    pub role: String,
    pub name: String,
    pub ingress: Vec<RulePlan>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TargetGroupPlan {
    pub name: String,
    pub port: u16,
    pub ip_address_type: TgIpType,
    pub health_check_protocol: String,
    pub health_check_path: Option<String>,
    /// CAPA's `getAPITargetGroupHealthCheck`: port 6443, every 5 s, 4 s
    /// timeout, 2 to be healthy, 6 to be unhealthy (the spec's healthCheck
    /// overrides the counts and times).
    pub health_check_port: String,
    /// `None`: AWS's default (an additional listener without `healthCheck`).
    pub health_check_interval_seconds: Option<i32>,
    pub health_check_timeout_seconds: Option<i32>,
    pub healthy_threshold_count: Option<i32>,
    pub unhealthy_threshold_count: Option<i32>,
    /// The target group's (and its listener's) protocol.
    pub protocol: String,
    /// Set once the target group is made (`reconcileTargetGroupsAndListeners`).
    pub attributes: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoadBalancerPlan {
    pub name: String,
    /// `network` (CAPA's nlb).
    pub lb_type: String,
    pub scheme: Scheme,
    pub ip_address_type: LbIpType,
    pub subnet_keys: Vec<String>,
    pub security_group_roles: Vec<String>,
    pub listener_port: u16,
    pub target_group: TargetGroupPlan,
    /// `additionalListeners`: one listener and target group each, on the
    /// listener's port (CAPA's `getAPIServerLBSpec`).
    pub additional: Vec<TargetGroupPlan>,
    /// CAPA's `getAPIServerLBSpec` attributes (`load_balancing.cross_zone.enabled`
    /// as the spec says), set where the load balancer's differ.
    pub attributes: Vec<(String, String)>,
    pub tags: Tags,
}

/// CAPA's default API load balancer: a classic ELB (Elastic Load Balancing
/// 2012-06-01), as `getAPIServerClassicELBSpec` describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassicLbPlan {
    /// The spec's name, else CAPA's `ELBName` (`<cluster>-apiserver`).
    pub name: String,
    pub scheme: Scheme,
    pub subnet_keys: Vec<String>,
    pub security_group_roles: Vec<String>,
    /// One TCP listener on `apiServerPort`, to TCP 6443 on the instances.
    pub listener_port: u16,
    pub instance_port: u16,
    pub health_check: ClassicHealthCheckPlan,
    /// `crossZoneLoadBalancing`.
    pub cross_zone: bool,
    /// CAPA's `IdleTimeout`: 10 minutes.
    pub idle_timeout_seconds: i32,
    pub tags: Tags,
}

/// A classic ELB's health check: `TCP:6443` (or `HTTP(S):6443/readyz` with
/// `healthCheckProtocol`), every 5 s, 4 s timeout, 2 to be healthy, 6 to
/// be unhealthy (CAPA's `DefaultAPIServerHealthCheck*`; `healthCheck`
/// does not apply to a classic ELB).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassicHealthCheckPlan {
    pub target: String,
    pub interval: i32,
    pub timeout: i32,
    pub healthy_threshold: i32,
    pub unhealthy_threshold: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MachinePlan {
    pub name: String,
    /// CAPA's role tag: `control-plane` (registered with the API load
    /// balancer) or `node` (a MachineDeployment's worker).
    pub role: String,
    pub instance_type: String,
    pub image_id: String,
    /// RunInstances' `KeyName` (CAPA's `sshKeyName` precedence); `None`
    /// when `sshKeyName` is empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_name: Option<String>,
    pub subnet_key: String,
    /// ENI `PrimaryIpv6=true` and `Ipv6AddressCount=1` (CAPA `shouldEnablePrimaryIpv6`).
    pub primary_ipv6: bool,
    pub hostname_type: Option<String>,
    pub enable_resource_name_dns_a_record: Option<bool>,
    pub enable_resource_name_dns_aaaa_record: Option<bool>,
    /// Always sent, with CAPA's defaults (`SetDefaults_AWSMachineSpec`).
    pub metadata_options: MetadataOptionsPlan,
    pub security_group_roles: Vec<String>,
    pub tags: Tags,
}

/// The instance metadata service's options, as CAPA sends them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetadataOptionsPlan {
    pub http_endpoint: String,
    pub http_protocol_ipv6: String,
    pub http_put_response_hop_limit: i32,
    pub http_tokens: String,
    pub instance_metadata_tags: String,
}

/// Things the plan does not do, said once in its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note(pub String);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub cluster: String,
    pub region: String,
    pub flavor: Flavor,
    pub vpc: VpcPlan,
    pub subnets: Vec<SubnetPlan>,
    /// Whether the cluster owns an internet gateway (managed VPCs).
    pub internet_gateway: bool,
    /// Whether the cluster owns a carrier gateway: a managed VPC with a
    /// public subnet in a Wavelength Zone (CAPA `reconcileCarrierGateway`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub carrier_gateway: bool,
    /// A gateway to create, or the BYO one to use.
    pub egress_only_internet_gateway: Option<EgressOnlyPlan>,
    pub nat_gateways: Vec<NatGatewayPlan>,
    pub route_tables: Vec<RouteTablePlan>,
    /// Gateway endpoints routed from every route table (see [`VpcEndpointPlan`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpc_endpoints: Vec<VpcEndpointPlan>,
    pub security_groups: Vec<SecurityGroupPlan>,
    pub load_balancer: Option<LoadBalancerPlan>,
    /// `spec.secondaryControlPlaneLoadBalancer`: an NLB with its own target
    /// group and listener; the control plane is registered in both.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_load_balancer: Option<LoadBalancerPlan>,
    /// CAPA's default: a classic ELB when `loadBalancerType` is not given
    /// (or is `classic`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classic_load_balancer: Option<ClassicLbPlan>,
    pub machines: Vec<MachinePlan>,
    /// The EKS control plane of an AWSManagedControlPlane.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eks: Option<eks::EksPlan>,
    pub notes: Vec<Note>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EgressOnlyPlan {
    Create,
    Existing(String),
}

/// Plan options that do not come from the manifests.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// The image for machines whose template has no `ami.id` (`--ami`).
    pub default_image_id: Option<String>,
    /// What CAPA's default image lookups found (from the facts), by
    /// instance type, `bastion` for the bastion's.
    pub images: BTreeMap<String, crate::facts::ImageFact>,
}

/// The image id used when neither the template, the options nor CAPA's
/// lookup give one (no Kubernetes version to look up by, or an endpoint
/// that found none, which validation refuses).
pub const FALLBACK_IMAGE_ID: &str = "ami-00000000000000000";

fn base_tags(model: &ClusterModel, name: &str, role: &str) -> Tags {
    let mut t = Tags::new();
    t.insert(tags::NAME.into(), name.into());
    t.insert(tags::owned_key(&model.name), "owned".into());
    t.insert(tags::ROLE.into(), role.into());
    for (k, v) in &model.additional_tags {
        t.entry(k.clone()).or_insert_with(|| v.clone());
    }
    t
}

/// A 32-bit FNV-1a hash, for deterministic name suffixes.
fn short_hash(text: &str) -> String {
    let h = text.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    format!("{h:08x}")
}

pub use crate::names::capa_lb_name;

/// The primary API load balancer's name (see [`cp_lb_name`]).
pub fn api_lb_name(model: &ClusterModel) -> String {
    model
        .primary_lb()
        .map(|lb| cp_lb_name(model, lb))
        .unwrap_or_else(|| capa_lb_name(&model.namespace, &model.name))
}

/// A control-plane load balancer's name: the spec's, as written (AWS
/// judges it), else CAPA's (`ELBName` for a classic ELB, `LBName` for
/// ELBv2 ones).
pub fn cp_lb_name(model: &ClusterModel, lb: CpLb<'_>) -> String {
    lb.spec.name.clone().unwrap_or_else(|| {
        if lb.lb_type() == "classic" && lb.role == LbRole::Primary {
            crate::names::capa_classic_elb_name(&model.name)
        } else {
            capa_lb_name(&model.namespace, &model.name)
        }
    })
}

/// ELBv2 names: at most 32 characters, alphanumerics and hyphens.
pub fn elb_name(base: &str) -> String {
    if base.len() <= 32 {
        return base.to_owned();
    }
    let head: String = base.chars().take(23).collect();
    format!("{}-{}", head.trim_end_matches('-'), short_hash(base))
}

impl Plan {
    /// The plan once the VPC `vpc_id` exists: the subnets' blocks laid out again
    /// with the VPC's real blocks (an IPAM pool picks the IPv4 block; the
    /// IPv6 block decides which slots are free). Nothing else changes.
    pub fn with_vpc_blocks(
        &self,
        model: &ClusterModel,
        facts: &crate::facts::Facts,
        vpc_id: &str,
        ipv4: Option<Ipv4Net>,
        ipv6: Option<Ipv6Net>,
    ) -> Plan {
        let mut plan = self.clone();
        if self.vpc.existing_id.is_some() {
            return plan;
        }
        let mut known = facts.clone();
        known.existing_cluster_vpc = Some(crate::facts::VpcFact {
            vpc_id: vpc_id.to_owned(),
            cidr_blocks: ipv4.into_iter().collect(),
            ipv6_cidr_blocks: ipv6.into_iter().collect(),
            tags: BTreeMap::new(),
        });
        let (laid_out, _) = crate::layout::subnets(model, &known);
        // The same subnets in the same order (keys may repeat in a refused
        // spec that is sent anyway): only their blocks are new.
        let same = laid_out.len() == plan.subnets.len()
            && laid_out
                .iter()
                .zip(&plan.subnets)
                .all(|(l, s)| l.key == s.key);
        if same {
            for (s, l) in plan.subnets.iter_mut().zip(&laid_out) {
                s.cidr_block = l.cidr_block;
                s.cidr_text = l.cidr_text.clone();
                s.ipv6 = l.ipv6;
                s.ipv6_text = l.ipv6_text.clone();
            }
        }
        plan
    }
}

impl Plan {
    /// Resources by kind, for the summary line.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut c = BTreeMap::new();
        c.insert("subnets", self.subnets.len());
        c.insert("nat gateways", self.nat_gateways.len());
        c.insert("route tables", self.route_tables.len());
        c.insert("security groups", self.security_groups.len());
        c.insert("machines", self.machines.len());
        c
    }
}

#[cfg(test)]
mod tests;
