//! Cases for the manifests themselves: missing objects, unknown fields and kinds.

use super::*;

fn model_rules(text: &str) -> Vec<&'static str> {
    let m = Manifests::load_str(text, "m.yaml", &Vars::only(BTreeMap::new())).unwrap();
    match ClusterModel::from_manifests(&m) {
        Ok(_) => Vec::new(),
        Err(f) => {
            for x in &f {
                covered(x.rule);
            }
            ids(&f)
        }
    }
}

#[test]
pub(super) fn manifest_rules() {
    assert_eq!(
        model_rules("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"),
        ["manifest-no-cluster"]
    );
    let two = "apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata: \
        {name: a}\n---\napiVersion: cluster.x-k8s.io/v1beta1\nkind: \
        Cluster\nmetadata: {name: b}\n";
    assert_eq!(model_rules(two), ["manifest-many-clusters"]);
    let no_infra = "apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata: {name: a}\nspec:\n  infrastructureRef: {kind: AWSCluster, name: a}\n";
    assert_eq!(model_rules(no_infra), ["manifest-missing-infrastructure"]);
    let no_cp = "apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata: {name: a}\nspec:\n  controlPlaneRef: {kind: AWSManagedControlPlane, name: a-cp}\n";
    assert_eq!(model_rules(no_cp), ["manifest-missing-control-plane"]);
    let text = manifests(&base());
    let missing_template = text.replace(
        "metadata: {name: c1-cp}\nspec:\n  template:",
        "metadata: {name: other}\nspec:\n  template:",
    );
    assert_eq!(
        model_rules(&missing_template),
        ["manifest-missing-machine-template"]
    );
}

/// The manifests' own warnings: a miscased field, the provisioner's own
/// field, a misspelt kind; each at its file:line:column, and `--strict`
/// makes them errors.
#[test]
pub(super) fn unknown_fields_and_kinds() {
    let text = manifests(&base()).replace(
        "controlPlaneLoadBalancer:\n",
        "controlPlaneLoadBalancer:\n    targetGroupIpType: ipv4\n    ipAddressType: dualstack\n",
    ) + "---\napiVersion: bootstrap.cluster.x-k8s.io/v1beta1\nkind: \
        KubeadmConfigTemplat\nmetadata: {name: w}\n";
    let m = Manifests::load_str(&text, "case.yaml", &Vars::only(BTreeMap::new())).unwrap();
    let model = crate::pipeline::model(&m).expect("model");
    let facts = facts();
    let (subnets, _) = crate::layout::subnets(&model, &facts);
    let mut found = validate(&model, &facts, &subnets, None);
    let rules = ids(&found);
    for rule in [
        Rule::ManifestUnknownField,
        Rule::ManifestExtensionField,
        Rule::ManifestUnknownKind,
    ] {
        assert!(rules.contains(&rule.id()), "{rule} in {found:#?}");
        covered(rule);
    }
    let field = found
        .iter()
        .find(|f| f.rule.id() == "manifest-unknown-field")
        .unwrap();
    assert_eq!(
        field.path,
        "spec.controlPlaneLoadBalancer.targetGroupIpType"
    );
    let at = field.source.as_ref().unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("targetGroupIpType"))
        .unwrap()
        + 1;
    assert_eq!((at.line, at.column), (line, Some(5)), "{field}");
    assert!(
        field.to_string().contains(&format!("(case.yaml:{line}:5)")),
        "{field}"
    );
    assert!(field.message.ends_with("did you mean targetGroupIPType?"));
    let kind = found
        .iter()
        .find(|f| f.rule.id() == "manifest-unknown-kind")
        .unwrap();
    assert!(
        kind.message
            .ends_with("did you mean KubeadmConfigTemplate?"),
        "{kind}"
    );
    assert!(
        !crate::finding::has_errors(&found),
        "warnings only: {found:#?}"
    );
    make_strict(&mut found);
    assert_eq!(
        found.iter().filter(|f| f.is_error()).count(),
        3,
        "{found:#?}"
    );
}

