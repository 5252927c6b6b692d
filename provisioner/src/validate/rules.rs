//! Every rule the provisioner checks, as a type: its stable id (used in
//! findings, scenario files and docs/rules.md), its severity, a one-line
//! summary, and its origin: who refuses a configuration that breaks it,
//! and when.
//!
//! The origins are a first assignment from each rule's summary and
//! CAPA's behaviour map (`capa-parity.md`); they are checked against
//! CAPA's code rule by rule before they are shown to users.

use std::fmt;

use serde::Serialize;

use crate::finding::Severity;

/// Who refuses a configuration that breaks a rule, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// CAPA's admission webhook or the CRD schema: `kubectl apply` fails.
    CapaWebhook,
    /// CAPA accepts the object, then its controller fails while reconciling.
    CapaController,
    /// An AWS call CAPA makes would be refused by AWS.
    Aws,
    /// The infrastructure comes up but Kubernetes does not work on it.
    Kubernetes,
    /// The seed or CAPA's documentation requires it; nothing enforces it.
    Docs,
    /// Works, but is probably not what was meant (warnings only).
    Advice,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::CapaWebhook => "capa-webhook",
            Origin::CapaController => "capa-controller",
            Origin::Aws => "aws",
            Origin::Kubernetes => "kubernetes",
            Origin::Docs => "docs",
            Origin::Advice => "advice",
        }
    }
}

/// A rule the provisioner checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    ManifestNoCluster,
    ManifestManyClusters,
    ManifestMissingInfrastructure,
    ManifestMissingControlPlane,
    ManifestMissingMachineTemplate,
    ManifestUnknownField,
    ManifestExtensionField,
    ManifestUnknownKind,
    RegionMismatch,
    VpcCidrInvalid,
    VpcCidrSize,
    VpcCidrAndIpamPool,
    VpcIpamPoolNeedsIdOrName,
    VpcIpv6CidrInvalid,
    VpcIpv6CidrSize,
    VpcIpv6CidrNeedsPool,
    VpcIpv6PoolAndIpamPool,
    VpcIpv6CidrAndIpamPool,
    VpcIpv6NetmaskLength,
    VpcIpv6EigwInManagedVpc,
    ByoVpcIpv6NeedsCidr,
    ByoVpcIpv6NeedsEigw,
    ByoVpcNotFound,
    ByoVpcCidrMismatch,
    ByoVpcIpv6CidrMismatch,
    ByoVpcEigwMismatch,
    ByoVpcNeedsSubnets,
    ByoSubnetNotFound,
    ByoIpv6OnlySubnetNoDns64,
    ByoIpv6OnlySubnetNoNat64,
    SubnetCidrInvalid,
    SubnetIpv6CidrInvalid,
    SubnetIpv4NeedsCidr,
    SubnetIsIpv6NeedsVpcIpv6,
    SubnetIpv6CidrNeedsIsIpv6,
    SubnetCidrOutsideVpc,
    SubnetCidrSize,
    SubnetIpv6CidrSize,
    SubnetIpv6CidrOutsideVpc,
    SubnetCidrOverlap,
    SubnetDuplicateId,
    SubnetAzUnknown,
    SubnetEdgeNeedsParentZone,
    SubnetEdgeIpv6,
    SubnetNoPublic,
    SubnetDefaultLayout,
    SubnetIpv6AutoAssign,
    NatNeedsIpv4PublicSubnet,
    LbTypeInvalid,
    LbSchemeInvalid,
    LbIpTypeIpv6,
    LbIpTypeInvalid,
    LbIpTypeClassic,
    LbDualstackNeedsVpcIpv6,
    LbIpv6OnlySubnet,
    LbDualstackNeedsIpv6Subnets,
    LbNoSubnets,
    TgIpTypeInvalid,
    TgIpTypeClassic,
    TgIpTypeDisabled,
    TgIpv6NeedsVpcIpv6,
    TgIpv6NeedsDualstackLb,
    TgIpv6NeedsCpIpv6,
    TgIpv4NeedsCpIpv4,
    InstanceTypeUnknown,
    InstanceTypeNoIpv6,
    InstanceTypeNotNitro,
    MachineSubnetNotFound,
    MachinePrimaryIpv6WithoutVpcIpv6,
    MachinePrimaryIpv6SubnetWithoutIpv6,
    MachineHostnameIpv6Only,
    MachineMetadataIpv6Only,
    K8sCidrInvalid,
    K8sIpv6NeedsVpcIpv6,
    K8sDualstackOnePerFamily,
    K8sPrimaryFamilyMismatch,
    K8sServiceIpv6Prefix,
    K8sIpv6NeedsNodeIpv6,
    EksIpv6Version,
    EksIpv6Addons,
    EksIpv6AddonMissing,
    EksIpv6VpcCniVersion,
    EksIpv6HostnameType,
    IngressRuleNatSourceExclusive,
    IngressRuleCidrsAndGroups,
    IngressRuleCidrInvalid,
    CniVxlanMissing,
    CniIpipIpv6,
    NoInPlaceMigration,
}

