//! The control-plane load balancer's rules: type, scheme, IP address type
//! (the seed's support matrix), its subnets, and the target group's IP type.

use super::{Rule, V};
use crate::layout::{
    control_plane_subnets, cp_lb_subnets, cp_lb_target_group_ip_type, target_group_ip_type,
};
use crate::model::{CpLb, Family, LB_TYPES, LbRole, TgIpType};
use crate::spec::types::LoadBalancerSpec;

pub(super) fn load_balancer_rules(v: &mut V<'_>) {
    let model = v.model;
    if let Some(secondary) = &model.secondary_load_balancer {
        secondary_rules(v, secondary);
    }
    let mut port_said = false;
    for cp in model.control_plane_lbs() {
        one_load_balancer(v, cp, &mut port_said);
    }
}

/// CAPA's `validateControlPlaneLBs` for the secondary load balancer: a
/// name of its own, a scheme other than the primary's, and an NLB.
fn secondary_rules(v: &mut V<'_>, secondary: &LoadBalancerSpec) {
    let model = v.model;
    let base = LbRole::Secondary.path();
    let primary = model.load_balancer.clone().unwrap_or_default();
    match secondary.name.as_deref() {
        None | Some("") => v.infra(
            Rule::SecondaryLbName,
            format!("{base}.name"),
            "secondary controlPlaneLoadBalancer.name cannot be empty: give the \
            second load balancer a name of its own",
        ),
        Some(name) if primary.name.as_deref() == Some(name) => v.infra(
            Rule::SecondaryLbName,
            format!("{base}.name"),
            format!(
                "field must be different from controlPlaneLoadBalancer.name: both \
                are '{name}'; rename the second load balancer"
            ),
        ),
        Some(_) => {}
    }
    let scheme = |lb: &LoadBalancerSpec| {
        lb.scheme
            .clone()
            .unwrap_or_else(|| "internet-facing".to_owned())
    };
    if scheme(secondary) == scheme(&primary) {
        v.infra(
            Rule::SecondaryLbScheme,
            format!("{base}.scheme"),
            format!(
                "control plane load balancers must have different schemes: both \
                are {}; make one internal and the other internet-facing",
                scheme(secondary)
            ),
        );
    }
    let lb_type = secondary.load_balancer_type.as_deref().unwrap_or("classic");
    if lb_type != "nlb" {
        v.infra(
            Rule::SecondaryLbNotNlb,
            format!("{base}.loadBalancerType"),
            format!(
                "secondary control plane load balancer must be a Network Load \
                Balancer: it is {lb_type} (the CRD's default when not given); set \
                loadBalancerType: nlb"
            ),
        );
    }
}

