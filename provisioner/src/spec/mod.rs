//! CAPA manifests in: multi-document YAML as clusterctl produces it, after
//! variable substitution. Known kinds are decoded into [`types`]; any other
//! kind (ConfigMaps, ClusterResourceSets, bootstrap templates) is listed and
//! skipped. Errors carry `file:line:column` and the field path.

pub mod schema;
pub mod types;
pub mod vars;

use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use vars::{Unset, Vars};

use types::{
    AwsCluster, AwsMachineTemplate, AwsManagedControlPlane, Cluster, KubeadmConfigTemplate,
    KubeadmControlPlane, MachineDeployment,
};

/// One document of a manifest file, as the schema checks read it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Document<'a> {
    pub group: &'a str,
    pub version: &'a str,
    pub kind: &'a str,
    /// `Kind/name`, as findings name it.
    pub object: &'a str,
    /// The document's text.
    pub doc: &'a str,
    pub file: &'a str,
    /// The document's first line in `file`.
    pub start_line: usize,
}

/// Where an object came from: file and the line its document starts on
/// (or, with a column, the place of one field).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    pub file: String,
    pub line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(c) = self.column {
            write!(f, ":{c}")?;
        }
        Ok(())
    }
}

/// One decoded object and its source.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Doc<T> {
    pub source: Source,
    /// `apiVersion` as written (AWSCluster comes as v1beta1 or v1beta2).
    pub api_version: String,
    pub object: T,
}

/// Every object of the kinds the provisioner reads, in file order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Manifests {
    pub clusters: Vec<Doc<Cluster>>,
    pub aws_clusters: Vec<Doc<AwsCluster>>,
    pub managed_control_planes: Vec<Doc<AwsManagedControlPlane>>,
    pub kubeadm_control_planes: Vec<Doc<KubeadmControlPlane>>,
    pub machine_templates: Vec<Doc<AwsMachineTemplate>>,
    pub machine_deployments: Vec<Doc<MachineDeployment>>,
    pub kubeadm_config_templates: Vec<Doc<KubeadmConfigTemplate>>,
    /// `Kind/name` of every object of another kind, skipped.
    pub ignored: Vec<String>,
    /// Objects of kinds that make infrastructure the provisioner does not
    /// build (machine pools, Fargate profiles, single machines): `Kind/name`
    /// and where each is.
    pub not_built: Vec<(String, Source)>,
    /// Fields and kinds the Kubernetes API does not know (see [`schema`]).
    pub unknown: Vec<schema::UnknownName>,
    /// Values the kinds' schemas refuse (see [`schema`]).
    pub schema_errors: Vec<schema::SchemaError>,
}

/// Why manifests could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    Io {
        file: String,
        message: String,
    },
    /// Variables without a value or default (all of them, in order of first use).
    UnsetVariables {
        file: String,
        unset: Vec<Unset>,
    },
    /// YAML that does not parse or does not fit the object's schema.
    Yaml {
        file: String,
        line: usize,
        column: usize,
        /// Field path inside the document (`spec.network.subnets[2].isIpv6`), if known.
        path: Option<String>,
        message: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io { file, message } => write!(f, "{file}: {message}"),
            LoadError::UnsetVariables { file, unset } => {
                write!(
                    f,
                    "{file}: {} variable(s) have no value; set them in the environment or with --var KEY=VALUE:",
                    unset.len()
                )?;
                for u in unset {
                    write!(f, "\n  {} (first used on line {})", u.name, u.line)?;
                }
                Ok(())
            }
            LoadError::Yaml {
                file,
                line,
                column,
                path,
                message,
            } => {
                write!(f, "{file}:{line}:{column}: ")?;
                if let Some(p) = path {
                    write!(f, "{p}: ")?;
                }
                f.write_str(message)
            }
        }
    }
}

impl std::error::Error for LoadError {}

