//! Targets: RegisterTargets, DeregisterTargets, DescribeTargetHealth.
//!
//! An IPv6 target group takes instances only by their primary IPv6 address
//! and IP targets only from the VPC's IPv6 blocks; an IPv4 target group the
//! reverse. Health is worked out at read time: `initial` for
//! `settle_reads` reads, then `healthy`; `unused` while no listener uses the
//! group or when the instance is no longer running.

use std::net::IpAddr;

use ipnet::Ipv4Net;

use super::errors;
use super::target_groups::{RegisteredTarget, TargetGroup, find_tg, find_tg_mut};
use super::types::TgIpType;
use crate::protocol::error::AwsResult;
use crate::protocol::{Node, Params};
use crate::region::Ctx;

struct TargetRef {
    id: String,
    port: Option<u16>,
    availability_zone: Option<String>,
}

fn parse_targets(p: &Params) -> AwsResult<Vec<TargetRef>> {
    let raw = p.member_structs("Targets").unwrap_or_default();
    raw.into_iter()
        .map(|t| {
            Ok(TargetRef {
                id: t
                    .value("Id")
                    .ok_or_else(|| errors::validation("A target ID must be specified"))?
                    .to_owned(),
                port: t
                    .number("Port")
                    .map_err(|e| errors::validation(e.message))?,
                availability_zone: t.value("AvailabilityZone").map(str::to_owned),
            })
        })
        .collect()
}

/// Private IPv4 ranges AWS accepts for IP targets outside the VPC's own blocks.
const PRIVATE_V4: [&str; 4] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
];

