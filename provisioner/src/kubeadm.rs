//! kubeadm's IPv6 settings. A cluster whose primary family is IPv6 (its
//! first pod CIDR) needs what CAPA's IPv6 templates set in the
//! KubeadmControlPlane and in the workers' KubeadmConfigTemplates: the
//! controller manager and the scheduler bound to `::`, the kubelets'
//! `node-ip: "::"` (so they pick their IPv6 address on dualstack
//! instances), and the API server advertised on an IPv6 address. What is
//! missing is a finding (`kubeadm-ipv6-settings`) and the YAML to add is
//! what `provisioner render` prints.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::Ipv6Addr;

use serde::Serialize;

use crate::spec::Source;
use crate::spec::types::KubeadmConfigSpec;

/// One kubeadm configuration of the cluster, as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KubeadmConfig {
    /// `KubeadmControlPlane/<name>` or `KubeadmConfigTemplate/<name>`.
    pub object: String,
    pub source: Option<Source>,
    /// `extraArgs` are a map in v1beta1 and a list of `{name, value}` from
    /// v1beta2 on: the YAML to add follows the object's version.
    pub api_version: String,
    /// The control plane's (`spec.kubeadmConfigSpec`, with init and
    /// control-plane join settings) or a worker template's
    /// (`spec.template.spec`, join settings only).
    pub control_plane: bool,
    pub spec: KubeadmConfigSpec,
}

/// One setting an IPv6 cluster needs and this configuration lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Missing {
    /// Where it goes, below the configuration's root
    /// (`clusterConfiguration.controllerManager.extraArgs`).
    pub path: &'static str,
    /// An argument name, or a field (`advertiseAddress`).
    pub key: &'static str,
    /// What it is now, if anything (an IPv4 address, say).
    pub have: Option<String>,
    /// Whether `key` is an entry of an `extraArgs`-style list or map.
    pub arg: bool,
}

/// The value CAPA's IPv6 templates give every one of these settings.
pub const ANY_IPV6: &str = "::";

impl KubeadmConfig {
    /// The field that holds the configuration in its object.
    pub fn root(&self) -> &'static str {
        if self.control_plane {
            "spec.kubeadmConfigSpec"
        } else {
            "spec.template.spec"
        }
    }

    fn list_args(&self) -> bool {
        !self.api_version.ends_with("/v1beta1")
    }

    /// The IPv6 settings this configuration lacks, in CAPA's template order.
    pub fn missing(&self) -> Vec<Missing> {
        let s = &self.spec;
        let mut want: Vec<(&'static str, &'static str, Option<String>, bool)> = Vec::new();
        if self.control_plane {
            let cc = &s.cluster_configuration;
            want.push((
                "clusterConfiguration.controllerManager.extraArgs",
                "bind-address",
                arg(&cc.controller_manager.extra_args, "bind-address"),
                true,
            ));
            want.push((
                "clusterConfiguration.scheduler.extraArgs",
                "bind-address",
                arg(&cc.scheduler.extra_args, "bind-address"),
                true,
            ));
            want.push((
                "initConfiguration.nodeRegistration.kubeletExtraArgs",
                "node-ip",
                arg(
                    &s.init_configuration.node_registration.kubelet_extra_args,
                    "node-ip",
                ),
                true,
            ));
            want.push((
                "initConfiguration.localAPIEndpoint",
                "advertiseAddress",
                s.init_configuration
                    .local_api_endpoint
                    .advertise_address
                    .clone(),
                false,
            ));
        }
        want.push((
            "joinConfiguration.nodeRegistration.kubeletExtraArgs",
            "node-ip",
            arg(
                &s.join_configuration.node_registration.kubelet_extra_args,
                "node-ip",
            ),
            true,
        ));
        if self.control_plane {
            want.push((
                "joinConfiguration.controlPlane.localAPIEndpoint",
                "advertiseAddress",
                s.join_configuration
                    .control_plane
                    .as_ref()
                    .and_then(|c| c.local_api_endpoint.advertise_address.clone()),
                false,
            ));
        }
        want.into_iter()
            .filter(|(_, _, have, _)| {
                have.as_deref()
                    .is_none_or(|v| v.trim().parse::<Ipv6Addr>().is_err())
            })
            .map(|(path, key, have, arg)| Missing {
                path,
                key,
                have,
                arg,
            })
            .collect()
    }

    /// One missing setting as the flow-style YAML to add at its path.
    pub fn addition(&self, m: &Missing) -> String {
        if m.arg && self.list_args() {
            format!("{}: [{{name: {}, value: \"{ANY_IPV6}\"}}]", m.path, m.key)
        } else {
            format!("{}: {{{}: \"{ANY_IPV6}\"}}", m.path, m.key)
        }
    }

    /// The missing settings as one block of YAML from the object's root,
    /// to merge into the object (`None` when nothing is missing).
    pub fn patch(&self) -> Option<String> {
        let missing = self.missing();
        if missing.is_empty() {
            return None;
        }
        let mut tree = Tree::default();
        for m in &missing {
            let mut node = &mut tree;
            for part in self.root().split('.').chain(m.path.split('.')) {
                node = node.children.entry(part.to_owned()).or_default();
            }
            node.leaves.push(m.key.to_owned());
            node.list = m.arg && self.list_args();
        }
        let mut out = String::new();
        tree.write(&mut out, 0);
        Some(out)
    }
}

/// A YAML mapping being built: children by key, and at the leaves the
/// settings (as a map, or as an `extraArgs` list).
#[derive(Default)]
struct Tree {
    children: BTreeMap<String, Tree>,
    leaves: Vec<String>,
    list: bool,
}

