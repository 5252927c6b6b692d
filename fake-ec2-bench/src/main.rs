//! What one request costs the fake. Measured, never asserted:
//! `cargo run --release -p fake-ec2-bench`.
//!
//! Four modes:
//!
//! - default: in-process (`Fake::handle`: parse, dispatch, XML, journal;
//!   the server's CPU per request, one thread) and over loopback HTTP/1.1
//!   keep-alive connections (what a client sees, axum and hyper included;
//!   the client is hyper's, in the same process and runtime as the server;
//!   no SDK signing or parsing).
//! - `--url URL [--server-pid PID]`: the same kinds of calls over HTTP to a
//!   server started separately (the `fake-ec2` binary, or moto's
//!   `moto_server`), with SigV4-scoped `Authorization` headers both accept.
//!   With the server's pid it reads the server's CPU time (utime + stime from
//!   `/proc/PID/stat`) before and after each mix, so it reports server CPU
//!   per request beside requests per second. `scripts/bench-vs-moto.sh`
//!   runs it against both.
//! - `--scale`: one region grown in-process to 10,000 dualstack VPCs with 10
//!   of each indexed family each (subnets, route tables, security groups,
//!   interfaces, NAT gateways, instances, NLBs); at 1k, 10k and 100k of
//!   each it measures CreateSubnet, a refused (conflicting) CreateSubnet,
//!   each family's Describe by id and by `vpc-id` (by name for load
//!   balancers), and the resident memory per resource.
//! - `--xml`: the fake's XML writer (`protocol::xml::Node`) against
//!   quick-xml's `Writer` and escaping, on DescribeVpcs-shaped answers.
//!
//! CreateSubnet runs in rounds of [`ROUND`] subnets: between rounds (not
//! timed) the fake is reset and the VPCs made again (in `--scale`: the
//! round's subnets are deleted), so a figure is taken at a known world size,
//! whatever the machine's speed. Every answer's status is checked: a refused
//! request would measure the wrong thing.

mod client;
mod in_process;
mod loopback;
mod scale;
mod url;
mod xml;

use std::net::Ipv6Addr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;
use fake_ec2::{Fake, RawRequest};
use ipnet::Ipv6Net;

pub(crate) const AUTH: &str = "AWS4-HMAC-SHA256 Credential=AKIDBENCH/20261125/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=00";

/// Subnets created between two resets of the fake.
pub(crate) const ROUND: u64 = 256;

pub(crate) fn call(fake: &Fake, body: &str) -> fake_ec2::RawResponse {
    fake.handle(&RawRequest {
        authorization: Some(AUTH),
        query: None,
        body: body.as_bytes(),
        ..RawRequest::default()
    })
}

pub(crate) fn text_between<'a>(s: &'a str, open: &str, close: &str) -> &'a str {
    let start = s.find(open).expect("element present") + open.len();
    let end = s[start..].find(close).expect("element closed") + start;
    &s[start..end]
}

