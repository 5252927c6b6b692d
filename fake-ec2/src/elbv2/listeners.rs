//! Listeners: CreateListener, DescribeListeners, DeleteListener,
//! ModifyListener. A listener is where a target group meets a load balancer,
//! so this is where AWS checks that they fit: same VPC, compatible
//! protocols, an IPv6 target group only on a dualstack load balancer, UDP on
//! a dualstack NLB only with IPv6 source NAT prefixes.

use serde::{Deserialize, Serialize};

use super::errors;
use super::load_balancers::LoadBalancer;
use super::types::{LbIpType, TgIpType};
use super::{Tags, member_list, page, parse_tags, with_marker};
use crate::index::{By, Key, Keys};
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeightedTargetGroup {
    pub target_group_arn: String,
    pub weight: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerAction {
    /// Only `forward` is modelled.
    pub action_type: String,
    pub target_group_arn: Option<String>,
    pub forward: Vec<WeightedTargetGroup>,
    pub order: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Listener {
    pub listener_arn: String,
    pub load_balancer_arn: String,
    pub port: Option<u16>,
    pub protocol: String,
    pub default_actions: Vec<ListenerAction>,
    pub ssl_policy: Option<String>,
    pub certificates: Vec<String>,
    pub alpn_policy: Vec<String>,
    pub tags: Tags,
}

crate::registry::resource!(
    Listener: "listener", "listener", listener_arn, Tags, |_id| errors::listener_not_found();

    fn owns(id: &str) -> bool {
        id.contains(":listener/")
    }
);

/// A listener is found by its load balancer and the target groups its
/// actions forward to.
impl Keys for Listener {
    fn keys(&self, out: &mut Vec<Key>) {
        out.push((By::LoadBalancer, self.load_balancer_arn.clone()));
        out.extend(self.target_group_arns().map(|t| (By::Target, t.to_owned())));
    }
}

impl Listener {
    /// Every target group the listener forwards to.
    pub fn target_group_arns(&self) -> impl Iterator<Item = &str> + '_ {
        self.default_actions.iter().flat_map(|a| {
            a.target_group_arn
                .iter()
                .map(String::as_str)
                .chain(a.forward.iter().map(|f| f.target_group_arn.as_str()))
        })
    }

    fn same_settings(&self, other: &Listener) -> bool {
        self.port == other.port
            && self.protocol == other.protocol
            && self.default_actions == other.default_actions
            && self.certificates == other.certificates
    }

    pub fn to_xml(&self) -> Node {
        Node::el("member")
            .leaf("ListenerArn", &self.listener_arn)
            .leaf("LoadBalancerArn", &self.load_balancer_arn)
            .opt_leaf("Port", self.port)
            .opt_leaf(
                "Protocol",
                (!self.protocol.is_empty()).then_some(&self.protocol),
            )
            .opt_child((!self.certificates.is_empty()).then(|| {
                Node::members(
                    "Certificates",
                    self.certificates
                        .iter()
                        .map(|c| Node::el("member").leaf("CertificateArn", c)),
                )
            }))
            .opt_leaf("SslPolicy", self.ssl_policy.as_ref())
            .child(Node::members(
                "DefaultActions",
                self.default_actions.iter().enumerate().map(|(i, a)| {
                    // AWS answers a plain `TargetGroupArn` forward with the
                    // ForwardConfig it stands for (weight 1, no stickiness)
                    // and numbers the actions from 1.
                    let groups: Vec<(&str, Option<u32>)> = if a.forward.is_empty() {
                        a.target_group_arn
                            .iter()
                            .map(|t| (t.as_str(), Some(1)))
                            .collect()
                    } else {
                        a.forward
                            .iter()
                            .map(|f| (f.target_group_arn.as_str(), f.weight))
                            .collect()
                    };
                    let forward = (!groups.is_empty()).then(|| {
                        Node::el("ForwardConfig")
                            .child(Node::members(
                                "TargetGroups",
                                groups.iter().map(|(arn, weight)| {
                                    Node::el("member")
                                        .leaf("TargetGroupArn", arn)
                                        .opt_leaf("Weight", *weight)
                                }),
                            ))
                            .child(Node::el("TargetGroupStickinessConfig").leaf("Enabled", false))
                    });
                    let order = a.order.unwrap_or(u32::try_from(i).unwrap_or(0) + 1);
                    Node::el("member")
                        .leaf("Type", &a.action_type)
                        .opt_leaf("TargetGroupArn", a.target_group_arn.as_ref())
                        .leaf("Order", order)
                        .opt_child(forward)
                }),
            ))
            .opt_child((!self.alpn_policy.is_empty()).then(|| {
                Node::members(
                    "AlpnPolicy",
                    self.alpn_policy.iter().map(|a| Node::text("member", a)),
                )
            }))
    }
}

const NLB_PROTOCOLS: [&str; 6] = ["TCP", "TLS", "UDP", "TCP_UDP", "QUIC", "TCP_QUIC"];
const ALB_PROTOCOLS: [&str; 2] = ["HTTP", "HTTPS"];

fn parse_actions(p: &Params) -> AwsResult<Vec<ListenerAction>> {
    let raw = p.member_structs("DefaultActions").unwrap_or_default();
    if raw.is_empty() {
        return Err(errors::validation(
            "At least one default action must be specified",
        ));
    }
    raw.into_iter()
        .map(|a| {
            let action_type = a.value("Type").ok_or_else(|| errors::validation("An action type must be specified"))?;
            if action_type != "forward" {
                return Err(errors::validation(format!(
                    "The action type '{action_type}' is not supported by this endpoint; use 'forward'"
                )));
            }
            let forward = a
                .nested("ForwardConfig")
                .member_structs("TargetGroups")
                .unwrap_or_default()
                .into_iter()
                .map(|t| {
                    Ok(WeightedTargetGroup {
                        target_group_arn: t
                            .value("TargetGroupArn")
                            .ok_or_else(|| errors::validation("A target group ARN must be specified"))?
                            .to_owned(),
                        weight: t.number("Weight").map_err(|e| errors::validation(e.message))?,
                    })
                })
                .collect::<AwsResult<Vec<_>>>()?;
            let target_group_arn = a.value("TargetGroupArn").map(str::to_owned);
            if target_group_arn.is_none() && forward.is_empty() {
                return Err(errors::validation("A forward action needs a target group"));
            }
            Ok(ListenerAction {
                action_type: action_type.to_owned(),
                target_group_arn,
                forward,
                order: a.number("Order").map_err(|e| errors::validation(e.message))?,
            })
        })
        .collect()
}

/// Which target group protocols a listener protocol can forward to.
fn compatible(listener: &str, target_group: &str) -> bool {
    match listener {
        "TCP" => matches!(target_group, "TCP" | "TCP_UDP"),
        "TLS" => matches!(target_group, "TCP" | "TLS"),
        "UDP" => matches!(target_group, "UDP" | "TCP_UDP"),
        "TCP_UDP" => target_group == "TCP_UDP",
        "QUIC" => target_group == "QUIC",
        "TCP_QUIC" => target_group == "TCP_QUIC",
        "HTTP" | "HTTPS" => matches!(target_group, "HTTP" | "HTTPS"),
        // A Gateway Load Balancer listener has no protocol and forwards GENEVE.
        "" => target_group == "GENEVE",
        _ => false,
    }
}

/// Every rule that ties a listener to its load balancer and target groups.
fn check_listener(
    ctx: &Ctx<'_>,
    lb: &LoadBalancer,
    protocol: &str,
    port: Option<u16>,
    actions: &[ListenerAction],
    certificates: &[String],
) -> AwsResult<()> {
    let allowed: &[&str] = match lb.lb_type.as_str() {
        "network" => &NLB_PROTOCOLS,
        "application" => &ALB_PROTOCOLS,
        _ => &[],
    };
    if lb.lb_type == "gateway" {
        if !protocol.is_empty() || port.is_some() {
            return Err(errors::validation(
                "Listeners of Gateway Load Balancers take no protocol or port",
            ));
        }
    } else {
        if !allowed.contains(&protocol) {
            return Err(errors::validation(format!(
                "Listener protocol '{protocol}' must be one of '{}'",
                allowed.join(", ")
            )));
        }
        if port.is_none_or(|p| p < 1) {
            return Err(errors::validation(
                "A listener port between 1 and 65535 must be specified",
            ));
        }
    }
    if matches!(protocol, "TLS" | "HTTPS") && certificates.is_empty() {
        return Err(AwsError::coded(
            errors::ElbCode::CertificateNotFound,
            format!("A certificate must be specified for {protocol} listeners"),
        ));
    }
    if lb.is_dualstack()
        && matches!(protocol, "UDP" | "TCP_UDP" | "QUIC" | "TCP_QUIC")
        && lb.enable_prefix_for_ipv6_source_nat.as_deref() != Some("on")
    {
        return Err(errors::invalid_configuration(format!(
            "Listeners with protocol '{protocol}' are not supported on a dualstack load balancer unless EnablePrefixForIpv6SourceNat is 'on'"
        )));
    }
    let elb = &ctx.region.elbv2;
    for arn in actions.iter().flat_map(|a| {
        a.target_group_arn
            .iter()
            .chain(a.forward.iter().map(|f| &f.target_group_arn))
    }) {
        let tg = elb
            .target_groups
            .get(arn)
            .ok_or_else(errors::target_group_not_found)?;
        if tg.vpc_id.as_deref() != Some(lb.vpc_id.as_str()) && tg.target_type != "lambda" {
            return Err(errors::invalid_configuration(format!(
                "The target group '{arn}' is not in the VPC '{}' of the load balancer",
                lb.vpc_id
            )));
        }
        if let Some(tg_protocol) = &tg.protocol
            && !compatible(protocol, tg_protocol)
        {
            return Err(AwsError::coded(
                errors::ElbCode::IncompatibleProtocols,
                format!(
                    "Listener protocol '{protocol}' is not compatible with target group protocol '{tg_protocol}'"
                ),
            ));
        }
        if tg.ip_address_type == TgIpType::Ipv6 && lb.ip_address_type == LbIpType::Ipv4 {
            return Err(errors::invalid_configuration(
                "You cannot associate an IPv6 target group with a load balancer that has an 'ipv4' IP address type",
            ));
        }
        let others: Vec<String> = elb
            .load_balancers_of(arn)
            .into_iter()
            .filter(|l| *l != lb.load_balancer_arn)
            .collect();
        if !others.is_empty() {
            return Err(AwsError::coded(
                errors::ElbCode::TargetGroupAssociationLimit,
                format!(
                    "The following target groups cannot be associated with more than one load balancer: {arn}"
                ),
            ));
        }
    }
    Ok(())
}

fn certificates(p: &Params) -> Vec<String> {
    p.member_structs("Certificates")
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.value("CertificateArn").map(str::to_owned))
        .collect()
}

