//! EKS tags: TagResource, UntagResource, ListTagsForResource on cluster
//! and add-on ARNs (`/tags/{resourceArn}`, the ARN one URI label).
//!
//! These operations answer `BadRequestException` (400) for a malformed
//! request or ARN and `NotFoundException` (404, not
//! ResourceNotFoundException) for an ARN that names nothing.

use serde_json::{Value, json};

use super::errors;
use super::{Request, Tags, tags_in};
use crate::protocol::error::AwsResult;
use crate::region::Ctx;

/// The tags of the cluster or add-on an ARN names.
fn tags_of<'a>(ctx: &'a mut Ctx<'_>, arn: &str) -> AwsResult<&'a mut Tags> {
    let prefix = ctx.region.arn("eks", "");
    let bad = || errors::bad_request(format!("{arn} is not a valid EKS resource ARN"));
    if !arn.starts_with("arn:aws:eks:") {
        return Err(bad());
    }
    let Some(resource) = arn.strip_prefix(&prefix) else {
        return Err(errors::tag_resource_not_found(arn));
    };
    let parts: Vec<&str> = resource.split('/').collect();
    let clusters = &mut ctx.region.eks.clusters;
    match parts.as_slice() {
        ["cluster", name] => clusters
            .get_mut(*name)
            .filter(|c| c.arn == arn)
            .map(|c| &mut c.tags)
            .ok_or_else(|| errors::tag_resource_not_found(arn)),
        ["addon", cluster, addon, _] => clusters
            .get_mut(*cluster)
            .and_then(|c| c.addons.get_mut(*addon))
            .filter(|a| a.addon_arn == arn)
            .map(|a| &mut a.tags)
            .ok_or_else(|| errors::tag_resource_not_found(arn)),
        _ => Err(bad()),
    }
}

pub fn tag_resource(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let arn = req.label(0).to_owned();
    let tags = tags_in(&req.body, "tags").map_err(|e| errors::bad_request(e.message))?;
    if tags.is_empty() {
        return Err(errors::bad_request("tags is required"));
    }
    super::check_tags(&tags, errors::bad_request)?;
    let current = tags_of(ctx, &arn)?;
    let mut merged = current.clone();
    merged.extend(tags);
    super::check_tags(&merged, errors::bad_request)?;
    *current = merged;
    Ok(json!({}))
}

pub fn untag_resource(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let arn = req.label(0).to_owned();
    let keys: Vec<String> = req
        .query_all("tagKeys")
        .into_iter()
        .map(str::to_owned)
        .collect();
    if keys.is_empty() {
        return Err(errors::bad_request("tagKeys is required"));
    }
    let current = tags_of(ctx, &arn)?;
    for k in keys {
        current.remove(&k);
    }
    Ok(json!({}))
}

pub fn list_tags_for_resource(ctx: &mut Ctx<'_>, req: &Request) -> AwsResult<Value> {
    let arn = req.label(0).to_owned();
    let tags = tags_of(ctx, &arn)?;
    Ok(json!({ "tags": tags }))
}
