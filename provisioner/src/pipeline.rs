//! The steps every command shares: manifests -> model -> facts from AWS ->
//! laid-out subnets -> findings -> plan. Used by the CLI and the scenario
//! runner alike.

use serde::Serialize;

use crate::aws_error::AwsCallError;
use crate::discover;
use crate::facts::Facts;
use crate::finding::{Finding, has_errors};
use crate::layout::{self, LaidOutSubnet};
use crate::model::ClusterModel;
use crate::plan::{self, Plan, PlanOptions};
use crate::spec::Manifests;
use crate::target::Clients;
use crate::validate;

/// The services a cluster's commands call: EC2 and ELB, and EKS for an
/// AWSManagedControlPlane (an endpoint override must then cover EKS too).
pub fn services(model: &ClusterModel) -> &'static [crate::target::Service] {
    use crate::target::Service;
    if model.eks.is_some() {
        &[Service::Ec2, Service::Elbv2, Service::Eks]
    } else {
        &[Service::Ec2, Service::Elbv2]
    }
}

/// Everything known about the cluster before anything is changed.
#[derive(Debug, Clone, Serialize)]
pub struct Prepared {
    pub model: ClusterModel,
    pub facts: Facts,
    pub subnets: Vec<LaidOutSubnet>,
    pub findings: Vec<Finding>,
    pub plan: Plan,
}

impl Prepared {
    pub fn refused(&self) -> bool {
        has_errors(&self.findings)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrepareError {
    /// The manifests do not describe one cluster.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Model(Vec<Finding>),
    /// Reading facts from AWS failed.
    #[error(transparent)]
    Aws(#[from] AwsCallError),
}

/// The region to work in: the command line's, else the spec's, else us-east-1.
pub fn region(cli: Option<&str>, model: &ClusterModel) -> String {
    cli.map(str::to_owned)
        .or_else(|| model.region.clone())
        .unwrap_or_else(|| "us-east-1".to_owned())
}

/// Builds the model from manifests.
/// Builds the model from manifests. The warnings about the manifests
/// themselves (unknown fields and kinds) go with the model, or with the
/// errors when there is no model (a misspelt kind may be why).
pub fn model(manifests: &Manifests) -> Result<ClusterModel, PrepareError> {
    let notes = validate::manifest_findings(manifests);
    match ClusterModel::from_manifests(manifests) {
        Ok(mut model) => {
            model.manifest_findings = notes;
            Ok(model)
        }
        Err(mut errors) => {
            errors.extend(notes);
            Err(PrepareError::Model(errors))
        }
    }
}

/// Discovers facts, validates and plans. `cli_region` is the region given
/// on the command line, if any (a different spec region is a finding).
pub async fn prepare(
    clients: &Clients,
    model: ClusterModel,
    cli_region: Option<&str>,
    opts: &PlanOptions,
) -> Result<Prepared, PrepareError> {
    let facts = discover::discover(clients, &model).await?;
    Ok(prepare_with_facts(
        model,
        facts,
        cli_region,
        &clients.region,
        opts,
    ))
}

/// The pure part of [`prepare`].
pub fn prepare_with_facts(
    mut model: ClusterModel,
    mut facts: Facts,
    cli_region: Option<&str>,
    region: &str,
    opts: &PlanOptions,
) -> Prepared {
    model.vpc_owned = facts.given_vpc_owned;
    if opts.default_image_id.is_some() {
        // `--ami` stands in for CAPA's lookups: what they found is moot.
        facts.images.clear();
    }
    let (subnets, mut findings) = layout::subnets(&model, &facts);
    findings.extend(validate::validate(&model, &facts, &subnets, cli_region));
    findings.sort_by_key(|f| f.severity);
    let opts = PlanOptions {
        images: facts.images.clone(),
        ..opts.clone()
    };
    let plan = plan::plan(&model, &subnets, region, &opts);
    Prepared {
        model,
        facts,
        subnets,
        findings,
        plan,
    }
}
