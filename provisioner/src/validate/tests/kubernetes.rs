//! Cases for Kubernetes networks, EKS, ingress and CNI rules.

use super::*;

#[test]
pub(super) fn kubernetes_network_rules() {
    let net = |n: &'static str| Case {
        aws_cluster: IPV6_CLUSTER,
        cluster_network: n,
        machine: MACHINE,
    };
    expect(
        Rule::K8sCidrInvalid,
        net("\n    pods: {cidrBlocks: [fd01::/480]}\n"),
    );
    let v4: &'static str = "\n  region: us-east-1\n  controlPlaneLoadBalancer: {loadBalancerType: nlb}\n  network:\n    vpc: {cidrBlock: 10.0.0.0/16}\n";
    expect(
        Rule::K8sIpv6NeedsVpcIpv6,
        Case {
            aws_cluster: v4,
            cluster_network: V6_NETWORK,
            machine: MACHINE,
        },
    );
    expect(
        Rule::K8sDualstackOnePerFamily,
        net("\n    pods: {cidrBlocks: [fd01::/48, fd03::/48]}\n"),
    );
    expect(
        Rule::K8sDualstackOnePerFamily,
        net("\n    pods: {cidrBlocks: [fd01::/48, 10.1.0.0/16, fd03::/48]}\n"),
    );
    expect(
        Rule::K8sPrimaryFamilyMismatch,
        net(
            "\n    pods: {cidrBlocks: [fd01::/48, 192.168.0.0/16]}\n    \
                services: {cidrBlocks: [172.30.0.0/16, fd02::/112]}\n",
        ),
    );
    expect(
        Rule::K8sServiceIpv6Prefix,
        net("\n    pods: {cidrBlocks: [fd01::/48]}\n    services: {cidrBlocks: [fd02::/64]}\n"),
    );
    let mixed: &'static str = Box::leak(subnet_list("    - {id: pub, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n    - {id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1a}\n").into_boxed_str());
    expect(
        Rule::K8sIpv6NeedsNodeIpv6,
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
    eks_with(spec, "", &facts())
}

