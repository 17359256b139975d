//! Replays every committed fuzz input through its target's body (`onsite_tests::fuzz`):
//! the corpora in `fuzz/corpus/<target>/`, and every input a fuzzer ever crashed on in
//! `fuzz/regressions/<target>/`. A body fails on a panic or a 5xx, so an input that once
//! broke the server fails this test again if the fix is lost.

use std::path::Path;

type Target = fn(&[u8]);

const TARGETS: &[(&str, Target)] = &[
    ("sync_body", onsite_tests::fuzz::sync_body),
    ("login_body", onsite_tests::fuzz::login_body),
    ("pushed_document", onsite_tests::fuzz::pushed_document),
    ("blob_chunk", onsite_tests::fuzz::blob_chunk),
    ("signature_strokes", onsite_tests::fuzz::signature_strokes),
    ("photo", onsite_tests::fuzz::photo),
];

fn inputs(dir: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() {
            out.push((path.display().to_string(), std::fs::read(&path)?));
        }
    }
    out.sort();
    Ok(out)
}

#[test]
fn every_committed_fuzz_input_is_handled_without_a_panic_or_a_server_error() -> anyhow::Result<()> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    for (name, body) in TARGETS {
        let corpus = inputs(&fuzz.join("corpus").join(name))?;
        assert!(!corpus.is_empty(), "fuzz/corpus/{name} has seed inputs");
        for (path, bytes) in corpus
            .iter()
            .chain(inputs(&fuzz.join("regressions").join(name))?.iter())
        {
            if let Err(panic) = std::panic::catch_unwind(|| body(bytes)) {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                anyhow::bail!("{path} broke {name}: {why}");
            }
        }
    }
    // The seeds reach the code they are for: a real pushed document is accepted.
    let office_doc = std::fs::read(fuzz.join("corpus/pushed_document/order-0"))?;
    assert!(
        automerge::AutoCommit::load(&office_doc).is_ok(),
        "the pushed-document seed is a real Automerge document"
    );
    Ok(())
}
