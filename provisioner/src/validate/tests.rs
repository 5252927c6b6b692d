//! One unit test per validation rule, on the pure validator: a small
//! cluster, changed just enough to break the rule, must produce a finding
//! with that rule id (and the untouched cluster must not).

use std::collections::BTreeMap;

use super::*;
use crate::facts::{
    EgressOnlyGatewayFact, Facts, InstanceTypeFact, SubnetFact, VpcFact, ZoneFact, ZoneType,
};
use crate::finding::Finding;
use crate::model::ClusterModel;
use crate::spec::{Manifests, Vars};

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

/// Asserts the case breaks exactly the expected rules (and no other error).
fn expect(rule: &str, c: Case<'_>) -> Vec<Finding> {
    expect_with(rule, c, &facts())
}

fn expect_with(rule: &str, c: Case<'_>, facts: &Facts) -> Vec<Finding> {
    let f = rules_of(&c, facts, None);
    assert!(
        ids(&f).contains(&rule),
        "expected {rule}, got {:#?}\n{}",
        f,
        manifests(&c)
    );
    f
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

#[test]
fn region_mismatch() {
    let f = rules_of(&base(), &facts(), Some("us-west-2"));
    assert_eq!(ids(&f), ["region-mismatch"]);
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

#[test]
fn vpc_rules() {
    let a = aws("    vpc:\n      cidrBlock: 10.0.0.0/33\n      ipv6: {}\n");
    expect("vpc-cidr-invalid", case(&a));
    let a = aws("    vpc:\n      cidrBlock: 10.0.0.0/12\n      ipv6: {}\n");
    expect("vpc-cidr-size", case(&a));
    let a = aws(
        "    vpc:\n      cidrBlock: 10.0.0.0/16\n      ipamPool: {id: ipam-pool-1}\n      ipv6: {}\n",
    );
    expect("vpc-cidr-and-ipam-pool", case(&a));
    let a = aws("    vpc:\n      ipamPool: {netmaskLength: 16}\n      ipv6: {}\n");
    expect("vpc-ipam-pool-needs-id-or-name", case(&a));
    let a = aws("    vpc:\n      ipv6: {cidrBlock: 2001:db8::56, poolId: ipv6pool-ec2-1}\n");
    expect("vpc-ipv6-cidr-invalid", case(&a));
    let a = aws("    vpc:\n      ipv6: {cidrBlock: 2001:db8::/64, poolId: ipv6pool-ec2-1}\n");
    expect("vpc-ipv6-cidr-size", case(&a));
    let a = aws("    vpc:\n      ipv6: {cidrBlock: \"2009:1234:ff00::/56\"}\n");
    expect("vpc-ipv6-cidr-needs-pool", case(&a));
    let a = aws("    vpc:\n      ipv6: {poolId: ipv6pool-ec2-1, ipamPool: {id: ipam-pool-1}}\n");
    expect("vpc-ipv6-pool-and-ipam-pool", case(&a));
    let a = aws(
        "    vpc:\n      ipv6: {cidrBlock: \"2009:1234:ff00::/56\", ipamPool: {id: ipam-pool-1}}\n",
    );
    expect("vpc-ipv6-cidr-and-ipam-pool", case(&a));
    let a = aws("    vpc:\n      ipv6: {ipamPool: {netmaskLength: 56}}\n");
    expect("vpc-ipam-pool-needs-id-or-name", case(&a));
    let a = aws("    vpc:\n      ipv6: {ipamPool: {id: ipam-pool-1, netmaskLength: 50}}\n");
    expect("vpc-ipv6-netmask-length", case(&a));
    let a = aws("    vpc:\n      ipv6: {egressOnlyInternetGatewayId: eigw-1}\n");
    expect("vpc-ipv6-eigw-in-managed-vpc", case(&a));
    // The valid allocation modes raise nothing.
    for mode in [
        "ipv6: {}",
        "ipv6: {poolId: ipv6pool-ec2-1, cidrBlock: \"2009:1234:ff00::/56\"}",
        "ipv6: {ipamPool: {id: ipam-pool-1}}",
        "ipv6: {ipamPool: {name: my-pool, netmaskLength: 52}}",
    ] {
        let a = aws(&format!("    vpc:\n      {mode}\n"));
        let f = rules_of(&case(&a), &facts(), None);
        assert!(f.is_empty(), "{mode}: {f:#?}");
    }
}

const BYO: &str = "    vpc:
      id: vpc-1234567890abcdefg
      cidrBlock: 10.0.0.0/16
      ipv6:
        cidrBlock: \"2001:1234:ff00::/56\"
        egressOnlyInternetGatewayId: eigw-1234567890abcdefg
    subnets:
    - id: subnet-public-a
    - id: subnet-private-a
";

fn byo_facts() -> Facts {
    let mut f = facts();
    f.byo_vpc_checked = true;
    f.byo_vpc = Some(VpcFact {
        vpc_id: "vpc-1234567890abcdefg".into(),
        cidr_blocks: vec!["10.0.0.0/16".parse().unwrap()],
        ipv6_cidr_blocks: vec!["2001:1234:ff00::/56".parse().unwrap()],
        tags: BTreeMap::new(),
    });
    f.byo_egress_only_gateway = Some(EgressOnlyGatewayFact {
        id: "eigw-1234567890abcdefg".into(),
        vpc_id: Some("vpc-1234567890abcdefg".into()),
    });
    let subnet =
        |id: &str, public: bool, v4: Option<&str>, v6: &str, dns64: bool, nat64: bool| SubnetFact {
            subnet_id: id.into(),
            vpc_id: "vpc-1234567890abcdefg".into(),
            availability_zone: "us-east-1a".into(),
            cidr_block: v4.map(|c| c.parse().unwrap()),
            ipv6_cidr_block: Some(v6.parse().unwrap()),
            ipv6_native: v4.is_none(),
            enable_dns64: dns64,
            map_public_ip_on_launch: public,
            public,
            nat64_route: nat64,
            tags: BTreeMap::new(),
        };
    f.byo_subnets.insert(
        "subnet-public-a".into(),
        subnet(
            "subnet-public-a",
            true,
            Some("10.0.0.0/24"),
            "2001:1234:ff00:1::/64",
            false,
            false,
        ),
    );
    f.byo_subnets.insert(
        "subnet-private-a".into(),
        subnet(
            "subnet-private-a",
            false,
            None,
            "2001:1234:ff00:2::/64",
            true,
            true,
        ),
    );
    f
}

#[test]
fn bring_your_own_vpc_rules() {
    let a = aws(BYO);
    let f = rules_of(&case(&a), &byo_facts(), None);
    assert!(f.is_empty(), "the seed's BYO shape is valid: {f:#?}");

    let a = aws("    vpc:\n      id: vpc-1234567890abcdefg\n      ipv6: \
            {egressOnlyInternetGatewayId: eigw-1234567890abcdefg}\n    \
            subnets: [{id: subnet-public-a}]\n");
    expect_with("byo-vpc-ipv6-needs-cidr", case(&a), &byo_facts());
    let a = aws(
        "    vpc:\n      id: vpc-1234567890abcdefg\n      ipv6: {cidrBlock: \"2001:1234:ff00::/56\"}\n    subnets: [{id: subnet-public-a}]\n",
    );
    expect_with("byo-vpc-ipv6-needs-eigw", case(&a), &byo_facts());
    let a = aws(
        "    vpc:\n      id: vpc-1234567890abcdefg\n      ipv6: {cidrBlock: \"2001:1234:ff00::/56\", egressOnlyInternetGatewayId: eigw-1234567890abcdefg}\n",
    );
    expect_with("byo-vpc-needs-subnets", case(&a), &byo_facts());

    let mut gone = byo_facts();
    gone.byo_vpc = None;
    expect_with("byo-vpc-not-found", case(&aws(BYO)), &gone);

    let a = aws(&BYO.replace("cidrBlock: 10.0.0.0/16", "cidrBlock: 10.9.0.0/16"));
    expect_with("byo-vpc-cidr-mismatch", case(&a), &byo_facts());
    let a = aws(&BYO.replace("2001:1234:ff00::/56", "2001:1234:ee00::/56"));
    expect_with("byo-vpc-ipv6-cidr-mismatch", case(&a), &byo_facts());
    let mut elsewhere = byo_facts();
    elsewhere.byo_egress_only_gateway = Some(EgressOnlyGatewayFact {
        id: "eigw-1234567890abcdefg".into(),
        vpc_id: Some("vpc-other".into()),
    });
    expect_with("byo-vpc-eigw-mismatch", case(&aws(BYO)), &elsewhere);
    let a = aws(&format!("{BYO}    - id: subnet-missing\n"));
    expect_with("byo-subnet-not-found", case(&a), &byo_facts());

    let mut bare = byo_facts();
    let s = bare.byo_subnets.get_mut("subnet-private-a").unwrap();
    s.enable_dns64 = false;
    s.nat64_route = false;
    let f = expect_with("byo-ipv6-only-subnet-no-dns64", case(&aws(BYO)), &bare);
    assert!(ids(&f).contains(&"byo-ipv6-only-subnet-no-nat64"));
    assert!(f.iter().all(|x| x.severity == Severity::Warning), "{f:#?}");
}

fn subnets(list: &str) -> String {
    aws(&format!(
        "    vpc:\n      cidrBlock: 10.0.0.0/16\n      ipv6: {{}}\n    subnets:\n{list}"
    ))
}

const PUBLIC_A: &str = "    - {id: pub-a, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n";

#[test]
fn subnet_rules() {
    let ok = subnets(&format!(
        "{PUBLIC_A}    - {{id: priv-a, isIpv6: true, availabilityZone: us-east-1a}}\n"
    ));
    let f = rules_of(&case(&ok), &facts(), None);
    assert!(f.is_empty(), "{f:#?}");

    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.300.0/24, availabilityZone: us-east-1a}}\n"
    ));
    expect("subnet-cidr-invalid", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, isIpv6: true, ipv6CidrBlock: 'zz::/64', availabilityZone: us-east-1a}}\n"
    ));
    expect("subnet-ipv6-cidr-invalid", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, availabilityZone: us-east-1a}}\n"
    ));
    expect("subnet-ipv4-needs-cidr", case(&a));
    let a = aws(
        "    vpc:\n      cidrBlock: 10.0.0.0/16\n    subnets:\n    - {id: pub-a, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n",
    );
    let c = Case {
        aws_cluster: &a,
        cluster_network: "",
        machine: MACHINE,
    };
    expect("subnet-is-ipv6-needs-vpc-ipv6", c);
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/20, ipv6CidrBlock: '2001:db8::/64', availabilityZone: us-east-1a}}\n"
    ));
    expect("subnet-ipv6-cidr-needs-is-ipv6", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.1.0.0/20, isIpv6: true, availabilityZone: us-east-1a}}\n"
    ));
    expect("subnet-cidr-outside-vpc", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/29, isIpv6: true, availabilityZone: us-east-1a}}\n"
    ));
    expect("subnet-cidr-size", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, isIpv6: true, ipv6CidrBlock: '2001:db8:0:1::/66', availabilityZone: us-east-1a}}\n"
    ));
    expect("subnet-ipv6-cidr-size", case(&a));
    let a = aws(
        "    vpc:\n      ipv6: {poolId: ipv6pool-ec2-1, cidrBlock: '2009:1234:ff00::/56'}\n    subnets:\n    - {id: pub-a, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a, ipv6CidrBlock: '2009:1234:ee01::/64'}\n",
    );
    expect("subnet-ipv6-cidr-outside-vpc", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.8.0/24, isIpv6: true, availabilityZone: us-east-1a}}\n"
    ));
    expect("subnet-cidr-overlap", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: pub-a, cidrBlock: 10.0.16.0/20, isIpv6: true, availabilityZone: us-east-1a}}\n"
    ));
    expect("subnet-duplicate-id", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1z}}\n"
    ));
    expect("subnet-az-unknown", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1-bos-1a}}\n"
    ));
    expect("subnet-az-unknown", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1-nyc-1a, zoneType: local-zone}}\n"
    ));
    expect("subnet-edge-needs-parent-zone", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, cidrBlock: 10.0.16.0/20, isIpv6: true, availabilityZone: us-east-1-nyc-1a}}\n"
    ));
    expect("subnet-edge-ipv6", case(&a));
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: p, isIpv6: true, availabilityZone: us-east-1-wl1-was-wlz-1}}\n"
    ));
    expect("subnet-edge-ipv6", case(&a));
    // An IPv4-only subnet in a Local Zone is fine.
    let a = subnets(&format!(
        "{PUBLIC_A}    - {{id: priv-a, isIpv6: true, availabilityZone: us-east-1a}}\n    - {{id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1-nyc-1a}}\n"
    ));
    let f = rules_of(&case(&a), &facts(), None);
    assert!(f.is_empty(), "{f:#?}");
    let a = subnets(
        "    - {id: p, cidrBlock: 10.0.16.0/20, isIpv6: true, availabilityZone: us-east-1a}\n",
    );
    expect("subnet-no-public", case(&a));
    let a = subnets(
        "    - {id: pub, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n    - {id: p, isIpv6: true, availabilityZone: us-east-1a}\n",
    );
    expect("nat-needs-ipv4-public-subnet", case(&a));
}

