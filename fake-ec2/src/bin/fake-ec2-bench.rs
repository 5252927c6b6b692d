//! What one request costs the fake. Measured, never asserted:
//! `cargo run --release -p fake-ec2 --bin fake-ec2-bench`.
//!
//! Two views: in-process (`Fake::handle`: parse, dispatch, XML, journal;
//! the server's CPU per request, one thread) and over loopback HTTP/1.1
//! keep-alive connections (what a client sees, axum and hyper included).

use std::time::{Duration, Instant};

use fake_ec2::{Fake, RawRequest};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00";

fn call(fake: &Fake, body: &str) -> fake_ec2::RawResponse {
    fake.handle(&RawRequest {
        authorization: Some(AUTH),
        query: None,
        body: body.as_bytes(),
    })
}

fn text_between<'a>(s: &'a str, open: &str, close: &str) -> &'a str {
    let start = s.find(open).expect("element present") + open.len();
    let end = s[start..].find(close).expect("element closed") + start;
    &s[start..end]
}

fn world_with_vpcs(n: usize) -> (Fake, String) {
    let fake = Fake::new();
    let mut first = String::new();
    for i in 0..n {
        let r = call(
            &fake,
            &format!(
                "Action=CreateVpc&CidrBlock=10.{}.{}.0%2F24&AmazonProvidedIpv6CidrBlock=true",
                i / 256,
                i % 256
            ),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        if i == 0 {
            first = text_between(&r.body, "<vpcId>", "</vpcId>").to_owned();
        }
    }
    fake.clear_journal();
    (fake, first)
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
            "{:<58} {:>9.1} us/request {:>10.0} requests/s  (n={})",
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
        let (fake, _) = world_with_vpcs(n);
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
    // CreateSubnet: /28 subnets into a /16 (4096 fit), IPv4 only, a fresh VPC when full.
    let fake = Fake::new();
    let mut vpc = String::new();
    out.push(measure("in-process CreateSubnet (/28 into a /16 VPC)", budget, 100, |i| {
        let slot = i % 4096;
        if slot == 0 {
            let r = call(&fake, "Action=CreateVpc&CidrBlock=10.0.0.0%2F16");
            vpc = text_between(&r.body, "<vpcId>", "</vpcId>").to_owned();
            fake.clear_journal();
        }
        let body = format!(
            "Action=CreateSubnet&VpcId={vpc}&AvailabilityZone=us-east-1a&CidrBlock=10.0.{}.{}%2F28",
            slot / 16,
            (slot % 16) * 16
        );
        let r = call(&fake, &body);
        assert_eq!(r.status, 200, "{}", r.body);
        trim_journal(&fake);
    }));
    let (fake, vpc) = world_with_vpcs(10);
    for i in 0..50 {
        call(
            &fake,
            &format!(
                "Action=CreateSubnet&VpcId={vpc}&CidrBlock=10.0.0.{}%2F28",
                i * 16 % 256
            ),
        );
    }
    out.push(measure(
        "in-process DescribeSubnets filtered by vpc-id",
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

/// One keep-alive connection sending `body` `n` times, sequentially.
async fn connection(addr: String, body: String, n: u64) {
    let stream = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nAuthorization: {AUTH}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut line = String::new();
    let mut buf = Vec::new();
    for _ in 0..n {
        write.write_all(request.as_bytes()).await.expect("write");
        let mut length = 0usize;
        loop {
            line.clear();
            read.read_line(&mut line).await.expect("read header");
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().expect("length");
            }
        }
        buf.resize(length, 0);
        read.read_exact(&mut buf).await.expect("read body");
    }
}

async fn over_socket(budget: Duration) -> Vec<Figure> {
    let mut out = Vec::new();
    for (n_vpcs, conns) in [(10, 1), (10, 8), (1000, 8)] {
        let (fake, _) = world_with_vpcs(n_vpcs);
        let server = fake.start().await.expect("bind");
        let addr = server.url().trim_start_matches("http://").to_owned();
        // Calibrate: how many requests fit the budget on this machine.
        let t = Instant::now();
        connection(addr.clone(), "Action=DescribeVpcs".into(), 50).await;
        let per = t.elapsed() / 50;
        let each = (budget.as_nanos() / per.as_nanos().max(1)).max(50) as u64 / conns;
        let start = Instant::now();
        let tasks: Vec<_> = (0..conns)
            .map(|_| tokio::spawn(connection(addr.clone(), "Action=DescribeVpcs".into(), each)))
            .collect();
        for t in tasks {
            t.await.expect("connection task");
        }
        out.push(Figure {
            name: format!("loopback DescribeVpcs, {n_vpcs} VPCs, {conns} connection(s)"),
            requests: each * conns,
            elapsed: start.elapsed(),
        });
        fake.clear_journal();
        server.shutdown().await;
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