fn quoted(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every AWS rule about which targets a group may take.
fn check_targets(ctx: &Ctx<'_>, tg: &TargetGroup, targets: &[TargetRef]) -> AwsResult<()> {
    let ec2 = &ctx.region.ec2;
    let vpc_id = tg.vpc_id.as_deref().unwrap_or_default();
    match tg.target_type.as_str() {
        "instance" => {
            let mut missing = Vec::new();
            let mut not_running = Vec::new();
            let mut other_vpc = Vec::new();
            let mut no_ipv6 = Vec::new();
            let mut no_ipv4 = Vec::new();
            for t in targets {
                let Some(i) = ec2.instances.get(&t.id) else {
                    missing.push(t.id.clone());
                    continue;
                };
                if !matches!(i.state.as_str(), "pending" | "running") {
                    not_running.push(t.id.clone());
                } else if i.vpc_id != vpc_id {
                    other_vpc.push(t.id.clone());
                } else if tg.ip_address_type == TgIpType::Ipv6 && i.primary_ipv6().is_none() {
                    no_ipv6.push(t.id.clone());
                } else if tg.ip_address_type == TgIpType::Ipv4 && i.private_ip_address().is_none() {
                    no_ipv4.push(t.id.clone());
                }
            }
            if !missing.is_empty() {
                return Err(errors::invalid_target(format!(
                    "The following targets are not valid instances: {}",
                    quoted(&missing)
                )));
            }
            if !not_running.is_empty() {
                return Err(errors::invalid_target(format!(
                    "The following targets are not in a running state and cannot be registered: {}",
                    quoted(&not_running)
                )));
            }
            if !other_vpc.is_empty() {
                return Err(errors::invalid_target(format!(
                    "The following targets are not in the target group VPC '{vpc_id}': {}",
                    quoted(&other_vpc)
                )));
            }
            if !no_ipv6.is_empty() {
                return Err(errors::invalid_target(format!(
                    "The following targets cannot be used with this IPv6 target group because of missing primary IPv6 addresses: {}",
                    no_ipv6.join(", ")
                )));
            }
            if !no_ipv4.is_empty() {
                return Err(errors::invalid_target(format!(
                    "The following targets cannot be used with this IPv4 target group because they have no IPv4 address: {}",
                    no_ipv4.join(", ")
                )));
            }
        }
        "ip" => {
            let vpc = ec2.vpcs.get(vpc_id);
            for t in targets {
                let ip: IpAddr =
                    t.id.parse()
                        .map_err(|_| errors::not_an_ip_address(&t.id, "IP"))?;
                match (ip, tg.ip_address_type.as_str()) {
                    (IpAddr::V6(_), "ipv4") => {
                        return Err(errors::not_an_ip_address(&t.id, "IPv4"));
                    }
                    (IpAddr::V4(_), "ipv6") => {
                        return Err(errors::not_an_ip_address(&t.id, "IPv6"));
                    }
                    (IpAddr::V4(v4), _) => {
                        let in_vpc = vpc.is_some_and(|v| v.ipv4_blocks().any(|b| b.contains(&v4)));
                        let private = PRIVATE_V4
                            .iter()
                            .filter_map(|c| c.parse::<Ipv4Net>().ok())
                            .any(|n| n.contains(&v4));
                        if !in_vpc && !private {
                            return Err(errors::invalid_target(format!(
                                "The IP address '{}' is not within the VPC's CIDR blocks or a private range",
                                t.id
                            )));
                        }
                        if !in_vpc && t.availability_zone.as_deref() != Some("all") {
                            return Err(errors::validation(format!(
                                "The IP address '{}' is outside the VPC; its availability zone must be 'all'",
                                t.id
                            )));
                        }
                    }
                    (IpAddr::V6(v6), _) => {
                        if !vpc.is_some_and(|v| v.ipv6_blocks().any(|b| b.contains(&v6))) {
                            return Err(errors::invalid_target(format!(
                                "The IP address '{}' is not within the IPv6 CIDR blocks of the VPC '{vpc_id}'",
                                t.id
                            )));
                        }
                    }
                }
            }
        }
        "alb" => {
            for t in targets {
                let ok = ctx
                    .region
                    .elbv2
                    .load_balancers
                    .get(&t.id)
                    .is_some_and(|lb| lb.lb_type == "application");
                if !ok {
                    return Err(errors::invalid_target(format!(
                        "The target '{}' is not an Application Load Balancer",
                        t.id
                    )));
                }
            }
        }
        _ => {
            for t in targets {
                if !t.id.starts_with("arn:aws:lambda:") {
                    return Err(errors::invalid_target(format!(
                        "The target '{}' is not a Lambda function ARN",
                        t.id
                    )));
                }
            }
        }
    }
    Ok(())
}

fn target_port(tg: &TargetGroup, t: &TargetRef) -> AwsResult<u16> {
    match (t.port, tg.port) {
        (Some(0), _) => Err(errors::validation(
            "A target port must be between 1 and 65535",
        )),
        (Some(p), _) | (None, Some(p)) => Ok(p),
        (None, None) => Ok(0),
    }
}

pub fn register_targets(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("TargetGroupArn")?.to_owned();
    let targets = parse_targets(p)?;
    if targets.is_empty() {
        return Err(errors::validation("At least one target must be specified"));
    }
    let tg = find_tg(ctx, &arn)?;
    check_targets(ctx, tg, &targets)?;
    let ports: Vec<u16> = targets
        .iter()
        .map(|t| target_port(tg, t))
        .collect::<AwsResult<_>>()?;
    let settle = ctx.region.settle_reads;
    let tg = find_tg_mut(ctx, &arn)?;
    for (t, port) in targets.into_iter().zip(ports) {
        match tg
            .targets
            .iter_mut()
            .find(|r| r.id == t.id && r.port == port)
        {
            Some(existing) => existing.draining_reads = None,
            None => tg.targets.push(RegisteredTarget {
                id: t.id,
                port,
                availability_zone: t.availability_zone,
                draining_reads: None,
                reads_left: settle,
            }),
        }
    }
    Ok(Vec::new())
}

pub fn deregister_targets(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("TargetGroupArn")?.to_owned();
    let targets = parse_targets(p)?;
    if targets.is_empty() {
        return Err(errors::validation("At least one target must be specified"));
    }
    let tg = find_tg(ctx, &arn)?;
    let unknown: Vec<String> = targets
        .iter()
        .filter(|t| {
            !tg.targets.iter().any(|r| {
                r.id == t.id && t.port.is_none_or(|p| p == r.port) && r.draining_reads.is_none()
            })
        })
        .map(|t| t.id.clone())
        .collect();
    if !unknown.is_empty() {
        return Err(errors::invalid_target(format!(
            "The following targets are not registered in the target group: {}",
            quoted(&unknown)
        )));
    }
    let delay_zero = tg
        .attributes
        .get("deregistration_delay.timeout_seconds")
        .map(String::as_str)
        == Some("0");
    let settle = ctx.region.settle_reads;
    let tg = find_tg_mut(ctx, &arn)?;
    for t in &targets {
        for r in tg
            .targets
            .iter_mut()
            .filter(|r| r.id == t.id && t.port.is_none_or(|p| p == r.port))
        {
            r.draining_reads = Some(if delay_zero { 0 } else { settle });
        }
    }
    tg.targets.retain(|r| r.draining_reads != Some(0));
    Ok(Vec::new())
}

/// (state, reason, description) of one target, as DescribeTargetHealth reports it.
fn health(
    ctx: &Ctx<'_>,
    tg: &TargetGroup,
    r: &RegisteredTarget,
    in_use: bool,
) -> (&'static str, Option<&'static str>, Option<String>) {
    if r.draining_reads.is_some() {
        return (
            "draining",
            Some("Target.DeregistrationInProgress"),
            Some("Target deregistration is in progress".into()),
        );
    }
    if tg.target_type == "instance"
        && let Some(i) = ctx.region.ec2.instances.get(&r.id)
        && !matches!(i.state.as_str(), "pending" | "running")
    {
        return (
            "unused",
            Some("Target.InvalidState"),
            Some(format!("Target is in the {} state", i.state)),
        );
    }
    if !in_use {
        return (
            "unused",
            Some("Target.NotInUse"),
            Some("Target group is not configured to receive traffic from the load balancer".into()),
        );
    }
    if r.reads_left > 0 {
        return (
            "initial",
            Some("Elb.RegistrationInProgress"),
            Some("Target registration is in progress".into()),
        );
    }
    ("healthy", None, None)
}

pub fn describe_target_health(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("TargetGroupArn")?.to_owned();
    let asked = parse_targets(p)?;
    let tg = find_tg(ctx, &arn)?.clone();
    let in_use = !ctx.region.elbv2.load_balancers_of(&arn).is_empty();
    let mut items = Vec::new();
    let mut seen: Vec<(String, u16)> = Vec::new();
    let selected: Vec<&RegisteredTarget> = tg
        .targets
        .iter()
        .filter(|r| {
            asked.is_empty()
                || asked
                    .iter()
                    .any(|a| a.id == r.id && a.port.is_none_or(|p| p == r.port))
        })
        .collect();
    for r in &selected {
        let (state, reason, description) = health(ctx, &tg, r, in_use);
        let hc_port = if tg.health_check.port == "traffic-port" {
            r.port.to_string()
        } else {
            tg.health_check.port.clone()
        };
        items.push(target_health_xml(
            &r.id,
            Some(r.port),
            r.availability_zone.as_deref(),
            &hc_port,
            state,
            reason,
            description,
        ));
        seen.push((r.id.clone(), r.port));
    }
    for a in &asked {
        if !seen
            .iter()
            .any(|(id, port)| *id == a.id && a.port.is_none_or(|p| p == *port))
        {
            items.push(target_health_xml(
                &a.id,
                a.port.or(tg.port),
                None,
                &tg.health_check.port,
                "unused",
                Some("Target.NotRegistered"),
                Some("Target is not registered to the target group".into()),
            ));
        }
    }
    // Reading moves registrations on and finishes drains.
    let tg = find_tg_mut(ctx, &arn)?;
    for r in &mut tg.targets {
        if asked.is_empty() || asked.iter().any(|a| a.id == r.id) {
            if in_use && r.reads_left > 0 && r.draining_reads.is_none() {
                r.reads_left -= 1;
            }
            if let Some(n) = r.draining_reads.as_mut() {
                *n = n.saturating_sub(1);
            }
        }
    }
    tg.targets.retain(|r| r.draining_reads != Some(0));
    Ok(vec![Node::members("TargetHealthDescriptions", items)])
}

fn target_health_xml(
    id: &str,
    port: Option<u16>,
    zone: Option<&str>,
    hc_port: &str,
    state: &str,
    reason: Option<&str>,
    description: Option<String>,
) -> Node {
    Node::el("member")
        .child(
            Node::el("Target")
                .leaf("Id", id)
                .opt_leaf("Port", port.filter(|p| *p > 0))
                .opt_leaf("AvailabilityZone", zone),
        )
        .leaf("HealthCheckPort", hc_port)
        .child(
            Node::el("TargetHealth")
                .leaf("State", state)
                .opt_leaf("Reason", reason)
                .opt_leaf("Description", description),
        )
}
