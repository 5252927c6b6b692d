//! Internet gateways: Create, Describe, Delete, Attach, Detach. One per VPC.

use serde::Serialize;

use super::Ctx;
use super::tags::Tags;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};

#[derive(Debug, Clone, Serialize)]
pub struct IgwAttachment {
    pub vpc_id: String,
    /// AWS reports `available` for an attached IGW (not in the model's enum).
    pub state: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InternetGateway {
    pub internet_gateway_id: String,
    pub owner_id: String,
    pub attachments: Vec<IgwAttachment>,
    pub tags: Tags,
}

impl InternetGateway {
    pub fn attached_vpc(&self) -> Option<&str> {
        self.attachments.first().map(|a| a.vpc_id.as_str())
    }
}

pub fn create_internet_gateway(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("CreateInternetGateway"))
}

pub fn describe_internet_gateways(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DescribeInternetGateways"))
}

pub fn delete_internet_gateway(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DeleteInternetGateway"))
}

pub fn attach_internet_gateway(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("AttachInternetGateway"))
}

pub fn detach_internet_gateway(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DetachInternetGateway"))
}
