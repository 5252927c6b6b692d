//! Target groups: CreateTargetGroup, DescribeTargetGroups, DeleteTargetGroup,
//! ModifyTargetGroup and the attribute calls. A target group's
//! `IpAddressType` (ipv4 | ipv6) decides which targets it takes and which
//! load balancers it may serve.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::errors;
use super::types::TgIpType;
use super::{
    Tags, attribute_changes, attributes_xml, check_name, member_list, page, parse_tags, with_marker,
};
use crate::index::{By, Key, Keys, StableKeys};
use crate::protocol::error::AwsResult;
use crate::protocol::{Node, Params};
use crate::region::Ctx;

/// A registered target; health is worked out when read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisteredTarget {
    pub id: String,
    pub port: u16,
    pub availability_zone: Option<String>,
    /// Set when deregistered: the target drains for this many more reads.
    pub draining_reads: Option<u32>,
    /// Health checks still to pass before `healthy` (counts reads).
    pub reads_left: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub protocol: String,
    pub port: String,
    pub enabled: bool,
    pub interval_seconds: u32,
    pub timeout_seconds: u32,
    pub healthy_threshold_count: u32,
    pub unhealthy_threshold_count: u32,
    pub path: Option<String>,
    pub matcher: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetGroup {
    pub target_group_arn: String,
    pub name: String,
    pub protocol: Option<String>,
    pub port: Option<u16>,
    pub vpc_id: Option<String>,
    /// instance | ip | lambda | alb
    pub target_type: String,
    /// ipv4 | ipv6
    pub ip_address_type: TgIpType,
    pub health_check: HealthCheck,
    pub attributes: BTreeMap<String, String>,
    pub targets: Vec<RegisteredTarget>,
    pub tags: Tags,
}

crate::registry::resource!(
    TargetGroup: "targetgroup", "targetgroup", target_group_arn, Tags,
    |_id| errors::target_group_not_found();

    fn owns(id: &str) -> bool {
        id.contains(":targetgroup/")
    }
);

/// A target group is found by its name and its VPC.
impl Keys for TargetGroup {
    fn keys(&self, out: &mut Vec<Key>) {
        out.push((By::Name, self.name.clone()));
        if let Some(v) = &self.vpc_id {
            out.push((By::Vpc, v.clone()));
        }
    }
}

/// Neither changes once the group is made.
impl StableKeys for TargetGroup {}

impl TargetGroup {
    pub fn to_xml(&self, load_balancer_arns: &[String]) -> Node {
        let hc = &self.health_check;
        Node::el("member")
            .leaf("TargetGroupArn", &self.target_group_arn)
            .leaf("TargetGroupName", &self.name)
            .opt_leaf("Protocol", self.protocol.as_ref())
            .opt_leaf("Port", self.port)
            .opt_leaf("VpcId", self.vpc_id.as_ref())
            .leaf("HealthCheckProtocol", &hc.protocol)
            .leaf("HealthCheckPort", &hc.port)
            .leaf("HealthCheckEnabled", hc.enabled)
            .leaf("HealthCheckIntervalSeconds", hc.interval_seconds)
            .leaf("HealthCheckTimeoutSeconds", hc.timeout_seconds)
            .leaf("HealthyThresholdCount", hc.healthy_threshold_count)
            .leaf("UnhealthyThresholdCount", hc.unhealthy_threshold_count)
            .opt_leaf("HealthCheckPath", hc.path.as_ref())
            .opt_child(
                hc.matcher
                    .as_ref()
                    .map(|m| Node::el("Matcher").leaf("HttpCode", m)),
            )
            .child(Node::members(
                "LoadBalancerArns",
                load_balancer_arns.iter().map(|a| Node::text("member", a)),
            ))
            .leaf("TargetType", &self.target_type)
            .leaf("IpAddressType", self.ip_address_type)
    }

    /// The settings that make two CreateTargetGroup calls "the same".
    fn same_settings(&self, other: &TargetGroup) -> bool {
        self.protocol == other.protocol
            && self.port == other.port
            && self.vpc_id == other.vpc_id
            && self.target_type == other.target_type
            && self.ip_address_type == other.ip_address_type
            && self.health_check == other.health_check
    }
}

const PROTOCOLS: [&str; 9] = [
    "HTTP", "HTTPS", "TCP", "TLS", "UDP", "TCP_UDP", "GENEVE", "QUIC", "TCP_QUIC",
];

