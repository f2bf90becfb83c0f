//! The sync protocol against the real server (`/api/v1/sync/…`, DESIGN.md §5): black-box
//! tests of each promise of the contract, and a property test in which several tablets
//! (`bedside_tests::client::Tablet`, driven by the domain's pure sync decisions) write
//! offline, push, lose answers, pull and see the server restart, and must all end with the
//! server's records, every write on the server exactly once.

mod changes;
mod homes;
mod property;
mod push;
mod world;
