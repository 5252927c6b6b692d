//! Security groups and their rules through the real SDK: creation rules,
//! default groups and egress, authorize/revoke with AWS's validation and
//! duplicate handling, Describe grouping, filters, paging and delete
//! dependencies.

use aws_sdk_ec2::types::{
    Filter, IpPermission, IpRange, Ipv6Range, PrefixListId, ResourceType, SecurityGroup, Tag,
    TagSpecification, UserIdGroupPair,
};
use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerSchemeEnum, LoadBalancerTypeEnum};

use rstest::rstest;

use crate::common::*;

const ACCOUNT: &str = "123456789012";

async fn group(h: &Harness, vpc: &str, name: &str) -> String {
    h.ec2
        .create_security_group()
        .group_name(name)
        .description(format!("{name} group"))
        .vpc_id(vpc)
        .send()
        .await
        .expect("create security group")
        .group_id
        .expect("group id")
}

async fn describe(h: &Harness, id: &str) -> SecurityGroup {
    h.ec2
        .describe_security_groups()
        .group_ids(id)
        .send()
        .await
        .unwrap()
        .security_groups()[0]
        .clone()
}

fn perm(
    protocol: &str,
    from: Option<i32>,
    to: Option<i32>,
) -> aws_sdk_ec2::types::builders::IpPermissionBuilder {
    IpPermission::builder()
        .ip_protocol(protocol)
        .set_from_port(from)
        .set_to_port(to)
}

fn tcp(port: i32) -> aws_sdk_ec2::types::builders::IpPermissionBuilder {
    perm("tcp", Some(port), Some(port))
}

fn v4(cidr: &str) -> IpRange {
    IpRange::builder().cidr_ip(cidr).build()
}

fn v6(cidr: &str) -> Ipv6Range {
    Ipv6Range::builder().cidr_ipv6(cidr).build()
}

fn from_group(id: &str) -> UserIdGroupPair {
    UserIdGroupPair::builder().group_id(id).build()
}

fn filter(name: &str, value: &str) -> Filter {
    Filter::builder().name(name).values(value).build()
}

/// Authorizes ingress permissions, answering the error code or `OK`.
async fn allow_in(h: &Harness, sg: &str, perms: Vec<IpPermission>) -> String {
    code_of(
        h.ec2
            .authorize_security_group_ingress()
            .group_id(sg)
            .set_ip_permissions(Some(perms))
            .send()
            .await,
    )
}

async fn ingress_error(h: &Harness, sg: &str, perms: Vec<IpPermission>) -> (String, String) {
    err(h
        .ec2
        .authorize_security_group_ingress()
        .group_id(sg)
        .set_ip_permissions(Some(perms))
        .send()
        .await)
}

#[tokio::test]
async fn create_answers_id_arn_and_tags() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let out = h
        .ec2
        .create_security_group()
        .group_name("capi-lb")
        .description("Kubernetes API load balancer")
        .vpc_id(&vpc_id)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroup)
                .tags(Tag::builder().key("Name").value("capi-lb").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let id = out.group_id().unwrap();
    assert!(id.starts_with("sg-"), "{id}");
    assert_eq!(
        out.security_group_arn(),
        Some(format!("arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{id}").as_str())
    );
    assert_eq!(out.tags()[0].key(), Some("Name"));
    let g = describe(&h, id).await;
    assert_eq!(g.group_name(), Some("capi-lb"));
    assert_eq!(g.description(), Some("Kubernetes API load balancer"));
    assert_eq!(g.vpc_id(), Some(vpc_id.as_str()));
    assert_eq!(g.owner_id(), Some(ACCOUNT));
    assert_eq!(g.security_group_arn(), out.security_group_arn());
    assert_eq!(g.tags()[0].value(), Some("capi-lb"));
    assert!(g.ip_permissions().is_empty());

    // Untagged: no tagSet at all; a tag specification of another type is refused.
    let plain = h
        .ec2
        .create_security_group()
        .group_name("plain")
        .description("d")
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    assert!(plain.tags.is_none());
    let (code, _) = err(h
        .ec2
        .create_security_group()
        .group_name("x")
        .description("d")
        .vpc_id(&vpc_id)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Vpc)
                .tags(Tag::builder().key("k").value("v").build())
                .build(),
        )
        .send()
        .await);
    assert_eq!(code, "InvalidParameterValue");
}

#[tokio::test]
async fn create_requires_name_description_and_a_vpc() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let (code, msg) = err(h
        .ec2
        .create_security_group()
        .description("d")
        .vpc_id(&vpc_id)
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter GroupName"
        )
    );
    let (code, msg) = err(h
        .ec2
        .create_security_group()
        .group_name("n")
        .vpc_id(&vpc_id)
        .send()
        .await);
    assert_eq!(code, "MissingParameter");
    assert_eq!(
        msg,
        "The request must contain the parameter GroupDescription"
    );
    let (code, msg) = err(h
        .ec2
        .create_security_group()
        .group_name("n")
        .description("d")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("VPCIdNotSpecified", "No default VPC for this user")
    );
    let (code, msg) = err(h
        .ec2
        .create_security_group()
        .group_name("n")
        .description("d")
        .vpc_id("vpc-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidVpcID.NotFound");
    assert_eq!(msg, "The vpc ID 'vpc-0000000000000dead' does not exist");
}

