//! What EKS offers: the Kubernetes versions a cluster may run and the
//! add-on versions DescribeAddonVersions lists for each.
//!
//! Sources (looked up 2026): the AWS user guide's "latest version" tables
//! for kube-proxy (`managing-kube-proxy`: 1.23-1.35, from the current page
//! and its earlier revisions), CoreDNS (`managing-coredns`: 1.23-1.34) and
//! the VPC CNI (`managing-vpc-cni` / `pod-networking`: 1.23-1.33); CAPA's
//! `cluster-template-eks-ipv6.yaml` for the 1.22 set (vpc-cni
//! v1.11.0-eksbuild.1, coredns v1.8.7-eksbuild.1, kube-proxy
//! v1.22.6-eksbuild.1) and its e2e config for vpc-cni v1.19.5-eksbuild.3
//! and kube-proxy v1.33.3-eksbuild.6. The 1.20 and 1.21 entries, vpc-cni
//! v1.9.0 and v1.10.1, and the 1.35 CoreDNS/VPC CNI compatibility are from
//! older revisions of those tables and are not confirmed `[I]`.

/// Kubernetes versions the fake's EKS runs: 1.20 to 1.35 (a wider window
/// than AWS's support calendar, so CAPA's older templates apply) `[I]`.
pub const MIN_MINOR: u32 = 20;
pub const MAX_MINOR: u32 = 35;
/// The version a cluster gets when CreateCluster names none `[I]`.
pub const DEFAULT_VERSION: &str = "1.34";
/// The first version EKS runs IPv6 clusters on.
pub const IPV6_MIN_MINOR: u32 = 21;
/// The first vpc-cni release that runs IPv6 clusters (UG-IPV6).
pub const VPC_CNI_IPV6_MIN: (u32, u32, u32) = (1, 10, 1);

/// The minor of a `1.NN` version EKS runs, or None.
pub fn supported_minor(version: &str) -> Option<u32> {
    let minor = version.strip_prefix("1.")?;
    if minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) || minor.starts_with('0') {
        return None;
    }
    let minor: u32 = minor.parse().ok()?;
    (MIN_MINOR..=MAX_MINOR).contains(&minor).then_some(minor)
}

/// The platform version a cluster of this minor runs `[I]`.
pub fn platform_version(minor: u32) -> String {
    format!("eks.{}", 1 + (MAX_MINOR - minor) % 7 + 3)
}

/// One add-on version and the Kubernetes minors it runs on.
#[derive(Debug, Clone, Copy)]
pub struct AddonVersion {
    pub version: &'static str,
    pub minors: (u32, u32),
}

/// One add-on of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct AddonInfo {
    pub name: &'static str,
    pub kind: &'static str,
    /// Newest first, as DescribeAddonVersions lists them.
    pub versions: &'static [AddonVersion],
}

const fn v(version: &'static str, from: u32, to: u32) -> AddonVersion {
    AddonVersion {
        version,
        minors: (from, to),
    }
}

