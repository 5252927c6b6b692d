//! `--scale`: one region grown in-process to 10,000 dualstack VPCs, each
//! with 10 of every indexed family (subnets, route tables, security groups,
//! stand-alone network interfaces, private NAT gateways, instances, network
//! load balancers), measured at 1k, 10k and 100k of each: a Describe by id
//! and by `vpc-id` (by name for load balancers) should cost the same at
//! every size.

use std::time::{Duration, Instant};

use fake_ec2::Fake;
use ipnet::Ipv6Net;

use crate::{Args, Figure, ROUND, call, enc, measure, nth_64, rss_kib, text_between, trim_journal};

/// Resident memory of this process, in KiB.
fn self_rss_kib() -> u64 {
    rss_kib("self")
}

fn call_ok(fake: &Fake, body: &str) -> fake_ec2::RawResponse {
    let r = call(fake, body);
    assert_eq!(r.status, 200, "{body}: {}", r.body);
    r
}

/// CreateVpc, dualstack, in-process; returns the id and the Amazon /56.
fn scale_vpc(fake: &Fake, cidr: &str) -> (String, Ipv6Net) {
    let r = call_ok(
        fake,
        &format!(
            "Action=CreateVpc&CidrBlock={}&AmazonProvidedIpv6CidrBlock=true",
            enc(cidr)
        ),
    );
    (
        text_between(&r.body, "<vpcId>", "</vpcId>").to_owned(),
        text_between(&r.body, "<ipv6CidrBlock>", "</ipv6CidrBlock>")
            .parse()
            .expect("IPv6 block"),
    )
}

fn dualstack_subnet_body(vpc: &str, zone: char, v4: &str, v6: Ipv6Net) -> String {
    format!(
        "Action=CreateSubnet&VpcId={vpc}&AvailabilityZone=us-east-1{zone}&CidrBlock={}&Ipv6CidrBlock={}",
        enc(v4),
        enc(&v6.to_string())
    )
}

/// ELBv2's credential scope: the fake routes a request by its service.
const ELBV2_AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20261125/us-east-1/elasticloadbalancing/aws4_request, SignedHeaders=host, Signature=00";

fn call_elbv2(fake: &Fake, body: &str) -> fake_ec2::RawResponse {
    let r = fake.handle(&fake_ec2::RawRequest {
        authorization: Some(ELBV2_AUTH),
        query: None,
        body: body.as_bytes(),
        ..fake_ec2::RawRequest::default()
    });
    assert_eq!(r.status, 200, "{body}: {}", r.body);
    r
}

/// Resources of each indexed family every growth VPC holds.
const PER_VPC: usize = 10;

/// The growth VPCs whose instances keep running: the region's quota is
/// 1,000 live instances, so every later VPC's are terminated at once (and
/// stay listed, as AWS lists terminated instances for a while).
const LIVE_VPCS: usize = 50;

/// One growth VPC and the first resource of each family it holds (the
/// ids the reads name).
struct Grown {
    /// The requests it took.
    requests: u64,
    vpc: String,
    block: Ipv6Net,
    subnet: String,
    route_table: String,
    group: String,
    interface: String,
    nat: String,
    instance: String,
    lb_arn: String,
    lb_name: String,
}

