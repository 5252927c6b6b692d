//! Subnets: managed ones found by their Name and the cluster's tag, else
//! created with their blocks (an IPv6 slot resolved in the VPC's block),
//! then given the attributes CAPA sets one call at a time; bring-your-own
//! ones found by id and left as they are.

use std::collections::BTreeMap;

use aws_sdk_ec2::operation::modify_subnet_attribute::builders::ModifySubnetAttributeFluentBuilder;
use aws_sdk_ec2::types::{HostnameType, ResourceType, Subnet};
use ipnet::Ipv6Net;

use super::on;
use crate::discover::tag_map;
use crate::model::Family;
use crate::plan::{Plan, SubnetPlan, tags};
use crate::reconcile::{Error, Kind, Kit, Result, ec2_tags, existing_id, is_real, pending};
use crate::sdk::filter;

/// Ensures every subnet of the plan; their ids by subnet key.
/// The ids of the subnets a plan names by key; a subnet not made (a dry
/// run) is left out.
pub(super) fn subnet_ids_of(keys: &[String], ids: &BTreeMap<String, String>) -> Vec<String> {
    keys.iter().filter_map(|s| ids.get(s).cloned()).collect()
}

pub(super) async fn ensure(
    k: &Kit<'_>,
    plan: &Plan,
    vpc_id: &str,
    vpc_v6: Option<Ipv6Net>,
) -> Result<BTreeMap<String, String>> {
    let mut existing = Vec::new();
    if is_real(vpc_id) {
        let mut pages = k
            .ec2
            .describe_subnets()
            .filters(filter("vpc-id", &[vpc_id]))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = k
                .call(Kind::Subnet, vpc_id, "DescribeSubnets")
                .once(async { page })
                .await?;
            existing.extend(page.subnets().iter().cloned());
        }
    }
    let owned = tags::owned_key(&plan.cluster);
    let work = plan.subnets.iter().map(|s| {
        let found = if s.managed {
            existing.iter().find(|e| {
                let t = tag_map(e.tags());
                t.get("Name") == s.tags.get("Name") && t.contains_key(&owned)
            })
        } else {
            existing
                .iter()
                .find(|e| e.subnet_id() == s.resource_id.as_deref())
        };
        async move {
            let id = match found {
                Some(e) => {
                    let id = existing_id(&s.key, e)?;
                    k.exists(Kind::Subnet, &s.key, &id);
                    if s.managed {
                        attributes(k, s, &id, Some(e)).await?;
                    }
                    id
                }
                None if !s.managed => {
                    return Err(Error::stuck(
                        Kind::Subnet,
                        &s.key,
                        format!("no such subnet in {vpc_id}"),
                    ));
                }
                None => {
                    let id = create(k, s, vpc_id, vpc_v6).await?;
                    attributes(k, s, &id, None).await?;
                    id
                }
            };
            Ok((s.key.clone(), id))
        }
    });
    Ok(k.all(work).await?.into_iter().collect())
}

async fn create(
    k: &Kit<'_>,
    s: &SubnetPlan,
    vpc_id: &str,
    vpc_v6: Option<Ipv6Net>,
) -> Result<String> {
    if k.dry_run && !is_real(vpc_id) {
        // The VPC (and so its IPv6 block) does not exist yet.
        let id = pending(&s.key);
        k.created(Kind::Subnet, &s.key, &id);
        return Ok(id);
    }
    let v6 = match s.ipv6 {
        None => None,
        Some(b) => Some(b.resolve(vpc_v6).ok_or_else(|| {
            Error::stuck(
                Kind::Subnet,
                &s.key,
                format!("no IPv6 block for {b}: the VPC has no IPv6 block, or it is too small"),
            )
        })?),
    };
    let req = k
        .ec2
        .create_subnet()
        .vpc_id(vpc_id)
        .set_availability_zone(s.availability_zone.clone())
        .set_cidr_block(
            s.cidr_block
                .map(|c| c.to_string())
                .or_else(|| s.cidr_text.clone()),
        )
        .set_ipv6_cidr_block(v6.map(|c| c.to_string()).or_else(|| s.ipv6_text.clone()))
        .set_ipv6_native((s.family == Family::Ipv6Only).then_some(true))
        .tag_specifications(ec2_tags(ResourceType::Subnet, &s.tags));
    if k.dry_run {
        let ask = (is_real(vpc_id)).then(|| req.dry_run(true).send());
        return k
            .would_create(Kind::Subnet, &s.key, "CreateSubnet", ask)
            .await;
    }
    let out = k
        .call(Kind::Subnet, &s.key, "CreateSubnet")
        .once(req.send())
        .await?;
    let id = k.made(&s.key, "CreateSubnet", out.subnet())?;
    Ok(id)
}

/// Sets the attributes CAPA sets after creating a subnet, one per call,
/// and only those that differ.
async fn attributes(k: &Kit<'_>, s: &SubnetPlan, id: &str, current: Option<&Subnet>) -> Result<()> {
    let cur_assign = current
        .and_then(|c| c.assign_ipv6_address_on_creation())
        .unwrap_or(s.family == Family::Ipv6Only);
    let cur_dns64 = current.and_then(|c| c.enable_dns64()).unwrap_or(false);
    let cur_public = current
        .and_then(|c| c.map_public_ip_on_launch())
        .unwrap_or(false);
    let cur_hostname = current
        .and_then(|c| c.private_dns_name_options_on_launch())
        .and_then(|o| o.hostname_type())
        .map(|h| h.as_str().to_owned());
    let mut changes: Vec<(&str, ModifySubnetAttributeFluentBuilder)> = Vec::new();
    let base = || k.ec2.modify_subnet_attribute().subnet_id(id);
    if s.assign_ipv6_address_on_creation && !cur_assign {
        changes.push((
            "AssignIpv6AddressOnCreation",
            base().assign_ipv6_address_on_creation(on()),
        ));
    }
    if s.enable_dns64 && !cur_dns64 {
        changes.push(("EnableDns64", base().enable_dns64(on())));
    }
    if s.map_public_ip_on_launch && !cur_public {
        changes.push(("MapPublicIpOnLaunch", base().map_public_ip_on_launch(on())));
    }
    if let Some(h) = &s.hostname_type
        && current.is_none_or(|_| cur_hostname.as_deref() != Some(h))
    {
        changes.push((
            "PrivateDnsHostnameTypeOnLaunch",
            base().private_dns_hostname_type_on_launch(HostnameType::from(h.as_str())),
        ));
    }
    for (what, req) in changes {
        // ModifySubnetAttribute has no DryRun: a dry run only reports it.
        if !k.dry_run {
            k.call(Kind::Subnet, &s.key, "ModifySubnetAttribute")
                .after_create(|| req.clone().send())
                .await?;
        }
        if current.is_some() {
            // CAPA sets subnet attributes only when it creates the subnet.
            k.repaired_beyond_capa(Kind::Subnet, &s.key, id, format!("{what} on"));
        }
    }
    Ok(())
}
