//! The seed's instance-type prerequisites, checked live with
//! DescribeInstanceTypes: IPv6 support for machines in dualstack or IPv6
//! subnets, and the Nitro system for machines in IPv6-only subnets.

use std::collections::BTreeMap;

use aws_sdk_ec2::error::ProvideErrorMetadata;
use aws_sdk_ec2::types::{Filter, InstanceType, InstanceTypeHypervisor, LocationType};
use serde::Serialize;

use crate::aws_error::{AwsCallError, aws_error};

/// The zones of the region that offer each of `types`
/// (DescribeInstanceTypeOfferings by availability zone), sorted; a type no
/// zone offers maps to none. `None` when the endpoint does not serve the
/// call (an older fake, another emulator): the offerings are then unknown.
pub async fn offerings(
    ec2: &aws_sdk_ec2::Client,
    types: &[String],
) -> Result<Option<BTreeMap<String, Vec<String>>>, AwsCallError> {
    let mut out: BTreeMap<String, Vec<String>> =
        types.iter().map(|t| (t.clone(), Vec::new())).collect();
    if types.is_empty() {
        return Ok(Some(out));
    }
    let mut pages = ec2
        .describe_instance_type_offerings()
        .location_type(LocationType::AvailabilityZone)
        .filters(
            Filter::builder()
                .name("instance-type")
                .set_values(Some(types.to_vec()))
                .build(),
        )
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = match page {
            Ok(p) => p,
            Err(e) if matches!(e.code(), Some("InvalidAction" | "UnsupportedOperation")) => {
                return Ok(None);
            }
            Err(e) => return Err(aws_error("DescribeInstanceTypeOfferings", e)),
        };
        for o in page.instance_type_offerings() {
            if let (Some(t), Some(zone)) = (o.instance_type(), o.location()) {
                out.entry(t.as_str().to_owned())
                    .or_default()
                    .push(zone.to_owned());
            }
        }
    }
    for zones in out.values_mut() {
        zones.sort();
        zones.dedup();
    }
    Ok(Some(out))
}

/// What one instance type can do in IPv6 networks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeCheck {
    pub instance_type: String,
    /// `NetworkInfo.Ipv6Supported`.
    pub ipv6_supported: bool,
    /// `Hypervisor` (`nitro`, `xen`), absent for bare metal.
    pub hypervisor: Option<String>,
    pub bare_metal: bool,
    /// Usable in dualstack subnets (needs IPv6).
    pub dualstack_ok: bool,
    /// Usable in IPv6-only subnets (needs IPv6 and the Nitro system).
    pub ipv6_only_ok: bool,
    /// The zones of the region that offer it; `None` when unknown.
    pub zones: Option<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub region: String,
    /// Every type with `network-info.ipv6-supported=true`, sorted.
    pub ipv6_supported: Vec<String>,
    pub checked: Vec<TypeCheck>,
    /// Asked-for types the region does not have.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<String>,
}

/// Lists the IPv6-capable types and checks the given ones.
pub async fn check(
    ec2: &aws_sdk_ec2::Client,
    region: &str,
    types: &[String],
) -> Result<Report, AwsCallError> {
    let mut ipv6_supported = Vec::new();
    let mut pages = ec2
        .describe_instance_types()
        .filters(
            Filter::builder()
                .name("network-info.ipv6-supported")
                .values("true")
                .build(),
        )
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error("DescribeInstanceTypes", e))?;
        ipv6_supported.extend(
            page.instance_types()
                .iter()
                .filter_map(|t| t.instance_type().map(|t| t.as_str().to_owned())),
        );
    }
    ipv6_supported.sort();
    let mut checked = Vec::new();
    let mut unknown = Vec::new();
    let zones = offerings(ec2, types).await?;
    for wanted in types {
        // One at a time: a type the region lacks refuses the whole call.
        let out = ec2
            .describe_instance_types()
            .instance_types(InstanceType::from(wanted.as_str()))
            .send()
            .await;
        let out = match out {
            Ok(o) => o,
            Err(e) if e.code() == Some("InvalidInstanceType") => {
                unknown.push(wanted.clone());
                continue;
            }
            Err(e) => return Err(aws_error("DescribeInstanceTypes", e)),
        };
        let Some(info) = out.instance_types().first() else {
            unknown.push(wanted.clone());
            continue;
        };
        let ipv6 = info
            .network_info()
            .and_then(|n| n.ipv6_supported())
            .unwrap_or(false);
        let bare_metal = info.bare_metal().unwrap_or(false);
        let hypervisor = info.hypervisor().map(|h| h.as_str().to_owned());
        let nitro = bare_metal || info.hypervisor() == Some(&InstanceTypeHypervisor::Nitro);
        checked.push(TypeCheck {
            instance_type: wanted.clone(),
            ipv6_supported: ipv6,
            hypervisor,
            bare_metal,
            dualstack_ok: ipv6,
            ipv6_only_ok: ipv6 && nitro,
            zones: zones.as_ref().and_then(|z| z.get(wanted).cloned()),
        });
    }
    Ok(Report {
        region: region.to_owned(),
        ipv6_supported,
        checked,
        unknown,
    })
}

impl Report {
    pub fn text(&self) -> String {
        let mut out = format!(
            "instance types with IPv6 in {} ({}):\n  {}\n",
            self.region,
            self.ipv6_supported.len(),
            self.ipv6_supported.join(" ")
        );
        if !self.checked.is_empty() {
            out.push('\n');
        }
        for c in &self.checked {
            let verdict = |ok: bool, why: &str| {
                if ok {
                    "ok".to_owned()
                } else {
                    format!("no ({why})")
                }
            };
            let zones = match &c.zones {
                None => String::new(),
                Some(z) if z.is_empty() => "  zones: none".to_owned(),
                Some(z) => format!("  zones: {}", z.join(" ")),
            };
            out.push_str(&format!(
                "{:<12} IPv6 {:<3}  hypervisor {:<5}  dualstack subnets: {:<18}  IPv6-only subnets: {}{zones}\n",
                c.instance_type,
                if c.ipv6_supported { "yes" } else { "no" },
                c.hypervisor.as_deref().unwrap_or(if c.bare_metal { "metal" } else { "-" }),
                verdict(c.dualstack_ok, "no IPv6"),
                verdict(
                    c.ipv6_only_ok,
                    if c.ipv6_supported { "not Nitro" } else { "no IPv6" }
                ),
            ));
        }
        for u in &self.unknown {
            out.push_str(&format!("{u:<12} unknown in {}\n", self.region));
        }
        out
    }
}
