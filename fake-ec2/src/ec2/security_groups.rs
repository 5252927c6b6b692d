//! Security groups: CreateSecurityGroup, DescribeSecurityGroups,
//! DeleteSecurityGroup, Authorize/Revoke ingress and egress,
//! DescribeSecurityGroupRules.
//!
//! Rules are stored one per peer (as `sgr-` rules); DescribeSecurityGroups
//! groups them back into `IpPermissions` by protocol and port range, so a
//! group in a VPC with IPv6 shows one default egress permission carrying both
//! `0.0.0.0/0` and `::/0`.
//!
//! AWS behaviour this module owns, with the choices made where AWS's exact
//! answer is not documented (marked `[I]`):
//! - Names are case-insensitive and unique per VPC (`InvalidGroup.Duplicate`);
//!   names starting with `sg-` are `InvalidParameterValue`. The name `default`
//!   is AWS's documented `InvalidGroup.Reserved` rather than a generic
//!   `InvalidParameterValue`. Names and descriptions are up to 255 characters
//!   of `a-zA-Z0-9`, space and `._-:/()#,@[]+=&;{}!$*`; a bad name gets the
//!   description's wording with "name" `[I]`.
//! - The fake has no default VPC: a create without `VpcId` is
//!   `VPCIdNotSpecified`, and every `GroupName` lookup (AWS resolves names in
//!   the default VPC only) answers the same. A VPC marked default would be used.
//! - Protocols: `tcp`, `udp`, `icmp`, `icmpv6` (any case), `-1`, or a number
//!   0-255; 6, 17, 1 and 58 are stored under their names `[I]`. `all` is
//!   refused, as EC2 does ("Unknown protocol"). tcp/udp need both ports
//!   0-65535 with from <= to (the from > to wording is `[I]`); icmp needs a
//!   type and code in -1..=255 (icmpv6 defaults both to -1); `-1` and other
//!   numbers ignore ports.
//! - CIDRs: IPv4 only in `IpRanges`, IPv6 only in `Ipv6Ranges`, else
//!   "CIDR block X is malformed". Host bits are dropped (`10.1.2.3/16` is
//!   stored as `10.1.0.0/16`), as AWS does.
//! - Referenced groups must exist and sit in the same VPC; the fake has no
//!   prefix-list catalog, so any `pl-` id is accepted `[I]`.
//! - Authorize is all-or-nothing: the same rule twice in one call is
//!   `InvalidParameterValue`, an existing rule `InvalidPermission.Duplicate`.
//!   Rule tags use `TagSpecification` type `security-group-rule`.
//! - Quota: 60 rules per direction, counted separately for IPv4 and IPv6; a
//!   group or prefix-list reference counts for both families.
//! - Revoke of a rule that does not exist is `InvalidPermission.NotFound`
//!   (AWS's answer in VPCs) rather than an `unknownIpPermissionSet`; an unknown
//!   `SecurityGroupRuleId` is `InvalidSecurityGroupRuleId.NotFound` `[I]` text.
//! - The legacy flat ingress form (`IpProtocol`, `FromPort`, `ToPort`,
//!   `CidrIp`, `SourceSecurityGroupName`) is accepted for ingress only; mixing
//!   it with `IpPermissions` is `InvalidParameterCombination` `[I]`. A source
//!   group without a protocol grants all ICMP, TCP and UDP, as documented.
//! - DeleteSecurityGroup refuses the VPC's default group (`CannotDelete`) and
//!   any group referenced by another group's rule, attached to a live
//!   instance or to a load balancer (`DependencyViolation`).

use std::collections::BTreeSet;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::filters::{self, Filterable};
use super::paging::{self, Limits};
use super::tags::{self, Tags};
use super::{Ec2State, errors};
use crate::cidr;
use crate::index::{By, Key, Keys};
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;
use crate::region::Region;

/// Quota "Inbound or outbound rules per security group", per address family.
pub const MAX_RULES_PER_DIRECTION: usize = 60;
/// Names, group descriptions and rule descriptions.
pub const MAX_TEXT_LEN: usize = 255;
/// Characters besides ASCII letters and digits that names and descriptions may use.
const ALLOWED_PUNCTUATION: &str = " ._-:/()#,@[]+=&;{}!$*";
const ALLOWED_SET: &str = "a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*";
/// The legacy ingress parameters that stand in for one `IpPermissions` entry.
const FLAT_PARAMS: [&str; 6] = [
    "IpProtocol",
    "FromPort",
    "ToPort",
    "CidrIp",
    "SourceSecurityGroupName",
    "SourceSecurityGroupOwnerId",
];
const MISSING_SOURCE: &str =
    "Missing source specification: include source security group or CIDR information";

/// The source (ingress) or destination (egress) of a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Peer {
    Ipv4(Ipv4Net),
    Ipv6(Ipv6Net),
    Group { group_id: String, user_id: String },
    PrefixList(String),
}

impl Peer {
    /// How AWS names the peer in `InvalidPermission.Duplicate`.
    fn label(&self) -> String {
        match self {
            Self::Ipv4(n) => n.to_string(),
            Self::Ipv6(n) => n.to_string(),
            Self::Group { group_id, .. } => group_id.clone(),
            Self::PrefixList(id) => id.clone(),
        }
    }

    /// Group and prefix-list references count against both families' quotas.
    fn counts_as_ipv4(&self) -> bool {
        !matches!(self, Self::Ipv6(_))
    }

    fn counts_as_ipv6(&self) -> bool {
        !matches!(self, Self::Ipv4(_))
    }

