//! The fake's whole state: one [`Region`] per (account, region), created on
//! first use from the built-in catalogs and the seed; the request counter and
//! clock; the journal; the fault rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::faults::{FaultRule, Faults};
use crate::ids::{EPOCH, Timestamp};
use crate::journal::JournalEntry;
use crate::protocol::sigv4::Credentials;
pub use crate::region::{Config, DEFAULT_ACCOUNT, DEFAULT_REGION, Region};
use crate::seed::Seed;

/// How many journal entries a fake keeps at the least (the newest ones);
/// each entry's `seq` numbers it for good.
pub const JOURNAL_LIMIT: usize = 100_000;
/// How many bytes of journal entries ([`JournalEntry::approx_bytes`]) a fake
/// keeps at the least: the journal holds the newest entries within both
/// limits, and drops the oldest when it reaches twice either.
pub const JOURNAL_BYTE_LIMIT: usize = 32 * 1024 * 1024;

/// The state behind one fake endpoint.
#[derive(Debug)]
pub struct World {
    pub config: Config,
    regions: BTreeMap<(String, String), Region>,
    seed: Seed,
    seq: u64,
    journal: Vec<JournalEntry>,
    /// The sum of the journal's [`JournalEntry::approx_bytes`].
    journal_bytes: usize,
    pub(crate) faults: Faults,
    /// Set when SigV4 signatures are verified: the keys requests may sign with.
    pub(crate) credentials: Option<Credentials>,
}

/// What a mutating request may change, as it was before: the fault rules'
/// counters and the one region the request names (or that it did not exist).
/// The request counter and clock are not taken back, so request ids stay unique.
#[derive(Debug)]
pub struct Undo {
    pub(crate) seq: u64,
    faults: Faults,
    key: (String, String),
    region: Option<Region>,
}

impl Undo {
    /// The request's sequence number (its journal entry's `seq`).
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

/// Version of the state file format (`WorldFile`). 2: the journal is kept
/// apart (see [`crate::persist`]); format 1 files, journal inside, still load.
pub const STATE_FORMAT: u32 = 2;

/// A whole world as a state file holds it: everything but credentials and
/// the journal.
#[derive(Serialize)]
pub(crate) struct WorldFileRef<'a> {
    format: u32,
    seed: &'a Seed,
    config: &'a Config,
    seq: u64,
    regions: Vec<&'a Region>,
    faults: &'a Faults,
}

/// [`WorldFileRef`] read back.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorldFile {
    format: u32,
    seed: Seed,
    config: Config,
    seq: u64,
    regions: Vec<Region>,
    /// Format 1 only.
    #[serde(default)]
    pub(crate) journal: Vec<JournalEntry>,
    faults: Faults,
}

impl Default for World {
    fn default() -> Self {
        Self::new(Seed::default()).expect("the empty seed is valid")
    }
}

impl World {
    /// A world built from a seed: catalogs, pools and pre-existing resources.
    pub fn new(seed: Seed) -> Result<Self, crate::seed::SeedError> {
        seed.check()?;
        let config = seed.config();
        let mut world = Self {
            faults: Faults::new(seed.faults.clone(), seed.fault_seed),
            config,
            regions: BTreeMap::new(),
            credentials: seed
                .verify_sigv4
                .then(|| Credentials::new(seed.credentials.clone())),
            seed,
            seq: 0,
            journal: Vec::new(),
            journal_bytes: 0,
        };
        let seed = world.seed.clone();
        let account = world.config.default_account.clone();
        for (name, rs) in &seed.regions {
            let now = world.now();
            rs.apply_resources(name, world.region(&account, name), now)?;
        }
        Ok(world)
    }

    /// Back to the state right after seeding: resources, journal, counters,
    /// faults. Signature checking stays as it is.
    pub fn reset(&mut self) {
        let seed = self.seed.clone();
        let credentials = self.credentials.take();
        *self = Self::new(seed).expect("a seed that loaded once loads again");
        self.credentials = credentials;
    }

    /// Turns SigV4 verification on with these keys, or off with `None`.
    pub fn set_credentials(&mut self, credentials: Option<Credentials>) {
        self.credentials = credentials;
    }