impl Tree {
    fn write(&self, out: &mut String, depth: usize) {
        let pad = "  ".repeat(depth);
        for key in &self.leaves {
            if self.list {
                let _ = writeln!(out, "{pad}- name: {key}\n{pad}  value: \"{ANY_IPV6}\"");
            } else {
                let _ = writeln!(out, "{pad}{key}: \"{ANY_IPV6}\"");
            }
        }
        for (key, child) in &self.children {
            let _ = writeln!(out, "{pad}{key}:");
            child.write(out, depth + 1);
        }
    }
}

/// An `extraArgs` entry, written as a v1beta1 map or a v1beta2 list.
pub fn arg(args: &serde_json::Value, name: &str) -> Option<String> {
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Null => None,
        other => Some(other.to_string()),
    };
    match args {
        serde_json::Value::Object(map) => map.get(name).and_then(text),
        serde_json::Value::Array(items) => items
            .iter()
            .find(|i| i.get("name").and_then(|n| n.as_str()) == Some(name))
            .and_then(|i| i.get("value"))
            .and_then(text),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(api_version: &str, control_plane: bool, spec: serde_json::Value) -> KubeadmConfig {
        KubeadmConfig {
            object: "KubeadmControlPlane/cp".into(),
            source: None,
            api_version: api_version.into(),
            control_plane,
            spec: serde_json::from_value(spec).expect("a KubeadmConfigSpec"),
        }
    }

    /// Both forms of `extraArgs` are read.
    #[test]
    fn extra_args_as_map_or_list() {
        let map = serde_json::json!({"bind-address": "::", "v": 2});
        assert_eq!(arg(&map, "bind-address").as_deref(), Some("::"));
        assert_eq!(arg(&map, "v").as_deref(), Some("2"));
        let list = serde_json::json!([{"name": "node-ip", "value": "::"}]);
        assert_eq!(arg(&list, "node-ip").as_deref(), Some("::"));
        assert_eq!(arg(&list, "bind-address"), None);
        assert_eq!(arg(&serde_json::Value::Null, "node-ip"), None);
    }

    /// An empty control-plane configuration lacks all six; CAPA's IPv6
    /// template's has none missing; an IPv4 value counts as missing.
    #[test]
    fn what_is_missing() {
        let empty = config(
            "controlplane.cluster.x-k8s.io/v1beta1",
            true,
            serde_json::json!({}),
        );
        let keys: Vec<String> = empty
            .missing()
            .iter()
            .map(|m| format!("{}.{}", m.path, m.key))
            .collect();
        assert_eq!(
            keys,
            [
                "clusterConfiguration.controllerManager.extraArgs.bind-address",
                "clusterConfiguration.scheduler.extraArgs.bind-address",
                "initConfiguration.nodeRegistration.kubeletExtraArgs.node-ip",
                "initConfiguration.localAPIEndpoint.advertiseAddress",
                "joinConfiguration.nodeRegistration.kubeletExtraArgs.node-ip",
                "joinConfiguration.controlPlane.localAPIEndpoint.advertiseAddress",
            ]
        );
        let capa = config(
            "controlplane.cluster.x-k8s.io/v1beta1",
            true,
            serde_json::json!({
                "clusterConfiguration": {
                    "controllerManager": {"extraArgs": {"bind-address": "::"}},
                    "scheduler": {"extraArgs": {"bind-address": "::"}},
                },
                "initConfiguration": {
                    "nodeRegistration": {"kubeletExtraArgs": {"node-ip": "::"}},
                    "localAPIEndpoint": {"advertiseAddress": "::"},
                },
                "joinConfiguration": {
                    "nodeRegistration": {"kubeletExtraArgs": {"node-ip": "::"}},
                    "controlPlane": {"localAPIEndpoint": {"advertiseAddress": "::"}},
                },
            }),
        );
        assert_eq!(capa.missing(), []);
        assert_eq!(capa.patch(), None);
        let v4 = config(
            "bootstrap.cluster.x-k8s.io/v1beta1",
            false,
            serde_json::json!({"joinConfiguration": {"nodeRegistration": {"kubeletExtraArgs": {"node-ip": "0.0.0.0"}}}}),
        );
        let m = v4.missing();
        assert_eq!(m.len(), 1, "{m:?}");
        assert_eq!(m[0].have.as_deref(), Some("0.0.0.0"));
    }

    /// The patch is YAML from the object's root, in the object's version.
    #[test]
    fn patch_follows_the_version() {
        let worker = |v: &str| config(v, false, serde_json::json!({}));
        assert_eq!(
            worker("bootstrap.cluster.x-k8s.io/v1beta1")
                .patch()
                .as_deref(),
            Some(
                "spec:\n  template:\n    spec:\n      joinConfiguration:\n        nodeRegistration:\n          kubeletExtraArgs:\n            node-ip: \"::\"\n"
            )
        );
        assert_eq!(
            worker("bootstrap.cluster.x-k8s.io/v1beta2")
                .patch()
                .as_deref(),
            Some(
                "spec:\n  template:\n    spec:\n      joinConfiguration:\n        nodeRegistration:\n          kubeletExtraArgs:\n            - name: node-ip\n              value: \"::\"\n"
            )
        );
        let w = worker("bootstrap.cluster.x-k8s.io/v1beta2");
        assert_eq!(
            w.addition(&w.missing()[0]),
            "joinConfiguration.nodeRegistration.kubeletExtraArgs: [{name: node-ip, value: \"::\"}]"
        );
    }
}
