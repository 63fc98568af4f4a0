//! Poseidon gadget: the in-circuit twin of `zkgov_spec::poseidon` (same parameters, same
//! `[tag, inputs..]` state, output `state[0]`).
//!
//! Cost: each S-box `x^5` is three multiplications (`x^2`, `x^4`, `x^5`); round constants and the
//! MDS matrix are linear and free. Width 3: 8·3·3 + 57·3 = 243 constraints; width 17:
//! 8·17·3 + 68·3 = 612. With a domain tag the first S-box acts on a constant and is free, so
//! `hash2` costs 240 and `hash16` 609 (38 per input).

use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, Field, Zero};
use ark_r1cs_std::{
    fields::{fp::AllocatedFp, fp::FpVar, FieldVar},
    GR1CSVar,
};
use ark_relations::gr1cs::{ConstraintSystemRef, LinearCombination, SynthesisError, Variable};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex, OnceLock},
};
use zkgov_spec::poseidon::{params_for, tag, Domain, PoseidonParams};

/// One state element during the permutation: `constant + Σ coeffs[j] · basis[j]`, flat.
///
/// r1cs-std would represent each linear layer as new symbolic combinations of the previous ones;
/// across a wide permutation's 68 partial rounds that is a deep chain of 17 growing combinations,
/// and arkworks' inlining of such chains took seconds per width-17 hash. Here every element stays
/// one flat combination over the permutation's own variables (the inputs, then the S-box outputs
/// since the last full round). An element carries its value and constant term (the constant term
/// of a variable element only while matrices are being built, see [`mix`]); its coefficients
/// depend only on the parameters and on which inputs are variables, so they are computed once per
/// such pattern ([`Template`]) and only when the constraint system is building matrices.
#[derive(Clone)]
struct Elem {
    value: Option<Fr>,
    constant: Fr,
    variable: bool,
}

impl Elem {
    fn from_var(x: &FpVar<Fr>, basis: &mut Vec<Variable>) -> Self {
        match x {
            FpVar::Constant(c) => Elem {
                value: Some(*c),
                constant: *c,
                variable: false,
            },
            FpVar::Var(a) => {
                basis.push(a.variable);
                Elem {
                    value: a.value().ok(),
                    constant: Fr::ZERO,
                    variable: true,
                }
            }
        }
    }

    /// This element as an `FpVar`: a constant, or one new symbolic combination with `coeffs` over
    /// `basis` (empty when no matrices are built: the value is all a witness needs).
    fn to_var(
        &self,
        cs: &ConstraintSystemRef<Fr>,
        basis: &[Variable],
        coeffs: &[Fr],
    ) -> Result<FpVar<Fr>, SynthesisError> {
        if !self.variable {
            return Ok(FpVar::Constant(self.constant));
        }
        let variable = cs.new_lc(|| {
            let mut lc: Vec<(Fr, Variable)> = coeffs
                .iter()
                .zip(basis)
                .filter(|(c, _)| !c.is_zero())
                .map(|(c, v)| (*c, *v))
                .collect();
            if !self.constant.is_zero() {
                lc.push((self.constant, Variable::One));
            }
            LinearCombination(lc)
        })?;
        Ok(FpVar::Var(AllocatedFp::new(
            self.value,
            variable,
            cs.clone(),
        )))
    }
}

/// The coefficients of one permutation's combinations for one pattern of variable inputs: for
/// each S-box that acts on a variable, in synthesis order, its input's coefficients over the basis
/// at that point; then the output's. Laying them out costs `width^2 · basis` field operations per
/// round (about a million multiplications for width 17), so it is done once per pattern and
/// shared by every hash of that shape (a Merkle tree has thousands).
struct Template {
    sboxes: Vec<Vec<Fr>>,
    output: Vec<Fr>,
}

impl Template {
    /// The template for `params` with the inputs whose bit is set in `variables` being variables.
    fn get(params: &PoseidonParams, variables: u32) -> Arc<Template> {
        type Cache = Mutex<HashMap<(usize, u32), Arc<Template>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Cache::default);
        let key = (params.width, variables);
        if let Some(t) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return t;
        }
        let t = Arc::new(Template::build(params, variables));
        if let Ok(mut c) = cache.lock() {
            c.insert(key, t.clone());
        }
        t
    }

    fn build(params: &PoseidonParams, variables: u32) -> Template {
        // Per element: its coefficients, or `None` for a constant (as in `Elem::variable`).
        let mut basis = 0usize;
        let unit = |basis: &mut usize| {
            let mut v = vec![Fr::ZERO; *basis];
            v.push(Fr::ONE);
            *basis += 1;
            Some(v)
        };
        let mut elems: Vec<Option<Vec<Fr>>> = (0..params.width)
            .map(|i| {
                if variables >> i & 1 == 1 {
                    unit(&mut basis)
                } else {
                    None
                }
            })
            .collect();
        let mut sboxes = Vec::new();
        for r in 0..params.rounds() {
            let sboxed = if params.is_full_round(r) {
                basis = 0;
                params.width
            } else {
                1
            };
            for e in elems.iter_mut().take(sboxed) {
                if let Some(c) = e.take() {
                    sboxes.push(c);
                    *e = unit(&mut basis);
                }
            }
            elems = params
                .mds
                .iter()
                .map(|row| {
                    let mut n: Option<Vec<Fr>> = None;
                    for (e, m) in elems.iter().zip(row) {
                        if let (Some(c), false) = (e, m.is_zero()) {
                            let acc = n.get_or_insert_with(|| vec![Fr::ZERO; basis]);
                            for (a, b) in acc.iter_mut().zip(c) {
                                *a += *b * m;
                            }
                        }
                    }
                    n
                })
                .collect();
        }
        Template {
            sboxes,
            output: elems[0].take().unwrap_or_default(),
        }
    }
}

