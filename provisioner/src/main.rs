//! `provisioner`: thin CLI over the library.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use provisioner::apply::{self, ApplyOptions, Progress};
use provisioner::destroy::{self, DestroyOptions};
use provisioner::pipeline::{self, Prepared};
use provisioner::plan::PlanOptions;
use provisioner::spec::{Manifests, Vars};
use provisioner::target::{self, Clients, TargetOptions};
use provisioner::{instance_types, render, report};
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
    /// AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_EC2 and
    /// AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 work too.
    #[arg(long, global = true, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Use real AWS with the default credential chain (costs money).
    #[arg(long, global = true)]
    aws: bool,
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    output: Output,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Output {
    Text,
    Json,
    Yaml,
}

#[derive(Debug, Args)]
struct ManifestArgs {
    /// CAPA manifest files (multi-document YAML, as clusterctl writes them).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// A value for a ${VAR} in the manifests (repeatable); wins over the environment.
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,
    /// Image for machines whose template names none (real AWS needs a real AMI).
    #[arg(long, value_name = "AMI_ID")]
    ami: Option<String>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    Vars::parse_assignment(s)
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check the manifests against every rule (exit 0 valid, 3 refused).
    Validate(ManifestArgs),
    /// Show the network the manifests describe, as a tree.
    Plan(ManifestArgs),
    /// Create or update the network (and control-plane machines and NLB).
    Apply {
        #[command(flatten)]
        manifests: ManifestArgs,
        /// Send EC2 calls with DryRun=true; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Skip validation and let AWS judge (for comparing verdicts).
        #[arg(long)]
        no_validate: bool,
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
    pub const REFUSED: u8 = 3;
    pub const BAD_INPUT: u8 = 2;
    pub const AWS_FAILURE: u8 = 4;
}

fn emit<T: Serialize>(output: Output, value: &T, text: impl FnOnce() -> String) {
    match output {
        Output::Text => print!("{}", text()),
        Output::Json => println!(
            "{}",
            serde_json::to_string_pretty(value).unwrap_or_default()
        ),
        Output::Yaml => print!("{}", serde_saphyr::to_string(value).unwrap_or_default()),
    }
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match &cli.command {
        Command::InstanceTypes { types } => instance_types_cmd(&cli, types).await,
        Command::Scenario { files } => scenario_cmd(&cli, files).await,
        Command::Validate(m) | Command::Plan(m) | Command::Destroy(m) | Command::Render(m) => {
            manifest_cmd(&cli, m, false, false).await
        }
        Command::Apply {
            manifests,
            dry_run,
            no_validate,
        } => manifest_cmd(&cli, manifests, *dry_run, *no_validate).await,
    }
}

async fn connect(cli: &Cli, region: String) -> Result<Clients, ExitCode> {
    let opts = TargetOptions {
        region,
        endpoint_url: cli.endpoint_url.clone(),
        aws: cli.aws,
    };
    match target::connect(&opts).await {
        Ok(c) => {
            eprintln!("target: {} in {}", c.target, c.region);
            Ok(c)
        }
        Err(e) => Err(fail(exit::BAD_INPUT, e)),
    }
}

async fn instance_types_cmd(cli: &Cli, types: &[String]) -> ExitCode {
    let region = cli.region.clone().unwrap_or_else(|| "us-east-1".into());
    let clients = match connect(cli, region).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    match instance_types::check(&clients.ec2, &clients.region, types).await {
        Ok(report) => {
            emit(cli.output, &report, || report.text());
            ExitCode::SUCCESS
        }
        Err(e) => fail(exit::AWS_FAILURE, e),
    }
}

async fn manifest_cmd(
    cli: &Cli,
    args: &ManifestArgs,
    dry_run: bool,
    no_validate: bool,
) -> ExitCode {
    let vars = Vars::from_env(args.vars.iter().cloned().collect::<BTreeMap<_, _>>());
    let manifests = match Manifests::load_files(&args.files, &vars) {
        Ok(m) => m,
        Err(e) => return fail(exit::BAD_INPUT, e),
    };
    let model = match pipeline::model(&manifests) {
        Ok(m) => m,
        Err(e) => return fail(exit::BAD_INPUT, e),
    };
    if let Command::Render(_) = cli.command {
        print!("{}", render::render(&model));
        return ExitCode::SUCCESS;
    }
    let region = pipeline::region(cli.region.as_deref(), &model);
    let clients = match connect(cli, region).await {
        Ok(c) => c,
        Err(code) => return code,
    };
    if let Command::Destroy(_) = cli.command {
        let opts = DestroyOptions::for_target(clients.target.is_fake_speed());
        return match destroy::destroy(&clients, &model.name, &opts).await {
            Ok(r) => {
                emit(cli.output, &r, || {
                    format!(
                        "{}destroyed {} resource(s) of cluster {}\n",
                        report::changes(&r.changes),
                        r.changes.len(),
                        model.name
                    )
                });
                ExitCode::SUCCESS
            }
            Err(e) => fail(exit::AWS_FAILURE, e),
        };
    }
    let plan_opts = PlanOptions {
        default_image_id: args.ami.clone(),
    };
    let prepared = match pipeline::prepare(&clients, model, cli.region.as_deref(), &plan_opts).await
    {
        Ok(p) => p,
        Err(pipeline::PrepareError::Model(f)) => {
            return fail(exit::BAD_INPUT, report::findings(&f));
        }
        Err(pipeline::PrepareError::Aws(e)) => return fail(exit::AWS_FAILURE, e),
    };
    match cli.command {
        Command::Validate(_) => {
            emit(cli.output, &prepared.findings, || {
                report::findings(&prepared.findings)
            });
            if prepared.refused() {
                ExitCode::from(exit::REFUSED)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Plan(_) => {
            #[derive(Serialize)]
            struct Out<'a> {
                findings: &'a [provisioner::finding::Finding],
                plan: &'a provisioner::plan::Plan,
            }
            let out = Out {
                findings: &prepared.findings,
                plan: &prepared.plan,
            };
            emit(cli.output, &out, || {
                let mut s = String::new();
                if !prepared.findings.is_empty() {
                    s.push_str(&report::findings(&prepared.findings));
                    s.push('\n');
                }
                s.push_str(&report::plan_tree(&prepared.plan));
                s
            });
            if prepared.refused() {
                ExitCode::from(exit::REFUSED)
            } else {
                ExitCode::SUCCESS
            }
        }
        _ => apply_cmd(cli, &clients, prepared, dry_run, no_validate, &plan_opts).await,
    }
}

async fn apply_cmd(
    cli: &Cli,
    clients: &Clients,
    prepared: Prepared,
    dry_run: bool,
    no_validate: bool,
    plan_opts: &PlanOptions,
) -> ExitCode {
    if !prepared.findings.is_empty() && (cli.output == Output::Text || prepared.refused()) {
        eprint!("{}", report::findings(&prepared.findings));
    }
    if prepared.refused() && !no_validate {
        eprintln!(
            "nothing was changed: fix the errors above (or pass --no-validate to let AWS judge)"
        );
        return ExitCode::from(exit::REFUSED);
    }
    let mut opts = ApplyOptions::for_target(clients.target.is_fake_speed());
    opts.dry_run = dry_run;
    opts.plan = plan_opts.clone();
    if cli.output == Output::Text && std::io::stderr().is_terminal() {
        opts.progress = Some(Progress(Arc::new(|c| {
            eprintln!("  {}", report::change_line(c))
        })));
    }
    match apply::apply(clients, &prepared.model, &prepared.facts, &opts).await {
        Ok((r, plan)) => {
            #[derive(Serialize)]
            struct Out<'a> {
                report: &'a apply::ApplyReport,
                plan: &'a provisioner::plan::Plan,
            }
            emit(
                cli.output,
                &Out {
                    report: &r,
                    plan: &plan,
                },
                || {
                    let mut s = report::plan_tree(&plan);
                    s.push('\n');
                    s.push_str(&report::changes(&r.changes));
                    if let Some(b) = &r.vpc_ipv6_block {
                        s.push_str(&format!("VPC IPv6 block B = {b}\n"));
                    }
                    if let Some(e) = &r.endpoint {
                        s.push_str(&format!("API endpoint: {e}\n"));
                    }
                    s.push_str(&format!(
                        "{}{} created, {} updated, {} unchanged\n",
                        if dry_run {
                            "dry run, nothing changed: would be "
                        } else {
                            ""
                        },
                        r.changes
                            .iter()
                            .filter(|c| matches!(c.action, "create" | "would-create"))
                            .count(),
                        r.changes
                            .iter()
                            .filter(|c| matches!(c.action, "update" | "would-update"))
                            .count(),
                        r.changes.iter().filter(|c| c.action == "exists").count(),
                    ));
                    s
                },
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(exit::AWS_FAILURE, e),
    }
}

async fn scenario_cmd(cli: &Cli, files: &[PathBuf]) -> ExitCode {
    use provisioner::scenario::{self, Scenario};
    let mut failed = 0;
    let mut reports = Vec::new();
    let embedded = cli.endpoint_url.is_none()
        && !cli.aws
        && ![
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_EC2",
            "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
        ]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    for f in files {
        let sc = match Scenario::load(f) {
            Ok(s) => s,
            Err(e) => return fail(exit::BAD_INPUT, e),
        };
        let report = if embedded {
            match scenario::run_embedded(&sc).await {
                Ok(r) => r,
                Err(e) => return fail(exit::BAD_INPUT, e),
            }
        } else {
            if sc.needs_seed() {
                eprintln!(
                    "skip  {}: it needs a seeded world, which only the embedded fake has",
                    f.display()
                );
                continue;
            }
            let region = cli.region.clone().unwrap_or_else(|| sc.doc.region.clone());
            let clients = match connect(cli, region).await {
                Ok(c) => c,
                Err(code) => return code,
            };
            let r = scenario::run(&sc, &clients).await;
            if sc.doc.steps.last().map(|s| s.action) != Some(scenario::Action::Destroy) {
                // Leave nothing behind on a real account.
                if let Ok(m) = sc.manifests(&sc.text)
                    && let Ok(model) = pipeline::model(&m)
                {
                    let opts = DestroyOptions::for_target(clients.target.is_fake_speed());
                    if let Err(e) = destroy::destroy(&clients, &model.name, &opts).await {
                        eprintln!("warning: cleaning up {}: {e}", model.name);
                    }
                }
            }
            r
        };
        if report.passed() {
            eprintln!("pass  {}", f.display());
        } else {
            failed += 1;
            eprintln!(
                "FAIL  {}\n  {}",
                f.display(),
                report.mismatches.join("\n  ")
            );
        }
        reports.push(report);
    }
    emit(cli.output, &reports, || {
        format!("{} scenario(s), {} failed\n", reports.len(), failed)
    });
    if failed > 0 {
        ExitCode::from(exit::SCENARIO_FAILED)
    } else {
        ExitCode::SUCCESS
    }
}
