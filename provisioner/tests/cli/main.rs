//! The `provisioner` binary as users run it: where its calls go (never to
//! AWS without `--aws`), what it refuses and with which exit code, and how
//! its output and errors read. Fakes run in this process; the binary is a
//! child process pointed at them.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_provisioner");

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A scenario file: CAPA manifests with `spec.region: us-east-1` (the
/// Scenario document in it is a kind the provisioner skips).
fn manifest() -> String {
    root()
        .join("scenarios/matrix/row-2-dualstack-lb-ipv6-targets.yaml")
        .display()
        .to_string()
}

/// The command with an environment that points nowhere: no endpoint
/// variables, no region, no credentials, no instance metadata.
/// `PROVISIONER_BIN` runs the suite against another build (an older one,
/// to see which tests its bugs fail).
fn provisioner(args: &[&str]) -> Command {
    let binary = std::env::var("PROVISIONER_BIN").unwrap_or_else(|_| BINARY.to_owned());
    let mut c = Command::new(binary);
    c.args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(Stdio::null());
    c
}

fn run(mut c: impl std::borrow::BorrowMut<Command>) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = c
        .borrow_mut()
        .output()
        .expect("the provisioner binary runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A fake on a loopback port, served by its own runtime.
struct FakeAt {
    url: String,
    fake: fake_ec2::Fake,
    _server: fake_ec2::Server,
    _rt: tokio::runtime::Runtime,
}

fn fake() -> FakeAt {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    // An account set up as CAPA's quick start asks (a key pair `default`).
    let fake = provisioner::target::embedded_fake(fake_ec2::Seed::default(), "us-east-1").unwrap();
    let server = rt.block_on(fake.start()).unwrap();
    FakeAt {
        url: server.url(),
        fake,
        _server: server,
        _rt: rt,
    }
}

impl FakeAt {
    fn services(&self) -> Vec<&'static str> {
        let mut s: Vec<_> = self
            .fake
            .journal()
            .iter()
            .map(|e| e.service.as_str())
            .collect();
        s.dedup();
        s.sort_unstable();
        s.dedup();
        s
    }
}

/// Only one of the two per-service variables, for a command that calls
/// both services: refused with exit 2, naming the missing variable, and
/// nothing is sent anywhere.
#[test]
fn a_partial_endpoint_override_is_refused() {
    let f = fake();
    for (set, missing) in [
        (
            "AWS_ENDPOINT_URL_EC2",
            "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
        ),
        (
            "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
            "AWS_ENDPOINT_URL_EC2",
        ),
    ] {
        for command in ["apply", "destroy", "scenario"] {
            let (code, _, err) = run(provisioner(&[command, &manifest()]).env(set, &f.url));
            assert_eq!(code, 2, "{command} with {set}: {err}");
            assert!(err.contains(&format!("set {missing} too")), "{err}");
            assert!(err.contains("Without --aws no call goes to AWS"), "{err}");
        }
    }
    assert!(f.fake.journal().is_empty(), "{:?}", f.fake.journal());
}

/// Each service goes where its own variable points, and the banner names both.
#[test]
fn each_service_goes_to_its_own_endpoint() {
    let (ec2, elb) = (fake(), fake());
    let (code, _, err) = run(provisioner(&["apply", &manifest()])
        .env("AWS_ENDPOINT_URL_EC2", &ec2.url)
        .env("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", &elb.url));
    assert_eq!(code, 4, "{err}"); // the ELBv2 fake has no such VPC: AWS refuses
    assert!(
        err.contains(&format!(
            "target: endpoints ec2 {} (from AWS_ENDPOINT_URL_EC2), elasticloadbalancing {} (from AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2)",
            ec2.url, elb.url
        )),
        "{err}"
    );
    // STS has no variable here: the account is not asked, and the banner
    // says how to see it.
    assert!(
        err.contains("account unknown: no STS endpoint (set AWS_ENDPOINT_URL_STS to see it)"),
        "{err}"
    );
    assert_eq!(ec2.services(), ["ec2"]);
    assert_eq!(elb.services(), ["elbv2"]);
    // AWS_ENDPOINT_URL fills in for the service without its own variable,
    // STS included: the banner names the account.
    let both = fake();
    let (code, _, err) = run(provisioner(&["apply", &manifest()])
        .env("AWS_ENDPOINT_URL_EC2", &both.url)
        .env("AWS_ENDPOINT_URL", &both.url));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains(", account 123456789012\n"), "{err}");
    assert_eq!(both.services(), ["ec2", "elbv2", "sts"]);
}

