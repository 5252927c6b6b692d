//! Every rule of the seed ("Enabling IPv6") and of CAPA's webhooks that
//! concerns the cluster network, as findings with stable ids. Pure: the
//! model, the facts discovered from AWS and the laid-out subnets in,
//! findings out. Rules that need facts (instance types, zones, a BYO VPC,
//! an existing cluster) stay silent when the facts are unknown.
//!
//! The rule ids, what each enforces and where it comes from are listed in
//! `docs/rules.md`; `RULES` below is the same list, checked by a test.

use std::collections::BTreeSet;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::cidr;
use crate::facts::{Facts, ZoneType};
use crate::finding::{Finding, Severity};
use crate::layout::{Ipv6Block, LaidOutSubnet};
use crate::model::{ClusterModel, Family, Flavor, LB_TYPES, Machines};
use crate::spec::types::IngressRule;

/// Every rule id, with its severity and a one-line summary (for docs and `--explain`).
pub const RULES: &[(&str, Severity, &str)] = &[
    (
        "manifest-no-cluster",
        Severity::Error,
        "the manifests hold no Cluster",
    ),
    (
        "manifest-many-clusters",
        Severity::Error,
        "the manifests hold more than one Cluster",
    ),
    (
        "manifest-missing-infrastructure",
        Severity::Error,
        "the Cluster's AWSCluster is missing",
    ),
    (
        "manifest-missing-control-plane",
        Severity::Error,
        "the Cluster's AWSManagedControlPlane is missing",
    ),
    (
        "manifest-missing-machine-template",
        Severity::Error,
        "a referenced AWSMachineTemplate is missing",
    ),
    (
        "manifest-unknown-field",
        Severity::Warning,
        "a field the kind's CRD schema does not have (kubectl warns, the API server drops it; an error with --strict)",
    ),
    (
        "manifest-extension-field",
        Severity::Warning,
        "a field only this provisioner reads, which CAPA's API drops (an error with --strict)",
    ),
    (
        "manifest-unknown-kind",
        Severity::Warning,
        "a kind no Cluster API or CAPA group has, or a kind under the wrong group (an error with --strict)",
    ),
    (
        "region-mismatch",
        Severity::Error,
        "the spec's region differs from --region",
    ),
    (
        "vpc-cidr-invalid",
        Severity::Error,
        "vpc.cidrBlock does not parse (CAPA webhook)",
    ),
    (
        "vpc-cidr-size",
        Severity::Error,
        "vpc.cidrBlock is not /16 to /28 (AWS)",
    ),
    (
        "vpc-cidr-and-ipam-pool",
        Severity::Error,
        "vpc.cidrBlock together with vpc.ipamPool (CAPA webhook)",
    ),
    (
        "vpc-ipam-pool-needs-id-or-name",
        Severity::Error,
        "an ipamPool without id or name (CAPA webhook)",
    ),
    (
        "vpc-ipv6-cidr-invalid",
        Severity::Error,
        "vpc.ipv6.cidrBlock does not parse (CAPA webhook)",
    ),
    (
        "vpc-ipv6-cidr-size",
        Severity::Error,
        "vpc.ipv6.cidrBlock is not /44 to /60 in steps of 4 (AWS)",
    ),
    (
        "vpc-ipv6-cidr-needs-pool",
        Severity::Error,
        "vpc.ipv6.cidrBlock without poolId in a managed VPC (CAPA webhook)",
    ),
    (
        "vpc-ipv6-pool-and-ipam-pool",
        Severity::Error,
        "vpc.ipv6.poolId together with ipamPool (CAPA webhook)",
    ),
    (
        "vpc-ipv6-cidr-and-ipam-pool",
        Severity::Error,
        "vpc.ipv6.cidrBlock together with ipamPool (CAPA webhook)",
    ),
    (
        "vpc-ipv6-netmask-length",
        Severity::Error,
        "ipamPool.netmaskLength is not 44 to 60 in steps of 4 (AWS)",
    ),
    (
        "vpc-ipv6-eigw-in-managed-vpc",
        Severity::Error,
        "egressOnlyInternetGatewayId given for a VPC CAPA creates",
    ),
    (
        "byo-vpc-ipv6-needs-cidr",
        Severity::Error,
        "a BYO IPv6 VPC must give vpc.ipv6.cidrBlock (seed)",
    ),
    (
        "byo-vpc-ipv6-needs-eigw",
        Severity::Error,
        "a BYO IPv6 VPC must give vpc.ipv6.egressOnlyInternetGatewayId (seed)",
    ),
    (
        "byo-vpc-not-found",
        Severity::Error,
        "the BYO VPC does not exist",
    ),
    (
        "byo-vpc-cidr-mismatch",
        Severity::Error,
        "vpc.cidrBlock is not a block of the BYO VPC",
    ),
    (
        "byo-vpc-ipv6-cidr-mismatch",
        Severity::Error,
        "vpc.ipv6.cidrBlock is not associated with the BYO VPC",
    ),
    (
        "byo-vpc-eigw-mismatch",
        Severity::Error,
        "the egress-only gateway is missing or attached elsewhere",
    ),
    (
        "byo-vpc-needs-subnets",
        Severity::Error,
        "a BYO VPC must list its subnets (CAPA)",
    ),
    (
        "byo-subnet-not-found",
        Severity::Error,
        "a listed subnet is not in the BYO VPC",
    ),
    (
        "byo-ipv6-only-subnet-no-dns64",
        Severity::Warning,
        "a BYO IPv6-only subnet without DNS64 (seed: NAT64/DNS64)",
    ),
    (
        "byo-ipv6-only-subnet-no-nat64",
        Severity::Warning,
        "a BYO IPv6-only subnet without a 64:ff9b::/96 route (seed)",
    ),
    (
        "subnet-cidr-invalid",
        Severity::Error,
        "a subnet cidrBlock does not parse (CAPA webhook)",
    ),
    (
        "subnet-ipv6-cidr-invalid",
        Severity::Error,
        "a subnet ipv6CidrBlock does not parse (CAPA webhook)",
    ),
    (
        "subnet-ipv4-needs-cidr",
        Severity::Error,
        "an IPv4-only subnet without cidrBlock (seed subnet table)",
    ),
    (
        "subnet-is-ipv6-needs-vpc-ipv6",
        Severity::Error,
        "isIpv6 without vpc.ipv6 (seed subnet table)",
    ),
    (
        "subnet-ipv6-cidr-needs-is-ipv6",
        Severity::Error,
        "ipv6CidrBlock on a subnet without isIpv6",
    ),
    (
        "subnet-cidr-outside-vpc",
        Severity::Error,
        "a subnet IPv4 block outside the VPC block (AWS)",
    ),
    (
        "subnet-cidr-size",
        Severity::Error,
        "a subnet IPv4 block not /16 to /28 (AWS)",
    ),
    (
        "subnet-ipv6-cidr-size",
        Severity::Error,
        "a subnet IPv6 block not /44 to /64 in steps of 4 (AWS)",
    ),
    (
        "subnet-ipv6-cidr-outside-vpc",
        Severity::Error,
        "a subnet IPv6 block outside the VPC IPv6 block (AWS)",
    ),
    (
        "subnet-cidr-overlap",
        Severity::Error,
        "two subnets' blocks overlap (AWS)",
    ),
    (
        "subnet-duplicate-id",
        Severity::Error,
        "two subnets with the same id",
    ),
    (
        "subnet-az-unknown",
        Severity::Error,
        "a subnet's zone is not in the region or not opted into",
    ),
    (
        "subnet-edge-needs-parent-zone",
        Severity::Error,
        "an edge zoneType without parentZoneName (CAPA webhook)",
    ),
    (
        "subnet-edge-ipv6",
        Severity::Error,
        "an IPv6 subnet CAPA would create in a Local or Wavelength zone (seed)",
    ),
    (
        "subnet-no-public",
        Severity::Error,
        "a managed VPC without a public subnet (CAPA)",
    ),
    (
        "subnet-default-layout",
        Severity::Error,
        "the default subnet layout cannot be computed",
    ),
    (
        "subnet-ipv6-auto-assign",
        Severity::Error,
        "no free /64 left to auto-assign",
    ),
    (
        "nat-needs-ipv4-public-subnet",
        Severity::Error,
        "private subnets need a NAT gateway in a public subnet with IPv4 in their zone",
    ),
    (
        "lb-type-invalid",
        Severity::Error,
        "an unknown loadBalancerType",
    ),
    (
        "lb-scheme-invalid",
        Severity::Error,
        "a scheme other than internet-facing or internal",
    ),
    (
        "lb-ip-type-ipv6",
        Severity::Error,
        "ipv6 is not a valid load balancer IP type (seed matrix row 9)",
    ),
    (
        "lb-ip-type-invalid",
        Severity::Error,
        "an ipAddressType other than ipv4 or dualstack",
    ),
    (
        "lb-ip-type-classic",
        Severity::Error,
        "ipAddressType on a classic or disabled load balancer",
    ),
    (
        "lb-dualstack-needs-vpc-ipv6",
        Severity::Error,
        "a dualstack load balancer without vpc.ipv6",
    ),
    (
        "lb-ipv6-only-subnet",
        Severity::Error,
        "load balancers cannot use IPv6-only subnets (seed matrix row 8)",
    ),
    (
        "lb-dualstack-needs-ipv6-subnets",
        Severity::Error,
        "a dualstack load balancer on subnets without IPv6 (AWS)",
    ),
    (
        "lb-no-subnets",
        Severity::Error,
        "no subnet to place the load balancer in",
    ),
    (
        "tg-ip-type-invalid",
        Severity::Error,
        "a targetGroupIPType other than ipv4 or ipv6",
    ),
    (
        "tg-ip-type-classic",
        Severity::Error,
        "targetGroupIPType with a classic load balancer (CAPA webhook)",
    ),
    (
        "tg-ip-type-disabled",
        Severity::Error,
        "targetGroupIPType with a disabled load balancer (CAPA webhook)",
    ),
    (
        "tg-ipv6-needs-vpc-ipv6",
        Severity::Error,
        "an ipv6 target group without vpc.ipv6 (CAPA webhook)",
    ),
    (
        "tg-ipv6-needs-dualstack-lb",
        Severity::Error,
        "an ipv6 target group on an ipv4 load balancer (AWS)",
    ),
    (
        "tg-ipv6-needs-cp-ipv6",
        Severity::Error,
        "ipv6 targets when the control plane has no IPv6 (seed matrix row 7)",
    ),
    (
        "tg-ipv4-needs-cp-ipv4",
        Severity::Error,
        "ipv4 targets when the control plane is IPv6-only (AWS)",
    ),
    (
        "instance-type-unknown",
        Severity::Error,
        "an instance type AWS does not know",
    ),
    (
        "instance-type-no-ipv6",
        Severity::Error,
        "an instance type without IPv6 in an IPv6 subnet (seed prerequisites)",
    ),
    (
        "instance-type-not-nitro",
        Severity::Error,
        "a non-Nitro instance type in an IPv6-only subnet (seed prerequisites)",
    ),
    (
        "machine-subnet-not-found",
        Severity::Error,
        "a machine template names a subnet the cluster does not have",
    ),
    (
        "machine-primary-ipv6-without-vpc-ipv6",
        Severity::Error,
        "assignPrimaryIPv6: enabled without vpc.ipv6 (CAPA)",
    ),
    (
        "machine-primary-ipv6-subnet-without-ipv6",
        Severity::Error,
        "assignPrimaryIPv6: enabled on a subnet without IPv6 (CAPA)",
    ),
    (
        "machine-hostname-ipv6-only",
        Severity::Error,
        "ip-name hostnames in an IPv6-only subnet (AWS)",
    ),
    (
        "machine-metadata-ipv6-only",
        Severity::Warning,
        "IMDS over IPv6 off for machines in IPv6-only subnets",
    ),
    (
        "k8s-cidr-invalid",
        Severity::Error,
        "a pod or service CIDR does not parse",
    ),
    (
        "k8s-ipv6-needs-vpc-ipv6",
        Severity::Error,
        "IPv6 pod or service CIDRs without vpc.ipv6",
    ),
    (
        "k8s-dualstack-one-per-family",
        Severity::Error,
        "two CIDRs of the same family, or more than two",
    ),
    (
        "k8s-primary-family-mismatch",
        Severity::Error,
        "pods and services with different primary families",
    ),
    (
        "k8s-service-ipv6-prefix",
        Severity::Error,
        "an IPv6 service CIDR larger than /108 (kubeadm)",
    ),
    (
        "k8s-ipv6-needs-node-ipv6",
        Severity::Error,
        "an IPv6 Kubernetes network on control-plane subnets without IPv6",
    ),
    (
        "eks-ipv6-version",
        Severity::Error,
        "EKS IPv6 on Kubernetes older than v1.21.0 (CAPA webhook)",
    ),
    (
        "eks-ipv6-addons",
        Severity::Error,
        "EKS IPv6 without explicit addons (CAPA webhook, seed)",
    ),
    (
        "eks-ipv6-addon-missing",
        Severity::Error,
        "EKS IPv6 without the vpc-cni, coredns or kube-proxy addon (seed)",
    ),
    (
        "eks-ipv6-vpc-cni-version",
        Severity::Error,
        "EKS IPv6 with vpc-cni older than 1.10.2 (CAPA webhook)",
    ),
    (
        "eks-ipv6-hostname-type",
        Severity::Error,
        "EKS IPv6 with a hostname type other than resource-name (CAPA webhook)",
    ),
    (
        "ingress-rule-nat-source-exclusive",
        Severity::Error,
        "natGatewaysIPsSource with CIDRs or groups (CAPA webhook)",
    ),
    (
        "ingress-rule-cidrs-and-groups",
        Severity::Error,
        "CIDRs together with security groups in one rule (CAPA webhook)",
    ),
    (
        "ingress-rule-cidr-invalid",
        Severity::Error,
        "an ingress rule CIDR of the wrong family or that does not parse",
    ),
    (
        "cni-vxlan-missing",
        Severity::Warning,
        "an IPv6 cluster without the Calico VXLAN rule udp/4789 (seed)",
    ),
    (
        "cni-ipip-ipv6",
        Severity::Warning,
        "IP-in-IP CNI rules on an IPv6 cluster (seed: Calico IPv6 needs VXLAN)",
    ),
    (
        "no-in-place-migration",
        Severity::Error,
        "the cluster exists with the other IP family (seed)",
    ),
];

