//! Fault rules that spoil what a call creates, through the real clients:
//! eventual consistency (`not_found_reads`), NAT gateways that fail and
//! load balancers that never leave `provisioning` (`outcome`).

use aws_sdk_ec2::types::{AttributeBooleanValue, NatGatewayState};
use aws_sdk_elasticloadbalancingv2::types::{IpAddressType, LoadBalancerStateEnum};
use fake_ec2::FaultRule;
use fake_ec2::faults::Outcome;

use crate::common::*;
use crate::gateways::{attached_igw, eip, igw, public_network};

fn rule(action: &str) -> FaultRule {
    FaultRule {
        action: Some(action.into()),
        ..FaultRule::default()
    }
}

fn hidden_for(action: &str, reads: u32) -> FaultRule {
    FaultRule {
        not_found_reads: Some(reads),
        ..rule(action)
    }
}

#[tokio::test]
async fn new_resources_answer_not_found_to_the_next_k_calls_naming_them() {
    let h = start().await;
    h.fake.set_faults(
        vec![
            hidden_for("CreateVpc", 3),
            hidden_for("CreateSubnet", 1),
            hidden_for("CreateInternetGateway", 1),
        ],
        0,
    );
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    // A listing and a filter do not name it by id: they see it and do not count.
    let listed = h.ec2.describe_vpcs().send().await.unwrap();
    assert_eq!(listed.vpcs().len(), 1);
    let filtered = h
        .ec2
        .describe_vpcs()
        .filters(crate::gateways::filter("vpc-id", &vpc_id))
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.vpcs().len(), 1);
    // Three calls that name it, reads and writes alike, answer NotFound.
    let by_id = || h.ec2.describe_vpcs().vpc_ids(&vpc_id).send();
    assert_eq!(code(by_id().await), "InvalidVpcID.NotFound");
    let (c, m) = err(h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.0.0.0/24")
        .availability_zone("us-east-1a")
        .send()
        .await);
    assert_eq!(c, "InvalidVpcID.NotFound");
    assert!(m.contains(&vpc_id), "{m}");
    assert_eq!(
        code(
            h.ec2
                .modify_vpc_attribute()
                .vpc_id(&vpc_id)
                .enable_dns_hostnames(AttributeBooleanValue::builder().value(true).build())
                .send()
                .await
        ),
        "InvalidVpcID.NotFound"
    );
    assert_eq!(by_id().await.unwrap().vpcs().len(), 1);

    // A subnet: one ModifySubnetAttribute fails, the next one works.
    let subnet_id = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let modify = || {
        h.ec2
            .modify_subnet_attribute()
            .subnet_id(&subnet_id)
            .map_public_ip_on_launch(AttributeBooleanValue::builder().value(true).build())
            .send()
    };
    assert_eq!(code(modify().await), "InvalidSubnetID.NotFound");
    modify().await.unwrap();

    // An internet gateway: AttachInternetGateway right after the create.
    let igw_id = igw(&h).await;
    let attach = || {
        h.ec2
            .attach_internet_gateway()
            .internet_gateway_id(&igw_id)
            .vpc_id(&vpc_id)
            .send()
    };
    assert_eq!(code(attach().await), "InvalidInternetGatewayID.NotFound");
    attach().await.unwrap();

    // Every NotFound the rule caused is marked as injected in the journal.
    let journal = h.fake.journal();
    let injected: Vec<_> = journal
        .iter()
        .filter(|e| e.injected)
        .map(|e| (e.action.as_str(), e.error_code.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        injected,
        [
            ("DescribeVpcs", "InvalidVpcID.NotFound"),
            ("CreateSubnet", "InvalidVpcID.NotFound"),
            ("ModifyVpcAttribute", "InvalidVpcID.NotFound"),
            ("ModifySubnetAttribute", "InvalidSubnetID.NotFound"),
            ("AttachInternetGateway", "InvalidInternetGatewayID.NotFound"),
        ]
    );
}

