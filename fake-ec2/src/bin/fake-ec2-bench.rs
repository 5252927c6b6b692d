//! What one request costs the fake. Measured, never asserted:
//! `cargo run --release -p fake-ec2 --bin fake-ec2-bench`.
//!
//! Three modes:
//!
//! - default: in-process (`Fake::handle`: parse, dispatch, XML, journal;
//!   the server's CPU per request, one thread) and over loopback HTTP/1.1
//!   keep-alive connections (what a client sees, axum and hyper included;
//!   the client here is a bare HTTP writer, so no SDK signing or parsing).
//! - `--url URL [--server-pid PID]`: the same kinds of calls over HTTP to a
//!   server started separately (the `fake-ec2` binary, or moto's
//!   `moto_server`), with SigV4-scoped `Authorization` headers both accept.
//!   With the server's pid it reads the server's CPU time (utime + stime from
//!   `/proc/PID/stat`) before and after each mix, so it reports server CPU
//!   per request beside requests per second. `scripts/bench-vs-moto.sh`
//!   runs it against both.
//! - `--scale`: one region grown in-process to 10,000 dualstack VPCs with 10
//!   subnets each; at 1k, 10k and 100k subnets it measures CreateSubnet,
//!   DescribeSubnets by `vpc-id`, DescribeVpcs by id and a refused
//!   (conflicting) CreateSubnet, and the resident memory per resource.
//!
//! CreateSubnet runs in rounds of [`ROUND`] subnets: between rounds (not
//! timed) the fake is reset and the VPCs made again (in `--scale`: the
//! round's subnets are deleted), so a figure is taken at a known world size,
//! whatever the machine's speed. Every answer's status is checked: a refused
//! request would measure the wrong thing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv6Addr, TcpStream as StdTcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use fake_ec2::{Fake, RawRequest};
use ipnet::Ipv6Net;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader as TokioBufReader};
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
    read: TokioBufReader<OwnedReadHalf>,
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
            read: TokioBufReader::new(read),
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

// ---------------------------------------------------------------------------
// --url: the call mixes over HTTP to a server started separately.
// ---------------------------------------------------------------------------

/// A SigV4 placeholder signature: both the fake and moto read the credential
/// scope (service, region) and never check the signature.
const SIGNATURE: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Today as (`YYYYMMDD`, `YYYYMMDDTHHMMSSZ`), for the credential scope and `X-Amz-Date`.
fn amz_dates() -> (String, String) {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let t = secs % 86_400;
    let date = format!("{y:04}{m:02}{d:02}");
    let stamp = format!("{date}T{:02}{:02}{:02}Z", t / 3600, t / 60 % 60, t % 60);
    (date, stamp)
}

/// `+`-free form encoding for the values the bench sends (CIDRs, ids).
fn enc(v: &str) -> String {
    v.replace('/', "%2F").replace(':', "%3A")
}

/// One blocking HTTP/1.1 client. It keeps the connection open while the
/// server allows it (hyper does; werkzeug, under moto, answers
/// `Connection: close` to every request) and opens a new one otherwise.
struct Http {
    addr: String,
    /// Send `Connection: close`: a new TCP connection for every request.
    close: bool,
    conn: Option<BufReader<StdTcpStream>>,
    connects: u64,
    date: String,
    stamp: String,
    line: String,
    body: Vec<u8>,
}

