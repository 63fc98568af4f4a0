//! Proofs of knowledge of a contributor's secret, and the pairing checks built on them.
//!
//! A contributor who multiplies a value (tau, alpha, beta in phase 1; delta in phase 2) by a secret
//! `x` publishes `s` (a random G1 point), `s·x`, and `r·x`, where `r` is a G2 point hashed from the
//! transcript so far and from `s, s·x`: nobody knows `r`'s discrete logarithm, and `r` is bound to
//! the transcript, so the proof cannot be replayed in another ceremony or at another step (BGM17,
//! section 5; the same construction as Zcash's Sapling MPC and snarkjs).
//!
//! Checks, with `e` the pairing:
//! - knowledge: `e(s, r·x) = e(s·x, r)`;
//! - update: `e(old, r·x) = e(new, r)`, i.e. `new = old·x` for that same `x`.

use ark_bn254::{Bn254, Fq, Fq2, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, UniformRand, Zero};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

/// A length-prefixed SHA-256 transcript: every field is framed, so no two field sequences hash
/// alike.
pub struct Transcript(Sha256);

impl Transcript {
    /// A transcript with a domain label.
    pub fn new(label: &str) -> Self {
        let mut t = Transcript(Sha256::new());
        t.bytes(label.as_bytes());
        t
    }

    /// Absorbs bytes.
    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.0.update((b.len() as u64).to_be_bytes());
        self.0.update(b);
        self
    }

    /// Absorbs a point (or any value) in its canonical compressed form.
    pub fn point<T: CanonicalSerialize>(&mut self, p: &T) -> &mut Self {
        self.bytes(&compressed(p))
    }

    /// The digest.
    pub fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// Canonical compressed bytes of a value.
pub fn compressed<T: CanonicalSerialize>(p: &T) -> Vec<u8> {
    let mut v = Vec::with_capacity(p.compressed_size());
    // Serializing into a Vec cannot fail.
    let _ = p.serialize_compressed(&mut v);
    v
}

/// A point as lower-case hex of its compressed form.
pub fn point_hex<T: CanonicalSerialize>(p: &T) -> String {
    hex::encode(compressed(p))
}

/// Parses a point from hex, with full validation (on the curve, in the subgroup, canonical).
pub(crate) fn point_from_hex<T: CanonicalDeserialize>(what: &str, text: &str) -> Result<T, String> {
    let bytes = hex::decode(text).map_err(|_| format!("{what} is not hex"))?;
    let mut slice = &bytes[..];
    let p = T::deserialize_compressed(&mut slice)
        .map_err(|e| format!("{what} is not a valid point ({e})"))?;
    if !slice.is_empty() {
        return Err(format!("{what} has trailing bytes"));
    }
    Ok(p)
}

/// Hashes to a G2 point whose discrete logarithm nobody knows: an x coordinate in Fq2 from
/// SHA-512 (try and increment until it is on the twist), then cofactor clearing into the
/// prime-order subgroup.
pub fn hash_to_g2(seed: &[u8; 32]) -> G2Affine {
    let mut counter = 0u64;
    loop {
        let coordinate = |part: u8| {
            let mut h = Sha512::new();
            h.update(b"zkgov/hash-to-g2/v1");
            h.update(seed);
            h.update(counter.to_be_bytes());
            h.update([part]);
            h.finalize()
        };
        let c0 = coordinate(0);
        let x = Fq2::new(
            Fq::from_le_bytes_mod_order(&c0),
            Fq::from_le_bytes_mod_order(&coordinate(1)),
        );
        if let Some(p) = G2Affine::get_point_from_x_unchecked(x, c0[0] & 1 == 1) {
            let q = p.clear_cofactor();
            if !q.is_zero() {
                return q;
            }
        }
        counter += 1;
    }
}

/// `e(a.0, b.1) == e(a.1, b.0)`: the ratio `a.1 / a.0` in G1 equals `b.1 / b.0` in G2.
pub fn same_ratio(a: (G1Affine, G1Affine), b: (G2Affine, G2Affine)) -> bool {
    Bn254::multi_pairing([a.0, (-a.1.into_group()).into_affine()], [b.1, b.0]).is_zero()
}

/// A proof of knowledge of the secret `x` of one update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pok {
    /// A random G1 point `s`, compressed hex.
    pub s: String,
    /// `s·x`.
    pub s_x: String,
    /// `r·x`, with `r` hashed from the transcript, `s` and `s·x`.
    pub r_x: String,
}

fn challenge(transcript: &[u8; 32], label: &str, s: &G1Affine, s_x: &G1Affine) -> G2Affine {
    let mut t = Transcript::new("zkgov/pok-challenge/v1");
    t.bytes(transcript)
        .bytes(label.as_bytes())
        .point(s)
        .point(s_x);
    hash_to_g2(&t.finish())
}

impl Pok {
    /// Proves knowledge of `x`, bound to `transcript` (the hash of everything before this step)
    /// and to `label` (which value `x` updates).
    pub fn prove<R: RngCore + CryptoRng>(
        x: &Fr,
        transcript: &[u8; 32],
        label: &str,
        rng: &mut R,
    ) -> Self {
        let s = G1Projective::rand(rng).into_affine();
        let s_x = (s * x).into_affine();
        let r = challenge(transcript, label, &s, &s_x);
        Pok {
            s: point_hex(&s),
            s_x: point_hex(&s_x),
            r_x: point_hex(&(r * x).into_affine()),
        }
    }

