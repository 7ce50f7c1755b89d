//! The `wirechan` command line as a library: read a package's manifest ([`export`]), turn it into
//! one TypeScript module ([`ts`]) or an AsyncAPI document ([`asyncapi`]), and compare a generated
//! file with the one on disk ([`check`]).
//!
//! The manifest comes from the package itself: `bootstrap!` generates a test that writes it, and
//! [`export::read_manifest`] runs that test with `cargo test`. Nothing here parses Rust.

pub mod asyncapi;
pub mod check;
pub mod export;
pub mod ts;
