//! Groth16 verification of claims: strict proof decoding, the input-count check arkworks omits,
//! single claims and batches ([`Verifier`]).

use crate::{
    batch::{batch_verify, BatchItem},
    error::VerifyError,
    keys::{KeyStore, TrustedKey},
    Bn254, Fr,
};

use ark_groth16::{Groth16, Proof};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use zkgov_spec::{
    bundle::{Bundle, Claim, Statement},
    encoding::bytes_from_hex,
    shard::{ShardedComputeInputs, AGGREGATE_CIRCUIT, SHARD_CIRCUIT},
    statement::{ComputeInputs, EvalInputs, COMPUTE_CIRCUIT, EVAL_CIRCUIT},
    SpecError,
};

/// Size of a compressed BN254 Groth16 proof.
pub const PROOF_BYTES: usize = 128;

/// A claim's statement after strict parsing.
#[derive(Debug, Clone)]
pub enum ParsedStatement {
    /// A compute claim.
    Compute(Box<ComputeInputs>),
    /// An eval red-line claim (its attestation signature already checked).
    Eval(Box<EvalInputs>),
    /// A compute claim proved in shards: the aggregate's statement and the layout.
    ShardedCompute(Box<ShardedComputeInputs>),
}

impl ParsedStatement {
    /// Parses a statement.
    pub fn parse(s: &Statement) -> Result<Self, VerifyError> {
        match s {
            Statement::Compute(c) => Ok(ParsedStatement::Compute(Box::new(c.parse()?))),
            Statement::Eval(e) => Ok(ParsedStatement::Eval(Box::new(e.parse()?))),
            Statement::ShardedCompute(s) => {
                Ok(ParsedStatement::ShardedCompute(Box::new(s.parse()?)))
            }
        }
    }

    /// The circuit that proves it (for a sharded claim, the aggregate's).
    pub fn circuit(&self) -> &'static str {
        match self {
            ParsedStatement::Compute(_) => COMPUTE_CIRCUIT,
            ParsedStatement::Eval(_) => EVAL_CIRCUIT,
            ParsedStatement::ShardedCompute(_) => AGGREGATE_CIRCUIT,
        }
    }

    /// The capacity class it needs (for a sharded claim, the aggregate's shard slots).
    pub fn capacity(&self) -> u64 {
        match self {
            ParsedStatement::Compute(c) => c.capacity,
            ParsedStatement::Eval(e) => e.statement.capacity,
            ParsedStatement::ShardedCompute(s) => s.layout.shard_slots,
        }
    }

    /// Its public inputs (for a sharded claim, the aggregate proof's).
    pub fn public_inputs(&self) -> Vec<Fr> {
        match self {
            ParsedStatement::Compute(c) => c.public_inputs(),
            ParsedStatement::Eval(e) => e.public_inputs(),
            ParsedStatement::ShardedCompute(s) => s.aggregate_inputs(),
        }
    }

    /// The compute claim it makes about a whole ledger, if it is one (sharded or not).
    pub fn compute(&self) -> Option<&ComputeInputs> {
        match self {
            ParsedStatement::Compute(c) => Some(c),
            ParsedStatement::ShardedCompute(s) => Some(&s.compute),
            ParsedStatement::Eval(_) => None,
        }
    }

    /// Plain words.
    pub fn describe(&self) -> String {
        match self {
            ParsedStatement::Compute(c) => c.describe(),
            ParsedStatement::Eval(e) => e.describe(),
            ParsedStatement::ShardedCompute(s) => s.describe(),
        }
    }
}

/// Decodes a proof: exactly [`PROOF_BYTES`] of lower-case hex, points validated (on the curve, in
/// the subgroup) and canonically encoded.
pub fn decode_proof(hex_proof: &str) -> Result<Proof<Bn254>, VerifyError> {
    let bytes = bytes_from_hex("proof", hex_proof, PROOF_BYTES)?;
    let proof =
        Proof::<Bn254>::deserialize_compressed(&bytes[..]).map_err(|e| VerifyError::BadPoint {
            what: "proof".into(),
            reason: e.to_string(),
        })?;
    let mut again = Vec::with_capacity(PROOF_BYTES);
    let _ = proof.serialize_compressed(&mut again);
    if again != bytes {
        return Err(VerifyError::BadPoint {
            what: "proof".into(),
            reason: "non-canonical encoding".into(),
        });
    }
    Ok(proof)
}

