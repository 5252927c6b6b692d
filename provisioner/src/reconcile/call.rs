//! One AWS call about one resource, with its retry policy as a value:
//! what AWS may answer for a while (NotFound right after a create, while
//! EC2 is eventually consistent; DependencyViolation while something lets
//! go of a resource) and what counts as done (NotFound for a delete,
//! `DryRunOperation` for a dry run, a service's "not found" for a lookup).
//! Every other error ends the call with its kind, name and action.

use std::future::Future;

use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response as HttpResponse;

use super::{Error, Kind, Kit, Result};
use crate::aws_error::aws_error;

/// How many times a NotFound right after a create is retried, at most.
const NOT_FOUND_RETRIES: u32 = 30;

/// What an SDK call answers.
pub type SdkResult<T, E> = std::result::Result<T, SdkError<E, HttpResponse>>;

/// What to do with an error code AWS answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Retry `*NotFound` (a resource made a moment ago).
    pub retry_not_found: bool,
    /// Retry `DependencyViolation` and `ResourceInUse` (EKS's
    /// `ResourceInUseException`): a delete that waits for something to let go.
    pub retry_dependency: bool,
    /// Answer "absent" for `*NotFound` (a delete of what is gone already).
    pub gone_is_done: bool,
    /// Answer "absent" for this code (a lookup by name).
    pub absent_code: Option<&'static str>,
    /// `DryRunOperation` is the success of a dry run.
    pub dry_run: bool,
}

/// An answer judged by a policy, before any retry.
enum Verdict<T, E> {
    /// Success (`Some`), or an answer that counts as absent (`None`).
    Done(Option<T>),
    Failed(E),
}

impl Policy {
    const NONE: Policy = Policy {
        retry_not_found: false,
        retry_dependency: false,
        gone_is_done: false,
        absent_code: None,
        dry_run: false,
    };
    /// A create, or a change to what was just made: NotFound is retried
    /// for a while.
    pub const AFTER_CREATE: Policy = Policy {
        retry_not_found: true,
        ..Policy::NONE
    };
    /// Like [`Policy::AFTER_CREATE`], and a dry run's `DryRunOperation` is
    /// success.
    pub const AFTER_CREATE_OR_DRY_RUN: Policy = Policy {
        dry_run: true,
        ..Policy::AFTER_CREATE
    };
    /// A delete: retried while something still depends on the resource,
    /// done when it is gone.
    pub const DELETE: Policy = Policy {
        retry_dependency: true,
        gone_is_done: true,
        ..Policy::NONE
    };

    fn judge<T, E: ProvideErrorMetadata>(self, answer: std::result::Result<T, E>) -> Verdict<T, E> {
        let e = match answer {
            Ok(t) => return Verdict::Done(Some(t)),
            Err(e) => e,
        };
        let code = e.code();
        let absent = (self.dry_run && code == Some("DryRunOperation"))
            || (self.absent_code.is_some() && code == self.absent_code)
            || (self.gone_is_done && is_not_found(code));
        if absent {
            Verdict::Done(None)
        } else {
            Verdict::Failed(e)
        }
    }
}

/// EC2's and ELB's `*NotFound` codes, and EKS's `*NotFoundException`.
fn is_not_found(code: Option<&str>) -> bool {
    code.is_some_and(|c| c.ends_with("NotFound") || c.ends_with("NotFoundException"))
}

/// NotFound codes of what the provisioner never makes (key pairs, images):
/// no create of its own can be settling, so waiting would not help.
fn never_made_here(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("InvalidKeyPair.NotFound" | "InvalidAMIID.NotFound")
    )
}

/// A call under construction: see [`Kit::call`].
pub struct Call<'k> {
    kit: &'k Kit<'k>,
    kind: Kind,
    name: String,
    action: &'static str,
}

