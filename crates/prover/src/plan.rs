//! Sharded proving as a job directory: what `zkgov plan compute` writes and what the shard and
//! aggregate tasks (`zkgov prove shard`, `zkgov prove aggregate`, `zkgov run-plan`) read, on one
//! machine or as a Slurm job array.
//!
//! ```text
//! DIR/plan.json          what is claimed and how it is split (format zkgov-shard-plan v1)
//! DIR/records.bin        the ledger's records (binary, SHA-256 pinned in plan.json)
//! DIR/SECRET-seed        the salt seed (never leaves the developer: it opens records)
//! DIR/shards/NNNNNN.json one checked shard proof per finished task
//! DIR/shards.sbatch      the job array: one task per shard
//! DIR/aggregate.sbatch   the aggregation, after every shard task succeeded
//! DIR/submit.sh          sbatch both, the second depending on the first
//! DIR/bundle.json        the result
//! ```
//!
//! Every task rebuilds the same [`ShardedJob`] from the records and the seed, so tasks share no
//! state but the files. A task is idempotent: a shard whose proof file exists and verifies against
//! this plan's statement is not proved again (a failed or preempted task leaves no file, as every
//! file is written through a temporary file and a rename); a proof file that does not verify is
//! proved again. A plan whose shards are partly done resumes where it stopped.

use crate::{error::ProveError, keys, seeds, shard::ShardedJob};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_spec::{
    bundle::Bundle,
    files::{read_bounded, write_atomic, write_atomic_private},
    ledger::Record,
    shard::{AGGREGATE_CIRCUIT, SHARD_CIRCUIT},
    statement::{Context, PeakEntry},
};
use zkgov_verifier::keys::KeyStore;

/// Format name of `plan.json`.
pub const PLAN_FORMAT: &str = "zkgov-shard-plan";
/// Its version.
pub const PLAN_VERSION: u32 = 1;
/// Magic prefix of `records.bin` (version 1: per record, class u8, devices u32, seconds u64,
/// little-endian).
const RECORDS_MAGIC: &[u8; 9] = b"ZKGOVREC\x01";
const RECORD_BYTES: u64 = 13;
/// Most records a plan holds: 256 shards of 65,536 (the largest layout).
const MAX_RECORDS: u64 = 1 << 24;

/// `plan.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    /// Always [`PLAN_FORMAT`].
    pub format: String,
    /// Always [`PLAN_VERSION`].
    pub version: u32,
    /// Records in the ledger.
    pub record_count: u64,
    /// Records per shard.
    pub shard_capacity: u64,
    /// Shards (tasks of the job array).
    pub shard_count: u64,
    /// SHA-256 of `records.bin`, lower-case hex.
    pub records_sha256: String,
    /// The claim: total FLOP at most this.
    pub threshold_flop: String,
    /// The peak table the claim counts with.
    pub peak_table: Vec<PeakEntry>,
    /// Policy, epoch, nonce.
    pub context: Context,
    /// The key directory (absolute).
    pub keys: PathBuf,
    /// The shard circuit's key.
    pub shard_key_id: String,
    /// The aggregate circuit's key.
    pub aggregate_key_id: String,
}

/// A job directory.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The directory.
    pub dir: PathBuf,
    /// Its `plan.json`.
    pub file: PlanFile,
}

/// What [`Plan::prove_shard`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardOutcome {
    /// The shard was proved now.
    Proved,
    /// A checked proof of the shard was already there.
    AlreadyDone,
}

/// One shard's proof file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ShardFile {
    index: u64,
    key_id: String,
    proof: String,
}

/// What a plan is made of.
#[derive(Debug, Clone)]
pub struct PlanRequest<'a> {
    /// The ledger's records.
    pub records: Vec<Record>,
    /// The peak table.
    pub peaks: &'a PeakTable,
    /// The claim's threshold.
    pub threshold: u128,
    /// Policy, epoch, nonce.
    pub context: Context,
    /// Records per shard.
    pub shard_capacity: u64,
    /// The key directory.
    pub keys: &'a Path,
    /// `--key-id` choices, if any.
    pub key_ids: &'a [String],
    /// The program the tasks run (`zkgov`).
    pub program: &'a Path,
    /// CPUs per Slurm task.
    pub cpus_per_task: u32,
}

