//! Tags on EC2 resources: `TagSpecification.N` on every create, CreateTags,
//! DeleteTags and DescribeTags. Each resource keeps its own tag map; an id's
//! prefix says which collection holds it.

use std::collections::BTreeMap;

use super::errors::Ec2Code;
use super::{Ec2State, paging};
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;
use crate::registry::{self, Family};

pub type Tags = BTreeMap<String, String>;

/// AWS's per-resource tag limit.
pub const MAX_TAGS: usize = 50;

/// The tags a create call asks for with `TagSpecification.N`, for its resource type.
/// A specification for another resource type is `InvalidParameterValue`, as on AWS.
pub fn from_specs(params: &Params, resource_type: &str) -> AwsResult<Tags> {
    let mut tags = Tags::new();
    for spec in params.structs("TagSpecification") {
        let rt = spec.value("ResourceType").ok_or_else(|| {
            AwsError::missing_parameter_msg("Tag specifications must have a resource type")
        })?;
        if rt != resource_type {
            return Err(AwsError::invalid_parameter_value(format!(
                "'{rt}' is not a valid taggable resource type for this operation."
            )));
        }
        for t in spec.structs("Tag") {
            let (k, v) = key_value(&t)?;
            tags.insert(k, v);
        }
    }
    check_count(tags.len())?;
    Ok(tags)
}

fn key_value(t: &Params) -> AwsResult<(String, String)> {
    let key = t
        .value("Key")
        .ok_or_else(|| AwsError::missing_parameter("Tag.Key"))?;
    let value = t.get("Value").unwrap_or("");
    registry::check_tag(key, value)?;
    Ok((key.to_owned(), value.to_owned()))
}

fn check_count(n: usize) -> AwsResult<()> {
    if n > MAX_TAGS {
        return Err(AwsError::coded(
            Ec2Code::TagLimitExceeded,
            format!("The maximum number of tags per resource, {MAX_TAGS}, has been exceeded."),
        ));
    }
    Ok(())
}

/// `tagSet`, omitted when there are no tags (as AWS does).
pub fn tag_set(tags: &Tags) -> Option<Node> {
    (!tags.is_empty()).then(|| {
        Node::set(
            "tagSet",
            tags.iter()
                .map(|(k, v)| Node::el("item").leaf("key", k).leaf("value", v)),
        )
    })
}

/// The DescribeTags `resource-type` of an id, from its family's prefix.
pub fn resource_type_of(id: &str) -> Option<&'static str> {
    Family::find(super::FAMILIES, id).map(|f| f.resource_type)
}

/// The tags of the resource an id names, or its NotFound error (`InvalidID`
/// for an id of no family the fake stores).
fn tags_mut<'a>(ec2: &'a mut Ec2State, id: &str) -> AwsResult<&'a mut Tags> {
    ec2.tags_mut(id, |id| {
        AwsError::coded(Ec2Code::InvalidId, format!("The ID '{id}' is not valid"))
    })
}

/// CreateTags: `ResourceId.N`, `Tag.N.Key`/`Tag.N.Value`. All-or-nothing.
pub fn create_tags(ctx: &mut Ctx<'_>, params: &Params) -> AwsResult<Vec<Node>> {
    let ids = params.list("ResourceId");
    if ids.is_empty() {
        return Err(AwsError::missing_parameter("ResourceId"));
    }
    let tags: Vec<(String, String)> = params
        .structs("Tag")
        .iter()
        .map(key_value)
        .collect::<AwsResult<_>>()?;
    if tags.is_empty() {
        return Err(AwsError::missing_parameter("Tag"));
    }
    let ec2 = &mut ctx.region.ec2;
    for id in &ids {
        let existing = tags_mut(ec2, id)?;
        let new_keys = tags
            .iter()
            .filter(|(k, _)| !existing.contains_key(k))
            .count();
        check_count(existing.len() + new_keys)?;
    }
    for id in &ids {
        let existing = tags_mut(ec2, id).expect("checked above");
        existing.extend(tags.iter().cloned());
    }
    Ok(vec![Node::text("return", true)])
}