/// Encodes a proof as [`decode_proof`] reads it.
pub fn encode_proof(proof: &Proof<Bn254>) -> String {
    let mut bytes = Vec::with_capacity(PROOF_BYTES);
    let _ = proof.serialize_compressed(&mut bytes);
    hex::encode(bytes)
}

/// Verifies `proof` for `inputs` under `key`, checking the input count first (ark-groth16 would
/// silently ignore extra inputs and treat missing ones as zero).
pub fn verify_groth16(
    key: &TrustedKey,
    proof: &Proof<Bn254>,
    inputs: &[Fr],
) -> Result<(), VerifyError> {
    let expected = key.pvk.vk.gamma_abc_g1.len() - 1;
    if inputs.len() != expected {
        return Err(VerifyError::InputCount {
            given: inputs.len(),
            expected,
        });
    }
    match Groth16::<Bn254>::verify_proof(&key.pvk, proof, inputs) {
        Ok(true) => Ok(()),
        _ => Err(VerifyError::InvalidProof),
    }
}

/// A claim that verified.
#[derive(Debug, Clone)]
pub struct VerifiedClaim {
    /// Its parsed statement.
    pub statement: ParsedStatement,
    /// The key it verified under (for a sharded claim, the aggregate's).
    pub key: TrustedKey,
    /// The key every shard proof of a sharded claim verified under.
    pub shard_key: Option<TrustedKey>,
}

impl VerifiedClaim {
    /// Every key the claim relies on.
    pub fn keys(&self) -> impl Iterator<Item = &TrustedKey> {
        std::iter::once(&self.key).chain(self.shard_key.as_ref())
    }
}

/// Verifies one claim against the keys the caller already holds: `key` for the claim's proof
/// and, for a sharded claim, `shard_key` for its shard proofs.
pub fn verify_claim_with_keys(
    claim: &Claim,
    key: &TrustedKey,
    shard_key: Option<&TrustedKey>,
) -> Result<ParsedStatement, VerifyError> {
    let (statement, checks) = prepare_claim(claim, key, shard_key)?;
    for (n, (which, proof, inputs)) in checks.iter().enumerate() {
        let k = if *which == MAIN {
            key
        } else {
            shard_key.unwrap_or(key)
        };
        verify_groth16(k, proof, inputs).map_err(|e| shard_error(n, e))?;
    }
    Ok(statement)
}

/// Verifies one claim against a key the caller already holds (any kind but sharded).
pub fn verify_claim_with_key(
    claim: &Claim,
    key: &TrustedKey,
) -> Result<ParsedStatement, VerifyError> {
    verify_claim_with_keys(claim, key, None)
}

/// The error of a claim's check `n`: check 0 is the claim's own proof, check `n ≥ 1` shard `n - 1`.
fn shard_error(n: usize, e: VerifyError) -> VerifyError {
    match n {
        0 => e,
        _ => VerifyError::InvalidShard {
            index: n - 1,
            reason: Box::new(e),
        },
    }
}

/// Which of a claim's keys a pairing check uses.
const MAIN: usize = 0;
const SHARD: usize = 1;

/// A claim's pairing checks: the key (`MAIN` or `SHARD`), the proof and its public inputs.
type Checks = Vec<(usize, Proof<Bn254>, Vec<Fr>)>;

/// Checks that `key` is the one the claim needs: circuit and capacity.
fn check_key_fits(key: &TrustedKey, circuit: &str, capacity: u64) -> Result<(), VerifyError> {
    if key.circuit != circuit || key.capacity != capacity {
        return Err(VerifyError::WrongCircuit {
            key_id: key.id.clone(),
            key_circuit: format!("{} (capacity {})", key.circuit, key.capacity),
            claim_circuit: format!("{circuit} (capacity {capacity})"),
        });
    }
    Ok(())
}

