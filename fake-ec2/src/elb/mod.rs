//! Classic Elastic Load Balancing (`awsQuery`, API version 2012-06-01): load
//! balancers with listeners, a health check, registered instances,
//! attributes and tags, with AWS's rules for subnets (IPv4 needed, one per
//! zone, an internet gateway for internet-facing ones) and instances (in the
//! VPC, running, with an IPv4 address).
//!
//! Classic ELB signs as `elasticloadbalancing`, like ELBv2: requests are
//! routed here by `Version=2012-06-01` ([`crate::dispatch`]). Load
//! balancers are keyed by name, the id the API knows them by.

pub mod errors;
pub mod instances;
pub mod load_balancers;
pub mod tags;

use crate::protocol::error::AwsResult;
use crate::protocol::{Node, Params};
use crate::region::Ctx;

pub const XMLNS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/";
pub const API_VERSION: &str = "2012-06-01";

pub use load_balancers::ClassicLoadBalancer;

/// Classic ELB tags keep the order they were added in, as ELBv2's.
pub type Tags = crate::elbv2::Tags;

crate::registry::families! {
    /// Every classic load balancer of one account in one region, keyed by
    /// name (see [`crate::registry`]).
    pub struct ElbState<Tags = Tags> {
        load_balancers: ClassicLoadBalancer,
    }
}

impl ElbState {
    pub fn uses_vpc(&self, vpc_id: &str) -> bool {
        self.load_balancers.values().any(|lb| lb.vpc_id == vpc_id)
    }

    pub fn uses_subnet(&self, subnet_id: &str) -> bool {
        self.load_balancers
            .values()
            .any(|lb| lb.zones.iter().any(|z| z.subnet_id == subnet_id))
    }

    pub fn uses_security_group(&self, group_id: &str) -> bool {
        self.load_balancers
            .values()
            .any(|lb| lb.security_groups.iter().any(|s| s == group_id))
    }

    /// Whether an internet-facing load balancer (whose nodes have public
    /// addresses) is in the VPC.
    pub fn has_public_nodes_in(&self, vpc_id: &str) -> bool {
        self.load_balancers.values().any(|lb| {
            lb.vpc_id == vpc_id && lb.scheme == crate::elbv2::types::Scheme::InternetFacing
        })
    }

    /// Takes terminated instances off every load balancer.
    pub fn forget_instances(&mut self, ids: &[String]) {
        for lb in self.load_balancers.values_mut() {
            lb.instances.retain(|i| !ids.contains(&i.instance_id));
        }
    }
}

pub type Handler = fn(&mut Ctx<'_>, &Params) -> AwsResult<Vec<Node>>;

crate::registry::actions! {
    /// The classic ELB action table.
    Handler {
        "CreateLoadBalancer" => load_balancers::create_load_balancer,
        "DescribeLoadBalancers" => load_balancers::describe_load_balancers,
        "DeleteLoadBalancer" => load_balancers::delete_load_balancer,
        "ConfigureHealthCheck" => load_balancers::configure_health_check,
        "DescribeLoadBalancerAttributes" => load_balancers::describe_load_balancer_attributes,
        "ModifyLoadBalancerAttributes" => load_balancers::modify_load_balancer_attributes,
        "RegisterInstancesWithLoadBalancer" => instances::register_instances,
        "DeregisterInstancesFromLoadBalancer" => instances::deregister_instances,
        "DescribeInstanceHealth" => instances::describe_instance_health,
        "AddTags" => tags::add_tags,
        "RemoveTags" => tags::remove_tags,
        "DescribeTags" => tags::describe_tags,
    }
}

/// An awsQuery list: absent or bare is empty.
pub fn member_list(p: &Params, name: &str) -> Vec<String> {
    p.member_list(name).unwrap_or_default()
}

/// A number parameter; one that does not parse is a `ValidationError`.
pub fn number(p: &Params, key: &str) -> AwsResult<Option<i64>> {
    p.number::<i64>(key)
        .map_err(|e| errors::validation(e.message))
}

/// A boolean parameter; anything but `true`/`false` is a `ValidationError`.
pub fn boolean(p: &Params, key: &str) -> AwsResult<Option<bool>> {
    p.bool(key).map_err(|e| errors::validation(e.message))
}

/// The one load balancer a call names by `LoadBalancerName`.
pub fn find<'a>(ctx: &'a Ctx<'_>, name: &str) -> AwsResult<&'a ClassicLoadBalancer> {
    ctx.region
        .elb
        .load_balancers
        .get(name)
        .ok_or_else(|| errors::load_balancer_not_found(name))
}

pub fn find_mut<'a>(ctx: &'a mut Ctx<'_>, name: &str) -> AwsResult<&'a mut ClassicLoadBalancer> {
    ctx.region
        .elb
        .load_balancers
        .get_mut(name)
        .ok_or_else(|| errors::load_balancer_not_found(name))
}
