//! The console: confirmation before a change on real AWS, progress while
//! it runs, the slowest steps after.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use provisioner::apply::Progress;
use provisioner::reconcile::Event;
use provisioner::report;
use provisioner::target::{self, Target};

use super::{Cli, CliError, Output, note};

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
pub(super) fn confirm(cli: &Cli, target: &Target, what: &str) -> Result<(), CliError> {
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
pub(super) fn progress(cli: &Cli) -> Option<Progress> {
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
pub(super) fn slowest(
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
}