fn one_load_balancer(v: &mut V<'_>, cp: CpLb<'_>, port_said: &mut bool) {
    let model = v.model;
    let lb = cp.spec.clone();
    let lb_type = cp.lb_type().to_owned();
    let base = cp.role.path();
    let primary = cp.role == LbRole::Primary;
    if !primary && lb_type != "nlb" {
        // Refused by `secondary_rules`; nothing more to say of it.
        return;
    }
    if !LB_TYPES.contains(&lb_type.as_str()) {
        v.infra(
            Rule::LbTypeInvalid,
            format!("{base}.loadBalancerType"),
            format!(
                "'{lb_type}' is not a load balancer type: use one of {}",
                LB_TYPES.join(", ")
            ),
        );
        return;
    }
    if let Some(scheme) = lb.scheme.as_deref()
        && !["internet-facing", "internal"].contains(&scheme)
    {
        v.infra(
            Rule::LbSchemeInvalid,
            format!("{base}.scheme"),
            format!("'{scheme}' is not a scheme: use internet-facing or internal"),
        );
    }
    let port = model.api_server_port();
    if cp.is_v2() && port != 6443 && !*port_said {
        *port_said = true;
        v.push(
            Rule::LbApiPortNot6443,
            &format!("Cluster/{}", model.name),
            None,
            "spec.clusterNetwork.apiServerPort",
            api_port_message(port, &lb_type),
        );
    }
    let classic_or_disabled = matches!(lb_type.as_str(), "classic" | "disabled");
    if let Some(ip) = lb.ip_address_type.as_deref() {
        match ip {
            "ipv6" => v.infra(
                Rule::LbIpTypeIpv6,
                format!("{base}.ipAddressType"),
                "ipv6 is not a valid load balancer IP type: AWS load balancers \
                always have IPv4; use dualstack for IPv4 and IPv6",
            ),
            "ipv4" | "dualstack" => {
                if classic_or_disabled {
                    v.infra(
                        Rule::LbIpTypeClassic,
                        format!("{base}.ipAddressType"),
                        format!(
                            "ipAddressType cannot be set on a {lb_type} load balancer (a \
                        classic ELB is IPv4-only); use loadBalancerType: nlb"
                        ),
                    );
                }
            }
            other => v.infra(
                Rule::LbIpTypeInvalid,
                format!("{base}.ipAddressType"),
                format!("'{other}' is not a load balancer IP type: use ipv4 or dualstack"),
            ),
        }
    }
    // Target group IP types: the API listener's and each additional listener's.
    let mut tg_types: Vec<(String, Option<String>)> = vec![(
        format!("{base}.targetGroupIPType"),
        lb.target_group_ip_type.clone(),
    )];
    for (i, l) in lb.additional_listeners.iter().enumerate() {
        tg_types.push((
            format!("{base}.additionalListeners[{i}].targetGroupIPType"),
            l.target_group_ip_type.clone(),
        ));
    }
    for (path, t) in &tg_types {
        let Some(t) = t.as_deref() else { continue };
        if lb_type == "classic" {
            v.infra(
                Rule::TgIpTypeClassic,
                path.clone(),
                "targetGroupIPType cannot be used with classic load balancer \
                types: use loadBalancerType: nlb",
            );
        } else if lb_type == "disabled" {
            v.infra(
                Rule::TgIpTypeDisabled,
                path.clone(),
                "cannot set target group IP type if the LoadBalancer reconciliation is disabled",
            );
        }
        if !["ipv4", "ipv6"].contains(&t) {
            v.infra(
                Rule::TgIpTypeInvalid,
                path.clone(),
                format!("'{t}' is not a target group IP type: use ipv4 or ipv6"),
            );
        } else if t == "ipv6" && !model.ipv6() {
            v.infra(
                Rule::TgIpv6NeedsVpcIpv6,
                path.clone(),
                "targetGroupIPType IPv6 requires IPv6 to be enabled on the VPC. \
                Set spec.network.vpc.ipv6 to enable IPv6",
            );
        }
    }
    if lb_type == "classic" {
        classic_rules(v, lb.load_balancer_type.is_none());
    }
    if !classic_or_disabled && primary {
        immutable_rules(v, &lb);
    }
    if lb_type == "disabled" {
        return;
    }
    // A classic ELB is IPv4-only; it takes subnets as an ELBv2 one does.
    let classic = lb_type == "classic";
    let ip_type = if classic {
        "ipv4".to_owned()
    } else {
        cp.ip_address_type(model.ipv6()).to_owned()
    };
    if ip_type == "dualstack" && !model.ipv6() {
        v.infra(
            Rule::LbDualstackNeedsVpcIpv6,
            format!("{base}.ipAddressType"),
            "a dualstack load balancer needs subnets with IPv6: set \
            spec.network.vpc.ipv6, or ipAddressType: ipv4",
        );
    }
    let subnets = v.subnets;
    let chosen = cp_lb_subnets(cp, subnets);
    if chosen.is_empty() && !subnets.is_empty() {
        v.infra(
            Rule::LbNoSubnets,
            format!("{base}.subnets"),
            format!(
                "no subnet for the {} load balancer: it needs {} subnets",
                cp.scheme(),
                if cp.scheme() == "internal" {
                    "private or public"
                } else {
                    "public"
                }
            ),
        );
    }
    if let Some(s) = chosen.iter().find(|s| s.family == Family::Ipv6Only) {
        v.infra(
            Rule::LbIpv6OnlySubnet,
            s.path(""),
            format!(
                "Load Balancers cannot use IPv6-only subnets: {} is IPv6-only \
            and would hold the {} load balancer; make it dualstack (give it \
            a cidrBlock)",
                s.key,
                cp.scheme()
            ),
        );
    } else if ip_type == "dualstack"
        && model.ipv6()
        && let Some(s) = chosen.iter().find(|s| s.family == Family::Ipv4)
    {
        {
            v.infra(
                Rule::LbDualstackNeedsIpv6Subnets,
                s.path("isIpv6"),
                format!(
                    "a dualstack load balancer needs every subnet to have an IPv6 \
                block; {} is IPv4-only: make it dualstack (isIpv6: true) or use \
                ipAddressType: ipv4",
                    s.key
                ),
            );
        }
    }
    if classic {
        return;
    }
    // Targets: the API target group holds the control-plane machines.
    let tg = cp_lb_target_group_ip_type(model, Some(&lb), subnets);
    if matches!(tg, TgIpType::Other(_)) {
        return;
    }
    if tg == TgIpType::Ipv6 && ip_type == "ipv4" {
        v.infra(
            Rule::TgIpv6NeedsDualstackLb,
            format!("{base}.targetGroupIPType"),
            "You cannot associate an IPv6 target group with a load balancer \
            that has an 'ipv4' IP address type: use ipAddressType: \
            dualstack or targetGroupIPType: ipv4",
        );
    }
    let Some(cp) = model.control_plane.clone() else {
        return;
    };
    let cp_subnets = control_plane_subnets(model, subnets);
    let primary_disabled = cp.spec.assign_primary_ipv6.as_deref() == Some("disabled");
    if tg == TgIpType::Ipv6 {
        if let Some(s) = cp_subnets.iter().find(|s| !s.family.has_ipv6()) {
            v.infra(
                Rule::TgIpv6NeedsCpIpv6,
                format!("{base}.targetGroupIPType"),
                format!(
                    "Cannot use IPv6 targets when control plane has no IPv6 \
                addresses: control-plane machines go in {} ({}); use \
                targetGroupIPType: ipv4, or dualstack or IPv6-only private \
                subnets",
                    s.key, s.family
                ),
            );
        } else if primary_disabled && model.ipv6() {
            let object = cp.object.clone();
            v.push(
                Rule::TgIpv6NeedsCpIpv6,
                &object,
                cp.source.as_ref(),
                "spec.template.spec.assignPrimaryIPv6",
                "Cannot use IPv6 targets when control plane has no IPv6 \
                addresses: an IPv6 target group registers machines by their \
                primary IPv6 address, and assignPrimaryIPv6 is disabled; enable \
                it or use targetGroupIPType: ipv4",
            );
        }
    } else if let Some(s) = cp_subnets.iter().find(|s| !s.family.has_ipv4()) {
        v.infra(
            Rule::TgIpv4NeedsCpIpv4,
            format!("{base}.targetGroupIPType"),
            format!(
                "an ipv4 target group needs control-plane machines with IPv4 \
            addresses, but {} is IPv6-only: use targetGroupIPType: ipv6",
                s.key
            ),
        );
    }
}

