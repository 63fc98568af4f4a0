//! Reading files of bounded size, and writing files so that no reader ever sees half of one.

use crate::SpecError;
use std::io::{Read, Write};

/// Reads the UTF-8 text of `path`, refusing more than `max` bytes before reading them all (the
/// read stops at `max + 1`, so a huge or growing file costs no more). `what` names the file in
/// the error, e.g. `"bundle"` or `"policy p.toml"`.
pub fn read_bounded(path: &std::path::Path, max: u64, what: &str) -> Result<String, SpecError> {
    let file = std::fs::File::open(path).map_err(|e| SpecError::io(path, e))?;
    let mut text = String::new();
    file.take(max + 1)
        .read_to_string(&mut text)
        .map_err(|e| SpecError::io(path, e))?;
    if text.len() as u64 > max {
        return Err(SpecError::malformed(
            what,
            format!("it is larger than the {max}-byte limit"),
        ));
    }
    Ok(text)
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, then a rename, so that an
/// interrupted write never leaves a half-written file under the final name.
pub fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> Result<(), SpecError> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// [`write_atomic`] for content too large to hold in memory: `fill` writes it to a buffered
/// temporary file, which is renamed to `path` only once `fill` and the flush succeed.
pub fn write_atomic_with(
    path: &std::path::Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), SpecError> {
    write_atomic_mode(path, 0o644, fill)
}

/// [`write_atomic`] for secrets: the file is created readable by its owner only (mode 0600 on
/// Unix) before anything is written to it.
pub fn write_atomic_private(path: &std::path::Path, bytes: &[u8]) -> Result<(), SpecError> {
    write_atomic_mode(path, 0o600, |w| w.write_all(bytes))
}

fn write_atomic_mode(
    path: &std::path::Path,
    mode: u32,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), SpecError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(d) = dir {
        std::fs::create_dir_all(d).map_err(|e| SpecError::io(d, e))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "out".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let result = options
        .open(&tmp)
        .and_then(|f| {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, f);
            fill(&mut w)?;
            w.flush()
        })
        .and_then(|_| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(SpecError::io(path, e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_up_to_the_limit_and_refuses_one_byte_more() {
        let dir = std::env::temp_dir().join(format!("zkgov-read-bounded-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.json");
        std::fs::write(&path, "x".repeat(10)).unwrap();
        assert_eq!(read_bounded(&path, 10, "f").unwrap().len(), 10);
        let e = read_bounded(&path, 9, "f").unwrap_err().to_string();
        assert_eq!(e, "f is malformed: it is larger than the 9-byte limit");
        let e = read_bounded(&dir.join("missing"), 9, "f").unwrap_err();
        assert!(matches!(e, SpecError::Io { .. }), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
