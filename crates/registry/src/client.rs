//! Talking to a registry over HTTP (blocking), and the regulator's check that a bundle is
//! published: included under a checkpoint the log signed and enough trusted witnesses co-signed.
//!
//! Nothing the registry says is taken on trust: the entry's leaf must name the bundle's own
//! SHA-256, the checkpoint must verify under the policy's log key, the witnesses' cosignatures
//! under the policy's witness keys, and the inclusion proof must lead from the leaf to the
//! checkpoint's root.

use crate::{
    api::{self, ApiError, CosignatureSubmission, Published},
    log::{parse_proof_hex, sha256_hex, verify_consistency, verify_inclusion, EntryLeaf, Hash},
    note::{open_checkpoint, KeyRole, PublicKey},
    RegistryError,
};
use serde::de::DeserializeOwned;
use std::{io::Read, time::Duration};
use zkgov_policy::policy_file::RegistryRequirement;

/// Largest response read (a bundle is at most 16 MiB; an entry carries one).
const MAX_RESPONSE_BYTES: u64 = 20 << 20;

/// A registry at a base URL.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    /// A client of the registry at `url` (`http://host:port`).
    pub fn new(url: &str) -> Result<Client, RegistryError> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(RegistryError::malformed(
                "registry URL",
                "expected http://host:port",
            ));
        }
        Ok(Client {
            base: url.trim_end_matches('/').to_string(),
            agent: ureq::AgentBuilder::new()
                .timeout(Duration::from_secs(60))
                .build(),
        })
    }

    /// The base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    fn read(&self, r: Result<ureq::Response, ureq::Error>) -> Result<String, RegistryError> {
        let unreachable = |why: String| RegistryError::Unreachable {
            url: self.base.clone(),
            why,
        };
        let body = |resp: ureq::Response| -> Result<String, RegistryError> {
            let mut text = String::new();
            resp.into_reader()
                .take(MAX_RESPONSE_BYTES + 1)
                .read_to_string(&mut text)
                .map_err(|e| unreachable(e.to_string()))?;
            if text.len() as u64 > MAX_RESPONSE_BYTES {
                return Err(unreachable("the answer is too large".into()));
            }
            Ok(text)
        };
        match r {
            Ok(resp) => body(resp),
            Err(ureq::Error::Status(status, resp)) => {
                let text = body(resp).unwrap_or_default();
                let message = serde_json::from_str::<ApiError>(&text)
                    .map(|e| e.error)
                    .unwrap_or_else(|_| text.chars().take(200).collect());
                Err(RegistryError::Refused { status, message })
            }
            Err(e) => Err(unreachable(e.to_string())),
        }
    }

    fn get_text(&self, path: &str) -> Result<String, RegistryError> {
        self.read(self.agent.get(&format!("{}{path}", self.base)).call())
    }

    fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T, RegistryError> {
        let text = self.get_text(path)?;
        serde_json::from_str(&text).map_err(|e| RegistryError::Unreachable {
            url: self.base.clone(),
            why: format!("unreadable answer to {path}: {e}"),
        })
    }

    /// Publishes a bundle (its exact bytes) with a submitter token.
    pub fn publish(&self, token: &str, bundle: &str) -> Result<Published, RegistryError> {
        let text = self.read(
            self.agent
                .post(&format!("{}/api/v1/entries", self.base))
                .set("Authorization", &format!("Bearer {}", token.trim()))
                .set("Content-Type", "application/json")
                .send_string(bundle),
        )?;
        serde_json::from_str(&text).map_err(|e| RegistryError::Unreachable {
            url: self.base.clone(),
            why: format!("unreadable answer: {e}"),
        })
    }

    /// Entry `index`.
    pub fn entry(&self, index: u64) -> Result<api::Entry, RegistryError> {
        self.get_json(&format!("/api/v1/entries/{index}"))
    }

    /// The entry of a bundle, by its SHA-256.
    pub fn lookup(&self, bundle_sha256: &str) -> Result<api::Entry, RegistryError> {
        self.get_json(&format!("/api/v1/lookup/{bundle_sha256}"))
    }

    /// Entries from `start`.
    pub fn list(&self, start: u64, limit: u64) -> Result<api::EntryList, RegistryError> {
        self.get_json(&format!("/api/v1/entries?start={start}&limit={limit}"))
    }

    /// The newest checkpoint (signed note text with cosignatures).
    pub fn checkpoint(&self) -> Result<String, RegistryError> {
        self.get_text("/api/v1/checkpoint")
    }

    /// Newest co-signed checkpoints.
    pub fn cosigned(&self, limit: u64) -> Result<Vec<String>, RegistryError> {
        Ok(self
            .get_json::<api::CosignedList>(&format!("/api/v1/cosigned?limit={limit}"))?
            .checkpoints)
    }

    /// The inclusion proof of `index` in the tree of `size`.
    pub fn inclusion(&self, index: u64, size: u64) -> Result<Vec<Hash>, RegistryError> {
        let p: api::InclusionProof = self.get_json(&format!(
            "/api/v1/proof/inclusion?index={index}&size={size}"
        ))?;
        parse_proof_hex(&p.proof)
    }

    /// The consistency proof from `from` to `to`.
    pub fn consistency(&self, from: u64, to: u64) -> Result<Vec<Hash>, RegistryError> {
        let p: api::ConsistencyProof =
            self.get_json(&format!("/api/v1/proof/consistency?from={from}&to={to}"))?;
        parse_proof_hex(&p.proof)
    }

    /// Sends a witness's cosignature.
    pub fn cosign(&self, submission: &CosignatureSubmission) -> Result<(), RegistryError> {
        let body = serde_json::to_string(submission).unwrap_or_default();
        self.read(
            self.agent
                .post(&format!("{}/api/v1/cosignatures", self.base))
                .set("Content-Type", "application/json")
                .send_string(&body),
        )
        .map(|_| ())
    }

    /// `/healthz`.
    pub fn health(&self) -> Result<api::Health, RegistryError> {
        self.get_json("/healthz")
    }
}

