//! Route tables, one per subnet: found by their association (or, created
//! by an interrupted apply and not yet associated, by Name and subnet key),
//! else created; each planned route created or replaced where its target
//! differs (`0.0.0.0/0` and `::/0` to the internet gateway, `::/0` to the
//! egress-only gateway, `0.0.0.0/0` and `64:ff9b::/96` to a NAT gateway);
//! then associated with its subnet.

use std::collections::BTreeMap;

use aws_sdk_ec2::types::ResourceType;
use ipnet::IpNet;

use crate::discover::tag_map;
use crate::plan::{Destination, Plan, RouteTablePlan, RouteTarget, tags};
use crate::reconcile::call::Policy;
use crate::reconcile::{Kind, Kit, Result, ec2_tags, existing_id, is_real};
use crate::sdk::filter;

/// Which subnet a route table is for, so a table an interrupted apply
/// created but did not associate is found again (CAPA's Name tag is not
/// unique when a zone has two subnets of one role).
pub const SUBNET_KEY_TAG: &str = "provisioner.capa-ipv6/subnet";

const KIND: Kind = Kind::RouteTable;

/// The gateways routes can point at.
#[derive(Clone, Copy)]
pub(super) struct Gateways<'a> {
    pub internet: Option<&'a str>,
    pub egress_only: Option<&'a str>,
    pub carrier: Option<&'a str>,
}

pub(super) async fn ensure(
    k: &Kit<'_>,
    plan: &Plan,
    vpc_id: &str,
    subnet_ids: &BTreeMap<String, String>,
    gateways: Gateways<'_>,
    nats: &BTreeMap<String, String>,
) -> Result<Vec<String>> {
    let mut existing = Vec::new();
    if is_real(vpc_id) {
        let mut pages = k
            .ec2
            .describe_route_tables()
            .filters(filter("vpc-id", &[vpc_id]))
            .filters(k.tagged())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = k
                .call(KIND, vpc_id, "DescribeRouteTables")
                .once(async { page })
                .await?;
            existing.extend(page.route_tables().iter().cloned());
        }
    }
    let work = plan.route_tables.iter().map(|rt| {
        let subnet_id = subnet_ids.get(&rt.subnet_key).cloned().unwrap_or_default();
        let name = rt.tags.get(tags::NAME).cloned().unwrap_or_default();
        let found = existing
            .iter()
            .find(|t| {
                t.associations()
                    .iter()
                    .any(|a| a.subnet_id() == Some(subnet_id.as_str()))
            })
            .or_else(|| {
                // Created by an interrupted apply, not yet associated.
                existing.iter().find(|t| {
                    t.associations().is_empty()
                        && tag_map(t.tags()).get(tags::NAME) == Some(&name)
                        && tag_map(t.tags()).get(SUBNET_KEY_TAG) == Some(&rt.subnet_key)
                })
            })
            .cloned();
        async move {
            let (id, current_routes, associated) = match found {
                Some(t) => {
                    let id = existing_id(&name, &t)?;
                    k.exists(KIND, &name, &id);
                    let assoc = t
                        .associations()
                        .iter()
                        .any(|a| a.subnet_id() == Some(subnet_id.as_str()));
                    (id, t.routes().to_vec(), assoc)
                }
                None => (create(k, rt, &name, vpc_id).await?, Vec::new(), false),
            };
            for r in &rt.routes {
                let target = match &r.target {
                    RouteTarget::InternetGateway => gateways.internet.map(str::to_owned),
                    RouteTarget::EgressOnlyInternetGateway => {
                        gateways.egress_only.map(str::to_owned)
                    }
                    RouteTarget::CarrierGateway => gateways.carrier.map(str::to_owned),
                    RouteTarget::NatGateway(az) => nats.get(az).cloned(),
                };
                let Some(target) = target else { continue };
                let dest = r.destination.cidr();
                let cur = current_routes.iter().find(|c| match dest {
                    IpNet::V4(d) => c.destination_cidr_block() == Some(d.to_string().as_str()),
                    IpNet::V6(d) => c.destination_ipv6_cidr_block() == Some(d.to_string().as_str()),
                });
                let cur_target = cur.and_then(|c| {
                    c.gateway_id()
                        .or(c.egress_only_internet_gateway_id())
                        .or(c.nat_gateway_id())
                        .or(c.carrier_gateway_id())
                        .map(str::to_owned)
                });
                if cur_target.as_deref() == Some(target.as_str()) {
                    continue;
                }
                let replace = cur.is_some();
                if k.dry_run && !(is_real(&id) && is_real(&target)) {
                    continue;
                }
                route(k, &name, &id, r.destination, &r.target, &target, replace).await?;
                // CAPA's fixMismatchedRouting replaces a route's target; it
                // never adds a missing route back.
                if replace {
                    k.updated(KIND, &name, &id, format!("{dest} -> {target}"));
                } else if associated {
                    k.repaired_beyond_capa(KIND, &name, &id, format!("{dest} -> {target}"));
                }
            }
            if !associated {
                let req = k
                    .ec2
                    .associate_route_table()
                    .route_table_id(&id)
                    .subnet_id(&subnet_id);
                let call = k.call(KIND, &name, "AssociateRouteTable");
                if !k.dry_run {
                    call.after_create(|| req.clone().send()).await?;
                } else if is_real(&id) && is_real(&subnet_id) {
                    call.dry_run(req.dry_run(true).send()).await?;
                }
            }
            Ok(id)
        }
    });
    k.all(work).await
}

