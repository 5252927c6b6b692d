//! The cluster's security groups and their ingress rules, as CAPA
//! defines them: the API load balancer's, the load balancer's, the control
//! plane's and the nodes', with the CNI rules and the spec's own rules.

use super::*;

fn group_rule(
    description: &str,
    protocol: &str,
    from: i64,
    to: i64,
    roles: &[&str],
) -> Vec<RulePlan> {
    roles
        .iter()
        .map(|r| RulePlan {
            description: description.to_owned(),
            protocol: protocol.to_owned(),
            from_port: from,
            to_port: to,
            peer: Peer::Group((*r).to_owned()),
        })
        .collect()
}

/// Normalises CAPA protocol names to what EC2 takes.
fn protocol(p: &str) -> String {
    match p.to_ascii_lowercase().as_str() {
        "all" | "-1" => "-1".into(),
        "icmpv6" | "58" => "58".into(),
        other => other.into(),
    }
}

fn ingress_rule_plans(rules: &[IngressRule]) -> Vec<RulePlan> {
    let mut out = Vec::new();
    for r in rules {
        let mk = |peer: Peer| RulePlan {
            description: r.description.clone(),
            protocol: protocol(&r.protocol),
            from_port: r.from_port,
            to_port: r.to_port,
            peer,
        };
        // As CAPA does: cidrBlocks go out as IPv4 ranges and ipv6CidrBlocks as
        // IPv6 ranges, as written (AWS judges one of the wrong family).
        for c in &r.cidr_blocks {
            out.push(mk(Peer::Ipv4Text(c.clone())));
        }
        for c in &r.ipv6_cidr_blocks {
            out.push(mk(Peer::Ipv6Text(c.clone())));
        }
        for id in &r.source_security_group_ids {
            out.push(mk(Peer::GroupId(id.clone())));
        }
        for role in &r.source_security_group_roles {
            out.push(mk(Peer::Group(role.clone())));
        }
        if r.nat_gateways_ips_source {
            out.push(mk(Peer::NatGatewayIps));
        }
    }
    out
}

