//! `provisioner`: thin CLI over the library. One `run` maps the command to
//! the library, errors carry their exit code, text goes through report.rs.
//! The commands that change a network are in `change`, `scenario` runs
//! scenario files, `console` asks for confirmation and shows progress.

mod change;
mod console;
mod scenario;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use provisioner::apply::ApplyError;
use provisioner::aws_error::AwsCallError;
use provisioner::finding::{Finding, Origin};
use provisioner::model::FeatureGates;
use provisioner::pipeline::{self, PrepareError};
use provisioner::plan::PlanOptions;
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
        Command::Scenario { files, report } => scenario::run(cli, files, report.as_deref()).await,
        Command::Render(m) => render_cmd(cli, m),
        Command::Destroy(m) => change::destroy(cli, m).await,
        Command::Validate(m) | Command::Plan(m) => check_cmd(cli, m).await,
        Command::Apply {
            manifests,
            dry_run,
            no_validate,
            report,
        } => change::apply(cli, manifests, *dry_run, *no_validate, report.as_deref()).await,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_are_checked() {
        assert_eq!(parse_seconds("1.5"), Ok(Duration::from_millis(1500)));
        for bad in ["0", "-1", "x", "1e9"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
