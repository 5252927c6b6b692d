//! clusterctl variable substitution: `${VAR}`, `${VAR:=default}` and
//! `${VAR:-default}`. Values come from `--var KEY=VALUE` first, then the
//! environment. Every unset variable without a default is reported at once,
//! with the line it first appears on, so one run tells the whole story.
//!
//! Only the braced forms are variables: `$(CSI_ENDPOINT)` in a container
//! argument and a lone `$` stay as they are, as they do with clusterctl's
//! templates in practice.

use std::collections::BTreeMap;

/// Where variable values come from.
#[derive(Debug, Clone, Default)]
pub struct Vars {
    /// `--var KEY=VALUE` values; they win over the environment.
    pub explicit: BTreeMap<String, String>,
    /// Whether to read the process environment.
    pub use_env: bool,
}

impl Vars {
    /// Values from `--var` and the environment.
    pub fn from_env(explicit: BTreeMap<String, String>) -> Self {
        Self {
            explicit,
            use_env: true,
        }
    }

    /// Only the given values (tests, scenarios): the environment is ignored.
    pub fn only(explicit: BTreeMap<String, String>) -> Self {
        Self {
            explicit,
            use_env: false,
        }
    }

    fn lookup(&self, name: &str) -> Option<String> {
        if let Some(v) = self.explicit.get(name) {
            return Some(v.clone());
        }
        if self.use_env {
            return std::env::var(name).ok();
        }
        None
    }

    /// Parses `KEY=VALUE`, as `--var` takes it.
    pub fn parse_assignment(text: &str) -> Result<(String, String), String> {
        let (k, v) = text
            .split_once('=')
            .ok_or_else(|| format!("'{text}' is not KEY=VALUE"))?;
        if !is_name(k) {
            return Err(format!(
                "'{k}' is not a variable name (letters, digits and _, not starting with a digit)"
            ));
        }
        Ok((k.to_owned(), v.to_owned()))
    }
}

/// A variable that has no value and no default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unset {
    pub name: String,
    /// 1-based line of its first use.
    pub line: usize,
}

fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Substitutes every `${...}` in `text`. An empty value counts as unset for
/// `:-` and `:=` (the shell's rule); a plain `${VAR}` set to "" becomes "".
pub fn substitute(text: &str, vars: &Vars) -> Result<String, Vec<Unset>> {
    let mut out = String::with_capacity(text.len());
    let mut unset: Vec<Unset> = Vec::new();
    let mut assigned: BTreeMap<String, String> = BTreeMap::new();
    let mut rest = text;
    let mut line = 1;
    while let Some(start) = rest.find("${") {
        let (before, after) = rest.split_at(start);
        line += before.matches('\n').count();
        out.push_str(before);
        let Some(end) = after.find('}') else {
            out.push_str(after);
            rest = "";
            break;
        };
        let body = &after[2..end];
        let (name, op, default) = split_body(body);
        if !is_name(name) {
            // Not a clusterctl variable (e.g. `${ not a var }`): keep verbatim.
            out.push_str(&after[..=end]);
            line += after[..=end].matches('\n').count();
            rest = &after[end + 1..];
            continue;
        }
        let value = assigned
            .get(name)
            .cloned()
            .or_else(|| vars.lookup(name))
            .filter(|v| op.is_none() || !v.is_empty());
        match (value, op) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(op)) => {
                if op == ":=" {
                    assigned.insert(name.to_owned(), default.to_owned());
                }
                out.push_str(default);
            }
            (None, None) => {
                if !unset.iter().any(|u| u.name == name) {
                    unset.push(Unset {
                        name: name.to_owned(),
                        line,
                    });
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    if unset.is_empty() {
        Ok(out)
    } else {
        Err(unset)
    }
}

/// `NAME`, `NAME:=default` or `NAME:-default` -> (name, operator, default).
fn split_body(body: &str) -> (&str, Option<&str>, &str) {
    for op in [":=", ":-"] {
        if let Some((name, default)) = body.split_once(op) {
            return (name.trim(), Some(op), default);
        }
    }
    (body.trim(), None, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        Vars::only(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn the_three_forms() {
        let v = vars(&[("A", "x"), ("EMPTY", "")]);
        assert_eq!(substitute("a=${A} b=${B:-dflt}", &v).unwrap(), "a=x b=dflt");
        assert_eq!(substitute("${C:=one} ${C}", &v).unwrap(), "one one");
        assert_eq!(substitute("${EMPTY:-d}|${EMPTY}", &v).unwrap(), "d|");
        assert_eq!(substitute("${A:-unused}", &v).unwrap(), "x");
    }

    #[test]
    fn reports_every_unset_variable_with_its_line() {
        let e = substitute("a: ${X}\nb: ${Y}\nc: ${X}\n", &vars(&[])).unwrap_err();
        assert_eq!(
            e,
            vec![
                Unset {
                    name: "X".into(),
                    line: 1
                },
                Unset {
                    name: "Y".into(),
                    line: 2
                }
            ]
        );
    }

    #[test]
    fn leaves_non_variables_alone() {
        let v = vars(&[]);
        let text = "- --endpoint=$(CSI_ENDPOINT)\nprice: $5\n${ not a var }";
        assert_eq!(substitute(text, &v).unwrap(), text);
        assert_eq!(substitute("${unclosed", &v).unwrap(), "${unclosed");
    }

    #[test]
    fn explicit_values_win_over_the_environment() {
        let v = Vars {
            explicit: [("PATH".to_owned(), "mine".to_owned())].into(),
            use_env: true,
        };
        assert_eq!(substitute("${PATH}", &v).unwrap(), "mine");
    }

    #[test]
    fn assignment_syntax() {
        assert_eq!(
            Vars::parse_assignment("A_1=x=y").unwrap(),
            ("A_1".into(), "x=y".into())
        );
        assert!(Vars::parse_assignment("nope").is_err());
        assert!(Vars::parse_assignment("1A=x").is_err());
    }
}
