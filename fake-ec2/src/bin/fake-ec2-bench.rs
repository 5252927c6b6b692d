//! What one request costs the fake. Measured, never asserted:
//! `cargo run --release -p fake-ec2 --bin fake-ec2-bench`.
//!
//! Two views: in-process (`Fake::handle`: parse, dispatch, XML, journal;
//! the server's CPU per request, one thread) and over loopback HTTP/1.1
//! keep-alive connections (what a client sees, axum and hyper included;
//! the client here is a bare HTTP writer, so no SDK signing or parsing).
//!
//! CreateSubnet runs in rounds of [`ROUND`] subnets: between rounds (not
//! timed) the fake is reset and the VPCs made again, so every figure is
//! taken in a region holding fewer than [`ROUND`] subnets, whatever the
//! machine's speed. Every answer's status is checked: a refused request
//! would measure the wrong thing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fake_ec2::{Fake, RawRequest};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::Barrier;

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00";

/// Subnets created between two resets of the fake.
const ROUND: u64 = 256;

fn call(fake: &Fake, body: &str) -> fake_ec2::RawResponse {
    fake.handle(&RawRequest {
        authorization: Some(AUTH),
        query: None,
        body: body.as_bytes(),
        ..RawRequest::default()
    })
}

fn text_between<'a>(s: &'a str, open: &str, close: &str) -> &'a str {
    let start = s.find(open).expect("element present") + open.len();
    let end = s[start..].find(close).expect("element closed") + start;
    &s[start..end]
}

fn create_vpc(fake: &Fake, cidr: &str, ipv6: bool) -> String {
    let body = format!(
        "Action=CreateVpc&CidrBlock={}{}",
        cidr.replace('/', "%2F"),
        if ipv6 {
            "&AmazonProvidedIpv6CidrBlock=true"
        } else {
            ""
        }
    );
    let r = call(fake, &body);
    assert_eq!(r.status, 200, "{}", r.body);
    text_between(&r.body, "<vpcId>", "</vpcId>").to_owned()
}

fn world_with_vpcs(n: usize) -> Fake {
    let fake = Fake::new();
    for i in 0..n {
        create_vpc(&fake, &format!("10.{}.{}.0/24", i / 256, i % 256), true);
    }
    fake.clear_journal();
    fake
}

/// The `slot`th /28 of 10.0.0.0/20 (`ROUND` of them fit), as a CreateSubnet body.
fn create_subnet_body(vpc: &str, slot: u64) -> String {
    format!(
        "Action=CreateSubnet&VpcId={vpc}&AvailabilityZone=us-east-1a&CidrBlock=10.0.{}.{}%2F28",
        slot / 16,
        (slot % 16) * 16
    )
}

/// Keeps the journal from growing without bound during long runs.
fn trim_journal(fake: &Fake) {
    if fake.with_world(|w| w.journal().len()) > 10_000 {
        fake.clear_journal();
    }
}

struct Figure {
    name: String,
    requests: u64,
    elapsed: Duration,
}

impl Figure {
    fn print(&self) {
        let us = self.elapsed.as_secs_f64() * 1e6 / self.requests as f64;
        let rps = self.requests as f64 / self.elapsed.as_secs_f64();
        println!(
            "{:<62} {:>9.1} us/request {:>10.0} requests/s  (n={})",
            self.name, us, rps, self.requests
        );
    }
}

/// Runs `f` repeatedly for about `budget`, at least `min` times.
fn measure(name: &str, budget: Duration, min: u64, mut f: impl FnMut(u64)) -> Figure {
    let start = Instant::now();
    let mut n = 0;
    while n < min || start.elapsed() < budget {
        f(n);
        n += 1;
    }
    Figure {
        name: name.to_owned(),
        requests: n,
        elapsed: start.elapsed(),
    }
}

fn in_process(budget: Duration) -> Vec<Figure> {
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

/// One keep-alive HTTP/1.1 connection to the fake.
struct Conn {
    addr: String,
    read: BufReader<OwnedReadHalf>,
    write: OwnedWriteHalf,
    line: String,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: &str) -> Self {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (read, write) = stream.into_split();
        Self {
            addr: addr.to_owned(),
            read: BufReader::new(read),
            write,
            line: String::new(),
            buf: Vec::new(),
        }
    }

    /// Sends one form body; returns the HTTP status after reading the whole answer.
    async fn send(&mut self, body: &str) -> u16 {
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {}\r\nAuthorization: {AUTH}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        self.write
            .write_all(request.as_bytes())
            .await
            .expect("write");
        self.line.clear();
        self.read
            .read_line(&mut self.line)
            .await
            .expect("status line");
        let status: u16 = self
            .line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("HTTP status");
        let mut length = 0usize;
        loop {
            self.line.clear();
            self.read
                .read_line(&mut self.line)
                .await
                .expect("read header");
            if self.line == "\r\n" {
                break;
            }
            if let Some(v) = self
                .line
                .to_ascii_lowercase()
                .strip_prefix("content-length:")
            {
                length = v.trim().parse().expect("length");
            }
        }
        self.buf.resize(length, 0);
        self.read
            .read_exact(&mut self.buf)
            .await
            .expect("read body");
        status
    }
}

/// `conns` connections each sending DescribeVpcs `each` times, concurrently.
async fn describe_vpcs_over_socket(budget: Duration, n_vpcs: usize, conns: u64) -> Figure {
    let fake = world_with_vpcs(n_vpcs);
    let server = fake.start().await.expect("bind");
    let addr = server.url().trim_start_matches("http://").to_owned();
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
    let addr = server.url().trim_start_matches("http://").to_owned();
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

async fn over_socket(budget: Duration) -> Vec<Figure> {
    let mut out = Vec::new();
    for (n_vpcs, conns) in [(10, 1), (10, 8), (1000, 8)] {
        out.push(describe_vpcs_over_socket(budget, n_vpcs, conns).await);
    }
    for conns in [1, 8] {
        out.push(create_subnet_over_socket(budget, conns).await);
    }
    out
}

fn main() {
    let budget = Duration::from_millis(
        std::env::var("BENCH_MILLIS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1500),
    );
    println!(
        "fake-ec2 request cost ({} ms per figure; set BENCH_MILLIS to change)",
        budget.as_millis()
    );
    for f in in_process(budget) {
        f.print();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for f in rt.block_on(over_socket(budget)) {
        f.print();
    }
}
