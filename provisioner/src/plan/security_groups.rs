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
    let sg = |role: &str, ingress: Vec<RulePlan>| {
        let gname = format!("{name}-{role}");
        let mut t = base_tags(model, &gname, role);
        t.insert(tags::kubernetes_key(name), "owned".into());
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
    let mut node = node_port;
    node.extend(group_rule(
        "Kubelet API",
        "tcp",
        10250,
        10250,
        &["controlplane", "node"],
    ));
    node.extend(cni_rules());
    node.extend(ingress_rule_plans(
        &model.network.additional_node_ingress_rules,
    ));

    if model.flavor == Flavor::Eks {
        return vec![sg("node", node)];
    }

    let mut cp = group_rule(
        "Kubernetes API",
        "tcp",
        port,
        port,
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
    cp.extend(cni_rules());
    if model.lb_is_v2() {
        // NLB nodes reach the targets from their private addresses in the VPC.
        let mut peers = vec![Peer::VpcIpv4];
        if ipv6 {
            peers.push(Peer::VpcIpv6);
        }
        for peer in peers {
            cp.push(RulePlan {
                description: "Allow NLB traffic to the control plane instances.".into(),
                protocol: "tcp".into(),
                from_port: port,
                to_port: port,
                peer,
            });
        }
    }
    cp.extend(ingress_rule_plans(
        &model.network.additional_control_plane_ingress_rules,
    ));

    let custom = model
        .load_balancer
        .as_ref()
        .map(|lb| ingress_rule_plans(&lb.ingress_rules))
        .unwrap_or_default();
    let mut apiserver_lb = Vec::new();
    let api_rule = |peer: Peer| RulePlan {
        description: "Kubernetes API".into(),
        protocol: "tcp".into(),
        from_port: port,
        to_port: port,
        peer,
    };
    if model.lb_scheme() == "internal" {
        apiserver_lb.push(api_rule(Peer::VpcIpv4));
        if ipv6 {
            apiserver_lb.push(api_rule(Peer::VpcIpv6));
        }
    } else if custom.is_empty() {
        apiserver_lb.push(api_rule(Peer::Cidr("0.0.0.0/0".parse().expect("valid"))));
        if ipv6 {
            apiserver_lb.push(api_rule(Peer::Cidr("::/0".parse().expect("valid"))));
        }
    }
    for r in custom {
        if !apiserver_lb.contains(&r) {
            apiserver_lb.push(r);
        }
    }
    vec![
        sg("apiserver-lb", apiserver_lb),
        sg("lb", Vec::new()),
        sg("controlplane", cp),
        sg("node", node),
    ]
}
