//! Over loopback: HTTP/1.1 keep-alive connections to `Fake::start()` on
//! 127.0.0.1, axum and hyper included, with hyper's client in the same
//! process and tokio runtime as the server (they share the cores).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use fake_ec2::Fake;
use http::Method;
use tokio::sync::Barrier;

use crate::client::{Call, Client};
use crate::{AUTH, Figure, ROUND, create_subnet_body, create_vpc, world_with_vpcs};

/// One keep-alive HTTP/1.1 connection to the fake.
struct Conn(Client);

impl Conn {
    async fn open(url: &str) -> Self {
        let mut client = Client::new(url, false);
        // Connect now, outside the timed loops (as the old bench did).
        client.connect_now().await;
        Self(client)
    }

    /// Sends one form body; returns the HTTP status after reading the whole answer.
    async fn send(&mut self, body: &str) -> u16 {
        let call = Call {
            method: Method::POST,
            path: "/",
            headers: &[
                ("authorization", AUTH),
                ("content-type", "application/x-www-form-urlencoded"),
            ],
            body: Bytes::copy_from_slice(body.as_bytes()),
        };
        self.0.send(&call).await.0
    }
}

async fn describe_vpcs_over_socket(budget: Duration, n_vpcs: usize, conns: u64) -> Figure {
    let fake = world_with_vpcs(n_vpcs);
    let server = fake.start().await.expect("bind");
    let addr = server.url();
    let body = "Action=DescribeVpcs&Version=2016-11-15";
    // Calibrate: how many requests fit the budget on this machine.
    let mut c = Conn::open(&addr).await;
    let t = Instant::now();
    for _ in 0..50 {
        assert_eq!(c.send(body).await, 200);
    }
    let per = t.elapsed() / 50;
    let each = (budget.as_nanos() / per.as_nanos().max(1)).max(50) as u64 / conns;
    fake.clear_journal();
    let start = Instant::now();
    let tasks: Vec<_> = (0..conns)
        .map(|_| {
            let addr = addr.clone();
            tokio::spawn(async move {
                let mut c = Conn::open(&addr).await;
                for _ in 0..each {
                    assert_eq!(c.send(body).await, 200);
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.expect("connection task");
    }
    let elapsed = start.elapsed();
    server.shutdown().await;
    Figure {
        name: format!("loopback DescribeVpcs, {n_vpcs} VPCs, {conns} connection(s)"),
        requests: each * conns,
        elapsed,
    }
}

/// CreateSubnet over `conns` connections in rounds of `ROUND` subnets, one VPC
/// per connection. Only the rounds are timed; the reset between them is not.
async fn create_subnet_over_socket(budget: Duration, conns: u64) -> Figure {
    let fake = Fake::new();
    let server = fake.start().await.expect("bind");
    let addr = server.url();
    let per_conn = ROUND / conns;
    let stop = Arc::new(AtomicBool::new(false));
    // Everyone meets twice per round: at its start and at its end.
    let barrier = Arc::new(Barrier::new(conns as usize + 1));
    let tasks: Vec<_> = (0..conns)
        .map(|k| {
            let (addr, stop, barrier) = (addr.clone(), stop.clone(), barrier.clone());
            tokio::spawn(async move {
                let mut c = Conn::open(&addr).await;
                // After a reset, VPC ids count up from 1 again.
                let vpc = format!("vpc-{:017x}", k + 1);
                loop {
                    barrier.wait().await;
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    for slot in 0..per_conn {
                        assert_eq!(c.send(&create_subnet_body(&vpc, slot)).await, 200);
                    }
                    barrier.wait().await;
                }
            })
        })
        .collect();
    let mut elapsed = Duration::ZERO;
    let mut requests = 0;
    while requests == 0 || elapsed < budget {
        fake.reset();
        for k in 0..conns {
            let id = create_vpc(&fake, "10.0.0.0/16", false);
            assert_eq!(id, format!("vpc-{:017x}", k + 1));
        }
        let start = Instant::now();
        barrier.wait().await;
        barrier.wait().await;
        elapsed += start.elapsed();
        requests += per_conn * conns;
    }
    stop.store(true, Ordering::SeqCst);
    barrier.wait().await;
    for t in tasks {
        t.await.expect("connection task");
    }
    server.shutdown().await;
    Figure {
        name: format!("loopback CreateSubnet (/28s, < {ROUND} subnets), {conns} connection(s)"),
        requests,
        elapsed,
    }
}

pub(crate) async fn over_socket(budget: Duration) -> Vec<Figure> {
    let mut out = Vec::new();
    for (n_vpcs, conns) in [(10, 1), (10, 8), (1000, 8)] {
        out.push(describe_vpcs_over_socket(budget, n_vpcs, conns).await);
    }
    for conns in [1, 8] {
        out.push(create_subnet_over_socket(budget, conns).await);
    }
    out
}
