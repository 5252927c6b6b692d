//! The VPC's rules: its IPv4 and IPv6 blocks and where they come from
//! (Amazon, BYOIP pool, IPAM pool), a bring-your-own VPC against what AWS
//! says of it, and no in-place migration between IP families.

use super::{Origin, Rule, V, join};
use crate::cidr;
use crate::facts::VpcNameClash;
use crate::layout::LaidOutSubnet;
use crate::model::{Family, Flavor};

/// CAPA's `reconcileVPC` finds the cluster's VPC by its Name and stops on
/// one it may not manage.
fn name_clash(v: &mut V<'_>, clash: &VpcNameClash) {
    let name = format!("{}-vpc", v.model.name);
    let message = match clash {
        VpcNameClash::Untagged(id) => format!(
            "found VPC {id:?} which cannot be managed by CAPA due to lack of tags \
            (either tag the VPC manually with `{}=owned`, or provide the `vpc.id` \
            field instead if you wish to bring your own VPC)",
            crate::plan::tags::owned_key(&v.model.name)
        ),
        VpcNameClash::Several(ids) => format!(
            "found {} VPCs with name {name:?} ({}): only one VPC per cluster name \
            is supported; delete the duplicates or give vpc.id",
            ids.len(),
            ids.join(", ")
        ),
    };
    v.infra(Rule::VpcNameTaken, "spec.network.vpc", message);
}

fn is_vpc_ipv6_prefix(len: u8) -> bool {
    (44..=60).contains(&len) && len.is_multiple_of(4)
}

/// CAPA's `S3Bucket.Validate`, run by the AWSCluster webhook on create and
/// update: the feature gate, a name, the instance profiles unless presigned
/// URLs replace them, and a name that is not an IP address.
pub(super) fn s3_bucket_rules(v: &mut V<'_>) {
    let Some(bucket) = v.model.s3_bucket.clone() else {
        return;
    };
    if !v.model.feature_gates.bootstrap_format_ignition {
        v.infra(
            Rule::S3BucketNeedsIgnitionGate,
            "spec.s3Bucket",
            "Forbidden: can be set only if the BootstrapFormatIgnition feature gate is enabled \
                (CAPA's webhook; if your CAPA controller runs with that gate, say so with \
                --feature-gates BootstrapFormatIgnition=true, else remove s3Bucket)",
        );
    }
    if bucket.name.is_empty() {
        v.infra(
            Rule::S3BucketInvalid,
            "spec.s3Bucket.name",
            "Required value: can't be empty (CAPA's webhook: name the bucket)",
        );
    }
    let mut required = |path: &str| {
        v.infra(
            Rule::S3BucketInvalid,
            path,
            "Required value: can't be empty (CAPA's webhook: set it, or give \
                presignedURLDuration for nodes to fetch bootstrap data without instance profiles)",
        );
    };
    if bucket.presigned_url_duration.is_none() {
        // CAPA's own message names this field in the plural; the finding
        // names the field as the manifest spells it.
        if bucket.control_plane_iam_instance_profile.is_empty() {
            required("spec.s3Bucket.controlPlaneIAMInstanceProfile");
        }
        if bucket.nodes_iam_instance_profiles.is_empty() {
            required("spec.s3Bucket.nodesIAMInstanceProfiles");
        }
        for (i, p) in bucket.nodes_iam_instance_profiles.iter().enumerate() {
            if p.is_empty() {
                required(&format!("spec.s3Bucket.nodesIAMInstanceProfiles[{i}]"));
            }
        }
    }
    if bucket.name.parse::<std::net::IpAddr>().is_ok() {
        v.infra(
            Rule::S3BucketInvalid,
            "spec.s3Bucket.name",
            format!(
                "Invalid value: \"{}\": must not be formatted as an IP address (for example, \
                    192.168.5.4) (CAPA's webhook, after S3's bucket naming rules)",
                bucket.name
            ),
        );
    }
}

