//! The disclosure registry end to end, through the real `zkgov registry serve` process and the
//! CLI: publication, the refusals (each with its reason and nothing stored), witnesses and split
//! views, `zkgov verify --registry`, PostgreSQL, kill -9 in the middle of appends, and the web page
//! in a real headless Chromium.

mod common;

use common::registry::{configure, init_registry, BundleFactory, Server};
use common::zkgov;
use std::{path::Path, process::Command, time::Duration};
use zkgov_registry::{
    client::Client,
    log::{sha256_hex, MemoryTree},
    note::{open_checkpoint, KeyRole, PublicKey},
};

fn out(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn post(url: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut req = ureq::post(&format!("{url}/api/v1/entries"));
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    match req.send_string(body) {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(s, r)) => (s, r.into_string().unwrap_or_default()),
        Err(e) => panic!("{e}"),
    }
}

fn size(url: &str) -> u64 {
    Client::new(url).unwrap().health().unwrap().size
}

fn log_key(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("log.pub"))
        .unwrap()
        .trim()
        .to_string()
}

/// A witness key made with the CLI; returns (secret file, public key).
fn witness_key(dir: &Path, name: &str) -> (std::path::PathBuf, String) {
    let file = dir.join(format!("{name}.key"));
    let o = zkgov(
        &[
            "registry",
            "witness-key",
            "--name",
            name,
            "--out",
            file.to_str().unwrap(),
        ],
        dir,
    );
    assert!(o.status.success(), "{}", out(&o));
    let public = std::fs::read_to_string(dir.join(format!("{name}.key.pub"))).unwrap();
    (file, public.trim().to_string())
}

fn witness(dir: &Path, url: &str, log: &str, key: &Path, state: &str) -> std::process::Output {
    zkgov(
        &[
            "registry",
            "witness",
            "--registry",
            url,
            "--log-key",
            log,
            "--witness-key",
            key.to_str().unwrap(),
            "--state",
            state,
        ],
        dir,
    )
}

