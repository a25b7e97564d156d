//! Unit tests of preprocessor internals (the behaviour seen from outside
//! is tested in `tests/header_preprocess.rs`).

use super::*;

#[test]
fn pragma_pack_changes_are_recorded() {
    let opts = PpOptions::default();
    let p = preprocess(
        Source::Text {
            name: "t.h",
            text: "a\n#pragma pack(push, 2)\nb\n#pragma pack(4)\nc\n#pragma pack(pop)\nd\n#pragma pack()\n",
        },
        &opts,
    )
    .unwrap();
    assert_eq!(p.pp.out.pack_changes, vec![(1, Some(2)), (2, Some(4)), (3, None), (4, None)]);
}
