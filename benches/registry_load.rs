//! A load benchmark of the disclosure registry, whole-process: the real `zkgov registry serve`
//! process serves, this process is the client. ENTRIES bundles (made in process before the clock
//! starts) are published by WRITERS threads while READERS threads read as fast as they can (entry
//! by index, inclusion proof, checkpoint, list of 100), each request timed. Then the whole log is
//! verified once from scratch through the API, and the server is restarted once (timed: it
//! rebuilds the tree and checks every stored checkpoint).
//!
//! Env: ZKGOV_LOAD_ENTRIES (10000), ZKGOV_LOAD_READERS (50), ZKGOV_LOAD_WRITERS (1),
//! ZKGOV_LOAD_DATABASE (unset: SQLite in a temp dir; else the postgres:// URL of an EMPTY
//! database), ZKGOV_LOAD_KEEP (set: keep the temp dir with the registry and the server's log).
//! The rate limit is lifted (requests_per_minute = 100000000) so it does not throttle.
//!
//! `cargo bench --bench registry_load` (see benches/registry.sh).

#[allow(dead_code)] // the tests use more of it
#[path = "../tests/common/registry.rs"]
mod registry;

use rand::{rngs::StdRng, Rng, SeedableRng};
use rayon::prelude::*;
use registry::{configure, init_registry, BundleFactory, Server};
use std::{
    collections::BTreeMap,
    path::Path,
    process::Command,
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};
use zkgov_registry::{
    client::Client,
    log::MemoryTree,
    note::{open_checkpoint, KeyRole, PublicKey},
};

const RATE: &str = "100000000";
const OPS: [&str; 4] = ["entry", "inclusion", "checkpoint", "list"];

fn env_num(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: expected a number")),
        Err(_) => default,
    }
}

/// What one thread saw: latencies (µs) per operation, and statuses that were not 2xx.
#[derive(Default)]
struct Seen {
    latencies: BTreeMap<&'static str, Vec<u64>>,
    /// (operation, status; 0 = transport error) → count.
    failures: BTreeMap<(&'static str, u16), u64>,
    first_failure: Option<String>,
    /// Per operation: the slowest request (µs) and when it started (ms into the run).
    slowest: BTreeMap<&'static str, (u64, u64)>,
}

impl Seen {
    fn merge(&mut self, other: Seen) {
        for (op, mut l) in other.latencies {
            self.latencies.entry(op).or_default().append(&mut l);
        }
        for (k, n) in other.failures {
            *self.failures.entry(k).or_default() += n;
        }
        if self.first_failure.is_none() {
            self.first_failure = other.first_failure;
        }
        for (op, s) in other.slowest {
            let mine = self.slowest.entry(op).or_default();
            *mine = (*mine).max(s);
        }
    }

    /// Records one request timed from `started` (`run` is when the run started); answers the
    /// body when 2xx.
    fn record(
        &mut self,
        op: &'static str,
        run: Instant,
        started: Instant,
        r: Result<ureq::Response, ureq::Error>,
    ) -> Option<String> {
        let (status, body) = match r {
            Ok(resp) => (resp.status(), resp.into_string().map_err(|e| e.to_string())),
            Err(ureq::Error::Status(s, resp)) => (s, resp.into_string().map_err(|e| e.to_string())),
            Err(e) => (0, Err(e.to_string())),
        };
        let micros = started.elapsed().as_micros() as u64;
        let at = started.duration_since(run).as_millis() as u64;
        let slowest = self.slowest.entry(op).or_default();
        *slowest = (*slowest).max((micros, at));
        match body {
            Ok(body) if (200..300).contains(&status) => {
                self.latencies.entry(op).or_default().push(micros);
                Some(body)
            }
            other => {
                *self.failures.entry((op, status)).or_default() += 1;
                if self.first_failure.is_none() {
                    let text = match other {
                        Ok(b) | Err(b) => b.chars().take(300).collect::<String>(),
                    };
                    self.first_failure = Some(format!("{op}: status {status}: {text}"));
                }
                None
            }
        }
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .build()
}

/// p-th percentile (0..=100) of sorted µs, in ms.
fn pct(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() - 1) as f64 * p / 100.0).round() as usize;
    sorted[i] as f64 / 1e3
}

