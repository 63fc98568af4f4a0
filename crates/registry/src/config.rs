//! The registry's configuration file, and `zkgov registry init`, which writes a working one.
//!
//! ```toml
//! # zkgov registry: one log, its key, its database, who may submit.
//! origin = "registry.example/zkgov"   # the log's name (its checkpoints' first line)
//! listen = "127.0.0.1:8418"
//! database = "sqlite://registry.db"   # or postgres://user:password@host/db
//! log_key = "log.key"                 # the log's secret key (PRIVATE+KEY+…), mode 0600
//! keys = "keys"                       # verifying keys the registry checks bundles with
//! policies = []                       # policies whose verdicts the web page shows
//! trusted_attesters = []              # evaluator keys (hex) the registry trusts for eval claims
//! max_body_bytes = 4194304            # largest request body
//! requests_per_minute = 600           # per client address
//!
//! [[submitter]]                       # who may publish (readers need no token)
//! name = "Example Lab"
//! token_sha256 = "…"                  # SHA-256 (hex) of the API token; the token is not stored
//!
//! [[witness]]                         # witnesses whose cosignatures the registry accepts
//! key = "witness.example+1234abcd+…"
//! ```
//! Relative paths are relative to the configuration file's directory.

use crate::{
    log::{check_submitter, sha256_hex},
    note::{KeyRole, NoteKey, PublicKey},
    RegistryError,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8418";
/// Default largest request body (a sharded bundle of 245 shards is 87 KB).
pub const DEFAULT_MAX_BODY: u64 = 4 << 20;
/// Default requests per minute per client address.
pub const DEFAULT_RATE: u32 = 600;
/// Largest configuration file read.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// A submitter allowed to publish.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submitter {
    /// The name entries record as the submitter.
    pub name: String,
    /// SHA-256 (hex) of the submitter's API token.
    pub token_sha256: String,
}

/// A witness whose cosignatures the registry accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WitnessEntry {
    /// The witness's public key (`name+id+base64`, cosignature/v1).
    pub key: String,
}

fn default_listen() -> String {
    DEFAULT_LISTEN.into()
}
fn default_body() -> u64 {
    DEFAULT_MAX_BODY
}
fn default_rate() -> u32 {
    DEFAULT_RATE
}

/// The configuration file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The log's origin (also its key's name).
    pub origin: String,
    /// Listening address.
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Database URL.
    pub database: String,
    /// The log's secret key file.
    pub log_key: PathBuf,
    /// The verifying-key directory.
    pub keys: PathBuf,
    /// Policy files for the web page's verdicts.
    #[serde(default)]
    pub policies: Vec<PathBuf>,
    /// Trusted evaluator keys (hex ed25519) for eval claims.
    #[serde(default)]
    pub trusted_attesters: Vec<String>,
    /// Largest request body in bytes.
    #[serde(default = "default_body")]
    pub max_body_bytes: u64,
    /// Requests per minute per client address.
    #[serde(default = "default_rate")]
    pub requests_per_minute: u32,
    /// Who may publish.
    #[serde(default, rename = "submitter")]
    pub submitters: Vec<Submitter>,
    /// Witnesses whose cosignatures are accepted.
    #[serde(default, rename = "witness")]
    pub witnesses: Vec<WitnessEntry>,
    /// The directory relative paths are resolved against (not in the file).
    #[serde(skip)]
    pub base: PathBuf,
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn read(path: &Path) -> Result<Config, RegistryError> {
        let text =
            zkgov_spec::files::read_bounded(path, MAX_CONFIG_BYTES, "registry configuration")?;
        let mut config: Config =
            toml::from_str(&text).map_err(|e| RegistryError::file(path, e.message()))?;
        config.base = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), RegistryError> {
        if !signed_note::is_key_name_valid(&self.origin) {
            return Err(RegistryError::malformed(
                "origin",
                "expected a name without spaces or '+'",
            ));
        }
        for s in &self.submitters {
            check_submitter(&s.name)?;
            crate::log::parse_hash_hex("submitter token_sha256", &s.token_sha256)?;
        }
        let mut names = std::collections::BTreeSet::new();
        for w in self.witness_keys()? {
            if w.name == self.origin || !names.insert(w.name.clone()) {
                return Err(RegistryError::malformed(
                    "witness",
                    &format!("the name {} is used twice", w.name),
                ));
            }
        }
        if self.max_body_bytes < 1024 || self.requests_per_minute == 0 {
            return Err(RegistryError::malformed(
                "limits",
                "max_body_bytes must be at least 1024 and requests_per_minute at least 1",
            ));
        }
        Ok(())
    }

    /// A path from the file, resolved.
    pub fn path(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }

    /// The database URL, with a relative SQLite path resolved.
    pub fn database_url(&self) -> String {
        match self.database.strip_prefix("sqlite://") {
            Some(p) if !Path::new(p).is_absolute() => {
                format!("sqlite://{}", self.path(Path::new(p)).display())
            }
            _ => self.database.clone(),
        }
    }

    /// The log key.
    pub fn log_key(&self) -> Result<NoteKey, RegistryError> {
        let path = self.path(&self.log_key);
        let text = zkgov_spec::files::read_bounded(&path, 4096, "log key")?;
        let key = NoteKey::parse(&text)?;
        if key.role() != KeyRole::Log || key.name() != self.origin {
            return Err(RegistryError::file(
                &path,
                format!("expected the log key named {}", self.origin),
            ));
        }
        Ok(key)
    }

    /// The witnesses' public keys.
    pub fn witness_keys(&self) -> Result<Vec<PublicKey>, RegistryError> {
        self.witnesses
            .iter()
            .map(|w| PublicKey::parse_role("witness key", &w.key, KeyRole::Witness))
            .collect()
    }

    /// The submitter whose token this is.
    pub fn submitter_for(&self, token: &str) -> Option<&Submitter> {
        let digest = sha256_hex(token.as_bytes());
        // Compares digests, so timing reveals nothing about the token itself.
        self.submitters.iter().find(|s| s.token_sha256 == digest)
    }
}

