//! The log against an independent implementation's test vectors: transparency-dev/merkle's
//! RFC 6962 roots, inclusion and consistency proofs (provenance in `tests/vectors/README.md`).
//! Our tree must produce exactly upstream's roots and proofs, accept every valid proof, and refuse
//! every invalid one upstream refuses.

use serde_json::Value;
use zkgov_registry::log::{
    hash_hex, leaf_hash, parse_hash_hex, parse_proof_hex, verify_consistency, verify_inclusion,
    Hash, MemoryTree,
};

fn vectors() -> Value {
    serde_json::from_str(include_str!("vectors/rfc6962.json")).unwrap()
}

fn tree(v: &Value) -> MemoryTree {
    let mut t = MemoryTree::new();
    for leaf in v["leaves"].as_array().unwrap() {
        t.append(&hex::decode(leaf.as_str().unwrap()).unwrap())
            .unwrap();
    }
    t
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn hash(v: &Value) -> Result<Hash, zkgov_registry::RegistryError> {
    parse_hash_hex("vector", v.as_str().unwrap())
}

#[test]
fn roots_and_proofs_are_upstreams() {
    let v = vectors();
    let t = tree(&v);
    for r in v["roots"].as_array().unwrap() {
        assert_eq!(
            hash_hex(&t.root_at(u(&r["size"])).unwrap()),
            r["root"].as_str().unwrap()
        );
    }
    for p in v["inclusion"].as_array().unwrap() {
        let (i, n) = (u(&p["index"]), u(&p["size"]));
        let path = strings(&p["path"]);
        let ours = t.inclusion_proof(i, n).unwrap();
        assert_eq!(
            ours.iter().map(hash_hex).collect::<Vec<_>>(),
            path,
            "inclusion {i} in {n}"
        );
        let leaf = leaf_hash(&hex::decode(v["leaves"][i as usize].as_str().unwrap()).unwrap());
        verify_inclusion(
            leaf,
            i,
            n,
            &parse_proof_hex(&path).unwrap(),
            t.root_at(n).unwrap(),
        )
        .unwrap();
    }
    for p in v["consistency"].as_array().unwrap() {
        let (m, n) = (u(&p["size1"]), u(&p["size2"]));
        let proof = strings(&p["proof"]);
        let ours = t.consistency_proof(m, n).unwrap();
        assert_eq!(
            ours.iter().map(hash_hex).collect::<Vec<_>>(),
            proof,
            "consistency {m} to {n}"
        );
        verify_consistency(
            m,
            t.root_at(m).unwrap(),
            n,
            t.root_at(n).unwrap(),
            &parse_proof_hex(&proof).unwrap(),
        )
        .unwrap();
    }
}

#[test]
fn every_invalid_upstream_proof_is_refused() {
    let v = vectors();
    let mut refused = 0;
    for p in v["invalid_inclusion"].as_array().unwrap() {
        let result = (|| {
            let proof = parse_proof_hex(&strings(&p["path"]))?;
            verify_inclusion(
                hash(&p["leaf_hash"])?,
                u(&p["index"]),
                u(&p["size"]),
                &proof,
                hash(&p["root"])?,
            )
        })();
        assert!(result.is_err(), "accepted: {}", p["why"]);
        refused += 1;
    }
    for p in v["invalid_consistency"].as_array().unwrap() {
        let result = (|| {
            let proof = parse_proof_hex(&strings(&p["proof"]))?;
            verify_consistency(
                u(&p["size1"]),
                hash(&p["root1"])?,
                u(&p["size2"]),
                hash(&p["root2"])?,
                &proof,
            )
        })();
        assert!(result.is_err(), "accepted: {}", p["why"]);
        refused += 1;
    }
    assert!(refused >= 150, "only {refused} invalid vectors");
}
