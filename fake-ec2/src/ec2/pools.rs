//! IPv6 address pools: BYOIP pools (`DescribeIpv6Pools`) and VPC IP Address
//! Manager (IPAM): CreateIpam, scopes, CreateIpamPool, ProvisionIpamPoolCidr,
//! and the allocations VPCs draw from pools.

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters;
use super::paging::{self, Limits};
use super::tags::{self, Tags};
use super::{Ec2State, errors};
use crate::cidr;
use crate::protocol::error::AwsResult;
use crate::protocol::xml::rename;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

/// A BYOIP IPv6 pool (`ipv6pool-ec2-...`) with the CIDRs brought to AWS.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ipv6Pool {
    pub pool_id: String,
    pub description: String,
    pub pool_cidr_blocks: Vec<ipnet::Ipv6Net>,
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ipam {
    pub ipam_id: String,
    pub ipam_arn: String,
    pub description: Option<String>,
    pub operating_regions: Vec<String>,
    pub public_default_scope_id: String,
    pub private_default_scope_id: String,
    pub tier: String,
    pub state: String,
    pub owner_id: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IpamScope {
    pub ipam_scope_id: String,
    pub ipam_scope_arn: String,
    pub ipam_id: String,
    pub ipam_arn: String,
    pub scope_type: String,
    pub is_default: bool,
    pub owner_id: String,
    pub tags: Tags,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressFamily {
    Ipv4,
    Ipv6,
}

impl AddressFamily {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
        }
    }

    fn of(net: &IpNet) -> Self {
        match net {
            IpNet::V4(_) => Self::Ipv4,
            IpNet::V6(_) => Self::Ipv6,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IpamPoolCidr {
    pub ipam_pool_cidr_id: String,
    pub cidr: IpNet,
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IpamAllocation {
    pub ipam_pool_allocation_id: String,
    pub cidr: IpNet,
    pub resource_id: String,
    pub resource_type: String,
    pub resource_region: String,
    pub resource_owner: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IpamPool {
    pub ipam_pool_id: String,
    pub ipam_pool_arn: String,
    pub ipam_scope_id: String,
    pub ipam_scope_arn: String,
    pub ipam_scope_type: String,
    pub ipam_arn: String,
    pub ipam_region: String,
    pub locale: Option<String>,
    pub address_family: AddressFamily,
    pub state: String,
    pub description: Option<String>,
    pub allocation_min_netmask_length: Option<u8>,
    pub allocation_max_netmask_length: Option<u8>,
    pub allocation_default_netmask_length: Option<u8>,
    pub publicly_advertisable: Option<bool>,
    pub aws_service: Option<String>,
    pub public_ip_source: Option<String>,
    pub source_ipam_pool_id: Option<String>,
    pub owner_id: String,
    pub cidrs: Vec<IpamPoolCidr>,
    pub allocations: Vec<IpamAllocation>,
    pub tags: Tags,
}

crate::registry::resource!(
    Ipv6Pool: "ipv6pool-ec2", "ipv6pool-ec2", pool_id, Tags, |id| errors::ipv6_pool_not_found(id)
);

crate::registry::resource!(Ipam: "ipam", "ipam", ipam_id, Tags, |id| errors::ipam_not_found(id));

crate::registry::resource!(
    IpamScope: "ipam-scope", "ipam-scope", ipam_scope_id, Tags,
    |id| errors::ipam_scope_not_found(id)
);

crate::registry::resource!(
    IpamPool: "ipam-pool", "ipam-pool", ipam_pool_id, Tags, |id| errors::ipam_pool_not_found(id)
);

/// An allocation a VPC will take from an IPAM pool once every check passed.
#[derive(Debug, Clone)]
pub struct IpamAllocationRequest {
    pub ipam_pool_id: String,
    pub cidr: IpNet,
    pub resource_id: String,
}

impl IpamPool {
    fn used(&self) -> Vec<IpNet> {
        self.allocations.iter().map(|a| a.cidr).collect()
    }

    /// Where a VPC block of this pool would go. `cidr` names one explicitly;
    /// otherwise `netmask` or the pool's default length picks the first free block.
    pub fn plan_vpc_allocation(
        &self,
        region: &str,
        family: AddressFamily,
        cidr: Option<IpNet>,
        netmask: Option<u8>,
    ) -> AwsResult<IpNet> {
        let id = &self.ipam_pool_id;
        if self.address_family != family {
            return Err(AwsError::invalid_parameter_value(format!(
                "The IPAM pool '{id}' has address family '{}', not '{}'.",
                self.address_family.as_str(),
                family.as_str()
            )));
        }
        if self.locale.as_deref() != Some(region) {
            return Err(AwsError::invalid_parameter_value(format!(
                "The IPAM pool '{id}' has locale '{}'. Allocations to a VPC in '{region}' need a pool whose locale is '{region}'.",
                self.locale.as_deref().unwrap_or("None")
            )));
        }
        if let Some(c) = cidr {
            return self.check_explicit(c);
        }
        let len = netmask
            .or(self.allocation_default_netmask_length)
            .ok_or_else(|| {
                AwsError::invalid_parameter_combination(
                    "The request cannot contain empty CIDR and Netmask Length for a pool with no default allocation netmask length set. Exactly one of them should be provided.",
                )
            })?;
        self.check_length(len)?;
        let used = self.used();
        let free = self.cidrs.iter().find_map(|c| match (c.cidr, family) {
            (IpNet::V6(within), AddressFamily::Ipv6) => {
                let used: Vec<_> = used
                    .iter()
                    .filter_map(|u| match u {
                        IpNet::V6(n) => Some(*n),
                        IpNet::V4(_) => None,
                    })
                    .collect();
                cidr::first_free_v6(&within, len, &used).map(IpNet::V6)
            }
            (IpNet::V4(within), AddressFamily::Ipv4) => {
                let used: Vec<_> = used
                    .iter()
                    .filter_map(|u| match u {
                        IpNet::V4(n) => Some(*n),
                        IpNet::V6(_) => None,
                    })
                    .collect();
                cidr::first_free_v4(&within, len, &used).map(IpNet::V4)
            }
            _ => None,
        });
        match free {
            Some(block) => Ok(block),
            None if self.cidrs.iter().all(|c| c.cidr.prefix_len() > len) => Err(
                AwsError::invalid_parameter_value("The allocation size is too big for the pool."),
            ),
            None => Err(AwsError::coded(
                errors::Ec2Code::InsufficientCidrBlocks,
                format!(
                    "There is not enough free space in the IPAM pool '{id}' for a /{len} allocation."
                ),
            )),
        }
    }

    fn check_length(&self, len: u8) -> AwsResult<()> {
        if self
            .allocation_min_netmask_length
            .is_some_and(|min| len < min)
        {
            return Err(AwsError::invalid_parameter_value(
                "The allocation size is too big for the pool.",
            ));
        }
        if self
            .allocation_max_netmask_length
            .is_some_and(|max| len > max)
        {
            return Err(AwsError::invalid_parameter_value(
                "The allocation size is too small for the pool.",
            ));
        }
        Ok(())
    }

    fn check_explicit(&self, c: IpNet) -> AwsResult<IpNet> {
        self.check_length(c.prefix_len())?;
        if !self.cidrs.iter().any(|p| p.cidr.contains(&c)) {
            return Err(AwsError::invalid_parameter_value(format!(
                "The CIDR '{c}' is not within a CIDR provisioned to the IPAM pool '{}'.",
                self.ipam_pool_id
            )));
        }
        if self
            .allocations
            .iter()
            .any(|a| a.cidr.contains(&c) || c.contains(&a.cidr))
        {
            return Err(AwsError::invalid_parameter_value(format!(
                "The CIDR '{c}' overlaps an existing allocation in the IPAM pool '{}'.",
                self.ipam_pool_id
            )));
        }
        Ok(c)
    }

    fn to_xml(&self) -> Node {
        Node::el("item")
            .leaf("ownerId", &self.owner_id)
            .leaf("ipamPoolId", &self.ipam_pool_id)
            .opt_leaf("sourceIpamPoolId", self.source_ipam_pool_id.as_ref())
            .leaf("ipamPoolArn", &self.ipam_pool_arn)
            .leaf("ipamScopeArn", &self.ipam_scope_arn)
            .leaf("ipamScopeType", &self.ipam_scope_type)
            .leaf("ipamArn", &self.ipam_arn)
            .leaf("ipamRegion", &self.ipam_region)
            .leaf("locale", self.locale.as_deref().unwrap_or("None"))
            .leaf(
                "poolDepth",
                if self.source_ipam_pool_id.is_some() {
                    2
                } else {
                    1
                },
            )
            .leaf("state", &self.state)
            .opt_leaf("description", self.description.as_ref())
            .leaf("autoImport", false)
            .opt_leaf("publiclyAdvertisable", self.publicly_advertisable)
            .leaf("addressFamily", self.address_family.as_str())
            .opt_leaf(
                "allocationMinNetmaskLength",
                self.allocation_min_netmask_length,
            )
            .opt_leaf(
                "allocationMaxNetmaskLength",
                self.allocation_max_netmask_length,
            )
            .opt_leaf(
                "allocationDefaultNetmaskLength",
                self.allocation_default_netmask_length,
            )
            .opt_leaf("awsService", self.aws_service.as_ref())
            .opt_leaf("publicIpSource", self.public_ip_source.as_ref())
            .opt_child(tags::tag_set(&self.tags))
    }
}

/// Records an allocation planned by [`IpamPool::plan_vpc_allocation`].
pub fn commit_allocation(ctx: &mut Ctx<'_>, req: IpamAllocationRequest) {
    let id = ctx.next_id("ipam-pool-alloc");
    let region = ctx.region.name.clone();
    let owner = ctx.region.account.clone();
    if let Some(pool) = ctx.ec2().ipam_pools.get_mut(&req.ipam_pool_id) {
        pool.allocations.push(IpamAllocation {
            ipam_pool_allocation_id: id,
            cidr: req.cidr,
            resource_id: req.resource_id,
            resource_type: "vpc".to_owned(),
            resource_region: region,
            resource_owner: owner,
        });
    }
}

/// Releases a resource's allocations (all of them, or the one for `cidr`).
pub fn release_allocations(ec2: &mut Ec2State, resource_id: &str, cidr: Option<IpNet>) {
    for pool in ec2.ipam_pools.values_mut() {
        pool.allocations
            .retain(|a| a.resource_id != resource_id || cidr.is_some_and(|c| c != a.cidr));
    }
}

filters::filterable!(Ipv6Pool, |pool| [("pool-id", filters::one(&pool.pool_id)),]);

filters::filterable!(IpamPool, |pool| [
    ("address-family", filters::one(pool.address_family.as_str())),
    ("ipam-pool-id", filters::one(&pool.ipam_pool_id)),
    ("ipam-scope-id", filters::one(&pool.ipam_scope_id)),
    ("ipam-scope-type", filters::one(&pool.ipam_scope_type)),
    (
        "locale",
        filters::one(pool.locale.as_deref().unwrap_or("None"))
    ),
    ("owner-id", filters::one(&pool.owner_id)),
    ("state", filters::one(&pool.state)),
    ("description", filters::opt(pool.description.as_ref())),
]);

filters::filterable!(Ipam, |ipam| [
    ("ipam-id", filters::one(&ipam.ipam_id)),
    ("owner-id", filters::one(&ipam.owner_id)),
    ("state", filters::one(&ipam.state)),
    ("tier", filters::one(&ipam.tier)),
]);

filters::filterable!(IpamScope, |scope| [
    ("ipam-scope-id", filters::one(&scope.ipam_scope_id)),
    ("ipam-id", filters::one(&scope.ipam_id)),
    ("ipam-scope-type", filters::one(&scope.scope_type)),
    ("is-default", filters::bool_value(scope.is_default)),
]);

fn ipv6_pool_xml(pool: &Ipv6Pool) -> Node {
    Node::el("item")
        .leaf("poolId", &pool.pool_id)
        .leaf("description", &pool.description)
        .child(Node::set(
            "poolCidrBlockSet",
            pool.pool_cidr_blocks
                .iter()
                .map(|c| Node::el("item").leaf("poolCidrBlock", c)),
        ))
        .opt_child(tags::tag_set(&pool.tags))
}

pub fn describe_ipv6_pools(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    Describe {
        ids: "PoolId",
        set: "ipv6PoolSet",
        limits: Limits::new(1, 1000),
        ids_set: None,
    }
    .run(p, &ctx.ec2().ipv6_pools, ipv6_pool_xml)
}

fn ipam_xml(ipam: &Ipam) -> Node {
    Node::el("item")
        .leaf("ownerId", &ipam.owner_id)
        .leaf("ipamId", &ipam.ipam_id)
        .leaf("ipamArn", &ipam.ipam_arn)
        .leaf(
            "ipamRegion",
            ipam.operating_regions.first().map_or("", String::as_str),
        )
        .leaf("publicDefaultScopeId", &ipam.public_default_scope_id)
        .leaf("privateDefaultScopeId", &ipam.private_default_scope_id)
        .leaf("scopeCount", 2)
        .opt_leaf("description", ipam.description.as_ref())
        .child(Node::set(
            "operatingRegionSet",
            ipam.operating_regions
                .iter()
                .map(|r| Node::el("item").leaf("regionName", r)),
        ))
        .leaf("state", &ipam.state)
        .leaf("tier", &ipam.tier)
        .opt_child(tags::tag_set(&ipam.tags))
}

fn scope_xml(scope: &IpamScope) -> Node {
    Node::el("item")
        .leaf("ownerId", &scope.owner_id)
        .leaf("ipamScopeId", &scope.ipam_scope_id)
        .leaf("ipamScopeArn", &scope.ipam_scope_arn)
        .leaf("ipamArn", &scope.ipam_arn)
        .leaf("ipamScopeType", &scope.scope_type)
        .leaf("isDefault", scope.is_default)
        .leaf("poolCount", 0)
        .leaf("state", "create-complete")
        .opt_child(tags::tag_set(&scope.tags))
}

/// Creates an IPAM with its default public and private scopes. Used by
/// CreateIpam and by seeds that declare IPAM pools directly.
pub fn new_ipam(
    ctx: &mut Ctx<'_>,
    description: Option<String>,
    mut operating_regions: Vec<String>,
    tier: String,
    tags: Tags,
) -> String {
    let ipam_id = ctx.next_id("ipam");
    let owner = ctx.account().to_owned();
    let ipam_arn = format!("arn:aws:ec2::{owner}:ipam/{ipam_id}");
    let region = ctx.region.name.clone();
    if !operating_regions.contains(&region) {
        operating_regions.insert(0, region);
    }
    let mut scope_ids = Vec::new();
    for scope_type in ["public", "private"] {
        let scope_id = ctx.next_id("ipam-scope");
        scope_ids.push(scope_id.clone());
        let scope = IpamScope {
            ipam_scope_arn: format!("arn:aws:ec2::{owner}:ipam-scope/{scope_id}"),
            ipam_scope_id: scope_id.clone(),
            ipam_id: ipam_id.clone(),
            ipam_arn: ipam_arn.clone(),
            scope_type: scope_type.to_owned(),
            is_default: true,
            owner_id: owner.clone(),
            tags: Tags::new(),
        };
        ctx.ec2().ipam_scopes.insert(scope_id, scope);
    }
    let ipam = Ipam {
        ipam_id: ipam_id.clone(),
        ipam_arn,
        description,
        operating_regions,
        public_default_scope_id: scope_ids[0].clone(),
        private_default_scope_id: scope_ids[1].clone(),
        tier,
        state: "create-complete".to_owned(),
        owner_id: owner,
        tags,
    };
    ctx.ec2().ipams.insert(ipam_id.clone(), ipam);
    ipam_id
}

pub fn create_ipam(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "ipam")?;
    let tier = p.value("Tier").unwrap_or("advanced");
    if !["free", "advanced"].contains(&tier) {
        return Err(AwsError::invalid_value_for("tier", tier));
    }
    let regions: Vec<String> = p
        .structs("OperatingRegion")
        .iter()
        .filter_map(|r| r.value("RegionName").map(str::to_owned))
        .collect();
    let id = new_ipam(
        ctx,
        p.value("Description").map(str::to_owned),
        regions,
        tier.to_owned(),
        tags,
    );
    let ipam = &ctx.ec2().ipams[&id];
    Ok(vec![rename(ipam_xml(ipam), "ipam")])
}

pub fn describe_ipams(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    Describe {
        ids: "IpamId",
        set: "ipamSet",
        limits: Limits::new(5, 1000),
        ids_set: None,
    }
    .run(p, &ctx.ec2().ipams, ipam_xml)
}

pub fn delete_ipam(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("IpamId")?.to_owned();
    let cascade = p.flag("Cascade")?;
    let ec2 = ctx.ec2();
    let ipam = ec2
        .ipams
        .get(&id)
        .ok_or_else(|| errors::ipam_not_found(&id))?
        .clone();
    let pools: Vec<String> = ec2
        .ipam_pools
        .values()
        .filter(|pool| pool.ipam_arn == ipam.ipam_arn)
        .map(|pool| pool.ipam_pool_id.clone())
        .collect();
    if !pools.is_empty() && !cascade {
        return Err(AwsError::invalid_parameter_value(format!(
            "The IPAM '{id}' has pools. Delete them first or set Cascade."
        )));
    }
    if pools
        .iter()
        .any(|pid| !ec2.ipam_pools[pid].allocations.is_empty())
    {
        return Err(AwsError::dependency_violation(format!(
            "The IPAM '{id}' has pools with allocations and cannot be deleted."
        )));
    }
    for pid in pools {
        ec2.ipam_pools.remove(&pid);
    }
    ec2.ipam_scopes.retain(|_, s| s.ipam_id != id);
    let mut removed = ec2.ipams.remove(&id).expect("checked above");
    removed.state = "delete-in-progress".to_owned();
    Ok(vec![rename(ipam_xml(&removed), "ipam")])
}

pub fn describe_ipam_scopes(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    Describe {
        ids: "IpamScopeId",
        set: "ipamScopeSet",
        limits: Limits::new(5, 1000),
        ids_set: None,
    }
    .run(p, &ctx.ec2().ipam_scopes, scope_xml)
}

fn netmask(p: &Params, key: &str, family: AddressFamily) -> AwsResult<Option<u8>> {
    let v: Option<u8> = p.number(key)?;
    let max = if family == AddressFamily::Ipv4 {
        32
    } else {
        128
    };
    if let Some(len) = v
        && len > max
    {
        return Err(AwsError::invalid_value_for(key, &len.to_string()));
    }
    Ok(v)
}

/// Everything CreateIpamPool takes, validated (shared with seeds).
#[derive(Debug, Clone, Default)]
pub struct NewIpamPool {
    pub scope_id: String,
    pub family: Option<AddressFamily>,
    pub locale: Option<String>,
    pub source_ipam_pool_id: Option<String>,
    pub description: Option<String>,
    pub min: Option<u8>,
    pub max: Option<u8>,
    pub default: Option<u8>,
    pub publicly_advertisable: Option<bool>,
    pub aws_service: Option<String>,
    pub public_ip_source: Option<String>,
    pub tags: Tags,
}

/// Creates a pool in a scope; returns its id.
pub fn new_ipam_pool(ctx: &mut Ctx<'_>, req: NewIpamPool) -> AwsResult<String> {
    let family = req
        .family
        .ok_or_else(|| AwsError::missing_parameter("AddressFamily"))?;
    let scope = ctx
        .ec2()
        .ipam_scopes
        .get(&req.scope_id)
        .ok_or_else(|| errors::ipam_scope_not_found(&req.scope_id))?
        .clone();
    let ipam = ctx
        .ec2()
        .ipams
        .values()
        .find(|i| i.ipam_id == scope.ipam_id)
        .cloned();
    let ipam = ipam.ok_or_else(|| errors::ipam_not_found(&scope.ipam_id))?;
    if let Some(locale) = &req.locale
        && !ipam.operating_regions.contains(locale)
    {
        return Err(AwsError::invalid_parameter_value(format!(
            "The locale '{locale}' is not an operating region of the IPAM '{}'.",
            ipam.ipam_id
        )));
    }
    if let Some(src) = &req.source_ipam_pool_id
        && !ctx.ec2().ipam_pools.contains_key(src)
    {
        return Err(errors::ipam_pool_not_found(src));
    }
    if let (Some(min), Some(max)) = (req.min, req.max)
        && min > max
    {
        return Err(AwsError::invalid_parameter_value(
            "The allocation minimum netmask length must not be greater than the maximum.",
        ));
    }
    if let Some(d) = req.default
        && (req.min.is_some_and(|m| d < m) || req.max.is_some_and(|m| d > m))
    {
        return Err(AwsError::invalid_parameter_value(
            "The allocation default netmask length must be between the minimum and the maximum.",
        ));
    }
    let id = ctx.next_id("ipam-pool");
    let owner = ctx.account().to_owned();
    let pool = IpamPool {
        ipam_pool_arn: format!("arn:aws:ec2::{owner}:ipam-pool/{id}"),
        ipam_pool_id: id.clone(),
        ipam_scope_id: scope.ipam_scope_id.clone(),
        ipam_scope_arn: scope.ipam_scope_arn.clone(),
        ipam_scope_type: scope.scope_type.clone(),
        ipam_arn: ipam.ipam_arn.clone(),
        ipam_region: ctx.region.name.clone(),
        locale: req.locale,
        address_family: family,
        state: "create-complete".to_owned(),
        description: req.description,
        allocation_min_netmask_length: req.min,
        allocation_max_netmask_length: req.max,
        allocation_default_netmask_length: req.default,
        publicly_advertisable: req.publicly_advertisable,
        aws_service: req.aws_service,
        public_ip_source: req.public_ip_source,
        source_ipam_pool_id: req.source_ipam_pool_id,
        owner_id: owner,
        cidrs: Vec::new(),
        allocations: Vec::new(),
        tags: req.tags,
    };
    ctx.ec2().ipam_pools.insert(id.clone(), pool);
    Ok(id)
}

pub fn create_ipam_pool(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let family = match p.required("AddressFamily")? {
        "ipv4" => AddressFamily::Ipv4,
        "ipv6" => AddressFamily::Ipv6,
        other => return Err(AwsError::invalid_value_for("addressFamily", other)),
    };
    let req = NewIpamPool {
        scope_id: p.required("IpamScopeId")?.to_owned(),
        family: Some(family),
        locale: p.value("Locale").map(str::to_owned),
        source_ipam_pool_id: p.value("SourceIpamPoolId").map(str::to_owned),
        description: p.value("Description").map(str::to_owned),
        min: netmask(p, "AllocationMinNetmaskLength", family)?,
        max: netmask(p, "AllocationMaxNetmaskLength", family)?,
        default: netmask(p, "AllocationDefaultNetmaskLength", family)?,
        publicly_advertisable: p.bool("PubliclyAdvertisable")?,
        aws_service: p.value("AwsService").map(str::to_owned),
        public_ip_source: p.value("PublicIpSource").map(str::to_owned),
        tags: tags::from_specs(p, "ipam-pool")?,
    };
    let id = new_ipam_pool(ctx, req)?;
    Ok(vec![rename(ctx.ec2().ipam_pools[&id].to_xml(), "ipamPool")])
}

pub fn describe_ipam_pools(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    Describe {
        ids: "IpamPoolId",
        set: "ipamPoolSet",
        limits: Limits::new(5, 1000),
        ids_set: None,
    }
    .run(p, &ctx.ec2().ipam_pools, IpamPool::to_xml)
}

pub fn delete_ipam_pool(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("IpamPoolId")?.to_owned();
    let ec2 = ctx.ec2();
    let pool = ec2
        .ipam_pools
        .get(&id)
        .ok_or_else(|| errors::ipam_pool_not_found(&id))?;
    if !pool.allocations.is_empty() {
        return Err(AwsError::invalid_parameter_value(format!(
            "The IPAM pool '{id}' has allocations and cannot be deleted."
        )));
    }
    if ec2
        .ipam_pools
        .values()
        .any(|other| other.source_ipam_pool_id.as_deref() == Some(id.as_str()))
    {
        return Err(AwsError::dependency_violation(format!(
            "The IPAM pool '{id}' has child pools and cannot be deleted."
        )));
    }
    let mut removed = ec2.ipam_pools.remove(&id).expect("checked above");
    removed.state = "delete-in-progress".to_owned();
    Ok(vec![rename(removed.to_xml(), "ipamPool")])
}

/// Adds a CIDR to a pool. A CIDR may not overlap the pool's others; a child
/// pool's CIDR must lie inside its source pool.
pub fn provision_cidr(ctx: &mut Ctx<'_>, pool_id: &str, net: IpNet) -> AwsResult<IpamPoolCidr> {
    let ec2 = ctx.ec2();
    let pool = ec2
        .ipam_pools
        .get(pool_id)
        .ok_or_else(|| errors::ipam_pool_not_found(pool_id))?;
    if AddressFamily::of(&net) != pool.address_family {
        return Err(AwsError::invalid_parameter_value(format!(
            "The CIDR '{net}' does not match the address family '{}' of the pool.",
            pool.address_family.as_str()
        )));
    }
    if net.trunc() != net {
        return Err(AwsError::invalid_parameter_value(format!(
            "The CIDR '{net}' is not a valid network address: the host bits must be zero."
        )));
    }
    if pool
        .cidrs
        .iter()
        .any(|c| c.cidr.contains(&net) || net.contains(&c.cidr))
    {
        return Err(AwsError::invalid_parameter_value(format!(
            "The CIDR '{net}' overlaps a CIDR already provisioned to the pool '{pool_id}'."
        )));
    }
    if let Some(src) = &pool.source_ipam_pool_id {
        let parent = &ec2.ipam_pools[src];
        if !parent.cidrs.iter().any(|c| c.cidr.contains(&net)) {
            return Err(AwsError::invalid_parameter_value(format!(
                "The CIDR '{net}' is not within a CIDR of the source pool '{src}'."
            )));
        }
    }
    let cidr_id = ctx.region.ids.next_hex16("ipam-pool-cidr");
    let entry = IpamPoolCidr {
        ipam_pool_cidr_id: format!("ipam-pool-cidr-{cidr_id}"),
        cidr: net,
        state: "provisioned".to_owned(),
    };
    ctx.ec2()
        .ipam_pools
        .get_mut(pool_id)
        .expect("checked above")
        .cidrs
        .push(entry.clone());
    Ok(entry)
}

fn pool_cidr_xml(c: &IpamPoolCidr, state: &str) -> Node {
    Node::el("item")
        .leaf("cidr", c.cidr)
        .leaf("state", state)
        .leaf("ipamPoolCidrId", &c.ipam_pool_cidr_id)
        .leaf("netmaskLength", c.cidr.prefix_len())
}

pub fn provision_ipam_pool_cidr(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let pool_id = p.required("IpamPoolId")?.to_owned();
    let pool = ctx
        .ec2()
        .ipam_pools
        .get(&pool_id)
        .ok_or_else(|| errors::ipam_pool_not_found(&pool_id))?
        .clone();
    let net: IpNet = match (p.value("Cidr"), p.number::<u8>("NetmaskLength")?) {
        (Some(text), None) => {
            let parsed = match pool.address_family {
                AddressFamily::Ipv4 => cidr::parse_v4(text).map(IpNet::V4),
                AddressFamily::Ipv6 => cidr::parse_v6(text).map(IpNet::V6),
            };
            parsed.ok_or_else(|| errors::invalid_cidr_value("cidr", text))?
        }
        (None, Some(len)) => {
            let src = pool.source_ipam_pool_id.as_ref().ok_or_else(|| {
                AwsError::invalid_parameter_combination(
                    "A netmask length can only be provisioned to a pool that has a source pool.",
                )
            })?;
            let parent = ctx
                .ec2()
                .ipam_pools
                .get(src)
                .ok_or_else(|| errors::ipam_pool_not_found(src))?
                .clone();
            let taken: Vec<IpNet> = ctx
                .ec2()
                .ipam_pools
                .values()
                .filter(|other| other.source_ipam_pool_id.as_deref() == Some(src.as_str()))
                .flat_map(|other| other.cidrs.iter().map(|c| c.cidr))
                .collect();
            parent
                .cidrs
                .iter()
                .find_map(|c| match c.cidr {
                    IpNet::V6(w) => {
                        let used: Vec<_> = taken
                            .iter()
                            .filter_map(|t| if let IpNet::V6(n) = t { Some(*n) } else { None })
                            .collect();
                        cidr::first_free_v6(&w, len, &used).map(IpNet::V6)
                    }
                    IpNet::V4(w) => {
                        let used: Vec<_> = taken
                            .iter()
                            .filter_map(|t| if let IpNet::V4(n) = t { Some(*n) } else { None })
                            .collect();
                        cidr::first_free_v4(&w, len, &used).map(IpNet::V4)
                    }
                })
                .ok_or_else(|| {
                    AwsError::coded(
                        errors::Ec2Code::InsufficientCidrBlocks,
                        format!("The source pool '{src}' has no free /{len} CIDR."),
                    )
                })?
        }
        (Some(_), Some(_)) => {
            return Err(AwsError::invalid_parameter_combination(
                "Exactly one of 'cidr' and 'netmaskLength' should be provided.",
            ));
        }
        (None, None) => {
            return Err(AwsError::missing_parameter_msg(
                "Either 'cidr' or 'netmaskLength' should be provided.",
            ));
        }
    };
    let entry = provision_cidr(ctx, &pool_id, net)?;
    Ok(vec![rename(
        pool_cidr_xml(&entry, "pending-provision"),
        "ipamPoolCidr",
    )])
}

pub fn get_ipam_pool_cidrs(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let pool_id = p.required("IpamPoolId")?;
    let filters = p.filters()?;
    for f in &filters {
        if f.name != "cidr" && f.name != "state" {
            return Err(AwsError::invalid_filter(&f.name));
        }
    }
    let pool = ctx
        .ec2()
        .ipam_pools
        .get(pool_id)
        .ok_or_else(|| errors::ipam_pool_not_found(pool_id))?;
    let items = pool
        .cidrs
        .iter()
        .filter(|c| {
            filters.iter().all(|f| {
                let v = if f.name == "cidr" {
                    c.cidr.to_string()
                } else {
                    c.state.clone()
                };
                f.values.iter().any(|x| filters::wildcard_match(x, &v))
            })
        })
        .map(|c| pool_cidr_xml(c, &c.state))
        .collect();
    let (page, next) = paging::page(items, p, Limits::new(5, 1000), false)?;
    Ok(paging::with_token(
        vec![Node::set("ipamPoolCidrSet", page)],
        next,
    ))
}

pub fn get_ipam_pool_allocations(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let pool_id = p.required("IpamPoolId")?;
    let only = p.value("IpamPoolAllocationId");
    let filters = p.filters()?;
    for f in &filters {
        if ![
            "ipam-pool-allocation-id",
            "cidr",
            "resource-id",
            "resource-type",
            "resource-owner",
        ]
        .contains(&f.name.as_str())
        {
            return Err(AwsError::invalid_filter(&f.name));
        }
    }
    let pool = ctx
        .ec2()
        .ipam_pools
        .get(pool_id)
        .ok_or_else(|| errors::ipam_pool_not_found(pool_id))?;
    if let Some(a) = only
        && !pool
            .allocations
            .iter()
            .any(|x| x.ipam_pool_allocation_id == a)
    {
        return Err(AwsError::coded(
            errors::Ec2Code::InvalidIpamPoolAllocationIdNotFound,
            format!("The ipam pool allocation ID '{a}' does not exist"),
        ));
    }
    let items = pool
        .allocations
        .iter()
        .filter(|a| only.is_none_or(|o| o == a.ipam_pool_allocation_id))
        .filter(|a| {
            filters.iter().all(|f| {
                let v = match f.name.as_str() {
                    "ipam-pool-allocation-id" => a.ipam_pool_allocation_id.clone(),
                    "cidr" => a.cidr.to_string(),
                    "resource-id" => a.resource_id.clone(),
                    "resource-type" => a.resource_type.clone(),
                    _ => a.resource_owner.clone(),
                };
                f.values.iter().any(|x| filters::wildcard_match(x, &v))
            })
        })
        .map(|a| {
            Node::el("item")
                .leaf("cidr", a.cidr)
                .leaf("ipamPoolAllocationId", &a.ipam_pool_allocation_id)
                .leaf("resourceId", &a.resource_id)
                .leaf("resourceType", &a.resource_type)
                .leaf("resourceRegion", &a.resource_region)
                .leaf("resourceOwner", &a.resource_owner)
        })
        .collect();
    let (page, next) = paging::page(items, p, Limits::new(1000, 100_000), false)?;
    Ok(paging::with_token(
        vec![Node::set("ipamPoolAllocationSet", page)],
        next,
    ))
}
