//! Helpers shared by the end-to-end tests.
#![allow(dead_code)] // each test crate uses its own subset

pub mod registry;

use std::path::Path;
use std::process::{Command, Output};

/// Runs the `zkgov` binary in `cwd`.
pub fn zkgov(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zkgov"))
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

/// The snarkjs command line: `ZKGOV_SNARKJS_DIR` (a directory with `node_modules/snarkjs`, as
/// `.ci/run` prepares) or a `snarkjs` on the PATH; `None` when node or snarkjs is missing.
pub fn snarkjs() -> Option<Vec<String>> {
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !node_ok {
        return None;
    }
    if let Ok(dir) = std::env::var("ZKGOV_SNARKJS_DIR") {
        let cli = Path::new(&dir).join("node_modules/snarkjs/cli.js");
        if cli.exists() {
            return Some(vec!["node".into(), cli.display().to_string()]);
        }
    }
    let on_path = Command::new("snarkjs")
        .arg("--help")
        .output()
        .map(|o| !o.stdout.is_empty())
        .unwrap_or(false);
    on_path.then(|| vec!["snarkjs".into()])
}

/// snarkjs for a test of `what`, or `None` to skip it (with a SKIPPED line). When
/// `ZKGOV_REQUIRE_SNARKJS` is set, as `.ci/run` sets it, a missing snarkjs fails the test
/// instead: CI must not pass on a cross-check it did not run.
pub fn snarkjs_or_skip(what: &str) -> Option<Vec<String>> {
    let found = snarkjs();
    if found.is_none() {
        assert!(
            std::env::var_os("ZKGOV_REQUIRE_SNARKJS").is_none(),
            "{what} needs node and snarkjs, and ZKGOV_REQUIRE_SNARKJS is set: install them \
             (`npm install --prefix DIR snarkjs@0.7.6`) and set ZKGOV_SNARKJS_DIR=DIR"
        );
        eprintln!(
            "SKIPPED: {what} (needs node and snarkjs: set ZKGOV_SNARKJS_DIR to a directory with \
             node_modules/snarkjs, e.g. `npm install --prefix DIR snarkjs@0.7.6`; .ci/run does this)"
        );
    }
    found
}

/// Asserts that the command failed with exactly one `error: ...` line on stderr; returns it.
pub fn one_line_error(o: &Output) -> String {
    assert!(!o.status.success());
    let e = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(
        e.trim_end().lines().count(),
        1,
        "expected one error line, got: {e}"
    );
    assert!(e.starts_with("error: "), "{e}");
    e
}