impl Rule {
    /// Every rule, in the order docs/rules.md lists them.
    pub const ALL: &[Rule] = &[
        Rule::ManifestNoCluster,
        Rule::ManifestManyClusters,
        Rule::ManifestMissingInfrastructure,
        Rule::ManifestMissingControlPlane,
        Rule::ManifestMissingMachineTemplate,
        Rule::ManifestUnknownField,
        Rule::ManifestExtensionField,
        Rule::ManifestUnknownKind,
        Rule::RegionMismatch,
        Rule::VpcCidrInvalid,
        Rule::VpcCidrSize,
        Rule::VpcCidrAndIpamPool,
        Rule::VpcIpamPoolNeedsIdOrName,
        Rule::VpcIpv6CidrInvalid,
        Rule::VpcIpv6CidrSize,
        Rule::VpcIpv6CidrNeedsPool,
        Rule::VpcIpv6PoolAndIpamPool,
        Rule::VpcIpv6CidrAndIpamPool,
        Rule::VpcIpv6NetmaskLength,
        Rule::VpcIpv6EigwInManagedVpc,
        Rule::ByoVpcIpv6NeedsCidr,
        Rule::ByoVpcIpv6NeedsEigw,
        Rule::ByoVpcNotFound,
        Rule::ByoVpcCidrMismatch,
        Rule::ByoVpcIpv6CidrMismatch,
        Rule::ByoVpcEigwMismatch,
        Rule::ByoVpcNeedsSubnets,
        Rule::ByoSubnetNotFound,
        Rule::ByoIpv6OnlySubnetNoDns64,
        Rule::ByoIpv6OnlySubnetNoNat64,
        Rule::SubnetCidrInvalid,
        Rule::SubnetIpv6CidrInvalid,
        Rule::SubnetIpv4NeedsCidr,
        Rule::SubnetIsIpv6NeedsVpcIpv6,
        Rule::SubnetIpv6CidrNeedsIsIpv6,
        Rule::SubnetCidrOutsideVpc,
        Rule::SubnetCidrSize,
        Rule::SubnetIpv6CidrSize,
        Rule::SubnetIpv6CidrOutsideVpc,
        Rule::SubnetCidrOverlap,
        Rule::SubnetDuplicateId,
        Rule::SubnetAzUnknown,
        Rule::SubnetEdgeNeedsParentZone,
        Rule::SubnetEdgeIpv6,
        Rule::SubnetNoPublic,
        Rule::SubnetDefaultLayout,
        Rule::SubnetIpv6AutoAssign,
        Rule::NatNeedsIpv4PublicSubnet,
        Rule::LbTypeInvalid,
        Rule::LbSchemeInvalid,
        Rule::LbIpTypeIpv6,
        Rule::LbIpTypeInvalid,
        Rule::LbIpTypeClassic,
        Rule::LbDualstackNeedsVpcIpv6,
        Rule::LbIpv6OnlySubnet,
        Rule::LbDualstackNeedsIpv6Subnets,
        Rule::LbNoSubnets,
        Rule::TgIpTypeInvalid,
        Rule::TgIpTypeClassic,
        Rule::TgIpTypeDisabled,
        Rule::TgIpv6NeedsVpcIpv6,
        Rule::TgIpv6NeedsDualstackLb,
        Rule::TgIpv6NeedsCpIpv6,
        Rule::TgIpv4NeedsCpIpv4,
        Rule::InstanceTypeUnknown,
        Rule::InstanceTypeNoIpv6,
        Rule::InstanceTypeNotNitro,
        Rule::MachineSubnetNotFound,
        Rule::MachinePrimaryIpv6WithoutVpcIpv6,
        Rule::MachinePrimaryIpv6SubnetWithoutIpv6,
        Rule::MachineHostnameIpv6Only,
        Rule::MachineMetadataIpv6Only,
        Rule::K8sCidrInvalid,
        Rule::K8sIpv6NeedsVpcIpv6,
        Rule::K8sDualstackOnePerFamily,
        Rule::K8sPrimaryFamilyMismatch,
        Rule::K8sServiceIpv6Prefix,
        Rule::K8sIpv6NeedsNodeIpv6,
        Rule::EksIpv6Version,
        Rule::EksIpv6Addons,
        Rule::EksIpv6AddonMissing,
        Rule::EksIpv6VpcCniVersion,
        Rule::EksIpv6HostnameType,
        Rule::IngressRuleNatSourceExclusive,
        Rule::IngressRuleCidrsAndGroups,
        Rule::IngressRuleCidrInvalid,
        Rule::CniVxlanMissing,
        Rule::CniIpipIpv6,
        Rule::NoInPlaceMigration,
    ];

