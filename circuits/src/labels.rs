//! Names for blocks of constraints.
//!
//! arkworks names an unsatisfied constraint only through a tracing layer; instead each circuit
//! records, as it synthesizes, the index at which every named block starts. A test then maps the
//! index `which_is_unsatisfied` reports back to the block, and asserts that a lying witness fails
//! the check it was meant to break and no other.

use ark_bn254::Fr;
use ark_relations::gr1cs::ConstraintSystemRef;

/// Start indices of named constraint blocks, in synthesis order.
#[derive(Debug, Default, Clone)]
pub struct Labels {
    starts: Vec<(usize, String)>,
    enabled: bool,
}

impl Labels {
    /// A recorder that keeps labels (for tests and diagnostics).
    pub fn recording() -> Self {
        Labels {
            starts: Vec::new(),
            enabled: true,
        }
    }

    /// A recorder that keeps nothing (for proving).
    pub fn off() -> Self {
        Labels::default()
    }

    /// Marks that the constraints added from now on belong to `name`.
    pub fn mark(&mut self, cs: &ConstraintSystemRef<Fr>, name: impl FnOnce() -> String) {
        if self.enabled {
            self.starts.push((cs.num_constraints(), name()));
        }
    }

    /// The block that constraint `index` belongs to.
    pub fn block_of(&self, index: usize) -> Option<&str> {
        self.starts
            .iter()
            .rev()
            .find(|(s, _)| *s <= index)
            .map(|(_, n)| n.as_str())
    }

    /// The block of the first unsatisfied constraint of `cs`, or `None` when `cs` is satisfied.
    pub fn first_unsatisfied(&self, cs: &ConstraintSystemRef<Fr>) -> Option<String> {
        let which = cs.which_is_unsatisfied().ok()??;
        let index: usize = which.rsplit(" - ").next()?.trim().parse().ok()?;
        Some(
            self.block_of(index)
                .map_or_else(|| format!("unlabelled constraint {index}"), str::to_string),
        )
    }

    /// `Ok(())` when `cs` is satisfied, else the check its first unsatisfied constraint belongs
    /// to, without the slot or level the block names (`"record 3: seconds range"` gives
    /// `"seconds range"`): the name the native checkers return.
    pub fn verdict(&self, cs: &ConstraintSystemRef<Fr>) -> Result<(), String> {
        match self.first_unsatisfied(cs) {
            None => Ok(()),
            Some(block) => Err(block.rsplit(": ").next().unwrap_or(&block).to_string()),
        }
    }
}
