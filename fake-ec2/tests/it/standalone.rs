//! The standalone binary: loopback by default, `--state-file` persistence
//! (a round trip, and `kill -9` at random moments never leaves a corrupt or
//! half-written file), and `--verify-sigv4` keeping secrets out of its logs.

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_ec2::types::{ResourceType, Tag, TagSpecification};

use crate::common::*;

const BINARY: &str = env!("CARGO_BIN_EXE_fake-ec2");

/// A fresh directory for one test's files.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fake-ec2-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running `fake-ec2` process on a random loopback port.
struct Standalone {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

impl Standalone {
    fn start(args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(BINARY)
            .args(["--port", "0"])
            .args(args)
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the fake-ec2 binary starts");
        // Drain stderr all along: a full pipe would stall the process.
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        let (tx, rx) = mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(out).lines();
            let first = lines.next().and_then(Result::ok).unwrap_or_default();
            let _ = tx.send(first);
            for _ in lines {}
        });
        let first = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        let Some(url) = first.strip_prefix("fake-ec2 listening on ") else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "fake-ec2 did not start: {first:?}; stderr: {}",
                stderr.lock().unwrap()
            );
        };
        Self {
            url: url.trim().to_owned(),
            child,
            stderr,
        }
    }

    /// SIGKILL: no shutdown code runs.
    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGINT, as Ctrl-C: the binary shuts down and saves.
    fn interrupt(&mut self) {
        self.signal("INT");
    }

    /// Sends the signal and waits for a clean exit (status 0).
    fn signal(&mut self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                assert!(status.success(), "exit after SIG{name}: {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("fake-ec2 did not stop after SIG{name}");
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }
}

