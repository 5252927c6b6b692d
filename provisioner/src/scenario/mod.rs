//! Scenario files: a regression or conformance case as one multi-document
//! YAML file. The CAPA manifests are ordinary documents; one more document
//! of `kind: Scenario` says what the case pins, the world the fake starts
//! from, and the steps with their expected outcomes. The format is
//! documented in `scenarios/README.md`.
//!
//! The runner drives the provisioner through each step against a fake (or
//! any endpoint), checks every expectation, and produces a deterministic
//! [`Report`] for snapshots.

pub mod page;
pub mod summary;
pub mod world;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::apply::{self, ApplyOptions};
use crate::destroy::{self, DestroyOptions};
use crate::finding::Finding;
use crate::pipeline::{self, PrepareError};
use crate::plan::PlanOptions;
use crate::render;
use crate::spec::{LoadError, Manifests, Vars};
use crate::target::Clients;

/// The `kind: Scenario` document.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct ScenarioDoc {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// What the case pins: a seed row or section, a CAPA behaviour, a regression.
    pub pins: String,
    #[serde(default = "default_region")]
    pub region: String,
    /// Values for `${VAR}` in the manifests.
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// The fake's starting world (the `fake-ec2` seed format).
    #[serde(default)]
    pub world: fake_ec2::Seed,
    /// Run the provisioner's validation before applying (default true).
    #[serde(default = "yes")]
    pub validation: bool,
    /// Why the case can run only on the embedded fake (it names what only
    /// that fake makes deterministic, say the first Amazon IPv6 block);
    /// other targets skip it, saying so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embedded_only: Option<String>,
    /// The CAPA controller's feature gates, as its `--feature-gates` flag
    /// takes them (`BootstrapFormatIgnition=true`); none by default.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub feature_gates: String,
    /// Pin the picture of the network the manifests plan as well (an SVG
    /// snapshot beside the report's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub picture: bool,
    pub steps: Vec<Step>,
}

fn default_region() -> String {
    "us-east-1".into()
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Validate and plan only (no change).
    Validate,
    Apply,
    Destroy,
    /// Render the Kubernetes-side artifacts.
    Render,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Validation found no error (validate) / the network was built (apply)
    /// / the cluster's resources are gone (destroy) / rendered (render).
    Ok,
    /// The provisioner refused the configuration (rule ids in `rules`).
    Refused,
    /// AWS (the fake) refused a call (code in `error`).
    AwsError,
    /// A resource never reached the state it needs (a NAT gateway that
    /// failed, a load balancer stuck in provisioning); `error` matches the
    /// start of the message, e.g. `nat-gateway`.
    Failed,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
pub struct Step {
    pub action: Action,
    pub expect: Outcome,
    /// Rule ids that must be among the findings (errors or warnings).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
    /// The AWS error code, for `expect: aws_error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How many mutating calls the step may make (e.g. 0 for a re-apply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mutating_calls: Option<usize>,
    /// Override `validation` for this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<bool>,
    /// New manifests from this step on (a change to the cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifests: Option<String>,
}

/// A loaded scenario file.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub file: String,
    pub doc: ScenarioDoc,
    /// The file's text: the manifests (the Scenario document is ignored by the manifest reader).
    pub text: String,
    /// `doc.feature_gates`, parsed when the file is read.
    pub feature_gates: crate::model::FeatureGates,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("{0}: {1}")]
    Io(String, String),
    #[error("{file}: no `kind: Scenario` document")]
    Missing { file: String },
    #[error("{file}:{line}: the Scenario document: {message}")]
    Invalid {
        file: String,
        line: usize,
        message: String,
    },
}

impl Scenario {
    pub fn load(path: &Path) -> Result<Self, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::Io(file.clone(), e.to_string()))?;
        Self::parse(&text, &file)
    }

    pub fn parse(text: &str, file: &str) -> Result<Self, ScenarioError> {
        for (line, doc) in crate::spec::split_documents(text) {
            let is_scenario = doc.lines().any(|l| l.trim_end() == "kind: Scenario");
            if !is_scenario {
                continue;
            }
            let parsed: ScenarioDoc =
                serde_saphyr::from_str(doc).map_err(|e| ScenarioError::Invalid {
                    file: file.to_owned(),
                    line: line
                        + e.location()
                            .map_or(0, |l| l.line() as usize)
                            .saturating_sub(1),
                    message: e
                        .without_snippet()
                        .to_string()
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                })?;
            let feature_gates =
                crate::model::FeatureGates::parse(&parsed.feature_gates).map_err(|e| {
                    ScenarioError::Invalid {
                        file: file.to_owned(),
                        line: line
                            + doc
                                .lines()
                                .position(|l| l.starts_with("feature_gates:"))
                                .unwrap_or(0),
                        message: format!("feature_gates: {e}"),
                    }
                })?;
            return Ok(Scenario {
                file: file.to_owned(),
                doc: parsed,
                text: text.to_owned(),
                feature_gates,
            });
        }
        Err(ScenarioError::Missing {
            file: file.to_owned(),
        })
    }

    pub fn manifests(&self, text: &str) -> Result<Manifests, LoadError> {
        let mut m = Manifests::load_str(text, &self.file, &Vars::only(self.doc.vars.clone()))?;
        m.ignored.retain(|i| !i.starts_with("Scenario/"));
        Ok(m)
    }
}