impl Http {
    fn new(url: &str, close: bool) -> Self {
        let addr = url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("--url must start with http:// (got {url})"))
            .trim_end_matches('/')
            .to_owned();
        let (date, stamp) = amz_dates();
        Self {
            addr,
            close,
            conn: None,
            connects: 0,
            date,
            stamp,
            line: String::new(),
            body: Vec::new(),
        }
    }

    fn connect(&mut self) -> std::io::Result<()> {
        let s = StdTcpStream::connect(&self.addr)?;
        s.set_nodelay(true)?;
        self.conn = Some(BufReader::with_capacity(64 * 1024, s));
        self.connects += 1;
        Ok(())
    }

    /// Sends an EC2 Query request for `region`; returns the status. The answer's body is in `self.body`.
    fn post(&mut self, region: &str, form: &str) -> u16 {
        let body = format!("{form}&Version=2016-11-15");
        let request = format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: fake-ec2-bench\r\nX-Amz-Date: {stamp}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=AKIDBENCH/{date}/{region}/ec2/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature={SIGNATURE}\r\n\
             Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\nContent-Length: {len}\r\n{close}\r\n{body}",
            host = self.addr,
            stamp = self.stamp,
            date = self.date,
            len = body.len(),
            close = if self.close {
                "Connection: close\r\n"
            } else {
                ""
            },
        );
        self.send(&request)
    }

    /// A bare GET, for the cost of the HTTP path alone (`--floor-path`).
    fn get(&mut self, path: &str) -> u16 {
        let request = format!(
            "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: fake-ec2-bench\r\n{}\r\n",
            self.addr,
            if self.close {
                "Connection: close\r\n"
            } else {
                ""
            },
        );
        self.send(&request)
    }

    fn send(&mut self, request: &str) -> u16 {
        // A kept-alive connection the server has since closed fails before any
        // answer byte: then (and only then) send again on a new connection.
        let reused = self.conn.is_some();
        match self.exchange(request.as_bytes()) {
            Ok(status) => status,
            Err(e) if reused => {
                self.conn = None;
                self.exchange(request.as_bytes())
                    .unwrap_or_else(|e2| panic!("{}: {e} then {e2}", self.addr))
            }
            Err(e) => panic!("{}: {e}", self.addr),
        }
    }

    fn exchange(&mut self, request: &[u8]) -> std::io::Result<u16> {
        if self.conn.is_none() {
            self.connect()?;
        }
        let conn = self.conn.as_mut().expect("connected above");
        conn.get_mut().write_all(request)?;
        self.line.clear();
        if conn.read_line(&mut self.line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed before the status line",
            ));
        }
        let mut parts = self.line.split(' ');
        let version = parts.next().unwrap_or_default().to_owned();
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("not an HTTP status line: {:?}", self.line));
        let mut length = None;
        let mut chunked = false;
        let mut close = version == "HTTP/1.0";
        loop {
            self.line.clear();
            conn.read_line(&mut self.line)?;
            if self.line == "\r\n" || self.line.is_empty() {
                break;
            }
            let lower = self.line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse::<usize>().ok();
            } else if let Some(v) = lower.strip_prefix("transfer-encoding:") {
                chunked = v.contains("chunked");
            } else if let Some(v) = lower.strip_prefix("connection:") {
                close = v.trim() == "close";
            }
        }
        self.body.clear();
        if chunked {
            loop {
                self.line.clear();
                conn.read_line(&mut self.line)?;
                let size = usize::from_str_radix(
                    self.line.trim().split(';').next().unwrap_or_default(),
                    16,
                )
                .expect("chunk size");
                let start = self.body.len();
                self.body.resize(start + size + 2, 0);
                conn.read_exact(&mut self.body[start..])?;
                self.body.truncate(start + size);
                if size == 0 {
                    break;
                }
            }
        } else if let Some(n) = length {
            self.body.resize(n, 0);
            conn.read_exact(&mut self.body)?;
        } else {
            conn.read_to_end(&mut self.body)?;
            close = true;
        }
        if close || self.close {
            self.conn = None;
        }
        Ok(status)
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap_or("<not UTF-8>")
    }

    /// Sends and insists on `expect`: a refused request must not pass for a fast one.
    fn call(&mut self, region: &str, form: &str, expect: u16) {
        let status = self.post(region, form);
        if status != expect {
            panic!(
                "{}: {form} answered {status}, expected {expect}: {}",
                self.addr,
                self.text()
            );
        }
    }

    /// CreateVpc with an Amazon-provided IPv6 block; returns the VPC id and its /56.
    fn create_vpc(&mut self, region: &str, cidr: &str) -> (String, Ipv6Net) {
        self.call(
            region,
            &format!(
                "Action=CreateVpc&CidrBlock={}&AmazonProvidedIpv6CidrBlock=true",
                enc(cidr)
            ),
            200,
        );
        let text = self.text();
        let id = text_between(text, "<vpcId>", "</vpcId>").to_owned();
        let block: Ipv6Net = text_between(text, "<ipv6CidrBlock>", "</ipv6CidrBlock>")
            .parse()
            .expect("an IPv6 block in the CreateVpc answer");
        (id, block)
    }

    fn count(&self, element: &str) -> usize {
        self.text().matches(element).count()
    }
}

