//! Target registration rules through the real ELBv2 client: the group and
//! its targets exist, instance targets sit in the group's VPC, IP targets
//! are addresses, alb and lambda targets, ports.

use aws_sdk_elasticloadbalancingv2::types::{
    IpAddressType, LoadBalancerStateEnum, ProtocolEnum, TargetDescription,
    TargetGroupIpAddressTypeEnum, TargetHealthStateEnum, TargetTypeEnum,
};

use crate::common::*;

fn target(id: &str) -> TargetDescription {
    TargetDescription::builder().id(id).build()
}

async fn launch(h: &Harness, subnet: &str) -> String {
    h.ec2
        .run_instances()
        .image_id(ami())
        .instance_type(aws_sdk_ec2::types::InstanceType::M5Large)
        .min_count(1)
        .max_count(1)
        .subnet_id(subnet)
        .send()
        .await
        .unwrap()
        .instances()[0]
        .instance_id()
        .unwrap()
        .to_owned()
}

async fn registered(h: &Harness, group: &str) -> Vec<String> {
    h.elb
        .describe_target_health()
        .target_group_arn(group)
        .send()
        .await
        .unwrap()
        .target_health_descriptions()
        .iter()
        .map(|d| d.target().unwrap().id().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn at_least_one_target_of_an_existing_group() {
    let h = start().await;
    let n = net(&h).await;
    let t = tg(
        &h,
        "ip",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let want = "At least one target must be specified";
    for (code, msg) in [
        err(h.elb.register_targets().target_group_arn(&t).send().await),
        err(h.elb.deregister_targets().target_group_arn(&t).send().await),
    ] {
        assert_eq!((code.as_str(), msg.as_str()), ("ValidationError", want));
    }
    let gone = t.replace("/ip/", "/gone/");
    for (code, msg) in [
        err(h
            .elb
            .register_targets()
            .target_group_arn(&gone)
            .targets(target("10.0.0.10"))
            .send()
            .await),
        err(h
            .elb
            .deregister_targets()
            .target_group_arn(&gone)
            .targets(target("10.0.0.10"))
            .send()
            .await),
    ] {
        assert_eq!(
            (code.as_str(), msg.as_str()),
            ("TargetGroupNotFound", "One or more target groups not found")
        );
    }
}

#[tokio::test]
async fn instance_targets_exist_in_the_groups_vpc() {
    let h = start().await;
    let n = net(&h).await;
    let t = tg(
        &h,
        "inst",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Instance,
    )
    .await;
    let near = launch(&h, &n.v4[0]).await;
    let other = vpc(&h, "10.9.0.0/16", false).await;
    let far = launch(
        &h,
        &subnet(&h, &other, "us-east-1a", Some("10.9.0.0/24"), None).await,
    )
    .await;
    let register = |id: &str| {
        h.elb
            .register_targets()
            .target_group_arn(&t)
            .targets(target(id))
            .send()
    };
    let (code, msg) = err(register("i-0000000000000dead").await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidTarget",
            "The following targets are not valid instances: 'i-0000000000000dead'"
        )
    );
    let (code, msg) = err(register(&far).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidTarget",
            format!(
                "The following targets are not in the target group VPC '{}': '{far}'",
                n.vpc
            )
            .as_str()
        )
    );
    // All or nothing: a good target with a bad one is not registered either.
    let (code, _) = err(h
        .elb
        .register_targets()
        .target_group_arn(&t)
        .targets(target(&near))
        .targets(target(&far))
        .send()
        .await);
    assert_eq!(code, "InvalidTarget");
    assert!(registered(&h, &t).await.is_empty());
    register(&near).await.unwrap();
    assert_eq!(registered(&h, &t).await, [near]);
}

#[tokio::test]
async fn ip_targets_are_ip_addresses() {
    let h = start().await;
    let n = net(&h).await;
    let t = tg(
        &h,
        "ip",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    for bad in ["10.0.0.256", "i-0123456789abcdef0", "10.0.0.0/24"] {
        let (code, msg) = err(h
            .elb
            .register_targets()
            .target_group_arn(&t)
            .targets(target(bad))
            .send()
            .await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "ValidationError",
                format!("The IP address '{bad}' is not a valid IP address").as_str()
            )
        );
    }
}

#[tokio::test]
async fn ipv4_targets_outside_the_vpc_are_in_zone_all() {
    let h = start().await;
    let n = net(&h).await;
    let t = tg(
        &h,
        "ip",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let register = |d: TargetDescription| {
        h.elb
            .register_targets()
            .target_group_arn(&t)
            .targets(d)
            .send()
    };
    for zone in [None, Some("us-east-1a")] {
        let (code, msg) = err(register(
            TargetDescription::builder()
                .id("192.168.1.10")
                .set_availability_zone(zone.map(str::to_owned))
                .build(),
        )
        .await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "ValidationError",
                "The IP address '192.168.1.10' is outside the VPC; its availability zone must be 'all'"
            )
        );
    }
    register(
        TargetDescription::builder()
            .id("192.168.1.10")
            .availability_zone("all")
            .build(),
    )
    .await
    .unwrap();
    // Inside the VPC no zone is needed.
    register(target("10.0.0.10")).await.unwrap();
    let mut ids = registered(&h, &t).await;
    ids.sort();
    assert_eq!(ids, ["10.0.0.10", "192.168.1.10"]);
}

#[tokio::test]
async fn alb_and_lambda_targets() {
    let h = start().await;
    let n = net(&h).await;
    let alb_group = tg(
        &h,
        "alb",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Alb,
    )
    .await;
    let nlb_arn = nlb(&h, "nlb", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    let alb_arn = h
        .elb
        .create_load_balancer()
        .name("alb")
        .set_subnets(Some(n.v4.clone()))
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    for bad in [nlb_arn.as_str(), "10.0.0.10"] {
        let (code, msg) = err(h
            .elb
            .register_targets()
            .target_group_arn(&alb_group)
            .targets(target(bad))
            .send()
            .await);
        assert_eq!(
            (code.as_str(), msg.as_str()),
            (
                "InvalidTarget",
                format!("The target '{bad}' is not an Application Load Balancer").as_str()
            )
        );
    }
    h.elb
        .register_targets()
        .target_group_arn(&alb_group)
        .targets(target(&alb_arn))
        .send()
        .await
        .unwrap();
    let lambda_group = h
        .elb
        .create_target_group()
        .name("fn")
        .target_type(TargetTypeEnum::Lambda)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned();
    let bad = "arn:aws:s3:::bucket";
    let (code, msg) = err(h
        .elb
        .register_targets()
        .target_group_arn(&lambda_group)
        .targets(target(bad))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "InvalidTarget",
            format!("The target '{bad}' is not a Lambda function ARN").as_str()
        )
    );
    let f = "arn:aws:lambda:us-east-1:123456789012:function:hello";
    h.elb
        .register_targets()
        .target_group_arn(&lambda_group)
        .targets(target(f))
        .send()
        .await
        .unwrap();
    assert_eq!(registered(&h, &lambda_group).await, [f]);
}

#[tokio::test]
async fn target_ports_are_1_to_65535() {
    let h = start().await;
    let n = net(&h).await;
    let t = tg(
        &h,
        "ip",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let register = |port: i32| {
        h.elb
            .register_targets()
            .target_group_arn(&t)
            .targets(
                TargetDescription::builder()
                    .id("10.0.0.10")
                    .port(port)
                    .build(),
            )
            .send()
    };
    let (code, msg) = err(register(0).await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "A target port must be between 1 and 65535"
        )
    );
    let (code, _) = err(register(65536).await);
    assert_eq!(code, "ValidationError");
    register(65535).await.unwrap();
    let d = h
        .elb
        .describe_target_health()
        .target_group_arn(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(
        d.target_health_descriptions()[0].target().unwrap().port(),
        Some(65535)
    );
}

#[tokio::test]
async fn ip_targets_match_the_group_family_and_the_vpc() {
    let h = start().await;
    let n = net(&h).await;
    let v4 = tg(
        &h,
        "v4",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let v6 = tg(
        &h,
        "v6",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv6,
        TargetTypeEnum::Ip,
    )
    .await;
    let target = |id: &str| TargetDescription::builder().id(id).build();
    let (code, msg) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v4)
        .targets(target("affe:affe:affe::affe"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "The IP address 'affe:affe:affe::affe' is not a valid IPv4 address"
        )
    );
    let (code, msg) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v6)
        .targets(target("10.0.1.10"))
        .send()
        .await);
    assert_eq!(
        (code.as_str(), msg.as_str()),
        (
            "ValidationError",
            "The IP address '10.0.1.10' is not a valid IPv6 address"
        )
    );
    let (code, _) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v6)
        .targets(target("2001:db8::10"))
        .send()
        .await);
    assert_eq!(code, "InvalidTarget");
    let (code, _) = err(h
        .elb
        .register_targets()
        .target_group_arn(&v4)
        .targets(target("8.8.8.8"))
        .send()
        .await);
    assert_eq!(code, "InvalidTarget");
    let inside = sub_block(&n.block, 64, 10).replace("::/64", "::10");
    h.elb
        .register_targets()
        .target_group_arn(&v6)
        .targets(target(&inside))
        .send()
        .await
        .unwrap();
    h.elb
        .register_targets()
        .target_group_arn(&v4)
        .targets(target("10.0.10.10"))
        .send()
        .await
        .unwrap();
    // Unused until a listener forwards to the group.
    let health = |arn: String| {
        let h = &h;
        async move {
            h.elb
                .describe_target_health()
                .target_group_arn(arn)
                .send()
                .await
                .unwrap()
        }
    };
    let d = health(v6.clone()).await;
    let th = d.target_health_descriptions()[0].target_health().unwrap();
    assert_eq!(th.state(), Some(&TargetHealthStateEnum::Unused));
    assert_eq!(th.reason().map(|r| r.as_str()), Some("Target.NotInUse"));
    let lb = nlb(&h, "ds", IpAddressType::Dualstack, &n.ds)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    h.elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&v6))
        .send()
        .await
        .unwrap();
    let d = health(v6.clone()).await;
    assert_eq!(
        d.target_health_descriptions()[0]
            .target_health()
            .unwrap()
            .state(),
        Some(&TargetHealthStateEnum::Healthy)
    );
    assert_eq!(
        d.target_health_descriptions()[0].target().unwrap().port(),
        Some(6443)
    );
    h.elb
        .deregister_targets()
        .target_group_arn(&v6)
        .targets(target(&inside))
        .send()
        .await
        .unwrap();
    assert!(
        health(v6.clone())
            .await
            .target_health_descriptions()
            .is_empty()
    );
    let (code, _) = err(h
        .elb
        .deregister_targets()
        .target_group_arn(&v6)
        .targets(target(&inside))
        .send()
        .await);
    assert_eq!(code, "InvalidTarget");
}