#[tokio::test]
async fn not_found_reads_cover_nat_gateway_routes_instances_groups_and_load_balancers() {
    let h = start().await;
    let (vpc_id, _igw, subnet_id) = public_network(&h).await;
    let n = net(&h).await;
    h.fake.set_faults(
        vec![
            hidden_for("CreateNatGateway", 2),
            hidden_for("CreateSecurityGroup", 1),
            hidden_for("RunInstances", 1),
            hidden_for("CreateRouteTable", 1),
            hidden_for("CreateLoadBalancer", 1),
        ],
        0,
    );
    let allocation = eip(&h).await;
    let nat_id = crate::gateways::public_nat(&h, &subnet_id, &allocation).await;
    assert_eq!(
        code(
            h.ec2
                .describe_nat_gateways()
                .nat_gateway_ids(&nat_id)
                .send()
                .await
        ),
        "NatGatewayNotFound"
    );
    let rtb = h
        .ec2
        .create_route_table()
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap()
        .route_table
        .unwrap()
        .route_table_id
        .unwrap();
    // CreateRoute names both: the first in parameter order answers, both count.
    let route = || {
        h.ec2
            .create_route()
            .route_table_id(&rtb)
            .destination_cidr_block("0.0.0.0/0")
            .nat_gateway_id(&nat_id)
            .send()
    };
    assert_eq!(code(route().await), "NatGatewayNotFound");
    route().await.unwrap();

    let sg = h
        .ec2
        .create_security_group()
        .group_name("web")
        .description("web")
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    assert_eq!(
        code(h.ec2.describe_security_groups().group_ids(&sg).send().await),
        "InvalidGroup.NotFound"
    );

    let instance = h
        .ec2
        .run_instances()
        .image_id(ami())
        .instance_type(aws_sdk_ec2::types::InstanceType::M5Large)
        .subnet_id(&subnet_id)
        .min_count(1)
        .max_count(1)
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_owned();
    assert_eq!(
        code(
            h.ec2
                .describe_instances()
                .instance_ids(&instance)
                .send()
                .await
        ),
        "InvalidInstanceID.NotFound"
    );
    h.ec2
        .describe_instances()
        .instance_ids(&instance)
        .send()
        .await
        .unwrap();

    let lb = nlb(&h, "lb", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let describe = || {
        h.elb
            .describe_load_balancers()
            .load_balancer_arns(&lb)
            .send()
    };
    assert_eq!(code(describe().await), "LoadBalancerNotFound");
    assert_eq!(describe().await.unwrap().load_balancers().len(), 1);
}

#[tokio::test]
async fn nat_gateway_outcome_failed_reports_aws_failure_fields() {
    let h = start().await;
    let (_vpc, _igw, subnet_id) = public_network(&h).await;
    h.fake.set_faults(
        vec![
            FaultRule {
                outcome: Some(Outcome::Failed),
                nth: Some(1),
                ..rule("CreateNatGateway")
            },
            FaultRule {
                outcome: Some(Outcome::Failed),
                nth: Some(2),
                failure_code: Some("InsufficientFreeAddressesInSubnet".into()),
                failure_message: Some(
                    "Subnet has insufficient free addresses to create this NAT gateway".into(),
                ),
                ..rule("CreateNatGateway")
            },
        ],
        0,
    );
    let allocation = eip(&h).await;
    let created = h
        .ec2
        .create_nat_gateway()
        .subnet_id(&subnet_id)
        .allocation_id(&allocation)
        .send()
        .await
        .unwrap()
        .nat_gateway
        .unwrap();
    assert_eq!(created.state(), Some(&NatGatewayState::Pending));
    let id = created.nat_gateway_id().unwrap().to_owned();
    let read = h
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(&id)
        .send()
        .await
        .unwrap();
    let nat = &read.nat_gateways()[0];
    assert_eq!(nat.state(), Some(&NatGatewayState::Failed));
    assert_eq!(nat.failure_code(), Some("InternalError"));
    let eni = nat.nat_gateway_addresses()[0]
        .network_interface_id()
        .unwrap();
    assert_eq!(
        nat.failure_message(),
        Some(
            format!("Network interface {eni}, created and used internally by this NAT gateway is in an invalid state. Please try again.")
                .as_str()
        )
    );
    // A failed gateway holds neither the Elastic IP nor an address.
    let addresses = h.ec2.describe_addresses().send().await.unwrap();
    assert_eq!(addresses.addresses()[0].association_id(), None);

    // The second rule names its failure; the third gateway is left alone.
    let second = crate::gateways::public_nat(&h, &subnet_id, &allocation).await;
    let third = crate::gateways::public_nat(&h, &subnet_id, &allocation).await;
    let read = h
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(&second)
        .nat_gateway_ids(&third)
        .send()
        .await
        .unwrap();
    let by_id = |id: &str| {
        read.nat_gateways()
            .iter()
            .find(|n| n.nat_gateway_id() == Some(id))
            .unwrap()
            .clone()
    };
    assert_eq!(
        by_id(&second).failure_code(),
        Some("InsufficientFreeAddressesInSubnet")
    );
    assert_eq!(by_id(&third).state(), Some(&NatGatewayState::Available));
    assert_eq!(by_id(&third).failure_code(), None);
}

#[tokio::test]
async fn nat_gateway_outcome_stuck_stays_pending() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    attached_igw(&h, &vpc_id).await;
    let subnet_id = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    h.fake.set_faults(
        vec![FaultRule {
            outcome: Some(Outcome::Stuck),
            ..rule("CreateNatGateway")
        }],
        0,
    );
    let id = crate::gateways::private_nat(&h, &subnet_id).await;
    for _ in 0..5 {
        let read = h
            .ec2
            .describe_nat_gateways()
            .nat_gateway_ids(&id)
            .send()
            .await
            .unwrap();
        assert_eq!(
            read.nat_gateways()[0].state(),
            Some(&NatGatewayState::Pending)
        );
    }
    // It can still be deleted, and then it goes away as usual.
    h.ec2
        .delete_nat_gateway()
        .nat_gateway_id(&id)
        .send()
        .await
        .unwrap();
    let read = h
        .ec2
        .describe_nat_gateways()
        .nat_gateway_ids(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        read.nat_gateways()[0].state(),
        Some(&NatGatewayState::Deleted)
    );
}