#[tokio::test]
async fn group_names_and_descriptions_follow_aws_rules() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let other_vpc = vpc(&h, "10.1.0.0/16", false).await;
    let create = |name: String, description: &str| {
        h.ec2
            .create_security_group()
            .group_name(name)
            .description(description)
            .vpc_id(&vpc_id)
            .send()
    };
    let (code, msg) = err(create("sg-web".into(), "d").await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Value (sg-web) for parameter GroupName is invalid. Group names may not be in the format sg-*."
    );
    let (code, msg) = err(create("default".into(), "d").await);
    assert_eq!(code, "InvalidGroup.Reserved");
    assert_eq!(
        msg,
        "The name 'default' is reserved, and cannot be used to create a new security group."
    );
    assert_eq!(code_of(create("a".repeat(255), "d").await), "OK");
    assert_eq!(
        code_of(create("b".repeat(256), "d").await),
        "InvalidParameterValue"
    );
    assert_eq!(
        code_of(create("caf\u{e9}".into(), "d").await),
        "InvalidParameterValue"
    );
    let (code, msg) = err(create("web".into(), "the app's port").await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(
        msg,
        "Invalid security group description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
    );
    assert_eq!(
        code_of(create("web".into(), "Web tier: 80/443 (public) [v1] {a=b}; ok!").await),
        "OK"
    );
    // Names are case-insensitive and unique per VPC.
    let (code, msg) = err(create("WEB".into(), "d").await);
    assert_eq!(code, "InvalidGroup.Duplicate");
    assert_eq!(
        msg,
        format!("The security group 'WEB' already exists for VPC '{vpc_id}'")
    );
    group(&h, &other_vpc, "web").await;
}

#[tokio::test]
async fn default_egress_in_ipv6_and_ipv4_vpcs() {
    let h = start().await;
    let dual = vpc(&h, "10.0.0.0/16", true).await;
    let plain = vpc(&h, "10.1.0.0/16", false).await;

    let g = describe(&h, &group(&h, &dual, "nodes").await).await;
    assert!(g.ip_permissions().is_empty());
    let egress = g.ip_permissions_egress();
    assert_eq!(egress.len(), 1, "one permission for both families");
    assert_eq!(egress[0].ip_protocol(), Some("-1"));
    assert_eq!(egress[0].from_port(), None);
    assert_eq!(egress[0].to_port(), None);
    assert_eq!(egress[0].ip_ranges()[0].cidr_ip(), Some("0.0.0.0/0"));
    assert_eq!(egress[0].ipv6_ranges().len(), 1);
    assert_eq!(egress[0].ipv6_ranges()[0].cidr_ipv6(), Some("::/0"));

    let g = describe(&h, &group(&h, &plain, "nodes").await).await;
    let egress = g.ip_permissions_egress();
    assert_eq!(egress.len(), 1);
    assert_eq!(egress[0].ip_ranges()[0].cidr_ip(), Some("0.0.0.0/0"));
    assert!(egress[0].ipv6_ranges().is_empty());
}

#[tokio::test]
async fn every_vpc_gets_a_default_group_that_cannot_be_deleted() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let out = h
        .ec2
        .describe_security_groups()
        .filters(filter("vpc-id", &vpc_id))
        .filters(filter("group-name", "default"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.security_groups().len(), 1);
    let g = &out.security_groups()[0];
    let id = g.group_id().unwrap();
    assert_eq!(g.description(), Some("default VPC security group"));
    let ingress = g.ip_permissions();
    assert_eq!(ingress.len(), 1);
    assert_eq!(ingress[0].ip_protocol(), Some("-1"));
    let pair = &ingress[0].user_id_group_pairs()[0];
    assert_eq!(pair.group_id(), Some(id));
    assert_eq!(pair.user_id(), Some(ACCOUNT));
    assert_eq!(g.ip_permissions_egress()[0].ipv6_ranges().len(), 1);

    let (code, msg) = err(h.ec2.delete_security_group().group_id(id).send().await);
    assert_eq!(code, "CannotDelete");
    assert_eq!(
        msg,
        format!("the specified group: \"{id}\" name: \"default\" cannot be deleted by a user")
    );
    // The default group goes with its VPC; other groups block DeleteVpc.
    let extra = group(&h, &vpc_id, "extra").await;
    assert_eq!(
        code_of(h.ec2.delete_vpc().vpc_id(&vpc_id).send().await),
        "DependencyViolation"
    );
    h.ec2
        .delete_security_group()
        .group_id(&extra)
        .send()
        .await
        .unwrap();
    h.ec2.delete_vpc().vpc_id(&vpc_id).send().await.unwrap();
    let (code, _) = err(h.ec2.describe_security_groups().group_ids(id).send().await);
    assert_eq!(code, "InvalidGroup.NotFound");
}

