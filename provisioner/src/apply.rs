//! Reconciles the planned network: every resource is looked up by the
//! cluster's tags (or its name, for load balancers) before it is created,
//! so a second apply changes nothing and an interrupted one picks up where
//! it stopped. Order follows CAPA: VPC, subnets, internet gateway,
//! egress-only gateway, NAT gateways, route tables, security groups, load
//! balancer, machines, targets; independent resources go concurrently.
//!
//! With `dry_run`, EC2 creates are sent with `DryRun=true` where every id
//! they need already exists; the rest is reported as "would create".

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::{
    AttributeBooleanValue, DomainType, HostnameType, InstanceMetadataOptionsRequest,
    InstanceMetadataProtocolState, InstanceNetworkInterfaceSpecification, InstanceType,
    IpPermission, IpRange, Ipv6Range, PrivateDnsNameOptionsRequest, ResourceType, Tag,
    TagSpecification, UserIdGroupPair, VpcAttributeName,
};
use aws_sdk_elasticloadbalancingv2 as elbv2;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use futures_util::future::try_join_all;
use ipnet::{IpNet, Ipv6Net};
use serde::Serialize;

use crate::aws_error::{AwsCallError, aws_error};
use crate::discover::{filter, tag_map, vpc_fact};
use crate::facts::Facts;
use crate::layout;
use crate::model::ClusterModel;
use crate::plan::{
    self, Destination, EgressOnlyPlan, Ipv6Plan, LoadBalancerPlan, MachinePlan, Peer, Plan,
    PlanOptions, RouteTarget, SecurityGroupPlan, SubnetPlan, tags,
};
use crate::target::Clients;

/// Called with each change as it happens (progress on a terminal).
#[derive(Clone)]
pub struct Progress(pub std::sync::Arc<dyn Fn(&Change) + Send + Sync>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Progress")
    }
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub dry_run: bool,
    /// One call at a time, in plan order: ids then come out the same on
    /// every run (scenario snapshots). Otherwise independent calls overlap.
    pub sequential: bool,
    pub progress: Option<Progress>,
    /// Time between polls of a resource that is settling.
    pub poll_interval: Duration,
    /// Polls before giving up on a resource that does not settle.
    pub max_polls: u32,
    pub plan: PlanOptions,
}

impl ApplyOptions {
    /// Polling suited to the target: none to speak of for a fake.
    pub fn for_target(fast: bool) -> Self {
        Self {
            dry_run: false,
            sequential: false,
            progress: None,
            poll_interval: if fast {
                Duration::from_millis(2)
            } else {
                Duration::from_secs(5)
            },
            max_polls: if fast { 200 } else { 180 },
            plan: PlanOptions::default(),
        }
    }
}

/// What happened to one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `create`, `exists`, `update`, `would-create`, `would-update`, `delete`.
    pub action: &'static str,
    pub kind: &'static str,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ApplyReport {
    pub changes: Vec<Change>,
    /// The VPC's IPv6 block, once known.
    pub vpc_ipv6_block: Option<String>,
    /// The API endpoint (load balancer DNS name and port), if any.
    pub endpoint: Option<String>,
}

impl ApplyReport {
    pub fn created(&self) -> usize {
        self.changes.iter().filter(|c| c.action == "create").count()
    }

    pub fn updated(&self) -> usize {
        self.changes.iter().filter(|c| c.action == "update").count()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// An AWS call failed for a resource.
    #[error("{kind} {name}: {source}")]
    Aws {
        kind: &'static str,
        name: String,
        source: Box<AwsCallError>,
    },
    /// A resource did not reach the state it needs.
    #[error("{kind} {name}: {message}")]
    Stuck {
        kind: &'static str,
        name: String,
        message: String,
    },
}

impl ApplyError {
    /// The AWS error code, when AWS refused a call.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApplyError::Aws { source, .. } => source.code.as_deref(),
            ApplyError::Stuck { .. } => None,
        }
    }
}

type Result<T> = std::result::Result<T, ApplyError>;

/// Which subnet a route table is for, so a table an interrupted apply
/// created but did not associate is found again (CAPA's Name tag is not
/// unique when a zone has two subnets of one role).
pub const SUBNET_KEY_TAG: &str = "provisioner.capa-ipv6/subnet";

/// Ids of resources a dry run has not created are placeholders.
const PENDING: &str = "pending:";

fn is_real(id: &str) -> bool {
    !id.starts_with(PENDING)
}

fn pending(name: &str) -> String {
    format!("{PENDING}{name}")
}

struct Ctx<'a> {
    ec2: &'a aws_sdk_ec2::Client,
    elb: &'a elbv2::Client,
    opts: &'a ApplyOptions,
    cluster: String,
    changes: std::sync::Mutex<Vec<Change>>,
}

impl Ctx<'_> {
    fn record(
        &self,
        action: &'static str,
        kind: &'static str,
        name: &str,
        id: Option<&str>,
        detail: Option<String>,
    ) {
        let change = Change {
            action,
            kind,
            name: name.to_owned(),
            id: id.filter(|i| is_real(i)).map(str::to_owned),
            detail,
        };
        if let Some(p) = &self.opts.progress {
            (p.0)(&change);
        }
        self.changes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(change);
    }

    fn created(&self, kind: &'static str, name: &str, id: &str) {
        let action = if self.opts.dry_run {
            "would-create"
        } else {
            "create"
        };
        self.record(action, kind, name, Some(id), None);
    }

    fn exists(&self, kind: &'static str, name: &str, id: &str) {
        self.record("exists", kind, name, Some(id), None);
    }

    fn updated(&self, kind: &'static str, name: &str, id: &str, detail: String) {
        let action = if self.opts.dry_run {
            "would-update"
        } else {
            "update"
        };
        self.record(action, kind, name, Some(id), Some(detail));
    }

    fn owned_filter(&self) -> aws_sdk_ec2::types::Filter {
        filter("tag-key", &[&tags::owned_key(&self.cluster)])
    }

    async fn sleep(&self) {
        tokio::time::sleep(self.opts.poll_interval).await;
    }
}

fn err<E>(
    kind: &'static str,
    name: &str,
    action: &'static str,
) -> impl FnOnce(SdkError<E, HttpResponse>) -> ApplyError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let name = name.to_owned();
    move |e| ApplyError::Aws {
        kind,
        name,
        source: Box::new(aws_error(action, e)),
    }
}

/// A dry-run answer: `DryRunOperation` means AWS would have done it.
fn dry_ok<T, E>(
    r: std::result::Result<T, SdkError<E, HttpResponse>>,
    kind: &'static str,
    name: &str,
    action: &'static str,
) -> Result<()>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match r {
        Err(e) if e.code() == Some("DryRunOperation") => Ok(()),
        Err(e) => Err(err(kind, name, action)(e)),
        Ok(_) => Ok(()),
    }
}

fn ec2_tags(resource: ResourceType, t: &BTreeMap<String, String>) -> TagSpecification {
    TagSpecification::builder()
        .resource_type(resource)
        .set_tags(Some(
            t.iter()
                .map(|(k, v)| Tag::builder().key(k).value(v).build())
                .collect(),
        ))
        .build()
}

/// The idempotency token of a create call, from what identifies it: the
/// cluster, the resource and the ids of what it is made in. A retried call
/// sends the same token, so EC2 answers with what the first call made; a
/// resource made again after a destroy sits in new parents, so its token is
/// new and EC2 neither hands back the old resource nor answers
/// `IdempotentParameterMismatch`. 32 hex characters (EC2 allows 64).
fn client_token(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn on() -> AttributeBooleanValue {
    AttributeBooleanValue::builder().value(true).build()
}

fn is_not_found(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.ends_with(".NotFound") || c.ends_with("NotFound"))
}

/// Retries a call that may see a just-created resource as missing (EC2 is
/// eventually consistent); other errors end it at once.
macro_rules! consistent {
    ($ctx:expr, $call:expr) => {{
        let mut tries = 0u32;
        loop {
            match $call.await {
                Err(e) if is_not_found(e.code()) && tries < $ctx.opts.max_polls.min(30) => {
                    tries += 1;
                    $ctx.sleep().await;
                }
                other => break other,
            }
        }
    }};
}

