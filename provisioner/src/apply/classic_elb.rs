//! CAPA's default API load balancer, a classic ELB, as
//! `getOrCreateClassicLoadBalancer` and `reconcileClassicLoadBalancer`
//! make it: found by name, else created with its listener, subnets,
//! security groups, scheme and tags; its health check and attributes
//! (cross-zone, idle timeout) set where they differ; the control plane
//! registered (`RegisterInstanceWithAPIServerELB`).

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancing::types::{
    ConnectionSettings, CrossZoneLoadBalancing, HealthCheck, Instance, Listener,
    LoadBalancerAttributes, LoadBalancerDescription, Tag,
};

use super::security_groups::{Groups, group_ids_of};
use super::subnets::subnet_ids_of;
use crate::plan::ClassicLbPlan;
use crate::reconcile::{Action, Kind, Kit, Result, is_real, pending};

const KIND: Kind = Kind::ClassicLoadBalancer;

/// What the load balancer is once it is there.
pub(super) struct Made {
    /// The instances registered with it.
    pub registered: Vec<String>,
    /// `dns-name:port`, when AWS gave a DNS name.
    pub endpoint: Option<String>,
}

pub(super) async fn ensure(
    k: &Kit<'_>,
    lb: &ClassicLbPlan,
    vpc_id: &str,
    subnet_ids: &BTreeMap<String, String>,
    groups: &Groups,
) -> Result<Made> {
    let name = &lb.name;
    let none = || Made {
        registered: Vec::new(),
        endpoint: None,
    };
    if k.dry_run && !is_real(vpc_id) {
        k.created(KIND, name, &pending(name));
        return Ok(none());
    }
    let found = describe(k, name, false).await?;
    let (described, created) = match found {
        Some(d) => {
            k.exists(KIND, name, name);
            (d, false)
        }
        None if k.dry_run => {
            k.created(KIND, name, &pending(name));
            return Ok(none());
        }
        None => {
            create(k, lb, subnet_ids, groups).await?;
            k.created(KIND, name, name);
            // The description of what was just made (its DNS name, health
            // check and instances), read as soon as AWS has it.
            let d = describe(k, name, true)
                .await?
                .unwrap_or_else(|| LoadBalancerDescription::builder().build());
            (d, true)
        }
    };
    health_check(k, lb, &described, created).await?;
    attributes(k, lb, created).await?;
    Ok(Made {
        registered: described
            .instances()
            .iter()
            .filter_map(|i| i.instance_id().map(str::to_owned))
            .collect(),
        endpoint: described
            .dns_name()
            .map(|d| format!("{d}:{}", lb.listener_port)),
    })
}

/// The load balancer by name; `None` when AWS does not know it. Right
/// after a create, a not-found is AWS catching up and is retried.
async fn describe(
    k: &Kit<'_>,
    name: &str,
    after_create: bool,
) -> Result<Option<LoadBalancerDescription>> {
    let send = || {
        k.classic
            .describe_load_balancers()
            .load_balancer_names(name)
            .send()
    };
    let out = if after_create {
        Some(
            k.call(KIND, name, "DescribeLoadBalancers")
                .after_create(send)
                .await?,
        )
    } else {
        k.call(KIND, name, "DescribeLoadBalancers")
            .absent_on("LoadBalancerNotFound", send())
            .await?
    };
    Ok(out.and_then(|o| o.load_balancer_descriptions().first().cloned()))
}

async fn create(
    k: &Kit<'_>,
    lb: &ClassicLbPlan,
    subnet_ids: &BTreeMap<String, String>,
    groups: &Groups,
) -> Result<()> {
    let subnets = subnet_ids_of(&lb.subnet_keys, subnet_ids);
    let sgs = group_ids_of(&lb.security_group_roles, groups);
    let tags: Vec<Tag> = lb
        .tags
        .iter()
        .map(|(key, value)| Tag::builder().key(key).value(value).build())
        .collect::<std::result::Result<_, _>>()
        .expect("a tag with a key");
    let listener = Listener::builder()
        .protocol("TCP")
        .load_balancer_port(i32::from(lb.listener_port))
        .instance_protocol("TCP")
        .instance_port(i32::from(lb.instance_port))
        .build()
        .expect("a listener with its protocol and ports");
    k.call(KIND, &lb.name, "CreateLoadBalancer")
        .once(
            k.classic
                .create_load_balancer()
                .load_balancer_name(&lb.name)
                .listeners(listener)
                .set_subnets(Some(subnets))
                .set_security_groups(Some(sgs))
                .scheme(lb.scheme.as_str())
                .set_tags(Some(tags))
                .send(),
        )
        .await?;
    Ok(())
}

