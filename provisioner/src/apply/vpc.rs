//! The VPC: found by its Name and the cluster's owned tag, else created
//! with its IPv6 block (Amazon, BYOIP pool or IPAM pool) and waited for
//! until that block is associated; DNS support and hostnames forced on,
//! as CAPA does. A bring-your-own VPC is only read.

use aws_sdk_ec2::types::{ResourceType, VpcAttributeName};
use ipnet::{Ipv4Net, Ipv6Net};

use super::on;
use crate::discover::vpc_fact;
use crate::plan::{Ipv6Plan, Plan};
use crate::reconcile::{Error, Kind, Kit, Result, Step, ec2_tags, existing_id, pending};
use crate::sdk::filter;

/// The VPC as the rest of the apply needs it.
pub(super) struct Vpc {
    pub id: String,
    pub ipv4: Option<Ipv4Net>,
    pub ipv6: Option<Ipv6Net>,
}

pub(super) async fn ensure(k: &Kit<'_>, plan: &Plan) -> Result<Vpc> {
    let name = format!("{}-vpc", plan.cluster);
    if let Some(id) = &plan.vpc.existing_id {
        return existing(k, plan, id).await;
    }
    // CAPA's reconcileVPC: a managed VPC named by `vpc.id` is described by
    // that id; otherwise by its Name and the cluster's tag.
    let found = match &plan.vpc.managed_id {
        Some(id) => {
            k.call(Kind::Vpc, &name, "DescribeVpcs")
                .once(k.ec2.describe_vpcs().vpc_ids(id).send())
                .await?
        }
        None => {
            k.call(Kind::Vpc, &name, "DescribeVpcs")
                .once(
                    k.ec2
                        .describe_vpcs()
                        .filters(filter("tag:Name", &[&name]))
                        .filters(k.tagged())
                        .filters(filter("state", &["pending", "available"]))
                        .send(),
                )
                .await?
        }
    };
    let created = found.vpcs().is_empty();
    let id = if let Some(v) = found.vpcs().first() {
        let id = existing_id(&name, v)?;
        k.exists(Kind::Vpc, &name, &id);
        id
    } else {
        let mut req = k
            .ec2
            .create_vpc()
            .set_cidr_block(
                plan.vpc
                    .ipv4_ipam
                    .is_none()
                    .then(|| plan.vpc.cidr_block_text.clone()),
            )
            .tag_specifications(ec2_tags(ResourceType::Vpc, &plan.vpc.tags));
        if let Some(ipam) = &plan.vpc.ipv4_ipam {
            let pool = ipam_pool(k, ipam.pool_id.as_deref(), ipam.pool_name.as_deref()).await?;
            req = req
                .ipv4_ipam_pool_id(pool)
                .ipv4_netmask_length(i32::from(ipam.netmask_length));
        }
        match &plan.vpc.ipv6 {
            None | Some(Ipv6Plan::Existing { .. }) => {}
            Some(Ipv6Plan::Amazon) => req = req.amazon_provided_ipv6_cidr_block(true),
            Some(Ipv6Plan::Byoip { pool_id, cidr }) => {
                req = req.ipv6_pool(pool_id).set_ipv6_cidr_block(cidr.clone());
            }
            Some(Ipv6Plan::Ipam {
                pool_id,
                pool_name,
                netmask_length,
            }) => {
                let pool = ipam_pool(k, pool_id.as_deref(), pool_name.as_deref()).await?;
                req = req
                    .ipv6_ipam_pool_id(pool)
                    .ipv6_netmask_length(i32::from(*netmask_length));
            }
        }
        if k.dry_run {
            k.call(Kind::Vpc, &name, "CreateVpc")
                .dry_run(req.dry_run(true).send())
                .await?;
            let id = pending(&name);
            k.created(Kind::Vpc, &name, &id);
            return Ok(Vpc {
                id,
                ipv4: Some(plan.vpc.cidr_block),
                ipv6: None,
            });
        }
        let out = k
            .call(Kind::Vpc, &name, "CreateVpc")
            .once(req.send())
            .await?;
        k.made(&name, "CreateVpc", out.vpc())?
    };
    // Wait for the VPC and its IPv6 block (Amazon blocks associate asynchronously).
    let fact = k
        .poll(Kind::Vpc, &name, || async {
            let out = k
                .call(Kind::Vpc, &name, "DescribeVpcs")
                .after_create(|| k.ec2.describe_vpcs().vpc_ids(&id).send())
                .await?;
            let v = out
                .vpcs()
                .first()
                .ok_or_else(|| Error::stuck(Kind::Vpc, &name, format!("{id} disappeared")))?;
            let fact = vpc_fact(v);
            let ready = v.state().map(|s| s.as_str()) == Some("available")
                && (plan.vpc.ipv6.is_none() || !fact.ipv6_cidr_blocks.is_empty());
            Ok(if ready {
                Step::Done(fact)
            } else {
                Step::Wait(format!(
                    "{id} did not become available with an associated IPv6 block"
                ))
            })
        })
        .await?;
    dns_attributes(k, &name, &id, created).await?;
    secondary_blocks(k, plan, &name, &id, &fact, created).await?;
    Ok(Vpc {
        id,
        ipv4: fact.cidr_blocks.first().copied(),
        ipv6: fact.ipv6_cidr_blocks.first().copied(),
    })
}