#[tokio::test]
async fn load_balancer_outcomes_stuck_and_failed() {
    let h = start().await;
    let n = net(&h).await;
    h.fake.set_faults(
        vec![
            FaultRule {
                outcome: Some(Outcome::Stuck),
                nth: Some(1),
                ..rule("CreateLoadBalancer")
            },
            FaultRule {
                outcome: Some(Outcome::Failed),
                nth: Some(2),
                ..rule("CreateLoadBalancer")
            },
        ],
        0,
    );
    let mut arns = Vec::new();
    for name in ["stuck", "failed", "fine"] {
        let out = nlb(&h, name, IpAddressType::Ipv4, &n.v4)
            .send()
            .await
            .unwrap();
        let lb = &out.load_balancers()[0];
        assert_eq!(
            lb.state().and_then(|s| s.code()),
            Some(&LoadBalancerStateEnum::Provisioning)
        );
        arns.push(lb.load_balancer_arn().unwrap().to_owned());
    }
    for _ in 0..5 {
        let read = h
            .elb
            .describe_load_balancers()
            .set_load_balancer_arns(Some(arns.clone()))
            .send()
            .await
            .unwrap();
        let state = |name: &str| {
            read.load_balancers()
                .iter()
                .find(|l| l.load_balancer_name() == Some(name))
                .and_then(|l| l.state().cloned())
                .unwrap()
        };
        assert_eq!(
            state("stuck").code(),
            Some(&LoadBalancerStateEnum::Provisioning)
        );
        assert_eq!(state("failed").code(), Some(&LoadBalancerStateEnum::Failed));
        assert!(state("failed").reason().is_some_and(|r| !r.is_empty()));
        assert_eq!(state("fine").code(), Some(&LoadBalancerStateEnum::Active));
        assert_eq!(state("fine").reason(), None);
    }
}

#[tokio::test]
async fn new_fault_fields_load_from_a_seed() {
    let h = start_yaml(
        "faults:\n  - {action: CreateVpc, not_found_reads: 1}\n  - {action: CreateNatGateway, outcome: failed, failure_code: Gateway.NotAttached}\n  - {action: CreateLoadBalancer, outcome: stuck}\n",
    )
    .await;
    let rules = h.fake.with_world(|w| w.fault_rules());
    assert_eq!(rules[0].not_found_reads, Some(1));
    assert_eq!(rules[1].outcome, Some(Outcome::Failed));
    assert_eq!(
        rules[1].failure_code.as_deref(),
        Some("Gateway.NotAttached")
    );
    assert_eq!(rules[2].outcome, Some(Outcome::Stuck));
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    assert_eq!(
        code(h.ec2.describe_vpcs().vpc_ids(&vpc_id).send().await),
        "InvalidVpcID.NotFound"
    );
}

