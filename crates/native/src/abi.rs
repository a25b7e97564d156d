//! C types as libffi sees them: what a value passed or returned by value
//! looks like at the calling-convention level.

use std::ptr::addr_of;

use libffi::low::{ffi_arg, types};

pub use crate::ffi_types::FfiTypes;

/// libffi's default ABI number on this target (`FFI_DEFAULT_ABI`: 2,
/// `FFI_UNIX64`, on x86-64 Unix; 1, `FFI_SYSV`, on AArch64 Linux), what
/// cffi reports as a function ctype's `abi`.
pub const DEFAULT_ABI: i32 = libffi::low::ffi_abi_FFI_DEFAULT_ABI as i32;

/// A C type passed or returned by value.
#[derive(Clone, Debug, PartialEq)]
pub enum NativeType {
    Void,
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
    LongDouble,
    Pointer,
    ComplexF32,
    ComplexF64,
    /// A struct by value. `elements` are its flattened field types (arrays
    /// expanded, nested structs as nested `Struct`s); `size`/`align` are the
    /// C compiler's, checked against libffi's own layout.
    Struct {
        size: usize,
        align: usize,
        elements: Vec<NativeType>,
    },
}

impl NativeType {
    /// The C size in bytes (0 for void).
    pub fn size(&self) -> usize {
        match self {
            NativeType::Void => 0,
            NativeType::U8 | NativeType::I8 => 1,
            NativeType::U16 | NativeType::I16 => 2,
            NativeType::U32 | NativeType::I32 | NativeType::F32 => 4,
            NativeType::U64 | NativeType::I64 | NativeType::F64 => 8,
            NativeType::ComplexF32 => 8,
            NativeType::ComplexF64 => 16,
            NativeType::Pointer => std::mem::size_of::<*const u8>(),
            // Platform dependent (16 on x86-64 Linux, 8 on Windows/Apple
            // arm64): ask libffi, which was configured for this target.
            // SAFETY: libffi's predefined types are never written after init.
            NativeType::LongDouble => unsafe { (*addr_of!(types::longdouble)).size },
            NativeType::Struct { size, .. } => *size,
        }
    }

    /// Integers narrower than `ffi_arg`: libffi moves these as a whole
    /// `ffi_arg`, in both calls and closures.
    pub fn is_small_int(&self) -> bool {
        let int = matches!(
            self,
            NativeType::U8
                | NativeType::I8
                | NativeType::U16
                | NativeType::I16
                | NativeType::U32
                | NativeType::I32
                | NativeType::U64
                | NativeType::I64
        );
        int && self.size() < std::mem::size_of::<ffi_arg>()
    }
}
