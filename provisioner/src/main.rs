//! `provisioner`: thin CLI over the library. One `run` maps the command to
//! the library, errors carry their exit code, text goes through report.rs.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use provisioner::apply::{self, ApplyError, ApplyOptions, Progress};
use provisioner::aws_error::AwsCallError;
use provisioner::destroy::{self, DestroyOptions};
use provisioner::finding::{Finding, Origin};
use provisioner::model::FeatureGates;
use provisioner::pipeline::{self, PrepareError};
use provisioner::plan::PlanOptions;
use provisioner::reconcile::Event;
use provisioner::spec::{Manifests, Vars};
use provisioner::target::{self, Clients, Service, Target, TargetOptions, Timeouts};
use provisioner::{instance_types, render, report, validate};
use serde::Serialize;

/// Build, test and debug IPv6 and dualstack Kubernetes cluster networks on
/// AWS from Cluster API Provider AWS manifests. Without --endpoint-url or
/// --aws every command runs against an embedded fake-ec2: no AWS account,
/// no network.
#[derive(Debug, Parser)]
#[command(name = "provisioner", version)]
struct Cli {
    /// AWS region (default: the manifests' spec.region, else us-east-1).
    #[arg(long, global = true, env = "AWS_REGION")]
    region: Option<String>,
    /// Send AWS calls to this endpoint (e.g. a standalone fake-ec2).
    /// AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EC2,
    /// AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2, AWS_ENDPOINT_URL_EKS and
    /// AWS_ENDPOINT_URL_STS work too.
    #[arg(long, global = true, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Use real AWS with the default credential chain (costs money).
    #[arg(long, global = true)]
    aws: bool,
    /// With --aws, change AWS without asking (needed when not on a terminal).
    #[arg(long, global = true)]
    yes: bool,
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    output: Output,
    /// Seconds one AWS call may take, retries included.
    #[arg(long, global = true, value_name = "SECONDS", default_value = "60", value_parser = parse_seconds)]
    timeout: Duration,
    /// Seconds to wait for a connection to an endpoint.
    #[arg(long, global = true, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    connect_timeout: Duration,
    /// Refuse fields and kinds the Kubernetes API does not know, as
    /// `kubectl apply --validate=strict` does (warnings otherwise).
    #[arg(long, global = true)]
    strict: bool,
    /// validate and plan: show only findings of these origins (and decide
    /// the verdict by them), e.g. capa-webhook,capa-controller for what CAPA
    /// itself would stop on. One or more of capa-webhook, capa-controller,
    /// aws, kubernetes, docs, advice.
    #[arg(long, global = true, value_name = "ORIGINS", value_delimiter = ',', value_parser = parse_origin)]
    origin: Vec<Origin>,
    /// Show the whole error chain of a failed AWS call.
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Text,
    Json,
    Yaml,
    /// validate and plan: one self-contained page (the network's picture,
    /// the findings with their origin, the plan).
    Html,
    /// plan: the network's picture alone, as SVG.
    Svg,
}

#[derive(Debug, Args)]
struct ManifestArgs {
    /// CAPA manifest files (multi-document YAML, as clusterctl writes them).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// A value for a ${VAR} in the manifests (repeatable); wins over the environment.
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// Image for machines whose template names none, instead of CAPA's default lookup.
    #[arg(long, value_name = "AMI_ID")]
    ami: Option<String>,
    /// The CAPA controller's feature gates, in its --feature-gates syntax
    /// (BootstrapFormatIgnition=true): some fields are refused without
    /// them. EXP_BOOTSTRAP_FORMAT_IGNITION=true (clusterctl's variable)
    /// turns that gate on too.
    #[arg(long, value_name = "GATES", value_parser = FeatureGates::parse)]
    feature_gates: Option<FeatureGates>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    Vars::parse_assignment(s)
}

