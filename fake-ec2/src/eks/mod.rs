//! Amazon EKS (`restJson1`, API version 2017-11-01): clusters with their
//! VPC configuration, Kubernetes network config, logging, access config and
//! updates; managed add-ons from a built-in catalog; tags.
//!
//! EKS signs as `eks`; requests are routed here by that SigV4 scope, or,
//! unsigned, by an EKS path (`/clusters`, `/addons/...`, `/tags/...`,
//! see [`crate::dispatch`]). Operations are picked by method and path
//! ([`route`]); URI labels are taken from the raw path and decoded one
//! segment at a time, so an ARN's `%2F` stays inside its label. Bodies are
//! JSON objects; answers are JSON, errors carry their code in
//! `x-amzn-ErrorType` and `{"message": ...}` in the body.
//!
//! A cluster makes in its VPC what AWS makes there and a user sees through
//! EC2: the cluster security group and the control plane's network
//! interfaces (`clusters.rs`). Clusters are keyed by name.

pub mod addons;
pub mod catalog;
pub mod clusters;
pub mod errors;
pub mod tags;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::protocol::error::AwsResult;
use crate::protocol::sigv4::percent_decode;
use crate::region::Ctx;

pub const API_VERSION: &str = "2017-11-01";
/// The SigV4 signing name.
pub const SIGNING_NAME: &str = "eks";

pub use addons::Addon;
pub use clusters::Cluster;

/// EKS tags: a map, as the API carries them.
pub type Tags = BTreeMap<String, String>;

crate::registry::families! {
    /// Every EKS cluster of one account in one region (each with its
    /// add-ons and updates), keyed by name (see [`crate::registry`]).
    pub struct EksState<Tags = Tags> {
        clusters: Cluster,
    }
}

/// A decoded EKS request: the operation, its URI labels, its query and
/// its JSON body.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub action: &'static str,
    /// The path's labels in order (`name`, then `addonName` or `updateId`;
    /// or `resourceArn`).
    pub labels: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: Map<String, Value>,
}

