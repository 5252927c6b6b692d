//! Instance types: the built-in catalog, DescribeInstanceTypes with its
//! filters and paging, and DescribeInstanceTypeOfferings.
//!
//! The catalog is EC2's own answer: every type DescribeInstanceTypes
//! listed (1,373), and which types each zone of eight regions offers, as
//! recorded from the real APIs (`fake-ec2/data/`, provenance in its
//! README). Seeds may add types or replace one. Bare-metal types run on the
//! Nitro system without a hypervisor, so they have no `hypervisor` element.
//! A region without offering data, a zone the data does not list (Local and
//! Wavelength Zones) and a type a seed adds are offered everywhere (the
//! fake's choice).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::errors::Ec2Code;
use super::filters;
use super::paging::{self, Limits};
use super::zones::ZoneType;
use crate::protocol::error::AwsResult;
use crate::protocol::{AwsError, Node, Params};
use crate::region::Ctx;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Hypervisor {
    Nitro,
    Xen,
}

impl Hypervisor {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Nitro => "nitro",
            Self::Xen => "xen",
        }
    }
}

/// One instance type, with the fields the IPv6 rules depend on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceTypeInfo {
    pub instance_type: String,
    /// None for bare metal (which runs on the Nitro system without a hypervisor).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hypervisor: Option<Hypervisor>,
    #[serde(default)]
    pub bare_metal: bool,
    #[serde(default = "yes")]
    pub current_generation: bool,
    pub vcpus: u32,
    pub memory_mib: u64,
    pub ipv6_supported: bool,
    pub ipv4_addresses_per_interface: u32,
    pub ipv6_addresses_per_interface: u32,
    pub maximum_network_interfaces: u32,
    #[serde(default = "x86_64")]
    pub architectures: Vec<String>,
    #[serde(default)]
    pub burstable_performance_supported: bool,
    /// `unsupported`, `supported` or `required`.
    #[serde(default = "ena_required")]
    pub ena_support: String,
    #[serde(default = "up_to_10")]
    pub network_performance: String,
    #[serde(default)]
    pub free_tier_eligible: bool,
}

fn ena_required() -> String {
    "required".to_owned()
}

fn up_to_10() -> String {
    "Up to 10 Gigabit".to_owned()
}

fn yes() -> bool {
    true
}

fn x86_64() -> Vec<String> {
    vec!["x86_64".to_owned()]
}

impl InstanceTypeInfo {
    /// Built on the Nitro system: a Nitro hypervisor or bare metal.
    pub fn is_nitro(&self) -> bool {
        self.hypervisor == Some(Hypervisor::Nitro) || self.bare_metal
    }

    fn to_xml(&self) -> Node {
        Node::el("item")
            .leaf("instanceType", &self.instance_type)
            .leaf("currentGeneration", self.current_generation)
            .leaf("bareMetal", self.bare_metal)
            .opt_leaf("hypervisor", self.hypervisor.map(Hypervisor::as_str))
            .child(Node::el("processorInfo").child(Node::string_set(
                "supportedArchitectures",
                self.architectures.iter(),
            )))
            .leaf("freeTierEligible", self.free_tier_eligible)
            .child(Node::string_set(
                "supportedUsageClasses",
                ["on-demand", "spot"],
            ))
            .child(Node::el("vCpuInfo").leaf("defaultVCpus", self.vcpus))
            .child(Node::el("memoryInfo").leaf("sizeInMiB", self.memory_mib))
            .child(
                Node::el("networkInfo")
                    .leaf("maximumNetworkInterfaces", self.maximum_network_interfaces)
                    .leaf(
                        "ipv4AddressesPerInterface",
                        self.ipv4_addresses_per_interface,
                    )
                    .leaf(
                        "ipv6AddressesPerInterface",
                        self.ipv6_addresses_per_interface,
                    )
                    .leaf("ipv6Supported", self.ipv6_supported)
                    .leaf("enaSupport", &self.ena_support)
                    .leaf("networkPerformance", &self.network_performance),
            )
            .leaf(
                "burstablePerformanceSupported",
                self.burstable_performance_supported,
            )
    }
}