/// The EU example policy, requiring publication in the registry with `quorum` of `witnesses`.
fn policy_with_registry(
    dir: &Path,
    name: &str,
    log: &str,
    witnesses: &[&str],
    quorum: usize,
) -> String {
    let example = include_str!("../policies/eu-ai-act-art51.example.toml");
    let list: Vec<String> = witnesses.iter().map(|w| format!("\"{w}\"")).collect();
    let text = format!(
        "{example}\n[registry]\nlog_key = \"{log}\"\nwitnesses = [{}]\nwitness_quorum = {quorum}\n",
        list.join(", ")
    );
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// `zkgov verify BUNDLE --keys KEYS --policy POLICY --registry URL` (with `--json` if asked).
fn verify_published(
    d: &Path,
    json: bool,
    bundle: &str,
    keys: &str,
    policy: &str,
    url: &str,
) -> std::process::Output {
    let mut args = vec![
        "verify",
        bundle,
        "--keys",
        keys,
        "--policy",
        policy,
        "--registry",
        url,
    ];
    if json {
        args.insert(0, "--json");
    }
    zkgov(&args, d)
}

#[test]
fn publish_refuse_witness_and_verify_against_the_registry() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let reg = d.join("reg");
    let (config, token) = init_registry(&reg, "registry.test/zkgov", None);
    let (w1_key, w1) = witness_key(d, "witness.ruritania");
    let (w2_key, w2) = witness_key(d, "witness.freedonia");
    configure(
        &config,
        &[("max_body_bytes", "65536")],
        &format!("\n[[witness]]\nkey = \"{w1}\"\n\n[[witness]]\nkey = \"{w2}\"\n"),
    );
    let factory = BundleFactory::new(&reg.join("keys"));
    let server = Server::start(&config, None, &d.join("server.log"));
    let url = server.url.clone();
    let log = log_key(&reg);

    // Publish through the CLI.
    let a = factory.bundle(1);
    std::fs::write(d.join("a.json"), &a).unwrap();
    std::fs::write(d.join("token"), &token).unwrap();
    let o = zkgov(
        &[
            "registry",
            "publish",
            "a.json",
            "--registry",
            &url,
            "--token-file",
            "token",
        ],
        d,
    );
    assert!(o.status.success(), "{}", out(&o));
    assert!(out(&o).contains("Published at index 0"), "{}", out(&o));

    // Refusals: each names its reason, and the log does not grow.
    let cases: Vec<(&str, Option<&str>, String, u16, &str)> = vec![
        (
            "replayed bundle",
            Some(&token),
            a.clone(),
            409,
            "already published at index 0 (the same bundle)",
        ),
        (
            "same statements, other bytes",
            Some(&token),
            serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&a).unwrap()).unwrap(),
            409,
            "the same statements",
        ),
        (
            "no token",
            None,
            factory.bundle(2),
            401,
            "submitter token is required",
        ),
        (
            "wrong token",
            Some("0000"),
            factory.bundle(2),
            401,
            "submitter token is required",
        ),
        (
            "malformed JSON",
            Some(&token),
            "{\"format\": ".into(),
            400,
            "not a bundle",
        ),
        (
            "not a bundle",
            Some(&token),
            "[1, 2]".into(),
            400,
            "not a bundle",
        ),
        ("oversized body", Some(&token), " ".repeat(70_000), 413, ""),
    ];
    for (what, tok, body, status, reason) in cases {
        let (s, text) = post(&url, tok, &body);
        assert_eq!(s, status, "{what}: {text}");
        assert!(text.contains(reason), "{what}: {text}");
        assert_eq!(size(&url), 1, "{what} stored something");
    }
    // An invalid proof: one changed hex digit in the proof.
    let mut v: serde_json::Value = serde_json::from_str(&factory.bundle(3)).unwrap();
    let proof = v["claims"][0]["proof"].as_str().unwrap().to_string();
    let flipped = if proof.as_bytes()[10] == b'0' {
        "1"
    } else {
        "0"
    };
    v["claims"][0]["proof"] = format!("{}{flipped}{}", &proof[..10], &proof[11..]).into();
    let (s, text) = post(&url, Some(&token), &v.to_string());
    assert_eq!(s, 422, "{text}");
    assert!(text.contains("claim 1 is invalid"), "{text}");
    assert_eq!(size(&url), 1);

    // Two more entries; both witnesses co-sign size 3.
    for n in [4, 5] {
        let (s, text) = post(&url, Some(&token), &factory.bundle(n));
        assert_eq!(s, 200, "{text}");
    }
    for (key, state) in [(&w1_key, "w1.state"), (&w2_key, "w2.state")] {
        let o = witness(d, &url, &log, key, state);
        assert!(o.status.success(), "{}", out(&o));
        assert!(out(&o).contains("at size 3"), "{}", out(&o));
    }

    // verify --registry: published, seen by both witnesses.
    let both = policy_with_registry(d, "both.toml", &log, &[&w1, &w2], 2);
    let keys = reg.join("keys");
    let keys = keys.to_str().unwrap();
    let o = verify_published(d, false, "a.json", keys, &both, &url);
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    assert!(
        text.contains("published in registry.test/zkgov at index 0")
            && text.contains("by Frontier Lab")
            && text.contains("seen by witnesses witness.ruritania, witness.freedonia"),
        "{text}"
    );
    let o = verify_published(d, true, "a.json", keys, &both, &url);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["bundles"][0]["publications"][0]["published"], true);
    assert_eq!(
        j["bundles"][0]["publications"][0]["publication"]["index"],
        0
    );

    // A bundle not published: not shown (exit 3), naming why.
    std::fs::write(d.join("unpublished.json"), factory.bundle(6)).unwrap();
    let o = verify_published(d, false, "unpublished.json", keys, &both, &url);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(out(&o).contains("publication NOT SHOWN"), "{}", out(&o));

    // A newer entry seen by one witness only does not meet a quorum of two.
    let c = factory.bundle(7);
    std::fs::write(d.join("c.json"), &c).unwrap();
    let (s, _) = post(&url, Some(&token), &c);
    assert_eq!(s, 200);
    assert!(witness(d, &url, &log, &w1_key, "w1.state").status.success());
    let o = verify_published(d, false, "c.json", keys, &both, &url);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(
        out(&o).contains("co-signed by 2 of the policy's witnesses"),
        "{}",
        out(&o)
    );
    let one = policy_with_registry(d, "one.toml", &log, &[&w1, &w2], 1);
    let o = verify_published(d, false, "c.json", keys, &one, &url);
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("at index 3") && out(&o).contains("seen by witnesses witness.ruritania")
    );

    // A policy trusting another log key: the registry's checkpoints are refused as forged.
    let impostor_dir = d.join("impostor");
    init_registry(&impostor_dir, "registry.test/zkgov", None);
    let impostor = policy_with_registry(d, "impostor.toml", &log_key(&impostor_dir), &[&w1], 1);
    let o = verify_published(d, false, "a.json", keys, &impostor, &url);
    assert_eq!(o.status.code(), Some(3), "{}", out(&o));
    assert!(
        out(&o).contains("not signed by the log key") || out(&o).contains("signature"),
        "{}",
        out(&o)
    );

    // Cosignatures the registry refuses: an unknown witness, a signature on another checkpoint.
    let (stranger_key, _) = witness_key(d, "witness.stranger");
    let o = witness(d, &url, &log, &stranger_key, "stranger.state");
    assert!(!o.status.success());
    assert!(
        out(&o).contains("not a witness this registry knows"),
        "{}",
        out(&o)
    );
    let client = Client::new(&url).unwrap();
    let note = client.checkpoint().unwrap();
    let key =
        zkgov_registry::note::NoteKey::parse(&std::fs::read_to_string(&w2_key).unwrap()).unwrap();
    let other_size = open_checkpoint(
        &client.checkpoint().unwrap(),
        &PublicKey::parse("log", &log).unwrap(),
        &[],
    )
    .unwrap();
    let forged = zkgov_registry::api::CosignatureSubmission {
        checkpoint: other_size
            .text
            .replacen(&format!("\n{}\n", other_size.size), "\n2\n", 1),
        signature: key.cosign(&note, 1).unwrap(),
    };
    let e = client.cosign(&forged).unwrap_err().to_string();
    assert!(
        e.contains("not on the log's checkpoint") || e.contains("checkpoint refused"),
        "{e}"
    );

    // get / list / proof for scripts.
    let o = zkgov(&["--json", "registry", "list", "--registry", &url], d);
    let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(j["size"], 4);
    assert_eq!(j["entries"][0]["leaf"]["submitter"], "Frontier Lab");
    let o = zkgov(
        &[
            "registry",
            "get",
            "--registry",
            &url,
            "--bundle",
            "a.json",
            "--out",
            "got.json",
        ],
        d,
    );
    assert!(
        o.status.success() && out(&o).contains("matches the entry"),
        "{}",
        out(&o)
    );
    assert_eq!(std::fs::read_to_string(d.join("got.json")).unwrap(), a);
    let o = zkgov(
        &[
            "registry",
            "proof",
            "inclusion",
            "--registry",
            &url,
            "--index",
            "2",
            "--log-key",
            &log,
        ],
        d,
    );
    assert!(
        o.status.success() && out(&o).contains("verified"),
        "{}",
        out(&o)
    );
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("w2.state")).unwrap()).unwrap();
    let o = zkgov(
        &[
            "registry",
            "proof",
            "consistency",
            "--registry",
            &url,
            "--from",
            "3",
            "--from-root",
            state["root"].as_str().unwrap(),
            "--log-key",
            &log,
        ],
        d,
    );
    assert!(
        o.status.success() && out(&o).contains("extends size 3"),
        "{}",
        out(&o)
    );

    // Graceful shutdown on SIGTERM.
    let status = server.terminate();
    assert!(status.success(), "{status}");
}