struct V<'a> {
    model: &'a ClusterModel,
    facts: &'a Facts,
    /// Subnets whose family is known: all of them, except BYO subnets AWS
    /// has no record of (rules about families stay silent on those).
    subnets: &'a [LaidOutSubnet],
    /// Every laid-out subnet, found or not.
    all_subnets: &'a [LaidOutSubnet],
    region: Option<&'a str>,
    out: Vec<Finding>,
}

impl V<'_> {
    fn push(
        &mut self,
        rule: &'static str,
        object: &str,
        source: Option<&crate::spec::Source>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        let severity = RULES
            .iter()
            .find(|(id, _, _)| *id == rule)
            .map_or(Severity::Error, |(_, s, _)| *s);
        self.out.push(Finding {
            rule,
            severity,
            object: object.to_owned(),
            path: path.into(),
            message: message.into(),
            source: source.cloned(),
        });
    }

    /// A finding on the infrastructure object (AWSCluster / AWSManagedControlPlane).
    fn infra(&mut self, rule: &'static str, path: impl Into<String>, message: impl Into<String>) {
        let object = self.model.infra_object.clone();
        let source = self.model.infra_source.clone();
        self.push(rule, &object, source.as_ref(), path, message);
    }
}

/// Runs every rule. `region` is the region given on the command line, if any.
pub fn validate(
    model: &ClusterModel,
    facts: &Facts,
    subnets: &[LaidOutSubnet],
    region: Option<&str>,
) -> Vec<Finding> {
    let known: Vec<LaidOutSubnet> = if model.byo_vpc().is_some() && facts.byo_vpc_checked {
        subnets
            .iter()
            .filter(|s| s.resource_id.is_some())
            .cloned()
            .collect()
    } else {
        subnets.to_vec()
    };
    let mut v = V {
        model,
        facts,
        subnets: &known,
        all_subnets: subnets,
        region,
        out: Vec::new(),
    };
    region_rules(&mut v);
    vpc_rules(&mut v);
    subnet_rules(&mut v);
    load_balancer_rules(&mut v);
    machine_rules(&mut v);
    kubernetes_rules(&mut v);
    eks_rules(&mut v);
    ingress_rules(&mut v);
    cni_rules(&mut v);
    migration_rules(&mut v);
    let mut out = v.out;
    out.extend(model.manifest_findings.iter().cloned());
    out.sort_by_key(|f| f.severity);
    out
}

