//! NAT gateways, one per zone with private subnets, each with its Elastic
//! IP (an unassociated one the cluster owns, else a new one), waited for
//! until available; and their public addresses, for rules that name them
//! (CAPA's `natGatewaysIPsSource`).

use std::collections::BTreeMap;

use aws_sdk_ec2::types::{DomainType, ResourceType};

use super::client_token;
use crate::plan::{Plan, tags};
use crate::reconcile::{
    Error, Kind, Kit, Result, Step, ec2_tags, existing_id, is_real, need, pending,
};
use crate::sdk::filter;

/// Ensures the plan's NAT gateways; their ids by zone.
pub(super) async fn ensure(
    k: &Kit<'_>,
    plan: &Plan,
    vpc_id: &str,
    subnet_ids: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut existing = Vec::new();
    if is_real(vpc_id) {
        let out = k
            .call(Kind::NatGateway, vpc_id, "DescribeNatGateways")
            .once(
                k.ec2
                    .describe_nat_gateways()
                    .filter(filter("vpc-id", &[vpc_id]))
                    .filter(filter("state", &["pending", "available"]))
                    .filter(k.tagged())
                    .send(),
            )
            .await?;
        existing.extend(out.nat_gateways().iter().cloned());
    }
    let work = plan.nat_gateways.iter().map(|n| {
        let subnet_id = subnet_ids.get(&n.subnet_key).cloned().unwrap_or_default();
        let found = existing
            .iter()
            .find(|g| g.subnet_id() == Some(subnet_id.as_str()))
            .cloned();
        let name = format!("{}-nat-{}", plan.cluster, n.availability_zone);
        async move {
            let az = n.availability_zone.clone();
            if let Some(g) = found {
                let id = existing_id(&name, &g)?;
                k.exists(Kind::NatGateway, &name, &id);
                wait(k, &name, &id).await?;
                return Ok((az, id));
            }
            let alloc = elastic_ip(k, plan, &az).await?;
            let req = k
                .ec2
                .create_nat_gateway()
                .subnet_id(&subnet_id)
                .allocation_id(&alloc)
                .client_token(client_token(&[
                    &plan.cluster,
                    "nat",
                    &az,
                    &subnet_id,
                    &alloc,
                ]))
                .tag_specifications(ec2_tags(ResourceType::Natgateway, &n.tags));
            if k.dry_run {
                if is_real(&subnet_id) && is_real(&alloc) {
                    k.call(Kind::NatGateway, &name, "CreateNatGateway")
                        .dry_run(req.dry_run(true).send())
                        .await?;
                }
                let id = pending(&name);
                k.created(Kind::NatGateway, &name, &id);
                return Ok((az, id));
            }
            let out = k
                .call(Kind::NatGateway, &name, "CreateNatGateway")
                .after_create(|| req.clone().send())
                .await?;
            let id = k.made(&name, "CreateNatGateway", out.nat_gateway())?;
            wait(k, &name, &id).await?;
            Ok((az, id))
        }
    });
    Ok(k.all(work).await?.into_iter().collect())
}

/// Until the NAT gateway is available; a failed one says why.
async fn wait(k: &Kit<'_>, name: &str, id: &str) -> Result<()> {
    k.poll(Kind::NatGateway, name, || async {
        let out = k
            .call(Kind::NatGateway, name, "DescribeNatGateways")
            .after_create(|| k.ec2.describe_nat_gateways().nat_gateway_ids(id).send())
            .await?;
        let g = out.nat_gateways().first();
        match g.and_then(|g| g.state()).map(|s| s.as_str()) {
            Some("available") => Ok(Step::Done(())),
            Some(state @ ("failed" | "deleting" | "deleted")) => Err(Error::stuck(
                Kind::NatGateway,
                name,
                format!(
                    "{id} is {state}: {} {}",
                    g.and_then(|g| g.failure_code()).unwrap_or_default(),
                    g.and_then(|g| g.failure_message()).unwrap_or_default()
                ),
            )),
            _ => Ok(Step::Wait(format!("{id} did not become available"))),
        }
    })
    .await
}

/// The zone's Elastic IP: an unassociated one the cluster owns, else a new one.
async fn elastic_ip(k: &Kit<'_>, plan: &Plan, az: &str) -> Result<String> {
    const KIND: Kind = Kind::ElasticIp;
    let name = format!("{}-eip-{az}", plan.cluster);
    let out = k
        .call(KIND, &name, "DescribeAddresses")
        .once(
            k.ec2
                .describe_addresses()
                .filters(filter("tag:Name", &[&name]))
                .filters(k.tagged())
                .send(),
        )
        .await?;
    if let Some(id) = k.found(&name, out.addresses().first())? {
        return Ok(id);
    }
    let mut t = plan.vpc.tags.clone();
    t.insert(tags::NAME.into(), name.clone());
    let req = k
        .ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .tag_specifications(ec2_tags(ResourceType::ElasticIp, &t));
    if k.dry_run {
        let ask = Some(req.dry_run(true).send());
        return k.would_create(KIND, &name, "AllocateAddress", ask).await;
    }
    let out = k
        .call(KIND, &name, "AllocateAddress")
        .once(req.send())
        .await?;
    let id = need(
        KIND,
        &name,
        "AllocateAddress",
        "AllocationId",
        out.allocation_id(),
    )?;
    k.created(KIND, &name, &id);
    Ok(id)
}

/// The public addresses of the cluster's NAT gateways.
pub(super) async fn public_ips(
    k: &Kit<'_>,
    nats: &BTreeMap<String, String>,
) -> Result<Vec<String>> {
    let ids: Vec<String> = nats.values().filter(|i| is_real(i)).cloned().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = k
        .call(Kind::NatGateway, k.cluster, "DescribeNatGateways")
        .once(
            k.ec2
                .describe_nat_gateways()
                .set_nat_gateway_ids(Some(ids))
                .send(),
        )
        .await?;
    let mut ips: Vec<String> = out
        .nat_gateways()
        .iter()
        .flat_map(|n| n.nat_gateway_addresses())
        .filter_map(|a| a.public_ip().map(str::to_owned))
        .collect();
    ips.sort();
    Ok(ips)
}
