//! The world a fake starts from, as Rust values or a YAML file: account and
//! region defaults, fault rules, and per region the zone groups opted into,
//! extra zones and instance types, BYOIP and IPAM pools.
//!
//! ```yaml
//! account_id: "123456789012"
//! default_region: us-east-1
//! regions:
//!   us-east-1:
//!     opt_in: [us-east-1-nyc-1]
//!     ipv6_pools:
//!       - pool_id: ipv6pool-ec2-0123456789abcdef0
//!         cidrs: ["2001:db8:1200::/40"]
//!     ipam_pools:
//!       - ipam_pool_id: ipam-pool-0123456789abcdef0
//!         address_family: ipv6
//!         cidrs: ["2001:db8:ab00::/40"]
//!         allocation_default_netmask_length: 56
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use ipnet::{IpNet, Ipv6Net};
use serde::{Deserialize, Serialize};

use crate::ec2::Ctx;
use crate::ec2::instance_types::InstanceTypeInfo;
use crate::ec2::pools::{self, AddressFamily, NewIpamPool};
use crate::ec2::tags::Tags;
use crate::ec2::zones::{OptInStatus, Zone};
use crate::faults::FaultRule;
use crate::world::{Config, DEFAULT_ACCOUNT, DEFAULT_REGION, World};

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// The seed file could not be read.
    #[error("reading seed file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The seed is not valid YAML or has unknown fields.
    #[error("{0}")]
    Yaml(String),
    /// The seed asks for something AWS would refuse (the AWS error says why).
    #[error("seed region {region}: {message}")]
    Invalid { region: String, message: String },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Seed {
    /// The account requests use when their access key is not a 12-digit account id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    /// The region of requests without a SigV4 scope.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_region: Option<String>,
    /// Reads a new resource stays transitional for (see `Config::settle_reads`).
    pub settle_reads: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub faults: Vec<FaultRule>,
    /// Seed of the random source behind probabilistic faults.
    pub fault_seed: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub regions: BTreeMap<String, RegionSeed>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RegionSeed {
    /// Local Zone and Wavelength Zone groups the account has opted into.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opt_in: Vec<String>,
    /// Zones added to the built-in catalog (or replacing one of the same name).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<Zone>,
    /// Instance types added to the built-in catalog (or replacing one of the same name).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instance_types: Vec<InstanceTypeInfo>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipv6_pools: Vec<Ipv6PoolSeed>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ipam_pools: Vec<IpamPoolSeed>,
}

/// A BYOIP pool, as after `ProvisionByoipCidr` and `AdvertiseByoipCidr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ipv6PoolSeed {
    pub pool_id: String,
    pub cidrs: Vec<Ipv6Net>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

/// An IPAM pool with provisioned CIDRs. The seed creates one IPAM per region
/// to hold them (IPv6 pools in its public scope, IPv4 pools in its private one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpamPoolSeed {
    #[serde(default)]
    pub ipam_pool_id: Option<String>,
    pub address_family: AddressFamily,
    /// Defaults to the region, which is what VPC allocations need.
    #[serde(default)]
    pub locale: Option<String>,
    #[serde(default)]
    pub cidrs: Vec<IpNet>,
    #[serde(default)]
    pub allocation_min_netmask_length: Option<u8>,
    #[serde(default)]
    pub allocation_max_netmask_length: Option<u8>,
    #[serde(default)]
    pub allocation_default_netmask_length: Option<u8>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Tags,
}

impl Seed {
    pub fn from_yaml(text: &str) -> Result<Self, SeedError> {
        serde_saphyr::from_str(text).map_err(|e| SeedError::Yaml(e.to_string()))
    }

