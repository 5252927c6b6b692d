//! Unit cases per validation rule, on the pure validator: a small cluster,
//! changed just enough to break a rule, must produce a finding of it (and
//! the untouched cluster must not). Each case names its rule as a value
//! ([`expect`], [`covers`]); `every_rule_has_a_case` runs every family of
//! cases and checks that each rule of [`Rule::ALL`] had one.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::facts::{
    EgressOnlyGatewayFact, Facts, InstanceTypeFact, SubnetFact, VpcFact, ZoneFact, ZoneType,
};
use crate::finding::Finding;
use crate::model::ClusterModel;
use crate::spec::{Manifests, Vars};

mod kubernetes;
mod load_balancer;
mod machines;
mod manifests;
mod subnets;
mod vpc;

/// Zones of us-east-1 as the fake's catalog has them (a subset).
fn zones() -> Vec<ZoneFact> {
    let az = |n: &str| ZoneFact {
        name: n.into(),
        zone_type: ZoneType::AvailabilityZone,
        parent_zone_name: None,
        opt_in_required: false,
        opted_in: false,
        available: true,
    };
    vec![
        az("us-east-1a"),
        az("us-east-1b"),
        az("us-east-1c"),
        ZoneFact {
            name: "us-east-1-nyc-1a".into(),
            zone_type: ZoneType::LocalZone,
            parent_zone_name: Some("us-east-1f".into()),
            opt_in_required: true,
            opted_in: true,
            available: true,
        },
        ZoneFact {
            name: "us-east-1-bos-1a".into(),
            zone_type: ZoneType::LocalZone,
            parent_zone_name: Some("us-east-1a".into()),
            opt_in_required: true,
            opted_in: false,
            available: true,
        },
        ZoneFact {
            name: "us-east-1-wl1-was-wlz-1".into(),
            zone_type: ZoneType::WavelengthZone,
            parent_zone_name: Some("us-east-1a".into()),
            opt_in_required: true,
            opted_in: true,
            available: true,
        },
    ]
}

fn facts() -> Facts {
    let t = |ipv6: bool, nitro: bool| {
        Some(InstanceTypeFact {
            ipv6_supported: ipv6,
            nitro,
            hypervisor: Some(if nitro { "nitro" } else { "xen" }.into()),
            zones: None,
            architectures: vec!["x86_64".into()],
        })
    };
    let mut instance_types = BTreeMap::new();
    instance_types.insert("m5.large".to_owned(), t(true, true));
    instance_types.insert("m4.large".to_owned(), t(true, false));
    instance_types.insert("m3.medium".to_owned(), t(false, false));
    instance_types.insert("m9.huge".to_owned(), None);
    Facts {
        zones: zones(),
        instance_types,
        ..Facts::default()
    }
}

struct Case<'a> {
    /// The AWSCluster spec (YAML, indented under `spec:`).
    aws_cluster: &'a str,
    /// The Cluster's `clusterNetwork` (YAML under `clusterNetwork:`).
    cluster_network: &'a str,
    /// The control-plane AWSMachineTemplate's `spec.template.spec`.
    machine: &'a str,
}

const IPV6_CLUSTER: &str = "
  region: us-east-1
  controlPlaneLoadBalancer:
    loadBalancerType: nlb
  network:
    cni:
      cniIngressRules:
      - {description: VXLAN, protocol: udp, fromPort: 4789, toPort: 4789}
    vpc:
      ipv6: {}
";

const V6_NETWORK: &str = "
    pods: {cidrBlocks: [fd01::/48]}
    services: {cidrBlocks: [fd02::/112]}
";

const MACHINE: &str = "
        instanceType: m5.large
        instanceMetadataOptions: {httpProtocolIpv6: enabled}
";