/// EC2's DescribeInstanceTypes, one type a line (`data/README.md`).
const TYPES_TSV: &str = include_str!("../../data/instance-types.tsv");
/// Which types each zone offers: `region<TAB>zone<TAB>type type ...`.
const OFFERINGS_TSV: &str = include_str!("../../data/instance-type-offerings.tsv");

const TYPES_HEADER: &str = "instance_type\thypervisor\tbare_metal\tipv6_supported\t\
ipv4_addresses_per_interface\tipv6_addresses_per_interface\tmaximum_network_interfaces\t\
default_vcpus\tmemory_mib\tarchitectures\tcurrent_generation\tburstable\tena_support\t\
network_performance\tfree_tier_eligible";

fn parse_types(tsv: &str) -> Result<Vec<InstanceTypeInfo>, String> {
    let mut lines = tsv.lines();
    if lines.next() != Some(TYPES_HEADER) {
        return Err("instance-types.tsv: unexpected header".into());
    }
    lines
        .enumerate()
        .map(|(i, line)| {
            let bad = |what: &str| format!("instance-types.tsv line {}: {what}", i + 2);
            let f: Vec<&str> = line.split('\t').collect();
            let [
                name,
                hyp,
                metal,
                v6,
                v4n,
                v6n,
                enis,
                vcpus,
                mem,
                arch,
                current,
                burst,
                ena,
                perf,
                free,
            ] = f[..]
            else {
                return Err(bad("not 15 fields"));
            };
            let flag = |v: &str| match v {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(bad(&format!("{v:?} is not true or false"))),
            };
            let num = |v: &str| {
                v.parse::<u64>()
                    .map_err(|_| bad(&format!("{v:?} is not a number")))
            };
            let small =
                |v: &str| num(v).and_then(|n| u32::try_from(n).map_err(|_| bad("too large")));
            Ok(InstanceTypeInfo {
                instance_type: name.to_owned(),
                hypervisor: match hyp {
                    "nitro" => Some(Hypervisor::Nitro),
                    "xen" => Some(Hypervisor::Xen),
                    "" => None,
                    other => return Err(bad(&format!("hypervisor {other:?}"))),
                },
                bare_metal: flag(metal)?,
                current_generation: flag(current)?,
                vcpus: small(vcpus)?,
                memory_mib: num(mem)?,
                ipv6_supported: flag(v6)?,
                ipv4_addresses_per_interface: small(v4n)?,
                ipv6_addresses_per_interface: small(v6n)?,
                maximum_network_interfaces: small(enis)?,
                architectures: arch.split(',').map(str::to_owned).collect(),
                burstable_performance_supported: flag(burst)?,
                ena_support: ena.to_owned(),
                network_performance: perf.to_owned(),
                free_tier_eligible: flag(free)?,
            })
        })
        .collect()
}

static CATALOG: LazyLock<Vec<InstanceTypeInfo>> =
    LazyLock::new(|| parse_types(TYPES_TSV).expect("the bundled catalog parses"));

/// Region -> zone -> the types it offers.
type Offerings = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn parse_offerings(tsv: &str) -> Result<Offerings, String> {
    let mut lines = tsv.lines();
    if lines.next() != Some("region\tavailability_zone\tinstance_types") {
        return Err("instance-type-offerings.tsv: unexpected header".into());
    }
    let mut out = Offerings::new();
    for (i, line) in lines.enumerate() {
        let mut f = line.split('\t');
        let (Some(region), Some(zone), Some(types), None) =
            (f.next(), f.next(), f.next(), f.next())
        else {
            return Err(format!(
                "instance-type-offerings.tsv line {}: not 3 fields",
                i + 2
            ));
        };
        out.entry(region.to_owned()).or_default().insert(
            zone.to_owned(),
            types.split(' ').map(str::to_owned).collect(),
        );
    }
    Ok(out)
}

/// The recorded catalog's names, for [`offered`]'s "a type the recording
/// does not know" (a look-up, not a scan: it runs per type and zone).
static RECORDED: LazyLock<BTreeSet<&'static str>> =
    LazyLock::new(|| CATALOG.iter().map(|t| t.instance_type.as_str()).collect());

static OFFERINGS: LazyLock<Offerings> =
    LazyLock::new(|| parse_offerings(OFFERINGS_TSV).expect("the bundled offerings parse"));

