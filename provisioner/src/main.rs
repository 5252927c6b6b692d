//! `provisioner`: thin CLI over the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use provisioner::instance_types;
use provisioner::target::{self, TargetOptions};

/// Build, test and debug IPv6 and dualstack Kubernetes cluster networks on
/// AWS. Without --endpoint-url or --aws every command runs against an
/// embedded fake-ec2: no AWS account, no network.
#[derive(Debug, Parser)]
#[command(name = "provisioner", version)]
struct Cli {
    /// AWS region.
    #[arg(long, global = true, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
    /// Send AWS calls to this endpoint (e.g. a standalone fake-ec2).
    /// AWS_ENDPOINT_URL_EC2 and AWS_ENDPOINT_URL work too.
    #[arg(long, global = true, value_name = "URL")]
    endpoint_url: Option<String>,
    /// Use real AWS with the default credential chain.
    #[arg(long, global = true)]
    aws: bool,
    #[arg(long, global = true, value_enum, default_value_t = Output::Text)]
    output: Output,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Output {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
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
    pub const BAD_INPUT: u8 = 2;
    pub const AWS_FAILURE: u8 = 4;
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
    let opts = TargetOptions {
        region: cli.region.clone(),
        endpoint_url: cli.endpoint_url.clone(),
        aws: cli.aws,
    };
    let clients = match target::connect(&opts).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(exit::BAD_INPUT);
        }
    };
    eprintln!("target: {}", clients.target);
    match cli.command {
        Command::InstanceTypes { types } => {
            match instance_types::check(&clients.ec2, &clients.region, &types).await {
                Ok(report) => {
                    match cli.output {
                        Output::Text => print!("{}", report.text()),
                        Output::Json => println!(
                            "{}",
                            serde_json::to_string_pretty(&report).unwrap_or_default()
                        ),
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(exit::AWS_FAILURE)
                }
            }
        }
    }
}
