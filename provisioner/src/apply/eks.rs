//! The EKS control plane, as CAPA's EKS service reconciles it
//! (`pkg/cloud/services/eks`): the cluster looked up by name and created
//! when missing (`reconcileCluster`, `createCluster`), waited for until
//! ACTIVE, moved up one minor version at a time to the spec's
//! (`reconcileClusterVersion`), its endpoint access brought to the spec's
//! (`reconcileClusterConfig`), its tags completed (`reconcileTags`); then the
//! add-ons (`reconcileAddons`): created, updated, or deleted when the spec
//! no longer lists them.
//!
//! The project's choice: the provisioner does not call IAM, so the role ARN
//! is made from the role's name in the VPC's account (its `OwnerId`)
//! rather than read with GetRole.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_eks::types::{
    Addon, AddonStatus, Cluster, ClusterStatus, IpFamily, KubernetesNetworkConfigRequest,
    ResolveConflicts, VpcConfigRequest,
};

use super::client_token;
use super::security_groups::Groups;
use super::subnets::subnet_ids_of;
use crate::plan::eks::{AddonPlan, EksPlan};
use crate::reconcile::{Error, Kind, Kit, Result, Step, is_real, need};

const NOT_FOUND: &str = "ResourceNotFoundException";

/// What the cluster is made in: the region, and the VPC, subnets and
/// security groups apply made or found.
pub(super) struct Network<'a> {
    pub region: &'a str,
    pub vpc_id: &'a str,
    /// Subnet ids by plan key.
    pub subnet_ids: &'a BTreeMap<String, String>,
    pub groups: &'a Groups,
}

/// The EKS cluster and its add-ons; its API endpoint once ACTIVE.
pub(super) async fn ensure(
    k: &Kit<'_>,
    plan: &EksPlan,
    net: &Network<'_>,
) -> Result<Option<String>> {
    const KIND: Kind = Kind::EksCluster;
    let vpc_id = net.vpc_id;
    let name = plan.name.as_str();
    let existing = if is_real(vpc_id) {
        describe(k, name).await?
    } else {
        None
    };
    let cluster = match existing {
        Some(c) if k.dry_run => {
            k.exists(KIND, name, c.arn().unwrap_or(name));
            addons(k, plan).await?;
            return Ok(c.endpoint().map(str::to_owned));
        }
        Some(c) => {
            k.exists(KIND, name, c.arn().unwrap_or(name));
            // The lookup said how it is: wait only when it is not ACTIVE.
            if c.status() == Some(&ClusterStatus::Active) {
                c
            } else {
                wait_active(k, name).await?
            }
        }
        None if k.dry_run => {
            k.would_create_unasked(KIND, name);
            for a in &plan.addons {
                k.would_create_unasked(Kind::EksAddon, &addon_name(plan, a));
            }
            return Ok(None);
        }
        None => {
            create(k, plan, net).await?;
            let made = wait_active(k, name).await?;
            k.created(KIND, name, made.arn().unwrap_or(name));
            made
        }
    };
    let cluster = upgrade(k, plan, cluster).await?;
    let cluster = endpoint_access(k, plan, cluster).await?;
    tags(k, plan, &cluster).await?;
    addons(k, plan).await?;
    Ok(cluster.endpoint().map(str::to_owned))
}

/// DescribeCluster: `None` when there is no cluster of the name.
pub(crate) async fn describe(k: &Kit<'_>, name: &str) -> Result<Option<Cluster>> {
    let out = k
        .call(Kind::EksCluster, name, "DescribeCluster")
        .absent_on(NOT_FOUND, k.eks.describe_cluster().name(name).send())
        .await?;
    Ok(out.and_then(|o| o.cluster))
}

/// The role's ARN in the VPC's account and partition.
async fn role_arn(k: &Kit<'_>, plan: &EksPlan, region: &str, vpc_id: &str) -> Result<String> {
    let out = k
        .call(Kind::Vpc, vpc_id, "DescribeVpcs")
        .once(k.ec2.describe_vpcs().vpc_ids(vpc_id).send())
        .await?;
    let owner = need(
        Kind::Vpc,
        vpc_id,
        "DescribeVpcs",
        "OwnerId",
        out.vpcs().first().and_then(|v| v.owner_id()),
    )?;
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    Ok(format!(
        "arn:{partition}:iam::{owner}:role/{}",
        plan.role_name
    ))
}

