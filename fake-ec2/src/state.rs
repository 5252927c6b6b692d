//! A deterministic dump of the whole world, for snapshots and `/_fake/state`.

use serde::Serialize;

use crate::ec2::Ec2State;
use crate::eks::EksState;
use crate::elb::ElbState;
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
    pub elb: ElbState,
    pub eks: EksState,
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
                    elb: r.elb.clone(),
                    eks: r.eks.clone(),
                })
                .collect(),
        }
    }
}