fn line(what: &str, l: &mut [u64]) -> String {
    l.sort_unstable();
    format!(
        "{what:<24} {:>7} req  p50 {:>8.2}  p90 {:>8.2}  p99 {:>8.2}  max {:>9.2} ms",
        l.len(),
        pct(l, 50.0),
        pct(l, 90.0),
        pct(l, 99.0),
        pct(l, 100.0)
    )
}

/// `VmHWM` and `VmRSS` of a process, in MiB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (kib("VmHWM:") / 1024.0, kib("VmRSS:") / 1024.0)
}

fn database_size(reg: &Path, database: Option<&str>) -> String {
    match database {
        None => {
            let size = |name: &str| {
                std::fs::metadata(reg.join(name))
                    .map(|m| m.len())
                    .unwrap_or(0)
            };
            let (db, wal) = (size("registry.db"), size("registry.db-wal"));
            format!(
                "{:.1} MiB (registry.db {:.1} MiB + WAL {:.1} MiB)",
                (db + wal) as f64 / 1048576.0,
                db as f64 / 1048576.0,
                wal as f64 / 1048576.0
            )
        }
        Some(url) => match Command::new("psql")
            .args([url, "-tAc", "select pg_database_size(current_database())"])
            .output()
        {
            Ok(o) if o.status.success() => {
                let bytes: f64 = String::from_utf8_lossy(&o.stdout)
                    .trim()
                    .parse()
                    .unwrap_or(f64::NAN);
                format!("{:.1} MiB (pg_database_size)", bytes / 1048576.0)
            }
            Ok(o) => format!(
                "unknown (psql: {})",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => format!("unknown (psql: {e})"),
        },
    }
}

/// Server-side durations (the `ms` field of its request log lines), by method and path shape.
fn server_side(log: &Path) -> (Vec<String>, usize, usize) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut by: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let (mut errors, mut warnings) = (0, 0);
    for l in text.lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(l) else {
            continue;
        };
        match v["level"].as_str() {
            Some("ERROR") => errors += 1,
            Some("WARN") => warnings += 1,
            _ => {}
        }
        let f = &v["fields"];
        if f["message"] != "request" {
            continue;
        }
        let mut path = String::new();
        let raw = f["path"].as_str().unwrap_or("?");
        for c in raw.strip_prefix("/api/v1").unwrap_or(raw).chars() {
            if !c.is_ascii_digit() {
                path.push(c);
            } else if !path.ends_with('N') {
                path.push('N');
            }
        }
        let key = format!("{} {}", f["method"].as_str().unwrap_or("?"), path);
        let ms = f["ms"].as_f64().unwrap_or(f64::NAN);
        by.entry(key).or_default().push((ms * 1e3) as u64);
    }
    let lines = by.into_iter().map(|(k, mut l)| line(&k, &mut l)).collect();
    (lines, errors, warnings)
}