fn parse_origin(s: &str) -> Result<Origin, String> {
    Origin::from_id(s).ok_or_else(|| {
        format!(
            "'{s}' is not an origin: use {}",
            Origin::ALL.map(Origin::as_str).join(", ")
        )
    })
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 86_400.0 => Ok(Duration::from_secs_f64(v)),
        _ => Err(format!(
            "'{s}' is not a number of seconds between 0 and 86400"
        )),
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the manifests against every rule (exit 0 valid, 3 refused).
    Validate(ManifestArgs),
    /// Show the network the manifests describe, as a tree.
    Plan(ManifestArgs),
    /// Create or update the network, the control plane (machines and load
    /// balancers, or the EKS cluster and its add-ons) and the workers.
    Apply {
        #[command(flatten)]
        manifests: ManifestArgs,
        /// Send EC2 calls with DryRun=true; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Skip validation and let AWS judge (for comparing verdicts).
        #[arg(long)]
        no_validate: bool,
        /// Also write one self-contained HTML page here: the network as
        /// built (read back through the API), the findings, the changes and
        /// every API call in order; written when the apply fails, too.
        #[arg(long, value_name = "FILE.html")]
        report: Option<PathBuf>,
    },
    /// Delete everything the cluster owns (found by its tags), nothing else.
    Destroy(ManifestArgs),
    /// Print the CCM cloud-config, its DaemonSet mount and the CoreDNS hint.
    Render(ManifestArgs),
    /// Run scenario files (see scenarios/README.md). On the embedded fake
    /// each gets its own seeded fake; against another endpoint only
    /// outcomes are compared, seeded scenarios are skipped, and each
    /// scenario ends with a destroy.
    Scenario {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Also write a page per scenario into this directory (each step's
        /// findings, a picture of every VPC after it on the embedded fake,
        /// its calls) and an index.html with pass or fail.
        #[arg(long, value_name = "DIR")]
        report: Option<PathBuf>,
    },
    /// The seed's instance-type checks: which types support IPv6, and whether
    /// given types fit dualstack and IPv6-only (Nitro) subnets.
    InstanceTypes {
        /// Instance types to check, e.g. m5.large.
        #[arg(value_name = "TYPE")]
        types: Vec<String>,
    },
}

/// Exit codes (documented in README.md).
mod exit {
    pub const SCENARIO_FAILED: u8 = 1;
    pub const BAD_INPUT: u8 = 2;
    pub const REFUSED: u8 = 3;
    pub const AWS_FAILURE: u8 = 4;
}

/// Why a command stopped, with its exit code.
#[derive(Debug)]
struct CliError {
    code: u8,
    message: String,
}

impl CliError {
    fn bad_input(message: impl std::fmt::Display) -> Self {
        Self {
            code: exit::BAD_INPUT,
            message: format!("error: {message}"),
        }
    }

    fn refused(message: impl Into<String>) -> Self {
        Self {
            code: exit::REFUSED,
            message: message.into(),
        }
    }

    fn aws(cli: &Cli, target: &Target, e: &AwsCallError) -> Self {
        let mut message = format!("error: {}", e.line(target));
        if cli.verbose {
            message.push_str(&format!("\n  chain: {}", e.chain));
        }
        Self {
            code: exit::AWS_FAILURE,
            message,
        }
    }

    fn apply(cli: &Cli, target: &Target, e: &ApplyError) -> Self {
        match e {
            ApplyError::Aws { kind, name, source } => {
                let inner = Self::aws(cli, target, source);
                Self {
                    code: inner.code,
                    message: format!(
                        "error: {kind} {name}: {}",
                        inner.message.trim_start_matches("error: ")
                    ),
                }
            }
            ApplyError::Stuck { .. } | ApplyError::Incomplete { .. } => Self {
                code: exit::AWS_FAILURE,
                message: format!("error: {e}"),
            },
        }
    }
}

/// Writes to stdout; a reader that went away (`| head -1`) ends the
/// output quietly, the command's exit code stays what it was.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush());
}

