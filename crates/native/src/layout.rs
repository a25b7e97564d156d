//! After `ffi_prep_cif`, check that libffi laid out every struct like the
//! C compiler did. libffi assumes natural alignment, so packed structs,
//! bit fields or over-aligned members would be passed wrongly; refuse them.

use crate::ffi_types::FfiTypes;

pub(crate) fn check(types: &FfiTypes) -> Result<(), String> {
    for s in &types.structs {
        // SAFETY: prep_cif has finished writing; nothing else writes.
        let t = unsafe { &*s.ty.get() };
        // A larger libffi alignment is the ABI's aggregate minimum
        // (FFI_AGGREGATE_ALIGNMENT), not a disagreement about fields.
        if t.size != s.c_size || (t.alignment as usize) < s.c_align {
            return Err(format!(
                "struct layout not supported by libffi (C size {} align {}, \
                 libffi computed size {} align {}; packed structs, bit fields \
                 or over-aligned fields cannot be passed by value)",
                s.c_size, s.c_align, t.size, t.alignment
            ));
        }
    }
    Ok(())
}
