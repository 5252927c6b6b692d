//! Registered instances: RegisterInstancesWithLoadBalancer,
//! DeregisterInstancesFromLoadBalancer and DescribeInstanceHealth.
//!
//! A classic load balancer reaches its instances over IPv4 only: an instance
//! must exist, be in the load balancer's VPC, be pending or running, and
//! have a private IPv4 address (an instance in an IPv6-only subnet has none).
//! Health is the fake's rule, without probes: `InService` once registered
//! (after `settle_reads` reads of registration in progress) while the
//! instance runs, `OutOfService` once it stops.

use super::load_balancers::{Registered, instances_xml};
use super::{errors, find, find_mut};
use crate::protocol::error::AwsResult;
use crate::protocol::{Node, Params};
use crate::region::Ctx;

/// `Instances.member.N.InstanceId`: at least one (when `required`).
fn instance_ids(p: &Params, required: bool) -> AwsResult<Vec<String>> {
    let mut ids: Vec<String> = Vec::new();
    for m in p.member_structs("Instances").unwrap_or_default() {
        let id = m
            .value("InstanceId")
            .ok_or_else(|| errors::validation("An instance must name its InstanceId"))?;
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
    }
    if required && ids.is_empty() {
        return Err(errors::validation(
            "At least one instance must be specified",
        ));
    }
    Ok(ids)
}

pub fn register_instances(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("LoadBalancerName")?.to_owned();
    let ids = instance_ids(p, true)?;
    let lb = find(ctx, &name)?;
    let ec2 = &ctx.region.ec2;
    for id in &ids {
        let i = ec2
            .instances
            .get(id)
            .ok_or_else(|| errors::instance_not_found(id))?;
        if !matches!(i.state.as_str(), "pending" | "running") {
            return Err(errors::invalid_instance(format!(
                "EC2 instance {id} is not in running state."
            )));
        }
        if i.vpc_id != lb.vpc_id {
            return Err(errors::invalid_instance(format!(
                "Instance {id} is not in the same VPC as the load balancer ({})",
                lb.vpc_id
            )));
        }
        if i.private_ip_address().is_none() {
            return Err(errors::invalid_instance(format!(
                "Instance {id} has no private IPv4 address: Classic Load Balancers reach instances over IPv4 only, so an instance in an IPv6-only subnet cannot be registered"
            )));
        }
    }
    let settle = ctx.region.settle_reads;
    let lb = find_mut(ctx, &name)?;
    for id in ids {
        if !lb.instances.iter().any(|i| i.instance_id == id) {
            lb.instances.push(Registered {
                instance_id: id,
                reads_left: settle,
            });
        }
    }
    Ok(vec![instances_xml(&lb.instances)])
}

pub fn deregister_instances(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("LoadBalancerName")?.to_owned();
    let ids = instance_ids(p, true)?;
    let lb = find(ctx, &name)?;
    for id in &ids {
        if !ctx.region.ec2.instances.contains_key(id) {
            return Err(errors::instance_not_found(id));
        }
        if !lb.instances.iter().any(|i| i.instance_id == *id) {
            return Err(errors::invalid_instance(format!(
                "The instance {id} is not registered with the load balancer {name}"
            )));
        }
    }
    let lb = find_mut(ctx, &name)?;
    lb.instances.retain(|i| !ids.contains(&i.instance_id));
    Ok(vec![instances_xml(&lb.instances)])
}

pub fn describe_instance_health(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("LoadBalancerName")?.to_owned();
    let asked = instance_ids(p, false)?;
    let lb = find(ctx, &name)?;
    let ids: Vec<String> = if asked.is_empty() {
        lb.instances.iter().map(|i| i.instance_id.clone()).collect()
    } else {
        for id in &asked {
            if !ctx.region.ec2.instances.contains_key(id) {
                return Err(errors::instance_not_found(id));
            }
        }
        asked
    };
    let states: Vec<String> = ids
        .iter()
        .map(|id| {
            ctx.region
                .ec2
                .instances
                .get(id)
                .map(|i| i.state.clone())
                .unwrap_or_default()
        })
        .collect();
    let lb = find_mut(ctx, &name)?;
    let mut items = Vec::with_capacity(ids.len());
    for (id, ec2_state) in ids.iter().zip(&states) {
        let registered = lb.instances.iter_mut().find(|i| i.instance_id == *id);
        let (state, reason, description) = match registered {
            None => (
                "OutOfService",
                "ELB",
                "Instance is not currently registered with the LoadBalancer.".to_owned(),
            ),
            Some(r) if r.reads_left > 0 => {
                r.reads_left -= 1;
                (
                    "OutOfService",
                    "ELB",
                    "Instance registration is still in progress.".to_owned(),
                )
            }
            Some(_) => match ec2_state.as_str() {
                "pending" | "running" => ("InService", "N/A", "N/A".to_owned()),
                "shutting-down" | "terminated" => (
                    "OutOfService",
                    "Instance",
                    "Instance is in terminated state.".to_owned(),
                ),
                other => (
                    "OutOfService",
                    "Instance",
                    format!("Instance is in {other} state."),
                ),
            },
        };
        items.push(
            Node::el("member")
                .leaf("InstanceId", id)
                .leaf("State", state)
                .leaf("ReasonCode", reason)
                .leaf("Description", description),
        );
    }
    Ok(vec![Node::members("InstanceStates", items)])
}