/// [`eks`] with lines for the Cluster's spec and other facts.
fn eks_with(spec: &str, cluster_spec: &str, facts: &Facts) -> Vec<Finding> {
    let text = format!(
        "apiVersion: cluster.x-k8s.io/v1beta1
kind: Cluster
metadata: {{name: e1}}
spec:
{cluster_spec}  controlPlaneRef: {{kind: AWSManagedControlPlane, apiVersion: controlplane.cluster.x-k8s.io/v1beta2, name: e1-cp}}
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
    let (subnets, mut f) = crate::layout::subnets(&model, facts);
    f.extend(validate(&model, facts, &subnets, None));
    f
}

const ADDONS: &str = "  addons:
  - {name: vpc-cni, version: v1.11.0-eksbuild.1, conflictResolution: overwrite}
  - {name: coredns, version: v1.8.7-eksbuild.1}
  - {name: kube-proxy, version: v1.22.6-eksbuild.1}
";

#[test]
pub(super) fn eks_rules() {
    let ok = eks(&format!(
        "  version: v1.22.0\n  network: {{vpc: {{ipv6: {{}}}}}}\n{ADDONS}"
    ));
    assert!(ok.is_empty(), "{ok:#?}");
    let f = eks(&format!(
        "  version: v1.18.0\n  network: {{vpc: {{ipv6: {{}}}}}}\n{ADDONS}"
    ));
    covers(&f, Rule::EksIpv6Version);
    let f = eks("  version: v1.22.0\n  network: {vpc: {ipv6: {}}}\n");
    covers(&f, Rule::EksIpv6Addons);
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
    covers(&f, Rule::EksIpv6AddonMissing);
    let f = eks(&format!(
        "  version: v1.22.0\n  network: {{vpc: {{ipv6: {{}}}}}}\n{}",
        ADDONS.replace("v1.11.0-eksbuild.1", "v1.9.3")
    ));
    covers(&f, Rule::EksIpv6VpcCniVersion);
    let f = eks(&format!(
        "  version: v1.22.0\n  network: {{vpc: {{ipv6: {{}}, privateDnsHostnameTypeOnLaunch: ip-name}}}}\n{ADDONS}"
    ));
    covers(&f, Rule::EksIpv6HostnameType);
    // Without IPv6 none of this applies; EKS itself no longer offers 1.18.
    let f = eks("  version: v1.18.0\n  network: {vpc: {}}\n");
    assert_eq!(ids(&f), ["eks-version-unsupported"], "{f:#?}");
    covers(&f, Rule::EksVersionUnsupported);
    let f = eks("  version: v1.36.0\n  network: {vpc: {}}\n");
    assert_eq!(ids(&f), ["eks-version-unsupported"], "{f:#?}");
    assert!(eks("  version: v1.20.0\n  network: {vpc: {}}\n").is_empty());
    // Addons need v1.18 (major.minor), with or without IPv6.
    let f = eks(
        "  version: v1.17.9\n  network: {vpc: {}}\n  addons:\n  - {name: coredns, version: v1.8.0}\n",
    );
    assert_eq!(
        ids(&f),
        ["eks-version-unsupported", "eks-addons-version"],
        "{f:#?}"
    );
    covers(&f, Rule::EksAddonsVersion);
    let f = eks("  version: v1.17.9\n  network: {vpc: {}}\n");
    assert_eq!(ids(&f), ["eks-version-unsupported"], "{f:#?}");
    // Where EKS puts the control plane: two subnets in two zones at least.
    let sub = |id: &str, az: &str, extra: &str| {
        format!(
            "    - {{id: {id}, cidrBlock: {}, availabilityZone: {az}{extra}}}\n",
            cidr(id)
        )
    };
    fn cidr(id: &str) -> &'static str {
        match id {
            "pa" => "10.0.0.0/20",
            "pb" => "10.0.16.0/20",
            "qa" => "10.0.64.0/20",
            _ => "10.0.128.0/20",
        }
    }
    let one_zone = format!(
        "  version: v1.30.0\n  network:\n    subnets:\n{}{}",
        sub("pa", "us-east-1a", ", isPublic: true"),
        sub("qa", "us-east-1a", "")
    );
    let f = eks(&one_zone);
    assert_eq!(ids(&f), ["eks-subnets-two-zones"], "{f:#?}");
    covers(&f, Rule::EksSubnetsTwoZones);
    let two_zones = format!(
        "  version: v1.30.0\n  network:\n    subnets:\n{}{}{}{}",
        sub("pa", "us-east-1a", ", isPublic: true"),
        sub("pb", "us-east-1b", ", isPublic: true"),
        sub("qa", "us-east-1a", ""),
        sub("qb", "us-east-1b", "")
    );
    let f = eks(&two_zones);
    assert!(f.is_empty(), "{f:#?}");
    // restrictPrivateSubnets: the private ones alone must make two zones.
    let f = eks(&format!("{two_zones}  restrictPrivateSubnets: true\n"));
    assert!(f.is_empty(), "{f:#?}");
    let one_private = format!(
        "  version: v1.30.0\n  network:\n    subnets:\n{}{}{}  restrictPrivateSubnets: true\n",
        sub("pa", "us-east-1a", ", isPublic: true"),
        sub("pb", "us-east-1b", ", isPublic: true"),
        sub("qa", "us-east-1a", "")
    );
    let f = eks(&one_private);
    assert_eq!(ids(&f), ["eks-subnets-two-zones"], "{f:#?}");
    // IPv6: the subnets EKS gets must have IPv6 in two zones.
    let f = eks(&format!(
        "  version: v1.30.0\n  network:\n    vpc: {{ipv6: {{}}}}\n    subnets:\n{}{}{ADDONS}",
        sub("pa", "us-east-1a", ", isPublic: true, isIpv6: true"),
        sub("pb", "us-east-1b", ", isPublic: true")
    ));
    assert!(ids(&f).contains(&"eks-ipv6-subnets"), "{f:#?}");
    covers(&f, Rule::EksIpv6Subnets);
    // Add-on versions: what DescribeAddonVersions listed for the version.
    let mut listed = facts();
    for (name, version) in [
        ("vpc-cni", "v1.11.0-eksbuild.1"),
        ("coredns", "v1.8.7-eksbuild.1"),
        ("kube-proxy", "v1.22.6-eksbuild.1"),
    ] {
        listed
            .eks_addon_versions
            .insert(name.into(), vec![version.into()]);
    }
    let v6 = "  version: v1.22.0\n  network: {vpc: {ipv6: {}}}\n";
    assert!(eks_with(&format!("{v6}{ADDONS}"), "", &listed).is_empty());
    let f = eks_with(
        &format!(
            "{v6}{}",
            ADDONS.replace("v1.8.7-eksbuild.1", "v1.9.3-eksbuild.2")
        ),
        "",
        &listed,
    );
    assert_eq!(ids(&f), ["eks-addon-version-unsupported"], "{f:#?}");
    assert_eq!(f[0].path, "spec.addons[1].version");
    covers(&f, Rule::EksAddonVersionUnsupported);
    // An IPv4 services block on an IPv6 EKS cluster is not sent.
    let services = "  clusterNetwork: {services: {cidrBlocks: [10.96.0.0/12]}}\n";
    let f = eks_with(&format!("{v6}{ADDONS}"), services, &listed);
    assert_eq!(ids(&f), ["eks-ipv6-service-cidr-ignored"], "{f:#?}");
    covers(&f, Rule::EksIpv6ServiceCidrIgnored);
    let v4 = "  version: v1.22.0\n  network: {vpc: {}}\n";
    assert!(eks_with(v4, services, &listed).is_empty());
}

