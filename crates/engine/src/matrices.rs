//! A circuit's constraint matrices in compressed rows, and their file encoding.
//!
//! arkworks keeps a matrix as one `Vec<(Fr, usize)>` per row: 40 bytes per entry plus a vector per
//! row, about 650 MB for the compute circuit at capacity 8192 (14.6 million entries). The
//! coefficients repeat (about 3,500 distinct values: one, powers of two, Poseidon's constants), so
//! here an entry is a column and an index into one table of distinct coefficients, 8 bytes, and
//! the rows of a matrix are ranges of one entry array. Index 0 of the table is always one, which
//! lets a row's evaluation skip the multiplication for the commonest coefficient.
//!
//! The encoding (all integers little-endian) is what key files store after the proving key, so
//! that a prover never synthesizes the circuit to get them:
//! `u64 variables, u64 constraints, u64 coefficients`, the coefficients (four 64-bit limbs each,
//! Montgomery form), then for A, B and C: `u64 entries`, `constraints + 1` row starts (`u32`),
//! and the entries (`u32` column, `u32` coefficient index). Reading checks every count against the
//! bytes that remain before allocating, and every row start, column and coefficient before use.

use crate::{
    raw::{limbs, put_limbs, read_items, read_u64, write_items, write_u64},
    EngineError,
};
use ark_bn254::Fr;
use ark_ff::{AdditiveGroup, BigInt, Field, PrimeField};
use ark_relations::gr1cs::Matrix;
use rayon::prelude::*;
use std::{
    collections::HashMap,
    io::{self, Read, Write},
};

/// One nonzero entry: its column (a variable of the full assignment) and its coefficient's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    column: u32,
    coefficient: u32,
}

/// One matrix: row `i` is `entries[starts[i]..starts[i + 1]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Rows {
    starts: Vec<u32>,
    entries: Vec<Entry>,
}

/// The A, B and C matrices of a rank-1 constraint system over a full assignment
/// `[1, inputs.., witnesses..]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintMatrices {
    /// Distinct coefficients; `coefficients[0]` is one.
    coefficients: Vec<Fr>,
    rows: [Rows; 3],
    num_variables: usize,
}

impl ConstraintMatrices {
    /// Compresses arkworks' A, B, C matrices (consumed one by one, so that only one is held twice
    /// at a time) over `num_variables` variables.
    pub fn new(matrices: Vec<Matrix<Fr>>, num_variables: usize) -> Result<Self, EngineError> {
        let [a, b, c]: [Matrix<Fr>; 3] = matrices
            .try_into()
            .map_err(|_| EngineError::WrongShape("the constraint system (not A, B, C)"))?;
        if a.len() != b.len() || a.len() != c.len() {
            return Err(EngineError::WrongShape(
                "the constraint system (row counts)",
            ));
        }
        let too_large = || EngineError::TooLarge("a constraint matrix has 2^32 entries or more");
        u32::try_from(num_variables).map_err(|_| too_large())?;
        let mut coefficients = vec![Fr::ONE];
        let mut index: HashMap<Fr, u32> = HashMap::from([(Fr::ONE, 0)]);
        let mut compress = |m: Matrix<Fr>| -> Result<Rows, EngineError> {
            let total: usize = m.iter().map(Vec::len).sum();
            u32::try_from(total).map_err(|_| too_large())?;
            let mut starts = Vec::with_capacity(m.len() + 1);
            let mut entries = Vec::with_capacity(total);
            starts.push(0);
            for row in m {
                for (value, column) in row {
                    if column >= num_variables {
                        return Err(EngineError::WrongShape("a constraint (unknown variable)"));
                    }
                    let next = coefficients.len() as u32;
                    let coefficient = *index.entry(value).or_insert_with(|| {
                        coefficients.push(value);
                        next
                    });
                    entries.push(Entry {
                        column: column as u32,
                        coefficient,
                    });
                }
                starts.push(entries.len() as u32);
            }
            Ok(Rows { starts, entries })
        };
        let rows = [compress(a)?, compress(b)?, compress(c)?];
        u32::try_from(coefficients.len()).map_err(|_| too_large())?;
        Ok(ConstraintMatrices {
            coefficients,
            rows,
            num_variables,
        })
    }

    /// Number of constraints (rows).
    pub fn num_constraints(&self) -> usize {
        self.rows[0].starts.len() - 1
    }

    /// Number of variables (columns), the constant one included.
    pub fn num_variables(&self) -> usize {
        self.num_variables
    }

