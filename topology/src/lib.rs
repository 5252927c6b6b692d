//! A picture of an AWS network.
//!
//! [`Network`] says what is there: one VPC with its blocks, its zones, its
//! subnets (public or private, IPv4, dualstack or IPv6-only, DNS64 and
//! auto-assigned IPv6), the gateways (internet, egress-only, carrier, NAT
//! with their Elastic IPs, gateway endpoints), each route table's routes,
//! the load balancers with their listeners and target groups, the machines
//! and the security groups. [`svg`] draws it; [`html`] puts pictures and
//! other sections into one self-contained page (no external assets).
//!
//! The provisioner fills a `Network` from a plan; the fake from its live
//! state. Nothing here knows either: a network is plain data, and the same
//! network always gives the same bytes.

pub mod html;
mod model;
pub mod svg;

pub use model::*;
