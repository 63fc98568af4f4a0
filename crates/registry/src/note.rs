//! Signed checkpoints: C2SP `tlog-checkpoint` text in a C2SP `signed-note`, signed by the log's
//! ed25519 key (signature type 0x01) and co-signed by witnesses with C2SP `tlog-cosignature`
//! (`cosignature/v1`, signature type 0x04: the witness signs `cosignature/v1\ntime T\n` followed
//! by the checkpoint text, and the signature carries T).
//!
//! Note parsing, the ed25519 note keys and signature lines come from the `signed_note` crate (a
//! port of Go's `sumdb/note`); the checkpoint body from `tlog_tiles`. The cosignature/v1 key type
//! is not in `signed_note`, so it is written here.

use crate::{log::Hash, RegistryError};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use rand::rngs::OsRng;
use signed_note::{Note, Signer, StandardSigner, StandardVerifier, Verifier, VerifierList};
use tlog_tiles::Checkpoint;

const ALG_ED25519: u8 = 0x01;
const ALG_COSIGNATURE_V1: u8 = 0x04;

/// Which kind of key: the log's own (signs checkpoints) or a witness's (co-signs them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// The log's checkpoint key (ed25519 note signature, type 0x01).
    Log,
    /// A witness key (`cosignature/v1`, type 0x04).
    Witness,
}

impl KeyRole {
    fn alg(self) -> u8 {
        match self {
            KeyRole::Log => ALG_ED25519,
            KeyRole::Witness => ALG_COSIGNATURE_V1,
        }
    }
}

/// A signing key of either role, with its name and public key string (`name+id+base64`).
pub struct NoteKey {
    name: String,
    role: KeyRole,
    key: SigningKey,
}

impl std::fmt::Debug for NoteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NoteKey({})", self.verifier_key())
    }
}

fn key_bytes(alg: u8, key: &[u8; 32]) -> Vec<u8> {
    let mut v = Vec::with_capacity(33);
    v.push(alg);
    v.extend_from_slice(key);
    v
}

fn check_name(name: &str) -> Result<(), RegistryError> {
    if !signed_note::is_key_name_valid(name) || name.len() > 200 {
        return Err(RegistryError::malformed(
            "key name",
            "expected 1 to 200 characters without spaces or '+'",
        ));
    }
    Ok(())
}

impl NoteKey {
    /// A fresh key.
    pub fn generate(name: &str, role: KeyRole) -> Result<Self, RegistryError> {
        check_name(name)?;
        Ok(NoteKey {
            name: name.to_string(),
            role,
            key: SigningKey::generate(&mut OsRng),
        })
    }