#[test]
pub(super) fn ingress_and_cni_rules() {
    let a = aws(
        "    vpc:\n      ipv6: {}\n    additionalControlPlaneIngressRules:\n    - {description: x, protocol: tcp, fromPort: 1, toPort: 1, cidrBlocks: [10.0.0.0/8], natGatewaysIPsSource: true}\n",
    );
    expect(Rule::IngressRuleNatSourceExclusive, case(&a));
    let a = aws(
        "    vpc:\n      ipv6: {}\n    additionalNodeIngressRules:\n    - {description: x, protocol: tcp, fromPort: 1, toPort: 1, ipv6CidrBlocks: ['::/0'], sourceSecurityGroupIds: [sg-1]}\n",
    );
    expect(Rule::IngressRuleCidrsAndGroups, case(&a));
    let a = aws(
        "    vpc:\n      ipv6: {}\n    additionalNodeIngressRules:\n    - {description: x, protocol: tcp, fromPort: 1, toPort: 1, cidrBlocks: ['::/0']}\n",
    );
    expect(Rule::IngressRuleCidrInvalid, case(&a));
    let no_cni = "\n  region: us-east-1\n  controlPlaneLoadBalancer: \
        {loadBalancerType: nlb}\n  network:\n    vpc: {ipv6: {}}\n";
    let f = expect(Rule::CniVxlanMissing, case(no_cni));
    assert!(f.iter().all(|x| x.severity == Severity::Warning), "{f:#?}");
    let ipip = "\n  region: us-east-1\n  controlPlaneLoadBalancer: {loadBalancerType: nlb}\n  network:\n    cni:\n      cniIngressRules:\n      - {description: VXLAN, protocol: udp, fromPort: 4789, toPort: 4789}\n      - {description: IP-in-IP, protocol: '4', fromPort: -1, toPort: 65535}\n    vpc: {ipv6: {}}\n";
    expect(Rule::CniIpipIpv6, case(ipip));
}