pub type Handler = fn(&mut Ctx<'_>, &Request) -> AwsResult<Value>;

/// Whether an unsigned request's path is one of EKS's.
pub fn is_eks_path(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    matches!(first, "clusters" | "addons" | "tags" | "cluster-versions")
}

/// The operation a method and raw path name, with the path's labels.
pub fn route(method: &str, path: &str) -> Option<(&'static str, Vec<String>)> {
    let raw: Vec<&str> = path
        .trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
        .collect();
    let seg: Vec<String> = raw.iter().map(|s| percent_decode(s)).collect();
    let s: Vec<&str> = seg.iter().map(String::as_str).collect();
    let label = |i: usize| vec![seg[i].clone()];
    let labels = |i: usize, j: usize| vec![seg[i].clone(), seg[j].clone()];
    let method = method.to_ascii_uppercase();
    let op = match (method.as_str(), s.as_slice()) {
        ("POST", ["clusters"]) => ("CreateCluster", vec![]),
        ("GET", ["clusters"]) => ("ListClusters", vec![]),
        ("GET", ["clusters", n]) if !n.is_empty() => ("DescribeCluster", label(1)),
        ("DELETE", ["clusters", n]) if !n.is_empty() => ("DeleteCluster", label(1)),
        ("POST", ["clusters", _, "update-config"]) => ("UpdateClusterConfig", label(1)),
        ("POST", ["clusters", _, "updates"]) => ("UpdateClusterVersion", label(1)),
        ("GET", ["clusters", _, "updates"]) => ("ListUpdates", label(1)),
        ("GET", ["clusters", _, "updates", _]) => ("DescribeUpdate", labels(1, 3)),
        ("POST", ["clusters", _, "addons"]) => ("CreateAddon", label(1)),
        ("GET", ["clusters", _, "addons"]) => ("ListAddons", label(1)),
        ("GET", ["clusters", _, "addons", _]) => ("DescribeAddon", labels(1, 3)),
        ("DELETE", ["clusters", _, "addons", _]) => ("DeleteAddon", labels(1, 3)),
        ("POST", ["clusters", _, "addons", _, "update"]) => ("UpdateAddon", labels(1, 3)),
        ("GET", ["addons", "supported-versions"]) => ("DescribeAddonVersions", vec![]),
        ("POST", ["tags", _]) => ("TagResource", label(1)),
        ("DELETE", ["tags", _]) => ("UntagResource", label(1)),
        ("GET", ["tags", _]) => ("ListTagsForResource", label(1)),
        _ => return None,
    };
    Some(op)
}

crate::registry::actions! {
    /// The EKS action table.
    Handler {
        "CreateCluster" => clusters::create_cluster,
        "DescribeCluster" => clusters::describe_cluster,
        "ListClusters" => clusters::list_clusters,
        "DeleteCluster" => clusters::delete_cluster,
        "UpdateClusterConfig" => clusters::update_cluster_config,
        "UpdateClusterVersion" => clusters::update_cluster_version,
        "DescribeUpdate" => clusters::describe_update,
        "ListUpdates" => clusters::list_updates,
        "CreateAddon" => addons::create_addon,
        "DescribeAddon" => addons::describe_addon,
        "ListAddons" => addons::list_addons,
        "UpdateAddon" => addons::update_addon,
        "DeleteAddon" => addons::delete_addon,
        "DescribeAddonVersions" => addons::describe_addon_versions,
        "TagResource" => tags::tag_resource,
        "UntagResource" => tags::untag_resource,
        "ListTagsForResource" => tags::list_tags_for_resource,
    }
}

impl Request {
    /// Decodes a request; an unknown method/path or a body that is not a
    /// JSON object is refused.
    pub fn parse(method: &str, path: &str, query: Option<&str>, body: &[u8]) -> AwsResult<Self> {
        let path = if path.is_empty() { "/" } else { path };
        let (action, labels) =
            route(method, path).ok_or_else(|| errors::unknown_operation(method, path))?;
        let query = form_urlencoded::parse(query.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let body = if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(m)) => m,
                Ok(_) => {
                    return Err(AwsError::coded(
                        errors::EksCode::SerializationException,
                        "The request body must be a JSON object",
                    ));
                }
                Err(e) => {
                    return Err(AwsError::coded(
                        errors::EksCode::SerializationException,
                        format!("The request body is not valid JSON: {e}"),
                    ));
                }
            }
        };
        Ok(Self {
            action,
            labels,
            query,
            body,
        })
    }

    /// The request's members as the journal keeps them: labels by name,
    /// query pairs, and the body flattened (`resourcesVpcConfig.subnetIds.1`).
    pub fn journal_params(&self) -> Vec<(String, String)> {
        let names: &[&str] = match self.action {
            "TagResource" | "UntagResource" | "ListTagsForResource" => &["resourceArn"],
            "DescribeUpdate" => &["name", "updateId"],
            "DescribeAddon" | "DeleteAddon" | "UpdateAddon" => &["name", "addonName"],
            _ => &["name"],
        };
        let mut out: Vec<(String, String)> = names
            .iter()
            .zip(&self.labels)
            .map(|(n, v)| ((*n).to_owned(), v.clone()))
            .collect();
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (k, v) in &self.query {
            let n = counts.entry(k).or_default();
            *n += 1;
            out.push((format!("{k}.{n}"), v.clone()));
        }
        for (k, v) in &self.body {
            flatten(k, v, &mut out);
        }
        out
    }

    /// The label at `i` (the router always sets it).
    pub fn label(&self, i: usize) -> &str {
        self.labels.get(i).map_or("", String::as_str)
    }

    /// Every value of a query key.
    pub fn query_all(&self, key: &str) -> Vec<&str> {
        self.query
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn query_one(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A body member; JSON `null` is absent.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.body.get(key).filter(|v| !v.is_null())
    }

    pub fn string(&self, key: &str) -> AwsResult<Option<&str>> {
        string_in(&self.body, key)
    }

    pub fn required_string(&self, key: &str) -> AwsResult<&str> {
        self.string(key)?.ok_or_else(|| errors::missing(key))
    }

    pub fn object(&self, key: &str) -> AwsResult<Option<&Map<String, Value>>> {
        object_in(&self.body, key)
    }
}

use crate::protocol::AwsError;

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&format!("{prefix}.{}", i + 1), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        Value::Null => {}
        other => out.push((prefix.to_owned(), other.to_string())),
    }
}

/// A string member of an object; another JSON type is refused.
pub fn string_in<'a>(m: &'a Map<String, Value>, key: &str) -> AwsResult<Option<&'a str>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(errors::wrong_type(key, "a string")),
    }
}