#[tokio::test]
async fn kubernetes_api_rule_from_both_families_is_one_permission() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let sg = group(&h, &vpc_id, "apiserver").await;
    let out = h
        .ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            tcp(6443)
                .ip_ranges(
                    IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .description("Kubernetes API")
                        .build(),
                )
                .ipv6_ranges(
                    Ipv6Range::builder()
                        .cidr_ipv6("::/0")
                        .description("Kubernetes API")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(out.r#return(), Some(true));
    let rules = out.security_group_rules();
    assert_eq!(rules.len(), 2);
    for r in rules {
        assert!(r.security_group_rule_id().unwrap().starts_with("sgr-"));
        assert_eq!(r.group_id(), Some(sg.as_str()));
        assert_eq!(r.group_owner_id(), Some(ACCOUNT));
        assert_eq!(r.is_egress(), Some(false));
        assert_eq!(r.ip_protocol(), Some("tcp"));
        assert_eq!((r.from_port(), r.to_port()), (Some(6443), Some(6443)));
        assert_eq!(r.description(), Some("Kubernetes API"));
    }
    assert_eq!(rules[0].cidr_ipv4(), Some("0.0.0.0/0"));
    assert_eq!(rules[0].cidr_ipv6(), None);
    assert_eq!(rules[1].cidr_ipv6(), Some("::/0"));
    assert_ne!(
        rules[0].security_group_rule_id(),
        rules[1].security_group_rule_id()
    );

    let g = describe(&h, &sg).await;
    let ingress = g.ip_permissions();
    assert_eq!(ingress.len(), 1, "{ingress:?}");
    let p = &ingress[0];
    assert_eq!(p.ip_protocol(), Some("tcp"));
    assert_eq!((p.from_port(), p.to_port()), (Some(6443), Some(6443)));
    assert_eq!(p.ip_ranges()[0].cidr_ip(), Some("0.0.0.0/0"));
    assert_eq!(p.ip_ranges()[0].description(), Some("Kubernetes API"));
    assert_eq!(p.ipv6_ranges()[0].cidr_ipv6(), Some("::/0"));
    assert!(p.user_id_group_pairs().is_empty());
}

#[tokio::test]
async fn calico_vxlan_from_another_group() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let nodes = group(&h, &vpc_id, "nodes").await;
    let control_plane = group(&h, &vpc_id, "control-plane").await;
    let out = h
        .ec2
        .authorize_security_group_ingress()
        .group_id(&nodes)
        .ip_permissions(
            perm("udp", Some(4789), Some(4789))
                .user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .group_id(&control_plane)
                        .description("Calico VXLAN")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let rule = &out.security_group_rules()[0];
    let info = rule.referenced_group_info().unwrap();
    assert_eq!(info.group_id(), Some(control_plane.as_str()));
    assert_eq!(info.user_id(), Some(ACCOUNT));
    assert_eq!(rule.cidr_ipv4(), None);
    let rule_id = rule.security_group_rule_id().unwrap().to_owned();

    let g = describe(&h, &nodes).await;
    let p = &g.ip_permissions()[0];
    assert_eq!(p.ip_protocol(), Some("udp"));
    assert_eq!((p.from_port(), p.to_port()), (Some(4789), Some(4789)));
    let pair = &p.user_id_group_pairs()[0];
    assert_eq!(pair.group_id(), Some(control_plane.as_str()));
    assert_eq!(pair.user_id(), Some(ACCOUNT));
    assert_eq!(pair.description(), Some("Calico VXLAN"));
    assert!(p.ip_ranges().is_empty());

    // The referenced group cannot go while the rule names it.
    let (code, msg) = err(h
        .ec2
        .delete_security_group()
        .group_id(&control_plane)
        .send()
        .await);
    assert_eq!(code, "DependencyViolation");
    assert_eq!(
        msg,
        format!("resource {control_plane} has a dependent object")
    );
    // The filter on referenced groups finds the referencing one.
    let found = h
        .ec2
        .describe_security_groups()
        .filters(filter("ip-permission.group-id", &control_plane))
        .send()
        .await
        .unwrap();
    assert_eq!(found.security_groups().len(), 1);
    assert_eq!(found.security_groups()[0].group_id(), Some(nodes.as_str()));
    let found = h
        .ec2
        .describe_security_groups()
        .filters(filter("ip-permission.group-name", "control-plane"))
        .send()
        .await
        .unwrap();
    assert_eq!(found.security_groups().len(), 1);

    let revoked = h
        .ec2
        .revoke_security_group_ingress()
        .group_id(&nodes)
        .security_group_rule_ids(&rule_id)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.r#return(), Some(true));
    let r = &revoked.revoked_security_group_rules()[0];
    assert_eq!(r.security_group_rule_id(), Some(rule_id.as_str()));
    assert_eq!(r.referenced_group_id(), Some(control_plane.as_str()));
    assert_eq!(r.is_egress(), Some(false));
    let deleted = h
        .ec2
        .delete_security_group()
        .group_id(&control_plane)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.r#return(), Some(true));
    assert_eq!(deleted.group_id(), Some(control_plane.as_str()));
}

#[tokio::test]
async fn duplicate_rules_are_refused_all_or_nothing() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let sg = group(&h, &vpc_id, "apiserver").await;
    assert_eq!(
        allow_in(&h, &sg, vec![tcp(6443).ipv6_ranges(v6("::/0")).build()]).await,
        "OK"
    );
    let (code, msg) = ingress_error(
        &h,
        &sg,
        vec![
            tcp(22).ip_ranges(v4("10.0.0.0/8")).build(),
            tcp(6443).ipv6_ranges(v6("::/0")).build(),
        ],
    )
    .await;
    assert_eq!(code, "InvalidPermission.Duplicate");
    assert_eq!(
        msg,
        "the specified rule \"peer: ::/0, TCP, from port: 6443, to port: 6443, ALLOW\" already exists"
    );
    // Nothing of the refused call was added.
    assert_eq!(describe(&h, &sg).await.ip_permissions().len(), 1);
    // The same rule twice in one call.
    let (code, msg) = ingress_error(
        &h,
        &sg,
        vec![
            tcp(22).ip_ranges(v4("10.0.0.0/8")).build(),
            tcp(22).ip_ranges(v4("10.0.0.0/8")).build(),
        ],
    )
    .await;
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(msg, "The same permission must not appear multiple times");
    // A new description does not make a new rule.
    let (code, _) = ingress_error(
        &h,
        &sg,
        vec![
            tcp(6443)
                .ipv6_ranges(
                    Ipv6Range::builder()
                        .cidr_ipv6("::/0")
                        .description("x")
                        .build(),
                )
                .build(),
        ],
    )
    .await;
    assert_eq!(code, "InvalidPermission.Duplicate");
    // The default egress is a rule like any other.
    let (code, msg) = err(h
        .ec2
        .authorize_security_group_egress()
        .group_id(&sg)
        .ip_permissions(perm("-1", None, None).ip_ranges(v4("0.0.0.0/0")).build())
        .send()
        .await);
    assert_eq!(code, "InvalidPermission.Duplicate");
    assert_eq!(
        msg,
        "the specified rule \"peer: 0.0.0.0/0, ALL, ALLOW\" already exists"
    );
}

