//! Every scenario file against a target that is not the embedded fake: a
//! standalone fake over HTTP, reached the way `--endpoint-url` reaches any
//! endpoint. Each scenario's world is built through the API, its steps'
//! outcomes checked as on the embedded fake, and everything it made taken
//! away again: afterwards the fake holds exactly what it held before.

use std::path::PathBuf;

use libtest_mimic::{Failed, Trial};
use provisioner::scenario::{self, Scenario};
use provisioner::target::Clients;

use crate::common::runtime;

/// Files that must run (not be skipped) against a standalone fake: all
/// but those with BYOIP pools (13), fault rules (6) and the one marked
/// `embedded_only`, as scenarios/README.md says.
const AT_LEAST_RUN: usize = 161;

pub fn trials() -> Vec<Trial> {
    vec![crate::common::trial(
        "endpoint::every_scenario_runs_against_a_standalone_fake",
        || runtime().block_on(every_scenario()),
    )]
}

async fn every_scenario() -> Result<(), Failed> {
    let mut files: Vec<PathBuf> = Vec::new();
    crate::scenario_files(&crate::scenario_root(), &mut files);
    let fake = fake_ec2::Fake::new();
    let server = fake.start().await.map_err(|e| e.to_string())?;
    let url = server.url();
    // A region's default VPC is made on its first request: ask each
    // region the scenarios use once, so it is there before as after.
    let mut regions = std::collections::BTreeSet::new();
    for f in &files {
        regions.insert(Scenario::load(f).map_err(|e| e.to_string())?.doc.region);
    }
    for region in &regions {
        Clients::for_endpoint(&url, "test", region)
            .ec2
            .describe_vpcs()
            .send()
            .await
            .map_err(|e| format!("{region}: {e}"))?;
    }
    let before = fake.view(|v| v.live_ids());
    let (mut ran, mut skipped, mut failures) = (0, Vec::new(), Vec::new());
    for f in &files {
        let name = crate::scenario_name(f);
        let sc = Scenario::load(f).map_err(|e| e.to_string())?;
        let clients = Clients::for_endpoint(&url, "test", &sc.doc.region);
        match scenario::run_on_target(&sc, &clients).await {
            Ok(report) => {
                ran += 1;
                if !report.passed() {
                    failures.push(format!("{name}: {}", report.mismatches.join("; ")));
                }
            }
            Err(why) => skipped.push(format!("{name}: {why}")),
        }
        let after = fake.view(|v| v.live_ids());
        if after != before {
            let left: Vec<&String> = after.iter().filter(|i| !before.contains(i)).collect();
            let lost: Vec<&String> = before.iter().filter(|i| !after.contains(i)).collect();
            return Err(format!("{name} left {left:?} behind and took {lost:?} away").into());
        }
    }
    if !failures.is_empty() {
        return Err(format!(
            "{} of {ran} scenarios failed against a standalone fake:\n  {}",
            failures.len(),
            failures.join("\n  ")
        )
        .into());
    }
    if ran < AT_LEAST_RUN {
        return Err(format!(
            "only {ran} of {} scenario files ran ({AT_LEAST_RUN} should); skipped:\n  {}",
            files.len(),
            skipped.join("\n  ")
        )
        .into());
    }
    println!(
        "{ran} of {} scenario files ran against a standalone fake and passed; {} skipped",
        files.len(),
        skipped.len()
    );
    Ok(())
}
