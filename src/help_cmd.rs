//! `zkgov completions` and `zkgov man`: shell completions and the manual page, generated from
//! the same command-line definition the program parses, printed on stdout.

use crate::cli::Cli;
use crate::error::CliError;
use clap::CommandFactory;
use std::process::ExitCode;
use zkgov_spec::SpecError;

/// Prints `bytes` (generated text that ends with a newline) through the program's `println!`.
fn print_generated(bytes: &[u8]) {
    println!("{}", String::from_utf8_lossy(bytes).trim_end_matches('\n'));
}

/// `zkgov completions <shell>`.
pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode, CliError> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "zkgov", &mut out);
    print_generated(&out);
    Ok(ExitCode::SUCCESS)
}

/// `zkgov man`: one page, `zkgov(1)`, naming every subcommand.
pub fn man() -> Result<ExitCode, CliError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| SpecError::io(std::path::Path::new("zkgov.1"), e))?;
    print_generated(&out);
    Ok(ExitCode::SUCCESS)
}
