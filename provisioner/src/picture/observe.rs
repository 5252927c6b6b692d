//! What a VPC holds, read back through the API (the same Describe calls on
//! the embedded fake, an endpoint or AWS), as a picture's network: what
//! `apply --report` draws once the network is built.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{Filter, Tag};
use topology::{
    Gateway, GatewayKind, Listener, LoadBalancer, Machine, Network, Route, RouteTable,
    SecurityGroup, Subnet, TargetGroup, Vpc, Zone, ZoneKind,
};

use crate::aws_error::{AwsCallError, aws_error};
use crate::plan::tags;
use crate::sdk;
use crate::target::Clients;

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

fn name_of(t: &[Tag]) -> Option<String> {
    t.iter()
        .find(|t| t.key() == Some(tags::NAME))
        .and_then(|t| t.value().map(str::to_owned))
}

fn tag_of(t: &[Tag], key: &str) -> Option<String> {
    t.iter()
        .find(|t| t.key() == Some(key))
        .and_then(|t| t.value().map(str::to_owned))
}

/// The network of VPC `vpc_id` as the API describes it now.
pub async fn observe(
    clients: &Clients,
    vpc_id: &str,
    title: String,
) -> Result<Network, AwsCallError> {
    let ec2 = &clients.ec2;
    let by_vpc = || filter("vpc-id", vpc_id);

    let vpcs = ec2
        .describe_vpcs()
        .vpc_ids(vpc_id)
        .send()
        .await
        .map_err(|e| aws_error("DescribeVpcs", e))?;
    let v = vpcs.vpcs().first();
    let vpc = Vpc {
        id: vpc_id.to_owned(),
        name: v.and_then(|v| name_of(v.tags())),
        ipv4: v
            .map(|v| {
                sdk::vpc_ipv4_associations(v)
                    .filter_map(|a| a.cidr_block().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        ipv6: v
            .map(|v| {
                sdk::vpc_ipv6_associations(v)
                    .filter_map(|a| a.ipv6_cidr_block().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        existing: false,
    };

    let zone_types: BTreeMap<String, ZoneKind> = ec2
        .describe_availability_zones()
        .all_availability_zones(true)
        .send()
        .await
        .map_err(|e| aws_error("DescribeAvailabilityZones", e))?
        .availability_zones()
        .iter()
        .filter_map(|z| {
            Some((
                z.zone_name()?.to_owned(),
                ZoneKind::from_aws(z.zone_type().unwrap_or("availability-zone")),
            ))
        })
        .collect();

    let tables = ec2
        .describe_route_tables()
        .filters(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("DescribeRouteTables", e))?;
    let subnets_out = ec2
        .describe_subnets()
        .filters(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("DescribeSubnets", e))?;
    let mut subnet_list: Vec<&aws_sdk_ec2::types::Subnet> = subnets_out.subnets().iter().collect();
    subnet_list.sort_by_key(|s| s.subnet_id().unwrap_or_default().to_owned());

    // Which table each subnet uses: its own association, else the main table.
    let main_table = tables
        .route_tables()
        .iter()
        .find(|t| t.associations().iter().any(|a| a.main() == Some(true)))
        .and_then(|t| t.route_table_id());
    let table_of = |subnet: &str| -> Option<&str> {
        tables
            .route_tables()
            .iter()
            .find(|t| {
                t.associations()
                    .iter()
                    .any(|a| a.subnet_id() == Some(subnet))
            })
            .and_then(|t| t.route_table_id())
            .or(main_table)
    };
    let routes_of = |table: &str| -> Vec<Route> {
        tables
            .route_tables()
            .iter()
            .filter(|t| t.route_table_id() == Some(table))
            .flat_map(|t| t.routes())
            .filter_map(|r| {
                let destination = r
                    .destination_cidr_block()
                    .or(r.destination_ipv6_cidr_block())
                    .or(r.destination_prefix_list_id())?
                    .to_owned();
                let target = r
                    .gateway_id()
                    .or(r.nat_gateway_id())
                    .or(r.egress_only_internet_gateway_id())
                    .or(r.carrier_gateway_id())
                    .or(r.instance_id())
                    .or(r.network_interface_id())
                    .or(r.vpc_peering_connection_id())
                    .or(r.transit_gateway_id())
                    .unwrap_or("?")
                    .to_owned();
                Some(Route {
                    destination,
                    target,
                    blackhole: r.state().is_some_and(|s| s.as_str() == "blackhole"),
                })
            })
            .collect()
    };
    let public = |subnet: &str| {
        table_of(subnet).is_some_and(|t| {
            routes_of(t)
                .iter()
                .any(|r| r.target.starts_with("igw-") || r.target.starts_with("cagw-"))
        })
    };

    let mut zones: Vec<Zone> = Vec::new();
    let mut subnets = Vec::new();
    for s in &subnet_list {
        let id = s.subnet_id().unwrap_or_default().to_owned();
        let zone = s.availability_zone().map(str::to_owned);
        if let Some(z) = &zone
            && !zones.iter().any(|k| &k.name == z)
        {
            zones.push(Zone {
                name: z.clone(),
                kind: zone_types.get(z).copied().unwrap_or_default(),
            });
        }
        let ipv6 =
            sdk::subnet_ipv6_associations(s).find_map(|a| a.ipv6_cidr_block().map(str::to_owned));
        subnets.push(Subnet {
            label: name_of(s.tags()).unwrap_or_else(|| id.clone()),
            zone,
            public: public(&id),
            ipv4: s.cidr_block().map(str::to_owned),
            ipv6,
            dns64: s.enable_dns64() == Some(true),
            auto_ipv6: s.assign_ipv6_address_on_creation() == Some(true),
            public_ipv4: s.map_public_ip_on_launch() == Some(true),
            existing: false,
            id,
        });
    }
    zones.sort_by(|a, b| a.name.cmp(&b.name));

    let mut gateways = Vec::new();
    let igws = ec2
        .describe_internet_gateways()
        .filters(filter("attachment.vpc-id", vpc_id))
        .send()
        .await
        .map_err(|e| aws_error("DescribeInternetGateways", e))?;
    for g in igws.internet_gateways() {
        gateways.push(edge(
            g.internet_gateway_id().unwrap_or_default(),
            GatewayKind::Internet,
            name_of(g.tags()),
        ));
    }
    let eigws = ec2
        .describe_egress_only_internet_gateways()
        .send()
        .await
        .map_err(|e| aws_error("DescribeEgressOnlyInternetGateways", e))?;
    for g in eigws.egress_only_internet_gateways() {
        if g.attachments().iter().any(|a| a.vpc_id() == Some(vpc_id)) {
            gateways.push(edge(
                g.egress_only_internet_gateway_id().unwrap_or_default(),
                GatewayKind::EgressOnly,
                name_of(g.tags()),
            ));
        }
    }
    let cagws = ec2
        .describe_carrier_gateways()
        .filters(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("DescribeCarrierGateways", e))?;
    for g in cagws.carrier_gateways() {
        if g.state().is_some_and(|s| s.as_str() == "available") {
            gateways.push(edge(
                g.carrier_gateway_id().unwrap_or_default(),
                GatewayKind::Carrier,
                name_of(g.tags()),
            ));
        }
    }
    let endpoints = ec2
        .describe_vpc_endpoints()
        .filters(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("DescribeVpcEndpoints", e))?;
    for e in endpoints.vpc_endpoints() {
        if e.vpc_endpoint_type()
            .is_some_and(|t| t.as_str() == "Gateway")
        {
            gateways.push(edge(
                e.vpc_endpoint_id().unwrap_or_default(),
                GatewayKind::Endpoint,
                e.service_name().map(str::to_owned),
            ));
        }
    }
    let nats = ec2
        .describe_nat_gateways()
        .filter(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("DescribeNatGateways", e))?;
    for n in nats.nat_gateways() {
        if n.state()
            .is_some_and(|s| matches!(s.as_str(), "deleting" | "deleted" | "failed"))
        {
            continue;
        }
        let id = n.nat_gateway_id().unwrap_or_default().to_owned();
        gateways.push(Gateway {
            label: name_of(n.tags()).unwrap_or_else(|| id.clone()),
            kind: GatewayKind::Nat,
            subnet: n.subnet_id().map(str::to_owned),
            addresses: n
                .nat_gateway_addresses()
                .iter()
                .filter_map(|a| a.public_ip().map(str::to_owned))
                .collect(),
            existing: false,
            id,
        });
    }

    let mut route_tables: Vec<RouteTable> = Vec::new();
    for s in &subnets {
        if let Some(t) = table_of(&s.id) {
            match route_tables.iter_mut().find(|r| r.id == t) {
                Some(r) => r.subnets.push(s.id.clone()),
                None => route_tables.push(RouteTable {
                    id: t.to_owned(),
                    subnets: vec![s.id.clone()],
                    routes: routes_of(t),
                }),
            }
        }
    }

    let groups = ec2
        .describe_security_groups()
        .filters(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("DescribeSecurityGroups", e))?;
    let group_names: BTreeMap<&str, &str> = groups
        .security_groups()
        .iter()
        .filter_map(|g| Some((g.group_id()?, g.group_name()?)))
        .collect();
    let mut security_groups: Vec<SecurityGroup> = groups
        .security_groups()
        .iter()
        .map(|g| SecurityGroup {
            id: g.group_id().unwrap_or_default().to_owned(),
            name: g.group_name().unwrap_or_default().to_owned(),
            rules: g
                .ip_permissions()
                .iter()
                .flat_map(|p| rule_lines(p, &group_names))
                .collect(),
        })
        .collect();
    security_groups.sort_by(|a, b| a.name.cmp(&b.name));

    let instances = ec2
        .describe_instances()
        .filters(by_vpc())
        .send()
        .await
        .map_err(|e| aws_error("DescribeInstances", e))?;
    let mut machines = Vec::new();
    for i in instances.reservations().iter().flat_map(|r| r.instances()) {
        if i.state()
            .and_then(|s| s.name())
            .is_some_and(|s| matches!(s.as_str(), "terminated" | "shutting-down"))
        {
            continue;
        }
        let id = i.instance_id().unwrap_or_default().to_owned();
        let mut addresses: Vec<String> = i
            .private_ip_address()
            .map(str::to_owned)
            .into_iter()
            .collect();
        for eni in i.network_interfaces() {
            addresses.extend(
                eni.ipv6_addresses()
                    .iter()
                    .filter_map(|a| a.ipv6_address().map(str::to_owned)),
            );
        }
        addresses.extend(i.public_ip_address().map(|p| format!("{p} (public)")));
        machines.push(Machine {
            name: name_of(i.tags()).unwrap_or_else(|| id.clone()),
            role: tag_of(i.tags(), tags::ROLE).unwrap_or_default(),
            subnet: i.subnet_id().unwrap_or_default().to_owned(),
            instance_type: i
                .instance_type()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
            addresses,
            security_groups: i
                .security_groups()
                .iter()
                .filter_map(|g| g.group_id().map(str::to_owned))
                .collect(),
            id,
        });
    }
    machines.sort_by(|a, b| a.name.cmp(&b.name));

    let load_balancers = load_balancers(clients, vpc_id).await?;

    Ok(Network {
        title,
        vpc,
        zones,
        subnets,
        gateways,
        route_tables,
        load_balancers,
        machines,
        security_groups,
        notes: Vec::new(),
    })
}

/// An edge gateway, by its Name tag else its id.
fn edge(id: &str, kind: GatewayKind, name: Option<String>) -> Gateway {
    Gateway::edge(id, kind, name.unwrap_or_else(|| id.to_owned()))
}

/// An ingress permission as one line per peer: `tcp/6443 from ::/0`, a
/// group of the VPC by its name (ports as `fake_ec2::ui` writes them, so
/// the apply report and the fake's live page read a rule alike).
fn rule_lines(
    p: &aws_sdk_ec2::types::IpPermission,
    group_names: &BTreeMap<&str, &str>,
) -> Vec<String> {
    let ports = topology::rule_ports(p.ip_protocol().unwrap_or("-1"), p.from_port(), p.to_port());
    let mut out = Vec::new();
    for r in p.ip_ranges() {
        out.push(format!("{ports} from {}", r.cidr_ip().unwrap_or("?")));
    }
    for r in p.ipv6_ranges() {
        out.push(format!("{ports} from {}", r.cidr_ipv6().unwrap_or("?")));
    }
    for g in p.user_id_group_pairs() {
        let id = g.group_id().unwrap_or("?");
        out.push(format!(
            "{ports} from {}",
            group_names.get(id).map_or(id, |n| n)
        ));
    }
    for l in p.prefix_list_ids() {
        out.push(format!(
            "{ports} from {}",
            l.prefix_list_id().unwrap_or("?")
        ));
    }
    out
}

/// The VPC's ELBv2 load balancers with their listeners, target groups and
/// registered targets, and its classic ELBs.
async fn load_balancers(
    clients: &Clients,
    vpc_id: &str,
) -> Result<Vec<LoadBalancer>, AwsCallError> {
    let elb = &clients.elb;
    let out = elb
        .describe_load_balancers()
        .send()
        .await
        .map_err(|e| aws_error("DescribeLoadBalancers", e))?;
    let mut lbs = Vec::new();
    for lb in out.load_balancers() {
        if lb.vpc_id() != Some(vpc_id) {
            continue;
        }
        let arn = lb.load_balancer_arn().unwrap_or_default();
        let groups = elb
            .describe_target_groups()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|e| aws_error("DescribeTargetGroups", e))?;
        let listeners = elb
            .describe_listeners()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(|e| aws_error("DescribeListeners", e))?;
        let mut drawn = Vec::new();
        for l in listeners.listeners() {
            let tg_arn = l
                .default_actions()
                .iter()
                .find_map(|a| a.target_group_arn());
            let tg = match tg_arn.and_then(|arn| {
                groups
                    .target_groups()
                    .iter()
                    .find(|g| g.target_group_arn() == Some(arn))
            }) {
                Some(g) => {
                    let health = elb
                        .describe_target_health()
                        .target_group_arn(g.target_group_arn().unwrap_or_default())
                        .send()
                        .await
                        .map_err(|e| aws_error("DescribeTargetHealth", e))?;
                    Some(TargetGroup {
                        name: g.target_group_name().unwrap_or_default().to_owned(),
                        protocol: g
                            .protocol()
                            .map(|p| p.as_str().to_owned())
                            .unwrap_or_default(),
                        port: g.port().and_then(|p| u16::try_from(p).ok()).unwrap_or(0),
                        ip_address_type: g
                            .ip_address_type()
                            .map(|t| t.as_str().to_owned())
                            .unwrap_or_else(|| "ipv4".to_owned()),
                        targets: health
                            .target_health_descriptions()
                            .iter()
                            .filter_map(|d| d.target().and_then(|t| t.id()).map(str::to_owned))
                            .collect(),
                    })
                }
                None => None,
            };
            drawn.push(Listener {
                protocol: l
                    .protocol()
                    .map(|p| p.as_str().to_owned())
                    .unwrap_or_default(),
                port: l.port().and_then(|p| u16::try_from(p).ok()).unwrap_or(0),
                target_group: tg,
            });
        }
        drawn.sort_by_key(|l| l.port);
        lbs.push(LoadBalancer {
            id: arn.to_owned(),
            name: lb.load_balancer_name().unwrap_or_default().to_owned(),
            kind: lb
                .r#type()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
            scheme: lb
                .scheme()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
            ip_address_type: lb
                .ip_address_type()
                .map(|t| t.as_str().to_owned())
                .unwrap_or_default(),
            subnets: lb
                .availability_zones()
                .iter()
                .filter_map(|z| z.subnet_id().map(str::to_owned))
                .collect(),
            listeners: drawn,
            security_groups: lb.security_groups().to_vec(),
        });
    }
    let classic = clients
        .elb_classic
        .describe_load_balancers()
        .send()
        .await
        .map_err(|e| aws_error("DescribeLoadBalancers", e))?;
    for lb in classic.load_balancer_descriptions() {
        if lb.vpc_id() != Some(vpc_id) {
            continue;
        }
        let name = lb.load_balancer_name().unwrap_or_default().to_owned();
        let targets: Vec<String> = lb
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_owned))
            .collect();
        lbs.push(LoadBalancer {
            id: name.clone(),
            name,
            kind: "classic".into(),
            scheme: lb.scheme().unwrap_or_default().to_owned(),
            ip_address_type: "ipv4".into(),
            subnets: lb.subnets().to_vec(),
            listeners: lb
                .listener_descriptions()
                .iter()
                .filter_map(|d| d.listener())
                .map(|l| Listener {
                    protocol: l.protocol().to_owned(),
                    port: u16::try_from(l.load_balancer_port()).unwrap_or(0),
                    target_group: Some(TargetGroup {
                        name: "instances".into(),
                        protocol: l.instance_protocol().unwrap_or_default().to_owned(),
                        port: u16::try_from(l.instance_port()).unwrap_or(0),
                        ip_address_type: "ipv4".into(),
                        targets: targets.clone(),
                    }),
                })
                .collect(),
            security_groups: lb.security_groups().to_vec(),
        });
    }
    lbs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(lbs)
}
