//! Export to snarkjs' Groth16 JSON files, so that an independent implementation (snarkjs, in
//! JavaScript, on ffjavascript's BN254 arithmetic) can re-check a zkgov proof:
//! `snarkjs groth16 verify verification_key.json public.json proof.json`.
//!
//! Layout (snarkjs 0.7, curve `bn128`, the same curve as arkworks' BN254), every number a decimal
//! string of a reduced field element:
//! - G1 point: `[x, y, "1"]` (affine, Jacobian z = 1); the point at infinity is `["0", "1", "0"]`.
//! - G2 point: `[[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]`.
//! - `vk_alphabeta_12`: `e(α, β)` in GT as `[[a, b, c], [d, e, f]]`, each an `[c0, c1]` pair:
//!   `Fq12 = Fq6[w]/(w² − v)`, `Fq6 = Fq2[v]/(v³ − (9 + u))`, the tower both libraries use.
//! - `public.json`: the public inputs in circuit order, as decimal strings.
//!
//! Both libraries check the same equation, `e(A, B) = e(α, β)·e(L, γ)·e(C, δ)` with
//! `L = IC₀ + Σ xᵢ ICᵢ₊₁`. Note that snarkjs does not check that the number of public signals
//! equals `nPublic` (zkgov does).

use crate::{keys::TrustedKey, Bn254, Fr};
use ark_bn254::{Fq, Fq12, Fq2, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_groth16::Proof;
use serde_json::{json, Value};

fn fq(x: &Fq) -> Value {
    Value::String(x.to_string())
}

fn fq2(x: &Fq2) -> Value {
    json!([fq(&x.c0), fq(&x.c1)])
}

/// A G1 point in snarkjs' form.
pub fn g1(p: &G1Affine) -> Value {
    if p.is_zero() {
        return json!(["0", "1", "0"]);
    }
    json!([fq(&p.x), fq(&p.y), "1"])
}

/// A G2 point in snarkjs' form.
pub fn g2(p: &G2Affine) -> Value {
    if p.is_zero() {
        return json!([["0", "0"], ["1", "0"], ["0", "0"]]);
    }
    json!([fq2(&p.x), fq2(&p.y), ["1", "0"]])
}

fn fq12(x: &Fq12) -> Value {
    json!([
        [fq2(&x.c0.c0), fq2(&x.c0.c1), fq2(&x.c0.c2)],
        [fq2(&x.c1.c0), fq2(&x.c1.c1), fq2(&x.c1.c2)]
    ])
}

/// `verification_key.json`.
pub fn verification_key(key: &TrustedKey) -> Value {
    let vk = &key.pvk.vk;
    let alpha_beta = Bn254::pairing(vk.alpha_g1, vk.beta_g2).0;
    json!({
        "protocol": "groth16",
        "curve": "bn128",
        "nPublic": vk.gamma_abc_g1.len() - 1,
        "vk_alpha_1": g1(&vk.alpha_g1),
        "vk_beta_2": g2(&vk.beta_g2),
        "vk_gamma_2": g2(&vk.gamma_g2),
        "vk_delta_2": g2(&vk.delta_g2),
        "vk_alphabeta_12": fq12(&alpha_beta),
        "IC": vk.gamma_abc_g1.iter().map(g1).collect::<Vec<_>>(),
    })
}

/// `proof.json`.
pub fn proof(p: &Proof<Bn254>) -> Value {
    json!({
        "pi_a": g1(&p.a),
        "pi_b": g2(&p.b),
        "pi_c": g1(&p.c),
        "protocol": "groth16",
        "curve": "bn128",
    })
}

/// `public.json`.
pub fn public_signals(inputs: &[Fr]) -> Value {
    Value::Array(
        inputs
            .iter()
            .map(|x| Value::String(x.to_string()))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generators_in_snarkjs_form() {
        // snarkjs' bn128 G1 generator is (1, 2).
        assert_eq!(g1(&G1Affine::generator()), json!(["1", "2", "1"]));
        assert_eq!(
            public_signals(&[Fr::from(0u64), -Fr::from(1u64)]),
            json!([
                "0",
                "21888242871839275222246405745257275088548364400416034343698204186575808495616"
            ])
        );
        let g = g2(&G2Affine::generator());
        assert_eq!(
            g[0][0],
            "10857046999023057135944570762232829481370756359578518086990519993285655852781"
        );
    }
}
