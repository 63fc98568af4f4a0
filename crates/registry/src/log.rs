//! The log: an RFC 6962 Merkle tree over entries, with inclusion and consistency proofs.
//!
//! The tree arithmetic is `tlog_tiles` (Cloudflare's port of Go's `sumdb/tlog`, the code behind
//! Go's checksum database): leaf hash `SHA-256(0x00 || data)`, node hash
//! `SHA-256(0x01 || left || right)`, hashes kept in its "stored hash" order. This module adds an
//! in-memory store of those hashes and checks every size and proof length before handing them to
//! the crate, whose internal assertions must never see hostile numbers.
//!
//! An entry's leaf is a short text ([`EntryLeaf`]) that binds the bundle's SHA-256, the statement
//! identity, the submitter the registry authenticated and the time it accepted the bundle: the log
//! vouches for when and by whom a disclosure was made, and a verifier holding the bundle recomputes
//! the digest itself.

use crate::RegistryError;
use sha2::{Digest, Sha256};
pub use tlog_tiles::Hash;
use tlog_tiles::{HashReader, HASH_SIZE};
use zkgov_spec::bundle::Bundle;

/// The first line of every entry leaf; a change of meaning gets a new version.
pub const ENTRY_FORMAT: &str = "zkgov-registry-entry/v1";
/// Longest proof accepted (a tree of 2^64 leaves needs at most 64 hashes per proof; consistency
/// proofs at most twice that).
pub const MAX_PROOF_HASHES: usize = 128;
/// Longest submitter name.
pub const MAX_SUBMITTER_LEN: usize = 100;

/// The leaf hash of `data`: `SHA-256(0x00 || data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    tlog_tiles::record_hash(data)
}

/// Lower-case hex of a hash.
pub fn hash_hex(h: &Hash) -> String {
    hex::encode(h.0)
}

/// Parses 64 hex digits into a hash.
pub fn parse_hash_hex(what: &str, s: &str) -> Result<Hash, RegistryError> {
    let bytes = hex::decode(s)
        .ok()
        .filter(|b| b.len() == HASH_SIZE)
        .ok_or_else(|| RegistryError::malformed(what, "expected 64 hex digits"))?;
    let mut h = [0u8; HASH_SIZE];
    h.copy_from_slice(&bytes);
    Ok(Hash(h))
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The identity of what a bundle claims: SHA-256 of its claims' statements and key IDs, without
/// the proofs. Groth16 proofs are re-randomizable, so two different files can carry one claim;
/// the registry refuses a second publication of the same statements under this identity.
pub fn statement_identity(bundle: &Bundle) -> String {
    let parts: Vec<_> = bundle
        .claims
        .iter()
        .map(|c| {
            (
                &c.statement,
                &c.key_id,
                c.shards.as_ref().map(|s| &s.key_id),
            )
        })
        .collect();
    // Serializing plain data cannot fail.
    sha256_hex(&serde_json::to_vec(&parts).unwrap_or_default())
}

/// What one log entry says. Its text form is the leaf data.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EntryLeaf {
    /// When the registry accepted the bundle, seconds since the Unix epoch (UTC).
    pub time: u64,
    /// The submitter the registry authenticated (the developer publishing).
    pub submitter: String,
    /// SHA-256 of the bundle file's bytes, hex.
    pub bundle_sha256: String,
    /// The statement identity ([`statement_identity`]), hex.
    pub statement_sha256: String,
}

impl EntryLeaf {
    /// The leaf data: five lines, each ending in a newline.
    pub fn text(&self) -> String {
        format!(
            "{ENTRY_FORMAT}\ntime {}\nsubmitter {}\nbundle {}\nstatement {}\n",
            self.time, self.submitter, self.bundle_sha256, self.statement_sha256
        )
    }

