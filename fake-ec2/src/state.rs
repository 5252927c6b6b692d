//! A deterministic dump of the whole world, for snapshots and `/_fake/state`.

use serde::Serialize;

use crate::ec2::Ec2State;
use crate::elbv2::Elbv2State;
use crate::world::World;

#[derive(Debug, Clone, Serialize)]
pub struct StateDump {
    pub regions: Vec<RegionDump>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegionDump {
    pub account: String,
    pub region: String,
    pub ec2: Ec2State,
    pub elbv2: Elbv2State,
}

impl StateDump {
    pub fn of(world: &World) -> Self {
        Self {
            regions: world
                .regions()
                .map(|r| RegionDump {
                    account: r.account.clone(),
                    region: r.name.clone(),
                    ec2: r.ec2.clone(),
                    elbv2: r.elbv2.clone(),
                })
                .collect(),
        }
    }
}

thread_local! {
    static FULL: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `skip_serializing_if` for bookkeeping the dump leaves out (reads left
/// before a state settles, request fingerprints) but a state file must keep.
pub(crate) fn hidden_in_dump<T>(_: &T) -> bool {
    !FULL.with(std::cell::Cell::get)
}

/// Runs `f` with every field serialised, bookkeeping included (for state files).
pub(crate) fn with_bookkeeping<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            FULL.with(|c| c.set(self.0));
        }
    }
    let _reset = Reset(FULL.with(|c| c.replace(true)));
    f()
}
