//! Elastic Load Balancing v2 (`awsQuery`, API version 2015-12-01): network,
//! application and gateway load balancers, target groups, listeners,
//! targets and tags, with AWS's IP-address-type rules.

pub mod errors;
pub mod listeners;
pub mod load_balancers;
pub mod tags;
pub mod target_groups;
pub mod targets;
pub mod types;

use std::collections::BTreeMap;

use crate::index::{By, Indexed};
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

pub const XMLNS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
pub const API_VERSION: &str = "2015-12-01";

pub use listeners::Listener;
pub use load_balancers::LoadBalancer;
pub use target_groups::TargetGroup;

/// ELBv2 tags keep the order they were added in.
pub type Tags = Vec<(String, String)>;

crate::registry::families! {
    /// Every ELBv2 resource of one account in one region, keyed by ARN: one
    /// line a family registers it (see [`crate::registry`]).
    pub struct Elbv2State<Tags = Tags> {
        load_balancers: LoadBalancer => Indexed<LoadBalancer>,
        target_groups: TargetGroup => Indexed<TargetGroup>,
        listeners: Listener => Indexed<Listener>,
    }
}

impl Elbv2State {
    pub fn uses_vpc(&self, vpc_id: &str) -> bool {
        self.load_balancers.any(By::Vpc, vpc_id) || self.target_groups.any(By::Vpc, vpc_id)
    }

    pub fn uses_subnet(&self, subnet_id: &str) -> bool {
        self.load_balancers.any(By::Subnet, subnet_id)
    }

    pub fn uses_security_group(&self, group_id: &str) -> bool {
        self.load_balancers.any(By::Group, group_id)
    }

    /// The load balancers whose listeners forward to a target group.
    pub fn load_balancers_of(&self, target_group_arn: &str) -> Vec<String> {
        let mut arns: Vec<String> = self
            .listeners
            .find(By::Target, target_group_arn)
            .map(|l| l.load_balancer_arn.clone())
            .collect();
        arns.sort();
        arns.dedup();
        arns
    }
}

pub type Handler = fn(&mut Ctx<'_>, &Params) -> AwsResult<Vec<Node>>;

crate::registry::actions! {
    /// The ELBv2 action table.
    Handler {
        "CreateLoadBalancer" => load_balancers::create_load_balancer,
        "DescribeLoadBalancers" => load_balancers::describe_load_balancers,
        "DeleteLoadBalancer" => load_balancers::delete_load_balancer,
        "SetIpAddressType" => load_balancers::set_ip_address_type,
        "SetSubnets" => load_balancers::set_subnets,
        "SetSecurityGroups" => load_balancers::set_security_groups,
        "DescribeLoadBalancerAttributes" => load_balancers::describe_load_balancer_attributes,
        "ModifyLoadBalancerAttributes" => load_balancers::modify_load_balancer_attributes,
        "CreateTargetGroup" => target_groups::create_target_group,
        "DescribeTargetGroups" => target_groups::describe_target_groups,
        "DeleteTargetGroup" => target_groups::delete_target_group,
        "ModifyTargetGroup" => target_groups::modify_target_group,
        "DescribeTargetGroupAttributes" => target_groups::describe_target_group_attributes,
        "ModifyTargetGroupAttributes" => target_groups::modify_target_group_attributes,
        "CreateListener" => listeners::create_listener,
        "DescribeListeners" => listeners::describe_listeners,
        "DeleteListener" => listeners::delete_listener,
        "ModifyListener" => listeners::modify_listener,
        "RegisterTargets" => targets::register_targets,
        "DeregisterTargets" => targets::deregister_targets,
        "DescribeTargetHealth" => targets::describe_target_health,
        "AddTags" => tags::add_tags,
        "RemoveTags" => tags::remove_tags,
        "DescribeTags" => tags::describe_tags,
    }
}

/// Load balancer and target group names: 1-32 alphanumerics or hyphens, no
/// hyphen at either end.
pub fn check_name(kind: &str, name: &str) -> AwsResult<()> {
    if name.is_empty() || name.len() > 32 {
        return Err(errors::validation(format!(
            "{kind} name '{name}' cannot be longer than 32 characters"
        )));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(errors::validation(format!(
            "{kind} name '{name}' can only contain characters that are alphanumeric characters or hyphens(-)"
        )));
    }
    if name.starts_with('-') || name.ends_with('-') {
        return Err(errors::validation(format!(
            "{kind} name '{name}' cannot begin or end with a hyphen"
        )));
    }
    Ok(())
}

/// An awsQuery list: absent is `None`; a bare `X=` is an empty list.
pub fn member_list(p: &Params, name: &str) -> Vec<String> {
    p.member_list(name).unwrap_or_default()
}

/// `Tags.member.N.{Key,Value}`.
pub fn parse_tags(p: &Params) -> AwsResult<Tags> {
    let mut tags: Tags = Vec::new();
    for t in p.member_structs("Tags").unwrap_or_default() {
        let key = t
            .value("Key")
            .ok_or_else(|| errors::validation("A tag key must be specified"))?
            .to_owned();
        let value = t.get("Value").unwrap_or("").to_owned();
        crate::registry::check_tag(&key, &value).map_err(|e| errors::validation(e.message))?;
        if tags.iter().any(|(k, _)| *k == key) {
            return Err(AwsError::coded(
                errors::ElbCode::DuplicateTagKeys,
                format!("Tag key '{key}' is duplicated"),
            ));
        }
        tags.push((key, value));
    }
    if tags.len() > 50 {
        return Err(errors::too_many_tags());
    }
    Ok(tags)
}

/// `Tags/member{Key,Value}`.
pub fn tags_xml(tags: &Tags) -> Node {
    Node::members(
        "Tags",
        tags.iter()
            .map(|(k, v)| Node::el("member").leaf("Key", k).leaf("Value", v)),
    )
}

/// `Attributes/member{Key,Value}`.
pub fn attributes_xml(attrs: &BTreeMap<String, String>) -> Node {
    Node::members(
        "Attributes",
        attrs
            .iter()
            .map(|(k, v)| Node::el("member").leaf("Key", k).leaf("Value", v)),
    )
}

/// `Attributes.member.N.{Key,Value}`.
fn parse_attributes(p: &Params) -> AwsResult<Vec<(String, String)>> {
    p.member_structs("Attributes")
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            let key = a
                .value("Key")
                .ok_or_else(|| errors::validation("An attribute key must be specified"))?;
            Ok((key.to_owned(), a.get("Value").unwrap_or("").to_owned()))
        })
        .collect()
}

