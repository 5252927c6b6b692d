//! Deletes what the cluster owns, in reverse order of creation, and nothing
//! else. A resource is the cluster's only when it carries the cluster's
//! owned tag (`sigs.k8s.io/cluster-api-provider-aws/cluster/<name>=owned`);
//! egress-only gateways must also be attached to the cluster's VPC (CAPA's
//! bugs #5683 and #3986 deleted every EIGW in the region, or a BYO one).
//!
//! Deletes that AWS refuses for a while (`DependencyViolation` while a NAT
//! gateway or instance lets go of its addresses, `ResourceInUse` while a
//! load balancer goes away) are retried a bounded number of times.

use std::time::Duration;

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_elasticloadbalancingv2 as elbv2;
use serde::Serialize;

use crate::apply::{ApplyError, Change, Progress, both};
use crate::aws_error::aws_error;
use crate::discover::{filter, tag_map};
use crate::plan::tags;
use crate::target::Clients;

#[derive(Debug, Clone)]
pub struct DestroyOptions {
    pub poll_interval: Duration,
    pub max_polls: u32,
    /// Delete one kind after another, never two at once: the same calls in
    /// a fixed order (scenario journals, interruption tests).
    pub sequential: bool,
    /// Called with each deletion as it happens (progress on a terminal).
    pub progress: Option<Progress>,
}

impl DestroyOptions {
    pub fn for_target(fast: bool) -> Self {
        Self {
            poll_interval: if fast {
                Duration::from_millis(2)
            } else {
                Duration::from_secs(5)
            },
            max_polls: if fast { 200 } else { 180 },
            sequential: false,
            progress: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DestroyReport {
    pub changes: Vec<Change>,
}

type Result<T> = std::result::Result<T, ApplyError>;

struct D<'a> {
    ec2: &'a aws_sdk_ec2::Client,
    elb: &'a elbv2::Client,
    cluster: &'a str,
    opts: &'a DestroyOptions,
    changes: std::sync::Mutex<Vec<Change>>,
}

macro_rules! call {
    ($d:expr, $kind:expr, $name:expr, $action:expr, $req:expr) => {
        $req.send().await.map_err(|e| ApplyError::Aws {
            kind: $kind,
            name: $name.to_owned(),
            source: Box::new(aws_error($action, e)),
        })
    };
}

/// Retries a delete while AWS says something still depends on the resource.
macro_rules! retry_dependency {
    ($d:expr, $kind:expr, $name:expr, $action:expr, $req:expr) => {{
        let mut polls = 0u32;
        loop {
            match $req.send().await {
                Ok(_) => break Ok(()),
                Err(e) if is_gone(e.code()) => break Ok(()),
                Err(e)
                    if matches!(e.code(), Some("DependencyViolation" | "ResourceInUse"))
                        && polls < $d.opts.max_polls =>
                {
                    polls += 1;
                    tokio::time::sleep($d.opts.poll_interval).await;
                }
                Err(e) => {
                    break Err(ApplyError::Aws {
                        kind: $kind,
                        name: $name.to_owned(),
                        source: Box::new(aws_error($action, e)),
                    });
                }
            }
        }
    }};
}

fn is_gone(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.ends_with("NotFound"))
}

impl D<'_> {
    fn deleted(&self, kind: &'static str, name: &str, id: &str) {
        let mut changes = self
            .changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let change = Change {
            action: "delete",
            kind,
            name: name.to_owned(),
            id: Some(id.to_owned()),
            detail: None,
        };
        if let Some(p) = &self.opts.progress {
            (p.0)(&change);
        }
        changes.push(change);
    }

    fn owned(&self) -> aws_sdk_ec2::types::Filter {
        filter(
            &format!("tag:{}", tags::owned_key(self.cluster)),
            &["owned"],
        )
    }

    async fn sleep(&self) {
        tokio::time::sleep(self.opts.poll_interval).await;
    }
}

