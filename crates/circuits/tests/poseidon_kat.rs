//! Known-answer tests against circomlibjs (an independent implementation); the vectors and the
//! command that generated them are in `vectors/`.

use ark_bn254::Fr;
use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar, GR1CSVar};
use ark_relations::gr1cs::ConstraintSystem;
use std::str::FromStr;

#[test]
fn circomlibjs_vectors_native_and_gadget() {
    let text = include_str!("vectors/poseidon_circomlibjs.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    let vectors = json["vectors"].as_array().unwrap();
    let mut per_width = [0usize; 18];
    for v in vectors {
        let f = |s: &serde_json::Value| Fr::from_str(s.as_str().unwrap()).unwrap();
        let cap = f(&v["cap"]);
        let inputs: Vec<Fr> = v["inputs"].as_array().unwrap().iter().map(f).collect();
        let expected = f(&v["output"]);
        assert_eq!(
            zkgov_spec::poseidon::hash_with_cap(cap, &inputs),
            Some(expected),
            "native, vector {v}"
        );
        let cs = ConstraintSystem::<Fr>::new_ref();
        let cap_var = FpVar::new_witness(cs.clone(), || Ok(cap)).unwrap();
        let vars: Vec<_> = inputs
            .iter()
            .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap())
            .collect();
        let out = zkgov_circuits::poseidon::hash_with_cap(&cap_var, &vars).unwrap();
        assert_eq!(out.value().unwrap(), expected, "gadget, vector {v}");
        assert!(cs.is_satisfied().unwrap());
        per_width[v["width"].as_u64().unwrap() as usize] += 1;
    }
    assert!([3, 17].iter().all(|w| per_width[*w] >= 10), "{per_width:?}");
}
