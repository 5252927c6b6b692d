//! The shape the code keeps as it grows (the structure issue's checks,
//! run with the tests so they cannot slip again): no source file over 700
//! lines, apply independent of the report and of destroy, the plan
//! independent of validation.

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 700;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every file below `src/<module>`, with its text.
fn module(name: &str) -> Vec<(String, String)> {
    let mut files = Vec::new();
    sources(&src().join(name), &mut files);
    assert!(!files.is_empty(), "src/{name} has no source files");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).expect("a readable source file");
            (p.display().to_string(), text)
        })
        .collect()
}

/// The places `text` names one of `modules` of the crate: a `crate::x` or
/// `super::x` path, or a `use crate::{...}` group that lists it.
fn imports_of(text: &str, modules: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("//") {
            continue;
        }
        for m in modules {
            let path = [format!("crate::{m}"), format!("super::{m}")]
                .iter()
                .any(|p| {
                    line.match_indices(p.as_str()).any(|(i, _)| {
                        let after = line[i + p.len()..].chars().next();
                        !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    })
                });
            if path {
                found.push(format!("line {}: {}", n + 1, line.trim()));
            }
        }
    }
    // `use crate::{a, b::c, ...};` over one or more lines.
    let mut rest = text;
    while let Some(i) = rest.find("use crate::{") {
        let group = &rest[i..];
        let end = group.find("};").unwrap_or(group.len());
        let names = &group["use crate::{".len()..end];
        for m in modules {
            if names
                .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .any(|item| item == *m || item.starts_with(&format!("{m}::")))
            {
                found.push(format!("use crate::{{...{m}...}}"));
            }
        }
        rest = &group[end..];
    }
    found
}

#[test]
fn no_source_file_is_over_700_lines() {
    let mut files = Vec::new();
    sources(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let n = std::fs::read_to_string(p).ok()?.lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", p.display()))
        })
        .collect();
    assert!(
        long.is_empty(),
        "split these into modules of at most {MAX_LINES} lines: {long:#?}"
    );
}

#[test]
fn apply_imports_neither_the_report_nor_destroy() {
    for (file, text) in module("apply") {
        let found = imports_of(&text, &["report", "destroy"]);
        assert!(
            found.is_empty(),
            "{file} imports report or destroy: {found:#?}"
        );
    }
}

#[test]
fn the_plan_does_not_import_validation() {
    for (file, text) in module("plan") {
        let found = imports_of(&text, &["validate"]);
        assert!(found.is_empty(), "{file} imports validate: {found:#?}");
    }
}

#[test]
fn the_import_check_sees_each_form() {
    assert_eq!(
        imports_of("use crate::report::change_line;", &["report"]).len(),
        1
    );
    assert_eq!(
        imports_of("let x = super::destroy::run();", &["destroy"]).len(),
        1
    );
    assert_eq!(
        imports_of(
            "use crate::{\n    facts::Facts,\n    validate::V,\n};",
            &["validate"]
        )
        .len(),
        1
    );
    assert!(
        imports_of(
            "use crate::reporting::x; use crate::destroyer;",
            &["report", "destroy"]
        )
        .is_empty()
    );
    assert!(imports_of("use crate::{facts, plan};", &["validate"]).is_empty());
    assert!(imports_of("/// See [`crate::validate`].", &["validate"]).is_empty());
}