/// The built-in catalog: every type EC2 lists.
pub fn catalog() -> Vec<InstanceTypeInfo> {
    CATALOG.clone()
}

/// Whether `zone` of `region` offers `instance_type`: per the recorded
/// offerings; a region or zone without data, or a type the recording does
/// not know (a seed's), is offered.
pub fn offered(region: &str, zone: &str, instance_type: &str) -> bool {
    let Some(zones) = OFFERINGS.get(region) else {
        return true;
    };
    let Some(types) = zones.get(zone) else {
        return true;
    };
    types.contains(instance_type) || !RECORDED.contains(instance_type)
}

/// AWS's refusal of a launch in a zone that does not offer the type: it
/// names the zones of the region that do.
pub fn unsupported_in_zone(region: &str, zone: &str, instance_type: &str) -> AwsError {
    let others: Vec<&str> = OFFERINGS
        .get(region)
        .map(|zones| {
            zones
                .iter()
                .filter(|(_, types)| types.contains(instance_type))
                .map(|(z, _)| z.as_str())
                .collect()
        })
        .unwrap_or_default();
    AwsError::coded(
        Ec2Code::Unsupported,
        format!(
            "Your requested instance type ({instance_type}) is not supported in your requested \
             Availability Zone ({zone}). Please retry your request by not specifying an \
             Availability Zone or choosing {}.",
            others.join(", ")
        ),
    )
}

/// Instance types carry no tags.
static NO_TAGS: BTreeMap<String, String> = BTreeMap::new();

filters::filterable!(
    InstanceTypeInfo,
    |info| [
        ("bare-metal", filters::bool_value(info.bare_metal)),
        (
            "current-generation",
            filters::bool_value(info.current_generation)
        ),
        (
            "hypervisor",
            filters::opt(info.hypervisor.map(Hypervisor::as_str))
        ),
        ("instance-type", filters::one(&info.instance_type)),
        ("memory-info.size-in-mib", filters::one(info.memory_mib)),
        (
            "network-info.ipv4-addresses-per-interface",
            filters::one(info.ipv4_addresses_per_interface)
        ),
        (
            "network-info.ipv6-addresses-per-interface",
            filters::one(info.ipv6_addresses_per_interface)
        ),
        (
            "network-info.ipv6-supported",
            filters::bool_value(info.ipv6_supported)
        ),
        (
            "network-info.maximum-network-interfaces",
            filters::one(info.maximum_network_interfaces)
        ),
        (
            "processor-info.supported-architecture",
            info.architectures.clone()
        ),
        ("vcpu-info.default-vcpus", filters::one(info.vcpus)),
        (
            "burstable-performance-supported",
            filters::bool_value(info.burstable_performance_supported)
        ),
        (
            "free-tier-eligible",
            filters::bool_value(info.free_tier_eligible)
        ),
        ("network-info.ena-support", filters::one(&info.ena_support)),
        (
            "network-info.network-performance",
            filters::one(&info.network_performance)
        ),
        (
            "supported-usage-class",
            vec!["on-demand".into(), "spot".into()]
        ),
    ],
    |_| &NO_TAGS
);

pub fn invalid_instance_types(names: &[String]) -> AwsError {
    AwsError::coded(
        Ec2Code::InvalidInstanceType,
        format!(
            "The following supplied instance types do not exist: [{}]",
            names.join(", ")
        ),
    )
}

/// DescribeInstanceTypes: `InstanceType.N`, filters, `MaxResults` 5-100.
/// Types are listed by name.
pub fn describe_instance_types(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let names = p.list("InstanceType");
    let filters = p.filters()?;
    let catalog = ctx.region.instance_types.clone();
    let unknown: Vec<String> = names
        .iter()
        .filter(|n| !catalog.iter().any(|t| &t.instance_type == *n))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(invalid_instance_types(&unknown));
    }
    let mut selected: Vec<&InstanceTypeInfo> = filters::select(catalog.iter(), &filters)?
        .into_iter()
        .filter(|t| names.is_empty() || names.contains(&t.instance_type))
        .collect();
    selected.sort_by(|a, b| a.instance_type.cmp(&b.instance_type));
    let items = selected.into_iter().map(InstanceTypeInfo::to_xml).collect();
    let (page, next) = paging::page_named(items, p, Limits::new(5, 100), None)?;
    Ok(paging::with_token(
        vec![Node::set("instanceTypeSet", page)],
        next,
    ))
}