async fn create(k: &Kit<'_>, rt: &RouteTablePlan, name: &str, vpc_id: &str) -> Result<String> {
    let mut t = rt.tags.clone();
    t.insert(SUBNET_KEY_TAG.into(), rt.subnet_key.clone());
    let req = k
        .ec2
        .create_route_table()
        .vpc_id(vpc_id)
        .tag_specifications(ec2_tags(ResourceType::RouteTable, &t));
    if k.dry_run {
        let ask = (is_real(vpc_id)).then(|| req.dry_run(true).send());
        return k.would_create(KIND, name, "CreateRouteTable", ask).await;
    }
    let out = k
        .call(KIND, name, "CreateRouteTable")
        .after_create(|| req.clone().send())
        .await?;
    let id = k.made(name, "CreateRouteTable", out.route_table())?;
    Ok(id)
}

/// CreateRoute, or ReplaceRoute when the destination has another target.
async fn route(
    k: &Kit<'_>,
    name: &str,
    table: &str,
    dest: Destination,
    target_kind: &RouteTarget,
    target: &str,
    replace: bool,
) -> Result<()> {
    let (v4, v6) = match dest.cidr() {
        IpNet::V4(d) => (Some(d.to_string()), None),
        IpNet::V6(d) => (None, Some(d.to_string())),
    };
    let target = Some(target.to_owned());
    let (mut gw, mut eigw, mut cagw, mut nat) = (None, None, None, None);
    match target_kind {
        RouteTarget::InternetGateway => gw = target,
        RouteTarget::EgressOnlyInternetGateway => eigw = target,
        RouteTarget::CarrierGateway => cagw = target,
        RouteTarget::NatGateway(_) => nat = target,
    }
    let dry = k.dry_run.then_some(true);
    // CreateRoute and ReplaceRoute take the same fields.
    macro_rules! fields {
        ($builder:expr) => {
            $builder
                .route_table_id(table)
                .set_destination_cidr_block(v4)
                .set_destination_ipv6_cidr_block(v6)
                .set_gateway_id(gw)
                .set_egress_only_internet_gateway_id(eigw)
                .set_nat_gateway_id(nat)
                .set_carrier_gateway_id(cagw)
                .set_dry_run(dry)
        };
    }
    if replace {
        let req = fields!(k.ec2.replace_route());
        k.call(KIND, name, "ReplaceRoute")
            .run(Policy::AFTER_CREATE_OR_DRY_RUN, || req.clone().send())
            .await
            .map(drop)
    } else {
        let req = fields!(k.ec2.create_route());
        k.call(KIND, name, "CreateRoute")
            .run(Policy::AFTER_CREATE_OR_DRY_RUN, || req.clone().send())
            .await
            .map(drop)
    }
}