/// A misspelt kind is named with the errors when it leaves no model.
#[test]
pub(super) fn a_misspelt_kind_comes_with_the_missing_object() {
    let text = "apiVersion: cluster.x-k8s.io/v1beta1\nkind: Clustr\nmetadata: {name: a}\n";
    let m = Manifests::load_str(text, "m.yaml", &Vars::only(BTreeMap::new())).unwrap();
    let Err(crate::pipeline::PrepareError::Model(f)) = crate::pipeline::model(&m) else {
        panic!("no model expected")
    };
    assert_eq!(ids(&f), ["manifest-no-cluster", "manifest-unknown-kind"]);
    assert!(f[1].message.ends_with("did you mean Cluster?"), "{}", f[1]);
}

/// destroy's check of where the cluster lives is the same rule apply runs.
#[test]
pub(super) fn placement_is_the_region_rule() {
    let m =
        Manifests::load_str(&manifests(&base()), "c.yaml", &Vars::only(BTreeMap::new())).unwrap();
    let model = ClusterModel::from_manifests(&m).unwrap();
    assert!(placement(&model, Some("us-east-1")).is_empty());
    assert!(placement(&model, None).is_empty());
    assert_eq!(
        ids(&placement(&model, Some("eu-west-1"))),
        ["region-mismatch"]
    );
}

/// A value the CRD schema refuses is an error at its own line and column.
#[test]
pub(super) fn schema_refusals() {
    let text = manifests(&base()).replace(
        "  network:\n",
        "  network:\n    vpc:\n      availabilityZoneUsageLimit: 0\n      ipv6: {}\n",
    );
    let text = text.replacen("    vpc:\n      ipv6: {}\n", "", 1);
    let m = Manifests::load_str(&text, "case.yaml", &Vars::only(BTreeMap::new())).unwrap();
    let model = crate::pipeline::model(&m).expect("model");
    let facts = facts();
    let (subnets, _) = crate::layout::subnets(&model, &facts);
    let found = validate(&model, &facts, &subnets, None);
    covers(&found, Rule::ManifestSchema);
    let f = found
        .iter()
        .find(|f| f.rule == Rule::ManifestSchema)
        .unwrap();
    assert_eq!(f.path, "spec.network.vpc.availabilityZoneUsageLimit", "{f}");
    let line = text
        .lines()
        .position(|l| l.contains("availabilityZoneUsageLimit"))
        .unwrap()
        + 1;
    assert_eq!(
        f.source.as_ref().map(|s| (s.line, s.column)),
        Some((line, Some(7))),
        "{f}"
    );
    assert!(f.message.contains("less than the minimum of 1"), "{f}");
}

/// What the manifests ask for and the provisioner does not build is named
/// by its kind; warnings that `--strict` makes errors.
#[test]
pub(super) fn what_is_not_built_is_named() {
    let text = format!(
        "{}---\napiVersion: infrastructure.cluster.x-k8s.io/v1beta2\nkind: AWSManagedMachinePool\nmetadata: {{name: pool}}\nspec: {{}}\n",
        manifests(&base())
    );
    let m = Manifests::load_str(&text, "m.yaml", &Vars::only(BTreeMap::new())).unwrap();
    let mut found = manifest_findings(&m);
    let named: Vec<(&str, &str)> = found
        .iter()
        .filter(|f| f.rule == Rule::ManifestNotBuilt)
        .map(|f| (f.object.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(
        named,
        [("AWSManagedMachinePool/pool", "kind")],
        "{found:#?}"
    );
    covers(&found, Rule::ManifestNotBuilt);
    assert!(!crate::finding::has_errors(&found), "{found:#?}");
    make_strict(&mut found);
    assert!(
        found
            .iter()
            .filter(|f| f.rule == Rule::ManifestNotBuilt)
            .all(|f| f.is_error())
    );
}
