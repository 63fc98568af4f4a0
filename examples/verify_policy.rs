//! `zkgov verify BUNDLE --keys KEYS --policy POLICY` as one library call, with the same exit code.
use std::{path::PathBuf, process::ExitCode};
use zkgov_policy::{verify, VerifyRequest};

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [bundle, keys, policy] = &args[..] else {
        eprintln!("usage: verify_policy BUNDLE KEYS POLICY");
        return ExitCode::from(2);
    };
    let report = match verify(VerifyRequest {
        bundles: std::slice::from_ref(bundle),
        keys,
        trusted_attesters: &[],
        policies: std::slice::from_ref(policy),
        nonce: None,
        ceremonies: Vec::new(),
    }) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    for v in report.bundles.iter().flat_map(|b| &b.verdicts) {
        println!("{}: {}: {}", v.policy_id, v.outcome.label(), v.summary);
    }
    ExitCode::from(report.exit_class().code())
}
