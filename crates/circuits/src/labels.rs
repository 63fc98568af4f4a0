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

    /// The block of the first unsatisfied constraint of `cs`: `Ok(None)` when `cs` is satisfied,
    /// and an error when arkworks cannot tell (a system without an assignment) or names the
    /// constraint without its index (a trace, when a tracing subscriber is installed). A system
    /// whose state is unknown is never reported as satisfied.
    pub fn first_unsatisfied(
        &self,
        cs: &ConstraintSystemRef<Fr>,
    ) -> Result<Option<String>, String> {
        let which = cs
            .which_is_unsatisfied()
            .map_err(|e| format!("cannot check the constraints: {e}"))?;
        let Some(which) = which else {
            return Ok(None);
        };
        let index: usize = which
            .rsplit(" - ")
            .next()
            .and_then(|i| i.trim().parse().ok())
            .ok_or_else(|| {
                format!("an unsatisfied constraint is reported as {which:?}, without its index")
            })?;
        Ok(Some(self.block_of(index).map_or_else(
            || format!("unlabelled constraint {index}"),
            str::to_string,
        )))
    }

    /// `Ok(())` when `cs` is satisfied, else the check its first unsatisfied constraint belongs
    /// to, without the slot or level the block names (`"record 3: seconds range"` gives
    /// `"seconds range"`): the name the native checkers return. When the unsatisfied constraint
    /// cannot be named, the error says so (it matches no native checker's name).
    pub fn verdict(&self, cs: &ConstraintSystemRef<Fr>) -> Result<(), String> {
        match self.first_unsatisfied(cs)? {
            None => Ok(()),
            Some(block) => Err(block.rsplit(": ").next().unwrap_or(&block).to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_relations::gr1cs::{ConstraintSystem, LinearCombination, SynthesisMode, Variable};
    use tracing_subscriber::util::SubscriberInitExt;

    /// A system with the one constraint `1 · 1 = 0`, which no assignment satisfies (in setup
    /// mode, without an assignment, when `setup`).
    fn unsatisfiable(labels: &mut Labels, setup: bool) -> ConstraintSystemRef<Fr> {
        let cs = ConstraintSystem::<Fr>::new_ref();
        if setup {
            cs.set_mode(SynthesisMode::Setup);
        }
        labels.mark(&cs, || "record 0: one is zero".into());
        let one = || LinearCombination::from(Variable::One);
        cs.enforce_r1cs_constraint(one, one, LinearCombination::zero)
            .unwrap();
        cs
    }

    #[test]
    fn an_unsatisfied_constraint_is_named() {
        let mut labels = Labels::recording();
        let cs = unsatisfiable(&mut labels, false);
        assert_eq!(labels.verdict(&cs), Err("one is zero".to_string()));
    }

    /// With a tracing subscriber installed, arkworks reports the unsatisfied constraint by its
    /// trace, which carries no index: once that parsed as nothing and the system was called
    /// satisfied.
    #[test]
    fn an_unparseable_report_is_an_error_not_satisfied() {
        let _subscriber = tracing_subscriber::registry().set_default();
        let _span = ark_relations::gr1cs::info_span!(target: "gr1cs", "traced").entered();
        let mut labels = Labels::recording();
        let cs = unsatisfiable(&mut labels, false);
        let e = labels.verdict(&cs).unwrap_err();
        assert!(e.contains("without its index"), "{e}");
    }

    /// A system in setup mode has no assignment to check: an error, not "satisfied".
    #[test]
    fn a_system_without_an_assignment_is_an_error_not_satisfied() {
        let mut labels = Labels::recording();
        let cs = unsatisfiable(&mut labels, true);
        let e = labels.verdict(&cs).unwrap_err();
        assert!(e.contains("cannot check the constraints"), "{e}");
    }
}
