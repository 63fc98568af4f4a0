//! Progress display and plain-words rendering shared by the commands.

use indicatif::{ProgressBar, ProgressStyle};
use std::{
    fmt,
    io::{IsTerminal, Write},
    time::{Duration, Instant},
};

/// Writes a line to stdout (the binary's `println!`). When stdout cannot be written (a reader
/// that closed the pipe, a full disk), the output is lost either way: the program ends with exit
/// code 1 and one line on stderr, instead of a panic.
pub fn print_line(args: fmt::Arguments) {
    let mut out = std::io::stdout().lock();
    let written = out
        .write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if let Err(e) = written {
        eprint_line(format_args!("error: cannot write to standard output: {e}"));
        std::process::exit(1);
    }
}

/// Writes a line to stderr (the binary's `eprintln!`), ignoring a stderr that cannot be written:
/// there is nowhere left to report that.
pub fn eprint_line(args: fmt::Arguments) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// A spinner on stderr for a step that may take more than a few seconds; silent when stderr is not
/// a terminal or when JSON output is requested. Finishes with the elapsed time.
pub struct Step {
    bar: Option<ProgressBar>,
    start: Instant,
    what: String,
}

impl Step {
    pub fn start(what: &str, quiet: bool) -> Self {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new_spinner();
            b.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.set_message(what.to_string());
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        Step {
            bar,
            start: Instant::now(),
            what: what.to_string(),
        }
    }

    /// Stops the spinner and returns the elapsed seconds.
    pub fn done(self) -> f64 {
        let secs = self.start.elapsed().as_secs_f64();
        if let Some(b) = self.bar {
            b.finish_and_clear();
            eprintln!("{} done in {secs:.1} s", self.what);
        }
        secs
    }
}

/// First 12 hex digits of a key ID, for tables.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}
