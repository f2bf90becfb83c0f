//! Bedside's shared record model.
//!
//! Everything here is used by both the server and the tablet app (compiled to wasm), so
//! this crate does no IO and depends on no runtime, web or database crate. Its serialised
//! types are the wire contract and the tablets' stored format: see [`record`] for the rules
//! on changing them.

pub mod api;
pub mod audit;
pub mod dates;
pub mod ids;
pub mod news2;
pub mod nhs_number;
pub mod order;
pub mod record;
pub mod summary;
pub mod sync;
pub mod text;

pub use ids::{DeviceId, EntryId, HomeId, PersonId, ResidencyId, StaffId};
pub use nhs_number::{NhsNumber, NhsNumberError};
