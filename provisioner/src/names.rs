//! The names CAPA gives what it makes when the spec does not name it: the
//! API load balancer's (`LBName`) and the EKS cluster's (`GenerateEKSName`),
//! both hashed with CAPA's `Base36TruncatedHash` once they grow too long.

use blake2::Blake2b;
use blake2::Digest;
use blake2::digest::consts::{U27, U28};

/// CAPA's `base36Truncate`: each byte of the digest as one of 36
/// characters (not an encoding; the same length as the digest).
fn base36(digest: &[u8]) -> String {
    const BASE36: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    digest
        .iter()
        .map(|b| char::from(BASE36[usize::from(*b) % 36]))
        .collect()
}

/// CAPA's `LBName` for a load balancer the spec does not name:
/// `GenerateELBName("<namespace>-<cluster>")`, that is
/// `<namespace>-<cluster>-apiserver` (dots made dashes), or past 32
/// characters 28 base-36 characters of a BLAKE2b-224 hash and `-k8s`.
pub fn capa_lb_name(namespace: &str, cluster: &str) -> String {
    generate_elb_name(&format!("{namespace}-{cluster}"))
}

/// CAPA's `ELBName` for a classic ELB the spec does not name:
/// `GenerateELBName("<cluster>")`, without the namespace.
pub fn capa_classic_elb_name(cluster: &str) -> String {
    generate_elb_name(cluster)
}

/// CAPA's `GenerateELBName`: `<base>-apiserver` (dots made dashes), or past
/// 32 characters 28 base-36 characters of a BLAKE2b-224 hash and `-k8s`.
fn generate_elb_name(base: &str) -> String {
    let standard = format!("{}-apiserver", base.replace('.', "-"));
    if standard.len() <= 32 {
        return standard;
    }
    format!("{}-k8s", base36(&Blake2b::<U28>::digest(base.as_bytes())))
}

/// CAPA's `GenerateEKSName`, as the AWSManagedControlPlane webhook defaults
/// `eksClusterName`: `<namespace>_<name>` (dots made underscores), or from
/// 100 characters on `capa_` and 27 base-36 characters of a BLAKE2b-216 hash.
pub fn capa_eks_name(namespace: &str, name: &str) -> String {
    let eks = format!("{namespace}_{}", name.replace('.', "_"));
    if eks.len() < 100 {
        return eks;
    }
    format!("capa_{}", base36(&Blake2b::<U27>::digest(eks.as_bytes())))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The standard forms, and the hashed ones (vectors from Python's
    /// `hashlib.blake2b(digest_size=28)` and `digest_size=27`).
    #[test]
    fn capa_load_balancer_names() {
        assert_eq!(capa_lb_name("default", "row2"), "default-row2-apiserver");
        assert_eq!(capa_lb_name("team.a", "c1"), "team-a-c1-apiserver");
        assert_eq!(
            capa_lb_name("default", "a-cluster-name-that-is-long"),
            "dx3e1mkn1q7amdvkwqtxsblkxtqp-k8s"
        );
        assert_eq!(
            capa_lb_name("ns1", "some-really-long-cluster-name-xyz"),
            "ievrmle5618sn1ciwkz4x7k02gqa-k8s"
        );
    }

    /// A classic ELB's name leaves the namespace out.
    #[test]
    fn capa_classic_elb_names() {
        assert_eq!(capa_classic_elb_name("row2"), "row2-apiserver");
        assert_eq!(capa_classic_elb_name("a.b"), "a-b-apiserver");
        assert_eq!(
            capa_classic_elb_name("default-a-cluster-name-that-is-long"),
            capa_lb_name("default", "a-cluster-name-that-is-long")
        );
    }

    #[test]
    fn capa_eks_cluster_names() {
        assert_eq!(capa_eks_name("default", "eks1"), "default_eks1");
        assert_eq!(capa_eks_name("team", "eks.v6"), "team_eks_v6");
        let long = "a".repeat(95);
        assert_eq!(
            capa_eks_name("default", &long),
            "capa_r6bcqr8gng92g9nyvwy1wbr67qi"
        );
        // 99 characters stay as they are.
        assert_eq!(capa_eks_name("default", &"a".repeat(91)).len(), 99);
    }
}
