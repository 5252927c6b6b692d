//! CIDR arithmetic for AWS's rules: strict parsing, canonical form,
//! containment, overlap, and first-fit allocation of aligned blocks.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

/// Parses an IPv4 CIDR, keeping host bits so the caller can decide what to do with them.
pub fn parse_v4(s: &str) -> Option<Ipv4Net> {
    let (addr, len) = s.trim().split_once('/')?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    Ipv4Net::new(addr, len).ok()
}

pub fn parse_v6(s: &str) -> Option<Ipv6Net> {
    let (addr, len) = s.trim().split_once('/')?;
    let addr: Ipv6Addr = addr.parse().ok()?;
    let len: u8 = len.parse().ok()?;
    Ipv6Net::new(addr, len).ok()
}

/// Whether host bits are all zero.
pub fn is_canonical_v6(net: &Ipv6Net) -> bool {
    net.trunc() == *net
}

pub fn is_canonical_v4(net: &Ipv4Net) -> bool {
    net.trunc() == *net
}

/// IPv6 prefix lengths AWS accepts for VPC blocks from pools: /44 to /60 in steps of 4.
pub fn is_vpc_ipv6_prefix(len: u8) -> bool {
    (44..=60).contains(&len) && len.is_multiple_of(4)
}

/// IPv6 prefix lengths AWS accepts for subnets: /44 to /64 in steps of 4.
pub fn is_subnet_ipv6_prefix(len: u8) -> bool {
    (44..=64).contains(&len) && len.is_multiple_of(4)
}

pub fn overlaps_v4(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(b) || b.contains(a)
}

pub fn overlaps_v6(a: &Ipv6Net, b: &Ipv6Net) -> bool {
    a.contains(b) || b.contains(a)
}

/// The first block of `len` inside `within` that overlaps none of `used`.
pub fn first_free_v6(within: &Ipv6Net, len: u8, used: &[Ipv6Net]) -> Option<Ipv6Net> {
    if len < within.prefix_len() || len > 128 {
        return None;
    }
    let size: u128 = if len == 0 {
        u128::MAX
    } else {
        1u128 << (128 - len)
    };
    let start = u128::from(within.network());
    let end = u128::from(within.broadcast());
    let mut candidate = start;
    'outer: while candidate <= end {
        let net = Ipv6Net::new(Ipv6Addr::from(candidate), len).ok()?;
        for u in used {
            if overlaps_v6(u, &net) {
                // Jump past the blocking allocation, aligned to `len`.
                let past = u128::from(u.broadcast()).checked_add(1)?;
                let aligned = past.div_ceil(size).checked_mul(size)?;
                candidate = aligned.max(candidate.checked_add(size)?);
                continue 'outer;
            }
        }
        return Some(net);
    }
    None
}

pub fn first_free_v4(within: &Ipv4Net, len: u8, used: &[Ipv4Net]) -> Option<Ipv4Net> {
    if len < within.prefix_len() || len > 32 {
        return None;
    }
    let size: u64 = 1u64 << (32 - len);
    let start = u64::from(u32::from(within.network()));
    let end = u64::from(u32::from(within.broadcast()));
    let mut candidate = start;
    'outer: while candidate <= end {
        let net = Ipv4Net::new(Ipv4Addr::from(u32::try_from(candidate).ok()?), len).ok()?;
        for u in used {
            if overlaps_v4(u, &net) {
                let past = u64::from(u32::from(u.broadcast())) + 1;
                candidate = past.div_ceil(size) * size;
                continue 'outer;
            }
        }
        return Some(net);
    }
    None
}

/// The `index`th address of a block (0 = network address).
pub fn nth_v6(net: &Ipv6Net, index: u128) -> Ipv6Addr {
    Ipv6Addr::from(u128::from(net.network()).wrapping_add(index))
}

pub fn nth_v4(net: &Ipv4Net, index: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()).wrapping_add(index))
}

/// Number of addresses in an IPv4 block.
pub fn size_v4(net: &Ipv4Net) -> u64 {
    1u64 << (32 - net.prefix_len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_canonicalises() {
        let n = parse_v4("100.68.0.18/18").unwrap();
        assert!(!is_canonical_v4(&n));
        assert_eq!(n.trunc().to_string(), "100.68.0.0/18");
        assert!(parse_v4("10.0.0.0").is_none());
        assert!(parse_v4("10.0.0.0/33").is_none());
        assert!(parse_v6("2600:1f18::/56").is_some());
        assert!(parse_v6("2600:1f18::/129").is_none());
        assert!(parse_v6("nonsense/56").is_none());
    }

    #[test]
    fn prefix_steps() {
        assert!(is_vpc_ipv6_prefix(56) && is_vpc_ipv6_prefix(44) && is_vpc_ipv6_prefix(60));
        assert!(!is_vpc_ipv6_prefix(64) && !is_vpc_ipv6_prefix(50));
        assert!(
            is_subnet_ipv6_prefix(64) && !is_subnet_ipv6_prefix(62) && !is_subnet_ipv6_prefix(40)
        );
    }

    #[test]
    fn first_fit_skips_used_blocks() {
        let pool = parse_v6("2001:db8::/48").unwrap();
        let a = first_free_v6(&pool, 56, &[]).unwrap();
        assert_eq!(a.to_string(), "2001:db8::/56");
        let b = first_free_v6(&pool, 56, &[a]).unwrap();
        assert_eq!(b.to_string(), "2001:db8:0:100::/56");
        let big = parse_v6("2001:db8::/52").unwrap();
        let c = first_free_v6(&pool, 52, &[a]).unwrap();
        assert_eq!(c.to_string(), "2001:db8:0:1000::/52");
        assert!(first_free_v6(&big, 48, &[]).is_none());
        let full = first_free_v6(&parse_v6("2001:db8::/56").unwrap(), 56, &[a]);
        assert!(full.is_none());
        let v4 = parse_v4("10.0.0.0/16").unwrap();
        let used = [parse_v4("10.0.0.0/20").unwrap()];
        assert_eq!(
            first_free_v4(&v4, 24, &used).unwrap().to_string(),
            "10.0.16.0/24"
        );
    }
}