/// The findings about the manifests themselves: fields and kinds the
/// Kubernetes API does not know.
pub fn manifest_findings(unknown: &[crate::spec::schema::UnknownName]) -> Vec<Finding> {
    use crate::spec::schema::Unknown;
    unknown
        .iter()
        .map(|u| Finding {
            rule: match u.what {
                Unknown::Field => "manifest-unknown-field",
                Unknown::Extension => "manifest-extension-field",
                Unknown::Kind => "manifest-unknown-kind",
            },
            severity: Severity::Warning,
            object: u.object.clone(),
            path: u.path.clone(),
            message: u.message.clone(),
            source: Some(u.source.clone()),
        })
        .collect()
}

/// `--strict`: what the Kubernetes API does not know is refused, as
/// `kubectl apply --validate=strict` refuses it.
pub fn make_strict(findings: &mut [Finding]) {
    for f in findings {
        if matches!(
            f.rule,
            "manifest-unknown-field" | "manifest-extension-field" | "manifest-unknown-kind"
        ) {
            f.severity = Severity::Error;
        }
    }
}

/// The rules that decide where the cluster lives (its region): `destroy`
/// runs them too, so it never looks for the cluster in the wrong place.
pub fn placement(model: &ClusterModel, region: Option<&str>) -> Vec<Finding> {
    let facts = Facts::default();
    let mut v = V {
        model,
        facts: &facts,
        subnets: &[],
        all_subnets: &[],
        region,
        out: Vec::new(),
    };
    region_rules(&mut v);
    v.out
}

fn region_rules(v: &mut V<'_>) {
    match (v.model.region.as_deref(), v.region) {
        (Some(spec), Some(cli)) if spec != cli => v.infra(
            "region-mismatch",
            "spec.region",
            format!("the spec says region '{spec}' but the command targets '{cli}'; pass --region {spec} or change spec.region"),
        ),
        _ => {}
    }
}

fn is_vpc_ipv6_prefix(len: u8) -> bool {
    (44..=60).contains(&len) && len.is_multiple_of(4)
}

fn vpc_rules(v: &mut V<'_>) {
    let vpc = v.model.network.vpc.clone();
    let byo = v.model.byo_vpc().map(str::to_owned);
    if let Some(text) = vpc.cidr_block.as_deref() {
        match cidr::parse_v4(text) {
            None => v.infra(
                "vpc-cidr-invalid",
                "spec.network.vpc.cidrBlock",
                format!(
                    "VPC CIDR block is invalid: '{text}' is not an IPv4 CIDR such as 10.0.0.0/16"
                ),
            ),
            Some(n) if !(16..=28).contains(&n.prefix_len()) => v.infra(
                "vpc-cidr-size",
                "spec.network.vpc.cidrBlock",
                format!(
                    "AWS accepts VPC blocks from /16 to /28; '{text}' is /{}",
                    n.prefix_len()
                ),
            ),
            Some(_) => {}
        }
        if vpc.ipam_pool.is_some() {
            v.infra(
                "vpc-cidr-and-ipam-pool",
                "spec.network.vpc.cidrBlock",
                "cidrBlock and ipamPool cannot be used together: remove one of them",
            );
        }
    }
    if let Some(p) = &vpc.ipam_pool
        && p.id.as_deref().unwrap_or_default().is_empty()
        && p.name.as_deref().unwrap_or_default().is_empty()
    {
        v.infra(
            "vpc-ipam-pool-needs-id-or-name",
            "spec.network.vpc.ipamPool",
            "ipamPool must have either id or name",
        );
    }
    let Some(ipv6) = &vpc.ipv6 else {
        return;
    };
    let cidr_text = ipv6.cidr_block.as_deref().filter(|s| !s.is_empty());
    if let Some(text) = cidr_text {
        match cidr::parse_v6(text) {
            None => v.infra("vpc-ipv6-cidr-invalid", "spec.network.vpc.ipv6.cidrBlock", format!("VPC IPv6 CIDR block is invalid: '{text}' is not an IPv6 CIDR such as 2001:db8:1234:1a00::/56")),
            Some(n) if !is_vpc_ipv6_prefix(n.prefix_len()) || n != n.trunc() => v.infra(
                "vpc-ipv6-cidr-size",
                "spec.network.vpc.ipv6.cidrBlock",
                format!("a VPC IPv6 block must be a network address of /44 to /60 in steps of 4 (AWS); '{text}' is not"),
            ),
            Some(_) => {}
        }
    }
    let pool_id = ipv6.pool_id.as_deref().filter(|s| !s.is_empty());
    if let Some(ipam) = &ipv6.ipam_pool {
        if pool_id.is_some() {
            v.infra("vpc-ipv6-pool-and-ipam-pool", "spec.network.vpc.ipv6.poolId", "poolId and ipamPool cannot be used together: a BYOIP pool or an IPAM pool, not both");
        }
        if cidr_text.is_some() {
            v.infra("vpc-ipv6-cidr-and-ipam-pool", "spec.network.vpc.ipv6.cidrBlock", "cidrBlock and ipamPool cannot be used together: IPAM picks the block; remove cidrBlock or ipamPool");
        }
        if ipam.id.as_deref().unwrap_or_default().is_empty()
            && ipam.name.as_deref().unwrap_or_default().is_empty()
        {
            v.infra(
                "vpc-ipam-pool-needs-id-or-name",
                "spec.network.vpc.ipv6.ipamPool",
                "ipamPool must have either id or name",
            );
        }
        if let Some(len) = ipam.netmask_length
            && !(u8::try_from(len).is_ok_and(is_vpc_ipv6_prefix))
        {
            v.infra(
                "vpc-ipv6-netmask-length",
                "spec.network.vpc.ipv6.ipamPool.netmaskLength",
                format!("netmaskLength {len} is not allowed: AWS gives VPCs IPv6 blocks of /44 to /60 in steps of 4 (default 56)"),
            );
        }
    }
    match byo {
        None => {
            if cidr_text.is_some() && pool_id.is_none() && ipv6.ipam_pool.is_none() {
                v.infra("vpc-ipv6-cidr-needs-pool", "spec.network.vpc.ipv6.poolId", "poolId cannot be empty if cidrBlock is set: give the BYOIP pool the block comes from, or remove cidrBlock to get an Amazon-provided /56");
            }
            if ipv6
                .egress_only_internet_gateway_id
                .as_deref()
                .is_some_and(|s| !s.is_empty())
            {
                v.infra("vpc-ipv6-eigw-in-managed-vpc", "spec.network.vpc.ipv6.egressOnlyInternetGatewayId", "an egress-only internet gateway id only makes sense with an existing VPC (vpc.id); CAPA creates the gateway of a VPC it creates: remove the field or set vpc.id");
            }
        }
        Some(vpc_id) => byo_vpc_rules(v, &vpc_id, cidr_text),
    }
}

