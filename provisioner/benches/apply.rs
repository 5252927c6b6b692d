//! What a full dualstack cluster apply and destroy cost, measured (never
//! asserted): `cargo bench -p provisioner --bench apply`.
//!
//! Against the embedded fake by default, twice side by side: in-process
//! (the SDK hands each request to the fake, no socket: the CLI's default)
//! and over a loopback port; with `FAKE_EC2_URL` set, against that
//! endpoint only (a standalone `fake-ec2`; `scripts/bench.sh` starts one).
//! Reports medians and the 90th percentile over the runs, the number of
//! calls an apply makes, and the same apply with every call in sequence,
//! so the gain from overlapping independent calls shows.
//!
//! Then what a set of SDK clients costs to make, over loopback: five
//! clients and one call each, each client with an HTTPS client of its own
//! (as `target::ec2_client` makes one) beside the five of
//! `Clients::for_endpoint` sharing one.
//!
//! Then the SDK's floor: the same apply and destroy, sequential, answered
//! from canned bytes recorded from the embedded fake (no fake at all: the
//! SDK's and the provisioner's own cost), beside the in-process apply, each
//! with every SDK layer on and with signing, retries, stalled-stream
//! protection and the identity cache off one at a time and together.
//!
//! Then the critical path (embedded fake only): every call is delayed by
//! `DELAY_MS` (a fake-ec2 latency fault), so an apply takes about
//! (calls on its longest chain) x `DELAY_MS`; the apply time divided by the
//! delay estimates that chain's length, beside the number of calls.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::client::http::SharedHttpClient;
use provisioner::apply::{self, ApplyOptions};
use provisioner::destroy::{self, DestroyOptions};
use provisioner::pipeline;
use provisioner::plan::PlanOptions;
use provisioner::spec::{Manifests, Vars};
use provisioner::target::{Clients, SdkLayers};

#[path = "apply/canned.rs"]
mod canned;

const RUNS: usize = 40;
/// Runs and per-call delay of the critical-path measurement.
const DELAY_RUNS: usize = 5;
const DELAY_MS: u64 = 20;

fn manifests() -> Manifests {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/ipv6-cluster.yaml");
    Manifests::load_files(&[path], &Vars::only(BTreeMap::new())).expect("the example loads")
}

/// How the embedded fake is reached.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    InProcess,
    Loopback,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::InProcess => "in-process",
            Transport::Loopback => "loopback",
        }
    }
}

async fn clients(run: usize, transport: Transport) -> Clients {
    match std::env::var("FAKE_EC2_URL") {
        Ok(url) => {
            // A fresh region per run keeps runs independent on one endpoint.
            let regions = [
                "us-east-1",
                "us-west-2",
                "eu-west-1",
                "eu-central-1",
                "us-east-2",
            ];
            let region = regions[run % regions.len()];
            Clients::for_endpoint(&url, "FAKE_EC2_URL", region)
        }
        Err(_) => {
            // The embedded account's world: it holds the `default` key pair
            // CAPA launches machines with.
            let fake = provisioner::target::embedded_fake(fake_ec2::Seed::default(), "us-east-1")
                .expect("the embedded world");
            match transport {
                Transport::InProcess => Clients::in_process(fake, "us-east-1", Default::default()),
                Transport::Loopback => {
                    let server = fake.start().await.expect("loopback port");
                    Clients::for_fake(fake, server, "us-east-1")
                }
            }
        }
    }
}

struct Sample {
    apply: Duration,
    destroy: Duration,
    calls: Option<(usize, usize)>,
    destroy_calls: Option<usize>,
}

async fn one(
    run: usize,
    m: &Manifests,
    sequential: bool,
    delay_ms: u64,
    transport: Transport,
) -> Sample {
    let c = clients(run, transport).await;
    apply_and_destroy(&c, run, m, sequential, delay_ms).await
}