/// The `k`th /64 of a VPC's IPv6 block.
fn nth_64(block: Ipv6Net, k: u64) -> Ipv6Net {
    let base = u128::from(block.network()) + (u128::from(k) << 64);
    Ipv6Net::new(Ipv6Addr::from(base), 64).expect("64 is a valid prefix")
}

/// Clock ticks per second for `/proc/PID/stat` (`getconf CLK_TCK`, usually 100).
fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// (utime, stime) of a process, in clock ticks, every thread included.
fn cpu_ticks(pid: &str) -> (u64, u64) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/stat: {e}"));
    // The command name (field 2) may hold spaces and parentheses: split after its last ')'.
    let rest = &stat[stat.rfind(')').expect("comm field") + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // rest starts at field 3 (state): utime is field 14, stime field 15.
    (
        fields[11].parse().expect("utime"),
        fields[12].parse().expect("stime"),
    )
}

/// Resident memory of a process, in KiB (`VmRSS`).
fn rss_kib(pid: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

struct UrlFigure {
    mix: &'static str,
    requests: u64,
    elapsed: Duration,
    /// Server (utime, stime) ticks spent during the mix.
    server_ticks: Option<(u64, u64)>,
    client_ticks: u64,
    connects: u64,
    server_rss_kib: Option<u64>,
}

struct UrlBench {
    http: Http,
    pid: Option<String>,
    tck: f64,
    budget: Duration,
    label: String,
    figures: Vec<UrlFigure>,
}

impl UrlBench {
    /// Runs `step` (which sends some requests and returns how many) for about
    /// the budget, at least `min` times, reading the server's CPU around it.
    fn measure(&mut self, mix: &'static str, min: u64, step: impl FnMut(&mut Http, u64) -> u64) {
        self.measure_between(mix, min, u64::MAX, step);
    }

    /// The same, at most `max` times.
    fn measure_between(
        &mut self,
        mix: &'static str,
        min: u64,
        max: u64,
        mut step: impl FnMut(&mut Http, u64) -> u64,
    ) {
        let connects = self.http.connects;
        let server0 = self.pid.as_deref().map(cpu_ticks);
        let client0 = cpu_ticks("self");
        let start = Instant::now();
        let (mut i, mut requests) = (0, 0);
        while i < max && (i < min || start.elapsed() < self.budget) {
            requests += step(&mut self.http, i);
            i += 1;
        }
        let elapsed = start.elapsed();
        let client1 = cpu_ticks("self");
        let client_ticks = client1.0 + client1.1 - client0.0 - client0.1;
        let server_ticks = self
            .pid
            .as_deref()
            .map(cpu_ticks)
            .zip(server0)
            .map(|(after, before)| (after.0 - before.0, after.1 - before.1));
        let f = UrlFigure {
            mix,
            requests,
            elapsed,
            server_ticks,
            client_ticks,
            connects: self.http.connects - connects,
            server_rss_kib: self.pid.as_deref().map(rss_kib),
        };
        self.print(&f);
        self.figures.push(f);
    }

    fn print(&self, f: &UrlFigure) {
        let n = f.requests as f64;
        let secs = f.elapsed.as_secs_f64();
        let server = f.server_ticks.map_or_else(
            || "server CPU: no --server-pid".to_owned(),
            |(user, sys)| {
                format!(
                    "server CPU {:>9.1} us/request ({user}+{sys} ticks user+sys)",
                    (user + sys) as f64 / self.tck * 1e6 / n
                )
            },
        );
        println!(
            "{:<8} {:<44} {:>9.0} requests/s  {server}  client CPU {:>7.1} us/request  (n={}, {} connection(s), {:.1} s, server RSS {} MiB)",
            self.label,
            f.mix,
            n / secs,
            f.client_ticks as f64 / self.tck * 1e6 / n,
            f.requests,
            f.connects,
            secs,
            f.server_rss_kib
                .map_or("?".to_owned(), |k| format!("{:.0}", k as f64 / 1024.0)),
        );
    }

    fn tsv(&self) -> String {
        let mut out = String::from(
            "label\tmix\trequests\twall_s\trequests_per_s\tserver_cpu_s\tserver_user_ticks\tserver_sys_ticks\tserver_cpu_us_per_request\tclient_cpu_us_per_request\tconnections\tserver_rss_kib\n",
        );
        for f in &self.figures {
            let n = f.requests as f64;
            let secs = f.elapsed.as_secs_f64();
            let (cpu_s, user, sys, per) = match f.server_ticks {
                Some((user, sys)) => (
                    format!("{:.3}", (user + sys) as f64 / self.tck),
                    user.to_string(),
                    sys.to_string(),
                    format!("{:.2}", (user + sys) as f64 / self.tck * 1e6 / n),
                ),
                None => (String::new(), String::new(), String::new(), String::new()),
            };
            out += &format!(
                "{}\t{}\t{}\t{:.3}\t{:.1}\t{cpu_s}\t{user}\t{sys}\t{per}\t{:.2}\t{}\t{}\n",
                self.label,
                f.mix,
                f.requests,
                secs,
                n / secs,
                f.client_ticks as f64 / self.tck * 1e6 / n,
                f.connects,
                f.server_rss_kib.map_or(String::new(), |k| k.to_string()),
            );
        }
        out
    }
}

/// The `--floor-path` mix, by name.
const FLOOR_MIX: &str = "GET --floor-path (HTTP only, no EC2 work)";

/// The pairs mix, by name (the name says per request: each pair is two).
const PAIRS_MIX: &str = "CreateVpc+CreateSubnet pairs (per request)";

/// Grows `region` to `n` VPCs as DescribeVpcs answers them (moto starts every
/// region with a default VPC; the fake with none). The ones made here are
/// dualstack /24s, the first 10.0.0.0/24, the next 10.0.1.0/24, ...
fn grow_vpcs_to(http: &mut Http, region: &str, n: usize) -> Vec<(String, Ipv6Net)> {
    http.call(region, "Action=DescribeVpcs", 200);
    let have = http.count("<vpcId>");
    assert!(
        have <= n,
        "{region} already holds {have} VPCs (more than {n}): start the server afresh"
    );
    let made: Vec<_> = (0..n - have)
        .map(|i| http.create_vpc(region, &format!("10.{}.{}.0/24", i / 256, i % 256)))
        .collect();
    http.call(region, "Action=DescribeVpcs", 200);
    assert_eq!(http.count("<vpcId>"), n, "{region}: VPCs after setup");
    made
}

fn url_mode(args: &Args, url: &str) {
    let budget = Duration::from_millis(args.millis);
    let mut b = UrlBench {
        http: Http::new(url, args.close),
        pid: args.server_pid.map(|p| p.to_string()),
        tck: clock_ticks() as f64,
        budget,
        label: args.label.clone(),
        figures: Vec::new(),
    };
    println!(
        "{} at {url}{}: {} ms per mix{}, 1 client, sequential requests",
        b.label,
        args.server_pid
            .map_or(String::new(), |p| format!(" (pid {p})")),
        args.millis,
        if args.close {
            ", Connection: close on every request"
        } else {
            ""
        },
    );

    // The HTTP path alone: a GET that does no EC2 work (the fake's
    // /_fake/health), measured first, on an empty server.
    if let Some(path) = &args.floor_path {
        b.measure(FLOOR_MIX, 20, |h, _| {
            let status = h.get(path);
            assert_eq!(status, 200, "GET {path}: {}", h.text());
            1
        });
    }

    // DescribeVpcs with 10, then 1,000, dualstack VPCs in us-east-1.
    let r = "us-east-1";
    grow_vpcs_to(&mut b.http, r, 10);
    b.measure("DescribeVpcs, 10 VPCs", 20, |h, _| {
        h.call(r, "Action=DescribeVpcs", 200);
        1
    });
    // The setup from 10 to 1,000 VPCs is itself a figure: CreateVpc, dualstack.
    b.measure_between(
        "CreateVpc, dualstack (10 -> 1000 VPCs)",
        990,
        990,
        |h, i| {
            let n = i + 10;
            h.create_vpc(r, &format!("10.{}.{}.0/24", n / 256, n % 256));
            1
        },
    );
    b.http.call(r, "Action=DescribeVpcs", 200);
    assert_eq!(b.http.count("<vpcId>"), 1000, "{r}: VPCs after setup");
    b.measure("DescribeVpcs, 1000 VPCs", 10, |h, _| {
        h.call(r, "Action=DescribeVpcs", 200);
        1
    });

    // DescribeSubnets by vpc-id: 16 dualstack /28 subnets in the first of 10 VPCs.
    let r = "eu-west-1";
    let vpcs = grow_vpcs_to(&mut b.http, r, 10);
    let (vpc, block) = vpcs.first().cloned().expect("a VPC made in eu-west-1");
    for k in 0..16u64 {
        b.http.call(
            r,
            &format!(
                "Action=CreateSubnet&VpcId={vpc}&AvailabilityZone=eu-west-1a&CidrBlock=10.0.0.{}%2F28&Ipv6CidrBlock={}",
                k * 16,
                enc(&nth_64(block, k).to_string())
            ),
            200,
        );
    }
    let filter = format!("Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1={vpc}");
    b.http.call(r, &filter, 200);
    assert_eq!(b.http.count("<subnetId>"), 16, "DescribeSubnets by vpc-id");
    b.measure("DescribeSubnets by vpc-id (16 subnets)", 20, |h, _| {
        h.call(r, &filter, 200);
        1
    });

    // CreateVpc + CreateSubnet pairs in us-west-2: a dualstack /16 and a
    // dualstack /24 in it, the /64 taken from the VPC's Amazon /56. A fixed
    // number of pairs, not a time budget: each pair grows the region, and
    // the fake's CreateSubnet scans the region's subnets, so both servers
    // must end with the same world.
    let r = "us-west-2";
    let pairs = args.pairs;
    b.measure_between(PAIRS_MIX, pairs, pairs, |h, _| {
        let (vpc, block) = h.create_vpc(r, "10.0.0.0/16");
        h.call(
            r,
            &format!(
                "Action=CreateSubnet&VpcId={vpc}&AvailabilityZone=us-west-2a&CidrBlock=10.0.0.0%2F24&Ipv6CidrBlock={}",
                enc(&nth_64(block, 0).to_string())
            ),
            200,
        );
        2
    });

    if let Some(path) = &args.tsv {
        std::fs::write(path, b.tsv()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}

// ---------------------------------------------------------------------------
// --scale: one region grown in-process.
// ---------------------------------------------------------------------------

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

fn scale_mode(args: &Args) {
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

#[derive(Debug, Parser)]
#[command(
    name = "fake-ec2-bench",
    about = "What a request costs fake-ec2: in-process and over loopback (default), against any endpoint (--url), at scale (--scale)"
)]
struct Args {
    /// Send the call mixes over HTTP to this endpoint (the fake-ec2 binary or
    /// moto_server, started separately), e.g. http://127.0.0.1:4566. Start
    /// the server afresh: the mixes count on the VPCs they make.
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// With --url: the server's process id, to read its CPU time
    /// (utime + stime in /proc/PID/stat) before and after each mix.
    #[arg(long, value_name = "PID", requires = "url")]
    server_pid: Option<u32>,
    /// With --url: send `Connection: close` (a new connection per request).
    #[arg(long, requires = "url")]
    close: bool,
    /// With --url: the name printed beside the figures.
    #[arg(long, default_value = "server", requires = "url")]
    label: String,
    /// With --url: how many CreateVpc + CreateSubnet pairs to send.
    #[arg(long, default_value_t = 2000, requires = "url")]
    pairs: u64,
    /// With --url: first measure GETs of this path, the HTTP path's own
    /// cost (for the fake: /_fake/health; moto has no such cheap path).
    #[arg(long, value_name = "PATH", requires = "url")]
    floor_path: Option<String>,
    /// With --url: also write the figures here, tab-separated.
    #[arg(long, value_name = "FILE", requires = "url")]
    tsv: Option<PathBuf>,
    /// Grow one region in-process to --scale-vpcs dualstack VPCs with 10
    /// dualstack subnets each, measuring at 1k, 10k and 100k subnets.
    #[arg(long, conflicts_with = "url")]
    scale: bool,
    /// With --scale: how many VPCs to grow to.
    #[arg(long, default_value_t = 10_000, requires = "scale")]
    scale_vpcs: usize,
    /// Time per figure (or per mix), in milliseconds.
    #[arg(long, env = "BENCH_MILLIS", default_value_t = 1500)]
    millis: u64,
}

fn main() {
    let args = Args::parse();
    if let Some(url) = &args.url {
        url_mode(&args, url);
        return;
    }
    if args.scale {
        scale_mode(&args);
        return;
    }
    let budget = Duration::from_millis(args.millis);
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
