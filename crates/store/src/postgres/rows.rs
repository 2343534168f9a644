//! What PostgreSQL rows need beyond [`crate::rows`]: queries of experiments name their columns
//! ([`experiment_columns`]), because the configuration is a `JSON` column, which reads back as
//! text only when cast.

/// The columns [`crate::rows::experiment_from_row`] reads, as a literal for `concat!` in `SELECT` and
/// `RETURNING` lists. The other tables are read with `*`.
macro_rules! experiment_columns {
    () => {
        "tenant, experiment_id, seq, name, kind, config::text AS config, status, created_at, \
         stopped_at, stopped_seq"
    };
}
pub(super) use experiment_columns;