#[test]
fn a_witness_refuses_a_forked_log_and_keeps_the_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (w_key, w) = witness_key(d, "witness.ruritania");
    // Two registries under one log key: the log showing different histories to different states.
    let honest = d.join("honest");
    let (config, token) = init_registry(&honest, "registry.test/zkgov", None);
    let fork = d.join("fork");
    let (fork_config, fork_token) = init_registry(&fork, "registry.test/zkgov", None);
    std::fs::copy(honest.join("log.key"), fork.join("log.key")).unwrap();
    for c in [&config, &fork_config] {
        configure(c, &[], &format!("\n[[witness]]\nkey = \"{w}\"\n"));
    }
    let factory = BundleFactory::new(&honest.join("keys"));
    for f in std::fs::read_dir(honest.join("keys")).unwrap() {
        let f = f.unwrap().path();
        std::fs::copy(&f, fork.join("keys").join(f.file_name().unwrap())).unwrap();
    }
    let a = Server::start(&config, None, &d.join("a.log"));
    let b = Server::start(&fork_config, None, &d.join("b.log"));
    let log = log_key(&honest);
    for n in 0..3 {
        assert_eq!(post(&a.url, Some(&token), &factory.bundle(n)).0, 200);
    }
    assert!(witness(d, &a.url, &log, &w_key, "w.state").status.success());
    let state = || std::fs::read_to_string(d.join("w.state")).unwrap();
    let before = state();
    let evidence = || {
        std::fs::read_dir(d)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("split-view")
            })
            .count()
    };

    // The fork at size 1 (a smaller tree), 3 (same size, another root), 4 (not an extension).
    let expectations = [
        (1, "a log never shrinks"),
        (3, "two checkpoints of size 3 with different roots"),
        (4, "does not extend the tree of 3"),
    ];
    let mut published = 0;
    for (n, (target, why)) in expectations.iter().enumerate() {
        while published < *target {
            assert_eq!(
                post(&b.url, Some(&fork_token), &factory.bundle(100 + published)).0,
                200
            );
            published += 1;
        }
        let o = witness(d, &b.url, &log, &w_key, "w.state");
        assert!(!o.status.success(), "{}", out(&o));
        let text = out(&o);
        assert!(text.contains("split view") && text.contains(why), "{text}");
        assert_eq!(state(), before, "the state changed");
        assert_eq!(evidence(), n + 1);
        // Nothing was co-signed on the fork.
        assert!(Client::new(&b.url)
            .unwrap()
            .cosigned(10)
            .unwrap()
            .is_empty());
    }
    // The honest log, extended, is still witnessed.
    assert_eq!(post(&a.url, Some(&token), &factory.bundle(9)).0, 200);
    let o = witness(d, &a.url, &log, &w_key, "w.state");
    assert!(o.status.success(), "{}", out(&o));
    assert!(
        out(&o).contains("at size 4") && out(&o).contains("before: size 3"),
        "{}",
        out(&o)
    );
}

