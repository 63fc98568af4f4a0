//! `zkgov registry …`: run a disclosure registry, publish to it, read it, witness it.

use crate::{error::CliError, json_output, output::short};
use clap::{Args, Subcommand};
use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    sync::Arc,
};
use zkgov_registry::{
    api::Published,
    client::{checked_consistency, checked_inclusion, Client},
    config::{self, Config},
    log::{hash_hex, leaf_hash, sha256_hex},
    note::{KeyRole, NoteKey, PublicKey},
    server::{self, Registry},
    witness::witness_once,
};

/// `zkgov registry`.
#[derive(Subcommand, Debug)]
pub enum RegistryCommand {
    /// Create a registry directory: configuration, log key, key directory, a submitter token.
    Init {
        /// The directory (created).
        dir: PathBuf,
        /// The log's name, e.g. `registry.example.org/zkgov` (no spaces or '+').
        #[arg(long)]
        origin: String,
        /// The first submitter's name (entries record it as the publisher).
        #[arg(long)]
        submitter: String,
        /// Database URL (default: `sqlite://registry.db` in the directory).
        #[arg(long)]
        database: Option<String>,
        /// Verifying-key directory the registry checks bundles with (default: `DIR/keys`).
        #[arg(long)]
        keys: Option<PathBuf>,
    },
    /// Serve a registry (until Ctrl-C or SIGTERM): the HTTP API, the web page, `/healthz`.
    /// Logs are JSON lines on stderr.
    Serve {
        /// The configuration file.
        #[arg(long, default_value = "zkgov-registry/registry.toml")]
        config: PathBuf,
        /// Listen on this address instead of the configuration's (`127.0.0.1:0` picks a port).
        #[arg(long)]
        listen: Option<String>,
        /// Use this database instead of the configuration's (`sqlite://PATH` or `postgres://…`).
        #[arg(long)]
        database: Option<String>,
    },
    /// Start a registry with an embedded default (SQLite in a local directory), run the demo, and
    /// publish the demo's bundle to it; then serve until Ctrl-C.
    Demo {
        /// The registry directory (made afresh on each run; an existing directory is replaced
        /// only if an earlier run made it).
        #[arg(long, default_value = "zkgov-registry-demo")]
        dir: PathBuf,
        /// Listen address.
        #[arg(long, default_value = config::DEFAULT_LISTEN)]
        listen: String,
    },
    /// Create a witness key (cosignature/v1): writes the secret key file and `<out>.pub`.
    WitnessKey {
        /// The witness's name, e.g. `witness.ruritania.example` (no spaces or '+').
        #[arg(long)]
        name: String,
        /// The secret key file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Publish a bundle (needs a submitter token).
    Publish(PublishArgs),
    /// Show one entry, by index or by bundle file, and check it against the log.
    Get {
        #[command(flatten)]
        registry: RegistryArg,
        /// The entry's index.
        #[arg(required_unless_present = "bundle", conflicts_with = "bundle")]
        index: Option<u64>,
        /// Look the entry up by this bundle file's SHA-256.
        #[arg(long)]
        bundle: Option<PathBuf>,
        /// Write the published bundle here.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// List entries.
    List {
        #[command(flatten)]
        registry: RegistryArg,
        /// First index.
        #[arg(long, default_value_t = 0)]
        start: u64,
        /// How many (at most 1000).
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Fetch and check a proof against the registry's signed checkpoint.
    #[command(subcommand)]
    Proof(ProofCommand),
    /// Witness a registry: check that its newest checkpoint extends the one co-signed before,
    /// then co-sign it. Refuses a split view and keeps both checkpoints as evidence.
    Witness {
        #[command(flatten)]
        registry: RegistryArg,
        /// The log's public key (`name+id+base64`, from its operator), or a file holding it.
        #[arg(long)]
        log_key: String,
        /// This witness's secret key file (`zkgov registry witness-key`).
        #[arg(long)]
        witness_key: PathBuf,
        /// This witness's state file (created on the first run).
        #[arg(long)]
        state: PathBuf,
        /// Keep witnessing, every this many seconds (default: once).
        #[arg(long)]
        every: Option<u64>,
    },
}

/// The registry to talk to.
#[derive(Args, Debug)]
pub struct RegistryArg {
    /// The registry's URL.
    #[arg(long = "registry", default_value = "http://127.0.0.1:8418")]
    pub url: String,
}

/// `zkgov registry publish`.
#[derive(Args, Debug)]
pub struct PublishArgs {
    /// The bundle.
    pub bundle: PathBuf,
    #[command(flatten)]
    pub registry: RegistryArg,
    /// A file holding the submitter's API token (or set ZKGOV_REGISTRY_TOKEN).
    #[arg(long)]
    pub token_file: Option<PathBuf>,
}

/// `zkgov registry proof`.
#[derive(Subcommand, Debug)]
pub enum ProofCommand {
    /// The inclusion proof of an entry under the newest checkpoint.
    Inclusion {
        #[command(flatten)]
        registry: RegistryArg,
        /// The entry's index.
        #[arg(long)]
        index: u64,
        /// The log's public key, to check the checkpoint's signature (or a file holding it).
        #[arg(long)]
        log_key: String,
    },
    /// The consistency proof between two sizes (the newer one the newest checkpoint).
    Consistency {
        #[command(flatten)]
        registry: RegistryArg,
        /// The older size.
        #[arg(long)]
        from: u64,
        /// The older size's root (hex), as you recorded it.
        #[arg(long)]
        from_root: String,
        /// The log's public key (or a file holding it).
        #[arg(long)]
        log_key: String,
    },
}

fn registry_error(e: zkgov_registry::RegistryError) -> CliError {
    CliError::input("registry", e.to_string())
}

/// A key given inline or as a file.
fn key_text(arg: &str) -> Result<String, CliError> {
    if arg.contains('+') {
        return Ok(arg.to_string());
    }
    Ok(
        zkgov_spec::files::read_bounded(Path::new(arg), 4096, "log key")?
            .trim()
            .to_string(),
    )
}

fn log_key(arg: &str) -> Result<PublicKey, CliError> {
    PublicKey::parse_role("--log-key", &key_text(arg)?, KeyRole::Log).map_err(registry_error)
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input("runtime", e.to_string()))
}

fn init_logs() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .try_init();
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Runs a `zkgov registry` command.
pub fn run(cmd: RegistryCommand, json: bool) -> Result<ExitCode, CliError> {
    match cmd {
        RegistryCommand::Init {
            dir,
            origin,
            submitter,
            database,
            keys,
        } => {
            let done = config::init(
                &dir,
                &origin,
                &submitter,
                database.as_deref(),
                keys.as_deref(),
            )
            .map_err(registry_error)?;
            if json {
                json_output::print(&json_output::RegistryInitOutput { init: done });
            } else {
                println!("Registry {origin} configured in {}", done.config.display());
                println!("Log public key (give it to regulators and witnesses):");
                println!("  {}", done.log_public_key);
                println!(
                    "Submitter {:?}: API token in {} (keep it secret).",
                    done.submitter,
                    done.token_file.display()
                );
                println!(
                    "Start it with: zkgov registry serve --config {}",
                    done.config.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Serve {
            config,
            listen,
            database,
        } => {
            let mut config = Config::read(&config).map_err(registry_error)?;
            if let Some(l) = listen {
                config.listen = l;
            }
            if let Some(d) = database {
                config.database = d;
            }
            init_logs();
            runtime()?.block_on(async {
                let registry = Arc::new(Registry::open(config).await.map_err(registry_error)?);
                server::serve(registry, |addr| {
                    if !json {
                        println!("Registry listening on http://{addr}/ (Ctrl-C stops it)");
                    }
                })
                .await
                .map_err(registry_error)
            })?;
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Demo { dir, listen } => demo(&dir, listen, json),
        RegistryCommand::WitnessKey { name, out } => {
            let key = NoteKey::generate(&name, KeyRole::Witness).map_err(registry_error)?;
            zkgov_spec::files::write_atomic_private(
                &out,
                format!("{}\n", key.secret_key()).as_bytes(),
            )?;
            let public = PathBuf::from(format!("{}.pub", out.display()));
            zkgov_spec::files::write_atomic(
                &public,
                format!("{}\n", key.verifier_key()).as_bytes(),
            )?;
            if json {
                json_output::print(&json_output::RegistryWitnessKeyOutput {
                    secret_key_file: out,
                    public_key_file: public,
                    public_key: key.verifier_key(),
                });
            } else {
                println!(
                    "Witness key written to {} (secret) and {}.",
                    out.display(),
                    public.display()
                );
                println!(
                    "Public key (give it to the registry operator and to policies that trust you):"
                );
                println!("  {}", key.verifier_key());
            }
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Publish(args) => {
            let client = Client::new(&args.registry.url).map_err(registry_error)?;
            let token = token(args.token_file.as_deref())?;
            let bundle = zkgov_spec::files::read_bounded(
                &args.bundle,
                zkgov_spec::bundle::MAX_BUNDLE_BYTES,
                "bundle",
            )?;
            let published = client.publish(&token, &bundle).map_err(registry_error)?;
            print_published(&published, client.url(), json);
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Get {
            registry,
            index,
            bundle,
            out,
        } => {
            let client = Client::new(&registry.url).map_err(registry_error)?;
            let entry = match (index, bundle) {
                (Some(i), _) => client.entry(i),
                (None, Some(path)) => {
                    let bytes = zkgov_spec::files::read_bounded(
                        &path,
                        zkgov_spec::bundle::MAX_BUNDLE_BYTES,
                        "bundle",
                    )?;
                    client.lookup(&sha256_hex(bytes.as_bytes()))
                }
                (None, None) => unreachable_args(),
            }
            .map_err(registry_error)?;
            let digest_ok = sha256_hex(entry.bundle.as_bytes()) == entry.leaf.bundle_sha256;
            if let Some(out) = &out {
                zkgov_spec::files::write_atomic(out, entry.bundle.as_bytes())?;
            }
            if json {
                json_output::print(&json_output::RegistryGetOutput {
                    index: entry.index,
                    leaf: entry.leaf.clone(),
                    leaf_hash: hash_hex(&leaf_hash(entry.leaf_text.as_bytes())),
                    bundle_matches_leaf: digest_ok,
                    bundle_file: out,
                });
            } else {
                println!(
                    "Entry {}: published {} by {}",
                    entry.index,
                    zkgov_registry_time(entry.leaf.time),
                    entry.leaf.submitter
                );
                println!("  bundle SHA-256    {}", entry.leaf.bundle_sha256);
                println!("  statement identity {}", entry.leaf.statement_sha256);
                println!(
                    "  leaf hash          {}",
                    hash_hex(&leaf_hash(entry.leaf_text.as_bytes()))
                );
                println!(
                    "  served bundle: {}",
                    if digest_ok {
                        "matches the entry"
                    } else {
                        "DOES NOT MATCH the entry"
                    }
                );
                if let Some(out) = &out {
                    println!("  written to {}", out.display());
                }
            }
            Ok(if digest_ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        RegistryCommand::List {
            registry,
            start,
            limit,
        } => {
            let client = Client::new(&registry.url).map_err(registry_error)?;
            let list = client.list(start, limit).map_err(registry_error)?;
            if json {
                json_output::print(&json_output::RegistryListOutput { list });
            } else {
                println!(
                    "{} entries in the log; showing {}.",
                    list.size,
                    list.entries.len()
                );
                for e in &list.entries {
                    println!(
                        "  {:>6}  {}  {}  bundle {}",
                        e.index,
                        zkgov_registry_time(e.leaf.time),
                        e.leaf.submitter,
                        short(&e.leaf.bundle_sha256)
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        RegistryCommand::Proof(p) => proof(p, json),
        RegistryCommand::Witness {
            registry,
            log_key: log,
            witness_key: key,
            state,
            every,
        } => {
            let client = Client::new(&registry.url).map_err(registry_error)?;
            let log = log_key(&log)?;
            let key = NoteKey::parse(&zkgov_spec::files::read_bounded(&key, 4096, "witness key")?)
                .map_err(registry_error)?;
            loop {
                let report =
                    witness_once(&client, &log, &key, &state, now()).map_err(registry_error)?;
                if json {
                    json_output::print(&json_output::RegistryWitnessOutput {
                        report: report.clone(),
                    });
                } else {
                    println!(
                        "Co-signed {} at size {} (root {}; before: size {}).",
                        report.origin,
                        report.size,
                        short(&report.root),
                        report.previous_size
                    );
                }
                match every {
                    Some(s) => std::thread::sleep(std::time::Duration::from_secs(s.max(1))),
                    None => return Ok(ExitCode::SUCCESS),
                }
            }
        }
    }
}

fn unreachable_args() -> Result<zkgov_registry::api::Entry, zkgov_registry::RegistryError> {
    Err(zkgov_registry::RegistryError::Malformed {
        what: "arguments".into(),
        why: "give an index or --bundle".into(),
    })
}

fn zkgov_registry_time(t: u64) -> String {
    zkgov_registry::utc(t)
}

fn token(file: Option<&Path>) -> Result<String, CliError> {
    match file {
        Some(f) => Ok(zkgov_spec::files::read_bounded(f, 4096, "token file")?
            .trim()
            .to_string()),
        None => std::env::var("ZKGOV_REGISTRY_TOKEN").map_err(|_| {
            CliError::input(
                "--token-file",
                "a submitter token is needed: give --token-file or set ZKGOV_REGISTRY_TOKEN",
            )
        }),
    }
}

fn print_published(p: &Published, url: &str, json: bool) {
    if json {
        json_output::print(&json_output::RegistryPublishOutput {
            published: p.clone(),
        });
    } else {
        println!(
            "Published at index {} of {url} by {} on {}.",
            p.index,
            p.leaf.submitter,
            zkgov_registry_time(p.leaf.time)
        );
        println!("  bundle SHA-256 {}", p.leaf.bundle_sha256);
        println!("Checkpoint covering it:");
        for line in p.checkpoint.lines() {
            println!("  {line}");
        }
    }
}

fn proof(cmd: ProofCommand, json: bool) -> Result<ExitCode, CliError> {
    let (kind, checked, words) = match cmd {
        ProofCommand::Inclusion {
            registry,
            index,
            log_key: log,
        } => {
            let client = Client::new(&registry.url).map_err(registry_error)?;
            let checked =
                checked_inclusion(&client, &log_key(&log)?, index).map_err(registry_error)?;
            let c = &checked.checkpoint;
            let words = format!(
                "Entry {index} is included in {} at size {}",
                c.origin, c.size
            );
            ("inclusion", checked, words)
        }
        ProofCommand::Consistency {
            registry,
            from,
            from_root,
            log_key: log,
        } => {
            let client = Client::new(&registry.url).map_err(registry_error)?;
            let old_root = zkgov_registry::log::parse_hash_hex("--from-root", &from_root)
                .map_err(registry_error)?;
            let checked = checked_consistency(&client, &log_key(&log)?, from, old_root)
                .map_err(registry_error)?;
            let words = format!(
                "The log at size {} extends size {from}",
                checked.checkpoint.size
            );
            ("consistency", checked, words)
        }
    };
    let c = &checked.checkpoint;
    if json {
        json_output::print(&json_output::RegistryProofOutput {
            kind: kind.into(),
            verified: true,
            size: c.size,
            root: hash_hex(&c.root),
            proof: checked.proof.iter().map(hash_hex).collect(),
        });
    } else {
        println!(
            "{words} (root {}): {} hashes, verified.",
            hash_hex(&c.root),
            checked.proof.len()
        );
        for h in &checked.proof {
            println!("  {}", hash_hex(h));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `zkgov registry demo`.
fn demo(dir: &Path, listen: String, json: bool) -> Result<ExitCode, CliError> {
    let config_path = dir.join("registry.toml");
    if dir.exists() {
        // Each run starts afresh, but only a directory an earlier run made is removed.
        let ours = config_path.exists() && dir.join("demo").is_dir();
        let empty = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
        if !ours && !empty {
            return Err(CliError::input(
                "--dir",
                format!(
                    "{} exists and is not a registry demo directory",
                    dir.display()
                ),
            ));
        }
        std::fs::remove_dir_all(dir)
            .map_err(|e| CliError::input("--dir", format!("{}: {e}", dir.display())))?;
    }
    config::init(
        dir,
        "localhost/zkgov-demo",
        "Demo Lab",
        None,
        Some(Path::new("demo/keys")),
    )
    .map_err(registry_error)?;
    let demo_dir = dir.join("demo");
    // The demo's keys are the ones the registry checks bundles with.
    crate::demo::run(Some(demo_dir.clone()), json)?;
    let mut config = Config::read(&config_path).map_err(registry_error)?;
    config.listen = listen;
    let token = zkgov_spec::files::read_bounded(&dir.join("submitter.token"), 4096, "token file")?;
    let bundle = zkgov_spec::files::read_bounded(
        &demo_dir.join("bundle.json"),
        zkgov_spec::bundle::MAX_BUNDLE_BYTES,
        "bundle",
    )?;
    init_logs();
    runtime()?.block_on(async move {
        let registry = Arc::new(Registry::open(config).await.map_err(registry_error)?);
        let (tx, rx) = tokio::sync::oneshot::channel();
        let serving = tokio::spawn(server::serve(registry, move |addr| {
            let _ = tx.send(addr);
        }));
        let addr = match rx.await {
            Ok(a) => a,
            Err(_) => {
                return match serving.await {
                    Ok(Err(e)) => Err(registry_error(e)),
                    _ => Err(CliError::input("registry", "the server did not start")),
                }
            }
        };
        let url = format!("http://{addr}");
        let publish_url = url.clone();
        let published = tokio::task::spawn_blocking(move || {
            Client::new(&publish_url)?.publish(&token, &bundle)
        })
        .await
        .map_err(|e| CliError::input("registry", e.to_string()))?
        .map_err(registry_error)?;
        print_published(&published, &url, json);
        if !json {
            println!("Open {url}/ to see the disclosure; Ctrl-C stops the registry.");
        }
        match serving.await {
            Ok(r) => r.map_err(registry_error),
            Err(e) => Err(CliError::input("registry", e.to_string())),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
