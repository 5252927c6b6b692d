//! The control-plane load balancer (with its listener and target group)
//! and the control-plane machines.

use super::*;

pub(super) fn load_balancer(
    model: &ClusterModel,
    cp_lb: CpLb<'_>,
    subnets: &[LaidOutSubnet],
    notes: &mut Vec<Note>,
) -> Option<LoadBalancerPlan> {
    let lb = cp_lb.spec;
    let lb_type = match cp_lb.lb_type() {
        "nlb" => "network",
        "disabled" => return None,
        // Built by `classic_load_balancer` (primary only: CAPA's webhook
        // refuses a secondary one that is not an NLB).
        "classic" => return None,
        other => {
            notes.push(Note(format!(
                "control-plane load balancer: a {other} load balancer is not \
                    provisioned by this tool; use loadBalancerType: nlb for \
                    IPv6 and dualstack"
            )));
            return None;
        }
    };
    // The primary's names stay what they were before a second load balancer
    // existed; the secondary's hashes also take its name.
    let salt = match cp_lb.role {
        LbRole::Primary => model.name.clone(),
        LbRole::Secondary => format!("{}/{}", model.name, cp_lb_name(model, cp_lb)),
    };
    // CAPA's getAPIServerLBSpec: one listener and target group on
    // DefaultAPIServerPort, whatever apiServerPort says (a warning says so).
    let port = 6443;
    let hc = lb
        .health_check_protocol
        .clone()
        .unwrap_or_else(|| "TCP".to_owned())
        .to_ascii_uppercase();
    let name = cp_lb_name(model, cp_lb);
    let [interval, timeout, healthy, unhealthy] = capa_timings(lb.health_check.as_ref());
    let tg_ip_type = cp_lb_target_group_ip_type(model, Some(lb), subnets);
    let tg_attributes: Vec<(String, String)> = {
        let mut a: Vec<(String, String)> = vec![
            (
                "target_health_state.unhealthy.connection_termination.enabled".into(),
                "false".into(),
            ),
            (
                "target_health_state.unhealthy.draining_interval_seconds".into(),
                "300".into(),
            ),
        ];
        if !lb.preserve_client_ip {
            a.push(("preserve_client_ip.enabled".into(), "false".into()));
        }
        a
    };
    let mut t = base_tags(model, &name, "apiserver");
    t.remove(tags::NAME);
    t.insert(tags::NAME.into(), name.clone());
    let mut roles = vec!["apiserver-lb".to_owned()];
    roles.extend(lb.additional_security_groups.iter().cloned());
    Some(LoadBalancerPlan {
        name: name.clone(),
        lb_type: lb_type.to_owned(),
        scheme: Scheme::from_text(cp_lb.scheme()),
        ip_address_type: LbIpType::from_text(cp_lb.ip_address_type(model.ipv6())),
        subnet_keys: cp_lb_subnets(cp_lb, subnets)
            .into_iter()
            .map(|s| s.key.clone())
            .collect(),
        security_group_roles: roles,
        listener_port: port,
        target_group: TargetGroupPlan {
            name: elb_name(&format!("apiserver-target-{}", short_hash(&salt))),
            port,
            ip_address_type: tg_ip_type.clone(),
            health_check_path: matches!(hc.as_str(), "HTTP" | "HTTPS")
                .then(|| "/readyz".to_owned()),
            health_check_protocol: hc,
            health_check_port: "6443".into(),
            health_check_interval_seconds: Some(interval),
            health_check_timeout_seconds: Some(timeout),
            healthy_threshold_count: Some(healthy),
            unhealthy_threshold_count: Some(unhealthy),
            protocol: "TCP".into(),
            attributes: tg_attributes.clone(),
        },
        additional: additional_target_groups(&salt, lb, &tg_attributes, tg_ip_type.clone()),
        // Only network load balancers are made here, so CAPA's
        // `idle_timeout.timeout_seconds` (application ones) never applies.
        attributes: vec![(
            "load_balancing.cross_zone.enabled".to_owned(),
            lb.cross_zone_load_balancing.to_string(),
        )],
        tags: t,
    })
}

/// CAPA's `getAPIServerClassicELBSpec`: one TCP listener from
/// `apiServerPort` to 6443, the API health check, cross-zone as the spec
/// says, a 10-minute idle timeout, in the subnets an ELBv2 one would use.
pub(super) fn classic_load_balancer(
    model: &ClusterModel,
    cp_lb: CpLb<'_>,
    subnets: &[LaidOutSubnet],
) -> ClassicLbPlan {
    let lb = cp_lb.spec;
    let name = cp_lb_name(model, cp_lb);
    let protocol = lb
        .health_check_protocol
        .clone()
        .unwrap_or_else(|| "TCP".to_owned())
        .to_ascii_uppercase();
    let target = if matches!(protocol.as_str(), "HTTP" | "HTTPS") {
        format!("{protocol}:6443/readyz")
    } else {
        format!("{protocol}:6443")
    };
    let mut t = base_tags(model, &name, "apiserver");
    t.insert(tags::NAME.into(), name.clone());
    let mut roles = vec!["apiserver-lb".to_owned()];
    roles.extend(lb.additional_security_groups.iter().cloned());
    let [interval, timeout, healthy, unhealthy] = capa_timings(None);
    ClassicLbPlan {
        name,
        scheme: Scheme::from_text(cp_lb.scheme()),
        subnet_keys: cp_lb_subnets(cp_lb, subnets)
            .into_iter()
            .map(|s| s.key.clone())
            .collect(),
        security_group_roles: roles,
        listener_port: model.api_server_port(),
        instance_port: 6443,
        health_check: ClassicHealthCheckPlan {
            target,
            interval,
            timeout,
            healthy_threshold: healthy,
            unhealthy_threshold: unhealthy,
        },
        cross_zone: lb.cross_zone_load_balancing,
        idle_timeout_seconds: 600,
        tags: t,
    }
}