impl Plan {
    /// Writes a new job directory at `dir` (which must not exist or be empty). The claim is
    /// checked first: a false one writes nothing.
    pub fn create(dir: &Path, req: PlanRequest) -> Result<Plan, ProveError> {
        if dir.exists()
            && std::fs::read_dir(dir)
                .map_err(|e| ProveError::io(dir, e))?
                .next()
                .is_some()
        {
            return Err(ProveError::import(
                dir.display().to_string(),
                "exists and is not empty (a plan directory holds one plan: choose a new --out)",
            ));
        }
        let final_dir = std::path::absolute(dir).map_err(|e| ProveError::io(dir, e))?;
        // The scripts name the directory and the program inside shell quotes and #SBATCH lines.
        for p in [final_dir.as_path(), req.program] {
            check_script_path(p)?;
        }
        let mut seed = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut seed);
        let job = ShardedJob::new(
            req.records,
            req.peaks,
            req.threshold,
            req.context,
            &seed,
            req.shard_capacity,
        )?;
        let layout = job.layout();
        let shard_key_id = keys::find(req.keys, SHARD_CIRCUIT, layout.shard_capacity, req.key_ids)?;
        let aggregate_key_id =
            keys::find(req.keys, AGGREGATE_CIRCUIT, layout.shard_slots, req.key_ids)?;
        let keys_dir = std::path::absolute(req.keys).map_err(|e| ProveError::io(req.keys, e))?;
        // Everything is written into a private staging directory beside the plan's, renamed into
        // place at the end: an interrupted `plan` leaves no half-made plan behind.
        let staging = staging_path(&final_dir);
        let made = (|| -> Result<Plan, ProveError> {
            create_private_dir(&staging)?;
            create_private_dir(&staging.join("shards"))?;
            create_private_dir(&staging.join("logs"))?;
            let records = encode_records(&job.records);
            write_atomic_private(&staging.join("records.bin"), &records)?;
            write_atomic_private(&staging.join("SECRET-seed"), hex::encode(seed).as_bytes())?;
            let statement = job.inputs.to_statement();
            let file = PlanFile {
                format: PLAN_FORMAT.into(),
                version: PLAN_VERSION,
                record_count: layout.record_count,
                shard_capacity: layout.shard_capacity,
                shard_count: layout.shard_count(),
                records_sha256: hex::encode(Sha256::digest(&records)),
                threshold_flop: statement.threshold_flop,
                peak_table: statement.peak_table,
                context: statement.context,
                keys: keys_dir,
                shard_key_id,
                aggregate_key_id,
            };
            let plan = Plan {
                dir: final_dir.clone(),
                file,
            };
            plan.write_scripts(&staging, req.program, req.cpus_per_task)?;
            let text = serde_json::to_string_pretty(&plan.file)
                .map_err(|e| ProveError::Key(e.to_string()))?;
            write_atomic(&staging.join("plan.json"), text.as_bytes())?;
            if final_dir.exists() {
                std::fs::remove_dir(&final_dir).map_err(|e| ProveError::io(&final_dir, e))?;
            }
            std::fs::rename(&staging, &final_dir).map_err(|e| ProveError::io(&final_dir, e))?;
            Ok(plan)
        })();
        if made.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        made
    }

    /// Opens the job directory `dir`.
    pub fn open(dir: &Path) -> Result<Plan, ProveError> {
        let path = dir.join("plan.json");
        let text = read_bounded(&path, 1 << 20, "plan")?;
        let v: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| ProveError::import(path.display().to_string(), e.to_string()))?;
        if v.get("format").and_then(|f| f.as_str()) != Some(PLAN_FORMAT)
            || v.get("version").and_then(|f| f.as_u64()) != Some(PLAN_VERSION as u64)
        {
            return Err(ProveError::import(
                path.display().to_string(),
                format!("not a {PLAN_FORMAT} v{PLAN_VERSION} file"),
            ));
        }
        let file: PlanFile = serde_json::from_value(v)
            .map_err(|e| ProveError::import(path.display().to_string(), e.to_string()))?;
        let dir = std::path::absolute(dir).map_err(|e| ProveError::io(dir, e))?;
        Ok(Plan { dir, file })
    }

    /// Rebuilds the job from the records and the seed, and checks it is the plan's.
    pub fn job(&self) -> Result<ShardedJob, ProveError> {
        let path = self.dir.join("records.bin");
        let len = std::fs::metadata(&path)
            .map_err(|e| ProveError::io(&path, e))?
            .len();
        if len > RECORDS_MAGIC.len() as u64 + 8 + MAX_RECORDS * RECORD_BYTES {
            return Err(ProveError::import(
                path.display().to_string(),
                format!("{len} bytes: more than {MAX_RECORDS} records"),
            ));
        }
        let bytes = std::fs::read(&path).map_err(|e| ProveError::io(&path, e))?;
        if hex::encode(Sha256::digest(&bytes)) != self.file.records_sha256 {
            return Err(ProveError::import(
                path.display().to_string(),
                "does not match the SHA-256 in plan.json (the records changed since planning)",
            ));
        }
        let records = decode_records(&bytes).ok_or_else(|| {
            ProveError::import(path.display().to_string(), "malformed records file")
        })?;
        let seed_path = self.dir.join("SECRET-seed");
        let seed = seeds::read_seed(&seed_path)?
            .ok_or_else(|| ProveError::import(seed_path.display().to_string(), "not found"))?;
        let threshold = zkgov_spec::encoding::parse_canonical_u128(
            "threshold_flop",
            &self.file.threshold_flop,
        )?;
        let rows: Vec<String> = self
            .file
            .peak_table
            .iter()
            .map(|e| format!("{}={}", e.accelerator, e.peak_flop_per_s))
            .collect();
        let peaks = PeakTable::from_args(&rows)?;
        let job = ShardedJob::new(
            records,
            &peaks,
            threshold,
            self.file.context.clone(),
            &seed,
            self.file.shard_capacity,
        )?;
        if job.layout().shard_count() != self.file.shard_count
            || job.layout().record_count != self.file.record_count
        {
            return Err(ProveError::import(
                self.dir.join("plan.json").display().to_string(),
                "its record and shard counts do not match its records",
            ));
        }
        Ok(job)
    }

    /// Where shard `index`'s proof goes.
    pub fn shard_path(&self, index: u64) -> PathBuf {
        self.dir.join("shards").join(format!("{index:06}.json"))
    }

    /// Where the bundle goes.
    pub fn bundle_path(&self) -> PathBuf {
        self.dir.join("bundle.json")
    }

    /// Shard `index`'s proof from its file, if the file is there and the proof verifies for
    /// this job (`Ok(None)` when it is missing; an error says why a file is not accepted).
    fn finished_shard(&self, job: &ShardedJob, index: u64) -> Result<Option<String>, ProveError> {
        let path = self.shard_path(index);
        if !path.exists() {
            return Ok(None);
        }
        let text = read_bounded(&path, 1 << 16, "shard proof")?;
        let file: ShardFile = serde_json::from_str(&text)
            .map_err(|e| ProveError::import(path.display().to_string(), e.to_string()))?;
        if file.index != index || file.key_id != self.file.shard_key_id {
            return Err(ProveError::import(
                path.display().to_string(),
                "is for another shard or key",
            ));
        }
        let key = KeyStore::new(&self.file.keys).load(&self.file.shard_key_id)?;
        job.check_shard(index, &file.proof, &key)?;
        Ok(Some(file.proof))
    }

    /// Refuses a shard index the plan does not have (before any work).
    pub fn check_index(&self, index: u64) -> Result<(), ProveError> {
        if index >= self.file.shard_count {
            return Err(ProveError::import(
                "--index",
                format!(
                    "{index}, but the plan has shards 0 to {}",
                    self.file.shard_count.saturating_sub(1)
                ),
            ));
        }
        Ok(())
    }

    /// Proves shard `index` unless a checked proof of it is already there.
    pub fn prove_shard<R: RngCore + CryptoRng>(
        &self,
        job: &ShardedJob,
        index: u64,
        rng: &mut R,
    ) -> Result<ShardOutcome, ProveError> {
        if index >= self.file.shard_count {
            return Err(ProveError::import(
                "--index",
                format!(
                    "{index}, but the plan has shards 0 to {}",
                    self.file.shard_count - 1
                ),
            ));
        }
        if let Ok(Some(_)) = self.finished_shard(job, index) {
            return Ok(ShardOutcome::AlreadyDone);
        }
        let key = keys::load(&self.file.keys, &self.file.shard_key_id)?;
        let proof = job.prove_shard(index, &key, rng)?;
        let file = ShardFile {
            index,
            key_id: self.file.shard_key_id.clone(),
            proof,
        };
        let text =
            serde_json::to_string_pretty(&file).map_err(|e| ProveError::Key(e.to_string()))?;
        write_atomic(&self.shard_path(index), text.as_bytes())?;
        Ok(ShardOutcome::Proved)
    }

    /// The shards without a checked proof yet.
    pub fn missing_shards(&self, job: &ShardedJob) -> Vec<u64> {
        (0..self.file.shard_count)
            .filter(|i| !matches!(self.finished_shard(job, *i), Ok(Some(_))))
            .collect()
    }

    /// Proves the aggregate over the finished shards and writes the bundle; refuses while any
    /// shard is missing (naming them).
    pub fn aggregate<R: RngCore + CryptoRng>(
        &self,
        job: &ShardedJob,
        rng: &mut R,
    ) -> Result<PathBuf, ProveError> {
        let mut proofs = Vec::new();
        let mut missing = Vec::new();
        let mut refused = Vec::new();
        for i in 0..self.file.shard_count {
            match self.finished_shard(job, i) {
                Ok(Some(p)) => proofs.push(p),
                Ok(None) => missing.push(i.to_string()),
                Err(e) => {
                    missing.push(i.to_string());
                    refused.push(format!("shard {i}: {e}"));
                }
            }
        }
        if !missing.is_empty() {
            let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
            return Err(ProveError::import(
                self.dir.display().to_string(),
                format!(
                    "{} of {} shards have no checked proof yet (shards {}{}): run their tasks first{}",
                    missing.len(),
                    self.file.shard_count,
                    shown.join(", "),
                    if missing.len() > 10 { ", …" } else { "" },
                    refused
                        .first()
                        .map_or(String::new(), |r| format!(" (first refused file: {r})"))
                ),
            ));
        }
        let key = keys::load(&self.file.keys, &self.file.aggregate_key_id)?;
        let shard_key = KeyStore::new(&self.file.keys).load(&self.file.shard_key_id)?;
        let claim = job.prove_aggregate(proofs, &key, &shard_key, rng)?;
        let path = self.bundle_path();
        write_atomic(&path, Bundle::new(vec![claim]).to_json().as_bytes())?;
        Ok(path)
    }

    /// Writes the Slurm scripts: the job array, the aggregation and the submit script.
    fn write_scripts(&self, into: &Path, program: &Path, cpus: u32) -> Result<(), ProveError> {
        let dir = self.dir.display();
        let program = program.display();
        let last = self.file.shard_count - 1;
        let shards = format!(
            "#!/bin/bash\n\
             # One task per shard of {dir}; a task whose shard already has a checked proof exits at once.\n\
             #SBATCH --job-name=zkgov-shards\n\
             #SBATCH --array=0-{last}\n\
             #SBATCH --cpus-per-task={cpus}\n\
             #SBATCH --output={dir}/logs/shard-%a.out\n\
             set -euo pipefail\n\
             exec '{program}' prove shard '{dir}' --index \"$SLURM_ARRAY_TASK_ID\"\n"
        );
        let aggregate = format!(
            "#!/bin/bash\n\
             # The aggregate proof of {dir}, once every shard task has succeeded.\n\
             #SBATCH --job-name=zkgov-aggregate\n\
             #SBATCH --cpus-per-task={cpus}\n\
             #SBATCH --output={dir}/logs/aggregate.out\n\
             set -euo pipefail\n\
             exec '{program}' prove aggregate '{dir}'\n"
        );
        let submit = format!(
            "#!/bin/bash\n\
             # Submits the shard array and the dependent aggregation; safe to run again after a\n\
             # failure (finished shards are not proved twice).\n\
             set -euo pipefail\n\
             cd '{dir}'\n\
             array=$(sbatch --parsable shards.sbatch)\n\
             aggregate=$(sbatch --parsable --dependency=afterok:\"${{array%%;*}}\" aggregate.sbatch)\n\
             echo \"submitted job array ${{array%%;*}} ({} shard tasks) and aggregation job ${{aggregate%%;*}}\"\n",
            self.file.shard_count
        );
        for (name, text) in [
            ("shards.sbatch", shards),
            ("aggregate.sbatch", aggregate),
            ("submit.sh", submit),
        ] {
            let path = into.join(name);
            write_atomic(&path, text.as_bytes())?;
            make_executable(&path)?;
        }
        Ok(())
    }
}

