//! `Filter.N` evaluation shared by every Describe call: each resource type
//! names the filters it supports and yields its values for one; tag filters
//! (`tag:<key>`, `tag-key`, `tag-value`) work everywhere. Values may use the
//! `*` and `?` wildcards, as on AWS.

use std::collections::BTreeMap;

use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Filter};

/// A resource that Describe filters can select.
pub trait Filterable {
    /// Filter names this resource type supports, besides the tag filters.
    const FILTERS: &'static [&'static str];

    /// This resource's values for a supported filter name. An empty list never matches.
    fn filter_values(&self, name: &str) -> Vec<String>;

    /// The resource's tags, for `tag:<key>`, `tag-key` and `tag-value`.
    fn tags(&self) -> &BTreeMap<String, String>;
}

/// Checks the filter names once, before any resource is looked at, so an
/// unknown filter fails even when nothing would match.
pub fn check<T: Filterable>(filters: &[Filter]) -> AwsResult<()> {
    for f in filters {
        let known = f.name.starts_with("tag:")
            || f.name == "tag-key"
            || f.name == "tag-value"
            || T::FILTERS.contains(&f.name.as_str());
        if !known {
            return Err(AwsError::invalid_filter(&f.name));
        }
    }
    Ok(())
}

/// Whether a resource passes every filter (filters AND, values OR).
pub fn matches<T: Filterable>(item: &T, filters: &[Filter]) -> bool {
    filters.iter().all(|f| {
        let values: Vec<String> = if let Some(key) = f.name.strip_prefix("tag:") {
            item.tags().get(key).cloned().into_iter().collect()
        } else if f.name == "tag-key" {
            item.tags().keys().cloned().collect()
        } else if f.name == "tag-value" {
            item.tags().values().cloned().collect()
        } else {
            item.filter_values(&f.name)
        };
        values
            .iter()
            .any(|v| f.values.iter().any(|pattern| wildcard_match(pattern, v)))
    })
}

/// Checks the filters and keeps the items that pass them.
pub fn select<'a, T: Filterable + 'a>(
    items: impl IntoIterator<Item = &'a T>,
    filters: &[Filter],
) -> AwsResult<Vec<&'a T>> {
    check::<T>(filters)?;
    Ok(items.into_iter().filter(|i| matches(*i, filters)).collect())
}

/// Whether a filter value matches only itself (no `*`, `?` or `\`).
pub fn is_literal(pattern: &str) -> bool {
    !pattern.contains(['*', '?', '\\'])
}

/// Whether every value of a filter matches only itself, so the values can
/// be looked up in an index instead of matched against every resource.
pub fn is_exact(f: &Filter) -> bool {
    f.values.iter().all(|v| is_literal(v))
}

/// AWS filter wildcards: `*` any run, `?` one character, `\` escapes.
pub fn wildcard_match(pattern: &str, value: &str) -> bool {
    if is_literal(pattern) {
        return pattern == value;
    }
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    let (mut pi, mut vi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star = Some((pi, vi));
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    vi += 1;
                    continue;
                }
                '\\' if pi + 1 < p.len() && p[pi + 1] == v[vi] => {
                    pi += 2;
                    vi += 1;
                    continue;
                }
                c if c != '\\' && c == v[vi] => {
                    pi += 1;
                    vi += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, sv)) => {
                pi = sp + 1;
                vi = sv + 1;
                star = Some((sp, sv + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// `true`/`false` as filter values.
pub fn bool_value(b: bool) -> Vec<String> {
    vec![b.to_string()]
}

pub fn one(v: impl ToString) -> Vec<String> {
    vec![v.to_string()]
}

pub fn opt(v: Option<impl ToString>) -> Vec<String> {
    v.map(|v| v.to_string()).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::wildcard_match as m;

    #[test]
    fn wildcards() {
        assert!(m("vpc-1", "vpc-1"));
        assert!(!m("vpc-1", "vpc-12"));
        assert!(m("vpc-*", "vpc-12"));
        assert!(m("*-1?", "vpc-12"));
        assert!(m("*", ""));
        assert!(!m("a*b", "acbd"));
        assert!(m("a*b*", "acbd"));
        assert!(m(r"a\*", "a*"));
        assert!(!m(r"a\*", "ab"));
    }
}
