//! Every rule of the seed ("Enabling IPv6") and of CAPA's webhooks that
//! concerns the cluster network, as findings with stable ids. Pure: the
//! model, the facts discovered from AWS and the laid-out subnets in,
//! findings out. Rules that need facts (instance types, zones, a BYO VPC,
//! an existing cluster) stay silent when the facts are unknown.
//!
//! The rule ids, what each enforces and where it comes from are listed in
//! `docs/rules.md`; [`Rule`] is the same list, checked by a test.

mod kubernetes;
mod load_balancer;
mod machines;

mod subnets;
mod vpc;

use crate::facts::Facts;
use crate::finding::{Finding, Severity};
use crate::layout::LaidOutSubnet;
use crate::model::{ClusterModel, Flavor};

pub use crate::rule::{Origin, Rule};

/// An IP family of a CIDR the manifests give.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fam {
    V4,
    V6,
}

pub(super) fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(super) struct V<'a> {
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
        rule: Rule,
        object: &str,
        source: Option<&crate::spec::Source>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.out
            .push(Finding::new(rule, object, path, message, source.cloned()));
    }

    /// A finding on the infrastructure object (AWSCluster / AWSManagedControlPlane).
    fn infra(&mut self, rule: Rule, path: impl Into<String>, message: impl Into<String>) {
        self.infra_as(rule, rule.origin(), path, message);
    }

    /// [`V::infra`] with an origin other than the rule's own (a check that
    /// one flavour's webhook makes and the other's does not).
    fn infra_as(
        &mut self,
        rule: Rule,
        origin: Origin,
        path: impl Into<String>,
        message: impl Into<String>,
    ) {
        let object = self.model.infra_object.clone();
        let source = self.model.infra_source.clone();
        let mut f = Finding::new(rule, object, path, message, source);
        f.origin = origin;
        self.out.push(f);
    }

    /// For an EKS control plane, CAPA's AWSManagedControlPlane webhook makes
    /// these IPv6 checks; an AWSCluster has no such webhook check, so its
    /// finding keeps the rule's own origin (what CAPA's controller or AWS
    /// does with the value).
    fn eks_webhook(&mut self, rule: Rule, path: &str, message: &str) {
        let origin = if self.model.flavor == Flavor::Eks {
            Origin::CapaWebhook
        } else {
            rule.origin()
        };
        self.infra_as(rule, origin, path, message);
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
    vpc::vpc_rules(&mut v);
    vpc::s3_bucket_rules(&mut v);
    subnets::subnet_rules(&mut v);
    load_balancer::load_balancer_rules(&mut v);
    machines::machine_rules(&mut v);
    machines::key_pair_rules(&mut v);
    machines::image_rules(&mut v);
    kubernetes::kubernetes_rules(&mut v);
    kubernetes::eks_rules(&mut v);
    kubernetes::ingress_rules(&mut v);
    kubernetes::cni_rules(&mut v);
    kubernetes::kubeadm_rules(&mut v);
    vpc::migration_rules(&mut v);
    let mut out = v.out;
    out.extend(model.manifest_findings.iter().cloned());
    out.sort_by_key(|f| f.severity);
    out
}

/// The findings about the manifests themselves: fields and kinds the
/// Kubernetes API does not know.
pub fn manifest_findings(manifests: &crate::spec::Manifests) -> Vec<Finding> {
    use crate::spec::schema::Unknown;
    let unknown = manifests.unknown.iter().map(|u| {
        let rule = match u.what {
            Unknown::Field => Rule::ManifestUnknownField,
            Unknown::Extension => Rule::ManifestExtensionField,
            Unknown::Kind => Rule::ManifestUnknownKind,
        };
        Finding::new(
            rule,
            u.object.clone(),
            u.path.clone(),
            u.message.clone(),
            Some(u.source.clone()),
        )
    });
    let refused = manifests.schema_errors.iter().map(|e| {
        Finding::new(
            Rule::ManifestSchema,
            e.object.clone(),
            e.path.clone(),
            e.message.clone(),
            Some(e.source.clone()),
        )
    });
    let kinds = manifests.not_built.iter().map(|(object, source)| {
        Finding::new(
            Rule::ManifestNotBuilt,
            object.clone(),
            "kind",
            format!(
                "{object} is not built: the provisioner makes the network, the \
                control plane and MachineDeployment workers, not machine pools, \
                Fargate profiles or single machines; CAPA would build it"
            ),
            Some(source.clone()),
        )
    });
    unknown.chain(refused).chain(kinds).collect()
}

/// `--strict`: what the Kubernetes API does not know is refused, as
/// `kubectl apply --validate=strict` refuses it.
pub fn make_strict(findings: &mut [Finding]) {
    for f in findings {
        if matches!(
            f.rule,
            Rule::ManifestUnknownField
                | Rule::ManifestExtensionField
                | Rule::ManifestUnknownKind
                | Rule::ManifestNotBuilt
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
            Rule::RegionMismatch,
            "spec.region",
            format!(
                "the spec says region '{spec}' but the command targets '{cli}'; \
                pass --region {spec} or change spec.region"
            ),
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
