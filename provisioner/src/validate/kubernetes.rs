//! Kubernetes' rules (pod and service CIDRs, their families), EKS's IPv6
//! rules, ingress rules and the CNI's rules.

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::{Fam, Rule, V};
use crate::layout::control_plane_subnets;
use crate::model::Flavor;
use crate::spec::types::IngressRule;

fn parse_k8s_cidrs(v: &mut V<'_>, what: &str, cidrs: &[String]) -> Vec<(Fam, IpNet)> {
    let mut out = Vec::new();
    for (i, c) in cidrs.iter().enumerate() {
        match c.trim().parse::<IpNet>() {
            Ok(n @ IpNet::V4(_)) => out.push((Fam::V4, n)),
            Ok(n @ IpNet::V6(_)) => out.push((Fam::V6, n)),
            Err(_) => {
                let object = format!("Cluster/{}", v.model.name);
                v.push(
                    Rule::K8sCidrInvalid,
                    &object,
                    None,
                    format!("spec.clusterNetwork.{what}.cidrBlocks[{i}]"),
                    format!("'{c}' is not a CIDR"),
                );
            }
        }
    }
    out
}

pub(super) fn kubernetes_rules(v: &mut V<'_>) {
    let model = v.model;
    if model.flavor == Flavor::Eks {
        return; // EKS picks its own pod and service ranges.
    }
    let object = format!("Cluster/{}", model.name);
    let pods = parse_k8s_cidrs(v, "pods", model.pod_cidrs());
    let services = parse_k8s_cidrs(v, "services", model.service_cidrs());
    for (what, list) in [("pods", &pods), ("services", &services)] {
        let path = format!("spec.clusterNetwork.{what}.cidrBlocks");
        if list.iter().any(|(f, _)| *f == Fam::V6) && !model.ipv6() {
            v.push(
                Rule::K8sIpv6NeedsVpcIpv6,
                &object,
                None,
                path.clone(),
                format!(
                    "IPv6 {what} CIDRs need a VPC with IPv6: set spec.network.vpc.ipv6 in {}",
                    model.infra_object
                ),
            );
        }
        let bad = list.len() > 2 || (list.len() == 2 && list[0].0 == list[1].0);
        if bad {
            v.push(
                Rule::K8sDualstackOnePerFamily,
                &object,
                None,
                path,
                format!(
                    "{what}: give one CIDR (single stack) or exactly one IPv4 and \
                one IPv6 CIDR (dualstack); the first is the primary family"
                ),
            );
        }
    }
    if let (Some(p), Some(s)) = (pods.first(), services.first())
        && p.0 != s.0
    {
        v.push(
            Rule::K8sPrimaryFamilyMismatch,
            &object,
            None,
            "spec.clusterNetwork.services.cidrBlocks[0]",
            "the first pod CIDR and the first service CIDR must be of the \
            same family (it is the cluster's primary family); reorder one \
            of the lists",
        );
    }
    for (i, (f, n)) in services.iter().enumerate() {
        if *f == Fam::V6 && n.prefix_len() < 108 {
            v.push(
                Rule::K8sServiceIpv6Prefix,
                &object,
                None,
                format!("spec.clusterNetwork.services.cidrBlocks[{i}]"),
                format!(
                    "the IPv6 service CIDR {n} is too large: kubeadm needs a mask of \
                /108 or longer (e.g. fd02::/112)"
                ),
            );
        }
    }
    let wants_v6 = pods.iter().chain(&services).any(|(f, _)| *f == Fam::V6);
    if wants_v6 && model.ipv6() {
        let cp = control_plane_subnets(model, v.subnets);
        if let Some(s) = cp.iter().find(|s| !s.family.has_ipv6()) {
            v.push(
                Rule::K8sIpv6NeedsNodeIpv6,
                &object,
                None,
                "spec.clusterNetwork",
                format!(
                    "IPv6 pod and service networks need nodes with IPv6 addresses, \
                but control-plane machines go in {} ({}); use dualstack or \
                IPv6-only private subnets",
                    s.key, s.family
                ),
            );
        }
    }
}

/// `v1.21.0`, `1.22`, `v1.11.0-eksbuild.1` -> (major, minor, patch).
fn version(text: &str) -> Option<(u64, u64, u64)> {
    let t = text.trim().trim_start_matches('v');
    let core = t.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>());
    let major = parts.next()?.ok()?;
    let minor = parts.next().unwrap_or(Ok(0)).ok()?;
    let patch = parts.next().unwrap_or(Ok(0)).ok()?;
    Some((major, minor, patch))
}

/// The Kubernetes versions EKS offers (standard and extended support),
/// `major.minor`: the project's reading of AWS's list, the same one the
/// fake's EKS serves (fake-ec2/README.md, "EKS clusters").
const EKS_VERSIONS: std::ops::RangeInclusive<(u64, u64)> = (1, 20)..=(1, 35);

