//! Crash and resume: an apply stopped after k mutating calls, for every k,
//! then run again, ends in the same network as an uninterrupted apply (ids
//! aside): nothing duplicated, nothing missing, nothing leaked; and a
//! destroy stopped after k calls, then run again, leaves nothing the
//! cluster owned. The "crash" is a fault rule that refuses every mutating
//! call from the (k+1)-th on with an error the provisioner does not retry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fake_ec2::{Fake, FaultRule};
use libtest_mimic::{Failed, Trial};
use provisioner::apply::{self, ApplyOptions};
use provisioner::destroy::{self, DestroyOptions};
use provisioner::pipeline;
use provisioner::plan::PlanOptions;
use provisioner::spec::{Manifests, Vars};
use provisioner::target::Clients;

use crate::common::{owned_ids, runtime};

pub fn trials() -> Vec<Trial> {
    CASES
        .iter()
        .flat_map(|case| {
            let prefix = match case.tag {
                "" => "resilience::".to_owned(),
                tag => format!("resilience::{tag}_"),
            };
            [
                crate::common::trial(
                    format!("{prefix}apply_interrupted_at_every_mutating_call_converges"),
                    move || runtime().block_on(apply_interrupted(case)),
                ),
                crate::common::trial(
                    format!("{prefix}destroy_interrupted_at_every_mutating_call_converges"),
                    move || runtime().block_on(destroy_interrupted(case)),
                ),
            ]
        })
        .collect()
}

/// A cluster whose apply and destroy are cut at every mutating call.
struct Case {
    /// In the trial's name (`resilience::<tag>_...`); empty for the first.
    tag: &'static str,
    cluster: &'static str,
    /// Below the repository's root.
    example: &'static str,
}

const CASES: &[Case] = &[
    // The network and the control plane behind an NLB.
    Case {
        tag: "",
        cluster: "ipv6-demo",
        example: "examples/ipv6-cluster.yaml",
    },
    // Workers, a bastion, a second NLB and an additional listener.
    Case {
        tag: "whole_cluster",
        cluster: "dual-demo",
        example: "examples/dualstack-whole-cluster.yaml",
    },
    // CAPA's default classic ELB (and its Scenario document, ignored).
    Case {
        tag: "classic_elb",
        cluster: "clv4",
        example: "scenarios/lb/classic-default-ipv4.yaml",
    },
    // An IPv6 EKS control plane and its three add-ons on the network.
    Case {
        tag: "eks",
        cluster: "eks6",
        example: "scenarios/eks/ipv6-cluster.yaml",
    },
];

impl Case {
    fn path(&self) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(self.example)
    }
}

async fn clients() -> Result<Clients, Failed> {
    let fake = provisioner::target::embedded_fake(fake_ec2::Seed::default(), "us-east-1")?;
    let server = fake.start().await.map_err(|e| e.to_string())?;
    Ok(Clients::for_fake(fake, server, "us-east-1"))
}

fn fake(c: &Clients) -> &Fake {
    &c.fake.as_ref().expect("embedded").0
}

fn crash_after(c: &Clients, k: usize) {
    fake(c).set_faults(
        vec![FaultRule {
            error: Some("UnauthorizedOperation".into()),
            message: Some("the client stopped here (test crash)".into()),
            from_nth: Some(k as u64 + 1),
            mutating_only: true,
            ..FaultRule::default()
        }],
        0,
    );
}

fn mutating_calls(c: &Clients) -> usize {
    fake(c)
        .journal()
        .iter()
        .filter(|e| e.mutating && e.status < 300)
        .count()
}

fn model(case: &Case) -> Result<provisioner::model::ClusterModel, String> {
    let m = Manifests::load_files(&[case.path()], &Vars::only(BTreeMap::new()))
        .map_err(|e| e.to_string())?;
    pipeline::model(&m).map_err(|e| e.to_string())
}

