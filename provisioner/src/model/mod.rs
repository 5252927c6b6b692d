//! One cluster, assembled from its manifests: the Cluster, its
//! infrastructure (AWSCluster for self-managed, AWSManagedControlPlane for
//! EKS), the control plane and machine templates it references. The model
//! keeps the CAPA objects as written and exposes CAPA's defaults through
//! methods, so validation can tell "unset" from "set to the default".

use serde::Serialize;

use crate::finding::Finding;
use crate::rule::Rule;
use crate::spec::types::{
    AwsMachineSpec, ClusterNetwork, EksAddon, EndpointAccess, LoadBalancerSpec, NetworkSpec,
    SubnetSpec,
};
use crate::spec::{Manifests, Source};

/// Self-managed (kubeadm on EC2) or EKS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Flavor {
    SelfManaged,
    Eks,
}

/// A machine template in use, with where it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Machines {
    /// `AWSMachineTemplate/<name>`.
    pub object: String,
    pub source: Option<Source>,
    pub replicas: u32,
    /// The MachineDeployment that asks for these machines (workers); `None`
    /// for the control plane.
    pub deployment: Option<String>,
    /// The MachineDeployment's `spec.template.spec.failureDomain`.
    pub failure_domain: Option<String>,
    pub spec: AwsMachineSpec,
}

impl Machines {
    /// The instance type these machines launch as (CAPA's default when the
    /// template names none).
    pub fn instance_type(&self) -> &str {
        self.spec
            .instance_type
            .as_deref()
            .unwrap_or(DEFAULT_INSTANCE_TYPE)
    }