/// Writes a line to stderr, ignoring a closed stderr.
fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

fn emit<T: Serialize>(output: Output, value: &T, text: impl FnOnce() -> String) {
    match output {
        // Only validate and plan draw; `run` refuses html and svg elsewhere.
        Output::Text | Output::Html | Output::Svg => out(&text()),
        Output::Json => out(&format!(
            "{}\n",
            serde_json::to_string_pretty(value).unwrap_or_default()
        )),
        Output::Yaml => out(&serde_saphyr::to_string(value).unwrap_or_default()),
    }
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build();
    let result = match runtime {
        Ok(rt) => rt.block_on(run(&cli)),
        Err(e) => Err(CliError::bad_input(format!(
            "cannot start the runtime: {e}"
        ))),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            note(&e.message);
            ExitCode::from(e.code)
        }
    }
}

async fn run(cli: &Cli) -> Result<ExitCode, CliError> {
    if !cli.origin.is_empty() && !matches!(cli.command, Command::Validate(_) | Command::Plan(_)) {
        return Err(CliError::bad_input(
            "--origin applies to validate and plan only",
        ));
    }
    if cli.output == Output::Html && !matches!(cli.command, Command::Validate(_) | Command::Plan(_))
    {
        return Err(CliError::bad_input(
            "--output html applies to validate and plan only (text, json or yaml here)",
        ));
    }
    if cli.output == Output::Svg && !matches!(cli.command, Command::Plan(_)) {
        return Err(CliError::bad_input(
            "--output svg applies to plan only (validate takes html; text, json or yaml elsewhere)",
        ));
    }
    match &cli.command {
        Command::InstanceTypes { types } => instance_types_cmd(cli, types).await,
        Command::Scenario { files, report } => scenario_cmd(cli, files, report.as_deref()).await,
        Command::Render(m) => render_cmd(cli, m),
        Command::Destroy(m) => destroy_cmd(cli, m).await,
        Command::Validate(m) | Command::Plan(m) => check_cmd(cli, m).await,
        Command::Apply {
            manifests,
            dry_run,
            no_validate,
            report,
        } => apply_cmd(cli, manifests, *dry_run, *no_validate, report.as_deref()).await,
    }
}

fn target_options(cli: &Cli, region: String) -> TargetOptions {
    TargetOptions {
        region,
        endpoint_url: cli.endpoint_url.clone(),
        aws: cli.aws,
        timeouts: Timeouts {
            connect: cli.connect_timeout,
            call: cli.timeout,
        },
    }
}

async fn connect(cli: &Cli, region: String, uses: &[Service]) -> Result<Clients, CliError> {
    let clients = target::connect(&target_options(cli, region), uses)
        .await
        .map_err(CliError::bad_input)?;
    let account = match clients.account().await {
        Ok(a) => format!("account {a}"),
        Err(why) => format!("account unknown: {why}"),
    };
    note(&format!(
        "target: {} in {}, {account}",
        clients.target, clients.region
    ));
    Ok(clients)
}

