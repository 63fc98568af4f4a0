//! `zkgov demo`: the whole flow on embedded data (a real-format Slurm ledger of a 70B pretraining
//! run on an invented cluster): keys, a compute proof, verification, a refused false claim, a
//! tampered proof, and a zero-knowledge spot check.

use crate::cli::keygen;
use crate::error::CliError;
use crate::json_output::{self, DemoOutput, DemoSpotCheck};
use rand::rngs::OsRng;
use std::{path::PathBuf, process::ExitCode};
use zkgov_evidence::ledger_file::{import_text, LedgerFormat, PeakTable};
use zkgov_prover::{keys, prove::ComputeJob};
use zkgov_spec::files::write_atomic;
use zkgov_spec::{bundle::Bundle, statement::Context};
use zkgov_verifier::{audit::Challenge, groth16::verify_bundle, keys::KeyStore};

/// The embedded ledger: `sacct --parsable2` output.
const LEDGER: &str = include_str!("../data/demo/sacct_demo.psv");

pub fn run(dir: Option<PathBuf>, json: bool) -> Result<ExitCode, CliError> {
    let dir = dir
        .unwrap_or_else(|| std::env::temp_dir().join(format!("zkgov-demo-{}", std::process::id())));
    let keys_dir = dir.join("keys");
    let say = |s: String| {
        if !json {
            println!("{s}");
        }
    };
    say(format!("zkgov demo: working in {}", dir.display()));
    let peaks = PeakTable::from_args(&["H100=989.4e12".to_string()])?;
    let records = import_text(LEDGER, "embedded sacct ledger", LedgerFormat::Sacct, &peaks)?;
    let gpu_seconds: u128 = records
        .iter()
        .map(|r| r.devices as u128 * r.seconds as u128)
        .sum();
    say(format!(
        "1. Developer imports its Slurm ledger: {} GPU allocations, {gpu_seconds} H100-seconds (kept private).",
        records.len()
    ));

    let capacity = zkgov_prover::prove::capacity_for(records.len())?;
    say(format!("2. Key setup for capacity {capacity} (single-party, TEST ONLY; real use needs a ceremony key)."));
    let id = keygen(&keys_dir, crate::cli::CircuitKind::Compute, capacity, json)?;
    let pair = keys::load(&keys_dir, &id)?;

    let context = Context {
        policy_id: "eu-ai-act-art51".into(),
        epoch: 2026,
        nonce: None,
    };
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut OsRng, &mut seed);
    let job = ComputeJob::new(
        records.clone(),
        &peaks,
        10u128.pow(25),
        context.clone(),
        &seed,
        Some(capacity),
    )?;
    let claim = job.prove(&pair, &mut OsRng)?;
    let bundle_path = dir.join("bundle.json");
    write_atomic(&bundle_path, Bundle::new(vec![claim]).to_json().as_bytes())?;
    say(format!(
        "3. Developer proves \"under 1e25 FLOP\" and writes {}.",
        bundle_path.display()
    ));

    let bundle = Bundle::read(&bundle_path)?;
    let store = KeyStore::new(&keys_dir);
    let ok = verify_bundle(&bundle, &store)
        .into_iter()
        .all(|r| r.is_ok());
    say(format!(
        "4. Regulator verifies with its own copy of the key: {}",
        if ok {
            "VALID. It learns the claim holds, not the ledger or its total."
        } else {
            "INVALID"
        }
    ));

    let refused = ComputeJob::new(
        records,
        &peaks,
        10u128.pow(24),
        context,
        &seed,
        Some(capacity),
    );
    say(format!(
        "5. The same ledger against 1e24 FLOP (the true total is about 1.05e24): {}",
        match &refused {
            Err(e) => e.to_string(),
            Ok(_) => "unexpectedly accepted".into(),
        }
    ));

    let mut tampered = bundle.clone();
    let p = &mut tampered.claims[0].proof;
    let flipped = if p.ends_with('0') { '1' } else { '0' };
    p.pop();
    p.push(flipped);
    let tamper = verify_bundle(&tampered, &store).remove(0);
    say(format!(
        "6. One changed character in the proof: {}",
        match &tamper {
            Err(e) => format!("rejected ({e})"),
            Ok(_) => "unexpectedly accepted".into(),
        }
    ));

    say("7. Spot check: the regulator picks 3 records from its own random seed; the developer opens \
         them with zero-knowledge proofs (opening key: single-party, TEST ONLY)."
        .to_string());
    let opening_id = keygen(&keys_dir, crate::cli::CircuitKind::Opening, capacity, json)?;
    let opening_pair = keys::load(&keys_dir, &opening_id)?;
    let regulator_key = store.load(&opening_id)?;
    let mut regulator_seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut OsRng, &mut regulator_seed);
    let challenge = Challenge::derive(
        job.inputs.root,
        capacity,
        job.inputs.record_count,
        &regulator_seed,
        3,
    )?;
    let mut audited = true;
    for &i in &challenge.indices {
        let o = job.commitment.open(i, &opening_pair, &mut OsRng)?;
        let shown = o.verify(&regulator_key, job.inputs.root, capacity).is_ok();
        audited &= shown;
        say(format!(
            "   record {i}: {} GPUs for {} s, {}",
            o.record.devices,
            o.record.seconds,
            if shown {
                "proven to be in the committed ledger"
            } else {
                "NOT SHOWN"
            }
        ));
    }
    say("   Nothing else is disclosed: no other record, no salt, no tree node.".to_string());

    let success = ok && refused.is_err() && tamper.is_err() && audited;
    if json {
        json_output::print(&DemoOutput {
            dir,
            key_id: id,
            bundle: bundle_path,
            verified: ok,
            false_claim_refused: refused.is_err(),
            tampered_rejected: tamper.is_err(),
            spot_check: DemoSpotCheck {
                indices: challenge.indices,
                passed: audited,
            },
        });
    }
    Ok(if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
