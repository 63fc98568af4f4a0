//! ed25519 signing-key files: what `zkgov attester-key` writes, and what evaluators (attesting eval
//! results), ceremony contributors (signing their contributions) and compute providers (attesting
//! ledgers) sign with.
//!
//! A key file says what it is, so that a key cannot be used for what it was not made for:
//!
//! ```json
//! { "format": "zkgov-signing-key", "version": 1, "kind": "secret", "role": "evaluator",
//!   "public_key": "<64 hex digits>", "secret_key": "<64 hex digits>" }
//! ```
//!
//! The public file (`<out>.pub`) has `"kind": "public"` and no `secret_key`. Reading a key for
//! signing refuses a public key file (it would otherwise be taken as a new secret, a new identity)
//! and a key of another role, naming both. Files of bare hex (before version 1) are refused with
//! how to regenerate them.

use crate::error::ProveError;
use ed25519_dalek::SigningKey;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use zkgov_spec::files::write_atomic;

/// Format name of a signing-key file.
pub const FORMAT: &str = "zkgov-signing-key";
/// Its version.
pub const VERSION: u32 = 1;
/// Largest signing-key file read (a real one is about 250 bytes).
const MAX_BYTES: u64 = 4096;

/// What a signing key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Attests eval results (`zkgov prove eval --evaluator-key`).
    Evaluator,
    /// Signs setup-ceremony contributions (`zkgov ceremony ... --signing-key`).
    CeremonyContributor,
    /// A compute provider's key, attesting ledger commitments (`zkgov attest ledger`).
    Provider,
}

impl Role {
    /// The spelling in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Role::Evaluator => "evaluator",
            Role::CeremonyContributor => "ceremony-contributor",
            Role::Provider => "provider",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "evaluator" => Ok(Role::Evaluator),
            "ceremony-contributor" => Ok(Role::CeremonyContributor),
            "provider" => Ok(Role::Provider),
            _ => Err(format!(
                "{s:?} is not a key role (evaluator, ceremony-contributor or provider)"
            )),
        }
    }
}

/// Whether a file holds the secret key or only the public one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Kind {
    Secret,
    Public,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    format: String,
    version: u32,
    kind: Kind,
    role: Role,
    public_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret_key: Option<String>,
}

/// Where the public key file of the secret key file `out` goes: `<out>.pub`.
pub fn public_path(out: &Path) -> PathBuf {
    let mut p = out.as_os_str().to_owned();
    p.push(".pub");
    PathBuf::from(p)
}

/// Creates a key of `role`: writes the secret key file `out` and the public one beside it
/// ([`public_path`]); refuses to overwrite either. Returns the key.
pub fn create<R: RngCore + CryptoRng>(
    out: &Path,
    role: Role,
    rng: &mut R,
) -> Result<SigningKey, ProveError> {
    let public = public_path(out);
    for p in [out, public.as_path()] {
        if p.exists() {
            return Err(ProveError::import(
                p.display().to_string(),
                "already exists; not overwriting a key",
            ));
        }
    }
    let mut secret = [0u8; 32];
    rng.fill_bytes(&mut secret);
    let key = SigningKey::from_bytes(&secret);
    let file = |kind, secret_key| KeyFile {
        format: FORMAT.into(),
        version: VERSION,
        kind,
        role,
        public_key: hex::encode(key.verifying_key().to_bytes()),
        secret_key,
    };
    let text = |f: &KeyFile| serde_json::to_string_pretty(f).map_err(|e| ProveError::io(out, e));
    write_atomic(
        out,
        text(&file(Kind::Secret, Some(hex::encode(secret))))?.as_bytes(),
    )?;
    write_atomic(&public, text(&file(Kind::Public, None))?.as_bytes())?;
    Ok(key)
}

/// Reads a secret key file of `role`, for signing. A public key file, a key of another role, an
/// edited file (public key not matching the secret) or an old bare-hex file is an error of one
/// line.
pub fn read_secret(path: &Path, role: Role) -> Result<SigningKey, ProveError> {
    let bad = |reason: String| ProveError::import(path.display().to_string(), reason);
    let len = std::fs::metadata(path)
        .map_err(|e| ProveError::io(path, e))?
        .len();
    if len > MAX_BYTES {
        return Err(bad(format!(
            "{len} bytes is too large for a signing-key file"
        )));
    }
    let text = std::fs::read_to_string(path).map_err(|e| ProveError::io(path, e))?;
    let t = text.trim();
    if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(format!(
            "an old key file of bare hex, which does not say whether it is secret or public nor what it is for; make a new one with `zkgov attester-key --role {} --out FILE` and give the new public key to whoever checks your signatures",
            role.name()
        )));
    }
    let f: KeyFile =
        serde_json::from_str(t).map_err(|e| bad(format!("not a {FORMAT} file ({e})")))?;
    if f.format != FORMAT || f.version != VERSION {
        return Err(bad(format!(
            "expected {FORMAT} version {VERSION}, found {} version {}",
            f.format, f.version
        )));
    }
    if f.kind == Kind::Public {
        return Err(bad(format!(
            "a PUBLIC {} key; a secret {} key is needed to sign (the file `zkgov attester-key --out` wrote, not its .pub)",
            f.role.name(),
            role.name()
        )));
    }
    if f.role != role {
        return Err(bad(format!(
            "a secret {} key, but this needs a {} key (make one with `zkgov attester-key --role {} --out FILE`)",
            f.role.name(),
            role.name(),
            role.name()
        )));
    }
    let secret: [u8; 32] = f
        .secret_key
        .as_deref()
        .and_then(|s| hex::decode(s).ok())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("secret_key: expected 64 hex digits".into()))?;
    let key = SigningKey::from_bytes(&secret);
    if hex::encode(key.verifying_key().to_bytes()) != f.public_key {
        return Err(bad(
            "its public_key does not match its secret key (the file was edited)".into(),
        ));
    }
    Ok(key)
}
