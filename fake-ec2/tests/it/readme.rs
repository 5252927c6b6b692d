//! Every test fake-ec2/README.md cites exists: `module::test` names a test
//! of this binary (`tests/it/module.rs`), `a::b::tests::test` a unit test
//! in `src/a/b.rs` (or `src/a/b/mod.rs`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Backticked `a::b` or `a::tests::b` names in the text.
fn cited(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for quoted in text.split('`').skip(1).step_by(2) {
        let parts: Vec<&str> = quoted.split("::").collect();
        let plain = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if parts.len() >= 2 && parts.iter().all(|p| plain(p)) {
            names.insert(quoted.to_owned());
        }
    }
    names
}

/// Whether `source` defines a function `name` (a test, or an rstest table).
fn defines(source: &str, name: &str) -> bool {
    source.contains(&format!("fn {name}("))
}

/// The file a `::tests::` path names under `src/`: `a/b.rs` or `a/b/mod.rs`.
fn unit_test_file(root: &Path, modules: &[&str]) -> PathBuf {
    let path = modules.join("/");
    let flat = root.join(format!("src/{path}.rs"));
    if flat.exists() {
        flat
    } else {
        root.join(format!("src/{path}/mod.rs"))
    }
}

#[test]
fn every_test_the_readme_cites_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let mut missing = Vec::new();
    let mut checked = 0;
    for name in cited(&readme) {
        let parts: Vec<&str> = name.split("::").collect();
        let tests_at = parts.iter().position(|p| *p == "tests");
        let (file, test) = match (parts.as_slice(), tests_at) {
            // Paths into the library, and the README's own placeholder.
            (["fake_ec2", ..] | ["module", "test"], _) => continue,
            // A unit test module as a whole (`protocol::sigv4::tests`).
            (_, Some(k)) if k + 1 == parts.len() => (unit_test_file(root, &parts[..k]), None),
            (_, Some(k)) if k + 2 == parts.len() => {
                (unit_test_file(root, &parts[..k]), Some(parts[k + 1]))
            }
            ([module, test], None) => (root.join(format!("tests/it/{module}.rs")), Some(*test)),
            _ => {
                missing.push(format!(
                    "{name} (not module::test nor a path with ::tests::)"
                ));
                continue;
            }
        };
        checked += 1;
        let Ok(source) = std::fs::read_to_string(&file) else {
            missing.push(format!("{name} ({} does not exist)", file.display()));
            continue;
        };
        if let Some(test) = test
            && !defines(&source, test)
        {
            missing.push(name);
        }
    }
    assert!(
        checked > 100,
        "only {checked} test citations found in README.md"
    );
    assert!(
        missing.is_empty(),
        "README.md cites tests that do not exist: {missing:#?}"
    );
}