fn load(args: &ManifestArgs) -> Result<provisioner::model::ClusterModel, CliError> {
    let vars = Vars::from_env(args.vars.iter().cloned().collect::<BTreeMap<_, _>>());
    let manifests = Manifests::load_files(&args.files, &vars).map_err(CliError::bad_input)?;
    match pipeline::model(&manifests) {
        Ok(mut m) => {
            m.feature_gates = args.feature_gates.unwrap_or_else(|| FeatureGates {
                bootstrap_format_ignition: std::env::var("EXP_BOOTSTRAP_FORMAT_IGNITION")
                    .is_ok_and(|v| v.trim().eq_ignore_ascii_case("true")),
            });
            Ok(m)
        }
        Err(PrepareError::Model(f)) => Err(CliError::bad_input(report::findings(&f).trim_end())),
        Err(e) => Err(CliError::bad_input(e)),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Confirmation {
    NotNeeded,
    Ask,
    Refused,
}

/// Against real AWS a change needs a "yes": typed on a terminal, or
/// `--yes` when there is none (as `terraform apply` asks).
fn confirmation(target: &Target, yes: bool, terminal: bool) -> Confirmation {
    match (target, yes, terminal) {
        (Target::Aws { .. }, false, true) => Confirmation::Ask,
        (Target::Aws { .. }, false, false) => Confirmation::Refused,
        _ => Confirmation::NotNeeded,
    }
}

/// Asks for the confirmation [`confirmation`] calls for.
fn confirm(cli: &Cli, target: &Target, what: &str) -> Result<(), CliError> {
    match confirmation(target, cli.yes, std::io::stdin().is_terminal()) {
        Confirmation::NotNeeded => return Ok(()),
        Confirmation::Refused => {
            return Err(CliError::bad_input(format!(
                "refusing to {what} on real AWS without a confirmation: not on a terminal; pass --yes"
            )));
        }
        Confirmation::Ask => {}
    }
    let _ = write!(
        std::io::stderr().lock(),
        "{what} on real AWS (the default credential chain's account)? Only 'yes' is accepted: "
    );
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::bad_input("not confirmed: nothing was changed"))
    }
}

