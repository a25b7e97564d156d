//! Return-value scratch for libffi. libffi may write more than the C width
//! (a whole `ffi_arg` for small integers, whole registers on some ABIs), so
//! it never writes straight into a caller's C-width buffer.

use std::ffi::c_void;

/// 16-byte aligned: enough for long double and complex double.
#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub(crate) struct Chunk([u8; 16]);

/// 64 bytes on the stack covers every scalar and small struct; larger
/// by-value structs go to the heap.
const INLINE_CHUNKS: usize = 4;

pub(crate) enum Scratch {
    Inline([Chunk; INLINE_CHUNKS]),
    Heap(Vec<Chunk>),
}

impl Scratch {
    /// Zeroed scratch for a `size`-byte return value (at least an `ffi_arg`).
    pub(crate) fn new(size: usize) -> Scratch {
        let chunks = size.max(std::mem::size_of::<u64>()).div_ceil(16);
        if chunks <= INLINE_CHUNKS {
            Scratch::Inline([Chunk([0; 16]); INLINE_CHUNKS])
        } else {
            Scratch::Heap(vec![Chunk([0; 16]); chunks])
        }
    }

    pub(crate) fn as_mut_ptr(&mut self) -> *mut c_void {
        match self {
            Scratch::Inline(a) => a.as_mut_ptr() as *mut c_void,
            Scratch::Heap(v) => v.as_mut_ptr() as *mut c_void,
        }
    }
}