    fn referenced_group(&self) -> Option<&str> {
        match self {
            Self::Group { group_id, .. } => Some(group_id),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SecurityGroupRule {
    pub rule_id: String,
    /// `-1`, `tcp`, `udp`, `icmp`, `icmpv6` or a protocol number.
    pub ip_protocol: String,
    /// The port range (tcp/udp) or ICMP type and code; None when the protocol has no ports.
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub peer: Peer,
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub tags: Tags,
}

impl SecurityGroupRule {
    fn new(ip_protocol: &str, ports: (Option<i32>, Option<i32>), peer: Peer) -> Self {
        Self {
            rule_id: String::new(),
            ip_protocol: ip_protocol.to_owned(),
            from_port: ports.0,
            to_port: ports.1,
            peer,
            description: None,
            tags: Tags::new(),
        }
    }

    /// Rules are the same when protocol, ports and peer match; descriptions do not count.
    fn same_rule(&self, other: &Self) -> bool {
        self.permission_key() == other.permission_key() && self.peer == other.peer
    }

    fn permission_key(&self) -> (&str, Option<i32>, Option<i32>) {
        (&self.ip_protocol, self.from_port, self.to_port)
    }

    /// AWS's rendering of a rule in `InvalidPermission.Duplicate`.
    fn label(&self) -> String {
        let (from, to) = (self.from_port.unwrap_or(-1), self.to_port.unwrap_or(-1));
        let protocol = match self.ip_protocol.as_str() {
            "-1" => "ALL".to_owned(),
            "tcp" | "udp" => format!(
                "{}, from port: {from}, to port: {to}",
                self.ip_protocol.to_ascii_uppercase()
            ),
            "icmp" | "icmpv6" => format!(
                "{}, type: {from}, code: {to}",
                self.ip_protocol.to_ascii_uppercase()
            ),
            number => number.to_owned(),
        };
        format!("peer: {}, {protocol}, ALLOW", self.peer.label())
    }

    /// A `securityGroupRuleSet` item.
    fn to_xml(&self, group: &SecurityGroup, egress: bool, arn: String) -> Node {
        let item = Node::el("item")
            .leaf("securityGroupRuleId", &self.rule_id)
            .leaf("groupId", &group.group_id)
            .leaf("groupOwnerId", &group.owner_id)
            .leaf("isEgress", egress)
            .leaf("ipProtocol", &self.ip_protocol)
            .leaf("fromPort", self.from_port.unwrap_or(-1))
            .leaf("toPort", self.to_port.unwrap_or(-1));
        let item = match &self.peer {
            Peer::Ipv4(n) => item.leaf("cidrIpv4", n),
            Peer::Ipv6(n) => item.leaf("cidrIpv6", n),
            Peer::Group { group_id, user_id } => item.child(
                Node::el("referencedGroupInfo")
                    .leaf("groupId", group_id)
                    .leaf("userId", user_id),
            ),
            Peer::PrefixList(id) => item.leaf("prefixListId", id),
        };
        item.opt_leaf("description", self.description.as_deref())
            .opt_child(tags::tag_set(&self.tags))
            .leaf("securityGroupRuleArn", arn)
    }

    /// A `revokedSecurityGroupRuleSet` item.
    fn revoked_xml(&self, group_id: &str, egress: bool) -> Node {
        let item = Node::el("item")
            .leaf("securityGroupRuleId", &self.rule_id)
            .leaf("groupId", group_id)
            .leaf("isEgress", egress)
            .leaf("ipProtocol", &self.ip_protocol)
            .leaf("fromPort", self.from_port.unwrap_or(-1))
            .leaf("toPort", self.to_port.unwrap_or(-1));
        let item = match &self.peer {
            Peer::Ipv4(n) => item.leaf("cidrIpv4", n),
            Peer::Ipv6(n) => item.leaf("cidrIpv6", n),
            Peer::Group { group_id, .. } => item.leaf("referencedGroupId", group_id),
            Peer::PrefixList(id) => item.leaf("prefixListId", id),
        };
        item.opt_leaf("description", self.description.as_deref())
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
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

crate::registry::resource!(
    SecurityGroup: "sg", "security-group", group_id, Tags, |id| errors::security_group_not_found(id);

    fn elbv2_not_found(id: &str) -> Option<AwsError> {
        Some(crate::elbv2::errors::invalid_security_group(id))
    }

    fn elb_not_found(id: &str) -> Option<AwsError> {
        Some(crate::elb::errors::invalid_security_group(id))
    }
);

/// A group is found by its VPC, its name in the VPC (`vpc-id/name`, in
/// lower case: names are unique there regardless of case), the groups its
/// rules reference, and its rules' ids.
impl Keys for SecurityGroup {
    fn keys(&self, out: &mut Vec<Key>) {
        out.push((By::Vpc, self.vpc_id.clone()));
        out.push((By::Name, name_key(&self.vpc_id, &self.group_name)));
        for r in self.ingress.iter().chain(&self.egress) {
            out.push((By::Rule, r.rule_id.clone()));
            if let Some(g) = r.peer.referenced_group() {
                out.push((By::Group, g.to_owned()));
            }
        }
    }
}

/// The key a group's name is found by.
fn name_key(vpc_id: &str, name: &str) -> String {
    format!("{vpc_id}/{}", name.to_ascii_lowercase())
}

impl SecurityGroup {
    /// A group's default egress: everything to `0.0.0.0/0`, and to `::/0`
    /// when the VPC has IPv6 (described as one permission).
    pub fn default_egress(ctx: &mut Ctx<'_>, ipv6: bool) -> Vec<SecurityGroupRule> {
        let mut rules = vec![SecurityGroupRule {
            rule_id: ctx.next_id("sgr"),
            ..SecurityGroupRule::new("-1", (None, None), Peer::Ipv4(Ipv4Net::default()))
        }];
        if ipv6 {
            rules.push(SecurityGroupRule {
                rule_id: ctx.next_id("sgr"),
                ..SecurityGroupRule::new("-1", (None, None), Peer::Ipv6(Ipv6Net::default()))
            });
        }
        rules
    }

    /// The `default` group every VPC gets: all traffic from itself, all egress.
    pub fn vpc_default(ctx: &mut Ctx<'_>, group_id: String, vpc_id: &str, ipv6: bool) -> Self {
        let owner = ctx.account().to_owned();
        let ingress = vec![SecurityGroupRule {
            rule_id: ctx.next_id("sgr"),
            ..SecurityGroupRule::new(
                "-1",
                (None, None),
                Peer::Group {
                    group_id: group_id.clone(),
                    user_id: owner.clone(),
                },
            )
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

    pub fn rules(&self, egress: bool) -> &[SecurityGroupRule] {
        if egress { &self.egress } else { &self.ingress }
    }

    fn rules_mut(&mut self, egress: bool) -> &mut Vec<SecurityGroupRule> {
        if egress {
            &mut self.egress
        } else {
            &mut self.ingress
        }
    }

    /// Whether any rule of this group names `group_id` as its peer.
    pub fn references(&self, group_id: &str) -> bool {
        self.ingress
            .iter()
            .chain(&self.egress)
            .any(|r| r.peer.referenced_group() == Some(group_id))
    }

    pub fn to_xml(&self, arn: String) -> Node {
        Node::el("item")
            .leaf("ownerId", &self.owner_id)
            .leaf("groupId", &self.group_id)
            .leaf("groupName", &self.group_name)
            .leaf("groupDescription", &self.description)
            .child(Node::set("ipPermissions", permissions(&self.ingress)))
            .child(Node::set("ipPermissionsEgress", permissions(&self.egress)))
            .leaf("vpcId", &self.vpc_id)
            .leaf("securityGroupArn", arn)
            .opt_child(tags::tag_set(&self.tags))
    }
}

/// Stored rules grouped into `IpPermissions` by protocol and ports, in first-seen order.
fn permissions(rules: &[SecurityGroupRule]) -> Vec<Node> {
    let mut keys: Vec<(&str, Option<i32>, Option<i32>)> = Vec::new();
    for r in rules {
        if !keys.contains(&r.permission_key()) {
            keys.push(r.permission_key());
        }
    }
    keys.into_iter()
        .map(|key| {
            let (mut groups, mut v4, mut v6, mut lists) = (vec![], vec![], vec![], vec![]);
            for r in rules.iter().filter(|r| r.permission_key() == key) {
                let desc = r.description.as_deref();
                match &r.peer {
                    Peer::Group { group_id, user_id } => groups.push(
                        Node::el("item")
                            .opt_leaf("description", desc)
                            .leaf("groupId", group_id)
                            .leaf("userId", user_id),
                    ),
                    Peer::Ipv4(n) => v4.push(
                        Node::el("item")
                            .leaf("cidrIp", n)
                            .opt_leaf("description", desc),
                    ),
                    Peer::Ipv6(n) => v6.push(
                        Node::el("item")
                            .leaf("cidrIpv6", n)
                            .opt_leaf("description", desc),
                    ),
                    Peer::PrefixList(id) => lists.push(
                        Node::el("item")
                            .leaf("prefixListId", id)
                            .opt_leaf("description", desc),
                    ),
                }
            }
            let (protocol, from, to) = key;
            Node::el("item")
                .leaf("ipProtocol", protocol)
                .opt_leaf("fromPort", from)
                .opt_leaf("toPort", to)
                .child(Node::set("groups", groups))
                .child(Node::set("ipRanges", v4))
                .child(Node::set("ipv6Ranges", v6))
                .child(Node::set("prefixListIds", lists))
        })
        .collect()
}

fn group_arn(region: &Region, id: &str) -> String {
    region.arn("ec2", &format!("security-group/{id}"))
}

fn rule_arn(region: &Region, id: &str) -> String {
    region.arn("ec2", &format!("security-group-rule/{id}"))
}

/// The protocol name or number a filter value may use for a stored protocol.
fn protocol_aliases(protocol: &str) -> Vec<String> {
    let number = match protocol {
        "tcp" => Some("6"),
        "udp" => Some("17"),
        "icmp" => Some("1"),
        "icmpv6" => Some("58"),
        _ => None,
    };
    std::iter::once(protocol)
        .chain(number)
        .map(str::to_owned)
        .collect()
}

/// A group seen by Describe filters, with the region's groups for `*.group-name`.
struct GroupView<'a> {
    group: &'a SecurityGroup,
    ec2: &'a Ec2State,
}

impl GroupView<'_> {
    fn permission_values(&self, rules: &[SecurityGroupRule], field: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for r in rules {
            match (field, &r.peer) {
                ("cidr", Peer::Ipv4(n)) => out.push(n.to_string()),
                ("ipv6-cidr", Peer::Ipv6(n)) => out.push(n.to_string()),
                ("prefix-list-id", Peer::PrefixList(id)) => out.push(id.clone()),
                ("group-id", Peer::Group { group_id, .. }) => out.push(group_id.clone()),
                ("user-id", Peer::Group { user_id, .. }) => out.push(user_id.clone()),
                ("group-name", Peer::Group { group_id, .. }) => out.extend(
                    self.ec2
                        .security_groups
                        .get(group_id)
                        .map(|g| g.group_name.clone()),
                ),
                ("protocol", _) => out.extend(protocol_aliases(&r.ip_protocol)),
                ("from-port", _) => out.extend(r.from_port.map(|p| p.to_string())),
                ("to-port", _) => out.extend(r.to_port.map(|p| p.to_string())),
                _ => {}
            }
        }
        out
    }
}

// Written out rather than through `filters::filterable!`: the nine
// `ip-permission.*` names and their nine `egress.` twins read the same rule
// fields of one side or the other, so they go to `permission_values` by
// prefix.
impl Filterable for GroupView<'_> {
    const FILTERS: &'static [&'static str] = &[
        "description",
        "egress.ip-permission.cidr",
        "egress.ip-permission.from-port",
        "egress.ip-permission.group-id",
        "egress.ip-permission.group-name",
        "egress.ip-permission.ipv6-cidr",
        "egress.ip-permission.prefix-list-id",
        "egress.ip-permission.protocol",
        "egress.ip-permission.to-port",
        "egress.ip-permission.user-id",
        "group-id",
        "group-name",
        "ip-permission.cidr",
        "ip-permission.from-port",
        "ip-permission.group-id",
        "ip-permission.group-name",
        "ip-permission.ipv6-cidr",
        "ip-permission.prefix-list-id",
        "ip-permission.protocol",
        "ip-permission.to-port",
        "ip-permission.user-id",
        "owner-id",
        "vpc-id",
    ];

    fn filter_values(&self, name: &str) -> Vec<String> {
        let g = self.group;
        if let Some(field) = name.strip_prefix("egress.ip-permission.") {
            return self.permission_values(&g.egress, field);
        }
        if let Some(field) = name.strip_prefix("ip-permission.") {
            return self.permission_values(&g.ingress, field);
        }
        match name {
            "description" => filters::one(&g.description),
            "group-id" => filters::one(&g.group_id),
            "group-name" => filters::one(&g.group_name),
            "owner-id" => filters::one(&g.owner_id),
            "vpc-id" => filters::one(&g.vpc_id),
            _ => Vec::new(),
        }
    }

    fn tags(&self) -> &Tags {
        &self.group.tags
    }
}

/// A rule seen by DescribeSecurityGroupRules filters.
struct RuleView<'a> {
    group: &'a SecurityGroup,
    rule: &'a SecurityGroupRule,
    egress: bool,
}

filters::filterable!(
    RuleView::<'_>,
    |rule| [
        ("group-id", filters::one(&rule.group.group_id)),
        ("security-group-rule-id", filters::one(&rule.rule.rule_id)),
    ],
    |rule| &rule.rule.tags
);

/// A group by id: `sg-` shaped and present.
fn find_group<'a>(ec2: &'a Ec2State, id: &str) -> AwsResult<&'a SecurityGroup> {
    if !id.starts_with("sg-") {
        return Err(errors::security_group_id_malformed(id));
    }
    ec2.security_groups
        .get(id)
        .ok_or_else(|| errors::security_group_not_found(id))
}

/// A group by name: AWS resolves names in the default VPC only.
pub(crate) fn group_by_name<'a>(ec2: &'a Ec2State, name: &str) -> AwsResult<&'a SecurityGroup> {
    let vpc = ec2.default_vpc().ok_or_else(errors::no_default_vpc)?;
    ec2.security_groups
        .first(By::Name, &name_key(&vpc.vpc_id, name))
        .ok_or_else(|| errors::security_group_name_not_in_default_vpc(name, &vpc.vpc_id))
}