fn default_health_check(protocol: Option<&str>) -> HealthCheck {
    let http = matches!(protocol, Some("HTTP" | "HTTPS"));
    HealthCheck {
        protocol: match protocol {
            Some("HTTPS") => "HTTPS",
            Some("HTTP") | None => "HTTP",
            _ => "TCP",
        }
        .to_owned(),
        port: "traffic-port".to_owned(),
        enabled: true,
        interval_seconds: 30,
        timeout_seconds: if http { 5 } else { 10 },
        healthy_threshold_count: 5,
        unhealthy_threshold_count: 2,
        path: http.then(|| "/".to_owned()),
        matcher: http.then(|| "200".to_owned()),
    }
}

fn number_in(p: &Params, key: &str, lo: u32, hi: u32) -> AwsResult<Option<u32>> {
    let v: Option<u32> = p.number(key).map_err(|e| errors::validation(e.message))?;
    if let Some(x) = v
        && !(lo..=hi).contains(&x)
    {
        return Err(errors::validation(format!(
            "1 validation error detected: Value '{x}' at '{}' failed to satisfy constraint: Member must have value between {lo} and {hi}",
            lower_first(key)
        )));
    }
    Ok(v)
}

fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// Applies `HealthCheck*` parameters over `base`.
fn health_check_from(p: &Params, mut hc: HealthCheck) -> AwsResult<HealthCheck> {
    if let Some(proto) = p.value("HealthCheckProtocol") {
        if !["HTTP", "HTTPS", "TCP"].contains(&proto) {
            return Err(errors::validation(format!(
                "Health check protocol '{proto}' is not supported"
            )));
        }
        if proto != hc.protocol {
            hc.path = matches!(proto, "HTTP" | "HTTPS").then(|| "/".to_owned());
            hc.matcher = hc.path.as_ref().map(|_| "200".to_owned());
        }
        hc.protocol = proto.to_owned();
    }
    if let Some(port) = p.value("HealthCheckPort") {
        let ok = port == "traffic-port" || port.parse::<u16>().is_ok_and(|n| n >= 1);
        if !ok {
            return Err(errors::validation(format!(
                "Health check port '{port}' is not valid"
            )));
        }
        hc.port = port.to_owned();
    }
    if let Some(e) = p
        .bool("HealthCheckEnabled")
        .map_err(|e| errors::validation(e.message))?
    {
        hc.enabled = e;
    }
    if let Some(v) = number_in(p, "HealthCheckIntervalSeconds", 5, 300)? {
        hc.interval_seconds = v;
    }
    if let Some(v) = number_in(p, "HealthCheckTimeoutSeconds", 2, 120)? {
        hc.timeout_seconds = v;
    }
    if let Some(v) = number_in(p, "HealthyThresholdCount", 2, 10)? {
        hc.healthy_threshold_count = v;
    }
    if let Some(v) = number_in(p, "UnhealthyThresholdCount", 2, 10)? {
        hc.unhealthy_threshold_count = v;
    }
    if let Some(path) = p.value("HealthCheckPath") {
        if !matches!(hc.protocol.as_str(), "HTTP" | "HTTPS") {
            return Err(errors::validation(
                "A health check path can only be set for HTTP and HTTPS health checks",
            ));
        }
        hc.path = Some(path.to_owned());
    }
    if let Some(code) = p.value("Matcher.HttpCode") {
        hc.matcher = Some(code.to_owned());
    }
    if hc.timeout_seconds >= hc.interval_seconds {
        return Err(errors::validation(
            "Health check timeout must be smaller than the interval",
        ));
    }
    Ok(hc)
}

const DRAINING: &str = "target_health_state.unhealthy.draining_interval_seconds";
const TERMINATION: &str = "target_health_state.unhealthy.connection_termination.enabled";