/// One refused ingress permission per rule: the permission, AWS's code and
/// message. A refusal adds no rule to the group.
#[rstest]
#[case::all_is_no_protocol(
    perm("all", None, None).ip_ranges(v4("10.0.0.0/8")).build(),
    "InvalidParameterValue",
    "Invalid value 'all' for IP protocol. Unknown protocol."
)]
#[case::protocol_numbers_0_to_255(
    perm("256", None, None).ip_ranges(v4("10.0.0.0/8")).build(),
    "InvalidParameterValue",
    "Invalid value '256' for IP protocol. Unknown protocol."
)]
#[case::tcp_needs_both_ports(
    perm("tcp", Some(22), None).ip_ranges(v4("10.0.0.0/8")).build(),
    "InvalidParameterValue",
    "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange."
)]
#[case::udp_to_port_at_most_65535(
    perm("udp", Some(1), Some(70000)).ip_ranges(v4("10.0.0.0/8")).build(),
    "InvalidParameterValue",
    "TCP/UDP (to) port (70000) out of range"
)]
#[case::tcp_from_port_at_least_0(
    perm("tcp", Some(-1), Some(-1)).ip_ranges(v4("10.0.0.0/8")).build(),
    "InvalidParameterValue",
    "TCP/UDP (from) port (-1) out of range"
)]
#[case::tcp_from_at_most_to(
    perm("tcp", Some(100), Some(50)).ip_ranges(v4("10.0.0.0/8")).build(),
    "InvalidParameterValue",
    "Invalid TCP/UDP port range: the from port (100) is greater than the to port (50)."
)]
#[case::icmp_code_at_most_255(
    perm("icmp", Some(8), Some(300)).ip_ranges(v4("10.0.0.0/8")).build(),
    "InvalidParameterValue",
    "ICMP code (300) out of range"
)]
#[case::icmp_type_at_most_255(
    perm("icmp", Some(256), Some(0)).ip_ranges(v4("10.0.0.0/8")).build(),
    "InvalidParameterValue",
    "ICMP type (256) out of range"
)]
#[case::icmp_needs_type_and_code(
    perm("icmp", None, None).ip_ranges(v4("10.0.0.0/8")).build(),
    "InvalidParameterValue",
    "Invalid value 'Must specify both from and to ports with ICMP.' for portRange."
)]
#[case::rule_descriptions_follow_the_name_rules(
    tcp(22)
        .ip_ranges(IpRange::builder().cidr_ip("10.0.0.0/8").description("admin's laptop").build())
        .build(),
    "InvalidParameterValue",
    "Invalid rule description. Valid descriptions are strings less than 256 characters from the following set:  a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
)]
#[tokio::test]
async fn protocol_and_port_rules(
    #[case] permission: IpPermission,
    #[case] code: &str,
    #[case] message: &str,
) {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let sg = group(&h, &vpc_id, "rules").await;
    let (got_code, got_message) = ingress_error(&h, &sg, vec![permission]).await;
    assert_eq!((got_code.as_str(), got_message.as_str()), (code, message));
    assert!(describe(&h, &sg).await.ip_permissions().is_empty());
}

#[tokio::test]
async fn accepted_protocol_and_port_forms() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let sg = group(&h, &vpc_id, "rules").await;
    let any = || v4("10.0.0.0/8");
    // Accepted forms, stored the way AWS reports them.
    let ok = vec![
        perm("TCP", Some(80), Some(443)).ip_ranges(any()).build(),
        perm("17", Some(53), Some(53)).ip_ranges(any()).build(),
        perm("58", None, None).ipv6_ranges(v6("::/0")).build(),
        perm("-1", Some(5), Some(6))
            .ip_ranges(v4("192.168.0.0/16"))
            .build(),
        perm("icmp", Some(8), Some(-1)).ip_ranges(any()).build(),
        perm("50", None, None).ip_ranges(any()).build(),
    ];
    assert_eq!(allow_in(&h, &sg, ok).await, "OK");
    let g = describe(&h, &sg).await;
    let shape: Vec<(Option<&str>, Option<i32>, Option<i32>)> = g
        .ip_permissions()
        .iter()
        .map(|p| (p.ip_protocol(), p.from_port(), p.to_port()))
        .collect();
    assert_eq!(
        shape,
        [
            (Some("tcp"), Some(80), Some(443)),
            (Some("udp"), Some(53), Some(53)),
            (Some("icmpv6"), Some(-1), Some(-1)),
            (Some("-1"), None, None),
            (Some("icmp"), Some(8), Some(-1)),
            (Some("50"), None, None),
        ]
    );
}

#[tokio::test]
async fn cidrs_keep_to_their_family_and_lose_host_bits() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let sg = group(&h, &vpc_id, "cidrs").await;
    let (code, msg) = ingress_error(&h, &sg, vec![tcp(443).ip_ranges(v4("::/0")).build()]).await;
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(msg, "CIDR block ::/0 is malformed");
    let (_, msg) =
        ingress_error(&h, &sg, vec![tcp(443).ipv6_ranges(v6("0.0.0.0/0")).build()]).await;
    assert_eq!(msg, "CIDR block 0.0.0.0/0 is malformed");
    let (_, msg) =
        ingress_error(&h, &sg, vec![tcp(443).ip_ranges(v4("10.0.0.0/33")).build()]).await;
    assert_eq!(msg, "CIDR block 10.0.0.0/33 is malformed");

    let out = h
        .ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            tcp(443)
                .ip_ranges(v4("10.1.2.3/16"))
                .ipv6_ranges(v6("2600:1f18:0:1::1/64"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.security_group_rules()[0].cidr_ipv4(),
        Some("10.1.0.0/16")
    );
    assert_eq!(
        out.security_group_rules()[1].cidr_ipv6(),
        Some("2600:1f18:0:1::/64")
    );
    let (code, _) =
        ingress_error(&h, &sg, vec![tcp(443).ip_ranges(v4("10.1.0.0/16")).build()]).await;
    assert_eq!(code, "InvalidPermission.Duplicate");
}