/// DeleteTags: a `Tag.N.Key` without a value deletes the key; with a value,
/// only when the value matches. No `Tag.N` deletes every tag.
pub fn delete_tags(ctx: &mut Ctx<'_>, params: &Params) -> AwsResult<Vec<Node>> {
    let ids = params.list("ResourceId");
    if ids.is_empty() {
        return Err(AwsError::missing_parameter("ResourceId"));
    }
    let wanted: Vec<(String, Option<String>)> = params
        .structs("Tag")
        .iter()
        .map(|t| {
            let key = t
                .value("Key")
                .ok_or_else(|| AwsError::missing_parameter("Tag.Key"))?;
            Ok((key.to_owned(), t.get("Value").map(str::to_owned)))
        })
        .collect::<AwsResult<_>>()?;
    let ec2 = &mut ctx.region.ec2;
    for id in &ids {
        tags_mut(ec2, id)?;
    }
    for id in &ids {
        let tags = tags_mut(ec2, id).expect("checked above");
        if wanted.is_empty() {
            tags.clear();
        }
        for (k, v) in &wanted {
            if v.as_ref().is_none_or(|v| tags.get(k) == Some(v)) {
                tags.remove(k);
            }
        }
    }
    Ok(vec![Node::text("return", true)])
}

/// DescribeTags: filters `resource-id`, `resource-type`, `key`, `value`; paged.
pub fn describe_tags(ctx: &mut Ctx<'_>, params: &Params) -> AwsResult<Vec<Node>> {
    let filters = params.filters()?;
    for f in &filters {
        if ![
            "resource-id",
            "resource-type",
            "key",
            "value",
            "tag-key",
            "tag-value",
        ]
        .contains(&f.name.as_str())
            && !f.name.starts_with("tag:")
        {
            return Err(AwsError::invalid_filter(&f.name));
        }
    }
    let mut rows: Vec<(String, &'static str, String, String)> = Vec::new();
    for entry in ctx.region.ec2.resources() {
        let (id, tags) = (entry.key, entry.tags);
        let Some(rt) = resource_type_of(id) else {
            continue;
        };
        for (k, v) in tags {
            let keep = filters.iter().all(|f| {
                let value = match f.name.as_str() {
                    "resource-id" => id,
                    "resource-type" => rt,
                    "key" | "tag-key" => k.as_str(),
                    "value" | "tag-value" => v.as_str(),
                    other => {
                        let tag_key = &other["tag:".len()..];
                        if tag_key != k {
                            return false;
                        }
                        v.as_str()
                    }
                };
                f.values
                    .iter()
                    .any(|p| super::filters::wildcard_match(p, value))
            });
            if keep {
                rows.push((id.to_owned(), rt, k.clone(), v.clone()));
            }
        }
    }
    rows.sort();
    let items = rows
        .into_iter()
        .map(|(id, rt, k, v)| {
            Node::el("item")
                .leaf("resourceId", id)
                .leaf("resourceType", rt)
                .leaf("key", k)
                .leaf("value", v)
        })
        .collect();
    let (page, next) = paging::page(items, params, paging::Limits::new(5, 1000), false)?;
    Ok(paging::with_token(vec![Node::set("tagSet", page)], next))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes() {
        assert_eq!(resource_type_of("vpc-00000000000000001"), Some("vpc"));
        assert_eq!(
            resource_type_of("ipam-pool-00000000000000001"),
            Some("ipam-pool")
        );
        assert_eq!(resource_type_of("ipv6pool-ec2-0123"), Some("ipv6pool-ec2"));
        assert_eq!(resource_type_of("nat-1"), Some("natgateway"));
        assert_eq!(resource_type_of("bogus"), None);
    }

    #[test]
    fn tag_specs_for_the_right_type() {
        let p = Params::parse(b"TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=x");
        assert_eq!(from_specs(&p, "vpc").unwrap().get("Name").unwrap(), "x");
        assert_eq!(
            from_specs(&p, "subnet").unwrap_err().code,
            "InvalidParameterValue"
        );
        let p = Params::parse(
            b"TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=aws%3Ax",
        );
        assert!(from_specs(&p, "vpc").is_err());
    }
}