pub(crate) fn create_vpc(fake: &Fake, cidr: &str, ipv6: bool) -> String {
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

pub(crate) fn world_with_vpcs(n: usize) -> Fake {
    let fake = Fake::new();
    for i in 0..n {
        create_vpc(&fake, &format!("10.{}.{}.0/24", i / 256, i % 256), true);
    }
    fake.clear_journal();
    fake
}

/// The `slot`th /28 of 10.0.0.0/20 (`ROUND` of them fit), as a CreateSubnet body.
pub(crate) fn create_subnet_body(vpc: &str, slot: u64) -> String {
    format!(
        "Action=CreateSubnet&VpcId={vpc}&AvailabilityZone=us-east-1a&CidrBlock=10.0.{}.{}%2F28",
        slot / 16,
        (slot % 16) * 16
    )
}

/// Keeps the journal from growing without bound during long runs.
pub(crate) fn trim_journal(fake: &Fake) {
    if fake.with_world(|w| w.journal().len()) > 10_000 {
        fake.clear_journal();
    }
}

pub(crate) struct Figure {
    pub(crate) name: String,
    pub(crate) requests: u64,
    pub(crate) elapsed: Duration,
}

impl Figure {
    pub(crate) fn print(&self) {
        let us = self.elapsed.as_secs_f64() * 1e6 / self.requests as f64;
        let rps = self.requests as f64 / self.elapsed.as_secs_f64();
        println!(
            "{:<62} {:>9.1} us/request {:>10.0} requests/s  (n={})",
            self.name, us, rps, self.requests
        );
    }
}

/// Runs `f` repeatedly for about `budget`, at least `min` times.
pub(crate) fn measure(name: &str, budget: Duration, min: u64, mut f: impl FnMut(u64)) -> Figure {
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

/// `+`-free form encoding for the values the bench sends (CIDRs, ids).
pub(crate) fn enc(v: &str) -> String {
    v.replace('/', "%2F").replace(':', "%3A")
}

/// The `k`th /64 of a VPC's IPv6 block.
pub(crate) fn nth_64(block: Ipv6Net, k: u64) -> Ipv6Net {
    let base = u128::from(block.network()) + (u128::from(k) << 64);
    Ipv6Net::new(Ipv6Addr::from(base), 64).expect("64 is a valid prefix")
}

/// Resident memory of a process, in KiB (`VmRSS`).
pub(crate) fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[derive(Debug, Parser)]
#[command(
    name = "fake-ec2-bench",
    about = "What a request costs fake-ec2: in-process and over loopback (default), against any endpoint (--url), at scale (--scale); its XML writer against quick-xml's (--xml)"
)]
pub(crate) struct Args {
    /// Send the call mixes over HTTP to this endpoint (the fake-ec2 binary or
    /// moto_server, started separately), e.g. http://127.0.0.1:4566. Start
    /// the server afresh: the mixes count on the VPCs they make.
    #[arg(long, value_name = "URL")]
    pub(crate) url: Option<String>,
    /// With --url: the server's process id, to read its CPU time
    /// (utime + stime in /proc/PID/stat) before and after each mix.
    #[arg(long, value_name = "PID", requires = "url")]
    pub(crate) server_pid: Option<u32>,
    /// With --url: send `Connection: close` (a new connection per request).
    #[arg(long, requires = "url")]
    pub(crate) close: bool,
    /// With --url: the name printed beside the figures.
    #[arg(long, default_value = "server", requires = "url")]
    pub(crate) label: String,
    /// With --url: how many CreateVpc + CreateSubnet pairs to send.
    #[arg(long, default_value_t = 2000, requires = "url")]
    pub(crate) pairs: u64,
    /// With --url: first measure GETs of this path, the HTTP path's own
    /// cost (for the fake: /_fake/health; moto has no such cheap path).
    #[arg(long, value_name = "PATH", requires = "url")]
    pub(crate) floor_path: Option<String>,
    /// With --url: also write the figures here, tab-separated.
    #[arg(long, value_name = "FILE", requires = "url")]
    pub(crate) tsv: Option<PathBuf>,
    /// Grow one region in-process to --scale-vpcs dualstack VPCs with 10 of
    /// each indexed family each, measuring at 1k, 10k and 100k of each.
    #[arg(long, conflicts_with = "url")]
    pub(crate) scale: bool,
    /// The fake's XML writer against quick-xml's writer and escaping.
    #[arg(long, conflicts_with_all = ["url", "scale"])]
    pub(crate) xml: bool,
    /// With --scale: how many VPCs to grow to.
    #[arg(long, default_value_t = 10_000, requires = "scale")]
    pub(crate) scale_vpcs: usize,
    /// Time per figure (or per mix), in milliseconds.
    #[arg(long, env = "BENCH_MILLIS", default_value_t = 1500)]
    pub(crate) millis: u64,
}

fn main() {
    let args = Args::parse();
    if let Some(url) = &args.url {
        url::url_mode(&args, url);
        return;
    }
    if args.scale {
        scale::scale_mode(&args);
        return;
    }
    if args.xml {
        xml::xml_mode(&args);
        return;
    }
    let budget = Duration::from_millis(args.millis);
    println!(
        "fake-ec2 request cost ({} ms per figure; set BENCH_MILLIS to change)",
        budget.as_millis()
    );
    for f in in_process::in_process(budget) {
        f.print();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for f in rt.block_on(loopback::over_socket(budget)) {
        f.print();
    }
}
