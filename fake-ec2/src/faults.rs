//! Fault injection: make chosen calls fail with an AWS error code, slow them
//! down, or spoil what they create (eventual consistency, NAT gateways and
//! load balancers that fail or never settle), deterministically (an Nth call,
//! or a seeded probability).

use serde::{Deserialize, Serialize};

use crate::journal::Service;
use crate::protocol::AwsError;

/// One fault: which calls it applies to and what it does to them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// Only this action (e.g. `CreateSubnet`); any action when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Only this service (`ec2`, `elbv2`, `elb` (classic ELB), `eks` or `sts`); any when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Service>,
    /// The AWS error code to answer, e.g. `RequestLimitExceeded`. Its usual
    /// HTTP status is used unless `status` is given. No error when absent
    /// (a latency-only rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Fire on the Nth matching call only (1-based).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u64>,
    /// Fire on the Nth matching call and every one after it: a client that
    /// "crashes" after N-1 calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_nth: Option<u64>,
    /// Match only calls that change state (anything but Describe/Get/List).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub mutating_only: bool,
    /// Fire on a matching call with this probability (seeded, so repeatable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Fire at most this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Delay the answer by this many milliseconds when the rule fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    /// Eventual consistency: the resource a firing call creates answers its
    /// NotFound error to the next K calls that name it by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_found_reads: Option<u32>,
    /// What becomes of the NAT gateway or load balancer a firing create makes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// With `outcome: failed`: the failure code (NAT gateways) and the
    /// failure message (NAT gateways) or state reason (load balancers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_message: Option<String>,
}

/// The longest delay one rule may add: an hour, far beyond any SDK timeout.
pub const MAX_LATENCY_MS: u64 = 3_600_000;

impl FaultRule {
    /// Why AWS could never answer what the rule asks for, if so: an HTTP
    /// status outside 400-599, a probability outside 0-1, a 0th call, ...
    pub fn check(&self) -> Result<(), String> {
        if let Some(code) = &self.error
            && (code.is_empty()
                || code.len() > 128
                || !code
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_'))
        {
            return Err(format!(
                "error '{code}' is not an AWS error code (1-128 letters, digits, '.' or '_')"
            ));
        }
        if let Some(status) = self.status {
            if self.error.is_none() {
                return Err(format!("status {status} needs an error code"));
            }
            if !(400..=599).contains(&status) {
                return Err(format!(
                    "status {status} is not an error status AWS answers (400-599)"
                ));
            }
        }
        if let Some(p) = self.probability
            && !(p.is_finite() && (0.0..=1.0).contains(&p))
        {
            return Err(format!("probability {p} is not between 0 and 1"));
        }
        if self.nth == Some(0) || self.from_nth == Some(0) {
            return Err("nth and from_nth count calls from 1".to_owned());
        }
        if self.nth.is_some() && self.from_nth.is_some() {
            return Err("nth and from_nth exclude each other".to_owned());
        }
        if let Some(ms) = self.latency_ms
            && ms > MAX_LATENCY_MS
        {
            return Err(format!(
                "latency_ms {ms} is more than {MAX_LATENCY_MS} (an hour)"
            ));
        }
        if (self.failure_code.is_some() || self.failure_message.is_some())
            && self.outcome != Some(Outcome::Failed)
        {
            return Err("failure_code and failure_message need outcome: failed".to_owned());
        }
        Ok(())
    }
}

/// Checks every rule; the error names the first bad one as `list[i]`
/// (`rules[2]: ...` for `PUT /_fake/faults`, `faults[2]: ...` for a seed).
pub fn check_rules(list: &str, rules: &[FaultRule]) -> Result<(), String> {
    for (i, rule) in rules.iter().enumerate() {
        rule.check().map_err(|e| format!("{list}[{i}]: {e}"))?;
    }
    Ok(())
}

/// What a fault rule makes of the resource a create call makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Created, then `failed` (NAT gateway: with a failure code and message;
    /// load balancer: state `failed` with a reason).
    Failed,
    /// Created and never leaves its transitional state (`pending`, `provisioning`).
    Stuck,
}

/// The fate a fired `outcome` rule hands to the create handler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    Failed {
        code: Option<String>,
        message: Option<String>,
    },
    Stuck,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct RuleState {
    matched: u64,
    fired: u64,
}

/// The active rules, their counters and the seeded random source.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Faults {
    rules: Vec<(FaultRule, RuleState)>,
    rng: u64,
}

/// What the fault rules decided for one call.
#[derive(Debug, Default)]
pub struct FaultOutcome {
    pub error: Option<AwsError>,
    pub latency_ms: u64,
    /// Hide what the call creates from this many calls that name it.
    pub not_found_reads: Option<u32>,
    pub fate: Option<Fate>,
}

impl Default for Faults {
    fn default() -> Self {
        Self::new(Vec::new(), 0)
    }
}