fn default_attributes(target_type: &str, protocol: Option<&str>) -> BTreeMap<String, String> {
    let layer4 = matches!(protocol, Some("TCP" | "TLS" | "UDP" | "TCP_UDP"));
    let preserve = target_type == "instance" || matches!(protocol, Some("UDP" | "TCP_UDP"));
    let mut a: Vec<(&str, String)> = vec![
        ("deregistration_delay.timeout_seconds", "300".into()),
        ("stickiness.enabled", "false".into()),
        (
            "stickiness.type",
            if layer4 { "source_ip" } else { "lb_cookie" }.into(),
        ),
        (
            "load_balancing.cross_zone.enabled",
            "use_load_balancer_configuration".into(),
        ),
    ];
    if layer4 {
        a.extend([
            ("preserve_client_ip.enabled", preserve.to_string()),
            ("proxy_protocol_v2.enabled", "false".into()),
            (
                "deregistration_delay.connection_termination.enabled",
                "false".into(),
            ),
            (
                "target_health_state.unhealthy.connection_termination.enabled",
                "true".into(),
            ),
            (
                "target_health_state.unhealthy.draining_interval_seconds",
                "0".into(),
            ),
        ]);
    }
    a.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

pub fn create_target_group(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("Name")?.to_owned();
    check_name("Target group", &name)?;
    let target_type = p.value("TargetType").unwrap_or("instance").to_owned();
    if !["instance", "ip", "lambda", "alb"].contains(&target_type.as_str()) {
        return Err(errors::validation(format!(
            "1 validation error detected: Value '{target_type}' at 'targetType' failed to satisfy constraint: Member must satisfy enum value set: [instance, ip, lambda, alb]"
        )));
    }
    let ip_type = TgIpType::parse(p.value("IpAddressType").unwrap_or("ipv4"))?;
    if ip_type == TgIpType::Ipv6 && (target_type == "lambda" || target_type == "alb") {
        return Err(errors::validation(format!(
            "The IP address type 'ipv6' is not supported for target groups of type '{target_type}'"
        )));
    }
    let protocol = p.value("Protocol").map(str::to_owned);
    let port: Option<u16> = p
        .number("Port")
        .map_err(|e| errors::validation(e.message))?;
    let vpc_id = p.value("VpcId").map(str::to_owned);
    if target_type == "lambda" {
        if protocol.is_some() || port.is_some() || vpc_id.is_some() {
            return Err(errors::validation(
                "A protocol, port or VPC ID cannot be specified for target groups of type 'lambda'",
            ));
        }
    } else {
        let proto = protocol
            .as_deref()
            .ok_or_else(|| errors::validation("A protocol must be specified"))?;
        if !PROTOCOLS.contains(&proto) {
            return Err(errors::validation(format!(
                "The protocol '{proto}' is not supported"
            )));
        }
        if target_type == "alb" && proto != "TCP" {
            return Err(errors::validation(
                "Target groups of type 'alb' support only the TCP protocol",
            ));
        }
        match port {
            Some(n) if n >= 1 => {}
            _ => {
                return Err(errors::validation(
                    "A port between 1 and 65535 must be specified",
                ));
            }
        }
        let vpc = vpc_id
            .as_deref()
            .ok_or_else(|| errors::validation("A VPC ID must be specified"))?;
        if !ctx.region.ec2.vpcs.contains_key(vpc) {
            return Err(errors::validation(format!(
                "The VPC ID '{vpc}' is not found"
            )));
        }
    }
    let health_check = health_check_from(p, default_health_check(protocol.as_deref()))?;
    let tags = parse_tags(p)?;
    let candidate = TargetGroup {
        target_group_arn: String::new(),
        name: name.clone(),
        attributes: default_attributes(&target_type, protocol.as_deref()),
        protocol,
        port,
        vpc_id,
        target_type,
        ip_address_type: ip_type,
        health_check,
        targets: Vec::new(),
        tags,
    };
    let elb = &ctx.region.elbv2;
    if let Some(existing) = elb.target_groups.first(By::Name, &name) {
        if existing.same_settings(&candidate) {
            let lbs = elb.load_balancers_of(&existing.target_group_arn);
            return Ok(vec![Node::members("TargetGroups", [existing.to_xml(&lbs)])]);
        }
        return Err(errors::duplicate_target_group_name(&name));
    }
    let suffix = ctx.region.ids.next_hex16("elbv2-tg");
    let mut tg = candidate;
    tg.target_group_arn = ctx.region.arn(
        "elasticloadbalancing",
        &format!("targetgroup/{name}/{suffix}"),
    );
    let answer = tg.to_xml(&[]);
    ctx.region
        .elbv2
        .target_groups
        .insert(tg.target_group_arn.clone(), tg);
    Ok(vec![Node::members("TargetGroups", [answer])])
}

pub fn describe_target_groups(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let lb = p.value("LoadBalancerArn");
    let arns = member_list(p, "TargetGroupArns");
    let names = member_list(p, "Names");
    if usize::from(lb.is_some()) + usize::from(!arns.is_empty()) + usize::from(!names.is_empty())
        > 1
    {
        return Err(errors::validation(
            "Only one of load balancer ARN, target group ARNs or names can be specified",
        ));
    }
    let elb = &ctx.region.elbv2;
    let selected: Vec<&TargetGroup> = if let Some(lb) = lb {
        if !elb.load_balancers.contains_key(lb) {
            return Err(errors::load_balancer_not_found());
        }
        let forwarded: BTreeSet<&str> = elb
            .listeners
            .find(By::LoadBalancer, lb)
            .flat_map(|l| l.target_group_arns())
            .collect();
        forwarded
            .into_iter()
            .filter_map(|arn| elb.target_groups.get(arn))
            .collect()
    } else if !arns.is_empty() {
        arns.iter()
            .map(|a| {
                elb.target_groups
                    .get(a)
                    .ok_or_else(errors::target_group_not_found)
            })
            .collect::<AwsResult<_>>()?
    } else if !names.is_empty() {
        names
            .iter()
            .map(|n| {
                elb.target_groups
                    .first(By::Name, n)
                    .ok_or_else(errors::target_group_not_found)
            })
            .collect::<AwsResult<_>>()?
    } else {
        elb.target_groups.values().collect()
    };
    let items = selected
        .into_iter()
        .map(|t| t.to_xml(&elb.load_balancers_of(&t.target_group_arn)))
        .collect();
    let (items, next) = page(items, p)?;
    Ok(with_marker(
        vec![Node::members("TargetGroups", items)],
        next,
    ))
}

pub fn delete_target_group(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("TargetGroupArn")?.to_owned();
    let elb = &mut ctx.region.elbv2;
    if !elb.target_groups.contains_key(&arn) {
        return Ok(Vec::new());
    }
    if !elb.load_balancers_of(&arn).is_empty() {
        return Err(errors::resource_in_use(format!(
            "Target group '{arn}' is currently in use by a listener or a rule"
        )));
    }
    elb.target_groups.remove(&arn);
    Ok(Vec::new())
}

pub(super) fn find_tg<'a>(ctx: &'a Ctx<'_>, arn: &str) -> AwsResult<&'a TargetGroup> {
    ctx.region
        .elbv2
        .target_groups
        .get(arn)
        .ok_or_else(errors::target_group_not_found)
}

pub(super) fn find_tg_mut<'a>(ctx: &'a mut Ctx<'_>, arn: &str) -> AwsResult<&'a mut TargetGroup> {
    ctx.region
        .elbv2
        .target_groups
        .get_mut(arn)
        .ok_or_else(errors::target_group_not_found)
}

pub fn modify_target_group(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("TargetGroupArn")?.to_owned();
    let tg = find_tg(ctx, &arn)?;
    let hc = health_check_from(p, tg.health_check.clone())?;
    let lbs = ctx.region.elbv2.load_balancers_of(&arn);
    let tg = find_tg_mut(ctx, &arn)?;
    tg.health_check = hc;
    Ok(vec![Node::members("TargetGroups", [tg.to_xml(&lbs)])])
}

pub fn describe_target_group_attributes(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("TargetGroupArn")?;
    Ok(vec![attributes_xml(&find_tg(ctx, arn)?.attributes)])
}

pub fn modify_target_group_attributes(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("TargetGroupArn")?.to_owned();
    let changes = attribute_changes(p)?;
    let tg = find_tg(ctx, &arn)?;
    for (k, v) in &changes {
        if !tg.attributes.contains_key(k) {
            return Err(errors::invalid_configuration(format!(
                "Key {k} not valid for a target group with protocol '{}'",
                tg.protocol.as_deref().unwrap_or("none")
            )));
        }
        let ok = match k.as_str() {
            "deregistration_delay.timeout_seconds" => v.parse::<u32>().is_ok_and(|n| n <= 3600),
            DRAINING => v.parse::<u32>().is_ok_and(|n| n <= 360_000),
            "stickiness.type" => [
                "lb_cookie",
                "app_cookie",
                "source_ip",
                "source_ip_dest_ip",
                "source_ip_dest_ip_proto",
            ]
            .contains(&v.as_str()),
            "load_balancing.cross_zone.enabled" => {
                ["true", "false", "use_load_balancer_configuration"].contains(&v.as_str())
            }
            k if k.ends_with(".enabled") => v == "true" || v == "false",
            _ => true,
        };
        if !ok {
            return Err(errors::invalid_configuration(format!(
                "The value '{v}' is not valid for the attribute {k}"
            )));
        }
    }
    if tg.target_type == "ip"
        && tg
            .protocol
            .as_deref()
            .is_some_and(|p| p == "UDP" || p == "TCP_UDP")
        && changes
            .iter()
            .any(|(k, v)| k == "preserve_client_ip.enabled" && v == "false")
    {
        return Err(errors::invalid_configuration(
            "Client IP preservation cannot be disabled for UDP and TCP_UDP target groups",
        ));
    }
    let after = |key: &str| {
        changes
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .or_else(|| tg.attributes.get(key).map(String::as_str))
    };
    if after(DRAINING).is_some_and(|v| v != "0") && after(TERMINATION) == Some("true") {
        return Err(errors::invalid_configuration(format!(
            "{DRAINING} can only be set when {TERMINATION} is false"
        )));
    }
    let tg = find_tg_mut(ctx, &arn)?;
    tg.attributes.extend(changes);
    Ok(vec![attributes_xml(&tg.attributes)])
}