/// A classic ELB (CAPA's default when loadBalancerType is not given,
/// `SetDefaults_AWSClusterSpec`) has IPv4 listeners and IPv4 targets only.
fn classic_rules(v: &mut V<'_>, defaulted: bool) {
    let model = v.model;
    if !model.ipv6() {
        return;
    }
    let how = if defaulted {
        "without loadBalancerType CAPA builds a classic ELB"
    } else {
        "a classic ELB"
    };
    let cp = control_plane_subnets(model, v.subnets);
    let path = "spec.controlPlaneLoadBalancer.loadBalancerType";
    if let Some(s) = cp.iter().find(|s| !s.family.has_ipv4()) {
        v.infra(
            Rule::LbClassicIpv6OnlyControlPlane,
            path,
            format!(
                "{how}, which reaches its instances over IPv4 only, and the \
                control-plane machines go in {} ({}), which has no IPv4: the API \
                server would be unreachable; use loadBalancerType: nlb",
                s.key, s.family
            ),
        );
    } else {
        v.infra(
            Rule::LbClassicIpv4Only,
            path,
            format!(
                "{how}, which is IPv4-only even in an IPv6 VPC: the API server \
                is reachable over IPv4 only; use loadBalancerType: nlb for a \
                dualstack API endpoint"
            ),
        );
    }
}

/// CAPA's `getAPIServerLBSpec` gives an ELBv2 load balancer one listener and
/// target group on `DefaultAPIServerPort`; only a classic ELB listens on
/// `apiServerPort`. The provisioner builds what CAPA builds.
fn api_port_message(port: u16, lb_type: &str) -> String {
    format!(
        "apiServerPort is {port}, but CAPA's {lb_type} load balancer listens and \
        forwards on 6443 whatever it says, while the control-plane endpoint \
        CAPA records uses {port}: clients of the endpoint would find nothing \
        listening; leave apiServerPort at 6443 (or use a classic ELB)"
    )
}

/// CAPA's webhook (`validateControlPlaneLoadBalancerUpdate`) refuses an
/// update that changes the scheme, name, health-check protocol or target
/// group IP type of a cluster's load balancer; the provisioner compares the
/// spec with the load balancer the existing cluster has.
fn immutable_rules(v: &mut V<'_>, lb: &LoadBalancerSpec) {
    let model = v.model;
    let Some(have) = v.facts.existing_load_balancer.clone() else {
        return;
    };
    let base = "spec.controlPlaneLoadBalancer";
    let name = crate::plan::api_lb_name(model);
    let mut changed: Vec<(String, String, String, &str)> = Vec::new();
    if name != have.name {
        changed.push(("name".into(), have.name.clone(), name, "field is immutable"));
    }
    if let Some(scheme) = &have.scheme
        && scheme != model.lb_scheme()
    {
        changed.push((
            "scheme".into(),
            scheme.clone(),
            model.lb_scheme().to_owned(),
            "field is immutable",
        ));
    }
    if let Some(tg) = &have.target_group {
        let want = target_group_ip_type(model, v.subnets);
        if let Some(t) = &tg.ip_address_type
            && t != want.as_str()
        {
            changed.push((
                "targetGroupIPType".into(),
                t.clone(),
                want.to_string(),
                "field is immutable and cannot be changed after target group creation",
            ));
        }
        let hc = lb
            .health_check_protocol
            .clone()
            .unwrap_or_else(|| "TCP".into())
            .to_ascii_uppercase();
        if let Some(p) = &tg.health_check_protocol
            && *p != hc
        {
            changed.push((
                "healthCheckProtocol".into(),
                p.clone(),
                hc,
                "field is immutable once set",
            ));
        }
    }
    for (field, was, now, why) in changed {
        v.infra(
            Rule::LbImmutableField,
            format!("{base}.{field}"),
            format!(
                "{why}: the cluster's load balancer {} has {field} {was}, and the \
                spec now asks for {now}; CAPA's webhook refuses the update. Keep \
                {was}, or make a new cluster",
                have.name
            ),
        );
    }
}