pub(super) fn security_groups(model: &ClusterModel) -> Vec<SecurityGroupPlan> {
    let name = &model.name;
    let ipv6 = model.ipv6();
    let port = i64::from(model.api_server_port());
    let cni: Vec<(String, String, i64, i64)> = match &model.network.cni {
        Some(c) => c
            .cni_ingress_rules
            .iter()
            .map(|r| {
                (
                    r.description.clone(),
                    protocol(&r.protocol),
                    r.from_port,
                    r.to_port,
                )
            })
            .collect(),
        // CAPA's defaulting webhook: Calico BGP and IP-in-IP.
        None => vec![
            ("bgp (calico)".into(), "tcp".into(), 179, 179),
            ("IP-in-IP (calico)".into(), "4".into(), -1, 65535),
        ],
    };
    let cni_rules = || -> Vec<RulePlan> {
        cni.iter()
            .flat_map(|(d, p, f, t)| group_rule(d, p, *f, *t, &["controlplane", "node"]))
            .collect()
    };
    // CAPA getSecurityGroupTagParams: the cloud-provider tag goes on the
    // `lb` group alone (the CCM picks the group it finds it on), and is
    // taken off any other group even when additionalTags set it.
    let sg = |role: &str, ingress: Vec<RulePlan>| {
        let gname = format!("{name}-{role}");
        let mut t = base_tags(model, &gname, role);
        if role == "lb" {
            t.insert(tags::kubernetes_key(name), "owned".into());
        } else {
            t.remove(&tags::kubernetes_key(name));
        }
        SecurityGroupPlan {
            role: role.to_owned(),
            name: gname,
            ingress,
            tags: t,
        }
    };
    // Node ports: each family falls back to "anywhere" on its own (CAPA).
    let given: Vec<IpNet> = model
        .network
        .node_port_ingress_rule_cidr_blocks
        .iter()
        .filter_map(|c| c.parse().ok())
        .collect();
    let mut families = vec![("0.0.0.0/0", false)];
    if ipv6 {
        families.push(("::/0", true));
    }
    let mut node_port = Vec::new();
    for (anywhere, v6) in families {
        let mut peers: Vec<IpNet> = given
            .iter()
            .filter(|n| matches!(n, IpNet::V6(_)) == v6)
            .copied()
            .collect();
        if peers.is_empty() {
            peers.push(anywhere.parse().expect("valid"));
        }
        node_port.extend(peers.into_iter().map(|n| RulePlan {
            description: "Node Port Services".into(),
            protocol: "tcp".into(),
            from_port: 30000,
            to_port: 32767,
            peer: Peer::Cidr(n),
        }));
    }
    // CAPA puts the CNI rules first.
    let mut node = cni_rules();
    node.extend(node_port);
    node.extend(group_rule(
        "Kubelet API",
        "tcp",
        10250,
        10250,
        &["controlplane", "node"],
    ));
    // CAPA's defaultSSHIngressRule: with a bastion, SSH from its group.
    let ssh_from_bastion = || group_rule("SSH", "tcp", 22, 22, &["bastion"]);
    if model.bastion.is_some() {
        node.extend(ssh_from_bastion());
    }
    node.extend(ingress_rule_plans(
        &model.network.additional_node_ingress_rules,
    ));

    // CAPA's defaultEKSSecurityGroupRoles: EKS makes the cluster's own
    // groups; CAPA adds one for the nodes, with the control plane's
    // additional ingress rules.
    if model.flavor == Flavor::Eks {
        return vec![sg(
            "node-eks-additional",
            ingress_rule_plans(&model.network.additional_control_plane_ingress_rules),
        )];
    }

    // CAPA's control-plane "Kubernetes API" rule is on its default port.
    let mut cp = group_rule(
        "Kubernetes API",
        "tcp",
        6443,
        6443,
        &["apiserver-lb", "controlplane", "node"],
    );
    cp.extend(group_rule("etcd", "tcp", 2379, 2379, &["controlplane"]));
    cp.extend(group_rule(
        "etcd peer",
        "tcp",
        2380,
        2380,
        &["controlplane"],
    ));
    if model.bastion.is_some() {
        cp.extend(ssh_from_bastion());
    }
    cp.extend(ingress_rule_plans(
        &model.network.additional_control_plane_ingress_rules,
    ));
    let mut cp_all = cni_rules();
    cp_all.extend(cp);

    // The `lb` group (on every machine, handed to the CCM): an NLB's nodes
    // and health checks reach the control plane from the VPC's blocks, or
    // from anywhere with preserveClientIP; one more rule a listener.
    // CAPA's `getSecurityGroupIngressRules` for `lb`: the API rule once
    // (from the first NLB's peers), each NLB's additional listeners after.
    let mut lb_rules = Vec::new();
    let mut api_rule_added = false;
    for cp_lb in model
        .control_plane_lbs()
        .into_iter()
        .filter(|lb| lb.lb_type() == "nlb")
    {
        let lb = cp_lb.spec;
        let peers = if lb.preserve_client_ip {
            let mut p = vec![Peer::Cidr("0.0.0.0/0".parse().expect("valid"))];
            if ipv6 {
                p.push(Peer::Cidr("::/0".parse().expect("valid")));
            }
            p
        } else {
            let mut p = vec![Peer::VpcIpv4];
            if ipv6 {
                p.push(Peer::VpcIpv6);
            }
            p
        };
        let mut listeners = Vec::new();
        if !api_rule_added {
            listeners.push((
                port,
                "Allow NLB traffic to the control plane instances.".to_owned(),
            ));
            api_rule_added = true;
        }
        listeners.extend(lb.additional_listeners.iter().map(|l| {
            (
                l.port,
                format!(
                    "Allow NLB traffic to the control plane instances on port {}.",
                    l.port
                ),
            )
        }));
        for (p, description) in listeners {
            for peer in &peers {
                let rule = RulePlan {
                    description: description.clone(),
                    protocol: "tcp".into(),
                    from_port: p,
                    to_port: p,
                    peer: peer.clone(),
                };
                if !lb_rules.contains(&rule) {
                    lb_rules.push(rule);
                }
            }
        }
    }

    // The API load balancer's group: what the kubelets reach it from (the
    // VPC for an internal one, the NAT gateways' addresses for an
    // internet-facing one), then the spec's rules, or anywhere.
    let api_rule = |description: &str, peer: Peer| RulePlan {
        description: description.into(),
        protocol: "tcp".into(),
        from_port: port,
        to_port: port,
        peer,
    };
    let mut apiserver_lb = if model.lb_scheme() == "internal" {
        let mut r = vec![api_rule("Kubernetes API", Peer::VpcIpv4)];
        if ipv6 {
            r.push(api_rule("Kubernetes API IPv6", Peer::VpcIpv6));
        }
        r
    } else {
        vec![api_rule("Kubernetes API", Peer::NatGatewayIps)]
    };
    // CAPA's `getControlPlaneLBIngressRules`: every load balancer's rules.
    let mut custom: Vec<RulePlan> = model
        .control_plane_lbs()
        .iter()
        .flat_map(|lb| ingress_rule_plans(&lb.spec.ingress_rules))
        .collect();
    if custom.is_empty() {
        custom.push(api_rule(
            "Kubernetes API",
            Peer::Cidr("0.0.0.0/0".parse().expect("valid")),
        ));
        if ipv6 {
            custom.push(api_rule(
                "Kubernetes API IPv6",
                Peer::Cidr("::/0".parse().expect("valid")),
            ));
        }
    }
    for r in custom {
        if !apiserver_lb.contains(&r) {
            apiserver_lb.push(r);
        }
    }
    let mut groups = vec![
        sg("apiserver-lb", apiserver_lb),
        sg("lb", lb_rules),
        sg("controlplane", cp_all),
        sg("node", node),
    ];
    if let Some(b) = &model.bastion {
        groups.push(sg("bastion", bastion_rules(b, ipv6)));
    }
    groups
}