/// `x^5` in three constraints (`x^2`, `x^4`, `x^5`); free on a constant.
fn sbox(x: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    let x2 = x.square()?;
    let x4 = x2.square()?;
    Ok(x4 * x)
}

/// The first element of the Poseidon permutation of `state` (whose length must be the
/// parameters' width): the hash output. The other elements are never used, so no combination is
/// made for them.
pub fn permute_first(
    params: &PoseidonParams,
    state: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    if state.len() != params.width {
        return Err(SynthesisError::Unsatisfiable);
    }
    let cs = state
        .iter()
        .fold(ConstraintSystemRef::None, |acc, s| acc.or(s.cs()));
    let template = cs.should_construct_matrices().then(|| {
        let variables = state
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.is_constant())
            .fold(0u32, |m, (i, _)| m | 1 << i);
        Template::get(params, variables)
    });
    let mut coeffs = template.iter().flat_map(|t| t.sboxes.iter());
    let mut next_coeffs = || coeffs.next().map_or(&[][..], |c| &c[..]);
    let mut basis: Vec<Variable> = Vec::new();
    let mut elems: Vec<Elem> = state
        .iter()
        .map(|s| Elem::from_var(s, &mut basis))
        .collect();
    for r in 0..params.rounds() {
        for (e, c) in elems.iter_mut().zip(&params.ark[r]) {
            e.constant += c;
            e.value = e.value.map(|v| v + c);
        }
        if params.is_full_round(r) {
            // Every element is replaced by its S-box output: start a new basis.
            let old = std::mem::take(&mut basis);
            for e in elems.iter_mut() {
                let c = if e.variable { next_coeffs() } else { &[] };
                let out = sbox(&e.to_var(&cs, &old, c)?)?;
                *e = Elem::from_var(&out, &mut basis);
            }
        } else {
            let c = if elems[0].variable {
                next_coeffs()
            } else {
                &[]
            };
            let out = sbox(&elems[0].to_var(&cs, &basis, c)?)?;
            elems[0] = Elem::from_var(&out, &mut basis);
        }
        elems = mix(params, &elems, template.is_some());
    }
    let output = template.as_ref().map_or(&[][..], |t| &t.output[..]);
    elems[0].to_var(&cs, &basis, output)
}

/// The linear layer on elements. Values go through the native [`PoseidonParams::mix`]. Constant
/// terms are only needed for the combinations of a matrix-building system (`building`) and for
/// elements that are constants; a value-only synthesis skips the rest, which halves its work.
fn mix(params: &PoseidonParams, elems: &[Elem], building: bool) -> Vec<Elem> {
    let width = params.width;
    let mixed = |x: Vec<Fr>| {
        let mut out = vec![Fr::ZERO; width];
        params.mix(&x, &mut out);
        out
    };
    let values: Option<Vec<Fr>> = elems.iter().map(|e| e.value).collect();
    let values = values.map(mixed);
    let variable: Vec<bool> = params
        .mds
        .iter()
        .map(|row| {
            elems
                .iter()
                .zip(row)
                .any(|(e, m)| e.variable && !m.is_zero())
        })
        .collect();
    let constants = (building || variable.contains(&false))
        .then(|| mixed(elems.iter().map(|e| e.constant).collect()));
    (0..width)
        .map(|i| Elem {
            value: values.as_ref().map(|v| v[i]),
            constant: constants.as_ref().map_or(Fr::ZERO, |c| c[i]),
            variable: variable[i],
        })
        .collect()
}

fn hash_tagged(domain: Domain, inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    hash_with_cap(&FpVar::constant(tag(domain, inputs.len())), inputs)
}

/// In-circuit `zkgov_spec::poseidon::hash2`.
pub fn hash2(domain: Domain, a: &FpVar<Fr>, b: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
    hash_tagged(domain, &[a.clone(), b.clone()])
}

