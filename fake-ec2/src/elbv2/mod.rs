//! Elastic Load Balancing v2 (`awsQuery`, API version 2015-12-01): state
//! shared with EC2 for cross-service rules. The actions arrive with the next
//! piece of work; until then every ELBv2 action answers `InvalidAction`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ec2::Ctx;
use crate::protocol::error::AwsResult;
use crate::protocol::{Node, Params};

pub const XMLNS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";
pub const API_VERSION: &str = "2015-12-01";

#[derive(Debug, Clone, Serialize)]
pub struct LoadBalancer {
    pub load_balancer_arn: String,
    pub name: String,
    pub vpc_id: String,
    pub subnet_ids: Vec<String>,
    pub security_group_ids: Vec<String>,
}

/// Every ELBv2 resource of one account in one region.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Elbv2State {
    pub load_balancers: BTreeMap<String, LoadBalancer>,
}

impl Elbv2State {
    pub fn uses_vpc(&self, vpc_id: &str) -> bool {
        self.load_balancers.values().any(|lb| lb.vpc_id == vpc_id)
    }

    pub fn uses_subnet(&self, subnet_id: &str) -> bool {
        self.load_balancers
            .values()
            .any(|lb| lb.subnet_ids.iter().any(|s| s == subnet_id))
    }

    pub fn uses_security_group(&self, group_id: &str) -> bool {
        self.load_balancers
            .values()
            .any(|lb| lb.security_group_ids.iter().any(|s| s == group_id))
    }
}

pub type Handler = fn(&mut Ctx<'_>, &Params) -> AwsResult<Vec<Node>>;

/// The ELBv2 action table.
pub fn handler(_action: &str) -> Option<Handler> {
    None
}