/// Progress on stderr with text output. On a terminal: each change, and
/// one line that follows the current wait (what it waits for, its state,
/// the time so far), rewritten in place. Elsewhere, plain lines for the
/// waits only: once a wait has lasted a second, every 30 s after, and when
/// it ends (an embedded run, all milliseconds, prints none).
fn progress(cli: &Cli) -> Option<Progress> {
    if cli.output != Output::Text {
        return None;
    }
    let terminal = std::io::stderr().is_terminal();
    let shown: std::sync::Mutex<BTreeMap<String, Duration>> = Default::default();
    Some(Progress(Arc::new(move |event| match event {
        Event::Change(c) if terminal => {
            note(&format!("\r\x1b[2K  {}", report::change_line(c)));
        }
        Event::Change(_) => {}
        Event::Waiting {
            kind,
            name,
            why,
            elapsed,
        } => {
            let line = format!(
                "waiting for {kind} {name}, {:.0} s so far (last check: {why})",
                elapsed.as_secs_f64()
            );
            if terminal {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[2K  {line}");
                let _ = err.flush();
                return;
            }
            let key = format!("{kind} {name}");
            let mut shown = shown
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let due = match shown.get(&key) {
                None => elapsed >= Duration::from_secs(1),
                Some(at) => elapsed.saturating_sub(*at) >= Duration::from_secs(30),
            };
            if due {
                shown.insert(key, elapsed);
                note(&format!("  {line}"));
            }
        }
        Event::Ready {
            kind,
            name,
            elapsed,
        } => {
            let line = format!("{kind} {name} ready after {:.1} s", elapsed.as_secs_f64());
            if terminal {
                note(&format!("\r\x1b[2K  {line}"));
            } else if elapsed >= Duration::from_secs(1) {
                note(&format!("  {line}"));
            }
        }
    })))
}

/// The slowest waits and calls of a run, on one line, when the slowest
/// took a second or more (a run against AWS; an embedded one is quiet).
fn slowest(
    waits: &[provisioner::reconcile::Waited],
    calls: &[target::CallRecord],
) -> Option<String> {
    // Calls of one operation are one step: the slowest, with the count.
    let mut ops: BTreeMap<String, (f64, usize)> = BTreeMap::new();
    for c in calls {
        let e = ops
            .entry(format!("{} {}", c.service, c.operation))
            .or_default();
        e.0 = e.0.max(c.duration_ms / 1e3);
        e.1 += 1;
    }
    let mut steps: Vec<(f64, String)> = waits
        .iter()
        .map(|w| (w.seconds, format!("waiting for {} {}", w.kind, w.name)))
        .chain(ops.into_iter().map(|(op, (max, n))| {
            let what = if n > 1 {
                format!("{op} (slowest of {n})")
            } else {
                op
            };
            (max, what)
        }))
        .collect();
    steps.sort_by(|a, b| b.0.total_cmp(&a.0));
    if steps.first().is_none_or(|(s, _)| *s < 1.0) {
        return None;
    }
    let top: Vec<String> = steps
        .iter()
        .take(5)
        .map(|(s, what)| format!("{what} {s:.1} s"))
        .collect();
    Some(format!("slowest steps: {}", top.join("; ")))
}

fn render_cmd(cli: &Cli, args: &ManifestArgs) -> Result<ExitCode, CliError> {
    let model = load(args)?;
    emit(cli.output, &render::rendered(&model), || {
        render::render(&model)
    });
    Ok(ExitCode::SUCCESS)
}

async fn instance_types_cmd(cli: &Cli, types: &[String]) -> Result<ExitCode, CliError> {
    let region = cli.region.clone().unwrap_or_else(|| "us-east-1".into());
    let clients = connect(cli, region, &[Service::Ec2]).await?;
    let report = instance_types::check(&clients.ec2, &clients.region, types)
        .await
        .map_err(|e| CliError::aws(cli, &clients.target, &e))?;
    emit(cli.output, &report, || report.text());
    Ok(ExitCode::SUCCESS)
}

/// Model, region checks, clients: what every command on a cluster starts with.
async fn open(
    cli: &Cli,
    args: &ManifestArgs,
) -> Result<(provisioner::model::ClusterModel, Clients), CliError> {
    let model = load(args)?;
    let mut placement = validate::placement(&model, cli.region.as_deref());
    if !placement.is_empty() {
        placement.extend(model.manifest_findings.iter().cloned());
        return Err(CliError::refused(format!(
            "{}nothing was deleted",
            report::findings(&placement)
        )));
    }
    let region = pipeline::region(cli.region.as_deref(), &model);
    let clients = connect(cli, region, pipeline::services(&model)).await?;
    Ok((model, clients))
}

async fn prepare(
    cli: &Cli,
    args: &ManifestArgs,
) -> Result<(pipeline::Prepared, Clients, PlanOptions), CliError> {
    let model = load(args)?;
    let region = pipeline::region(cli.region.as_deref(), &model);
    let clients = connect(cli, region, pipeline::services(&model)).await?;
    let plan_opts = PlanOptions {
        default_image_id: args.ami.clone(),
        ..PlanOptions::default()
    };
    let mut prepared = pipeline::prepare(&clients, model, cli.region.as_deref(), &plan_opts)
        .await
        .map_err(|e| match e {
            PrepareError::Model(f) => CliError::bad_input(report::findings(&f).trim_end()),
            PrepareError::Aws(e) => CliError::aws(cli, &clients.target, &e),
        })?;
    if cli.strict {
        validate::make_strict(&mut prepared.findings);
        prepared.findings.sort_by_key(|f| f.severity);
    }
    Ok((prepared, clients, plan_opts))
}

fn verdict(refused: bool) -> ExitCode {
    if refused {
        ExitCode::from(exit::REFUSED)
    } else {
        ExitCode::SUCCESS
    }
}

async fn check_cmd(cli: &Cli, args: &ManifestArgs) -> Result<ExitCode, CliError> {
    let (mut prepared, _clients, _) = prepare(cli, args).await?;
    if !cli.origin.is_empty() {
        prepared.findings.retain(|f| cli.origin.contains(&f.origin));
    }
    if cli.output == Output::Svg {
        out(&topology::svg::render(&provisioner::picture::network(
            &prepared.plan,
            &prepared.facts,
        )));
        return Ok(verdict(prepared.refused()));
    }
    if cli.output == Output::Html {
        let page = match cli.command {
            Command::Validate(_) => {
                let mut page = topology::html::Page::new(format!(
                    "Validate: cluster {}",
                    prepared.plan.cluster
                ));
                provisioner::picture::findings_section(&mut page, &prepared.findings);
                page.finish()
            }
            _ => {
                provisioner::picture::plan_page(&prepared.plan, &prepared.facts, &prepared.findings)
            }
        };
        out(&page);
        return Ok(verdict(prepared.refused()));
    }
    if let Command::Validate(_) = cli.command {
        emit(cli.output, &prepared.findings, || {
            report::findings(&prepared.findings)
        });
        return Ok(verdict(prepared.refused()));
    }
    #[derive(Serialize)]
    struct Out<'a> {
        findings: &'a [Finding],
        plan: &'a provisioner::plan::Plan,
    }
    let value = Out {
        findings: &prepared.findings,
        plan: &prepared.plan,
    };
    emit(cli.output, &value, || {
        let mut s = String::new();
        if !prepared.findings.is_empty() {
            s.push_str(&report::findings(&prepared.findings));
            s.push('\n');
        }
        s.push_str(&report::plan_tree(&prepared.plan));
        s
    });
    Ok(verdict(prepared.refused()))
}

