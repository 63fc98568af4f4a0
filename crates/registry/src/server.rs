//! The registry service: [`Registry`] holds the log and decides (library calls, no HTTP), and
//! [`serve`] puts it behind axum with the operational limits: request size, a per-client rate,
//! submitter tokens, structured request logs, `/healthz` and graceful shutdown.

use crate::{
    api::{self, ApiError, CosignatureSubmission, Published, API_SCHEMA},
    config::Config,
    log::{sha256_hex, statement_identity, EntryLeaf, MemoryTree},
    note::{open_checkpoint, with_signature_lines, NoteKey, PublicKey},
    store::Store,
    RegistryError,
};
use axum::{
    extract::{ConnectInfo, DefaultBodyLimit, Path, Query, Request, State},
    http::{header, HeaderMap, StatusCode},
    middleware::{self, Next},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde::Deserialize;
use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    sync::{Arc, Mutex},
    time::{Instant, SystemTime, UNIX_EPOCH},
};
use tokio::sync::RwLock;
use zkgov_policy::{session::verify_read, Policy, Report};
use zkgov_spec::bundle::Bundle;
use zkgov_verifier::keys::KeyStore;

/// Why a publication was refused: each maps to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// No or an unknown submitter token (401).
    #[error("a submitter token is required (Authorization: Bearer …); readers need none")]
    Unauthorized,
    /// The body is not a bundle (400).
    #[error("not a bundle: {0}")]
    Malformed(String),
    /// A claim does not verify (422).
    #[error("refused: {0}")]
    Invalid(String),
    /// Published before (409).
    #[error("already published at index {index} ({what})")]
    Replay {
        /// The earlier entry.
        index: u64,
        /// What matched.
        what: &'static str,
    },
    /// The registry itself failed (500).
    #[error(transparent)]
    Internal(#[from] RegistryError),
}

impl Refusal {
    fn status(&self) -> StatusCode {
        match self {
            Refusal::Unauthorized => StatusCode::UNAUTHORIZED,
            Refusal::Malformed(_) => StatusCode::BAD_REQUEST,
            Refusal::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Refusal::Replay { .. } => StatusCode::CONFLICT,
            Refusal::Internal(RegistryError::OutOfRange(_)) => StatusCode::NOT_FOUND,
            Refusal::Internal(
                RegistryError::Malformed { .. }
                | RegistryError::Checkpoint(_)
                | RegistryError::Proof(_),
            ) => StatusCode::BAD_REQUEST,
            Refusal::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = self.status();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "internal error");
        }
        (
            status,
            Json(ApiError {
                schema: API_SCHEMA.into(),
                error: self.to_string(),
            }),
        )
            .into_response()
    }
}

struct LogState {
    tree: MemoryTree,
    /// The signed checkpoint of the whole tree.
    checkpoint: String,
}

