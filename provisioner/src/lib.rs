//! Provisions the IPv6 and dualstack network of a Kubernetes cluster on AWS
//! from Cluster API Provider AWS manifests.
//!
//! The same code talks to three targets (see [`target`]): the embedded
//! `fake-ec2` (the default: no account, no network), any endpoint given by
//! URL, or real AWS with the default credential chain.

pub mod aws_error;
pub mod instance_types;
pub mod target;
