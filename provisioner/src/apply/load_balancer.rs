//! The control-plane load balancer (found by name; its IP address type set
//! when it differs), waited for until active; its target group (found by
//! name) with the plan's IP address type; and its listener.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, IpAddressType, LoadBalancerAttribute, LoadBalancerSchemeEnum,
    LoadBalancerTypeEnum, ProtocolEnum, TargetGroupAttribute, TargetGroupIpAddressTypeEnum,
    TargetTypeEnum,
};

use super::security_groups::{Groups, group_ids_of};
use super::subnets::subnet_ids_of;
use crate::plan::{LoadBalancerPlan, TargetGroupPlan};
use crate::reconcile::{
    Error, Kind, Kit, Result, Step, elb_tags, existing_id, is_real, made_id, need, pending,
};

/// What the load balancer is once it is there.
pub(super) struct Made {
    /// The API target group's, then each additional listener's: the
    /// control plane is registered in every one (CAPA's
    /// `RegisterInstanceWithAPIServerLB`).
    pub target_group_arns: Vec<String>,
    /// `dns-name:port`, when AWS gave a DNS name.
    pub endpoint: Option<String>,
}

/// [`ensure`] for a load balancer the plan may not have.
pub(super) async fn ensure_if(
    k: &Kit<'_>,
    lb: Option<&LoadBalancerPlan>,
    vpc_id: &str,
    subnet_ids: &BTreeMap<String, String>,
    groups: &Groups,
) -> Result<Option<Made>> {
    match lb {
        Some(lb) => ensure(k, lb, vpc_id, subnet_ids, groups).await.map(Some),
        None => Ok(None),
    }
}

pub(super) async fn ensure(
    k: &Kit<'_>,
    lb: &LoadBalancerPlan,
    vpc_id: &str,
    subnet_ids: &BTreeMap<String, String>,
    groups: &Groups,
) -> Result<Made> {
    const KIND: Kind = Kind::LoadBalancer;
    let name = &lb.name;
    let would_create = || {
        k.created(KIND, name, &pending(name));
        k.created(
            Kind::TargetGroup,
            &lb.target_group.name,
            &pending(&lb.target_group.name),
        );
        Made {
            target_group_arns: vec![pending(&lb.target_group.name)],
            endpoint: None,
        }
    };
    if k.dry_run && !is_real(vpc_id) {
        return Ok(would_create());
    }
    let found = k
        .call(KIND, name, "DescribeLoadBalancers")
        .absent_on(
            "LoadBalancerNotFound",
            k.elb.describe_load_balancers().names(name).send(),
        )
        .await?
        .and_then(|out| out.load_balancers().first().cloned());
    let (arn, dns) = match found {
        Some(existing) => {
            let arn = existing_id(name, &existing)?;
            k.exists(KIND, name, &arn);
            let cur = existing.ip_address_type().map(|t| t.as_str().to_owned());
            if cur.as_deref() != Some(lb.ip_address_type.as_str()) {
                if !k.dry_run {
                    k.call(KIND, name, "SetIpAddressType")
                        .once(
                            k.elb
                                .set_ip_address_type()
                                .load_balancer_arn(&arn)
                                .ip_address_type(IpAddressType::from(lb.ip_address_type.as_str()))
                                .send(),
                        )
                        .await?;
                }
                // CAPA never changes the IP address type after creation.
                k.repaired_beyond_capa(
                    KIND,
                    name,
                    &arn,
                    format!(
                        "IP address type {} -> {}",
                        cur.unwrap_or_default(),
                        lb.ip_address_type
                    ),
                );
            }
            (arn, existing.dns_name().map(str::to_owned))
        }
        None if k.dry_run => return Ok(would_create()),
        None => {
            let subnets = subnet_ids_of(&lb.subnet_keys, subnet_ids);
            let sgs = group_ids_of(&lb.security_group_roles, groups);
            let out = k
                .call(KIND, name, "CreateLoadBalancer")
                .once(
                    k.elb
                        .create_load_balancer()
                        .name(name)
                        .r#type(LoadBalancerTypeEnum::from(lb.lb_type.as_str()))
                        .scheme(LoadBalancerSchemeEnum::from(lb.scheme.as_str()))
                        .ip_address_type(IpAddressType::from(lb.ip_address_type.as_str()))
                        .set_subnets(Some(subnets))
                        .set_security_groups(Some(sgs))
                        .set_tags(Some(elb_tags(&lb.tags)))
                        .send(),
                )
                .await?;
            let l = out.load_balancers().first();
            let arn = need(
                KIND,
                name,
                "CreateLoadBalancer",
                "LoadBalancerArn",
                l.and_then(|l| l.load_balancer_arn()),
            )?;
            k.created(KIND, name, &arn);
            (arn, l.and_then(|l| l.dns_name()).map(str::to_owned))
        }
    };
    wait_active(k, name, &arn).await?;
    let mut target_group_arns = Vec::new();
    for tgp in std::iter::once(&lb.target_group).chain(&lb.additional) {
        // Each listener is on its target group's port (the API one's is
        // `listener_port`, 6443 both).
        let tg_arn = target_group(k, lb, tgp, vpc_id).await?;
        listener(k, lb, &arn, tgp.port, &tgp.protocol, &tg_arn).await?;
        target_group_arns.push(tg_arn);
    }
    attributes(k, lb, &arn).await?;
    Ok(Made {
        target_group_arns,
        endpoint: dns.map(|d| format!("{d}:{}", lb.listener_port)),
    })
}

