//! Integration tests: the real `aws-sdk-ec2` client against the fake over a
//! real socket, plus raw-HTTP tests that pin the wire bytes.
//!
//! One test binary for the whole crate (every binary that links the SDK
//! costs link time and disk); one module per resource family.

mod common;

mod addresses;
mod bad_input;
mod carrier_gateways;
mod classic_elb;
mod concurrency;
mod connections;
mod default_vpc;
mod eks;
mod faults;
mod gateways;
mod images;
mod instances;
mod ipam;
mod journal;
mod key_pairs;
mod listeners;
mod load_balancers;
mod network_interfaces;
mod protocol;
mod readme;
mod routes;
mod security_groups;
mod sigv4;
mod standalone;
mod state_files;
mod sts;
mod subnets;
mod tags;
mod target_groups;
mod targets;
mod ui;
mod vpc_endpoints;
mod vpcs;
mod zones;
