//! Compile-time tests of wirechan's macros: the trybuild suite lives in `tests/ui.rs` and the
//! cases in `ui/`. This library is empty.
