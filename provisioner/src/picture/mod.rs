//! The network as a picture: a plan as a [`topology::Network`], a built
//! VPC read back through the API ([`observe`]), and the self-contained HTML
//! pages `plan --output html` and `apply --report` write.
//!
//! Before apply nothing has an id: subnets, gateways and route tables go by
//! the plan's keys and CAPA's names, an IPv6 subnet block the VPC does not
//! have yet is shown as `B+k` (the k-th /64 of the VPC's block), and the
//! NAT gateways' Elastic IPs as allocated at apply.

mod observe;

pub use observe::observe;

use topology::{
    Gateway, GatewayKind, Listener, LoadBalancer, Machine, Network, Route, RouteTable,
    SecurityGroup, Subnet, TargetGroup, Vpc, Zone, ZoneKind,
};

use crate::facts::{Facts, ZoneType};
use crate::finding::Finding;
use crate::layout::Ipv6Block;
use crate::model::Family;
use crate::plan::{EgressOnlyPlan, LoadBalancerPlan, Plan, RouteTarget, TargetGroupPlan, tags};
use crate::report;

const IGW: &str = "igw";
const EIGW: &str = "eigw";
const CAGW: &str = "cagw";

fn nat_id(zone: &str) -> String {
    format!("nat-{zone}")
}

fn name_tag(t: &crate::spec::types::Tags) -> Option<String> {
    t.get(tags::NAME).cloned()
}

