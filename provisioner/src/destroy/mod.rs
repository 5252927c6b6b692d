//! Deletes what the cluster owns, in reverse order of creation, and nothing
//! else. A resource is the cluster's only when it carries the cluster's
//! owned tag (`sigs.k8s.io/cluster-api-provider-aws/cluster/<name>=owned`);
//! egress-only gateways must also be attached to the cluster's VPC (CAPA's
//! bugs #5683 and #3986 deleted every EIGW in the region, or a BYO one).
//! One file per resource family, over the kit in [`crate::reconcile`].
//!
//! Deletes that AWS refuses for a while (`DependencyViolation` while a NAT
//! gateway or instance lets go of its addresses, `ResourceInUse` while a
//! load balancer goes away) are retried a bounded number of times.

mod eks;
mod gateways;
mod load_balancer;
mod machines;
mod nat;
mod routes;
mod security_groups;
mod subnets;
mod vpc;
mod vpc_endpoints;

use serde::Serialize;

use crate::reconcile::{Change, Kit, Polling, Progress, Result};
use crate::target::Clients;

#[derive(Debug, Clone)]
pub struct DestroyOptions {
    pub polling: Polling,
    /// Delete one kind after another, never two at once: the same calls in
    /// a fixed order (scenario journals, interruption tests).
    pub sequential: bool,
    /// Called with each deletion as it happens (progress on a terminal).
    pub progress: Option<Progress>,
    /// The EKS cluster of an AWSManagedControlPlane (its `eksClusterName`),
    /// deleted before the network.
    pub eks_cluster: Option<String>,
}

impl DestroyOptions {
    pub fn for_target(fast: bool) -> Self {
        Self {
            polling: Polling::for_target(fast),
            sequential: false,
            progress: None,
            eks_cluster: None,
        }
    }

    /// These options for the cluster `model` describes (its EKS cluster).
    pub fn for_model(mut self, model: &crate::model::ClusterModel) -> Self {
        self.eks_cluster = model.eks.as_ref().map(|e| e.cluster_name.clone());
        self
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DestroyReport {
    pub changes: Vec<Change>,
    /// The waits that ended, as [`crate::apply::ApplyReport::waits`].
    #[serde(skip)]
    pub waits: Vec<crate::reconcile::Waited>,
}

/// Deletes every resource the cluster owns. A bring-your-own VPC and its
/// subnets carry no owned tag, so they are never deleted.
pub async fn destroy(
    clients: &Clients,
    cluster: &str,
    opts: &DestroyOptions,
) -> Result<DestroyReport> {
    let kit = Kit::new(
        clients,
        cluster,
        opts.polling,
        opts.sequential,
        opts.progress.clone(),
    );
    let k = &kit;
    if let Some(name) = &opts.eks_cluster {
        eks::delete(k, name).await?;
    }
    // Three branches first: the load balancers and instances, then the
    // security groups they held; the NAT gateways, then their addresses;
    // the VPC endpoints, then the route tables. The gateways, subnets and VPC go once all are gone
    // (an internet gateway cannot leave a VPC that still maps public
    // addresses). With `sequential`, one step after another in this order.
    let compute = async {
        k.both(load_balancer::delete(k), machines::delete(k))
            .await?;
        security_groups::delete(k).await
    };
    let nat = async {
        nat::delete_gateways(k).await?;
        nat::release_addresses(k).await
    };
    let routes = async {
        // CAPA: the VPC endpoints first, then the route tables they route.
        vpc_endpoints::delete(k).await?;
        routes::delete(k).await
    };
    k.both(compute, k.both(routes, nat)).await?;
    let vpcs = vpc::owned(k).await?;
    let ids: Vec<String> = vpcs.iter().map(|v| v.id.clone()).collect();
    let eigws = async {
        gateways::delete_carrier(k, &ids).await?;
        for vpc in &ids {
            gateways::delete_egress_only(k, vpc).await?;
        }
        Ok(())
    };
    k.both(gateways::delete_internet(k, &ids), eigws).await?;
    subnets::delete(k).await?;
    vpc::delete(k, &vpcs).await?;
    let (changes, waits) = kit.into_parts();
    Ok(DestroyReport { changes, waits })
}