/// Runs two independent steps together, or the first then the second when
/// `sequential`; the first error ends both. Apply and destroy build their
/// branches with it.
pub(crate) fn both<'a, A: 'a, B: 'a, E: 'a>(
    sequential: bool,
    a: impl Future<Output = std::result::Result<A, E>> + 'a,
    b: impl Future<Output = std::result::Result<B, E>> + 'a,
) -> impl Future<Output = std::result::Result<(A, B), E>> + 'a {
    // Boxed before the returned future holds them: the branches nest, and
    // their futures inline would outgrow a thread's stack in a debug build.
    let (a, b) = (Box::pin(a), Box::pin(b));
    async move {
        if sequential {
            let a = a.await?;
            Ok((a, b.await?))
        } else {
            futures_util::future::try_join(a, b).await
        }
    }
}

/// Runs independent steps together, or one after the other when asked.
///
/// The steps are collected before the returned future holds them, so that
/// future names only the steps' own types, not the closure that made them:
/// that keeps `apply`'s future `Send` for any caller's lifetimes (a
/// `tokio::spawn`ed apply compiles).
fn all<'a, T: 'a, F>(
    ctx: &Ctx<'_>,
    work: impl IntoIterator<Item = F>,
) -> impl Future<Output = Result<Vec<T>>> + 'a
where
    F: Future<Output = Result<T>> + 'a,
{
    let work: Vec<F> = work.into_iter().collect();
    let sequential = ctx.opts.sequential;
    async move {
        if sequential {
            let mut out = Vec::with_capacity(work.len());
            for f in work {
                out.push(f.await?);
            }
            Ok(out)
        } else {
            try_join_all(work).await
        }
    }
}

/// Runs the whole apply. The plan is computed again once the VPC exists,
/// so subnets get concrete IPv6 blocks from the VPC's block.
pub async fn apply(
    clients: &Clients,
    model: &ClusterModel,
    facts: &Facts,
    opts: &ApplyOptions,
) -> Result<(ApplyReport, Plan)> {
    let ctx = Ctx {
        ec2: &clients.ec2,
        elb: &clients.elb,
        opts,
        cluster: model.name.clone(),
        changes: std::sync::Mutex::new(Vec::new()),
    };
    let (subnets, _) = layout::subnets(model, facts);
    let first = plan::plan(model, &subnets, &clients.region, &opts.plan);
    let (vpc_id, vpc_v4, vpc_v6) = ensure_vpc(&ctx, &first).await?;
    // The VPC exists now: lay out again with its real blocks.
    let mut known = facts.clone();
    if first.vpc.existing_id.is_none() && is_real(&vpc_id) {
        known.existing_cluster_vpc = Some(crate::facts::VpcFact {
            vpc_id: vpc_id.clone(),
            cidr_blocks: vpc_v4.into_iter().collect(),
            ipv6_cidr_blocks: vpc_v6.into_iter().collect(),
            tags: BTreeMap::new(),
        });
    }
    let (subnets, _) = layout::subnets(model, &known);
    let plan = plan::plan(model, &subnets, &clients.region, &opts.plan);

    // Three branches once the VPC exists: its subnets and gateways; then
    // the NAT gateways and route tables (the network) beside the security
    // groups, load balancer and machines (the compute), which need no route.
    // With `sequential`, the same steps run one after another in this order.
    let gateways = both(
        ctx.opts.sequential,
        async {
            if plan.internet_gateway {
                Ok(Some(ensure_internet_gateway(&ctx, &plan, &vpc_id).await?))
            } else {
                Ok(None)
            }
        },
        async {
            match &plan.egress_only_internet_gateway {
                None => Ok(None),
                Some(EgressOnlyPlan::Existing(id)) => Ok(Some(id.clone())),
                Some(EgressOnlyPlan::Create) => Ok(Some(
                    ensure_egress_only_gateway(&ctx, &plan, &vpc_id).await?,
                )),
            }
        },
    );
    let (subnet_ids, (igw, eigw)) = both(
        ctx.opts.sequential,
        ensure_subnets(&ctx, &plan, &vpc_id, vpc_v6),
        gateways,
    )
    .await?;
    let routes = |nats: BTreeMap<String, String>| {
        let (ctx, plan, vpc_id, subnet_ids) = (&ctx, &plan, &vpc_id, &subnet_ids);
        let (igw, eigw) = (igw.as_deref(), eigw.as_deref());
        async move { ensure_route_tables(ctx, plan, vpc_id, subnet_ids, igw, eigw, &nats).await }
    };
    let compute = |nat_ips: Vec<String>| {
        let (ctx, plan, vpc_id, subnet_ids) = (&ctx, &plan, &vpc_id, &subnet_ids);
        async move {
            let groups =
                ensure_security_groups(ctx, plan, vpc_id, vpc_v4, vpc_v6, &nat_ips).await?;
            let load_balancer = async {
                match &plan.load_balancer {
                    Some(lb) => {
                        let (arn, tg_arn, dns) =
                            ensure_load_balancer(ctx, lb, vpc_id, subnet_ids, &groups).await?;
                        let endpoint = dns.map(|d| format!("{d}:{}", lb.listener_port));
                        Ok(Some((arn, tg_arn, endpoint)))
                    }
                    None => Ok(None),
                }
            };
            let (lb, instances) = both(
                ctx.opts.sequential,
                load_balancer,
                ensure_machines(ctx, plan, subnet_ids, &groups),
            )
            .await?;
            if let Some((_, tg_arn, _)) = &lb {
                ensure_targets(ctx, tg_arn, &instances).await?;
            }
            Ok(lb.and_then(|(_, _, endpoint)| endpoint))
        }
    };
    let needs_nat_ips = plan
        .security_groups
        .iter()
        .any(|g| g.ingress.iter().any(|r| r.peer == Peer::NatGatewayIps));
    let endpoint = if needs_nat_ips {
        // The security groups name the NAT gateways' addresses: the compute
        // branch starts once the NAT gateways are up.
        let nats = ensure_nat_gateways(&ctx, &plan, &vpc_id, &subnet_ids).await?;
        let compute = async {
            let ips = nat_public_ips(&ctx, &nats).await?;
            compute(ips).await
        };
        both(ctx.opts.sequential, routes(nats.clone()), compute)
            .await?
            .1
    } else {
        let network = async {
            let nats = ensure_nat_gateways(&ctx, &plan, &vpc_id, &subnet_ids).await?;
            routes(nats).await
        };
        both(ctx.opts.sequential, network, compute(Vec::new()))
            .await?
            .1
    };
    let changes = ctx
        .changes
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    Ok((
        ApplyReport {
            changes,
            vpc_ipv6_block: vpc_v6.map(|b| b.to_string()),
            endpoint,
        },
        plan,
    ))
}

