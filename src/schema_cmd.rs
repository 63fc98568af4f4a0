//! `zkgov schema`: the JSON Schema of every `--json` output and of every file users exchange.

use crate::{
    error::CliError,
    json_output::{self, SchemaEntry, SchemaListOutput, SchemaListed, FILES, OUTPUTS},
};
use clap::Args;
use std::process::ExitCode;

/// Which schema to print.
#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// The schema's name (`zkgov schema --list` names them all): a command's output
    /// (`verify-report`, `keygen-output`, ...) or a file format (`bundle`, `policy`, ...).
    #[arg(required_unless_present = "list", conflicts_with = "list")]
    name: Option<String>,
    /// List the schemas' names instead.
    #[arg(long)]
    list: bool,
}

/// Runs `zkgov schema`: prints one schema (a JSON Schema document, with or without `--json`), or
/// the list of names.
pub fn run(args: &SchemaArgs, json: bool) -> Result<ExitCode, CliError> {
    let listed = OUTPUTS
        .iter()
        .map(|e| (e, "output"))
        .chain(FILES.iter().map(|e| (e, "file")));
    if args.list {
        let schemas: Vec<SchemaListed> = listed
            .map(|(e, kind)| SchemaListed {
                name: e.name().into(),
                format: e.format.into(),
                kind: kind.into(),
            })
            .collect();
        if json {
            json_output::print(&SchemaListOutput { schemas });
        } else {
            for s in &schemas {
                println!("{:34}  {} ({})", s.name, s.format, s.kind);
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let name = args.name.as_deref().unwrap_or_default();
    let entry: &SchemaEntry = listed
        .map(|(e, _)| e)
        .find(|e| e.name() == name)
        .ok_or_else(|| {
            CliError::input(
                "schema",
                format!("no schema named {name:?} (`zkgov schema --list` names them)"),
            )
        })?;
    println!(
        "{}",
        serde_json::to_string_pretty(&(entry.schema)()).unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}