#[tokio::test]
async fn referenced_groups_must_exist_in_the_same_vpc() {
    let h = start().await;
    let vpc_a = vpc(&h, "10.0.0.0/16", false).await;
    let vpc_b = vpc(&h, "10.1.0.0/16", false).await;
    let sg = group(&h, &vpc_a, "a").await;
    let elsewhere = group(&h, &vpc_b, "b").await;
    let (code, msg) = ingress_error(
        &h,
        &sg,
        vec![
            tcp(22)
                .user_id_group_pairs(from_group("sg-0000000000000dead"))
                .build(),
        ],
    )
    .await;
    assert_eq!(code, "InvalidGroup.NotFound");
    assert_eq!(
        msg,
        "The security group 'sg-0000000000000dead' does not exist"
    );
    let (code, msg) = ingress_error(
        &h,
        &sg,
        vec![tcp(22).user_id_group_pairs(from_group(&elsewhere)).build()],
    )
    .await;
    assert_eq!(code, "InvalidGroup.NotFound");
    assert_eq!(
        msg,
        "You have specified two resources that belong to different networks."
    );
    // A group may reference itself, and a prefix list is taken as given.
    let out = h
        .ec2
        .authorize_security_group_egress()
        .group_id(&sg)
        .ip_permissions(
            tcp(443)
                .user_id_group_pairs(from_group(&sg))
                .prefix_list_ids(
                    PrefixListId::builder()
                        .prefix_list_id("pl-63a5400a")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let rules = out.security_group_rules();
    assert_eq!(rules[0].is_egress(), Some(true));
    assert_eq!(rules[1].prefix_list_id(), Some("pl-63a5400a"));
    let g = describe(&h, &sg).await;
    let p = &g.ip_permissions_egress()[1];
    assert_eq!(p.prefix_list_ids()[0].prefix_list_id(), Some("pl-63a5400a"));
    assert_eq!(p.user_id_group_pairs()[0].group_id(), Some(sg.as_str()));
    // Another account's group is unknown here; prefix lists look like `pl-`.
    let (code, _) = ingress_error(
        &h,
        &sg,
        vec![
            tcp(22)
                .user_id_group_pairs(
                    UserIdGroupPair::builder()
                        .group_id(&sg)
                        .user_id("210987654321")
                        .build(),
                )
                .build(),
        ],
    )
    .await;
    assert_eq!(code, "InvalidGroup.NotFound");
    let (code, _) = ingress_error(
        &h,
        &sg,
        vec![
            tcp(22)
                .prefix_list_ids(PrefixListId::builder().prefix_list_id("s3").build())
                .build(),
        ],
    )
    .await;
    assert_eq!(code, "InvalidPrefixListId.NotFound");
    // Self-references do not keep a group alive.
    h.ec2
        .delete_security_group()
        .group_id(&sg)
        .send()
        .await
        .unwrap();
    // Unknown or malformed target groups.
    let (code, _) = ingress_error(
        &h,
        "sg-0000000000000beef",
        vec![tcp(22).ip_ranges(v4("10.0.0.0/8")).build()],
    )
    .await;
    assert_eq!(code, "InvalidGroup.NotFound");
    let (code, msg) =
        ingress_error(&h, "web", vec![tcp(22).ip_ranges(v4("10.0.0.0/8")).build()]).await;
    assert_eq!(code, "InvalidGroupId.Malformed");
    assert_eq!(msg, "Invalid id: \"web\" (expecting \"sg-...\")");
}

#[tokio::test]
async fn sixty_rules_per_direction_per_family() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let sg = group(&h, &vpc_id, "quota").await;
    let ports = |range: std::ops::Range<i32>, v6_peer: bool| -> Vec<IpPermission> {
        range
            .map(|p| {
                let b = tcp(p);
                if v6_peer {
                    b.ipv6_ranges(v6("::/0")).build()
                } else {
                    b.ip_ranges(v4("10.0.0.0/8")).build()
                }
            })
            .collect()
    };
    assert_eq!(allow_in(&h, &sg, ports(1000..1060, false)).await, "OK");
    let (code, msg) = ingress_error(&h, &sg, ports(2000..2001, false)).await;
    assert_eq!(code, "RulesPerSecurityGroupLimitExceeded");
    assert_eq!(
        msg,
        "The maximum number of rules per security group has been reached"
    );
    // IPv6 rules have their own 60, but a group reference counts for both.
    assert_eq!(allow_in(&h, &sg, ports(3000..3060, true)).await, "OK");
    assert_eq!(
        allow_in(&h, &sg, ports(4000..4001, true)).await,
        "RulesPerSecurityGroupLimitExceeded"
    );
    // Egress already holds the default rule of each family: 59 more IPv4 rules fit.
    let egress = |perms: Vec<IpPermission>| {
        h.ec2
            .authorize_security_group_egress()
            .group_id(&sg)
            .set_ip_permissions(Some(perms))
            .send()
    };
    assert_eq!(code_of(egress(ports(1..60, false)).await), "OK");
    assert_eq!(
        code_of(egress(ports(100..101, false)).await),
        "RulesPerSecurityGroupLimitExceeded"
    );
    let other = group(&h, &vpc_id, "other").await;
    assert_eq!(
        code_of(egress(vec![tcp(9).user_id_group_pairs(from_group(&other)).build()]).await),
        "RulesPerSecurityGroupLimitExceeded"
    );
}

#[tokio::test]
async fn revoke_by_permission_and_by_rule_id() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let sg = group(&h, &vpc_id, "revoke").await;
    let out = h
        .ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            tcp(6443)
                .ip_ranges(v4("0.0.0.0/0"))
                .ipv6_ranges(v6("::/0"))
                .build(),
        )
        .ip_permissions(tcp(22).ip_ranges(v4("10.0.0.0/8")).build())
        .send()
        .await
        .unwrap();
    let ssh_rule = out.security_group_rules()[2]
        .security_group_rule_id()
        .unwrap()
        .to_owned();

    // By permission: one peer of the 6443 permission.
    let revoked = h
        .ec2
        .revoke_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(tcp(6443).ipv6_ranges(v6("::/0")).build())
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.r#return(), Some(true));
    assert_eq!(revoked.revoked_security_group_rules().len(), 1);
    assert_eq!(
        revoked.revoked_security_group_rules()[0].cidr_ipv6(),
        Some("::/0")
    );
    let g = describe(&h, &sg).await;
    assert_eq!(g.ip_permissions()[0].ip_ranges().len(), 1);
    assert!(g.ip_permissions()[0].ipv6_ranges().is_empty());

    // Again: the rule is gone; all-or-nothing with a rule that exists.
    let (code, msg) = err(h
        .ec2
        .revoke_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(tcp(22).ip_ranges(v4("10.0.0.0/8")).build())
        .ip_permissions(tcp(6443).ipv6_ranges(v6("::/0")).build())
        .send()
        .await);
    assert_eq!(code, "InvalidPermission.NotFound");
    assert_eq!(
        msg,
        "The specified rule does not exist in this security group"
    );
    assert_eq!(describe(&h, &sg).await.ip_permissions().len(), 2);

    // By rule id.
    let (code, msg) = err(h
        .ec2
        .revoke_security_group_ingress()
        .group_id(&sg)
        .security_group_rule_ids(&ssh_rule)
        .security_group_rule_ids("sgr-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidSecurityGroupRuleId.NotFound");
    assert_eq!(
        msg,
        "The security group rule ID 'sgr-0000000000000dead' does not exist"
    );
    let revoked = h
        .ec2
        .revoke_security_group_ingress()
        .group_id(&sg)
        .security_group_rule_ids(&ssh_rule)
        .send()
        .await
        .unwrap();
    assert_eq!(
        revoked.revoked_security_group_rules()[0].from_port(),
        Some(22)
    );
    let g = describe(&h, &sg).await;
    assert_eq!(g.ip_permissions().len(), 1);
    assert_eq!(g.ip_permissions()[0].from_port(), Some(6443));

    // An ingress rule id is unknown to egress; the default egress goes by permission.
    let rule_6443 = out.security_group_rules()[0]
        .security_group_rule_id()
        .unwrap();
    assert_eq!(
        code_of(
            h.ec2
                .revoke_security_group_egress()
                .group_id(&sg)
                .security_group_rule_ids(rule_6443)
                .send()
                .await
        ),
        "InvalidSecurityGroupRuleId.NotFound"
    );
    let revoked = h
        .ec2
        .revoke_security_group_egress()
        .group_id(&sg)
        .ip_permissions(
            perm("-1", None, None)
                .ip_ranges(v4("0.0.0.0/0"))
                .ipv6_ranges(v6("::/0"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.revoked_security_group_rules().len(), 2);
    assert!(
        revoked.revoked_security_group_rules()[0]
            .is_egress()
            .unwrap()
    );
    assert!(describe(&h, &sg).await.ip_permissions_egress().is_empty());
    // Neither form, or both.
    assert_eq!(
        code_of(
            h.ec2
                .revoke_security_group_egress()
                .group_id(&sg)
                .send()
                .await
        ),
        "MissingParameter"
    );
    assert_eq!(
        code_of(
            h.ec2
                .revoke_security_group_ingress()
                .group_id(&sg)
                .security_group_rule_ids(rule_6443)
                .ip_permissions(tcp(6443).ip_ranges(v4("0.0.0.0/0")).build())
                .send()
                .await
        ),
        "InvalidParameterCombination"
    );
}

#[tokio::test]
async fn legacy_flat_ingress_form() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let sg = group(&h, &vpc_id, "flat").await;
    let out = h
        .ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("192.0.2.0/24")
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.security_group_rules()[0].cidr_ipv4(),
        Some("192.0.2.0/24")
    );
    let (code, msg) = err(h
        .ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .ip_protocol("tcp")
        .from_port(80)
        .to_port(80)
        .send()
        .await);
    assert_eq!(code, "MissingParameter");
    assert_eq!(
        msg,
        "Missing source specification: include source security group or CIDR information"
    );
    assert_eq!(
        code_of(
            h.ec2
                .authorize_security_group_ingress()
                .group_id(&sg)
                .cidr_ip("192.0.2.0/24")
                .ip_permissions(tcp(80).ip_ranges(v4("10.0.0.0/8")).build())
                .send()
                .await
        ),
        "InvalidParameterCombination"
    );
    // Egress takes IP permissions only.
    assert_eq!(
        code_of(
            h.ec2
                .authorize_security_group_egress()
                .group_id(&sg)
                .ip_protocol("tcp")
                .from_port(80)
                .to_port(80)
                .cidr_ip("192.0.2.0/24")
                .send()
                .await
        ),
        "InvalidParameterCombination"
    );
    let revoked = h
        .ec2
        .revoke_security_group_ingress()
        .group_id(&sg)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("192.0.2.0/24")
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.revoked_security_group_rules().len(), 1);
}