async fn ensure_vpc(
    ctx: &Ctx<'_>,
    plan: &Plan,
) -> Result<(String, Option<ipnet::Ipv4Net>, Option<Ipv6Net>)> {
    let name = format!("{}-vpc", plan.cluster);
    if let Some(id) = &plan.vpc.existing_id {
        let out = ctx
            .ec2
            .describe_vpcs()
            .vpc_ids(id)
            .send()
            .await
            .map_err(err("vpc", id, "DescribeVpcs"))?;
        let fact = out
            .vpcs()
            .first()
            .map(vpc_fact)
            .ok_or_else(|| ApplyError::Stuck {
                kind: "vpc",
                name: id.clone(),
                message: "the VPC does not exist".into(),
            })?;
        ctx.exists("vpc", id, id);
        let v6 = match &plan.vpc.ipv6 {
            Some(Ipv6Plan::Existing { cidr: Some(c) }) => Some(*c),
            Some(_) => fact.ipv6_cidr_blocks.first().copied(),
            None => None,
        };
        return Ok((id.clone(), fact.cidr_blocks.first().copied(), v6));
    }
    let found = ctx
        .ec2
        .describe_vpcs()
        .filters(filter("tag:Name", &[&name]))
        .filters(ctx.owned_filter())
        .filters(filter("state", &["pending", "available"]))
        .send()
        .await
        .map_err(err("vpc", &name, "DescribeVpcs"))?;
    let created = found.vpcs().is_empty();
    let id = if let Some(v) = found.vpcs().first() {
        let id = v.vpc_id().unwrap_or_default().to_owned();
        ctx.exists("vpc", &name, &id);
        id
    } else {
        let mut req = ctx
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
            let pool =
                resolve_ipam_pool(ctx, ipam.pool_id.as_deref(), ipam.pool_name.as_deref()).await?;
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
                let pool = resolve_ipam_pool(ctx, pool_id.as_deref(), pool_name.as_deref()).await?;
                req = req
                    .ipv6_ipam_pool_id(pool)
                    .ipv6_netmask_length(i32::from(*netmask_length));
            }
        }
        if ctx.opts.dry_run {
            dry_ok(req.dry_run(true).send().await, "vpc", &name, "CreateVpc")?;
            let id = pending(&name);
            ctx.created("vpc", &name, &id);
            return Ok((id, Some(plan.vpc.cidr_block), None));
        }
        let out = req.send().await.map_err(err("vpc", &name, "CreateVpc"))?;
        let id = out
            .vpc()
            .and_then(|v| v.vpc_id())
            .unwrap_or_default()
            .to_owned();
        ctx.created("vpc", &name, &id);
        id
    };
    // Wait for the VPC and its IPv6 block (Amazon blocks associate asynchronously).
    let mut polls = 0;
    let fact =
        loop {
            let out = consistent!(ctx, ctx.ec2.describe_vpcs().vpc_ids(&id).send())
                .map_err(err("vpc", &name, "DescribeVpcs"))?;
            let v = out.vpcs().first().ok_or_else(|| ApplyError::Stuck {
                kind: "vpc",
                name: name.clone(),
                message: format!("{id} disappeared"),
            })?;
            let fact = vpc_fact(v);
            let ready = v.state().map(|s| s.as_str()) == Some("available")
                && (plan.vpc.ipv6.is_none() || !fact.ipv6_cidr_blocks.is_empty());
            if ready {
                break fact;
            }
            polls += 1;
            if polls > ctx.opts.max_polls {
                return Err(ApplyError::Stuck {
                    kind: "vpc",
                    name,
                    message: format!("{id} did not become available with an associated IPv6 block"),
                });
            }
            ctx.sleep().await;
        };
    // CAPA forces DNS support and hostnames on for VPCs it manages.
    for attr in [
        VpcAttributeName::EnableDnsSupport,
        VpcAttributeName::EnableDnsHostnames,
    ] {
        let cur = ctx
            .ec2
            .describe_vpc_attribute()
            .vpc_id(&id)
            .attribute(attr.clone())
            .send()
            .await
            .map_err(err("vpc", &name, "DescribeVpcAttribute"))?;
        let value = match attr {
            VpcAttributeName::EnableDnsSupport => cur.enable_dns_support().and_then(|v| v.value()),
            _ => cur.enable_dns_hostnames().and_then(|v| v.value()),
        };
        if value != Some(true) {
            let req = ctx.ec2.modify_vpc_attribute().vpc_id(&id);
            let req = match attr {
                VpcAttributeName::EnableDnsSupport => req.enable_dns_support(on()),
                _ => req.enable_dns_hostnames(on()),
            };
            req.send()
                .await
                .map_err(err("vpc", &name, "ModifyVpcAttribute"))?;
            if !created {
                ctx.updated("vpc", &name, &id, format!("{attr} on"));
            }
        }
    }
    Ok((
        id,
        fact.cidr_blocks.first().copied(),
        fact.ipv6_cidr_blocks.first().copied(),
    ))
}

async fn resolve_ipam_pool(ctx: &Ctx<'_>, id: Option<&str>, name: Option<&str>) -> Result<String> {
    if id.is_none() && name.is_none() {
        return Err(ApplyError::Stuck {
            kind: "ipam-pool",
            name: String::new(),
            message: "ipamPool must have either id or name".into(),
        });
    }
    let mut req = ctx.ec2.describe_ipam_pools();
    if let Some(id) = id {
        req = req.filters(filter("ipam-pool-id", &[id]));
    }
    if let Some(n) = name {
        req = req.filters(filter("tag:Name", &[n]));
    }
    let what = id.or(name).unwrap_or_default().to_owned();
    let out = req
        .send()
        .await
        .map_err(err("ipam-pool", &what, "DescribeIpamPools"))?;
    match out.ipam_pools() {
        [one] => Ok(one.ipam_pool_id().unwrap_or_default().to_owned()),
        [] => Err(ApplyError::Stuck {
            kind: "ipam-pool",
            name: what,
            message: "IPAM not found".into(),
        }),
        _ => Err(ApplyError::Stuck {
            kind: "ipam-pool",
            name: what,
            message: "multiple IPAMs found".into(),
        }),
    }
}

async fn ensure_subnets(
    ctx: &Ctx<'_>,
    plan: &Plan,
    vpc_id: &str,
    vpc_v6: Option<Ipv6Net>,
) -> Result<BTreeMap<String, String>> {
    let mut ids = BTreeMap::new();
    let mut existing = Vec::new();
    if is_real(vpc_id) {
        let mut pages = ctx
            .ec2
            .describe_subnets()
            .filters(filter("vpc-id", &[vpc_id]))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(err("subnet", vpc_id, "DescribeSubnets"))?;
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
                    let id = e.subnet_id().unwrap_or_default().to_owned();
                    ctx.exists("subnet", &s.key, &id);
                    if s.managed {
                        subnet_attributes(ctx, s, &id, Some(e)).await?;
                    }
                    id
                }
                None if !s.managed => {
                    return Err(ApplyError::Stuck {
                        kind: "subnet",
                        name: s.key.clone(),
                        message: format!("no such subnet in {vpc_id}"),
                    });
                }
                None => {
                    let id = create_subnet(ctx, s, vpc_id, vpc_v6).await?;
                    subnet_attributes(ctx, s, &id, None).await?;
                    id
                }
            };
            Ok::<_, ApplyError>((s.key.clone(), id))
        }
    });
    for (k, id) in all(ctx, work).await? {
        ids.insert(k, id);
    }
    Ok(ids)
}

async fn create_subnet(
    ctx: &Ctx<'_>,
    s: &SubnetPlan,
    vpc_id: &str,
    vpc_v6: Option<Ipv6Net>,
) -> Result<String> {
    if ctx.opts.dry_run && !is_real(vpc_id) {
        // The VPC (and so its IPv6 block) does not exist yet.
        let id = pending(&s.key);
        ctx.created("subnet", &s.key, &id);
        return Ok(id);
    }
    let v6 = match s.ipv6 {
        None => None,
        Some(b) => Some(b.resolve(vpc_v6).ok_or_else(|| ApplyError::Stuck {
            kind: "subnet",
            name: s.key.clone(),
            message: format!(
                "no IPv6 block for {b}: the VPC has no IPv6 block, or it is too small"
            ),
        })?),
    };
    let req = ctx
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
        .set_ipv6_native((s.family == crate::model::Family::Ipv6Only).then_some(true))
        .tag_specifications(ec2_tags(ResourceType::Subnet, &s.tags));
    if ctx.opts.dry_run {
        if is_real(vpc_id) {
            dry_ok(
                req.dry_run(true).send().await,
                "subnet",
                &s.key,
                "CreateSubnet",
            )?;
        }
        let id = pending(&s.key);
        ctx.created("subnet", &s.key, &id);
        return Ok(id);
    }
    let out = req
        .send()
        .await
        .map_err(err("subnet", &s.key, "CreateSubnet"))?;
    let id = out
        .subnet()
        .and_then(|x| x.subnet_id())
        .unwrap_or_default()
        .to_owned();
    ctx.created("subnet", &s.key, &id);
    Ok(id)
}

/// Sets the attributes CAPA sets after creating a subnet, one per call,
/// and only those that differ.
async fn subnet_attributes(
    ctx: &Ctx<'_>,
    s: &SubnetPlan,
    id: &str,
    current: Option<&aws_sdk_ec2::types::Subnet>,
) -> Result<()> {
    let cur_assign = current
        .and_then(|c| c.assign_ipv6_address_on_creation())
        .unwrap_or(s.family == crate::model::Family::Ipv6Only);
    let cur_dns64 = current.and_then(|c| c.enable_dns64()).unwrap_or(false);
    let cur_public = current
        .and_then(|c| c.map_public_ip_on_launch())
        .unwrap_or(false);
    let cur_hostname = current
        .and_then(|c| c.private_dns_name_options_on_launch())
        .and_then(|o| o.hostname_type())
        .map(|h| h.as_str().to_owned());
    let mut changes: Vec<(&str, aws_sdk_ec2::operation::modify_subnet_attribute::builders::ModifySubnetAttributeFluentBuilder)> = Vec::new();
    let base = || ctx.ec2.modify_subnet_attribute().subnet_id(id);
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
        if !ctx.opts.dry_run {
            consistent!(ctx, req.clone().send()).map_err(err(
                "subnet",
                &s.key,
                "ModifySubnetAttribute",
            ))?;
        }
        if current.is_some() {
            ctx.updated("subnet", &s.key, id, format!("{what} on"));
        }
    }
    Ok(())
}

