//! Replays the checked-in inputs through the fuzz harness: the hand-written seeds
//! (`seeds/decode_dispatch/`) and the corpus a fuzz run left, merged to the inputs that each add
//! coverage (`corpus-ci/decode_dispatch/`). Every input must pass the harness's checks (no panic,
//! every frame a JSON object with each member once, the one-pass and general paths agreeing).

use std::path::Path;

#[test]
fn every_checked_in_input_passes_the_harness() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut replayed = 0;
    for dir in ["seeds/decode_dispatch", "corpus-ci/decode_dispatch"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|entry| entry.expect("a directory entry").path())
            .collect();
        files.sort();
        for file in files {
            let data = std::fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let outcome = std::panic::catch_unwind(|| wirechan_fuzz::run(&data));
            assert!(outcome.is_ok(), "{} fails the harness", file.display());
            replayed += 1;
        }
    }
    assert!(replayed > 4, "the corpus is there: {replayed} inputs");
}