async fn wait_active(k: &Kit<'_>, name: &str, arn: &str) -> Result<()> {
    k.poll(Kind::LoadBalancer, name, || async {
        let out = k
            .call(Kind::LoadBalancer, name, "DescribeLoadBalancers")
            .after_create(|| {
                k.elb
                    .describe_load_balancers()
                    .load_balancer_arns(arn)
                    .send()
            })
            .await?;
        let state = out
            .load_balancers()
            .first()
            .and_then(|l| l.state())
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_owned());
        match state.as_deref() {
            Some("active") => Ok(Step::Done(())),
            Some("failed") => Err(Error::stuck(
                Kind::LoadBalancer,
                name,
                format!("{arn} failed"),
            )),
            _ => Ok(Step::Wait(format!(
                "{arn} stayed in state {} and never became active",
                state.unwrap_or_else(|| "unknown".into())
            ))),
        }
    })
    .await
}

async fn target_group(
    k: &Kit<'_>,
    lb: &LoadBalancerPlan,
    tgp: &TargetGroupPlan,
    vpc_id: &str,
) -> Result<String> {
    const KIND: Kind = Kind::TargetGroup;
    let found = k
        .call(KIND, &tgp.name, "DescribeTargetGroups")
        .absent_on(
            "TargetGroupNotFound",
            k.elb.describe_target_groups().names(&tgp.name).send(),
        )
        .await?
        .and_then(|out| out.target_groups().first().cloned());
    if let Some(t) = found {
        let arn = existing_id(&tgp.name, &t)?;
        k.exists(KIND, &tgp.name, &arn);
        return Ok(arn);
    }
    let out = k
        .call(KIND, &tgp.name, "CreateTargetGroup")
        .once(
            k.elb
                .create_target_group()
                .name(&tgp.name)
                .protocol(ProtocolEnum::from(tgp.protocol.as_str()))
                .port(i32::from(tgp.port))
                .vpc_id(vpc_id)
                .target_type(TargetTypeEnum::Instance)
                .ip_address_type(TargetGroupIpAddressTypeEnum::from(
                    tgp.ip_address_type.as_str(),
                ))
                .health_check_protocol(ProtocolEnum::from(tgp.health_check_protocol.as_str()))
                .set_health_check_path(tgp.health_check_path.clone())
                .health_check_port(&tgp.health_check_port)
                .set_health_check_interval_seconds(tgp.health_check_interval_seconds)
                .set_health_check_timeout_seconds(tgp.health_check_timeout_seconds)
                .set_healthy_threshold_count(tgp.healthy_threshold_count)
                .set_unhealthy_threshold_count(tgp.unhealthy_threshold_count)
                .set_tags(Some(elb_tags(&lb.tags)))
                .send(),
        )
        .await?;
    let arn = made_id(&tgp.name, "CreateTargetGroup", out.target_groups().first())?;
    k.created(KIND, &tgp.name, &arn);
    if !tgp.attributes.is_empty() {
        let attrs: Vec<TargetGroupAttribute> = tgp
            .attributes
            .iter()
            .map(|(key, value)| {
                TargetGroupAttribute::builder()
                    .key(key)
                    .value(value)
                    .build()
            })
            .collect();
        k.call(KIND, &tgp.name, "ModifyTargetGroupAttributes")
            .after_create(|| {
                k.elb
                    .modify_target_group_attributes()
                    .target_group_arn(&arn)
                    .set_attributes(Some(attrs.clone()))
                    .send()
            })
            .await?;
    }
    Ok(arn)
}

