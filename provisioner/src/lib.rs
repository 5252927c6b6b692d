//! Provisions the IPv6 and dualstack network of a Kubernetes cluster on AWS
//! from Cluster API Provider AWS manifests.
//!
//! The pipeline: [`spec`] reads the manifests, [`model`] assembles one
//! cluster, [`discover`] asks AWS what exists, [`layout`] and [`validate`]
//! check every rule of the seed and of CAPA's webhooks, [`plan`] computes
//! the desired network, [`apply`] and [`destroy`] reconcile it over the
//! [`reconcile`] kit, and
//! [`render`] writes the Kubernetes-side artifacts.
//!
//! The same code talks to three targets (see [`target`]): the embedded
//! `fake-ec2` (the default: no account, no network), any endpoint given by
//! URL, or real AWS with the default credential chain.

pub mod apply;
pub mod aws_error;
pub mod cidr;
pub mod destroy;
pub mod discover;
pub mod facts;
pub mod finding;
pub mod images;
pub mod instance_types;
pub mod kubeadm;
pub mod layout;
pub mod model;
pub mod names;
pub mod picture;
pub mod pipeline;
pub mod plan;
pub mod reconcile;
pub mod render;
pub mod report;
pub mod rule;
pub mod scenario;
pub mod sdk;
pub mod spec;
pub mod target;
pub mod validate;

#[cfg(test)]
#[path = "structure_tests.rs"]
mod structure;

#[cfg(test)]
mod tests {
    /// Compiles only while an apply and a destroy can run as their own task:
    /// their futures are `Send` for any lifetime of what they borrow.
    #[allow(dead_code)]
    fn apply_and_destroy_can_be_spawned(
        clients: crate::target::Clients,
        model: crate::model::ClusterModel,
        facts: crate::facts::Facts,
        plan: crate::plan::Plan,
        opts: crate::apply::ApplyOptions,
    ) {
        drop(tokio::spawn(async move {
            crate::apply::apply(&clients, &model, &facts, &plan, &opts)
                .await
                .map(drop)?;
            let opts = crate::destroy::DestroyOptions::for_target(true);
            crate::destroy::destroy(&clients, &model.name, &opts)
                .await
                .map(drop)
        }));
    }
}