    /// Parses a secret key string `PRIVATE+KEY+name+id+base64(type || seed)`.
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        let bad = || RegistryError::malformed("secret key", "expected PRIVATE+KEY+name+id+key");
        let rest = text.trim().strip_prefix("PRIVATE+KEY+").ok_or_else(bad)?;
        let (name, rest) = rest.split_once('+').ok_or_else(bad)?;
        let (id, b64) = rest.split_once('+').ok_or_else(bad)?;
        check_name(name)?;
        let raw = BASE64.decode(b64).map_err(|_| bad())?;
        let (role, seed) = match raw.split_first() {
            Some((&ALG_ED25519, seed)) => (KeyRole::Log, seed),
            Some((&ALG_COSIGNATURE_V1, seed)) => (KeyRole::Witness, seed),
            _ => return Err(RegistryError::malformed("secret key", "unknown key type")),
        };
        let seed: [u8; 32] = seed.try_into().map_err(|_| bad())?;
        let key = NoteKey {
            name: name.to_string(),
            role,
            key: SigningKey::from_bytes(&seed),
        };
        if format!("{:08x}", key.id()) != id {
            return Err(RegistryError::malformed(
                "secret key",
                "its key ID does not match its key",
            ));
        }
        Ok(key)
    }

    /// The secret key string (keep it private).
    pub fn secret_key(&self) -> String {
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.name,
            self.id(),
            BASE64.encode(key_bytes(self.role.alg(), &self.key.to_bytes()))
        )
    }

    /// The public verifier key string `name+id+base64(type || public key)`.
    pub fn verifier_key(&self) -> String {
        format!(
            "{}+{:08x}+{}",
            self.name,
            self.id(),
            BASE64.encode(self.public_bytes())
        )
    }

    /// The key's name (for the log: its origin).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The key's role.
    pub fn role(&self) -> KeyRole {
        self.role
    }

    fn public_bytes(&self) -> Vec<u8> {
        key_bytes(self.role.alg(), self.key.verifying_key().as_bytes())
    }

    fn id(&self) -> u32 {
        signed_note::key_id(&self.name, &self.public_bytes())
    }

    fn as_log_signer(&self) -> Result<StandardSigner, RegistryError> {
        StandardSigner::new(&self.secret_key())
            .map_err(|e| RegistryError::malformed("log key", &e.to_string()))
    }

    /// Signs the checkpoint of a tree as the log: the signed note's bytes.
    pub fn sign_checkpoint(&self, size: u64, root: Hash) -> Result<String, RegistryError> {
        if self.role != KeyRole::Log {
            return Err(RegistryError::malformed(
                "log key",
                "a witness key cannot sign checkpoints",
            ));
        }
        let checkpoint = Checkpoint::new(&self.name, size, root, "")
            .map_err(|e| RegistryError::Log(e.to_string()))?;
        let mut note = Note::new(&checkpoint.to_bytes(), &[]).map_err(note_error)?;
        let signer = self.as_log_signer()?;
        note.add_sigs(&[&signer]).map_err(note_error)?;
        String::from_utf8(note.to_bytes()).map_err(|_| RegistryError::Log("note not UTF-8".into()))
    }

    /// Co-signs a checkpoint note as a witness, at `time` (seconds since the epoch): the
    /// signature line to add to the note.
    pub fn cosign(&self, note: &str, time: u64) -> Result<String, RegistryError> {
        if self.role != KeyRole::Witness {
            return Err(RegistryError::malformed(
                "witness key",
                "a log key cannot co-sign",
            ));
        }
        let parsed = Note::from_bytes(note.as_bytes()).map_err(note_error)?;
        let signer = Cosigner { key: self, time };
        let sig = signer
            .sign(parsed.text())
            .map_err(|e| RegistryError::Log(e.to_string()))?;
        let line = signed_note::Signature::new(self.name.clone(), self.id(), sig)
            .map_err(note_error)?
            .to_bytes();
        String::from_utf8(line).map_err(|_| RegistryError::Log("note not UTF-8".into()))
    }
}

fn cosigned_message(time: u64, text: &[u8]) -> Vec<u8> {
    let mut m = format!("cosignature/v1\ntime {time}\n").into_bytes();
    m.extend_from_slice(text);
    m
}

struct Cosigner<'a> {
    key: &'a NoteKey,
    time: u64,
}

impl Signer for Cosigner<'_> {
    fn name(&self) -> &str {
        &self.key.name
    }
    fn key_id(&self) -> u32 {
        self.key.id()
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let sig = self.key.key.sign(&cosigned_message(self.time, msg));
        let mut out = self.time.to_be_bytes().to_vec();
        out.extend_from_slice(&sig.to_bytes());
        Ok(out)
    }
}

#[derive(Clone)]
struct CosignatureVerifier {
    name: String,
    id: u32,
    key: VerifyingKey,
}

impl Verifier for CosignatureVerifier {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> u32 {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        let Some((time, sig)) = sig.split_first_chunk::<8>() else {
            return false;
        };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(sig) else {
            return false;
        };
        self.key
            .verify(&cosigned_message(u64::from_be_bytes(*time), msg), &sig)
            .is_ok()
    }
}

/// A parsed public key string of a log or a witness.
pub struct PublicKey {
    /// The key's name.
    pub name: String,
    /// Its role, from its type byte.
    pub role: KeyRole,
    verifier: Inner,
}

#[derive(Clone)]
enum Inner {
    Log(StandardVerifier),
    Witness(CosignatureVerifier),
}