fn byo_vpc_rules(v: &mut V<'_>, vpc_id: &str, ipv6_cidr_text: Option<&str>) {
    let ipv6 = v.model.network.vpc.ipv6.clone().unwrap_or_default();
    if ipv6_cidr_text.is_none() {
        v.infra("byo-vpc-ipv6-needs-cidr", "spec.network.vpc.ipv6.cidrBlock", format!("to use the IPv6 capabilities of the existing VPC {vpc_id}, give its IPv6 block in spec.network.vpc.ipv6.cidrBlock (seed: \"Bring-your-own IPv6 VPC\")"));
    }
    let eigw = ipv6
        .egress_only_internet_gateway_id
        .as_deref()
        .filter(|s| !s.is_empty());
    if eigw.is_none() {
        v.infra("byo-vpc-ipv6-needs-eigw", "spec.network.vpc.ipv6.egressOnlyInternetGatewayId", format!("to use the IPv6 capabilities of the existing VPC {vpc_id}, give its egress-only internet gateway in spec.network.vpc.ipv6.egressOnlyInternetGatewayId (seed: \"Bring-your-own IPv6 VPC\")"));
    }
    if v.model.network.subnets.is_empty() {
        v.infra("byo-vpc-needs-subnets", "spec.network.subnets", format!("no subnets specified: list the subnets of the existing VPC {vpc_id} the cluster uses"));
    }
    if !v.facts.byo_vpc_checked {
        return;
    }
    let Some(fact) = v.facts.byo_vpc.clone() else {
        v.infra(
            "byo-vpc-not-found",
            "spec.network.vpc.id",
            format!("the VPC {vpc_id} does not exist in this account and region"),
        );
        return;
    };
    if let Some(text) = v.model.network.vpc.cidr_block.as_deref()
        && let Some(net) = cidr::parse_v4(text)
        && !fact.cidr_blocks.contains(&net)
    {
        v.infra(
            "byo-vpc-cidr-mismatch",
            "spec.network.vpc.cidrBlock",
            format!(
                "{net} is not a CIDR block of {vpc_id} (it has {})",
                join(&fact.cidr_blocks)
            ),
        );
    }
    if let Some(text) = ipv6_cidr_text
        && let Some(net) = cidr::parse_v6(text)
        && !fact.ipv6_cidr_blocks.contains(&net)
    {
        let has = if fact.ipv6_cidr_blocks.is_empty() {
            "no associated IPv6 block".to_owned()
        } else {
            join(&fact.ipv6_cidr_blocks)
        };
        v.infra(
            "byo-vpc-ipv6-cidr-mismatch",
            "spec.network.vpc.ipv6.cidrBlock",
            format!("{net} is not an associated IPv6 block of {vpc_id} (it has {has})"),
        );
    }
    if let Some(id) = eigw {
        match &v.facts.byo_egress_only_gateway {
            Some(g) if g.vpc_id.as_deref() == Some(vpc_id) => {}
            Some(g) => v.infra(
                "byo-vpc-eigw-mismatch",
                "spec.network.vpc.ipv6.egressOnlyInternetGatewayId",
                format!(
                    "the egress-only internet gateway {id} is attached to {}, not to {vpc_id}",
                    g.vpc_id.as_deref().unwrap_or("no VPC")
                ),
            ),
            None => v.infra(
                "byo-vpc-eigw-mismatch",
                "spec.network.vpc.ipv6.egressOnlyInternetGatewayId",
                format!("the egress-only internet gateway {id} does not exist"),
            ),
        }
    }
    let subnets: Vec<LaidOutSubnet> = v.all_subnets.to_vec();
    for s in &subnets {
        if s.resource_id.is_none() {
            v.infra(
                "byo-subnet-not-found",
                s.path("id"),
                format!(
                    "no subnet '{}' (by id or Name tag) in the VPC {vpc_id}",
                    s.key
                ),
            );
            continue;
        }
        if s.family == Family::Ipv6Only && !s.is_edge() {
            if !s.dns64 {
                v.infra("byo-ipv6-only-subnet-no-dns64", s.path("id"), format!("the IPv6-only subnet {} has DNS64 off: pods cannot resolve IPv4-only names; enable it (aws ec2 modify-subnet-attribute --subnet-id {} --enable-dns64)", s.key, s.resource_id.as_deref().unwrap_or_default()));
            }
            if !s.nat64_route {
                v.infra("byo-ipv6-only-subnet-no-nat64", s.path("id"), format!("the IPv6-only subnet {} has no 64:ff9b::/96 route to a NAT gateway: pods cannot reach IPv4-only services; add the NAT64 route to its route table", s.key));
            }
        }
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn subnet_rules(v: &mut V<'_>) {
    let model = v.model;
    let managed = model.byo_vpc().is_none();
    let vpc_v4 = model
        .network
        .vpc
        .cidr_block
        .as_deref()
        .map_or_else(|| cidr::parse_v4("10.0.0.0/16"), cidr::parse_v4);
    let vpc_v6 = v
        .facts
        .existing_cluster_vpc
        .as_ref()
        .and_then(|f| f.ipv6_cidr_blocks.first().copied())
        .or_else(|| {
            model
                .network
                .vpc
                .ipv6
                .as_ref()
                .and_then(|i| i.cidr_block.as_deref())
                .and_then(cidr::parse_v6)
        });
    let mut seen_ids = BTreeSet::new();
    for (i, s) in model.network.subnets.iter().enumerate() {
        let p = |f: &str| format!("spec.network.subnets[{i}].{f}");
        if !seen_ids.insert(s.id.clone()) {
            v.infra(
                "subnet-duplicate-id",
                p("id"),
                format!(
                    "the subnet id '{}' is used twice; ids name subnets and must be unique",
                    s.id
                ),
            );
        }
        if let Some(text) = s.cidr_block.as_deref().filter(|t| !t.is_empty())
            && cidr::parse_v4(text).is_none()
        {
            v.infra(
                "subnet-cidr-invalid",
                p("cidrBlock"),
                format!("subnet CIDR block is invalid: '{text}'"),
            );
        }
        if let Some(text) = s.ipv6_cidr_block.as_deref().filter(|t| !t.is_empty()) {
            if cidr::parse_v6(text).is_none() {
                v.infra(
                    "subnet-ipv6-cidr-invalid",
                    p("ipv6CidrBlock"),
                    format!("subnet IPv6 CIDR block is invalid: '{text}'"),
                );
            } else if !s.is_ipv6 && managed {
                v.infra("subnet-ipv6-cidr-needs-is-ipv6", p("ipv6CidrBlock"), "ipv6CidrBlock is set but isIpv6 is not: set isIpv6: true for a dualstack or IPv6-only subnet, or remove ipv6CidrBlock");
            }
        }
        if let Some(zt) = s.zone_type.as_deref()
            && ZoneType::parse(zt).is_some_and(ZoneType::is_edge)
            && s.parent_zone_name.as_deref().unwrap_or_default().is_empty()
        {
            v.infra(
                "subnet-edge-needs-parent-zone",
                p("parentZoneName"),
                "ParentZoneName must be set when ZoneType is 'local-zone' or 'wavelength-zone'.",
            );
        }
        if !managed {
            continue;
        }
        if !s.is_ipv6 && s.cidr_block.as_deref().unwrap_or_default().is_empty() {
            v.infra("subnet-ipv4-needs-cidr", p("cidrBlock"), format!("the IPv4-only subnet '{}' needs a cidrBlock (or set isIpv6: true and leave cidrBlock empty for an IPv6-only subnet)", s.id));
        }
        if s.is_ipv6 && !model.ipv6() {
            v.infra("subnet-is-ipv6-needs-vpc-ipv6", p("isIpv6"), format!("the subnet '{}' asks for IPv6 but the VPC has none: set spec.network.vpc.ipv6 (for example ipv6: {{}})", s.id));
        }
    }
    // Checks on the laid-out subnets (spec or default layout).
    let subnets: Vec<LaidOutSubnet> = v.subnets.to_vec();
    if !v.facts.zones.is_empty() {
        for s in &subnets {
            let Some(az) = s.availability_zone.as_deref() else {
                continue;
            };
            match v.facts.zone(az) {
                None => v.infra("subnet-az-unknown", s.path("availabilityZone"), format!("the zone '{az}' does not exist in region {}", v.region.or(model.region.as_deref()).unwrap_or("?"))),
                Some(z) if z.opt_in_required && !z.opted_in => v.infra("subnet-az-unknown", s.path("availabilityZone"), format!("the {} '{az}' needs an opt-in first: aws ec2 modify-availability-zone-group --group-name <its group> --opt-in-status opted-in", z.zone_type.as_str())),
                Some(_) => {}
            }
        }
    }
    if managed {
        for s in &subnets {
            if s.is_edge() && s.family.has_ipv6() {
                v.infra("subnet-edge-ipv6", s.path("isIpv6"), format!("failed to create subnet: IPv6 is not supported with zone type \"{}\" ({}): CAPA does not create IPv6-enabled subnets in Local or Wavelength zones; make it IPv4-only (isIpv6: false with a cidrBlock)", s.zone_type.as_str(), s.key));
            }
            if let Some(net) = s.cidr_block {
                if !(16..=28).contains(&net.prefix_len()) {
                    v.infra(
                        "subnet-cidr-size",
                        s.path("cidrBlock"),
                        format!("AWS accepts subnet blocks from /16 to /28; {net} is not"),
                    );
                }
                if let Some(vpc) = vpc_v4
                    && !vpc.contains(&net)
                    && model.network.vpc.secondary_cidr_blocks.iter().all(|c| {
                        cidr::parse_v4(&c.ipv4_cidr_block).is_none_or(|b| !b.contains(&net))
                    })
                {
                    v.infra(
                        "subnet-cidr-outside-vpc",
                        s.path("cidrBlock"),
                        format!("{net} is not inside the VPC block {vpc}"),
                    );
                }
            }
            if let Some(Ipv6Block::Cidr(net)) = s.ipv6 {
                if !(44..=64).contains(&net.prefix_len())
                    || net.prefix_len() % 4 != 0
                    || net != net.trunc()
                {
                    v.infra("subnet-ipv6-cidr-size", s.path("ipv6CidrBlock"), format!("a subnet IPv6 block must be a network address of /44 to /64 in steps of 4 (AWS); {net} is not"));
                }
                if let Some(b) = vpc_v6
                    && !b.contains(&net)
                {
                    v.infra(
                        "subnet-ipv6-cidr-outside-vpc",
                        s.path("ipv6CidrBlock"),
                        format!("{net} is not inside the VPC IPv6 block {b}"),
                    );
                }
            }
        }
        overlap_rules(v, &subnets);
        if !subnets.is_empty() && !subnets.iter().any(|s| s.public && !s.is_edge()) {
            v.infra("subnet-no-public", "spec.network.subnets", "expected at least 1 public subnet but got 0: the internet gateway, NAT gateways and an internet-facing load balancer need one (set isPublic: true on one subnet per zone)");
        }
        nat_rules(v, &subnets);
    }
}

fn overlap_rules(v: &mut V<'_>, subnets: &[LaidOutSubnet]) {
    for (i, a) in subnets.iter().enumerate() {
        for b in &subnets[i + 1..] {
            if let (Some(x), Some(y)) = (a.cidr_block, b.cidr_block)
                && cidr::overlaps_v4(&x, &y)
            {
                v.infra(
                    "subnet-cidr-overlap",
                    b.path("cidrBlock"),
                    format!("{y} ({}) overlaps {x} ({})", b.key, a.key),
                );
            }
            if let (Some(Ipv6Block::Cidr(x)), Some(Ipv6Block::Cidr(y))) = (a.ipv6, b.ipv6)
                && cidr::overlaps_v6(&x, &y)
            {
                v.infra(
                    "subnet-cidr-overlap",
                    b.path("ipv6CidrBlock"),
                    format!("{y} ({}) overlaps {x} ({})", b.key, a.key),
                );
            }
        }
    }
}

/// Private subnets route 0.0.0.0/0 (and NAT64) to a NAT gateway in a public
/// subnet of their zone; a NAT gateway needs an IPv4 address there.
fn nat_rules(v: &mut V<'_>, subnets: &[LaidOutSubnet]) {
    let private_zones: BTreeSet<&str> = subnets
        .iter()
        .filter(|s| !s.public && !s.is_edge())
        .filter_map(|s| s.availability_zone.as_deref())
        .collect();
    for az in private_zones {
        let publics: Vec<&LaidOutSubnet> = subnets
            .iter()
            .filter(|s| s.public && !s.is_edge() && s.availability_zone.as_deref() == Some(az))
            .collect();
        if !publics.is_empty() && publics.iter().all(|s| !s.family.has_ipv4()) {
            v.infra(
                "nat-needs-ipv4-public-subnet",
                publics[0].path("cidrBlock"),
                format!("the private subnets in {az} need a NAT gateway, and a NAT gateway needs a public subnet with IPv4; {} is IPv6-only: make it dualstack (give it a cidrBlock)", publics[0].key),
            );
        }
    }
}

/// The subnets the API load balancer goes in (CAPA: the spec's list, else
/// public subnets for internet-facing and private ones for internal; edge
/// zones excluded; one per zone).
pub fn lb_subnets<'a>(
    model: &ClusterModel,
    subnets: &'a [LaidOutSubnet],
) -> Vec<&'a LaidOutSubnet> {
    let Some(lb) = &model.load_balancer else {
        return Vec::new();
    };
    let chosen: Vec<&LaidOutSubnet> = if lb.subnets.is_empty() {
        let internal = model.lb_scheme() == "internal";
        let private: Vec<&LaidOutSubnet> = subnets
            .iter()
            .filter(|s| !s.public && !s.is_edge())
            .collect();
        if internal && !private.is_empty() {
            private
        } else {
            subnets
                .iter()
                .filter(|s| s.public && !s.is_edge())
                .collect()
        }
    } else {
        lb.subnets
            .iter()
            .filter_map(|id| {
                subnets
                    .iter()
                    .find(|s| &s.key == id || s.resource_id.as_deref() == Some(id))
            })
            .collect()
    };
    let mut zones = BTreeSet::new();
    chosen
        .into_iter()
        .filter(|s| zones.insert(s.availability_zone.clone()))
        .collect()
}

