//! Many clients at once on one VPC: subnets and IPv6 associations whose
//! blocks collide. Every success holds its own block, every failure is
//! AWS's conflict error, the final state matches the successes, and it all
//! finishes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ipnet::{Ipv4Net, Ipv6Net};

use crate::common::*;

const TASKS: u64 = 16;
const CALLS_PER_TASK: u64 = 25;

#[derive(Debug)]
enum Outcome {
    Subnet(String, Ipv4Net),
    Ipv6(String, Ipv6Net),
    Refused(String),
}

fn next(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407);
    *state >> 33
}

/// One client's calls: IPv4 subnets of /24 or /23 in 10.0.0.0/17, and for
/// the subnets it made an IPv6 /64 or /60 from the first half of the VPC's /56.
async fn client_calls(url: String, vpc_id: String, block: Ipv6Net, task: u64) -> Vec<Outcome> {
    let ec2 = ec2_client(&url, REGION);
    let mut rng = task + 1;
    let mut without_ipv6: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for i in 0..CALLS_PER_TASK {
        if i % 2 == 1
            && let Some(subnet_id) = without_ipv6.last().cloned()
        {
            let net = if next(&mut rng).is_multiple_of(4) {
                sub_block(&block.to_string(), 60, (next(&mut rng) % 8) as usize)
            } else {
                sub_block(&block.to_string(), 64, (next(&mut rng) % 128) as usize)
            };
            let r = ec2
                .associate_subnet_cidr_block()
                .subnet_id(&subnet_id)
                .ipv6_cidr_block(&net)
                .send()
                .await;
            out.push(match r {
                Ok(_) => {
                    without_ipv6.pop();
                    Outcome::Ipv6(subnet_id, net.parse().unwrap())
                }
                Err(e) => Outcome::Refused(code(Err::<(), _>(e))),
            });
            continue;
        }
        let base: Ipv4Net = "10.0.0.0/17".parse().unwrap();
        let net = if next(&mut rng).is_multiple_of(3) {
            base.subnets(23)
                .unwrap()
                .nth((next(&mut rng) % 64) as usize)
        } else {
            base.subnets(24)
                .unwrap()
                .nth((next(&mut rng) % 128) as usize)
        }
        .unwrap();
        let r = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(net.to_string())
            .availability_zone("us-east-1a")
            .send()
            .await;
        out.push(match r {
            Ok(o) => {
                let id = o.subnet.and_then(|s| s.subnet_id).unwrap();
                without_ipv6.push(id.clone());
                Outcome::Subnet(id, net)
            }
            Err(e) => Outcome::Refused(code(Err::<(), _>(e))),
        });
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_never_share_a_block_or_lose_an_update() {
    let h = start().await;
    let vpc_id = vpc(&h, "10.0.0.0/16", true).await;
    let block: Ipv6Net = vpc_ipv6_block(&h, &vpc_id).await.parse().unwrap();
    let journal_before = h.fake.journal().len();
    let started = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let url = h.server.url();
            let vpc_id = vpc_id.clone();
            tokio::spawn(client_calls(url, vpc_id, block, t))
        })
        .collect();
    let all = tokio::time::timeout(Duration::from_secs(60), async {
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.unwrap());
        }
        all
    })
    .await
    .expect("no deadlock: every client finishes");
    let elapsed = started.elapsed();
    assert_eq!(all.len() as u64, TASKS * CALLS_PER_TASK);

    let mut v4: BTreeMap<String, Ipv4Net> = BTreeMap::new();
    let mut v6: BTreeMap<String, Ipv6Net> = BTreeMap::new();
    let mut refused = 0;
    for o in &all {
        match o {
            Outcome::Subnet(id, net) => assert!(v4.insert(id.clone(), *net).is_none()),
            Outcome::Ipv6(id, net) => assert!(v6.insert(id.clone(), *net).is_none()),
            Outcome::Refused(code) => {
                assert_eq!(code, "InvalidSubnet.Conflict");
                refused += 1;
            }
        }
    }
    let v4_nets: Vec<&Ipv4Net> = v4.values().collect();
    for (i, a) in v4_nets.iter().enumerate() {
        for b in &v4_nets[i + 1..] {
            assert!(
                !a.contains(&b.network()) && !b.contains(&a.network()),
                "{a} and {b} overlap"
            );
        }
    }
    let v6_nets: Vec<&Ipv6Net> = v6.values().collect();
    for (i, a) in v6_nets.iter().enumerate() {
        for b in &v6_nets[i + 1..] {
            assert!(
                !a.contains(&b.network()) && !b.contains(&a.network()),
                "{a} and {b} overlap"
            );
        }
    }
    assert!(
        refused > 0 && !v4.is_empty() && !v6.is_empty(),
        "the blocks must collide"
    );

    assert_eq!(
        h.fake.journal().len() - journal_before,
        (TASKS * CALLS_PER_TASK) as usize,
        "every call is in the journal"
    );
    // The state holds exactly the successes: nothing lost, nothing extra.
    let subnets = h
        .ec2
        .describe_subnets()
        .filters(crate::gateways::filter("vpc-id", &vpc_id))
        .send()
        .await
        .unwrap();
    let seen_v4: BTreeMap<String, Ipv4Net> = subnets
        .subnets()
        .iter()
        .map(|s| {
            (
                s.subnet_id().unwrap().to_owned(),
                s.cidr_block().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(seen_v4, v4);
    let seen_v6: BTreeMap<String, Ipv6Net> = subnets
        .subnets()
        .iter()
        .flat_map(|s| {
            s.ipv6_cidr_block_association_set().iter().map(move |a| {
                (
                    s.subnet_id().unwrap().to_owned(),
                    a.ipv6_cidr_block().unwrap().parse().unwrap(),
                )
            })
        })
        .collect();
    assert_eq!(seen_v6, v6);
    eprintln!(
        "concurrency: {TASKS} clients x {CALLS_PER_TASK} calls in {elapsed:?}: {} subnets, {} IPv6 blocks, {refused} conflicts",
        v4.len(),
        v6.len()
    );
}
