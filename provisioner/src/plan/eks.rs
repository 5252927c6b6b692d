//! The EKS control plane of an AWSManagedControlPlane, as CAPA's EKS
//! service makes it (`pkg/cloud/services/eks`): the cluster's CreateCluster
//! body (`createCluster`, `makeVpcConfig`, `makeKubernetesNetworkConfig`),
//! the tags `reconcileTags` puts on it after, and the add-ons
//! (`reconcileAddons`).

use serde::Serialize;

use super::tags;
use crate::facts::ZoneType;
use crate::layout::LaidOutSubnet;
use crate::model::ClusterModel;
use crate::spec::types::Tags;

/// CAPA's control-plane role when `spec.roleName` is not given and the
/// `EKSEnableIAM` gate is off (its default): the role `clusterawsadm`
/// makes (`DefaultEKSControlPlaneRole`).
pub const DEFAULT_ROLE_NAME: &str = "eks-controlplane.cluster-api-provider-aws.sigs.k8s.io";

/// The security group CAPA makes for an EKS cluster's nodes and hands to
/// CreateCluster (`securityGroupIds`).
pub const NODE_GROUP_ROLE: &str = "node-eks-additional";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EksPlan {
    /// `eksClusterName` (or CAPA's `GenerateEKSName`).
    pub name: String,
    /// `major.minor`, as CAPA sends it (`versionToEKS`); `None`: EKS's default.
    pub version: Option<String>,
    /// The IAM role EKS assumes; its ARN is made in the VPC's account.
    pub role_name: String,
    /// The subnets given to EKS: every subnet, or only the private ones
    /// outside Local and Wavelength zones with `restrictPrivateSubnets`.
    pub subnet_keys: Vec<String>,
    /// The role of the group in `securityGroupIds`.
    pub security_group_role: String,
    /// `ipv6` under `vpc.ipv6` (EKS assigns the service block), else `None`.
    pub ip_family: Option<String>,
    /// The first IPv4 block of the Cluster's `clusterNetwork.services`
    /// (IPv4 clusters only).
    pub service_ipv4_cidr: Option<String>,
    pub endpoint_public_access: Option<bool>,
    pub endpoint_private_access: Option<bool>,
    pub public_access_cidrs: Vec<String>,
    /// The tags CreateCluster sends: additional tags and
    /// `kubernetes.io/cluster/<name>=owned`.
    pub create_tags: Tags,
    /// The tags `reconcileTags` makes sure of once the cluster is ACTIVE.
    pub tags: Tags,
    pub addons: Vec<AddonPlan>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddonPlan {
    pub name: String,
    pub version: String,
    /// `configurationValues`; omitted when the spec has none.
    pub configuration: Option<String>,
    pub service_account_role_arn: Option<String>,
    /// CAPA always sends `OVERWRITE`: its conversion compares the upper-case
    /// value with `"none"`, which never matches.
    pub resolve_conflicts: String,
    pub tags: Tags,
}

/// CAPA's `parseEKSVersion` + `versionToEKS`: `v1.22.9` is sent as `1.22`.
pub fn eks_version(version: &str) -> String {
    let v = version.trim_start_matches('v');
    let mut parts = v.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        _ => v.to_owned(),
    }
}

/// A block as CAPA sends it (`net.ParseCIDR`: host bits cleared); one that
/// does not parse goes as written, for EKS to judge.
fn normalised_cidr(c: &str) -> String {
    c.parse::<ipnet::IpNet>()
        .map_or_else(|_| c.to_owned(), |n| n.trunc().to_string())
}

pub fn plan(model: &ClusterModel, subnets: &[LaidOutSubnet]) -> Option<EksPlan> {
    let eks = model.eks.as_ref()?;
    let name = eks.cluster_name.clone();
    let subnet_keys = subnets
        .iter()
        .filter(|s| {
            !eks.restrict_private_subnets
                || (!s.public && s.zone_type == ZoneType::AvailabilityZone)
        })
        .map(|s| s.key.clone())
        .collect();
    let ipv6 = model.network.vpc.ipv6.is_some();
    let service_ipv4_cidr = (!ipv6)
        .then(|| {
            let services = model.cluster_network.services.as_ref()?;
            services
                .cidr_blocks
                .iter()
                .find(|c| c.parse::<ipnet::Ipv4Net>().is_ok())
                .cloned()
        })
        .flatten();
    let mut create_tags = model.additional_tags.clone();
    create_tags.insert(tags::kubernetes_key(&name), "owned".into());
    // tags.go `WithEKS`: the cluster's Name, CAPA's owned tag under the
    // EKS name, the common role, and the additional tags.
    let mut cluster_tags = model.additional_tags.clone();
    cluster_tags.insert(tags::NAME.into(), name.clone());
    cluster_tags.insert(tags::owned_key(&name), "owned".into());
    cluster_tags.insert(tags::ROLE.into(), "common".into());
    let mut addon_tags = model.additional_tags.clone();
    addon_tags.insert(tags::kubernetes_key(&model.name), "owned".into());
    let addons = eks
        .addons
        .iter()
        .flatten()
        .map(|a| AddonPlan {
            name: a.name.clone(),
            version: a.version.clone(),
            configuration: a.configuration.clone().filter(|c| !c.is_empty()),
            service_account_role_arn: a.service_account_role_arn.clone().filter(|r| !r.is_empty()),
            resolve_conflicts: "OVERWRITE".into(),
            tags: addon_tags.clone(),
        })
        .collect();
    Some(EksPlan {
        name,
        version: eks.version.as_deref().map(eks_version),
        role_name: eks
            .role_name
            .clone()
            .unwrap_or_else(|| DEFAULT_ROLE_NAME.to_owned()),
        subnet_keys,
        security_group_role: NODE_GROUP_ROLE.into(),
        ip_family: ipv6.then(|| "ipv6".to_owned()),
        service_ipv4_cidr,
        endpoint_public_access: eks.endpoint_access.public,
        endpoint_private_access: eks.endpoint_access.private,
        public_access_cidrs: eks
            .endpoint_access
            .public_cidrs
            .iter()
            .map(|c| normalised_cidr(c))
            .collect(),
        create_tags,
        tags: cluster_tags,
        addons,
    })
}

#[cfg(test)]
mod tests {
    use super::eks_version;

    #[test]
    fn versions_go_as_major_minor() {
        assert_eq!(eks_version("v1.22.9"), "1.22");
        assert_eq!(eks_version("1.30"), "1.30");
        assert_eq!(eks_version("v1.34.8"), "1.34");
        assert_eq!(eks_version("1"), "1");
    }

    #[test]
    fn public_cidrs_lose_their_host_bits() {
        assert_eq!(super::normalised_cidr("203.0.113.9/24"), "203.0.113.0/24");
        assert_eq!(super::normalised_cidr("2001:db8::1/64"), "2001:db8::/64");
        assert_eq!(super::normalised_cidr("nope"), "nope");
    }
}