async fn ensure_internet_gateway(ctx: &Ctx<'_>, plan: &Plan, vpc_id: &str) -> Result<String> {
    let name = format!("{}-igw", plan.cluster);
    if is_real(vpc_id) {
        let out = ctx
            .ec2
            .describe_internet_gateways()
            .filters(filter("attachment.vpc-id", &[vpc_id]))
            .send()
            .await
            .map_err(err("internet-gateway", &name, "DescribeInternetGateways"))?;
        if let Some(g) = out.internet_gateways().first() {
            let id = g.internet_gateway_id().unwrap_or_default().to_owned();
            ctx.exists("internet-gateway", &name, &id);
            return Ok(id);
        }
    }
    let mut t = plan.vpc.tags.clone();
    t.insert(tags::NAME.into(), name.clone());
    let req = ctx
        .ec2
        .create_internet_gateway()
        .tag_specifications(ec2_tags(ResourceType::InternetGateway, &t));
    if ctx.opts.dry_run {
        dry_ok(
            req.dry_run(true).send().await,
            "internet-gateway",
            &name,
            "CreateInternetGateway",
        )?;
        let id = pending(&name);
        ctx.created("internet-gateway", &name, &id);
        return Ok(id);
    }
    // An earlier, interrupted apply may have created it without attaching it.
    let loose = ctx
        .ec2
        .describe_internet_gateways()
        .filters(filter("tag:Name", &[&name]))
        .filters(ctx.owned_filter())
        .send()
        .await
        .map_err(err("internet-gateway", &name, "DescribeInternetGateways"))?;
    let id = match loose
        .internet_gateways()
        .iter()
        .find(|g| g.attachments().is_empty())
    {
        Some(g) => g.internet_gateway_id().unwrap_or_default().to_owned(),
        None => {
            let out = req.send().await.map_err(err(
                "internet-gateway",
                &name,
                "CreateInternetGateway",
            ))?;
            out.internet_gateway()
                .and_then(|g| g.internet_gateway_id())
                .unwrap_or_default()
                .to_owned()
        }
    };
    consistent!(
        ctx,
        ctx.ec2
            .attach_internet_gateway()
            .internet_gateway_id(&id)
            .vpc_id(vpc_id)
            .send()
    )
    .map_err(err("internet-gateway", &name, "AttachInternetGateway"))?;
    ctx.created("internet-gateway", &name, &id);
    Ok(id)
}

/// CAPA's lookup, with its fix for #5683: the cluster's tag, and attached to this VPC.
async fn ensure_egress_only_gateway(ctx: &Ctx<'_>, plan: &Plan, vpc_id: &str) -> Result<String> {
    let name = format!("{}-eigw", plan.cluster);
    if is_real(vpc_id) {
        let out = ctx
            .ec2
            .describe_egress_only_internet_gateways()
            .filters(ctx.owned_filter())
            .send()
            .await
            .map_err(err(
                "egress-only-internet-gateway",
                &name,
                "DescribeEgressOnlyInternetGateways",
            ))?;
        let mine: Vec<String> = out
            .egress_only_internet_gateways()
            .iter()
            .filter(|g| g.attachments().iter().any(|a| a.vpc_id() == Some(vpc_id)))
            .filter_map(|g| g.egress_only_internet_gateway_id().map(str::to_owned))
            .collect();
        match mine.as_slice() {
            [] => {}
            [one] => {
                ctx.exists("egress-only-internet-gateway", &name, one);
                return Ok(one.clone());
            }
            many => {
                return Err(ApplyError::Stuck {
                    kind: "egress-only-internet-gateway",
                    name,
                    message: format!(
                        "expected 1 egress only internet gateway in vpc \"{vpc_id}\", but found {}: [{}]",
                        many.len(),
                        many.join(" ")
                    ),
                });
            }
        }
    }
    let mut t = plan.vpc.tags.clone();
    t.insert(tags::NAME.into(), name.clone());
    let req = ctx
        .ec2
        .create_egress_only_internet_gateway()
        .vpc_id(vpc_id)
        .client_token(client_token(&[&plan.cluster, "eigw", vpc_id]))
        .tag_specifications(ec2_tags(ResourceType::EgressOnlyInternetGateway, &t));
    if ctx.opts.dry_run {
        if is_real(vpc_id) {
            dry_ok(
                req.dry_run(true).send().await,
                "egress-only-internet-gateway",
                &name,
                "CreateEgressOnlyInternetGateway",
            )?;
        }
        let id = pending(&name);
        ctx.created("egress-only-internet-gateway", &name, &id);
        return Ok(id);
    }
    let out = consistent!(ctx, req.clone().send()).map_err(err(
        "egress-only-internet-gateway",
        &name,
        "CreateEgressOnlyInternetGateway",
    ))?;
    let id = out
        .egress_only_internet_gateway()
        .and_then(|g| g.egress_only_internet_gateway_id())
        .unwrap_or_default()
        .to_owned();
    ctx.created("egress-only-internet-gateway", &name, &id);
    Ok(id)
}

/// One NAT gateway per zone (with its Elastic IP), waited until available.
async fn ensure_nat_gateways(
    ctx: &Ctx<'_>,
    plan: &Plan,
    vpc_id: &str,
    subnet_ids: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut existing = Vec::new();
    if is_real(vpc_id) {
        let out = ctx
            .ec2
            .describe_nat_gateways()
            .filter(filter("vpc-id", &[vpc_id]))
            .filter(filter("state", &["pending", "available"]))
            .filter(ctx.owned_filter())
            .send()
            .await
            .map_err(err("nat-gateway", vpc_id, "DescribeNatGateways"))?;
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
            if let Some(g) = found {
                let id = g.nat_gateway_id().unwrap_or_default().to_owned();
                ctx.exists("nat-gateway", &name, &id);
                wait_nat(ctx, &name, &id).await?;
                return Ok((n.availability_zone.clone(), id));
            }
            let alloc = ensure_eip(ctx, plan, &n.availability_zone).await?;
            let req = ctx
                .ec2
                .create_nat_gateway()
                .subnet_id(&subnet_id)
                .allocation_id(&alloc)
                .client_token(client_token(&[
                    &plan.cluster,
                    "nat",
                    &n.availability_zone,
                    &subnet_id,
                    &alloc,
                ]))
                .tag_specifications(ec2_tags(ResourceType::Natgateway, &n.tags));
            if ctx.opts.dry_run {
                if is_real(&subnet_id) && is_real(&alloc) {
                    dry_ok(
                        req.dry_run(true).send().await,
                        "nat-gateway",
                        &name,
                        "CreateNatGateway",
                    )?;
                }
                let id = pending(&name);
                ctx.created("nat-gateway", &name, &id);
                return Ok((n.availability_zone.clone(), id));
            }
            let out = consistent!(ctx, req.clone().send()).map_err(err(
                "nat-gateway",
                &name,
                "CreateNatGateway",
            ))?;
            let id = out
                .nat_gateway()
                .and_then(|g| g.nat_gateway_id())
                .unwrap_or_default()
                .to_owned();
            ctx.created("nat-gateway", &name, &id);
            wait_nat(ctx, &name, &id).await?;
            Ok::<_, ApplyError>((n.availability_zone.clone(), id))
        }
    });
    Ok(all(ctx, work).await?.into_iter().collect())
}

