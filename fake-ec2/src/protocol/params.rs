//! Query parameters as both services send them: `Name.N` flattened lists for
//! EC2 (the list member name is ignored), `Name.member.N` lists for ELBv2,
//! where an empty list arrives as a bare `Name=`.

use std::collections::BTreeMap;
use std::str::FromStr;

use super::error::{AwsError, AwsResult};

/// The decoded parameters of one request (query string and form body merged).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    map: BTreeMap<String, String>,
}

/// One `Filter.N` of a Describe call: a name and the values any of which may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub name: String,
    pub values: Vec<String>,
}

impl Params {
    /// Decodes an `application/x-www-form-urlencoded` string. Later keys win.
    pub fn parse(encoded: &[u8]) -> Self {
        let mut params = Self::default();
        params.extend_from(encoded);
        params
    }

    pub fn extend_from(&mut self, encoded: &[u8]) {
        for (k, v) in form_urlencoded::parse(encoded) {
            self.map.insert(k.into_owned(), v.into_owned());
        }
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            map: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn remove(&mut self, key: &str) -> Option<String> {
        self.map.remove(key)
    }

    /// A present value; an empty string counts as present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// A present, non-empty value.
    pub fn value(&self, key: &str) -> Option<&str> {
        self.get(key).filter(|v| !v.is_empty())
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// A required, non-empty value, else `MissingParameter`.
    pub fn required(&self, key: &str) -> AwsResult<&str> {
        self.value(key)
            .ok_or_else(|| AwsError::missing_parameter(key))
    }

    /// A boolean: `true` or `false` in any case; anything else is `InvalidParameterValue`.
    pub fn bool(&self, key: &str) -> AwsResult<Option<bool>> {
        match self.value(key) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(AwsError::invalid_value_for(key, v)),
        }
    }

    pub fn flag(&self, key: &str) -> AwsResult<bool> {
        Ok(self.bool(key)?.unwrap_or(false))
    }

    /// A number of type `T`; a value that does not parse is `InvalidParameterValue`.
    pub fn number<T: FromStr>(&self, key: &str) -> AwsResult<Option<T>> {
        match self.value(key) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<T>()
                .map(Some)
                .map_err(|_| AwsError::invalid_value_for(key, v)),
        }
    }

