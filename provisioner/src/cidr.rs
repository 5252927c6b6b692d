//! CIDR arithmetic for the default subnet layout.
//!
//! IPv4 follows CAPA exactly (`SplitIntoSubnetsIPv4`: add ceil(log2 n) bits
//! and take the first n blocks). IPv6 subnets are /64s numbered from the
//! VPC block's start: `slot k` is the k-th /64 of the block. For a /56 that
//! is exactly what CAPA's `SplitIntoSubnetsIPv6` yields (it increments byte
//! 7 of the address); unlike CAPA, slots carry into byte 6 and are bounded
//! by the block's size, so /44 to /60 VPC blocks work too.

use std::net::Ipv6Addr;

use ipnet::{Ipv4Net, Ipv6Net};

/// Splits `net` into `n` equal blocks (the smallest power of two >= n, first n kept).
pub fn split_ipv4(net: Ipv4Net, n: usize) -> Result<Vec<Ipv4Net>, String> {
    if n == 0 {
        return Ok(Vec::new());
    }
    let bits = usize::BITS - (n - 1).leading_zeros();
    let bits = if n == 1 { 0 } else { bits as u8 };
    let prefix = net.prefix_len() + bits;
    if prefix > 32 {
        return Err(format!("cidr {net} cannot accommodate {n} subnets"));
    }
    let subnets = net
        .subnets(prefix)
        .map_err(|_| format!("cidr {net} cannot accommodate {n} subnets"))?;
    Ok(subnets.take(n).collect())
}

/// How many /64 subnets an IPv6 block holds (saturating for huge blocks).
pub fn slots(block: Ipv6Net) -> u128 {
    let free_bits = 64u32.saturating_sub(u32::from(block.prefix_len()));
    1u128.checked_shl(free_bits).unwrap_or(u128::MAX)
}

/// The `k`-th /64 of `block`, if it fits.
pub fn ipv6_slot(block: Ipv6Net, k: u128) -> Option<Ipv6Net> {
    if block.prefix_len() > 64 || k >= slots(block) {
        return None;
    }
    let base = u128::from(block.trunc().network());
    let addr = base + (k << 64);
    Ipv6Net::new(Ipv6Addr::from(addr), 64).ok()
}

/// The slot index of a /64 inside `block`, if it is one of its /64s.
pub fn slot_of(block: Ipv6Net, net: Ipv6Net) -> Option<u128> {
    if net.prefix_len() != 64 || !block.contains(&net) {
        return None;
    }
    Some((u128::from(net.network()) - u128::from(block.trunc().network())) >> 64)
}

pub fn parse_v4(text: &str) -> Option<Ipv4Net> {
    text.trim().parse().ok()
}

pub fn parse_v6(text: &str) -> Option<Ipv6Net> {
    text.trim().parse().ok()
}

pub fn overlaps_v4(a: &Ipv4Net, b: &Ipv4Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

pub fn overlaps_v6(a: &Ipv6Net, b: &Ipv6Net) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> Ipv4Net {
        s.parse().unwrap()
    }

    fn v6(s: &str) -> Ipv6Net {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_split_matches_capa() {
        let s = split_ipv4(v4("10.0.0.0/16"), 4).unwrap();
        assert_eq!(
            s,
            [
                v4("10.0.0.0/18"),
                v4("10.0.64.0/18"),
                v4("10.0.128.0/18"),
                v4("10.0.192.0/18")
            ]
        );
        let s = split_ipv4(v4("10.0.0.0/18"), 3).unwrap();
        assert_eq!(
            s,
            [v4("10.0.0.0/20"), v4("10.0.16.0/20"), v4("10.0.32.0/20")]
        );
        assert_eq!(
            split_ipv4(v4("10.0.0.0/16"), 1).unwrap(),
            [v4("10.0.0.0/16")]
        );
        assert!(split_ipv4(v4("10.0.0.0/31"), 4).is_err());
    }

    #[test]
    fn ipv6_slots_match_capa_for_a_56() {
        let b = v6("2600:1f18:0:1a00::/56");
        assert_eq!(ipv6_slot(b, 1).unwrap(), v6("2600:1f18:0:1a01::/64"));
        assert_eq!(ipv6_slot(b, 7).unwrap(), v6("2600:1f18:0:1a07::/64"));
        assert_eq!(ipv6_slot(b, 255).unwrap(), v6("2600:1f18:0:1aff::/64"));
        assert_eq!(ipv6_slot(b, 256), None);
        assert_eq!(slot_of(b, v6("2600:1f18:0:1a05::/64")), Some(5));
    }

    #[test]
    fn ipv6_slots_carry_and_respect_small_blocks() {
        // A /52 has 4096 /64s; slot 256 carries into byte 6 (CAPA wraps to 0).
        let b = v6("2001:db8:0:1000::/52");
        assert_eq!(ipv6_slot(b, 256).unwrap(), v6("2001:db8:0:1100::/64"));
        // A /60 (an IPAM allocation) has 16; CAPA would walk out of it.
        let small = v6("2001:db8:0:10::/60");
        assert_eq!(ipv6_slot(small, 15).unwrap(), v6("2001:db8:0:1f::/64"));
        assert_eq!(ipv6_slot(small, 16), None);
    }
}
