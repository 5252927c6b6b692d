//! The workspace test binary: one trial per scenario file under
//! `scenarios/` (discovered when the binary starts), each snapshotted with
//! insta, plus the workspace-level tests in the modules below.
//!
//! Run one scenario: `cargo test -p tests -- scenario::matrix/row-2`.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed};

mod common;
mod endpoint;
mod lifecycle;
mod matrix;
mod resilience;
mod rules;

fn scenario_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn scenario_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            scenario_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml") {
            out.push(p);
        }
    }
}

/// `matrix/row-2.yaml` -> `matrix/row-2`.
fn scenario_name(path: &Path) -> String {
    let rel = path.strip_prefix(scenario_root()).unwrap_or(path);
    rel.with_extension("").to_string_lossy().replace('\\', "/")
}

fn run_scenario(path: &Path) -> Result<(), Failed> {
    let scenario = provisioner::scenario::Scenario::load(path).map_err(|e| e.to_string())?;
    let report = common::runtime().block_on(provisioner::scenario::run_embedded(&scenario))?;
    if !report.passed() {
        return Err(format!(
            "{} expectation(s) did not hold:\n  {}\n\nreport:\n{}",
            report.mismatches.len(),
            report.mismatches.join("\n  "),
            common::yaml(&report)
        )
        .into());
    }
    let name = scenario_name(path).replace('/', "__");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.set_input_file(path);
    settings.set_description(scenario.doc.pins.clone());
    settings.bind(|| insta::assert_yaml_snapshot!(name.as_str(), report));
    if scenario.doc.picture {
        let network = common::runtime().block_on(provisioner::scenario::plan_picture(&scenario))?;
        let svg = topology::svg::render(&network);
        settings.bind(|| insta::assert_snapshot!(format!("{name}__picture"), svg));
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    let mut files = Vec::new();
    scenario_files(&scenario_root(), &mut files);
    for f in files {
        let name = format!("scenario::{}", scenario_name(&f));
        trials.push(common::trial(name, move || run_scenario(&f)));
    }
    trials.extend(endpoint::trials());
    trials.extend(lifecycle::trials());
    trials.extend(matrix::trials());
    trials.extend(rules::trials());
    trials.extend(resilience::trials());
    libtest_mimic::run(&args, trials).exit();
}
