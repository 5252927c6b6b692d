//! Security groups: CreateSecurityGroup, DescribeSecurityGroups,
//! DeleteSecurityGroup, Authorize/Revoke ingress and egress,
//! DescribeSecurityGroupRules.
//!
//! Rules are stored one per peer (as `sgr-` rules); DescribeSecurityGroups
//! groups them back into `IpPermissions` by protocol and port range.

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Serialize;

use super::Ctx;
use super::tags::Tags;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};

/// The source (ingress) or destination (egress) of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Peer {
    Ipv4(Ipv4Net),
    Ipv6(Ipv6Net),
    Group { group_id: String, user_id: String },
    PrefixList(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityGroupRule {
    pub rule_id: String,
    /// `-1`, `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number.
    pub ip_protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub peer: Peer,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityGroup {
    pub group_id: String,
    pub group_name: String,
    pub description: String,
    pub vpc_id: String,
    pub owner_id: String,
    pub ingress: Vec<SecurityGroupRule>,
    pub egress: Vec<SecurityGroupRule>,
    pub tags: Tags,
}

impl SecurityGroup {
    /// A group's default egress: everything to `0.0.0.0/0`, and to `::/0`
    /// when the VPC has IPv6.
    pub fn default_egress(ctx: &mut Ctx<'_>, ipv6: bool) -> Vec<SecurityGroupRule> {
        let mut rules = vec![SecurityGroupRule {
            rule_id: ctx.next_id("sgr"),
            ip_protocol: "-1".to_owned(),
            from_port: None,
            to_port: None,
            peer: Peer::Ipv4("0.0.0.0/0".parse().expect("valid CIDR")),
            description: None,
        }];
        if ipv6 {
            rules.push(SecurityGroupRule {
                rule_id: ctx.next_id("sgr"),
                ip_protocol: "-1".to_owned(),
                from_port: None,
                to_port: None,
                peer: Peer::Ipv6("::/0".parse().expect("valid CIDR")),
                description: None,
            });
        }
        rules
    }

    /// The `default` group every VPC gets: all traffic from itself, all egress.
    pub fn vpc_default(ctx: &mut Ctx<'_>, group_id: String, vpc_id: &str, ipv6: bool) -> Self {
        let owner = ctx.account().to_owned();
        let ingress = vec![SecurityGroupRule {
            rule_id: ctx.next_id("sgr"),
            ip_protocol: "-1".to_owned(),
            from_port: None,
            to_port: None,
            peer: Peer::Group {
                group_id: group_id.clone(),
                user_id: owner.clone(),
            },
            description: None,
        }];
        let egress = Self::default_egress(ctx, ipv6);
        Self {
            group_id,
            group_name: "default".to_owned(),
            description: "default VPC security group".to_owned(),
            vpc_id: vpc_id.to_owned(),
            owner_id: owner,
            ingress,
            egress,
            tags: Tags::new(),
        }
    }
}

pub fn create_security_group(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("CreateSecurityGroup"))
}

pub fn describe_security_groups(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DescribeSecurityGroups"))
}

pub fn delete_security_group(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DeleteSecurityGroup"))
}

pub fn authorize_ingress(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("AuthorizeSecurityGroupIngress"))
}

pub fn authorize_egress(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("AuthorizeSecurityGroupEgress"))
}

pub fn revoke_ingress(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("RevokeSecurityGroupIngress"))
}

pub fn revoke_egress(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("RevokeSecurityGroupEgress"))
}

pub fn describe_security_group_rules(_ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    Err(AwsError::invalid_action("DescribeSecurityGroupRules"))
}