/// One apply and destroy of cluster `bench-{run}` through `c`.
async fn apply_and_destroy(
    c: &Clients,
    run: usize,
    m: &Manifests,
    sequential: bool,
    delay_ms: u64,
) -> Sample {
    if delay_ms > 0 {
        let (fake, _) = c.fake.as_ref().expect("the delay needs the embedded fake");
        let every_call = fake_ec2::FaultRule {
            latency_ms: Some(delay_ms),
            ..fake_ec2::FaultRule::default()
        };
        fake.set_faults(vec![every_call], 1);
    }
    let mut model = pipeline::model(m).expect("model");
    // A distinct cluster per run, so runs on one endpoint never share resources.
    model.name = format!("bench-{run}");
    model.region = Some(c.region.clone());
    let t = Instant::now();
    let p = pipeline::prepare(c, model, None, &PlanOptions::default())
        .await
        .expect("prepare");
    let mut opts = ApplyOptions::for_target(true);
    opts.sequential = sequential;
    apply::apply(c, &p.model, &p.facts, &p.plan, &opts)
        .await
        .expect("apply");
    let apply = t.elapsed();
    let calls = c.fake.as_ref().map(|(f, _)| {
        let j = f.journal();
        (j.len(), j.iter().filter(|e| e.mutating).count())
    });
    let t = Instant::now();
    let mut opts = DestroyOptions::for_target(true).for_model(&p.model);
    opts.sequential = sequential;
    destroy::destroy(c, &p.model.name, &opts)
        .await
        .expect("destroy");
    let destroy_time = t.elapsed();
    let destroy_calls = c
        .fake
        .as_ref()
        .zip(calls)
        .map(|((f, _), (applied, _))| f.journal().len() - applied);
    Sample {
        apply,
        destroy: destroy_time,
        calls,
        destroy_calls,
    }
}

/// Median and 90th percentile of the applies, then of the destroys, in ms.
fn apply_destroy_stats(samples: &[Sample]) -> ((f64, f64), (f64, f64)) {
    (
        stats(samples.iter().map(|s| s.apply).collect()),
        stats(samples.iter().map(|s| s.destroy).collect()),
    )
}

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(v[v.len() / 2]), ms(v[v.len() * 9 / 10]))
}

#[tokio::main]
async fn main() {
    let m = manifests();
    let endpoint = std::env::var("FAKE_EC2_URL").ok();
    let transports: &[Transport] = match endpoint {
        Some(_) => &[Transport::Loopback],
        None => &[Transport::InProcess, Transport::Loopback],
    };
    for (sequential, &transport) in [false, true]
        .into_iter()
        .flat_map(|s| transports.iter().map(move |t| (s, t)))
    {
        let target = endpoint.as_ref().map_or_else(
            || format!("embedded fake ({})", transport.name()),
            |u| format!("endpoint {u}"),
        );
        // Warm up (first connections, lazy statics).
        one(10_000, &m, sequential, 0, transport).await;
        let mut samples = Vec::new();
        for run in 0..RUNS {
            samples.push(one(run, &m, sequential, 0, transport).await);
        }
        let calls = samples[0].calls;
        let ((a50, a90), (d50, d90)) = apply_destroy_stats(&samples);
        println!(
            "{target}, {} calls: apply median {a50:.1} ms (p90 {a90:.1}), destroy median {d50:.1} ms (p90 {d90:.1}){} [{RUNS} runs, 3-zone dualstack cluster]",
            if sequential {
                "sequential"
            } else {
                "concurrent"
            },
            calls
                .map(|(all, mutating)| format!(", {all} calls per apply ({mutating} mutating)"))
                .unwrap_or_default(),
        );
    }
    if std::env::var_os("FAKE_EC2_URL").is_some() {
        return;
    }
    clients_setup().await;
    floor(&m).await;
    for sequential in [false, true] {
        let mut samples = Vec::new();
        for run in 0..DELAY_RUNS {
            samples.push(one(run, &m, sequential, DELAY_MS, Transport::InProcess).await);
        }
        let (all, mutating) = samples[0].calls.expect("embedded fake");
        let destroy_calls = samples[0].destroy_calls.expect("embedded fake");
        let ((a50, _), (d50, _)) = apply_destroy_stats(&samples);
        println!(
            "embedded fake (in-process), every call delayed {DELAY_MS} ms, {}: apply median {a50:.0} ms = about {:.0} calls deep (of {all} calls, {mutating} mutating); destroy median {d50:.0} ms = about {:.0} calls deep (of {destroy_calls} calls) [{DELAY_RUNS} runs]",
            if sequential {
                "sequential"
            } else {
                "concurrent"
            },
            a50 / DELAY_MS as f64,
            d50 / DELAY_MS as f64,
        );
    }
}

/// A fresh embedded world, as `clients` makes one.
fn embedded() -> fake_ec2::Fake {
    provisioner::target::embedded_fake(fake_ec2::Seed::default(), "us-east-1")
        .expect("the embedded world")
}

