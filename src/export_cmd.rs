//! `zkgov export --snarkjs`: a bundle's claims as snarkjs Groth16 files, for an independent check.

use crate::error::CliError;
use crate::json_output::{self, ExportOutput, ExportedClaim};
use std::{path::Path, process::ExitCode};
use zkgov_spec::bundle::Bundle;
use zkgov_spec::files::write_atomic;
use zkgov_verifier::{
    groth16::{decode_proof, verify_bundle, ParsedStatement},
    keys::KeyStore,
    snarkjs,
};

/// Writes `<out_dir>/claim-<n>/{verification_key,proof,public}.json` for every claim. Keys come
/// from the regulator's key store (validated), never from the bundle. Claims are exported whether
/// or not they verify here, so that the independent verifier can be compared on both; the zkgov
/// result is printed beside each.
pub fn export_snarkjs(
    bundle_path: &Path,
    keys: &Path,
    out_dir: &Path,
    json: bool,
) -> Result<ExitCode, CliError> {
    let bundle = Bundle::read(bundle_path)?;
    let store = KeyStore::new(keys);
    let checks = verify_bundle(&bundle, &store);
    let mut rows = Vec::new();
    let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default();
    // One snarkjs triple (key, proof, public signals) in `dir`.
    let write = |dir: &Path,
                 key: &zkgov_verifier::keys::TrustedKey,
                 proof: &str,
                 inputs: &[zkgov_verifier::Fr]|
     -> Result<(), CliError> {
        write_atomic(
            &dir.join("verification_key.json"),
            pretty(snarkjs::verification_key(key)).as_bytes(),
        )?;
        write_atomic(
            &dir.join("proof.json"),
            pretty(snarkjs::proof(&decode_proof(proof)?)).as_bytes(),
        )?;
        write_atomic(
            &dir.join("public.json"),
            pretty(snarkjs::public_signals(inputs)).as_bytes(),
        )?;
        Ok(())
    };
    for (i, (c, check)) in bundle.claims.iter().zip(&checks).enumerate() {
        let statement = ParsedStatement::parse(&c.statement)?;
        let key = store.load(&c.key_id)?;
        let dir = out_dir.join(format!("claim-{}", i + 1));
        write(&dir, &key, &c.proof, &statement.public_inputs())?;
        // A sharded claim is its aggregate proof and every shard proof: each is exported, and
        // each must verify (the aggregate alone proves nothing about the records).
        let mut shard_dirs = Vec::new();
        if let (ParsedStatement::ShardedCompute(s), Some(shards)) = (&statement, &c.shards) {
            let shard_key = store.load(&shards.key_id)?;
            for (n, proof) in shards.proofs.iter().enumerate() {
                let d = dir.join(format!("shard-{n:06}"));
                write(&d, &shard_key, proof, &s.shard_inputs(n as u64))?;
                shard_dirs.push(d);
            }
        }
        rows.push((dir, shard_dirs, check.as_ref().err().map(|e| e.to_string())));
    }
    if json {
        let claims = rows
            .into_iter()
            .enumerate()
            .map(|(i, (dir, shard_dirs, error))| ExportedClaim {
                claim: i + 1,
                dir,
                shard_dirs,
                valid_here: error.is_none(),
                error,
            })
            .collect();
        json_output::print(&ExportOutput {
            bundle: bundle_path.to_path_buf(),
            claims,
        });
    } else {
        for (d, shards, e) in &rows {
            println!(
                "wrote {}/{{verification_key,proof,public}}.json ({})",
                d.display(),
                e.as_ref()
                    .map_or("valid here".to_string(), |e| format!("INVALID here: {e}"))
            );
            if !shards.is_empty() {
                println!(
                    "  and its {} shard proofs in {}/shard-NNNNNN/: the claim holds only if the aggregate and every shard verify",
                    shards.len(),
                    d.display()
                );
            }
        }
        println!(
            "check each independently with: snarkjs groth16 verify verification_key.json public.json proof.json"
        );
    }
    Ok(ExitCode::SUCCESS)
}
