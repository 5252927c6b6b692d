//! Cases for machines and instance types.

use super::*;

#[test]
pub(super) fn machine_rules() {
    let m = |machine: &'static str, aws_cluster: &'static str| Case {
        aws_cluster,
        cluster_network: V6_NETWORK,
        machine,
    };
    expect(
        Rule::InstanceTypeUnknown,
        m("        instanceType: m9.huge\n", IPV6_CLUSTER),
    );
    expect(
        Rule::InstanceTypeNoIpv6,
        m("        instanceType: m3.medium\n", IPV6_CLUSTER),
    );
    // A key pair the region lacks: on the AWSMachineTemplate that names it,
    // or on the AWSCluster when CAPA falls back to `default`; "" is no key.
    let mut no_keys = facts();
    no_keys.key_pairs.insert("laptop".into(), false);
    no_keys.key_pairs.insert("default".into(), false);
    let f = expect_with(
        Rule::SshKeyPairNotFound,
        m(
            "        instanceType: m5.large\n        sshKeyName: laptop\n",
            IPV6_CLUSTER,
        ),
        &no_keys,
    );
    let key = f
        .iter()
        .find(|x| x.rule == Rule::SshKeyPairNotFound)
        .expect("found");
    assert_eq!(key.path, "spec.template.spec.sshKeyName");
    assert!(
        key.message.contains("'laptop'") && key.message.contains("InvalidKeyPair.NotFound"),
        "{}",
        key.message
    );
    let f = expect_with(
        Rule::SshKeyPairNotFound,
        m("        instanceType: m5.large\n", IPV6_CLUSTER),
        &no_keys,
    );
    let key = f
        .iter()
        .find(|x| x.rule == Rule::SshKeyPairNotFound)
        .expect("found");
    assert!(
        key.object.starts_with("AWSCluster/") && key.message.contains("'default'"),
        "{key:?}"
    );
    let f = rules_of(
        &m(
            "        instanceType: m5.large\n        sshKeyName: \"\"\n",
            IPV6_CLUSTER,
        ),
        &no_keys,
        None,
    );
    assert!(
        !f.iter().any(|x| x.rule == Rule::SshKeyPairNotFound),
        "{f:#?}"
    );
    no_keys.key_pairs.insert("laptop".into(), true);
    let f = rules_of(
        &m(
            "        instanceType: m5.large\n        sshKeyName: laptop\n",
            IPV6_CLUSTER,
        ),
        &no_keys,
        None,
    );
    assert!(
        !f.iter().any(|x| x.rule == Rule::SshKeyPairNotFound),
        "{f:#?}"
    );
    // No ami.id and CAPA's lookup found nothing; an ami.id needs no lookup.
    let mut no_image = facts();
    no_image.images.insert(
        "m5.large".into(),
        crate::facts::ImageFact {
            lookup: "name capa-ami-ubuntu-24.04-?1.19.0-*".into(),
            image_id: None,
        },
    );
    let f = expect_with(
        Rule::MachineImageNotFound,
        m("        instanceType: m5.large\n", IPV6_CLUSTER),
        &no_image,
    );
    let img = f
        .iter()
        .find(|x| x.rule == Rule::MachineImageNotFound)
        .expect("found");
    assert!(
        img.message.contains("capa-ami-ubuntu-24.04-?1.19.0-*"),
        "{}",
        img.message
    );
    let f = rules_of(
        &m(
            "        instanceType: m5.large\n        ami: {id: ami-0123456789abcdef0}\n",
            IPV6_CLUSTER,
        ),
        &no_image,
        None,
    );
    assert!(
        !f.iter().any(|x| x.rule == Rule::MachineImageNotFound),
        "{f:#?}"
    );
    // A type its zone does not offer (DescribeInstanceTypeOfferings); the
    // default layout puts the control plane in us-east-1a, b and c.
    let mut offered = facts();
    if let Some(Some(t)) = offered.instance_types.get_mut("m5.large") {
        t.zones = Some(vec!["us-east-1a".into(), "us-east-1b".into()]);
    }
    let f = expect_with(
        Rule::InstanceTypeNotOffered,
        m("        instanceType: m5.large\n", IPV6_CLUSTER),
        &offered,
    );
    let not = f
        .iter()
        .find(|x| x.rule == Rule::InstanceTypeNotOffered)
        .expect("found");
    assert!(
        not.message.contains("not offered in us-east-1c")
            && not.message.contains("us-east-1a, us-east-1b"),
        "{}",
        not.message
    );
    if let Some(Some(t)) = offered.instance_types.get_mut("m5.large") {
        t.zones = Some(vec![
            "us-east-1a".into(),
            "us-east-1b".into(),
            "us-east-1c".into(),
        ]);
    }
    let f = rules_of(
        &m("        instanceType: m5.large\n", IPV6_CLUSTER),
        &offered,
        None,
    );
    assert!(
        !f.iter().any(|x| x.rule == Rule::InstanceTypeNotOffered),
        "{f:#?}"
    );
    let v6_only: &'static str = Box::leak(subnet_list("    - {id: pub, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n    - {id: p, isIpv6: true, availabilityZone: us-east-1a}\n").into_boxed_str());
    expect(
        Rule::InstanceTypeNotNitro,
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
        Rule::MachineSubnetNotFound,
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
    expect(Rule::MachinePrimaryIpv6WithoutVpcIpv6, c);
    let mixed: &'static str = Box::leak(subnet_list("    - {id: pub, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n    - {id: p, cidrBlock: 10.0.16.0/20, availabilityZone: us-east-1a}\n").into_boxed_str());
    let c = Case {
        aws_cluster: mixed,
        cluster_network: "\n    pods: {cidrBlocks: [192.168.0.0/16]}\n",
        machine: "        instanceType: m5.large\n        assignPrimaryIPv6: enabled\n",
    };
    expect(Rule::MachinePrimaryIpv6SubnetWithoutIpv6, c);
    expect(
        Rule::MachineHostnameIpv6Only,
        m(
            "        instanceType: m5.large\n        privateDnsName: \
                {hostnameType: ip-name}\n        instanceMetadataOptions: \
                {httpProtocolIpv6: enabled}\n",
            v6_only,
        ),
    );
    let f = expect(
        Rule::MachineMetadataIpv6Only,
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

/// A MachineDeployment's workers go where CAPA's `findSubnet` puts them: a
/// private subnet of their failure domain, which must exist.
#[test]
pub(super) fn worker_rules() {
    let md = |zone: &str| {
        format!(
            "{}---\napiVersion: cluster.x-k8s.io/v1beta1\nkind: MachineDeployment\nmetadata: {{name: md0}}\nspec:\n  clusterName: c1\n  replicas: 2\n  selector: {{matchLabels: {{}}}}\n  template:\n    spec:\n      clusterName: c1\n      bootstrap: {{dataSecretName: none}}\n      failureDomain: {zone}\n      infrastructureRef: {{kind: AWSMachineTemplate, name: c1-cp}}\n",
            manifests(&base())
        )
    };
    let run = |text: &str| {
        let m = Manifests::load_str(text, "case.yaml", &Vars::only(BTreeMap::new())).unwrap();
        let model = ClusterModel::from_manifests(&m).expect("model");
        let (subnets, mut findings) = crate::layout::subnets(&model, &facts());
        findings.extend(validate(&model, &facts(), &subnets, None));
        findings
    };
    let f = run(&md("us-east-1a"));
    assert!(f.is_empty(), "{f:#?}");
    let f = run(&md("us-east-1f"));
    assert_eq!(ids(&f), ["worker-no-subnet"], "{f:#?}");
    assert_eq!(f[0].object, "MachineDeployment/md0");
    assert_eq!(f[0].path, "spec.template.spec.failureDomain");
    covers(&f, Rule::WorkerNoSubnet);
}