impl Faults {
    /// The rules as given; callers check them first ([`check_rules`]).
    pub fn new(rules: Vec<FaultRule>, seed: u64) -> Self {
        Self {
            rules: rules
                .into_iter()
                .map(|r| (r, RuleState::default()))
                .collect(),
            rng: seed ^ 0x9E37_79B9_7F4A_7C15,
        }
    }

    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.iter().map(|(r, _)| r.clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Runs every rule against one call. The first rule that fires with an
    /// error decides the error; latencies of all firing rules add up.
    pub fn evaluate(&mut self, service: Service, action: &str) -> FaultOutcome {
        let mut outcome = FaultOutcome::default();
        for i in 0..self.rules.len() {
            let (rule, state) = &self.rules[i];
            if rule.action.as_deref().is_some_and(|a| a != action)
                || rule.service.is_some_and(|s| s != service)
                || (rule.mutating_only && !crate::journal::is_mutating(action))
            {
                continue;
            }
            let matched = state.matched + 1;
            let exhausted = rule.times.is_some_and(|t| state.fired >= t);
            let probability = rule.probability;
            let nth = rule.nth;
            let from_nth = rule.from_nth;
            let fires = !exhausted
                && match (nth, from_nth, probability) {
                    (Some(n), _, _) => matched == n,
                    (None, Some(n), _) => matched >= n,
                    (None, None, Some(p)) => self.next_unit() < p,
                    (None, None, None) => true,
                };
            let (rule, state) = &mut self.rules[i];
            state.matched = matched;
            if !fires {
                continue;
            }
            state.fired += 1;
            outcome.latency_ms = outcome
                .latency_ms
                .saturating_add(rule.latency_ms.unwrap_or(0));
            if outcome.error.is_none()
                && let Some(code) = &rule.error
            {
                let mut err = if service == Service::Eks {
                    crate::eks::errors::from_code(code, rule.message.as_deref())
                } else {
                    AwsError::from_code(code, rule.message.as_deref())
                };
                if let Some(status) = rule.status {
                    err.status = status;
                }
                outcome.error = Some(err);
            }
            if outcome.not_found_reads.is_none() {
                outcome.not_found_reads = rule.not_found_reads.filter(|k| *k > 0);
            }
            if outcome.fate.is_none() {
                outcome.fate = rule.outcome.map(|o| match o {
                    Outcome::Failed => Fate::Failed {
                        code: rule.failure_code.clone(),
                        message: rule.failure_message.clone(),
                    },
                    Outcome::Stuck => Fate::Stuck,
                });
            }
        }
        outcome
    }

    /// splitmix64, mapped to [0, 1).
    #[allow(clippy::cast_precision_loss)]
    fn next_unit(&mut self) -> f64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(action: &str) -> FaultRule {
        FaultRule {
            action: Some(action.into()),
            error: Some("RequestLimitExceeded".into()),
            ..FaultRule::default()
        }
    }

    #[test]
    fn nth_call_of_an_action() {
        let mut f = Faults::new(
            vec![FaultRule {
                nth: Some(2),
                ..rule("CreateVpc")
            }],
            0,
        );
        assert!(f.evaluate(Service::Ec2, "CreateVpc").error.is_none());
        assert!(f.evaluate(Service::Ec2, "DescribeVpcs").error.is_none());
        let e = f.evaluate(Service::Ec2, "CreateVpc").error.unwrap();
        assert_eq!((e.code.as_ref(), e.status), ("RequestLimitExceeded", 503));
        assert!(f.evaluate(Service::Ec2, "CreateVpc").error.is_none());
    }

    #[test]
    fn from_nth_mutating_call_on() {
        let mut f = Faults::new(
            vec![FaultRule {
                action: None,
                error: Some("UnauthorizedOperation".into()),
                from_nth: Some(2),
                mutating_only: true,
                ..FaultRule::default()
            }],
            0,
        );
        assert!(f.evaluate(Service::Ec2, "CreateVpc").error.is_none());
        assert!(f.evaluate(Service::Ec2, "DescribeVpcs").error.is_none());
        assert!(f.evaluate(Service::Ec2, "CreateSubnet").error.is_some());
        assert!(f.evaluate(Service::Ec2, "DescribeSubnets").error.is_none());
        assert!(
            f.evaluate(Service::Elbv2, "CreateLoadBalancer")
                .error
                .is_some()
        );
    }

    #[test]
    fn probability_is_seeded_and_times_bounded() {
        let run = |seed| {
            let mut f = Faults::new(
                vec![FaultRule {
                    probability: Some(0.5),
                    ..rule("A")
                }],
                seed,
            );
            (0..64)
                .map(|_| f.evaluate(Service::Ec2, "A").error.is_some())
                .collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        let fired = run(7).iter().filter(|x| **x).count();
        assert!((16..48).contains(&fired), "{fired}");
        let mut f = Faults::new(
            vec![FaultRule {
                times: Some(2),
                ..rule("A")
            }],
            0,
        );
        let n = (0..5)
            .filter(|_| f.evaluate(Service::Ec2, "A").error.is_some())
            .count();
        assert_eq!(n, 2);
    }

    #[test]
    fn fates_and_hidden_reads_come_from_the_first_firing_rule() {
        let mut f = Faults::new(
            vec![
                FaultRule {
                    action: Some("CreateNatGateway".into()),
                    outcome: Some(Outcome::Failed),
                    failure_code: Some("Gateway.NotAttached".into()),
                    nth: Some(1),
                    ..FaultRule::default()
                },
                FaultRule {
                    action: Some("CreateNatGateway".into()),
                    outcome: Some(Outcome::Stuck),
                    not_found_reads: Some(3),
                    ..FaultRule::default()
                },
            ],
            0,
        );
        let first = f.evaluate(Service::Ec2, "CreateNatGateway");
        assert!(first.error.is_none());
        assert_eq!(
            first.fate,
            Some(Fate::Failed {
                code: Some("Gateway.NotAttached".into()),
                message: None
            })
        );
        assert_eq!(first.not_found_reads, Some(3));
        let second = f.evaluate(Service::Ec2, "CreateNatGateway");
        assert_eq!(second.fate, Some(Fate::Stuck));
        assert!(f.evaluate(Service::Ec2, "CreateVpc").fate.is_none());
    }
}
