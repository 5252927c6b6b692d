//! The fake's whole state: one [`Region`] per (account, region), created on
//! first use from the built-in catalogs and the seed; the request counter and
//! clock; the journal; the fault rules.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use crate::ec2::Ec2State;
use crate::ec2::instance_types::InstanceTypeInfo;
use crate::ec2::zones::Zone;
use crate::elbv2::Elbv2State;
use crate::faults::{FaultRule, Faults};
use crate::ids::{EPOCH, Ids, Timestamp};
use crate::journal::JournalEntry;
use crate::seed::{RegionSeed, Seed};

/// Account used when the access key id is not a 12-digit account number.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// Region used when a request carries no SigV4 scope.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Settings that apply to every region.
#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub default_account: String,
    pub default_region: String,
    /// How many Describe reads see a new resource in its transitional state
    /// (`pending`, `associating`, `provisioning`) before it settles. 0: the
    /// create answer shows the transitional state, every later read the final one.
    pub settle_reads: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            default_account: DEFAULT_ACCOUNT.to_owned(),
            default_region: DEFAULT_REGION.to_owned(),
            settle_reads: 0,
        }
    }
}

/// Everything the fake holds for one account in one region.
#[derive(Debug, Clone)]
pub struct Region {
    pub account: String,
    pub name: String,
    pub ids: Ids,
    pub zones: Vec<Zone>,
    pub instance_types: Arc<Vec<InstanceTypeInfo>>,
    pub ec2: Ec2State,
    pub elbv2: Elbv2State,
    pub settle_reads: u32,
}

impl Region {
    fn new(account: &str, name: &str, seed: Option<&RegionSeed>, config: &Config) -> Self {
        let mut zones = crate::ec2::zones::catalog(name);
        let mut instance_types = crate::ec2::instance_types::catalog();
        if let Some(seed) = seed {
            seed.apply_catalogs(&mut zones, &mut instance_types);
        }
        Self {
            account: account.to_owned(),
            name: name.to_owned(),
            ids: Ids::default(),
            zones,
            instance_types: Arc::new(instance_types),
            ec2: Ec2State::default(),
            elbv2: Elbv2State::default(),
            settle_reads: config.settle_reads,
        }
    }

    pub fn zone(&self, name: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.name == name)
    }

    pub fn zone_by_id(&self, id: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.zone_id == id)
    }

    pub fn instance_type(&self, name: &str) -> Option<&InstanceTypeInfo> {
        self.instance_types.iter().find(|t| t.instance_type == name)
    }

    /// `arn:aws:<service>:<region>:<account>:<resource>`
    pub fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:aws:{service}:{}:{}:{resource}",
            self.name, self.account
        )
    }
}

/// The state behind one fake endpoint.
#[derive(Debug)]
pub struct World {
    pub config: Config,
    regions: BTreeMap<(String, String), Region>,
    seed: Seed,
    seq: u64,
    journal: Vec<JournalEntry>,
    pub(crate) faults: Faults,
}

impl Default for World {
    fn default() -> Self {
        Self::new(Seed::default()).expect("the empty seed is valid")
    }
}

impl World {
    /// A world built from a seed: catalogs, pools and pre-existing resources.
    pub fn new(seed: Seed) -> Result<Self, crate::seed::SeedError> {
        let config = seed.config();
        let mut world = Self {
            faults: Faults::new(seed.faults.clone(), seed.fault_seed),
            config,
            regions: BTreeMap::new(),
            seed,
            seq: 0,
            journal: Vec::new(),
        };
        let seed = world.seed.clone();
        seed.apply_resources(&mut world)?;
        Ok(world)
    }

    /// Back to the state right after seeding: resources, journal, counters, faults.
    pub fn reset(&mut self) {
        let seed = self.seed.clone();
        *self = Self::new(seed).expect("a seed that loaded once loads again");
    }

    /// The region's state, created from the catalogs and the seed on first use.
    pub fn region(&mut self, account: &str, region: &str) -> &mut Region {
        let key = (account.to_owned(), region.to_owned());
        let seed = &self.seed;
        let config = &self.config;
        self.regions
            .entry(key)
            .or_insert_with(|| Region::new(account, region, seed.regions.get(region), config))
    }

    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    /// Advances the request counter and clock; returns the request's sequence number.
    pub(crate) fn next_request(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// The time of the current request.
    pub fn now(&self) -> Timestamp {
        Timestamp(EPOCH + self.seq)
    }

    pub fn journal(&self) -> &[JournalEntry] {
        &self.journal
    }

    pub(crate) fn record(&mut self, entry: JournalEntry) {
        self.journal.push(entry);
    }

    pub fn clear_journal(&mut self) {
        self.journal.clear();
    }

    pub fn set_faults(&mut self, rules: Vec<FaultRule>, seed: u64) {
        self.faults = Faults::new(rules, seed);
    }

    pub fn fault_rules(&self) -> Vec<FaultRule> {
        self.faults.rules()
    }
}
