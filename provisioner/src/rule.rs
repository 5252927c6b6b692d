//! Every rule the provisioner checks, as a type: its stable id (used in
//! findings, scenario files and docs/rules.md), its severity, a one-line
//! summary, and its origin: who refuses a configuration that breaks it,
//! and when.
//!
//! The origins are a first assignment, from each rule's summary and what
//! is known of CAPA's behaviour; each is to be checked against CAPA's code
//! before origins are shown to users.

use std::fmt;

use serde::Serialize;

/// How much a finding of a rule weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The configuration is refused.
    Error,
    /// The configuration works but probably not as intended.
    Warning,
}

impl Severity {
    /// `error` or `warning`, as findings print it (and serde names it).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

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

    /// How text output names it: `error[rule] (CAPA webhook): ...`.
    pub fn label(self) -> &'static str {
        match self {
            Origin::CapaWebhook => "CAPA webhook",
            Origin::CapaController => "CAPA controller",
            Origin::Aws => "AWS",
            Origin::Kubernetes => "Kubernetes",
            Origin::Docs => "docs",
            Origin::Advice => "advice",
        }
    }

    /// Every origin, in the order of the docs' table.
    pub const ALL: [Origin; 6] = [
        Origin::CapaWebhook,
        Origin::CapaController,
        Origin::Aws,
        Origin::Kubernetes,
        Origin::Docs,
        Origin::Advice,
    ];

    pub fn from_id(id: &str) -> Option<Origin> {
        Origin::ALL.into_iter().find(|o| o.as_str() == id)
    }
}

/// Defines [`Rule`], one line a rule: variant = id, severity, origin, summary.
macro_rules! rules {
    ($($variant:ident = $id:literal, $severity:ident, $origin:ident, $summary:literal;)*) => {
        /// A rule the provisioner checks.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $($variant,)*
        }

        impl Rule {
            /// Every rule, in the order docs/rules.md lists them.
            pub const ALL: &[Rule] = &[$(Rule::$variant,)*];

            fn info(self) -> (&'static str, Severity, Origin, &'static str) {
                match self {
                    $(Rule::$variant => ($id, Severity::$severity, Origin::$origin, $summary),)*
                }
            }
        }
    };
}