/// A Modify...Attributes call's changes: at least one.
pub fn attribute_changes(p: &Params) -> AwsResult<Vec<(String, String)>> {
    let changes = parse_attributes(p)?;
    if changes.is_empty() {
        return Err(errors::validation(
            "At least one attribute must be specified",
        ));
    }
    Ok(changes)
}

/// `Marker` / `PageSize` paging (PageSize 1-400).
pub fn page(items: Vec<Node>, p: &Params) -> AwsResult<(Vec<Node>, Option<String>)> {
    let size: Option<u32> = p
        .number("PageSize")
        .map_err(|e| errors::validation(e.message))?;
    if let Some(s) = size
        && !(1..=400).contains(&s)
    {
        return Err(errors::validation(format!(
            "1 validation error detected: Value '{s}' at 'pageSize' failed to satisfy constraint: Member must have value between 1 and 400"
        )));
    }
    let start = match p.value("Marker") {
        None => 0,
        Some(m) => m
            .strip_prefix("m-")
            .and_then(|h| usize::from_str_radix(h, 16).ok())
            .filter(|s| *s <= items.len())
            .ok_or_else(|| errors::validation(format!("The marker '{m}' is not valid")))?,
    };
    let end = size.map_or(items.len(), |s| (start + s as usize).min(items.len()));
    let next = (end < items.len()).then(|| format!("m-{end:x}"));
    Ok((
        items.into_iter().skip(start).take(end - start).collect(),
        next,
    ))
}

/// Appends `<NextMarker>` when there is another page.
pub fn with_marker(mut nodes: Vec<Node>, next: Option<String>) -> Vec<Node> {
    if let Some(m) = next {
        nodes.push(Node::text("NextMarker", m));
    }
    nodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(check_name("Load balancer", "my-lb-1").is_ok());
        assert!(check_name("Load balancer", "-x").is_err());
        assert!(check_name("Load balancer", "x-").is_err());
        assert!(check_name("Load balancer", "a_b").is_err());
        assert!(check_name("Load balancer", &"a".repeat(33)).is_err());
    }
}