/// One bundle's standing as the page shows it: claims in words and verdicts per policy.
#[derive(Debug, Clone)]
pub(crate) struct Judged {
    /// Per claim: its statement in words, or why it is invalid.
    pub claims: Vec<Result<String, String>>,
    /// Per loaded policy: (policy id, jurisdiction, verdict label, summary).
    pub verdicts: Vec<(String, String, &'static str, String)>,
}

/// The registry: its log, its store, and what it verifies bundles with.
pub struct Registry {
    store: Store,
    key: NoteKey,
    witnesses: Vec<PublicKey>,
    log_public: PublicKey,
    policies: Vec<Policy>,
    keys_dir: PathBuf,
    trusted_attesters: Vec<String>,
    config: Config,
    log: RwLock<LogState>,
    /// Held by the one append in progress.
    appending: tokio::sync::Mutex<()>,
    judged: Mutex<HashMap<String, Judged>>,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Registry {
    /// Opens the registry a configuration describes: the database, and the log rebuilt from it
    /// and checked against every checkpoint the log signed. A database whose entries do not hash
    /// to the roots the log signed is refused ([`RegistryError::Damaged`]).
    pub async fn open(config: Config) -> Result<Registry, RegistryError> {
        let key = config.log_key()?;
        let log_public = PublicKey::parse("log key", &key.verifier_key())?;
        let witnesses = config.witness_keys()?;
        let policies = config
            .policies
            .iter()
            .map(|p| Policy::read(&config.path(p)))
            .collect::<Result<Vec<_>, _>>()?;
        let keys_dir = config.path(&config.keys);
        if !keys_dir.is_dir() {
            return Err(RegistryError::file(&keys_dir, "no such key directory"));
        }
        let store = Store::open(&config.database_url()).await?;
        store.pin_meta("log key", &key.verifier_key()).await?;
        let mut tree = MemoryTree::new();
        for (i, leaf) in store.leaves().await?.iter().enumerate() {
            EntryLeaf::parse(leaf)
                .map_err(|e| RegistryError::Damaged(format!("entry {i}: {e}")))?;
            tree.append(leaf.as_bytes())?;
        }
        let size = tree.size();
        let checkpoints = store.checkpoints().await?;
        for (n, note) in &checkpoints {
            let c = open_checkpoint(note, &log_public, &[])
                .map_err(|e| RegistryError::Damaged(format!("checkpoint {n}: {e}")))?;
            if c.size != *n || *n > size || c.root != tree.root_at(*n)? {
                return Err(RegistryError::Damaged(format!(
                    "the stored entries do not hash to the root the log signed at size {n}"
                )));
            }
        }
        let checkpoint = match store.checkpoint(size).await? {
            Some(note) => note,
            None if size == 0 => {
                let note = key.sign_checkpoint(0, tree.root())?;
                store.add_empty_checkpoint(&note).await?;
                note
            }
            None => {
                return Err(RegistryError::Damaged(format!(
                    "no signed checkpoint for the stored size {size}"
                )))
            }
        };
        tracing::info!(
            size,
            checkpoints = checkpoints.len(),
            database = store.kind(),
            "log opened and checked"
        );
        Ok(Registry {
            store,
            key,
            witnesses,
            log_public,
            policies,
            keys_dir,
            trusted_attesters: config.trusted_attesters.clone(),
            config,
            log: RwLock::new(LogState { tree, checkpoint }),
            appending: tokio::sync::Mutex::new(()),
            judged: Mutex::new(HashMap::new()),
        })
    }

    /// The log's public key string.
    pub fn log_key(&self) -> String {
        self.key.verifier_key()
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The number of entries.
    pub async fn size(&self) -> u64 {
        self.log.read().await.tree.size()
    }

    /// Verifies bundles with the registry's keys and policies (blocking: call off the runtime).
    fn verify_bundles(
        &self,
        bundles: Vec<(PathBuf, Result<Bundle, zkgov_spec::SpecError>)>,
    ) -> Report {
        let store = KeyStore::new(&self.keys_dir);
        verify_read(&self.policies, bundles, &store, &self.trusted_attesters)
    }

    /// Publishes a bundle for `submitter`: verified, checked against replays, appended and
    /// covered by a new signed checkpoint, all committed before this returns.
    pub async fn publish(
        self: &Arc<Self>,
        submitter: &str,
        body: String,
    ) -> Result<Published, Refusal> {
        let bundle = Bundle::from_json(&body).map_err(|e| Refusal::Malformed(e.to_string()))?;
        let bundle_sha256 = sha256_hex(body.as_bytes());
        let statement_sha256 = statement_identity(&bundle);
        self.refuse_replay(&bundle_sha256, &statement_sha256)
            .await?;
        let this = Arc::clone(self);
        let report = tokio::task::spawn_blocking(move || {
            this.verify_bundles(vec![(PathBuf::from("submitted bundle"), Ok(bundle))])
        })
        .await
        .map_err(|e| RegistryError::Log(e.to_string()))?;
        if let Some(b) = report.bundles.first() {
            if b.claims.is_empty() {
                return Err(Refusal::Invalid("the bundle has no claims".into()));
            }
            for c in &b.claims {
                if let Err(e) = &c.result {
                    return Err(Refusal::Invalid(format!(
                        "claim {} is invalid: {e}",
                        c.number
                    )));
                }
            }
        }
        let leaf = EntryLeaf {
            time: now(),
            submitter: submitter.to_string(),
            bundle_sha256,
            statement_sha256,
        };
        let text = leaf.text();
        // One append at a time; readers keep the committed tree until the entry is stored.
        let _appending = self.appending.lock().await;
        // Checked again in turn: a concurrent publication of the same bundle lost the race.
        self.refuse_replay(&leaf.bundle_sha256, &leaf.statement_sha256)
            .await?;
        let pending = self.log.read().await.tree.prepare(leaf.hash())?;
        let index = pending.index;
        let checkpoint = self.key.sign_checkpoint(index + 1, pending.root)?;
        self.store
            .append(
                index,
                &text,
                &leaf.bundle_sha256,
                &leaf.statement_sha256,
                &body,
                &checkpoint,
            )
            .await?;
        {
            let mut log = self.log.write().await;
            log.tree.commit(pending)?;
            log.checkpoint = checkpoint.clone();
        }
        tracing::info!(index, submitter, bundle = %leaf.bundle_sha256, "published");
        Ok(Published {
            schema: API_SCHEMA.into(),
            index,
            leaf,
            checkpoint,
        })
    }

    async fn refuse_replay(&self, bundle: &str, statement: &str) -> Result<(), Refusal> {
        if let Some(e) = self.store.find(bundle, statement).await? {
            let what = if EntryLeaf::parse(&e.leaf).is_ok_and(|l| l.bundle_sha256 == bundle) {
                "the same bundle"
            } else {
                "the same statements, with other proof bytes"
            };
            return Err(Refusal::Replay {
                index: e.index,
                what,
            });
        }
        Ok(())
    }

    /// The newest checkpoint with the cosignatures it has.
    pub async fn checkpoint(&self) -> Result<String, RegistryError> {
        let (size, note) = {
            let log = self.log.read().await;
            (log.tree.size(), log.checkpoint.clone())
        };
        Ok(with_signature_lines(
            &note,
            &self.store.cosignatures(size).await?,
        ))
    }

    /// The checkpoint of `size` with its cosignatures.
    pub async fn checkpoint_at(&self, size: u64) -> Result<String, RegistryError> {
        let note =
            self.store.checkpoint(size).await?.ok_or_else(|| {
                RegistryError::OutOfRange(format!("no checkpoint of size {size}"))
            })?;
        Ok(with_signature_lines(
            &note,
            &self.store.cosignatures(size).await?,
        ))
    }

    /// The newest co-signed checkpoints, largest first.
    pub async fn cosigned(&self, limit: u64) -> Result<Vec<String>, RegistryError> {
        let mut out = Vec::new();
        for size in self.store.cosigned_sizes(limit.min(api::MAX_LIST)).await? {
            out.push(self.checkpoint_at(size).await?);
        }
        Ok(out)
    }

    /// Entry `index`.
    pub async fn entry(&self, index: u64) -> Result<api::Entry, RegistryError> {
        let e = self
            .store
            .entry_at(index)
            .await?
            .ok_or_else(|| RegistryError::OutOfRange(format!("no entry {index}")))?;
        served_entry(e)
    }

    /// The entry of the bundle with this SHA-256.
    pub async fn lookup(&self, bundle_sha256: &str) -> Result<api::Entry, RegistryError> {
        crate::log::parse_hash_hex("bundle digest", bundle_sha256)?;
        let e = self.store.find(bundle_sha256, "").await?.ok_or_else(|| {
            RegistryError::OutOfRange(format!(
                "no bundle with SHA-256 {bundle_sha256} is published"
            ))
        })?;
        served_entry(e)
    }

    /// Entries from `start`.
    pub async fn list(&self, start: u64, limit: u64) -> Result<api::EntryList, RegistryError> {
        let size = self.size().await;
        let entries = self
            .store
            .entries(start, limit.min(api::MAX_LIST), false)
            .await?
            .into_iter()
            .map(|e| {
                Ok(api::ListedEntry {
                    index: e.index,
                    leaf: EntryLeaf::parse(&e.leaf)?,
                })
            })
            .collect::<Result<_, RegistryError>>()?;
        Ok(api::EntryList {
            schema: API_SCHEMA.into(),
            size,
            entries,
        })
    }

    /// The inclusion proof of `index` in the tree of `size`.
    pub async fn inclusion(
        &self,
        index: u64,
        size: u64,
    ) -> Result<api::InclusionProof, RegistryError> {
        let proof = self.log.read().await.tree.inclusion_proof(index, size)?;
        Ok(api::InclusionProof {
            schema: API_SCHEMA.into(),
            index,
            size,
            proof: crate::log::proof_hex(&proof),
        })
    }

    /// The consistency proof between two sizes.
    pub async fn consistency(
        &self,
        from: u64,
        to: u64,
    ) -> Result<api::ConsistencyProof, RegistryError> {
        let proof = self.log.read().await.tree.consistency_proof(from, to)?;
        Ok(api::ConsistencyProof {
            schema: API_SCHEMA.into(),
            from,
            to,
            proof: crate::log::proof_hex(&proof),
        })
    }

    /// Accepts a witness's cosignature of a checkpoint the log signed. The witness must be one
    /// the configuration names, the checkpoint text must be the log's own of that size, and the
    /// signature must verify.
    pub async fn add_cosignature(&self, s: CosignatureSubmission) -> Result<(), RegistryError> {
        let line = s.signature.trim_end_matches('\n').to_string() + "\n";
        let name = line
            .strip_prefix("\u{2014} ")
            .and_then(|l| l.split_once(' '))
            .map(|(n, _)| n.to_string())
            .ok_or_else(|| RegistryError::malformed("cosignature", "expected a signature line"))?;
        let witness = self
            .witnesses
            .iter()
            .find(|w| w.name == name)
            .ok_or_else(|| {
                RegistryError::malformed(
                    "cosignature",
                    &format!("{name} is not a witness this registry knows"),
                )
            })?;
        let size = tlog_tiles::Checkpoint::from_bytes(s.checkpoint.as_bytes())
            .map_err(|_| RegistryError::malformed("cosignature", "malformed checkpoint text"))?
            .size();
        let ours =
            self.store.checkpoint(size).await?.ok_or_else(|| {
                RegistryError::OutOfRange(format!("no checkpoint of size {size}"))
            })?;
        let opened = open_checkpoint(
            &with_signature_lines(&ours, std::slice::from_ref(&line)),
            &self.log_public,
            std::slice::from_ref(witness),
        )?;
        if opened.text != s.checkpoint || opened.witnesses.is_empty() {
            return Err(RegistryError::Checkpoint(format!(
                "{name}'s signature is not on the log's checkpoint of size {size}"
            )));
        }
        self.store.add_cosignature(size, &name, &line).await?;
        tracing::info!(size, witness = %name, "cosignature added");
        Ok(())
    }

    /// Judges a stored bundle (cached by the digest of the bytes actually stored).
    pub(crate) fn judge(&self, bundle_text: &str) -> Judged {
        let digest = sha256_hex(bundle_text.as_bytes());
        if let Some(j) = self
            .judged
            .lock()
            .ok()
            .and_then(|m| m.get(&digest).cloned())
        {
            return j;
        }
        let read = Bundle::from_json(bundle_text);
        let judged = match read {
            Err(e) => Judged {
                claims: vec![Err(format!("unreadable: {e}"))],
                verdicts: Vec::new(),
            },
            Ok(b) => {
                let report = self.verify_bundles(vec![(PathBuf::from("entry"), Ok(b))]);
                let b = &report.bundles[0];
                Judged {
                    claims: b
                        .claims
                        .iter()
                        .map(|c| match &c.result {
                            Ok(v) => Ok(v.statement.describe()),
                            Err(e) => Err(e.to_string()),
                        })
                        .collect(),
                    verdicts: b
                        .verdicts
                        .iter()
                        .map(|v| {
                            (
                                v.policy_id.clone(),
                                v.jurisdiction.clone(),
                                v.outcome.label(),
                                v.summary.clone(),
                            )
                        })
                        .collect(),
                }
            }
        };
        if let Ok(mut m) = self.judged.lock() {
            if m.len() > 100_000 {
                m.clear();
            }
            m.insert(digest, judged.clone());
        }
        judged
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub(crate) fn log_public(&self) -> &PublicKey {
        &self.log_public
    }

    pub(crate) fn witness_keys(&self) -> &[PublicKey] {
        &self.witnesses
    }

    /// The tree's size and its signed checkpoint (without cosignatures).
    pub(crate) async fn signed_size(&self) -> (u64, String) {
        let log = self.log.read().await;
        (log.tree.size(), log.checkpoint.clone())
    }

    /// Inclusion proofs of `indices` in the tree of `size`, computed under one read lock.
    pub(crate) async fn inclusion_proofs(
        &self,
        indices: &[u64],
        size: u64,
    ) -> Vec<Result<Vec<crate::log::Hash>, RegistryError>> {
        let log = self.log.read().await;
        indices
            .iter()
            .map(|&i| log.tree.inclusion_proof(i, size))
            .collect()
    }
}

fn served_entry(e: crate::store::StoredEntry) -> Result<api::Entry, RegistryError> {
    Ok(api::Entry {
        schema: API_SCHEMA.into(),
        index: e.index,
        leaf: EntryLeaf::parse(&e.leaf)?,
        leaf_text: e.leaf,
        bundle: e.bundle,
    })
}

/// Per-client token buckets.
struct RateLimiter {
    per_minute: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    fn allow(&self, ip: IpAddr) -> bool {
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        let now = Instant::now();
        if buckets.len() > 100_000 {
            // Forget idle clients rather than grow without bound.
            buckets.retain(|_, (_, t)| now.duration_since(*t).as_secs() < 60);
        }
        let (tokens, last) = buckets.entry(ip).or_insert((self.per_minute, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * self.per_minute / 60.0)
            .min(self.per_minute);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Clone)]
struct AppState {
    registry: Arc<Registry>,
    limiter: Arc<RateLimiter>,
}

type Answer<T> = Result<T, Refusal>;

async fn publish(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: String,
) -> Answer<Json<Published>> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Refusal::Unauthorized)?;
    let submitter = s
        .registry
        .config()
        .submitter_for(token.trim())
        .ok_or(Refusal::Unauthorized)?
        .name
        .clone();
    Ok(Json(s.registry.publish(&submitter, body).await?))
}

#[derive(Deserialize)]
struct ListQuery {
    #[serde(default)]
    start: u64,
    #[serde(default = "default_limit")]
    limit: u64,
}

fn default_limit() -> u64 {
    100
}

async fn list(
    State(s): State<AppState>,
    Query(q): Query<ListQuery>,
) -> Answer<Json<api::EntryList>> {
    Ok(Json(s.registry.list(q.start, q.limit).await?))
}

async fn entry(State(s): State<AppState>, Path(index): Path<u64>) -> Answer<Json<api::Entry>> {
    Ok(Json(s.registry.entry(index).await?))
}

async fn lookup(State(s): State<AppState>, Path(digest): Path<String>) -> Answer<Json<api::Entry>> {
    Ok(Json(s.registry.lookup(&digest).await?))
}

fn note_response(note: String) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], note).into_response()
}

