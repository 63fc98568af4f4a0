//! `zkgov`: prove and verify AI-governance compliance claims in zero knowledge.
#![forbid(unsafe_code)]

mod ceremony_cmd;
mod cli;
mod demo;
mod eval_cmd;
mod export_cmd;
mod output;
mod spotcheck;
mod verdict_cmd;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    let json = args.json;
    match cli::run(args) {
        Ok(code) => code,
        Err(e) => {
            if json {
                println!("{}", serde_json::json!({ "error": e.to_string() }));
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::from(1)
        }
    }
}