/// CAPA's `configureLBAttributes`: the plan's attributes, sent where the load
/// balancer's differ.
async fn attributes(k: &Kit<'_>, lb: &LoadBalancerPlan, arn: &str) -> Result<()> {
    let have = k
        .call(
            Kind::LoadBalancer,
            &lb.name,
            "DescribeLoadBalancerAttributes",
        )
        .after_create(|| {
            k.elb
                .describe_load_balancer_attributes()
                .load_balancer_arn(arn)
                .send()
        })
        .await?;
    let differ: Vec<&(String, String)> = lb
        .attributes
        .iter()
        .filter(|(key, want)| {
            let now = have
                .attributes()
                .iter()
                .find(|a| a.key() == Some(key.as_str()))
                .and_then(|a| a.value());
            now != Some(want.as_str())
        })
        .collect();
    if differ.is_empty() {
        return Ok(());
    }
    if !k.dry_run {
        let attrs: Vec<LoadBalancerAttribute> = differ
            .iter()
            .map(|(key, value)| {
                LoadBalancerAttribute::builder()
                    .key(key)
                    .value(value)
                    .build()
            })
            .collect();
        k.call(Kind::LoadBalancer, &lb.name, "ModifyLoadBalancerAttributes")
            .after_create(|| {
                k.elb
                    .modify_load_balancer_attributes()
                    .load_balancer_arn(arn)
                    .set_attributes(Some(attrs.clone()))
                    .send()
            })
            .await?;
    }
    let what: Vec<String> = differ.iter().map(|(key, v)| format!("{key} {v}")).collect();
    k.updated(Kind::LoadBalancer, &lb.name, arn, what.join(", "));
    Ok(())
}

async fn listener(
    k: &Kit<'_>,
    lb: &LoadBalancerPlan,
    arn: &str,
    port: u16,
    protocol: &str,
    tg_arn: &str,
) -> Result<()> {
    const KIND: Kind = Kind::Listener;
    let name = &lb.name;
    let listeners = k
        .call(KIND, name, "DescribeListeners")
        .after_create(|| k.elb.describe_listeners().load_balancer_arn(arn).send())
        .await?;
    let has = listeners
        .listeners()
        .iter()
        .any(|l| l.port() == Some(i32::from(port)));
    if has {
        return Ok(());
    }
    let req = k
        .elb
        .create_listener()
        .load_balancer_arn(arn)
        .protocol(ProtocolEnum::from(protocol))
        .port(i32::from(port))
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(tg_arn)
                .build(),
        );
    let out = k
        .call(KIND, name, "CreateListener")
        .after_create(|| req.clone().send())
        .await?;
    let listener_name = format!("{name}:{port}");
    let larn = made_id(&listener_name, "CreateListener", out.listeners().first())?;
    k.created(KIND, &listener_name, &larn);
    Ok(())
}
