//! Tests of the plan: the names CAPA tags with.

use std::collections::BTreeMap;

use crate::spec::{Manifests, Vars};

fn plan_of(text: &str) -> super::Plan {
    let m = Manifests::load_str(text, "t.yaml", &Vars::only(BTreeMap::new())).unwrap();
    let model = crate::model::ClusterModel::from_manifests(&m).unwrap();
    let facts = crate::facts::Facts::default();
    let (subnets, _) = crate::layout::subnets(&model, &facts);
    super::plan(
        &model,
        &subnets,
        "us-east-1",
        &super::PlanOptions::default(),
    )
}

const EKS: &str = "apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata: {name: eks6, namespace: team}\nspec:\n  controlPlaneRef: {kind: AWSManagedControlPlane, name: eks6-cp}\n---\napiVersion: controlplane.cluster.x-k8s.io/v1beta2\nkind: AWSManagedControlPlane\nmetadata: {name: eks6-cp, namespace: team}\nspec:\n  region: us-east-1\n  network:\n    vpc: {ipv6: {}}\n    subnets:\n    - {id: a, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n    - {id: b, cidrBlock: 10.0.64.0/18, isIpv6: true, availabilityZone: us-east-1a}\n";

/// CAPA tags subnets and route tables for the cloud provider with
/// `KubernetesClusterName`: for EKS the EKS cluster's name, which the
/// webhook defaults to `<namespace>_<AWSManagedControlPlane name>`; the
/// cluster's own tag keeps the Cluster's name.
#[test]
fn eks_subnets_and_route_tables_carry_the_eks_name() {
    for (text, want) in [
        (EKS.to_owned(), "kubernetes.io/cluster/team_eks6-cp"),
        (
            EKS.replace("  region:", "  eksClusterName: prod-v6\n  region:"),
            "kubernetes.io/cluster/prod-v6",
        ),
    ] {
        let plan = plan_of(&text);
        assert!(!plan.subnets.is_empty() && !plan.route_tables.is_empty());
        let tag_sets = plan
            .subnets
            .iter()
            .map(|s| &s.tags)
            .chain(plan.route_tables.iter().map(|r| &r.tags));
        for tags in tag_sets {
            assert_eq!(
                tags.get(want).map(String::as_str),
                Some("owned"),
                "{tags:?}"
            );
            assert!(!tags.contains_key("kubernetes.io/cluster/eks6"), "{tags:?}");
            assert!(
                tags.contains_key(&super::tags::owned_key("eks6")),
                "{tags:?}"
            );
        }
    }
}
