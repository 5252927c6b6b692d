//! `fake-ec2`: the standalone endpoint.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use fake_ec2::protocol::sigv4::SecretKey;
use fake_ec2::{Fake, Seed, ServeOptions, StateFile};

/// An EC2, ELB (v2 and classic) and EKS endpoint for IPv6 and dualstack testing: point any AWS
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
    /// Allow binding a non-loopback address, and requests whose Host is not
    /// a loopback name or address: anyone who can reach it can change the
    /// fake's state.
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
    /// A request head must be complete this long after its first byte, or
    /// the connection is closed (a slowloris client). `250ms`, `10s`, `2m`.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration, env = "FAKE_EC2_HEADER_TIMEOUT")]
    header_timeout: Duration,
    /// A request body must be complete this long after its head, or the
    /// request is answered 400 RequestTimeout.
    #[arg(long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration, env = "FAKE_EC2_BODY_TIMEOUT")]
    body_timeout: Duration,
    /// A keep-alive connection idle this long is closed.
    #[arg(long, value_name = "DURATION", default_value = "120s", value_parser = parse_duration, env = "FAKE_EC2_IDLE_TIMEOUT")]
    idle_timeout: Duration,
    /// Connections served at once; 16 more get only /_fake/health (others a
    /// 503), and the rest wait. Lowered to fit the open-file limit.
    #[arg(long, value_name = "N", default_value_t = 512, value_parser = clap::value_parser!(u32).range(1..=1_000_000), env = "FAKE_EC2_MAX_CONNECTIONS")]
    max_connections: u32,
}

/// `250ms`, `10s`, `2m`, or a number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, ""), |i| text.split_at(i));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a duration such as 250ms, 10s or 2m"))?;
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => {
            return Err(format!(
                "'{text}' is not a duration such as 250ms, 10s or 2m"
            ));
        }
    };
    if d.is_zero() {
        return Err("a timeout of 0 would close every connection".to_owned());
    }
    Ok(d)
}

/// File descriptors kept for everything but connections: the listener, the
/// state, journal and lock files, a save's temporary file and directory,
/// stdio, the runtime's own.
const RESERVED_FDS: u64 = 64;

/// Raises the soft open-file limit to the hard one where allowed; returns
/// the soft limit in force (`None`: unlimited).
fn raise_fd_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    // An unlimited hard limit cannot be the soft one for files; a million is plenty.
    let target = limit.maximum.unwrap_or(1 << 20);
    if limit.current.is_some_and(|c| c < target) {
        let raised = Rlimit {
            current: Some(target),
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            tracing::warn!(error = %e, "cannot raise the open-file limit");
        }
    }
    getrlimit(Resource::Nofile).current
}

/// `wanted` connections, or as many as the open-file limit leaves room for.
fn fitting_connections(wanted: usize, fd_limit: Option<u64>) -> usize {
    let Some(limit) = fd_limit else {
        return wanted;
    };
    let room = limit.saturating_sub(RESERVED_FDS + fake_ec2::server::OVERFLOW_CONNECTIONS as u64);
    let fits = usize::try_from(room).unwrap_or(usize::MAX).max(1);
    if fits < wanted {
        tracing::warn!(
            wanted,
            fits,
            fd_limit = limit,
            "fewer connections than --max-connections: the open-file limit leaves room for no more"
        );
    }
    wanted.min(fits)
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
    let options = ServeOptions {
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        idle_timeout: args.idle_timeout,
        max_connections: fitting_connections(args.max_connections as usize, raise_fd_limit()),
        allow_remote: args.allow_remote,
    };
    let server = match fake.serve_with(listener, options) {
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
    println!("  live page: {}/_fake/ui", server.url());
    let signal = stop_signal().await;
    tracing::info!(signal, "stopping");
    server.shutdown().await;
    if let Err(e) = fake.save_state() {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