impl Manifests {
    /// Reads and merges several files (clusterctl output is often one file,
    /// but a cluster may be split across several).
    pub fn load_files(paths: &[impl AsRef<Path>], vars: &Vars) -> Result<Self, LoadError> {
        let mut all = Manifests::default();
        for path in paths {
            let path = path.as_ref();
            let file = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| LoadError::Io {
                file: file.clone(),
                message: e.to_string(),
            })?;
            all.merge(Self::load_str(&text, &file, vars)?);
        }
        Ok(all)
    }

    /// Substitutes variables, then decodes every document of `text`.
    pub fn load_str(text: &str, file: &str, vars: &Vars) -> Result<Self, LoadError> {
        let text = vars::substitute(text, vars).map_err(|unset| LoadError::UnsetVariables {
            file: file.to_owned(),
            unset,
        })?;
        let mut out = Manifests::default();
        for (start_line, doc) in split_documents(&text) {
            out.add_document(doc, file, start_line)?;
        }
        Ok(out)
    }

    fn merge(&mut self, other: Manifests) {
        self.clusters.extend(other.clusters);
        self.aws_clusters.extend(other.aws_clusters);
        self.managed_control_planes
            .extend(other.managed_control_planes);
        self.kubeadm_control_planes
            .extend(other.kubeadm_control_planes);
        self.machine_templates.extend(other.machine_templates);
        self.machine_deployments.extend(other.machine_deployments);
        self.kubeadm_config_templates
            .extend(other.kubeadm_config_templates);
        self.ignored.extend(other.ignored);
        self.not_built.extend(other.not_built);
        self.unknown.extend(other.unknown);
        self.schema_errors.extend(other.schema_errors);
    }

    fn add_document(&mut self, doc: &str, file: &str, start_line: usize) -> Result<(), LoadError> {
        #[derive(serde::Deserialize, Default)]
        #[serde(default, rename_all = "camelCase")]
        struct Header {
            api_version: Option<String>,
            kind: Option<String>,
            metadata: Option<types::ObjectMeta>,
        }
        let header: Option<Header> = decode(doc, file, start_line)?;
        let Some(header) = header else {
            return Ok(()); // an empty document or only comments
        };
        let kind = header.kind.unwrap_or_default();
        let api_version = header.api_version.unwrap_or_default();
        let source = Source {
            file: file.to_owned(),
            line: start_line,
            column: None,
        };
        let (group, version) = api_version.split_once('/').unwrap_or(("", &api_version));
        let name = header
            .metadata
            .as_ref()
            .map(|m| m.name.clone())
            .unwrap_or_default();
        if let Some(message) = schema::check_kind(group, &kind) {
            self.unknown.push(schema::UnknownName {
                what: schema::Unknown::Kind,
                object: format!("{kind}/{name}"),
                path: "kind".to_owned(),
                source: source.clone(),
                message,
            });
        }
        macro_rules! take {
            ($field:ident) => {{
                let object = decode(doc, file, start_line)?.unwrap_or_default();
                let object = schema::defaulted(group, version, &kind, doc).unwrap_or(object);
                let checked = Document {
                    group,
                    version,
                    kind: &kind,
                    object: &format!("{kind}/{name}"),
                    doc,
                    file,
                    start_line,
                };
                let (unknown, refused) = schema::check(&checked);
                self.unknown.extend(unknown);
                self.schema_errors.extend(refused);
                self.$field.push(Doc {
                    source,
                    api_version,
                    object,
                });
            }};
        }
        match (group, kind.as_str()) {
            ("cluster.x-k8s.io", "Cluster") => take!(clusters),
            ("infrastructure.cluster.x-k8s.io", "AWSCluster") => take!(aws_clusters),
            ("controlplane.cluster.x-k8s.io", "AWSManagedControlPlane") => {
                take!(managed_control_planes)
            }
            ("controlplane.cluster.x-k8s.io", "KubeadmControlPlane") => {
                take!(kubeadm_control_planes)
            }
            ("infrastructure.cluster.x-k8s.io", "AWSMachineTemplate") => take!(machine_templates),
            ("cluster.x-k8s.io", "MachineDeployment") => take!(machine_deployments),
            ("bootstrap.cluster.x-k8s.io", "KubeadmConfigTemplate") => {
                take!(kubeadm_config_templates)
            }
            (g, k) if NOT_BUILT.contains(&(g, k)) => {
                self.not_built.push((format!("{kind}/{name}"), source));
            }
            _ => self.ignored.push(format!("{kind}/{name}")),
        }
        Ok(())
    }
}