#[tokio::test]
async fn group_names_resolve_only_in_a_default_vpc() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let sg = group(&h, &vpc_id, "web").await;
    let (code, msg) = err(h
        .ec2
        .describe_security_groups()
        .group_names("web")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        ("VPCIdNotSpecified", "No default VPC for this user")
    );
    assert_eq!(
        code_of(
            h.ec2
                .authorize_security_group_ingress()
                .group_name("web")
                .ip_permissions(tcp(80).ip_ranges(v4("10.0.0.0/8")).build())
                .send()
                .await
        ),
        "VPCIdNotSpecified"
    );
    assert_eq!(
        code_of(h.ec2.delete_security_group().group_name("web").send().await),
        "VPCIdNotSpecified"
    );

    // Once the VPC is the account's default one, names work there.
    h.fake.with_world(|w| {
        w.region(ACCOUNT, REGION)
            .ec2
            .vpcs
            .get_mut(&vpc_id)
            .expect("the VPC")
            .is_default = true;
    });
    let out = h
        .ec2
        .describe_security_groups()
        .group_names("WEB")
        .send()
        .await
        .unwrap();
    assert_eq!(out.security_groups()[0].group_id(), Some(sg.as_str()));
    let (code, msg) = err(h
        .ec2
        .describe_security_groups()
        .group_names("nope")
        .send()
        .await);
    assert_eq!(code, "InvalidGroup.NotFound");
    assert_eq!(
        msg,
        format!("The security group 'nope' does not exist in default VPC '{vpc_id}'")
    );
    assert_eq!(
        code_of(
            h.ec2
                .delete_security_group()
                .group_name("web")
                .group_id(&sg)
                .send()
                .await
        ),
        "InvalidParameterCombination"
    );
    // A create without VpcId lands in the default VPC.
    let created = h
        .ec2
        .create_security_group()
        .group_name("db")
        .description("d")
        .send()
        .await
        .unwrap();
    assert_eq!(
        describe(&h, created.group_id().unwrap()).await.vpc_id(),
        Some(vpc_id.as_str())
    );
    // The legacy source group grants all of ICMP, TCP and UDP.
    let out = h
        .ec2
        .authorize_security_group_ingress()
        .group_name("web")
        .source_security_group_name("db")
        .send()
        .await
        .unwrap();
    let protocols: Vec<_> = out
        .security_group_rules()
        .iter()
        .map(|r| (r.ip_protocol().unwrap(), r.from_port(), r.to_port()))
        .collect();
    assert_eq!(
        protocols,
        [
            ("icmp", Some(-1), Some(-1)),
            ("tcp", Some(0), Some(65535)),
            ("udp", Some(0), Some(65535)),
        ]
    );
    assert_eq!(
        code_of(h.ec2.delete_security_group().group_name("db").send().await),
        "DependencyViolation"
    );
}