    /// Checks the proof, and that `new = old·x` for the proven `x`. The error says which part
    /// failed, in words.
    pub(crate) fn verify(
        &self,
        transcript: &[u8; 32],
        label: &str,
        old: G1Affine,
        new: G1Affine,
    ) -> Result<(), String> {
        let s: G1Affine = point_from_hex(&format!("{label} proof point s"), &self.s)?;
        let s_x: G1Affine = point_from_hex(&format!("{label} proof point s·x"), &self.s_x)?;
        let r_x: G2Affine = point_from_hex(&format!("{label} proof point r·x"), &self.r_x)?;
        if s.is_zero() || s_x.is_zero() || r_x.is_zero() || new.is_zero() {
            return Err(format!("{label}: a zero point (no secret was applied)"));
        }
        if new == old {
            return Err(format!(
                "{label}: the value did not change (the secret was 1: no contribution)"
            ));
        }
        let r = challenge(transcript, label, &s, &s_x);
        if !same_ratio((s, s_x), (r, r_x)) {
            return Err(format!(
                "{label}: the proof of knowledge does not verify (forged, or made for another transcript or step)"
            ));
        }
        if !same_ratio((old, new), (r, r_x)) {
            return Err(format!(
                "{label}: the new value is not the previous one times the proven secret"
            ));
        }
        Ok(())
    }
}

/// Random 128-bit coefficients for a random linear combination (the verifier's own randomness).
pub fn rlc_coefficients<R: RngCore>(n: usize, rng: &mut R) -> Vec<Fr> {
    (0..n)
        .map(|_| Fr::from(((rng.next_u64() as u128) << 64) | rng.next_u64() as u128))
        .collect()
}

/// `Σ c_i·p_i` in G1.
pub fn msm_g1(points: &[G1Affine], c: &[Fr]) -> G1Affine {
    G1Projective::msm_unchecked(points, c).into_affine()
}

/// `Σ c_i·p_i` in G2.
pub fn msm_g2(points: &[G2Affine], c: &[Fr]) -> G2Affine {
    G2Projective::msm_unchecked(points, c).into_affine()
}

/// Checks that `after[i] = before[i] / x` for every `i`, where `delta_after = delta_before·x` in
/// G2, with one random linear combination: `e(Σρ·after, δ_after) = e(Σρ·before, δ_before)`.
/// A single changed point passes with probability about 2^-128.
pub fn scaled_by_inverse<R: RngCore>(
    before: &[G1Affine],
    after: &[G1Affine],
    delta_before: G2Affine,
    delta_after: G2Affine,
    rng: &mut R,
) -> bool {
    if before.len() != after.len() {
        return false;
    }
    let c = rlc_coefficients(before.len(), rng);
    same_ratio(
        (msm_g1(after, &c), msm_g1(before, &c)),
        (delta_before, delta_after),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ec::PrimeGroup;
    use rand::SeedableRng;

    #[test]
    fn hash_to_g2_is_deterministic_and_in_the_subgroup() {
        let a = hash_to_g2(&[1; 32]);
        assert_eq!(a, hash_to_g2(&[1; 32]));
        assert_ne!(a, hash_to_g2(&[2; 32]));
        assert!(a.is_on_curve() && a.is_in_correct_subgroup_assuming_on_curve());
    }

    #[test]
    fn pok_binds_secret_transcript_and_label() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
        let x = Fr::rand(&mut rng);
        let old = (G1Projective::generator() * Fr::from(5u64)).into_affine();
        let new = (old * x).into_affine();
        let pok = Pok::prove(&x, &[9; 32], "delta", &mut rng);
        assert_eq!(pok.verify(&[9; 32], "delta", old, new), Ok(()));
        // Another transcript, another label, a different update, a no-op update: all refused.
        assert!(pok
            .verify(&[8; 32], "delta", old, new)
            .unwrap_err()
            .contains("does not verify"));
        assert!(pok.verify(&[9; 32], "tau", old, new).is_err());
        let other = (old * (x + Fr::from(1u64))).into_affine();
        assert!(pok
            .verify(&[9; 32], "delta", old, other)
            .unwrap_err()
            .contains("not the previous one"));
        assert!(pok
            .verify(&[9; 32], "delta", old, old)
            .unwrap_err()
            .contains("did not change"));
    }

    #[test]
    fn scaled_by_inverse_catches_one_changed_point() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(2);
        let x = Fr::rand(&mut rng);
        let inv = ark_ff::Field::inverse(&x).unwrap();
        let before: Vec<G1Affine> = (0..20)
            .map(|_| G1Projective::rand(&mut rng).into_affine())
            .collect();
        let mut after: Vec<G1Affine> = before.iter().map(|p| (*p * inv).into_affine()).collect();
        let d0 = (G2Projective::generator() * Fr::from(3u64)).into_affine();
        let d1 = (d0 * x).into_affine();
        assert!(scaled_by_inverse(&before, &after, d0, d1, &mut rng));
        after[7] = (after[7] + G1Projective::generator()).into_affine();
        assert!(!scaled_by_inverse(&before, &after, d0, d1, &mut rng));
    }
}