/// `instance-types` calls EC2 only: an EC2-only override is enough, and
/// the banner says ELBv2 has no endpoint.
#[test]
fn an_ec2_only_command_takes_an_ec2_only_override() {
    let f = fake();
    let (code, out, err) =
        run(provisioner(&["instance-types", "m5.large"]).env("AWS_ENDPOINT_URL_EC2", &f.url));
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("elasticloadbalancing none (not used)"),
        "{err}"
    );
    assert!(out.contains("m5.large"), "{out}");
    assert_eq!(f.services(), ["ec2"]);
}

#[test]
fn an_endpoint_that_is_not_a_url_is_bad_input() {
    for bad in ["not-a-url", "ftp://127.0.0.1:1"] {
        let (code, _, err) = run(provisioner(&[
            "--endpoint-url",
            bad,
            "validate",
            &manifest(),
        ]));
        assert_eq!(code, 2, "{bad}: {err}");
        assert!(err.contains("is not an endpoint URL"), "{err}");
    }
    let (code, _, err) = run(provisioner(&["validate", &manifest()]).env("AWS_ENDPOINT_URL", "x"));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.starts_with("error: AWS_ENDPOINT_URL: 'x' is not an endpoint URL"),
        "{err}"
    );
}

/// destroy runs the checks that decide where the cluster lives: a region
/// other than the spec's is refused (exit 3) and nothing is deleted.
#[test]
fn destroy_refuses_a_region_mismatch() {
    let f = fake();
    let (code, _, err) = run(provisioner(&[
        "--endpoint-url",
        &f.url,
        "apply",
        &manifest(),
    ]));
    assert_eq!(code, 0, "{err}");
    let before = f.fake.journal().len();
    let (code, out, err) = run(
        provisioner(&["--endpoint-url", &f.url, "destroy", &manifest()])
            .env("AWS_REGION", "eu-west-1"),
    );
    assert_eq!(code, 3, "{out}{err}");
    assert!(err.contains("error[region-mismatch]"), "{err}");
    assert!(err.contains("nothing was deleted"), "{err}");
    assert_eq!(f.fake.journal().len(), before, "no call was made");
    let (code, out, err) = run(provisioner(&[
        "--endpoint-url",
        &f.url,
        "destroy",
        &manifest(),
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("destroyed 16 resource(s) of cluster row2"),
        "{out}"
    );
}

/// An endpoint that accepts connections and never answers: the call
/// fails after --timeout with exit 4, naming the call and the endpoint.
#[test]
fn a_silent_endpoint_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let held = std::thread::spawn(move || {
        let mut conns = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            match listener.accept() {
                Ok((c, _)) => conns.push(c),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
            if conns.len() >= 8 {
                break;
            }
        }
        conns.len()
    });
    let start = Instant::now();
    let (code, _, err) = run(provisioner(&[
        "--endpoint-url",
        &url,
        "--timeout",
        "1",
        "validate",
        &manifest(),
    ]));
    let took = start.elapsed();
    assert_eq!(code, 4, "{err}");
    assert!(
        err.contains(&format!(
            "error: DescribeAvailabilityZones to {url} failed: timed out"
        )),
        "{err}"
    );
    assert!(took < Duration::from_secs(15), "took {took:?}");
    drop(held);
}

/// A refused connection is one readable line; `-v` adds the SDK's chain.
#[test]
fn a_refused_connection_reads_as_one_line() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let (code, _, err) = run(provisioner(&[
        "--endpoint-url",
        &url,
        "validate",
        &manifest(),
    ]));
    assert_eq!(code, 4, "{err}");
    let last = err.lines().last().unwrap_or_default();
    assert_eq!(
        last,
        format!("error: DescribeAvailabilityZones to {url} failed: connection refused")
    );
    assert!(!err.contains("DispatchFailure"), "{err}");
    let (_, _, verbose) = run(provisioner(&[
        "-v",
        "--endpoint-url",
        &url,
        "validate",
        &manifest(),
    ]));
    assert!(verbose.contains("chain: dispatch failure"), "{verbose}");
}

