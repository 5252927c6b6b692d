//! One account in one region: its resources of every service, its zones
//! and instance types, its id counters ([`Region`]); the settings every
//! region shares ([`Config`]); and what a handler of either service works
//! on ([`Ctx`]).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ec2::Ec2State;
use crate::ec2::instance_types::InstanceTypeInfo;
use crate::ec2::zones::Zone;
use crate::eks::EksState;
use crate::elb::ElbState;
use crate::elbv2::Elbv2State;
use crate::faults::Fate;
use crate::ids::{Ids, Timestamp};

/// Account used when the access key id is not a 12-digit account number.
pub const DEFAULT_ACCOUNT: &str = "123456789012";
/// Region used when a request carries no SigV4 scope.
pub const DEFAULT_REGION: &str = "us-east-1";

/// Settings that apply to every region.
#[derive(Debug, Clone, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Region {
    pub account: String,
    pub name: String,
    pub ids: Ids,
    pub zones: Vec<Zone>,
    /// The catalog and the seed's additions; never changed by a request, so
    /// a state file leaves it out and loading rebuilds it.
    #[serde(skip)]
    pub instance_types: Arc<Vec<InstanceTypeInfo>>,
    pub ec2: Ec2State,
    pub elbv2: Elbv2State,
    /// Classic load balancers (absent from state files written before them).
    #[serde(default)]
    pub elb: ElbState,
    /// EKS clusters (absent from state files written before them).
    #[serde(default)]
    pub eks: EksState,
    pub settle_reads: u32,
    /// Resources that answer NotFound to this many more calls naming them
    /// (the `not_found_reads` fault: eventual consistency after a create).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unseen: BTreeMap<String, u32>,
}

impl Region {
    /// A region without resources, with these zones and instance types
    /// (`Seed::new_region` in seed.rs gives it the catalogs and the
    /// seed's additions).
    pub(crate) fn new(
        account: &str,
        name: &str,
        zones: Vec<Zone>,
        instance_types: Vec<InstanceTypeInfo>,
        config: &Config,
    ) -> Self {
        Self {
            account: account.to_owned(),
            name: name.to_owned(),
            ids: Ids::default(),
            zones,
            instance_types: Arc::new(instance_types),
            ec2: Ec2State::default(),
            elbv2: Elbv2State::default(),
            elb: ElbState::default(),
            eks: EksState::default(),
            settle_reads: config.settle_reads,
            unseen: BTreeMap::new(),
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

/// What a handler works on: the caller's region, the request time, and
/// what a fault rule decided for the resource a create call makes.
pub struct Ctx<'a> {
    pub region: &'a mut Region,
    pub now: Timestamp,
    pub fate: Option<Fate>,
}

impl Ctx<'_> {
    pub fn ec2(&mut self) -> &mut Ec2State {
        &mut self.region.ec2
    }

    pub fn next_id(&mut self, prefix: &str) -> String {
        self.region.ids.next(prefix)
    }

    pub fn account(&self) -> &str {
        &self.region.account
    }
}
