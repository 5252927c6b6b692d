//! Classic ELB tags: AddTags, RemoveTags, DescribeTags, by load balancer
//! name. AddTags and RemoveTags take one name; DescribeTags up to 20.

use super::{errors, find, find_mut, member_list};
use crate::elbv2;
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
    let new = elbv2::parse_tags(p).map_err(errors::from_elbv2)?;
    if new.is_empty() {
        return Err(errors::validation("At least one tag must be specified"));
    }
    if elbv2::tags::count_with(&find(ctx, &name)?.tags, &new) > elbv2::tags::MAX_TAGS {
        return Err(errors::too_many_tags());
    }
    elbv2::tags::upsert(&mut find_mut(ctx, &name)?.tags, &new);
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
                .child(elbv2::tags_xml(&lb.tags)),
        );
    }
    Ok(vec![Node::members("TagDescriptions", items)])
}
