//! Progress display and plain-words rendering shared by the commands.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
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
        let target = (!quiet && std::io::stderr().is_terminal()).then(ProgressDrawTarget::stderr);
        Self::with_target(what, target)
    }

    /// A step whose spinner draws on `target` (none: no spinner).
    fn with_target(what: &str, target: Option<ProgressDrawTarget>) -> Self {
        let bar = target.map(|t| {
            let b = ProgressBar::with_draw_target(None, t);
            b.set_style(Self::style(0));
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

    /// Prints a line on stderr while the step runs: above the spinner, which stays on the last
    /// line (a plain `eprintln!` would be drawn over by the spinner's next tick).
    pub fn note(&self, line: &str) {
        match &self.bar {
            Some(b) => b.println(line),
            None => eprintln!("{line}"),
        }
    }

    /// The spinner's style, or with `units` a bar counting them.
    fn style(units: u64) -> ProgressStyle {
        let template = if units > 0 {
            "{spinner} {msg} [{bar:30}] {pos}/{len} ({elapsed}, about {eta} left)"
        } else {
            "{spinner} {msg} ({elapsed})"
        };
        ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_spinner())
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

/// A step's spinner shows the stage a ceremony computation is in, and a bar where the stage counts
/// its work.
impl zkgov_setup::Progress for Step {
    fn stage(&self, what: &str, units: u64) {
        if let Some(b) = &self.bar {
            b.set_style(Self::style(units));
            b.set_message(format!("{}: {what}", self.what));
            b.set_position(0);
            if units > 0 {
                b.set_length(units);
            } else {
                b.unset_length();
            }
        }
    }

    fn advance(&self, units: u64) {
        if let Some(b) = &self.bar {
            b.inc(units);
        }
    }
}

/// First 12 hex digits of a key ID, for tables.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use indicatif::TermLike;
    use std::sync::{Arc, Mutex};

    /// A terminal that records what is written to it, line by line.
    #[derive(Debug, Clone, Default)]
    struct Screen(Arc<Mutex<Vec<String>>>);

    impl TermLike for Screen {
        fn width(&self) -> u16 {
            80
        }
        fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
            Ok(())
        }
        fn write_line(&self, s: &str) -> std::io::Result<()> {
            self.0.lock().unwrap().push(s.to_string());
            Ok(())
        }
        fn write_str(&self, s: &str) -> std::io::Result<()> {
            self.write_line(s)
        }
        fn clear_line(&self) -> std::io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Issue 16: keygen's constraint-count line was printed straight to stderr while the spinner
    /// ran, and the spinner's next tick drew over it. A note goes through the spinner, which
    /// prints it above itself and redraws itself below it.
    #[test]
    fn a_note_is_printed_above_the_spinner_not_under_it() {
        let screen = Screen::default();
        let step = Step::with_target(
            "generating a key",
            Some(ProgressDrawTarget::term_like(Box::new(screen.clone()))),
        );
        step.note("compute at capacity 16: 1234 constraints");
        let lines = screen.0.lock().unwrap().clone();
        let note = lines
            .iter()
            .position(|l| l.contains("1234 constraints"))
            .unwrap_or_else(|| panic!("the note is not on the step's terminal: {lines:?}"));
        assert!(
            lines[note + 1..]
                .iter()
                .any(|l| l.contains("generating a key")),
            "the spinner is not redrawn below the note: {lines:?}"
        );
        step.done();
    }

    /// Issue 16: the ceremony showed one spinner for minutes. Its stages are named on the
    /// spinner, and a stage that counts its work shows a bar with the count.
    #[test]
    fn a_ceremony_stage_shows_its_count() {
        use zkgov_setup::Progress;
        let screen = Screen::default();
        let step = Step::with_target(
            "starting the ceremony",
            Some(ProgressDrawTarget::term_like(Box::new(screen.clone()))),
        );
        step.stage("deriving the initial key (circuit variables)", 4);
        for _ in 0..4 {
            step.advance(1);
        }
        // The steady tick redraws within 120 ms.
        std::thread::sleep(Duration::from_millis(400));
        let lines = screen.0.lock().unwrap().clone();
        assert!(
            lines.iter().any(|l| l
                .contains("starting the ceremony: deriving the initial key (circuit variables)")
                && l.contains("4/4")),
            "{lines:?}"
        );
        step.done();
    }
}