#[tokio::test]
async fn health_settles_deterministically() {
    let h = start_yaml("settle_reads: 1\n").await;
    let n = net(&h).await;
    let v4 = tg(
        &h,
        "v4",
        &n.vpc,
        TargetGroupIpAddressTypeEnum::Ipv4,
        TargetTypeEnum::Ip,
    )
    .await;
    let lb = nlb(&h, "cp", IpAddressType::Ipv4, &n.v4)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_owned();
    h.elb
        .create_listener()
        .load_balancer_arn(&lb)
        .protocol(ProtocolEnum::Tcp)
        .port(6443)
        .default_actions(forward(&v4))
        .send()
        .await
        .unwrap();
    h.elb
        .register_targets()
        .target_group_arn(&v4)
        .targets(TargetDescription::builder().id("10.0.0.10").build())
        .send()
        .await
        .unwrap();
    let state = || async {
        h.elb
            .describe_target_health()
            .target_group_arn(&v4)
            .send()
            .await
            .unwrap()
            .target_health_descriptions()
            .first()
            .and_then(|d| d.target_health())
            .and_then(|t| t.state())
            .cloned()
    };
    assert_eq!(state().await, Some(TargetHealthStateEnum::Initial));
    assert_eq!(state().await, Some(TargetHealthStateEnum::Healthy));
    h.elb
        .deregister_targets()
        .target_group_arn(&v4)
        .targets(TargetDescription::builder().id("10.0.0.10").build())
        .send()
        .await
        .unwrap();
    assert_eq!(state().await, Some(TargetHealthStateEnum::Draining));
    assert_eq!(state().await, None);
    // The load balancer stays provisioning for one read.
    let lb_state = || async {
        let d = h
            .elb
            .describe_load_balancers()
            .load_balancer_arns(&lb)
            .send()
            .await
            .unwrap();
        d.load_balancers()[0].state().unwrap().code().cloned()
    };
    assert_eq!(lb_state().await, Some(LoadBalancerStateEnum::Provisioning));
    assert_eq!(lb_state().await, Some(LoadBalancerStateEnum::Active));
}