    /// The `prefix.N` values of an EC2 flattened scalar list, in index order.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        let mut items: Vec<(u64, String)> = self
            .indexed(prefix)
            .filter(|(_, rest, _)| rest.is_empty())
            .map(|(n, _, v)| (n, v.to_owned()))
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v).collect()
    }

    /// The `prefix.N.*` structures of an EC2 flattened list, each as its own
    /// `Params` with `prefix.N.` stripped, in index order.
    pub fn structs(&self, prefix: &str) -> Vec<Params> {
        let mut groups: BTreeMap<u64, Params> = BTreeMap::new();
        for (n, rest, v) in self.indexed(prefix) {
            if let Some(field) = rest.strip_prefix('.') {
                groups
                    .entry(n)
                    .or_default()
                    .map
                    .insert(field.to_owned(), v.to_owned());
            }
        }
        groups.into_values().collect()
    }

    /// The parameters under `prefix.` (a nested structure), with the prefix stripped.
    pub fn nested(&self, prefix: &str) -> Params {
        let dotted = format!("{prefix}.");
        Params {
            map: self
                .map
                .range(dotted.clone()..)
                .take_while(|(k, _)| k.starts_with(&dotted))
                .map(|(k, v)| (k[dotted.len()..].to_owned(), v.clone()))
                .collect(),
        }
    }

    /// The values of an awsQuery `prefix.member.N` list; `None` when the list is absent.
    pub fn member_list(&self, prefix: &str) -> Option<Vec<String>> {
        let members = self.nested(prefix).nested("member");
        if members.is_empty() {
            return self.has(prefix).then(Vec::new);
        }
        Some(members.list_root())
    }

    /// The structures of an awsQuery `prefix.member.N.*` list; `None` when absent.
    pub fn member_structs(&self, prefix: &str) -> Option<Vec<Params>> {
        let members = self.nested(prefix).nested("member");
        if members.is_empty() {
            return self.has(prefix).then(Vec::new);
        }
        Some(members.structs_root())
    }

    /// `Filter.N.Name` / `Filter.N.Value.M`. A filter without a name is `InvalidParameterValue`.
    pub fn filters(&self) -> AwsResult<Vec<Filter>> {
        self.structs("Filter")
            .into_iter()
            .map(|f| {
                let name = f
                    .value("Name")
                    .ok_or_else(|| {
                        AwsError::invalid_parameter_value("The filter 'null' is invalid")
                    })?
                    .to_owned();
                Ok(Filter {
                    name,
                    values: f.list("Value"),
                })
            })
            .collect()
    }

    /// Top-level `N` keys (used after `nested`): `1=a&2=b`.
    fn list_root(&self) -> Vec<String> {
        let mut items: Vec<(u64, &String)> = self
            .map
            .iter()
            .filter_map(|(k, v)| k.parse::<u64>().ok().map(|n| (n, v)))
            .collect();
        items.sort_by_key(|(n, _)| *n);
        items.into_iter().map(|(_, v)| v.clone()).collect()
    }

    fn structs_root(&self) -> Vec<Params> {
        let mut groups: BTreeMap<u64, Params> = BTreeMap::new();
        for (k, v) in &self.map {
            if let Some((n, field)) = k.split_once('.')
                && let Ok(n) = n.parse::<u64>()
            {
                groups
                    .entry(n)
                    .or_default()
                    .map
                    .insert(field.to_owned(), v.clone());
            }
        }
        groups.into_values().collect()
    }

    /// `(N, rest, value)` for every key `prefix.N<rest>` where N is a number.
    fn indexed<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (u64, &'a str, &'a str)> + 'a {
        let dotted = format!("{prefix}.");
        let start = dotted.clone();
        self.map
            .range(start..)
            .take_while(move |(k, _)| k.starts_with(&dotted))
            .filter_map(move |(k, v)| {
                let tail = &k[prefix.len() + 1..];
                let digits = tail
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(tail.len());
                let n = tail[..digits].parse::<u64>().ok()?;
                Some((n, &tail[digits..], v.as_str()))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flattened_lists_and_structs() {
        let p = Params::parse(
            b"VpcId.2=vpc-b&VpcId.1=vpc-a&VpcId.10=vpc-j&Filter.1.Name=tag%3AName&Filter.1.Value.1=x&Filter.1.Value.2=y&Filter.2.Name=vpc-id&Filter.2.Value.1=vpc-a",
        );
        assert_eq!(p.list("VpcId"), ["vpc-a", "vpc-b", "vpc-j"]);
        let f = p.filters().unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].name, "tag:Name");
        assert_eq!(f[0].values, ["x", "y"]);
        assert_eq!(f[1].values, ["vpc-a"]);
    }

    #[test]
    fn member_lists_and_bare_empty_list() {
        let p =
            Params::parse(b"Subnets.member.1=subnet-a&Subnets.member.2=subnet-b&SecurityGroups=");
        assert_eq!(p.member_list("Subnets").unwrap(), ["subnet-a", "subnet-b"]);
        assert_eq!(
            p.member_list("SecurityGroups").unwrap(),
            Vec::<String>::new()
        );
        assert_eq!(p.member_list("Tags"), None);
        let t = Params::parse(b"Tags.member.1.Key=k&Tags.member.1.Value=v&Tags.member.2.Key=k2");
        let tags = t.member_structs("Tags").unwrap();
        assert_eq!(tags.len(), 2);
        assert_eq!(tags[0].get("Value"), Some("v"));
        assert_eq!(tags[1].get("Key"), Some("k2"));
    }

    #[test]
    fn typed_values() {
        let p = Params::parse(b"A=TRUE&B=false&C=yes&N=12&M=x");
        assert_eq!(p.bool("A").unwrap(), Some(true));
        assert_eq!(p.bool("B").unwrap(), Some(false));
        assert_eq!(p.bool("C").unwrap_err().code, "InvalidParameterValue");
        assert_eq!(p.number::<u32>("N").unwrap(), Some(12));
        assert!(p.number::<u32>("M").is_err());
        assert_eq!(p.required("Z").unwrap_err().code, "MissingParameter");
    }

    #[test]
    fn nested_structure() {
        let p = Params::parse(
            b"PrivateDnsNameOptions.HostnameType=resource-name&PrivateDnsNameOptionsX=1",
        );
        let n = p.nested("PrivateDnsNameOptions");
        assert_eq!(n.get("HostnameType"), Some("resource-name"));
        assert_eq!(n.iter().count(), 1);
    }
}
