//! Can libffi pass this struct or union by value? The one place that
//! decides it, in cffi's words: for ABI-mode calls and callbacks (call.rs
//! `native_type`) and for API-mode variadic functions (api_module.rs),
//! which both go through libffi. (native's `layout::check` then verifies
//! that libffi laid out what it accepted as the C compiler did.)

use crate::ctype::{CType, Kind};
use crate::state::arena;

/// Why a `ct` argument or result (`place`: "argument" or "return value")
/// cannot go through libffi, or None when it can (or is no record).
pub fn problem(ct: &CType, place: &str) -> Option<String> {
    let rid = ct.record?;
    if ct.kind == Kind::Union {
        return Some(format!("ctype '{}' not supported as {place} by libffi.  Unions{}", ct.cname, only_in_api_mode(place)));
    }
    let a = arena();
    let rec = a.record(rid);
    let fields = rec.fields.as_ref()?;
    let detail = if rec.partial || fields.iter().any(|f| f.name.is_empty() && f.bitsize.is_none()) {
        "It is a struct declared with \"...;\", but the C calling convention may depend on the missing fields; \
         or, it contains anonymous struct/unions"
    } else if rec.packing != cdecl::Packing::Natural {
        "It is a 'packed' structure, with a different layout than expected by libffi"
    } else if fields.iter().any(|f| f.bitsize.is_some()) {
        "It is a struct with bit fields, which libffi does not support"
    } else if fields.iter().any(|f| {
        let mut t = a.strip_top_quals(f.ty);
        let mut flat = 1u64;
        while let cdecl::Type::Array { item, len } = a.get(t) {
            // saturating: a product of huge lengths must not wrap to 0
            flat = flat.saturating_mul(match len {
                cdecl::ArrayLen::Fixed(n) => *n,
                _ => 0,
            });
            t = a.strip_top_quals(*item);
        }
        flat == 0
    }) {
        "It is a struct with a zero-length array, which libffi does not support"
    } else {
        return None;
    };
    Some(format!("ctype '{}' not supported as {place}.  {detail}.  Such structs{}", ct.cname, only_in_api_mode(place)))
}

/// The largest struct passed (or returned) by value: libffi copies it onto
/// the C stack, and a larger one would overflow a thread's stack (cffi
/// crashes there). No real API passes a megabyte by value.
const MAX_BY_VALUE: usize = 1 << 20;

/// Why a record of `size` bytes cannot go through libffi by value, or None.
pub fn too_large(ct: &CType, size: usize) -> Option<String> {
    (size > MAX_BY_VALUE).then(|| {
        format!(
            "ctype '{}' too large to be passed by value ({size} bytes, more than rcffi's limit of {MAX_BY_VALUE}: \
             a call copies it onto the C stack, which it would overflow); pass a pointer to it",
            ct.cname
        )
    })
}

/// cffi's advice when libffi cannot describe a struct or union.
fn only_in_api_mode(place: &str) -> String {
    format!(
        " are only supported as {place} if the function is 'API mode' and non-variadic (i.e. declared inside \
         ffibuilder.cdef()+ffibuilder.set_source() and not taking a final '...' argument)"
    )
}