    /// Parses leaf data, refusing anything that [`EntryLeaf::text`] would not have written.
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        let bad = |why: String| RegistryError::malformed("entry leaf", &why);
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("no final newline".into()))?;
        let lines: Vec<&str> = body.split('\n').collect();
        let [format, time, submitter, bundle, statement] = lines.as_slice() else {
            return Err(bad("expected five lines".into()));
        };
        if *format != ENTRY_FORMAT {
            return Err(bad(format!("expected first line {ENTRY_FORMAT}")));
        }
        let value = |line: &'_ str, name: &str| -> Result<String, RegistryError> {
            line.strip_prefix(name)
                .and_then(|l| l.strip_prefix(' '))
                .map(str::to_string)
                .ok_or_else(|| bad(format!("expected a `{name}` line")))
        };
        let leaf = EntryLeaf {
            time: value(time, "time")?
                .parse::<u64>()
                .map_err(|_| bad("time is not a number".into()))?,
            submitter: value(submitter, "submitter")?,
            bundle_sha256: value(bundle, "bundle")?,
            statement_sha256: value(statement, "statement")?,
        };
        check_submitter(&leaf.submitter)?;
        parse_hash_hex("bundle digest", &leaf.bundle_sha256)?;
        parse_hash_hex("statement digest", &leaf.statement_sha256)?;
        if leaf.text() != text {
            return Err(bad("not in canonical form".into()));
        }
        Ok(leaf)
    }

    /// The leaf hash of this entry.
    pub fn hash(&self) -> Hash {
        leaf_hash(self.text().as_bytes())
    }
}

/// A submitter name: 1 to 100 printable characters, no line breaks.
pub fn check_submitter(name: &str) -> Result<(), RegistryError> {
    if name.is_empty()
        || name.len() > MAX_SUBMITTER_LEN
        || name.chars().any(|c| c.is_control())
        || name.trim() != name
    {
        return Err(RegistryError::malformed(
            "submitter name",
            "expected 1 to 100 printable characters without surrounding spaces",
        ));
    }
    Ok(())
}

/// A leaf ready to be added: its index, the hashes it adds, and the root after it.
#[derive(Debug, Clone)]
pub struct PendingLeaf {
    /// The index it gets.
    pub index: u64,
    hashes: Vec<Hash>,
    /// The tree's root once it is added.
    pub root: Hash,
}

/// The tree's stored hashes followed by a pending leaf's.
struct Overlay<'a> {
    base: &'a MemoryTree,
    extra: &'a [Hash],
}

