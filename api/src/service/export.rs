//! CSV exports read a page at a time: the header, then each page of rows as the client takes
//! it. Every page is its own short read on the read pool, so an export of any length holds no
//! database cursor, transaction or connection between pages and only one page in memory; a
//! client that stops reading stops the reads.

use super::{Error, Result};
use bytes::Bytes;
use futures_util::Stream;
use std::future::Future;

/// Rows per read of an export.
pub const PAGE: u64 = 1_000;

/// `rows` as CSV lines, after `header` when given.
pub fn csv(header: Option<&[String]>, rows: &[Vec<String>]) -> Result<Bytes> {
    let failed = |e: csv::Error| Error::Internal(anyhow::anyhow!("CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 128));
    if let Some(h) = header {
        w.write_record(h).map_err(failed)?;
    }
    for r in rows {
        w.write_record(r).map_err(failed)?;
    }
    w.into_inner()
        .map(Bytes::from)
        .map_err(|e| Error::Internal(anyhow::anyhow!("CSV: {e}")))
}

/// The CSV of every page `page` gives: it is called with the key the previous page ended at
/// (`None` first) and answers that page's rows and the key to go on from (`None` on the last).
pub fn pages<K, F, Fut>(header: Vec<String>, page: F) -> impl Stream<Item = Result<Bytes>> + 'static
where
    K: Send + 'static,
    F: Fn(Option<K>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(Vec<Vec<String>>, Option<K>)>> + Send + 'static,
{
    // (the key to go on from, the header while unsent, whether the last page was sent)
    futures_util::stream::unfold(
        (None::<K>, Some(header), false, page),
        |(key, header, done, page)| async move {
            if done {
                return None;
            }
            match page(key).await {
                Ok((rows, next)) => {
                    let chunk = csv(header.as_deref(), &rows);
                    let done = next.is_none();
                    Some((chunk, (next, None, done, page)))
                }
                Err(e) => Some((Err(e), (None, None, true, page))),
            }
        },
    )
}