async fn apply_cmd(
    cli: &Cli,
    args: &ManifestArgs,
    dry_run: bool,
    no_validate: bool,
    report_path: Option<&std::path::Path>,
) -> Result<ExitCode, CliError> {
    // A report that cannot be written is found out before anything changes.
    let report_file = match report_path {
        Some(path) => Some((
            path,
            std::fs::File::create(path)
                .map_err(|e| CliError::bad_input(format!("--report {}: {e}", path.display())))?,
        )),
        None => None,
    };
    let (prepared, clients, plan_opts) = prepare(cli, args).await?;
    if !prepared.findings.is_empty() && (cli.output == Output::Text || prepared.refused()) {
        let _ = write!(
            std::io::stderr().lock(),
            "{}",
            report::findings(&prepared.findings)
        );
    }
    if prepared.refused() && !no_validate {
        return Err(CliError::refused(
            "nothing was changed: fix the errors above (or pass --no-validate to let AWS judge)",
        ));
    }
    if cli.output == Output::Text {
        // What is about to be made, before anything is.
        out(&format!("{}\n", report::plan_tree(&prepared.plan)));
    }
    if !dry_run {
        confirm(cli, &clients.target, "apply this plan")?;
    }
    let mut opts = ApplyOptions::for_target(clients.target.is_fake_speed());
    opts.dry_run = dry_run;
    opts.plan = plan_opts;
    opts.progress = progress(cli);
    let applied = apply::apply(
        &clients,
        &prepared.model,
        &prepared.facts,
        &prepared.plan,
        &opts,
    )
    .await;
    // The apply's calls, before the report reads the network back.
    let calls = clients.calls.calls();
    if let Some(report) = report_file {
        write_apply_report(cli, &clients, &prepared, &applied, &calls, dry_run, report).await?;
    }
    let (r, plan) = applied.map_err(|e| CliError::apply(cli, &clients.target, &e))?;
    #[derive(Serialize)]
    struct Out<'a> {
        report: &'a apply::ApplyReport,
        plan: &'a provisioner::plan::Plan,
    }
    let value = Out {
        report: &r,
        plan: &plan,
    };
    emit(cli.output, &value, || {
        report::apply_summary(
            &r.changes,
            r.vpc_ipv6_block.as_deref(),
            r.endpoint.as_deref(),
            dry_run,
        )
    });
    if cli.output == Output::Text
        && let Some(line) = slowest(&r.waits, &calls)
    {
        note(&line);
    }
    Ok(ExitCode::SUCCESS)
}