/// What a client saw acknowledged: (index, bundle digest), and the checkpoints it was given.
struct Seen {
    acknowledged: Vec<(u64, String)>,
    /// Rounds in which the kill cut the publisher off before all its appends were acknowledged.
    interrupted: usize,
    checkpoints: Vec<(u64, zkgov_registry::log::Hash)>,
}

/// Kills the server with SIGKILL in the middle of appends, `kills` times; after each restart no
/// acknowledged entry is lost, the tree rebuilt from the stored leaves has the signed root, and
/// every checkpoint acknowledged before is consistent with the new one.
fn kill_loop(database: Option<&str>, kills: usize, d: &Path) -> Seen {
    let reg = d.join("reg");
    let (config, token) = init_registry(&reg, "registry.test/zkgov", database);
    let factory = BundleFactory::new(&reg.join("keys"));
    let log = PublicKey::parse_role("log", &log_key(&reg), KeyRole::Log).unwrap();
    // Enough bundles for every round, made before the loop.
    let pool: Vec<String> = (0..(kills as u64 * 3 + 5))
        .map(|n| factory.bundle(n))
        .collect();
    let mut next = 0;
    let mut seen = Seen {
        acknowledged: Vec::new(),
        interrupted: 0,
        checkpoints: Vec::new(),
    };
    for round in 0..=kills {
        let server = Server::start(&config, None, &d.join("server.log"));
        let client = Client::new(&server.url).unwrap();
        // Everything acknowledged before is there, at the same index.
        for (index, digest) in &seen.acknowledged {
            let e = client.entry(*index).unwrap();
            assert_eq!(
                &e.leaf.bundle_sha256, digest,
                "round {round}: entry {index} changed"
            );
        }
        // The tree, rebuilt here from the served leaves, has the root the log signs.
        let list_size = client.health().unwrap().size;
        let mut tree = MemoryTree::new();
        let mut start = 0;
        while start < list_size {
            for e in client.list(start, 1000).unwrap().entries {
                tree.append(e.leaf.text().as_bytes()).unwrap();
                start += 1;
            }
        }
        let now = open_checkpoint(&client.checkpoint().unwrap(), &log, &[]).unwrap();
        assert_eq!(now.size, tree.size());
        assert_eq!(now.root, tree.root(), "round {round}: rebuilt root differs");
        // Every earlier acknowledged checkpoint is a prefix of this one.
        for (size, root) in &seen.checkpoints {
            let proof = client.consistency(*size, now.size).unwrap();
            zkgov_registry::log::verify_consistency(*size, *root, now.size, now.root, &proof)
                .unwrap_or_else(|e| panic!("round {round}: size {size}: {e}"));
        }
        if round == kills {
            break;
        }
        // Appends, with a SIGKILL at a moment that varies from round to round.
        let publisher = {
            let url = server.url.clone();
            let token = token.clone();
            let bundles: Vec<String> = pool[next..(next + 3).min(pool.len())].to_vec();
            std::thread::spawn(move || {
                let client = Client::new(&url).unwrap();
                let mut acks = Vec::new();
                for b in bundles {
                    match client.publish(&token, &b) {
                        Ok(p) => acks.push((p.index, sha256_hex(b.as_bytes()), p.checkpoint)),
                        Err(_) => break,
                    }
                }
                acks
            })
        };
        // Mostly within the first appends; every fourth round late enough for all three to land.
        let delay = if round % 4 == 3 {
            300
        } else {
            2 + (round as u64 * 13) % 40
        };
        std::thread::sleep(Duration::from_millis(delay));
        server.kill9();
        next += 3;
        let acks = publisher.join().unwrap();
        seen.interrupted += usize::from(acks.len() < 3);
        for (index, digest, checkpoint) in acks {
            let c = open_checkpoint(&checkpoint, &log, &[]).unwrap();
            seen.acknowledged.push((index, digest));
            seen.checkpoints.push((c.size, c.root));
        }
    }
    seen
}