/// Kinds that ask CAPA or Cluster API for machines or managed compute the
/// provisioner does not make; each gets a finding rather than silence.
pub const NOT_BUILT: &[(&str, &str)] = &[
    ("cluster.x-k8s.io", "Machine"),
    ("cluster.x-k8s.io", "MachineSet"),
    ("cluster.x-k8s.io", "MachinePool"),
    ("infrastructure.cluster.x-k8s.io", "AWSMachine"),
    ("infrastructure.cluster.x-k8s.io", "AWSMachinePool"),
    ("infrastructure.cluster.x-k8s.io", "AWSManagedMachinePool"),
    ("infrastructure.cluster.x-k8s.io", "AWSFargateProfile"),
    ("infrastructure.cluster.x-k8s.io", "ROSAMachinePool"),
];

/// Splits a YAML stream at `---` lines; yields (1-based start line, text).
/// A document keeps its own lines so locations inside it map back by offset.
pub(crate) fn split_documents(text: &str) -> Vec<(usize, &str)> {
    let mut docs = Vec::new();
    let mut start_byte = 0;
    let mut start_line = 1;
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim_end();
        let is_marker = trimmed == "---"
            || trimmed.starts_with("--- ")
            || trimmed.starts_with("---\t")
            || trimmed == "...";
        if is_marker {
            docs.push((start_line, &text[start_byte..offset]));
            start_byte = offset + line.len();
            start_line = i + 2;
        }
        offset += line.len();
    }
    docs.push((start_line, &text[start_byte..]));
    docs.into_iter()
        .filter(|(_, d)| {
            d.lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        })
        .collect()
}

/// Decodes one document; `None` for a document whose root is null.
fn decode<T: DeserializeOwned>(
    doc: &str,
    file: &str,
    start_line: usize,
) -> Result<Option<T>, LoadError> {
    let mut path: Option<String> = None;
    let result = serde_saphyr::with_deserializer_from_str(doc, |de| {
        serde_path_to_error::deserialize::<_, Option<T>>(de).map_err(|e| {
            let p = e.path().to_string();
            if p != "." && p != "?" {
                path = Some(p);
            }
            e.into_inner()
        })
    });
    result.map_err(|e| {
        let (line, column) = e
            .location()
            .map_or((0, 0), |l| (l.line() as usize, l.column() as usize));
        LoadError::Yaml {
            file: file.to_owned(),
            line: start_line + line.saturating_sub(1),
            column,
            path,
            message: first_line(&e.without_snippet().to_string()),
        }
    })
}

