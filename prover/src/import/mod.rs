//! Evidence importers: the formats compute operators and evaluators actually produce.

pub mod sacct;