/// The group an action works on: `GroupId`, or `GroupName` where the action has one.
fn target_group<'a>(
    ec2: &'a Ec2State,
    p: &Params,
    name_allowed: bool,
) -> AwsResult<&'a SecurityGroup> {
    if !name_allowed {
        return find_group(ec2, p.required("GroupId")?);
    }
    match (p.value("GroupId"), p.value("GroupName")) {
        (Some(_), Some(_)) => Err(AwsError::invalid_parameter_combination(
            "The parameter groupName cannot be used with the parameter groupId",
        )),
        (Some(id), None) => find_group(ec2, id),
        (None, Some(name)) => group_by_name(ec2, name),
        (None, None) => Err(AwsError::missing_parameter_msg(
            "The request must contain the parameter groupName or groupId",
        )),
    }
}

fn is_allowed_text(text: &str) -> bool {
    text.chars().count() <= MAX_TEXT_LEN
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ALLOWED_PUNCTUATION.contains(c))
}

fn check_group_name(name: &str) -> AwsResult<()> {
    if name.to_ascii_lowercase().starts_with("sg-") {
        return Err(AwsError::invalid_parameter_value(format!(
            "Value ({name}) for parameter GroupName is invalid. Group names may not be in the format sg-*."
        )));
    }
    if name.eq_ignore_ascii_case("default") {
        return Err(errors::security_group_name_reserved());
    }
    if !is_allowed_text(name) {
        return Err(AwsError::invalid_parameter_value(format!(
            "Invalid security group name. Valid names are strings less than 256 characters from the following set:  {ALLOWED_SET}"
        )));
    }
    Ok(())
}