pub fn create_listener(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let lb_arn = p.required("LoadBalancerArn")?.to_owned();
    let lb = ctx
        .region
        .elbv2
        .load_balancers
        .get(&lb_arn)
        .ok_or_else(errors::load_balancer_not_found)?
        .clone();
    let default_protocol = if lb.lb_type == "application" {
        "HTTP"
    } else {
        ""
    };
    let protocol = p.value("Protocol").unwrap_or(default_protocol).to_owned();
    if protocol.is_empty() && lb.is_network() {
        return Err(errors::validation("A listener protocol must be specified"));
    }
    let port: Option<u16> = p
        .number("Port")
        .map_err(|e| errors::validation(e.message))?;
    let actions = parse_actions(p)?;
    let certs = certificates(p);
    check_listener(ctx, &lb, &protocol, port, &actions, &certs)?;
    let tags = parse_tags(p)?;
    let candidate = Listener {
        listener_arn: String::new(),
        load_balancer_arn: lb_arn.clone(),
        port,
        protocol,
        default_actions: actions,
        ssl_policy: p.value("SslPolicy").map(str::to_owned),
        certificates: certs,
        alpn_policy: member_list(p, "AlpnPolicy"),
        tags,
    };
    if let Some(existing) = ctx
        .region
        .elbv2
        .listeners
        .find(By::LoadBalancer, &lb_arn)
        .find(|l| l.port == port)
    {
        if existing.same_settings(&candidate) {
            return Ok(vec![Node::members("Listeners", [existing.to_xml()])]);
        }
        return Err(errors::duplicate_listener());
    }
    let suffix = ctx.region.ids.next_hex16("elbv2-listener");
    let lb_path = lb
        .load_balancer_arn
        .split_once(":loadbalancer/")
        .map(|(_, path)| path.to_owned())
        .unwrap_or_default();
    let mut listener = candidate;
    listener.listener_arn = ctx.region.arn(
        "elasticloadbalancing",
        &format!("listener/{lb_path}/{suffix}"),
    );
    let answer = listener.to_xml();
    ctx.region
        .elbv2
        .listeners
        .insert(listener.listener_arn.clone(), listener);
    Ok(vec![Node::members("Listeners", [answer])])
}