impl HashReader for Overlay<'_> {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        let stored = self.base.stored.len() as u64;
        indexes
            .iter()
            .map(|&i| {
                let found = if i < stored {
                    self.base.stored.get(i as usize)
                } else {
                    usize::try_from(i - stored)
                        .ok()
                        .and_then(|j| self.extra.get(j))
                };
                found.copied().ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

/// The tree's hashes, in memory, in `tlog_tiles`' stored-hash order (about two per leaf).
#[derive(Debug, Default, Clone)]
pub struct MemoryTree {
    stored: Vec<Hash>,
    size: u64,
}

impl HashReader for MemoryTree {
    fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, tlog_tiles::Error> {
        indexes
            .iter()
            .map(|&i| {
                usize::try_from(i)
                    .ok()
                    .and_then(|i| self.stored.get(i).copied())
                    .ok_or(tlog_tiles::Error::IndexesNotInTree)
            })
            .collect()
    }
}

impl MemoryTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf by its leaf hash; returns its index.
    pub fn append_hash(&mut self, leaf: Hash) -> Result<u64, RegistryError> {
        let pending = self.prepare(leaf)?;
        self.commit(pending)
    }

    /// Computes what appending `leaf` would add, and the root after it, without changing the
    /// tree: a writer stores the entry and signs the new root while readers still see the tree.
    pub fn prepare(&self, leaf: Hash) -> Result<PendingLeaf, RegistryError> {
        let log_error = |e: tlog_tiles::Error| RegistryError::Log(e.to_string());
        let index = self.size;
        let hashes =
            tlog_tiles::stored_hashes_for_record_hash(index, leaf, self).map_err(log_error)?;
        let overlay = Overlay {
            base: self,
            extra: &hashes,
        };
        let root = tlog_tiles::tree_hash(index + 1, &overlay).map_err(log_error)?;
        Ok(PendingLeaf {
            index,
            hashes,
            root,
        })
    }

    /// Adds a prepared leaf; refused if the tree changed since it was prepared.
    pub fn commit(&mut self, pending: PendingLeaf) -> Result<u64, RegistryError> {
        if pending.index != self.size {
            return Err(RegistryError::Log(format!(
                "leaf prepared at size {}, but the tree has {}",
                pending.index, self.size
            )));
        }
        self.stored.extend(pending.hashes);
        self.size += 1;
        Ok(pending.index)
    }

    /// Appends leaf data; returns its index.
    pub fn append(&mut self, data: &[u8]) -> Result<u64, RegistryError> {
        self.append_hash(leaf_hash(data))
    }

    /// The root of the first `size` leaves (`size` ≤ the tree's size).
    pub fn root_at(&self, size: u64) -> Result<Hash, RegistryError> {
        self.check_size("tree size", size)?;
        tlog_tiles::tree_hash(size, self).map_err(|e| RegistryError::Log(e.to_string()))
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        // The whole tree's size is always in range.
        self.root_at(self.size).unwrap_or_default()
    }

    /// The inclusion proof of leaf `index` in the tree of the first `size` leaves.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, RegistryError> {
        self.check_size("tree size", size)?;
        if index >= size {
            return Err(RegistryError::OutOfRange(format!(
                "entry {index} is not in a tree of {size}"
            )));
        }
        tlog_tiles::prove_record(size, index, self).map_err(|e| RegistryError::Log(e.to_string()))
    }

    /// The consistency proof from the tree of `old` leaves to the tree of `new` leaves.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, RegistryError> {
        self.check_size("tree size", new)?;
        if old > new {
            return Err(RegistryError::OutOfRange(format!(
                "size {old} is larger than size {new}"
            )));
        }
        if old == 0 {
            return Err(RegistryError::OutOfRange(
                "there is no consistency proof from the empty tree".into(),
            ));
        }
        tlog_tiles::prove_tree(new, old, self).map_err(|e| RegistryError::Log(e.to_string()))
    }

    fn check_size(&self, what: &str, size: u64) -> Result<(), RegistryError> {
        if size > self.size {
            return Err(RegistryError::OutOfRange(format!(
                "{what} {size} is beyond the log's {} entries",
                self.size
            )));
        }
        Ok(())
    }
}

/// Checks that `proof` shows the leaf with hash `leaf` at `index` in the tree of `size` leaves
/// whose root is `root`.
pub fn verify_inclusion(
    leaf: Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: Hash,
) -> Result<(), RegistryError> {
    if index >= size {
        return Err(RegistryError::Proof(format!(
            "entry {index} cannot be in a tree of {size}"
        )));
    }
    if proof.len() > MAX_PROOF_HASHES {
        return Err(RegistryError::Proof("inclusion proof too long".into()));
    }
    tlog_tiles::check_record(&proof.to_vec(), size, root, index, leaf).map_err(|_| {
        RegistryError::Proof(format!(
            "the inclusion proof of entry {index} does not lead to the root of the tree of {size}"
        ))
    })
}