async fn checkpoint(State(s): State<AppState>) -> Answer<Response> {
    Ok(note_response(s.registry.checkpoint().await?))
}

async fn checkpoint_at(State(s): State<AppState>, Path(size): Path<u64>) -> Answer<Response> {
    Ok(note_response(s.registry.checkpoint_at(size).await?))
}

#[derive(Deserialize)]
struct LimitQuery {
    #[serde(default = "default_cosigned")]
    limit: u64,
}

fn default_cosigned() -> u64 {
    20
}

async fn cosigned(
    State(s): State<AppState>,
    Query(q): Query<LimitQuery>,
) -> Answer<Json<api::CosignedList>> {
    Ok(Json(api::CosignedList {
        schema: API_SCHEMA.into(),
        checkpoints: s.registry.cosigned(q.limit).await?,
    }))
}

#[derive(Deserialize)]
struct InclusionQuery {
    index: u64,
    size: u64,
}

async fn inclusion(
    State(s): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> Answer<Json<api::InclusionProof>> {
    Ok(Json(s.registry.inclusion(q.index, q.size).await?))
}

#[derive(Deserialize)]
struct ConsistencyQuery {
    from: u64,
    to: u64,
}

async fn consistency(
    State(s): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Answer<Json<api::ConsistencyProof>> {
    Ok(Json(s.registry.consistency(q.from, q.to).await?))
}

async fn cosign(State(s): State<AppState>, body: String) -> Answer<StatusCode> {
    let submission: CosignatureSubmission =
        serde_json::from_str(&body).map_err(|e| Refusal::Malformed(e.to_string()))?;
    s.registry.add_cosignature(submission).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn health(State(s): State<AppState>) -> Json<api::Health> {
    Json(api::Health {
        schema: API_SCHEMA.into(),
        status: "ok".into(),
        size: s.registry.size().await,
        database: s.registry.store().kind().into(),
    })
}

#[derive(Deserialize)]
struct PageQuery {
    start: Option<u64>,
}

async fn page(State(s): State<AppState>, Query(q): Query<PageQuery>) -> Answer<Html<String>> {
    Ok(Html(crate::page::render(&s.registry, q.start).await?))
}

/// Rate limit, then log each request as one structured line.
async fn limit_and_log(
    State(s): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = if s.limiter.allow(addr.ip()) {
        next.run(request).await
    } else {
        (
            StatusCode::TOO_MANY_REQUESTS,
            Json(ApiError {
                schema: API_SCHEMA.into(),
                error: "too many requests from this address; retry in a minute".into(),
            }),
        )
            .into_response()
    };
    tracing::info!(
        client = %addr.ip(),
        method = %method,
        path,
        status = response.status().as_u16(),
        ms = started.elapsed().as_secs_f64() * 1e3,
        "request"
    );
    response
}

/// The HTTP routes over a registry.
pub fn router(registry: Arc<Registry>) -> Router {
    let config = registry.config().clone();
    let state = AppState {
        registry,
        limiter: Arc::new(RateLimiter {
            per_minute: f64::from(config.requests_per_minute),
            buckets: Mutex::new(HashMap::new()),
        }),
    };
    Router::new()
        .route("/", get(page))
        .route("/healthz", get(health))
        .route("/api/v1/entries", post(publish).get(list))
        .route("/api/v1/entries/{index}", get(entry))
        .route("/api/v1/lookup/{digest}", get(lookup))
        .route("/api/v1/checkpoint", get(checkpoint))
        .route("/api/v1/checkpoints/{size}", get(checkpoint_at))
        .route("/api/v1/cosigned", get(cosigned))
        .route("/api/v1/proof/inclusion", get(inclusion))
        .route("/api/v1/proof/consistency", get(consistency))
        .route("/api/v1/cosignatures", post(cosign))
        .layer(DefaultBodyLimit::max(
            usize::try_from(config.max_body_bytes).unwrap_or(usize::MAX),
        ))
        .layer(middleware::from_fn_with_state(state.clone(), limit_and_log))
        .with_state(state)
}

/// Serves the registry until SIGINT or SIGTERM, then stops accepting, finishes the requests in
/// flight and closes the database. `ready` is told the bound address once listening.
pub async fn serve(
    registry: Arc<Registry>,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), RegistryError> {
    let listen = registry.config().listen.clone();
    let listener =
        tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| RegistryError::Unreachable {
                url: listen.clone(),
                why: format!("cannot listen: {e}"),
            })?;
    let addr = listener
        .local_addr()
        .map_err(|e| RegistryError::Unreachable {
            url: listen.clone(),
            why: e.to_string(),
        })?;
    let size = registry.size().await;
    tracing::info!(%addr, size, "listening");
    ready(addr);
    let store = registry.store().clone();
    axum::serve(
        listener,
        router(registry).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| RegistryError::Unreachable {
        url: listen,
        why: e.to_string(),
    })?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = interrupt.await;
    tracing::info!("shutting down: finishing requests in flight");
}
