//! Classic ELB tags: AddTags, RemoveTags, DescribeTags, by load balancer
//! name. AddTags and RemoveTags take one name; DescribeTags up to 20.

use super::{errors, find, find_mut, member_list};
use crate::protocol::error::AwsResult;
use crate::protocol::{Node, Params};
use crate::region::Ctx;

/// The one load balancer AddTags and RemoveTags name.
fn one_name(p: &Params) -> AwsResult<String> {
    let names = member_list(p, "LoadBalancerNames");
    match names.as_slice() {
        [] => Err(errors::validation(
            "At least one load balancer name must be specified",
        )),
        [one] => Ok(one.clone()),
        _ => Err(errors::validation(
            "You can specify one load balancer name only",
        )),
    }
}

pub fn add_tags(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = one_name(p)?;
    let new = crate::elbv2::parse_tags(p).map_err(errors::from_elbv2)?;
    if new.is_empty() {
        return Err(errors::validation("At least one tag must be specified"));
    }
    let tags = &find(ctx, &name)?.tags;
    let added = new
        .iter()
        .filter(|(k, _)| !tags.iter().any(|(t, _)| t == k))
        .count();
    if tags.len() + added > 50 {
        return Err(errors::too_many_tags());
    }
    let tags = &mut find_mut(ctx, &name)?.tags;
    for (k, v) in new {
        match tags.iter_mut().find(|(t, _)| *t == k) {
            Some(slot) => slot.1 = v,
            None => tags.push((k, v)),
        }
    }
    Ok(Vec::new())
}

pub fn remove_tags(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = one_name(p)?;
    let keys: Vec<String> = p
        .member_structs("Tags")
        .unwrap_or_default()
        .iter()
        .filter_map(|t| t.value("Key").map(str::to_owned))
        .collect();
    if keys.is_empty() {
        return Err(errors::validation("At least one tag key must be specified"));
    }
    find_mut(ctx, &name)?
        .tags
        .retain(|(k, _)| !keys.contains(k));
    Ok(Vec::new())
}

pub fn describe_tags(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let names = member_list(p, "LoadBalancerNames");
    if names.is_empty() {
        return Err(errors::validation(
            "At least one load balancer name must be specified",
        ));
    }
    if names.len() > 20 {
        return Err(errors::validation(
            "1 validation error detected: Value at 'loadBalancerNames' failed to satisfy constraint: Member must have length less than or equal to 20",
        ));
    }
    let mut items = Vec::with_capacity(names.len());
    for name in &names {
        let lb = find(ctx, name)?;
        items.push(
            Node::el("member")
                .leaf("LoadBalancerName", name)
                .child(crate::elbv2::tags_xml(&lb.tags)),
        );
    }
    Ok(vec![Node::members("TagDescriptions", items)])
}