/// Where EKS puts the control plane's interfaces: CAPA's `createCluster`
/// sends every subnet (only the private ones outside Local and Wavelength
/// zones with `restrictPrivateSubnets`) and refuses fewer than two subnets
/// or zones itself; EKS refuses the same, and for `ipFamily: ipv6` wants
/// IPv6 blocks in two zones and no IPv6-only subnet.
fn eks_placement_rules(v: &mut V<'_>, restrict_private: bool) {
    let chosen: Vec<_> = v
        .all_subnets
        .iter()
        .filter(|s| {
            !restrict_private
                || (!s.public && s.zone_type == crate::facts::ZoneType::AvailabilityZone)
        })
        .collect();
    let zones = |only_v6: bool| {
        chosen
            .iter()
            .filter(|s| !only_v6 || s.family.has_ipv6())
            .filter_map(|s| s.availability_zone.as_deref())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    if chosen.len() < 2 {
        v.infra(
            Rule::EksSubnetsTwoZones,
            "spec.network.subnets",
            format!(
                "at least 2 subnets is required: CAPA gives EKS {} subnet(s){}",
                chosen.len(),
                if restrict_private {
                    " (restrictPrivateSubnets: the private ones)"
                } else {
                    ""
                }
            ),
        );
    } else if zones(false) < 2 {
        v.infra(
            Rule::EksSubnetsTwoZones,
            "spec.network.subnets",
            "subnets in at least 2 different az's are required: EKS places the control \
            plane's interfaces in two zones",
        );
    }
    if !v.model.ipv6() {
        return;
    }
    if let Some(s) = chosen
        .iter()
        .find(|s| s.family == crate::model::Family::Ipv6Only)
    {
        v.infra(
            Rule::EksIpv6Subnets,
            "spec.network.subnets",
            format!(
                "subnet {} is IPv6-only: EKS places control-plane interfaces only in \
                subnets with IPv4 too",
                s.key
            ),
        );
    } else if chosen.len() >= 2 && zones(true) < 2 {
        v.infra(
            Rule::EksIpv6Subnets,
            "spec.network.subnets",
            "an ipv6 EKS cluster needs subnets with IPv6 blocks in at least two zones",
        );
    }
}

/// Each add-on's version must be one DescribeAddonVersions lists for the
/// cluster's Kubernetes version (what CreateAddon accepts).
fn eks_addon_versions(v: &mut V<'_>, eks: &crate::model::Eks) {
    let Some(version) = eks.version.as_deref() else {
        return;
    };
    for (i, a) in eks.addons.iter().flatten().enumerate() {
        let Some(listed) = v.facts.eks_addon_versions.get(&a.name) else {
            continue;
        };
        if listed.contains(&a.version) {
            continue;
        }
        let k8s = crate::plan::eks::eks_version(version);
        let hint = match listed.first() {
            Some(newest) => format!("it lists {} version(s), the first {newest}", listed.len()),
            None => format!("it lists no {} version for that Kubernetes version", a.name),
        };
        v.infra(
            Rule::EksAddonVersionUnsupported,
            format!("spec.addons[{i}].version"),
            format!(
                "EKS does not run {} {} on Kubernetes {k8s} (DescribeAddonVersions: {hint}): \
                pick a listed version",
                a.name, a.version
            ),
        );
    }
}

pub(super) fn eks_rules(v: &mut V<'_>) {
    let model = v.model;
    let Some(eks) = model.eks.clone() else { return };
    eks_placement_rules(v, eks.restrict_private_subnets);
    eks_addon_versions(v, &eks);
    if model.ipv6()
        && let Some(block) = model
            .cluster_network
            .services
            .iter()
            .flat_map(|s| &s.cidr_blocks)
            .find(|c| c.parse::<Ipv4Net>().is_ok())
    {
        v.push(
            Rule::EksIpv6ServiceCidrIgnored,
            &format!("Cluster/{}", model.name),
            None,
            "spec.clusterNetwork.services.cidrBlocks",
            format!(
                "{block} is not sent: CAPA gives an IPv6 EKS cluster ipFamily ipv6 only, and \
                EKS assigns the service block itself (serviceIpv4Cidr is refused with ipv6); \
                drop it, or read the cluster's serviceIpv6Cidr once it exists"
            ),
        );
    }
    if let Some(ver) = eks.version.as_deref()
        && let Some((major, minor, _)) = version(ver)
        && !EKS_VERSIONS.contains(&(major, minor))
    {
        v.infra(
            Rule::EksVersionUnsupported,
            "spec.version",
            format!(
                "EKS does not offer Kubernetes {major}.{minor} (it offers {}.{} to {}.{}): \
                pick one of those",
                EKS_VERSIONS.start().0,
                EKS_VERSIONS.start().1,
                EKS_VERSIONS.end().0,
                EKS_VERSIONS.end().1
            ),
        );
    }
    // CAPA's validateEKSAddons: with addons (or IPv6) and a version, the
    // version's major.minor must be at least 1.18.
    let has_addons = eks.addons.as_ref().is_some_and(|a| !a.is_empty());
    if let Some(ver) = eks.version.as_deref()
        && (has_addons || model.ipv6())
        && version(ver).is_some_and(|(major, minor, _)| (major, minor) < (1, 18))
    {
        v.infra(
            Rule::EksAddonsVersion,
            "spec.addons",
            format!("addons require Kubernetes v1.18.0 or greater (spec.version is {ver})"),
        );
    }
    if !model.ipv6() {
        return;
    }
    if let Some(ver) = eks.version.as_deref()
        && version(ver).is_some_and(|x| x < (1, 21, 0))
    {
        v.infra(
            Rule::EksIpv6Version,
            "spec.version",
            format!("IPv6 requires Kubernetes v1.21.0 or greater (spec.version is {ver})"),
        );
    }
    match &eks.addons {
        // CAPA's webhook checks addons only when the version is given.
        None if eks.version.is_some() => v.infra(
            Rule::EksIpv6Addons,
            "spec.addons",
            "addons are required to be set explicitly if IPv6 is enabled: \
            list vpc-cni (conflictResolution: overwrite), coredns and \
            kube-proxy",
        ),
        None => v.infra(
            Rule::EksIpv6AddonMissing,
            "spec.addons",
            "the seed asks for the vpc-cni, coredns and kube-proxy addons on an \
            IPv6 EKS cluster; CAPA's webhook checks addons only once \
            spec.version is set",
        ),
        Some(addons) => {
            for name in ["vpc-cni", "coredns", "kube-proxy"] {
                if !addons.iter().any(|a| a.name == name) {
                    v.infra(
                        Rule::EksIpv6AddonMissing,
                        "spec.addons",
                        format!(
                            "the {name} addon is missing: an IPv6 EKS cluster needs vpc-cni, \
                        coredns and kube-proxy enabled (seed)"
                        ),
                    );
                }
            }
            // CAPA looks at the first vpc-cni addon only.
            if let Some((i, a)) = addons.iter().enumerate().find(|(_, a)| a.name == "vpc-cni") {
                match version(&a.version) {
                    Some(x) if x < (1, 10, 2) => v.infra(
                        Rule::EksIpv6VpcCniVersion,
                        format!("spec.addons[{i}].version"),
                        format!(
                            "vpc-cni version must be above or equal to 1.10.2 for IPv6 (got \
                        {})",
                            a.version
                        ),
                    ),
                    Some(_) => {}
                    None => v.infra(
                        Rule::EksIpv6VpcCniVersion,
                        format!("spec.addons[{i}].version"),
                        format!(
                            "could not parse {:?} as a version: CAPA's webhook refuses a \
                            vpc-cni version it cannot compare with 1.10.2",
                            a.version
                        ),
                    ),
                }
            }
        }
    }
    if let Some(h) = model
        .network
        .vpc
        .private_dns_hostname_type_on_launch
        .as_deref()
        && h != "resource-name"
    {
        v.infra(
            Rule::EksIpv6HostnameType,
            "spec.network.vpc.privateDnsHostnameTypeOnLaunch",
            "only resource-name HostnameType can be used in IPv6 mode",
        );
    }
}

fn ingress_rule_checks(v: &mut V<'_>, rules: &[IngressRule], base: &str) {
    for (i, r) in rules.iter().enumerate() {
        let path = format!("{base}[{i}]");
        let has_cidrs = !r.cidr_blocks.is_empty() || !r.ipv6_cidr_blocks.is_empty();
        let has_groups =
            !r.source_security_group_ids.is_empty() || !r.source_security_group_roles.is_empty();
        if r.nat_gateways_ips_source && (has_cidrs || has_groups) {
            v.infra(
                Rule::IngressRuleNatSourceExclusive,
                path.clone(),
                "natGatewaysIPsSource cannot be used together with CIDR blocks, \
                security group IDs or security group roles",
            );
        } else if has_cidrs && has_groups {
            v.infra(
                Rule::IngressRuleCidrsAndGroups,
                path.clone(),
                "CIDR blocks and security group IDs or security group roles \
                cannot be used together",
            );
        }
        for (j, c) in r.cidr_blocks.iter().enumerate() {
            if c.parse::<Ipv4Net>().is_err() {
                v.infra(
                    Rule::IngressRuleCidrInvalid,
                    format!("{path}.cidrBlocks[{j}]"),
                    format!("'{c}' is not an IPv4 CIDR (IPv6 ones go in ipv6CidrBlocks)"),
                );
            }
        }
        for (j, c) in r.ipv6_cidr_blocks.iter().enumerate() {
            if c.parse::<Ipv6Net>().is_err() {
                v.infra(
                    Rule::IngressRuleCidrInvalid,
                    format!("{path}.ipv6CidrBlocks[{j}]"),
                    format!("'{c}' is not an IPv6 CIDR"),
                );
            }
        }
    }
}

pub(super) fn ingress_rules(v: &mut V<'_>) {
    let n = v.model.network.clone();
    ingress_rule_checks(
        v,
        &n.additional_control_plane_ingress_rules,
        "spec.network.additionalControlPlaneIngressRules",
    );
    ingress_rule_checks(
        v,
        &n.additional_node_ingress_rules,
        "spec.network.additionalNodeIngressRules",
    );
    if let Some(lb) = v.model.load_balancer.clone() {
        ingress_rule_checks(
            v,
            &lb.ingress_rules,
            "spec.controlPlaneLoadBalancer.ingressRules",
        );
    }
    for (i, c) in n.node_port_ingress_rule_cidr_blocks.iter().enumerate() {
        if c.parse::<IpNet>().is_err() {
            v.infra(
                Rule::IngressRuleCidrInvalid,
                format!("spec.network.nodePortIngressRuleCidrBlocks[{i}]"),
                format!("CIDR block is invalid: '{c}'"),
            );
        }
    }
}

pub(super) fn cni_rules(v: &mut V<'_>) {
    let model = v.model;
    if model.flavor == Flavor::Eks || !model.ipv6() {
        return;
    }
    let rules = model
        .network
        .cni
        .as_ref()
        .map(|c| c.cni_ingress_rules.clone())
        .unwrap_or_default();
    let vxlan = rules.iter().any(|r| {
        r.protocol.eq_ignore_ascii_case("udp") && r.from_port <= 4789 && r.to_port >= 4789
    });
    if !vxlan {
        v.infra(Rule::CniVxlanMissing, "spec.network.cni.cniIngressRules", "Calico supports IPv6 only with VXLAN: add the CNI ingress rule {description: \"VXLAN (calico)\", protocol: udp, fromPort: 4789, toPort: 4789} (without cni rules CAPA adds Calico's IP-in-IP and BGP rules, which do not work over IPv6)");
    }
    if let Some(i) = rules.iter().position(|r| r.protocol == "4") {
        v.infra(
            Rule::CniIpipIpv6,
            format!("spec.network.cni.cniIngressRules[{i}]"),
            "IP-in-IP (protocol 4) is not supported for IPv6; Calico needs VXLAN (udp/4789)",
        );
    }
}

/// CAPA's IPv6 templates' kubeadm settings, on a cluster whose primary
/// family is IPv6: one finding a configuration, naming each missing
/// setting and the YAML to add (`provisioner render` prints the block).
pub(super) fn kubeadm_rules(v: &mut V<'_>) {
    let model = v.model;
    if model.flavor != Flavor::SelfManaged
        || crate::render::kubernetes_families(model).first() != Some(&crate::render::IpFamily::Ipv6)
    {
        return;
    }
    for config in &model.kubeadm {
        let missing = config.missing();
        if missing.is_empty() {
            continue;
        }
        let what: Vec<String> = missing
            .iter()
            .map(|m| match &m.have {
                Some(have) => format!("{} (now {have})", config.addition(m)),
                None => config.addition(m),
            })
            .collect();
        let mut effects = Vec::new();
        for (key, effect) in [
            (
                "bind-address",
                "the controller manager and the scheduler serve on IPv4 only",
            ),
            (
                "node-ip",
                "the kubelets take their IPv4 address as the node's on dualstack instances",
            ),
            (
                "advertiseAddress",
                "the API server advertises an IPv4 address",
            ),
        ] {
            if missing.iter().any(|m| m.key == key) {
                effects.push(effect);
            }
        }
        let who = match effects.split_last() {
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        v.push(
            Rule::KubeadmIpv6Settings,
            &config.object,
            config.source.as_ref(),
            config.root(),
            format!(
                "the cluster's primary family is IPv6 (its first pod CIDR), but \
                without CAPA's IPv6 settings {who}; add {} (`provisioner render` \
                prints the block to merge)",
                what.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(version("v1.21.0"), Some((1, 21, 0)));
        assert_eq!(version("1.22"), Some((1, 22, 0)));
        assert_eq!(version("v1.11.0-eksbuild.1"), Some((1, 11, 0)));
        assert!(version("v1.9.3").unwrap() < (1, 10, 2));
        assert_eq!(version("latest"), None);
    }
}
