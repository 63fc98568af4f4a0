//! The sacct importer against the real-format fixture and its expected figures.

use zkgov_evidence::sacct::parse_sacct;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/slurm/");

#[test]
fn gpu_seconds_match_the_expected_file() {
    let text = std::fs::read_to_string(format!("{DIR}sacct_h100_pretrain.psv")).unwrap();
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{DIR}sacct_h100_pretrain.expected.json")).unwrap(),
    )
    .unwrap();
    let allocations = parse_sacct(&text).unwrap();
    let gpu_seconds: u64 = allocations.iter().map(|a| a.gpus * a.elapsed_seconds).sum();
    assert_eq!(
        gpu_seconds,
        expected["gpu_seconds_allocation_rows_only"]
            .as_u64()
            .unwrap()
    );
    assert_ne!(
        gpu_seconds,
        expected["gpu_seconds_if_steps_wrongly_included"]
            .as_u64()
            .unwrap()
    );
    // Every allocation is an allocation row, each row at most once (one GPU type per row here).
    let rows = expected["allocation_rows"].as_u64().unwrap() as usize;
    assert!(allocations.len() <= rows);
    assert!(allocations
        .iter()
        .all(|a| !a.job_id.contains('.') && a.gpu_type.as_deref() == Some("h100")));
    let mut ids: Vec<_> = allocations.iter().map(|a| &a.job_id).collect();
    ids.dedup();
    assert_eq!(ids.len(), allocations.len());
}
