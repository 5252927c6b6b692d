//! `fake-ec2`: the standalone endpoint.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use fake_ec2::protocol::sigv4::SecretKey;
use fake_ec2::{Fake, Seed, StateFile};

/// An EC2 + ELBv2 endpoint for IPv6 and dualstack testing: point any AWS
/// client at it with --endpoint-url (or AWS_ENDPOINT_URL).
#[derive(Debug, Parser)]
#[command(name = "fake-ec2", version)]
struct Args {
    /// Port to listen on.
    #[arg(long, default_value_t = 4566, env = "FAKE_EC2_PORT")]
    port: u16,
    /// Address to bind. Only loopback addresses unless --allow-remote.
    #[arg(long, default_value = "127.0.0.1", env = "FAKE_EC2_BIND")]
    bind: IpAddr,
    /// Allow binding a non-loopback address: anyone who can reach it can
    /// change the fake's state.
    #[arg(long)]
    allow_remote: bool,
    /// A YAML seed: zones opted into, extra zones and instance types, BYOIP and
    /// IPAM pools, pre-existing VPCs (see fake-ec2/README.md).
    #[arg(long, value_name = "FILE", env = "FAKE_EC2_SEED")]
    seed: Option<PathBuf>,
    /// Keep the state in FILE: loaded from it at start when it exists (the
    /// seed is then not used), saved atomically after every mutating request.
    #[arg(long, value_name = "FILE", env = "FAKE_EC2_STATE_FILE")]
    state_file: Option<PathBuf>,
    /// Check every request's SigV4 signature against the configured
    /// credentials (--credentials, or the seed's `credentials`).
    #[arg(long)]
    verify_sigv4: bool,
    /// A YAML or JSON map of access key id to secret access key, for --verify-sigv4.
    #[arg(long, value_name = "FILE", env = "FAKE_EC2_CREDENTIALS")]
    credentials: Option<PathBuf>,
    /// Worker threads serving requests. One thread answers a client's
    /// requests with the least CPU (the state sits behind one lock anyway);
    /// more help only when many clients send at once on a many-core host.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256), env = "FAKE_EC2_THREADS")]
    threads: u16,
}

fn read_credentials(path: &std::path::Path) -> Result<BTreeMap<String, SecretKey>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("reading credentials file {}: {e}", path.display()))?;
    // The parser's message could quote the file; it holds secrets.
    serde_saphyr::from_str(&text).map_err(|_| {
        format!(
            "credentials file {}: not a map of access key id to secret access key",
            path.display()
        )
    })
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM (what `kill`, systemd and container
/// runtimes send): either one stops the server and saves the state file.
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => tokio::select! {
            _ = tokio::signal::ctrl_c() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        },
        Err(e) => {
            tracing::warn!(error = %e, "cannot wait for SIGTERM; only Ctrl-C saves at shutdown");
            let _ = tokio::signal::ctrl_c().await;
            "SIGINT"
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = if args.threads == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(usize::from(args.threads));
        b
    }
    .enable_all()
    .build();
    match runtime {
        Ok(rt) => rt.block_on(run(args)),
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            ExitCode::from(1)
        }
    }
}

async fn run(args: Args) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    if !args.bind.is_loopback() && !args.allow_remote {
        eprintln!(
            "error: refusing to bind {}: it is not a loopback address. Pass --allow-remote to serve other hosts.",
            args.bind
        );
        return ExitCode::from(2);
    }
    let mut seed = match &args.seed {
        Some(path) => match Seed::from_file(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => Seed::default(),
    };
    if let Some(path) = &args.credentials {
        match read_credentials(path) {
            Ok(keys) => seed.credentials.extend(keys),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    seed.verify_sigv4 |= args.verify_sigv4;
    if seed.verify_sigv4 && seed.credentials.is_empty() {
        eprintln!(
            "error: --verify-sigv4 needs credentials: --credentials FILE or the seed's `credentials`"
        );
        return ExitCode::from(2);
    }
    let fake = match &args.state_file {
        Some(path) => Fake::with_state_file(seed, StateFile::new(path)).map_err(|e| e.to_string()),
        None => Fake::from_seed(seed).map_err(|e| e.to_string()),
    };
    let fake = match fake {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind((args.bind, args.port)).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("error: cannot listen on {}:{}: {e}", args.bind, args.port);
            return ExitCode::from(1);
        }
    };
    let server = match fake.serve(listener) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    println!("fake-ec2 listening on {}", server.url());
    println!(
        "  state: {0}/_fake/state  journal: {0}/_fake/journal  reset: POST {0}/_fake/reset",
        server.url()
    );
    let signal = stop_signal().await;
    tracing::info!(signal, "stopping");
    server.shutdown().await;
    if let Err(e) = fake.save_state() {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