/// Checks that `proof` shows the tree of `old_size` leaves with root `old_root` is a prefix of the
/// tree of `new_size` leaves with root `new_root`.
pub fn verify_consistency(
    old_size: u64,
    old_root: Hash,
    new_size: u64,
    new_root: Hash,
    proof: &[Hash],
) -> Result<(), RegistryError> {
    if old_size > new_size {
        return Err(RegistryError::Proof(format!(
            "size {new_size} is smaller than size {old_size}: a log never shrinks"
        )));
    }
    if proof.len() > MAX_PROOF_HASHES {
        return Err(RegistryError::Proof("consistency proof too long".into()));
    }
    if old_size == 0 {
        // As upstream (transparency-dev/merkle): there is no proof from the empty tree; a caller
        // that trusts nothing yet has nothing to check.
        return Err(RegistryError::Proof(
            "there is no consistency proof from the empty tree".into(),
        ));
    }
    tlog_tiles::check_tree(&proof.to_vec(), new_size, new_root, old_size, old_root).map_err(|_| {
        RegistryError::Proof(format!(
            "the tree of {new_size} does not extend the tree of {old_size} seen before"
        ))
    })
}

/// Hex-encodes a proof.
pub fn proof_hex(proof: &[Hash]) -> Vec<String> {
    proof.iter().map(hash_hex).collect()
}

/// Parses a hex-encoded proof, bounded in length.
pub fn parse_proof_hex(proof: &[String]) -> Result<Vec<Hash>, RegistryError> {
    if proof.len() > MAX_PROOF_HASHES {
        return Err(RegistryError::Proof("proof too long".into()));
    }
    proof
        .iter()
        .map(|h| parse_hash_hex("proof hash", h))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaf_round_trips_and_refuses_other_forms() {
        let leaf = EntryLeaf {
            time: 1_795_000_000,
            submitter: "Frontier Lab".into(),
            bundle_sha256: "ab".repeat(32),
            statement_sha256: "cd".repeat(32),
        };
        assert_eq!(EntryLeaf::parse(&leaf.text()).unwrap(), leaf);
        let text = leaf.text();
        for bad in [
            text.replace("v1", "v2"),
            text.replace("time 1", "time  1"),
            text.trim_end().to_string(),
            text.replace("Frontier Lab", "Frontier\rLab"),
            format!("{text}extra\n"),
        ] {
            assert!(EntryLeaf::parse(&bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn every_proof_of_small_trees_verifies_and_a_changed_one_does_not() {
        let mut t = MemoryTree::new();
        for i in 0..20u32 {
            t.append(&i.to_be_bytes()).unwrap();
        }
        for size in 1..=20 {
            let root = t.root_at(size).unwrap();
            for i in 0..size {
                let p = t.inclusion_proof(i, size).unwrap();
                let leaf = leaf_hash(&(i as u32).to_be_bytes());
                verify_inclusion(leaf, i, size, &p, root).unwrap();
                assert!(
                    verify_inclusion(leaf, (i + 1) % size, size, &p, root).is_err() || size == 1
                );
            }
            assert!(t.consistency_proof(0, size).is_err());
            for old in 1..=size {
                let p = t.consistency_proof(old, size).unwrap();
                let old_root = t.root_at(old).unwrap();
                verify_consistency(old, old_root, size, root, &p).unwrap();
                if old < size {
                    let other = leaf_hash(b"other");
                    assert!(verify_consistency(old, other, size, root, &p).is_err());
                }
            }
        }
        assert!(t.inclusion_proof(20, 20).is_err());
        // A prepared leaf gives the root the tree has once it is added, and only then counts.
        let pending = t.prepare(leaf_hash(b"next")).unwrap();
        assert_eq!(t.size(), 20);
        let stale = t.prepare(leaf_hash(b"other")).unwrap();
        let root = pending.root;
        assert_eq!(t.commit(pending).unwrap(), 20);
        assert_eq!(t.root(), root);
        assert!(t.commit(stale).is_err());
        assert!(t.consistency_proof(5, 22).is_err());
        assert!(verify_inclusion(Hash::default(), 3, 2, &[], Hash::default()).is_err());
        assert!(verify_consistency(5, Hash::default(), 4, Hash::default(), &[]).is_err());
    }
}
