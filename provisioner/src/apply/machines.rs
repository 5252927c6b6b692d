//! Control-plane machines: found by their Name tag among the cluster's
//! running or pending instances, else launched with the plan's IPv6
//! settings, and waited for until running; then registered as targets of
//! the load balancer's target group where they are not yet.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{
    HostnameType, HttpTokensState, Instance, InstanceMetadataEndpointState,
    InstanceMetadataOptionsRequest, InstanceMetadataProtocolState, InstanceMetadataTagsState,
    InstanceNetworkInterfaceSpecification, InstanceType, PrivateDnsNameOptionsRequest,
    ResourceType,
};
use aws_sdk_elasticloadbalancingv2::types::TargetDescription;

use super::client_token;
use super::security_groups::Groups;
use crate::discover::tag_map;
use crate::plan::{MachinePlan, Plan, tags};
use crate::reconcile::{Action, Error, Kind, Kit, Result, Step, ec2_tags, existing_id, is_real};
use crate::sdk::filter;

const KIND: Kind = Kind::Instance;

/// The plan's machines; their instance ids in plan order.
pub(super) async fn ensure(
    k: &Kit<'_>,
    plan: &Plan,
    subnet_ids: &BTreeMap<String, String>,
    groups: &Groups,
) -> Result<Vec<String>> {
    let out = k
        .call(KIND, &plan.cluster, "DescribeInstances")
        .once(
            k.ec2
                .describe_instances()
                .filters(k.tagged())
                .filters(filter("instance-state-name", &["pending", "running"]))
                .send(),
        )
        .await?;
    let existing: Vec<Instance> = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances().iter().cloned())
        .collect();
    retire(k, plan, &existing).await?;
    if plan.machines.is_empty() {
        return Ok(Vec::new());
    }
    let work = plan.machines.iter().map(|m| {
        let found = existing
            .iter()
            .find(|i| tag_map(i.tags()).get(tags::NAME) == Some(&m.name))
            .map(|i| existing_id(&m.name, i));
        async move {
            if let Some(id) = found {
                let id = id?;
                k.exists(KIND, &m.name, &id);
                return Ok(id);
            }
            launch(k, plan, m, subnet_ids, groups).await
        }
    });
    let ids = k.all(work).await?;
    // Wait until running (targets must be running to register).
    for (m, id) in plan.machines.iter().zip(&ids) {
        if is_real(id) {
            wait_running(k, &m.name, id).await?;
        }
    }
    Ok(ids)
}

/// Scaling down: the cluster's control-plane and worker instances the plan
/// no longer has (fewer replicas, a MachineDeployment gone) are terminated,
/// as Cluster API deletes the machines it scales away, and a bastion once
/// `spec.bastion.enabled` is off (CAPA's `DeleteBastion`). A control-plane
/// machine leaves the API load balancers first (CAPA's AWSMachine
/// `reconcileDelete`: `DeregisterInstanceFromAPIServerELB` and `...LB`).
async fn retire(k: &Kit<'_>, plan: &Plan, existing: &[Instance]) -> Result<()> {
    let control_plane: Vec<String> = existing
        .iter()
        .filter(|i| {
            let t = tag_map(i.tags());
            t.get(tags::ROLE).map(String::as_str) == Some("control-plane")
                && !t
                    .get(tags::NAME)
                    .is_some_and(|n| plan.machines.iter().any(|m| &m.name == n))
        })
        .filter_map(|i| i.instance_id().map(str::to_owned))
        .collect();
    if !control_plane.is_empty() && !k.dry_run {
        deregister(k, plan, &control_plane).await?;
    }
    let extra: Vec<(String, String)> = existing
        .iter()
        .filter_map(|i| {
            let t = tag_map(i.tags());
            let role = t.get(tags::ROLE).map(String::as_str);
            if !matches!(role, Some("control-plane" | "node" | "bastion")) {
                return None;
            }
            let name = t.get(tags::NAME).cloned().unwrap_or_default();
            if plan.machines.iter().any(|m| m.name == name) {
                return None;
            }
            Some((i.instance_id()?.to_owned(), name))
        })
        .collect();
    if extra.is_empty() {
        return Ok(());
    }
    if !k.dry_run {
        let ids: Vec<String> = extra.iter().map(|(id, _)| id.clone()).collect();
        k.call(KIND, &plan.cluster, "TerminateInstances")
            .once(
                k.ec2
                    .terminate_instances()
                    .set_instance_ids(Some(ids))
                    .send(),
            )
            .await?;
    }
    for (id, name) in &extra {
        k.deleted(KIND, name, id);
    }
    Ok(())
}

