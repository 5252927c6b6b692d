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

pub fn add_tags(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let arns = resource_arns(p)?;
    let new = parse_tags(p)?;
    if new.is_empty() {
        return Err(errors::validation("At least one tag must be specified"));
    }
    for arn in &arns {
        let tags = tags_mut(ctx, arn)?;
        let added = new
            .iter()
            .filter(|(k, _)| !tags.iter().any(|(t, _)| t == k))
            .count();
        if tags.len() + added > 50 {
            return Err(errors::too_many_tags());
        }
    }
    for arn in &arns {
        let tags = tags_mut(ctx, arn)?;
        for (k, v) in &new {
            match tags.iter_mut().find(|(t, _)| t == k) {
                Some(slot) => slot.1 = v.clone(),
                None => tags.push((k.clone(), v.clone())),
            }
        }
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