/// Everything about a claim except the pairing checks: statement parsed, keys matched, proofs
/// decoded, inputs derived. A sharded claim's shard proofs get their index and record count from
/// the public layout and their commitment from the aggregate's statement, so that a shard dropped,
/// repeated, reordered or taken from another ledger fails a pairing check (or the count check).
fn prepare_claim(
    claim: &Claim,
    key: &TrustedKey,
    shard_key: Option<&TrustedKey>,
) -> Result<(ParsedStatement, Checks), VerifyError> {
    let statement = ParsedStatement::parse(&claim.statement)?;
    if claim.key_id != key.id {
        return Err(VerifyError::UnknownKey {
            key_id: claim.key_id.clone(),
        });
    }
    check_key_fits(key, statement.circuit(), statement.capacity())?;
    let mut checks = vec![(MAIN, decode_proof(&claim.proof)?, statement.public_inputs())];
    match (&statement, &claim.shards, shard_key) {
        (ParsedStatement::ShardedCompute(s), Some(shards), Some(shard_key)) => {
            if shards.key_id != shard_key.id {
                return Err(VerifyError::UnknownKey {
                    key_id: shards.key_id.clone(),
                });
            }
            check_key_fits(shard_key, SHARD_CIRCUIT, s.layout.shard_capacity)?;
            if shards.proofs.len() as u64 != s.layout.shard_count() {
                return Err(SpecError::bad_value(
                    "shards.proofs",
                    format!(
                        "{} shard proofs, but the ledger's {} records in shards of {} need {}",
                        shards.proofs.len(),
                        s.layout.record_count,
                        s.layout.shard_capacity,
                        s.layout.shard_count()
                    ),
                )
                .into());
            }
            for (i, p) in shards.proofs.iter().enumerate() {
                checks.push((SHARD, decode_proof(p)?, s.shard_inputs(i as u64)));
            }
        }
        (ParsedStatement::ShardedCompute(_), None, _) => {
            return Err(SpecError::bad_value(
                "shards",
                "a sharded compute claim without its shard proofs",
            )
            .into())
        }
        (ParsedStatement::ShardedCompute(_), Some(shards), None) => {
            return Err(VerifyError::UnknownKey {
                key_id: shards.key_id.clone(),
            })
        }
        (_, Some(_), _) => {
            return Err(SpecError::bad_value(
                "shards",
                "shard proofs belong to sharded compute claims only",
            )
            .into())
        }
        (_, None, _) => {}
    }
    Ok((statement, checks))
}

/// Verifies many claims (from one bundle or several) at once, like bellman's batch verifier:
/// [`Verifier::queue`] the claims, then [`Verifier::verify`] loads each key once, puts every
/// pairing check into one batch ([`crate::batch`]) and, if the batch fails, checks each proof alone
/// so that the false claims are named. The results are the same as [`verify_claim`]'s, only faster.
#[derive(Debug)]
pub struct Verifier<'a> {
    store: &'a KeyStore,
    queue: Vec<&'a Claim>,
}

/// A claim ready for its pairing checks, with the indices of its keys in the verifier's list.
struct Prepared {
    statement: ParsedStatement,
    checks: Checks,
    key: usize,
    shard_key: Option<usize>,
}

impl<'a> Verifier<'a> {
    /// A verifier taking its keys from the regulator's trusted `store`.
    pub fn new(store: &'a KeyStore) -> Self {
        Verifier {
            store,
            queue: Vec::new(),
        }
    }

    /// Adds a claim to the batch.
    pub fn queue(&mut self, claim: &'a Claim) {
        self.queue.push(claim);
    }

