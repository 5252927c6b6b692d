//! Text output for people: findings, the plan as a tree, and what an apply
//! or destroy changed. JSON and YAML output serialise the same structures.

use std::fmt::Write as _;

use crate::finding::{Finding, Severity};
use crate::layout::Ipv6Block;
use crate::plan::{Destination, EgressOnlyPlan, Ipv6Plan, Peer, Plan, RouteTarget, RulePlan};
use crate::reconcile::{Action, Change};

pub fn findings(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let _ = writeln!(out, "{f}");
    }
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let _ = writeln!(
        out,
        "{}: {errors} error(s), {warnings} warning(s)",
        if errors == 0 { "valid" } else { "refused" }
    );
    out
}

pub(crate) fn ipv6_source(p: &Ipv6Plan) -> String {
    match p {
        Ipv6Plan::Amazon => "an Amazon-provided /56".into(),
        Ipv6Plan::Byoip { pool_id, cidr } => match cidr {
            Some(c) => format!("{c} from BYOIP pool {pool_id}"),
            None => format!("a /56 from BYOIP pool {pool_id}"),
        },
        Ipv6Plan::Ipam {
            pool_id,
            pool_name,
            netmask_length,
        } => format!(
            "a /{netmask_length} from IPAM pool {}",
            pool_id.as_deref().or(pool_name.as_deref()).unwrap_or("?")
        ),
        Ipv6Plan::Existing { cidr } => match cidr {
            Some(c) => format!("its existing block {c}"),
            None => "its existing block".into(),
        },
    }
}

fn route(d: Destination, t: &RouteTarget) -> String {
    let target = match t {
        RouteTarget::InternetGateway => "igw".to_owned(),
        RouteTarget::EgressOnlyInternetGateway => "eigw".to_owned(),
        RouteTarget::CarrierGateway => "cagw".to_owned(),
        RouteTarget::NatGateway(az) => format!("nat({az})"),
    };
    format!("{} -> {target}", d.cidr())
}

fn peer(p: &Peer) -> String {
    match p {
        Peer::Cidr(n) => n.to_string(),
        Peer::Ipv4Text(t) | Peer::Ipv6Text(t) | Peer::GroupId(t) => t.clone(),
        Peer::NatGatewayIps => "nat-gateway-ips".into(),
        Peer::VpcIpv4 => "vpc-ipv4".into(),
        Peer::VpcIpv6 => "vpc-ipv6".into(),
        Peer::Group(r) => format!("sg:{r}"),
    }
}

/// An ingress rule on one line: `tcp/6443 from ::/0`.
pub(crate) fn rule_line(r: &RulePlan) -> String {
    let ports = if r.protocol == "-1" || r.protocol == "4" {
        r.protocol.clone()
    } else if r.from_port == r.to_port {
        format!("{}/{}", r.protocol, r.from_port)
    } else {
        format!("{}/{}-{}", r.protocol, r.from_port, r.to_port)
    };
    format!("{ports} from {}", peer(&r.peer))
}