/// The plan as a picture's network.
pub fn network(plan: &Plan, facts: &Facts) -> Network {
    let vpc_blocks_v4: Vec<String> = match (&plan.vpc.existing_id, &plan.vpc.ipv4_ipam) {
        (None, Some(ipam)) => vec![format!(
            "a /{} from IPAM pool {}",
            ipam.netmask_length,
            ipam.pool_id
                .as_deref()
                .or(ipam.pool_name.as_deref())
                .unwrap_or("?")
        )],
        _ => std::iter::once(plan.vpc.cidr_block_text.clone())
            .chain(plan.vpc.secondary_cidr_blocks.iter().cloned())
            .collect(),
    };
    let vpc = Vpc {
        id: plan
            .vpc
            .existing_id
            .clone()
            .or_else(|| plan.vpc.managed_id.clone())
            .unwrap_or_else(|| "(new)".to_owned()),
        name: name_tag(&plan.vpc.tags).or_else(|| {
            plan.vpc
                .existing_id
                .is_none()
                .then(|| format!("{}-vpc", plan.cluster))
        }),
        ipv4: vpc_blocks_v4,
        ipv6: plan
            .vpc
            .ipv6
            .iter()
            .map(|p| format!("B = {}", report::ipv6_source(p)))
            .collect(),
        existing: plan.vpc.existing_id.is_some(),
    };

    let mut zones: Vec<Zone> = Vec::new();
    for s in &plan.subnets {
        if let Some(z) = &s.availability_zone
            && !zones.iter().any(|known| &known.name == z)
        {
            let kind = facts.zones.iter().find(|f| &f.name == z).map_or(
                ZoneKind::Availability,
                |f| match f.zone_type {
                    ZoneType::AvailabilityZone => ZoneKind::Availability,
                    ZoneType::LocalZone => ZoneKind::Local,
                    ZoneType::WavelengthZone => ZoneKind::Wavelength,
                },
            );
            zones.push(Zone {
                name: z.clone(),
                kind,
            });
        }
    }

    let subnets = plan
        .subnets
        .iter()
        .map(|s| Subnet {
            id: s.key.clone(),
            label: s
                .resource_id
                .clone()
                .filter(|_| !s.managed)
                .or_else(|| name_tag(&s.tags))
                .unwrap_or_else(|| s.key.clone()),
            zone: s.availability_zone.clone(),
            public: s.public,
            ipv4: s
                .cidr_block
                .map(|c| c.to_string())
                .or_else(|| s.cidr_text.clone())
                .filter(|_| s.family.has_ipv4()),
            ipv6: match s.ipv6 {
                Some(Ipv6Block::Slot(k)) => Some(format!("B+{k} (a /64 of the VPC's block)")),
                Some(Ipv6Block::Cidr(c)) => Some(c.to_string()),
                None => s.ipv6_text.clone(),
            }
            .filter(|_| s.family.has_ipv6()),
            dns64: s.enable_dns64,
            auto_ipv6: s.assign_ipv6_address_on_creation,
            public_ipv4: s.map_public_ip_on_launch,
            existing: !s.managed,
        })
        .collect();

    let mut gateways = Vec::new();
    let cluster = &plan.cluster;
    if plan.internet_gateway {
        gateways.push(Gateway::edge(
            IGW,
            GatewayKind::Internet,
            format!("{cluster}-igw"),
        ));
    }
    match &plan.egress_only_internet_gateway {
        Some(EgressOnlyPlan::Create) => {
            gateways.push(Gateway::edge(
                EIGW,
                GatewayKind::EgressOnly,
                format!("{cluster}-eigw"),
            ));
        }
        Some(EgressOnlyPlan::Existing(id)) => {
            gateways.push(Gateway {
                existing: true,
                ..Gateway::edge(EIGW, GatewayKind::EgressOnly, id.clone())
            });
        }
        None => {}
    }
    if plan.carrier_gateway {
        // CAPA tags it as it tags the internet gateway.
        gateways.push(Gateway::edge(
            CAGW,
            GatewayKind::Carrier,
            format!("{cluster}-igw"),
        ));
    }
    for e in &plan.vpc_endpoints {
        gateways.push(Gateway::edge(
            endpoint_id(&e.service_name),
            GatewayKind::Endpoint,
            e.service_name.clone(),
        ));
    }
    for n in &plan.nat_gateways {
        gateways.push(Gateway {
            id: nat_id(&n.availability_zone),
            kind: GatewayKind::Nat,
            label: name_tag(&n.tags).unwrap_or_else(|| nat_id(&n.availability_zone)),
            subnet: Some(n.subnet_key.clone()),
            addresses: vec!["allocated at apply".to_owned()],
            existing: false,
        });
    }

    let route_tables = plan
        .route_tables
        .iter()
        .map(|rt| {
            let mut routes = Vec::new();
            for block in plan
                .vpc
                .existing_id
                .is_none()
                .then(|| vpc.ipv4.iter().take(1))
                .into_iter()
                .flatten()
            {
                routes.push(Route {
                    destination: block.clone(),
                    target: "local".into(),
                    blackhole: false,
                });
            }
            if plan.vpc.ipv6.is_some() {
                routes.push(Route {
                    destination: "B (the VPC's IPv6 block)".into(),
                    target: "local".into(),
                    blackhole: false,
                });
            }
            for r in &rt.routes {
                routes.push(Route {
                    destination: r.destination.cidr().to_string(),
                    target: match &r.target {
                        RouteTarget::InternetGateway => IGW.to_owned(),
                        RouteTarget::EgressOnlyInternetGateway => EIGW.to_owned(),
                        RouteTarget::CarrierGateway => CAGW.to_owned(),
                        RouteTarget::NatGateway(zone) => nat_id(zone),
                    },
                    blackhole: false,
                });
            }
            for e in &plan.vpc_endpoints {
                routes.push(Route {
                    destination: format!("prefix list of {}", e.service_name),
                    target: endpoint_id(&e.service_name),
                    blackhole: false,
                });
            }
            RouteTable {
                id: name_tag(&rt.tags).unwrap_or_else(|| format!("rt-{}", rt.subnet_key)),
                subnets: vec![rt.subnet_key.clone()],
                routes,
            }
        })
        .collect();

    let mut load_balancers: Vec<LoadBalancer> = plan
        .load_balancer
        .iter()
        .chain(&plan.secondary_load_balancer)
        .map(elbv2)
        .collect();
    if let Some(c) = &plan.classic_load_balancer {
        load_balancers.push(LoadBalancer {
            id: c.name.clone(),
            name: c.name.clone(),
            kind: "classic".into(),
            scheme: c.scheme.to_string(),
            ip_address_type: "ipv4".into(),
            subnets: c.subnet_keys.clone(),
            listeners: vec![Listener {
                protocol: "TCP".into(),
                port: c.listener_port,
                target_group: Some(TargetGroup {
                    name: "instances".into(),
                    protocol: "TCP".into(),
                    port: c.instance_port,
                    ip_address_type: "ipv4".into(),
                    targets: control_plane(plan),
                }),
            }],
            security_groups: c.security_group_roles.clone(),
        });
    }

    let machines = plan
        .machines
        .iter()
        .map(|m| {
            let family = plan
                .subnets
                .iter()
                .find(|s| s.key == m.subnet_key)
                .map(|s| s.family);
            let mut addresses = Vec::new();
            if family.is_some_and(Family::has_ipv4) {
                addresses.push("private IPv4 at launch".to_owned());
            }
            if m.primary_ipv6 {
                addresses.push("primary IPv6 at launch".to_owned());
            } else if family.is_some_and(Family::has_ipv6) {
                addresses.push("IPv6 at launch (subnet's auto-assign)".to_owned());
            }
            Machine {
                id: m.name.clone(),
                name: m.name.clone(),
                role: m.role.clone(),
                subnet: m.subnet_key.clone(),
                instance_type: m.instance_type.clone(),
                addresses,
                security_groups: m.security_group_roles.clone(),
            }
        })
        .collect();

    let security_groups = plan
        .security_groups
        .iter()
        .map(|g| SecurityGroup {
            id: g.role.clone(),
            name: g.name.clone(),
            rules: g.ingress.iter().map(report::rule_line).collect(),
        })
        .collect();

    let mut notes: Vec<String> = Vec::new();
    if plan
        .subnets
        .iter()
        .any(|s| matches!(s.ipv6, Some(Ipv6Block::Slot(_))))
    {
        notes.push(
            "B+k: the k-th /64 of the VPC's IPv6 block B, known once AWS assigns B.".to_owned(),
        );
    }
    if let Some(eks) = &plan.eks {
        notes.push(format!(
            "EKS cluster {} (its control plane is AWS's) in {}.",
            eks.name,
            eks.subnet_keys.join(", ")
        ));
    }
    notes.extend(plan.notes.iter().map(|n| n.0.clone()));

    Network {
        title: format!("cluster {} in {} (plan)", plan.cluster, plan.region),
        vpc,
        zones,
        subnets,
        gateways,
        route_tables,
        load_balancers,
        machines,
        security_groups,
        notes,
    }
}