/// The subnets control-plane machines go in: the template's subnet, else
/// one private (non-edge) subnet per zone, else the public ones.
pub fn control_plane_subnets<'a>(
    model: &ClusterModel,
    subnets: &'a [LaidOutSubnet],
) -> Vec<&'a LaidOutSubnet> {
    machine_subnets(model.control_plane.as_ref(), subnets)
}

pub fn machine_subnets<'a>(
    machines: Option<&Machines>,
    subnets: &'a [LaidOutSubnet],
) -> Vec<&'a LaidOutSubnet> {
    if let Some(id) = machines
        .and_then(|m| m.spec.subnet.as_ref())
        .and_then(|s| s.id.as_deref())
    {
        return subnets
            .iter()
            .filter(|s| s.key == id || s.resource_id.as_deref() == Some(id))
            .collect();
    }
    let pick = |public: bool| -> Vec<&'a LaidOutSubnet> {
        let mut zones = BTreeSet::new();
        let mut v: Vec<&LaidOutSubnet> = subnets
            .iter()
            .filter(|s| s.public == public && !s.is_edge())
            .collect();
        v.sort_by(|a, b| a.availability_zone.cmp(&b.availability_zone));
        v.into_iter()
            .filter(|s| zones.insert(s.availability_zone.clone()))
            .collect()
    };
    let private = pick(false);
    if private.is_empty() {
        pick(true)
    } else {
        private
    }
}