    /// The key of CAPA's default image lookup for these machines (their
    /// instance type, whose architecture picks the image), or `None` when
    /// the template names its `ami.id`.
    pub fn image_lookup_key(&self) -> Option<&str> {
        let named = self.spec.ami.as_ref().and_then(|a| a.id.as_deref());
        named.is_none().then(|| self.instance_type())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eks {
    /// `eksClusterName`, or CAPA's default for it (`GenerateEKSName`): the
    /// name the cloud provider knows the cluster by.
    pub cluster_name: String,
    pub version: Option<String>,
    /// `None` when `addons` is absent (not the same as an empty list).
    pub addons: Option<Vec<EksAddon>>,
    /// `spec.roleName`: the control plane's IAM role.
    pub role_name: Option<String>,
    pub endpoint_access: EndpointAccess,
    pub restrict_private_subnets: bool,
}

/// Defines a text-valued AWS enum: the values the provisioner knows, and
/// `Other` for a value a manifest gives that is sent on for AWS to judge
/// (`--no-validate`). Shown and serialised as AWS's text.
macro_rules! aws_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value AWS does not have, kept as written.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(text) => text,
                }
            }

            pub fn from_text(text: &str) -> Self {
                match text {
                    $($text => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

aws_enum! {
    /// A load balancer's IP address type (ELBv2 `IpAddressType`).
    LbIpType {
        Ipv4 = "ipv4",
        Dualstack = "dualstack",
    }
}

aws_enum! {
    /// A target group's IP address type (ELBv2; there is no dualstack one).
    TgIpType {
        Ipv4 = "ipv4",
        Ipv6 = "ipv6",
    }
}

aws_enum! {
    /// A load balancer's scheme.
    Scheme {
        InternetFacing = "internet-facing",
        Internal = "internal",
    }
}

/// CAPA's instance type for a template that names none.
pub const DEFAULT_INSTANCE_TYPE: &str = "t3.large";

/// The key pair CAPA launches machines with when no `sshKeyName` says
/// otherwise (`defaultSSHKeyName` in CAPA's ec2 service).
pub const DEFAULT_SSH_KEY_NAME: &str = "default";

/// CAPA's feature gates that change what its webhooks accept. Each is off
/// unless named, as in CAPA's `feature.Gates` defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FeatureGates {
    /// `BootstrapFormatIgnition` (clusterctl: `EXP_BOOTSTRAP_FORMAT_IGNITION`):
    /// without it CAPA's webhook refuses `spec.s3Bucket`.
    pub bootstrap_format_ignition: bool,
}

impl FeatureGates {
    /// The gates CAPA knows, by the name its `--feature-gates` flag takes.
    pub const KNOWN: [&'static str; 1] = ["BootstrapFormatIgnition"];

    /// Parses CAPA's `--feature-gates` syntax: `Name=true,Other=false`
    /// (a bare `Name` means `Name=true`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut gates = FeatureGates::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (name, value) = item.split_once('=').unwrap_or((item, "true"));
            let on = match value.trim() {
                "true" => true,
                "false" => false,
                other => {
                    return Err(format!(
                        "feature gate {name}: `{other}` is not true or false"
                    ));
                }
            };
            gates.set(name.trim(), on)?;
        }
        Ok(gates)
    }

    /// Turns the gate `name` on or off.
    pub fn set(&mut self, name: &str, on: bool) -> Result<(), String> {
        match name {
            "BootstrapFormatIgnition" => self.bootstrap_format_ignition = on,
            other => {
                return Err(format!(
                    "unknown feature gate `{other}` (known: {})",
                    Self::KNOWN.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// The cluster the provisioner works on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterModel {
    pub name: String,
    /// The Cluster's namespace (`default` when not given), which CAPA puts
    /// in the load balancer's name.
    pub namespace: String,
    pub flavor: Flavor,
    /// `AWSCluster/<name>` or `AWSManagedControlPlane/<name>`: the object
    /// that holds `spec.network`; field paths in findings are relative to it.
    pub infra_object: String,
    pub infra_source: Option<Source>,
    pub region: Option<String>,
    pub network: NetworkSpec,
    /// Self-managed only (EKS has no CAPA-managed API load balancer).
    pub load_balancer: Option<LoadBalancerSpec>,
    /// `spec.secondaryControlPlaneLoadBalancer` (self-managed only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secondary_load_balancer: Option<LoadBalancerSpec>,
    pub cluster_network: ClusterNetwork,
    pub control_plane: Option<Machines>,
    pub kubernetes_version: Option<String>,
    pub workers: Vec<Machines>,
    pub eks: Option<Eks>,
    pub additional_tags: std::collections::BTreeMap<String, String>,
    /// The KubeadmControlPlane's configuration and the workers'
    /// KubeadmConfigTemplates (self-managed clusters).
    #[serde(skip)]
    pub kubeadm: Vec<crate::kubeadm::KubeadmConfig>,
    /// `spec.bastion` when `enabled` (self-managed clusters).
    pub bastion: Option<crate::spec::types::Bastion>,
    /// The infrastructure object's `spec.sshKeyName` (`None`: not given;
    /// `""`: no key), the fallback of every machine's (see
    /// [`ClusterModel::machine_key_name`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ssh_key_name: Option<String>,
    /// `AWSCluster.spec.s3Bucket` (self-managed only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3_bucket: Option<crate::spec::types::S3Bucket>,
    /// The CAPA controller's feature gates (`--feature-gates`), which some
    /// fields need; set by the caller, off by default as in CAPA.
    #[serde(skip)]
    pub feature_gates: FeatureGates,
    /// The VPC given by id carries the cluster's owned tag, so CAPA manages
    /// it (`VPCSpec.IsUnmanaged`); set from the facts once discovered.
    #[serde(skip)]
    pub vpc_owned: bool,
    /// Warnings about the manifests themselves (unknown fields and kinds),
    /// set by [`crate::pipeline::model`]; reported with the rules' findings.
    #[serde(skip)]
    pub manifest_findings: Vec<Finding>,
}

/// Subnet IP families, as the seed's tables name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    Ipv4,
    Dualstack,
    Ipv6Only,
}

impl Family {
    pub fn has_ipv4(self) -> bool {
        self != Family::Ipv6Only
    }

    pub fn has_ipv6(self) -> bool {
        self != Family::Ipv4
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ipv4 => "IPv4",
            Family::Dualstack => "dualstack",
            Family::Ipv6Only => "IPv6-only",
        }
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The family a subnet spec asks for (seed: "A subnet IP specification").
pub fn subnet_family(s: &SubnetSpec) -> Family {
    match (
        s.is_ipv6,
        s.cidr_block.as_deref().is_some_and(|c| !c.is_empty()),
    ) {
        (false, _) => Family::Ipv4,
        (true, true) => Family::Dualstack,
        (true, false) => Family::Ipv6Only,
    }
}

/// Which of CAPA's two control-plane load balancers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LbRole {
    /// `spec.controlPlaneLoadBalancer`.
    Primary,
    /// `spec.secondaryControlPlaneLoadBalancer`.
    Secondary,
}

impl LbRole {
    /// The field that holds it, as findings name it.
    pub fn path(self) -> &'static str {
        match self {
            LbRole::Primary => "spec.controlPlaneLoadBalancer",
            LbRole::Secondary => "spec.secondaryControlPlaneLoadBalancer",
        }
    }
}

/// One control-plane load balancer's spec, with CAPA's defaults.
#[derive(Debug, Clone, Copy)]
pub struct CpLb<'a> {
    pub role: LbRole,
    pub spec: &'a LoadBalancerSpec,
}

impl<'a> CpLb<'a> {
    /// `loadBalancerType`: the CRD schema defaults both to `classic` (the
    /// API server applies it before CAPA's `SetDefaults_AWSClusterSpec`
    /// would make a secondary one `nlb`).
    pub fn lb_type(&self) -> &'a str {
        self.spec.load_balancer_type.as_deref().unwrap_or("classic")
    }

    /// An ELBv2 load balancer (NLB, ALB, GWLB).
    pub fn is_v2(&self) -> bool {
        matches!(self.lb_type(), "nlb" | "alb" | "elb")
    }

    /// `scheme`: the CRD schema's default is `internet-facing` for both.
    pub fn scheme(&self) -> &'a str {
        self.spec.scheme.as_deref().unwrap_or("internet-facing")
    }

    /// The IP address type: explicit, else dualstack when the VPC has IPv6,
    /// else ipv4 (what CAPA sends).
    pub fn ip_address_type(&self, vpc_ipv6: bool) -> &'a str {
        self.spec
            .ip_address_type
            .as_deref()
            .unwrap_or(if vpc_ipv6 { "dualstack" } else { "ipv4" })
    }
}

