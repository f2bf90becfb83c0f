//! Pieces shared by pages.

pub mod banner;
pub mod header;
pub mod notice;
pub mod source;