async fn apply(c: &Clients, case: &Case) -> Result<(), String> {
    let model = model(case)?;
    let p = pipeline::prepare(c, model, None, &PlanOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    let mut opts = ApplyOptions::for_target(true);
    opts.sequential = true;
    apply::apply(c, &p.model, &p.facts, &p.plan, &opts)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

async fn destroy(c: &Clients, case: &Case) -> Result<(), String> {
    let mut opts = DestroyOptions::for_target(true).for_model(&model(case)?);
    opts.sequential = true;
    destroy::destroy(c, case.cluster, &opts)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// What the cluster owned that is still there: its tagged resources, and any
/// EKS cluster (they are tagged by their EKS name).
fn leftovers(c: &Clients, case: &Case) -> Vec<String> {
    let mut left = owned_ids(c, case.cluster);
    for region in fake(c).dump().regions {
        left.extend(
            region
                .eks
                .clusters
                .keys()
                .map(|n| format!("eks cluster {n}")),
        );
    }
    left
}

/// `vpc-00000000000000001` -> `vpc-*`: ids depend on the order of calls.
fn without_ids(text: &str) -> String {
    text.split_inclusive([' ', '"', ':', '/', ','])
        .map(|tok| {
            let core = tok.trim_end_matches([' ', '"', ':', '/', ',']);
            let tail = &tok[core.len()..];
            match core.rsplit_once('-') {
                Some((prefix, hex))
                    if hex.len() >= 16 && hex.bytes().all(|b| b.is_ascii_hexdigit()) =>
                {
                    format!("{prefix}-*{tail}")
                }
                _ => tok.to_owned(),
            }
        })
        .collect()
}

/// The network's shape: the state summary without ids, lists sorted.
fn shape(c: &Clients) -> String {
    let s = provisioner::scenario::summary::summarize(&fake(c).dump());
    let mut v = serde_json::to_value(&s).expect("serialises");
    normalise(&mut v);
    without_ids(&serde_json::to_string_pretty(&v).expect("serialises"))
}

fn normalise(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.remove("id");
            map.values_mut().for_each(normalise);
        }
        serde_json::Value::Array(items) => {
            items.iter_mut().for_each(normalise);
            let mut keyed: Vec<(String, serde_json::Value)> = items
                .drain(..)
                .map(|i| (without_ids(&i.to_string()), i))
                .collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            items.extend(keyed.into_iter().map(|(_, i)| i));
        }
        serde_json::Value::String(s) => *s = without_ids(s),
        _ => {}
    }
}

async fn apply_interrupted(case: &Case) -> Result<(), Failed> {
    let reference = clients().await?;
    apply(&reference, case).await?;
    let total = mutating_calls(&reference);
    let want = shape(&reference);
    let mut failures = Vec::new();
    for k in 0..total {
        let c = clients().await?;
        crash_after(&c, k);
        if apply(&c, case).await.is_ok() {
            failures.push(format!("k={k}: the interrupted apply did not stop"));
            continue;
        }
        fake(&c).set_faults(Vec::new(), 0);
        if let Err(e) = apply(&c, case).await {
            failures.push(format!("k={k}: the resumed apply failed: {e}"));
            continue;
        }
        let got = shape(&c);
        if got != want {
            let diff: Vec<String> = got
                .lines()
                .zip(want.lines())
                .filter(|(a, b)| a != b)
                .take(5)
                .map(|(a, b)| format!("got {a} / want {b}"))
                .collect();
            failures.push(format!("k={k}: the network differs: {diff:?}"));
            continue;
        }
        if let Err(e) = destroy(&c, case).await {
            failures.push(format!("k={k}: destroy failed: {e}"));
        } else if !leftovers(&c, case).is_empty() {
            failures.push(format!("k={k}: destroy left {:?}", leftovers(&c, case)));
        }
    }
    converged("apply", case, total, &failures)
}

async fn destroy_interrupted(case: &Case) -> Result<(), Failed> {
    let reference = clients().await?;
    apply(&reference, case).await?;
    let before = mutating_calls(&reference);
    destroy(&reference, case).await?;
    let total = mutating_calls(&reference) - before;
    let mut failures = Vec::new();
    for k in 0..total {
        let c = clients().await?;
        apply(&c, case).await?;
        // Rules count matching calls from when they are set.
        crash_after(&c, k);
        if destroy(&c, case).await.is_ok() {
            failures.push(format!("k={k}: the interrupted destroy did not stop"));
            continue;
        }
        fake(&c).set_faults(Vec::new(), 0);
        match destroy(&c, case).await {
            Err(e) => failures.push(format!("k={k}: the resumed destroy failed: {e}")),
            Ok(()) if !leftovers(&c, case).is_empty() => {
                failures.push(format!("k={k}: left {:?}", leftovers(&c, case)))
            }
            Ok(()) => {}
        }
    }
    converged("destroy", case, total, &failures)
}

/// The verdict over every interruption point: all converged, or which did not.
fn converged(what: &str, case: &Case, total: usize, failures: &[String]) -> Result<(), Failed> {
    if failures.is_empty() {
        eprintln!(
            "{what} of {} interrupted at each of {total} mutating calls: all converged",
            case.example
        );
        Ok(())
    } else {
        Err(format!(
            "{} of {total} interruption points failed:\n{}",
            failures.len(),
            failures.join("\n")
        )
        .into())
    }
}