/// What a policy trusts about a registry, parsed.
#[derive(Debug)]
pub struct RegistryTrust {
    /// The log's key.
    pub log: PublicKey,
    /// The trusted witnesses.
    pub witnesses: Vec<PublicKey>,
    /// How many must have co-signed.
    pub quorum: usize,
}

impl RegistryTrust {
    /// Parses a policy's `[registry]` section.
    pub fn from_policy(r: &RegistryRequirement) -> Result<Self, RegistryError> {
        let log = PublicKey::parse_role("registry.log_key", &r.log_key, KeyRole::Log)?;
        let witnesses = r
            .witnesses
            .iter()
            .map(|w| PublicKey::parse_role("registry.witnesses", w, KeyRole::Witness))
            .collect::<Result<Vec<_>, _>>()?;
        if r.witness_quorum > witnesses.len() {
            return Err(RegistryError::malformed(
                "registry.witness_quorum",
                "more witnesses are required than listed",
            ));
        }
        Ok(RegistryTrust {
            log,
            witnesses,
            quorum: r.witness_quorum,
        })
    }
}

/// A bundle shown to be published.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Publication {
    /// The log's origin.
    pub origin: String,
    /// The entry's index.
    pub index: u64,
    /// The entry (time, submitter, digests), as the log recorded it.
    pub leaf: EntryLeaf,
    /// The size of the checkpoint the inclusion was checked under.
    pub checkpoint_size: u64,
    /// The trusted witnesses that co-signed that checkpoint.
    pub witnesses: Vec<String>,
}

impl Publication {
    /// In words, for a verdict.
    pub fn describe(&self) -> String {
        let seen = if self.witnesses.is_empty() {
            "no witness required".to_string()
        } else {
            format!("seen by witnesses {}", self.witnesses.join(", "))
        };
        format!(
            "published in {} at index {} on {} by {}, {} (checkpoint of size {})",
            self.origin,
            self.index,
            crate::page::utc(self.leaf.time),
            self.leaf.submitter,
            seen,
            self.checkpoint_size
        )
    }
}

/// Checks that the bundle with these exact bytes is published in the registry under `trust`.
pub fn check_published(
    client: &Client,
    bundle: &[u8],
    trust: &RegistryTrust,
) -> Result<Publication, RegistryError> {
    let digest = sha256_hex(bundle);
    let entry = client.lookup(&digest)?;
    let leaf = EntryLeaf::parse(&entry.leaf_text)?;
    if leaf.bundle_sha256 != digest {
        return Err(RegistryError::Proof(format!(
            "the registry answered with entry {} of another bundle",
            entry.index
        )));
    }
    let candidates = if trust.quorum == 0 {
        vec![client.checkpoint()?]
    } else {
        client.cosigned(api::MAX_LIST)?
    };
    let mut best_seen = 0;
    for note in candidates {
        let c = open_checkpoint(&note, &trust.log, &trust.witnesses)?;
        best_seen = best_seen.max(c.witnesses.len());
        if c.witnesses.len() < trust.quorum || c.size <= entry.index {
            continue;
        }
        let proof = client.inclusion(entry.index, c.size)?;
        verify_inclusion(leaf.hash(), entry.index, c.size, &proof, c.root)?;
        return Ok(Publication {
            origin: c.origin,
            index: entry.index,
            leaf,
            checkpoint_size: c.size,
            witnesses: c.witnesses,
        });
    }
    Err(RegistryError::Proof(format!(
        "entry {} is not yet under a checkpoint co-signed by {} of the policy's witnesses \
         (the most seen on any checkpoint: {best_seen})",
        entry.index, trust.quorum
    )))
}