    pub fn from_file(path: &Path) -> Result<Self, SeedError> {
        let text = std::fs::read_to_string(path).map_err(|source| SeedError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_yaml(&text).map_err(|e| match e {
            SeedError::Yaml(m) => SeedError::Yaml(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    pub fn config(&self) -> Config {
        Config {
            default_account: self
                .account_id
                .clone()
                .unwrap_or_else(|| DEFAULT_ACCOUNT.to_owned()),
            default_region: self
                .default_region
                .clone()
                .unwrap_or_else(|| DEFAULT_REGION.to_owned()),
            settle_reads: self.settle_reads,
        }
    }

    /// Creates the seeded resources through the same code paths as the API,
    /// so a seed that breaks an AWS rule fails with AWS's error.
    pub(crate) fn apply_resources(&self, world: &mut World) -> Result<(), SeedError> {
        let account = world.config.default_account.clone();
        for (name, rs) in &self.regions {
            let now = world.now();
            let region = world.region(&account, name);
            let invalid = |message: String| SeedError::Invalid {
                region: name.clone(),
                message,
            };
            for group in &rs.opt_in {
                if !region.zones.iter().any(|z| &z.group_name == group) {
                    return Err(invalid(format!("no zone group '{group}' to opt in to")));
                }
            }
            let mut ctx = Ctx { region, now };
            for pool in &rs.ipv6_pools {
                ctx.region.ec2.ipv6_pools.insert(
                    pool.pool_id.clone(),
                    pools::Ipv6Pool {
                        pool_id: pool.pool_id.clone(),
                        description: pool.description.clone().unwrap_or_default(),
                        pool_cidr_blocks: pool.cidrs.clone(),
                        tags: pool.tags.clone(),
                    },
                );
            }
            if rs.ipam_pools.is_empty() {
                continue;
            }
            let ipam_id = pools::new_ipam(
                &mut ctx,
                Some("seeded".to_owned()),
                Vec::new(),
                "advanced".to_owned(),
                Tags::new(),
            );
            let ipam = ctx.region.ec2.ipams[&ipam_id].clone();
            for seed in &rs.ipam_pools {
                if let Some(id) = &seed.ipam_pool_id {
                    ctx.region.ids.choose("ipam-pool", id.clone());
                }
                let scope_id = match seed.address_family {
                    AddressFamily::Ipv6 => ipam.public_default_scope_id.clone(),
                    AddressFamily::Ipv4 => ipam.private_default_scope_id.clone(),
                };
                let id = pools::new_ipam_pool(
                    &mut ctx,
                    NewIpamPool {
                        scope_id,
                        family: Some(seed.address_family),
                        locale: Some(seed.locale.clone().unwrap_or_else(|| name.clone())),
                        description: seed.description.clone(),
                        min: seed.allocation_min_netmask_length,
                        max: seed.allocation_max_netmask_length,
                        default: seed.allocation_default_netmask_length,
                        tags: seed.tags.clone(),
                        ..NewIpamPool::default()
                    },
                )
                .map_err(|e| invalid(e.to_string()))?;
                for cidr in &seed.cidrs {
                    pools::provision_cidr(&mut ctx, &id, *cidr)
                        .map_err(|e| invalid(e.to_string()))?;
                }
            }
        }
        Ok(())
    }
}

impl RegionSeed {
    pub(crate) fn apply_catalogs(
        &self,
        zones: &mut Vec<Zone>,
        instance_types: &mut Vec<InstanceTypeInfo>,
    ) {
        for z in &self.zones {
            zones.retain(|old| old.name != z.name);
            zones.push(z.clone());
        }
        for t in &self.instance_types {
            instance_types.retain(|old| old.instance_type != t.instance_type);
            instance_types.push(t.clone());
        }
        for z in zones.iter_mut() {
            if self.opt_in.contains(&z.group_name) && z.opt_in_status == OptInStatus::NotOptedIn {
                z.opt_in_status = OptInStatus::OptedIn;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let text = "account_id: \"123456789012\"\ndefault_region: us-east-1\nregions:\n  us-east-1:\n    opt_in: [us-east-1-nyc-1]\n    ipv6_pools:\n      - pool_id: ipv6pool-ec2-0123456789abcdef0\n        cidrs: [\"2001:db8:1200::/40\"]\n    ipam_pools:\n      - ipam_pool_id: ipam-pool-0123456789abcdef0\n        address_family: ipv6\n        cidrs: [\"2001:db8:ab00::/40\"]\n        allocation_default_netmask_length: 56\n";
        let seed = Seed::from_yaml(text).unwrap();
        let mut world = World::new(seed).unwrap();
        let region = world.region("123456789012", "us-east-1");
        assert!(region.zone("us-east-1-nyc-1a").unwrap().is_usable());
        assert!(
            region
                .ec2
                .ipv6_pools
                .contains_key("ipv6pool-ec2-0123456789abcdef0")
        );
        let pool = &region.ec2.ipam_pools["ipam-pool-0123456789abcdef0"];
        assert_eq!(pool.locale.as_deref(), Some("us-east-1"));
        assert_eq!(pool.cidrs.len(), 1);
    }

    #[test]
    fn unknown_fields_are_errors() {
        let e = Seed::from_yaml("regionz: {}").unwrap_err();
        assert!(e.to_string().contains("regionz"), "{e}");
    }

    #[test]
    fn bad_opt_in_group_is_refused() {
        let seed = Seed::from_yaml("regions:\n  us-east-1:\n    opt_in: [nowhere-1]\n").unwrap();
        assert!(World::new(seed).is_err());
    }
}