fn name_of(t: &[aws_sdk_ec2::types::Tag], fallback: &str) -> String {
    tag_map(t)
        .get("Name")
        .cloned()
        .unwrap_or_else(|| fallback.to_owned())
}

/// Deletes every resource the cluster owns. `vpc_id` is the BYO VPC, if any
/// (it and its subnets are never deleted).
pub async fn destroy(
    clients: &Clients,
    cluster: &str,
    opts: &DestroyOptions,
) -> Result<DestroyReport> {
    let state = D {
        ec2: &clients.ec2,
        elb: &clients.elb,
        cluster,
        opts,
        changes: std::sync::Mutex::new(Vec::new()),
    };
    let d = &state;
    // Three branches first: the load balancers and instances, then the
    // security groups they held; the NAT gateways, then their addresses;
    // the route tables. The gateways, subnets and VPC go once all are gone
    // (an internet gateway cannot leave a VPC that still maps public
    // addresses). With `sequential`, one step after another in this order.
    let compute = async {
        both(d.opts.sequential, load_balancers(d), instances(d)).await?;
        security_groups(d).await
    };
    let nat = async {
        nat_gateways(d).await?;
        addresses(d).await
    };
    both(
        d.opts.sequential,
        compute,
        both(d.opts.sequential, route_tables(d), nat),
    )
    .await?;
    let vpcs = owned_vpcs(d).await?;
    let eigws = async {
        for vpc in &vpcs {
            egress_only_gateways(d, vpc).await?;
        }
        Ok(())
    };
    both(d.opts.sequential, internet_gateways(d, &vpcs), eigws).await?;
    subnets(d).await?;
    for vpc in &vpcs {
        retry_dependency!(d, "vpc", vpc, "DeleteVpc", d.ec2.delete_vpc().vpc_id(vpc))?;
        d.deleted("vpc", &format!("{cluster}-vpc"), vpc);
    }
    let changes = state
        .changes
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok(DestroyReport { changes })
}

/// The cluster's load balancers (by their tags), then its target groups.
async fn load_balancers(d: &D<'_>) -> Result<()> {
    let key = tags::owned_key(d.cluster);
    let out = call!(
        d,
        "load-balancer",
        d.cluster,
        "DescribeLoadBalancers",
        d.elb.describe_load_balancers()
    )?;
    let arns: Vec<(String, String)> = out
        .load_balancers()
        .iter()
        .filter_map(|l| {
            Some((
                l.load_balancer_arn()?.to_owned(),
                l.load_balancer_name()?.to_owned(),
            ))
        })
        .collect();
    let owned_lbs = owned_elb(d, &key, arns).await?;
    for (arn, name) in &owned_lbs {
        call!(
            d,
            "load-balancer",
            name,
            "DeleteLoadBalancer",
            d.elb.delete_load_balancer().load_balancer_arn(arn)
        )?;
        d.deleted("load-balancer", name, arn);
    }
    let out = call!(
        d,
        "target-group",
        d.cluster,
        "DescribeTargetGroups",
        d.elb.describe_target_groups()
    )?;
    let tgs: Vec<(String, String)> = out
        .target_groups()
        .iter()
        .filter_map(|t| {
            Some((
                t.target_group_arn()?.to_owned(),
                t.target_group_name()?.to_owned(),
            ))
        })
        .collect();
    for (arn, name) in owned_elb(d, &key, tgs).await? {
        retry_dependency!(
            d,
            "target-group",
            name,
            "DeleteTargetGroup",
            d.elb.delete_target_group().target_group_arn(&arn)
        )?;
        d.deleted("target-group", &name, &arn);
    }
    Ok(())
}