/// --aws without credentials: one line, no `ProviderChainError` dump.
#[test]
fn no_credentials_reads_as_one_line() {
    let (code, _, err) = run(provisioner(&["--aws", "instance-types", "m5.large"]));
    assert_eq!(code, 4, "{err}");
    let error: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error.len(), 1, "{err}");
    assert!(
        error[0].starts_with(
            "error: DescribeInstanceTypes to https://ec2.us-east-1.amazonaws.com failed: no credentials found in the chain"
        ),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "banner and error only: {err}");
    assert!(!err.contains("ProviderChainError"), "{err}");
}

/// Against real AWS, a change off a terminal needs --yes; nothing is sent.
#[test]
fn real_aws_changes_need_a_confirmation() {
    let (code, _, err) = run(provisioner(&["--aws", "destroy", &manifest()]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("refusing to destroy everything cluster row2 owns on real AWS without a confirmation: not on a terminal; pass --yes"),
        "{err}"
    );
}

/// `| head -1`: a reader that goes away is not a panic.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    for args in [
        vec!["plan", manifest().leak() as &str],
        vec!["render", manifest().leak()],
    ] {
        let mut child = provisioner(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert_ne!(status.code(), Some(101), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn render_json_is_json() {
    let (code, out, err) = run(provisioner(&["render", "--output", "json", &manifest()]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["config_map"]["kind"], "ConfigMap");
    assert_eq!(v["cluster"], "row2");
    let (_, yaml, _) = run(provisioner(&["render", "--output", "yaml", &manifest()]));
    assert!(yaml.contains("node_ip_families:"), "{yaml}");
}

/// The plan comes first, then the changes, then the counts; and the plan
/// is out before the first change is made: an apply that AWS stops at its
/// first create has already shown it.
#[test]
fn apply_shows_the_plan_before_the_changes() {
    let (code, out, err) = run(provisioner(&["apply", &manifest()]));
    assert_eq!(code, 0, "{err}");
    let plan = out
        .find("cluster row2 (self-managed) in us-east-1")
        .unwrap();
    let change = out.find("create       vpc").unwrap();
    let summary = out.find("17 created, 0 updated, 0 unchanged").unwrap();
    assert!(plan < change && change < summary, "{out}");

    let f = fake();
    let refuse: fake_ec2::FaultRule = serde_json::from_value(serde_json::json!({
        "action": "CreateVpc", "error": "UnauthorizedOperation",
        "message": "You are not authorized to perform this operation."
    }))
    .unwrap();
    f.fake.set_faults(vec![refuse], 0);
    let (code, out, err) = run(provisioner(&[
        "--endpoint-url",
        &f.url,
        "apply",
        &manifest(),
    ]));
    assert_eq!(code, 4, "{err}");
    assert!(
        out.starts_with("cluster row2 (self-managed) in us-east-1"),
        "{out}"
    );
    assert!(err.contains("CreateVpc to "), "{err}");
    assert!(
        err.contains("failed: UnauthorizedOperation: You are not authorized"),
        "{err}"
    );
}

/// A broken file among scenario files is one failure; the others still run.
#[test]
fn a_broken_scenario_file_does_not_stop_the_others() {
    let dir = std::env::temp_dir().join(format!("provisioner-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, "kind: Scenario\nsteps: [unclosed\n").unwrap();
    let good = root().join("scenarios/rules/tg-ip-type-invalid.yaml");
    let (code, out, err) = run(provisioner(&[
        "scenario",
        broken.to_str().unwrap(),
        good.to_str().unwrap(),
    ]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!("FAIL  {}", broken.display())),
        "{err}"
    );
    assert!(err.contains(&format!("pass  {}", good.display())), "{err}");
    assert_eq!(out, "2 scenario(s), 1 failed\n");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The case: a miscased field warns at its line and column with
/// the right name; `--strict` refuses it.
#[test]
fn unknown_fields_warn_and_strict_refuses() {
    let dir = std::env::temp_dir().join(format!("provisioner-cli-uf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("c.yaml");
    let text = std::fs::read_to_string(manifest())
        .unwrap()
        .replace("targetGroupIPType: ipv6", "targetGroupIpType: ipv4");
    std::fs::write(&file, &text).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("targetGroupIpType"))
        .unwrap()
        + 1;
    let f = file.to_str().unwrap();
    let (code, out, err) = run(provisioner(&["validate", f]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("warning[manifest-unknown-field] (CAPA webhook): AWSCluster/row2 spec.controlPlaneLoadBalancer.targetGroupIpType ({f}:{line}:5)")),
        "{out}"
    );
    assert!(out.contains("did you mean targetGroupIPType?"), "{out}");
    let (code, out, _) = run(provisioner(&["--strict", "validate", f]));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("error[manifest-unknown-field]"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--origin` keeps the findings of those origins, and the verdict with
/// them: the region mismatch is the provisioner's own check (docs), so
/// CAPA's own origins find nothing to stop on.
#[test]
fn origin_filters_findings_and_the_verdict() {
    let (code, out, _) =
        run(provisioner(&["validate", &manifest()]).env("AWS_REGION", "eu-west-1"));
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("error[region-mismatch] (docs):"), "{out}");
    let (code, out, err) = run(provisioner(&[
        "--origin",
        "capa-webhook,capa-controller",
        "validate",
        &manifest(),
    ])
    .env("AWS_REGION", "eu-west-1"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("region-mismatch"), "{out}");
    let (code, _, err) = run(provisioner(&["--origin", "capa", "validate", &manifest()]));
    assert_eq!(code, 2);
    assert!(err.contains("'capa' is not an origin: use capa-webhook, capa-controller, aws, kubernetes, docs, advice"), "{err}");
    let (code, _, err) = run(provisioner(&["--origin", "aws", "apply", &manifest()]));
    assert_eq!(code, 2);
    assert!(
        err.contains("--origin applies to validate and plan only"),
        "{err}"
    );
    let (_, json, _) = run(provisioner(&["--output", "json", "validate", &manifest()]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let origins: Vec<(&str, &str)> = v
        .as_array()
        .expect("a list of findings")
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["origin"].as_str().unwrap()))
        .collect();
    assert_eq!(
        origins,
        [
            ("kubeadm-ipv6-settings", "kubernetes"),
            ("manifest-extension-field", "advice")
        ],
        "{json}"
    );
}

#[test]
fn plan_output_html_is_one_page_with_the_picture_and_the_findings() {
    let example = root()
        .join("examples/ipv6-cluster.yaml")
        .display()
        .to_string();
    let (code, page, err) = run(provisioner(&["plan", "--output", "html", &example]));
    assert_eq!(code, 0, "{err}");
    assert!(page.starts_with("<!DOCTYPE html>"), "{page}");
    assert!(page.trim_end().ends_with("</html>"));
    // Self-contained: no scripts, styles or images from elsewhere.
    for outside in ["src=\"http", "href=\"http", "<link", "@import", "url(http"] {
        assert!(!page.contains(outside), "{outside} in the page");
    }
    for label in [
        "aria-label=\"VPC (new)\"",
        "aria-label=\"egress-only internet gateway ipv6-demo-eigw\"",
        "data-kind=\"network\"",
        "No findings: CAPA, AWS and Kubernetes would accept this.",
        "Valid: apply would build the network below.",
    ] {
        assert!(page.contains(label), "{label} missing");
    }
    assert_eq!(
        page.matches("<g class=\"subnet\"").count(),
        6,
        "six subnets"
    );
    assert_eq!(page.matches("data-family=\"dualstack\"").count(), 6);
    // The same manifests give the same page.
    let (_, again, _) = run(provisioner(&["plan", "--output", "html", &example]));
    assert_eq!(page, again);
}

#[test]
fn validate_output_html_lists_findings_with_their_origin() {
    let (code, page, err) = run(provisioner(&[
        "validate",
        "--output",
        "html",
        &root()
            .join("scenarios/cidr/vpc-cidr-invalid.yaml")
            .display()
            .to_string(),
    ]));
    assert_eq!(code, 3, "refused: {err}");
    assert!(page.contains("<table class=\"findings\">"), "{page}");
    assert!(page.contains("<th>origin</th>"));
    assert!(page.contains("<td>error</td>"));
}

#[test]
fn output_html_is_refused_where_there_is_no_page() {
    let (code, out, err) = run(provisioner(&["destroy", "--output", "html", &manifest()]));
    assert_eq!(code, 2, "{out}");
    assert!(
        err.contains("--output html applies to validate and plan only"),
        "{err}"
    );
}

/// The README's picture is what `plan --output svg` draws for the example
/// today; `UPDATE_PICTURES=1 cargo test` rewrites it.
#[test]
fn the_readme_picture_is_what_the_tool_draws() {
    let example = root()
        .join("examples/ipv6-cluster.yaml")
        .display()
        .to_string();
    let (code, svg, err) = run(provisioner(&["plan", "--output", "svg", &example]));
    assert_eq!(code, 0, "{err}");
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    let committed = root().join("docs/pictures/ipv6-cluster.svg");
    if std::env::var_os("UPDATE_PICTURES").is_some() {
        std::fs::write(&committed, &svg).expect("docs/pictures is writable");
    }
    let on_disk = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        on_disk == svg,
        "{} is not what `provisioner plan --output svg examples/ipv6-cluster.yaml` draws: run UPDATE_PICTURES=1 cargo test -p provisioner --test cli",
        committed.display()
    );
}

#[test]
fn output_svg_is_for_plan_only() {
    let (code, _, err) = run(provisioner(&["validate", "--output", "svg", &manifest()]));
    assert_eq!(code, 2);
    assert!(err.contains("--output svg applies to plan only"), "{err}");
}

#[test]
fn apply_report_draws_the_network_as_built_with_every_call() {
    let dir = std::env::temp_dir().join(format!("provisioner-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let page_path = dir.join("apply.html");
    let example = root()
        .join("examples/ipv6-cluster.yaml")
        .display()
        .to_string();
    let (code, out, err) = run(provisioner(&[
        "apply",
        "--report",
        page_path.to_str().unwrap(),
        &example,
    ]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        err.contains(&format!("report: {}", page_path.display())),
        "{err}"
    );
    let page = std::fs::read_to_string(&page_path).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    // The VPC as the API describes it after the apply: real ids and blocks.
    assert!(page.contains("aria-label=\"VPC vpc-"), "{page}");
    assert!(page.contains(" as built"));
    assert_eq!(page.matches("<g class=\"subnet\"").count(), 6);
    assert!(page.contains("aria-label=\"egress-only internet gateway ipv6-demo-eigw\""));
    assert!(page.contains("data-kind=\"network\""));
    assert!(page.contains("::/0 → EIGW ipv6-demo-eigw"));
    assert_eq!(page.matches("<g class=\"machine\"").count(), 3);
    // Every change, and every call the apply made, in order.
    assert!(page.contains("<table class=\"changes\">"));
    let calls = page
        .split("<table class=\"calls\">")
        .nth(1)
        .expect("the calls table");
    let rows = calls
        .split("</table>")
        .next()
        .unwrap()
        .matches("<tr>")
        .count()
        - 1;
    assert!(rows >= 90, "{rows} calls listed");
    let first_create = calls.find("<td>CreateVpc</td>").expect("CreateVpc listed");
    let first_subnet = calls
        .find("<td>CreateSubnet</td>")
        .expect("CreateSubnet listed");
    assert!(first_create < first_subnet, "in the order they started");
    assert!(
        page.contains(&format!("Done: 34 change(s), {} API call(s).", rows)),
        "{page}"
    );

    // A report that cannot be written is refused before anything is sent.
    let f = fake();
    let (code, _, err) = run(provisioner(&[
        "--endpoint-url",
        &f.url,
        "apply",
        "--report",
        "/nonexistent-dir/apply.html",
        &manifest(),
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--report /nonexistent-dir/apply.html"),
        "{err}"
    );
    assert!(f.fake.journal().is_empty(), "nothing was sent");

    // A failed apply still writes its page: the refused call, its code.
    let refuse: fake_ec2::FaultRule = serde_json::from_value(serde_json::json!({
        "action": "CreateSubnet", "error": "UnauthorizedOperation",
        "message": "You are not authorized to perform this operation."
    }))
    .unwrap();
    f.fake.set_faults(vec![refuse], 0);
    let failed = dir.join("failed.html");
    let (code, _, err) = run(provisioner(&[
        "--endpoint-url",
        &f.url,
        "apply",
        "--report",
        failed.to_str().unwrap(),
        &manifest(),
    ]));
    assert_eq!(code, 4, "{err}");
    let page = std::fs::read_to_string(&failed).unwrap();
    assert!(page.contains("class=\"failed\">Stopped: "), "{page}");
    let row = page
        .split("<tr>")
        .find(|r| r.contains("<td>UnauthorizedOperation</td>"))
        .expect("the refused call is listed");
    assert!(row.contains("<td>CreateSubnet</td>"), "{row}");
    assert!(
        page.contains("aria-label=\"VPC vpc-"),
        "the VPC made before the refusal is drawn"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Off a terminal, a wait that lasts gets plain lines (what it waits for,
/// its state, the time), its end is said, and the run ends with its slowest
/// steps. A NAT gateway that stays pending for two reads, each answered
/// after 600 ms, makes such a wait.
#[test]
fn long_waits_are_shown_as_plain_lines_with_the_slowest_steps_at_the_end() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let slow: fake_ec2::FaultRule = serde_json::from_value(serde_json::json!({
        "action": "DescribeNatGateways", "latency_ms": 600
    }))
    .unwrap();
    let seed = fake_ec2::Seed {
        settle_reads: 2,
        faults: vec![slow],
        ..fake_ec2::Seed::default()
    };
    let fake = provisioner::target::embedded_fake(seed, "us-east-1").unwrap();
    let server = rt.block_on(fake.start()).unwrap();
    let (code, out, err) = run(provisioner(&[
        "--endpoint-url",
        &server.url(),
        "apply",
        &manifest(),
    ]));
    assert_eq!(code, 0, "{out}\n{err}");
    let waiting = err
        .lines()
        .find(|l| l.starts_with("  waiting for nat-gateway "))
        .unwrap_or_else(|| panic!("no wait line in\n{err}"));
    assert!(waiting.contains(" s so far (last check: nat-"), "{waiting}");
    assert!(waiting.ends_with(" did not become available)"), "{waiting}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("  nat-gateway ") && l.contains(" ready after ")),
        "{err}"
    );
    let summary = err
        .lines()
        .find(|l| l.starts_with("slowest steps: "))
        .unwrap_or_else(|| panic!("no summary in\n{err}"));
    assert!(
        summary.starts_with("slowest steps: waiting for nat-gateway "),
        "{summary}"
    );
    assert!(
        summary.contains("; EC2 DescribeNatGateways (slowest of "),
        "{summary}"
    );
    // No change lines off a terminal: stdout has the plan and the summary.
    assert!(!err.contains("create       vpc"), "{err}");
    drop(server);
}

#[test]
fn scenario_report_writes_a_page_per_scenario_and_an_index() {
    let dir = std::env::temp_dir().join(format!(
        "provisioner-scenario-report-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    // A copy of row 2 that expects the wrong outcome: it must fail.
    let wrong = dir.with_extension("wrong.yaml");
    let text = std::fs::read_to_string(manifest()).unwrap();
    std::fs::write(&wrong, text.replacen("expect: ok", "expect: refused", 1)).unwrap();
    let (code, _, err) = run(provisioner(&[
        "scenario",
        "--report",
        dir.to_str().unwrap(),
        &manifest(),
        wrong.to_str().unwrap(),
    ]));
    assert_eq!(code, 1, "one scenario fails: {err}");
    let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(index.contains("2 scenario(s), 1 failed."), "{index}");
    assert!(index.contains("<td class=\"ok\">pass</td>"), "{index}");
    assert!(index.contains("<td class=\"failed\">FAIL</td>"), "{index}");
    let page =
        std::fs::read_to_string(dir.join("001-matrix__row-2-dualstack-lb-ipv6-targets.html"))
            .unwrap();
    assert!(page.contains("Passed: every expectation held."));
    assert!(
        page.contains("Step 1: apply (expects ok, got ok)"),
        "{page}"
    );
    // The VPC the step built, drawn from the fake's state, and its calls.
    assert!(page.contains("aria-label=\"VPC vpc-"), "{page}");
    assert!(page.contains("data-family=\"dualstack\""));
    assert!(page.contains("<table class=\"calls\">"));
    assert!(page.contains("CreateVpc"));
    let failed = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("002-"))
        })
        .expect("the second page");
    let failed = std::fs::read_to_string(failed).unwrap();
    assert!(
        failed.contains("Failed: 1 expectation(s) did not hold."),
        "{failed}"
    );
    assert!(failed.contains("expected Refused, got Ok"), "{failed}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&wrong);
}
