//! Where the log lives: SQLite (one file, WAL, `synchronous=FULL`) or PostgreSQL, through one code
//! path (`sqlx`'s `Any` driver, portable SQL only).
//!
//! Tables: `entries` (index, leaf text, bundle digest, statement identity, bundle JSON),
//! `checkpoints` (the signed checkpoint of every size) and `cosignatures` (witness signature lines
//! per size). An append writes the entry and the checkpoint of the new size in one transaction:
//! an acknowledged entry is committed with the checkpoint that covers it, and an interrupted one
//! leaves neither. `UNIQUE` on the index, the bundle digest and the statement identity makes a
//! second writer or a replay fail in the database even if a check above it were skipped.

use crate::RegistryError;
use sqlx::{any::AnyPoolOptions, AnyPool, Executor, Row};
use std::time::Duration;

/// One stored entry.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    /// Its index in the log.
    pub index: u64,
    /// The leaf text.
    pub leaf: String,
    /// The bundle JSON as submitted.
    pub bundle: String,
}

/// The database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    kind: &'static str,
}

const SCHEMA: [&str; 4] = [
    "CREATE TABLE IF NOT EXISTS entries (
        idx BIGINT PRIMARY KEY,
        leaf TEXT NOT NULL,
        bundle_sha256 TEXT NOT NULL UNIQUE,
        statement_sha256 TEXT NOT NULL UNIQUE,
        bundle TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS checkpoints (
        size BIGINT PRIMARY KEY,
        note TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS cosignatures (
        size BIGINT NOT NULL,
        witness TEXT NOT NULL,
        line TEXT NOT NULL,
        PRIMARY KEY (size, witness))",
    "CREATE TABLE IF NOT EXISTS meta (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL)",
];

fn to_i64(n: u64) -> Result<i64, RegistryError> {
    i64::try_from(n).map_err(|_| RegistryError::OutOfRange(format!("{n} is too large")))
}

fn to_u64(n: i64) -> Result<u64, RegistryError> {
    u64::try_from(n).map_err(|_| RegistryError::Damaged(format!("negative index {n}")))
}

impl Store {
    /// Opens (creating if needed) the database at `url`: `sqlite://PATH` or `postgres://…`.
    pub async fn open(url: &str) -> Result<Store, RegistryError> {
        sqlx::any::install_default_drivers();
        let kind = if url.starts_with("sqlite:") {
            "sqlite"
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            "postgres"
        } else {
            return Err(RegistryError::malformed(
                "database URL",
                "expected sqlite://PATH or postgres://…",
            ));
        };
        let sqlite = kind == "sqlite";
        let url = if sqlite && !url.contains('?') {
            format!("{url}?mode=rwc")
        } else {
            url.to_string()
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if sqlite { 4 } else { 8 })
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if sqlite {
                        conn.execute("PRAGMA journal_mode=WAL").await?;
                        conn.execute("PRAGMA synchronous=FULL").await?;
                        conn.execute("PRAGMA busy_timeout=10000").await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|e| RegistryError::Database(format!("cannot open {}: {e}", redact(&url))))?;
        for statement in SCHEMA {
            pool.execute(statement).await?;
        }
        Ok(Store { pool, kind })
    }

    /// `"sqlite"` or `"postgres"`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// A metadata value.
    pub async fn meta(&self, name: &str) -> Result<Option<String>, RegistryError> {
        let row = sqlx::query("SELECT value FROM meta WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get::<String, _>(0)))
    }

    /// Sets a metadata value once; a different existing value is an error.
    pub async fn pin_meta(&self, name: &str, value: &str) -> Result<(), RegistryError> {
        match self.meta(name).await? {
            Some(v) if v == value => Ok(()),
            Some(v) => Err(RegistryError::Damaged(format!(
                "this database belongs to {name} {v}, not {value}"
            ))),
            None => {
                sqlx::query("INSERT INTO meta (name, value) VALUES ($1, $2)")
                    .bind(name)
                    .bind(value)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    }

    /// Appends entry `index` and the checkpoint of size `index + 1`, in one transaction.
    pub async fn append(
        &self,
        index: u64,
        leaf: &str,
        bundle_sha256: &str,
        statement_sha256: &str,
        bundle: &str,
        checkpoint: &str,
    ) -> Result<(), RegistryError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO entries (idx, leaf, bundle_sha256, statement_sha256, bundle)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(to_i64(index)?)
        .bind(leaf)
        .bind(bundle_sha256)
        .bind(statement_sha256)
        .bind(bundle)
        .execute(&mut *tx)
        .await?;
        sqlx::query("INSERT INTO checkpoints (size, note) VALUES ($1, $2)")
            .bind(to_i64(index + 1)?)
            .bind(checkpoint)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores the checkpoint of the empty log (once).
    pub async fn add_empty_checkpoint(&self, note: &str) -> Result<(), RegistryError> {
        sqlx::query(
            "INSERT INTO checkpoints (size, note) VALUES (0, $1) ON CONFLICT (size) DO NOTHING",
        )
        .bind(note)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every leaf text, in index order (for rebuilding the tree at start).
    pub async fn leaves(&self) -> Result<Vec<String>, RegistryError> {
        let rows = sqlx::query("SELECT idx, leaf FROM entries ORDER BY idx")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            let idx = to_u64(r.get::<i64, _>(0))?;
            if idx != i as u64 {
                return Err(RegistryError::Damaged(format!(
                    "entry {i} is missing (the next stored entry is {idx})"
                )));
            }
            out.push(r.get::<String, _>(1));
        }
        Ok(out)
    }

    fn entry(r: &sqlx::any::AnyRow) -> Result<StoredEntry, RegistryError> {
        Ok(StoredEntry {
            index: to_u64(r.get::<i64, _>(0))?,
            leaf: r.get::<String, _>(1),
            bundle: r.get::<String, _>(2),
        })
    }

    /// Entry `index`.
    pub async fn entry_at(&self, index: u64) -> Result<Option<StoredEntry>, RegistryError> {
        let row = sqlx::query("SELECT idx, leaf, bundle FROM entries WHERE idx = $1")
            .bind(to_i64(index)?)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(Self::entry).transpose()
    }

    /// The entry whose bundle has this digest, or whose statements have this identity.
    pub async fn find(
        &self,
        bundle_sha256: &str,
        statement_sha256: &str,
    ) -> Result<Option<StoredEntry>, RegistryError> {
        let row = sqlx::query(
            "SELECT idx, leaf, bundle FROM entries
             WHERE bundle_sha256 = $1 OR statement_sha256 = $2 ORDER BY idx LIMIT 1",
        )
        .bind(bundle_sha256)
        .bind(statement_sha256)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(Self::entry).transpose()
    }

    /// Entries `start..start+limit`, newest first when `newest_first`.
    pub async fn entries(
        &self,
        start: u64,
        limit: u64,
        newest_first: bool,
    ) -> Result<Vec<StoredEntry>, RegistryError> {
        let sql = if newest_first {
            "SELECT idx, leaf, bundle FROM entries WHERE idx <= $1 ORDER BY idx DESC LIMIT $2"
        } else {
            "SELECT idx, leaf, bundle FROM entries WHERE idx >= $1 ORDER BY idx LIMIT $2"
        };
        let rows = sqlx::query(sql)
            .bind(to_i64(start)?)
            .bind(to_i64(limit)?)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(Self::entry).collect()
    }

    /// The signed checkpoint of `size`.
    pub async fn checkpoint(&self, size: u64) -> Result<Option<String>, RegistryError> {
        let row = sqlx::query("SELECT note FROM checkpoints WHERE size = $1")
            .bind(to_i64(size)?)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.get::<String, _>(0)))
    }

    /// Every checkpoint, in size order (for the restart check).
    pub async fn checkpoints(&self) -> Result<Vec<(u64, String)>, RegistryError> {
        let rows = sqlx::query("SELECT size, note FROM checkpoints ORDER BY size")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((to_u64(r.get::<i64, _>(0))?, r.get::<String, _>(1))))
            .collect()
    }

    /// Stores the signature line of the witness `witness` on the checkpoint of `size`.
    pub async fn add_cosignature(
        &self,
        size: u64,
        witness: &str,
        line: &str,
    ) -> Result<(), RegistryError> {
        sqlx::query(
            "INSERT INTO cosignatures (size, witness, line) VALUES ($1, $2, $3)
             ON CONFLICT (size, witness) DO UPDATE SET line = excluded.line",
        )
        .bind(to_i64(size)?)
        .bind(witness)
        .bind(line)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The witness signature lines on the checkpoint of `size`.
    pub async fn cosignatures(&self, size: u64) -> Result<Vec<String>, RegistryError> {
        let rows = sqlx::query("SELECT line FROM cosignatures WHERE size = $1 ORDER BY witness")
            .bind(to_i64(size)?)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
    }

    /// The sizes of the newest co-signed checkpoints, largest first.
    pub async fn cosigned_sizes(&self, limit: u64) -> Result<Vec<u64>, RegistryError> {
        let rows =
            sqlx::query("SELECT DISTINCT size FROM cosignatures ORDER BY size DESC LIMIT $1")
                .bind(to_i64(limit)?)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| to_u64(r.get::<i64, _>(0))).collect()
    }

    /// Closes the pool (waits for connections to finish).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
