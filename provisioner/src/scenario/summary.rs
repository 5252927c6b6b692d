//! A compact, deterministic view of the fake's final state for scenario
//! snapshots: per VPC its blocks, subnets, gateways, route tables, groups
//! and instances; then the load balancers and target groups. Ids are the
//! fake's deterministic ones; `Name` tags are shown beside them.

use std::collections::BTreeMap;

use fake_ec2::StateDump;
use fake_ec2::view::{PeerView, RuleView};
use serde::Serialize;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StateSummary {
    pub vpcs: Vec<VpcSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub elastic_ips: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub load_balancers: Vec<LbSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub target_groups: Vec<TgSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub classic_load_balancers: Vec<ClassicLbSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eks_clusters: Vec<EksSummary>,
}

/// An EKS cluster: its status, version and network, and its add-ons.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct EksSummary {
    pub name: String,
    pub status: String,
    pub version: String,
    /// `ipv4 <service block>` or `ipv6 <service block>`.
    pub network: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    /// `public` and/or `private`, with the public blocks.
    pub endpoint_access: String,
    /// `name version status`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addons: Vec<String>,
}

/// A classic ELB: where its nodes are, its listeners, health check,
/// attributes and instances.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ClassicLbSummary {
    pub name: String,
    pub scheme: String,
    pub zones: Vec<String>,
    pub listeners: Vec<String>,
    /// `target interval/timeout/healthy/unhealthy`.
    pub health_check: String,
    /// `cross-zone <bool>, idle <s> s`.
    pub attributes: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VpcSummary {
    pub id: String,
    pub name: Option<String>,
    pub cidr: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6: Vec<String>,
    pub dns_hostnames: bool,
    pub subnets: Vec<SubnetSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub internet_gateways: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub egress_only_internet_gateways: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub carrier_gateways: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nat_gateways: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vpc_endpoints: Vec<String>,
    pub route_tables: Vec<RouteTableSummary>,
    pub security_groups: Vec<GroupSummary>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<InstanceSummary>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct SubnetSummary {
    pub id: String,
    pub name: Option<String>,
    pub zone: String,
    pub family: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<String>,
    /// Attributes that are on: auto-ipv6, dns64, public-ipv4, resource-name.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RouteTableSummary {
    pub id: String,
    pub name: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub main: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<String>,
    pub routes: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GroupSummary {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<String>,
    pub egress: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct InstanceSummary {
    pub id: String,
    pub name: Option<String>,
    pub instance_type: String,
    pub state: String,
    pub subnet: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6: Vec<String>,
    pub hostname: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LbSummary {
    pub name: String,
    pub lb_type: String,
    pub scheme: String,
    pub ip_address_type: String,
    pub state: String,
    pub zones: Vec<String>,
    pub listeners: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TgSummary {
    pub name: String,
    pub protocol: String,
    pub port: Option<u16>,
    pub ip_address_type: String,
    pub targets: Vec<String>,
}

fn name(tags: &BTreeMap<String, String>) -> Option<String> {
    tags.get("Name").cloned()
}

fn rule(r: &RuleView, names: &BTreeMap<String, String>) -> String {
    let proto = match r.protocol.as_str() {
        "-1" => "all".to_owned(),
        p => p.to_owned(),
    };
    let ports = match (r.from_port, r.to_port) {
        (Some(f), Some(t)) if r.protocol != "-1" && f == t => format!(" {f}"),
        (Some(f), Some(t)) if r.protocol != "-1" => format!(" {f}-{t}"),
        _ => String::new(),
    };
    let peer = match &r.peer {
        PeerView::Range(range) => range.clone(),
        PeerView::Group(group_id) => names
            .get(group_id)
            .cloned()
            .unwrap_or_else(|| group_id.clone()),
    };
    format!("{proto}{ports} {peer}")
}

pub fn summarize(dump: &StateDump) -> StateSummary {
    let mut out = StateSummary {
        vpcs: Vec::new(),
        elastic_ips: Vec::new(),
        load_balancers: Vec::new(),
        target_groups: Vec::new(),
        classic_load_balancers: Vec::new(),
        eks_clusters: Vec::new(),
    };
    for region in &dump.regions {
        let ec2 = &region.ec2;
        let group_names: BTreeMap<String, String> = ec2
            .security_groups
            .values()
            .map(|g| (g.group_id.clone(), g.group_name.clone()))
            .collect();
        // The region's default VPC is the account's, there before the
        // scenario: the summary shows what the scenario's world and steps made.
        for vpc in ec2.vpcs.values().filter(|v| !v.is_default) {
            let id = &vpc.vpc_id;
            let subnets = ec2
                .subnets
                .values()
                .filter(|s| &s.vpc_id == id)
                .map(|s| {
                    let mut attributes = Vec::new();
                    if s.assign_ipv6_address_on_creation {
                        attributes.push("auto-ipv6");
                    }
                    if s.enable_dns64 {
                        attributes.push("dns64");
                    }
                    if s.map_public_ip_on_launch {
                        attributes.push("public-ipv4");
                    }
                    if s.private_dns_hostname_type_on_launch == "resource-name" {
                        attributes.push("resource-name");
                    }
                    SubnetSummary {
                        id: s.subnet_id.clone(),
                        name: name(&s.tags),
                        zone: s.availability_zone.clone(),
                        family: match (s.cidr_block.is_some(), s.has_ipv6()) {
                            (true, true) => "dualstack",
                            (false, _) => "ipv6-only",
                            (true, false) => "ipv4",
                        },
                        cidr: s.cidr_block.map(|c| c.to_string()),
                        ipv6: s.ipv6_block().map(|c| c.to_string()),
                        attributes,
                    }
                })
                .collect();
            let route_tables = ec2
                .route_tables
                .values()
                .filter(|t| &t.vpc_id == id)
                .map(|t| RouteTableSummary {
                    id: t.route_table_id.clone(),
                    name: name(&t.tags),
                    main: t.is_main(),
                    subnets: t
                        .associations
                        .iter()
                        .filter_map(|a| a.subnet_id.clone())
                        .collect(),
                    routes: t
                        .route_views()
                        .into_iter()
                        .map(|r| {
                            let state = if r.state == "active" {
                                String::new()
                            } else {
                                format!(" ({})", r.state)
                            };
                            format!("{} -> {}{state}", r.destination, r.target)
                        })
                        .collect(),
                })
                .collect();
            let security_groups = ec2
                .security_groups
                .values()
                .filter(|g| &g.vpc_id == id)
                .map(|g| GroupSummary {
                    id: g.group_id.clone(),
                    name: g.group_name.clone(),
                    ingress: g
                        .ingress_views()
                        .iter()
                        .map(|r| rule(r, &group_names))
                        .collect(),
                    egress: g
                        .egress_views()
                        .iter()
                        .map(|r| rule(r, &group_names))
                        .collect(),
                })
                .collect();
            let instances = ec2
                .instances
                .values()
                .filter(|i| &i.vpc_id == id)
                .map(|i| InstanceSummary {
                    id: i.instance_id.clone(),
                    name: name(&i.tags),
                    instance_type: i.instance_type.clone(),
                    state: i.state.clone(),
                    subnet: i.subnet_id.clone(),
                    ipv4: i.private_ip_address().map(|a| a.to_string()),
                    ipv6: i
                        .primary_interface()
                        .map(|n| {
                            n.ipv6_addresses
                                .iter()
                                .map(|a| {
                                    format!(
                                        "{}{}",
                                        a.address,
                                        if a.is_primary { " (primary)" } else { "" }
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    hostname: i.private_dns_name.clone(),
                })
                .collect();
            out.vpcs.push(VpcSummary {
                id: id.clone(),
                name: name(&vpc.tags),
                cidr: vpc.cidr_block.to_string(),
                ipv6: vpc
                    .ipv6_cidr_block_associations
                    .iter()
                    .map(|a| format!("{} ({})", a.ipv6_cidr_block, a.state.as_str()))
                    .collect(),
                dns_hostnames: vpc.enable_dns_hostnames,
                subnets,
                internet_gateways: ec2
                    .internet_gateways
                    .values()
                    .filter(|g| g.attached_vpc() == Some(id.as_str()))
                    .map(|g| g.internet_gateway_id.clone())
                    .collect(),
                egress_only_internet_gateways: ec2
                    .egress_only_internet_gateways
                    .values()
                    .filter(|g| &g.vpc_id == id)
                    .map(|g| format!("{} ({})", g.egress_only_internet_gateway_id, g.state))
                    .collect(),
                carrier_gateways: ec2
                    .carrier_gateways
                    .values()
                    .filter(|g| &g.vpc_id == id)
                    .map(|g| format!("{} ({})", g.carrier_gateway_id, g.state))
                    .collect(),
                nat_gateways: ec2
                    .nat_gateways
                    .values()
                    .filter(|n| &n.vpc_id == id)
                    .map(|n| format!("{} in {} ({})", n.nat_gateway_id, n.subnet_id, n.state))
                    .collect(),
                vpc_endpoints: ec2
                    .vpc_endpoints
                    .values()
                    .filter(|e| &e.vpc_id == id)
                    .map(|e| {
                        format!(
                            "{} {} {} ({}, {} route tables)",
                            e.vpc_endpoint_id,
                            e.vpc_endpoint_type.as_str(),
                            e.service_name,
                            e.state,
                            e.route_table_ids.len()
                        )
                    })
                    .collect(),
                route_tables,
                security_groups,
                instances,
            });
        }
        // Internet gateways not attached anywhere would be invisible above.
        for g in ec2
            .internet_gateways
            .values()
            .filter(|g| g.attachments.is_empty())
        {
            out.vpcs.push(VpcSummary {
                id: "(none)".into(),
                name: None,
                cidr: String::new(),
                ipv6: Vec::new(),
                dns_hostnames: false,
                subnets: Vec::new(),
                internet_gateways: vec![format!("{} (detached)", g.internet_gateway_id)],
                egress_only_internet_gateways: Vec::new(),
                carrier_gateways: Vec::new(),
                nat_gateways: Vec::new(),
                vpc_endpoints: Vec::new(),
                route_tables: Vec::new(),
                security_groups: Vec::new(),
                instances: Vec::new(),
            });
        }
        out.elastic_ips.extend(ec2.addresses.values().map(|a| {
            format!(
                "{} {}{}",
                a.allocation_id,
                a.public_ip,
                a.nat_gateway_id
                    .as_ref()
                    .map(|n| format!(" -> {n}"))
                    .unwrap_or_default()
            )
        }));
        let el = &region.elbv2;
        for lb in el.load_balancers.values() {
            out.load_balancers.push(LbSummary {
                name: lb.name.clone(),
                lb_type: lb.lb_type.clone(),
                scheme: lb.scheme.to_string(),
                ip_address_type: lb.ip_address_type.to_string(),
                state: lb.state.clone(),
                zones: lb
                    .availability_zones
                    .iter()
                    .map(|z| {
                        format!(
                            "{} {} {}{}",
                            z.zone_name,
                            z.subnet_id,
                            z.address.private_ipv4_address,
                            z.address
                                .ipv6_address
                                .map(|a| format!(" {a}"))
                                .unwrap_or_default()
                        )
                    })
                    .collect(),
                listeners: el
                    .listeners
                    .values()
                    .filter(|l| l.load_balancer_arn == lb.load_balancer_arn)
                    .map(|l| {
                        let tgs: Vec<String> = l
                            .target_group_arns()
                            .filter_map(|a| el.target_groups.get(a).map(|t| t.name.clone()))
                            .collect();
                        format!(
                            "{} {} -> {}",
                            l.protocol,
                            l.port.unwrap_or_default(),
                            tgs.join(", ")
                        )
                    })
                    .collect(),
            });
        }
        for lb in region.elb.load_balancers.values() {
            let h = &lb.health_check;
            out.classic_load_balancers.push(ClassicLbSummary {
                name: lb.name.clone(),
                scheme: lb.scheme.to_string(),
                zones: lb
                    .zones
                    .iter()
                    .map(|z| format!("{} {} {}", z.zone_name, z.subnet_id, z.private_ipv4_address))
                    .collect(),
                listeners: lb
                    .listeners
                    .iter()
                    .map(|l| {
                        format!(
                            "{} {} -> {} {}",
                            l.protocol, l.load_balancer_port, l.instance_protocol, l.instance_port
                        )
                    })
                    .collect(),
                health_check: format!(
                    "{} {}/{}/{}/{}",
                    h.target, h.interval, h.timeout, h.healthy_threshold, h.unhealthy_threshold
                ),
                attributes: format!(
                    "cross-zone {}, idle {} s",
                    lb.attributes.cross_zone_load_balancing, lb.attributes.idle_timeout
                ),
                instances: lb.instances.iter().map(|i| i.instance_id.clone()).collect(),
            });
        }
        for tg in el.target_groups.values() {
            out.target_groups.push(TgSummary {
                name: tg.name.clone(),
                protocol: tg.protocol.clone().unwrap_or_default(),
                port: tg.port,
                ip_address_type: tg.ip_address_type.to_string(),
                targets: tg
                    .targets
                    .iter()
                    .map(|t| format!("{}:{}", t.id, t.port))
                    .collect(),
            });
        }
    }
    for region in &dump.regions {
        for c in region.eks.clusters.values() {
            let mut access = Vec::new();
            if c.endpoint_public_access {
                access.push(format!("public {}", c.public_access_cidrs.join(" ")));
            }
            if c.endpoint_private_access {
                access.push("private".to_owned());
            }
            out.eks_clusters.push(EksSummary {
                name: c.name.clone(),
                status: c.status.clone(),
                version: c.version.clone(),
                network: format!(
                    "{} {}",
                    c.ip_family,
                    c.service_ipv6_cidr
                        .as_deref()
                        .or(c.service_ipv4_cidr.as_deref())
                        .unwrap_or("-")
                ),
                subnets: c.subnet_ids.clone(),
                security_groups: c.security_group_ids.clone(),
                endpoint_access: access.join(", "),
                addons: c
                    .addons
                    .values()
                    .map(|a| format!("{} {} {}", a.addon_name, a.addon_version, a.status))
                    .collect(),
            });
        }
    }
    out
}