/// Fetches every entry through the list API, rebuilds the tree and checks its root against the
/// signed checkpoint. Answers the verified size.
fn verify_log(url: &str, reg: &Path) -> Result<u64, String> {
    let client = Client::new(url).map_err(|e| e.to_string())?;
    let log_key = std::fs::read_to_string(reg.join("log.pub")).map_err(|e| e.to_string())?;
    let log =
        PublicKey::parse_role("log", log_key.trim(), KeyRole::Log).map_err(|e| e.to_string())?;
    let checkpoint = client.checkpoint().map_err(|e| e.to_string())?;
    let signed = open_checkpoint(&checkpoint, &log, &[]).map_err(|e| e.to_string())?;
    let mut tree = MemoryTree::new();
    while tree.size() < signed.size {
        let page = client
            .list(tree.size(), zkgov_registry::api::MAX_LIST)
            .map_err(|e| e.to_string())?;
        if page.entries.is_empty() {
            return Err(format!(
                "the list stops at {} of {}",
                tree.size(),
                signed.size
            ));
        }
        for e in page.entries {
            if e.index != tree.size() {
                return Err(format!(
                    "listed index {} where {} was due",
                    e.index,
                    tree.size()
                ));
            }
            if e.index < signed.size {
                tree.append(e.leaf.text().as_bytes())
                    .map_err(|e| e.to_string())?;
            }
        }
    }
    if tree.root() != signed.root {
        return Err(format!(
            "the root rebuilt from {} listed entries differs from the signed checkpoint's",
            tree.size()
        ));
    }
    Ok(signed.size)
}

/// Makes `entries` bundles under a fresh key written to `keys`.
fn make_bundles(keys: &Path, entries: usize) -> Vec<String> {
    let t = Instant::now();
    let factory = BundleFactory::new(keys);
    let keygen = t.elapsed();
    let t = Instant::now();
    let bundles: Vec<String> = (0..entries as u64)
        .into_par_iter()
        .map(|n| factory.bundle(n))
        .collect();
    let made = t.elapsed();
    let avg_bytes = bundles.iter().map(String::len).sum::<usize>() / bundles.len().max(1);
    println!(
        "bundles: keygen {:.1} s; {entries} bundles in {:.1} s on {} threads ({:.1} ms per bundle wall, {avg_bytes} bytes each)",
        keygen.as_secs_f64(),
        made.as_secs_f64(),
        rayon::current_num_threads(),
        made.as_secs_f64() * 1e3 / entries.max(1) as f64
    );
    bundles
}

/// Bundles and their key from `cache` (ZKGOV_LOAD_BUNDLES), made there first if it holds fewer
/// than `entries`: one set serves the SQLite and the PostgreSQL runs.
fn cached_bundles(cache: &Path, keys: &Path, entries: usize) -> Vec<String> {
    let file = cache.join("bundles.json");
    let cached: Vec<String> = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default();
    let copy = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).expect("key dir");
        for f in std::fs::read_dir(from).expect("key dir") {
            let f = f.expect("key file").path();
            std::fs::copy(&f, to.join(f.file_name().expect("name"))).expect("copy key");
        }
    };
    if cached.len() >= entries {
        copy(&cache.join("keys"), keys);
        println!("bundles: {entries} taken from {}", file.display());
        return cached.into_iter().take(entries).collect();
    }
    let bundles = make_bundles(keys, entries);
    let _ = std::fs::remove_dir_all(cache.join("keys"));
    copy(keys, &cache.join("keys"));
    std::fs::write(&file, serde_json::to_string(&bundles).expect("json")).expect("write cache");
    bundles
}