/// The target group IP type: explicit, else CAPA's rule (no IPv6 VPC ->
/// ipv4; any IPv4-only private subnet -> ipv4; else ipv6).
pub fn target_group_ip_type(model: &ClusterModel, subnets: &[LaidOutSubnet]) -> String {
    if let Some(t) = model
        .load_balancer
        .as_ref()
        .and_then(|lb| lb.target_group_ip_type.as_deref())
    {
        return t.to_owned();
    }
    if !model.ipv6() {
        return "ipv4".to_owned();
    }
    let private: Vec<&LaidOutSubnet> = subnets
        .iter()
        .filter(|s| !s.public && !s.is_edge())
        .collect();
    if private.iter().any(|s| s.family == Family::Ipv4) {
        "ipv4".to_owned()
    } else {
        "ipv6".to_owned()
    }
}

fn load_balancer_rules(v: &mut V<'_>) {
    let model = v.model;
    let Some(lb) = model.load_balancer.clone() else {
        return;
    };
    let lb_type = model.lb_type().unwrap_or("classic").to_owned();
    let base = "spec.controlPlaneLoadBalancer";
    if !LB_TYPES.contains(&lb_type.as_str()) {
        v.infra(
            "lb-type-invalid",
            format!("{base}.loadBalancerType"),
            format!(
                "'{lb_type}' is not a load balancer type: use one of {}",
                LB_TYPES.join(", ")
            ),
        );
        return;
    }
    if let Some(scheme) = lb.scheme.as_deref()
        && !["internet-facing", "internal"].contains(&scheme)
    {
        v.infra(
            "lb-scheme-invalid",
            format!("{base}.scheme"),
            format!("'{scheme}' is not a scheme: use internet-facing or internal"),
        );
    }
    let classic_or_disabled = matches!(lb_type.as_str(), "classic" | "disabled");
    if let Some(ip) = lb.ip_address_type.as_deref() {
        match ip {
            "ipv6" => v.infra("lb-ip-type-ipv6", format!("{base}.ipAddressType"), "ipv6 is not a valid load balancer IP type: AWS load balancers always have IPv4; use dualstack for IPv4 and IPv6"),
            "ipv4" | "dualstack" => {
                if classic_or_disabled {
                    v.infra("lb-ip-type-classic", format!("{base}.ipAddressType"), format!("ipAddressType cannot be set on a {lb_type} load balancer (a classic ELB is IPv4-only); use loadBalancerType: nlb"));
                }
            }
            other => v.infra("lb-ip-type-invalid", format!("{base}.ipAddressType"), format!("'{other}' is not a load balancer IP type: use ipv4 or dualstack")),
        }
    }
    // Target group IP types: the API listener's and each additional listener's.
    let mut tg_types: Vec<(String, Option<String>)> = vec![(
        format!("{base}.targetGroupIPType"),
        lb.target_group_ip_type.clone(),
    )];
    for (i, l) in lb.additional_listeners.iter().enumerate() {
        tg_types.push((
            format!("{base}.additionalListeners[{i}].targetGroupIPType"),
            l.target_group_ip_type.clone(),
        ));
    }
    for (path, t) in &tg_types {
        let Some(t) = t.as_deref() else { continue };
        if lb_type == "classic" {
            v.infra("tg-ip-type-classic", path.clone(), "targetGroupIPType cannot be used with classic load balancer types: use loadBalancerType: nlb");
        } else if lb_type == "disabled" {
            v.infra(
                "tg-ip-type-disabled",
                path.clone(),
                "cannot set target group IP type if the LoadBalancer reconciliation is disabled",
            );
        }
        if !["ipv4", "ipv6"].contains(&t) {
            v.infra(
                "tg-ip-type-invalid",
                path.clone(),
                format!("'{t}' is not a target group IP type: use ipv4 or ipv6"),
            );
        } else if t == "ipv6" && !model.ipv6() {
            v.infra("tg-ipv6-needs-vpc-ipv6", path.clone(), "targetGroupIPType IPv6 requires IPv6 to be enabled on the VPC. Set spec.network.vpc.ipv6 to enable IPv6");
        }
    }
    if classic_or_disabled {
        return;
    }
    let ip_type = model.lb_ip_address_type().to_owned();
    if ip_type == "dualstack" && !model.ipv6() {
        v.infra("lb-dualstack-needs-vpc-ipv6", format!("{base}.ipAddressType"), "a dualstack load balancer needs subnets with IPv6: set spec.network.vpc.ipv6, or ipAddressType: ipv4");
    }
    let subnets = v.subnets;
    let chosen = lb_subnets(model, subnets);
    if chosen.is_empty() && !subnets.is_empty() {
        v.infra(
            "lb-no-subnets",
            format!("{base}.subnets"),
            format!(
                "no subnet for the {} load balancer: it needs {} subnets",
                model.lb_scheme(),
                if model.lb_scheme() == "internal" {
                    "private or public"
                } else {
                    "public"
                }
            ),
        );
    }
    if let Some(s) = chosen.iter().find(|s| s.family == Family::Ipv6Only) {
        v.infra("lb-ipv6-only-subnet", s.path(""), format!("Load Balancers cannot use IPv6-only subnets: {} is IPv6-only and would hold the {} load balancer; make it dualstack (give it a cidrBlock)", s.key, model.lb_scheme()));
    } else if ip_type == "dualstack"
        && model.ipv6()
        && let Some(s) = chosen.iter().find(|s| s.family == Family::Ipv4)
    {
        {
            v.infra("lb-dualstack-needs-ipv6-subnets", s.path("isIpv6"), format!("a dualstack load balancer needs every subnet to have an IPv6 block; {} is IPv4-only: make it dualstack (isIpv6: true) or use ipAddressType: ipv4", s.key));
        }
    }
    // Targets: the API target group holds the control-plane machines.
    let tg = target_group_ip_type(model, subnets);
    if !["ipv4", "ipv6"].contains(&tg.as_str()) {
        return;
    }
    if tg == "ipv6" && ip_type == "ipv4" {
        v.infra("tg-ipv6-needs-dualstack-lb", format!("{base}.targetGroupIPType"), "You cannot associate an IPv6 target group with a load balancer that has an 'ipv4' IP address type: use ipAddressType: dualstack or targetGroupIPType: ipv4");
    }
    let Some(cp) = model.control_plane.clone() else {
        return;
    };
    let cp_subnets = control_plane_subnets(model, subnets);
    let primary_disabled = cp.spec.assign_primary_ipv6.as_deref() == Some("disabled");
    if tg == "ipv6" {
        if let Some(s) = cp_subnets.iter().find(|s| !s.family.has_ipv6()) {
            v.infra("tg-ipv6-needs-cp-ipv6", format!("{base}.targetGroupIPType"), format!("Cannot use IPv6 targets when control plane has no IPv6 addresses: control-plane machines go in {} ({}); use targetGroupIPType: ipv4, or dualstack or IPv6-only private subnets", s.key, s.family));
        } else if primary_disabled && model.ipv6() {
            let object = cp.object.clone();
            v.push("tg-ipv6-needs-cp-ipv6", &object, cp.source.as_ref(), "spec.template.spec.assignPrimaryIPv6", "Cannot use IPv6 targets when control plane has no IPv6 addresses: an IPv6 target group registers machines by their primary IPv6 address, and assignPrimaryIPv6 is disabled; enable it or use targetGroupIPType: ipv4");
        }
    } else if let Some(s) = cp_subnets.iter().find(|s| !s.family.has_ipv4()) {
        v.infra("tg-ipv4-needs-cp-ipv4", format!("{base}.targetGroupIPType"), format!("an ipv4 target group needs control-plane machines with IPv4 addresses, but {} is IPv6-only: use targetGroupIPType: ipv6", s.key));
    }
}