pub(super) fn vpc_rules(v: &mut V<'_>) {
    let vpc = v.model.network.vpc.clone();
    let byo = v.model.byo_vpc().map(str::to_owned);
    if byo.is_none()
        && let Some(clash) = v.facts.vpc_name_clash.clone()
    {
        name_clash(v, &clash);
    }
    if let Some(text) = vpc.cidr_block.as_deref() {
        match cidr::parse_v4(text) {
            None => v.infra(
                Rule::VpcCidrInvalid,
                "spec.network.vpc.cidrBlock",
                format!(
                    "VPC CIDR block is invalid: '{text}' is not an IPv4 CIDR such as 10.0.0.0/16"
                ),
            ),
            Some(n) if !(16..=28).contains(&n.prefix_len()) => v.infra(
                Rule::VpcCidrSize,
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
                Rule::VpcCidrAndIpamPool,
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
            Rule::VpcIpamPoolNeedsIdOrName,
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
            None => v.infra(
                Rule::VpcIpv6CidrInvalid,
                "spec.network.vpc.ipv6.cidrBlock",
                format!(
                    "VPC IPv6 CIDR block is invalid: '{text}' is not an IPv6 CIDR \
                such as 2001:db8:1234:1a00::/56"
                ),
            ),
            Some(n) if !is_vpc_ipv6_prefix(n.prefix_len()) || n != n.trunc() => v.infra(
                Rule::VpcIpv6CidrSize,
                "spec.network.vpc.ipv6.cidrBlock",
                format!(
                    "a VPC IPv6 block must be a network address of /44 to /60 in \
                    steps of 4 (AWS); '{text}' is not"
                ),
            ),
            Some(_) => {}
        }
    }
    let pool_id = ipv6.pool_id.as_deref().filter(|s| !s.is_empty());
    if let Some(pool) = pool_id
        && cidr_text.is_none()
        && ipv6.ipam_pool.is_none()
        && byo.is_none()
    {
        v.infra(
            Rule::VpcIpv6PoolWithoutCidr,
            "spec.network.vpc.ipv6.poolId",
            format!(
                "CAPA ignores poolId without cidrBlock: its createVPC asks for an \
                Amazon-provided /56 and {pool} is not used (the provisioner builds \
                the same); give cidrBlock with a block of {pool} to take it from \
                the pool"
            ),
        );
    }
    if let Some(ipam) = &ipv6.ipam_pool {
        if pool_id.is_some() {
            v.eks_webhook(
                Rule::VpcIpv6PoolAndIpamPool,
                "spec.network.vpc.ipv6.poolId",
                "poolId and ipamPool cannot be used together: a BYOIP pool or an \
                IPAM pool, not both",
            );
        }
        if cidr_text.is_some() {
            v.eks_webhook(
                Rule::VpcIpv6CidrAndIpamPool,
                "spec.network.vpc.ipv6.cidrBlock",
                "cidrBlock and ipamPool cannot be used together: IPAM picks the \
                block; remove cidrBlock or ipamPool",
            );
        }
        if ipam.id.as_deref().unwrap_or_default().is_empty()
            && ipam.name.as_deref().unwrap_or_default().is_empty()
        {
            // AWSCluster: no webhook check; CAPA looks the pool up with no
            // filter and takes the account's only one.
            let origin = if v.model.flavor == Flavor::Eks {
                Origin::CapaWebhook
            } else {
                Origin::Docs
            };
            v.infra_as(
                Rule::VpcIpamPoolNeedsIdOrName,
                origin,
                "spec.network.vpc.ipv6.ipamPool",
                "ipamPool must have either id or name",
            );
        }
        if let Some(len) = ipam.netmask_length
            && !(u8::try_from(len).is_ok_and(is_vpc_ipv6_prefix))
        {
            v.infra(
                Rule::VpcIpv6NetmaskLength,
                "spec.network.vpc.ipv6.ipamPool.netmaskLength",
                format!(
                    "netmaskLength {len} is not allowed: AWS gives VPCs IPv6 blocks \
                    of /44 to /60 in steps of 4 (default 56)"
                ),
            );
        }
    }
    // CAPA's AWSManagedControlPlane webhook checks this for any VPC,
    // bring-your-own included; for an AWSCluster, CAPA sends the block
    // without a pool and AWS refuses it (a bring-your-own VPC is not made).
    let eks = v.model.flavor == Flavor::Eks;
    if eks && byo.is_some() && cidr_text.is_some() && pool_id.is_none() && ipv6.ipam_pool.is_none()
    {
        v.eks_webhook(
            Rule::VpcIpv6CidrNeedsPool,
            "spec.network.vpc.ipv6.poolId",
            "poolId cannot be empty if cidrBlock is set: CAPA's \
            AWSManagedControlPlane webhook requires it for any VPC, a \
            bring-your-own one too; give the VPC block's pool id",
        );
    }
    match byo {
        None => {
            if cidr_text.is_some() && pool_id.is_none() && ipv6.ipam_pool.is_none() {
                v.eks_webhook(
                    Rule::VpcIpv6CidrNeedsPool,
                    "spec.network.vpc.ipv6.poolId",
                    "poolId cannot be empty if cidrBlock is set: give the BYOIP pool \
                    the block comes from, or remove cidrBlock to get an \
                    Amazon-provided /56",
                );
            }
            if ipv6
                .egress_only_internet_gateway_id
                .as_deref()
                .is_some_and(|s| !s.is_empty())
            {
                v.infra(
                    Rule::VpcIpv6EigwInManagedVpc,
                    "spec.network.vpc.ipv6.egressOnlyInternetGatewayId",
                    "an egress-only internet gateway id only makes sense with an \
                    existing VPC (vpc.id); CAPA creates the gateway of a VPC it \
                    creates: remove the field or set vpc.id",
                );
            }
        }
        Some(vpc_id) => byo_vpc_rules(v, &vpc_id, cidr_text),
    }
}

pub(super) fn byo_vpc_rules(v: &mut V<'_>, vpc_id: &str, ipv6_cidr_text: Option<&str>) {
    let ipv6 = v.model.network.vpc.ipv6.clone().unwrap_or_default();
    if ipv6_cidr_text.is_none() {
        v.infra(
            Rule::ByoVpcIpv6NeedsCidr,
            "spec.network.vpc.ipv6.cidrBlock",
            format!(
                "to use the IPv6 capabilities of the existing VPC {vpc_id}, give \
            its IPv6 block in spec.network.vpc.ipv6.cidrBlock (seed: \
            \"Bring-your-own IPv6 VPC\")"
            ),
        );
    }
    let eigw = ipv6
        .egress_only_internet_gateway_id
        .as_deref()
        .filter(|s| !s.is_empty());
    if eigw.is_none() {
        v.infra(
            Rule::ByoVpcIpv6NeedsEigw,
            "spec.network.vpc.ipv6.egressOnlyInternetGatewayId",
            format!(
                "to use the IPv6 capabilities of the existing VPC {vpc_id}, give \
            its egress-only internet gateway in \
            spec.network.vpc.ipv6.egressOnlyInternetGatewayId (seed: \
            \"Bring-your-own IPv6 VPC\")"
            ),
        );
    }
    if v.model.network.subnets.is_empty() {
        v.infra(
            Rule::ByoVpcNeedsSubnets,
            "spec.network.subnets",
            format!(
                "no subnets specified: list the subnets of the existing VPC \
            {vpc_id} the cluster uses"
            ),
        );
    }
    if !v.facts.byo_vpc_checked {
        return;
    }
    let Some(fact) = v.facts.byo_vpc.clone() else {
        v.infra(
            Rule::ByoVpcNotFound,
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
            Rule::ByoVpcCidrMismatch,
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
            Rule::ByoVpcIpv6CidrMismatch,
            "spec.network.vpc.ipv6.cidrBlock",
            format!("{net} is not an associated IPv6 block of {vpc_id} (it has {has})"),
        );
    }
    if let Some(id) = eigw {
        match &v.facts.byo_egress_only_gateway {
            Some(g) if g.vpc_id.as_deref() == Some(vpc_id) => {}
            Some(g) => v.infra(
                Rule::ByoVpcEigwMismatch,
                "spec.network.vpc.ipv6.egressOnlyInternetGatewayId",
                format!(
                    "the egress-only internet gateway {id} is attached to {}, not to {vpc_id}",
                    g.vpc_id.as_deref().unwrap_or("no VPC")
                ),
            ),
            None => v.infra(
                Rule::ByoVpcEigwMismatch,
                "spec.network.vpc.ipv6.egressOnlyInternetGatewayId",
                format!("the egress-only internet gateway {id} does not exist"),
            ),
        }
    }
    let subnets: Vec<LaidOutSubnet> = v.all_subnets.to_vec();
    for s in &subnets {
        if s.resource_id.is_none() {
            v.infra(
                Rule::ByoSubnetNotFound,
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
                v.infra(
                    Rule::ByoIpv6OnlySubnetNoDns64,
                    s.path("id"),
                    format!(
                        "the IPv6-only subnet {} has DNS64 off: pods cannot resolve \
                    IPv4-only names; enable it (aws ec2 modify-subnet-attribute \
                    --subnet-id {} --enable-dns64)",
                        s.key,
                        s.resource_id.as_deref().unwrap_or_default()
                    ),
                );
            }
            if !s.nat64_route {
                v.infra(
                    Rule::ByoIpv6OnlySubnetNoNat64,
                    s.path("id"),
                    format!(
                        "the IPv6-only subnet {} has no 64:ff9b::/96 route to a NAT \
                    gateway: pods cannot reach IPv4-only services; add the NAT64 \
                    route to its route table",
                        s.key
                    ),
                );
            }
        }
    }
}

pub(super) fn migration_rules(v: &mut V<'_>) {
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
        Rule::NoInPlaceMigration,
        "spec.network.vpc.ipv6",
        format!(
            "the cluster {} already exists as {from} (VPC {}); CAPA does not \
            support in-place migration from {from} to {to}: create a new \
            cluster with another name",
            v.model.name, existing.vpc_id
        ),
    );
}