    /// The world as a state file holds it (see [`crate::persist`]).
    pub(crate) fn to_file(&self) -> WorldFileRef<'_> {
        WorldFileRef {
            format: STATE_FORMAT,
            seed: &self.seed,
            config: &self.config,
            seq: self.seq,
            regions: self.regions.values().collect(),
            faults: &self.faults,
        }
    }

    /// A world read back from a state file; `credentials` come from the
    /// current start, never from the file.
    pub(crate) fn from_file(
        file: WorldFile,
        credentials: Option<Credentials>,
    ) -> Result<Self, String> {
        if file.format != STATE_FORMAT && file.format != 1 {
            return Err(format!(
                "state file format {} is not {STATE_FORMAT} (or 1)",
                file.format
            ));
        }
        let mut regions = BTreeMap::new();
        for mut r in file.regions {
            crate::integrity::check_region(&r)?;
            r.instance_types = Arc::new(file.seed.catalogs(&r.name).1);
            let (account, name) = (r.account.clone(), r.name.clone());
            if regions.insert((account.clone(), name.clone()), r).is_some() {
                return Err(format!(
                    "region {name} of account {account} is in the file twice"
                ));
            }
        }
        let mut world = Self {
            config: file.config,
            regions,
            seed: file.seed,
            seq: file.seq,
            journal: Vec::new(),
            journal_bytes: 0,
            faults: file.faults,
            credentials,
        };
        for entry in file.journal {
            world.record(entry);
        }
        Ok(world)
    }

    /// Journal entries read back from where they were kept (oldest first):
    /// the request counter goes on after the newest of them, so `seq` never
    /// repeats even when reads after the last save were lost.
    pub(crate) fn restore_journal(&mut self, entries: Vec<JournalEntry>) {
        self.clear_journal();
        for entry in entries {
            self.seq = self.seq.max(entry.seq);
            self.record(entry);
        }
    }

    /// What undoes a mutating request in (account, region) (see [`Undo`]).
    pub(crate) fn checkpoint(&self, account: &str, region: &str, seq: u64) -> Undo {
        let key = (account.to_owned(), region.to_owned());
        Undo {
            seq,
            faults: self.faults.clone(),
            region: self.regions.get(&key).cloned(),
            key,
        }
    }

    /// Takes a request's change back: the region and the fault counters are
    /// as they were before it; its journal entry stays.
    pub fn undo(&mut self, undo: Undo) {
        self.faults = undo.faults;
        match undo.region {
            Some(region) => {
                self.regions.insert(undo.key, region);
            }
            None => {
                self.regions.remove(&undo.key);
            }
        }
    }

    /// The journal entry of request `seq`, if the journal still holds it.
    pub(crate) fn journal_entry_mut(&mut self, seq: u64) -> Option<&mut JournalEntry> {
        self.journal.iter_mut().rev().find(|e| e.seq == seq)
    }

    /// Replaces the whole world by `other` (a reset), handing back the old one.
    pub(crate) fn replace(&mut self, other: World) -> World {
        std::mem::replace(self, other)
    }

    /// The region's state, created from the catalogs and the seed on first use.
    pub fn region(&mut self, account: &str, region: &str) -> &mut Region {
        let key = (account.to_owned(), region.to_owned());
        let seed = &self.seed;
        let config = &self.config;
        self.regions
            .entry(key)
            .or_insert_with(|| seed.new_region(account, region, config))
    }

    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    /// Advances the request counter and clock; returns the request's sequence number.
    pub(crate) fn next_request(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The seed the world started from (and goes back to on reset).
    pub fn seed(&self) -> &Seed {
        &self.seed
    }

    /// How many requests the world has numbered (the `seq` of the newest).
    pub fn request_count(&self) -> u64 {
        self.seq
    }

    /// The time of the current request.
    pub fn now(&self) -> Timestamp {
        Timestamp(EPOCH + self.seq)
    }

    pub fn journal(&self) -> &[JournalEntry] {
        &self.journal
    }

    /// Keeps the newest [`JOURNAL_LIMIT`] entries and [`JOURNAL_BYTE_LIMIT`]
    /// bytes: a long-running fake does not grow without bound (older entries
    /// go in one batch when either reaches twice its limit, so the cost
    /// stays constant per request).
    pub(crate) fn record(&mut self, entry: JournalEntry) {
        self.journal_bytes += entry.approx_bytes();
        self.journal.push(entry);
        if self.journal.len() >= 2 * JOURNAL_LIMIT || self.journal_bytes >= 2 * JOURNAL_BYTE_LIMIT {
            // Drop the oldest until both limits hold again (the newest stays).
            let mut drop = self.journal.len().saturating_sub(JOURNAL_LIMIT);
            let mut bytes: usize = self.journal[..drop]
                .iter()
                .map(JournalEntry::approx_bytes)
                .sum();
            while drop + 1 < self.journal.len() && self.journal_bytes - bytes > JOURNAL_BYTE_LIMIT {
                bytes += self.journal[drop].approx_bytes();
                drop += 1;
            }
            self.journal.drain(..drop);
            self.journal_bytes -= bytes;
        }
    }

    /// The sum of the journal entries' [`JournalEntry::approx_bytes`].
    pub fn journal_bytes(&self) -> usize {
        self.journal_bytes
    }

    pub fn clear_journal(&mut self) {
        self.journal.clear();
        self.journal_bytes = 0;
    }

    /// Replaces the fault rules. Panics on a rule that
    /// [`FaultRule::check`] refuses; `Fake::try_set_faults` returns the reason.
    pub fn set_faults(&mut self, rules: Vec<FaultRule>, seed: u64) {
        if let Err(e) = crate::faults::check_rules("rules", &rules) {
            panic!("invalid fault rules: {e}");
        }
        self.faults = Faults::new(rules, seed);
    }

    pub fn fault_rules(&self) -> Vec<FaultRule> {
        self.faults.rules()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Service;

    fn entry(seq: u64) -> JournalEntry {
        JournalEntry {
            seq,
            service: Service::Ec2,
            account: DEFAULT_ACCOUNT.to_string(),
            region: DEFAULT_REGION.to_string(),
            action: "DescribeVpcs".to_string(),
            params: Default::default(),
            status: 200,
            error_code: None,
            mutating: false,
            dry_run: false,
            injected: false,
        }
    }

    /// Entries of 1 MiB: the journal keeps at least the byte limit's worth
    /// of the newest ones and never holds more than twice that.
    #[test]
    fn journal_is_bounded_by_bytes_too() {
        let mut world = World::default();
        let big = |seq| JournalEntry {
            params: [("Junk".to_owned(), "x".repeat(1 << 20))].into(),
            ..entry(seq)
        };
        let each = big(0).approx_bytes();
        let total = 3 * JOURNAL_BYTE_LIMIT as u64 / (1 << 20);
        for seq in 1..=total {
            world.record(big(seq));
            assert!(world.journal_bytes() < 2 * JOURNAL_BYTE_LIMIT);
            let sum: usize = world.journal().iter().map(JournalEntry::approx_bytes).sum();
            assert_eq!(sum, world.journal_bytes());
        }
        assert!(world.journal_bytes() >= JOURNAL_BYTE_LIMIT - each);
        assert_eq!(world.journal().last().unwrap().seq, total);
        assert!(world.journal().len() < JOURNAL_LIMIT);
        world.clear_journal();
        assert_eq!(world.journal_bytes(), 0);
    }

    #[test]
    fn journal_keeps_the_newest_entries_within_twice_the_limit() {
        let mut world = World::default();
        let total = 2 * JOURNAL_LIMIT as u64 + 7;
        for seq in 1..=total {
            world.record(entry(seq));
            assert!(world.journal().len() <= 2 * JOURNAL_LIMIT);
        }
        let journal = world.journal();
        assert!(journal.len() >= JOURNAL_LIMIT);
        assert_eq!(journal.last().unwrap().seq, total);
        // Contiguous: nothing in the middle was dropped.
        let first = journal[0].seq;
        assert_eq!(first + journal.len() as u64 - 1, total);
        assert!(first > 1, "the oldest entries were dropped");
    }
}
