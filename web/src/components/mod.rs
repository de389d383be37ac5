//! Reusable pieces of UI, one per file.

pub mod field;
pub mod page;

pub use field::{Field, FormErrors};
pub use page::Page;
