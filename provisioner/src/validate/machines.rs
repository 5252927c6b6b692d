//! The machines' rules: instance types (IPv6 support, Nitro in IPv6-only
//! subnets), subnets, primary IPv6, hostnames and the metadata service.

use std::collections::BTreeSet;

use super::{Rule, V};
use crate::layout::{machine_subnets, worker_subnet};
use crate::model::{Family, Machines};

/// Every machine's key pair exists in the region: RunInstances refuses an
/// unknown `KeyName` (`InvalidKeyPair.NotFound`), after the network is
/// built. One finding per object that names the missing key.
pub(super) fn key_pair_rules(v: &mut V<'_>) {
    let model = v.model;
    let region = v.region.or(model.region.as_deref()).unwrap_or("the region");
    let missing = |name: &str| v.facts.key_pairs.get(name) == Some(&false);
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for m in model.control_plane.iter().chain(&model.workers) {
        let Some(name) = model.machine_key_name(Some(&m.spec)) else {
            continue;
        };
        if !missing(name) {
            continue;
        }
        if m.spec.ssh_key_name.is_some() {
            if seen.insert(m.object.clone()) {
                out.push((
                    m.object.clone(),
                    m.source.clone(),
                    "spec.template.spec.sshKeyName",
                    key_pair_message(name, region, "its machines"),
                ));
            }
        } else if seen.insert(model.infra_object.clone()) {
            out.push(cluster_key_finding(model, name, region));
        }
    }
    if model.bastion.is_some()
        && let Some(name) = model.machine_key_name(None)
        && missing(name)
        && seen.insert(model.infra_object.clone())
    {
        out.push(cluster_key_finding(model, name, region));
    }
    for (object, source, path, message) in out {
        v.push(
            Rule::SshKeyPairNotFound,
            &object,
            source.as_ref(),
            path,
            message,
        );
    }
}

/// A machine without `ami.id` needs an image CAPA's default lookup finds
/// (`ec2.defaultAMIIDLookup`: the machine fails with "failed to find ami"
/// after the network is built). One finding per lookup that found none.
pub(super) fn image_rules(v: &mut V<'_>) {
    let model = v.model;
    let mut told = BTreeSet::new();
    for m in model.control_plane.iter().chain(&model.workers) {
        let Some(itype) = m.image_lookup_key() else {
            continue;
        };
        if let Some(f) = v.facts.images.get(itype)
            && f.image_id.is_none()
            && told.insert(m.object.clone())
        {
            let message = format!(
                "no image for these machines: spec.template.spec.ami.id is not set, and CAPA's \
                default lookup (DescribeImages: {}) finds none; set ami.id, or pass --ami",
                f.lookup
            );
            let (object, source) = (m.object.clone(), m.source.clone());
            v.push(
                Rule::MachineImageNotFound,
                &object,
                source.as_ref(),
                "spec.template.spec.ami.id",
                message,
            );
        }
    }
    if let Some(f) = v.facts.images.get("bastion")
        && f.image_id.is_none()
    {
        let message = format!(
            "no image for the bastion: CAPA's bastion lookup (DescribeImages: {}) finds none; \
            set spec.bastion.ami, or pass --ami",
            f.lookup
        );
        v.infra(Rule::MachineImageNotFound, "spec.bastion.ami", message);
    }
}