fn endpoint_id(service: &str) -> String {
    format!("vpce-{}", service.rsplit('.').next().unwrap_or(service))
}

fn control_plane(plan: &Plan) -> Vec<String> {
    plan.machines
        .iter()
        .filter(|m| m.role == "control-plane")
        .map(|m| m.name.clone())
        .collect()
}

fn elbv2(lb: &LoadBalancerPlan) -> LoadBalancer {
    let group = |tg: &TargetGroupPlan| TargetGroup {
        name: tg.name.clone(),
        protocol: tg.protocol.clone(),
        port: tg.port,
        ip_address_type: tg.ip_address_type.to_string(),
        targets: Vec::new(),
    };
    let mut listeners = vec![Listener {
        protocol: lb.target_group.protocol.clone(),
        port: lb.listener_port,
        target_group: Some(group(&lb.target_group)),
    }];
    listeners.extend(lb.additional.iter().map(|tg| Listener {
        protocol: tg.protocol.clone(),
        port: tg.port,
        target_group: Some(group(tg)),
    }));
    LoadBalancer {
        id: lb.name.clone(),
        name: lb.name.clone(),
        kind: lb.lb_type.clone(),
        scheme: lb.scheme.to_string(),
        ip_address_type: lb.ip_address_type.to_string(),
        subnets: lb.subnet_keys.clone(),
        listeners,
        security_groups: lb.security_group_roles.clone(),
    }
}

/// The findings as table rows: severity, rule, origin, object, field, message.
fn finding_rows(findings: &[Finding]) -> Vec<Vec<String>> {
    findings
        .iter()
        .map(|f| {
            vec![
                f.severity.as_str().to_owned(),
                f.rule.id().to_owned(),
                f.origin.as_str().to_owned(),
                f.object.clone(),
                f.path.clone(),
                f.message.clone(),
            ]
        })
        .collect()
}