fn check_group_description(description: &str) -> AwsResult<()> {
    if !is_allowed_text(description) {
        return Err(AwsError::invalid_parameter_value(format!(
            "Invalid security group description. Valid descriptions are strings less than 256 characters from the following set:  {ALLOWED_SET}"
        )));
    }
    Ok(())
}

/// A rule's optional `Description`; an empty one is no description.
fn rule_description(p: &Params) -> AwsResult<Option<String>> {
    match p.value("Description") {
        None => Ok(None),
        Some(d) if is_allowed_text(d) => Ok(Some(d.to_owned())),
        Some(_) => Err(AwsError::invalid_parameter_value(format!(
            "Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  {ALLOWED_SET}"
        ))),
    }
}

/// An `IpProtocol` value in the form AWS stores it.
fn normalize_protocol(text: &str) -> AwsResult<String> {
    let lower = text.trim().to_ascii_lowercase();
    let named = match lower.as_str() {
        "tcp" | "udp" | "icmp" | "icmpv6" | "-1" => return Ok(lower),
        n if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n.parse::<u8>().ok(),
        _ => None,
    };
    Ok(match named {
        Some(6) => "tcp".to_owned(),
        Some(17) => "udp".to_owned(),
        Some(1) => "icmp".to_owned(),
        Some(58) => "icmpv6".to_owned(),
        Some(n) => n.to_string(),
        None => {
            return Err(AwsError::invalid_parameter_value(format!(
                "Invalid value '{text}' for IP protocol. Unknown protocol."
            )));
        }
    })
}