async fn wait_nat(ctx: &Ctx<'_>, name: &str, id: &str) -> Result<()> {
    for _ in 0..=ctx.opts.max_polls {
        let out = consistent!(
            ctx,
            ctx.ec2.describe_nat_gateways().nat_gateway_ids(id).send()
        )
        .map_err(err("nat-gateway", name, "DescribeNatGateways"))?;
        let g = out.nat_gateways().first();
        match g.and_then(|g| g.state()).map(|s| s.as_str()) {
            Some("available") => return Ok(()),
            Some("failed" | "deleting" | "deleted") => {
                let g = g.expect("state read from it");
                return Err(ApplyError::Stuck {
                    kind: "nat-gateway",
                    name: name.to_owned(),
                    message: format!(
                        "{id} is {}: {} {}",
                        g.state().map(|s| s.as_str()).unwrap_or_default(),
                        g.failure_code().unwrap_or_default(),
                        g.failure_message().unwrap_or_default()
                    ),
                });
            }
            _ => ctx.sleep().await,
        }
    }
    Err(ApplyError::Stuck {
        kind: "nat-gateway",
        name: name.to_owned(),
        message: format!("{id} did not become available"),
    })
}

/// The zone's Elastic IP: an unassociated one the cluster owns, else a new one.
async fn ensure_eip(ctx: &Ctx<'_>, plan: &Plan, az: &str) -> Result<String> {
    let name = format!("{}-eip-{az}", plan.cluster);
    let out = ctx
        .ec2
        .describe_addresses()
        .filters(filter("tag:Name", &[&name]))
        .filters(ctx.owned_filter())
        .send()
        .await
        .map_err(err("elastic-ip", &name, "DescribeAddresses"))?;
    if let Some(a) = out.addresses().first() {
        let id = a.allocation_id().unwrap_or_default().to_owned();
        ctx.exists("elastic-ip", &name, &id);
        return Ok(id);
    }
    let mut t = plan.vpc.tags.clone();
    t.insert(tags::NAME.into(), name.clone());
    let req = ctx
        .ec2
        .allocate_address()
        .domain(DomainType::Vpc)
        .tag_specifications(ec2_tags(ResourceType::ElasticIp, &t));
    if ctx.opts.dry_run {
        dry_ok(
            req.dry_run(true).send().await,
            "elastic-ip",
            &name,
            "AllocateAddress",
        )?;
        let id = pending(&name);
        ctx.created("elastic-ip", &name, &id);
        return Ok(id);
    }
    let out = req
        .send()
        .await
        .map_err(err("elastic-ip", &name, "AllocateAddress"))?;
    let id = out.allocation_id().unwrap_or_default().to_owned();
    ctx.created("elastic-ip", &name, &id);
    Ok(id)
}

async fn ensure_route_tables(
    ctx: &Ctx<'_>,
    plan: &Plan,
    vpc_id: &str,
    subnet_ids: &BTreeMap<String, String>,
    igw: Option<&str>,
    eigw: Option<&str>,
    nats: &BTreeMap<String, String>,
) -> Result<()> {
    let mut existing = Vec::new();
    if is_real(vpc_id) {
        let mut pages = ctx
            .ec2
            .describe_route_tables()
            .filters(filter("vpc-id", &[vpc_id]))
            .filters(ctx.owned_filter())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(err("route-table", vpc_id, "DescribeRouteTables"))?;
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
                    let id = t.route_table_id().unwrap_or_default().to_owned();
                    ctx.exists("route-table", &name, &id);
                    let assoc = t
                        .associations()
                        .iter()
                        .any(|a| a.subnet_id() == Some(subnet_id.as_str()));
                    (id, t.routes().to_vec(), assoc)
                }
                None => {
                    let mut t = rt.tags.clone();
                    t.insert(SUBNET_KEY_TAG.into(), rt.subnet_key.clone());
                    let req = ctx
                        .ec2
                        .create_route_table()
                        .vpc_id(vpc_id)
                        .tag_specifications(ec2_tags(ResourceType::RouteTable, &t));
                    if ctx.opts.dry_run {
                        if is_real(vpc_id) {
                            dry_ok(
                                req.dry_run(true).send().await,
                                "route-table",
                                &name,
                                "CreateRouteTable",
                            )?;
                        }
                        let id = pending(&name);
                        ctx.created("route-table", &name, &id);
                        (id, Vec::new(), false)
                    } else {
                        let out = consistent!(ctx, req.clone().send()).map_err(err(
                            "route-table",
                            &name,
                            "CreateRouteTable",
                        ))?;
                        let id = out
                            .route_table()
                            .and_then(|t| t.route_table_id())
                            .unwrap_or_default()
                            .to_owned();
                        ctx.created("route-table", &name, &id);
                        (id, Vec::new(), false)
                    }
                }
            };
            for r in &rt.routes {
                let target = match &r.target {
                    RouteTarget::InternetGateway => igw.map(str::to_owned),
                    RouteTarget::EgressOnlyInternetGateway => eigw.map(str::to_owned),
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
                        .map(str::to_owned)
                });
                if cur_target.as_deref() == Some(target.as_str()) {
                    continue;
                }
                let replace = cur.is_some();
                if ctx.opts.dry_run && !(is_real(&id) && is_real(&target)) {
                    continue;
                }
                route_call(ctx, &id, r.destination, &r.target, &target, replace)
                    .await
                    .map_err(|e| ApplyError::Aws {
                        kind: "route-table",
                        name: name.clone(),
                        source: Box::new(e),
                    })?;
                if replace || associated {
                    ctx.updated("route-table", &name, &id, format!("{dest} -> {target}"));
                }
            }
            if !associated {
                let req = ctx
                    .ec2
                    .associate_route_table()
                    .route_table_id(&id)
                    .subnet_id(&subnet_id);
                if ctx.opts.dry_run {
                    if is_real(&id) && is_real(&subnet_id) {
                        dry_ok(
                            req.dry_run(true).send().await,
                            "route-table",
                            &name,
                            "AssociateRouteTable",
                        )?;
                    }
                } else {
                    consistent!(ctx, req.clone().send()).map_err(err(
                        "route-table",
                        &name,
                        "AssociateRouteTable",
                    ))?;
                }
            }
            Ok::<_, ApplyError>(())
        }
    });
    all(ctx, work).await?;
    Ok(())
}

async fn route_call(
    ctx: &Ctx<'_>,
    table: &str,
    dest: Destination,
    target_kind: &RouteTarget,
    target: &str,
    replace: bool,
) -> std::result::Result<(), AwsCallError> {
    let cidr = dest.cidr();
    let (v4, v6) = match cidr {
        IpNet::V4(d) => (Some(d.to_string()), None),
        IpNet::V6(d) => (None, Some(d.to_string())),
    };
    let (gw, eigw, nat) = match target_kind {
        RouteTarget::InternetGateway => (Some(target.to_owned()), None, None),
        RouteTarget::EgressOnlyInternetGateway => (None, Some(target.to_owned()), None),
        RouteTarget::NatGateway(_) => (None, None, Some(target.to_owned())),
    };
    let dry = ctx.opts.dry_run.then_some(true);
    // CreateRoute and ReplaceRoute take the same fields.
    macro_rules! send {
        ($builder:expr, $action:literal) => {
            consistent!(
                ctx,
                $builder
                    .route_table_id(table)
                    .set_destination_cidr_block(v4.clone())
                    .set_destination_ipv6_cidr_block(v6.clone())
                    .set_gateway_id(gw.clone())
                    .set_egress_only_internet_gateway_id(eigw.clone())
                    .set_nat_gateway_id(nat.clone())
                    .set_dry_run(dry)
                    .send()
            )
            .map(|_| ())
            .map_err(|e| (e.code().map(str::to_owned), aws_error($action, e)))
        };
    }
    let result = if replace {
        send!(ctx.ec2.replace_route(), "ReplaceRoute")
    } else {
        send!(ctx.ec2.create_route(), "CreateRoute")
    };
    match result {
        Err((Some(code), _)) if code == "DryRunOperation" => Ok(()),
        Err((_, e)) => Err(e),
        Ok(()) => Ok(()),
    }
}

/// The public addresses of the cluster's NAT gateways (CAPA's
/// `natGatewaysIPsSource`).
async fn nat_public_ips(ctx: &Ctx<'_>, nats: &BTreeMap<String, String>) -> Result<Vec<String>> {
    let ids: Vec<String> = nats.values().filter(|i| is_real(i)).cloned().collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let out = ctx
        .ec2
        .describe_nat_gateways()
        .set_nat_gateway_ids(Some(ids))
        .send()
        .await
        .map_err(err("nat-gateway", &ctx.cluster, "DescribeNatGateways"))?;
    let mut ips: Vec<String> = out
        .nat_gateways()
        .iter()
        .flat_map(|n| n.nat_gateway_addresses())
        .filter_map(|a| a.public_ip().map(str::to_owned))
        .collect();
    ips.sort();
    Ok(ips)
}

