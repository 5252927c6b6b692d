//! Fields and kinds the Kubernetes API does not know. Each document of a
//! kind the provisioner reads is walked against that kind's CRD schema
//! (`provisioner/schemas/crds.json`, see its README): a field the schema
//! does not list is one `kubectl apply` warns about (and refuses under
//! `--validate=strict`) and the API server drops, so CAPA never sees it.
//! A kind that no Cluster API or CAPA group has, or a known kind under the
//! wrong group, would be refused by `kubectl` (no such resource).
//!
//! Every finding carries the field's own `file:line:column` and, when a
//! known name is close, the name that was probably meant.

use std::sync::{Arc, LazyLock, Mutex};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::{Document, Source};

/// A YAML node with the location of every mapping key.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    Map(Vec<Entry>),
    Seq(Vec<Node>),
    Scalar,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub key: String,
    /// 1-based, within the document.
    pub line: usize,
    pub column: usize,
    pub value: Node,
}

/// The visitor methods of every scalar type, each answering `$make(value)`.
macro_rules! scalars {
    ($make:expr) => {
        scalars!(@display $make; visit_bool bool, visit_i64 i64, visit_u64 u64,
            visit_i128 i128, visit_u128 u128, visit_f64 f64);
        scalars!(@null $make; visit_unit, visit_none);
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok($make(v.to_owned()))
        }
        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            Ok($make(String::from_utf8_lossy(v).into_owned()))
        }
    };
    (@display $make:expr; $($visit:ident $ty:ty),*) => {$(
        fn $visit<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            Ok($make(v.to_string()))
        }
    )*};
    (@null $make:expr; $($visit:ident),*) => {$(
        fn $visit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($make("null".to_owned()))
        }
    )*};
}

/// A mapping key: any scalar, as text.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a scalar key")
            }
            scalars!(Key);
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<serde_saphyr::Spanned<Key>>()? {
                    let value = map.next_value::<Node>()?;
                    out.push(Entry {
                        key: key.value.0,
                        line: key.referenced.line() as usize,
                        column: key.referenced.column() as usize,
                        value,
                    });
                }
                Ok(Node::Map(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = seq.next_element::<Node>()? {
                    out.push(n);
                }
                Ok(Node::Seq(out))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            scalars!(|_: String| Node::Scalar);
        }
        d.deserialize_any(V)
    }
}

/// A value the kind's schema refuses (type, enum, pattern, bounds,
/// required fields): `kubectl apply` fails on it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SchemaError {
    /// `Kind/name` of the object.
    pub object: String,
    /// Field path inside the object.
    pub path: String,
    pub source: Source,
    pub message: String,
}

/// Why a name was flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unknown {
    /// A field the kind's schema does not have.
    Field,
    /// A field this provisioner reads that CAPA's API does not have.
    Extension,
    /// A kind no Cluster API or CAPA group has, or a kind under the wrong group.
    Kind,
}

/// One name the API does not know.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnknownName {
    pub what: Unknown,
    /// `Kind/name` of the object.
    pub object: String,
    /// Field path inside the object (empty for a kind).
    pub path: String,
    pub source: Source,
    pub message: String,
}

static SCHEMAS: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../../schemas/crds.json"))
        .expect("provisioner/schemas/crds.json is valid JSON")
});

/// The schema of `group/kind` at `version` (the stored version's when the
/// version is not one the CRD has).
fn schema_of(group: &str, kind: &str, version: &str) -> Option<&'static Value> {
    let crd = SCHEMAS.get(format!("{group}/{kind}"))?;
    let versions = crd.get("versions")?;
    versions.get(version).or_else(|| {
        let storage = crd.get("storage")?.as_str()?;
        versions.get(storage)
    })
}

/// Fields of every object's `metadata` (Kubernetes' ObjectMeta).
const OBJECT_META: &[&str] = &[
    "annotations",
    "creationTimestamp",
    "deletionGracePeriodSeconds",
    "deletionTimestamp",
    "finalizers",
    "generateName",
    "generation",
    "labels",
    "managedFields",
    "name",
    "namespace",
    "ownerReferences",
    "resourceVersion",
    "selfLink",
    "uid",
];

/// Fields the provisioner reads beyond CAPA's API, by kind and path, with
/// what CAPA does instead (the API server drops them before CAPA looks).
const EXTENSIONS: &[(&str, &str, &str)] = &[(
    "AWSCluster",
    "spec.controlPlaneLoadBalancer.ipAddressType",
    "CAPA builds a dualstack load balancer when vpc.ipv6 is set and an ipv4 one otherwise",
)];

