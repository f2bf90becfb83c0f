//! The sync protocol: its wire types ([`wire`]) and the tablet's decisions as pure
//! functions ([`plan`]), tested with tables of cases. The server and the tablets do only
//! the IO around them.

pub mod plan;
pub mod wire;
