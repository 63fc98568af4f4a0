//! `zkgov`: prove and verify AI-governance compliance claims in zero knowledge.
#![forbid(unsafe_code)]

// Every module below prints through these two macros, which shadow the standard ones (a
// `macro_rules!` in scope takes precedence over the prelude's): standard `println!` panics when
// stdout is a closed pipe (`zkgov inspect b.json | head -c1`), and `eprintln!` when stderr is.

/// `println!` that ends the program cleanly when stdout cannot be written: see
/// [`output::print_line`].
macro_rules! println {
    ($($arg:tt)*) => {
        $crate::output::print_line(format_args!($($arg)*))
    };
}

/// `eprintln!` that ignores a stderr that cannot be written: see [`output::eprint_line`].
macro_rules! eprintln {
    ($($arg:tt)*) => {
        $crate::output::eprint_line(format_args!($($arg)*))
    };
}

mod attest_cmd;
mod ceremony_cmd;
mod cli;
mod demo;
mod error;
mod eval_cmd;
mod export_cmd;
mod help_cmd;
mod json_output;
mod output;
mod plan_cmd;
mod registry_cmd;
mod schema_cmd;
mod spotcheck;
mod verify_cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let json = args.json;
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            if json {
                json_output::print(&json_output::ErrorOutput {
                    error: e.to_string(),
                });
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(1)
        }
    }
}