/// What `zkgov registry init` wrote.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Initialized {
    /// The configuration file.
    pub config: PathBuf,
    /// The log's public key (give it to regulators and witnesses).
    pub log_public_key: String,
    /// The file holding the submitter's API token (mode 0600).
    pub token_file: PathBuf,
    /// The submitter's name.
    pub submitter: String,
}

/// Writes a new registry directory: configuration, log key, key directory, one submitter's token.
/// Refuses a directory that already has a configuration.
pub fn init(
    dir: &Path,
    origin: &str,
    submitter: &str,
    database: Option<&str>,
    keys: Option<&Path>,
) -> Result<Initialized, RegistryError> {
    check_submitter(submitter)?;
    let config_path = dir.join("registry.toml");
    if config_path.exists() {
        return Err(RegistryError::file(
            &config_path,
            "a registry is already configured here",
        ));
    }
    std::fs::create_dir_all(dir.join("keys")).map_err(|e| RegistryError::file(dir, e))?;
    let key = NoteKey::generate(origin, KeyRole::Log)?;
    let mut token_bytes = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut token_bytes);
    let token = hex::encode(token_bytes);
    let secret = |p: &Path, text: &str| {
        zkgov_spec::files::write_atomic_private(p, text.as_bytes())
            .map_err(|e| RegistryError::file(p, e))
    };
    secret(&dir.join("log.key"), &format!("{}\n", key.secret_key()))?;
    let token_file = dir.join("submitter.token");
    secret(&token_file, &format!("{token}\n"))?;
    let public = dir.join("log.pub");
    zkgov_spec::files::write_atomic(&public, format!("{}\n", key.verifier_key()).as_bytes())
        .map_err(|e| RegistryError::file(&public, e))?;
    let quote = |v: &str| toml::Value::String(v.to_string()).to_string();
    let keys = keys.map_or_else(|| PathBuf::from("keys"), Path::to_path_buf);
    let text = format!(
        "# zkgov registry configuration (written by `zkgov registry init`).
# Relative paths are relative to this file's directory.

# The log's name: the first line of every checkpoint, and its key's name.
origin = {origin}
# Where the HTTP API and the web page listen.
listen = {listen}
# sqlite://FILE (one file, WAL) or postgres://user:password@host/database
database = {database}
# The log's secret key (mode 0600); its public key is in log.pub.
log_key = \"log.key\"
# The verifying keys the registry checks every bundle with before accepting it.
keys = {keys}
# Policies whose verdicts the web page shows, e.g. [\"policies/eu.toml\"].
policies = []
# Evaluator keys (hex ed25519) trusted for eval claims.
trusted_attesters = []
# Largest request body in bytes, and requests per minute per client address.
max_body_bytes = {DEFAULT_MAX_BODY}
requests_per_minute = {DEFAULT_RATE}

# Who may publish: each submitter's name and the SHA-256 of its API token (the token itself is
# not stored here). Add one block per submitter.
[[submitter]]
name = {submitter}
token_sha256 = {token_sha256}

# Witnesses whose cosignatures the registry accepts; add one block per witness:
# [[witness]]
# key = \"witness.example+1234abcd+BASE64\"
",
        origin = quote(origin),
        listen = quote(DEFAULT_LISTEN),
        database = quote(database.unwrap_or("sqlite://registry.db")),
        keys = quote(&keys.display().to_string()),
        submitter = quote(submitter),
        token_sha256 = quote(&sha256_hex(token.as_bytes())),
    );
    // What was written must read back as a valid configuration.
    let mut check: Config =
        toml::from_str(&text).map_err(|e| RegistryError::file(&config_path, e.message()))?;
    check.base = dir.to_path_buf();
    check.check()?;
    zkgov_spec::files::write_atomic(&config_path, text.as_bytes())
        .map_err(|e| RegistryError::file(&config_path, e))?;
    Ok(Initialized {
        config: config_path,
        log_public_key: key.verifier_key(),
        token_file,
        submitter: submitter.into(),
    })
}