#[tokio::test]
async fn elbv2_words_a_hidden_subnet_its_own_way() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", false).await;
    h.fake.set_faults(vec![hidden_for("CreateSubnet", 1)], 0);
    let a = subnet(&h, &vpc_id, "us-east-1a", Some("10.0.0.0/24"), None).await;
    let b = subnet(&h, &vpc_id, "us-east-1b", Some("10.0.1.0/24"), None).await;
    let subnets = [a.clone(), b.clone()];
    let create = || nlb(&h, "lb", IpAddressType::Ipv4, &subnets).send();
    let (c, m) = err(create().await);
    assert_eq!(c, "SubnetNotFound");
    assert!(m.contains(&a), "{m}");
    // That call counted for both subnets: the next one sees them.
    create().await.unwrap();
}

/// Rules AWS could never answer are refused with the reason, through
/// `PUT /_fake/faults` (400, the rules in force unchanged), a seed and
/// `try_set_faults`.
#[tokio::test]
async fn bad_fault_rules_are_refused_with_the_reason() {
    let h = start().await;
    let put = |body: String| {
        let url = h.server.url();
        async move { http(&url, "PUT", "/_fake/faults", &[], body.as_bytes()).await }
    };
    let (status, _, body) =
        put(r#"{"rules": [{"action": "CreateVpc", "error": "Throttling"}]}"#.into()).await;
    assert_eq!(
        (status, body.trim()),
        (
            200,
            r#"{
  "rules": 1
}"#
        )
    );
    for (rule, reason) in [
        (
            r#"{"error": "InternalError", "status": 999}"#,
            "rules[1]: status 999 is not an error status AWS answers (400-599)",
        ),
        (
            r#"{"error": "InternalError", "status": 200}"#,
            "rules[1]: status 200 is not an error status AWS answers (400-599)",
        ),
        (
            r#"{"status": 500}"#,
            "rules[1]: status 500 needs an error code",
        ),
        (
            r#"{"probability": 7.5}"#,
            "rules[1]: probability 7.5 is not between 0 and 1",
        ),
        (
            r#"{"probability": -0.1}"#,
            "rules[1]: probability -0.1 is not between 0 and 1",
        ),
        (
            r#"{"latency_ms": 18446744073709551615}"#,
            "rules[1]: latency_ms 18446744073709551615 is more than 3600000 (an hour)",
        ),
        (
            r#"{"nth": 0}"#,
            "rules[1]: nth and from_nth count calls from 1",
        ),
        (
            r#"{"nth": 1, "from_nth": 2}"#,
            "rules[1]: nth and from_nth exclude each other",
        ),
        (
            r#"{"error": "Not A Code"}"#,
            "rules[1]: error 'Not A Code' is not an AWS error code (1-128 letters, digits, '.' or '_')",
        ),
        (
            r#"{"failure_code": "X"}"#,
            "rules[1]: failure_code and failure_message need outcome: failed",
        ),
    ] {
        let (status, _, body) = put(format!(
            r#"{{"rules": [{{"error": "Throttling"}}, {rule}]}}"#
        ))
        .await;
        assert_eq!(status, 400, "{rule}: {body}");
        assert_eq!(
            body.trim(),
            format!("invalid fault rules: {reason}"),
            "{rule}"
        );
    }
    // The rules in force are still the first ones.
    let rules = h.fake.with_world(|w| w.fault_rules());
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].action.as_deref(), Some("CreateVpc"));

    // A seed's rules, and the in-process API, are held to the same checks.
    let e = fake_ec2::Seed::from_yaml("faults:\n  - {error: InternalError, status: 999}\n")
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "seed faults[0]: status 999 is not an error status AWS answers (400-599)"
    );
    let e = h
        .fake
        .try_set_faults(
            vec![FaultRule {
                probability: Some(f64::NAN),
                ..FaultRule::default()
            }],
            0,
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "invalid fault rules: rules[0]: probability NaN is not between 0 and 1"
    );
    let seed = fake_ec2::Seed {
        faults: vec![FaultRule {
            latency_ms: Some(u64::MAX),
            ..FaultRule::default()
        }],
        ..fake_ec2::Seed::default()
    };
    assert!(fake_ec2::Fake::from_seed(seed).is_err());
}
