//! AWS STS (`awsQuery`, API 2011-06-15): `GetCallerIdentity`, the call
//! that every AWS-verified test and most tools make first to learn which
//! account they talk to.
//!
//! Requests are routed here by the SigV4 scope's service `sts`, or, unsigned,
//! by `Version=2011-06-15`. The account is the one every other call of the
//! same credentials lands in (see [`crate::dispatch`]: an access key of 12
//! digits names its account, any other key the default one).
//!
//! The fake has no IAM users, so the caller is the account's root user, as
//! AWS answers for root credentials: `UserId` is the account id and `Arn`
//! is `arn:aws:iam::<account>:root` (the fake's choice; see the README).

use crate::ec2::Handler;
use crate::protocol::error::AwsResult;
use crate::protocol::params::Params;
use crate::protocol::xml::Node;
use crate::region::Ctx;

pub const API_VERSION: &str = "2011-06-15";
pub const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// The SigV4 signing name.
pub const SIGNING_NAME: &str = "sts";

crate::registry::actions! {
    /// The STS action table.
    Handler {
        "GetCallerIdentity" => get_caller_identity,
    }
}

pub fn get_caller_identity(ctx: &mut Ctx<'_>, _p: &Params) -> AwsResult<Vec<Node>> {
    let account = ctx.account().to_owned();
    Ok(vec![
        Node::text("UserId", &account),
        Node::text("Account", &account),
        Node::text("Arn", format!("arn:aws:iam::{account}:root")),
    ])
}
