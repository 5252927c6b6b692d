//! Classic load balancers: CreateLoadBalancer, DescribeLoadBalancers,
//! DeleteLoadBalancer, ConfigureHealthCheck and the attribute calls.
//!
//! Every node takes a private IPv4 address from its subnet, so IPv6-only
//! subnets take no classic load balancer; one subnet per zone; an
//! internet-facing one needs an internet gateway on its VPC.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use super::{Tags, boolean, errors, find, find_mut, member_list, number};
use crate::elbv2::types::Scheme;
use crate::ids::Timestamp;
use crate::protocol::error::AwsResult;
use crate::protocol::{Node, Params};
use crate::region::Ctx;

/// One listener: the front end (`Protocol`, `LoadBalancerPort`) and the
/// back end (`InstanceProtocol`, `InstancePort`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ClassicListener {
    pub protocol: String,
    pub load_balancer_port: u16,
    pub instance_protocol: String,
    pub instance_port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_certificate_id: Option<String>,
}

/// A zone the load balancer has a node in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassicZone {
    pub zone_name: String,
    pub subnet_id: String,
    /// The node's address, taken from the subnet.
    pub private_ipv4_address: Ipv4Addr,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheck {
    /// `TCP:6443`, `SSL:443`, `HTTP:80/healthz`, `HTTPS:443/healthz`.
    pub target: String,
    pub interval: i64,
    pub timeout: i64,
    pub unhealthy_threshold: i64,
    pub healthy_threshold: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessLog {
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emit_interval: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s3_bucket_prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attributes {
    pub cross_zone_load_balancing: bool,
    pub access_log: AccessLog,
    pub connection_draining_enabled: bool,
    pub connection_draining_timeout: i64,
    pub idle_timeout: i64,
    /// `AdditionalAttributes` (only `elb.http.desyncmitigationmode`).
    pub additional: Vec<(String, String)>,
}

impl Default for Attributes {
    /// What a load balancer created through the API has (the console
    /// turns cross-zone on; the API does not).
    fn default() -> Self {
        Self {
            cross_zone_load_balancing: false,
            access_log: AccessLog {
                enabled: false,
                s3_bucket_name: None,
                emit_interval: None,
                s3_bucket_prefix: None,
            },
            connection_draining_enabled: false,
            connection_draining_timeout: 300,
            idle_timeout: 60,
            additional: vec![(DESYNC.to_owned(), "defensive".to_owned())],
        }
    }
}

const DESYNC: &str = "elb.http.desyncmitigationmode";

/// An instance registered with a load balancer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registered {
    pub instance_id: String,
    /// DescribeInstanceHealth reads that still see the registration in
    /// progress (`settle_reads`).
    #[serde(default, skip_serializing_if = "crate::bookkeeping::hidden_in_dump")]
    pub reads_left: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClassicLoadBalancer {
    pub name: String,
    pub dns_name: String,
    pub canonical_hosted_zone_name_id: String,
    pub created_time: Timestamp,
    pub scheme: Scheme,
    pub vpc_id: String,
    pub listeners: Vec<ClassicListener>,
    pub zones: Vec<ClassicZone>,
    pub security_groups: Vec<String>,
    /// The first security group's name (`SourceSecurityGroup`).
    pub source_security_group: String,
    pub instances: Vec<Registered>,
    pub health_check: HealthCheck,
    pub attributes: Attributes,
    pub tags: Tags,
}

crate::registry::resource!(
    ClassicLoadBalancer: "loadbalancer", "loadbalancer", name, Tags,
    |id| errors::load_balancer_not_found(id);

    /// Classic load balancers are named, not numbered: nothing else owns an
    /// id by shape; the tag calls look names up in the store itself.
    fn owns(_id: &str) -> bool {
        true
    }
);

impl ClassicLoadBalancer {
    pub fn to_xml(&self, owner: &str) -> Node {
        let internet_facing = self.scheme == Scheme::InternetFacing;
        Node::el("member")
            .leaf("LoadBalancerName", &self.name)
            .leaf("DNSName", &self.dns_name)
            .opt_leaf(
                "CanonicalHostedZoneName",
                internet_facing.then_some(&self.dns_name),
            )
            .leaf(
                "CanonicalHostedZoneNameID",
                &self.canonical_hosted_zone_name_id,
            )
            .child(Node::members(
                "ListenerDescriptions",
                self.listeners.iter().map(|l| {
                    Node::el("member")
                        .child(listener_xml(l))
                        .child(Node::members("PolicyNames", []))
                }),
            ))
            .child(
                Node::el("Policies")
                    .child(Node::members("AppCookieStickinessPolicies", []))
                    .child(Node::members("LBCookieStickinessPolicies", []))
                    .child(Node::members("OtherPolicies", [])),
            )
            .child(Node::members("BackendServerDescriptions", []))
            .child(Node::members(
                "AvailabilityZones",
                self.zones
                    .iter()
                    .map(|z| Node::text("member", &z.zone_name)),
            ))
            .child(Node::members(
                "Subnets",
                self.zones
                    .iter()
                    .map(|z| Node::text("member", &z.subnet_id)),
            ))
            .leaf("VPCId", &self.vpc_id)
            .child(instances_xml(&self.instances))
            .child(health_check_xml(&self.health_check))
            .child(
                Node::el("SourceSecurityGroup")
                    .leaf("OwnerAlias", owner)
                    .leaf("GroupName", &self.source_security_group),
            )
            .child(Node::members(
                "SecurityGroups",
                self.security_groups.iter().map(|g| Node::text("member", g)),
            ))
            .leaf("CreatedTime", self.created_time)
            .leaf("Scheme", self.scheme)
    }
}

fn listener_xml(l: &ClassicListener) -> Node {
    Node::el("Listener")
        .leaf("Protocol", &l.protocol)
        .leaf("LoadBalancerPort", l.load_balancer_port)
        .leaf("InstanceProtocol", &l.instance_protocol)
        .leaf("InstancePort", l.instance_port)
        .opt_leaf("SSLCertificateId", l.ssl_certificate_id.as_ref())
}

/// `Instances/member/InstanceId`.
pub fn instances_xml(instances: &[Registered]) -> Node {
    Node::members(
        "Instances",
        instances
            .iter()
            .map(|i| Node::el("member").leaf("InstanceId", &i.instance_id)),
    )
}

fn health_check_xml(h: &HealthCheck) -> Node {
    Node::el("HealthCheck")
        .leaf("Target", &h.target)
        .leaf("Interval", h.interval)
        .leaf("Timeout", h.timeout)
        .leaf("UnhealthyThreshold", h.unhealthy_threshold)
        .leaf("HealthyThreshold", h.healthy_threshold)
}

fn attributes_xml(a: &Attributes) -> Node {
    let log = &a.access_log;
    Node::el("LoadBalancerAttributes")
        .child(Node::el("CrossZoneLoadBalancing").leaf("Enabled", a.cross_zone_load_balancing))
        .child(
            Node::el("AccessLog")
                .leaf("Enabled", log.enabled)
                .opt_leaf("S3BucketName", log.s3_bucket_name.as_ref())
                .opt_leaf("EmitInterval", log.emit_interval)
                .opt_leaf("S3BucketPrefix", log.s3_bucket_prefix.as_ref()),
        )
        .child(
            Node::el("ConnectionDraining")
                .leaf("Enabled", a.connection_draining_enabled)
                .leaf("Timeout", a.connection_draining_timeout),
        )
        .child(Node::el("ConnectionSettings").leaf("IdleTimeout", a.idle_timeout))
        .child(Node::members(
            "AdditionalAttributes",
            a.additional
                .iter()
                .map(|(k, v)| Node::el("member").leaf("Key", k).leaf("Value", v)),
        ))
}

/// Route 53 hosted zone ids of classic ELB DNS names (the same as
/// Application Load Balancers'), per region; a placeholder elsewhere.
fn hosted_zone(region: &str) -> &'static str {
    match region {
        "us-east-1" => "Z35SXDOTRQ7X7K",
        "us-east-2" => "Z3AADJGX6KTTL2",
        "us-west-1" => "Z368ELLRRE2KJ0",
        "us-west-2" => "Z1H1FL5HABSF5",
        "eu-west-1" => "Z32O12XQLNTSW2",
        "eu-central-1" => "Z215JYRZR1TBD5",
        _ => "Z2FAKECLBZONE0",
    }
}

/// A listener protocol, in any case: HTTP, HTTPS, TCP or SSL.
fn protocol(value: &str, field: &str) -> AwsResult<String> {
    let upper = value.to_ascii_uppercase();
    if ["HTTP", "HTTPS", "TCP", "SSL"].contains(&upper.as_str()) {
        Ok(upper)
    } else {
        Err(errors::validation(format!(
            "Invalid {field} '{value}': the protocol must be one of HTTP, HTTPS, TCP, SSL"
        )))
    }
}

/// Layer 7 (HTTP, HTTPS) or layer 4 (TCP, SSL).
fn is_layer7(protocol: &str) -> bool {
    protocol == "HTTP" || protocol == "HTTPS"
}

fn port(value: Option<i64>, field: &str) -> AwsResult<u16> {
    let v = value.ok_or_else(|| {
        errors::validation(format!(
            "1 validation error detected: Value null at '{field}' failed to satisfy constraint: Member must not be null"
        ))
    })?;
    u16::try_from(v)
        .ok()
        .filter(|p| *p >= 1)
        .ok_or_else(|| errors::out_of_range(field, v, 1, 65535))
}

/// `Listeners.member.N.*`: at least one, each with valid protocols and
/// ports, protocols of one layer, a certificate for HTTPS and SSL, one
/// listener per load balancer port.
fn parse_listeners(p: &Params) -> AwsResult<Vec<ClassicListener>> {
    let members = p.member_structs("Listeners").unwrap_or_default();
    if members.is_empty() {
        return Err(errors::validation(
            "At least one listener must be specified",
        ));
    }
    let mut out: Vec<ClassicListener> = Vec::new();
    for m in members {
        let front = protocol(m.value("Protocol").unwrap_or(""), "Protocol")?;
        let load_balancer_port = port(number(&m, "LoadBalancerPort")?, "loadBalancerPort")?;
        let instance_port = port(number(&m, "InstancePort")?, "instancePort")?;
        let instance_protocol = match m.value("InstanceProtocol") {
            Some(v) => protocol(v, "InstanceProtocol")?,
            None if is_layer7(&front) => "HTTP".to_owned(),
            None => "TCP".to_owned(),
        };
        if is_layer7(&front) != is_layer7(&instance_protocol) {
            return Err(errors::validation(format!(
                "Listener protocols must be of one layer: {front} in front takes {} at the back",
                if is_layer7(&front) {
                    "HTTP or HTTPS"
                } else {
                    "TCP or SSL"
                }
            )));
        }
        let ssl_certificate_id = m.value("SSLCertificateId").map(str::to_owned);
        if (front == "HTTPS" || front == "SSL") && ssl_certificate_id.is_none() {
            return Err(crate::protocol::AwsError::coded(
                errors::ClassicCode::CertificateNotFound,
                format!("A {front} listener needs an SSLCertificateId"),
            ));
        }
        let listener = ClassicListener {
            protocol: front,
            load_balancer_port,
            instance_protocol,
            instance_port,
            ssl_certificate_id,
        };
        if let Some(other) = out
            .iter()
            .find(|l| l.load_balancer_port == load_balancer_port)
        {
            if *other == listener {
                continue;
            }
            return Err(crate::protocol::AwsError::coded(
                errors::ClassicCode::DuplicateListener,
                format!(
                    "A listener already exists for port {load_balancer_port} with different settings"
                ),
            ));
        }
        out.push(listener);
    }
    Ok(out)
}

/// The subnets a new load balancer goes into: `Subnets`, or the default
/// VPC's default subnets of `AvailabilityZones`.
fn chosen_subnets(ctx: &Ctx<'_>, p: &Params) -> AwsResult<Vec<String>> {
    let subnets = member_list(p, "Subnets");
    let zones = member_list(p, "AvailabilityZones");
    match (subnets.is_empty(), zones.is_empty()) {
        (true, true) => Err(errors::validation(
            "Either AvailabilityZones or SubnetIds must be specified",
        )),
        (false, false) => Err(errors::validation(
            "Specify either AvailabilityZones or SubnetIds, not both",
        )),
        (false, true) => Ok(subnets),
        (true, false) => {
            let ec2 = &ctx.region.ec2;
            let default_vpc = ec2.default_vpc().ok_or_else(|| {
                errors::invalid_configuration(
                    "There is no default VPC for Availability Zones alone; specify Subnets",
                )
            })?;
            zones
                .iter()
                .map(|z| {
                    if ctx.region.zone(z).is_none() {
                        return Err(errors::validation(format!(
                            "Invalid Availability Zone: {z}"
                        )));
                    }
                    ec2.subnets
                        .values()
                        .find(|s| {
                            s.vpc_id == default_vpc.vpc_id
                                && s.default_for_az
                                && s.availability_zone == *z
                        })
                        .map(|s| s.subnet_id.clone())
                        .ok_or_else(|| {
                            errors::invalid_configuration(format!(
                                "The default VPC has no default subnet in {z}"
                            ))
                        })
                })
                .collect()
        }
    }
}

/// The subnet rules: each exists, all in one VPC, one per zone, with IPv4
/// and room for a node, in no Local or Wavelength Zone. (subnet, zone)
/// pairs and the VPC.
fn plan_zones(ctx: &Ctx<'_>, subnets: &[String]) -> AwsResult<(String, Vec<(String, String)>)> {
    let ec2 = &ctx.region.ec2;
    let mut vpc_id: Option<&str> = None;
    let mut zones: Vec<(String, String)> = Vec::new();
    for id in subnets {
        let subnet = ec2
            .subnets
            .get(id)
            .ok_or_else(|| errors::subnet_not_found(id))?;
        if zones.iter().any(|(s, _)| s == id) {
            continue;
        }
        match vpc_id {
            None => vpc_id = Some(&subnet.vpc_id),
            Some(v) if v != subnet.vpc_id => {
                return Err(errors::invalid_configuration(
                    "The subnets of a load balancer must all belong to the same VPC",
                ));
            }
            Some(_) => {}
        }
        if zones.iter().any(|(_, z)| *z == subnet.availability_zone) {
            return Err(errors::invalid_configuration(
                "A load balancer cannot be attached to multiple subnets in the same Availability Zone.",
            ));
        }
        if subnet.ipv6_native || subnet.cidr_block.is_none() {
            return Err(errors::invalid_subnet(format!(
                "The subnet '{id}' has no IPv4 CIDR block: Classic Load Balancer nodes need an IPv4 address, so IPv6-only subnets are not supported"
            )));
        }
        if ctx
            .region
            .zone(&subnet.availability_zone)
            .is_some_and(|z| z.zone_type.is_edge())
        {
            return Err(errors::invalid_subnet(format!(
                "Classic Load Balancers are not supported in {}",
                subnet.availability_zone
            )));
        }
        if subnet.available_ip_address_count() < 8 {
            return Err(errors::invalid_subnet(format!(
                "Not enough IP space available in {id}. ELB requires at least 8 free IP addresses in each subnet."
            )));
        }
        zones.push((id.clone(), subnet.availability_zone.clone()));
    }
    Ok((vpc_id.unwrap_or_default().to_owned(), zones))
}

pub fn create_load_balancer(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("LoadBalancerName")?.to_owned();
    crate::elbv2::check_name("LoadBalancer", &name).map_err(|e| errors::validation(e.message))?;
    let listeners = parse_listeners(p)?;
    let scheme = match p.value("Scheme") {
        None => Scheme::InternetFacing,
        Some(s) => Scheme::parse(s).map_err(|e| errors::validation(e.message))?,
    };
    let tags = crate::elbv2::parse_tags(p).map_err(errors::from_elbv2)?;
    let subnets = chosen_subnets(ctx, p)?;
    let (vpc_id, zones) = plan_zones(ctx, &subnets)?;
    let ec2 = &ctx.region.ec2;
    if scheme == Scheme::InternetFacing
        && !ec2
            .internet_gateways
            .values()
            .any(|g| g.attached_vpc() == Some(vpc_id.as_str()))
    {
        return Err(errors::invalid_subnet(format!(
            "VPC {vpc_id} has no internet gateway"
        )));
    }
    let mut security_groups = member_list(p, "SecurityGroups");
    security_groups.dedup();
    for g in &security_groups {
        match ec2.security_groups.get(g) {
            Some(sg) if sg.vpc_id == vpc_id => {}
            _ => return Err(errors::invalid_security_group(g)),
        }
    }
    if security_groups.is_empty()
        && let Some(v) = ec2.vpcs.get(&vpc_id)
    {
        security_groups.push(v.default_security_group_id.clone());
    }

    // The same name: the same load balancer when the settings match.
    if let Some(existing) = ctx.region.elb.load_balancers.get(&name) {
        let mut a: Vec<&str> = existing
            .zones
            .iter()
            .map(|z| z.subnet_id.as_str())
            .collect();
        let mut b: Vec<&str> = zones.iter().map(|(s, _)| s.as_str()).collect();
        a.sort_unstable();
        b.sort_unstable();
        let mut la = existing.listeners.clone();
        let mut lb = listeners.clone();
        la.sort();
        lb.sort();
        let mut ga = existing.security_groups.clone();
        let mut gb = security_groups.clone();
        ga.sort();
        gb.sort();
        if a == b && la == lb && ga == gb && existing.scheme == scheme {
            return Ok(vec![Node::text("DNSName", &existing.dns_name)]);
        }
        return Err(errors::duplicate_name(&name));
    }

    let source_security_group = security_groups
        .first()
        .and_then(|g| ec2.security_groups.get(g))
        .map(|g| g.group_name.clone())
        .unwrap_or_default();
    let mut nodes = Vec::with_capacity(zones.len());
    for (subnet_id, zone_name) in zones {
        let subnet = ctx
            .region
            .ec2
            .subnets
            .get_mut(&subnet_id)
            .ok_or_else(|| errors::subnet_not_found(&subnet_id))?;
        let ip = subnet.allocate_ipv4().ok_or_else(|| {
            errors::invalid_subnet(format!("Not enough IP space available in {subnet_id}"))
        })?;
        nodes.push(ClassicZone {
            zone_name,
            subnet_id,
            private_ipv4_address: ip,
        });
    }
    let n = ctx.region.ids.bump("elb-classic");
    let region = ctx.region.name.clone();
    let prefix = if scheme == Scheme::Internal {
        "internal-"
    } else {
        ""
    };
    let dns_name = format!(
        "{prefix}{name}-{}.{region}.elb.amazonaws.com",
        1_000_000_000 + n
    );
    let first_port = listeners[0].instance_port;
    let lb = ClassicLoadBalancer {
        name: name.clone(),
        dns_name: dns_name.clone(),
        canonical_hosted_zone_name_id: hosted_zone(&region).to_owned(),
        created_time: ctx.now,
        scheme,
        vpc_id,
        listeners,
        zones: nodes,
        security_groups,
        source_security_group,
        instances: Vec::new(),
        health_check: HealthCheck {
            target: format!("TCP:{first_port}"),
            interval: 30,
            timeout: 5,
            unhealthy_threshold: 2,
            healthy_threshold: 10,
        },
        attributes: Attributes::default(),
        tags,
    };
    ctx.region.elb.load_balancers.insert(name, lb);
    Ok(vec![Node::text("DNSName", dns_name)])
}

pub fn describe_load_balancers(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let names = member_list(p, "LoadBalancerNames");
    let state = &ctx.region.elb;
    let selected: Vec<&ClassicLoadBalancer> = if names.is_empty() {
        state.load_balancers.values().collect()
    } else {
        let mut out = Vec::new();
        for n in &names {
            let lb = state
                .load_balancers
                .get(n)
                .ok_or_else(|| errors::load_balancer_not_found(n))?;
            if !out.iter().any(|l: &&ClassicLoadBalancer| l.name == lb.name) {
                out.push(lb);
            }
        }
        out
    };
    let owner = ctx.region.account.clone();
    let items: Vec<Node> = selected.iter().map(|lb| lb.to_xml(&owner)).collect();
    let (items, next) = crate::elbv2::page(items, p).map_err(errors::from_elbv2)?;
    Ok(crate::elbv2::with_marker(
        vec![Node::members("LoadBalancerDescriptions", items)],
        next,
    ))
}

pub fn delete_load_balancer(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("LoadBalancerName")?;
    // Deleting a load balancer that does not exist succeeds, as on AWS.
    let Some(lb) = ctx.region.elb.load_balancers.remove(name) else {
        return Ok(Vec::new());
    };
    for z in &lb.zones {
        if let Some(s) = ctx.region.ec2.subnets.get_mut(&z.subnet_id) {
            s.release_ipv4(z.private_ipv4_address);
        }
    }
    Ok(Vec::new())
}

/// `HealthCheck.Target`: `TCP:port` or `SSL:port`; `HTTP:port/path` or
/// `HTTPS:port/path`. Stored with the protocol in capitals.
fn parse_target(target: &str) -> AwsResult<String> {
    let bad = || {
        errors::validation(format!(
            "Invalid HealthCheck Target '{target}': use TCP:port or SSL:port, or HTTP:port/path or HTTPS:port/path"
        ))
    };
    let (proto, rest) = target.split_once(':').ok_or_else(bad)?;
    let proto = proto.to_ascii_uppercase();
    let (port, path) = match rest.find('/') {
        Some(i) => (&rest[..i], Some(&rest[i..])),
        None => (rest, None),
    };
    let port: u16 = port.parse().ok().filter(|p| *p >= 1).ok_or_else(bad)?;
    match (proto.as_str(), path) {
        ("TCP" | "SSL", None) => Ok(format!("{proto}:{port}")),
        ("HTTP" | "HTTPS", Some(path)) if path.chars().count() <= 1024 => {
            Ok(format!("{proto}:{port}{path}"))
        }
        _ => Err(bad()),
    }
}

/// A required health check number in the model's range.
fn ranged(h: &Params, key: &str, field: &str, min: i64, max: i64) -> AwsResult<i64> {
    let v = number(h, key)?.ok_or_else(|| {
        errors::validation(format!(
            "1 validation error detected: Value null at 'healthCheck.{field}' failed to satisfy constraint: Member must not be null"
        ))
    })?;
    if !(min..=max).contains(&v) {
        return Err(errors::out_of_range(
            &format!("healthCheck.{field}"),
            v,
            min,
            max,
        ));
    }
    Ok(v)
}

pub fn configure_health_check(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("LoadBalancerName")?.to_owned();
    let h = p.nested("HealthCheck");
    let target = parse_target(
        h.required("Target")
            .map_err(|e| errors::validation(e.message))?,
    )?;
    let interval = ranged(&h, "Interval", "interval", 5, 300)?;
    let timeout = ranged(&h, "Timeout", "timeout", 2, 60)?;
    let unhealthy_threshold = ranged(&h, "UnhealthyThreshold", "unhealthyThreshold", 2, 10)?;
    let healthy_threshold = ranged(&h, "HealthyThreshold", "healthyThreshold", 2, 10)?;
    if timeout >= interval {
        return Err(errors::validation(format!(
            "The health check Timeout ({timeout}) must be less than the Interval ({interval})"
        )));
    }
    let lb = find_mut(ctx, &name)?;
    lb.health_check = HealthCheck {
        target,
        interval,
        timeout,
        unhealthy_threshold,
        healthy_threshold,
    };
    Ok(vec![health_check_xml(&lb.health_check)])
}

pub fn describe_load_balancer_attributes(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("LoadBalancerName")?;
    let lb = find(ctx, name)?;
    Ok(vec![attributes_xml(&lb.attributes)])
}

/// A number attribute in its range.
fn attribute_number(
    a: &Params,
    key: &str,
    field: &str,
    min: i64,
    max: i64,
) -> AwsResult<Option<i64>> {
    let Some(v) = number(a, key)? else {
        return Ok(None);
    };
    if !(min..=max).contains(&v) {
        return Err(errors::out_of_range(field, v, min, max));
    }
    Ok(Some(v))
}

pub fn modify_load_balancer_attributes(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("LoadBalancerName")?.to_owned();
    let a = p.nested("LoadBalancerAttributes");
    if a.is_empty() {
        return Err(errors::validation(
            "At least one load balancer attribute must be specified",
        ));
    }
    let mut attrs = find(ctx, &name)?.attributes.clone();
    if let Some(v) = boolean(&a, "CrossZoneLoadBalancing.Enabled")? {
        attrs.cross_zone_load_balancing = v;
    }
    if let Some(v) = boolean(&a, "ConnectionDraining.Enabled")? {
        attrs.connection_draining_enabled = v;
    }
    if let Some(v) = attribute_number(
        &a,
        "ConnectionDraining.Timeout",
        "loadBalancerAttributes.connectionDraining.timeout",
        1,
        3600,
    )? {
        attrs.connection_draining_timeout = v;
    }
    if let Some(v) = attribute_number(
        &a,
        "ConnectionSettings.IdleTimeout",
        "loadBalancerAttributes.connectionSettings.idleTimeout",
        1,
        3600,
    )? {
        attrs.idle_timeout = v;
    }
    let log = a.nested("AccessLog");
    if !log.is_empty() {
        let enabled = boolean(&log, "Enabled")?.unwrap_or(attrs.access_log.enabled);
        if let Some(interval) = number(&log, "EmitInterval")? {
            if interval != 5 && interval != 60 {
                return Err(errors::validation(format!(
                    "The access log EmitInterval must be 5 or 60 minutes, not {interval}"
                )));
            }
            attrs.access_log.emit_interval = Some(interval);
        }
        if let Some(b) = log.value("S3BucketName") {
            attrs.access_log.s3_bucket_name = Some(b.to_owned());
        }
        if let Some(prefix) = log.get("S3BucketPrefix") {
            attrs.access_log.s3_bucket_prefix = Some(prefix.to_owned());
        }
        if enabled && attrs.access_log.s3_bucket_name.is_none() {
            return Err(errors::validation(
                "Access logs need an S3BucketName when Enabled is true",
            ));
        }
        attrs.access_log.enabled = enabled;
        if enabled && attrs.access_log.emit_interval.is_none() {
            attrs.access_log.emit_interval = Some(60);
        }
    }
    for extra in a.member_structs("AdditionalAttributes").unwrap_or_default() {
        let key = extra.value("Key").unwrap_or("");
        let value = extra.value("Value").unwrap_or("");
        if key != DESYNC {
            return Err(crate::protocol::AwsError::coded(
                errors::ClassicCode::LoadBalancerAttributeNotFound,
                format!("The load balancer attribute '{key}' does not exist"),
            ));
        }
        if !["monitor", "defensive", "strictest"].contains(&value) {
            return Err(errors::validation(format!(
                "The value '{value}' of {DESYNC} must be monitor, defensive or strictest"
            )));
        }
        attrs.additional = vec![(key.to_owned(), value.to_owned())];
    }
    let lb = find_mut(ctx, &name)?;
    lb.attributes = attrs;
    Ok(vec![
        Node::text("LoadBalancerName", &name),
        attributes_xml(&lb.attributes),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_check_targets() {
        assert_eq!(parse_target("tcp:6443").unwrap(), "TCP:6443");
        assert_eq!(parse_target("HTTP:80/healthz").unwrap(), "HTTP:80/healthz");
        assert_eq!(parse_target("HTTPS:443/").unwrap(), "HTTPS:443/");
        assert_eq!(parse_target("SSL:443").unwrap(), "SSL:443");
        for bad in [
            "TCP:80/x",
            "HTTP:80",
            "UDP:53",
            "TCP:0",
            "TCP:65536",
            "TCP",
            ":80",
        ] {
            assert!(parse_target(bad).is_err(), "{bad}");
        }
    }
}