/// Takes control-plane instances out of the plan's load balancers: every
/// target group of the NLBs (found by name) and the classic ELB.
async fn deregister(k: &Kit<'_>, plan: &Plan, ids: &[String]) -> Result<()> {
    let names: Vec<String> = plan
        .load_balancer
        .iter()
        .chain(&plan.secondary_load_balancer)
        .flat_map(|lb| std::iter::once(&lb.target_group).chain(&lb.additional))
        .map(|tg| tg.name.clone())
        .collect();
    if !names.is_empty() {
        let found = k
            .call(Kind::TargetGroup, &plan.cluster, "DescribeTargetGroups")
            .absent_on(
                "TargetGroupNotFound",
                k.elb.describe_target_groups().set_names(Some(names)).send(),
            )
            .await?;
        let arns: Vec<String> = found
            .iter()
            .flat_map(|o| o.target_groups())
            .filter_map(|t| t.target_group_arn().map(str::to_owned))
            .collect();
        let targets: Vec<TargetDescription> = ids
            .iter()
            .map(|id| TargetDescription::builder().id(id).build())
            .collect();
        for arn in &arns {
            k.call(Kind::TargetGroup, arn, "DeregisterTargets")
                .once(
                    k.elb
                        .deregister_targets()
                        .target_group_arn(arn)
                        .set_targets(Some(targets.clone()))
                        .send(),
                )
                .await?;
            for id in ids {
                k.record(Action::Deregister, Kind::Target, id, Some(id), None);
            }
        }
    }
    if let Some(lb) = &plan.classic_load_balancer {
        let instances: Vec<aws_sdk_elasticloadbalancing::types::Instance> = ids
            .iter()
            .map(|id| {
                aws_sdk_elasticloadbalancing::types::Instance::builder()
                    .instance_id(id)
                    .build()
            })
            .collect();
        let out = k
            .call(
                Kind::ClassicLoadBalancer,
                &lb.name,
                "DeregisterInstancesFromLoadBalancer",
            )
            .absent_on(
                "LoadBalancerNotFound",
                k.classic
                    .deregister_instances_from_load_balancer()
                    .load_balancer_name(&lb.name)
                    .set_instances(Some(instances))
                    .send(),
            )
            .await?;
        if out.is_some() {
            for id in ids {
                k.record(Action::Deregister, Kind::Target, id, Some(id), None);
            }
        }
    }
    Ok(())
}

async fn wait_running(k: &Kit<'_>, name: &str, id: &str) -> Result<()> {
    k.poll(KIND, name, || async {
        let out = k
            .call(KIND, name, "DescribeInstances")
            .after_create(|| k.ec2.describe_instances().instance_ids(id).send())
            .await?;
        let state = out
            .reservations()
            .first()
            .and_then(|r| r.instances().first())
            .and_then(|i| i.state())
            .and_then(|s| s.name())
            .map(|s| s.as_str().to_owned());
        match state.as_deref() {
            Some("running") => Ok(Step::Done(())),
            Some("pending") | None => Ok(Step::Wait(format!("{id} never started running"))),
            Some(other) => Err(Error::stuck(KIND, name, format!("{id} is {other}"))),
        }
    })
    .await
}