/// Checks that the checkpoint `new` extends `old` (both verified), fetching the proof.
pub fn check_extends(
    client: &Client,
    old: &crate::note::VerifiedCheckpoint,
    new: &crate::note::VerifiedCheckpoint,
) -> Result<(), RegistryError> {
    if new.size < old.size {
        return Err(RegistryError::SplitView(format!(
            "the log shows size {} after size {}: a log never shrinks",
            new.size, old.size
        )));
    }
    if new.size == old.size {
        return if new.root == old.root {
            Ok(())
        } else {
            Err(RegistryError::SplitView(format!(
                "two checkpoints of size {} with different roots",
                new.size
            )))
        };
    }
    if old.size == 0 {
        return Ok(());
    }
    let proof = client.consistency(old.size, new.size)?;
    verify_consistency(old.size, old.root, new.size, new.root, &proof)
        .map_err(|e| RegistryError::SplitView(e.to_string()))
}

/// One policy's publication check of one bundle.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PolicyPublication {
    /// The policy's id.
    pub policy_id: String,
    /// Whether publication is shown under the policy's `[registry]` trust.
    pub published: bool,
    /// The publication, when shown.
    pub publication: Option<Publication>,
    /// In words: where and when it was published and who saw it, or why that is not shown.
    pub summary: String,
}

/// Checks a bundle's publication under every policy that has a `[registry]` section. Policies
/// without one are skipped; with none at all, the answer is an error (the regulator's trust in a
/// log and its witnesses lives in its policies).
pub fn check_publications(
    url: &str,
    bundle: &[u8],
    policies: &[zkgov_policy::Policy],
) -> Result<Vec<PolicyPublication>, RegistryError> {
    let client = Client::new(url)?;
    let with_registry: Vec<_> = policies
        .iter()
        .filter_map(|p| p.registry.as_ref().map(|r| (p, r)))
        .collect();
    if with_registry.is_empty() {
        return Err(RegistryError::malformed(
            "--registry",
            "give a --policy with a [registry] section: it names the log key and the witnesses you trust",
        ));
    }
    Ok(with_registry
        .into_iter()
        .map(|(p, r)| {
            let result = RegistryTrust::from_policy(r)
                .and_then(|trust| check_published(&client, bundle, &trust));
            match result {
                Ok(publication) => PolicyPublication {
                    policy_id: p.id.clone(),
                    published: true,
                    summary: publication.describe(),
                    publication: Some(publication),
                },
                Err(e) => PolicyPublication {
                    policy_id: p.id.clone(),
                    published: false,
                    publication: None,
                    summary: format!("publication NOT SHOWN: {e}"),
                },
            }
        })
        .collect())
}

/// A proof fetched from a registry and checked against its newest signed checkpoint.
#[derive(Debug, Clone)]
pub struct CheckedProof {
    /// The checkpoint the proof was checked under.
    pub checkpoint: crate::note::VerifiedCheckpoint,
    /// The proof's hashes.
    pub proof: Vec<Hash>,
}

fn newest_checkpoint(
    client: &Client,
    log: &PublicKey,
) -> Result<crate::note::VerifiedCheckpoint, RegistryError> {
    open_checkpoint(&client.checkpoint()?, log, &[])
}

/// Fetches entry `index` and its inclusion proof under the newest checkpoint signed by `log`, and
/// checks both (the leaf hash is computed here from the served leaf).
pub fn checked_inclusion(
    client: &Client,
    log: &PublicKey,
    index: u64,
) -> Result<CheckedProof, RegistryError> {
    let checkpoint = newest_checkpoint(client, log)?;
    let leaf = EntryLeaf::parse(&client.entry(index)?.leaf_text)?;
    let proof = client.inclusion(index, checkpoint.size)?;
    verify_inclusion(leaf.hash(), index, checkpoint.size, &proof, checkpoint.root)?;
    Ok(CheckedProof { checkpoint, proof })
}

/// Fetches the consistency proof from a size and root the caller recorded to the newest
/// checkpoint signed by `log`, and checks it.
pub fn checked_consistency(
    client: &Client,
    log: &PublicKey,
    from: u64,
    from_root: Hash,
) -> Result<CheckedProof, RegistryError> {
    let checkpoint = newest_checkpoint(client, log)?;
    let proof = client.consistency(from, checkpoint.size)?;
    verify_consistency(from, from_root, checkpoint.size, checkpoint.root, &proof)?;
    Ok(CheckedProof { checkpoint, proof })
}
