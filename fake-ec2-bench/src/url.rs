//! `--url`: the call mixes over HTTP to a server started separately (the
//! `fake-ec2` binary, or moto's `moto_server`), one client, one request at
//! a time, with the server's CPU time read around every mix.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Method;
use ipnet::Ipv6Net;

use crate::client::{Call, Client};
use crate::{Args, enc, nth_64, rss_kib, text_between};

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

/// One client, sequential requests: hyper's client driven from a
/// current-thread runtime, so the mixes read like blocking code.
struct Http {
    rt: tokio::runtime::Runtime,
    client: Client,
    date: String,
    stamp: String,
    body: Bytes,
}

impl Http {
    fn new(url: &str, close: bool) -> Self {
        let (date, stamp) = amz_dates();
        Self {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            client: Client::new(url, close),
            date,
            stamp,
            body: Bytes::new(),
        }
    }

    fn connects(&self) -> u64 {
        self.client.connects
    }

    fn send(&mut self, call: &Call<'_>) -> u16 {
        let (status, body) = self.rt.block_on(self.client.send(call));
        self.body = body;
        status
    }

    /// Sends an EC2 Query request for `region`; returns the status. The answer's body is in `self.body`.
    fn post(&mut self, region: &str, form: &str) -> u16 {
        let body = format!("{form}&Version=2016-11-15");
        let authorization = format!(
            "AWS4-HMAC-SHA256 Credential=AKIDBENCH/{}/{region}/ec2/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, Signature={SIGNATURE}",
            self.date
        );
        let stamp = self.stamp.clone();
        self.send(&Call {
            method: Method::POST,
            path: "/",
            headers: &[
                ("user-agent", "fake-ec2-bench"),
                ("x-amz-date", &stamp),
                ("authorization", &authorization),
                (
                    "content-type",
                    "application/x-www-form-urlencoded; charset=utf-8",
                ),
            ],
            body: Bytes::from(body),
        })
    }

    /// A bare GET, for the cost of the HTTP path alone (`--floor-path`).
    fn get(&mut self, path: &str) -> u16 {
        self.send(&Call {
            method: Method::GET,
            path,
            headers: &[("user-agent", "fake-ec2-bench")],
            body: Bytes::new(),
        })
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
                self.client.addr(),
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
        let connects = self.http.connects();
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
            connects: self.http.connects() - connects,
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

pub(crate) fn url_mode(args: &Args, url: &str) {
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