#[test]
fn kill_9_in_the_middle_of_appends_loses_nothing_acknowledged() {
    let kills: usize = std::env::var("ZKGOV_REGISTRY_KILLS")
        .ok()
        .and_then(|k| k.parse().ok())
        .unwrap_or(12);
    let tmp = tempfile::tempdir().unwrap();
    let seen = kill_loop(None, kills, tmp.path());
    println!(
        "{kills} kills ({} of them before every append in flight was acknowledged): {} acknowledged entries, all present and consistent",
        seen.interrupted,
        seen.acknowledged.len()
    );
    assert!(!seen.acknowledged.is_empty());
    assert!(
        seen.interrupted > 0,
        "no kill landed in the middle of appends"
    );
}

/// PostgreSQL: a fresh database on the server `.ci/run` starts (ZKGOV_TEST_POSTGRES_URL).
fn postgres_database(name: &str) -> Option<String> {
    let Ok(url) = std::env::var("ZKGOV_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("ZKGOV_REQUIRE_POSTGRES").is_none(),
            "ZKGOV_REQUIRE_POSTGRES is set but ZKGOV_TEST_POSTGRES_URL is not"
        );
        println!("SKIPPED: no PostgreSQL (set ZKGOV_TEST_POSTGRES_URL, as .ci/run does)");
        return None;
    };
    let db = format!("{name}_{}", std::process::id());
    for sql in [
        format!("DROP DATABASE IF EXISTS {db}"),
        format!("CREATE DATABASE {db}"),
    ] {
        let o = Command::new("psql")
            .args([&url, "-q", "-c", &sql])
            .output()
            .expect("psql");
        assert!(o.status.success(), "{}", out(&o));
    }
    let base = url.rsplit_once('/').unwrap().0;
    Some(format!("{base}/{db}"))
}