impl Inner {
    fn get(&self) -> &dyn Verifier {
        match self {
            Inner::Log(v) => v,
            Inner::Witness(v) => v,
        }
    }
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "PublicKey({}+{:08x})",
            self.name,
            self.verifier.get().key_id()
        )
    }
}

impl PublicKey {
    /// Parses `name+id+base64(type || key)`; `what` names the key in errors.
    pub fn parse(what: &str, text: &str) -> Result<Self, RegistryError> {
        let bad = |why: &str| RegistryError::malformed(what, why);
        let text = text.trim();
        let (name, rest) = text
            .split_once('+')
            .ok_or_else(|| bad("expected name+id+key"))?;
        let (id, b64) = rest
            .split_once('+')
            .ok_or_else(|| bad("expected name+id+key"))?;
        check_name(name)?;
        let raw = BASE64.decode(b64).map_err(|_| bad("key is not base64"))?;
        if id.len() != 8
            || u32::from_str_radix(id, 16).ok() != Some(signed_note::key_id(name, &raw))
        {
            return Err(bad("its key ID does not match its key"));
        }
        match raw.split_first() {
            Some((&ALG_ED25519, _)) => Ok(PublicKey {
                name: name.into(),
                role: KeyRole::Log,
                verifier: Inner::Log(StandardVerifier::new(text).map_err(|e| bad(&e.to_string()))?),
            }),
            Some((&ALG_COSIGNATURE_V1, key)) => {
                let key: [u8; 32] = key.try_into().map_err(|_| bad("expected 32 key bytes"))?;
                let key = VerifyingKey::from_bytes(&key).map_err(|_| bad("not an ed25519 key"))?;
                Ok(PublicKey {
                    name: name.into(),
                    role: KeyRole::Witness,
                    verifier: Inner::Witness(CosignatureVerifier {
                        name: name.into(),
                        id: signed_note::key_id(name, &raw),
                        key,
                    }),
                })
            }
            _ => Err(bad("unknown key type")),
        }
    }

    /// Parses a key that must have `role`.
    pub fn parse_role(what: &str, text: &str, role: KeyRole) -> Result<Self, RegistryError> {
        let k = Self::parse(what, text)?;
        if k.role != role {
            return Err(RegistryError::malformed(
                what,
                match role {
                    KeyRole::Log => "expected a log key (type 0x01), got a witness key",
                    KeyRole::Witness => "expected a witness key (cosignature/v1), got a log key",
                },
            ));
        }
        Ok(k)
    }

    fn key_id(&self) -> u32 {
        self.verifier.get().key_id()
    }

    fn boxed(&self) -> Box<dyn Verifier> {
        match &self.verifier {
            Inner::Log(v) => Box::new(v.clone()),
            Inner::Witness(v) => Box::new(v.clone()),
        }
    }
}

/// A checkpoint whose log signature (and any known witnesses' cosignatures) verified.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedCheckpoint {
    /// The log's origin.
    pub origin: String,
    /// The tree size.
    pub size: u64,
    /// The tree root.
    pub root: Hash,
    /// The checkpoint text (what was signed).
    pub text: String,
    /// The names of the given witnesses whose cosignatures verified.
    pub witnesses: Vec<String>,
}

fn note_error(e: signed_note::NoteError) -> RegistryError {
    RegistryError::Checkpoint(e.to_string())
}

