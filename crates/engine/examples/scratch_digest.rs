use ark_serialize::CanonicalSerialize;
use std::hash::{Hash, Hasher};
use std::time::Instant;
use zkgov_circuits::Circuit;
use zkgov_engine::PreparedCircuit;
fn main() {
    for cap in std::env::args().skip(1).map(|a| a.parse::<u64>().unwrap()) {
        for c in Circuit::ALL {
            let t = Instant::now();
            let p = PreparedCircuit::new(c.blank(cap).unwrap()).unwrap();
            let el = t.elapsed();
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for m in p.matrices() {
                for row in m {
                    row.len().hash(&mut h);
                    for (f, v) in row {
                        let mut b = Vec::new();
                        f.serialize_uncompressed(&mut b).unwrap();
                        b.hash(&mut h);
                        v.hash(&mut h);
                    }
                }
            }
            println!(
                "{} cap {cap}: {} {:.2}s",
                c.name(),
                format!("{:016x}", h.finish()),
                el.as_secs_f64()
            );
        }
    }
}