/// In-circuit `zkgov_spec::poseidon::hash16`.
pub fn hash16(domain: Domain, x: &[FpVar<Fr>; 16]) -> Result<FpVar<Fr>, SynthesisError> {
    hash_tagged(domain, x)
}

/// In-circuit `zkgov_spec::poseidon::hash_with_cap`, for known-answer tests with any cap.
pub fn hash_with_cap(cap: &FpVar<Fr>, inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
    let params = params_for(inputs.len()).ok_or(SynthesisError::Unsatisfiable)?;
    let mut state = vec![cap.clone()];
    state.extend_from_slice(inputs);
    permute_first(params, &state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_r1cs_std::{alloc::AllocVar, GR1CSVar};
    use ark_relations::gr1cs::ConstraintSystem;
    use ark_std::{test_rng, UniformRand};
    use zkgov_spec::poseidon as native;

    /// Allocation modes: constant, public input, witness (as r1cs-std's `test_utils::modes`).
    fn alloc(cs: &ark_relations::gr1cs::ConstraintSystemRef<Fr>, x: Fr, mode: u8) -> FpVar<Fr> {
        match mode {
            0 => FpVar::constant(x),
            1 => FpVar::new_input(cs.clone(), || Ok(x)).unwrap(),
            _ => FpVar::new_witness(cs.clone(), || Ok(x)).unwrap(),
        }
    }

    #[test]
    fn differential_native_vs_gadget() {
        let mut rng = test_rng();
        for mode in 0..3u8 {
            for _ in 0..4 {
                let cs = ConstraintSystem::<Fr>::new_ref();
                let x: [Fr; 16] = std::array::from_fn(|_| Fr::rand(&mut rng));
                let v: [FpVar<Fr>; 16] = std::array::from_fn(|i| alloc(&cs, x[i], mode));
                let h2 = hash2(Domain::LedgerCommitment, &v[0], &v[1]).unwrap();
                assert_eq!(
                    h2.value().unwrap(),
                    native::hash2(Domain::LedgerCommitment, x[0], x[1])
                );
                let h16 = hash16(Domain::MerkleNode, &v).unwrap();
                assert_eq!(h16.value().unwrap(), native::hash16(Domain::MerkleNode, x));
                assert!(cs.is_satisfied().unwrap());
            }
        }
    }

    #[test]
    fn mixed_constant_and_variable_inputs_share_correct_templates() {
        // Each pattern of constant inputs has its own template; every one must lay out the same
        // combinations a direct computation would, which the satisfied constraint system shows
        // (a wrong coefficient anywhere breaks an S-box constraint).
        let mut rng = test_rng();
        for mask in [0u32, 1, 0b1010, 0xffff, 0x8001, 0x7ffe] {
            for _ in 0..2 {
                let cs = ConstraintSystem::<Fr>::new_ref();
                let x: [Fr; 16] = std::array::from_fn(|_| Fr::rand(&mut rng));
                let v: [FpVar<Fr>; 16] = std::array::from_fn(|i| {
                    alloc(&cs, x[i], if mask >> i & 1 == 1 { 0 } else { 2 })
                });
                let h = hash16(Domain::MerkleNode, &v).unwrap();
                assert_eq!(h.value().unwrap(), native::hash16(Domain::MerkleNode, x));
                let wrong = FpVar::new_witness(cs.clone(), || Ok(h.value().unwrap() + Fr::ONE));
                assert!(cs.is_satisfied().unwrap(), "mask {mask:#x}");
                use ark_r1cs_std::eq::EqGadget;
                if mask != 0xffff {
                    h.enforce_equal(&wrong.unwrap()).unwrap();
                    assert!(!cs.is_satisfied().unwrap(), "mask {mask:#x}");
                }
            }
        }
    }

    #[test]
    fn constraint_costs() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let a = FpVar::new_witness(cs.clone(), || Ok(Fr::from(1u64))).unwrap();
        let _h2 = hash2(Domain::LedgerCommitment, &a, &a).unwrap();
        assert_eq!(cs.num_constraints(), 240);
        let _h16 = hash16(Domain::MerkleNode, &std::array::from_fn(|_| a.clone())).unwrap();
        assert_eq!(cs.num_constraints(), 240 + 609);
    }

    #[test]
    fn wrong_output_is_unsatisfiable() {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let a = FpVar::new_witness(cs.clone(), || Ok(Fr::from(1u64))).unwrap();
        let h = hash2(Domain::EvalCommitment, &a, &a).unwrap();
        let claimed =
            FpVar::new_input(cs.clone(), || Ok(h.value().unwrap() + Fr::from(1u64))).unwrap();
        use ark_r1cs_std::eq::EqGadget;
        h.enforce_equal(&claimed).unwrap();
        assert!(!cs.is_satisfied().unwrap());
    }
}