/// The SDK's floor (see [`canned`]) beside the in-process apply, both
/// sequential, with each SDK layer on and off; rounds alternate the sets
/// so drift on the machine touches each alike.
async fn floor(m: &Manifests) {
    let fake = embedded();
    let recorder = canned::Recorder::new(fake.clone());
    let c = Clients::over(
        SharedHttpClient::new(recorder.clone()),
        fake,
        "us-east-1",
        Default::default(),
        SdkLayers::ALL,
    );
    apply_and_destroy(&c, 0, m, true, 0).await;
    let replay = recorder.replay();
    println!(
        "canned answers: {} calls recorded from one sequential in-process apply + destroy",
        recorder.len()
    );
    let on = SdkLayers::ALL;
    let sets: [(&str, SdkLayers); 6] = [
        ("every layer on", on),
        (
            "signing off",
            SdkLayers {
                signing: false,
                ..on
            },
        ),
        (
            "retries off",
            SdkLayers {
                retries: false,
                ..on
            },
        ),
        (
            "stalled-stream protection off",
            SdkLayers {
                stalled_stream_protection: false,
                ..on
            },
        ),
        (
            "identity cache off",
            SdkLayers {
                identity_cache: false,
                ..on
            },
        ),
        (
            "all four off",
            SdkLayers {
                signing: false,
                retries: false,
                stalled_stream_protection: false,
                identity_cache: false,
            },
        ),
    ];
    for round in 1..=2 {
        for canned in [false, true] {
            for (name, layers) in sets {
                // Unsigned calls land in the fake's default region, which
                // is the one this apply uses: measurable, not safe to ship.
                let mut samples = Vec::with_capacity(RUNS);
                for _ in 0..RUNS {
                    let fake = embedded();
                    let (c, replayed) = if canned {
                        let r = replay.again();
                        let http = SharedHttpClient::new(r.clone());
                        (
                            Clients::over(http, fake, "us-east-1", Default::default(), layers),
                            Some(r),
                        )
                    } else {
                        let http = provisioner::target::in_process_http_client(fake.clone());
                        (
                            Clients::over(http, fake, "us-east-1", Default::default(), layers),
                            None,
                        )
                    };
                    samples.push(apply_and_destroy(&c, 0, m, true, 0).await);
                    if let Some(r) = replayed {
                        assert!(r.used_up(), "the replay gave every recorded answer");
                    }
                }
                let ((a50, a90), (d50, d90)) = apply_destroy_stats(&samples);
                println!(
                    "round {round}, {}, sequential, {name}: apply median {a50:.2} ms (p90 {a90:.2}), destroy median {d50:.2} ms (p90 {d90:.2}) [{RUNS} runs]",
                    if canned {
                        "canned answers (the SDK's floor)"
                    } else {
                        "embedded fake (in-process)"
                    },
                );
            }
        }
    }
}

/// Five SDK clients made and one call each, [`SETS`] times: each with its
/// own HTTPS client, then sharing one; median wall time per set.
async fn clients_setup() {
    const SETS: usize = 200;
    let fake = fake_ec2::Fake::new();
    let server = fake.start().await.expect("loopback port");
    let url = server.url();
    let region = "us-east-1";
    for shared in [false, true, false, true] {
        let mut samples = Vec::with_capacity(SETS);
        for _ in 0..SETS {
            let t = Instant::now();
            if shared {
                let c = Clients::for_endpoint(&url, "bench", region);
                one_call_each(&c.ec2, &c.elb, &c.elb_classic, &c.eks, &c.sts).await;
            } else {
                use provisioner::target::*;
                one_call_each(
                    &ec2_client(&url, region),
                    &elb_client(&url, region),
                    &classic_elb_client(&url, region),
                    &eks_client(&url, region),
                    &sts_client(&url, region),
                )
                .await;
            }
            samples.push(t.elapsed());
        }
        let (m50, m90) = stats(samples);
        println!(
            "five SDK clients made + one call each over loopback, {}: median {m50:.2} ms (p90 {m90:.2}) [{SETS} sets]",
            if shared {
                "sharing one HTTPS client"
            } else {
                "an HTTPS client each"
            }
        );
    }
}

/// One call on each of a target's five clients.
async fn one_call_each(
    ec2: &aws_sdk_ec2::Client,
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    classic: &aws_sdk_elasticloadbalancing::Client,
    eks: &aws_sdk_eks::Client,
    sts: &aws_sdk_sts::Client,
) {
    ec2.describe_vpcs().send().await.expect("DescribeVpcs");
    elb.describe_load_balancers().send().await.expect("v2");
    classic
        .describe_load_balancers()
        .send()
        .await
        .expect("classic");
    eks.list_clusters().send().await.expect("ListClusters");
    sts.get_caller_identity().send().await.expect("sts");
}
