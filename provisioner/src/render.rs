//! The Kubernetes-side artifacts the seed asks for, as YAML:
//!
//! - the `cloud-config` ConfigMap that sets the CCM's `NodeIPFamilies`, in
//!   the cluster's family order (the first pod CIDR's family first), so
//!   nodes and hostNetwork pods get their IPv6 addresses;
//! - the CCM DaemonSet fragment that mounts it and passes `--cloud-config`;
//! - for IPv6-only clusters, the CoreDNS `forward` line with Route 53's IPv6
//!   resolver `fd00:ec2::253` first (the node's resolv.conf may list IPv4
//!   resolvers only).

use ipnet::IpNet;
use serde::Serialize;

use crate::model::{ClusterModel, Flavor, subnet_family};

/// The cluster's Kubernetes IP families, primary first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IpFamily {
    Ipv4,
    Ipv6,
}

impl IpFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            IpFamily::Ipv4 => "ipv4",
            IpFamily::Ipv6 => "ipv6",
        }
    }
}

/// The Kubernetes families from the pod CIDRs (else the service CIDRs),
/// in order; IPv4 when neither is given. EKS with IPv6 is IPv6-only.
pub fn kubernetes_families(model: &ClusterModel) -> Vec<IpFamily> {
    if model.flavor == Flavor::Eks {
        return vec![if model.ipv6() {
            IpFamily::Ipv6
        } else {
            IpFamily::Ipv4
        }];
    }
    let cidrs = if model.pod_cidrs().is_empty() {
        model.service_cidrs()
    } else {
        model.pod_cidrs()
    };
    let mut out = Vec::new();
    for c in cidrs {
        let f = match c.trim().parse::<IpNet>() {
            Ok(IpNet::V4(_)) => IpFamily::Ipv4,
            Ok(IpNet::V6(_)) => IpFamily::Ipv6,
            Err(_) => continue,
        };
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        out.push(IpFamily::Ipv4);
    }
    out
}

/// Whether the nodes' subnets (the private ones, else all) have IPv4.
/// The default layout and BYO subnets (whose families only AWS knows) are
/// dualstack when the VPC has IPv6.
fn nodes_have_ipv4(model: &ClusterModel) -> bool {
    let subnets = &model.network.subnets;
    if !model.ipv6() || subnets.is_empty() || model.byo_vpc().is_some() {
        return true;
    }
    let private: Vec<_> = subnets.iter().filter(|s| !s.is_public).collect();
    let pool: Vec<_> = if private.is_empty() {
        subnets.iter().collect()
    } else {
        private
    };
    pool.into_iter().any(|s| subnet_family(s).has_ipv4())
}

/// The CCM's NodeIPFamilies: the cluster's families in order; an IPv6
/// cluster whose nodes also have IPv4 (dualstack subnets) lists ipv4 after
/// ipv6, as CAPA's IPv6 template does, so nodes report both addresses.
pub fn families(model: &ClusterModel) -> Vec<IpFamily> {
    let mut out = kubernetes_families(model);
    if out.contains(&IpFamily::Ipv6) && !out.contains(&IpFamily::Ipv4) && nodes_have_ipv4(model) {
        out.push(IpFamily::Ipv4);
    }
    out
}

/// The cloud-config file's content.
pub fn cloud_config(families: &[IpFamily]) -> String {
    let mut s = String::from("[Global]\n");
    for f in families {
        s.push_str("NodeIPFamilies=");
        s.push_str(f.as_str());
        s.push('\n');
    }
    s
}

/// What `render --output json|yaml` prints: the same artifacts as data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rendered {
    pub cluster: String,
    /// The CCM's node IP families, in order.
    pub node_ip_families: Vec<IpFamily>,
    /// The `cloud-config` ConfigMap.
    pub config_map: serde_json::Value,
    /// What the aws-cloud-controller-manager DaemonSet needs: the flag, the
    /// mount and the volume.
    pub daemonset_patch: serde_json::Value,
    /// For IPv6-only self-managed clusters: the CoreDNS `forward` line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coredns_forward: Option<String>,
    /// For IPv6-primary self-managed clusters: the kubeadm settings each
    /// configuration lacks, as YAML to merge into it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kubeadm_patches: Vec<KubeadmPatch>,
}

/// What to merge into one kubeadm configuration (see [`crate::kubeadm`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KubeadmPatch {
    /// `KubeadmControlPlane/<name>` or `KubeadmConfigTemplate/<name>`.
    pub object: String,
    /// Where the object is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// YAML from the object's root.
    pub yaml: String,
}