/// The stored port range (or ICMP type and code) of a protocol.
fn ports_for(
    protocol: &str,
    from: Option<i32>,
    to: Option<i32>,
) -> AwsResult<(Option<i32>, Option<i32>)> {
    match protocol {
        "tcp" | "udp" => {
            let (Some(f), Some(t)) = (from, to) else {
                return Err(AwsError::invalid_parameter_value(
                    "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.",
                ));
            };
            for (end, port) in [("from", f), ("to", t)] {
                if !(0..=65535).contains(&port) {
                    return Err(AwsError::invalid_parameter_value(format!(
                        "TCP/UDP ({end}) port ({port}) out of range"
                    )));
                }
            }
            if f > t {
                return Err(AwsError::invalid_parameter_value(format!(
                    "Invalid TCP/UDP port range: the from port ({f}) is greater than the to port ({t})."
                )));
            }
            Ok((Some(f), Some(t)))
        }
        "icmp" | "icmpv6" => {
            let (kind, code) = match (from, to) {
                (Some(f), Some(t)) => (f, t),
                (None, None) if protocol == "icmpv6" => (-1, -1),
                _ => {
                    return Err(AwsError::invalid_parameter_value(
                        "Invalid value 'Must specify both from and to ports with ICMP.' for portRange.",
                    ));
                }
            };
            if !(-1..=255).contains(&kind) {
                return Err(AwsError::invalid_parameter_value(format!(
                    "ICMP type ({kind}) out of range"
                )));
            }
            if !(-1..=255).contains(&code) {
                return Err(AwsError::invalid_parameter_value(format!(
                    "ICMP code ({code}) out of range"
                )));
            }
            Ok((Some(kind), Some(code)))
        }
        _ => Ok((None, None)),
    }
}

fn ipv4_peer(text: &str) -> AwsResult<Peer> {
    cidr::parse_v4(text)
        .map(|n| Peer::Ipv4(n.trunc()))
        .ok_or_else(|| errors::cidr_malformed(text))
}

fn ipv6_peer(text: &str) -> AwsResult<Peer> {
    cidr::parse_v6(text)
        .map(|n| Peer::Ipv6(n.trunc()))
        .ok_or_else(|| errors::cidr_malformed(text))
}

/// A referenced group: it must exist and share the target group's VPC.
fn group_peer(ec2: &Ec2State, target: &SecurityGroup, pair: &Params) -> AwsResult<Peer> {
    let referenced = match (pair.value("GroupId"), pair.value("GroupName")) {
        (Some(id), _) => find_group(ec2, id)?,
        (None, Some(name)) => group_by_name(ec2, name)?,
        (None, None) => return Err(AwsError::missing_parameter_msg(MISSING_SOURCE)),
    };
    if let Some(user) = pair.value("UserId")
        && user != referenced.owner_id
    {
        // A group of another account: the fake knows only this account's groups.
        return Err(errors::security_group_not_found(&referenced.group_id));
    }
    if referenced.vpc_id != target.vpc_id {
        return Err(errors::security_groups_in_different_networks());
    }
    Ok(Peer::Group {
        group_id: referenced.group_id.clone(),
        user_id: referenced.owner_id.clone(),
    })
}

fn prefix_list_peer(text: &str) -> AwsResult<Peer> {
    if !text.starts_with("pl-") || text.len() <= 3 {
        return Err(AwsError::coded(
            errors::Ec2Code::InvalidPrefixListIdNotFound,
            format!("The prefix list ID '{text}' does not exist"),
        ));
    }
    Ok(Peer::PrefixList(text.to_owned()))
}

/// The rules of one `IpPermissions.N`: one per peer.
fn parse_permission(
    ec2: &Ec2State,
    target: &SecurityGroup,
    perm: &Params,
) -> AwsResult<Vec<SecurityGroupRule>> {
    let protocol_text = perm
        .value("IpProtocol")
        .ok_or_else(|| AwsError::missing_parameter("ipProtocol"))?;
    let protocol = normalize_protocol(protocol_text)?;
    let ports = ports_for(&protocol, perm.number("FromPort")?, perm.number("ToPort")?)?;
    let mut peers: Vec<(Peer, Option<String>)> = Vec::new();
    for r in perm.structs("IpRanges") {
        let text = r
            .value("CidrIp")
            .ok_or_else(|| AwsError::missing_parameter("cidrIp"))?;
        peers.push((ipv4_peer(text)?, rule_description(&r)?));
    }
    for r in perm.structs("Ipv6Ranges") {
        let text = r
            .value("CidrIpv6")
            .ok_or_else(|| AwsError::missing_parameter("cidrIpv6"))?;
        peers.push((ipv6_peer(text)?, rule_description(&r)?));
    }
    for g in perm.structs("Groups") {
        peers.push((group_peer(ec2, target, &g)?, rule_description(&g)?));
    }
    for l in perm.structs("PrefixListIds") {
        let text = l
            .value("PrefixListId")
            .ok_or_else(|| AwsError::missing_parameter("prefixListId"))?;
        peers.push((prefix_list_peer(text)?, rule_description(&l)?));
    }
    if peers.is_empty() {
        return Err(AwsError::missing_parameter_msg(MISSING_SOURCE));
    }
    Ok(peers
        .into_iter()
        .map(|(peer, description)| SecurityGroupRule {
            description,
            ..SecurityGroupRule::new(&protocol, ports, peer)
        })
        .collect())
}

/// The legacy top-level ingress form: one CIDR or one source group.
fn parse_flat(
    ec2: &Ec2State,
    target: &SecurityGroup,
    p: &Params,
) -> AwsResult<Vec<SecurityGroupRule>> {
    let from = p.number("FromPort")?;
    let to = p.number("ToPort")?;
    let protocol = p.value("IpProtocol").map(normalize_protocol).transpose()?;
    let peer = match (p.value("CidrIp"), p.value("SourceSecurityGroupName")) {
        (Some(_), Some(_)) => {
            return Err(AwsError::invalid_parameter_combination(
                "The parameter cidrIp cannot be used with the parameter sourceSecurityGroupName",
            ));
        }
        (Some(cidr), None) => ipv4_peer(cidr)?,
        (None, Some(name)) => {
            let mut pair = vec![("GroupName", name)];
            if let Some(owner) = p.value("SourceSecurityGroupOwnerId") {
                pair.push(("UserId", owner));
            }
            group_peer(ec2, target, &Params::from_pairs(pair))?
        }
        (None, None) => return Err(AwsError::missing_parameter_msg(MISSING_SOURCE)),
    };
    match protocol {
        Some(protocol) => {
            let ports = ports_for(&protocol, from, to)?;
            Ok(vec![SecurityGroupRule::new(&protocol, ports, peer)])
        }
        // A source group alone opens all of ICMP, TCP and UDP.
        None if matches!(peer, Peer::Group { .. }) => Ok(vec![
            SecurityGroupRule::new("icmp", (Some(-1), Some(-1)), peer.clone()),
            SecurityGroupRule::new("tcp", (Some(0), Some(65535)), peer.clone()),
            SecurityGroupRule::new("udp", (Some(0), Some(65535)), peer),
        ]),
        None => Err(AwsError::missing_parameter("ipProtocol")),
    }
}