/// CAPA's load balancer types.
pub const LB_TYPES: &[&str] = &["classic", "elb", "alb", "nlb", "disabled"];

impl ClusterModel {
    pub fn ipv6(&self) -> bool {
        self.network.vpc.ipv6.is_some()
    }

    /// A VPC given by id (bring-your-own), as opposed to one CAPA creates
    /// or one given by id that carries the cluster's owned tag.
    pub fn byo_vpc(&self) -> Option<&str> {
        self.given_vpc_id().filter(|_| !self.vpc_owned)
    }

    /// The name Kubernetes' cloud provider knows the cluster by
    /// (`KubernetesClusterName`): the EKS cluster's name, else the Cluster's.
    pub fn kubernetes_cluster_name(&self) -> &str {
        self.eks.as_ref().map_or(&self.name, |e| &e.cluster_name)
    }

    /// The key pair a machine launches with, as CAPA picks it
    /// (`ec2.CreateInstance`): the AWSMachine's `sshKeyName`, else the
    /// cluster's, else `default`; an empty name (on either) means none.
    /// The bastion has no AWSMachine: it takes the cluster's, else
    /// `default` (`ec2.getDefaultBastion`).
    pub fn machine_key_name<'a>(&'a self, machine: Option<&'a AwsMachineSpec>) -> Option<&'a str> {
        let name = machine
            .and_then(|m| m.ssh_key_name.as_deref())
            .or(self.ssh_key_name.as_deref())
            .unwrap_or(DEFAULT_SSH_KEY_NAME);
        (!name.is_empty()).then_some(name)
    }

