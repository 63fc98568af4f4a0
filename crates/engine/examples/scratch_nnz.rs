use std::time::Instant;
use zkgov_circuits::Circuit;
use zkgov_engine::PreparedCircuit;
fn main() {
    for cap in std::env::args().skip(1).map(|a| a.parse::<u64>().unwrap()) {
        let t = Instant::now();
        let p = PreparedCircuit::new(Circuit::Compute.blank(cap).unwrap()).unwrap();
        let el = t.elapsed();
        distinct(&p);
        for (k, m) in p.matrices().iter().enumerate() {
            let nnz: usize = m.iter().map(|r| r.len()).sum();
            let max = m.iter().map(|r| r.len()).max().unwrap_or(0);
            let mut lens: Vec<usize> = m.iter().map(|r| r.len()).collect();
            lens.sort_unstable();
            let p99 = lens[lens.len() * 99 / 100];
            println!(
                "cap {cap} matrix {k}: rows {} nnz {nnz} max {max} p99 {p99}",
                m.len()
            );
        }
        println!(
            "cap {cap}: constraints {} vars {} build {:.2}s",
            p.num_constraints(),
            p.num_inputs() + p.num_witnesses(),
            el.as_secs_f64()
        );
    }
}
#[allow(dead_code)]
fn distinct(p: &PreparedCircuit) {
    use ark_ff::{One, PrimeField};
    for (k, m) in p.matrices().iter().enumerate() {
        let mut set = std::collections::HashSet::new();
        let mut ones = 0usize;
        let mut small = 0usize;
        for row in m {
            for (c, _) in row {
                if c.is_one() {
                    ones += 1;
                } else if c.into_bigint().0[1..].iter().all(|x| *x == 0) {
                    small += 1;
                }
                set.insert(c.into_bigint().0);
            }
        }
        println!(
            "matrix {k}: distinct {} ones {ones} small(<2^64) {small}",
            set.len()
        );
    }
}
