//! ELBv2 tags: AddTags, RemoveTags, DescribeTags on load balancers, target
//! groups and listeners, found by the kind their ARN names.

use super::{Tags, errors, member_list, parse_tags, tags_xml};
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

/// A resource's tags by ARN, or its kind's not-found error.
fn tags_mut<'a>(ctx: &'a mut Ctx<'_>, arn: &str) -> AwsResult<&'a mut Tags> {
    ctx.region.elbv2.tags_mut(arn, |arn| {
        errors::validation(format!("'{arn}' is not a valid resource ARN"))
    })
}

fn resource_arns(p: &Params) -> AwsResult<Vec<String>> {
    let arns = member_list(p, "ResourceArns");
    if arns.is_empty() {
        return Err(errors::validation(
            "At least one resource ARN must be specified",
        ));
    }
    Ok(arns)
}

/// The most tags a load balancer (either kind) or target group holds.
pub const MAX_TAGS: usize = 50;

/// How many tags `tags` would hold with `new` added: a key it has already
/// is replaced, not added.
pub fn count_with(tags: &Tags, new: &Tags) -> usize {
    tags.len()
        + new
            .iter()
            .filter(|(k, _)| !tags.iter().any(|(t, _)| t == k))
            .count()
}

/// Adds `new` to `tags`, replacing the value of a key it has already.
pub fn upsert(tags: &mut Tags, new: &Tags) {
    for (k, v) in new {
        match tags.iter_mut().find(|(t, _)| t == k) {
            Some(slot) => slot.1 = v.clone(),
            None => tags.push((k.clone(), v.clone())),
        }
    }
}

pub fn add_tags(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arns = resource_arns(p)?;
    let new = parse_tags(p)?;
    if new.is_empty() {
        return Err(errors::validation("At least one tag must be specified"));
    }
    for arn in &arns {
        if count_with(tags_mut(ctx, arn)?, &new) > MAX_TAGS {
            return Err(errors::too_many_tags());
        }
    }
    for arn in &arns {
        upsert(tags_mut(ctx, arn)?, &new);
    }
    Ok(Vec::new())
}

pub fn remove_tags(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arns = resource_arns(p)?;
    let keys = member_list(p, "TagKeys");
    if keys.is_empty() {
        return Err(errors::validation("At least one tag key must be specified"));
    }
    for arn in &arns {
        tags_mut(ctx, arn)?;
    }
    for arn in &arns {
        tags_mut(ctx, arn)?.retain(|(k, _)| !keys.contains(k));
    }
    Ok(Vec::new())
}

pub fn describe_tags(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arns = resource_arns(p)?;
    if arns.len() > 20 {
        return Err(AwsError::coded(
            errors::ElbCode::ValidationError,
            "1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to 20",
        ));
    }
    let mut items = Vec::new();
    for arn in &arns {
        let tags = tags_mut(ctx, arn)?.clone();
        items.push(
            Node::el("member")
                .leaf("ResourceArn", arn)
                .child(tags_xml(&tags)),
        );
    }
    Ok(vec![Node::members("TagDescriptions", items)])
}