    /// Every key pair the cluster's machines launch with, each once, sorted.
    pub fn key_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .control_plane
            .iter()
            .chain(&self.workers)
            .filter_map(|m| self.machine_key_name(Some(&m.spec)))
            .chain(
                self.bastion
                    .iter()
                    .filter_map(|_| self.machine_key_name(None)),
            )
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// `spec.network.vpc.id`, whoever manages the VPC.
    pub fn given_vpc_id(&self) -> Option<&str> {
        self.network.vpc.id.as_deref().filter(|s| !s.is_empty())
    }

    /// The primary control-plane load balancer's type.
    pub fn lb_type(&self) -> Option<&str> {
        self.primary_lb().map(|lb| lb.lb_type())
    }

    /// An ELBv2 load balancer (NLB, ALB, GWLB) the provisioner creates.
    pub fn lb_is_v2(&self) -> bool {
        self.primary_lb().is_some_and(|lb| lb.is_v2())
    }

    pub fn lb_scheme(&self) -> &str {
        self.primary_lb()
            .map_or("internet-facing", |lb| lb.scheme())
    }

    /// The primary load balancer's IP address type (see [`CpLb::ip_address_type`]).
    pub fn lb_ip_address_type(&self) -> &str {
        self.primary_lb()
            .map_or("ipv4", |lb| lb.ip_address_type(self.ipv6()))
    }

    /// `spec.controlPlaneLoadBalancer` (CAPA defaults it on every AWSCluster).
    pub fn primary_lb(&self) -> Option<CpLb<'_>> {
        self.load_balancer.as_ref().map(|spec| CpLb {
            role: LbRole::Primary,
            spec,
        })
    }

    /// CAPA's `ControlPlaneLoadBalancers()`: the primary, then the secondary.
    pub fn control_plane_lbs(&self) -> Vec<CpLb<'_>> {
        let secondary = self.secondary_load_balancer.as_ref().map(|spec| CpLb {
            role: LbRole::Secondary,
            spec,
        });
        self.primary_lb().into_iter().chain(secondary).collect()
    }

    /// The API server port (`clusterNetwork.apiServerPort`, default 6443).
    pub fn api_server_port(&self) -> u16 {
        self.cluster_network.api_server_port.unwrap_or(6443)
    }

    pub fn availability_zone_usage_limit(&self) -> usize {
        self.network
            .vpc
            .availability_zone_usage_limit
            .map_or(3, |n| n as usize)
    }

    pub fn pod_cidrs(&self) -> &[String] {
        self.cluster_network
            .pods
            .as_ref()
            .map_or(&[], |p| p.cidr_blocks.as_slice())
    }

    pub fn service_cidrs(&self) -> &[String] {
        self.cluster_network
            .services
            .as_ref()
            .map_or(&[], |p| p.cidr_blocks.as_slice())
    }
}

mod build;

#[cfg(test)]
mod tests {
    use super::FeatureGates;

    #[test]
    fn feature_gates_parse_capas_flag_syntax() {
        let on = FeatureGates {
            bootstrap_format_ignition: true,
        };
        assert_eq!(FeatureGates::parse("BootstrapFormatIgnition=true"), Ok(on));
        assert_eq!(FeatureGates::parse(" BootstrapFormatIgnition "), Ok(on));
        assert_eq!(
            FeatureGates::parse("BootstrapFormatIgnition=true,BootstrapFormatIgnition=false"),
            Ok(FeatureGates::default())
        );
        assert_eq!(FeatureGates::parse(""), Ok(FeatureGates::default()));
        let e = FeatureGates::parse("BootstrapFormatIgnition=yes").unwrap_err();
        assert!(e.contains("`yes` is not true or false"), "{e}");
        let e = FeatureGates::parse("MachinePool=true").unwrap_err();
        assert!(e.contains("unknown feature gate `MachinePool`"), "{e}");
        assert!(e.contains("BootstrapFormatIgnition"), "{e}");
    }
}
