//! One module a screen.

pub mod access_log;
pub mod document;
pub mod handover;
pub mod lock;
pub mod not_found;
pub mod record;
pub mod resident_list;
pub mod resident_summary;
pub mod sign_in;
pub mod tablet;
pub mod tablets;