/// The plan as an indented tree.
pub fn plan_tree(plan: &Plan) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "cluster {} ({}) in {}",
        plan.cluster,
        match plan.flavor {
            crate::model::Flavor::SelfManaged => "self-managed",
            crate::model::Flavor::Eks => "EKS",
        },
        plan.region
    );
    let vpc = match (&plan.vpc.existing_id, &plan.vpc.ipv4_ipam) {
        (Some(id), _) => format!("vpc {id} (existing, not modified)"),
        (None, Some(ipam)) => format!(
            "vpc {}-vpc a /{} from IPAM pool {} (the subnets below assume {} until it allocates)",
            plan.cluster,
            ipam.netmask_length,
            ipam.pool_id
                .as_deref()
                .or(ipam.pool_name.as_deref())
                .unwrap_or("?"),
            plan.vpc.cidr_block
        ),
        (None, None) => format!("vpc {}-vpc {}", plan.cluster, plan.vpc.cidr_block),
    };
    let v6 = plan
        .vpc
        .ipv6
        .as_ref()
        .map(|p| format!(" + IPv6 B = {}", ipv6_source(p)))
        .unwrap_or_default();
    let secondary: String = plan
        .vpc
        .secondary_cidr_blocks
        .iter()
        .map(|c| format!(" + {c}"))
        .collect();
    let _ = writeln!(o, "└─ {vpc}{secondary}{v6}");
    if plan.internet_gateway {
        let _ = writeln!(o, "   ├─ internet gateway {}-igw", plan.cluster);
    }
    if plan.carrier_gateway {
        // CAPA tags it as it tags the internet gateway (getGatewayTagParams).
        let _ = writeln!(o, "   ├─ carrier gateway {}-igw", plan.cluster);
    }
    match &plan.egress_only_internet_gateway {
        Some(EgressOnlyPlan::Create) => {
            let _ = writeln!(
                o,
                "   ├─ egress-only internet gateway {}-eigw",
                plan.cluster
            );
        }
        Some(EgressOnlyPlan::Existing(id)) => {
            let _ = writeln!(o, "   ├─ egress-only internet gateway {id} (existing)");
        }
        None => {}
    }
    for s in &plan.subnets {
        let v6 = match s.ipv6 {
            Some(Ipv6Block::Slot(k)) => format!("  B+{k}"),
            Some(Ipv6Block::Cidr(c)) => format!("  {c}"),
            None => String::new(),
        };
        let v4 = s.cidr_block.map(|c| format!("  {c}")).unwrap_or_default();
        let mut attrs = Vec::new();
        if s.enable_dns64 {
            attrs.push("DNS64");
        }
        if s.assign_ipv6_address_on_creation {
            attrs.push("auto-IPv6");
        }
        if s.map_public_ip_on_launch {
            attrs.push("public-IPv4");
        }
        let existing = if s.managed { "" } else { " (existing)" };
        let _ = writeln!(
            o,
            "   ├─ subnet {}{existing}  {} {}  {}{v4}{v6}{}",
            s.key,
            if s.public { "public" } else { "private" },
            s.family,
            s.availability_zone.as_deref().unwrap_or("-"),
            if attrs.is_empty() {
                String::new()
            } else {
                format!("  [{}]", attrs.join(", "))
            }
        );
        if let Some(n) = plan.nat_gateways.iter().find(|n| n.subnet_key == s.key) {
            let _ = writeln!(
                o,
                "   │  ├─ nat gateway for {} (with an Elastic IP)",
                n.availability_zone
            );
        }
        if let Some(rt) = plan.route_tables.iter().find(|r| r.subnet_key == s.key) {
            let routes: Vec<String> = rt
                .routes
                .iter()
                .map(|r| route(r.destination, &r.target))
                .collect();
            let _ = writeln!(
                o,
                "   │  └─ route table: {}",
                if routes.is_empty() {
                    "local only".into()
                } else {
                    routes.join(", ")
                }
            );
        }
    }
    for e in &plan.vpc_endpoints {
        let _ = writeln!(
            o,
            "   ├─ vpc endpoint {} (gateway, from all {} route tables)",
            e.service_name,
            plan.route_tables.len()
        );
    }
    for g in &plan.security_groups {
        let rules: Vec<String> = g.ingress.iter().map(rule_line).collect();
        let _ = writeln!(
            o,
            "   ├─ security group {} ({} rule(s))",
            g.name,
            rules.len()
        );
        for r in rules {
            let _ = writeln!(o, "   │    {r}");
        }
    }
    for lb in plan
        .load_balancer
        .iter()
        .chain(&plan.secondary_load_balancer)
    {
        let _ = writeln!(
            o,
            "   ├─ load balancer {} ({} {} {}) in {}",
            lb.name,
            lb.lb_type,
            lb.scheme,
            lb.ip_address_type,
            lb.subnet_keys.join(", ")
        );
        let _ = writeln!(
            o,
            "   │  └─ listener TCP {} -> target group {} (TCP {}, {}, health {})",
            lb.listener_port,
            lb.target_group.name,
            lb.target_group.port,
            lb.target_group.ip_address_type,
            lb.target_group.health_check_protocol
        );
        for tg in &lb.additional {
            let _ = writeln!(
                o,
                "   │  └─ listener {p} {} -> target group {} ({p} {}, {}, health {})",
                tg.port,
                tg.name,
                tg.port,
                tg.ip_address_type,
                tg.health_check_protocol,
                p = tg.protocol,
            );
        }
    }
    if let Some(lb) = &plan.classic_load_balancer {
        let _ = writeln!(
            o,
            "   ├─ classic load balancer {} ({} ipv4) in {}",
            lb.name,
            lb.scheme,
            lb.subnet_keys.join(", ")
        );
        let _ = writeln!(
            o,
            "   │  └─ listener TCP {} -> instances TCP {} (health {}, cross-zone {}, idle {} s)",
            lb.listener_port,
            lb.instance_port,
            lb.health_check.target,
            lb.cross_zone,
            lb.idle_timeout_seconds
        );
    }
    for m in &plan.machines {
        let _ = writeln!(
            o,
            "   ├─ machine {} ({}) {} in {}{}",
            m.name,
            m.role,
            m.instance_type,
            m.subnet_key,
            if m.primary_ipv6 {
                " (primary IPv6)"
            } else {
                ""
            }
        );
    }
    if let Some(eks) = &plan.eks {
        eks_plan(&mut o, eks);
    }
    for n in &plan.notes {
        let _ = writeln!(o, "note: {}", n.0);
    }
    o
}