/// The kinds of each Cluster API and CAPA group (the ones `kubectl` would
/// find once Cluster API and CAPA are installed).
pub const KINDS: &[(&str, &[&str])] = &[
    (
        "cluster.x-k8s.io",
        &[
            "Cluster",
            "ClusterClass",
            "Machine",
            "MachineDeployment",
            "MachineDrainRule",
            "MachineHealthCheck",
            "MachinePool",
            "MachineSet",
        ],
    ),
    (
        "infrastructure.cluster.x-k8s.io",
        &[
            "AWSCluster",
            "AWSClusterControllerIdentity",
            "AWSClusterRoleIdentity",
            "AWSClusterStaticIdentity",
            "AWSClusterTemplate",
            "AWSFargateProfile",
            "AWSMachine",
            "AWSMachinePool",
            "AWSMachinePoolTemplate",
            "AWSMachineTemplate",
            "AWSManagedCluster",
            "AWSManagedClusterTemplate",
            "AWSManagedMachinePool",
            "AWSManagedMachinePoolTemplate",
            "ROSACluster",
            "ROSAMachinePool",
            "ROSANetwork",
            "ROSARoleConfig",
        ],
    ),
    (
        "controlplane.cluster.x-k8s.io",
        &[
            "AWSManagedControlPlane",
            "AWSManagedControlPlaneTemplate",
            "KubeadmControlPlane",
            "KubeadmControlPlaneTemplate",
            "ROSAControlPlane",
        ],
    ),
    (
        "bootstrap.cluster.x-k8s.io",
        &[
            "EKSConfig",
            "EKSConfigTemplate",
            "KubeadmConfig",
            "KubeadmConfigTemplate",
            "NodeadmConfig",
            "NodeadmConfigTemplate",
        ],
    ),
    (
        "addons.cluster.x-k8s.io",
        &["ClusterResourceSet", "ClusterResourceSetBinding"],
    ),
    ("ipam.cluster.x-k8s.io", &["IPAddress", "IPAddressClaim"]),
    ("runtime.cluster.x-k8s.io", &["ExtensionConfig"]),
];

/// Edit distance between two names (ASCII case counts).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(row[j + 1])
            };
            prev = cur;
        }
    }
    row[b.len()]
}

/// The known name `name` most probably meant: the same but for case, else
/// the closest within a few edits.
pub(crate) fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let known: Vec<&str> = known.into_iter().collect();
    if let Some(k) = known.iter().find(|k| k.eq_ignore_ascii_case(name)) {
        return Some(k);
    }
    let lower = name.to_ascii_lowercase();
    let limit = (name.chars().count() / 3).clamp(1, 3);
    known
        .iter()
        .map(|k| (distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}

/// Checks a document's kind and group; `None` when both are fine or the
/// group is not one of Cluster API's or CAPA's.
pub(crate) fn check_kind(group: &str, kind: &str) -> Option<String> {
    if let Some((_, kinds)) = KINDS.iter().find(|(g, _)| *g == group) {
        if kinds.contains(&kind) {
            return None;
        }
        if let Some((right, _)) = KINDS.iter().find(|(_, ks)| ks.contains(&kind)) {
            return Some(format!(
                "kind {kind} belongs to API group {right}, not {group}: kubectl would refuse it \
                 (no matches for kind \"{kind}\") and the provisioner does not read it; \
                 change apiVersion to {right}/<version>"
            ));
        }
        let hint = closest(kind, kinds.iter().copied())
            .map(|k| format!("; did you mean {k}?"))
            .unwrap_or_default();
        return Some(format!(
            "API group {group} has no kind {kind}: kubectl would refuse it (no matches for kind \
             \"{kind}\") and the provisioner does not read it{hint}"
        ));
    }
    None
}

struct Walk<'a> {
    kind: &'a str,
    object: &'a str,
    file: &'a str,
    start_line: usize,
    out: Vec<UnknownName>,
}

