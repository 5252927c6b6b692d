//! `MaxResults` / `NextToken` paging for every Describe call.

use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};

/// The `MaxResults` range an action accepts.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub min: u32,
    pub max: u32,
}

impl Limits {
    pub const fn new(min: u32, max: u32) -> Self {
        Self { min, max }
    }
}

/// One page of `items`. Without `MaxResults` everything is one page.
/// `ids_param` names the id list (e.g. `vpcIdsSet`) when the caller gave ids,
/// since AWS refuses ids together with `MaxResults`.
pub fn page(
    items: Vec<Node>,
    params: &Params,
    limits: Limits,
    ids_given: bool,
) -> AwsResult<(Vec<Node>, Option<String>)> {
    page_named(items, params, limits, ids_given.then_some("resourceIds"))
}

pub fn page_named(
    mut items: Vec<Node>,
    params: &Params,
    limits: Limits,
    ids_param: Option<&str>,
) -> AwsResult<(Vec<Node>, Option<String>)> {
    let max: Option<u32> = params.number("MaxResults")?;
    if let (Some(_), Some(ids)) = (max, ids_param) {
        return Err(AwsError::invalid_parameter_combination(format!(
            "The parameter {ids} cannot be used with the parameter maxResults"
        )));
    }
    if let Some(m) = max
        && !(limits.min..=limits.max).contains(&m)
    {
        return Err(AwsError::invalid_parameter_value(format!(
            "Value ( {m} ) for parameter maxResults is invalid. Parameter must be between {} and {}.",
            limits.min, limits.max
        )));
    }
    let start = match params.value("NextToken") {
        None => 0,
        Some(token) => decode(token).ok_or_else(|| AwsError::invalid_next_token(token))?,
    };
    if start > items.len() {
        return Err(AwsError::invalid_next_token(
            params.value("NextToken").unwrap_or_default(),
        ));
    }
    let size = max.map_or(usize::MAX, |m| m as usize);
    let end = start.saturating_add(size).min(items.len());
    let next = (end < items.len()).then(|| encode(end));
    items.truncate(end);
    Ok((items.split_off(start), next))
}

/// Appends `<nextToken>` when there is another page.
pub fn with_token(mut nodes: Vec<Node>, next: Option<String>) -> Vec<Node> {
    if let Some(t) = next {
        nodes.push(Node::text("nextToken", t));
    }
    nodes
}

fn encode(offset: usize) -> String {
    format!("nt-{offset:x}")
}

fn decode(token: &str) -> Option<usize> {
    usize::from_str_radix(token.strip_prefix("nt-")?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<Node> {
        (0..n).map(|i| Node::text("item", i)).collect()
    }

    #[test]
    fn pages_through() {
        let p = Params::parse(b"MaxResults=5");
        let (page1, next) = page(items(12), &p, Limits::new(5, 1000), false).unwrap();
        assert_eq!(page1.len(), 5);
        let p = Params::parse(format!("MaxResults=5&NextToken={}", next.unwrap()).as_bytes());
        let (page2, next) = page(items(12), &p, Limits::new(5, 1000), false).unwrap();
        assert_eq!(page2[0], Node::text("item", 5));
        let p = Params::parse(format!("MaxResults=5&NextToken={}", next.unwrap()).as_bytes());
        let (page3, next) = page(items(12), &p, Limits::new(5, 1000), false).unwrap();
        assert_eq!(page3.len(), 2);
        assert!(next.is_none());
    }

    #[test]
    fn refuses_bad_input() {
        let p = Params::parse(b"MaxResults=2");
        assert_eq!(
            page(items(3), &p, Limits::new(5, 1000), false)
                .unwrap_err()
                .code,
            "InvalidParameterValue"
        );
        let p = Params::parse(b"NextToken=garbage");
        assert_eq!(
            page(items(3), &p, Limits::new(5, 1000), false)
                .unwrap_err()
                .code,
            "InvalidNextToken"
        );
        let p = Params::parse(b"MaxResults=5");
        assert_eq!(
            page(items(3), &p, Limits::new(5, 1000), true)
                .unwrap_err()
                .code,
            "InvalidParameterCombination"
        );
    }
}