impl Drop for Standalone {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary to its end: (exit code, stderr).
fn run_to_exit(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(BINARY)
        .args(args)
        .output()
        .expect("the fake-ec2 binary runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn refuses_non_loopback_binds_without_allow_remote() {
    for addr in ["0.0.0.0", "::", "192.0.2.10"] {
        let (code, stderr) = run_to_exit(&["--bind", addr, "--port", "0"]);
        assert_eq!(code, Some(2), "{addr}: {stderr}");
        assert!(
            stderr.contains(&format!("refusing to bind {addr}"))
                && stderr.contains("--allow-remote"),
            "{addr}: {stderr}"
        );
    }
    // The environment variable is held to the same rule.
    let out = Command::new(BINARY)
        .env("FAKE_EC2_BIND", "0.0.0.0")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // Loopback is the default, IPv6 loopback is allowed too.
    let fake = Standalone::start(&[], &[]);
    assert!(fake.url.starts_with("http://127.0.0.1:"), "{}", fake.url);
    let fake6 = Standalone::start(&["--bind", "::1"], &[]);
    assert!(fake6.url.starts_with("http://[::1]:"), "{}", fake6.url);
}

#[test]
fn verify_sigv4_without_credentials_refuses_to_start() {
    let (code, stderr) = run_to_exit(&["--verify-sigv4", "--port", "0"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--verify-sigv4 needs credentials"),
        "{stderr}"
    );
}

async fn state_json(url: &str) -> serde_json::Value {
    let (status, _, body) = get(url, "/_fake/state").await;
    assert_eq!(status, 200);
    serde_json::from_str(&body).unwrap()
}

#[tokio::test]
async fn state_file_round_trip_keeps_resources_counters_and_clock() {
    let dir = temp_dir("round-trip");
    let path = dir.join("world.json");
    let path_arg = path.to_str().unwrap();
    let mut first = Standalone::start(&["--state-file", path_arg], &[]);
    let h = client_harness(&first.url);
    let vpc_id = h.vpc(true).await;
    let block = vpc_ipv6_block_of(&h.ec2, &vpc_id).await;
    let subnet_id = h
        .ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.0.1.0/24")
        .ipv6_cidr_block(sub_block(&block, 64, 1))
        .availability_zone("us-east-1a")
        .send()
        .await
        .unwrap()
        .subnet
        .unwrap()
        .subnet_id
        .unwrap();
    let igw = h
        .ec2
        .create_internet_gateway()
        .send()
        .await
        .unwrap()
        .internet_gateway
        .unwrap()
        .internet_gateway_id
        .unwrap();
    h.ec2
        .attach_internet_gateway()
        .internet_gateway_id(&igw)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap();
    let tg = h
        .elb
        .create_target_group()
        .name("tg")
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Tcp)
        .port(6443)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_owned();
    let before = state_json(&first.url).await;
    let (_, _, journal_before) = get(&first.url, "/_fake/journal").await;
    first.interrupt();

    let second = Standalone::start(&["--state-file", path_arg], &[]);
    assert_eq!(state_json(&second.url).await, before, "the state survives");
    let (_, _, journal_after) = get(&second.url, "/_fake/journal").await;
    assert_eq!(journal_after, journal_before, "the journal survives");
    let h = client_harness(&second.url);
    let subnets = h
        .ec2
        .describe_subnets()
        .subnet_ids(&subnet_id)
        .send()
        .await
        .unwrap();
    assert_eq!(subnets.subnets()[0].vpc_id(), Some(vpc_id.as_str()));
    let igws = h
        .ec2
        .describe_internet_gateways()
        .internet_gateway_ids(&igw)
        .send()
        .await
        .unwrap();
    assert_eq!(
        igws.internet_gateways()[0].attachments()[0].vpc_id(),
        Some(vpc_id.as_str())
    );
    let tgs = h
        .elb
        .describe_target_groups()
        .target_group_arns(&tg)
        .send()
        .await
        .unwrap();
    assert_eq!(tgs.target_groups().len(), 1);
    // Counters continue: the next VPC, the next Amazon /56, the next request id.
    let next = h.vpc(true).await;
    assert_eq!(next, "vpc-00000000000000002");
    let next_block = vpc_ipv6_block_of(&h.ec2, &next).await;
    assert_ne!(next_block, block);
    let journal = h.fake_journal(&second.url).await;
    let seqs: Vec<u64> = journal.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert!(
        seqs.windows(2).all(|w| w[1] == w[0] + 1),
        "request numbers continue: {seqs:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// SDK clients for a standalone fake.
struct Clients {
    ec2: aws_sdk_ec2::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
}

fn client_harness(url: &str) -> Clients {
    Clients {
        ec2: ec2_client(url, REGION),
        elb: elb_client(url, REGION),
    }
}

impl Clients {
    async fn vpc(&self, ipv6: bool) -> String {
        self.ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .set_amazon_provided_ipv6_cidr_block(ipv6.then_some(true))
            .send()
            .await
            .unwrap()
            .vpc
            .unwrap()
            .vpc_id
            .unwrap()
    }

    async fn fake_journal(&self, url: &str) -> Vec<serde_json::Value> {
        let (_, _, body) = get(url, "/_fake/journal").await;
        serde_json::from_str(&body).unwrap()
    }
}

async fn vpc_ipv6_block_of(ec2: &aws_sdk_ec2::Client, vpc_id: &str) -> String {
    ec2.describe_vpcs()
        .vpc_ids(vpc_id)
        .send()
        .await
        .unwrap()
        .vpcs()[0]
        .ipv6_cidr_block_association_set()[0]
        .ipv6_cidr_block()
        .unwrap()
        .to_owned()
}

/// splitmix64: repeatable "random" kill moments.
fn next_random(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The VPCs a state file holds, as (tag n, id), sorted by n.
async fn tagged_vpcs(ec2: &aws_sdk_ec2::Client) -> Vec<(u64, String)> {
    let mut out: Vec<(u64, String)> = ec2
        .describe_vpcs()
        .send()
        .await
        .unwrap()
        .vpcs()
        .iter()
        .filter(|v| v.is_default() != Some(true))
        .map(|v| {
            let n = v
                .tags()
                .iter()
                .find(|t| t.key() == Some("n"))
                .and_then(|t| t.value())
                .and_then(|s| s.parse().ok())
                .expect("every VPC carries its number");
            (n, v.vpc_id().unwrap().to_owned())
        })
        .collect();
    out.sort();
    out
}

/// Creates VPCs tagged n = first, first + 1, ... until a call fails;
/// returns how many were acknowledged.
async fn create_until_killed(ec2: aws_sdk_ec2::Client, first: u64) -> u64 {
    let mut n = first;
    loop {
        let tags = TagSpecification::builder()
            .resource_type(ResourceType::Vpc)
            .tags(Tag::builder().key("n").value(n.to_string()).build())
            .build();
        let r = ec2
            .create_vpc()
            .cidr_block("10.0.0.0/16")
            .tag_specifications(tags)
            .send()
            .await;
        if r.is_err() {
            return n - first;
        }
        n += 1;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_at_random_moments_never_corrupts_the_state_file() {
    const KILLS: usize = 20;
    let dir = temp_dir("kill-9");
    let path = dir.join("world.json");
    let path_arg = path.to_str().unwrap().to_owned();
    let started = Instant::now();
    let mut rng = 0x5EED_u64;
    let mut fake = Standalone::start(&["--state-file", &path_arg], &[]);
    let mut held = 0u64;
    let mut total_acked = 0u64;
    let mut in_flight_saved = 0;
    for round in 0..KILLS {
        let ec2 = ec2_client(&fake.url, REGION);
        let driver = tokio::spawn(create_until_killed(ec2, held));
        let wait_ms = 5 + next_random(&mut rng) % 120;
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        fake.kill9();
        let acked = tokio::time::timeout(Duration::from_secs(20), driver)
            .await
            .expect("the client notices the kill")
            .unwrap();
        total_acked += acked;

        // The file parses and loads: the binary starts from it and answers.
        let text = std::fs::read(&path).unwrap();
        serde_json::from_slice::<serde_json::Value>(&text)
            .unwrap_or_else(|e| panic!("round {round}: the state file does not parse: {e}"));
        fake = Standalone::start(&["--state-file", &path_arg], &[]);
        let vpcs = tagged_vpcs(&ec2_client(&fake.url, REGION)).await;
        // A prefix of what was created: 0..m, every acknowledged create
        // in it, at most the one in flight beyond; ids in creation order.
        let m = vpcs.len() as u64;
        assert!(
            m == held + acked || m == held + acked + 1,
            "round {round}: {m} VPCs held, {held} before + {acked} acknowledged"
        );
        if m == held + acked + 1 {
            in_flight_saved += 1;
        }
        for (i, (n, id)) in vpcs.iter().enumerate() {
            assert_eq!(*n, i as u64, "round {round}: VPC numbers are 0..{m}");
            assert_eq!(*id, format!("vpc-{:017x}", i + 1), "round {round}");
        }
        held = m;
    }
    assert!(
        total_acked > KILLS as u64,
        "too few creates to mean anything"
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    eprintln!(
        "kill -9 test: {KILLS} kills, {total_acked} acknowledged creates, {held} VPCs held, {in_flight_saved} in-flight creates saved, {:?}",
        started.elapsed()
    );
    drop(fake);
    // The temporary file never replaces the state file half-written.
    assert!(path.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn standalone_logs_hold_no_secrets_or_signatures() {
    let dir = temp_dir("secrets-binary");
    let creds = crate::sigv4::credentials_file(&dir);
    let state = dir.join("state.json");
    let mut fake = Standalone::start(
        &[
            "--verify-sigv4",
            "--credentials",
            creds.to_str().unwrap(),
            "--state-file",
            state.to_str().unwrap(),
        ],
        &[("RUST_LOG", "trace")],
    );
    let seen = crate::sigv4::SeenAuth::default();
    let signatures = crate::sigv4::signed_traffic(&fake.url, &seen).await;
    let (_, _, journal) = get(&fake.url, "/_fake/journal").await;
    let (_, _, dump) = get(&fake.url, "/_fake/state").await;
    fake.interrupt();
    let logs = fake.stderr();
    assert!(
        logs.contains("SignatureDoesNotMatch") && logs.contains("CreateSubnet"),
        "the fake logged its requests: {logs}"
    );
    let state_file = std::fs::read_to_string(&state).unwrap();
    let journal_file =
        std::fs::read_to_string(fake_ec2::StateFile::new(&state).journal_path()).unwrap();
    assert!(journal_file.contains("CreateSubnet"), "{journal_file}");
    for (place, text) in [
        ("logs", &logs),
        ("/_fake/journal", &journal),
        ("/_fake/state", &dump),
        ("state file", &state_file),
        ("journal file", &journal_file),
    ] {
        crate::sigv4::assert_no_secrets(place, text, &signatures);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A seed the binary cannot parse stops the start (exit 2) naming
/// file:line:column and what is wrong, never a `credentials` value; one with
/// a fault rule AWS could never answer names the rule.
#[test]
fn seed_errors_name_the_place_but_never_a_secret() {
    let dir = temp_dir("seed-errors");
    let path = dir.join("world.yaml");
    std::fs::write(
        &path,
        "verify_sigv4: true\ncredentials:\n  AKIDSEED: SeedSecretValue123\nsettle_reads: notanumber\n",
    )
    .unwrap();
    let (code, stderr) = run_to_exit(&["--seed", path.to_str().unwrap(), "--port", "0"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!("error: {}:4:15: invalid u32", path.display())
    );
    assert!(!stderr.contains("SeedSecretValue123"), "{stderr}");
    std::fs::write(&path, "faults:\n  - {error: InternalError, status: 999}\n").unwrap();
    let (code, stderr) = run_to_exit(&["--seed", path.to_str().unwrap(), "--port", "0"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!(
            "error: seed {}: faults[0]: status 999 is not an error status AWS answers (400-599)",
            path.display()
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A second fake-ec2 on a state file another one holds is refused (exit 2,
/// naming the file and the other process); so is a state file that does
/// not hold together, naming the file and what is wrong.
#[tokio::test]
async fn state_files_in_use_or_inconsistent_stop_the_start() {
    let dir = temp_dir("refused-state-files");
    let path = dir.join("world.json");
    let path_arg = path.to_str().unwrap();
    let mut first = Standalone::start(&["--state-file", path_arg], &[]);
    let vpc_id = client_harness(&first.url).vpc(false).await;
    let (code, stderr) = run_to_exit(&["--state-file", path_arg, "--port", "0"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "state file {path_arg}: another fake-ec2 is using it"
        )),
        "{stderr}"
    );
    first.interrupt();

    // The VPC filed under another key than its id.
    let mut state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let vpcs = state["regions"][0]["ec2"]["vpcs"].as_object_mut().unwrap();
    let vpc = vpcs.remove(&vpc_id).unwrap();
    vpcs.insert("vpc-0000000000000000f".into(), vpc);
    std::fs::write(&path, serde_json::to_vec(&state).unwrap()).unwrap();
    let (code, stderr) = run_to_exit(&["--state-file", path_arg, "--port", "0"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!(
            "error: state file {path_arg}: region us-east-1 of account 123456789012: vpcs: the entry keyed 'vpc-0000000000000000f' holds the id '{vpc_id}'"
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Whatever the umask, the state file and the journal file are 0600.
#[tokio::test]
async fn state_and_journal_files_are_0600_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("umask");
    let path = dir.join("world.json");
    let mut child = Command::new("sh")
        .args([
            "-c",
            "umask 000; exec \"$0\" --port 0 --state-file \"$1\"",
            BINARY,
        ])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("fake-ec2 listening on ")
        .unwrap()
        .to_owned();
    // Keep reading: a closed pipe would fail the fake's next line of output.
    std::thread::spawn(move || for _ in out.lines() {});
    client_harness(&url).vpc(false).await;
    let _ = child.kill();
    let _ = child.wait();
    let file = fake_ec2::StateFile::new(&path);
    for p in [
        file.path().to_owned(),
        file.journal_path(),
        file.lock_path(),
    ] {
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Issue 11's run: creates while the state file cannot be saved are
/// answered 500, never 200, and after `kill -9` and a restart exactly the
/// acknowledged VPCs are there.
#[tokio::test]
async fn every_acknowledged_create_survives_failed_saves_and_kill_9() {
    let dir = temp_dir("acknowledged");
    let path = dir.join("world.json");
    let path_arg = path.to_str().unwrap();
    let mut fake = Standalone::start(&["--state-file", path_arg], &[]);
    let ec2 = ec2_client(&fake.url, REGION);
    let create = |n: u64| {
        let ec2 = ec2.clone();
        async move {
            let tags = TagSpecification::builder()
                .resource_type(ResourceType::Vpc)
                .tags(Tag::builder().key("n").value(n.to_string()).build())
                .build();
            ec2.create_vpc()
                .cidr_block("10.0.0.0/16")
                .tag_specifications(tags)
                .send()
                .await
        }
    };
    let mut acknowledged = Vec::new();
    for n in 0..30 {
        // Saves fail for a third of the run: a directory where the file goes.
        if n == 10 {
            std::fs::remove_file(&path).unwrap();
            std::fs::create_dir(&path).unwrap();
        }
        if n == 20 {
            std::fs::remove_dir(&path).unwrap();
        }
        match create(n).await {
            Ok(_) => acknowledged.push(n),
            Err(e) => {
                let raw = e.raw_response().map(|r| r.status().as_u16());
                assert_eq!(raw, Some(500), "create {n}: {e:?}");
                assert!((10..20).contains(&n), "create {n} failed: {e:?}");
            }
        }
    }
    assert_eq!(acknowledged.len(), 20);
    assert!(
        fake.stderr().contains("state file not saved"),
        "{}",
        fake.stderr()
    );
    fake.kill9();
    let fake = Standalone::start(&["--state-file", path_arg], &[]);
    let held: Vec<u64> = tagged_vpcs(&ec2_client(&fake.url, REGION))
        .await
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(held, acknowledged);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The journal file is appended as requests are answered: after `kill -9`
/// it still holds the reads since the last save, and request numbers go on
/// after them (never reused).
#[tokio::test]
async fn the_journal_survives_kill_9_and_seq_goes_on() {
    let dir = temp_dir("journal-kill-9");
    let path = dir.join("world.json");
    let path_arg = path.to_str().unwrap();
    let mut fake = Standalone::start(&["--state-file", path_arg], &[]);
    let h = client_harness(&fake.url);
    h.vpc(false).await;
    for _ in 0..5 {
        h.ec2.describe_vpcs().send().await.unwrap();
    }
    fake.kill9();
    let fake = Standalone::start(&["--state-file", path_arg], &[]);
    let h = client_harness(&fake.url);
    h.ec2.describe_vpcs().send().await.unwrap();
    let journal = h.fake_journal(&fake.url).await;
    let seqs: Vec<u64> = journal.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6, 7]);
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM stops the binary cleanly (exit 0) and saves, as Ctrl-C does:
/// the reads since the last mutating request (the request counter, settled
/// states) reach the state file.
#[tokio::test]
async fn sigterm_saves_like_ctrl_c() {
    let dir = temp_dir("sigterm");
    let path = dir.join("world.json");
    let args = ["--state-file", path.to_str().unwrap()];
    for signal in ["TERM", "INT"] {
        let mut fake = Standalone::start(&args, &[]);
        let h = client_harness(&fake.url);
        h.vpc(false).await;
        for _ in 0..3 {
            h.ec2.describe_vpcs().send().await.unwrap();
        }
        let (_, _, journal) = get(&fake.url, "/_fake/journal").await;
        let journal: Vec<serde_json::Value> = serde_json::from_str(&journal).unwrap();
        let last = journal.last().unwrap()["seq"].as_u64().unwrap();
        fake.signal(signal);
        let state: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(state["seq"].as_u64(), Some(last), "SIG{signal}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Starts the binary under `sh -c "ulimit ...; exec fake-ec2 ..."`:
/// (child, url); stdout is drained, stderr collected.
fn start_with_ulimit(ulimit: &str, args: &[&str]) -> (Child, String, Arc<Mutex<String>>) {
    let mut child = Command::new("sh")
        .args([
            "-c",
            &format!("ulimit {ulimit} || exit 99; exec \"$0\" --port 0 \"$@\""),
            BINARY,
        ])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(String::new()));
    let sink = stderr.clone();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            sink.lock().unwrap().push_str(&line);
            sink.lock().unwrap().push('\n');
        }
    });
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    std::thread::spawn(move || for _ in out.lines() {});
    let url = line
        .trim()
        .strip_prefix("fake-ec2 listening on ")
        .unwrap_or_else(|| panic!("did not start: {line:?} {}", stderr.lock().unwrap()))
        .to_owned();
    (child, url, stderr)
}

/// The open-file limit of a process: (soft, hard), from /proc.
fn open_file_limits(pid: u32) -> (String, String) {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap()
        .to_owned();
    let mut parts = line["Max open files".len()..].split_whitespace();
    (
        parts.next().unwrap().to_owned(),
        parts.next().unwrap().to_owned(),
    )
}

/// The binary raises its soft open-file limit to the hard one; with both
/// at 256 it serves fewer connections than asked (and says so), so 300 idle
/// sockets never lock new clients out: health answers, and once the idle
/// ones time out a client is served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_open_file_limit_never_locks_clients_out() {
    let (mut child, _, _) = start_with_ulimit("-Sn 200", &[]);
    let (soft, hard) = open_file_limits(child.id());
    assert_eq!(soft, hard, "the soft limit is raised to the hard one");
    let _ = child.kill();
    let _ = child.wait();

    let (mut child, url, stderr) = start_with_ulimit(
        "-n 256",
        &["--idle-timeout", "400ms", "--header-timeout", "300ms"],
    );
    // The warning is written before the address, but the thread reading
    // stderr may not have it yet: wait for it (a bounded wait, not a timing).
    let warned = || {
        stderr
            .lock()
            .unwrap()
            .contains("fewer connections than --max-connections")
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !warned() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(warned(), "{}", stderr.lock().unwrap());
    let addr = url.trim_start_matches("http://").to_owned();
    let mut idle = Vec::new();
    for _ in 0..300 {
        idle.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    let start = Instant::now();
    let (status, _, _) = tokio::time::timeout(Duration::from_secs(10), get(&url, "/_fake/health"))
        .await
        .expect("health answers with 300 idle sockets open");
    assert_eq!(status, 200);
    let health = start.elapsed();
    let ec2 = ec2_client(&url, REGION);
    tokio::time::timeout(
        Duration::from_secs(10),
        ec2.create_vpc().cidr_block("10.0.0.0/16").send(),
    )
    .await
    .expect("a client gets in")
    .unwrap();
    eprintln!(
        "ulimit -n 256, 300 idle sockets: health after {health:?}, CreateVpc after {:?}",
        start.elapsed()
    );
    assert!(
        !stderr.lock().unwrap().contains("Too many open files"),
        "{}",
        stderr.lock().unwrap()
    );
    drop(idle);
    let _ = child.kill();
    let _ = child.wait();
}

/// The timeouts are the binary's flags: a slowloris client is cut off after
/// `--header-timeout`.
#[test]
fn timeout_flags_reach_the_server() {
    use std::io::Write;
    let fake = Standalone::start(&["--header-timeout", "200ms"], &[]);
    let mut s = std::net::TcpStream::connect(fake.url.trim_start_matches("http://")).unwrap();
    s.write_all(b"GET /_fake/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    let start = Instant::now();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "closed without an answer");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(150) && took < Duration::from_secs(2),
        "{took:?}"
    );
    for bad in ["0s", "10h", "x"] {
        let (code, stderr) = run_to_exit(&["--header-timeout", bad]);
        assert_eq!(code, Some(2), "{bad}: {stderr}");
    }
}
