//! Deterministic identifiers, request ids and timestamps.
//!
//! Ids come from one counter per prefix (`vpc-00000000000000001`), so adding
//! a security group to a scenario never renumbers its subnets. Time comes
//! from a clock that advances one second per request from a fixed epoch.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Counters for resource ids, one per prefix.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Ids {
    counters: BTreeMap<String, u64>,
    /// Ids a seed chose for the next resources of a prefix (pre-existing
    /// resources such as `vpc-1234567890abcdefg`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    chosen: BTreeMap<String, Vec<String>>,
    /// Set while a default VPC is built: its ids come from a series of
    /// their own (see [`Ids::next`]), so having one never shifts the ids of
    /// what a test creates.
    #[serde(skip)]
    default_series: bool,
}

impl Ids {
    /// The next id with AWS's shape: `prefix-` and 17 hex digits, unless a
    /// seed chose this one. A default VPC's resources take theirs from a
    /// series of their own, `prefix-d` and 16 hex digits
    /// (`vpc-d0000000000000001`).
    pub fn next(&mut self, prefix: &str) -> String {
        if let Some(ids) = self.chosen.get_mut(prefix)
            && let Some(id) = ids.pop()
        {
            return id;
        }
        if self.default_series {
            return format!("{prefix}-d{:016x}", self.bump(&format!("default:{prefix}")));
        }
        format!("{prefix}-{:017x}", self.bump(prefix))
    }

    /// Ids from [`Ids::next`] come from the default VPC's series while `on`.
    pub(crate) fn set_default_series(&mut self, on: bool) {
        self.default_series = on;
    }

    /// Makes the next `next(prefix)` return `id`.
    pub fn choose(&mut self, prefix: &str, id: String) {
        self.chosen.entry(prefix.to_owned()).or_default().push(id);
    }

    /// The next value of a named counter (1, 2, ...).
    pub fn bump(&mut self, counter: &str) -> u64 {
        let n = self.counters.entry(counter.to_owned()).or_insert(0);
        *n += 1;
        *n
    }

    /// A 16-hex-digit suffix, as ELBv2 uses in ARNs.
    pub fn next_hex16(&mut self, counter: &str) -> String {
        format!("{:016x}", self.bump(counter))
    }
}

/// The start of the fake's time: 2026-01-01T00:00:00Z.
pub const EPOCH: u64 = 1_767_225_600;

/// A deterministic clock in whole seconds since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Timestamp(pub u64);

impl Timestamp {
    /// `2026-01-01T00:00:00.000Z`, the form both services use.
    pub fn iso8601(self) -> String {
        let secs = self.0;
        let days = (secs / 86_400) as i64;
        let rem = secs % 86_400;
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
            rem / 3600,
            (rem / 60) % 60,
            rem % 60
        )
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.iso8601())
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A request id shaped like a UUID, from a counter.
pub fn request_id(seq: u64) -> String {
    format!("00000000-0000-4000-8000-{seq:012x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_per_prefix_counters() {
        let mut ids = Ids::default();
        assert_eq!(ids.next("vpc"), "vpc-00000000000000001");
        assert_eq!(ids.next("subnet"), "subnet-00000000000000001");
        assert_eq!(ids.next("vpc"), "vpc-00000000000000002");
    }

    #[test]
    fn the_default_vpc_series_never_shifts_the_others() {
        let mut ids = Ids::default();
        ids.set_default_series(true);
        assert_eq!(ids.next("vpc"), "vpc-d0000000000000001");
        assert_eq!(ids.next("subnet"), "subnet-d0000000000000001");
        ids.set_default_series(false);
        assert_eq!(ids.next("vpc"), "vpc-00000000000000001");
        assert_eq!(ids.next("vpc").len(), "vpc-d0000000000000001".len());
    }

    #[test]
    fn formats_time() {
        assert_eq!(Timestamp(EPOCH).iso8601(), "2026-01-01T00:00:00.000Z");
        assert_eq!(
            Timestamp(EPOCH + 86_400 * 59 + 3661).iso8601(),
            "2026-03-01T01:01:01.000Z"
        );
        assert_eq!(Timestamp(951_782_400).iso8601(), "2000-02-29T00:00:00.000Z");
    }
}