/// Every rule a request names, validated, with no repeats.
fn parse_rules(
    ec2: &Ec2State,
    target: &SecurityGroup,
    p: &Params,
    egress: bool,
) -> AwsResult<Vec<SecurityGroupRule>> {
    let structured = p.structs("IpPermissions");
    let flat = FLAT_PARAMS.iter().any(|k| p.has(k));
    let rules = if flat {
        if egress {
            return Err(AwsError::invalid_parameter_combination(
                "The parameters cidrIp, ipProtocol, fromPort, toPort and sourceSecurityGroup* are not supported for egress rules; use ipPermissions",
            ));
        }
        if !structured.is_empty() {
            return Err(AwsError::invalid_parameter_combination(
                "The parameter ipPermissions cannot be used with the parameters cidrIp, ipProtocol, fromPort, toPort or sourceSecurityGroupName",
            ));
        }
        parse_flat(ec2, target, p)?
    } else {
        let mut rules = Vec::new();
        for perm in &structured {
            rules.extend(parse_permission(ec2, target, perm)?);
        }
        rules
    };
    if rules.is_empty() {
        return Err(AwsError::missing_parameter_msg(MISSING_SOURCE));
    }
    for (i, r) in rules.iter().enumerate() {
        if rules[..i].iter().any(|o| o.same_rule(r)) {
            return Err(AwsError::invalid_parameter_value(
                "The same permission must not appear multiple times",
            ));
        }
    }
    Ok(rules)
}

fn check_rule_quota(existing: &[SecurityGroupRule], added: &[SecurityGroupRule]) -> AwsResult<()> {
    let count = |counts: fn(&Peer) -> bool| {
        existing
            .iter()
            .chain(added)
            .filter(|r| counts(&r.peer))
            .count()
    };
    if count(Peer::counts_as_ipv4) > MAX_RULES_PER_DIRECTION
        || count(Peer::counts_as_ipv6) > MAX_RULES_PER_DIRECTION
    {
        return Err(errors::rules_per_security_group_limit_exceeded());
    }
    Ok(())
}

pub fn create_security_group(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let name = p.required("GroupName")?;
    let description = p.required("GroupDescription")?;
    check_group_name(name)?;
    check_group_description(description)?;
    let tags = tags::from_specs(p, "security-group")?;
    let ec2 = &ctx.region.ec2;
    let vpc = match p.value("VpcId") {
        Some(id) => ec2.vpcs.get(id).ok_or_else(|| errors::vpc_not_found(id))?,
        None => ec2.default_vpc().ok_or_else(errors::no_default_vpc)?,
    };
    let vpc_id = vpc.vpc_id.clone();
    let ipv6 = vpc.has_ipv6();
    if ec2.security_groups.any(By::Name, &name_key(&vpc_id, name)) {
        return Err(errors::security_group_duplicate(name, &vpc_id));
    }

    let group_id = ctx.next_id("sg");
    let egress = SecurityGroup::default_egress(ctx, ipv6);
    let group = SecurityGroup {
        group_id: group_id.clone(),
        group_name: name.to_owned(),
        description: description.to_owned(),
        vpc_id,
        owner_id: ctx.account().to_owned(),
        ingress: Vec::new(),
        egress,
        tags,
    };
    let answer = vec![Node::text("groupId", &group_id)]
        .into_iter()
        .chain(tags::tag_set(&group.tags))
        .chain([Node::text(
            "securityGroupArn",
            group_arn(ctx.region, &group_id),
        )])
        .collect();
    ctx.ec2().security_groups.insert(group_id, group);
    Ok(answer)
}

pub fn describe_security_groups(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let ids = p.list("GroupId");
    let names = p.list("GroupName");
    let filters = p.filters()?;
    let ec2 = &ctx.region.ec2;
    for id in &ids {
        find_group(ec2, id)?;
    }
    let named: BTreeSet<&str> = names
        .iter()
        .map(|n| group_by_name(ec2, n).map(|g| g.group_id.as_str()))
        .collect::<AwsResult<_>>()?;
    // The candidates: the named groups (by id or name), else those an
    // exact `vpc-id` filter finds in the index, else every one.
    let candidates: Vec<&SecurityGroup> = if ids.is_empty() && names.is_empty() {
        ec2.security_groups
            .candidates(&[], &filters, &[("vpc-id", By::Vpc)])
    } else {
        ec2.security_groups
            .in_id_order(ids.iter().map(String::as_str).chain(named))
    };
    let views: Vec<GroupView<'_>> = candidates
        .into_iter()
        .map(|group| GroupView { group, ec2 })
        .collect();
    let items = filters::select(&views, &filters)?
        .into_iter()
        .map(|v| v.group)
        .map(|g| g.to_xml(group_arn(ctx.region, &g.group_id)))
        .collect();
    let ids_param = if !ids.is_empty() {
        Some("groupIdsSet")
    } else if !names.is_empty() {
        Some("groupNamesSet")
    } else {
        None
    };
    let (page, next) = paging::page_named(items, p, Limits::new(5, 1000), ids_param)?;
    Ok(paging::with_token(
        vec![Node::set("securityGroupInfo", page)],
        next,
    ))
}