/// The error's message without saphyr's location suffix and code frame.
fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    match line.rfind(" at line ") {
        Some(i) => line[..i].to_owned(),
        None => line.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Manifests, LoadError> {
        Manifests::load_str(text, "test.yaml", &Vars::only(Default::default()))
    }

    #[test]
    fn splits_and_decodes_known_kinds() {
        let m = load(
            "# leading comment\n---\napiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nmetadata:\n  name: c1\nspec:\n  clusterNetwork:\n    pods:\n      cidrBlocks: [fd01::/48]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n---\napiVersion: infrastructure.cluster.x-k8s.io/v1beta2\nkind: AWSCluster\nmetadata:\n  name: c1\nspec:\n  unknownField: 1\n  network:\n    vpc:\n      ipv6: {}\n",
        )
        .unwrap();
        assert_eq!(m.clusters.len(), 1);
        assert_eq!(m.clusters[0].source.line, 3);
        assert_eq!(m.ignored, ["ConfigMap/cm"]);
        assert_eq!(m.aws_clusters[0].source.line, 17);
        assert!(m.aws_clusters[0].object.spec.network.vpc.ipv6.is_some());
    }

    #[test]
    fn errors_carry_file_line_column_and_path() {
        let e = load(
            "apiVersion: v1\nkind: Other\n---\napiVersion: infrastructure.cluster.x-k8s.io/v1beta2\nkind: AWSCluster\nmetadata:\n  name: c\nspec:\n  network:\n    subnets:\n    - id: a\n    - id: b\n      isIpv6: maybe\n",
        )
        .unwrap_err();
        let LoadError::Yaml {
            line, path, file, ..
        } = &e
        else {
            panic!("{e}")
        };
        assert_eq!(file, "test.yaml");
        assert_eq!(*line, 13, "{e}");
        assert_eq!(
            path.as_deref(),
            Some("spec.network.subnets[1].isIpv6"),
            "{e}"
        );
        assert!(e.to_string().starts_with("test.yaml:13:"), "{e}");
    }

    #[test]
    fn syntax_errors_have_a_location() {
        let e = load("apiVersion: cluster.x-k8s.io/v1beta1\nkind: Cluster\nspec: [unclosed\n")
            .unwrap_err();
        assert!(matches!(e, LoadError::Yaml { line: 3.., .. }), "{e}");
    }

    #[test]
    fn unset_variables_are_listed() {
        let e = load("a: ${ONE}\nb: ${TWO}\n").unwrap_err();
        let text = e.to_string();
        assert!(text.contains("ONE (first used on line 1)"), "{text}");
        assert!(text.contains("TWO (first used on line 2)"), "{text}");
    }
}

#[cfg(test)]
mod properties {
    //! Arbitrary input never panics the manifest reader or anything after
    //! it; a YAML error always points inside the input.

    use proptest::prelude::*;

    use super::*;
    use crate::facts::Facts;
    use crate::model::ClusterModel;

    const EXAMPLE: &str = include_str!("../../../examples/ipv6-cluster.yaml");

    fn vars() -> Vars {
        Vars::only(Default::default())
    }

    /// Load, then everything the pure pipeline does with the result.
    fn exercise(text: &str) -> Result<(), TestCaseError> {
        match Manifests::load_str(text, "p.yaml", &vars()) {
            Ok(m) => {
                if let Ok(model) = ClusterModel::from_manifests(&m) {
                    let facts = Facts::default();
                    let (subnets, _) = crate::layout::subnets(&model, &facts);
                    let _ = crate::validate::validate(&model, &facts, &subnets, None);
                    let _ = crate::plan::plan(&model, &subnets, "us-east-1", &Default::default());
                    let _ = crate::render::render(&model);
                }
            }
            Err(LoadError::Yaml { line, .. }) => {
                // YAML breaks lines at CR LF, CR and LF alike.
                let lines = text
                    .replace("\r\n", "\n")
                    .replace('\r', "\n")
                    .lines()
                    .count()
                    .max(1);
                prop_assert!(line >= 1 && line <= lines + 1, "line {line} of {lines}");
            }
            Err(_) => {}
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

        #[test]
        fn arbitrary_text_never_panics(text in "(?s).{0,400}") {
            exercise(&text)?;
        }

        /// The example manifest with a run of bytes replaced: mostly
        /// well-formed YAML with one wrong value, the interesting case.
        #[test]
        fn mutated_manifests_never_panic(at in 0usize..3000, cut in 0usize..12, insert in "[ -~\n]{0,16}") {
            let at = at.min(EXAMPLE.len());
            let end = (at + cut).min(EXAMPLE.len());
            if EXAMPLE.is_char_boundary(at) && EXAMPLE.is_char_boundary(end) {
                let text = format!("{}{insert}{}", &EXAMPLE[..at], &EXAMPLE[end..]);
                exercise(&text)?;
            }
        }
    }
}