fn indent(text: &str, by: usize) -> String {
    text.lines()
        .map(|l| {
            if l.trim().is_empty() {
                String::new()
            } else {
                format!("{}{l}", " ".repeat(by))
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The KubeadmControlPlane's `kubeadmConfigSpec`: CAPA's IPv6 settings.
const KUBEADM_IPV6: &str = "  kubeadmConfigSpec:
    clusterConfiguration:
      controllerManager: {extraArgs: {bind-address: '::'}}
      scheduler: {extraArgs: {bind-address: '::'}}
    initConfiguration:
      nodeRegistration: {kubeletExtraArgs: {node-ip: '::'}}
      localAPIEndpoint: {advertiseAddress: '::'}
    joinConfiguration:
      nodeRegistration: {kubeletExtraArgs: {node-ip: '::'}}
      controlPlane: {localAPIEndpoint: {advertiseAddress: '::'}}";

fn manifests(c: &Case<'_>) -> String {
    format!(
        "apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata: {{name: c1}}
spec:
  clusterNetwork:
{net}
  infrastructureRef: {{apiVersion: infrastructure.cluster.x-k8s.io/v1beta2, kind: AWSCluster, name: c1}}
  controlPlaneRef: {{apiVersion: controlplane.cluster.x-k8s.io/v1beta1, kind: KubeadmControlPlane, name: c1-cp}}
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: AWSCluster
metadata: {{name: c1}}
spec:
{aws}
---
apiVersion: controlplane.cluster.x-k8s.io/v1beta1
kind: KubeadmControlPlane
metadata: {{name: c1-cp}}
spec:
{KUBEADM_IPV6}
  replicas: 3
  version: v1.31.0
  machineTemplate:
    infrastructureRef: {{kind: AWSMachineTemplate, name: c1-cp}}
---
apiVersion: infrastructure.cluster.x-k8s.io/v1beta2
kind: AWSMachineTemplate
metadata: {{name: c1-cp}}
spec:
  template:
    spec:
{machine}
",
        net = indent(c.cluster_network.trim_matches('\n'), 2),
        aws = c.aws_cluster.trim_matches('\n'),
        machine = c.machine.trim_matches('\n'),
    )
}

fn rules_of(c: &Case<'_>, facts: &Facts, cli_region: Option<&str>) -> Vec<Finding> {
    let m = Manifests::load_str(&manifests(c), "case.yaml", &Vars::only(BTreeMap::new()))
        .unwrap_or_else(|e| panic!("{e}\n{}", manifests(c)));
    let model = ClusterModel::from_manifests(&m).expect("model");
    let (subnets, mut findings) = crate::layout::subnets(&model, facts);
    findings.extend(validate(&model, facts, &subnets, cli_region));
    findings
}

fn ids(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule.id()).collect()
}

/// Asserts the case breaks the rule, and records that the rule has a case.
fn expect(rule: Rule, c: Case<'_>) -> Vec<Finding> {
    expect_with(rule, c, &facts())
}

fn expect_with(rule: Rule, c: Case<'_>, facts: &Facts) -> Vec<Finding> {
    let f = rules_of(&c, facts, None);
    assert!(
        f.iter().any(|x| x.rule == rule),
        "expected {rule}, got {:#?}\n{}",
        f,
        manifests(&c)
    );
    covered(rule);
    f
}

/// Asserts `findings` has the rule, and records that the rule has a case.
fn covers(findings: &[Finding], rule: Rule) {
    assert!(
        findings.iter().any(|x| x.rule == rule),
        "expected {rule}, got {findings:#?}"
    );
    covered(rule);
}

thread_local! {
    /// The rules this thread's cases have shown to work.
    static COVERED: std::cell::RefCell<BTreeSet<Rule>> = const {
        std::cell::RefCell::new(BTreeSet::new())
    };
}

fn covered(rule: Rule) {
    COVERED.with(|c| c.borrow_mut().insert(rule));
}

fn base() -> Case<'static> {
    Case {
        aws_cluster: IPV6_CLUSTER,
        cluster_network: V6_NETWORK,
        machine: MACHINE,
    }
}

#[test]
fn the_base_cluster_is_valid() {
    let f = rules_of(&base(), &facts(), Some("us-east-1"));
    assert!(f.is_empty(), "{f:#?}");
}

fn aws(extra_network: &str) -> String {
    format!(
        "
  region: us-east-1
  controlPlaneLoadBalancer:
    loadBalancerType: nlb
  network:
    cni:
      cniIngressRules:
      - {{description: VXLAN, protocol: udp, fromPort: 4789, toPort: 4789}}
{extra_network}"
    )
}

fn case(aws_cluster: &str) -> Case<'_> {
    Case {
        aws_cluster,
        cluster_network: V6_NETWORK,
        machine: MACHINE,
    }
}

fn subnet_list(list: &str) -> String {
    aws(&format!(
        "    vpc:\n      cidrBlock: 10.0.0.0/16\n      ipv6: {{}}\n    subnets:\n{list}"
    ))
}

const PUBLIC_A: &str = "    - {id: pub-a, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n";

fn lb(lb_yaml: &str, vpc_ipv6: bool, subnet_list: &str) -> String {
    let v6 = if vpc_ipv6 { "      ipv6: {}\n" } else { "" };
    format!(
        "
  region: us-east-1
  controlPlaneLoadBalancer:
{lb_yaml}
  network:
    cni:
      cniIngressRules:
      - {{description: VXLAN, protocol: udp, fromPort: 4789, toPort: 4789}}
    vpc:
      cidrBlock: 10.0.0.0/16
{v6}    subnets:
{subnet_list}"
    )
}

/// Public and private subnet families, one zone.
fn pair(public: &str, private: &str) -> String {
    let s = |id: &str, fam: &str, n: u8, public: bool| -> String {
        let body = match fam {
            "ipv4" => format!("cidrBlock: 10.0.{n}.0/24"),
            "dualstack" => format!("cidrBlock: 10.0.{n}.0/24, isIpv6: true"),
            _ => "isIpv6: true".to_owned(),
        };
        format!("    - {{id: {id}, {body}, isPublic: {public}, availabilityZone: us-east-1a}}\n")
    };
    format!(
        "{}{}",
        s("pub", public, 1, true),
        s("priv", private, 2, false)
    )
}

/// Every family of cases, run here in one thread: each rule of
/// [`Rule::ALL`] must have had a case that found it.
#[test]
fn every_rule_has_a_case() {
    let families: &[fn()] = &[
        vpc::region_mismatch,
        vpc::vpc_rules,
        vpc::bring_your_own_vpc_rules,
        vpc::no_in_place_migration,
        vpc::s3_bucket_rules,
        subnets::subnet_rules,
        subnets::default_layout_needs_zones,
        subnets::auto_assign_runs_out_in_a_small_block,
        load_balancer::load_balancer_rules,
        load_balancer::support_matrix_rows,
        load_balancer::secondary_load_balancer_rules,
        machines::machine_rules,
        machines::worker_rules,
        kubernetes::kubernetes_network_rules,
        kubernetes::eks_rules,
        kubernetes::ingress_and_cni_rules,
        kubernetes::kubeadm_rules,
        manifests::manifest_rules,
        manifests::unknown_fields_and_kinds,
        manifests::a_misspelt_kind_comes_with_the_missing_object,
        manifests::placement_is_the_region_rule,
        manifests::schema_refusals,
        manifests::what_is_not_built_is_named,
    ];
    COVERED.with(|c| c.borrow_mut().clear());
    for family in families {
        family();
    }
    let seen = COVERED.with(|c| c.borrow().clone());
    let missing: Vec<&str> = Rule::ALL
        .iter()
        .filter(|r| !seen.contains(r))
        .map(|r| r.id())
        .collect();
    assert!(missing.is_empty(), "rules without a unit case: {missing:?}");
}