pub fn delete_security_group(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let ec2 = &ctx.region.ec2;
    let group = target_group(ec2, p, true)?;
    let id = group.group_id.clone();
    if ec2
        .vpcs
        .get(&group.vpc_id)
        .is_some_and(|v| v.default_security_group_id == id)
    {
        return Err(errors::cannot_delete_default_security_group(&id));
    }
    let referenced = ec2.security_groups.ids(By::Group, &id).any(|g| *g != id);
    let on_instance = ec2
        .instances
        .values()
        .filter(|i| !i.is_terminated())
        .flat_map(|i| &i.network_interfaces)
        .any(|n| n.security_group_ids.contains(&id));
    if referenced
        || on_instance
        || ctx.region.elbv2.uses_security_group(&id)
        || ctx.region.elb.uses_security_group(&id)
        || ec2.interface_uses_group(&id)
    {
        return Err(errors::security_group_in_use(&id));
    }
    ctx.ec2().security_groups.remove(&id);
    Ok(vec![Node::text("return", true), Node::text("groupId", id)])
}

pub fn authorize_ingress(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    authorize(ctx, p, false)
}

pub fn authorize_egress(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    authorize(ctx, p, true)
}

fn authorize(ctx: &mut Ctx<'_>, p: &Params, egress: bool) -> AwsResult<Vec<Node>> {
    let ec2 = &ctx.region.ec2;
    let group = target_group(ec2, p, !egress)?;
    let rule_tags = tags::from_specs(p, "security-group-rule")?;
    let mut added = parse_rules(ec2, group, p, egress)?;
    let existing = group.rules(egress);
    if let Some(dup) = added
        .iter()
        .find(|a| existing.iter().any(|e| e.same_rule(a)))
    {
        return Err(errors::permission_duplicate(&dup.label()));
    }
    check_rule_quota(existing, &added)?;

    let group_id = group.group_id.clone();
    for r in &mut added {
        r.rule_id = ctx.next_id("sgr");
        r.tags = rule_tags.clone();
    }
    let group = &ctx.region.ec2.security_groups[&group_id];
    let answer: Vec<Node> = added
        .iter()
        .map(|r| r.to_xml(group, egress, rule_arn(ctx.region, &r.rule_id)))
        .collect();
    ctx.ec2()
        .security_groups
        .change(&group_id)
        .expect("found above")
        .rules_mut(egress)
        .extend(added);
    Ok(vec![
        Node::text("return", true),
        Node::set("securityGroupRuleSet", answer),
    ])
}

pub fn revoke_ingress(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    revoke(ctx, p, false)
}

pub fn revoke_egress(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    revoke(ctx, p, true)
}

fn revoke(ctx: &mut Ctx<'_>, p: &Params, egress: bool) -> AwsResult<Vec<Node>> {
    let ec2 = &ctx.region.ec2;
    let group = target_group(ec2, p, !egress)?;
    let existing = group.rules(egress);
    let ids = p.list("SecurityGroupRuleId");
    let by_permission =
        !p.structs("IpPermissions").is_empty() || FLAT_PARAMS.iter().any(|k| p.has(k));
    let doomed: BTreeSet<String> = match (ids.is_empty(), by_permission) {
        (false, true) => {
            return Err(AwsError::invalid_parameter_combination(
                "The parameter securityGroupRuleIds cannot be used with the parameter ipPermissions",
            ));
        }
        (true, false) => {
            return Err(AwsError::missing_parameter_msg(
                "Either 'ipPermissions' or 'securityGroupRuleIds' should be provided.",
            ));
        }
        (false, false) => ids
            .iter()
            .map(|id| {
                existing
                    .iter()
                    .find(|r| r.rule_id == *id)
                    .map(|r| r.rule_id.clone())
                    .ok_or_else(|| errors::security_group_rule_not_found(id))
            })
            .collect::<AwsResult<_>>()?,
        (true, true) => parse_rules(ec2, group, p, egress)?
            .iter()
            .map(|wanted| {
                existing
                    .iter()
                    .find(|r| r.same_rule(wanted))
                    .map(|r| r.rule_id.clone())
                    .ok_or_else(errors::permission_not_found)
            })
            .collect::<AwsResult<_>>()?,
    };

    let group_id = group.group_id.clone();
    let mut group = ctx
        .ec2()
        .security_groups
        .change(&group_id)
        .expect("found above");
    let rules = group.rules_mut(egress);
    let (removed, kept): (Vec<SecurityGroupRule>, Vec<SecurityGroupRule>) =
        rules.drain(..).partition(|r| doomed.contains(&r.rule_id));
    *rules = kept;
    drop(group);
    Ok(vec![
        Node::text("return", true),
        Node::set(
            "revokedSecurityGroupRuleSet",
            removed.iter().map(|r| r.revoked_xml(&group_id, egress)),
        ),
    ])
}

