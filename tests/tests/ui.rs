//! Compile-time behaviour of `#[channel_func]`, `wire_channel!`, `bootstrap!` and the derives: every
//! compile-fail case has its expected diagnostics checked in beside it (`.stderr`); the pass
//! case builds a channel with every option and checks the generated items at run time.
//!
//! Regenerate the expected output with `TRYBUILD=overwrite cargo test -p wirechan-tests --test ui`,
//! then read the diff: each message must point at the user's code and say how to fix it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/channel_func/*.rs");
    t.compile_fail("ui/wire_channel/*.rs");
    t.compile_fail("ui/bootstrap/*.rs");
    t.compile_fail("ui/topic/*.rs");
    t.compile_fail("ui/json_schema/*.rs");
    t.pass("ui/pass/*.rs");
}