/// A bring-your-own VPC: read, never changed.
async fn existing(k: &Kit<'_>, plan: &Plan, id: &str) -> Result<Vpc> {
    let out = k
        .call(Kind::Vpc, id, "DescribeVpcs")
        .once(k.ec2.describe_vpcs().vpc_ids(id).send())
        .await?;
    let fact = out
        .vpcs()
        .first()
        .map(vpc_fact)
        .ok_or_else(|| Error::stuck(Kind::Vpc, id, "the VPC does not exist"))?;
    k.exists(Kind::Vpc, id, id);
    let ipv6 = match &plan.vpc.ipv6 {
        Some(Ipv6Plan::Existing { cidr: Some(c) }) => Some(*c),
        Some(_) => fact.ipv6_cidr_blocks.first().copied(),
        None => None,
    };
    Ok(Vpc {
        id: id.to_owned(),
        ipv4: fact.cidr_blocks.first().copied(),
        ipv6,
    })
}

/// CAPA forces DNS support and hostnames on for VPCs it manages.
async fn dns_attributes(k: &Kit<'_>, name: &str, id: &str, created: bool) -> Result<()> {
    for attr in [
        VpcAttributeName::EnableDnsSupport,
        VpcAttributeName::EnableDnsHostnames,
    ] {
        let cur = k
            .call(Kind::Vpc, name, "DescribeVpcAttribute")
            .once(
                k.ec2
                    .describe_vpc_attribute()
                    .vpc_id(id)
                    .attribute(attr.clone())
                    .send(),
            )
            .await?;
        let value = match attr {
            VpcAttributeName::EnableDnsSupport => cur.enable_dns_support().and_then(|v| v.value()),
            _ => cur.enable_dns_hostnames().and_then(|v| v.value()),
        };
        if value != Some(true) {
            let req = k.ec2.modify_vpc_attribute().vpc_id(id);
            let req = match attr {
                VpcAttributeName::EnableDnsSupport => req.enable_dns_support(on()),
                _ => req.enable_dns_hostnames(on()),
            };
            k.call(Kind::Vpc, name, "ModifyVpcAttribute")
                .once(req.send())
                .await?;
            if !created {
                k.updated(Kind::Vpc, name, id, format!("{attr} on"));
            }
        }
    }
    Ok(())
}

/// CAPA's `associateSecondaryCidrs`: each secondary IPv4 block the VPC does
/// not have yet is associated (nothing is ever disassociated on apply), and
/// waited for, since subnets go in it next.
async fn secondary_blocks(
    k: &Kit<'_>,
    plan: &Plan,
    name: &str,
    id: &str,
    fact: &crate::facts::VpcFact,
    created: bool,
) -> Result<()> {
    let missing: Vec<&String> = plan
        .vpc
        .secondary_cidr_blocks
        .iter()
        .filter(|c| !fact.cidr_blocks.iter().any(|b| b.to_string() == **c))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    for block in &missing {
        if !k.dry_run {
            k.call(Kind::Vpc, name, "AssociateVpcCidrBlock")
                .once(
                    k.ec2
                        .associate_vpc_cidr_block()
                        .vpc_id(id)
                        .cidr_block(block.as_str())
                        .send(),
                )
                .await?;
        }
        if !created {
            k.updated(
                Kind::Vpc,
                name,
                id,
                format!("secondary block {block} associated"),
            );
        }
    }
    if k.dry_run {
        return Ok(());
    }
    k.poll(Kind::Vpc, name, || async {
        let out = k
            .call(Kind::Vpc, name, "DescribeVpcs")
            .once(k.ec2.describe_vpcs().vpc_ids(id).send())
            .await?;
        let associated: Vec<String> = out
            .vpcs()
            .first()
            .map(|v| {
                crate::sdk::vpc_ipv4_associations(v)
                    .filter_map(|a| a.cidr_block().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(if missing.iter().all(|b| associated.contains(b)) {
            Step::Done(())
        } else {
            Step::Wait(format!("{id}'s secondary blocks did not become associated"))
        })
    })
    .await
}

/// The IPAM pool named by id or Name tag: exactly one must match.
async fn ipam_pool(k: &Kit<'_>, id: Option<&str>, name: Option<&str>) -> Result<String> {
    if id.is_none() && name.is_none() {
        return Err(Error::stuck(
            Kind::IpamPool,
            "",
            "ipamPool must have either id or name",
        ));
    }
    let mut req = k.ec2.describe_ipam_pools();
    if let Some(id) = id {
        req = req.filters(filter("ipam-pool-id", &[id]));
    }
    if let Some(n) = name {
        req = req.filters(filter("tag:Name", &[n]));
    }
    let what = id.or(name).unwrap_or_default().to_owned();
    let out = k
        .call(Kind::IpamPool, &what, "DescribeIpamPools")
        .once(req.send())
        .await?;
    match out.ipam_pools() {
        [one] => existing_id(&what, one),
        [] => Err(Error::stuck(Kind::IpamPool, &what, "IPAM not found")),
        _ => Err(Error::stuck(Kind::IpamPool, &what, "multiple IPAMs found")),
    }
}