/// Growth VPC `i`: 10.a.b.0/24; per slot `k` a subnet 10.a.b.(16k)/28 with
/// the VPC's `k`th /64, a route table associated with it, a security group,
/// a stand-alone interface, a private NAT gateway (deleted: the quota is
/// five live ones per zone), an instance (terminated past [`LIVE_VPCS`])
/// and an internal network load balancer in it.
fn grow_one(fake: &Fake, i: usize, image: &str) -> Grown {
    let mut requests = 1;
    let (a, b) = (i / 256, i % 256);
    let (vpc, block) = scale_vpc(fake, &format!("10.{a}.{b}.0/24"));
    let mut first: Vec<String> = Vec::new();
    let mut lb = (String::new(), String::new());
    for k in 0..PER_VPC as u64 {
        let zone = ['a', 'b', 'c'][(k % 3) as usize];
        let r = call_ok(
            fake,
            &dualstack_subnet_body(
                &vpc,
                zone,
                &format!("10.{a}.{b}.{}/28", k * 16),
                nth_64(block, k),
            ),
        );
        let subnet = text_between(&r.body, "<subnetId>", "</subnetId>").to_owned();
        let r = call_ok(fake, &format!("Action=CreateRouteTable&VpcId={vpc}"));
        let rtb = text_between(&r.body, "<routeTableId>", "</routeTableId>").to_owned();
        call_ok(
            fake,
            &format!("Action=AssociateRouteTable&RouteTableId={rtb}&SubnetId={subnet}"),
        );
        let r = call_ok(
            fake,
            &format!(
                "Action=CreateSecurityGroup&VpcId={vpc}&GroupName=g{k}&GroupDescription=bench"
            ),
        );
        let sg = text_between(&r.body, "<groupId>", "</groupId>").to_owned();
        let r = call_ok(
            fake,
            &format!("Action=CreateNetworkInterface&SubnetId={subnet}"),
        );
        let eni = text_between(&r.body, "<networkInterfaceId>", "</networkInterfaceId>").to_owned();
        let r = call_ok(
            fake,
            &format!("Action=CreateNatGateway&SubnetId={subnet}&ConnectivityType=private"),
        );
        let nat = text_between(&r.body, "<natGatewayId>", "</natGatewayId>").to_owned();
        // Five live gateways per zone is the quota: each is deleted again
        // and stays listed, as AWS lists deleted gateways for a while.
        call_ok(fake, &format!("Action=DeleteNatGateway&NatGatewayId={nat}"));
        let r = call_ok(
            fake,
            &format!(
                "Action=RunInstances&ImageId={image}&InstanceType=m5.large&MinCount=1&MaxCount=1&SubnetId={subnet}"
            ),
        );
        let instance = text_between(&r.body, "<instanceId>", "</instanceId>").to_owned();
        if i >= LIVE_VPCS {
            call_ok(
                fake,
                &format!("Action=TerminateInstances&InstanceId.1={instance}"),
            );
            // The read that moves it from shutting-down to terminated.
            call_ok(
                fake,
                &format!("Action=DescribeInstances&InstanceId.1={instance}"),
            );
            requests += 2;
        }
        let name = format!("lb-{i}-{k}");
        let r = call_elbv2(
            fake,
            &format!(
                "Action=CreateLoadBalancer&Version=2015-12-01&Name={name}&Type=network&Scheme=internal&Subnets.member.1={subnet}"
            ),
        );
        requests += 9;
        if k == 0 {
            let arn = text_between(&r.body, "<LoadBalancerArn>", "</LoadBalancerArn>");
            lb = (arn.to_owned(), name);
            first = vec![subnet, rtb, sg, eni, nat, instance];
        }
    }
    fake.clear_journal();
    let [subnet, route_table, group, interface, nat, instance]: [String; 6] =
        first.try_into().expect("six families");
    Grown {
        requests,
        vpc,
        block,
        subnet,
        route_table,
        group,
        interface,
        nat,
        instance,
        lb_arn: lb.0,
        lb_name: lb.1,
    }
}

