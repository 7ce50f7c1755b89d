//! The code generator's suites, on the CLI's library (`wirechan-cli`) fed with manifests that the
//! real macros build from the cases in `tests/codegen/data/`: TypeScript snapshots and their round
//! trip through `tsc --strict` and the AsyncAPI document of each case (`snapshots.rs`), and what the
//! generator refuses (`errors.rs`). Here rather than in the CLI's package, so that the CLI does
//! not depend on the runtime even for its tests.

// Test crates: their items are the tests' own, not an API.
#![allow(unreachable_pub, missing_docs)]

mod errors;
mod external_crate;
mod snapshots;
mod support;
