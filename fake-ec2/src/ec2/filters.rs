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

/// Implements [`Filterable`] from one list: each filter name with the
/// values a resource has for it, so the names a family accepts and the
/// values it matches are written once and cannot drift apart. The list is
/// a closure over the resource (plain Rust, which rustfmt lays out); the
/// optional second closure gives the tags (default: the `tags` field).
///
/// ```text
/// filters::filterable!(
///     Subnet,
///     |subnet| [
///         ("subnet-id", filters::one(&subnet.subnet_id)),
///         ("vpc-id", filters::one(&subnet.vpc_id)),
///     ]
/// );
/// filters::filterable!(Offering::<'_>, |o| [("location", filters::one(&o.location))], |_| &NO_TAGS);
/// ```
macro_rules! filterable {
    ($ty:ty, |$it:ident| [$(($name:literal, $values:expr)),+ $(,)?] $(,)?) => {
        $crate::ec2::filters::filterable!($ty, |$it| [$(($name, $values)),+], |r| &r.tags);
    };
    (
        $ty:ty,
        |$it:ident| [$(($name:literal, $values:expr)),+ $(,)?],
        |$t:tt| $tags:expr $(,)?
    ) => {
        impl $crate::ec2::filters::Filterable for $ty {
            const FILTERS: &'static [&'static str] = &[$($name),+];

            fn filter_values(&self, name: &str) -> Vec<String> {
                let $it = self;
                match name {
                    $($name => $values,)+
                    _ => Vec::new(),
                }
            }

            fn tags(&self) -> &std::collections::BTreeMap<String, String> {
                let $t = self;
                $tags
            }
        }
    };
}
pub(crate) use filterable;

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

/// `values` when `cond` holds, else none (so the filter never matches).
pub fn when(cond: bool, values: impl FnOnce() -> Vec<String>) -> Vec<String> {
    if cond { values() } else { Vec::new() }
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