    /// The entries of matrix `k` (0: A, 1: B, 2: C) as `(row, coefficient, column)`, row by row.
    pub fn entries(&self, k: usize) -> impl Iterator<Item = (usize, Fr, usize)> + '_ {
        let rows = &self.rows[k];
        rows.starts.windows(2).enumerate().flat_map(move |(i, w)| {
            rows.entries[w[0] as usize..w[1] as usize]
                .iter()
                .map(move |e| {
                    (
                        i,
                        self.coefficients[e.coefficient as usize],
                        e.column as usize,
                    )
                })
        })
    }

    /// `out[i] = (M·z)[i]` for every row `i` of matrix `k`, in parallel; `z` is a full assignment
    /// (`num_variables` long) and `out` has one slot per constraint.
    pub fn evaluate(&self, k: usize, z: &[Fr], out: &mut [Fr]) {
        assert_eq!(z.len(), self.num_variables, "assignment of another shape");
        let rows = &self.rows[k];
        out.par_iter_mut()
            .zip(rows.starts.par_windows(2))
            .with_min_len(1024)
            .for_each(|(out, w)| {
                let mut acc = Fr::ZERO;
                for e in &rows.entries[w[0] as usize..w[1] as usize] {
                    let x = z[e.column as usize];
                    if e.coefficient == 0 {
                        acc += x;
                    } else {
                        acc += self.coefficients[e.coefficient as usize] * x;
                    }
                }
                *out = acc;
            });
    }

    /// Writes the encoding described in the module documentation.
    pub fn write(&self, w: &mut impl Write) -> io::Result<()> {
        for n in [
            self.num_variables,
            self.num_constraints(),
            self.coefficients.len(),
        ] {
            write_u64(w, n as u64)?;
        }
        write_items(w, &self.coefficients, 32, |c, b| put_limbs(b, &c.0 .0))?;
        for rows in &self.rows {
            write_u64(w, rows.entries.len() as u64)?;
            write_items(w, &rows.starts, 4, |s, b| {
                b.copy_from_slice(&s.to_le_bytes())
            })?;
            write_items(w, &rows.entries, 8, |e, b| {
                b[..4].copy_from_slice(&e.column.to_le_bytes());
                b[4..].copy_from_slice(&e.coefficient.to_le_bytes());
            })?;
        }
        Ok(())
    }

    /// Reads the encoding from `r`, of which at most `available` bytes remain: counts that would
    /// need more are refused before anything is allocated.
    pub fn read(r: &mut impl Read, available: u64) -> Result<Self, EngineError> {
        let mut left = available;
        let mut take = |bytes: u64| -> Result<(), EngineError> {
            left = left
                .checked_sub(bytes)
                .ok_or_else(|| malformed("it is shorter than its counts say"))?;
            Ok(())
        };
        take(24)?;
        let num_variables = read_u64(r).map_err(io_error)?;
        let num_constraints = read_u64(r).map_err(io_error)?;
        let num_coefficients = read_u64(r).map_err(io_error)?;
        if num_variables > u64::from(u32::MAX)
            || num_constraints >= u64::from(u32::MAX)
            || num_coefficients == 0
            || num_coefficients > u64::from(u32::MAX)
        {
            return Err(malformed("a count is out of range"));
        }
        take(num_coefficients * 32)?;
        let limbs =
            read_items(r, num_coefficients as usize, 32, |b| BigInt(limbs(b))).map_err(io_error)?;
        if limbs.iter().any(|l| *l >= Fr::MODULUS) {
            return Err(malformed("a coefficient is not a field element"));
        }
        let coefficients: Vec<Fr> = limbs.into_iter().map(Fr::new_unchecked).collect();
        if coefficients[0] != Fr::ONE {
            return Err(malformed("the first coefficient is not one"));
        }
        let mut read_rows = || -> Result<Rows, EngineError> {
            take(8)?;
            let total = read_u64(r).map_err(io_error)?;
            take((num_constraints + 1) * 4)?;
            take(
                total
                    .checked_mul(8)
                    .ok_or_else(|| malformed("a count is out of range"))?,
            )?;
            let starts: Vec<u32> = read_items(r, num_constraints as usize + 1, 4, |b| {
                u32::from_le_bytes([b[0], b[1], b[2], b[3]])
            })
            .map_err(io_error)?;
            let entries: Vec<Entry> = read_items(r, total as usize, 8, |b| Entry {
                column: u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
                coefficient: u32::from_le_bytes([b[4], b[5], b[6], b[7]]),
            })
            .map_err(io_error)?;
            if starts[0] != 0
                || u64::from(starts[starts.len() - 1]) != total
                || starts.par_windows(2).any(|w| w[0] > w[1])
            {
                return Err(malformed("its row starts are out of order"));
            }
            if entries.par_iter().any(|e| {
                u64::from(e.column) >= num_variables || u64::from(e.coefficient) >= num_coefficients
            }) {
                return Err(malformed(
                    "an entry names an unknown variable or coefficient",
                ));
            }
            Ok(Rows { starts, entries })
        };
        let rows = [read_rows()?, read_rows()?, read_rows()?];
        Ok(ConstraintMatrices {
            coefficients,
            rows,
            num_variables: num_variables as usize,
        })
    }
}