pub fn bool_in(m: &Map<String, Value>, key: &str) -> AwsResult<Option<bool>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(errors::wrong_type(key, "a boolean")),
    }
}

pub fn object_in<'a>(
    m: &'a Map<String, Value>,
    key: &str,
) -> AwsResult<Option<&'a Map<String, Value>>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(errors::wrong_type(key, "an object")),
    }
}

/// A list of strings; absent is None.
pub fn strings_in(m: &Map<String, Value>, key: &str) -> AwsResult<Option<Vec<String>>> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| errors::wrong_type(key, "a list of strings"))
            })
            .collect::<AwsResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(errors::wrong_type(key, "a list of strings")),
    }
}

/// A `{"k": "v"}` tag map; absent is empty.
pub fn tags_in(m: &Map<String, Value>, key: &str) -> AwsResult<Tags> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(Tags::new()),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|s| (k.clone(), s.to_owned()))
                    .ok_or_else(|| errors::wrong_type(key, "a map of strings"))
            })
            .collect(),
        Some(_) => Err(errors::wrong_type(key, "a map of strings")),
    }
}

/// `maxResults` (1-100) and `nextToken` paging of names: the page and the
/// next token (the first name of the next page, hex-encoded).
pub fn page<T: Clone>(req: &Request, items: &[(String, T)]) -> AwsResult<(Vec<T>, Option<String>)> {
    let max = match req.query_one("maxResults") {
        None => 100,
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => n,
            _ => {
                return Err(errors::invalid_parameter(format!(
                    "maxResults must be between 1 and 100, got {v}"
                )));
            }
        },
    };
    let start = match req.query_one("nextToken") {
        None | Some("") => 0,
        Some(token) => {
            let key = unhex(token)
                .ok_or_else(|| errors::invalid_parameter("The nextToken provided is invalid"))?;
            items
                .iter()
                .position(|(k, _)| *k >= key)
                .unwrap_or(items.len())
        }
    };
    let end = start.saturating_add(max).min(items.len());
    let next = items.get(end).map(|(k, _)| hexed(k));
    Ok((
        items[start..end].iter().map(|(_, v)| v.clone()).collect(),
        next,
    ))
}

fn hexed(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Tag rules EKS applies (model: 1-50 entries, key 1-128, value up to 256,
/// `aws:` reserved); `err` words the refusal as the calling operation does.
pub fn check_tags(tags: &Tags, err: fn(String) -> AwsError) -> AwsResult<()> {
    if tags.len() > 50 {
        return Err(err(format!(
            "The number of tags ({}) exceeds the maximum of 50",
            tags.len()
        )));
    }
    for (k, v) in tags {
        if k.is_empty() || k.chars().count() > 128 {
            return Err(err(format!("Tag key '{k}' must be 1-128 characters")));
        }
        if v.chars().count() > 256 {
            return Err(err(format!(
                "Tag value of key '{k}' must be at most 256 characters"
            )));
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            return Err(err(format!(
                "Tag key '{k}' uses the reserved prefix 'aws:'"
            )));
        }
    }
    Ok(())
}

/// Epoch seconds as the SDKs read EKS timestamps.
pub fn epoch(t: crate::ids::Timestamp) -> Value {
    Value::from(t.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_on_the_raw_path() {
        let arn = "/tags/arn%3Aaws%3Aeks%3Aus-east-1%3A123456789012%3Acluster%2Fc1";
        let (op, labels) = route("GET", arn).unwrap();
        assert_eq!(op, "ListTagsForResource");
        assert_eq!(labels, ["arn:aws:eks:us-east-1:123456789012:cluster/c1"]);
        assert_eq!(
            route("POST", "/clusters/c1/addons/vpc-cni/update")
                .unwrap()
                .0,
            "UpdateAddon"
        );
        assert!(route("PUT", "/clusters").is_none());
        assert!(route("GET", "/nope").is_none());
        assert!(is_eks_path("/clusters/x") && !is_eks_path("/"));
    }

    #[test]
    fn tokens_round_trip() {
        assert_eq!(unhex(&hexed("a-b_c")).as_deref(), Some("a-b_c"));
        assert_eq!(unhex("zz"), None);
    }
}
