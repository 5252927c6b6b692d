//! The model built from the manifests: which objects make the cluster,
//! and the findings when they do not fit together.

use super::*;

impl ClusterModel {
    /// Builds the model. Structural problems (no Cluster, a reference to a
    /// missing object) are findings with rule ids `manifest-*`.
    pub fn from_manifests(m: &Manifests) -> Result<Self, Vec<Finding>> {
        let err = |rule: Rule, object: String, message: String| {
            Finding::new(rule, object, "", message, None)
        };
        let cluster = match m.clusters.as_slice() {
            [one] => one,
            [] => {
                return Err(vec![err(
                    Rule::ManifestNoCluster,
                    "Cluster".into(),
                    "no Cluster (cluster.x-k8s.io) object found; the manifests must \
                        describe exactly one cluster"
                        .into(),
                )]);
            }
            many => {
                return Err(vec![err(
                    Rule::ManifestManyClusters,
                    "Cluster".into(),
                    format!(
                        "{} Cluster objects found ({}); give the manifests of one \
                            cluster at a time",
                        many.len(),
                        many.iter()
                            .map(|c| c.object.metadata.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )]);
            }
        };
        let name = cluster.object.metadata.name.clone();
        let namespace = cluster
            .object
            .metadata
            .namespace
            .clone()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".to_owned());
        let find_by_ref = |kind: &str, default_name: &str| -> Option<String> {
            [
                cluster.object.spec.infrastructure_ref.as_ref(),
                cluster.object.spec.control_plane_ref.as_ref(),
            ]
            .into_iter()
            .flatten()
            .find(|r| r.kind == kind)
            .map(|r| r.name.clone())
            .or_else(|| Some(default_name.to_owned()))
        };
        let cp_ref = cluster.object.spec.control_plane_ref.as_ref();
        let is_eks = cp_ref.is_some_and(|r| r.kind == "AWSManagedControlPlane")
            || (m.aws_clusters.is_empty() && !m.managed_control_planes.is_empty());

        let cluster_network = cluster
            .object
            .spec
            .cluster_network
            .clone()
            .unwrap_or_default();
        let mut findings = Vec::new();
        let model = if is_eks {
            let want = find_by_ref("AWSManagedControlPlane", &format!("{name}-control-plane"));
            let Some(mcp) = pick(&m.managed_control_planes, want.as_deref()) else {
                return Err(vec![err(
                    Rule::ManifestMissingControlPlane,
                    format!("Cluster/{name}"),
                    format!(
                        "the Cluster refers to AWSManagedControlPlane '{}', which is not \
                            in the manifests",
                        want.unwrap_or_default()
                    ),
                )]);
            };
            let spec = &mcp.object.spec;
            ClusterModel {
                name: name.clone(),
                namespace: namespace.clone(),
                flavor: Flavor::Eks,
                infra_object: format!("AWSManagedControlPlane/{}", mcp.object.metadata.name),
                infra_source: Some(mcp.source.clone()),
                region: spec.region.clone(),
                network: spec.network.clone(),
                load_balancer: None,
                secondary_load_balancer: None,
                cluster_network: cluster_network.clone(),
                control_plane: None,
                kubernetes_version: spec.version.clone(),
                workers: Vec::new(),
                eks: Some(Eks {
                    cluster_name: spec
                        .eks_cluster_name
                        .clone()
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| {
                            crate::names::capa_eks_name(&namespace, &mcp.object.metadata.name)
                        }),
                    version: spec.version.clone(),
                    addons: spec.addons.clone(),
                    role_name: spec.role_name.clone().filter(|r| !r.is_empty()),
                    endpoint_access: spec.endpoint_access.clone(),
                    restrict_private_subnets: spec.restrict_private_subnets,
                }),
                additional_tags: spec.additional_tags.clone(),
                bastion: None,
                ssh_key_name: spec.ssh_key_name.clone(),
                s3_bucket: None,
                feature_gates: FeatureGates::default(),
                kubeadm: Vec::new(),
                vpc_owned: false,
                manifest_findings: Vec::new(),
            }
        } else {
            let want = find_by_ref("AWSCluster", &name);
            let Some(ac) = pick(&m.aws_clusters, want.as_deref()) else {
                return Err(vec![err(
                    Rule::ManifestMissingInfrastructure,
                    format!("Cluster/{name}"),
                    format!(
                        "the Cluster refers to AWSCluster '{}', which is not in the manifests",
                        want.unwrap_or_default()
                    ),
                )]);
            };
            let spec = &ac.object.spec;
            let control_plane = m
                .kubeadm_control_planes
                .iter()
                .find(|k| {
                    cp_ref.is_none_or(|r| {
                        r.kind != "KubeadmControlPlane" || r.name == k.object.metadata.name
                    })
                })
                .map(|kcp| {
                    let template = kcp
                        .object
                        .spec
                        .machine_template
                        .as_ref()
                        .and_then(|t| t.infrastructure_ref.as_ref())
                        .map(|r| r.name.clone());
                    let replicas = kcp.object.spec.replicas.unwrap_or(1);
                    (kcp, template, replicas)
                });
            let mut kubeadm: Vec<crate::kubeadm::KubeadmConfig> = control_plane
                .iter()
                .map(|(kcp, _, _)| crate::kubeadm::KubeadmConfig {
                    object: format!("KubeadmControlPlane/{}", kcp.object.metadata.name),
                    source: Some(kcp.source.clone()),
                    api_version: kcp.api_version.clone(),
                    control_plane: true,
                    spec: kcp.object.spec.kubeadm_config_spec.clone(),
                })
                .collect();
            // The workers' bootstrap templates, each once, as the cluster's
            // MachineDeployments name them.
            for t in &m.kubeadm_config_templates {
                let used = m.machine_deployments.iter().any(|md| {
                    md.object
                        .spec
                        .cluster_name
                        .as_deref()
                        .is_none_or(|c| c == name)
                        && md
                            .object
                            .spec
                            .template
                            .spec
                            .bootstrap
                            .as_ref()
                            .and_then(|b| b.config_ref.as_ref())
                            .is_some_and(|r| {
                                r.kind == "KubeadmConfigTemplate"
                                    && r.name == t.object.metadata.name
                            })
                });
                if used {
                    kubeadm.push(crate::kubeadm::KubeadmConfig {
                        object: format!("KubeadmConfigTemplate/{}", t.object.metadata.name),
                        source: Some(t.source.clone()),
                        api_version: t.api_version.clone(),
                        control_plane: false,
                        spec: t.object.spec.template.spec.clone(),
                    });
                }
            }
            let control_plane = match control_plane {
                None => None,
                Some((kcp, template, replicas)) => {
                    match machines(m, template.as_deref(), replicas) {
                        Some(mach) => Some(mach),
                        None => {
                            findings.push(err(
                                Rule::ManifestMissingMachineTemplate,
                                format!("KubeadmControlPlane/{}", kcp.object.metadata.name),
                                format!(
                                    "spec.machineTemplate.infrastructureRef names AWSMachineTemplate \
                                        '{}', which is not in the manifests",
                                    template.unwrap_or_default()
                                ),
                            ));
                            None
                        }
                    }
                }
            };
            let kubernetes_version = m
                .kubeadm_control_planes
                .first()
                .and_then(|k| k.object.spec.version.clone());
            ClusterModel {
                name: name.clone(),
                namespace: namespace.clone(),
                flavor: Flavor::SelfManaged,
                infra_object: format!("AWSCluster/{}", ac.object.metadata.name),
                infra_source: Some(ac.source.clone()),
                region: spec.region.clone(),
                network: spec.network.clone(),
                load_balancer: Some(spec.control_plane_load_balancer.clone().unwrap_or_default()),
                secondary_load_balancer: spec.secondary_control_plane_load_balancer.clone(),
                cluster_network: cluster_network.clone(),
                control_plane,
                kubernetes_version,
                workers: Vec::new(),
                eks: None,
                additional_tags: spec.additional_tags.clone(),
                bastion: spec.bastion.clone().filter(|b| b.enabled),
                ssh_key_name: spec.ssh_key_name.clone(),
                s3_bucket: spec.s3_bucket.clone(),
                feature_gates: FeatureGates::default(),
                kubeadm,
                vpc_owned: false,
                manifest_findings: Vec::new(),
            }
        };
        let mut model = model;
        for md in &m.machine_deployments {
            if md
                .object
                .spec
                .cluster_name
                .as_deref()
                .is_some_and(|c| c != name)
            {
                continue;
            }
            let template = md
                .object
                .spec
                .template
                .spec
                .infrastructure_ref
                .as_ref()
                .filter(|r| r.kind == "AWSMachineTemplate")
                .map(|r| r.name.clone());
            if let Some(t) = template {
                match machines(m, Some(&t), md.object.spec.replicas.unwrap_or(1)) {
                    Some(mut w) => {
                        w.deployment = Some(md.object.metadata.name.clone());
                        w.failure_domain = md
                            .object
                            .spec
                            .template
                            .spec
                            .failure_domain
                            .clone()
                            .filter(|f| !f.is_empty());
                        model.workers.push(w);
                    }
                    None => findings.push(err(
                        Rule::ManifestMissingMachineTemplate,
                        format!("MachineDeployment/{}", md.object.metadata.name),
                        format!(
                            "spec.template.spec.infrastructureRef names AWSMachineTemplate \
                                '{t}', which is not in the manifests"
                        ),
                    )),
                }
            }
        }
        if findings.is_empty() {
            Ok(model)
        } else {
            Err(findings)
        }
    }
}

/// The object named `want`, else the only one.
fn pick<'a, T>(
    docs: &'a [crate::spec::Doc<T>],
    want: Option<&str>,
) -> Option<&'a crate::spec::Doc<T>>
where
    T: HasName,
{
    docs.iter()
        .find(|d| Some(d.object.name()) == want)
        .or_else(|| (docs.len() == 1).then(|| &docs[0]))
}

fn machines(m: &Manifests, template: Option<&str>, replicas: u32) -> Option<Machines> {
    let t = m
        .machine_templates
        .iter()
        .find(|t| Some(t.object.metadata.name.as_str()) == template)?;
    Some(Machines {
        object: format!("AWSMachineTemplate/{}", t.object.metadata.name),
        source: Some(t.source.clone()),
        replicas,
        deployment: None,
        failure_domain: None,
        spec: t.object.spec.template.spec.clone(),
    })
}

trait HasName {
    fn name(&self) -> &str;
}

impl HasName for crate::spec::types::AwsCluster {
    fn name(&self) -> &str {
        &self.metadata.name
    }
}

impl HasName for crate::spec::types::AwsManagedControlPlane {
    fn name(&self) -> &str {
        &self.metadata.name
    }
}
