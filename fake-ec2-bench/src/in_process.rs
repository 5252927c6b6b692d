//! In-process: `Fake::handle` on one thread (parse, dispatch, XML, journal).

use std::time::{Duration, Instant};

use fake_ec2::Fake;

use crate::{
    Figure, ROUND, call, create_subnet_body, create_vpc, measure, trim_journal, world_with_vpcs,
};

pub(crate) fn in_process(budget: Duration) -> Vec<Figure> {
    let mut out = Vec::new();
    for n in [10, 1000] {
        let fake = world_with_vpcs(n);
        out.push(measure(
            &format!("in-process DescribeVpcs, {n} VPCs"),
            budget,
            20,
            |_| {
                let r = call(&fake, "Action=DescribeVpcs&Version=2016-11-15");
                assert_eq!(r.status, 200);
                trim_journal(&fake);
            },
        ));
    }

    // CreateSubnet in rounds; the reset and the VPC between rounds are not timed.
    let fake = Fake::new();
    let mut elapsed = Duration::ZERO;
    let mut requests = 0;
    while requests == 0 || elapsed < budget {
        fake.reset();
        let vpc = create_vpc(&fake, "10.0.0.0/16", false);
        let start = Instant::now();
        for slot in 0..ROUND {
            let r = call(&fake, &create_subnet_body(&vpc, slot));
            assert_eq!(r.status, 200, "{}", r.body);
        }
        elapsed += start.elapsed();
        requests += ROUND;
    }
    out.push(Figure {
        name: format!("in-process CreateSubnet (/28s, < {ROUND} subnets in the region)"),
        requests,
        elapsed,
    });

    // DescribeSubnets by vpc-id: 16 /28 subnets in the first of 10 VPCs (a /24).
    let fake = world_with_vpcs(10);
    let vpc = "vpc-00000000000000001";
    for slot in 0..16 {
        let r = call(
            &fake,
            &format!(
                "Action=CreateSubnet&VpcId={vpc}&CidrBlock=10.0.0.{}%2F28",
                slot * 16
            ),
        );
        assert_eq!(r.status, 200, "{}", r.body);
    }
    out.push(measure(
        "in-process DescribeSubnets by vpc-id (16 of 16 subnets)",
        budget,
        100,
        |_| {
            let r = call(
                &fake,
                &format!("Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1={vpc}"),
            );
            assert_eq!(r.status, 200);
            trim_journal(&fake);
        },
    ));
    out
}
