//! Availability Zones, Local Zones and Wavelength Zones: a built-in catalog
//! per region, opt-in by zone group (ModifyAvailabilityZoneGroup), and
//! DescribeAvailabilityZones / DescribeRegions.
//!
//! `ipv6_supported` is the fake's own knowledge (not on the wire): Local Zones
//! support IPv6 only where AWS has enabled it, Wavelength Zones never do.

use serde::{Deserialize, Serialize};

use super::filters;
use super::tags::Tags;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneType {
    AvailabilityZone,
    LocalZone,
    WavelengthZone,
}

impl ZoneType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AvailabilityZone => "availability-zone",
            Self::LocalZone => "local-zone",
            Self::WavelengthZone => "wavelength-zone",
        }
    }

    /// Local and Wavelength Zones are "edge" zones in CAPA's terms.
    pub fn is_edge(self) -> bool {
        self != Self::AvailabilityZone
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OptInStatus {
    OptInNotRequired,
    OptedIn,
    NotOptedIn,
}

impl OptInStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OptInNotRequired => "opt-in-not-required",
            Self::OptedIn => "opted-in",
            Self::NotOptedIn => "not-opted-in",
        }
    }
}

/// One zone of a region, as DescribeAvailabilityZones reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zone {
    #[serde(rename = "zone_name")]
    pub name: String,
    pub zone_id: String,
    pub zone_type: ZoneType,
    pub region_name: String,
    pub group_name: String,
    pub network_border_group: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_zone_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_zone_id: Option<String>,
    pub opt_in_status: OptInStatus,
    /// Whether subnets in this zone may have IPv6 CIDRs.
    pub ipv6_supported: bool,
}

/// The type of the zone named `name` among a region's `zones`, if it is one.
pub fn zone_type(zones: &[Zone], name: &str) -> Option<ZoneType> {
    zones.iter().find(|z| z.name == name).map(|z| z.zone_type)
}

impl Zone {
    /// Opted in, or a zone that needs no opt-in.
    pub fn is_usable(&self) -> bool {
        self.opt_in_status != OptInStatus::NotOptedIn
    }

    fn to_xml(&self) -> Node {
        Node::el("item")
            .leaf("zoneName", &self.name)
            .leaf("zoneState", "available")
            .leaf("regionName", &self.region_name)
            .leaf("zoneId", &self.zone_id)
            .leaf("groupName", &self.group_name)
            .leaf("networkBorderGroup", &self.network_border_group)
            .leaf("zoneType", self.zone_type.as_str())
            .leaf("optInStatus", self.opt_in_status.as_str())
            .opt_leaf("parentZoneName", self.parent_zone_name.as_ref())
            .opt_leaf("parentZoneId", self.parent_zone_id.as_ref())
            .child(Node::set("messageSet", []))
    }
}

filters::filterable!(
    Zone,
    |zone| [
        ("group-name", filters::one(&zone.group_name)),
        // Accepted; this family carries no value for it.
        ("message", Vec::new()),
        (
            "network-border-group",
            filters::one(&zone.network_border_group)
        ),
        ("opt-in-status", filters::one(zone.opt_in_status.as_str())),
        ("parent-zone-id", filters::opt(zone.parent_zone_id.as_ref())),
        (
            "parent-zone-name",
            filters::opt(zone.parent_zone_name.as_ref())
        ),
        ("region-name", filters::one(&zone.region_name)),
        ("state", filters::one("available")),
        ("zone-id", filters::one(&zone.zone_id)),
        ("zone-name", filters::one(&zone.name)),
        ("zone-type", filters::one(zone.zone_type.as_str())),
    ],
    |_| {
        static EMPTY: Tags = Tags::new();
        &EMPTY
    }
);