async fn launch(
    k: &Kit<'_>,
    plan: &Plan,
    m: &MachinePlan,
    subnet_ids: &BTreeMap<String, String>,
    groups: &Groups,
) -> Result<String> {
    let subnet = subnet_ids.get(&m.subnet_key).cloned().unwrap_or_default();
    let sgs: Vec<String> = m
        .security_group_roles
        .iter()
        .filter_map(|r| groups.get(r).cloned())
        .collect();
    let mut eni = InstanceNetworkInterfaceSpecification::builder()
        .device_index(0)
        .subnet_id(&subnet)
        .set_groups(Some(sgs.clone()));
    if m.primary_ipv6 {
        eni = eni.ipv6_address_count(1).primary_ipv6(true);
    }
    let mut dns = PrivateDnsNameOptionsRequest::builder()
        .set_enable_resource_name_dns_a_record(m.enable_resource_name_dns_a_record)
        .set_enable_resource_name_dns_aaaa_record(m.enable_resource_name_dns_aaaa_record);
    if let Some(h) = &m.hostname_type {
        dns = dns.hostname_type(HostnameType::from(h.as_str()));
    }
    let md = &m.metadata_options;
    let req = k
        .ec2
        .run_instances()
        .image_id(&m.image_id)
        .instance_type(InstanceType::from(m.instance_type.as_str()))
        .set_key_name(m.key_name.clone())
        .min_count(1)
        .max_count(1)
        .network_interfaces(eni.build())
        .private_dns_name_options(dns.build())
        .client_token(client_token(&[&plan.cluster, &m.name, &subnet]))
        .tag_specifications(ec2_tags(ResourceType::Instance, &m.tags))
        .metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_endpoint(InstanceMetadataEndpointState::from(
                    md.http_endpoint.as_str(),
                ))
                .http_protocol_ipv6(InstanceMetadataProtocolState::from(
                    md.http_protocol_ipv6.as_str(),
                ))
                .http_put_response_hop_limit(md.http_put_response_hop_limit)
                .http_tokens(HttpTokensState::from(md.http_tokens.as_str()))
                .instance_metadata_tags(InstanceMetadataTagsState::from(
                    md.instance_metadata_tags.as_str(),
                ))
                .build(),
        );
    if k.dry_run {
        let ask =
            (is_real(&subnet) && sgs.iter().all(|s| is_real(s))).then(|| req.dry_run(true).send());
        return k.would_create(KIND, &m.name, "RunInstances", ask).await;
    }
    let out = k
        .call(KIND, &m.name, "RunInstances")
        .after_create(|| req.clone().send())
        .await?;
    let id = k.made(&m.name, "RunInstances", out.instances().first())?;
    Ok(id)
}

/// Registers the control-plane machines that are not registered yet.
pub(super) async fn register_targets(
    k: &Kit<'_>,
    tg_arn: &str,
    instances: &[String],
) -> Result<()> {
    const TG: Kind = Kind::TargetGroup;
    if !is_real(tg_arn) {
        return Ok(());
    }
    let health = k
        .call(TG, tg_arn, "DescribeTargetHealth")
        .after_create(|| {
            k.elb
                .describe_target_health()
                .target_group_arn(tg_arn)
                .send()
        })
        .await?;
    let registered: Vec<String> = health
        .target_health_descriptions()
        .iter()
        .filter(|d| {
            d.target_health()
                .and_then(|h| h.state())
                .is_none_or(|s| s.as_str() != "draining")
        })
        .filter_map(|d| d.target().and_then(|t| t.id()).map(str::to_owned))
        .collect();
    let missing: Vec<&String> = instances
        .iter()
        .filter(|i| is_real(i) && !registered.contains(i))
        .collect();
    if missing.is_empty() || k.dry_run {
        return Ok(());
    }
    let targets: Vec<TargetDescription> = missing
        .iter()
        .map(|id| TargetDescription::builder().id(*id).build())
        .collect();
    k.call(TG, tg_arn, "RegisterTargets")
        .after_create(|| {
            k.elb
                .register_targets()
                .target_group_arn(tg_arn)
                .set_targets(Some(targets.clone()))
                .send()
        })
        .await?;
    for id in missing {
        k.record(Action::Register, Kind::Target, id, Some(id), None);
    }
    Ok(())
}