/// The (ARN, name) pairs whose tags say the cluster owns them.
async fn owned_elb(
    d: &D<'_>,
    key: &str,
    items: Vec<(String, String)>,
) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for chunk in items.chunks(20) {
        let tags = call!(
            d,
            "load-balancer",
            d.cluster,
            "DescribeTags",
            d.elb
                .describe_tags()
                .set_resource_arns(Some(chunk.iter().map(|(a, _)| a.clone()).collect()))
        )?;
        for desc in tags.tag_descriptions() {
            let owned = desc
                .tags()
                .iter()
                .any(|t| t.key() == Some(key) && t.value() == Some("owned"));
            if owned
                && let Some(item) = chunk
                    .iter()
                    .find(|(a, _)| Some(a.as_str()) == desc.resource_arn())
            {
                out.push(item.clone());
            }
        }
    }
    Ok(out)
}

async fn instances(d: &D<'_>) -> Result<()> {
    let out = call!(
        d,
        "instance",
        d.cluster,
        "DescribeInstances",
        d.ec2
            .describe_instances()
            .filters(d.owned())
            .filters(filter(
                "instance-state-name",
                &["pending", "running", "stopping", "stopped", "shutting-down"]
            ))
    )?;
    let ids: Vec<(String, String)> = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances())
        .filter_map(|i| {
            Some((
                i.instance_id()?.to_owned(),
                name_of(i.tags(), i.instance_id()?),
            ))
        })
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    call!(
        d,
        "instance",
        d.cluster,
        "TerminateInstances",
        d.ec2
            .terminate_instances()
            .set_instance_ids(Some(ids.iter().map(|(i, _)| i.clone()).collect()))
    )?;
    for (id, name) in &ids {
        d.deleted("instance", name, id);
    }
    // Wait until terminated: their interfaces hold subnet addresses and groups.
    for _ in 0..=d.opts.max_polls {
        let out = call!(
            d,
            "instance",
            d.cluster,
            "DescribeInstances",
            d.ec2
                .describe_instances()
                .set_instance_ids(Some(ids.iter().map(|(i, _)| i.clone()).collect()))
        )?;
        let done = out
            .reservations()
            .iter()
            .flat_map(|r| r.instances())
            .all(|i| i.state().and_then(|s| s.name()).map(|n| n.as_str()) == Some("terminated"));
        if done {
            return Ok(());
        }
        d.sleep().await;
    }
    Err(ApplyError::Stuck {
        kind: "instance",
        name: d.cluster.to_owned(),
        message: "instances did not terminate".into(),
    })
}

async fn security_groups(d: &D<'_>) -> Result<()> {
    let out = call!(
        d,
        "security-group",
        d.cluster,
        "DescribeSecurityGroups",
        d.ec2.describe_security_groups().filters(d.owned())
    )?;
    let groups: Vec<aws_sdk_ec2::types::SecurityGroup> = out.security_groups().to_vec();
    // Rules that reference another group keep it alive: revoke them first.
    for g in &groups {
        let id = g.group_id().unwrap_or_default();
        let refs: Vec<aws_sdk_ec2::types::IpPermission> = g
            .ip_permissions()
            .iter()
            .filter(|p| !p.user_id_group_pairs().is_empty())
            .map(|p| {
                aws_sdk_ec2::types::IpPermission::builder()
                    .set_ip_protocol(p.ip_protocol().map(str::to_owned))
                    .set_from_port(p.from_port())
                    .set_to_port(p.to_port())
                    .set_user_id_group_pairs(Some(
                        p.user_id_group_pairs()
                            .iter()
                            .map(|u| {
                                aws_sdk_ec2::types::UserIdGroupPair::builder()
                                    .set_group_id(u.group_id().map(str::to_owned))
                                    .build()
                            })
                            .collect(),
                    ))
                    .build()
            })
            .collect();
        if !refs.is_empty() {
            match d
                .ec2
                .revoke_security_group_ingress()
                .group_id(id)
                .set_ip_permissions(Some(refs))
                .send()
                .await
            {
                Ok(_) => {}
                Err(e) if is_gone(e.code()) => {}
                Err(e) => {
                    return Err(ApplyError::Aws {
                        kind: "security-group",
                        name: name_of(g.tags(), id),
                        source: Box::new(aws_error("RevokeSecurityGroupIngress", e)),
                    });
                }
            }
        }
    }
    for g in &groups {
        let id = g.group_id().unwrap_or_default().to_owned();
        let name = g.group_name().unwrap_or_default().to_owned();
        retry_dependency!(
            d,
            "security-group",
            name,
            "DeleteSecurityGroup",
            d.ec2.delete_security_group().group_id(&id)
        )?;
        d.deleted("security-group", &name, &id);
    }
    Ok(())
}

