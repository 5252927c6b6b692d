//! `--scale`: one region grown in-process to 10,000 dualstack VPCs with 10
//! subnets each, measured at 1k, 10k and 100k subnets.

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

/// Growth VPC `i`: 10.a.b.0/24, subnets 10.a.b.(16k)/28 and the VPC's `k`th /64.
fn grow_one(fake: &Fake, i: usize) -> (String, Ipv6Net) {
    let (a, b) = (i / 256, i % 256);
    let (vpc, block) = scale_vpc(fake, &format!("10.{a}.{b}.0/24"));
    for k in 0..10u64 {
        let zone = ['a', 'b', 'c'][(k % 3) as usize];
        call_ok(
            fake,
            &dualstack_subnet_body(
                &vpc,
                zone,
                &format!("10.{a}.{b}.{}/28", k * 16),
                nth_64(block, k),
            ),
        );
    }
    fake.clear_journal();
    (vpc, block)
}

pub(crate) fn scale_mode(args: &Args) {
    let budget = Duration::from_millis(args.millis);
    let max_vpcs = args.scale_vpcs;
    println!(
        "fake-ec2 at scale: one region (us-east-1) grown to {max_vpcs} dualstack VPCs with 10 dualstack subnets each \
         (IPv4 /28 + IPv6 /64); {} ms per figure",
        args.millis
    );
    let fake = Fake::new();
    // The region exists (catalogs loaded) before the first memory reading.
    call_ok(&fake, "Action=DescribeVpcs");
    // The probe VPC: CreateSubnet is measured in it, in rounds whose subnets are deleted again.
    let (probe, probe_block) = scale_vpc(&fake, "10.255.0.0/16");
    fake.clear_journal();
    let rss0 = self_rss_kib();
    let mut vpcs: Vec<(String, Ipv6Net)> = Vec::new();
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
            vpcs.push(grow_one(&fake, i));
        }
        let grew = t.elapsed();
        let grown_requests = (cp - from) as u64 * 11;
        let rss = self_rss_kib();
        let subnets = cp * 10;
        // VPCs (the probe's included) and subnets; each VPC also holds a main
        // route table and a default security group, not counted here.
        let resources = cp + 1 + subnets;
        println!();
        println!(
            "== {subnets} subnets in {cp} VPCs ({resources} VPCs + subnets); growth {from} -> {cp} VPCs: \
             {grown_requests} requests in {:.1} s ({:.1} us/request, CreateVpc + 10 CreateSubnet each)",
            grew.as_secs_f64(),
            grew.as_secs_f64() * 1e6 / grown_requests as f64
        );
        println!(
            "resident memory {:.1} MiB: {:.0} KiB more than before growth, {:.2} MiB per 10,000 VPCs + subnets",
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
            name: format!("{subnets:>6} subnets: CreateSubnet, dualstack (checks both CIDRs)"),
            requests,
            elapsed,
        }
        .print();

        // A read, checked once for how many `item` elements it answers.
        let read = |what: &str, body: &str, item: &str, answered: usize| {
            let r = call_ok(&fake, body);
            assert_eq!(r.body.matches(item).count(), answered, "{what}");
            measure(
                &format!("{subnets:>6} subnets: {what} ({answered} answered)"),
                budget,
                20,
                |_| {
                    let r = call(&fake, body);
                    assert_eq!(r.status, 200);
                    trim_journal(&fake);
                },
            )
            .print();
            fake.clear_journal();
        };
        // DescribeSubnets by vpc-id: a VPC in the middle, 10 subnets answered.
        let (mid, _) = &vpcs[vpcs.len() / 2];
        read(
            "DescribeSubnets by vpc-id",
            &format!("Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1={mid}"),
            "<subnetId>",
            10,
        );
        // DescribeVpcs by id: the same VPC.
        read(
            "DescribeVpcs by id",
            &format!("Action=DescribeVpcs&VpcId.1={mid}"),
            "<vpcId>",
            1,
        );

        // A conflicting CreateSubnet, refused: the last VPC's first /28 again.
        // Its subnets have the highest ids, so the scan of the region's subnets
        // passes every other subnet before it meets the conflict.
        let last = vpcs.len() - 1;
        let (vpc, block) = &vpcs[last];
        let body = dualstack_subnet_body(
            vpc,
            'a',
            &format!("10.{}.{}.0/28", last / 256, last % 256),
            nth_64(*block, 200),
        );
        measure(
            &format!("{subnets:>6} subnets: CreateSubnet refused (InvalidSubnet.Conflict)"),
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
