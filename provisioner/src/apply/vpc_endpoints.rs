//! CAPA `reconcileVPCEndpoints`: the gateway endpoints the plan asks for
//! (S3, when the cluster has an S3 bucket), found in the VPC by service
//! name, else created with every route table of the cluster's subnets; a
//! found endpoint whose route tables differ is modified to add the missing
//! tables and remove the others, as CAPA does.

use std::collections::BTreeSet;

use aws_sdk_ec2::types::ResourceType;

use super::client_token;
use crate::plan::Plan;
use crate::reconcile::{Kind, Kit, Result, ec2_tags, existing_id, is_real};
use crate::sdk::filter;

const KIND: Kind = Kind::VpcEndpoint;

pub(super) async fn ensure(
    k: &Kit<'_>,
    plan: &Plan,
    vpc_id: &str,
    route_tables: &[String],
) -> Result<()> {
    // CAPA: nothing to do without a service or without route tables.
    let tables: BTreeSet<&str> = route_tables
        .iter()
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .collect();
    if plan.vpc_endpoints.is_empty() || tables.is_empty() {
        return Ok(());
    }
    let services: Vec<&str> = plan
        .vpc_endpoints
        .iter()
        .map(|e| e.service_name.as_str())
        .collect();
    let mut existing = Vec::new();
    if is_real(vpc_id) {
        let mut pages = k
            .ec2
            .describe_vpc_endpoints()
            .filters(filter("service-name", &services))
            .filters(filter("vpc-id", &[vpc_id]))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = k
                .call(KIND, vpc_id, "DescribeVpcEndpoints")
                .once(async { page })
                .await?;
            existing.extend(page.vpc_endpoints().iter().cloned());
        }
    }
    let all_real = is_real(vpc_id) && tables.iter().all(|t| is_real(t));
    for e in &plan.vpc_endpoints {
        // The endpoint has no Name tag (CAPA gives it none): its service
        // names it in the report.
        let name = e.service_name.as_str();
        let found = existing.iter().find(|x| x.service_name() == Some(name));
        if let Some(found) = found {
            let id = existing_id(name, found)?;
            let have: BTreeSet<&str> = found
                .route_table_ids()
                .iter()
                .map(String::as_str)
                .filter(|t| !t.is_empty())
                .collect();
            let add: Vec<&str> = tables.difference(&have).copied().collect();
            let remove: Vec<&str> = have.difference(&tables).copied().collect();
            if add.is_empty() && remove.is_empty() {
                k.exists(KIND, name, &id);
                continue;
            }
            let mut req = k.ec2.modify_vpc_endpoint().vpc_endpoint_id(&id);
            for t in &add {
                req = req.add_route_table_ids(*t);
            }
            for t in &remove {
                req = req.remove_route_table_ids(*t);
            }
            let call = k.call(KIND, name, "ModifyVpcEndpoint");
            if !k.dry_run {
                call.once(req.send()).await?;
            } else if all_real {
                call.dry_run(req.dry_run(true).send()).await?;
            }
            k.updated(KIND, name, &id, route_change(&add, &remove));
            continue;
        }
        let token_parts: Vec<&str> = [plan.cluster.as_str(), "vpce", vpc_id, name]
            .into_iter()
            .chain(tables.iter().copied())
            .collect();
        let mut req = k
            .ec2
            .create_vpc_endpoint()
            .vpc_id(vpc_id)
            .service_name(name)
            .client_token(client_token(&token_parts))
            .tag_specifications(ec2_tags(ResourceType::VpcEndpoint, &e.tags));
        for t in &tables {
            req = req.route_table_ids(*t);
        }
        if k.dry_run {
            let ask = all_real.then(|| req.dry_run(true).send());
            k.would_create(KIND, name, "CreateVpcEndpoint", ask).await?;
            continue;
        }
        let out = k
            .call(KIND, name, "CreateVpcEndpoint")
            .after_create(|| req.clone().send())
            .await?;
        k.made(name, "CreateVpcEndpoint", out.vpc_endpoint())?;
    }
    Ok(())
}

fn route_change(add: &[&str], remove: &[&str]) -> String {
    let mut parts = Vec::new();
    if !add.is_empty() {
        parts.push(format!("route tables + {}", add.join(", ")));
    }
    if !remove.is_empty() {
        parts.push(format!("route tables - {}", remove.join(", ")));
    }
    parts.join("; ")
}