/// Group ids by role.
type Groups = BTreeMap<String, String>;

async fn ensure_security_groups(
    ctx: &Ctx<'_>,
    plan: &Plan,
    vpc_id: &str,
    vpc_v4: Option<ipnet::Ipv4Net>,
    vpc_v6: Option<Ipv6Net>,
    nat_ips: &[String],
) -> Result<Groups> {
    let mut existing = Vec::new();
    if is_real(vpc_id) {
        let out = ctx
            .ec2
            .describe_security_groups()
            .filters(filter("vpc-id", &[vpc_id]))
            .filters(ctx.owned_filter())
            .send()
            .await
            .map_err(err("security-group", vpc_id, "DescribeSecurityGroups"))?;
        existing.extend(out.security_groups().iter().cloned());
    }
    let create = plan.security_groups.iter().map(|g| {
        let found = existing
            .iter()
            .find(|e| e.group_name() == Some(g.name.as_str()))
            .cloned();
        async move {
            if let Some(e) = found {
                let id = e.group_id().unwrap_or_default().to_owned();
                ctx.exists("security-group", &g.name, &id);
                return Ok((g.role.clone(), id, Some(e)));
            }
            let req = ctx
                .ec2
                .create_security_group()
                .group_name(&g.name)
                .description(format!("Kubernetes cluster {}: {}", plan.cluster, g.role))
                .vpc_id(vpc_id)
                .tag_specifications(ec2_tags(ResourceType::SecurityGroup, &g.tags));
            if ctx.opts.dry_run {
                if is_real(vpc_id) {
                    dry_ok(
                        req.dry_run(true).send().await,
                        "security-group",
                        &g.name,
                        "CreateSecurityGroup",
                    )?;
                }
                let id = pending(&g.name);
                ctx.created("security-group", &g.name, &id);
                return Ok((g.role.clone(), id, None));
            }
            let out = consistent!(ctx, req.clone().send()).map_err(err(
                "security-group",
                &g.name,
                "CreateSecurityGroup",
            ))?;
            let id = out.group_id().unwrap_or_default().to_owned();
            ctx.created("security-group", &g.name, &id);
            Ok::<_, ApplyError>((g.role.clone(), id, None))
        }
    });
    let made = all(ctx, create).await?;
    let groups: Groups = made
        .iter()
        .map(|(r, id, _)| (r.clone(), id.clone()))
        .collect();
    let rules = plan
        .security_groups
        .iter()
        .zip(made.iter())
        .map(|(g, (_, id, current))| {
            let peers_of = PeerValues {
                groups: &groups,
                vpc_v4,
                vpc_v6,
                nat_ips,
            };
            async move { authorize(ctx, g, id, current.as_ref(), &peers_of).await }
        });
    all(ctx, rules).await?;
    Ok(groups)
}

/// One ingress permission in EC2's terms, for comparing and authorizing.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Perm {
    protocol: String,
    from: Option<i32>,
    to: Option<i32>,
    kind: PeerKind,
    peer: String,
    description: String,
}

impl Perm {
    /// The same rule: protocol, ports and peer (descriptions aside).
    fn same_rule(&self, other: &Perm) -> bool {
        self.protocol == other.protocol
            && self.kind == other.kind
            && self.peer == other.peer
            && self.from == other.from
            && self.to == other.to
    }
}

/// Which list of an `IpPermission` a peer goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PeerKind {
    Ipv4,
    Ipv6,
    Group,
}

fn ec2_protocol(p: &str) -> String {
    match p {
        "-1" | "all" => "-1".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        "6" => "tcp".into(),
        "17" => "udp".into(),
        other => other.to_ascii_lowercase(),
    }
}

fn existing_perms(sg: &aws_sdk_ec2::types::SecurityGroup) -> Vec<Perm> {
    let mut out = Vec::new();
    for p in sg.ip_permissions() {
        let proto = ec2_protocol(p.ip_protocol().unwrap_or("-1"));
        let (from, to) = if proto == "-1" {
            (None, None)
        } else {
            (p.from_port(), p.to_port())
        };
        let mk = |kind: PeerKind, peer: &str| Perm {
            protocol: proto.clone(),
            from,
            to,
            kind,
            peer: peer.to_owned(),
            description: String::new(),
        };
        out.extend(
            p.ip_ranges()
                .iter()
                .filter_map(|r| r.cidr_ip().map(|c| mk(PeerKind::Ipv4, c))),
        );
        out.extend(
            p.ipv6_ranges()
                .iter()
                .filter_map(|r| r.cidr_ipv6().map(|c| mk(PeerKind::Ipv6, c))),
        );
        out.extend(
            p.user_id_group_pairs()
                .iter()
                .filter_map(|g| g.group_id().map(|c| mk(PeerKind::Group, c))),
        );
    }
    out
}

/// What rule peers resolve to: group ids by role, the VPC's blocks, the
/// NAT gateways' public addresses.
struct PeerValues<'a> {
    groups: &'a Groups,
    vpc_v4: Option<ipnet::Ipv4Net>,
    vpc_v6: Option<Ipv6Net>,
    nat_ips: &'a [String],
}

async fn authorize(
    ctx: &Ctx<'_>,
    g: &SecurityGroupPlan,
    id: &str,
    current: Option<&aws_sdk_ec2::types::SecurityGroup>,
    peers_of: &PeerValues<'_>,
) -> Result<()> {
    let have = current.map(existing_perms).unwrap_or_default();
    // Every rule the plan asks for; `want` is those the group lacks.
    let mut desired: Vec<Perm> = Vec::new();
    for r in &g.ingress {
        let peers: Vec<(PeerKind, String)> = match &r.peer {
            Peer::Cidr(IpNet::V4(n)) => vec![(PeerKind::Ipv4, n.to_string())],
            Peer::Cidr(IpNet::V6(n)) => vec![(PeerKind::Ipv6, n.to_string())],
            Peer::Ipv4Text(t) => vec![(PeerKind::Ipv4, t.clone())],
            Peer::Ipv6Text(t) => vec![(PeerKind::Ipv6, t.clone())],
            Peer::VpcIpv4 => peers_of
                .vpc_v4
                .map(|n| (PeerKind::Ipv4, n.to_string()))
                .into_iter()
                .collect(),
            Peer::VpcIpv6 => peers_of
                .vpc_v6
                .map(|n| (PeerKind::Ipv6, n.to_string()))
                .into_iter()
                .collect(),
            Peer::Group(role) => peers_of
                .groups
                .get(role)
                .map(|id| (PeerKind::Group, id.clone()))
                .into_iter()
                .collect(),
            Peer::GroupId(id) => vec![(PeerKind::Group, id.clone())],
            Peer::NatGatewayIps => peers_of
                .nat_ips
                .iter()
                .map(|ip| (PeerKind::Ipv4, format!("{ip}/32")))
                .collect(),
        };
        let protocol = ec2_protocol(&r.protocol);
        let ports = !matches!(protocol.as_str(), "-1" | "4");
        for (kind, peer) in peers {
            let p = Perm {
                from: ports.then_some(r.from_port as i32),
                to: ports.then_some(r.to_port as i32),
                protocol: protocol.clone(),
                kind,
                peer,
                description: r.description.clone(),
            };
            if !desired.iter().any(|d| d.same_rule(&p)) {
                desired.push(p);
            }
        }
    }
    let want: Vec<&Perm> = desired
        .iter()
        .filter(|p| !have.iter().any(|h| h.same_rule(p)))
        .collect();
    // Rules of the group that the plan no longer has (a CNI rule taken out
    // of the spec): revoked once the wanted ones are in, as CAPA does.
    let stale: Vec<&Perm> = have
        .iter()
        .filter(|h| !desired.iter().any(|d| d.same_rule(h)))
        .collect();
    if !want.is_empty() {
        add_ingress(ctx, g, id, current.is_some(), &want).await?;
    }
    if !stale.is_empty() {
        revoke_ingress(ctx, g, id, &stale).await?;
    }
    Ok(())
}