/// The built-in catalog, by add-on name.
pub const ADDONS: &[AddonInfo] = &[
    AddonInfo {
        name: "coredns",
        kind: "networking",
        versions: &[
            v("v1.12.4-eksbuild.1", 33, 35),
            v("v1.11.4-eksbuild.24", 29, 32),
            v("v1.11.3-eksbuild.1", 29, 31),
            v("v1.11.1-eksbuild.9", 29, 30),
            v("v1.10.1-eksbuild.38", 27, 28),
            v("v1.10.1-eksbuild.11", 27, 28),
            v("v1.9.3-eksbuild.15", 24, 26),
            v("v1.8.7-eksbuild.10", 23, 23),
            v("v1.8.7-eksbuild.1", 22, 23),
            v("v1.8.4-eksbuild.1", 21, 21),
            v("v1.8.3-eksbuild.1", 20, 20),
        ],
    },
    AddonInfo {
        name: "kube-proxy",
        kind: "networking",
        versions: &[
            v("v1.35.3-eksbuild.2", 35, 35),
            v("v1.34.6-eksbuild.2", 34, 34),
            v("v1.34.1-eksbuild.2", 34, 34),
            v("v1.33.10-eksbuild.2", 33, 33),
            v("v1.33.5-eksbuild.2", 33, 33),
            v("v1.33.3-eksbuild.6", 33, 33),
            v("v1.32.13-eksbuild.5", 32, 32),
            v("v1.32.9-eksbuild.2", 32, 32),
            v("v1.31.14-eksbuild.9", 31, 31),
            v("v1.31.13-eksbuild.2", 31, 31),
            v("v1.31.10-eksbuild.8", 31, 31),
            v("v1.30.14-eksbuild.28", 30, 30),
            v("v1.30.14-eksbuild.8", 30, 30),
            v("v1.29.15-eksbuild.16", 29, 29),
            v("v1.28.15-eksbuild.31", 28, 28),
            v("v1.27.16-eksbuild.41", 27, 27),
            v("v1.26.15-eksbuild.5", 26, 26),
            v("v1.25.16-eksbuild.8", 25, 25),
            v("v1.24.17-eksbuild.8", 24, 24),
            v("v1.23.17-eksbuild.9", 23, 23),
            v("v1.22.6-eksbuild.1", 22, 22),
            v("v1.21.2-eksbuild.2", 21, 21),
            v("v1.20.4-eksbuild.2", 20, 20),
        ],
    },
    AddonInfo {
        name: "vpc-cni",
        kind: "networking",
        versions: &[
            v("v1.20.1-eksbuild.3", 27, 35),
            v("v1.19.5-eksbuild.3", 27, 34),
            v("v1.19.2-eksbuild.1", 24, 32),
            v("v1.19.0-eksbuild.1", 24, 31),
            v("v1.18.5-eksbuild.1", 23, 30),
            v("v1.18.3-eksbuild.1", 23, 30),
            v("v1.17.1-eksbuild.1", 23, 29),
            v("v1.11.0-eksbuild.1", 20, 23),
            v("v1.10.1-eksbuild.1", 20, 22),
            v("v1.9.0-eksbuild.1", 20, 21),
        ],
    },
];

pub fn addon(name: &str) -> Option<&'static AddonInfo> {
    ADDONS.iter().find(|a| a.name == name)
}

impl AddonInfo {
    /// The versions that run on a minor, newest first.
    pub fn for_minor(&self, minor: u32) -> impl Iterator<Item = &'static AddonVersion> + '_ {
        self.versions
            .iter()
            .filter(move |v| (v.minors.0..=v.minors.1).contains(&minor))
    }

    /// The default version for a minor: the newest that runs on it.
    pub fn default_for(&self, minor: u32) -> Option<&'static str> {
        self.for_minor(minor).next().map(|v| v.version)
    }

    pub fn runs(&self, version: &str, minor: u32) -> bool {
        self.for_minor(minor).any(|v| v.version == version)
    }

    pub fn knows(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v.version == version)
    }
}

/// `v1.19.5-eksbuild.3` as (1, 19, 5).
pub fn semver(version: &str) -> Option<(u32, u32, u32)> {
    let core = version.strip_prefix('v')?.split('-').next()?;
    let mut parts = core.split('.').map(str::parse::<u32>);
    Some((
        parts.next()?.ok()?,
        parts.next()?.ok()?,
        parts.next()?.ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_minor_has_the_three_addons_and_versions_are_newest_first() {
        for minor in MIN_MINOR..=MAX_MINOR {
            for a in ADDONS {
                assert!(a.default_for(minor).is_some(), "{} {minor}", a.name);
            }
        }
        for a in ADDONS {
            for pair in a.versions.windows(2) {
                assert!(
                    semver(pair[0].version) >= semver(pair[1].version),
                    "{}",
                    pair[0].version
                );
            }
        }
        assert_eq!(supported_minor("1.31"), Some(31));
        for bad in ["1.19", "1.36", "1.031", "2.1", "abc", "1.", ""] {
            assert_eq!(supported_minor(bad), None, "{bad}");
        }
    }
}