fn main() {
    let entries = env_num("ZKGOV_LOAD_ENTRIES", 10_000);
    let readers = env_num("ZKGOV_LOAD_READERS", 50);
    let writers = env_num("ZKGOV_LOAD_WRITERS", 1).max(1);
    let database = std::env::var("ZKGOV_LOAD_DATABASE")
        .ok()
        .filter(|d| !d.is_empty());
    let kind = if database.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    // `cargo bench` passes --bench; nothing else is accepted.
    if std::env::args().skip(1).any(|a| a != "--bench") {
        eprintln!("registry_load takes no arguments; it reads ZKGOV_LOAD_* (see the source)");
    }
    let tmp = tempfile::tempdir().expect("temp dir");
    let reg = tmp.path().join("reg");
    let (config, token) = init_registry(&reg, "registry.bench/zkgov", database.as_deref());
    configure(&config, &[("requests_per_minute", RATE)], "");
    println!("registry_load: {entries} entries, {writers} writer(s), {readers} readers, {kind}");
    println!("rate limit lifted: requests_per_minute = {RATE} (all clients share 127.0.0.1)");

    let bundles = match std::env::var_os("ZKGOV_LOAD_BUNDLES") {
        Some(cache) => cached_bundles(Path::new(&cache), &reg.join("keys"), entries),
        None => make_bundles(&reg.join("keys"), entries),
    };

    let server_log = tmp.path().join("server.log");
    let server = Server::start(&config, None, &server_log);
    let url = server.url.clone();
    let pid = server.child.id();
    println!("server: pid {pid} at {url}, log {}", server_log.display());

    let bundles = Arc::new(bundles);
    let next = Arc::new(AtomicUsize::new(0));
    let size = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let started = Instant::now();

    let reader_handles: Vec<_> = (0..readers)
        .map(|r| {
            let (url, size, done) = (url.clone(), Arc::clone(&size), Arc::clone(&done));
            std::thread::spawn(move || {
                let agent = agent();
                let mut rng = StdRng::seed_from_u64(0x5eed_0000 + r as u64);
                let mut seen = Seen::default();
                while !done.load(Ordering::Relaxed) {
                    let n = size.load(Ordering::Acquire);
                    let op = if n == 0 { 2 } else { rng.gen_range(0..4) };
                    let path = match op {
                        0 => format!("/api/v1/entries/{}", rng.gen_range(0..n)),
                        1 => format!(
                            "/api/v1/proof/inclusion?index={}&size={n}",
                            rng.gen_range(0..n)
                        ),
                        2 => "/api/v1/checkpoint".to_string(),
                        _ => format!("/api/v1/entries?start={}&limit=100", rng.gen_range(0..n)),
                    };
                    let t = Instant::now();
                    let r = agent.get(&format!("{url}{path}")).call();
                    seen.record(OPS[op], started, t, r);
                }
                seen
            })
        })
        .collect();

    let writer_handles: Vec<_> = (0..writers)
        .map(|_| {
            let (url, token) = (url.clone(), token.clone());
            let (bundles, next, size) =
                (Arc::clone(&bundles), Arc::clone(&next), Arc::clone(&size));
            std::thread::spawn(move || {
                let agent = agent();
                let mut seen = Seen::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(bundle) = bundles.get(i) else {
                        break;
                    };
                    let t = Instant::now();
                    let r = agent
                        .post(&format!("{url}/api/v1/entries"))
                        .set("Authorization", &format!("Bearer {token}"))
                        .set("Content-Type", "application/json")
                        .send_string(bundle);
                    if let Some(body) = seen.record("append", started, t, r) {
                        let index = serde_json::from_str::<serde_json::Value>(&body)
                            .ok()
                            .and_then(|v| v["index"].as_u64())
                            .expect("an index in the answer to a publication");
                        size.fetch_max(index + 1, Ordering::Release);
                    }
                }
                seen
            })
        })
        .collect();

    let mut writes = Seen::default();
    for h in writer_handles {
        writes.merge(h.join().expect("writer"));
    }
    let append_time = started.elapsed();
    done.store(true, Ordering::Relaxed);
    let mut reads = Seen::default();
    for h in reader_handles {
        reads.merge(h.join().expect("reader"));
    }
    let wall = started.elapsed();
    let (hwm, rss) = memory(pid);
    let db_size = database_size(&reg, database.as_deref());

    let appended = writes.latencies.get("append").map_or(0, Vec::len);
    let read_total: usize = reads.latencies.values().map(Vec::len).sum();
    let read_failures: u64 = reads.failures.values().sum();
    let mut all_reads: Vec<u64> = reads.latencies.values().flatten().copied().collect();

    let t = Instant::now();
    let verified = verify_log(&url, &reg);
    let verify_time = t.elapsed();
    let (server_lines, errors, warnings) = server_side(&server_log);

    // Restart once: the server rebuilds the tree from the stored leaves and checks every checkpoint.
    let status = server.terminate();
    let t = Instant::now();
    let restarted = Server::start(&config, None, &tmp.path().join("restart.log"));
    let restart_time = t.elapsed();
    let restarted_size = Client::new(&restarted.url)
        .and_then(|c| c.health())
        .map(|h| h.size);
    let (restart_hwm, _) = memory(restarted.child.id());
    drop(restarted);
    if std::env::var_os("ZKGOV_LOAD_KEEP").is_some() {
        println!(
            "kept:             {} (ZKGOV_LOAD_KEEP)",
            tmp.keep().display()
        );
    }

    println!("=== registry_load summary ===");
    println!("setup:            whole-process: `zkgov registry serve` is a separate process (pid {pid}); this bench process is the client, same machine ({} cores)", std::thread::available_parallelism().map_or(0, |n| n.get()));
    println!("database:         {kind}");
    println!("entries:          {appended} appended of {entries} ({writers} writer thread(s))");
    println!(
        "appends/s:        {:.1}  ({:.2} s for all appends)",
        appended as f64 / append_time.as_secs_f64(),
        append_time.as_secs_f64()
    );
    if let Some(l) = writes.latencies.get_mut("append") {
        println!("{}", line("append latency", l));
    }
    println!(
        "reads:            {read_total} ok by {readers} readers, {:.1} reads/s",
        read_total as f64 / wall.as_secs_f64()
    );
    println!("{}", line("read latency (all)", &mut all_reads));
    for (op, l) in reads.latencies.iter_mut() {
        println!("{}", line(&format!("  {op}"), l));
    }
    let slowest: Vec<String> = writes
        .slowest
        .iter()
        .chain(reads.slowest.iter())
        .map(|(op, (us, at))| {
            format!(
                "{op} {:.1} ms at {:.2} s",
                *us as f64 / 1e3,
                *at as f64 / 1e3
            )
        })
        .collect();
    println!("slowest:          {}", slowest.join(", "));
    let too_many: u64 = reads
        .failures
        .iter()
        .chain(writes.failures.iter())
        .filter(|((_, s), _)| *s == 429)
        .map(|(_, n)| n)
        .sum();
    println!(
        "non-2xx:          reads {read_failures}, appends {} (of them 429: {too_many}){}",
        writes.failures.values().sum::<u64>(),
        if read_failures + writes.failures.values().sum::<u64>() == 0 {
            String::new()
        } else {
            format!(
                " {:?}",
                reads
                    .failures
                    .iter()
                    .chain(writes.failures.iter())
                    .collect::<Vec<_>>()
            )
        }
    );
    if let Some(f) = writes
        .first_failure
        .as_ref()
        .or(reads.first_failure.as_ref())
    {
        println!("first failure:    {f}");
    }
    println!(
        "wall time:        {:.2} s (appends and reads)",
        wall.as_secs_f64()
    );
    println!("server memory:    peak RSS (VmHWM) {hwm:.1} MiB, RSS at end {rss:.1} MiB");
    println!("database size:    {db_size}");
    println!("server log:       {errors} ERROR, {warnings} WARN lines; server-side time per request (its `ms` field):");
    for l in &server_lines {
        println!("  {l}");
    }
    match &verified {
        Ok(n) => println!(
            "verification:     OK: {n} entries listed, tree rebuilt, root = signed checkpoint's ({:.2} s)",
            verify_time.as_secs_f64()
        ),
        Err(e) => println!("verification:     FAILED: {e}"),
    }
    println!(
        "restart:          stopped ({status}); restarted and listening in {:.2} s with {} entries, peak RSS {restart_hwm:.1} MiB",
        restart_time.as_secs_f64(),
        restarted_size.map_or_else(|e| e.to_string(), |s| s.to_string())
    );
    let ok = verified.as_ref().is_ok_and(|n| *n == appended as u64)
        && read_failures == 0
        && writes.failures.is_empty()
        && appended == entries;
    println!("result:           {}", if ok { "PASS" } else { "FAIL" });
    if !ok {
        std::process::exit(1);
    }
}