async fn route_tables(d: &D<'_>) -> Result<()> {
    let out = call!(
        d,
        "route-table",
        d.cluster,
        "DescribeRouteTables",
        d.ec2.describe_route_tables().filters(d.owned())
    )?;
    for t in out.route_tables() {
        let id = t.route_table_id().unwrap_or_default().to_owned();
        let name = name_of(t.tags(), &id);
        if t.associations().iter().any(|a| a.main() == Some(true)) {
            continue; // the VPC's main table goes with the VPC
        }
        for a in t.associations() {
            if let Some(assoc) = a.route_table_association_id() {
                match d
                    .ec2
                    .disassociate_route_table()
                    .association_id(assoc)
                    .send()
                    .await
                {
                    Ok(_) => {}
                    Err(e) if is_gone(e.code()) => {}
                    Err(e) => {
                        return Err(ApplyError::Aws {
                            kind: "route-table",
                            name,
                            source: Box::new(aws_error("DisassociateRouteTable", e)),
                        });
                    }
                }
            }
        }
        retry_dependency!(
            d,
            "route-table",
            name,
            "DeleteRouteTable",
            d.ec2.delete_route_table().route_table_id(&id)
        )?;
        d.deleted("route-table", &name, &id);
    }
    Ok(())
}

async fn nat_gateways(d: &D<'_>) -> Result<()> {
    let out = call!(
        d,
        "nat-gateway",
        d.cluster,
        "DescribeNatGateways",
        d.ec2
            .describe_nat_gateways()
            .filter(d.owned())
            .filter(filter(
                "state",
                &["pending", "available", "failed", "deleting"]
            ))
    )?;
    let ids: Vec<(String, String)> = out
        .nat_gateways()
        .iter()
        .filter_map(|n| {
            Some((
                n.nat_gateway_id()?.to_owned(),
                name_of(n.tags(), n.nat_gateway_id()?),
            ))
        })
        .collect();
    for (id, name) in &ids {
        match d.ec2.delete_nat_gateway().nat_gateway_id(id).send().await {
            Ok(_) => {}
            Err(e) if is_gone(e.code()) => {}
            Err(e) => {
                return Err(ApplyError::Aws {
                    kind: "nat-gateway",
                    name: name.clone(),
                    source: Box::new(aws_error("DeleteNatGateway", e)),
                });
            }
        }
        d.deleted("nat-gateway", name, id);
    }
    // Wait until deleted: the Elastic IPs and subnets are held until then.
    for _ in 0..=d.opts.max_polls {
        if ids.is_empty() {
            return Ok(());
        }
        let out = call!(
            d,
            "nat-gateway",
            d.cluster,
            "DescribeNatGateways",
            d.ec2
                .describe_nat_gateways()
                .set_nat_gateway_ids(Some(ids.iter().map(|(i, _)| i.clone()).collect()))
        )?;
        if out
            .nat_gateways()
            .iter()
            .all(|n| n.state().map(|s| s.as_str()) == Some("deleted"))
        {
            return Ok(());
        }
        d.sleep().await;
    }
    Err(ApplyError::Stuck {
        kind: "nat-gateway",
        name: d.cluster.to_owned(),
        message: "NAT gateways were not deleted".into(),
    })
}