/// The kubeadm patches of an IPv6-primary self-managed cluster.
pub fn kubeadm_patches(model: &ClusterModel) -> Vec<KubeadmPatch> {
    if model.flavor != Flavor::SelfManaged
        || kubernetes_families(model).first() != Some(&IpFamily::Ipv6)
    {
        return Vec::new();
    }
    model
        .kubeadm
        .iter()
        .filter_map(|k| {
            Some(KubeadmPatch {
                object: k.object.clone(),
                source: k.source.as_ref().map(|s| s.to_string()),
                yaml: k.patch()?,
            })
        })
        .collect()
}

/// The artifacts of [`render`], as data.
pub fn rendered(model: &ClusterModel) -> Rendered {
    let fams = families(model);
    Rendered {
        cluster: model.name.clone(),
        config_map: serde_json::json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "cloud-config", "namespace": "kube-system"},
            "data": {"cloud-config.conf": cloud_config(&fams)},
        }),
        daemonset_patch: serde_json::json!({
            "spec": {"template": {"spec": {
                "containers": [{
                    "name": "aws-cloud-controller-manager",
                    "args": ["--cloud-config=/etc/kubernetes/cloud-config.conf"],
                    "volumeMounts": [{
                        "name": "cloud-config",
                        "mountPath": "/etc/kubernetes/cloud-config.conf",
                        "subPath": "cloud-config.conf",
                    }],
                }],
                "volumes": [{"name": "cloud-config", "configMap": {"name": "cloud-config"}}],
            }}}
        }),
        coredns_forward: (kubernetes_families(model) == [IpFamily::Ipv6]
            && model.flavor == Flavor::SelfManaged)
            .then(|| "forward . fd00:ec2::253 /etc/resolv.conf".to_owned()),
        kubeadm_patches: kubeadm_patches(model),
        node_ip_families: fams,
    }
}

/// Everything `provisioner render` prints.
pub fn render(model: &ClusterModel) -> String {
    let fams = families(model);
    let mut out = String::new();
    out.push_str(&format!(
        "# Kubernetes-side configuration for cluster {} ({}).\n",
        model.name,
        fams.iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(" + ")
    ));
    out.push_str("# 1. Cloud Controller Manager node IP families (apply it, or add it to the\n#    cloud-controller-manager-addon ClusterResourceSet).\n");
    out.push_str("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cloud-config\n  namespace: kube-system\ndata:\n  cloud-config.conf: |\n");
    for line in cloud_config(&fams).lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("---\n");
    out.push_str("# 2. In the aws-cloud-controller-manager DaemonSet: the mount and the flag.\n");
    out.push_str(
        "spec:\n  template:\n    spec:\n      containers:\n      - name: aws-cloud-controller-manager\n        args:\n        - --cloud-config=/etc/kubernetes/cloud-config.conf\n        volumeMounts:\n        - name: cloud-config\n          mountPath: /etc/kubernetes/cloud-config.conf\n          subPath: cloud-config.conf\n      volumes:\n      - name: cloud-config\n        configMap:\n          name: cloud-config\n",
    );
    if kubernetes_families(model) == [IpFamily::Ipv6] && model.flavor == Flavor::SelfManaged {
        out.push_str("---\n");
        out.push_str("# 3. CoreDNS: an IPv6-only cluster's resolv.conf may list IPv4 resolvers only;\n#    forward to Route 53's IPv6 resolver first. In the coredns ConfigMap's Corefile,\n#    replace `forward . /etc/resolv.conf` with:\n");
        out.push_str("coredns-corefile-forward: forward . fd00:ec2::253 /etc/resolv.conf\n");
    }
    for p in kubeadm_patches(model) {
        out.push_str("---\n");
        // The object names it; where it is written is in the data form.
        out.push_str(&format!(
            "# kubeadm on an IPv6-primary cluster: merge into {}\n#    what CAPA's IPv6 templates set and it lacks (kubeadm-ipv6-settings).\n",
            p.object
        ));
        out.push_str(&p.yaml);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_config_lists_families_in_order() {
        assert_eq!(
            cloud_config(&[IpFamily::Ipv6, IpFamily::Ipv4]),
            "[Global]\nNodeIPFamilies=ipv6\nNodeIPFamilies=ipv4\n"
        );
        assert_eq!(
            cloud_config(&[IpFamily::Ipv4]),
            "[Global]\nNodeIPFamilies=ipv4\n"
        );
    }
}