type KeyFinding = (String, Option<crate::spec::Source>, &'static str, String);

fn cluster_key_finding(model: &crate::model::ClusterModel, name: &str, region: &str) -> KeyFinding {
    let whose = if model.ssh_key_name.is_some() {
        key_pair_message(name, region, "the cluster's machines")
    } else {
        format!(
            "no sshKeyName is set, so CAPA launches the machines with the key pair \
            '{name}', which {region} does not have; create or import it there, or set \
            spec.sshKeyName (\"\" for no key)"
        )
    };
    (
        model.infra_object.clone(),
        model.infra_source.clone(),
        "spec.sshKeyName",
        whose,
    )
}

fn key_pair_message(name: &str, region: &str, whose: &str) -> String {
    format!(
        "the key pair '{name}' does not exist in {region}, so RunInstances refuses \
        {whose} (InvalidKeyPair.NotFound); create or import it there, or name one that \
        exists (\"\" for no key)"
    )
}

pub(super) fn machine_rules(v: &mut V<'_>) {
    let model = v.model;
    let mut groups: Vec<Machines> = Vec::new();
    groups.extend(model.control_plane.clone());
    groups.extend(model.workers.iter().cloned());
    let mut seen = BTreeSet::new();
    for m in groups {
        if !seen.insert((m.object.clone(), m.deployment.clone())) {
            continue;
        }
        let subnets = match &m.deployment {
            None => machine_subnets(Some(&m), v.subnets),
            Some(d) => {
                let one: Vec<_> = worker_subnet(&m, v.all_subnets).into_iter().collect();
                let given = m.spec.subnet.as_ref().and_then(|s| s.id.as_deref());
                if one.is_empty() && given.is_none() && m.replicas > 0 && !v.all_subnets.is_empty()
                {
                    no_worker_subnet(v, d, m.failure_domain.as_deref());
                }
                one.into_iter()
                    .filter(|s| v.subnets.iter().any(|k| k.key == s.key))
                    .collect()
            }
        };
        if let Some(id) = m.spec.subnet.as_ref().and_then(|s| s.id.as_deref())
            && subnets.is_empty()
            && !v.subnets.is_empty()
        {
            v.push(
                Rule::MachineSubnetNotFound,
                &m.object,
                m.source.as_ref(),
                "spec.template.spec.subnet.id",
                format!("no subnet '{id}' among the cluster's subnets"),
            );
        }
        let path = |f: &str| format!("spec.template.spec.{f}");
        let has_v6 = subnets.iter().any(|s| s.family.has_ipv6());
        let v6_only = subnets
            .iter()
            .find(|s| s.family == Family::Ipv6Only)
            .map(|s| s.key.clone());
        match m.spec.assign_primary_ipv6.as_deref() {
            Some("enabled") if !model.ipv6() => v.push(
                Rule::MachinePrimaryIpv6WithoutVpcIpv6,
                &m.object,
                m.source.as_ref(),
                path("assignPrimaryIPv6"),
                "cannot enable PrimaryIPv6: VPC does not have IPv6 enabled; set \
                spec.network.vpc.ipv6 or remove assignPrimaryIPv6",
            ),
            Some("enabled") => {
                if let Some(s) = subnets.iter().find(|s| !s.family.has_ipv6()) {
                    v.push(
                        Rule::MachinePrimaryIpv6SubnetWithoutIpv6,
                        &m.object,
                        m.source.as_ref(),
                        path("assignPrimaryIPv6"),
                        format!(
                            "cannot enable PrimaryIPv6: subnet {} does not have IPv6 CIDR \
                        block",
                            s.key
                        ),
                    );
                }
            }
            _ => {}
        }
        if let Some(s) = &v6_only {
            let hostname = m
                .spec
                .private_dns_name
                .as_ref()
                .and_then(|p| p.hostname_type.as_deref());
            if hostname == Some("ip-name") {
                v.push(
                    Rule::MachineHostnameIpv6Only,
                    &m.object,
                    m.source.as_ref(),
                    path("privateDnsName.hostnameType"),
                    format!(
                        "machines in the IPv6-only subnet {s} must use hostnameType: \
                    resource-name (ip-name needs an IPv4 address)"
                    ),
                );
            }
            let imds_v6 = m
                .spec
                .instance_metadata_options
                .as_ref()
                .and_then(|o| o.http_protocol_ipv6.as_deref());
            if imds_v6 != Some("enabled") {
                v.push(
                    Rule::MachineMetadataIpv6Only,
                    &m.object,
                    m.source.as_ref(),
                    path("instanceMetadataOptions.httpProtocolIpv6"),
                    format!(
                        "machines in the IPv6-only subnet {s} reach the instance \
                    metadata service only over IPv6: set \
                    instanceMetadataOptions.httpProtocolIpv6: enabled"
                    ),
                );
            }
        }
        let Some(itype) = m.spec.instance_type.clone() else {
            continue;
        };
        if !v.facts.instance_types.contains_key(&itype) {
            continue; // not looked up: no facts
        }
        match v.facts.instance_types.get(&itype).cloned().flatten() {
            None => v.push(
                Rule::InstanceTypeUnknown,
                &m.object,
                m.source.as_ref(),
                path("instanceType"),
                format!("the instance type '{itype}' does not exist in this region"),
            ),
            Some(t) => {
                if let Some(offered) = &t.zones
                    && let Some(zone) = subnets
                        .iter()
                        .filter_map(|s| s.availability_zone.as_deref())
                        .find(|z| !offered.iter().any(|o| o == z))
                {
                    let others = if offered.is_empty() {
                        "no zone of the region offers it".to_owned()
                    } else {
                        format!("the zones that do: {}", offered.join(", "))
                    };
                    v.push(
                        Rule::InstanceTypeNotOffered,
                        &m.object,
                        m.source.as_ref(),
                        path("instanceType"),
                        format!(
                            "{itype} is not offered in {zone}, where these machines go \
                            ({others}); pick another type or zone"
                        ),
                    );
                }
                if has_v6 && !t.ipv6_supported {
                    v.push(
                        Rule::InstanceTypeNoIpv6,
                        &m.object,
                        m.source.as_ref(),
                        path("instanceType"),
                        format!(
                            "{itype} does not support IPv6, and these machines go in subnets \
                        with IPv6; pick a type with NetworkInfo.Ipv6Supported=true \
                        (provisioner instance-types lists them)"
                        ),
                    );
                } else if let Some(s) = &v6_only
                    && !t.nitro
                {
                    v.push(
                        Rule::InstanceTypeNotNitro,
                        &m.object,
                        m.source.as_ref(),
                        path("instanceType"),
                        format!(
                            "{itype} is not Nitro-based (hypervisor {}), and only Nitro \
                        instances launch in the IPv6-only subnet {s}; pick a Nitro type \
                        such as m5.large",
                            t.hypervisor.as_deref().unwrap_or("-")
                        ),
                    );
                }
            }
        }
    }
}

/// CAPA's `findSubnet` fails a MachineDeployment's machine when no private
/// subnet is in its failure domain (or the cluster has none at all).
fn no_worker_subnet(v: &mut V<'_>, deployment: &str, zone: Option<&str>) {
    let (path, message) = match zone {
        Some(z) => (
            "spec.template.spec.failureDomain",
            format!(
                "failed to run machine, no subnets available in availability zone \
                {z:?}: CAPA puts a worker in a private subnet of its failure domain; \
                add a private subnet in {z} or change failureDomain"
            ),
        ),
        None => (
            "spec.template.spec",
            "failed to run machine, no subnets available: CAPA puts a worker in \
            the cluster's first private subnet, and there is none; add a private \
            subnet or give the template a subnet"
                .to_owned(),
        ),
    };
    v.push(
        Rule::WorkerNoSubnet,
        &format!("MachineDeployment/{deployment}"),
        None,
        path,
        message,
    );
}
