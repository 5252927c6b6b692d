//! Wire protocols: query-string parameters in, XML envelopes out.
//!
//! EC2 speaks the `ec2Query` protocol (flattened `Name.N` lists, camelCase
//! `...Set/item` responses with no Result wrapper); ELBv2 speaks `awsQuery`
//! (`Name.member.N` lists, `<OpResult>` wrapper). Business logic never builds
//! XML strings: it returns [`xml::Node`] trees that the envelopes serialise.

pub mod envelope;
pub mod error;
pub mod params;
pub mod sigv4;
pub mod xml;

pub use error::AwsError;
pub use params::{Filter, Params};
pub use xml::Node;