impl<'k> Call<'k> {
    pub(super) fn new(kit: &'k Kit<'k>, kind: Kind, name: &str, action: &'static str) -> Self {
        Self {
            kit,
            kind,
            name: name.to_owned(),
            action,
        }
    }

    /// Sends once; every error ends it.
    pub async fn once<T, E>(self, fut: impl Future<Output = SdkResult<T, E>>) -> Result<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        fut.await.map_err(|e| self.error(e))
    }

    /// Sends, retrying while AWS does not see a resource made a moment ago.
    pub async fn after_create<T, E, F, Fut>(self, send: F) -> Result<T>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        F: FnMut() -> Fut,
        Fut: Future<Output = SdkResult<T, E>>,
    {
        let (self_kind, self_name) = (self.kind, self.name.clone());
        self.run(Policy::AFTER_CREATE, send).await?.ok_or_else(|| {
            // Only the policy's own codes answer "absent", and this one has none.
            Error::stuck(self_kind, &self_name, "answered as absent")
        })
    }

    /// A lookup: `None` when AWS answers `code` (its "not found").
    pub async fn absent_on<T, E>(
        self,
        code: &'static str,
        fut: impl Future<Output = SdkResult<T, E>>,
    ) -> Result<Option<T>>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let policy = Policy {
            absent_code: Some(code),
            ..Policy::NONE
        };
        self.single(policy, fut.await)
    }

    /// A change to what may be gone already: NotFound is done.
    pub async fn gone_ok<T, E>(self, fut: impl Future<Output = SdkResult<T, E>>) -> Result<()>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let policy = Policy {
            gone_is_done: true,
            ..Policy::NONE
        };
        self.single(policy, fut.await).map(drop)
    }

    /// A delete: retried while something still depends on the resource,
    /// done when it is gone.
    pub async fn delete<T, E, F, Fut>(self, send: F) -> Result<()>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        F: FnMut() -> Fut,
        Fut: Future<Output = SdkResult<T, E>>,
    {
        self.run(Policy::DELETE, send).await.map(drop)
    }

    /// A dry-run call: `DryRunOperation` means AWS would have done it.
    pub async fn dry_run<T, E>(self, fut: impl Future<Output = SdkResult<T, E>>) -> Result<()>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let policy = Policy {
            dry_run: true,
            ..Policy::NONE
        };
        self.single(policy, fut.await).map(drop)
    }

    /// Sends under `policy`: `Ok(None)` when the answer counts as absent.
    pub async fn run<T, E, F, Fut>(self, policy: Policy, mut send: F) -> Result<Option<T>>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        F: FnMut() -> Fut,
        Fut: Future<Output = SdkResult<T, E>>,
    {
        let max = self.kit.polling.max_polls;
        let (mut not_found, mut dependency) = (0u32, 0u32);
        loop {
            let e = match policy.judge(send().await) {
                Verdict::Done(t) => return Ok(t),
                Verdict::Failed(e) => e,
            };
            let code = e.code();
            if policy.retry_not_found
                && is_not_found(code)
                && !never_made_here(code)
                && not_found < max.min(NOT_FOUND_RETRIES)
            {
                not_found += 1;
                self.kit.sleep().await;
                continue;
            }
            if policy.retry_dependency
                && matches!(
                    code,
                    Some("DependencyViolation" | "ResourceInUse" | "ResourceInUseException")
                )
                && dependency < max
            {
                dependency += 1;
                self.kit.sleep().await;
                continue;
            }
            return Err(self.error(e));
        }
    }

    /// One answer under `policy`, without retries.
    fn single<T, E>(self, policy: Policy, answer: SdkResult<T, E>) -> Result<Option<T>>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        match policy.judge(answer) {
            Verdict::Done(t) => Ok(t),
            Verdict::Failed(e) => Err(self.error(e)),
        }
    }

    fn error<E>(&self, e: SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        Error::Aws {
            kind: self.kind,
            name: self.name.clone(),
            source: Box::new(aws_error(self.action, e)),
        }
    }
}
