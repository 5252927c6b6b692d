//! Tests of the bundled schemas: unknown names, defaults, refusals.

use super::*;

fn fields(kind: &str, group: &str, doc: &str) -> Vec<UnknownName> {
    check(&Document {
        group,
        version: "v1beta2",
        kind,
        object: &format!("{kind}/c"),
        doc,
        file: "t.yaml",
        start_line: 10,
    })
    .0
}

/// The API server's defaulting: a present object gains its schema's
/// defaults, an absent one stays absent, and given values stay.
#[test]
fn defaults_fill_present_objects_only() {
    let doc = "apiVersion: infrastructure.cluster.x-k8s.io/v1beta2\nkind: AWSCluster\nmetadata:\n  name: c\nspec:\n  controlPlaneLoadBalancer:\n    additionalListeners:\n    - port: 8132\n  network:\n    vpc:\n      availabilityZoneUsageLimit: 2\n";
    let v: Value = defaulted(
        "infrastructure.cluster.x-k8s.io",
        "v1beta2",
        "AWSCluster",
        doc,
    )
    .unwrap();
    let lb = &v["spec"]["controlPlaneLoadBalancer"];
    assert_eq!(lb["loadBalancerType"], "classic");
    assert_eq!(lb["scheme"], "internet-facing");
    assert_eq!(lb["additionalListeners"][0]["protocol"], "TCP");
    let vpc = &v["spec"]["network"]["vpc"];
    assert_eq!(vpc["availabilityZoneUsageLimit"], 2);
    assert_eq!(vpc["availabilityZoneSelection"], "Ordered");
    assert_eq!(vpc["subnetSchema"], "PreferPrivate");
    assert!(v["spec"].get("secondaryControlPlaneLoadBalancer").is_none());
    assert!(v.get("status").is_none());
    // v1beta1 has no loadBalancerType default.
    let v1: Value = defaulted(
        "infrastructure.cluster.x-k8s.io",
        "v1beta1",
        "AWSCluster",
        doc,
    )
    .unwrap();
    assert!(
        v1["spec"]["controlPlaneLoadBalancer"]
            .get("loadBalancerType")
            .is_none()
    );
    assert_eq!(
        v1["spec"]["controlPlaneLoadBalancer"]["scheme"],
        "internet-facing"
    );
}

#[test]
fn key_locations_are_exact() {
    let n: Node = serde_saphyr::from_str("a:\n  bb: 1\n  cc:\n  - d: 2\n").unwrap();
    let Node::Map(top) = n else { panic!() };
    assert_eq!((top[0].line, top[0].column), (1, 1));
    let Node::Map(inner) = &top[0].value else {
        panic!()
    };
    assert_eq!(
        (inner[1].key.as_str(), inner[1].line, inner[1].column),
        ("cc", 3, 3)
    );
}

/// The case: a field with the wrong case gets a warning at its
/// own line and column, and the name that was meant.
#[test]
fn a_miscased_field_is_flagged_with_the_right_name() {
    let doc = "apiVersion: infrastructure.cluster.x-k8s.io/v1beta2\nkind: AWSCluster\nmetadata:\n  name: c\nspec:\n  controlPlaneLoadBalancer:\n    targetGroupIpType: ipv4\n";
    let got = fields("AWSCluster", "infrastructure.cluster.x-k8s.io", doc);
    assert_eq!(got.len(), 1, "{got:?}");
    let u = &got[0];
    assert_eq!(u.what, Unknown::Field);
    assert_eq!(u.path, "spec.controlPlaneLoadBalancer.targetGroupIpType");
    assert_eq!((u.source.line, u.source.column), (16, Some(5)));
    assert!(
        u.message.ends_with("did you mean targetGroupIPType?"),
        "{}",
        u.message
    );
}

#[test]
fn typos_maps_lists_and_metadata() {
    let doc = "apiVersion: infrastructure.cluster.x-k8s.io/v1beta2\nkind: AWSCluster\nmetadata:\n  name: c\n  labels: {a: b}\n  lables: {a: b}\nspec:\n  region: us-east-1\n  additionalTags: {anything: goes}\n  network:\n    subnets:\n    - id: a\n      isPublc: true\n    vpc:\n      ipv6: {}\n";
    let got = fields("AWSCluster", "infrastructure.cluster.x-k8s.io", doc);
    let paths: Vec<_> = got.iter().map(|u| u.path.as_str()).collect();
    assert_eq!(
        paths,
        ["metadata.lables", "spec.network.subnets[0].isPublc"]
    );
    assert!(
        got[0].message.ends_with("did you mean labels?"),
        "{}",
        got[0].message
    );
    assert!(
        got[1].message.ends_with("did you mean isPublic?"),
        "{}",
        got[1].message
    );
}

#[test]
fn the_provisioners_own_field_says_what_capa_does() {
    let doc = "apiVersion: infrastructure.cluster.x-k8s.io/v1beta2\nkind: AWSCluster\nspec:\n  controlPlaneLoadBalancer:\n    ipAddressType: dualstack\n";
    let got = fields("AWSCluster", "infrastructure.cluster.x-k8s.io", doc);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].what, Unknown::Extension);
    assert!(
        got[0]
            .message
            .contains("dualstack load balancer when vpc.ipv6 is set"),
        "{}",
        got[0].message
    );
}

#[test]
fn kinds_and_groups() {
    assert_eq!(
        check_kind("infrastructure.cluster.x-k8s.io", "AWSCluster"),
        None
    );
    assert_eq!(check_kind("v1", "ConfigMap"), None);
    assert_eq!(
        check_kind("bootstrap.cluster.x-k8s.io", "KubeadmConfigTemplate"),
        None
    );
    let typo = check_kind("infrastructure.cluster.x-k8s.io", "AWSClsuter").unwrap();
    assert!(typo.ends_with("did you mean AWSCluster?"), "{typo}");
    let wrong = check_kind("cluster.x-k8s.io", "AWSCluster").unwrap();
    assert!(
        wrong.contains("belongs to API group infrastructure.cluster.x-k8s.io"),
        "{wrong}"
    );
}

#[test]
fn closest_names() {
    assert_eq!(closest("subnts", ["subnets", "vpc"]), Some("subnets"));
    assert_eq!(closest("VPC", ["subnets", "vpc"]), Some("vpc"));
    assert_eq!(closest("zzzzzz", ["subnets", "vpc"]), None);
}

/// Every schema in the bundled file parses and has the kinds read.
#[test]
fn the_bundled_schemas_cover_every_kind_read() {
    for (group, kind) in [
        ("cluster.x-k8s.io", "Cluster"),
        ("cluster.x-k8s.io", "MachineDeployment"),
        ("infrastructure.cluster.x-k8s.io", "AWSCluster"),
        ("infrastructure.cluster.x-k8s.io", "AWSMachineTemplate"),
        ("controlplane.cluster.x-k8s.io", "AWSManagedControlPlane"),
        ("controlplane.cluster.x-k8s.io", "KubeadmControlPlane"),
    ] {
        for v in ["v1beta1", "v1beta2"] {
            assert!(schema_of(group, kind, v).is_some(), "{group}/{kind} {v}");
        }
    }
}
