//! The cluster's EKS control plane, before anything of the network: its
//! security group and interfaces hold the subnets and the VPC until it is
//! gone. Only a cluster the cluster owns is deleted (the tag CAPA creates
//! it with, `kubernetes.io/cluster/<name>=owned`, or the one its
//! `reconcileTags` adds); its add-ons go first, then the cluster, waited
//! for until EKS no longer knows it (CAPA's `deleteClusterAndWait`).

use aws_sdk_eks::types::{Cluster, ClusterStatus};

use crate::plan::tags;
use crate::reconcile::{Error, Kind, Kit, Result, Step};

use crate::apply::describe_eks_cluster as describe;

fn owned(c: &Cluster, name: &str) -> bool {
    let Some(t) = c.tags() else { return false };
    [tags::kubernetes_key(name), tags::owned_key(name)]
        .iter()
        .any(|key| t.get(key).is_some_and(|v| v == "owned"))
}

pub(super) async fn delete(k: &Kit<'_>, name: &str) -> Result<()> {
    const KIND: Kind = Kind::EksCluster;
    let Some(found) = describe(k, name).await? else {
        return Ok(());
    };
    if !owned(&found, name) {
        return Ok(());
    }
    let arn = found.arn().unwrap_or(name).to_owned();
    // EKS refuses to delete a cluster while it is being created or updated
    // (an interrupted apply): wait for it to settle first.
    let busy = |c: Option<&Cluster>| {
        matches!(
            c.and_then(|c| c.status()),
            Some(ClusterStatus::Creating | ClusterStatus::Updating)
        )
    };
    let settled = if !busy(Some(&found)) {
        Some(found)
    } else {
        k.poll(KIND, name, || async {
            let c = describe(k, name).await?;
            Ok(if busy(c.as_ref()) {
                Step::Wait("the EKS cluster never settled to be deleted".into())
            } else {
                Step::Done(c)
            })
        })
        .await?
    };
    let Some(cluster) = settled else {
        return Ok(());
    };
    if cluster.status() != Some(&ClusterStatus::Deleting) {
        let list = k
            .call(Kind::EksAddon, name, "ListAddons")
            .once(k.eks.list_addons().cluster_name(name).send())
            .await?;
        for addon in list.addons() {
            crate::apply::delete_eks_addon(k, name, addon).await?;
            let shown = format!("{name}/{addon}");
            k.deleted(Kind::EksAddon, &shown, &shown);
        }
        k.call(KIND, name, "DeleteCluster")
            .delete(|| k.eks.delete_cluster().name(name).send())
            .await?;
    }
    k.poll(KIND, name, || async {
        let c = describe(k, name).await?;
        match c.as_ref().and_then(|c| c.status()) {
            None => Ok(Step::Done(())),
            Some(ClusterStatus::Deleting) => {
                Ok(Step::Wait("the EKS cluster was not deleted".into()))
            }
            Some(s) => Err(Error::stuck(
                KIND,
                name,
                format!("the EKS cluster is {} after its delete", s.as_str()),
            )),
        }
    })
    .await?;
    k.deleted(KIND, name, &arn);
    Ok(())
}