/// CAPA's bastion group: SSH from `allowedCIDRBlocks` (defaulted to
/// anywhere unless `disableIngressRules`), the IPv6 entries only when the
/// VPC has IPv6.
fn bastion_rules(b: &crate::spec::types::Bastion, ipv6: bool) -> Vec<RulePlan> {
    let allowed: Vec<String> = if b.allowed_cidr_blocks.is_empty() && !b.disable_ingress_rules {
        vec!["0.0.0.0/0".into(), "::/0".into()]
    } else {
        b.allowed_cidr_blocks.clone()
    };
    allowed
        .iter()
        .filter_map(|c| c.parse::<IpNet>().ok())
        .filter(|n| ipv6 || matches!(n, IpNet::V4(_)))
        .map(|n| RulePlan {
            description: "SSH".into(),
            protocol: "tcp".into(),
            from_port: 22,
            to_port: 22,
            peer: Peer::Cidr(n),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::spec::{Manifests, Vars};

    fn groups(aws_cluster: &str) -> Vec<super::SecurityGroupPlan> {
        let text = format!(
            "apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata: {{name: c1}}\nspec:\n  infrastructureRef: {{kind: AWSCluster, name: c1}}\n---\napiVersion: infrastructure.cluster.x-k8s.io/v1beta2\nkind: AWSCluster\nmetadata: {{name: c1}}\nspec:\n{aws_cluster}"
        );
        let m = Manifests::load_str(&text, "t.yaml", &Vars::only(BTreeMap::new())).unwrap();
        let model = crate::model::ClusterModel::from_manifests(&m).unwrap();
        super::security_groups(&model)
    }

    fn group<'a>(gs: &'a [super::SecurityGroupPlan], role: &str) -> &'a super::SecurityGroupPlan {
        gs.iter().find(|g| g.role == role).unwrap()
    }

    /// CAPA getSecurityGroupTagParams: the cloud-provider tag on the `lb`
    /// group only, even when additionalTags set it for every resource.
    #[test]
    fn the_cloud_provider_tag_is_on_the_lb_group_only() {
        let gs = groups(
            "  additionalTags: {kubernetes.io/cluster/c1: owned}\n  controlPlaneLoadBalancer: {loadBalancerType: nlb}\n  network: {vpc: {ipv6: {}}}\n",
        );
        for g in &gs {
            let tagged = g.tags.contains_key("kubernetes.io/cluster/c1");
            assert_eq!(tagged, g.role == "lb", "{}: {:?}", g.role, g.tags);
        }
    }

    /// CAPA getSecurityGroupIngressRules: the NLB rule on the `lb` group,
    /// from the VPC's blocks (anywhere with preserveClientIP), one more a
    /// listener; the control plane's API rule on port 6443.
    #[test]
    fn the_nlb_rule_is_on_the_lb_group() {
        use super::Peer;
        let gs = groups(
            "  controlPlaneLoadBalancer:\n    loadBalancerType: nlb\n    additionalListeners: [{port: 8132, protocol: TCP}]\n  network: {vpc: {ipv6: {}}}\n",
        );
        let lb = group(&gs, "lb");
        let peers: Vec<(&Peer, i64)> = lb.ingress.iter().map(|r| (&r.peer, r.from_port)).collect();
        assert_eq!(
            peers,
            [
                (&Peer::VpcIpv4, 6443),
                (&Peer::VpcIpv6, 6443),
                (&Peer::VpcIpv4, 8132),
                (&Peer::VpcIpv6, 8132)
            ]
        );
        assert!(
            group(&gs, "controlplane")
                .ingress
                .iter()
                .all(|r| !r.description.starts_with("Allow NLB traffic")),
            "{:?}",
            group(&gs, "controlplane").ingress
        );
        let kept = groups(
            "  controlPlaneLoadBalancer: {loadBalancerType: nlb, preserveClientIP: true}\n  network: {vpc: {ipv6: {}}}\n",
        );
        let any: Vec<String> = group(&kept, "lb")
            .ingress
            .iter()
            .map(|r| format!("{:?}", r.peer))
            .collect();
        assert_eq!(any.len(), 2, "{any:?}");
        assert!(
            any.iter()
                .all(|p| p.contains("0.0.0.0/0") || p.contains("::/0")),
            "{any:?}"
        );
    }

    /// An internet-facing API load balancer admits the NAT gateways'
    /// addresses (the kubelets behind them), then the spec's rules, or
    /// anywhere; custom rules no longer drop the NAT rule.
    #[test]
    fn the_api_lb_group_admits_the_nat_gateways() {
        use super::Peer;
        let gs = groups(
            "  controlPlaneLoadBalancer:\n    loadBalancerType: nlb\n    ingressRules:\n    - {description: office, protocol: tcp, fromPort: 6443, toPort: 6443, cidrBlocks: [203.0.113.0/24]}\n",
        );
        let api = group(&gs, "apiserver-lb");
        assert_eq!(api.ingress[0].peer, Peer::NatGatewayIps);
        assert_eq!(api.ingress[1].peer, Peer::Ipv4Text("203.0.113.0/24".into()));
        assert_eq!(api.ingress.len(), 2);
    }
}