impl Walk<'_> {
    fn unknown(&mut self, path: &str, e: &Entry, known: &[&str]) {
        let source = Source {
            file: self.file.to_owned(),
            line: self.start_line + e.line.saturating_sub(1),
            column: Some(e.column),
        };
        if let Some((_, _, why)) = EXTENSIONS
            .iter()
            .find(|(k, p, _)| *k == self.kind && *p == path)
        {
            self.out.push(UnknownName {
                what: Unknown::Extension,
                object: self.object.to_owned(),
                path: path.to_owned(),
                source,
                message: format!(
                    "this provisioner's own field (the seed's 'Load Balancer IP Type' column), \
                     not CAPA's: kubectl warns 'unknown field \"{path}\"' and the API server \
                     drops it, so CAPA never sees it; {why}"
                ),
            });
            return;
        }
        let hint = closest(&e.key, known.iter().copied())
            .map(|k| format!("; did you mean {k}?"))
            .unwrap_or_default();
        self.out.push(UnknownName {
            what: Unknown::Field,
            object: self.object.to_owned(),
            path: path.to_owned(),
            source,
            message: format!(
                "{} has no field {}: kubectl warns 'unknown field \"{path}\"' (and refuses it \
                 under --validate=strict), the API server drops it, and neither CAPA nor the \
                 provisioner reads it{hint}",
                self.kind, e.key
            ),
        });
    }

    fn node(&mut self, schema: &Value, node: &Node, path: &str) {
        match node {
            Node::Map(entries) => self.map(schema, entries, path),
            Node::Seq(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, n) in items.iter().enumerate() {
                        self.node(item, n, &format!("{path}[{i}]"));
                    }
                }
            }
            Node::Scalar => {}
        }
    }

    fn map(&mut self, schema: &Value, entries: &[Entry], path: &str) {
        let preserve = schema
            .get("x-kubernetes-preserve-unknown-fields")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let embedded = schema
            .get("x-kubernetes-embedded-resource")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let props = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        if schema.get("x-kubernetes-int-or-string").is_some() {
            return;
        }
        for e in entries {
            let child = if path.is_empty() {
                e.key.clone()
            } else {
                format!("{path}.{}", e.key)
            };
            if let Some(p) = props.and_then(|p| p.get(&e.key)) {
                if e.key == "metadata" && (path.is_empty() || embedded) {
                    self.metadata(&e.value, &child);
                } else {
                    self.node(p, &e.value, &child);
                }
                continue;
            }
            match additional {
                Some(Value::Object(_)) => {
                    let a = additional.unwrap_or(&Value::Null);
                    self.node(a, &e.value, &child);
                    continue;
                }
                Some(Value::Bool(true)) => continue,
                _ => {}
            }
            if preserve {
                continue;
            }
            if embedded && matches!(e.key.as_str(), "apiVersion" | "kind" | "metadata") {
                continue;
            }
            let known: Vec<&str> = props
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            self.unknown(&child, e, &known);
        }
    }

    fn metadata(&mut self, node: &Node, path: &str) {
        if let Node::Map(entries) = node {
            for e in entries {
                if !OBJECT_META.contains(&e.key.as_str()) {
                    self.unknown(&format!("{path}.{}", e.key), e, OBJECT_META);
                }
            }
        }
    }
}

type Validators = std::collections::HashMap<String, Option<Arc<jsonschema::Validator>>>;

/// Each schema is compiled once, when a document of its kind first needs it.
static VALIDATORS: LazyLock<Mutex<Validators>> = LazyLock::new(|| Mutex::new(Validators::new()));

fn validator(group: &str, kind: &str, version: &str) -> Option<Arc<jsonschema::Validator>> {
    let key = format!("{group}/{kind}/{version}");
    let mut cache = VALIDATORS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .entry(key)
        .or_insert_with(|| {
            let schema = schema_of(group, kind, version)?;
            // Formats (int32, int64, byte, date-time) are left to the types:
            // the API server checks little more than those.
            jsonschema::options()
                .with_draft(jsonschema::Draft::Draft4)
                .should_validate_formats(false)
                .build(schema)
                .ok()
                .map(Arc::new)
        })
        .clone()
}