/// CAPA's `createCluster` body.
async fn create(k: &Kit<'_>, plan: &EksPlan, net: &Network<'_>) -> Result<()> {
    let role = role_arn(k, plan, net.region, net.vpc_id).await?;
    let subnets = subnet_ids_of(&plan.subnet_keys, net.subnet_ids);
    // The same cluster asked for again (an interrupted apply) is the same
    // request to EKS; a changed one is a new request.
    let token = client_token(&[
        &plan.name,
        "eks",
        plan.version.as_deref().unwrap_or(""),
        plan.ip_family.as_deref().unwrap_or("ipv4"),
        &subnets.join(","),
    ]);
    let cidrs = (!plan.public_access_cidrs.is_empty()).then(|| plan.public_access_cidrs.clone());
    let vpc_config = VpcConfigRequest::builder()
        .set_subnet_ids(Some(subnets))
        .set_security_group_ids(
            net.groups
                .get(&plan.security_group_role)
                .map(|g| vec![g.clone()]),
        )
        .set_endpoint_public_access(plan.endpoint_public_access)
        .set_endpoint_private_access(plan.endpoint_private_access)
        .set_public_access_cidrs(cidrs)
        .build();
    let network = (plan.ip_family.is_some() || plan.service_ipv4_cidr.is_some()).then(|| {
        KubernetesNetworkConfigRequest::builder()
            .set_ip_family(plan.ip_family.as_deref().map(IpFamily::from))
            .set_service_ipv4_cidr(plan.service_ipv4_cidr.clone())
            .build()
    });
    k.call(Kind::EksCluster, &plan.name, "CreateCluster")
        .once(
            k.eks
                .create_cluster()
                .name(&plan.name)
                .client_request_token(token)
                .set_version(plan.version.clone())
                .role_arn(role)
                .resources_vpc_config(vpc_config)
                .set_kubernetes_network_config(network)
                .set_tags(Some(hash_map(&plan.create_tags)))
                .bootstrap_self_managed_addons(true)
                .send(),
        )
        .await?;
    Ok(())
}

/// Polls DescribeCluster until the cluster is ACTIVE (CAPA's
/// `WaitUntilClusterActive`); FAILED ends the apply.
async fn wait_active(k: &Kit<'_>, name: &str) -> Result<Cluster> {
    const KIND: Kind = Kind::EksCluster;
    k.poll(KIND, name, || async {
        let Some(c) = describe(k, name).await? else {
            return Err(Error::stuck(KIND, name, "the EKS cluster is gone"));
        };
        match c.status() {
            Some(ClusterStatus::Active) => Ok(Step::Done(c)),
            Some(ClusterStatus::Failed) => Err(Error::stuck(
                KIND,
                name,
                "EKS cluster in unexpected FAILED state",
            )),
            Some(ClusterStatus::Deleting) => {
                Err(Error::stuck(KIND, name, "the EKS cluster is being deleted"))
            }
            status => Ok(Step::Wait(format!(
                "the EKS cluster stayed {} and never became ACTIVE",
                status.map_or("without a status", |s| s.as_str())
            ))),
        }
    })
    .await
}

/// `major.minor` as numbers.
fn minor_of(version: &str) -> Option<(u32, u32)> {
    let (major, minor) = version.split_once('.')?;
    Some((major.parse().ok()?, minor.split('.').next()?.parse().ok()?))
}