fn malformed(why: &str) -> EngineError {
    EngineError::Malformed(format!("stored constraint matrices: {why}"))
}

fn io_error(e: io::Error) -> EngineError {
    EngineError::Malformed(format!("stored constraint matrices: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::UniformRand;
    use rand::{rngs::StdRng, Rng, SeedableRng};

    fn random(rng: &mut StdRng, rows: usize, vars: usize) -> Vec<Matrix<Fr>> {
        let few = [Fr::from(2u64), Fr::from(5u64), -Fr::ONE, Fr::rand(rng)];
        (0..3)
            .map(|_| {
                (0..rows)
                    .map(|_| {
                        (0..rng.gen_range(0..6))
                            .map(|_| {
                                let c = match rng.gen_range(0..5) {
                                    0 => Fr::ONE,
                                    k => few[k - 1],
                                };
                                (c, rng.gen_range(0..vars))
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn rows_evaluate_as_arkworks_rows_do_and_survive_encoding() {
        let mut rng = StdRng::seed_from_u64(1);
        let (rows, vars) = (3000, 500);
        let ark = random(&mut rng, rows, vars);
        let m = ConstraintMatrices::new(ark.clone(), vars).unwrap();
        let z: Vec<Fr> = (0..vars).map(|_| Fr::rand(&mut rng)).collect();
        for (k, matrix) in ark.iter().enumerate() {
            let mut out = vec![Fr::ZERO; rows];
            m.evaluate(k, &z, &mut out);
            for (i, row) in matrix.iter().enumerate() {
                let want: Fr = row.iter().map(|(c, v)| *c * z[*v]).sum();
                assert_eq!(out[i], want, "matrix {k} row {i}");
            }
            let listed: Vec<(usize, Fr, usize)> = m.entries(k).collect();
            let expected: Vec<(usize, Fr, usize)> = matrix
                .iter()
                .enumerate()
                .flat_map(|(i, row)| row.iter().map(move |(c, v)| (i, *c, *v)))
                .collect();
            assert_eq!(listed, expected);
        }
        let mut bytes = Vec::new();
        m.write(&mut bytes).unwrap();
        let back = ConstraintMatrices::read(&mut &bytes[..], bytes.len() as u64).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn malformed_encodings_are_refused_before_use() {
        let mut rng = StdRng::seed_from_u64(2);
        let m = ConstraintMatrices::new(random(&mut rng, 50, 20), 20).unwrap();
        let mut bytes = Vec::new();
        m.write(&mut bytes).unwrap();
        let read = |b: &[u8]| ConstraintMatrices::read(&mut &b[..], b.len() as u64);
        // Truncated: refused by the length accounting, not by a short read.
        let err = read(&bytes[..bytes.len() - 1]).unwrap_err().to_string();
        assert!(err.contains("shorter than its counts"), "{err}");
        // A huge count is refused without allocating.
        let mut huge = bytes.clone();
        huge[16..24].copy_from_slice(&u64::from(u32::MAX).to_le_bytes());
        let err = read(&huge).unwrap_err().to_string();
        assert!(err.contains("shorter than its counts"), "{err}");
        // The last entry's column beyond the variables.
        let mut bad = bytes.clone();
        let n = bad.len();
        bad[n - 8..n - 4].copy_from_slice(&20u32.to_le_bytes());
        let err = read(&bad).unwrap_err().to_string();
        assert!(err.contains("unknown variable"), "{err}");
        // A coefficient that is not reduced.
        let mut bad = bytes.clone();
        bad[24 + 32..24 + 64].copy_from_slice(&[0xff; 32]);
        let err = read(&bad).unwrap_err().to_string();
        assert!(err.contains("not a field element"), "{err}");
    }
}