pub fn describe_listeners(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let lb = p.value("LoadBalancerArn");
    let arns = member_list(p, "ListenerArns");
    let elb = &ctx.region.elbv2;
    let selected: Vec<&Listener> = match (lb, arns.is_empty()) {
        (Some(_), false) => {
            return Err(errors::validation(
                "A load balancer ARN and listener ARNs cannot both be specified",
            ));
        }
        (None, true) => {
            return Err(errors::validation(
                "You must specify either listener ARNs or a load balancer ARN",
            ));
        }
        (Some(lb), true) => {
            if !elb.load_balancers.contains_key(lb) {
                return Err(errors::load_balancer_not_found());
            }
            elb.listeners.find(By::LoadBalancer, lb).collect()
        }
        (None, false) => arns
            .iter()
            .map(|a| elb.listeners.get(a).ok_or_else(errors::listener_not_found))
            .collect::<AwsResult<_>>()?,
    };
    let items = selected.into_iter().map(Listener::to_xml).collect();
    let (items, next) = page(items, p)?;
    Ok(with_marker(vec![Node::members("Listeners", items)], next))
}

pub fn delete_listener(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("ListenerArn")?;
    ctx.region
        .elbv2
        .listeners
        .remove(arn)
        .ok_or_else(errors::listener_not_found)?;
    Ok(Vec::new())
}