#[tokio::test]
async fn describe_filters_and_lookups() {
    let h = start().await;
    let dual = vpc(&h, "10.0.0.0/16", true).await;
    let plain = vpc(&h, "10.1.0.0/16", false).await;
    let api = h
        .ec2
        .create_security_group()
        .group_name("apiserver")
        .description("api")
        .vpc_id(&dual)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroup)
                .tags(
                    Tag::builder()
                        .key("sigs.k8s.io/cluster-api-provider-aws/role")
                        .value("apiserver")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    let nodes = group(&h, &dual, "nodes").await;
    group(&h, &plain, "nodes").await;
    assert_eq!(
        allow_in(
            &h,
            &api,
            vec![tcp(6443).ipv6_ranges(v6("2600:1f18::/56")).build()]
        )
        .await,
        "OK"
    );
    let ids = |out: aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput| -> Vec<String> {
        out.security_groups()
            .iter()
            .map(|g| g.group_id().unwrap().to_owned())
            .collect()
    };
    let by = |f: Filter| h.ec2.describe_security_groups().filters(f).send();

    let in_dual = ids(by(filter("vpc-id", &dual)).await.unwrap());
    assert_eq!(in_dual.len(), 3, "default, apiserver, nodes");
    let named = ids(by(filter("group-name", "nodes")).await.unwrap());
    assert_eq!(named.len(), 2);
    assert!(named.contains(&nodes));
    assert_eq!(
        ids(by(filter(
            "tag-key",
            "sigs.k8s.io/cluster-api-provider-aws/role"
        ))
        .await
        .unwrap()),
        [api.as_str()]
    );
    assert_eq!(
        ids(by(filter("ip-permission.ipv6-cidr", "2600:1f18::/56"))
            .await
            .unwrap()),
        [api.as_str()]
    );
    assert_eq!(
        ids(by(filter("ip-permission.protocol", "6")).await.unwrap()),
        [api.as_str()]
    );
    // Every new group in the dualstack VPC egresses to ::/0.
    assert_eq!(
        ids(by(filter("egress.ip-permission.ipv6-cidr", "::/0"))
            .await
            .unwrap())
        .len(),
        3
    );
    assert_eq!(
        ids(by(filter("group-name", "api*")).await.unwrap()),
        [api.as_str()]
    );
    let (code, msg) = err(by(filter("colour", "blue")).await);
    assert_eq!(code, "InvalidParameterValue");
    assert_eq!(msg, "The filter 'colour' is invalid");

    let both = h
        .ec2
        .describe_security_groups()
        .group_ids(&api)
        .group_ids(&nodes)
        .send()
        .await
        .unwrap();
    assert_eq!(both.security_groups().len(), 2);
    let (code, msg) = err(h
        .ec2
        .describe_security_groups()
        .group_ids(&api)
        .group_ids("sg-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidGroup.NotFound");
    assert_eq!(
        msg,
        "The security group 'sg-0000000000000dead' does not exist"
    );
}

#[tokio::test]
async fn describe_pages_with_max_results() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    for i in 0..6 {
        group(&h, &vpc_id, &format!("g{i}")).await;
    }
    let first = h
        .ec2
        .describe_security_groups()
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(first.security_groups().len(), 5);
    let token = first.next_token().expect("a second page");
    let second = h
        .ec2
        .describe_security_groups()
        .max_results(5)
        .next_token(token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        second.security_groups().len(),
        2,
        "6 groups and the default"
    );
    assert!(second.next_token().is_none());
    assert_eq!(
        code_of(h.ec2.describe_security_groups().max_results(4).send().await),
        "InvalidParameterValue"
    );
    let sg = first.security_groups()[0].group_id().unwrap();
    let (code, _) = err(h
        .ec2
        .describe_security_groups()
        .group_ids(sg)
        .max_results(5)
        .send()
        .await);
    assert_eq!(code, "InvalidParameterCombination");
}

