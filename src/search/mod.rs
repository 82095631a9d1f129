//! History search: the query language ([`parse`]), dates, and snippets with highlights.
//! The store runs the query (store/search.rs); this module knows nothing of SQL.

mod date;
mod query;
mod snippet;

pub use date::{format_utc, parse_day};
pub use query::{Query, QueryError, parse};
pub use snippet::{Snippet, snippet};