/// EC2's form of permissions, one peer each.
fn ip_permissions(perms: &[&Perm], with_description: bool) -> Vec<IpPermission> {
    perms
        .iter()
        .map(|p| {
            let description = with_description.then(|| p.description.clone());
            let b = IpPermission::builder()
                .ip_protocol(&p.protocol)
                .set_from_port(p.from)
                .set_to_port(p.to);
            if p.kind == PeerKind::Group {
                b.user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .group_id(&p.peer)
                        .set_description(description)
                        .build(),
                )
            } else if p.kind == PeerKind::Ipv6 {
                b.ipv6_ranges(
                    Ipv6Range::builder()
                        .cidr_ipv6(&p.peer)
                        .set_description(description)
                        .build(),
                )
            } else {
                b.ip_ranges(
                    IpRange::builder()
                        .cidr_ip(&p.peer)
                        .set_description(description)
                        .build(),
                )
            }
            .build()
        })
        .collect()
}

async fn add_ingress(
    ctx: &Ctx<'_>,
    g: &SecurityGroupPlan,
    id: &str,
    existed: bool,
    want: &[&Perm],
) -> Result<()> {
    if ctx.opts.dry_run && (!is_real(id) || want.iter().any(|p| !is_real(&p.peer))) {
        return Ok(());
    }
    let perms = ip_permissions(want, true);
    let req = ctx
        .ec2
        .authorize_security_group_ingress()
        .group_id(id)
        .set_ip_permissions(Some(perms))
        .set_dry_run(ctx.opts.dry_run.then_some(true));
    match consistent!(ctx, req.clone().send()) {
        Ok(_) => {}
        Err(e) if e.code() == Some("DryRunOperation") => {}
        Err(e) => {
            return Err(err(
                "security-group",
                &g.name,
                "AuthorizeSecurityGroupIngress",
            )(e));
        }
    }
    if existed {
        ctx.updated(
            "security-group",
            &g.name,
            id,
            format!("{} ingress rule(s) added", want.len()),
        );
    }
    Ok(())
}

async fn revoke_ingress(
    ctx: &Ctx<'_>,
    g: &SecurityGroupPlan,
    id: &str,
    stale: &[&Perm],
) -> Result<()> {
    let req = ctx
        .ec2
        .revoke_security_group_ingress()
        .group_id(id)
        .set_ip_permissions(Some(ip_permissions(stale, false)))
        .set_dry_run(ctx.opts.dry_run.then_some(true));
    match req.send().await {
        Ok(_) => {}
        Err(e) if e.code() == Some("DryRunOperation") => {}
        Err(e) => {
            return Err(err("security-group", &g.name, "RevokeSecurityGroupIngress")(e));
        }
    }
    ctx.updated(
        "security-group",
        &g.name,
        id,
        format!("{} ingress rule(s) removed", stale.len()),
    );
    Ok(())
}

fn elb_tags(t: &BTreeMap<String, String>) -> Vec<elbv2::types::Tag> {
    t.iter()
        .map(|(k, v)| elbv2::types::Tag::builder().key(k).value(v).build())
        .collect()
}