    /// Verifies every queued claim: one result per claim, in the order they were queued.
    pub fn verify(self) -> Vec<Result<VerifiedClaim, VerifyError>> {
        let mut keys: Vec<TrustedKey> = Vec::new();
        let mut load = |id: &str| -> Result<usize, VerifyError> {
            if let Some(k) = keys.iter().position(|k| k.id == id) {
                return Ok(k);
            }
            keys.push(self.store.load(id)?);
            Ok(keys.len() - 1)
        };
        let loaded: Vec<Result<(usize, Option<usize>), VerifyError>> = self
            .queue
            .iter()
            .map(|c| {
                let key = load(&c.key_id)?;
                let shard_key = match &c.shards {
                    Some(s) => Some(load(&s.key_id)?),
                    None => None,
                };
                Ok((key, shard_key))
            })
            .collect();
        let prepared: Vec<Result<Prepared, VerifyError>> = self
            .queue
            .iter()
            .zip(loaded)
            .map(|(c, l)| {
                let (key, shard_key) = l?;
                let (statement, checks) =
                    prepare_claim(c, &keys[key], shard_key.map(|k| &keys[k]))?;
                Ok(Prepared {
                    statement,
                    checks,
                    key,
                    shard_key,
                })
            })
            .collect();
        let items: Vec<BatchItem> = prepared
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .flat_map(|p| {
                p.checks.iter().map(|(which, proof, inputs)| BatchItem {
                    key: &keys[if *which == MAIN {
                        p.key
                    } else {
                        p.shard_key.unwrap_or(p.key)
                    }],
                    proof,
                    inputs,
                })
            })
            .collect();
        let mut results = batch_verify(&items).into_iter();
        prepared
            .into_iter()
            .map(|p| {
                let p = p?;
                // Every check of the claim is consumed, so the next claim starts at its own.
                let mut outcome = Ok(());
                for (n, _) in p.checks.iter().enumerate() {
                    let r = results.next().unwrap_or(Err(VerifyError::InvalidProof));
                    if let (Err(e), Ok(())) = (r, &outcome) {
                        outcome = Err(shard_error(n, e));
                    }
                }
                outcome?;
                Ok(VerifiedClaim {
                    statement: p.statement,
                    key: keys[p.key].clone(),
                    shard_key: p.shard_key.map(|k| keys[k].clone()),
                })
            })
            .collect()
    }
}

/// Verifies one claim, loading its key from the trusted store.
pub fn verify_claim(claim: &Claim, store: &KeyStore) -> Result<VerifiedClaim, VerifyError> {
    let key = store.load(&claim.key_id)?;
    let shard_key = match &claim.shards {
        Some(s) => Some(store.load(&s.key_id)?),
        None => None,
    };
    let statement = verify_claim_with_keys(claim, &key, shard_key.as_ref())?;
    Ok(VerifiedClaim {
        statement,
        key,
        shard_key,
    })
}

/// Verifies `claims` in one [`Verifier`] batch; one result per claim, in order.
pub fn verify_claims(
    claims: &[&Claim],
    store: &KeyStore,
) -> Vec<Result<VerifiedClaim, VerifyError>> {
    let mut verifier = Verifier::new(store);
    claims.iter().for_each(|c| verifier.queue(c));
    verifier.verify()
}

/// Verifies every claim of a bundle; one result per claim, in order.
pub fn verify_bundle(bundle: &Bundle, store: &KeyStore) -> Vec<Result<VerifiedClaim, VerifyError>> {
    verify_claims(&bundle.claims.iter().collect::<Vec<_>>(), store)
}

/// Checks that an eval claim's evaluator is one of `trusted` (hex ed25519 keys). The signature
/// itself was checked when the statement was parsed; this is the regulator's trust decision.
/// Compute claims carry no attestation and pass.
pub fn check_attester(statement: &ParsedStatement, trusted: &[String]) -> Result<(), VerifyError> {
    match statement {
        ParsedStatement::Compute(_) | ParsedStatement::ShardedCompute(_) => Ok(()),
        ParsedStatement::Eval(e) => {
            let key = &e.statement.attestation.evaluator_key;
            if trusted.iter().any(|t| t == key) {
                Ok(())
            } else {
                Err(VerifyError::UntrustedAttester {
                    key: key.clone(),
                    hint: if trusted.is_empty() {
                        " (none given: name the evaluators you trust)".into()
                    } else {
                        String::new()
                    },
                })
            }
        }
    }
}
