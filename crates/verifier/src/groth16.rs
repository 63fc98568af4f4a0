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
    statement::{ComputeInputs, EvalInputs, COMPUTE_CIRCUIT, EVAL_CIRCUIT},
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
}

impl ParsedStatement {
    /// Parses a statement.
    pub fn parse(s: &Statement) -> Result<Self, VerifyError> {
        match s {
            Statement::Compute(c) => Ok(ParsedStatement::Compute(Box::new(c.parse()?))),
            Statement::Eval(e) => Ok(ParsedStatement::Eval(Box::new(e.parse()?))),
        }
    }

    /// The circuit that proves it.
    pub fn circuit(&self) -> &'static str {
        match self {
            ParsedStatement::Compute(_) => COMPUTE_CIRCUIT,
            ParsedStatement::Eval(_) => EVAL_CIRCUIT,
        }
    }

    /// The capacity class it needs.
    pub fn capacity(&self) -> u64 {
        match self {
            ParsedStatement::Compute(c) => c.capacity,
            ParsedStatement::Eval(e) => e.statement.capacity,
        }
    }

    /// Its public inputs.
    pub fn public_inputs(&self) -> Vec<Fr> {
        match self {
            ParsedStatement::Compute(c) => c.public_inputs(),
            ParsedStatement::Eval(e) => e.public_inputs(),
        }
    }

    /// Plain words.
    pub fn describe(&self) -> String {
        match self {
            ParsedStatement::Compute(c) => c.describe(),
            ParsedStatement::Eval(e) => e.describe(),
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
    /// The key it verified under.
    pub key: TrustedKey,
}

/// Verifies one claim against a key the caller already holds.
pub fn verify_claim_with_key(
    claim: &Claim,
    key: &TrustedKey,
) -> Result<ParsedStatement, VerifyError> {
    let (statement, proof, inputs) = prepare_claim(claim, key)?;
    verify_groth16(key, &proof, &inputs)?;
    Ok(statement)
}

/// A claim ready for its pairing check: statement, proof, public inputs, and its key's index.
type Prepared = (ParsedStatement, Proof<Bn254>, Vec<Fr>, usize);

/// Everything about a claim except the pairing check: statement parsed, key matched, proof
/// decoded, inputs derived.
fn prepare_claim(
    claim: &Claim,
    key: &TrustedKey,
) -> Result<(ParsedStatement, Proof<Bn254>, Vec<Fr>), VerifyError> {
    let statement = ParsedStatement::parse(&claim.statement)?;
    if claim.key_id != key.id {
        return Err(VerifyError::UnknownKey {
            key_id: claim.key_id.clone(),
        });
    }
    if key.circuit != statement.circuit() || key.capacity != statement.capacity() {
        return Err(VerifyError::WrongCircuit {
            key_id: key.id.clone(),
            key_circuit: format!("{} (capacity {})", key.circuit, key.capacity),
            claim_circuit: format!(
                "{} (capacity {})",
                statement.circuit(),
                statement.capacity()
            ),
        });
    }
    let proof = decode_proof(&claim.proof)?;
    let inputs = statement.public_inputs();
    Ok((statement, proof, inputs))
}

/// Verifies many claims (from one bundle or several) at once, like bellman's batch verifier:
/// [`Verifier::queue`] the claims, then [`Verifier::verify`] loads each key once, puts every
/// pairing check into one batch ([`crate::batch`]) and, if the batch fails, checks each claim alone
/// so that the false ones are named. The results are the same as [`verify_claim`]'s, only faster.
#[derive(Debug)]
pub struct Verifier<'a> {
    store: &'a KeyStore,
    queue: Vec<&'a Claim>,
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
        let prepared: Vec<Result<Prepared, VerifyError>> = self
            .queue
            .iter()
            .map(|c| {
                let k = match keys.iter().position(|k| k.id == c.key_id) {
                    Some(k) => k,
                    None => {
                        keys.push(self.store.load(&c.key_id)?);
                        keys.len() - 1
                    }
                };
                let (s, p, x) = prepare_claim(c, &keys[k])?;
                Ok((s, p, x, k))
            })
            .collect();
        let items: Vec<BatchItem> = prepared
            .iter()
            .filter_map(|p| p.as_ref().ok())
            .map(|(_, proof, inputs, k)| BatchItem {
                key: &keys[*k],
                proof,
                inputs,
            })
            .collect();
        let mut checks = batch_verify(&items).into_iter();
        prepared
            .into_iter()
            .map(|p| {
                let (statement, _, _, k) = p?;
                checks.next().unwrap_or(Err(VerifyError::InvalidProof))?;
                Ok(VerifiedClaim {
                    statement,
                    key: keys[k].clone(),
                })
            })
            .collect()
    }
}

/// Verifies one claim, loading its key from the trusted store.
pub fn verify_claim(claim: &Claim, store: &KeyStore) -> Result<VerifiedClaim, VerifyError> {
    let key = store.load(&claim.key_id)?;
    let statement = verify_claim_with_key(claim, &key)?;
    Ok(VerifiedClaim { statement, key })
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
        ParsedStatement::Compute(_) => Ok(()),
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