pub(crate) fn scale_mode(args: &Args) {
    let budget = Duration::from_millis(args.millis);
    let max_vpcs = args.scale_vpcs;
    println!(
        "fake-ec2 at scale: one region (us-east-1) grown to {max_vpcs} dualstack VPCs, each with {PER_VPC} dualstack \
         subnets (IPv4 /28 + IPv6 /64) and {PER_VPC} each of route tables (associated), security groups, \
         network interfaces, private NAT gateways, instances and internal NLBs; {} ms per figure",
        args.millis
    );
    let fake = Fake::new();
    let image = fake_ec2::ec2::images::capa_image_id("us-east-1", "1.31.0")
        .expect("the catalog holds v1.31.0");
    // The region exists (catalogs loaded) before the first memory reading.
    call_ok(&fake, "Action=DescribeVpcs");
    // The probe VPC: CreateSubnet is measured in it, in rounds whose subnets are deleted again.
    let (probe, probe_block) = scale_vpc(&fake, "10.255.0.0/16");
    fake.clear_journal();
    let rss0 = self_rss_kib();
    let mut vpcs: Vec<Grown> = Vec::new();
    let mut checkpoints: Vec<usize> = [100, 1000, 10_000, 100_000]
        .into_iter()
        .filter(|c| *c <= max_vpcs)
        .collect();
    if checkpoints.last() != Some(&max_vpcs) {
        checkpoints.push(max_vpcs);
    }
    println!(
        "resident memory before growth: {:.1} MiB",
        rss0 as f64 / 1024.0
    );
    for cp in checkpoints {
        let from = vpcs.len();
        let t = Instant::now();
        while vpcs.len() < cp {
            let i = vpcs.len();
            vpcs.push(grow_one(&fake, i, &image));
        }
        let grew = t.elapsed();
        let grown_requests: u64 = vpcs[from..].iter().map(|g| g.requests).sum();
        let rss = self_rss_kib();
        let subnets = cp * PER_VPC;
        // The VPCs (the probe's included) and seven families of `subnets`
        // each; each VPC also holds a main route table and a default
        // security group, and each instance an interface, not counted here.
        let resources = cp + 1 + 7 * subnets;
        println!();
        println!(
            "== {subnets} of each family in {cp} VPCs ({resources} resources); growth {from} -> {cp} VPCs: \
             {grown_requests} requests in {:.1} s ({:.1} us/request)",
            grew.as_secs_f64(),
            grew.as_secs_f64() * 1e6 / grown_requests as f64
        );
        println!(
            "resident memory {:.1} MiB: {:.0} KiB more than before growth, {:.2} MiB per 10,000 resources",
            rss as f64 / 1024.0,
            rss.saturating_sub(rss0) as f64,
            rss.saturating_sub(rss0) as f64 / 1024.0 / (resources as f64 / 10_000.0)
        );

        // CreateSubnet, dualstack, in the probe VPC: rounds of ROUND, deleted between rounds (not timed).
        let mut elapsed = Duration::ZERO;
        let mut requests = 0;
        while requests == 0 || elapsed < budget {
            let mut ids = Vec::with_capacity(ROUND as usize);
            let start = Instant::now();
            for s in 0..ROUND {
                let r = call(
                    &fake,
                    &dualstack_subnet_body(
                        &probe,
                        'a',
                        &format!("10.255.{}.{}/28", s / 16, (s % 16) * 16),
                        nth_64(probe_block, s),
                    ),
                );
                assert_eq!(r.status, 200, "{}", r.body);
                ids.push(r.body);
            }
            elapsed += start.elapsed();
            requests += ROUND;
            for body in ids {
                let id = text_between(&body, "<subnetId>", "</subnetId>");
                call_ok(&fake, &format!("Action=DeleteSubnet&SubnetId={id}"));
            }
            fake.clear_journal();
        }
        Figure {
            name: format!("{subnets:>6} each: CreateSubnet, dualstack (checks both CIDRs)"),
            requests,
            elapsed,
        }
        .print();

        // A read, checked once for how many `item` elements it answers.
        let read_as = |elbv2: bool, what: &str, body: &str, item: &str, answered: usize| {
            let send = |body: &str| {
                if elbv2 {
                    call_elbv2(&fake, body)
                } else {
                    call_ok(&fake, body)
                }
            };
            let r = send(body);
            let head: String = r.body.chars().take(400).collect();
            assert_eq!(r.body.matches(item).count(), answered, "{what}: {head}");
            measure(
                &format!("{subnets:>6} each: {what} ({answered} answered)"),
                budget,
                20,
                |_| {
                    send(body);
                    trim_journal(&fake);
                },
            )
            .print();
            fake.clear_journal();
        };
        let read = |what: &str, body: &str, item: &str, answered: usize| {
            read_as(false, what, body, item, answered);
        };
        // A VPC in the middle; the first resource of each family in it.
        let mid_at = vpcs.len() / 2;
        let mid = &vpcs[mid_at];
        let mid_running = mid_at < LIVE_VPCS;
        let by_vpc = |action: &str| {
            format!(
                "Action={action}&Filter.1.Name=vpc-id&Filter.1.Value.1={}",
                mid.vpc
            )
        };
        let n = PER_VPC;
        read(
            "DescribeSubnets by vpc-id",
            &by_vpc("DescribeSubnets"),
            "<subnetId>",
            n,
        );
        read(
            "DescribeSubnets by id",
            &format!("Action=DescribeSubnets&SubnetId.1={}", mid.subnet),
            "<subnetId>",
            1,
        );
        read(
            "DescribeVpcs by id",
            &format!("Action=DescribeVpcs&VpcId.1={}", mid.vpc),
            "<vpcId>",
            1,
        );
        // The VPC's main table is the eleventh.
        read(
            "DescribeRouteTables by vpc-id",
            &by_vpc("DescribeRouteTables"),
            "<propagatingVgwSet/>",
            n + 1,
        );
        read(
            "DescribeRouteTables by id",
            &format!(
                "Action=DescribeRouteTables&RouteTableId.1={}",
                mid.route_table
            ),
            "<propagatingVgwSet/>",
            1,
        );
        // Each association names its table: one table, one association.
        read(
            "DescribeRouteTables by association.subnet-id",
            &format!(
                "Action=DescribeRouteTables&Filter.1.Name=association.subnet-id&Filter.1.Value.1={}",
                mid.subnet
            ),
            "<routeTableAssociationId>",
            1,
        );
        // The VPC's default group is the eleventh.
        read(
            "DescribeSecurityGroups by vpc-id",
            &by_vpc("DescribeSecurityGroups"),
            "<groupName>",
            n + 1,
        );
        read(
            "DescribeSecurityGroups by id",
            &format!("Action=DescribeSecurityGroups&GroupId.1={}", mid.group),
            "<groupName>",
            1,
        );
        // The stand-alone interfaces and the running instances': a deleted
        // NAT gateway and a terminated instance have given theirs up.
        read(
            "DescribeNetworkInterfaces by vpc-id",
            &by_vpc("DescribeNetworkInterfaces"),
            "<networkInterfaceId>",
            if mid_running { 2 * n } else { n },
        );
        read(
            "DescribeNetworkInterfaces by id",
            &format!(
                "Action=DescribeNetworkInterfaces&NetworkInterfaceId.1={}",
                mid.interface
            ),
            "<networkInterfaceId>",
            1,
        );
        read(
            "DescribeNatGateways by vpc-id",
            &by_vpc("DescribeNatGateways"),
            "<natGatewayId>",
            n,
        );
        read(
            "DescribeNatGateways by id",
            &format!("Action=DescribeNatGateways&NatGatewayId.1={}", mid.nat),
            "<natGatewayId>",
            1,
        );
        // Running instances are the first VPCs' (see LIVE_VPCS); one
        // `launchTime` per instance answered.
        let first = &vpcs[0];
        read(
            "DescribeInstances by vpc-id, running",
            &format!(
                "Action=DescribeInstances&Filter.1.Name=vpc-id&Filter.1.Value.1={}",
                first.vpc
            ),
            "<launchTime>",
            n,
        );
        read(
            "DescribeInstances by id, running",
            &format!("Action=DescribeInstances&InstanceId.1={}", first.instance),
            "<launchTime>",
            1,
        );
        read(
            if mid_running {
                "DescribeInstances by id, running, mid VPC"
            } else {
                "DescribeInstances by id, terminated"
            },
            &format!("Action=DescribeInstances&InstanceId.1={}", mid.instance),
            "<launchTime>",
            1,
        );
        read_as(
            true,
            "DescribeLoadBalancers by ARN",
            &format!(
                "Action=DescribeLoadBalancers&Version=2015-12-01&LoadBalancerArns.member.1={}",
                enc(&mid.lb_arn)
            ),
            "<LoadBalancerName>",
            1,
        );
        read_as(
            true,
            "DescribeLoadBalancers by name",
            &format!(
                "Action=DescribeLoadBalancers&Version=2015-12-01&Names.member.1={}",
                mid.lb_name
            ),
            "<LoadBalancerName>",
            1,
        );

        // A conflicting CreateSubnet, refused: the last VPC's first /28 again.
        // Its subnets have the highest ids, so the scan of the region's subnets
        // passes every other subnet before it meets the conflict.
        let last = vpcs.len() - 1;
        let Grown { vpc, block, .. } = &vpcs[last];
        let body = dualstack_subnet_body(
            vpc,
            'a',
            &format!("10.{}.{}.0/28", last / 256, last % 256),
            nth_64(*block, 200),
        );
        measure(
            &format!("{subnets:>6} each: CreateSubnet refused (InvalidSubnet.Conflict)"),
            budget,
            20,
            |_| {
                let r = call(&fake, &body);
                assert_eq!(r.status, 400, "{}", r.body);
                assert!(
                    r.body.contains("<Code>InvalidSubnet.Conflict</Code>"),
                    "{}",
                    r.body
                );
                trim_journal(&fake);
            },
        )
        .print();
        fake.clear_journal();
    }
}