/// The page `apply --report` writes: the calls the apply made, then the
/// network read back (its own Describe calls are not listed).
async fn write_apply_report(
    cli: &Cli,
    clients: &Clients,
    prepared: &pipeline::Prepared,
    applied: &Result<(apply::ApplyReport, provisioner::plan::Plan), ApplyError>,
    calls: &[target::CallRecord],
    dry_run: bool,
    (path, mut file): (&std::path::Path, std::fs::File),
) -> Result<(), CliError> {
    let plan = match applied {
        Ok((_, plan)) => plan,
        Err(_) => &prepared.plan,
    };
    let vpc_id = match (&plan.vpc.existing_id, dry_run) {
        (_, true) => None,
        (Some(id), _) => Some(id.clone()),
        (None, false) => provisioner::discover::cluster_vpc(&clients.ec2, &plan.cluster)
            .await
            .map_err(|e| CliError::aws(cli, &clients.target, &e))?
            .map(|v| v.vpc_id),
    };
    let network = match vpc_id {
        Some(id) => provisioner::picture::observe(
            clients,
            &id,
            format!("cluster {} in {}: {id} as built", plan.cluster, plan.region),
        )
        .await
        .map_err(|e| CliError::aws(cli, &clients.target, &e))?,
        None => {
            let mut n = provisioner::picture::network(plan, &prepared.facts);
            n.notes.insert(
                0,
                if dry_run {
                    "A dry run: the network as planned, nothing was made.".to_owned()
                } else {
                    "No VPC of the cluster's was found: the network as planned.".to_owned()
                },
            );
            n
        }
    };
    let no_changes = Vec::new();
    let page = provisioner::picture::apply_page(
        &provisioner::picture::ApplyPage {
            cluster: &plan.cluster,
            region: &plan.region,
            target: clients.target.to_string(),
            findings: &prepared.findings,
            changes: applied.as_ref().map_or(&no_changes, |(r, _)| &r.changes),
            calls,
            error: applied
                .as_ref()
                .err()
                .map(|e| CliError::apply(cli, &clients.target, e).message),
            dry_run,
        },
        &network,
    );
    file.write_all(page.as_bytes())
        .map_err(|e| CliError::bad_input(format!("--report {}: {e}", path.display())))?;
    note(&format!("report: {}", path.display()));
    Ok(())
}

async fn destroy_cmd(cli: &Cli, args: &ManifestArgs) -> Result<ExitCode, CliError> {
    let (model, clients) = open(cli, args).await?;
    confirm(
        cli,
        &clients.target,
        &format!("destroy everything cluster {} owns", model.name),
    )?;
    let mut opts = DestroyOptions::for_target(clients.target.is_fake_speed()).for_model(&model);
    opts.progress = progress(cli);
    let r = destroy::destroy(&clients, &model.name, &opts)
        .await
        .map_err(|e| CliError::apply(cli, &clients.target, &e))?;
    emit(cli.output, &r, || {
        report::destroy_summary(&r.changes, &model.name)
    });
    if cli.output == Output::Text
        && let Some(line) = slowest(&r.waits, &clients.calls.calls())
    {
        note(&line);
    }
    Ok(ExitCode::SUCCESS)
}

