//! An EC2, ELBv2, classic ELB and EKS endpoint that unmodified AWS clients accept and that
//! enforces AWS's own IPv6 and dualstack rules, in-process or standalone.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let fake = fake_ec2::Fake::new();
//! let server = fake.start().await?;           // 127.0.0.1:<random port>
//! println!("point clients at {}", server.url());
//! let calls = fake.journal();                  // every request, without secrets
//! # Ok(()) }
//! ```

mod answer;
mod bookkeeping;
pub mod cidr;
mod conn;
mod consistency;
pub mod dispatch;
pub mod ec2;
pub mod eks;
pub mod elb;
pub mod elbv2;
pub mod fake;
pub mod faults;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod ids;
pub mod index;
mod integrity;
pub mod journal;
pub mod persist;
pub mod protocol;
pub mod region;
pub mod registry;
pub mod seed;
pub mod server;
pub mod state;
pub mod sts;
pub mod ui;
pub mod view;
pub mod world;

pub use dispatch::{RawRequest, RawResponse};
pub use faults::FaultRule;
pub use journal::{JournalEntry, Service};
pub use persist::{StateFile, StateFileError};
pub use protocol::sigv4::{Credentials, SecretKey};
pub use seed::{Seed, SeedError};
pub use server::{Fake, FakeError, ServeOptions, Server};
pub use state::StateDump;
pub use world::World;