/// CAPA's health-check timings (`DefaultAPIServerHealthCheckIntervalSec`
/// and its kin: interval 5 s, timeout 4 s, 2 to be healthy, 6 to be
/// unhealthy), each overridden by `healthCheck` where it gives one.
fn capa_timings(hc: Option<&crate::spec::types::TargetGroupHealthCheckSpec>) -> [i32; 4] {
    let or = |v: Option<i64>, d: i32| v.and_then(|v| i32::try_from(v).ok()).unwrap_or(d);
    [
        or(hc.and_then(|h| h.interval_seconds), 5),
        or(hc.and_then(|h| h.timeout_seconds), 4),
        or(hc.and_then(|h| h.threshold_count), 2),
        or(hc.and_then(|h| h.unhealthy_threshold_count), 6),
    ]
}

/// CAPA's `getAPIServerLBSpec` for `additionalListeners`: a target group a
/// listener on its port and protocol, `additional-listener-<hash>`, its IP
/// type as the listener says (else the API group's), its health check on
/// its own port and protocol with AWS's timings, or CAPA's
/// `getAdditionalTargetGroupHealthCheck` (5 s, 4 s, 2, 6 and the overrides)
/// when `healthCheck` is given.
fn additional_target_groups(
    salt: &str,
    lb: &crate::spec::types::LoadBalancerSpec,
    attributes: &[(String, String)],
    api_ip_type: TgIpType,
) -> Vec<TargetGroupPlan> {
    lb.additional_listeners
        .iter()
        .filter_map(|l| {
            let port = u16::try_from(l.port).ok()?;
            let protocol = l
                .protocol
                .clone()
                .unwrap_or_else(|| "TCP".into())
                .to_ascii_uppercase();
            let hc = l.health_check.as_ref();
            // AWS's timings unless `healthCheck` is given.
            let timings = hc.map(|h| capa_timings(Some(h)));
            let hc_protocol = hc
                .and_then(|h| h.protocol.clone())
                .unwrap_or_else(|| protocol.clone())
                .to_ascii_uppercase();
            Some(TargetGroupPlan {
                name: elb_name(&format!(
                    "additional-listener-{}",
                    short_hash(&format!("{salt}/{port}"))
                )),
                port,
                ip_address_type: l
                    .target_group_ip_type
                    .as_deref()
                    .map_or(api_ip_type.clone(), TgIpType::from_text),
                health_check_path: hc.and_then(|h| h.path.clone()),
                health_check_port: hc
                    .and_then(|h| h.port.clone())
                    .unwrap_or_else(|| port.to_string()),
                health_check_protocol: hc_protocol,
                health_check_interval_seconds: timings.map(|t| t[0]),
                health_check_timeout_seconds: timings.map(|t| t[1]),
                healthy_threshold_count: timings.map(|t| t[2]),
                unhealthy_threshold_count: timings.map(|t| t[3]),
                protocol,
                attributes: attributes.to_vec(),
            })
        })
        .collect()
}

/// CAPA's `InstanceMetadataOptions.SetDefaults`: endpoint enabled, IPv6
/// endpoint disabled, hop limit 1, tokens optional, tags disabled.
fn metadata_options(
    given: Option<&crate::spec::types::InstanceMetadataOptions>,
) -> MetadataOptionsPlan {
    let or = |v: Option<&String>, d: &str| v.cloned().unwrap_or_else(|| d.to_owned());
    MetadataOptionsPlan {
        http_endpoint: or(given.and_then(|g| g.http_endpoint.as_ref()), "enabled"),
        http_protocol_ipv6: or(
            given.and_then(|g| g.http_protocol_ipv6.as_ref()),
            "disabled",
        ),
        http_put_response_hop_limit: given
            .and_then(|g| g.http_put_response_hop_limit)
            .filter(|n| *n != 0)
            .and_then(|n| i32::try_from(n).ok())
            .unwrap_or(1),
        http_tokens: or(given.and_then(|g| g.http_tokens.as_ref()), "optional"),
        instance_metadata_tags: or(
            given.and_then(|g| g.instance_metadata_tags.as_ref()),
            "disabled",
        ),
    }
}