#[test]
fn default_layout_needs_zones() {
    let mut f = facts();
    f.zones.retain(|z| z.zone_type.is_edge());
    expect_with("subnet-default-layout", base(), &f);
}

#[test]
fn auto_assign_runs_out_in_a_small_block() {
    // An IPAM /60 holds 16 /64s; 17 IPv6 subnets cannot all get one.
    let mut list = String::from(PUBLIC_A);
    for i in 0..17 {
        list.push_str(&format!(
            "    - {{id: p{i}, isIpv6: true, availabilityZone: us-east-1a}}\n"
        ));
    }
    let a = aws(&format!(
        "    vpc:\n      ipv6: {{poolId: ipv6pool-ec2-1, cidrBlock: '2009:1234:ff00::/60'}}\n    subnets:\n{list}"
    ));
    expect("subnet-ipv6-auto-assign", case(&a));
}

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

#[test]
fn load_balancer_rules() {
    let c = |l: &str| Case {
        aws_cluster: Box::leak(l.to_owned().into_boxed_str()),
        cluster_network: V6_NETWORK,
        machine: MACHINE,
    };
    expect(
        "lb-type-invalid",
        c(&lb(
            "    loadBalancerType: fancy",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        "lb-scheme-invalid",
        c(&lb(
            "    loadBalancerType: nlb\n    scheme: public",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        "lb-ip-type-ipv6",
        c(&lb(
            "    loadBalancerType: nlb\n    ipAddressType: ipv6",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        "lb-ip-type-invalid",
        c(&lb(
            "    loadBalancerType: nlb\n    ipAddressType: dualstack-without-public-ipv4",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        "lb-ip-type-classic",
        c(&lb(
            "    loadBalancerType: classic\n    ipAddressType: ipv4",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    let ipv4_net = Case {
        aws_cluster: Box::leak(
            lb(
                "    loadBalancerType: nlb\n    ipAddressType: dualstack",
                false,
                &pair("ipv4", "ipv4"),
            )
            .into_boxed_str(),
        ),
        cluster_network: "",
        machine: MACHINE,
    };
    expect("lb-dualstack-needs-vpc-ipv6", ipv4_net);
    expect(
        "lb-ipv6-only-subnet",
        c(&lb(
            "    loadBalancerType: nlb",
            true,
            &pair("ipv6", "dualstack"),
        )),
    );
    expect(
        "lb-dualstack-needs-ipv6-subnets",
        c(&lb(
            "    loadBalancerType: nlb",
            true,
            &pair("ipv4", "dualstack"),
        )),
    );
    expect(
        "lb-no-subnets",
        c(&lb(
            "    loadBalancerType: nlb\n    subnets: [nope]",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        "tg-ip-type-invalid",
        c(&lb(
            "    loadBalancerType: nlb\n    targetGroupIPType: ipv5",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        "tg-ip-type-classic",
        c(&lb(
            "    loadBalancerType: classic\n    targetGroupIPType: ipv4",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        "tg-ip-type-disabled",
        c(&lb(
            "    loadBalancerType: disabled\n    targetGroupIPType: ipv4",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        "tg-ip-type-classic",
        c(&lb(
            "    loadBalancerType: classic\n    additionalListeners:\n    - \
                {port: 8443, targetGroupIPType: ipv4}",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    let no_v6 = Case {
        aws_cluster: Box::leak(
            lb(
                "    loadBalancerType: nlb\n    targetGroupIPType: ipv6",
                false,
                &pair("ipv4", "ipv4"),
            )
            .into_boxed_str(),
        ),
        cluster_network: "",
        machine: MACHINE,
    };
    expect("tg-ipv6-needs-vpc-ipv6", no_v6);
    expect(
        "tg-ipv6-needs-dualstack-lb",
        c(&lb(
            "    loadBalancerType: nlb\n    ipAddressType: ipv4\n    targetGroupIPType: ipv6",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    let row7 = Case {
        aws_cluster: Box::leak(
            lb(
                "    loadBalancerType: nlb\n    targetGroupIPType: ipv6",
                true,
                &pair("dualstack", "ipv4"),
            )
            .into_boxed_str(),
        ),
        cluster_network: "\n    pods: {cidrBlocks: [192.168.0.0/16]}\n",
        machine: MACHINE,
    };
    expect("tg-ipv6-needs-cp-ipv6", row7);
    let disabled_primary = Case {
        aws_cluster: Box::leak(
            lb(
                "    loadBalancerType: nlb\n    targetGroupIPType: ipv6",
                true,
                &pair("dualstack", "dualstack"),
            )
            .into_boxed_str(),
        ),
        cluster_network: V6_NETWORK,
        machine: "        instanceType: m5.large\n        assignPrimaryIPv6: disabled\n",
    };
    expect("tg-ipv6-needs-cp-ipv6", disabled_primary);
    let v6_only_cp = Case {
        aws_cluster: Box::leak(
            lb(
                "    loadBalancerType: nlb\n    targetGroupIPType: ipv4",
                true,
                &pair("dualstack", "ipv6"),
            )
            .into_boxed_str(),
        ),
        cluster_network: V6_NETWORK,
        machine: "        instanceType: m5.large\n        \
            instanceMetadataOptions: {httpProtocolIpv6: enabled}\n",
    };
    expect("tg-ipv4-needs-cp-ipv4", v6_only_cp);
}

/// The seed's support matrix, all nine rows (internet-facing NLB).
#[test]
fn support_matrix_rows() {
    let rows: [(&str, &str, &str, &str, Option<&str>); 9] = [
        ("ipv4", "ipv4", "ipv4", "ipv4", None),
        ("dualstack", "dualstack", "dualstack", "ipv6", None),
        ("dualstack", "dualstack", "dualstack", "ipv4", None),
        ("dualstack", "dualstack", "ipv4", "ipv4", None),
        ("dualstack", "ipv4", "dualstack", "ipv4", None),
        ("dualstack", "ipv6", "dualstack", "ipv6", None),
        (
            "dualstack",
            "ipv4",
            "dualstack",
            "ipv6",
            Some("tg-ipv6-needs-cp-ipv6"),
        ),
        (
            "ipv6",
            "dualstack",
            "dualstack",
            "ipv6",
            Some("lb-ipv6-only-subnet"),
        ),
        (
            "dualstack",
            "dualstack",
            "ipv6",
            "ipv6",
            Some("lb-ip-type-ipv6"),
        ),
    ];
    for (public, private, lb_ip, tg, refused) in rows {
        let any_v6 = [public, private].iter().any(|f| *f != "ipv4");
        let a = lb(
            &format!(
                "    loadBalancerType: nlb\n    ipAddressType: {lb_ip}\n    targetGroupIPType: {tg}"
            ),
            any_v6,
            &pair(public, private),
        );
        let net = if private == "ipv4" || !any_v6 {
            "\n    pods: {cidrBlocks: [192.168.0.0/16]}\n"
        } else {
            V6_NETWORK
        };
        let machine = if private == "ipv6" {
            "        instanceType: m5.large\n        \
                instanceMetadataOptions: {httpProtocolIpv6: enabled}\n"
        } else {
            MACHINE
        };
        let f = rules_of(
            &Case {
                aws_cluster: &a,
                cluster_network: net,
                machine,
            },
            &facts(),
            None,
        );
        let errors: Vec<&str> = f
            .iter()
            .filter(|x| x.is_error())
            .map(|x| x.rule.id())
            .collect();
        match refused {
            None => assert!(
                errors.is_empty(),
                "{public}/{private}/{lb_ip}/{tg} should be supported: {f:#?}"
            ),
            Some(rule) => assert!(
                errors.contains(&rule),
                "{public}/{private}/{lb_ip}/{tg} should be refused by {rule}: {f:#?}"
            ),
        }
    }
}

#[test]
fn machine_rules() {
    let m = |machine: &'static str, aws_cluster: &'static str| Case {
        aws_cluster,
        cluster_network: V6_NETWORK,
        machine,
    };
    expect(
        "instance-type-unknown",
        m("        instanceType: m9.huge\n", IPV6_CLUSTER),
    );
    expect(
        "instance-type-no-ipv6",
        m("        instanceType: m3.medium\n", IPV6_CLUSTER),
    );
    let v6_only: &'static str = Box::leak(subnets("    - {id: pub, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n    - {id: p, isIpv6: true, availabilityZone: us-east-1a}\n").into_boxed_str());
    expect(
        "instance-type-not-nitro",
        m(
            "        instanceType: m4.large\n        \
                instanceMetadataOptions: {httpProtocolIpv6: enabled}\n",
            v6_only,
        ),
    );
    let f = rules_of(
        &m(
            "        instanceType: m5.large\n        \
                instanceMetadataOptions: {httpProtocolIpv6: enabled}\n",
            v6_only,
        ),
        &facts(),
        None,
    );
    assert!(f.is_empty(), "Nitro in IPv6-only is fine: {f:#?}");
    expect(
        "machine-subnet-not-found",
        m(
            "        instanceType: m5.large\n        subnet: {id: nowhere}\n",
            IPV6_CLUSTER,
        ),
    );
    let v4: &'static str = "\n  region: us-east-1\n  controlPlaneLoadBalancer: {loadBalancerType: nlb}\n  network:\n    vpc: {cidrBlock: 10.0.0.0/16}\n";
    let c = Case {
        aws_cluster: v4,
        cluster_network: "",
        machine: "        instanceType: m5.large\n        assignPrimaryIPv6: enabled\n",
    };
    expect("machine-primary-ipv6-without-vpc-ipv6", c);
    let mixed: &'static str = Box::leak(subnets("    - {id: pub, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n    - {id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1a}\n").into_boxed_str());
    let c = Case {
        aws_cluster: mixed,
        cluster_network: "\n    pods: {cidrBlocks: [192.168.0.0/16]}\n",
        machine: "        instanceType: m5.large\n        assignPrimaryIPv6: enabled\n",
    };
    expect("machine-primary-ipv6-subnet-without-ipv6", c);
    expect(
        "machine-hostname-ipv6-only",
        m(
            "        instanceType: m5.large\n        privateDnsName: \
                {hostnameType: ip-name}\n        instanceMetadataOptions: \
                {httpProtocolIpv6: enabled}\n",
            v6_only,
        ),
    );
    let f = expect(
        "machine-metadata-ipv6-only",
        m("        instanceType: m5.large\n", v6_only),
    );
    assert_eq!(
        f.iter()
            .find(|x| x.rule.id() == "machine-metadata-ipv6-only")
            .unwrap()
            .severity,
        Severity::Warning
    );
}

#[test]
fn kubernetes_network_rules() {
    let net = |n: &'static str| Case {
        aws_cluster: IPV6_CLUSTER,
        cluster_network: n,
        machine: MACHINE,
    };
    expect(
        "k8s-cidr-invalid",
        net("\n    pods: {cidrBlocks: [fd01::/480]}\n"),
    );
    let v4: &'static str = "\n  region: us-east-1\n  controlPlaneLoadBalancer: {loadBalancerType: nlb}\n  network:\n    vpc: {cidrBlock: 10.0.0.0/16}\n";
    expect(
        "k8s-ipv6-needs-vpc-ipv6",
        Case {
            aws_cluster: v4,
            cluster_network: V6_NETWORK,
            machine: MACHINE,
        },
    );
    expect(
        "k8s-dualstack-one-per-family",
        net("\n    pods: {cidrBlocks: [fd01::/48, fd03::/48]}\n"),
    );
    expect(
        "k8s-dualstack-one-per-family",
        net("\n    pods: {cidrBlocks: [fd01::/48, 10.1.0.0/16, fd03::/48]}\n"),
    );
    expect(
        "k8s-primary-family-mismatch",
        net(
            "\n    pods: {cidrBlocks: [fd01::/48, 192.168.0.0/16]}\n    \
                services: {cidrBlocks: [172.30.0.0/16, fd02::/112]}\n",
        ),
    );
    expect(
        "k8s-service-ipv6-prefix",
        net("\n    pods: {cidrBlocks: [fd01::/48]}\n    services: {cidrBlocks: [fd02::/64]}\n"),
    );
    let mixed: &'static str = Box::leak(subnets("    - {id: pub, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n    - {id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1a}\n").into_boxed_str());
    expect(
        "k8s-ipv6-needs-node-ipv6",
        Case {
            aws_cluster: mixed,
            cluster_network: V6_NETWORK,
            machine: MACHINE,
        },
    );
    // The seed's dualstack examples are valid, in either order.
    for n in [
        "\n    pods: {cidrBlocks: [fd01::/48, 192.168.0.0/16]}\n    \
            services: {cidrBlocks: [fd02::/112, 172.30.0.0/16]}\n",
        "\n    pods: {cidrBlocks: [192.168.0.0/16, fd01::/48]}\n    \
            services: {cidrBlocks: [172.30.0.0/16, fd02::/112]}\n",
    ] {
        let f = rules_of(&net(n), &facts(), None);
        assert!(f.is_empty(), "{f:#?}");
    }
}

fn eks(spec: &str) -> Vec<Finding> {
    let text = format!(
        "apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata: {{name: e1}}
spec:
  controlPlaneRef: {{kind: AWSManagedControlPlane, apiVersion: controlplane.cluster.x-k8s.io/v1beta2, name: e1-cp}}
---
kind: AWSManagedControlPlane
apiVersion: controlplane.cluster.x-k8s.io/v1beta2
metadata: {{name: e1-cp}}
spec:
  region: us-east-1
{spec}"
    );
    let m = Manifests::load_str(&text, "eks.yaml", &Vars::only(BTreeMap::new())).unwrap();
    let model = ClusterModel::from_manifests(&m).unwrap();
    let (subnets, mut f) = crate::layout::subnets(&model, &facts());
    f.extend(validate(&model, &facts(), &subnets, None));
    f
}

const ADDONS: &str = "  addons:
  - {name: vpc-cni, version: v1.11.0-eksbuild.1, conflictResolution: overwrite}
  - {name: coredns, version: v1.8.7-eksbuild.1}
  - {name: kube-proxy, version: v1.22.6-eksbuild.1}
";

#[test]
fn eks_rules() {
    let ok = eks(&format!(
        "  version: v1.22.0\n  network: {{vpc: {{ipv6: {{}}}}}}\n{ADDONS}"
    ));
    assert!(ok.is_empty(), "{ok:#?}");
    let f = eks(&format!(
        "  version: v1.18.0\n  network: {{vpc: {{ipv6: {{}}}}}}\n{ADDONS}"
    ));
    assert!(ids(&f).contains(&"eks-ipv6-version"), "{f:#?}");
    let f = eks("  version: v1.22.0\n  network: {vpc: {ipv6: {}}}\n");
    assert!(ids(&f).contains(&"eks-ipv6-addons"), "{f:#?}");
    let f = eks(
        "  version: v1.22.0\n  network: {vpc: {ipv6: {}}}\n  addons:\n  \
            - {name: vpc-cni, version: v1.11.0}\n",
    );
    assert_eq!(
        ids(&f)
            .iter()
            .filter(|r| **r == "eks-ipv6-addon-missing")
            .count(),
        2,
        "{f:#?}"
    );
    let f = eks(&format!(
        "  version: v1.22.0\n  network: {{vpc: {{ipv6: {{}}}}}}\n{}",
        ADDONS.replace("v1.11.0-eksbuild.1", "v1.9.3")
    ));
    assert!(ids(&f).contains(&"eks-ipv6-vpc-cni-version"), "{f:#?}");
    let f = eks(&format!(
        "  version: v1.22.0\n  network: {{vpc: {{ipv6: {{}}, privateDnsHostnameTypeOnLaunch: ip-name}}}}\n{ADDONS}"
    ));
    assert!(ids(&f).contains(&"eks-ipv6-hostname-type"), "{f:#?}");
    // Without IPv6 none of this applies.
    let f = eks("  version: v1.18.0\n  network: {vpc: {}}\n");
    assert!(f.is_empty(), "{f:#?}");
}

#[test]
fn ingress_and_cni_rules() {
    let a = aws(
        "    vpc:\n      ipv6: {}\n    additionalControlPlaneIngressRules:\n    - {description: x, protocol: tcp, fromPort: 1, toPort: 1, cidrBlocks: [10.0.0.0/8], natGatewaysIPsSource: true}\n",
    );
    expect("ingress-rule-nat-source-exclusive", case(&a));
    let a = aws(
        "    vpc:\n      ipv6: {}\n    additionalNodeIngressRules:\n    - {description: x, protocol: tcp, fromPort: 1, toPort: 1, ipv6CidrBlocks: ['::/0'], sourceSecurityGroupIds: [sg-1]}\n",
    );
    expect("ingress-rule-cidrs-and-groups", case(&a));
    let a = aws(
        "    vpc:\n      ipv6: {}\n    additionalNodeIngressRules:\n    - {description: x, protocol: tcp, fromPort: 1, toPort: 1, cidrBlocks: ['::/0']}\n",
    );
    expect("ingress-rule-cidr-invalid", case(&a));
    let no_cni = "\n  region: us-east-1\n  controlPlaneLoadBalancer: \
        {loadBalancerType: nlb}\n  network:\n    vpc: {ipv6: {}}\n";
    let f = expect("cni-vxlan-missing", case(no_cni));
    assert!(f.iter().all(|x| x.severity == Severity::Warning), "{f:#?}");
    let ipip = "\n  region: us-east-1\n  controlPlaneLoadBalancer: {loadBalancerType: nlb}\n  network:\n    cni:\n      cniIngressRules:\n      - {description: VXLAN, protocol: udp, fromPort: 4789, toPort: 4789}\n      - {description: IP-in-IP, protocol: '4', fromPort: -1, toPort: 65535}\n    vpc: {ipv6: {}}\n";
    expect("cni-ipip-ipv6", case(ipip));
}

#[test]
fn no_in_place_migration() {
    let mut f = facts();
    f.existing_cluster_vpc = Some(VpcFact {
        vpc_id: "vpc-1".into(),
        cidr_blocks: vec!["10.0.0.0/16".parse().unwrap()],
        ipv6_cidr_blocks: vec![],
        tags: BTreeMap::new(),
    });
    let found = expect_with("no-in-place-migration", base(), &f);
    let msg = &found
        .iter()
        .find(|x| x.rule.id() == "no-in-place-migration")
        .unwrap()
        .message;
    assert!(msg.contains("create a new cluster"), "{msg}");
    // The reverse: an IPv6 cluster that drops vpc.ipv6.
    f.existing_cluster_vpc.as_mut().unwrap().ipv6_cidr_blocks =
        vec!["2600:1f18:0:100::/56".parse().unwrap()];
    let v4 = "\n  region: us-east-1\n  controlPlaneLoadBalancer: {loadBalancerType: nlb}\n  network:\n    vpc: {cidrBlock: 10.0.0.0/16}\n";
    expect_with(
        "no-in-place-migration",
        Case {
            aws_cluster: v4,
            cluster_network: "",
            machine: MACHINE,
        },
        &f,
    );
}

/// Every rule in `RULES` has a case above.
#[test]
fn every_rule_has_a_unit_test() {
    let src = include_str!("tests.rs");
    for id in Rule::ALL.iter().map(|r| r.id()) {
        assert!(
            src.contains(&format!("\"{id}\"")),
            "no unit test names the rule {id}"
        );
    }
}

fn model_rules(text: &str) -> Vec<&'static str> {
    let m = Manifests::load_str(text, "m.yaml", &Vars::only(BTreeMap::new())).unwrap();
    match ClusterModel::from_manifests(&m) {
        Ok(_) => Vec::new(),
        Err(f) => ids(&f),
    }
}

#[test]
fn manifest_rules() {
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
fn unknown_fields_and_kinds() {
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
        "manifest-unknown-field",
        "manifest-extension-field",
        "manifest-unknown-kind",
    ] {
        assert!(rules.contains(&rule), "{rule} in {found:#?}");
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
fn a_misspelt_kind_comes_with_the_missing_object() {
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
fn placement_is_the_region_rule() {
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
