//! What validation reports: a stable rule id, a severity, who refuses it
//! and when (its origin), the object and field the finding is about, and a
//! message that says what to change.

use std::fmt;

use serde::Serialize;

use crate::rule::Rule;
pub use crate::rule::{Origin, Severity};
use crate::spec::Source;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule, shown and serialised as its stable id (e.g.
    /// `lb-ipv6-only-subnet`); listed in docs/rules.md.
    pub rule: Rule,
    pub severity: Severity,
    /// Who refuses it, and when: CAPA's webhook or controller, AWS,
    /// Kubernetes, the documentation, or advice.
    pub origin: Origin,
    /// `Kind/name` of the object, e.g. `AWSCluster/my-cluster`.
    pub object: String,
    /// Field path inside the object, e.g. `spec.network.subnets[2].cidrBlock`.
    pub path: String,
    pub message: String,
    /// Where the object is written (file and line of its document).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

impl Finding {
    /// A finding of `rule`, with the rule's severity and origin.
    pub fn new(
        rule: Rule,
        object: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
        source: Option<Source>,
    ) -> Self {
        Self {
            rule,
            severity: rule.severity(),
            origin: rule.origin(),
            object: object.into(),
            path: path.into(),
            message: message.into(),
            source,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sev = self.severity.as_str();
        write!(
            f,
            "{sev}[{}] ({}): {}",
            self.rule,
            self.origin.label(),
            self.object
        )?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        if let Some(s) = &self.source {
            write!(f, " ({s})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Whether any finding refuses the configuration.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}