async fn scenario_cmd(
    cli: &Cli,
    files: &[PathBuf],
    report_dir: Option<&std::path::Path>,
) -> Result<ExitCode, CliError> {
    use provisioner::picture::{ScenarioEntry, ScenarioStatus};
    use provisioner::scenario::{self, Scenario};
    if let Some(dir) = report_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::bad_input(format!("--report {}: {e}", dir.display())))?;
    }
    let mut entries: Vec<ScenarioEntry> = Vec::new();
    // One entry per file, whatever became of it; pages only with --report.
    let write_page = |name: &str, page: &str| -> Result<(), CliError> {
        if let Some(dir) = report_dir {
            let path = dir.join(name);
            std::fs::write(&path, page)
                .map_err(|e| CliError::bad_input(format!("--report {}: {e}", path.display())))?;
        }
        Ok(())
    };
    let mut failed = 0;
    let mut skipped = 0;
    let mut broken = Vec::new();
    let mut reports = Vec::new();
    let embedded = target::is_embedded(&target_options(cli, String::new()));
    for f in files {
        let sc = match Scenario::load(f) {
            Ok(s) => s,
            Err(e) => {
                failed += 1;
                note(&format!("FAIL  {}\n  {e}", f.display()));
                entries.push(ScenarioEntry {
                    file: f.display().to_string(),
                    page: None,
                    name: String::new(),
                    status: ScenarioStatus::Failed,
                    result: format!("unreadable: {e}"),
                });
                broken.push(
                    serde_json::json!({"file": f.display().to_string(), "error": e.to_string()}),
                );
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
                    failed += 1;
                    note(&format!("FAIL  {}\n  {e}", f.display()));
                    entries.push(ScenarioEntry {
                        file: f.display().to_string(),
                        page: None,
                        name: sc.doc.name.clone(),
                        status: ScenarioStatus::Failed,
                        result: format!("FAIL: {e}"),
                    });
                    broken.push(serde_json::json!({"file": f.display().to_string(), "error": e.to_string()}));
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
                    skipped += 1;
                    note(&format!("skip  {}: {why}", f.display()));
                    entries.push(ScenarioEntry {
                        file: f.display().to_string(),
                        page: None,
                        name: sc.doc.name.clone(),
                        status: ScenarioStatus::Skipped,
                        result: format!("skipped: {why}"),
                    });
                    continue;
                }
            }
        };
        if report.passed() {
            note(&format!("pass  {}", f.display()));
        } else {
            failed += 1;
            note(&format!(
                "FAIL  {}\n  {}",
                f.display(),
                report.mismatches.join("\n  ")
            ));
        }
        let page = report_dir.map(|_| report_page_name(f, entries.len()));
        if let Some(name) = &page {
            write_page(
                name,
                &provisioner::picture::scenario_page(
                    &f.display().to_string(),
                    &sc,
                    &report,
                    &pictures,
                ),
            )?;
        }
        entries.push(ScenarioEntry {
            file: f.display().to_string(),
            page,
            name: sc.doc.name.clone(),
            status: if report.passed() {
                ScenarioStatus::Passed
            } else {
                ScenarioStatus::Failed
            },
            result: if report.passed() { "pass" } else { "FAIL" }.to_owned(),
        });
        reports.push(report);
    }
    if let Some(dir) = report_dir {
        write_page(
            "index.html",
            &provisioner::picture::scenario_index(&entries),
        )?;
        note(&format!("report: {}", dir.join("index.html").display()));
    }
    #[derive(Serialize)]
    struct Out<'a, T> {
        reports: &'a [T],
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        unreadable: &'a [serde_json::Value],
    }
    let total = reports.len() + broken.len();
    let value = Out {
        reports: &reports,
        unreadable: &broken,
    };
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
fn report_page_name(file: &std::path::Path, n: usize) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_real_aws_needs_a_confirmation() {
        let aws = Target::Aws {
            region: "us-east-1".into(),
        };
        assert_eq!(confirmation(&aws, false, true), Confirmation::Ask);
        assert_eq!(confirmation(&aws, false, false), Confirmation::Refused);
        assert_eq!(confirmation(&aws, true, false), Confirmation::NotNeeded);
        assert_eq!(confirmation(&aws, true, true), Confirmation::NotNeeded);
        let fake = Target::Embedded {
            url: "http://127.0.0.1:1".into(),
        };
        for (yes, terminal) in [(false, false), (false, true), (true, false)] {
            assert_eq!(confirmation(&fake, yes, terminal), Confirmation::NotNeeded);
        }
    }

    #[test]
    fn seconds_are_checked() {
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["0", "-1", "x", "1e9"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
