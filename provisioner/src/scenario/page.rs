//! The pages of `scenario --report DIR`: one per scenario (its steps, their
//! findings and calls, a picture of every VPC after each step) and an index.

use topology::Network;

use super::{Report, Scenario};

/// A value's serde name (`apply`, `aws_error`), for pages.
fn serde_name(value: impl serde::Serialize) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One scenario's page of `scenario --report DIR`: what it pins, whether
/// it passed (and which expectations did not hold), then each step: what
/// it expected and got, its findings, the AWS error, a picture of every
/// VPC after it, and its calls.
pub fn scenario_page(
    file: &str,
    scenario: &Scenario,
    report: &Report,
    pictures: &[Vec<Network>],
) -> String {
    let doc = &scenario.doc;
    let mut page = topology::html::Page::new(format!("Scenario: {}", doc.name));
    page.paragraph(&format!("File: {file}. Pins: {}.", doc.pins));
    if !doc.description.trim().is_empty() {
        page.paragraph(doc.description.trim());
    }
    if report.passed() {
        page.status("ok", "Passed: every expectation held.");
    } else {
        page.status(
            "failed",
            &format!(
                "Failed: {} expectation(s) did not hold.",
                report.mismatches.len()
            ),
        );
        let rows: Vec<Vec<String>> = report.mismatches.iter().map(|m| vec![m.clone()]).collect();
        page.table("mismatches", &["expectation that did not hold"], &rows);
    }
    page.link("index.html", "All scenarios");
    for (i, (step, sr)) in doc.steps.iter().zip(&report.steps).enumerate() {
        page.heading(
            2,
            &format!(
                "Step {}: {} (expects {}, got {})",
                i + 1,
                serde_name(step.action),
                serde_name(step.expect),
                serde_name(sr.outcome)
            ),
        );
        if let Some(e) = &sr.error {
            page.status("failed", &format!("AWS error: {e}"));
        }
        if sr.findings.is_empty() {
            page.paragraph("No findings.");
        } else {
            let rows: Vec<Vec<String>> = sr.findings.iter().map(|f| vec![f.clone()]).collect();
            page.table("findings", &["finding"], &rows);
        }
        for network in pictures.get(i).into_iter().flatten() {
            page.markup(&topology::svg::render(network));
        }
        if pictures.get(i).is_some_and(Vec::is_empty) {
            page.paragraph("No VPC but the default ones after this step.");
        }
        page.paragraph(&format!(
            "{} call(s), {} of them changing something.",
            sr.calls.len(),
            sr.mutating_calls
        ));
        if !sr.calls.is_empty() {
            let rows: Vec<Vec<String>> = sr
                .calls
                .iter()
                .enumerate()
                .map(|(n, c)| vec![(n + 1).to_string(), c.clone()])
                .collect();
            page.table("calls", &["#", "call"], &rows);
        }
    }
    page.finish()
}

/// What became of one scenario file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScenarioStatus {
    Passed,
    /// It failed, or could not be read or run.
    Failed,
    Skipped,
}

/// One row of the index of `scenario --report DIR`.
pub struct ScenarioEntry {
    pub file: String,
    /// The scenario's page, relative to the index.
    pub page: Option<String>,
    pub name: String,
    pub status: ScenarioStatus,
    /// `pass`, `FAIL`, `skipped: why` or `unreadable: why`.
    pub result: String,
}

/// The index of `scenario --report DIR`: every scenario with its result.
pub fn scenario_index(entries: &[ScenarioEntry]) -> String {
    let failed = entries
        .iter()
        .filter(|e| e.status == ScenarioStatus::Failed)
        .count();
    let mut page = topology::html::Page::new("Scenarios");
    page.status(
        if failed == 0 { "ok" } else { "failed" },
        &format!("{} scenario(s), {failed} failed.", entries.len()),
    );
    page.index_table(entries.iter().map(|e| topology::html::IndexRow {
        href: e.page.clone(),
        file: e.file.clone(),
        name: e.name.clone(),
        result: e.result.clone(),
        class: match e.status {
            ScenarioStatus::Passed => "ok",
            ScenarioStatus::Failed => "failed",
            ScenarioStatus::Skipped => "note",
        },
    }));
    page.finish()
}
