//! Internet gateways: Create, Describe, Delete, Attach, Detach. One per VPC.
//!
//! - An attached gateway reports the attachment state `available` (not in the
//!   model's enum, so SDKs map it to `Unknown`).
//! - Attaching a gateway that is attached anywhere is `Resource.AlreadyAssociated`;
//!   attaching to a VPC that has another gateway is `InvalidParameterValue`
//!   "Network vpc-… already has an internet gateway attached", the code and
//!   text seen on real AWS (binlab/terraform-aws-vault-ha-raft#54).
//! - Detaching refuses (`DependencyViolation`) while public addresses are
//!   mapped in the VPC: a live public NAT gateway or any associated Elastic IP.
//! - Deleting an attached gateway is `DependencyViolation`.
//! - Routes to a gateway that is detached from their VPC (or deleted) show
//!   `blackhole`; re-attaching makes them `active` again.

use serde::{Deserialize, Serialize};

use super::describe::Describe;
use super::filters;
use super::paging::Limits;
use super::tags::{self, Tags};
use super::{Ec2State, addresses, errors, route_tables};
use crate::index::{By, Key, Keys};
use crate::protocol::error::AwsResult;
use crate::protocol::xml::rename;
use crate::protocol::{Node, Params};
use crate::region::Ctx;
use crate::registry;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IgwAttachment {
    pub vpc_id: String,
    /// AWS reports `available` for an attached IGW (not in the model's enum).
    pub state: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InternetGateway {
    pub internet_gateway_id: String,
    pub owner_id: String,
    pub attachments: Vec<IgwAttachment>,
    pub tags: Tags,
}

crate::registry::resource!(
    InternetGateway: "igw", "internet-gateway", internet_gateway_id, Tags,
    |id| errors::internet_gateway_not_found(id)
);

/// A gateway is found by the VPCs it is attached to.
impl Keys for InternetGateway {
    fn keys(&self, out: &mut Vec<Key>) {
        out.extend(self.attachments.iter().map(|a| (By::Vpc, a.vpc_id.clone())));
    }
}

impl InternetGateway {
    pub fn attached_vpc(&self) -> Option<&str> {
        self.attachments.first().map(|a| a.vpc_id.as_str())
    }

    pub fn to_xml(&self) -> Node {
        Node::el("item")
            .leaf("internetGatewayId", &self.internet_gateway_id)
            .leaf("ownerId", &self.owner_id)
            .child(Node::set(
                "attachmentSet",
                self.attachments.iter().map(|a| {
                    Node::el("item")
                        .leaf("vpcId", &a.vpc_id)
                        .leaf("state", &a.state)
                }),
            ))
            .opt_child(tags::tag_set(&self.tags))
    }
}

filters::filterable!(InternetGateway, |gw| [
    (
        "attachment.state",
        gw.attachments.iter().map(|a| a.state.clone()).collect()
    ),
    (
        "attachment.vpc-id",
        gw.attachments.iter().map(|a| a.vpc_id.clone()).collect()
    ),
    ("internet-gateway-id", filters::one(&gw.internet_gateway_id)),
    ("owner-id", filters::one(&gw.owner_id)),
]);

fn find<'a>(ec2: &'a Ec2State, id: &str) -> AwsResult<&'a InternetGateway> {
    registry::find(&ec2.internet_gateways, id)
}

pub fn create_internet_gateway(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let tags = tags::from_specs(p, "internet-gateway")?;
    let id = ctx.next_id("igw");
    let igw = InternetGateway {
        internet_gateway_id: id.clone(),
        owner_id: ctx.account().to_owned(),
        attachments: Vec::new(),
        tags,
    };
    let answer = rename(igw.to_xml(), "internetGateway");
    ctx.ec2().internet_gateways.insert(id, igw);
    Ok(vec![answer])
}

const DESCRIBE: Describe = Describe {
    ids: "InternetGatewayId",
    set: "internetGatewaySet",
    limits: Limits::new(5, 1000),
    ids_set: Some("internetGatewayIds"),
};

pub fn describe_internet_gateways(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    DESCRIBE.run(p, &ctx.ec2().internet_gateways, InternetGateway::to_xml)
}

pub fn delete_internet_gateway(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("InternetGatewayId")?.to_owned();
    let ec2 = ctx.ec2();
    if find(ec2, &id)?.attached_vpc().is_some() {
        return Err(errors::dependency_violation("internetGateway", &id));
    }
    ec2.internet_gateways.remove(&id);
    route_tables::refresh_routes_to(ec2, &id);
    Ok(vec![Node::text("return", true)])
}

pub fn attach_internet_gateway(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("InternetGatewayId")?.to_owned();
    let vpc_id = p.required("VpcId")?.to_owned();
    let ec2 = ctx.ec2();
    let igw = find(ec2, &id)?;
    if !ec2.vpcs.contains_key(&vpc_id) {
        return Err(errors::vpc_not_found(&vpc_id));
    }
    if let Some(current) = igw.attached_vpc() {
        return Err(errors::internet_gateway_already_attached(&id, current));
    }
    if ec2
        .internet_gateways
        .find(By::Vpc, &vpc_id)
        .any(|g| g.attached_vpc() == Some(vpc_id.as_str()))
    {
        return Err(errors::vpc_has_internet_gateway(&vpc_id));
    }
    let mut igw = ec2.internet_gateways.change(&id).expect("checked above");
    igw.attachments.push(IgwAttachment {
        vpc_id,
        state: "available".to_owned(),
    });
    drop(igw);
    route_tables::refresh_routes_to(ec2, &id);
    Ok(vec![Node::text("return", true)])
}

pub fn detach_internet_gateway(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let id = p.required("InternetGatewayId")?.to_owned();
    let vpc_id = p.required("VpcId")?.to_owned();
    let ec2 = &ctx.region.ec2;
    let igw = find(ec2, &id)?;
    if !ec2.vpcs.contains_key(&vpc_id) {
        return Err(errors::vpc_not_found(&vpc_id));
    }
    if igw.attached_vpc() != Some(vpc_id.as_str()) {
        return Err(errors::gateway_not_attached(&id, &vpc_id));
    }
    let public_nat = ec2
        .nat_gateways
        .find(By::Vpc, &vpc_id)
        .any(|n| n.connectivity_type == "public" && n.is_live());
    let mapped = ec2
        .addresses
        .values()
        .any(|a| addresses::associated_vpc(ctx.region, a).as_deref() == Some(vpc_id.as_str()));
    if public_nat || mapped || ctx.region.elb.has_public_nodes_in(&vpc_id) {
        return Err(errors::mapped_public_addresses(&vpc_id));
    }
    let ec2 = ctx.ec2();
    let mut igw = ec2.internet_gateways.change(&id).expect("checked above");
    igw.attachments.retain(|a| a.vpc_id != vpc_id);
    drop(igw);
    route_tables::refresh_routes_to(ec2, &id);
    Ok(vec![Node::text("return", true)])
}