/// One offering, for filters and the answer.
struct Offering<'a> {
    instance_type: &'a str,
    location: String,
}

filters::filterable!(
    Offering::<'_>,
    |offering| [
        ("instance-type", filters::one(offering.instance_type)),
        ("location", filters::one(&offering.location)),
    ],
    |_| &NO_TAGS
);

/// DescribeInstanceTypeOfferings: `LocationType` `region` (the default),
/// `availability-zone` or `availability-zone-id`; filters `instance-type`
/// and `location`; `MaxResults` 5-1000. Offerings are listed by location,
/// then type.
pub fn describe_instance_type_offerings(ctx: &mut Ctx<'_>, p: &Params) -> AwsResult<Vec<Node>> {
    let location_type = p.value("LocationType").unwrap_or("region").to_owned();
    let filters = p.filters()?;
    let region = ctx.region.name.clone();
    let catalog = ctx.region.instance_types.clone();
    // An exact `instance-type` filter names the types that can match: only
    // they are looked at (the filters still decide), not the whole catalog
    // in every zone.
    let named: Option<BTreeSet<&str>> = filters
        .iter()
        .find(|f| f.name == "instance-type" && filters::is_exact(f))
        .map(|f| f.values.iter().map(String::as_str).collect());
    let catalog: Vec<&InstanceTypeInfo> = catalog
        .iter()
        .filter(|t| {
            named
                .as_ref()
                .is_none_or(|n| n.contains(t.instance_type.as_str()))
        })
        .collect();
    let mut all: Vec<Offering<'_>> = Vec::new();
    match location_type.as_str() {
        "region" => all.extend(catalog.iter().map(|t| Offering {
            instance_type: &t.instance_type,
            location: region.clone(),
        })),
        "availability-zone" | "availability-zone-id" => {
            let zones = ctx
                .region
                .zones
                .iter()
                .filter(|z| z.zone_type == ZoneType::AvailabilityZone);
            for z in zones {
                let location = if location_type == "availability-zone" {
                    z.name.clone()
                } else {
                    z.zone_id.clone()
                };
                all.extend(
                    catalog
                        .iter()
                        .filter(|t| offered(&region, &z.name, &t.instance_type))
                        .map(|t| Offering {
                            instance_type: &t.instance_type,
                            location: location.clone(),
                        }),
                );
            }
        }
        other => {
            return Err(AwsError::invalid_parameter_value(format!(
                "Value ({other}) for parameter locationType is invalid. Valid values are region, availability-zone, availability-zone-id."
            )));
        }
    }
    let mut selected = filters::select(all.iter(), &filters)?;
    selected.sort_by(|a, b| (&a.location, a.instance_type).cmp(&(&b.location, b.instance_type)));
    let items = selected
        .into_iter()
        .map(|o| {
            Node::el("item")
                .leaf("instanceType", o.instance_type)
                .leaf("locationType", &location_type)
                .leaf("location", &o.location)
        })
        .collect();
    let (page, next) = paging::page_named(items, p, Limits::new(5, 1000), None)?;
    Ok(paging::with_token(
        vec![Node::set("instanceTypeOfferingSet", page)],
        next,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_is_consistent() {
        let c = catalog();
        let mut names: Vec<&str> = c.iter().map(|t| t.instance_type.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), c.len(), "no duplicate names");
        for t in &c {
            assert_eq!(t.bare_metal, t.hypervisor.is_none(), "{}", t.instance_type);
            assert_eq!(
                t.ipv6_supported,
                t.ipv6_addresses_per_interface > 0,
                "{}",
                t.instance_type
            );
            assert!(t.maximum_network_interfaces >= 2, "{}", t.instance_type);
        }
        let m3 = c.iter().find(|t| t.instance_type == "m3.medium").unwrap();
        assert!(!m3.ipv6_supported && !m3.is_nitro() && !m3.current_generation);
        let metal = c.iter().find(|t| t.instance_type == "m5.metal").unwrap();
        assert!(metal.is_nitro());
    }
}