    /// The rule's id, e.g. `lb-ipv6-only-subnet`.
    pub fn id(self) -> &'static str {
        self.info().0
    }

    pub fn severity(self) -> Severity {
        self.info().1
    }

    pub fn origin(self) -> Origin {
        self.info().2
    }

    /// One line on what the rule checks (docs/rules.md).
    pub fn summary(self) -> &'static str {
        self.info().3
    }

    /// The rule whose id this is.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.id() == id)
    }

    fn info(self) -> (&'static str, Severity, Origin, &'static str) {
        use Origin::*;
        use Severity::{Error, Warning};
        match self {
            Rule::ManifestNoCluster => (
                "manifest-no-cluster",
                Error,
                CapaController,
                "the manifests hold no Cluster",
            ),
            Rule::ManifestManyClusters => (
                "manifest-many-clusters",
                Error,
                CapaController,
                "the manifests hold more than one Cluster",
            ),
            Rule::ManifestMissingInfrastructure => (
                "manifest-missing-infrastructure",
                Error,
                CapaController,
                "the Cluster's AWSCluster is missing",
            ),
            Rule::ManifestMissingControlPlane => (
                "manifest-missing-control-plane",
                Error,
                CapaController,
                "the Cluster's AWSManagedControlPlane is missing",
            ),
            Rule::ManifestMissingMachineTemplate => (
                "manifest-missing-machine-template",
                Error,
                CapaController,
                "a referenced AWSMachineTemplate is missing",
            ),
            Rule::ManifestUnknownField => (
                "manifest-unknown-field",
                Warning,
                CapaWebhook,
                "a field the kind's CRD schema does not have (kubectl warns, the API server drops it; an error with --strict)",
            ),
            Rule::ManifestExtensionField => (
                "manifest-extension-field",
                Warning,
                CapaWebhook,
                "a field only this provisioner reads, which CAPA's API drops (an error with --strict)",
            ),
            Rule::ManifestUnknownKind => (
                "manifest-unknown-kind",
                Warning,
                CapaWebhook,
                "a kind no Cluster API or CAPA group has, or a kind under the wrong group (an error with --strict)",
            ),
            Rule::RegionMismatch => (
                "region-mismatch",
                Error,
                Docs,
                "the spec's region differs from --region",
            ),
            Rule::VpcCidrInvalid => (
                "vpc-cidr-invalid",
                Error,
                CapaWebhook,
                "vpc.cidrBlock does not parse (CAPA webhook)",
            ),
            Rule::VpcCidrSize => (
                "vpc-cidr-size",
                Error,
                Aws,
                "vpc.cidrBlock is not /16 to /28 (AWS)",
            ),
            Rule::VpcCidrAndIpamPool => (
                "vpc-cidr-and-ipam-pool",
                Error,
                CapaWebhook,
                "vpc.cidrBlock together with vpc.ipamPool (CAPA webhook)",
            ),
            Rule::VpcIpamPoolNeedsIdOrName => (
                "vpc-ipam-pool-needs-id-or-name",
                Error,
                CapaWebhook,
                "an ipamPool without id or name (CAPA webhook)",
            ),
            Rule::VpcIpv6CidrInvalid => (
                "vpc-ipv6-cidr-invalid",
                Error,
                CapaWebhook,
                "vpc.ipv6.cidrBlock does not parse (CAPA webhook)",
            ),
            Rule::VpcIpv6CidrSize => (
                "vpc-ipv6-cidr-size",
                Error,
                Aws,
                "vpc.ipv6.cidrBlock is not /44 to /60 in steps of 4 (AWS)",
            ),
            Rule::VpcIpv6CidrNeedsPool => (
                "vpc-ipv6-cidr-needs-pool",
                Error,
                CapaWebhook,
                "vpc.ipv6.cidrBlock without poolId in a managed VPC (CAPA webhook)",
            ),
            Rule::VpcIpv6PoolAndIpamPool => (
                "vpc-ipv6-pool-and-ipam-pool",
                Error,
                CapaWebhook,
                "vpc.ipv6.poolId together with ipamPool (CAPA webhook)",
            ),
            Rule::VpcIpv6CidrAndIpamPool => (
                "vpc-ipv6-cidr-and-ipam-pool",
                Error,
                CapaWebhook,
                "vpc.ipv6.cidrBlock together with ipamPool (CAPA webhook)",
            ),
            Rule::VpcIpv6NetmaskLength => (
                "vpc-ipv6-netmask-length",
                Error,
                Aws,
                "ipamPool.netmaskLength is not 44 to 60 in steps of 4 (AWS)",
            ),
            Rule::VpcIpv6EigwInManagedVpc => (
                "vpc-ipv6-eigw-in-managed-vpc",
                Error,
                Docs,
                "egressOnlyInternetGatewayId given for a VPC CAPA creates",
            ),
            Rule::ByoVpcIpv6NeedsCidr => (
                "byo-vpc-ipv6-needs-cidr",
                Error,
                Docs,
                "a BYO IPv6 VPC must give vpc.ipv6.cidrBlock (seed)",
            ),
            Rule::ByoVpcIpv6NeedsEigw => (
                "byo-vpc-ipv6-needs-eigw",
                Error,
                Docs,
                "a BYO IPv6 VPC must give vpc.ipv6.egressOnlyInternetGatewayId (seed)",
            ),
            Rule::ByoVpcNotFound => (
                "byo-vpc-not-found",
                Error,
                CapaController,
                "the BYO VPC does not exist",
            ),
            Rule::ByoVpcCidrMismatch => (
                "byo-vpc-cidr-mismatch",
                Error,
                Docs,
                "vpc.cidrBlock is not a block of the BYO VPC",
            ),
            Rule::ByoVpcIpv6CidrMismatch => (
                "byo-vpc-ipv6-cidr-mismatch",
                Error,
                Docs,
                "vpc.ipv6.cidrBlock is not associated with the BYO VPC",
            ),
            Rule::ByoVpcEigwMismatch => (
                "byo-vpc-eigw-mismatch",
                Error,
                Docs,
                "the egress-only gateway is missing or attached elsewhere",
            ),
            Rule::ByoVpcNeedsSubnets => (
                "byo-vpc-needs-subnets",
                Error,
                CapaController,
                "a BYO VPC must list its subnets (CAPA)",
            ),
            Rule::ByoSubnetNotFound => (
                "byo-subnet-not-found",
                Error,
                CapaController,
                "a listed subnet is not in the BYO VPC",
            ),
            Rule::ByoIpv6OnlySubnetNoDns64 => (
                "byo-ipv6-only-subnet-no-dns64",
                Warning,
                Advice,
                "a BYO IPv6-only subnet without DNS64 (seed: NAT64/DNS64)",
            ),
            Rule::ByoIpv6OnlySubnetNoNat64 => (
                "byo-ipv6-only-subnet-no-nat64",
                Warning,
                Advice,
                "a BYO IPv6-only subnet without a 64:ff9b::/96 route (seed)",
            ),
            Rule::SubnetCidrInvalid => (
                "subnet-cidr-invalid",
                Error,
                CapaWebhook,
                "a subnet cidrBlock does not parse (CAPA webhook)",
            ),
            Rule::SubnetIpv6CidrInvalid => (
                "subnet-ipv6-cidr-invalid",
                Error,
                CapaWebhook,
                "a subnet ipv6CidrBlock does not parse (CAPA webhook)",
            ),
            Rule::SubnetIpv4NeedsCidr => (
                "subnet-ipv4-needs-cidr",
                Error,
                CapaController,
                "an IPv4-only subnet without cidrBlock (seed subnet table)",
            ),
            Rule::SubnetIsIpv6NeedsVpcIpv6 => (
                "subnet-is-ipv6-needs-vpc-ipv6",
                Error,
                Docs,
                "isIpv6 without vpc.ipv6 (seed subnet table)",
            ),
            Rule::SubnetIpv6CidrNeedsIsIpv6 => (
                "subnet-ipv6-cidr-needs-is-ipv6",
                Error,
                Docs,
                "ipv6CidrBlock on a subnet without isIpv6",
            ),
            Rule::SubnetCidrOutsideVpc => (
                "subnet-cidr-outside-vpc",
                Error,
                Aws,
                "a subnet IPv4 block outside the VPC block (AWS)",
            ),
            Rule::SubnetCidrSize => (
                "subnet-cidr-size",
                Error,
                Aws,
                "a subnet IPv4 block not /16 to /28 (AWS)",
            ),
            Rule::SubnetIpv6CidrSize => (
                "subnet-ipv6-cidr-size",
                Error,
                Aws,
                "a subnet IPv6 block not /44 to /64 in steps of 4 (AWS)",
            ),
            Rule::SubnetIpv6CidrOutsideVpc => (
                "subnet-ipv6-cidr-outside-vpc",
                Error,
                Aws,
                "a subnet IPv6 block outside the VPC IPv6 block (AWS)",
            ),
            Rule::SubnetCidrOverlap => (
                "subnet-cidr-overlap",
                Error,
                Aws,
                "two subnets' blocks overlap (AWS)",
            ),
            Rule::SubnetDuplicateId => (
                "subnet-duplicate-id",
                Error,
                CapaController,
                "two subnets with the same id",
            ),
            Rule::SubnetAzUnknown => (
                "subnet-az-unknown",
                Error,
                Aws,
                "a subnet's zone is not in the region or not opted into",
            ),
            Rule::SubnetEdgeNeedsParentZone => (
                "subnet-edge-needs-parent-zone",
                Error,
                CapaWebhook,
                "an edge zoneType without parentZoneName (CAPA webhook)",
            ),
            Rule::SubnetEdgeIpv6 => (
                "subnet-edge-ipv6",
                Error,
                CapaController,
                "an IPv6 subnet CAPA would create in a Local or Wavelength zone (seed)",
            ),
            Rule::SubnetNoPublic => (
                "subnet-no-public",
                Error,
                CapaController,
                "a managed VPC without a public subnet (CAPA)",
            ),
            Rule::SubnetDefaultLayout => (
                "subnet-default-layout",
                Error,
                CapaController,
                "the default subnet layout cannot be computed",
            ),
            Rule::SubnetIpv6AutoAssign => (
                "subnet-ipv6-auto-assign",
                Error,
                CapaController,
                "no free /64 left to auto-assign",
            ),
            Rule::NatNeedsIpv4PublicSubnet => (
                "nat-needs-ipv4-public-subnet",
                Error,
                Aws,
                "private subnets need a NAT gateway in a public subnet with IPv4 in their zone",
            ),
            Rule::LbTypeInvalid => (
                "lb-type-invalid",
                Error,
                CapaWebhook,
                "an unknown loadBalancerType",
            ),
            Rule::LbSchemeInvalid => (
                "lb-scheme-invalid",
                Error,
                CapaWebhook,
                "a scheme other than internet-facing or internal",
            ),
            Rule::LbIpTypeIpv6 => (
                "lb-ip-type-ipv6",
                Error,
                Aws,
                "ipv6 is not a valid load balancer IP type (seed matrix row 9)",
            ),
            Rule::LbIpTypeInvalid => (
                "lb-ip-type-invalid",
                Error,
                Docs,
                "an ipAddressType other than ipv4 or dualstack",
            ),
            Rule::LbIpTypeClassic => (
                "lb-ip-type-classic",
                Error,
                Docs,
                "ipAddressType on a classic or disabled load balancer",
            ),
            Rule::LbDualstackNeedsVpcIpv6 => (
                "lb-dualstack-needs-vpc-ipv6",
                Error,
                Aws,
                "a dualstack load balancer without vpc.ipv6",
            ),
            Rule::LbIpv6OnlySubnet => (
                "lb-ipv6-only-subnet",
                Error,
                Aws,
                "load balancers cannot use IPv6-only subnets (seed matrix row 8)",
            ),
            Rule::LbDualstackNeedsIpv6Subnets => (
                "lb-dualstack-needs-ipv6-subnets",
                Error,
                Aws,
                "a dualstack load balancer on subnets without IPv6 (AWS)",
            ),
            Rule::LbNoSubnets => (
                "lb-no-subnets",
                Error,
                CapaController,
                "no subnet to place the load balancer in",
            ),
            Rule::TgIpTypeInvalid => (
                "tg-ip-type-invalid",
                Error,
                CapaWebhook,
                "a targetGroupIPType other than ipv4 or ipv6",
            ),
            Rule::TgIpTypeClassic => (
                "tg-ip-type-classic",
                Error,
                CapaWebhook,
                "targetGroupIPType with a classic load balancer (CAPA webhook)",
            ),
            Rule::TgIpTypeDisabled => (
                "tg-ip-type-disabled",
                Error,
                CapaWebhook,
                "targetGroupIPType with a disabled load balancer (CAPA webhook)",
            ),
            Rule::TgIpv6NeedsVpcIpv6 => (
                "tg-ipv6-needs-vpc-ipv6",
                Error,
                CapaWebhook,
                "an ipv6 target group without vpc.ipv6 (CAPA webhook)",
            ),
            Rule::TgIpv6NeedsDualstackLb => (
                "tg-ipv6-needs-dualstack-lb",
                Error,
                Aws,
                "an ipv6 target group on an ipv4 load balancer (AWS)",
            ),
            Rule::TgIpv6NeedsCpIpv6 => (
                "tg-ipv6-needs-cp-ipv6",
                Error,
                Aws,
                "ipv6 targets when the control plane has no IPv6 (seed matrix row 7)",
            ),
            Rule::TgIpv4NeedsCpIpv4 => (
                "tg-ipv4-needs-cp-ipv4",
                Error,
                Aws,
                "ipv4 targets when the control plane is IPv6-only (AWS)",
            ),
            Rule::InstanceTypeUnknown => (
                "instance-type-unknown",
                Error,
                Aws,
                "an instance type AWS does not know",
            ),
            Rule::InstanceTypeNoIpv6 => (
                "instance-type-no-ipv6",
                Error,
                Aws,
                "an instance type without IPv6 in an IPv6 subnet (seed prerequisites)",
            ),
            Rule::InstanceTypeNotNitro => (
                "instance-type-not-nitro",
                Error,
                Aws,
                "a non-Nitro instance type in an IPv6-only subnet (seed prerequisites)",
            ),
            Rule::MachineSubnetNotFound => (
                "machine-subnet-not-found",
                Error,
                CapaController,
                "a machine template names a subnet the cluster does not have",
            ),
            Rule::MachinePrimaryIpv6WithoutVpcIpv6 => (
                "machine-primary-ipv6-without-vpc-ipv6",
                Error,
                CapaController,
                "assignPrimaryIPv6: enabled without vpc.ipv6 (CAPA)",
            ),
            Rule::MachinePrimaryIpv6SubnetWithoutIpv6 => (
                "machine-primary-ipv6-subnet-without-ipv6",
                Error,
                CapaController,
                "assignPrimaryIPv6: enabled on a subnet without IPv6 (CAPA)",
            ),
            Rule::MachineHostnameIpv6Only => (
                "machine-hostname-ipv6-only",
                Error,
                Aws,
                "ip-name hostnames in an IPv6-only subnet (AWS)",
            ),
            Rule::MachineMetadataIpv6Only => (
                "machine-metadata-ipv6-only",
                Warning,
                Advice,
                "IMDS over IPv6 off for machines in IPv6-only subnets",
            ),
            Rule::K8sCidrInvalid => (
                "k8s-cidr-invalid",
                Error,
                Kubernetes,
                "a pod or service CIDR does not parse",
            ),
            Rule::K8sIpv6NeedsVpcIpv6 => (
                "k8s-ipv6-needs-vpc-ipv6",
                Error,
                Kubernetes,
                "IPv6 pod or service CIDRs without vpc.ipv6",
            ),
            Rule::K8sDualstackOnePerFamily => (
                "k8s-dualstack-one-per-family",
                Error,
                Kubernetes,
                "two CIDRs of the same family, or more than two",
            ),
            Rule::K8sPrimaryFamilyMismatch => (
                "k8s-primary-family-mismatch",
                Error,
                Kubernetes,
                "pods and services with different primary families",
            ),
            Rule::K8sServiceIpv6Prefix => (
                "k8s-service-ipv6-prefix",
                Error,
                Kubernetes,
                "an IPv6 service CIDR larger than /108 (kubeadm)",
            ),
            Rule::K8sIpv6NeedsNodeIpv6 => (
                "k8s-ipv6-needs-node-ipv6",
                Error,
                Kubernetes,
                "an IPv6 Kubernetes network on control-plane subnets without IPv6",
            ),
            Rule::EksIpv6Version => (
                "eks-ipv6-version",
                Error,
                CapaWebhook,
                "EKS IPv6 on Kubernetes older than v1.21.0 (CAPA webhook)",
            ),
            Rule::EksIpv6Addons => (
                "eks-ipv6-addons",
                Error,
                CapaWebhook,
                "EKS IPv6 without explicit addons (CAPA webhook, seed)",
            ),
            Rule::EksIpv6AddonMissing => (
                "eks-ipv6-addon-missing",
                Error,
                Docs,
                "EKS IPv6 without the vpc-cni, coredns or kube-proxy addon (seed)",
            ),
            Rule::EksIpv6VpcCniVersion => (
                "eks-ipv6-vpc-cni-version",
                Error,
                CapaWebhook,
                "EKS IPv6 with vpc-cni older than 1.10.2 (CAPA webhook)",
            ),
            Rule::EksIpv6HostnameType => (
                "eks-ipv6-hostname-type",
                Error,
                CapaWebhook,
                "EKS IPv6 with a hostname type other than resource-name (CAPA webhook)",
            ),
            Rule::IngressRuleNatSourceExclusive => (
                "ingress-rule-nat-source-exclusive",
                Error,
                CapaWebhook,
                "natGatewaysIPsSource with CIDRs or groups (CAPA webhook)",
            ),
            Rule::IngressRuleCidrsAndGroups => (
                "ingress-rule-cidrs-and-groups",
                Error,
                CapaWebhook,
                "CIDRs together with security groups in one rule (CAPA webhook)",
            ),
            Rule::IngressRuleCidrInvalid => (
                "ingress-rule-cidr-invalid",
                Error,
                Aws,
                "an ingress rule CIDR of the wrong family or that does not parse",
            ),
            Rule::CniVxlanMissing => (
                "cni-vxlan-missing",
                Warning,
                Advice,
                "an IPv6 cluster without the Calico VXLAN rule udp/4789 (seed)",
            ),
            Rule::CniIpipIpv6 => (
                "cni-ipip-ipv6",
                Warning,
                Advice,
                "IP-in-IP CNI rules on an IPv6 cluster (seed: Calico IPv6 needs VXLAN)",
            ),
            Rule::NoInPlaceMigration => (
                "no-in-place-migration",
                Error,
                Docs,
                "the cluster exists with the other IP family (seed)",
            ),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_round_trip() {
        let mut seen = std::collections::BTreeSet::new();
        for r in Rule::ALL {
            assert!(seen.insert(r.id()), "{} twice", r.id());
            assert!(
                r.id()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{}",
                r.id()
            );
            assert_eq!(Rule::from_id(r.id()), Some(*r));
        }
    }

    /// Warnings are advice or the manifests' own; advice is never an error.
    #[test]
    fn advice_is_only_ever_a_warning() {
        for r in Rule::ALL {
            if r.origin() == Origin::Advice {
                assert_eq!(r.severity(), Severity::Warning, "{r}");
            }
        }
    }
}