fn eks_plan(o: &mut String, eks: &crate::plan::eks::EksPlan) {
    let network = match (&eks.ip_family, &eks.service_ipv4_cidr) {
        (Some(family), _) => format!("ipFamily {family}, service block from EKS"),
        (None, Some(cidr)) => format!("services {cidr}"),
        (None, None) => "services from EKS".to_owned(),
    };
    let _ = writeln!(
        o,
        "   ├─ EKS cluster {} (Kubernetes {}, {network}, role {}) in {}",
        eks.name,
        eks.version.as_deref().unwrap_or("EKS's default"),
        eks.role_name,
        eks.subnet_keys.join(", ")
    );
    for a in &eks.addons {
        let _ = writeln!(
            o,
            "   │  └─ add-on {} {} (resolveConflicts {})",
            a.name, a.version, a.resolve_conflicts
        );
    }
}

pub fn change_line(c: &Change) -> String {
    let mut line = format!("{:<12} {:<28} {}", c.action, c.kind, c.name);
    if let Some(id) = &c.id
        && id != &c.name
    {
        line.push_str(&format!("  {id}"));
    }
    if let Some(d) = &c.detail {
        line.push_str(&format!("  ({d})"));
    }
    if c.capa_would_not_repair {
        line.push_str("  [CAPA would not repair this]");
    }
    line
}

pub fn changes(changes: &[Change]) -> String {
    let mut o = String::new();
    for c in changes {
        let _ = writeln!(o, "{}", change_line(c));
    }
    o
}

/// What `apply` prints once it is done: the changes, the VPC's IPv6
/// block and API endpoint when known, and the counts.
pub fn apply_summary(
    changes: &[Change],
    vpc_ipv6_block: Option<&str>,
    endpoint: Option<&str>,
    dry_run: bool,
) -> String {
    let mut s = self::changes(changes);
    if let Some(b) = vpc_ipv6_block {
        let _ = writeln!(s, "VPC IPv6 block B = {b}");
    }
    if let Some(e) = endpoint {
        let _ = writeln!(s, "API endpoint: {e}");
    }
    let count = |f: fn(Action) -> bool| changes.iter().filter(|c| f(c.action)).count();
    let _ = writeln!(
        s,
        "{}{} created, {} updated, {} unchanged",
        if dry_run {
            "dry run, nothing changed: would be "
        } else {
            ""
        },
        count(Action::is_create),
        count(Action::is_update),
        count(|a| a == Action::Exists),
    );
    let deleted = count(Action::is_delete);
    if deleted > 0 {
        // A scale-down: the line above keeps its shape, this one adds to it.
        let _ = writeln!(
            s,
            "{deleted} {}deleted (scaled down)",
            if dry_run { "would be " } else { "" }
        );
    }
    s
}

/// What `destroy` prints once it is done.
pub fn destroy_summary(changes: &[Change], cluster: &str) -> String {
    format!(
        "{}destroyed {} resource(s) of cluster {cluster}\n",
        self::changes(changes),
        changes.len()
    )
}