fn machine_rules(v: &mut V<'_>) {
    let model = v.model;
    let mut groups: Vec<Machines> = Vec::new();
    groups.extend(model.control_plane.clone());
    groups.extend(model.workers.iter().cloned());
    let mut seen = BTreeSet::new();
    for m in groups {
        if !seen.insert(m.object.clone()) {
            continue;
        }
        let subnets = machine_subnets(Some(&m), v.subnets);
        if let Some(id) = m.spec.subnet.as_ref().and_then(|s| s.id.as_deref())
            && subnets.is_empty()
            && !v.subnets.is_empty()
        {
            v.push(
                "machine-subnet-not-found",
                &m.object,
                m.source.as_ref(),
                "spec.template.spec.subnet.id",
                format!("no subnet '{id}' among the cluster's subnets"),
            );
        }
        let path = |f: &str| format!("spec.template.spec.{f}");
        let has_v6 = subnets.iter().any(|s| s.family.has_ipv6());
        let v6_only = subnets
            .iter()
            .find(|s| s.family == Family::Ipv6Only)
            .map(|s| s.key.clone());
        match m.spec.assign_primary_ipv6.as_deref() {
            Some("enabled") if !model.ipv6() => v.push("machine-primary-ipv6-without-vpc-ipv6", &m.object, m.source.as_ref(), path("assignPrimaryIPv6"), "cannot enable PrimaryIPv6: VPC does not have IPv6 enabled; set spec.network.vpc.ipv6 or remove assignPrimaryIPv6"),
            Some("enabled") => {
                if let Some(s) = subnets.iter().find(|s| !s.family.has_ipv6()) {
                    v.push("machine-primary-ipv6-subnet-without-ipv6", &m.object, m.source.as_ref(), path("assignPrimaryIPv6"), format!("cannot enable PrimaryIPv6: subnet {} does not have IPv6 CIDR block", s.key));
                }
            }
            _ => {}
        }
        if let Some(s) = &v6_only {
            let hostname = m
                .spec
                .private_dns_name
                .as_ref()
                .and_then(|p| p.hostname_type.as_deref());
            if hostname == Some("ip-name") {
                v.push("machine-hostname-ipv6-only", &m.object, m.source.as_ref(), path("privateDnsName.hostnameType"), format!("machines in the IPv6-only subnet {s} must use hostnameType: resource-name (ip-name needs an IPv4 address)"));
            }
            let imds_v6 = m
                .spec
                .instance_metadata_options
                .as_ref()
                .and_then(|o| o.http_protocol_ipv6.as_deref());
            if imds_v6 != Some("enabled") {
                v.push("machine-metadata-ipv6-only", &m.object, m.source.as_ref(), path("instanceMetadataOptions.httpProtocolIpv6"), format!("machines in the IPv6-only subnet {s} reach the instance metadata service only over IPv6: set instanceMetadataOptions.httpProtocolIpv6: enabled"));
            }
        }
        let Some(itype) = m.spec.instance_type.clone() else {
            continue;
        };
        if !v.facts.instance_types.contains_key(&itype) {
            continue; // not looked up: no facts
        }
        match v.facts.instance_types.get(&itype).cloned().flatten() {
            None => v.push(
                "instance-type-unknown",
                &m.object,
                m.source.as_ref(),
                path("instanceType"),
                format!("the instance type '{itype}' does not exist in this region"),
            ),
            Some(t) => {
                if has_v6 && !t.ipv6_supported {
                    v.push("instance-type-no-ipv6", &m.object, m.source.as_ref(), path("instanceType"), format!("{itype} does not support IPv6, and these machines go in subnets with IPv6; pick a type with NetworkInfo.Ipv6Supported=true (provisioner instance-types lists them)"));
                } else if let Some(s) = &v6_only
                    && !t.nitro
                {
                    v.push("instance-type-not-nitro", &m.object, m.source.as_ref(), path("instanceType"), format!("{itype} is not Nitro-based (hypervisor {}), and only Nitro instances launch in the IPv6-only subnet {s}; pick a Nitro type such as m5.large", t.hypervisor.as_deref().unwrap_or("-")));
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Fam {
    V4,
    V6,
}

fn parse_k8s_cidrs(v: &mut V<'_>, what: &str, cidrs: &[String]) -> Vec<(Fam, IpNet)> {
    let mut out = Vec::new();
    for (i, c) in cidrs.iter().enumerate() {
        match c.trim().parse::<IpNet>() {
            Ok(n @ IpNet::V4(_)) => out.push((Fam::V4, n)),
            Ok(n @ IpNet::V6(_)) => out.push((Fam::V6, n)),
            Err(_) => {
                let object = format!("Cluster/{}", v.model.name);
                v.push(
                    "k8s-cidr-invalid",
                    &object,
                    None,
                    format!("spec.clusterNetwork.{what}.cidrBlocks[{i}]"),
                    format!("'{c}' is not a CIDR"),
                );
            }
        }
    }
    out
}

fn kubernetes_rules(v: &mut V<'_>) {
    let model = v.model;
    if model.flavor == Flavor::Eks {
        return; // EKS picks its own pod and service ranges.
    }
    let object = format!("Cluster/{}", model.name);
    let pods = parse_k8s_cidrs(v, "pods", model.pod_cidrs());
    let services = parse_k8s_cidrs(v, "services", model.service_cidrs());
    for (what, list) in [("pods", &pods), ("services", &services)] {
        let path = format!("spec.clusterNetwork.{what}.cidrBlocks");
        if list.iter().any(|(f, _)| *f == Fam::V6) && !model.ipv6() {
            v.push(
                "k8s-ipv6-needs-vpc-ipv6",
                &object,
                None,
                path.clone(),
                format!(
                    "IPv6 {what} CIDRs need a VPC with IPv6: set spec.network.vpc.ipv6 in {}",
                    model.infra_object
                ),
            );
        }
        let bad = list.len() > 2 || (list.len() == 2 && list[0].0 == list[1].0);
        if bad {
            v.push("k8s-dualstack-one-per-family", &object, None, path, format!("{what}: give one CIDR (single stack) or exactly one IPv4 and one IPv6 CIDR (dualstack); the first is the primary family"));
        }
    }
    if let (Some(p), Some(s)) = (pods.first(), services.first())
        && p.0 != s.0
    {
        v.push("k8s-primary-family-mismatch", &object, None, "spec.clusterNetwork.services.cidrBlocks[0]", "the first pod CIDR and the first service CIDR must be of the same family (it is the cluster's primary family); reorder one of the lists");
    }
    for (i, (f, n)) in services.iter().enumerate() {
        if *f == Fam::V6 && n.prefix_len() < 108 {
            v.push("k8s-service-ipv6-prefix", &object, None, format!("spec.clusterNetwork.services.cidrBlocks[{i}]"), format!("the IPv6 service CIDR {n} is too large: kubeadm needs a mask of /108 or longer (e.g. fd02::/112)"));
        }
    }
    let wants_v6 = pods.iter().chain(&services).any(|(f, _)| *f == Fam::V6);
    if wants_v6 && model.ipv6() {
        let cp = control_plane_subnets(model, v.subnets);
        if let Some(s) = cp.iter().find(|s| !s.family.has_ipv6()) {
            v.push("k8s-ipv6-needs-node-ipv6", &object, None, "spec.clusterNetwork", format!("IPv6 pod and service networks need nodes with IPv6 addresses, but control-plane machines go in {} ({}); use dualstack or IPv6-only private subnets", s.key, s.family));
        }
    }
}

/// `v1.21.0`, `1.22`, `v1.11.0-eksbuild.1` -> (major, minor, patch).
fn version(text: &str) -> Option<(u64, u64, u64)> {
    let t = text.trim().trim_start_matches('v');
    let core = t.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>());
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    Some((major, minor, patch))
}

fn eks_rules(v: &mut V<'_>) {
    let model = v.model;
    let Some(eks) = model.eks.clone() else { return };
    if !model.ipv6() {
        return;
    }
    if let Some(ver) = eks.version.as_deref()
        && version(ver).is_some_and(|x| x < (1, 21, 0))
    {
        v.infra(
            "eks-ipv6-version",
            "spec.version",
            format!("IPv6 requires Kubernetes v1.21.0 or greater (spec.version is {ver})"),
        );
    }
    match &eks.addons {
        None => v.infra("eks-ipv6-addons", "spec.addons", "addons are required to be set explicitly if IPv6 is enabled: list vpc-cni (conflictResolution: overwrite), coredns and kube-proxy"),
        Some(addons) => {
            for name in ["vpc-cni", "coredns", "kube-proxy"] {
                if !addons.iter().any(|a| a.name == name) {
                    v.infra("eks-ipv6-addon-missing", "spec.addons", format!("the {name} addon is missing: an IPv6 EKS cluster needs vpc-cni, coredns and kube-proxy enabled (seed)"));
                }
            }
            for (i, a) in addons.iter().enumerate() {
                if a.name == "vpc-cni"
                    && version(&a.version).is_some_and(|x| x < (1, 10, 2))
                {
                    v.infra("eks-ipv6-vpc-cni-version", format!("spec.addons[{i}].version"), format!("vpc-cni version must be above or equal to 1.10.2 for IPv6 (got {})", a.version));
                }
            }
        }
    }
    if let Some(h) = model
        .network
        .vpc
        .private_dns_hostname_type_on_launch
        .as_deref()
        && h != "resource-name"
    {
        v.infra(
            "eks-ipv6-hostname-type",
            "spec.network.vpc.privateDnsHostnameTypeOnLaunch",
            "only resource-name HostnameType can be used in IPv6 mode",
        );
    }
}

fn ingress_rule_checks(v: &mut V<'_>, rules: &[IngressRule], base: &str) {
    for (i, r) in rules.iter().enumerate() {
        let path = format!("{base}[{i}]");
        let has_cidrs = !r.cidr_blocks.is_empty() || !r.ipv6_cidr_blocks.is_empty();
        let has_groups =
            !r.source_security_group_ids.is_empty() || !r.source_security_group_roles.is_empty();
        if r.nat_gateways_ips_source && (has_cidrs || has_groups) {
            v.infra("ingress-rule-nat-source-exclusive", path.clone(), "natGatewaysIPsSource cannot be used together with CIDR blocks, security group IDs or security group roles");
        } else if has_cidrs && has_groups {
            v.infra("ingress-rule-cidrs-and-groups", path.clone(), "CIDR blocks and security group IDs or security group roles cannot be used together");
        }
        for (j, c) in r.cidr_blocks.iter().enumerate() {
            if c.parse::<Ipv4Net>().is_err() {
                v.infra(
                    "ingress-rule-cidr-invalid",
                    format!("{path}.cidrBlocks[{j}]"),
                    format!("'{c}' is not an IPv4 CIDR (IPv6 ones go in ipv6CidrBlocks)"),
                );
            }
        }
        for (j, c) in r.ipv6_cidr_blocks.iter().enumerate() {
            if c.parse::<Ipv6Net>().is_err() {
                v.infra(
                    "ingress-rule-cidr-invalid",
                    format!("{path}.ipv6CidrBlocks[{j}]"),
                    format!("'{c}' is not an IPv6 CIDR"),
                );
            }
        }
    }
}

fn ingress_rules(v: &mut V<'_>) {
    let n = v.model.network.clone();
    ingress_rule_checks(
        v,
        &n.additional_control_plane_ingress_rules,
        "spec.network.additionalControlPlaneIngressRules",
    );
    ingress_rule_checks(
        v,
        &n.additional_node_ingress_rules,
        "spec.network.additionalNodeIngressRules",
    );
    if let Some(lb) = v.model.load_balancer.clone() {
        ingress_rule_checks(
            v,
            &lb.ingress_rules,
            "spec.controlPlaneLoadBalancer.ingressRules",
        );
    }
    for (i, c) in n.node_port_ingress_rule_cidr_blocks.iter().enumerate() {
        if c.parse::<IpNet>().is_err() {
            v.infra(
                "ingress-rule-cidr-invalid",
                format!("spec.network.nodePortIngressRuleCidrBlocks[{i}]"),
                format!("CIDR block is invalid: '{c}'"),
            );
        }
    }
}

fn cni_rules(v: &mut V<'_>) {
    let model = v.model;
    if model.flavor == Flavor::Eks || !model.ipv6() {
        return;
    }
    let rules = model
        .network
        .cni
        .as_ref()
        .map(|c| c.cni_ingress_rules.clone())
        .unwrap_or_default();
    let vxlan = rules.iter().any(|r| {
        r.protocol.eq_ignore_ascii_case("udp") && r.from_port <= 4789 && r.to_port >= 4789
    });
    if !vxlan {
        v.infra("cni-vxlan-missing", "spec.network.cni.cniIngressRules", "Calico supports IPv6 only with VXLAN: add the CNI ingress rule {description: \"VXLAN (calico)\", protocol: udp, fromPort: 4789, toPort: 4789} (without cni rules CAPA adds Calico's IP-in-IP and BGP rules, which do not work over IPv6)");
    }
    if let Some(i) = rules.iter().position(|r| r.protocol == "4") {
        v.infra(
            "cni-ipip-ipv6",
            format!("spec.network.cni.cniIngressRules[{i}]"),
            "IP-in-IP (protocol 4) is not supported for IPv6; Calico needs VXLAN (udp/4789)",
        );
    }
}

fn migration_rules(v: &mut V<'_>) {
    let Some(existing) = v.facts.existing_cluster_vpc.clone() else {
        return;
    };
    let was_v6 = !existing.ipv6_cidr_blocks.is_empty();
    let wants_v6 = v.model.ipv6();
    if was_v6 == wants_v6 {
        return;
    }
    let (from, to) = if was_v6 {
        ("dualstack (IPv6)", "IPv4")
    } else {
        ("IPv4", "dualstack (IPv6)")
    };
    v.infra(
        "no-in-place-migration",
        "spec.network.vpc.ipv6",
        format!("the cluster {} already exists as {from} (VPC {}); CAPA does not support in-place migration from {from} to {to}: create a new cluster with another name", v.model.name, existing.vpc_id),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(version("v1.21.0"), Some((1, 21, 0)));
        assert_eq!(version("1.22"), Some((1, 22, 0)));
        assert_eq!(version("v1.11.0-eksbuild.1"), Some((1, 11, 0)));
        assert!(version("v1.9.3").unwrap() < (1, 10, 2));
        assert_eq!(version("latest"), None);
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut seen = BTreeSet::new();
        for (id, _, _) in RULES {
            assert!(seen.insert(*id), "duplicate rule id {id}");
        }
    }
}
#[cfg(test)]
#[path = "validate_tests.rs"]
mod rule_tests;