#[tokio::test]
async fn describe_security_group_rules() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let sg = group(&h, &vpc_id, "rules").await;
    let out = h
        .ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .ip_permissions(
            tcp(6443)
                .ip_ranges(v4("0.0.0.0/0"))
                .ipv6_ranges(v6("::/0"))
                .build(),
        )
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::SecurityGroupRule)
                .tags(Tag::builder().key("purpose").value("kube-api").build())
                .build(),
        )
        .send()
        .await
        .unwrap();
    let created = out.security_group_rules();
    assert_eq!(created[0].tags()[0].value(), Some("kube-api"));
    let id = created[0].security_group_rule_id().unwrap();

    let one = h
        .ec2
        .describe_security_group_rules()
        .security_group_rule_ids(id)
        .send()
        .await
        .unwrap();
    let r = &one.security_group_rules()[0];
    assert_eq!(r.group_id(), Some(sg.as_str()));
    assert_eq!(r.cidr_ipv4(), Some("0.0.0.0/0"));
    assert_eq!(
        r.security_group_rule_arn(),
        Some(format!("arn:aws:ec2:us-east-1:{ACCOUNT}:security-group-rule/{id}").as_str())
    );

    let of_group = h
        .ec2
        .describe_security_group_rules()
        .filters(filter("group-id", &sg))
        .send()
        .await
        .unwrap();
    let rules = of_group.security_group_rules();
    assert_eq!(rules.len(), 4, "two ingress, two default egress");
    let egress: Vec<_> = rules
        .iter()
        .filter(|r| r.is_egress() == Some(true))
        .collect();
    assert_eq!(egress.len(), 2);
    assert_eq!(egress[0].ip_protocol(), Some("-1"));
    assert_eq!(
        (egress[0].from_port(), egress[0].to_port()),
        (Some(-1), Some(-1))
    );

    let tagged = h
        .ec2
        .describe_security_group_rules()
        .filters(filter("tag:purpose", "kube-api"))
        .send()
        .await
        .unwrap();
    assert_eq!(tagged.security_group_rules().len(), 2);

    let page = h
        .ec2
        .describe_security_group_rules()
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(page.security_group_rules().len(), 5);
    assert!(page.next_token().is_some());

    let (code, msg) = err(h
        .ec2
        .describe_security_group_rules()
        .security_group_rule_ids("sgr-0000000000000dead")
        .send()
        .await);
    assert_eq!(code, "InvalidSecurityGroupRuleId.NotFound");
    assert_eq!(
        msg,
        "The security group rule ID 'sgr-0000000000000dead' does not exist"
    );
    assert_eq!(
        code_of(
            h.ec2
                .describe_security_group_rules()
                .filters(filter("vpc-id", &vpc_id))
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
}

#[tokio::test]
async fn groups_used_by_a_load_balancer_cannot_be_deleted() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let subnet_id = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let sg = group(&h, &vpc_id, "nlb").await;
    let lb = h
        .elb
        .create_load_balancer()
        .name("cp")
        .r#type(LoadBalancerTypeEnum::Network)
        .scheme(LoadBalancerSchemeEnum::Internal)
        .subnets(&subnet_id)
        .security_groups(&sg)
        .send()
        .await
        .unwrap();
    let (code, msg) = err(h.ec2.delete_security_group().group_id(&sg).send().await);
    assert_eq!(code, "DependencyViolation");
    assert_eq!(msg, format!("resource {sg} has a dependent object"));
    h.elb
        .delete_load_balancer()
        .load_balancer_arn(lb.load_balancers()[0].load_balancer_arn().unwrap())
        .send()
        .await
        .unwrap();
    h.ec2
        .delete_security_group()
        .group_id(&sg)
        .send()
        .await
        .unwrap();
    let (code, _) = err(h.ec2.delete_security_group().group_id(&sg).send().await);
    assert_eq!(code, "InvalidGroup.NotFound");
    assert_eq!(
        code_of(h.ec2.delete_security_group().send().await),
        "MissingParameter"
    );
}

#[tokio::test]
async fn a_permission_names_its_protocol() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let sg = group(&h, &vpc_id, "web").await;
    let no_protocol = IpPermission::builder()
        .from_port(80)
        .to_port(80)
        .ip_ranges(v4("10.0.0.0/8"))
        .build();
    let (code, msg) = ingress_error(&h, &sg, vec![no_protocol.clone()]).await;
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter ipProtocol"
        )
    );
    let (code, _) = err(h
        .ec2
        .authorize_security_group_egress()
        .group_id(&sg)
        .ip_permissions(no_protocol)
        .send()
        .await);
    assert_eq!(code, "MissingParameter");
    // The flat form with a CIDR needs a protocol too.
    let (code, msg) = err(h
        .ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .cidr_ip("10.0.0.0/8")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "MissingParameter",
            "The request must contain the parameter ipProtocol"
        )
    );
    assert_eq!(describe(&h, &sg).await.ip_permissions().len(), 0);
}

#[tokio::test]
async fn the_flat_form_takes_a_cidr_or_a_source_group_not_both() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    let sg = group(&h, &vpc_id, "web").await;
    let (code, msg) = err(h
        .ec2
        .authorize_security_group_ingress()
        .group_id(&sg)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("10.0.0.0/8")
        .source_security_group_name("web")
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidParameterCombination",
            "The parameter cidrIp cannot be used with the parameter sourceSecurityGroupName"
        )
    );
    assert_eq!(describe(&h, &sg).await.ip_permissions().len(), 0);
}