/// Refuses a path that cannot go into the scripts as it is: inside single quotes and on an
/// `#SBATCH` line (no quote, whitespace or control character).
fn check_script_path(p: &Path) -> Result<(), ProveError> {
    let text = p.display().to_string();
    if text
        .chars()
        .any(|c| c == '\'' || c == '"' || c.is_whitespace() || c.is_control())
    {
        return Err(ProveError::import(
            text,
            "the Slurm scripts name this path: choose one without quotes, spaces or control characters",
        ));
    }
    Ok(())
}

/// The staging directory of a plan being made at `dir`.
fn staging_path(dir: &Path) -> PathBuf {
    let mut name = dir.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".partial-{}", std::process::id()));
    dir.with_file_name(name)
}

/// A directory only its owner can read: the plan holds the records and the secret seed.
fn create_private_dir(dir: &Path) -> Result<(), ProveError> {
    let mut b = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.recursive(true)
        .create(dir)
        .map_err(|e| ProveError::io(dir, e))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), ProveError> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| ProveError::io(path, e))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), ProveError> {
    Ok(())
}

/// `records.bin`: the magic, the count (u64), then each record.
fn encode_records(records: &[Record]) -> Vec<u8> {
    let mut out = Vec::with_capacity(17 + records.len() * RECORD_BYTES as usize);
    out.extend_from_slice(RECORDS_MAGIC);
    out.extend_from_slice(&(records.len() as u64).to_le_bytes());
    for r in records {
        out.push(r.class);
        out.extend_from_slice(&r.devices.to_le_bytes());
        out.extend_from_slice(&r.seconds.to_le_bytes());
    }
    out
}

