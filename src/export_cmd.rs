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
    for (i, (c, check)) in bundle.claims.iter().zip(&checks).enumerate() {
        let statement = ParsedStatement::parse(&c.statement)?;
        let key = store.load(&c.key_id)?;
        let proof = decode_proof(&c.proof)?;
        let dir = out_dir.join(format!("claim-{}", i + 1));
        let pretty = |v: serde_json::Value| serde_json::to_string_pretty(&v).unwrap_or_default();
        write_atomic(
            &dir.join("verification_key.json"),
            pretty(snarkjs::verification_key(&key)).as_bytes(),
        )?;
        write_atomic(
            &dir.join("proof.json"),
            pretty(snarkjs::proof(&proof)).as_bytes(),
        )?;
        write_atomic(
            &dir.join("public.json"),
            pretty(snarkjs::public_signals(&statement.public_inputs())).as_bytes(),
        )?;
        rows.push((dir, check.as_ref().err().map(|e| e.to_string())));
    }
    if json {
        let claims = rows
            .into_iter()
            .enumerate()
            .map(|(i, (dir, error))| ExportedClaim {
                claim: i + 1,
                dir,
                valid_here: error.is_none(),
                error,
            })
            .collect();
        json_output::print(&ExportOutput {
            bundle: bundle_path.to_path_buf(),
            claims,
        });
    } else {
        for (d, e) in &rows {
            println!(
                "wrote {}/{{verification_key,proof,public}}.json ({})",
                d.display(),
                e.as_ref()
                    .map_or("valid here".to_string(), |e| format!("INVALID here: {e}"))
            );
        }
        println!(
            "check each independently with: snarkjs groth16 verify verification_key.json public.json proof.json"
        );
    }
    Ok(ExitCode::SUCCESS)
}