/// CAPA `shouldEnablePrimaryIpv6`: explicit, else whether the subnet has IPv6.
fn primary_ipv6(model: &ClusterModel, setting: Option<&str>, subnet: &LaidOutSubnet) -> bool {
    if !model.ipv6() {
        return false;
    }
    match setting {
        Some("disabled") => false,
        Some("enabled") => true,
        _ => subnet.family.has_ipv6(),
    }
}

/// One machine of a group, with the group's template settings.
fn machine(
    model: &ClusterModel,
    group: &Machines,
    name: String,
    role: &str,
    subnet: &LaidOutSubnet,
    security_group_roles: &[&str],
    opts: &PlanOptions,
) -> MachinePlan {
    let spec = &group.spec;
    let mut t = base_tags(model, &name, role);
    t.insert(
        tags::kubernetes_key(model.kubernetes_cluster_name()),
        "owned".into(),
    );
    let dns = spec.private_dns_name.as_ref();
    MachinePlan {
        name,
        role: role.to_owned(),
        instance_type: group.instance_type().to_owned(),
        image_id: spec
            .ami
            .as_ref()
            .and_then(|a| a.id.clone())
            .or_else(|| opts.default_image_id.clone())
            .or_else(|| {
                let key = if role == "bastion" {
                    Some("bastion")
                } else {
                    group.image_lookup_key()
                };
                opts.images.get(key?).and_then(|f| f.image_id.clone())
            })
            .unwrap_or_else(|| FALLBACK_IMAGE_ID.to_owned()),
        key_name: model
            .machine_key_name((role != "bastion").then_some(spec))
            .map(str::to_owned),
        subnet_key: subnet.key.clone(),
        primary_ipv6: primary_ipv6(model, spec.assign_primary_ipv6.as_deref(), subnet),
        hostname_type: dns.and_then(|p| p.hostname_type.clone()),
        enable_resource_name_dns_a_record: dns.and_then(|p| p.enable_resource_name_dns_a_record),
        enable_resource_name_dns_aaaa_record: dns
            .and_then(|p| p.enable_resource_name_dns_aaaa_record),
        metadata_options: metadata_options(spec.instance_metadata_options.as_ref()),
        security_group_roles: security_group_roles
            .iter()
            .map(|r| (*r).to_owned())
            .collect(),
        tags: t,
    }
}

/// The control-plane machines (spread over one subnet a zone, as
/// KubeadmControlPlane spreads them over failure domains), then each
/// MachineDeployment's workers (`<deployment>-<i>`, in the subnet CAPA's
/// `findSubnet` picks). CAPA's `GetCoreSecurityGroups`: node and lb on every
/// machine, then the control plane's own.
pub(super) fn machines(
    model: &ClusterModel,
    subnets: &[LaidOutSubnet],
    opts: &PlanOptions,
) -> Vec<MachinePlan> {
    let mut out = Vec::new();
    if let Some(cp) = &model.control_plane {
        let targets = control_plane_subnets(model, subnets);
        if !targets.is_empty() {
            out.extend((0..cp.replicas as usize).map(|i| {
                machine(
                    model,
                    cp,
                    format!("{}-control-plane-{i}", model.name),
                    "control-plane",
                    targets[i % targets.len()],
                    &["node", "lb", "controlplane"],
                    opts,
                )
            }));
        }
    }
    if let Some(b) = &model.bastion
        && let Some(subnet) = subnets.iter().find(|s| s.public)
    {
        out.push(bastion(model, b, subnet, opts));
    }
    for w in &model.workers {
        let (Some(deployment), Some(subnet)) = (&w.deployment, worker_subnet(w, subnets)) else {
            continue;
        };
        out.extend((0..w.replicas as usize).map(|i| {
            machine(
                model,
                w,
                format!("{deployment}-{i}"),
                "node",
                subnet,
                &["node", "lb"],
                opts,
            )
        }));
    }
    out
}

/// CAPA's `getDefaultBastion`: `<cluster>-bastion` in the first public
/// subnet, in the bastion group, t2.micro in us-east-1 (t3.micro elsewhere)
/// unless the spec names a type.
fn bastion(
    model: &ClusterModel,
    b: &crate::spec::types::Bastion,
    subnet: &LaidOutSubnet,
    opts: &PlanOptions,
) -> MachinePlan {
    let us_east_1 = subnet
        .availability_zone
        .as_deref()
        .is_some_and(|z| z.contains("us-east-1"));
    let group = Machines {
        object: format!("{}/bastion", model.infra_object),
        source: model.infra_source.clone(),
        replicas: 1,
        deployment: None,
        failure_domain: None,
        spec: crate::spec::types::AwsMachineSpec {
            instance_type: Some(
                b.instance_type
                    .clone()
                    .unwrap_or_else(|| if us_east_1 { "t2.micro" } else { "t3.micro" }.to_owned()),
            ),
            assign_primary_ipv6: Some("disabled".into()),
            ..Default::default()
        },
    };
    let mut m = machine(
        model,
        &group,
        format!("{}-bastion", model.name),
        "bastion",
        subnet,
        &["bastion"],
        opts,
    );
    m.tags
        .remove(&tags::kubernetes_key(model.kubernetes_cluster_name()));
    m
}