#[test]
fn postgres_store_survives_kill_9_and_keeps_its_log() {
    let Some(db) = postgres_database("zkgov_registry_kill") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let seen = kill_loop(Some(&db), 5, tmp.path());
    assert!(!seen.acknowledged.is_empty());
    // The entries are in PostgreSQL, not in a SQLite file beside the configuration.
    assert!(!tmp.path().join("reg/registry.db").exists());
    let o = Command::new("psql")
        .args([&db, "-tA", "-c", "SELECT count(*) FROM entries"])
        .output()
        .unwrap();
    let count: usize = String::from_utf8_lossy(&o.stdout).trim().parse().unwrap();
    assert!(count >= seen.acknowledged.len(), "{count}");
}

/// Headless Chromium (`ZKGOV_CHROMIUM`, as `.ci/run` sets, or `chromium` on the PATH).
fn chromium() -> Option<String> {
    if let Ok(c) = std::env::var("ZKGOV_CHROMIUM") {
        return Some(c);
    }
    let found = Command::new("chromium")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("ZKGOV_REQUIRE_CHROMIUM").is_none(),
            "ZKGOV_REQUIRE_CHROMIUM is set but no chromium was found"
        );
        println!("SKIPPED: no chromium (ci/chromium/ensure.sh installs it)");
        return None;
    }
    Some("chromium".into())
}

fn headless(chromium: &str, args: &[&str]) -> std::process::Output {
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .args(args)
        .output()
        .unwrap()
}

/// Whether any pixel of the PNG is exactly `rgb`.
fn has_color(png_path: &Path, rgb: [u8; 3]) -> (u32, u32, bool) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let found = buf[..info.buffer_size()]
        .chunks(channels)
        .any(|p| p[..3] == rgb);
    (info.width, info.height, found)
}