/// A JSON pointer (`/spec/network/subnets/0/cidrBlock`) as a field path
/// (`spec.network.subnets[0].cidrBlock`).
fn field_path(pointer: &str) -> String {
    let mut out = String::new();
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if seg.bytes().all(|b| b.is_ascii_digit()) && !seg.is_empty() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

/// The line and column of the deepest key on `pointer`'s way that the
/// document has (the field itself, or its parent for a missing field).
fn locate(root: &[Entry], pointer: &str) -> (usize, usize) {
    let mut at = (1, 1);
    let mut entries = root;
    let mut items: &[Node] = &[];
    for seg in pointer.split('/').skip(1) {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        let next = if let Ok(i) = seg.parse::<usize>()
            && !items.is_empty()
        {
            items.get(i)
        } else if let Some(e) = entries.iter().find(|e| e.key == seg) {
            at = (e.line, e.column);
            Some(&e.value)
        } else {
            None
        };
        match next {
            Some(Node::Map(m)) => {
                entries = m;
                items = &[];
            }
            Some(Node::Seq(s)) => {
                items = s;
                entries = &[];
            }
            _ => break,
        }
    }
    at
}

/// The API server prunes a null field whose schema is not `nullable`
/// before it validates (none of these schemas is): `matchLabels: null`,
/// as CAPA's own templates write, is as if absent.
fn drop_nulls(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.retain(|_, x| !x.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// Sets what the schema defaults, as the API server does when an object is
/// created: a property with a `default` that an object present in the
/// document lacks (an absent object stays absent).
fn apply_defaults(schema: &Value, v: &mut Value) {
    match v {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            if let Some(props) = props {
                for (key, prop) in props {
                    if let Some(d) = prop.get("default")
                        && !map.contains_key(key)
                    {
                        map.insert(key.clone(), d.clone());
                    }
                }
            }
            let additional = schema.get("additionalProperties").filter(|a| a.is_object());
            for (key, x) in map.iter_mut() {
                if let Some(prop) = props.and_then(|p| p.get(key)) {
                    apply_defaults(prop, x);
                } else if let Some(a) = additional {
                    apply_defaults(a, x);
                }
            }
        }
        Value::Array(items) => {
            if let Some(item) = schema.get("items") {
                items.iter_mut().for_each(|x| apply_defaults(item, x));
            }
        }
        _ => {}
    }
}

/// The document as the API server would store it: nulls pruned and the
/// kind's schema defaults applied. `None` when the kind has no bundled
/// schema or the defaulted object does not read as `T` (the caller keeps
/// the document as written).
pub(crate) fn defaulted<T: de::DeserializeOwned>(
    group: &str,
    version: &str,
    kind: &str,
    doc: &str,
) -> Option<T> {
    let schema = schema_of(group, kind, version)?;
    let mut instance = serde_saphyr::from_str::<Option<Value>>(doc).ok()??;
    drop_nulls(&mut instance);
    apply_defaults(schema, &mut instance);
    serde_json::from_value(instance).ok()
}

/// What the kind's schema says of one document: the fields it does not
/// know, and what it refuses (types, enums, patterns, bounds, required
/// fields), each at its place. The document's text is parsed once for both.
pub(crate) fn check(d: &Document<'_>) -> (Vec<UnknownName>, Vec<SchemaError>) {
    let Ok(Some(Node::Map(entries))) = serde_saphyr::from_str::<Option<Node>>(d.doc) else {
        return (Vec::new(), Vec::new());
    };
    (unknown_fields(d, &entries), schema_errors(d, &entries))
}

fn schema_errors(d: &Document<'_>, entries: &[Entry]) -> Vec<SchemaError> {
    let Some(validator) = validator(d.group, d.kind, d.version) else {
        return Vec::new();
    };
    let Ok(Some(mut instance)) = serde_saphyr::from_str::<Option<Value>>(d.doc) else {
        return Vec::new();
    };
    drop_nulls(&mut instance);
    let mut out: Vec<SchemaError> = validator
        .iter_errors(&instance)
        .filter(|e| !e.instance_path().as_str().starts_with("/metadata"))
        .map(|e| {
            let pointer = e.instance_path().as_str().to_owned();
            let (line, column) = locate(entries, &pointer);
            let path = field_path(&pointer);
            // An enum's whole list, where the library's words cut it short.
            let why = match e.kind() {
                jsonschema::error::ValidationErrorKind::Enum { options } => {
                    let list: Vec<String> = options
                        .as_array()
                        .map(|o| o.iter().map(ToString::to_string).collect())
                        .unwrap_or_default();
                    format!("{} is not one of {}", e.instance(), list.join(", "))
                }
                _ => e.to_string(),
            };
            SchemaError {
                object: d.object.to_owned(),
                message: format!(
                    "{}'s schema refuses {}: {why}; kubectl apply fails on it",
                    d.kind,
                    if path.is_empty() { "the object" } else { &path }
                ),
                path,
                source: Source {
                    file: d.file.to_owned(),
                    line: d.start_line + line.saturating_sub(1),
                    column: Some(column),
                },
            }
        })
        .collect();
    out.sort_by_key(|e| (e.source.line, e.source.column));
    out.dedup();
    out
}

/// The fields of one document that its kind's schema does not know.
fn unknown_fields(d: &Document<'_>, entries: &[Entry]) -> Vec<UnknownName> {
    let Some(schema) = schema_of(d.group, d.kind, d.version) else {
        return Vec::new();
    };
    let mut w = Walk {
        kind: d.kind,
        object: d.object,
        file: d.file,
        start_line: d.start_line,
        out: Vec::new(),
    };
    w.map(schema, entries, "");
    w.out
}

#[cfg(test)]
#[path = "schema_tests.rs"]
mod tests;
