//! The fuzz target of decode and dispatch: the harness is the crate's library (`src/lib.rs`).

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| wirechan_fuzz::run(data));
