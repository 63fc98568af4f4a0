//! Support for the registry tests and the registry benches: valid bundles made in process (a
//! test-only compute key at capacity 16, a fresh salt per bundle, so every bundle makes its own
//! statement), and a registry server run as the real `zkgov registry serve` process.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
};
use zkgov_evidence::ledger_file::PeakTable;
use zkgov_prover::{keys, prove::ComputeJob};
use zkgov_spec::{bundle::Bundle, ledger::Record, statement::Context};

/// Makes valid, distinct bundles quickly.
pub struct BundleFactory {
    pair: keys::KeyPair,
    peaks: PeakTable,
}

impl BundleFactory {
    /// A fresh test-only compute key at capacity 16, written to `keys_dir`.
    pub fn new(keys_dir: &Path) -> Self {
        let pair = keys::generate(zkgov_circuits::Circuit::Compute, 16, &mut rand::rngs::OsRng)
            .expect("keygen");
        keys::write(keys_dir, &pair).expect("write key");
        BundleFactory {
            pair,
            peaks: PeakTable::from_args(&["H100=989.4e12".to_string()]).unwrap(),
        }
    }

    /// A bundle claiming "at most 1e25 FLOP" under the EU example policy's context, over a ledger
    /// of `1 + n % 5` records; a fresh salt makes each statement new.
    pub fn bundle(&self, n: u64) -> String {
        let records = (0..=n % 5)
            .map(|i| Record {
                class: 0,
                devices: 8,
                seconds: 3600 + i,
            })
            .collect();
        let mut seed = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
        let job = ComputeJob::new(
            records,
            &self.peaks,
            10u128.pow(25),
            Context {
                policy_id: "eu-ai-act-art51".into(),
                epoch: 2026,
                nonce: None,
            },
            &seed,
            Some(16),
        )
        .expect("job");
        let claim = job
            .prove(&self.pair, &mut rand::rngs::OsRng)
            .expect("prove");
        Bundle::new(vec![claim]).to_json()
    }
}

/// A `zkgov registry serve` process; killed when dropped.
pub struct Server {
    /// The process.
    pub child: Child,
    /// Its base URL.
    pub url: String,
}

impl Server {
    /// Starts the registry configured in `config` on a free port, with `database` if given, and
    /// waits until it listens. Its JSON logs go to `log`.
    pub fn start(config: &Path, database: Option<&str>, log: &Path) -> Server {
        Self::try_start(config, database, log).unwrap_or_else(|e| panic!("{e}"))
    }

    /// As [`Server::start`], answering the error line instead of panicking.
    pub fn try_start(config: &Path, database: Option<&str>, log: &Path) -> Result<Server, String> {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_zkgov"));
        cmd.args(["registry", "serve", "--config"])
            .arg(config)
            .args(["--listen", "127.0.0.1:0"]);
        if let Some(d) = database {
            cmd.args(["--database", d]);
        }
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| e.to_string())?;
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        let url = line
            .split("http://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .map(|a| format!("http://{a}"));
        match url {
            Some(url) => Ok(Server { child, url }),
            None => {
                let status = child.wait().map_err(|e| e.to_string())?;
                Err(format!("registry did not start ({status}): {line}"))
            }
        }
    }

    /// SIGKILL, and wait.
    pub fn kill9(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM (graceful shutdown), and the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.child.wait().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `zkgov registry init` in `dir` (keys in `dir/keys`); returns the config path and the token.
pub fn init_registry(dir: &Path, origin: &str, database: Option<&str>) -> (PathBuf, String) {
    let mut args = vec![
        "registry",
        "init",
        dir.to_str().unwrap(),
        "--origin",
        origin,
        "--submitter",
        "Frontier Lab",
    ];
    if let Some(d) = database {
        args.extend(["--database", d]);
    }
    let o = Command::new(env!("CARGO_BIN_EXE_zkgov"))
        .args(&args)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let token = std::fs::read_to_string(dir.join("submitter.token")).unwrap();
    (dir.join("registry.toml"), token.trim().to_string())
}

/// Edits the registry's configuration: `top` replaces top-level lines with the same key, and
/// `tables` (e.g. `[[witness]]` blocks) are appended.
pub fn configure(config: &Path, top: &[(&str, &str)], tables: &str) {
    let mut text = std::fs::read_to_string(config).unwrap();
    for (key, value) in top {
        let start = text
            .find(&format!("\n{key} = "))
            .unwrap_or_else(|| panic!("no {key} in the configuration"));
        let end = text[start + 1..].find('\n').unwrap() + start + 1;
        text.replace_range(start + 1..end, &format!("{key} = {value}"));
    }
    text.push_str(tables);
    std::fs::write(config, text).unwrap();
}