/// The load balancer, its target group and listener. Returns (LB ARN, TG ARN, DNS name).
async fn ensure_load_balancer(
    ctx: &Ctx<'_>,
    lb: &LoadBalancerPlan,
    vpc_id: &str,
    subnet_ids: &BTreeMap<String, String>,
    groups: &Groups,
) -> Result<(String, String, Option<String>)> {
    use elbv2::types::{
        Action, ActionTypeEnum, IpAddressType, LoadBalancerSchemeEnum, LoadBalancerTypeEnum,
        ProtocolEnum, TargetGroupIpAddressTypeEnum, TargetTypeEnum,
    };
    let name = &lb.name;
    if ctx.opts.dry_run && !is_real(vpc_id) {
        ctx.created("load-balancer", name, &pending(name));
        ctx.created(
            "target-group",
            &lb.target_group.name,
            &pending(&lb.target_group.name),
        );
        return Ok((pending(name), pending(&lb.target_group.name), None));
    }
    let found = match ctx.elb.describe_load_balancers().names(name).send().await {
        Ok(out) => out.load_balancers().first().cloned(),
        Err(e) if e.code() == Some("LoadBalancerNotFound") => None,
        Err(e) => return Err(err("load-balancer", name, "DescribeLoadBalancers")(e)),
    };
    let (arn, dns) = match found {
        Some(existing) => {
            let arn = existing.load_balancer_arn().unwrap_or_default().to_owned();
            ctx.exists("load-balancer", name, &arn);
            let cur = existing.ip_address_type().map(|t| t.as_str().to_owned());
            if cur.as_deref() != Some(lb.ip_address_type.as_str()) {
                if !ctx.opts.dry_run {
                    ctx.elb
                        .set_ip_address_type()
                        .load_balancer_arn(&arn)
                        .ip_address_type(IpAddressType::from(lb.ip_address_type.as_str()))
                        .send()
                        .await
                        .map_err(err("load-balancer", name, "SetIpAddressType"))?;
                }
                ctx.updated(
                    "load-balancer",
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
        None if ctx.opts.dry_run => {
            ctx.created("load-balancer", name, &pending(name));
            ctx.created(
                "target-group",
                &lb.target_group.name,
                &pending(&lb.target_group.name),
            );
            return Ok((pending(name), pending(&lb.target_group.name), None));
        }
        None => {
            let subnets: Vec<String> = lb
                .subnet_keys
                .iter()
                .filter_map(|k| subnet_ids.get(k).cloned())
                .collect();
            let sgs: Vec<String> = lb
                .security_group_roles
                .iter()
                .filter_map(|r| {
                    groups
                        .get(r)
                        .cloned()
                        .or_else(|| r.starts_with("sg-").then(|| r.clone()))
                })
                .collect();
            let out = ctx
                .elb
                .create_load_balancer()
                .name(name)
                .r#type(LoadBalancerTypeEnum::from(lb.lb_type.as_str()))
                .scheme(LoadBalancerSchemeEnum::from(lb.scheme.as_str()))
                .ip_address_type(IpAddressType::from(lb.ip_address_type.as_str()))
                .set_subnets(Some(subnets))
                .set_security_groups(Some(sgs))
                .set_tags(Some(elb_tags(&lb.tags)))
                .send()
                .await
                .map_err(err("load-balancer", name, "CreateLoadBalancer"))?;
            let l = out.load_balancers().first();
            let arn = l
                .and_then(|l| l.load_balancer_arn())
                .unwrap_or_default()
                .to_owned();
            ctx.created("load-balancer", name, &arn);
            (arn, l.and_then(|l| l.dns_name()).map(str::to_owned))
        }
    };
    // Wait until active.
    let mut polls = 0;
    loop {
        let out = consistent!(
            ctx,
            ctx.elb
                .describe_load_balancers()
                .load_balancer_arns(&arn)
                .send()
        )
        .map_err(err("load-balancer", name, "DescribeLoadBalancers"))?;
        let state = out
            .load_balancers()
            .first()
            .and_then(|l| l.state())
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_owned());
        match state.as_deref() {
            Some("active") => break,
            Some("failed") => {
                return Err(ApplyError::Stuck {
                    kind: "load-balancer",
                    name: name.clone(),
                    message: format!("{arn} failed"),
                });
            }
            _ => {}
        }
        polls += 1;
        if polls > ctx.opts.max_polls {
            return Err(ApplyError::Stuck {
                kind: "load-balancer",
                name: name.clone(),
                message: format!(
                    "{arn} stayed in state {} and never became active",
                    state.unwrap_or_else(|| "unknown".into())
                ),
            });
        }
        ctx.sleep().await;
    }
    // Target group.
    let tgp = &lb.target_group;
    let tg = match ctx
        .elb
        .describe_target_groups()
        .names(&tgp.name)
        .send()
        .await
    {
        Ok(out) => out.target_groups().first().cloned(),
        Err(e) if e.code() == Some("TargetGroupNotFound") => None,
        Err(e) => return Err(err("target-group", &tgp.name, "DescribeTargetGroups")(e)),
    };
    let tg_arn = match tg {
        Some(t) => {
            let arn = t.target_group_arn().unwrap_or_default().to_owned();
            ctx.exists("target-group", &tgp.name, &arn);
            arn
        }
        None => {
            let out = ctx
                .elb
                .create_target_group()
                .name(&tgp.name)
                .protocol(ProtocolEnum::Tcp)
                .port(i32::from(tgp.port))
                .vpc_id(vpc_id)
                .target_type(TargetTypeEnum::Instance)
                .ip_address_type(TargetGroupIpAddressTypeEnum::from(
                    tgp.ip_address_type.as_str(),
                ))
                .health_check_protocol(ProtocolEnum::from(tgp.health_check_protocol.as_str()))
                .set_health_check_path(tgp.health_check_path.clone())
                .set_tags(Some(elb_tags(&lb.tags)))
                .send()
                .await
                .map_err(err("target-group", &tgp.name, "CreateTargetGroup"))?;
            let arn = out
                .target_groups()
                .first()
                .and_then(|t| t.target_group_arn())
                .unwrap_or_default()
                .to_owned();
            ctx.created("target-group", &tgp.name, &arn);
            arn
        }
    };
    // Listener.
    let listeners = consistent!(
        ctx,
        ctx.elb.describe_listeners().load_balancer_arn(&arn).send()
    )
    .map_err(err("listener", name, "DescribeListeners"))?;
    let has = listeners
        .listeners()
        .iter()
        .any(|l| l.port() == Some(i32::from(lb.listener_port)));
    if !has {
        let out = consistent!(
            ctx,
            ctx.elb
                .create_listener()
                .load_balancer_arn(&arn)
                .protocol(ProtocolEnum::Tcp)
                .port(i32::from(lb.listener_port))
                .default_actions(
                    Action::builder()
                        .r#type(ActionTypeEnum::Forward)
                        .target_group_arn(&tg_arn)
                        .build(),
                )
                .send()
        )
        .map_err(err("listener", name, "CreateListener"))?;
        let larn = out
            .listeners()
            .first()
            .and_then(|l| l.listener_arn())
            .unwrap_or_default()
            .to_owned();
        ctx.created("listener", &format!("{name}:{}", lb.listener_port), &larn);
    }
    Ok((arn, tg_arn, dns))
}

/// Control-plane machines, found by their Name tag and the cluster tag.
async fn ensure_machines(
    ctx: &Ctx<'_>,
    plan: &Plan,
    subnet_ids: &BTreeMap<String, String>,
    groups: &Groups,
) -> Result<Vec<String>> {
    if plan.machines.is_empty() {
        return Ok(Vec::new());
    }
    let out = ctx
        .ec2
        .describe_instances()
        .filters(ctx.owned_filter())
        .filters(filter("instance-state-name", &["pending", "running"]))
        .send()
        .await
        .map_err(err("instance", &plan.cluster, "DescribeInstances"))?;
    let existing: Vec<aws_sdk_ec2::types::Instance> = out
        .reservations()
        .iter()
        .flat_map(|r| r.instances().iter().cloned())
        .collect();
    let work = plan.machines.iter().map(|m| {
        let found = existing
            .iter()
            .find(|i| tag_map(i.tags()).get(tags::NAME) == Some(&m.name))
            .and_then(|i| i.instance_id().map(str::to_owned));
        async move {
            if let Some(id) = found {
                ctx.exists("instance", &m.name, &id);
                return Ok(id);
            }
            run_instance(ctx, plan, m, subnet_ids, groups).await
        }
    });
    let ids = all(ctx, work).await?;
    // Wait until running (targets must be running to register).
    for (m, id) in plan.machines.iter().zip(&ids) {
        if !is_real(id) {
            continue;
        }
        let mut polls = 0;
        loop {
            let out = consistent!(ctx, ctx.ec2.describe_instances().instance_ids(id).send())
                .map_err(err("instance", &m.name, "DescribeInstances"))?;
            let state = out
                .reservations()
                .first()
                .and_then(|r| r.instances().first())
                .and_then(|i| i.state())
                .and_then(|s| s.name())
                .map(|s| s.as_str().to_owned());
            match state.as_deref() {
                Some("running") => break,
                Some("pending") | None => {}
                Some(other) => {
                    return Err(ApplyError::Stuck {
                        kind: "instance",
                        name: m.name.clone(),
                        message: format!("{id} is {other}"),
                    });
                }
            }
            polls += 1;
            if polls > ctx.opts.max_polls {
                return Err(ApplyError::Stuck {
                    kind: "instance",
                    name: m.name.clone(),
                    message: format!("{id} never started running"),
                });
            }
            ctx.sleep().await;
        }
    }
    Ok(ids)
}

async fn run_instance(
    ctx: &Ctx<'_>,
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
    let mut req = ctx
        .ec2
        .run_instances()
        .image_id(&m.image_id)
        .instance_type(InstanceType::from(m.instance_type.as_str()))
        .min_count(1)
        .max_count(1)
        .network_interfaces(eni.build())
        .private_dns_name_options(dns.build())
        .client_token(client_token(&[&plan.cluster, &m.name, &subnet]))
        .tag_specifications(ec2_tags(ResourceType::Instance, &m.tags));
    if let Some(p) = &m.http_protocol_ipv6 {
        req = req.metadata_options(
            InstanceMetadataOptionsRequest::builder()
                .http_protocol_ipv6(InstanceMetadataProtocolState::from(p.as_str()))
                .build(),
        );
    }
    if ctx.opts.dry_run {
        if is_real(&subnet) && sgs.iter().all(|s| is_real(s)) {
            dry_ok(
                req.dry_run(true).send().await,
                "instance",
                &m.name,
                "RunInstances",
            )?;
        }
        let id = pending(&m.name);
        ctx.created("instance", &m.name, &id);
        return Ok(id);
    }
    let out =
        consistent!(ctx, req.clone().send()).map_err(err("instance", &m.name, "RunInstances"))?;
    let id = out
        .instances()
        .first()
        .and_then(|i| i.instance_id())
        .unwrap_or_default()
        .to_owned();
    ctx.created("instance", &m.name, &id);
    Ok(id)
}

/// Registers the control-plane machines that are not registered yet.
async fn ensure_targets(ctx: &Ctx<'_>, tg_arn: &str, instances: &[String]) -> Result<()> {
    if !is_real(tg_arn) {
        return Ok(());
    }
    let health = consistent!(
        ctx,
        ctx.elb
            .describe_target_health()
            .target_group_arn(tg_arn)
            .send()
    )
    .map_err(err("target-group", tg_arn, "DescribeTargetHealth"))?;
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
    if missing.is_empty() {
        return Ok(());
    }
    if ctx.opts.dry_run {
        return Ok(());
    }
    let targets: Vec<elbv2::types::TargetDescription> = missing
        .iter()
        .map(|id| elbv2::types::TargetDescription::builder().id(*id).build())
        .collect();
    consistent!(
        ctx,
        ctx.elb
            .register_targets()
            .target_group_arn(tg_arn)
            .set_targets(Some(targets.clone()))
            .send()
    )
    .map_err(err("target-group", tg_arn, "RegisterTargets"))?;
    for id in missing {
        ctx.record("register", "target", id, Some(id), None);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::client_token;

    /// Compiles only while an apply and a destroy can run as their own task:
    /// their futures are `Send` for any lifetime of what they borrow.
    #[allow(dead_code)]
    fn apply_can_be_spawned(
        clients: crate::target::Clients,
        model: crate::model::ClusterModel,
        facts: crate::facts::Facts,
        opts: super::ApplyOptions,
    ) {
        drop(tokio::spawn(async move {
            super::apply(&clients, &model, &facts, &opts)
                .await
                .map(drop)?;
            let opts = crate::destroy::DestroyOptions::for_target(true);
            crate::destroy::destroy(&clients, &model.name, &opts)
                .await
                .map(drop)
        }));
    }

    #[test]
    fn client_tokens_follow_the_parents_and_fit_ec2s_limit() {
        let nat = client_token(&["demo", "nat", "us-east-1a", "subnet-1", "eipalloc-1"]);
        assert_eq!(
            nat,
            client_token(&["demo", "nat", "us-east-1a", "subnet-1", "eipalloc-1"])
        );
        // Made again in a new subnet, or with a new address: a new token.
        assert_ne!(
            nat,
            client_token(&["demo", "nat", "us-east-1a", "subnet-2", "eipalloc-1"])
        );
        assert_ne!(
            nat,
            client_token(&["demo", "nat", "us-east-1a", "subnet-1", "eipalloc-2"])
        );
        // Parts are kept apart: moving a character across a boundary changes it.
        assert_ne!(client_token(&["ab", "c"]), client_token(&["a", "bc"]));
        let long = "x".repeat(200);
        let t = client_token(&[&long, &long]);
        assert_eq!(t.len(), 32);
        assert!(t.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