/// CAPA's `reconcileClusterVersion`: one minor version up at a time, each
/// waited for, until the cluster runs the spec's version.
async fn upgrade(k: &Kit<'_>, plan: &EksPlan, mut cluster: Cluster) -> Result<Cluster> {
    let Some(want) = plan.version.as_deref().and_then(minor_of) else {
        return Ok(cluster);
    };
    while let Some(have) = cluster.version().and_then(minor_of)
        && have.0 == want.0
        && have.1 < want.1
    {
        let next = format!("{}.{}", have.0, have.1 + 1);
        k.call(Kind::EksCluster, &plan.name, "UpdateClusterVersion")
            .once(
                k.eks
                    .update_cluster_version()
                    .name(&plan.name)
                    .version(&next)
                    .send(),
            )
            .await?;
        cluster = wait_active(k, &plan.name).await?;
        let id = cluster.arn().unwrap_or(&plan.name).to_owned();
        let detail = format!("Kubernetes {}.{} -> {next}", have.0, have.1);
        k.updated(Kind::EksCluster, &plan.name, &id, detail);
    }
    Ok(cluster)
}

/// CAPA's `reconcileClusterConfig`: the spec's endpoint access, where it
/// gives one and it differs (no public blocks given: EKS's default).
async fn endpoint_access(k: &Kit<'_>, plan: &EksPlan, cluster: Cluster) -> Result<Cluster> {
    let vpc = cluster.resources_vpc_config();
    let public = vpc.is_some_and(|v| v.endpoint_public_access());
    let private = vpc.is_some_and(|v| v.endpoint_private_access());
    let mut have_cidrs: Vec<String> = vpc
        .map(|v| v.public_access_cidrs().to_vec())
        .unwrap_or_default();
    have_cidrs.sort();
    let mut want_cidrs = plan.public_access_cidrs.clone();
    want_cidrs.sort();
    let changed = plan.endpoint_public_access.is_some_and(|p| p != public)
        || plan.endpoint_private_access.is_some_and(|p| p != private)
        || (!want_cidrs.is_empty() && want_cidrs != have_cidrs);
    if !changed {
        return Ok(cluster);
    }
    let cidrs = (!want_cidrs.is_empty()).then_some(want_cidrs);
    let config = VpcConfigRequest::builder()
        .endpoint_public_access(plan.endpoint_public_access.unwrap_or(public))
        .endpoint_private_access(plan.endpoint_private_access.unwrap_or(private))
        .set_public_access_cidrs(cidrs)
        .build();
    k.call(Kind::EksCluster, &plan.name, "UpdateClusterConfig")
        .once(
            k.eks
                .update_cluster_config()
                .name(&plan.name)
                .resources_vpc_config(config)
                .send(),
        )
        .await?;
    let cluster = wait_active(k, &plan.name).await?;
    let id = cluster.arn().unwrap_or(&plan.name).to_owned();
    k.updated(Kind::EksCluster, &plan.name, &id, "endpoint access".into());
    Ok(cluster)
}

/// The tags `want` has that `have` lacks or holds with another value.
fn missing_tags(want: &BTreeMap<String, String>, have: Option<&HashMap<String, String>>) -> bool {
    want.iter()
        .any(|(key, v)| have.and_then(|h| h.get(key)) != Some(v))
}