/// (zone name, zone id) of a region's standard AZs.
type AzRow = (&'static str, &'static str);
/// (zone name, zone id, parent zone name, IPv6 supported) of an edge zone.
type EdgeRow = (&'static str, &'static str, &'static str, bool);

struct RegionCatalog {
    region: &'static str,
    azs: &'static [AzRow],
    local_zones: &'static [EdgeRow],
    wavelength_zones: &'static [EdgeRow],
}

const CATALOG: &[RegionCatalog] = &[
    RegionCatalog {
        region: "us-east-1",
        azs: &[
            ("us-east-1a", "use1-az1"),
            ("us-east-1b", "use1-az2"),
            ("us-east-1c", "use1-az4"),
            ("us-east-1d", "use1-az6"),
            ("us-east-1e", "use1-az3"),
            ("us-east-1f", "use1-az5"),
        ],
        local_zones: &[
            ("us-east-1-bos-1a", "use1-bos1-az1", "us-east-1a", false),
            ("us-east-1-chi-1a", "use1-chi1-az1", "us-east-1b", false),
            ("us-east-1-dfw-1a", "use1-dfw1-az1", "us-east-1c", true),
            ("us-east-1-mia-1a", "use1-mia1-az1", "us-east-1a", true),
            ("us-east-1-nyc-1a", "use1-nyc1-az1", "us-east-1f", true),
        ],
        wavelength_zones: &[
            (
                "us-east-1-wl1-atl-wlz-1",
                "use1-wl1-atl-wlz1",
                "us-east-1d",
                false,
            ),
            (
                "us-east-1-wl1-bos-wlz-1",
                "use1-wl1-bos-wlz1",
                "us-east-1a",
                false,
            ),
            (
                "us-east-1-wl1-nyc-wlz-1",
                "use1-wl1-nyc-wlz1",
                "us-east-1f",
                false,
            ),
            (
                "us-east-1-wl1-was-wlz-1",
                "use1-wl1-was-wlz1",
                "us-east-1a",
                false,
            ),
        ],
    },
    RegionCatalog {
        region: "us-east-2",
        azs: &[
            ("us-east-2a", "use2-az1"),
            ("us-east-2b", "use2-az2"),
            ("us-east-2c", "use2-az3"),
        ],
        local_zones: &[],
        wavelength_zones: &[],
    },
    RegionCatalog {
        region: "us-west-2",
        azs: &[
            ("us-west-2a", "usw2-az1"),
            ("us-west-2b", "usw2-az2"),
            ("us-west-2c", "usw2-az3"),
            ("us-west-2d", "usw2-az4"),
        ],
        local_zones: &[
            ("us-west-2-den-1a", "usw2-den1-az1", "us-west-2d", false),
            ("us-west-2-las-1a", "usw2-las1-az1", "us-west-2b", true),
            ("us-west-2-lax-1a", "usw2-lax1-az1", "us-west-2a", true),
            ("us-west-2-lax-1b", "usw2-lax1-az2", "us-west-2a", true),
            ("us-west-2-phx-2a", "usw2-phx2-az1", "us-west-2c", false),
        ],
        wavelength_zones: &[
            (
                "us-west-2-wl1-den-wlz-1",
                "usw2-wl1-den-wlz1",
                "us-west-2d",
                false,
            ),
            (
                "us-west-2-wl1-sea-wlz-1",
                "usw2-wl1-sea-wlz1",
                "us-west-2a",
                false,
            ),
        ],
    },
    RegionCatalog {
        region: "eu-west-1",
        azs: &[
            ("eu-west-1a", "euw1-az3"),
            ("eu-west-1b", "euw1-az1"),
            ("eu-west-1c", "euw1-az2"),
        ],
        local_zones: &[],
        wavelength_zones: &[],
    },
    RegionCatalog {
        region: "eu-central-1",
        azs: &[
            ("eu-central-1a", "euc1-az2"),
            ("eu-central-1b", "euc1-az3"),
            ("eu-central-1c", "euc1-az1"),
        ],
        local_zones: &[],
        wavelength_zones: &[],
    },
];

/// Regions with a built-in catalog.
pub fn catalog_regions() -> impl Iterator<Item = &'static str> {
    CATALOG.iter().map(|c| c.region)
}

/// The built-in zones of a region. A region without a catalog entry gets
/// three standard AZs `<region>a`, `b`, `c` so that any region name works.
pub fn catalog(region: &str) -> Vec<Zone> {
    let az = |name: &str, id: &str| Zone {
        name: name.to_owned(),
        zone_id: id.to_owned(),
        zone_type: ZoneType::AvailabilityZone,
        region_name: region.to_owned(),
        group_name: region.to_owned(),
        network_border_group: region.to_owned(),
        parent_zone_name: None,
        parent_zone_id: None,
        opt_in_status: OptInStatus::OptInNotRequired,
        ipv6_supported: true,
    };
    let Some(cat) = CATALOG.iter().find(|c| c.region == region) else {
        let short: String = region
            .split('-')
            .map(|p| p.chars().next().unwrap_or('x'))
            .collect();
        return ["a", "b", "c"]
            .iter()
            .enumerate()
            .map(|(i, l)| az(&format!("{region}{l}"), &format!("{short}-az{}", i + 1)))
            .collect();
    };
    let mut zones: Vec<Zone> = cat.azs.iter().map(|(n, id)| az(n, id)).collect();
    let parent_id = |parent: &str| {
        cat.azs
            .iter()
            .find(|(n, _)| *n == parent)
            .map(|(_, id)| (*id).to_owned())
    };
    for (name, id, parent, ipv6) in cat.local_zones {
        let group = name.trim_end_matches(|c: char| c.is_ascii_lowercase());
        zones.push(Zone {
            name: (*name).to_owned(),
            zone_id: (*id).to_owned(),
            zone_type: ZoneType::LocalZone,
            region_name: region.to_owned(),
            group_name: group.to_owned(),
            network_border_group: group.to_owned(),
            parent_zone_name: Some((*parent).to_owned()),
            parent_zone_id: parent_id(parent),
            opt_in_status: OptInStatus::NotOptedIn,
            ipv6_supported: *ipv6,
        });
    }
    for (name, id, parent, _) in cat.wavelength_zones {
        zones.push(Zone {
            name: (*name).to_owned(),
            zone_id: (*id).to_owned(),
            zone_type: ZoneType::WavelengthZone,
            region_name: region.to_owned(),
            group_name: format!("{region}-wl1"),
            network_border_group: (*name).to_owned(),
            parent_zone_name: Some((*parent).to_owned()),
            parent_zone_id: parent_id(parent),
            opt_in_status: OptInStatus::NotOptedIn,
            ipv6_supported: false,
        });
    }
    zones
}

