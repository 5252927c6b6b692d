//! `fake-ec2-fuzz`: the dispatch fuzz target on stable Rust. Runs a bounded
//! number of inputs from a seeded generator (real actions with chosen or
//! random parameters, and raw bytes) or the files of a corpus directory
//! (cargo-fuzz's `fuzz/corpus/dispatch` included) through `Fake::handle`,
//! and checks every answer is an AWS envelope (`fake_ec2::fuzzing`).
//!
//! ```sh
//! cargo run --release -p fake-ec2 --features fuzzing --bin fake-ec2-fuzz -- --iterations 1000000 --seed 7
//! cargo run --release -p fake-ec2 --features fuzzing --bin fake-ec2-fuzz -- --corpus fake-ec2/fuzz/corpus/dispatch
//! ```
//!
//! A failing input is written to `fuzz-failure-<seed>-<n>.bin` and the run
//! exits with status 1; replay it with `--corpus` on its directory.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use fake_ec2::fuzzing::{self, Rng};

#[derive(Debug, Parser)]
#[command(name = "fake-ec2-fuzz")]
struct Args {
    /// Generated inputs to run.
    #[arg(long, default_value_t = 100_000)]
    iterations: u64,
    /// Seed of the generator: the same seed runs the same inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Run every file of this directory as one input (instead of generating).
    #[arg(long, value_name = "DIR")]
    corpus: Option<PathBuf>,
    /// Inputs per fake before a fresh one (state builds up in between).
    #[arg(long, default_value_t = 500)]
    fresh_every: u64,
    /// Also write the generated inputs here (a seed corpus for cargo-fuzz).
    #[arg(long, value_name = "DIR")]
    write_corpus: Option<PathBuf>,
}

/// What one input came to: its answer's status and error code, or a failure.
fn run(fake: &fake_ec2::Fake, input: &[u8]) -> Result<String, String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let resp = fuzzing::decode(input).answer(fake);
        fuzzing::check_answer(&resp)?;
        Ok(if resp.status == 200 {
            "200".to_owned()
        } else {
            let code = resp.error_code.as_deref().unwrap_or("?");
            format!("{} {code}", resp.status)
        })
    }));
    outcome.unwrap_or_else(|_| Err("panicked outside the handler guard".to_owned()))
}

fn main() -> ExitCode {
    let args = Args::parse();
    let started = Instant::now();
    let inputs: Box<dyn Iterator<Item = (String, Vec<u8>)>> = match &args.corpus {
        Some(dir) => {
            let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
                Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
                Err(e) => {
                    eprintln!("error: reading corpus {}: {e}", dir.display());
                    return ExitCode::from(2);
                }
            };
            files.sort();
            Box::new(files.into_iter().filter_map(|p| {
                let data = std::fs::read(&p).ok()?;
                Some((p.display().to_string(), data))
            }))
        }
        None => {
            let mut rng = Rng::new(args.seed);
            Box::new((0..args.iterations).map(move |n| {
                (
                    format!("seed {} input {n}", args.seed),
                    fuzzing::generate(&mut rng),
                )
            }))
        }
    };
    if let Some(dir) = &args.write_corpus
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    let mut fake = fuzzing::seeded_fake();
    let mut answers: BTreeMap<String, u64> = BTreeMap::new();
    let mut executions = 0u64;
    for (name, input) in inputs {
        if executions > 0 && executions.is_multiple_of(args.fresh_every.max(1)) {
            fake = fuzzing::seeded_fake();
        }
        executions += 1;
        if let Some(dir) = &args.write_corpus {
            let _ = std::fs::write(dir.join(format!("gen-{}-{executions}", args.seed)), &input);
        }
        match run(&fake, &input) {
            Ok(answer) => *answers.entry(answer).or_default() += 1,
            Err(why) => {
                let file = format!("fuzz-failure-{}-{executions}.bin", args.seed);
                let _ = std::fs::write(&file, &input);
                eprintln!("FAILED on {name} (saved as {file}): {why}");
                eprintln!("input: {:?}", String::from_utf8_lossy(&input));
                return ExitCode::from(1);
            }
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{executions} inputs in {secs:.1} s ({:.0}/s), every answer an AWS envelope",
        executions as f64 / secs.max(1e-9)
    );
    let mut top: Vec<(&String, &u64)> = answers.iter().collect();
    top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    println!("{} distinct answers; most frequent:", answers.len());
    for (answer, n) in top.iter().take(12) {
        println!("  {n:>9}  {answer}");
    }
    ExitCode::SUCCESS
}
