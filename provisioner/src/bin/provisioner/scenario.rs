//! `scenario`: runs scenario files against the embedded fake (or an
//! endpoint) and, with `--report`, writes a page per scenario.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use provisioner::pipeline;
use provisioner::scenario::page::{self as pages, ScenarioEntry, ScenarioStatus};
use provisioner::scenario::{self, Report as ScenarioReport, Scenario};
use provisioner::target::{self, Service};
use serde::Serialize;

use super::{Cli, CliError, connect, emit, exit, note, target_options};

/// What became of each file: one index entry per file, the reports of
/// those that ran, the errors of those that could not.
#[derive(Default)]
struct Tally {
    entries: Vec<ScenarioEntry>,
    reports: Vec<ScenarioReport>,
    broken: Vec<serde_json::Value>,
    failed: usize,
    skipped: usize,
}

impl Tally {
    /// A file that did not run to a report: unreadable, or its run failed.
    fn broke(&mut self, file: &Path, name: &str, result: String, error: &dyn std::fmt::Display) {
        self.failed += 1;
        note(&format!("FAIL  {}\n  {error}", file.display()));
        self.entry(file, None, name, ScenarioStatus::Failed, result);
        self.broken.push(
            serde_json::json!({"file": file.display().to_string(), "error": error.to_string()}),
        );
    }

    fn skip(&mut self, file: &Path, name: &str, why: &str) {
        self.skipped += 1;
        note(&format!("skip  {}: {why}", file.display()));
        self.entry(
            file,
            None,
            name,
            ScenarioStatus::Skipped,
            format!("skipped: {why}"),
        );
    }

    fn ran(&mut self, file: &Path, name: &str, page: Option<String>, report: ScenarioReport) {
        let (status, result) = if report.passed() {
            note(&format!("pass  {}", file.display()));
            (ScenarioStatus::Passed, "pass")
        } else {
            self.failed += 1;
            note(&format!(
                "FAIL  {}\n  {}",
                file.display(),
                report.mismatches.join("\n  ")
            ));
            (ScenarioStatus::Failed, "FAIL")
        };
        self.entry(file, page, name, status, result.to_owned());
        self.reports.push(report);
    }

    fn entry(
        &mut self,
        file: &Path,
        page: Option<String>,
        name: &str,
        status: ScenarioStatus,
        result: String,
    ) {
        self.entries.push(ScenarioEntry {
            file: file.display().to_string(),
            page,
            name: name.to_owned(),
            status,
            result,
        });
    }
}

pub(super) async fn run(
    cli: &Cli,
    files: &[PathBuf],
    report_dir: Option<&Path>,
) -> Result<ExitCode, CliError> {
    if let Some(dir) = report_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::bad_input(format!("--report {}: {e}", dir.display())))?;
    }
    // Pages only with --report.
    let write_page = |name: &str, page: &str| -> Result<(), CliError> {
        if let Some(dir) = report_dir {
            let path = dir.join(name);
            std::fs::write(&path, page)
                .map_err(|e| CliError::bad_input(format!("--report {}: {e}", path.display())))?;
        }
        Ok(())
    };
    let mut tally = Tally::default();
    let embedded = target::is_embedded(&target_options(cli, String::new()));
    for f in files {
        let sc = match Scenario::load(f) {
            Ok(s) => s,
            Err(e) => {
                tally.broke(f, "", format!("unreadable: {e}"), &e);
                continue;
            }
        };
        let mut pictures = Vec::new();
        let report = if embedded {
            let run = if report_dir.is_some() {
                scenario::run_embedded_drawing(&sc).await.map(|(r, p)| {
                    pictures = p;
                    r
                })
            } else {
                scenario::run_embedded(&sc).await
            };
            match run {
                Ok(r) => r,
                Err(e) => {
                    tally.broke(f, &sc.doc.name, format!("FAIL: {e}"), &e);
                    continue;
                }
            }
        } else {
            let region = cli.region.clone().unwrap_or_else(|| sc.doc.region.clone());
            let uses = sc
                .manifests(&sc.text)
                .ok()
                .and_then(|m| pipeline::model(&m).ok())
                .map_or(&[Service::Ec2, Service::Elbv2][..], |m| {
                    pipeline::services(&m)
                });
            let clients = connect(cli, region, uses).await?;
            match scenario::run_on_target(&sc, &clients).await {
                Ok(r) => r,
                Err(why) => {
                    tally.skip(f, &sc.doc.name, &why);
                    continue;
                }
            }
        };
        let page = report_dir.map(|_| report_page_name(f, tally.entries.len()));
        if let Some(name) = &page {
            write_page(
                name,
                &pages::scenario_page(&f.display().to_string(), &sc, &report, &pictures),
            )?;
        }
        tally.ran(f, &sc.doc.name, page, report);
    }
    if let Some(dir) = report_dir {
        write_page("index.html", &pages::scenario_index(&tally.entries))?;
        note(&format!("report: {}", dir.join("index.html").display()));
    }
    #[derive(Serialize)]
    struct Out<'a, T> {
        reports: &'a [T],
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        unreadable: &'a [serde_json::Value],
    }
    let total = tally.reports.len() + tally.broken.len();
    let value = Out {
        reports: &tally.reports,
        unreadable: &tally.broken,
    };
    let (failed, skipped) = (tally.failed, tally.skipped);
    emit(cli.output, &value, || {
        if skipped > 0 {
            format!("{total} scenario(s) run, {failed} failed, {skipped} skipped\n")
        } else {
            format!("{total} scenario(s), {failed} failed\n")
        }
    });
    Ok(if failed > 0 {
        ExitCode::from(exit::SCENARIO_FAILED)
    } else {
        ExitCode::SUCCESS
    })
}

/// A scenario's page name: its folder and file (`matrix__row-2.html`),
/// numbered when two files would share one.
fn report_page_name(file: &Path, n: usize) -> String {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| format!("scenario-{n}"));
    let folder = file
        .parent()
        .and_then(|p| p.file_name())
        .map(|p| format!("{}__", p.to_string_lossy()))
        .unwrap_or_default();
    let clean = |s: String| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!("{:03}-{}.html", n + 1, clean(format!("{folder}{stem}")))
}