pub fn modify_listener(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arn = p.required("ListenerArn")?.to_owned();
    let current = ctx
        .region
        .elbv2
        .listeners
        .get(&arn)
        .ok_or_else(errors::listener_not_found)?
        .clone();
    let lb = ctx
        .region
        .elbv2
        .load_balancers
        .get(&current.load_balancer_arn)
        .ok_or_else(errors::load_balancer_not_found)?
        .clone();
    let mut next = current.clone();
    if let Some(proto) = p.value("Protocol") {
        next.protocol = proto.to_owned();
    }
    if let Some(port) = p
        .number::<u16>("Port")
        .map_err(|e| errors::validation(e.message))?
    {
        next.port = Some(port);
    }
    if p.member_structs("DefaultActions")
        .is_some_and(|a| !a.is_empty())
    {
        next.default_actions = parse_actions(p)?;
    }
    let certs = certificates(p);
    if !certs.is_empty() {
        next.certificates = certs;
    }
    if let Some(policy) = p.value("SslPolicy") {
        next.ssl_policy = Some(policy.to_owned());
    }
    check_listener(
        ctx,
        &lb,
        &next.protocol,
        next.port,
        &next.default_actions,
        &next.certificates,
    )?;
    let listeners = &ctx.region.elbv2.listeners;
    if listeners
        .find(By::LoadBalancer, &lb.load_balancer_arn)
        .any(|l| l.listener_arn != arn && l.port == next.port)
    {
        return Err(errors::duplicate_listener());
    }
    let answer = next.to_xml();
    ctx.region.elbv2.listeners.insert(arn, next);
    Ok(vec![Node::members("Listeners", [answer])])
}