/// What one step did.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StepReport {
    pub action: Action,
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// The AWS error (code: message) that stopped the step, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Every API call the step made: `Action key=value ... [-> ErrorCode]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<String>,
    pub mutating_calls: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rendered: Option<String>,
    /// The fake's state after the step, when the step changed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<summary::StateSummary>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Report {
    pub name: String,
    pub pins: String,
    pub steps: Vec<StepReport>,
    /// Expectations that did not hold. Empty means the scenario passed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<String>,
}

impl Report {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

/// Parameters that make call lines long without saying much.
fn interesting(key: &str) -> bool {
    !(key.starts_with("TagSpecification.")
        || key.starts_with("Tags.member.")
        || key == "ClientToken"
        || key.ends_with(".Description")
        || key == "GroupDescription")
}

fn call_line(e: &fake_ec2::JournalEntry) -> String {
    let mut s = e.action.clone();
    for (k, v) in e.params.iter().filter(|(k, _)| interesting(k)) {
        s.push(' ');
        s.push_str(k);
        s.push('=');
        s.push_str(v);
    }
    if let Some(code) = &e.error_code {
        s.push_str(" -> ");
        s.push_str(code);
    }
    s
}

fn finding_line(f: &Finding) -> String {
    let sev = f.severity.as_str();
    format!(
        "{sev} {} ({}) {} {}: {}",
        f.rule,
        f.origin.as_str(),
        f.object,
        f.path,
        f.message
    )
}

/// Runs every step against `clients`. With the embedded fake (`clients.fake`
/// set), calls come from its journal and the final state is summarised;
/// against another endpoint only outcomes are compared.
pub async fn run(scenario: &Scenario, clients: &Clients) -> Report {
    run_drawing(scenario, clients, None).await
}

/// [`run`], also drawing the fake's VPCs (all but the default ones) after
/// each step into `pictures`, one list per step. They are read from the
/// embedded fake's state, not through the API, so drawing sends no call
/// (a fault rule that counts calls sees the same ones); against another
/// endpoint the lists stay empty.
pub async fn run_drawing(
    scenario: &Scenario,
    clients: &Clients,
    mut pictures: Option<&mut Vec<Vec<topology::Network>>>,
) -> Report {
    let doc = &scenario.doc;
    let mut report = Report {
        name: doc.name.clone(),
        pins: doc.pins.clone(),
        steps: Vec::new(),
        mismatches: Vec::new(),
    };
    let fast = clients.target.is_fake_speed();
    let fake = clients.fake.as_ref().map(|(f, _)| f.clone());
    let mut text = scenario.text.clone();
    for (i, step) in doc.steps.iter().enumerate() {
        if let Some(m) = &step.manifests {
            text = m.clone();
        }
        // Entries are numbered by `seq` for good (the journal drops old ones).
        let before = fake
            .as_ref()
            .and_then(|f| f.journal().last().map(|e| e.seq))
            .unwrap_or(0);
        let mut sr = StepReport {
            action: step.action,
            outcome: Outcome::Ok,
            findings: Vec::new(),
            error: None,
            calls: Vec::new(),
            mutating_calls: 0,
            rendered: None,
            state: None,
        };
        let mut seen_rules: Vec<&'static str> = Vec::new();
        let validation = step.validation.unwrap_or(doc.validation);
        let result = run_step(
            scenario,
            clients,
            &text,
            step,
            validation,
            fast,
            &mut sr,
            &mut seen_rules,
        )
        .await;
        if let Err(e) = result {
            report.mismatches.push(format!("step {}: {e}", i + 1));
        }
        if let Some(f) = &fake {
            let journal = f.journal();
            let first = journal.partition_point(|e| e.seq <= before);
            let entries = &journal[first..];
            sr.calls = entries.iter().map(call_line).collect();
            sr.mutating_calls = entries
                .iter()
                .filter(|e| e.mutating && e.status < 300)
                .count();
            if sr.mutating_calls > 0 {
                sr.state = Some(summary::summarize(&f.dump()));
            }
        }
        // Expectations.
        let n = i + 1;
        if sr.outcome != step.expect {
            report.mismatches.push(format!(
                "step {n} ({:?}): expected {:?}, got {:?}{}",
                step.action,
                step.expect,
                sr.outcome,
                sr.error
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ));
        }
        for r in &step.rules {
            if !seen_rules.iter().any(|s| s == r) {
                report.mismatches.push(format!(
                    "step {n}: expected a finding of rule {r}; got [{}]",
                    seen_rules.join(", ")
                ));
            }
        }
        if let Some(code) = &step.error
            && !sr.error.as_deref().is_some_and(|e| {
                e.starts_with(&format!("{code}:")) || e.starts_with(&format!("{code} "))
            })
        {
            report.mismatches.push(format!(
                "step {n}: expected AWS error {code}, got {}",
                sr.error.as_deref().unwrap_or("none")
            ));
        }
        if let (Some(max), Some(_)) = (step.mutating_calls, &fake)
            && sr.mutating_calls != max
        {
            report.mismatches.push(format!(
                "step {n}: expected {max} mutating call(s), got {}",
                sr.mutating_calls
            ));
        }
        report.steps.push(sr);
        if let Some(p) = pictures.as_deref_mut() {
            p.push(
                fake.as_ref()
                    .map(|f| vpc_pictures(f, &scenario.doc.region))
                    .unwrap_or_default(),
            );
        }
    }
    report
}

#[allow(clippy::too_many_arguments)]
async fn run_step(
    scenario: &Scenario,
    clients: &Clients,
    text: &str,
    step: &Step,
    validation: bool,
    fast: bool,
    sr: &mut StepReport,
    seen: &mut Vec<&'static str>,
) -> Result<(), String> {
    let manifests = scenario
        .manifests(text)
        .map_err(|e| format!("manifests: {e}"))?;
    let model = match pipeline::model(&manifests) {
        Ok(mut m) => {
            m.feature_gates = scenario.feature_gates;
            m
        }
        Err(PrepareError::Model(f)) => {
            seen.extend(f.iter().map(|x| x.rule.id()));
            sr.findings = f.iter().map(finding_line).collect();
            sr.outcome = Outcome::Refused;
            return Ok(());
        }
        Err(e) => return Err(e.to_string()),
    };
    if step.action == Action::Render {
        sr.rendered = Some(render::render(&model));
        return Ok(());
    }
    if step.action == Action::Destroy {
        let mut opts = DestroyOptions::for_target(fast).for_model(&model);
        opts.sequential = true;
        match destroy::destroy(clients, &model.name, &opts).await {
            Ok(_) => {}
            Err(e) => {
                sr.outcome = outcome_of(&e);
                sr.error = Some(aws_error_text(&e));
            }
        }
        return Ok(());
    }
    let plan_opts = PlanOptions::default();
    let prepared =
        match pipeline::prepare(clients, model, Some(&scenario.doc.region), &plan_opts).await {
            Ok(p) => p,
            Err(PrepareError::Aws(e)) => {
                sr.outcome = Outcome::AwsError;
                sr.error = Some(format!(
                    "{}: {}",
                    e.code.clone().unwrap_or_default(),
                    e.message
                ));
                return Ok(());
            }
            Err(e) => return Err(e.to_string()),
        };
    seen.extend(prepared.findings.iter().map(|f| f.rule.id()));
    sr.findings = prepared.findings.iter().map(finding_line).collect();
    let refused = prepared.refused();
    if step.action == Action::Validate || (validation && refused) {
        sr.outcome = if refused {
            Outcome::Refused
        } else {
            Outcome::Ok
        };
        return Ok(());
    }
    let mut opts = ApplyOptions::for_target(fast);
    opts.sequential = true;
    match apply::apply(
        clients,
        &prepared.model,
        &prepared.facts,
        &prepared.plan,
        &opts,
    )
    .await
    {
        Ok(_) => sr.outcome = Outcome::Ok,
        Err(e) => {
            sr.outcome = outcome_of(&e);
            sr.error = Some(aws_error_text(&e));
        }
    }
    Ok(())
}

fn outcome_of(e: &apply::ApplyError) -> Outcome {
    match e {
        apply::ApplyError::Aws { .. } | apply::ApplyError::Incomplete { .. } => Outcome::AwsError,
        apply::ApplyError::Stuck { .. } => Outcome::Failed,
    }
}

fn aws_error_text(e: &apply::ApplyError) -> String {
    match e {
        apply::ApplyError::Aws { kind, name, source } => format!(
            "{}: {} ({} {kind} {name})",
            source.code.as_deref().unwrap_or("NoCode"),
            source.message,
            source.action
        ),
        apply::ApplyError::Stuck { .. } | apply::ApplyError::Incomplete { .. } => e.to_string(),
    }
}

/// Runs a scenario against a target that is not the embedded fake: its
/// world is built through the API first ([`world::build`]), the world's ids
/// in the manifests replaced by the made ones; after the steps, the
/// cluster is destroyed if the last step did not, and the world removed.
/// `Err` says why the scenario cannot run there (see [`world::unbuildable`]).
pub async fn run_on_target(scenario: &Scenario, clients: &Clients) -> Result<Report, String> {
    if let Some(why) = world::unbuildable(scenario) {
        return Err(why);
    }
    let made = world::build(clients, scenario)
        .await
        .map_err(|e| format!("its world: {e}"))?;
    let scenario = made.apply_to(scenario);
    let mut report = run(&scenario, clients).await;
    if scenario.doc.steps.last().map(|s| s.action) != Some(Action::Destroy) {
        // Leave nothing behind.
        if let Ok(m) = scenario.manifests(&scenario.text)
            && let Ok(model) = pipeline::model(&m)
        {
            let opts = DestroyOptions::for_target(clients.target.is_fake_speed()).for_model(&model);
            if let Err(e) = destroy::destroy(clients, &model.name, &opts).await {
                report
                    .mismatches
                    .push(format!("cleaning up cluster {}: {e}", model.name));
            }
        }
    }
    for left in world::remove(clients, made).await {
        report
            .mismatches
            .push(format!("removing the world: {left}"));
    }
    Ok(report)
}

/// The fake's VPCs in `region` but the default ones, as pictures.
fn vpc_pictures(fake: &fake_ec2::Fake, region: &str) -> Vec<topology::Network> {
    fake.view(|v| {
        v.regions()
            .filter(|r| r.name == region)
            .flat_map(|r| {
                r.ec2
                    .vpcs
                    .values()
                    .filter(|vpc| !vpc.is_default)
                    .map(|vpc| fake_ec2::ui::network(r, vpc))
            })
            .collect()
    })
}

/// Runs the scenario on an embedded fake seeded with its world, drawing
/// its VPCs after each step (see [`run_drawing`]).
pub async fn run_embedded_drawing(
    scenario: &Scenario,
) -> Result<(Report, Vec<Vec<topology::Network>>), String> {
    let fake = crate::target::embedded_fake(scenario.doc.world.clone(), &scenario.doc.region)?;
    let clients = Clients::in_process(fake, &scenario.doc.region, Default::default());
    let mut pictures = Vec::new();
    let report = run_drawing(scenario, &clients, Some(&mut pictures)).await;
    Ok((report, pictures))
}

/// The network the scenario's manifests plan, drawn: planned on an
/// embedded fake seeded with the scenario's world, before any step runs.
pub async fn plan_picture(scenario: &Scenario) -> Result<topology::Network, String> {
    let fake = crate::target::embedded_fake(scenario.doc.world.clone(), &scenario.doc.region)?;
    let clients = Clients::in_process(fake, &scenario.doc.region, Default::default());
    let manifests = scenario
        .manifests(&scenario.text)
        .map_err(|e| format!("manifests: {e}"))?;
    let mut model = pipeline::model(&manifests).map_err(|e| e.to_string())?;
    model.feature_gates = scenario.feature_gates;
    let prepared = pipeline::prepare(
        &clients,
        model,
        Some(&scenario.doc.region),
        &PlanOptions::default(),
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(crate::picture::network(&prepared.plan, &prepared.facts))
}

/// Runs the scenario on an embedded fake seeded with its world, in-process.
pub async fn run_embedded(scenario: &Scenario) -> Result<Report, String> {
    let fake = crate::target::embedded_fake(scenario.doc.world.clone(), &scenario.doc.region)?;
    let clients = Clients::in_process(fake, &scenario.doc.region, Default::default());
    Ok(run(scenario, &clients).await)
}

#[cfg(test)]
mod tests {
    use super::{Scenario, ScenarioError};

    #[test]
    fn feature_gates_are_read_with_the_file() {
        let doc = |gates: &str| {
            format!("kind: Cluster\n---\nkind: Scenario\nname: n\npins: p\n{gates}steps: []\n")
        };
        let sc = Scenario::parse(
            &doc("feature_gates: BootstrapFormatIgnition=true\n"),
            "f.yaml",
        )
        .expect("parses");
        assert!(sc.feature_gates.bootstrap_format_ignition);
        let sc = Scenario::parse(&doc(""), "f.yaml").expect("parses");
        assert!(!sc.feature_gates.bootstrap_format_ignition);
        let Err(ScenarioError::Invalid { line, message, .. }) =
            Scenario::parse(&doc("feature_gates: Nope=true\n"), "f.yaml")
        else {
            panic!("an unknown gate is refused");
        };
        assert_eq!(line, 6, "{message}");
        assert!(message.contains("unknown feature gate `Nope`"), "{message}");
    }
}