/// The findings of the base cluster with its kubeadm configuration replaced
/// (`kubeadm` is the KubeadmControlPlane's `spec.kubeadmConfigSpec`) and a
/// MachineDeployment bootstrapped from `worker` (a KubeadmConfigTemplate's
/// `spec.template.spec`), on the cluster network `net`.
fn kubeadm_case(net: &str, kubeadm: &str, worker: &str) -> Vec<Finding> {
    let c = Case {
        cluster_network: Box::leak(net.to_owned().into_boxed_str()),
        ..base()
    };
    let text = manifests(&c).replace(KUBEADM_IPV6, &format!("  kubeadmConfigSpec: {kubeadm}"))
        + &format!(
            "---
apiVersion: cluster.x-k8s.io/v1beta1
kind: MachineDeployment
metadata: {{name: md}}
spec:
  clusterName: c1
  replicas: 1
  selector: {{matchLabels: {{}}}}
  template:
    spec:
      clusterName: c1
      bootstrap: {{configRef: {{kind: KubeadmConfigTemplate, name: md}}}}
      infrastructureRef: {{kind: AWSMachineTemplate, name: c1-cp}}
---
apiVersion: bootstrap.cluster.x-k8s.io/v1beta2
kind: KubeadmConfigTemplate
metadata: {{name: md}}
spec:
  template:
    spec: {worker}
"
        );
    let m = Manifests::load_str(&text, "case.yaml", &Vars::only(BTreeMap::new()))
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let model = ClusterModel::from_manifests(&m).expect("model");
    let (subnets, mut f) = crate::layout::subnets(&model, &facts());
    f.extend(validate(&model, &facts(), &subnets, None));
    f
}

/// CAPA's IPv6 kubeadm settings on an IPv6-primary cluster: one finding a
/// configuration that lacks any, naming each; none with them all, and none
/// on an IPv4-primary cluster.
#[test]
pub(super) fn kubeadm_rules() {
    let worker_v6 = "{joinConfiguration: {nodeRegistration: {kubeletExtraArgs: [{name: node-ip, value: '::'}]}}}";
    let kubeadm_of = |f: &[Finding]| -> Vec<Finding> {
        f.iter()
            .filter(|x| x.rule == Rule::KubeadmIpv6Settings)
            .cloned()
            .collect()
    };
    // Both bare: the control plane's six settings and the worker's one.
    let f = kubeadm_case(V6_NETWORK, "{}", "{}");
    covers(&f, Rule::KubeadmIpv6Settings);
    let found = kubeadm_of(&f);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].object, "KubeadmControlPlane/c1-cp");
    assert_eq!(found[0].path, "spec.kubeadmConfigSpec");
    assert_eq!(
        found[0].message.matches(": \"::\"").count(),
        6,
        "{found:#?}"
    );
    assert_eq!(found[1].object, "KubeadmConfigTemplate/md");
    assert_eq!(found[1].path, "spec.template.spec");
    // A v1beta2 template: the addition is a list entry.
    assert!(
        found[1].message.contains(
            "joinConfiguration.nodeRegistration.kubeletExtraArgs: [{name: node-ip, value: \"::\"}]"
        ),
        "{found:#?}"
    );
    // An IPv4 node-ip is named with what it is now.
    let f = kubeadm_case(
        V6_NETWORK,
        "{}",
        "{joinConfiguration: {nodeRegistration: {kubeletExtraArgs: [{name: node-ip, value: 10.0.0.1}]}}}",
    );
    assert!(
        kubeadm_of(&f)[1].message.contains("(now 10.0.0.1)"),
        "{f:#?}"
    );
    // Everything set: nothing to say.
    let full = KUBEADM_IPV6.trim_start_matches("  kubeadmConfigSpec:");
    let f = kubeadm_case(V6_NETWORK, full, worker_v6);
    assert!(kubeadm_of(&f).is_empty(), "{f:#?}");
    // IPv4 first (dualstack, IPv4 primary): kubeadm's defaults are right.
    let f = kubeadm_case(
        "\n    pods: {cidrBlocks: [192.168.0.0/16, fd01::/48]}\n    services: {cidrBlocks: [10.96.0.0/12, fd02::/112]}\n",
        "{}",
        "{}",
    );
    assert!(kubeadm_of(&f).is_empty(), "{f:#?}");
}
