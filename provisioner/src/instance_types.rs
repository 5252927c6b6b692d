//! The seed's instance-type prerequisites, checked live with
//! DescribeInstanceTypes: IPv6 support for machines in dualstack or IPv6
//! subnets, and the Nitro system for machines in IPv6-only subnets.

use aws_sdk_ec2::types::{Filter, InstanceType, InstanceTypeHypervisor};
use serde::Serialize;

use crate::aws_error::{AwsCallError, aws_error};

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
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub region: String,
    /// Every type with `network-info.ipv6-supported=true`, sorted.
    pub ipv6_supported: Vec<String>,
    pub checked: Vec<TypeCheck>,
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
    if !types.is_empty() {
        let out = ec2
            .describe_instance_types()
            .set_instance_types(Some(
                types
                    .iter()
                    .map(|t| InstanceType::from(t.as_str()))
                    .collect(),
            ))
            .send()
            .await
            .map_err(|e| aws_error("DescribeInstanceTypes", e))?;
        for wanted in types {
            let Some(info) = out
                .instance_types()
                .iter()
                .find(|t| t.instance_type().map(InstanceType::as_str) == Some(wanted.as_str()))
            else {
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
            });
        }
    }
    Ok(Report {
        region: region.to_owned(),
        ipv6_supported,
        checked,
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
            out.push_str(&format!(
                "{:<12} IPv6 {:<3}  hypervisor {:<5}  dualstack subnets: {:<18}  IPv6-only subnets: {}\n",
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
        out
    }
}
