//! `ClientToken` idempotency, as EC2's create actions share it: a retried
//! request with the token of an earlier one answers what that one made;
//! the same token on a request that differs is `IdempotentParameterMismatch`.

use super::errors;
use crate::index::{By, Indexed};
use crate::protocol::error::AwsResult;

/// The resource an earlier request with `token` made, if there is one.
///
/// `token_of` reads a stored resource's token; `same_request` says whether
/// the request now being served matches the one that made it (EC2 compares
/// the arguments that define the resource: a VPC, a subnet).
pub fn earlier<'a, R: 'a>(
    store: impl IntoIterator<Item = &'a R>,
    token: Option<&str>,
    token_of: impl Fn(&R) -> Option<&str>,
    same_request: impl Fn(&R) -> bool,
) -> AwsResult<Option<&'a R>> {
    let Some(token) = token else {
        return Ok(None);
    };
    judge(
        store.into_iter().find(|r| token_of(r) == Some(token)),
        same_request,
    )
}

/// [`earlier`] for a family whose store indexes its resources by token
/// ([`By::Token`]).
pub fn earlier_indexed<'a, R>(
    store: &'a Indexed<R>,
    token: Option<&str>,
    same_request: impl Fn(&R) -> bool,
) -> AwsResult<Option<&'a R>> {
    judge(token.and_then(|t| store.first(By::Token, t)), same_request)
}

fn judge<R>(found: Option<&R>, same_request: impl Fn(&R) -> bool) -> AwsResult<Option<&R>> {
    match found {
        Some(r) if same_request(r) => Ok(Some(r)),
        Some(_) => Err(errors::idempotent_parameter_mismatch()),
        None => Ok(None),
    }
}