#[test]
fn the_page_lists_entries_and_shows_a_tampered_one_failing_in_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let reg = d.join("reg");
    let (config, token) = init_registry(&reg, "registry.test/zkgov", None);
    configure(&config, &[("policies", "[\"eu.toml\"]")], "");
    std::fs::write(
        reg.join("eu.toml"),
        include_str!("../policies/eu-ai-act-art51.example.toml"),
    )
    .unwrap();
    let factory = BundleFactory::new(&reg.join("keys"));
    let server = Server::start(&config, None, &d.join("server.log"));
    for n in 0..2 {
        assert_eq!(post(&server.url, Some(&token), &factory.bundle(n)).0, 200);
    }
    // Tamper with entry 0's stored bundle, behind the registry's back, in its database.
    let tampered = factory.bundle(7);
    let script = "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.execute('UPDATE entries SET bundle = ? WHERE idx = 0', (sys.argv[2],))\nc.commit()\n";
    let o = Command::new("python3")
        .args([
            "-c",
            script,
            reg.join("registry.db").to_str().unwrap(),
            &tampered,
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", out(&o));

    let page = format!("{}/", server.url);
    let o = headless(&chromium, &["--dump-dom", &page]);
    assert!(o.status.success(), "{}", out(&o));
    let dom = String::from_utf8_lossy(&o.stdout);
    let row = |i: usize| {
        let start = dom
            .find(&format!("id=\"entry-{i}\""))
            .unwrap_or_else(|| panic!("no entry {i}: {dom}"));
        dom[start..start + dom[start..].find("</tr>").unwrap()].to_string()
    };
    let (tampered_row, honest_row) = (row(0), row(1));
    assert!(
        tampered_row.contains("data-status=\"failing\"")
            && tampered_row.contains("FAILING")
            && tampered_row.contains("the stored bundle is not the one the log recorded"),
        "{tampered_row}"
    );
    assert!(
        honest_row.contains("data-status=\"ok\"")
            && honest_row.contains("INCLUDED")
            && honest_row.contains("at most 1e25 FLOP")
            && honest_row.contains("COMPLIANT")
            && honest_row.contains("Frontier Lab"),
        "{honest_row}"
    );
    assert!(dom.contains("2 disclosure(s)"));

    // The screenshot shows both: a failing cell (#fdd) and an included one (#dfd).
    let shot = d.join("page.png");
    let o = headless(
        &chromium,
        &[
            "--window-size=1280,900",
            &format!("--screenshot={}", shot.display()),
            &page,
        ],
    );
    assert!(o.status.success(), "{}", out(&o));
    let (w, h, failing) = has_color(&shot, [0xff, 0xdd, 0xdd]);
    let (_, _, included) = has_color(&shot, [0xdd, 0xff, 0xdd]);
    assert_eq!((w, h), (1280, 900));
    assert!(
        failing && included,
        "failing {failing}, included {included}"
    );
    // A page kept for whoever reads the CI log.
    if let Ok(dir) = std::env::var("ZKGOV_ARTIFACTS") {
        let _ = std::fs::copy(&shot, Path::new(&dir).join("registry-page.png"));
    }
}

/// The README's third command: `zkgov registry demo` starts a registry on SQLite in a local
/// directory, runs the demo and publishes its bundle; the page shows it included.
#[test]
fn registry_demo_publishes_the_demo_bundle() {
    use std::io::BufRead;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("registry-demo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_zkgov"))
        .args([
            "registry",
            "demo",
            "--dir",
            dir.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut transcript = String::new();
    let url = loop {
        let line = lines
            .next()
            .unwrap_or_else(|| panic!("ended early:\n{transcript}"))
            .unwrap();
        transcript.push_str(&line);
        transcript.push('\n');
        if let Some(rest) = line.strip_prefix("Open ") {
            break rest.split('/').take(3).collect::<Vec<_>>().join("/");
        }
    };
    assert!(transcript.contains("Published at index 0"), "{transcript}");
    assert!(dir.join("registry.db").exists());
    let page = ureq::get(&format!("{url}/"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        page.contains("1 disclosure(s)") && page.contains("INCLUDED"),
        "{page}"
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}

/// The per-client request rate: past it, 429 with a reason, for readers and submitters alike.
#[test]
fn requests_beyond_the_rate_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let reg = tmp.path().join("reg");
    let (config, _) = init_registry(&reg, "registry.test/zkgov", None);
    configure(&config, &[("requests_per_minute", "3")], "");
    let server = Server::start(&config, None, &tmp.path().join("server.log"));
    let get = || match ureq::get(&format!("{}/healthz", server.url)).call() {
        Ok(r) => (r.status(), r.into_string().unwrap()),
        Err(ureq::Error::Status(s, r)) => (s, r.into_string().unwrap()),
        Err(e) => panic!("{e}"),
    };
    for _ in 0..3 {
        assert_eq!(get().0, 200);
    }
    let (status, text) = get();
    assert_eq!(status, 429, "{text}");
    assert!(text.contains("too many requests"), "{text}");
    let (status, _) = post(&server.url, Some("x"), "{}");
    assert_eq!(status, 429);
}