rules! {
    ManifestNoCluster = "manifest-no-cluster", Error, CapaController,
        "the manifests hold no Cluster";
    ManifestManyClusters = "manifest-many-clusters", Error, CapaController,
        "the manifests hold more than one Cluster";
    ManifestMissingInfrastructure = "manifest-missing-infrastructure", Error, CapaController,
        "the Cluster's AWSCluster is missing";
    ManifestMissingControlPlane = "manifest-missing-control-plane", Error, CapaController,
        "the Cluster's AWSManagedControlPlane is missing";
    ManifestMissingMachineTemplate = "manifest-missing-machine-template", Error, CapaController,
        "a referenced AWSMachineTemplate is missing";
    ManifestUnknownField = "manifest-unknown-field", Warning, CapaWebhook,
        "a field the kind's CRD schema does not have (kubectl warns, the \
            API server drops it; an error with --strict)";
    ManifestExtensionField = "manifest-extension-field", Warning, Advice,
        "a field only this provisioner reads, which CAPA's API drops (an error with --strict)";
    ManifestUnknownKind = "manifest-unknown-kind", Warning, CapaWebhook,
        "a kind no Cluster API or CAPA group has, or a kind under the \
            wrong group (an error with --strict)";
    ManifestNotBuilt = "manifest-not-built", Warning, Advice,
        "something the manifests ask for that the provisioner does not build (an error with --strict)";
    ManifestSchema = "manifest-schema", Error, CapaWebhook,
        "a value the kind's CRD schema refuses: type, enum, pattern, bounds or a required field";
    RegionMismatch = "region-mismatch", Error, Docs, "the spec's region differs from --region";
    VpcCidrInvalid = "vpc-cidr-invalid", Error, CapaWebhook,
        "vpc.cidrBlock does not parse (CAPA webhook)";
    VpcCidrSize = "vpc-cidr-size", Error, Aws, "vpc.cidrBlock is not /16 to /28 (AWS)";
    VpcCidrAndIpamPool = "vpc-cidr-and-ipam-pool", Error, CapaWebhook,
        "vpc.cidrBlock together with vpc.ipamPool (CAPA webhook)";
    VpcIpamPoolNeedsIdOrName = "vpc-ipam-pool-needs-id-or-name", Error, CapaWebhook,
        "an ipamPool without id or name (CAPA webhook)";
    VpcIpv6CidrInvalid = "vpc-ipv6-cidr-invalid", Error, CapaWebhook,
        "vpc.ipv6.cidrBlock does not parse (CAPA webhook)";
    VpcIpv6CidrSize = "vpc-ipv6-cidr-size", Error, Aws,
        "vpc.ipv6.cidrBlock is not /44 to /60 in steps of 4 (AWS)";
    VpcIpv6CidrNeedsPool = "vpc-ipv6-cidr-needs-pool", Error, Aws,
        "vpc.ipv6.cidrBlock without poolId: AWS refuses CAPA's CreateVpc (EKS: CAPA's webhook, for any VPC)";
    VpcIpv6PoolWithoutCidr = "vpc-ipv6-pool-without-cidr", Warning, Advice,
        "vpc.ipv6.poolId without cidrBlock: CAPA ignores the pool and asks for an Amazon-provided /56";
    VpcIpv6PoolAndIpamPool = "vpc-ipv6-pool-and-ipam-pool", Error, Docs,
        "vpc.ipv6.poolId together with ipamPool (EKS: CAPA's webhook; an AWSCluster uses the IPAM pool)";
    VpcIpv6CidrAndIpamPool = "vpc-ipv6-cidr-and-ipam-pool", Error, Aws,
        "vpc.ipv6.cidrBlock together with ipamPool (EKS: CAPA's webhook)";
    VpcIpv6NetmaskLength = "vpc-ipv6-netmask-length", Error, Aws,
        "ipamPool.netmaskLength is not 44 to 60 in steps of 4 (AWS)";
    VpcNameTaken = "vpc-name-taken", Error, CapaController,
        "a VPC named like the cluster's that CAPA cannot manage (no owned tag, or several)";
    S3BucketNeedsIgnitionGate = "s3-bucket-needs-ignition-gate", Error, CapaWebhook,
        "spec.s3Bucket without CAPA's BootstrapFormatIgnition feature gate (CAPA webhook)";
    S3BucketInvalid = "s3-bucket-invalid", Error, CapaWebhook,
        "spec.s3Bucket without a name or without IAM instance profiles (and no \
            presignedURLDuration), or named like an IP address (CAPA webhook)";
    VpcIpv6EigwInManagedVpc = "vpc-ipv6-eigw-in-managed-vpc", Error, Docs,
        "egressOnlyInternetGatewayId given for a VPC CAPA creates";
    ByoVpcIpv6NeedsCidr = "byo-vpc-ipv6-needs-cidr", Error, Docs,
        "a BYO IPv6 VPC must give vpc.ipv6.cidrBlock (seed)";
    ByoVpcIpv6NeedsEigw = "byo-vpc-ipv6-needs-eigw", Error, Docs,
        "a BYO IPv6 VPC must give vpc.ipv6.egressOnlyInternetGatewayId (seed)";
    ByoVpcNotFound = "byo-vpc-not-found", Error, CapaController, "the BYO VPC does not exist";
    ByoVpcCidrMismatch = "byo-vpc-cidr-mismatch", Error, Docs,
        "vpc.cidrBlock is not a block of the BYO VPC";
    ByoVpcIpv6CidrMismatch = "byo-vpc-ipv6-cidr-mismatch", Error, Docs,
        "vpc.ipv6.cidrBlock is not associated with the BYO VPC";
    ByoVpcEigwMismatch = "byo-vpc-eigw-mismatch", Error, Docs,
        "the egress-only gateway is missing or attached elsewhere";
    ByoVpcNeedsSubnets = "byo-vpc-needs-subnets", Error, CapaController,
        "a BYO VPC must list its subnets (CAPA)";
    ByoSubnetNotFound = "byo-subnet-not-found", Error, CapaController,
        "a listed subnet is not in the BYO VPC";
    ByoIpv6OnlySubnetNoDns64 = "byo-ipv6-only-subnet-no-dns64", Warning, Advice,
        "a BYO IPv6-only subnet without DNS64 (seed: NAT64/DNS64)";
    ByoIpv6OnlySubnetNoNat64 = "byo-ipv6-only-subnet-no-nat64", Warning, Advice,
        "a BYO IPv6-only subnet without a 64:ff9b::/96 route (seed)";
    SubnetCidrInvalid = "subnet-cidr-invalid", Error, CapaWebhook,
        "a subnet cidrBlock does not parse (CAPA webhook)";
    SubnetIpv6CidrInvalid = "subnet-ipv6-cidr-invalid", Error, CapaWebhook,
        "a subnet ipv6CidrBlock does not parse (CAPA webhook)";
    SubnetIpv4NeedsCidr = "subnet-ipv4-needs-cidr", Error, Aws,
        "an IPv4-only subnet without cidrBlock (seed subnet table)";
    SubnetIsIpv6NeedsVpcIpv6 = "subnet-is-ipv6-needs-vpc-ipv6", Error, CapaController,
        "isIpv6 without vpc.ipv6 (seed subnet table)";
    SubnetIpv6CidrNeedsIsIpv6 = "subnet-ipv6-cidr-needs-is-ipv6", Error, Docs,
        "ipv6CidrBlock on a subnet without isIpv6";
    SubnetCidrOutsideVpc = "subnet-cidr-outside-vpc", Error, Aws,
        "a subnet IPv4 block outside the VPC block (AWS)";
    SubnetCidrSize = "subnet-cidr-size", Error, Aws, "a subnet IPv4 block not /16 to /28 (AWS)";
    SubnetIpv6CidrSize = "subnet-ipv6-cidr-size", Error, Aws,
        "a subnet IPv6 block not /44 to /64 in steps of 4 (AWS)";
    SubnetIpv6CidrOutsideVpc = "subnet-ipv6-cidr-outside-vpc", Error, Aws,
        "a subnet IPv6 block outside the VPC IPv6 block (AWS)";
    SubnetCidrOverlap = "subnet-cidr-overlap", Error, Aws, "two subnets' blocks overlap (AWS)";
    SubnetDuplicateId = "subnet-duplicate-id", Error, CapaController,
        "two subnets with the same id";
    SubnetAzUnknown = "subnet-az-unknown", Error, Aws,
        "a subnet's zone is not in the region or not opted into";
    SubnetEdgeNeedsParentZone = "subnet-edge-needs-parent-zone", Error, CapaWebhook,
        "an edge zoneType without parentZoneName (CAPA webhook)";
    SubnetEdgeIpv6 = "subnet-edge-ipv6", Error, CapaController,
        "an IPv6 subnet CAPA would create in a Local or Wavelength zone (seed)";
    SubnetNoPublic = "subnet-no-public", Error, CapaController,
        "a managed VPC without a public subnet (CAPA)";
    SubnetDefaultLayout = "subnet-default-layout", Error, CapaController,
        "the default subnet layout cannot be computed";
    SubnetIpv6AutoAssign = "subnet-ipv6-auto-assign", Error, CapaController,
        "no free /64 left to auto-assign";
    NatNeedsPublicSubnetInZone = "nat-needs-public-subnet-in-zone", Error, CapaController,
        "a private subnet in a zone without a public subnet, so without a NAT gateway (CAPA getNatGatewayForSubnet)";
    NatNeedsIpv4PublicSubnet = "nat-needs-ipv4-public-subnet", Error, Aws,
        "private subnets need a NAT gateway in a public subnet with IPv4 in their zone";
    LbTypeInvalid = "lb-type-invalid", Error, CapaWebhook, "an unknown loadBalancerType";
    LbSchemeInvalid = "lb-scheme-invalid", Error, CapaWebhook,
        "a scheme other than internet-facing or internal";
    LbImmutableField = "lb-immutable-field", Error, CapaWebhook,
        "a change of an existing cluster's load balancer scheme, name, health-check protocol or target group IP type";
    LbClassicIpv6OnlyControlPlane = "lb-classic-ipv6-only-control-plane", Error, Aws,
        "a classic ELB (CAPA's default) in front of control-plane machines without IPv4 \
            (RegisterInstancesWithLoadBalancer refuses them)";
    LbClassicIpv4Only = "lb-classic-ipv4-only", Warning, Advice,
        "a classic ELB (CAPA's default) on an IPv6 cluster: the API endpoint is IPv4-only";
    LbApiPortNot6443 = "lb-api-port-not-6443", Warning, CapaController,
        "an ELBv2 API load balancer listens on 6443 whatever apiServerPort says";
    LbIpTypeIpv6 = "lb-ip-type-ipv6", Error, Aws,
        "ipv6 is not a valid load balancer IP type (seed matrix row 9)";
    LbIpTypeInvalid = "lb-ip-type-invalid", Error, Docs,
        "an ipAddressType other than ipv4 or dualstack";
    LbIpTypeClassic = "lb-ip-type-classic", Error, Docs,
        "ipAddressType on a classic or disabled load balancer";
    LbDualstackNeedsVpcIpv6 = "lb-dualstack-needs-vpc-ipv6", Error, Aws,
        "a dualstack load balancer without vpc.ipv6";
    LbIpv6OnlySubnet = "lb-ipv6-only-subnet", Error, Aws,
        "load balancers cannot use IPv6-only subnets (seed matrix row 8)";
    LbDualstackNeedsIpv6Subnets = "lb-dualstack-needs-ipv6-subnets", Error, Aws,
        "a dualstack load balancer on subnets without IPv6 (AWS)";
    LbNoSubnets = "lb-no-subnets", Error, CapaController, "no subnet to place the load balancer in";
    SecondaryLbName = "secondary-lb-name", Error, CapaWebhook,
        "a secondary control-plane load balancer without a name, or with the primary's";
    SecondaryLbScheme = "secondary-lb-scheme", Error, CapaWebhook,
        "two control-plane load balancers with the same scheme";
    SecondaryLbNotNlb = "secondary-lb-not-nlb", Error, CapaWebhook,
        "a secondary control-plane load balancer that is not an NLB";
    TgIpTypeInvalid = "tg-ip-type-invalid", Error, CapaWebhook,
        "a targetGroupIPType other than ipv4 or ipv6";
    TgIpTypeClassic = "tg-ip-type-classic", Error, CapaWebhook,
        "targetGroupIPType with a classic load balancer (CAPA webhook)";
    TgIpTypeDisabled = "tg-ip-type-disabled", Error, CapaWebhook,
        "targetGroupIPType with a disabled load balancer (CAPA webhook)";
    TgIpv6NeedsVpcIpv6 = "tg-ipv6-needs-vpc-ipv6", Error, CapaWebhook,
        "an ipv6 target group without vpc.ipv6 (CAPA webhook)";
    TgIpv6NeedsDualstackLb = "tg-ipv6-needs-dualstack-lb", Error, Aws,
        "an ipv6 target group on an ipv4 load balancer (AWS)";
    TgIpv6NeedsCpIpv6 = "tg-ipv6-needs-cp-ipv6", Error, Aws,
        "ipv6 targets when the control plane has no IPv6 (seed matrix row 7)";
    TgIpv4NeedsCpIpv4 = "tg-ipv4-needs-cp-ipv4", Error, Aws,
        "ipv4 targets when the control plane is IPv6-only (AWS)";
    KubeadmIpv6Settings = "kubeadm-ipv6-settings", Warning, Kubernetes,
        "an IPv6-primary cluster's kubeadm configuration without CAPA's IPv6 settings \
            (bind-address, node-ip, advertiseAddress)";
    WorkerNoSubnet = "worker-no-subnet", Error, CapaController,
        "a MachineDeployment's machines have no private subnet in their failure domain";
    InstanceTypeUnknown = "instance-type-unknown", Error, Aws, "an instance type AWS does not know";
    InstanceTypeNotOffered = "instance-type-not-offered", Error, Aws,
        "an instance type its machines' zone does not offer (AWS RunInstances: Unsupported)";
    InstanceTypeNoIpv6 = "instance-type-no-ipv6", Error, Aws,
        "an instance type without IPv6 in an IPv6 subnet (seed prerequisites)";
    InstanceTypeNotNitro = "instance-type-not-nitro", Error, Aws,
        "a non-Nitro instance type in an IPv6-only subnet (seed prerequisites)";
    MachineImageNotFound = "machine-image-not-found", Error, CapaController,
        "no ami.id, and CAPA's default image lookup finds no image (DescribeImages)";
    SshKeyPairNotFound = "ssh-key-pair-not-found", Error, Aws,
        "a machine's key pair does not exist in the region (AWS RunInstances: InvalidKeyPair.NotFound)";
    MachineSubnetNotFound = "machine-subnet-not-found", Error, CapaController,
        "a machine template names a subnet the cluster does not have";
    MachinePrimaryIpv6WithoutVpcIpv6 = "machine-primary-ipv6-without-vpc-ipv6", Error, CapaController,
        "assignPrimaryIPv6: enabled without vpc.ipv6 (CAPA)";
    MachinePrimaryIpv6SubnetWithoutIpv6 = "machine-primary-ipv6-subnet-without-ipv6", Error, CapaController,
        "assignPrimaryIPv6: enabled on a subnet without IPv6 (CAPA)";
    MachineHostnameIpv6Only = "machine-hostname-ipv6-only", Error, Aws,
        "ip-name hostnames in an IPv6-only subnet (AWS)";
    MachineMetadataIpv6Only = "machine-metadata-ipv6-only", Warning, Advice,
        "IMDS over IPv6 off for machines in IPv6-only subnets";
    K8sCidrInvalid = "k8s-cidr-invalid", Error, Kubernetes, "a pod or service CIDR does not parse";
    K8sIpv6NeedsVpcIpv6 = "k8s-ipv6-needs-vpc-ipv6", Error, Kubernetes,
        "IPv6 pod or service CIDRs without vpc.ipv6";
    K8sDualstackOnePerFamily = "k8s-dualstack-one-per-family", Error, Kubernetes,
        "two CIDRs of the same family, or more than two";
    K8sPrimaryFamilyMismatch = "k8s-primary-family-mismatch", Error, Kubernetes,
        "pods and services with different primary families";
    K8sServiceIpv6Prefix = "k8s-service-ipv6-prefix", Error, Kubernetes,
        "an IPv6 service CIDR larger than /108 (kubeadm)";
    K8sIpv6NeedsNodeIpv6 = "k8s-ipv6-needs-node-ipv6", Error, Kubernetes,
        "an IPv6 Kubernetes network on control-plane subnets without IPv6";
    EksAddonsVersion = "eks-addons-version", Error, CapaWebhook,
        "EKS addons on Kubernetes older than v1.18 (CAPA webhook)";
    EksIpv6Version = "eks-ipv6-version", Error, CapaWebhook,
        "EKS IPv6 on Kubernetes older than v1.21.0 (CAPA webhook)";
    EksIpv6Addons = "eks-ipv6-addons", Error, CapaWebhook,
        "EKS IPv6 with a version and without explicit addons (CAPA webhook, seed)";
    EksIpv6AddonMissing = "eks-ipv6-addon-missing", Error, Docs,
        "EKS IPv6 without the vpc-cni, coredns or kube-proxy addon (seed)";
    EksIpv6VpcCniVersion = "eks-ipv6-vpc-cni-version", Error, CapaWebhook,
        "EKS IPv6 with a vpc-cni version older than 1.10.2, or one that does not parse (CAPA webhook)";
    EksIpv6HostnameType = "eks-ipv6-hostname-type", Error, CapaWebhook,
        "EKS IPv6 with a hostname type other than resource-name (CAPA webhook)";
    EksVersionUnsupported = "eks-version-unsupported", Error, Aws,
        "a Kubernetes version EKS does not offer (AWS CreateCluster)";
    EksSubnetsTwoZones = "eks-subnets-two-zones", Error, CapaController,
        "fewer than two EKS subnets, or all in one zone (CAPA createCluster, AWS)";
    EksAddonVersionUnsupported = "eks-addon-version-unsupported", Error, Aws,
        "an EKS add-on version DescribeAddonVersions does not list for the cluster's Kubernetes version (AWS)";
    EksIpv6ServiceCidrIgnored = "eks-ipv6-service-cidr-ignored", Warning, Advice,
        "an IPv4 services block on an IPv6 EKS cluster, which CAPA does not send (EKS assigns an IPv6 one)";
    EksIpv6Subnets = "eks-ipv6-subnets", Error, Aws,
        "an IPv6 EKS cluster without subnets with IPv6 in two zones, or with an IPv6-only subnet (AWS)";
    IngressRuleNatSourceExclusive = "ingress-rule-nat-source-exclusive", Error, CapaWebhook,
        "natGatewaysIPsSource with CIDRs or groups (CAPA webhook)";
    IngressRuleCidrsAndGroups = "ingress-rule-cidrs-and-groups", Error, CapaWebhook,
        "CIDRs together with security groups in one rule (CAPA webhook)";
    IngressRuleCidrInvalid = "ingress-rule-cidr-invalid", Error, Aws,
        "an ingress rule CIDR of the wrong family or that does not parse";
    CniVxlanMissing = "cni-vxlan-missing", Warning, Advice,
        "an IPv6 cluster without the Calico VXLAN rule udp/4789 (seed)";
    CniIpipIpv6 = "cni-ipip-ipv6", Warning, Advice,
        "IP-in-IP CNI rules on an IPv6 cluster (seed: Calico IPv6 needs VXLAN)";
    NoInPlaceMigration = "no-in-place-migration", Error, Docs,
        "the cluster exists with the other IP family (seed)";
}

impl Rule {
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