pub fn describe_security_group_rules(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let ids = p.list("SecurityGroupRuleId");
    let filters = p.filters()?;
    let ec2 = &ctx.region.ec2;
    // The groups whose rules the call can match: those holding the named
    // rules, else those an exact `group-id` filter names, else every one.
    let exact_groups = filters
        .iter()
        .find(|f| f.name == "group-id" && filters::is_exact(f));
    let groups: Vec<&SecurityGroup> = if !ids.is_empty() {
        let holders = ids
            .iter()
            .flat_map(|r| ec2.security_groups.ids(By::Rule, r));
        ec2.security_groups.in_id_order(holders.map(String::as_str))
    } else if let Some(f) = exact_groups {
        ec2.security_groups
            .in_id_order(f.values.iter().map(String::as_str))
    } else {
        ec2.security_groups.values().collect()
    };
    let views: Vec<RuleView<'_>> = groups
        .into_iter()
        .flat_map(|group| {
            let ingress = group.ingress.iter().map(move |rule| RuleView {
                group,
                rule,
                egress: false,
            });
            let egress = group.egress.iter().map(move |rule| RuleView {
                group,
                rule,
                egress: true,
            });
            ingress.chain(egress)
        })
        .collect();
    if let Some(unknown) = ids
        .iter()
        .find(|id| !views.iter().any(|v| v.rule.rule_id == **id))
    {
        return Err(errors::security_group_rule_not_found(unknown));
    }
    let items = filters::select(&views, &filters)?
        .into_iter()
        .filter(|v| ids.is_empty() || ids.contains(&v.rule.rule_id))
        .map(|v| {
            v.rule
                .to_xml(v.group, v.egress, rule_arn(ctx.region, &v.rule.rule_id))
        })
        .collect();
    let (page, next) = paging::page_named(items, p, Limits::new(5, 1000), None)?;
    Ok(paging::with_token(
        vec![Node::set("securityGroupRuleSet", page)],
        next,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_normalise_like_aws() {
        assert_eq!(normalize_protocol("TCP").unwrap(), "tcp");
        assert_eq!(normalize_protocol("6").unwrap(), "tcp");
        assert_eq!(normalize_protocol("58").unwrap(), "icmpv6");
        assert_eq!(normalize_protocol("ICMPv6").unwrap(), "icmpv6");
        assert_eq!(normalize_protocol("-1").unwrap(), "-1");
        assert_eq!(normalize_protocol("50").unwrap(), "50");
        for bad in ["all", "256", "-2", "", "gre"] {
            let e = normalize_protocol(bad).unwrap_err();
            assert_eq!(
                e.message,
                format!("Invalid value '{bad}' for IP protocol. Unknown protocol.")
            );
        }
    }

    #[test]
    fn ports_per_protocol() {
        assert_eq!(
            ports_for("tcp", Some(22), Some(22)).unwrap(),
            (Some(22), Some(22))
        );
        assert!(ports_for("udp", Some(1), None).is_err());
        assert!(ports_for("tcp", Some(10), Some(9)).is_err());
        assert_eq!(ports_for("-1", Some(1), Some(2)).unwrap(), (None, None));
        assert_eq!(ports_for("50", None, None).unwrap(), (None, None));
        assert_eq!(
            ports_for("icmpv6", None, None).unwrap(),
            (Some(-1), Some(-1))
        );
        assert!(ports_for("icmp", None, None).is_err());
        assert_eq!(
            ports_for("icmp", Some(8), Some(300)).unwrap_err().message,
            "ICMP code (300) out of range"
        );
    }

    #[test]
    fn duplicate_labels_follow_aws() {
        let rule = |p: &str, ports, peer| SecurityGroupRule::new(p, ports, peer);
        let any4 = Peer::Ipv4(Ipv4Net::default());
        assert_eq!(
            rule("-1", (None, None), any4.clone()).label(),
            "peer: 0.0.0.0/0, ALL, ALLOW"
        );
        assert_eq!(
            rule(
                "tcp",
                (Some(6443), Some(6443)),
                Peer::Ipv6(Ipv6Net::default())
            )
            .label(),
            "peer: ::/0, TCP, from port: 6443, to port: 6443, ALLOW"
        );
        assert_eq!(
            rule("icmp", (Some(8), Some(-1)), any4).label(),
            "peer: 0.0.0.0/0, ICMP, type: 8, code: -1, ALLOW"
        );
    }

    #[test]
    fn names_and_descriptions() {
        assert!(check_group_name("capi-lb").is_ok());
        assert_eq!(
            check_group_name("Default").unwrap_err().code,
            "InvalidGroup.Reserved"
        );
        assert!(check_group_name("SG-x").is_err());
        assert!(check_group_name("caf\u{e9}").is_err());
        assert!(check_group_name(&"a".repeat(255)).is_ok());
        assert!(check_group_name(&"a".repeat(256)).is_err());
        assert!(check_group_description("it's").is_err());
        assert!(check_group_description("Kubernetes API (6443) {all}").is_ok());
    }
    fn text_of(nodes: &[Node], name: &str) -> Option<String> {
        crate::protocol::xml::first_text(nodes, name)
    }

    #[test]
    fn live_instances_keep_their_groups() {
        let mut world = crate::World::default();
        let mut ctx = Ctx {
            region: world.region("123456789012", "us-east-1"),
            now: crate::ids::Timestamp(0),
            fate: None,
        };
        let out =
            super::super::vpcs::create_vpc(&mut ctx, &Params::parse(b"CidrBlock=10.0.0.0/16"))
                .unwrap();
        let vpc_id = text_of(&out, "vpcId").unwrap();
        let out = create_security_group(
            &mut ctx,
            &Params::parse(format!("GroupName=web&GroupDescription=d&VpcId={vpc_id}").as_bytes()),
        )
        .unwrap();
        let group_id = text_of(&out, "groupId").unwrap();
        let out = super::super::subnets::create_subnet(
            &mut ctx,
            &Params::parse(
                format!("VpcId={vpc_id}&CidrBlock=10.0.1.0/24&AvailabilityZone=us-east-1a")
                    .as_bytes(),
            ),
        )
        .unwrap();
        let subnet_id = text_of(&out, "subnetId").unwrap();
        let out = super::super::instances::run_instances(
            &mut ctx,
            &Params::parse(
                format!(
                    "ImageId=ami-05013502c4cfad526&InstanceType=m5.large&MinCount=1&MaxCount=1&SubnetId={subnet_id}&SecurityGroupId.1={group_id}"
                )
                .as_bytes(),
            ),
        )
        .unwrap();
        let instance_id = text_of(&out, "instanceId").unwrap();
        let delete = Params::parse(format!("GroupId={group_id}").as_bytes());
        let e = delete_security_group(&mut ctx, &delete).unwrap_err();
        assert_eq!(e.code, "DependencyViolation");
        assert_eq!(
            e.message,
            format!("resource {group_id} has a dependent object")
        );
        let ids = Params::parse(format!("InstanceId.1={instance_id}").as_bytes());
        super::super::instances::terminate_instances(&mut ctx, &ids).unwrap();
        // The next read sees it terminated; its interface is gone.
        super::super::instances::describe_instances(&mut ctx, &ids).unwrap();
        delete_security_group(&mut ctx, &delete).unwrap();
    }
}