/// Reads `records.bin`; `None` unless the length is exactly what the count says.
fn decode_records(bytes: &[u8]) -> Option<Vec<Record>> {
    let body = bytes.strip_prefix(RECORDS_MAGIC)?;
    let (count, body) = body.split_first_chunk::<8>()?;
    let count = u64::from_le_bytes(*count);
    if count > MAX_RECORDS || body.len() as u64 != count * RECORD_BYTES {
        return None;
    }
    Some(
        body.chunks_exact(RECORD_BYTES as usize)
            .map(|c| Record {
                class: c[0],
                devices: u32::from_le_bytes(c[1..5].try_into().unwrap_or_default()),
                seconds: u64::from_le_bytes(c[5..13].try_into().unwrap_or_default()),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_malformed_files_are_refused() {
        let records: Vec<Record> = (0..5u32)
            .map(|i| Record {
                class: (i % 2) as u8,
                devices: i + 1,
                seconds: 1 << 31 | i as u64,
            })
            .collect();
        let bytes = encode_records(&records);
        assert_eq!(decode_records(&bytes), Some(records));
        assert_eq!(decode_records(&bytes[..bytes.len() - 1]), None);
        let mut huge = bytes.clone();
        huge[9..17].copy_from_slice(&u64::MAX.to_le_bytes());
        assert_eq!(decode_records(&huge), None);
        assert_eq!(decode_records(b"ZKGOVREC\x02"), None);
    }
}