pub fn describe_availability_zones(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let names = p.list("ZoneName");
    let ids = p.list("ZoneId");
    let all = p.flag("AllAvailabilityZones")?;
    let filters = p.filters()?;
    let zones = &ctx.region.zones;
    for n in &names {
        if !zones.iter().any(|z| &z.name == n) {
            return Err(AwsError::invalid_parameter_value(format!(
                "Invalid availability zone: [{n}]"
            )));
        }
    }
    for i in &ids {
        if !zones.iter().any(|z| &z.zone_id == i) {
            return Err(AwsError::invalid_parameter_value(format!(
                "Invalid availability zone ID: [{i}]"
            )));
        }
    }
    let named = !names.is_empty() || !ids.is_empty();
    // Filtering on opt-in-status shows every zone, as AllAvailabilityZones does.
    let shows_all = all || named || filters.iter().any(|f| f.name == "opt-in-status");
    let items: Vec<Node> = filters::select(zones.iter(), &filters)?
        .into_iter()
        .filter(|z| shows_all || z.is_usable())
        .filter(|z| !named || names.contains(&z.name) || ids.contains(&z.zone_id))
        .map(Zone::to_xml)
        .collect();
    Ok(vec![Node::set("availabilityZoneInfo", items)])
}

pub fn describe_regions(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let asked = p.list("RegionName");
    let mut regions: Vec<String> = catalog_regions().map(str::to_owned).collect();
    if !regions.contains(&ctx.region.name) {
        regions.push(ctx.region.name.clone());
    }
    for r in &asked {
        if !regions.contains(r) {
            return Err(AwsError::invalid_parameter_value(format!(
                "Invalid region: {r}"
            )));
        }
    }
    let filters = p.filters()?;
    for f in &filters {
        if !["region-name", "endpoint", "opt-in-status"].contains(&f.name.as_str()) {
            return Err(AwsError::invalid_filter(&f.name));
        }
    }
    let items = regions
        .into_iter()
        .filter(|r| asked.is_empty() || asked.contains(r))
        .filter(|r| {
            let endpoint = format!("ec2.{r}.amazonaws.com");
            filters.iter().all(|f| {
                let v = match f.name.as_str() {
                    "region-name" => r.as_str(),
                    "endpoint" => endpoint.as_str(),
                    _ => "opt-in-not-required",
                };
                f.values.iter().any(|x| filters::wildcard_match(x, v))
            })
        })
        .map(|r| {
            Node::el("item")
                .leaf("regionName", &r)
                .leaf("regionEndpoint", format!("ec2.{r}.amazonaws.com"))
                .leaf("optInStatus", "opt-in-not-required")
        })
        .collect::<Vec<_>>();
    Ok(vec![Node::set("regionInfo", items)])
}

pub fn modify_availability_zone_group(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let group = p.required("GroupName")?;
    let status = match p.required("OptInStatus")? {
        "opted-in" => OptInStatus::OptedIn,
        "not-opted-in" => OptInStatus::NotOptedIn,
        other => return Err(AwsError::invalid_value_for("optInStatus", other)),
    };
    let members: Vec<&mut Zone> = ctx
        .region
        .zones
        .iter_mut()
        .filter(|z| z.group_name == group)
        .collect();
    if members.is_empty() {
        return Err(AwsError::invalid_value_for("groupName", group));
    }
    if members.iter().any(|z| !z.zone_type.is_edge()) {
        return Err(AwsError::invalid_parameter_value(format!(
            "The zone group '{group}' does not require opt-in."
        )));
    }
    for z in members {
        z.opt_in_status = status;
    }
    Ok(vec![Node::text("return", true)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn us_east_1_has_every_zone_type() {
        let zones = catalog("us-east-1");
        let nyc = zones.iter().find(|z| z.name == "us-east-1-nyc-1a").unwrap();
        assert_eq!(nyc.group_name, "us-east-1-nyc-1");
        assert_eq!(nyc.network_border_group, "us-east-1-nyc-1");
        assert_eq!(nyc.parent_zone_id.as_deref(), Some("use1-az5"));
        let was = zones
            .iter()
            .find(|z| z.name == "us-east-1-wl1-was-wlz-1")
            .unwrap();
        assert_eq!(was.group_name, "us-east-1-wl1");
        assert_eq!(was.network_border_group, "us-east-1-wl1-was-wlz-1");
        assert!(!was.ipv6_supported);
    }

    #[test]
    fn unknown_regions_get_three_azs() {
        let zones = catalog("ap-south-2");
        assert_eq!(zones.len(), 3);
        assert_eq!(zones[0].name, "ap-south-2a");
    }
}