/// Opens a signed checkpoint: the log's signature must verify under `log`; every signature by a
/// key in `witnesses` must verify (a bad one is an error, not a missing one); signatures by other
/// keys are ignored.
pub fn open_checkpoint(
    note: &str,
    log: &PublicKey,
    witnesses: &[PublicKey],
) -> Result<VerifiedCheckpoint, RegistryError> {
    let parsed = Note::from_bytes(note.as_bytes()).map_err(note_error)?;
    let mut list: Vec<Box<dyn Verifier>> = vec![log.boxed()];
    for w in witnesses {
        list.push(w.boxed());
    }
    let (verified, _unknown) = parsed
        .verify(&VerifierList::new(list))
        .map_err(|e| match e {
            signed_note::NoteError::UnverifiedNote => {
                RegistryError::Checkpoint(format!("not signed by the log key {}", log.name))
            }
            e => note_error(e),
        })?;
    if !verified
        .iter()
        .any(|s| s.name() == log.name && s.id() == log.key_id())
    {
        return Err(RegistryError::Checkpoint(format!(
            "not signed by the log key {}",
            log.name
        )));
    }
    let checkpoint = Checkpoint::from_bytes(parsed.text())
        .map_err(|_| RegistryError::Checkpoint("malformed checkpoint text".into()))?;
    if checkpoint.origin() != log.name {
        return Err(RegistryError::Checkpoint(format!(
            "checkpoint of log {}, expected {}",
            checkpoint.origin(),
            log.name
        )));
    }
    if !checkpoint.extension().is_empty() {
        return Err(RegistryError::Checkpoint(
            "unexpected extension lines".into(),
        ));
    }
    let witnesses = witnesses
        .iter()
        .filter(|w| {
            verified
                .iter()
                .any(|s| s.name() == w.name && s.id() == w.key_id())
        })
        .map(|w| w.name.clone())
        .collect();
    Ok(VerifiedCheckpoint {
        origin: checkpoint.origin().to_string(),
        size: checkpoint.size(),
        root: *checkpoint.hash(),
        text: String::from_utf8_lossy(parsed.text()).into_owned(),
        witnesses,
    })
}

/// Adds signature lines to a note (as the registry does when serving co-signed checkpoints).
pub fn with_signature_lines(note: &str, lines: &[String]) -> String {
    let mut out = note.to_string();
    for l in lines {
        out.push_str(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_and_witness_signatures_verify_and_forgeries_do_not() {
        let log = NoteKey::generate("registry.example/zkgov", KeyRole::Log).unwrap();
        let w1 = NoteKey::generate("witness.ruritania", KeyRole::Witness).unwrap();
        let w2 = NoteKey::generate("witness.freedonia", KeyRole::Witness).unwrap();
        let log_pub = PublicKey::parse_role("log key", &log.verifier_key(), KeyRole::Log).unwrap();
        let w_pub: Vec<_> = [&w1, &w2]
            .iter()
            .map(|w| PublicKey::parse_role("w", &w.verifier_key(), KeyRole::Witness).unwrap())
            .collect();
        // Keys round-trip through their secret strings.
        assert_eq!(
            NoteKey::parse(&w1.secret_key()).unwrap().verifier_key(),
            w1.verifier_key()
        );
        let root = crate::log::leaf_hash(b"x");
        let note = log.sign_checkpoint(7, root).unwrap();
        let c = open_checkpoint(&note, &log_pub, &w_pub).unwrap();
        assert_eq!((c.size, c.root, c.witnesses.len()), (7, root, 0));
        let line = w1.cosign(&note, 1_795_000_000).unwrap();
        let cosigned = with_signature_lines(&note, std::slice::from_ref(&line));
        let c = open_checkpoint(&cosigned, &log_pub, &w_pub).unwrap();
        assert_eq!(c.witnesses, vec!["witness.ruritania".to_string()]);
        // A cosignature over another checkpoint does not verify on this one.
        let other = log.sign_checkpoint(8, root).unwrap();
        let foreign = w2.cosign(&other, 1).unwrap();
        assert!(
            open_checkpoint(&with_signature_lines(&note, &[foreign]), &log_pub, &w_pub).is_err()
        );
        // Another key under the log's name is not the log.
        let impostor = NoteKey::generate("registry.example/zkgov", KeyRole::Log).unwrap();
        let forged = impostor.sign_checkpoint(7, root).unwrap();
        assert!(open_checkpoint(&forged, &log_pub, &w_pub).is_err());
        // A changed size under the real signature fails.
        let tampered = note.replacen("\n7\n", "\n9\n", 1);
        assert!(open_checkpoint(&tampered, &log_pub, &w_pub).is_err());
        assert!(PublicKey::parse_role("w", &w1.verifier_key(), KeyRole::Log).is_err());
    }
}
