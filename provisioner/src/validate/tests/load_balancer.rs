//! Cases for the load balancer, its target group and the seed's support matrix.

use super::*;

#[test]
pub(super) fn load_balancer_rules() {
    // The existing cluster's load balancer keeps its immutable fields.
    let mut existing = facts();
    existing.existing_load_balancer = Some(crate::facts::LoadBalancerFact {
        name: "default-c1-apiserver".into(),
        scheme: Some("internet-facing".into()),
        target_group: Some(crate::facts::TargetGroupFact {
            name: "tg".into(),
            ip_address_type: Some("ipv4".into()),
            health_check_protocol: Some("TCP".into()),
        }),
    });
    let f = expect_with(Rule::LbImmutableField, base(), &existing);
    let paths: Vec<&str> = f
        .iter()
        .filter(|x| x.rule == Rule::LbImmutableField)
        .map(|x| x.path.as_str())
        .collect();
    assert_eq!(
        paths,
        ["spec.controlPlaneLoadBalancer.targetGroupIPType"],
        "{f:#?}"
    );

    // CAPA's default classic ELB (no loadBalancerType) on an IPv6 cluster.
    let classic_v6_only = "\n  region: us-east-1\n  network:\n    cni:\n      cniIngressRules:\n      - {description: VXLAN, protocol: udp, fromPort: 4789, toPort: 4789}\n    vpc: {ipv6: {}}\n    subnets:\n    - {id: pub, cidrBlock: 10.0.0.0/20, isIpv6: true, isPublic: true, availabilityZone: us-east-1a}\n    - {id: priv, isIpv6: true, availabilityZone: us-east-1a}\n";
    expect(Rule::LbClassicIpv6OnlyControlPlane, case(classic_v6_only));
    let classic_dual = classic_v6_only.replace(
        "{id: priv, isIpv6: true,",
        "{id: priv, cidrBlock: 10.0.64.0/18, isIpv6: true,",
    );
    let f = expect(Rule::LbClassicIpv4Only, case(&classic_dual));
    assert!(f.iter().all(|x| !x.is_error()), "{f:#?}");

    let c = |l: &str| Case {
        aws_cluster: Box::leak(l.to_owned().into_boxed_str()),
        cluster_network: V6_NETWORK,
        machine: MACHINE,
    };
    // An NLB listens on 6443 whatever apiServerPort says.
    let f = expect(
        Rule::LbApiPortNot6443,
        Case {
            cluster_network: "\n    apiServerPort: 443\n    pods: {cidrBlocks: [fd01::/48]}\n    services: {cidrBlocks: [fd02::/112]}\n",
            ..base()
        },
    );
    assert!(f.iter().all(|x| !x.is_error()), "{f:#?}");
    let f = rules_of(&base(), &facts(), Some("us-east-1"));
    assert!(f.iter().all(|x| x.rule != Rule::LbApiPortNot6443), "{f:#?}");
    expect(
        Rule::LbTypeInvalid,
        c(&lb(
            "    loadBalancerType: fancy",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        Rule::LbSchemeInvalid,
        c(&lb(
            "    loadBalancerType: nlb\n    scheme: public",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        Rule::LbIpTypeIpv6,
        c(&lb(
            "    loadBalancerType: nlb\n    ipAddressType: ipv6",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        Rule::LbIpTypeInvalid,
        c(&lb(
            "    loadBalancerType: nlb\n    ipAddressType: dualstack-without-public-ipv4",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        Rule::LbIpTypeClassic,
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
    expect(Rule::LbDualstackNeedsVpcIpv6, ipv4_net);
    expect(
        Rule::LbIpv6OnlySubnet,
        c(&lb(
            "    loadBalancerType: nlb",
            true,
            &pair("ipv6", "dualstack"),
        )),
    );
    expect(
        Rule::LbDualstackNeedsIpv6Subnets,
        c(&lb(
            "    loadBalancerType: nlb",
            true,
            &pair("ipv4", "dualstack"),
        )),
    );
    expect(
        Rule::LbNoSubnets,
        c(&lb(
            "    loadBalancerType: nlb\n    subnets: [nope]",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        Rule::TgIpTypeInvalid,
        c(&lb(
            "    loadBalancerType: nlb\n    targetGroupIPType: ipv5",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        Rule::TgIpTypeClassic,
        c(&lb(
            "    loadBalancerType: classic\n    targetGroupIPType: ipv4",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        Rule::TgIpTypeDisabled,
        c(&lb(
            "    loadBalancerType: disabled\n    targetGroupIPType: ipv4",
            true,
            &pair("dualstack", "dualstack"),
        )),
    );
    expect(
        Rule::TgIpTypeClassic,
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
    expect(Rule::TgIpv6NeedsVpcIpv6, no_v6);
    expect(
        Rule::TgIpv6NeedsDualstackLb,
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
    expect(Rule::TgIpv6NeedsCpIpv6, row7);
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
    expect(Rule::TgIpv6NeedsCpIpv6, disabled_primary);
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
    expect(Rule::TgIpv4NeedsCpIpv4, v6_only_cp);
}

/// The seed's support matrix, all nine rows (internet-facing NLB).
#[test]
pub(super) fn support_matrix_rows() {
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

/// CAPA's webhook on `secondaryControlPlaneLoadBalancer`: a name of its own,
/// another scheme than the primary's, an NLB; a valid one has no finding.
#[test]
pub(super) fn secondary_load_balancer_rules() {
    let with = |secondary: &str| -> Case<'static> {
        Case {
            aws_cluster: Box::leak(
                format!("{IPV6_CLUSTER}  secondaryControlPlaneLoadBalancer: {secondary}\n")
                    .into_boxed_str(),
            ),
            ..base()
        }
    };
    let secondary_rules = [
        Rule::SecondaryLbName,
        Rule::SecondaryLbScheme,
        Rule::SecondaryLbNotNlb,
    ];
    let good = rules_of(
        &with("{name: c1-int, loadBalancerType: nlb, scheme: internal}"),
        &facts(),
        Some("us-east-1"),
    );
    assert!(
        good.iter().all(|f| !secondary_rules.contains(&f.rule)),
        "{good:#?}"
    );
    // A bare one: the CRD's defaults (classic, internet-facing) and no name.
    let f = expect(Rule::SecondaryLbName, with("{}"));
    covers(&f, Rule::SecondaryLbScheme);
    covers(&f, Rule::SecondaryLbNotNlb);
    // The primary's name, given on both.
    let same = Case {
        aws_cluster: Box::leak(
            IPV6_CLUSTER
                .replace(
                    "    loadBalancerType: nlb\n",
                    "    loadBalancerType: nlb\n    name: api\n",
                )
                .replace(
                    "  network:\n",
                    "  secondaryControlPlaneLoadBalancer: {name: api, loadBalancerType: nlb, scheme: internal}\n  network:\n",
                )
                .into_boxed_str(),
        ),
        ..base()
    };
    let f = expect(Rule::SecondaryLbName, same);
    assert!(
        f.iter().any(|x| x
            .message
            .contains("must be different from controlPlaneLoadBalancer.name")),
        "{f:#?}"
    );
    assert!(
        f.iter().all(|x| x.rule != Rule::SecondaryLbScheme),
        "{f:#?}"
    );
}