/// CAPA's `configureHealthCheck`, where the load balancer's differs (CAPA
/// sends it on every reconcile; the result is the same).
async fn health_check(
    k: &Kit<'_>,
    lb: &ClassicLbPlan,
    described: &LoadBalancerDescription,
    created: bool,
) -> Result<()> {
    let want = &lb.health_check;
    let have = described.health_check();
    let same = have.is_some_and(|h| {
        h.target() == want.target
            && h.interval() == want.interval
            && h.timeout() == want.timeout
            && h.healthy_threshold() == want.healthy_threshold
            && h.unhealthy_threshold() == want.unhealthy_threshold
    });
    if same {
        return Ok(());
    }
    if !k.dry_run {
        let check = HealthCheck::builder()
            .target(&want.target)
            .interval(want.interval)
            .timeout(want.timeout)
            .healthy_threshold(want.healthy_threshold)
            .unhealthy_threshold(want.unhealthy_threshold)
            .build()
            .expect("a health check with every member");
        k.call(KIND, &lb.name, "ConfigureHealthCheck")
            .after_create(|| {
                k.classic
                    .configure_health_check()
                    .load_balancer_name(&lb.name)
                    .health_check(check.clone())
                    .send()
            })
            .await?;
    }
    if !created {
        k.updated(
            KIND,
            &lb.name,
            &lb.name,
            format!("health check {}", want.target),
        );
    }
    Ok(())
}

/// CAPA's `configureAttributes`: cross-zone and the idle timeout, where
/// the load balancer's differ (part of making it, when it is new).
async fn attributes(k: &Kit<'_>, lb: &ClassicLbPlan, created: bool) -> Result<()> {
    let have = k
        .call(KIND, &lb.name, "DescribeLoadBalancerAttributes")
        .after_create(|| {
            k.classic
                .describe_load_balancer_attributes()
                .load_balancer_name(&lb.name)
                .send()
        })
        .await?;
    let attrs = have.load_balancer_attributes();
    let cross_zone = attrs
        .and_then(|a| a.cross_zone_load_balancing())
        .map(|c| c.enabled());
    let idle = attrs
        .and_then(|a| a.connection_settings())
        .map(|c| c.idle_timeout());
    let mut differ = Vec::new();
    if cross_zone != Some(lb.cross_zone) {
        differ.push(format!("cross-zone {}", lb.cross_zone));
    }
    if idle != Some(lb.idle_timeout_seconds) {
        differ.push(format!("idle timeout {} s", lb.idle_timeout_seconds));
    }
    if differ.is_empty() {
        return Ok(());
    }
    if !k.dry_run {
        let want = LoadBalancerAttributes::builder()
            .cross_zone_load_balancing(
                CrossZoneLoadBalancing::builder()
                    .enabled(lb.cross_zone)
                    .build(),
            )
            .connection_settings(
                ConnectionSettings::builder()
                    .idle_timeout(lb.idle_timeout_seconds)
                    .build()
                    .expect("connection settings with the idle timeout"),
            )
            .build();
        k.call(KIND, &lb.name, "ModifyLoadBalancerAttributes")
            .after_create(|| {
                k.classic
                    .modify_load_balancer_attributes()
                    .load_balancer_name(&lb.name)
                    .load_balancer_attributes(want.clone())
                    .send()
            })
            .await?;
    }
    if !created {
        k.updated(KIND, &lb.name, &lb.name, differ.join(", "));
    }
    Ok(())
}

/// CAPA's `RegisterInstanceWithAPIServerELB`: the control-plane instances
/// not registered yet.
pub(super) async fn register(
    k: &Kit<'_>,
    lb: &ClassicLbPlan,
    made: &Made,
    instances: &[String],
) -> Result<()> {
    let missing: Vec<&String> = instances
        .iter()
        .filter(|i| is_real(i) && !made.registered.contains(i))
        .collect();
    if missing.is_empty() || k.dry_run {
        return Ok(());
    }
    let list: Vec<Instance> = missing
        .iter()
        .map(|id| Instance::builder().instance_id(*id).build())
        .collect();
    k.call(KIND, &lb.name, "RegisterInstancesWithLoadBalancer")
        .after_create(|| {
            k.classic
                .register_instances_with_load_balancer()
                .load_balancer_name(&lb.name)
                .set_instances(Some(list.clone()))
                .send()
        })
        .await?;
    for id in missing {
        k.record(Action::Register, Kind::Target, id, Some(id), None);
    }
    Ok(())
}