/// The findings' section of a page (a table, or a line saying there are none).
pub fn findings_section(page: &mut topology::html::Page, findings: &[Finding]) {
    page.heading(2, "Findings");
    if findings.is_empty() {
        page.status(
            "ok",
            "No findings: CAPA, AWS and Kubernetes would accept this.",
        );
        return;
    }
    page.table(
        "findings",
        &["severity", "rule", "origin", "object", "field", "message"],
        &finding_rows(findings),
    );
}

/// `plan --output html`: the picture, the findings, the plan as a tree.
pub fn plan_page(plan: &Plan, facts: &Facts, findings: &[Finding]) -> String {
    let mut page =
        topology::html::Page::new(format!("Plan: cluster {} in {}", plan.cluster, plan.region));
    let refused = findings
        .iter()
        .any(|f| f.severity == crate::finding::Severity::Error);
    page.status(
        if refused { "failed" } else { "ok" },
        if refused {
            "Refused: fix the errors below before apply (or pass --no-validate to let AWS judge)."
        } else {
            "Valid: apply would build the network below."
        },
    );
    page.heading(2, "Network");
    page.markup(&topology::svg::render(&network(plan, facts)));
    findings_section(&mut page, findings);
    page.heading(2, "Plan");
    page.preformatted(&report::plan_tree(plan));
    page.finish()
}

/// What `apply --report` shows besides the picture.
pub struct ApplyPage<'a> {
    pub cluster: &'a str,
    pub region: &'a str,
    /// Where the calls went (`embedded fake-ec2, in-process ...`).
    pub target: String,
    pub findings: &'a [Finding],
    pub changes: &'a [crate::reconcile::Change],
    /// The apply's calls, in the order they started.
    pub calls: &'a [crate::target::CallRecord],
    /// Why the apply stopped, if it did.
    pub error: Option<String>,
    pub dry_run: bool,
}

/// `apply --report FILE.html`: the outcome, the network as built (or, for
/// a dry run or an apply that made no VPC, as planned), the findings, the
/// changes and every API call in order.
pub fn apply_page(p: &ApplyPage<'_>, network: &Network) -> String {
    let mut page = topology::html::Page::new(format!(
        "{}: cluster {} in {}",
        if p.dry_run {
            "Apply (dry run)"
        } else {
            "Apply"
        },
        p.cluster,
        p.region
    ));
    page.paragraph(&format!("Target: {}.", p.target));
    match &p.error {
        Some(e) => page.status("failed", &format!("Stopped: {e}")),
        None => page.status(
            "ok",
            &format!(
                "Done: {} change(s), {} API call(s).",
                p.changes
                    .iter()
                    .filter(|c| c.action != crate::reconcile::Action::Exists)
                    .count(),
                p.calls.len()
            ),
        ),
    };
    page.heading(2, "Network");
    page.markup(&topology::svg::render(network));
    findings_section(&mut page, p.findings);
    page.heading(2, "Changes");
    let rows: Vec<Vec<String>> = p
        .changes
        .iter()
        .map(|c| {
            vec![
                c.action.to_string(),
                c.kind.to_string(),
                c.name.clone(),
                c.id.clone().unwrap_or_default(),
                c.detail.clone().unwrap_or_default(),
            ]
        })
        .collect();
    page.table(
        "changes",
        &["action", "kind", "name", "id", "detail"],
        &rows,
    );
    page.heading(2, "API calls, in the order they started");
    let rows: Vec<Vec<String>> = p
        .calls
        .iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                (i + 1).to_string(),
                format!("{:.1}", c.started_ms),
                c.service.clone(),
                c.operation.clone(),
                c.status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "-".into()),
                c.error_code.clone().unwrap_or_default(),
                c.attempts.to_string(),
                format!("{:.1}", c.duration_ms),
            ]
        })
        .collect();
    page.table(
        "calls",
        &[
            "#",
            "started (ms)",
            "service",
            "operation",
            "status",
            "error",
            "attempts",
            "took (ms)",
        ],
        &rows,
    );
    page.finish()
}