async fn addresses(d: &D<'_>) -> Result<()> {
    let out = call!(
        d,
        "elastic-ip",
        d.cluster,
        "DescribeAddresses",
        d.ec2.describe_addresses().filters(d.owned())
    )?;
    for a in out.addresses() {
        let id = a.allocation_id().unwrap_or_default().to_owned();
        let name = name_of(a.tags(), &id);
        retry_dependency!(
            d,
            "elastic-ip",
            name,
            "ReleaseAddress",
            d.ec2.release_address().allocation_id(&id)
        )?;
        d.deleted("elastic-ip", &name, &id);
    }
    Ok(())
}

async fn owned_vpcs(d: &D<'_>) -> Result<Vec<String>> {
    let out = call!(
        d,
        "vpc",
        d.cluster,
        "DescribeVpcs",
        d.ec2.describe_vpcs().filters(d.owned())
    )?;
    Ok(out
        .vpcs()
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_owned))
        .collect())
}

/// The cluster's internet gateways: attached to one of its VPCs (detach,
/// then delete) or attached nowhere (an interrupted destroy detached it).
/// One attached to a VPC the cluster does not own is left alone.
async fn internet_gateways(d: &D<'_>, vpcs: &[String]) -> Result<()> {
    let out = call!(
        d,
        "internet-gateway",
        d.cluster,
        "DescribeInternetGateways",
        d.ec2.describe_internet_gateways().filters(d.owned())
    )?;
    for g in out.internet_gateways() {
        let id = g.internet_gateway_id().unwrap_or_default().to_owned();
        let name = name_of(g.tags(), &id);
        let attached: Vec<String> = g
            .attachments()
            .iter()
            .filter_map(|a| a.vpc_id().map(str::to_owned))
            .collect();
        if attached.iter().any(|v| !vpcs.contains(v)) {
            continue;
        }
        for vpc in &attached {
            retry_dependency!(
                d,
                "internet-gateway",
                name,
                "DetachInternetGateway",
                d.ec2
                    .detach_internet_gateway()
                    .internet_gateway_id(&id)
                    .vpc_id(vpc)
            )?;
        }
        retry_dependency!(
            d,
            "internet-gateway",
            name,
            "DeleteInternetGateway",
            d.ec2.delete_internet_gateway().internet_gateway_id(&id)
        )?;
        d.deleted("internet-gateway", &name, &id);
    }
    Ok(())
}

/// Only gateways that carry the cluster's tag AND are attached to its VPC.
async fn egress_only_gateways(d: &D<'_>, vpc: &str) -> Result<()> {
    let out = call!(
        d,
        "egress-only-internet-gateway",
        d.cluster,
        "DescribeEgressOnlyInternetGateways",
        d.ec2
            .describe_egress_only_internet_gateways()
            .filters(d.owned())
    )?;
    for g in out.egress_only_internet_gateways() {
        if !g.attachments().iter().any(|a| a.vpc_id() == Some(vpc)) {
            continue;
        }
        let id = g
            .egress_only_internet_gateway_id()
            .unwrap_or_default()
            .to_owned();
        let name = name_of(g.tags(), &id);
        retry_dependency!(
            d,
            "egress-only-internet-gateway",
            name,
            "DeleteEgressOnlyInternetGateway",
            d.ec2
                .delete_egress_only_internet_gateway()
                .egress_only_internet_gateway_id(&id)
        )?;
        d.deleted("egress-only-internet-gateway", &name, &id);
    }
    Ok(())
}

async fn subnets(d: &D<'_>) -> Result<()> {
    let out = call!(
        d,
        "subnet",
        d.cluster,
        "DescribeSubnets",
        d.ec2.describe_subnets().filters(d.owned())
    )?;
    for s in out.subnets() {
        let id = s.subnet_id().unwrap_or_default().to_owned();
        let name = name_of(s.tags(), &id);
        retry_dependency!(
            d,
            "subnet",
            name,
            "DeleteSubnet",
            d.ec2.delete_subnet().subnet_id(&id)
        )?;
        d.deleted("subnet", &name, &id);
    }
    Ok(())
}