fn hash_map(t: &BTreeMap<String, String>) -> HashMap<String, String> {
    t.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// CAPA's `reconcileTags`: TagResource when a tag is missing.
async fn tags(k: &Kit<'_>, plan: &EksPlan, cluster: &Cluster) -> Result<()> {
    if !missing_tags(&plan.tags, cluster.tags()) {
        return Ok(());
    }
    let arn = need(
        Kind::EksCluster,
        &plan.name,
        "DescribeCluster",
        "arn",
        cluster.arn(),
    )?;
    tag_resource(k, (Kind::EksCluster, &plan.name), &arn, &plan.tags).await?;
    k.updated(Kind::EksCluster, &plan.name, &arn, "tags".into());
    Ok(())
}

/// TagResource: `tags` on the cluster or add-on `arn`.
async fn tag_resource(
    k: &Kit<'_>,
    (kind, name): (Kind, &str),
    arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<()> {
    let request = k.eks.tag_resource().resource_arn(arn);
    k.call(kind, name, "TagResource")
        .once(request.set_tags(Some(hash_map(tags))).send())
        .await?;
    Ok(())
}

/// How changes name an add-on: `<cluster>/<addon>`.
fn addon_name(plan: &EksPlan, a: &AddonPlan) -> String {
    format!("{}/{}", plan.name, a.name)
}

/// DescribeAddon: `None` when the cluster has no add-on of the name.
async fn describe_addon(k: &Kit<'_>, cluster: &str, addon: &str) -> Result<Option<Addon>> {
    let shown = format!("{cluster}/{addon}");
    let found = k
        .call(Kind::EksAddon, &shown, "DescribeAddon")
        .absent_on(
            NOT_FOUND,
            k.eks
                .describe_addon()
                .cluster_name(cluster)
                .addon_name(addon)
                .send(),
        )
        .await?;
    Ok(found.and_then(|o| o.addon))
}

/// The add-ons installed on the cluster, by name.
async fn installed(k: &Kit<'_>, cluster: &str) -> Result<BTreeMap<String, Addon>> {
    let list = k
        .call(Kind::EksAddon, cluster, "ListAddons")
        .once(k.eks.list_addons().cluster_name(cluster).send())
        .await?;
    let mut out = BTreeMap::new();
    for name in list.addons() {
        if let Some(addon) = describe_addon(k, cluster, name).await? {
            out.insert(name.clone(), addon);
        }
    }
    Ok(out)
}

/// CAPA's `reconcileAddons`: each add-on of the spec created or brought to
/// its version, configuration and role; one the spec no longer lists is
/// deleted.
async fn addons(k: &Kit<'_>, plan: &EksPlan) -> Result<()> {
    const KIND: Kind = Kind::EksAddon;
    let mut have = installed(k, &plan.name).await?;
    if have.is_empty() && plan.addons.is_empty() {
        return Ok(());
    }
    for a in &plan.addons {
        let shown = addon_name(plan, a);
        let Some(current) = have.remove(&a.name) else {
            if k.dry_run {
                k.would_create_unasked(KIND, &shown);
                continue;
            }
            create_addon(k, plan, a).await?;
            let made = wait_addon(k, plan, &a.name).await?;
            k.created(KIND, &shown, made.addon_arn().unwrap_or(&shown));
            continue;
        };
        let arn = current.addon_arn().unwrap_or(&shown).to_owned();
        let differs = current.addon_version() != Some(a.version.as_str())
            || current.configuration_values() != a.configuration.as_deref()
            || current.service_account_role_arn() != a.service_account_role_arn.as_deref();
        let retag = missing_tags(&a.tags, current.tags());
        if k.dry_run {
            match (differs, retag) {
                (false, false) => k.exists(KIND, &shown, &arn),
                _ => k.record(
                    crate::reconcile::Action::WouldUpdate,
                    KIND,
                    &shown,
                    Some(&arn),
                    Some(addon_detail(&current, a)),
                ),
            }
            continue;
        }
        if retag {
            tag_resource(k, (KIND, &shown), &arn, &a.tags).await?;
        }
        if differs {
            k.call(KIND, &shown, "UpdateAddon")
                .once(
                    k.eks
                        .update_addon()
                        .cluster_name(&plan.name)
                        .addon_name(&a.name)
                        .addon_version(&a.version)
                        .set_configuration_values(a.configuration.clone())
                        .set_service_account_role_arn(a.service_account_role_arn.clone())
                        .resolve_conflicts(ResolveConflicts::from(a.resolve_conflicts.as_str()))
                        .send(),
                )
                .await?;
        }
        if differs || !is_ready(current.status()) {
            wait_addon(k, plan, &a.name).await?;
        }
        if differs || retag {
            k.updated(KIND, &shown, &arn, addon_detail(&current, a));
        } else {
            k.exists(KIND, &shown, &arn);
        }
    }
    for (name, left) in have {
        let shown = format!("{}/{name}", plan.name);
        let arn = left.addon_arn().unwrap_or(&shown).to_owned();
        if k.dry_run {
            k.record(
                crate::reconcile::Action::WouldDelete,
                KIND,
                &shown,
                Some(&arn),
                None,
            );
            continue;
        }
        delete_addon(k, &plan.name, &name).await?;
        k.deleted(KIND, &shown, &arn);
    }
    Ok(())
}

/// What an update of an add-on changes, for the report.
fn addon_detail(current: &Addon, a: &AddonPlan) -> String {
    match current.addon_version() {
        Some(v) if v != a.version => format!("version {v} -> {}", a.version),
        _ => "configuration, role or tags".to_owned(),
    }
}

async fn create_addon(k: &Kit<'_>, plan: &EksPlan, a: &AddonPlan) -> Result<()> {
    k.call(Kind::EksAddon, &addon_name(plan, a), "CreateAddon")
        .once(
            k.eks
                .create_addon()
                .cluster_name(&plan.name)
                .addon_name(&a.name)
                .client_request_token(client_token(&[&plan.name, &a.name, &a.version]))
                .addon_version(&a.version)
                .set_configuration_values(a.configuration.clone())
                .set_service_account_role_arn(a.service_account_role_arn.clone())
                .resolve_conflicts(ResolveConflicts::from(a.resolve_conflicts.as_str()))
                .set_tags(Some(hash_map(&a.tags)))
                .send(),
        )
        .await?;
    Ok(())
}

/// ACTIVE, or DEGRADED (an add-on without nodes to run on yet), as CAPA's
/// wait accepts.
fn is_ready(status: Option<&AddonStatus>) -> bool {
    matches!(status, Some(AddonStatus::Active | AddonStatus::Degraded))
}

async fn wait_addon(k: &Kit<'_>, plan: &EksPlan, addon: &str) -> Result<Addon> {
    const KIND: Kind = Kind::EksAddon;
    let shown = format!("{}/{addon}", plan.name);
    k.poll(KIND, &shown, || async {
        let Some(a) = describe_addon(k, &plan.name, addon).await? else {
            return Err(Error::stuck(KIND, &shown, "the add-on is gone"));
        };
        match a.status() {
            s if is_ready(s) => Ok(Step::Done(a)),
            Some(s @ (AddonStatus::CreateFailed | AddonStatus::UpdateFailed)) => {
                let issues: Vec<String> = a
                    .health()
                    .map(|h| {
                        h.issues()
                            .iter()
                            .filter_map(|i| i.message().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                Err(Error::stuck(
                    KIND,
                    &shown,
                    format!("the add-on is {}: {}", s.as_str(), issues.join("; ")),
                ))
            }
            s => Ok(Step::Wait(format!(
                "failed waiting for addon {addon} to be ready: it stayed {}",
                s.map_or("without a status", |s| s.as_str())
            ))),
        }
    })
    .await
}

/// DeleteAddon, then polls until EKS no longer knows it.
pub(crate) async fn delete_addon(k: &Kit<'_>, cluster: &str, addon: &str) -> Result<()> {
    const KIND: Kind = Kind::EksAddon;
    let shown = format!("{cluster}/{addon}");
    k.call(KIND, &shown, "DeleteAddon")
        .gone_ok(
            k.eks
                .delete_addon()
                .cluster_name(cluster)
                .addon_name(addon)
                .send(),
        )
        .await?;
    k.poll(KIND, &shown, || async {
        let found = describe_addon(k, cluster, addon).await?;
        Ok(Step::done_when(
            found.is_none(),
            "the add-on was not deleted",
        ))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minors_and_tags() {
        assert_eq!(minor_of("1.29"), Some((1, 29)));
        assert_eq!(minor_of("1.30.2"), Some((1, 30)));
        assert_eq!(minor_of("x"), None);
        let want: BTreeMap<String, String> = [("a".into(), "1".into())].into();
        let same: HashMap<String, String> =
            [("a".into(), "1".into()), ("b".into(), "2".into())].into();
        let other: HashMap<String, String> = [("a".into(), "2".into())].into();
        assert!(!missing_tags(&want, Some(&same)));
        assert!(missing_tags(&want, Some(&other)));
        assert!(missing_tags(&want, None));
    }
}
