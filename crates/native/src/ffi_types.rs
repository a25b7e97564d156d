//! Lowering `NativeType` to libffi `ffi_type`s. Scalars map to libffi's
//! predefined statics; each struct gets an owned `ffi_type` and a
//! null-terminated element array, both kept alive by `FfiTypes`.

use std::cell::UnsafeCell;
use std::ptr::{addr_of_mut, null_mut};

use libffi::low::{ffi_type, type_tag, types};

use crate::abi::NativeType;

/// A struct `ffi_type` we own, with the C layout it is meant to have.
pub(crate) struct OwnedStruct {
    /// Boxed so its address survives moves of the store; `UnsafeCell`
    /// because libffi writes the computed size/alignment in `prep_cif`.
    pub(crate) ty: Box<UnsafeCell<ffi_type>>,
    /// `ty.elements` points into this; never resized after creation.
    _elements: Box<[*mut ffi_type]>,
    pub(crate) c_size: usize,
    pub(crate) c_align: usize,
}

/// Owner of the `ffi_type`s built for one call signature.
#[derive(Default)]
pub struct FfiTypes {
    pub(crate) structs: Vec<OwnedStruct>,
}

impl FfiTypes {
    pub fn new() -> FfiTypes {
        FfiTypes::default()
    }

    /// The libffi type for `t`. The pointer stays valid as long as `self`
    /// lives (moving `self` is fine). Struct sizes are only known to libffi
    /// after `ffi_prep_cif` has seen the type.
    pub fn lower(&mut self, t: &NativeType) -> Result<*mut ffi_type, String> {
        // Taking the address of libffi's predefined statics needs no unsafe.
        Ok(match t {
            NativeType::Void => addr_of_mut!(types::void),
            NativeType::U8 => addr_of_mut!(types::uint8),
            NativeType::I8 => addr_of_mut!(types::sint8),
            NativeType::U16 => addr_of_mut!(types::uint16),
            NativeType::I16 => addr_of_mut!(types::sint16),
            NativeType::U32 => addr_of_mut!(types::uint32),
            NativeType::I32 => addr_of_mut!(types::sint32),
            NativeType::U64 => addr_of_mut!(types::uint64),
            NativeType::I64 => addr_of_mut!(types::sint64),
            NativeType::F32 => addr_of_mut!(types::float),
            NativeType::F64 => addr_of_mut!(types::double),
            NativeType::LongDouble => addr_of_mut!(types::longdouble),
            NativeType::Pointer => addr_of_mut!(types::pointer),
            NativeType::ComplexF32 => complex(false)?,
            NativeType::ComplexF64 => complex(true)?,
            NativeType::Struct {
                size,
                align,
                elements,
            } => self.lower_struct(*size, *align, elements)?,
        })
    }

    fn lower_struct(
        &mut self,
        size: usize,
        align: usize,
        elements: &[NativeType],
    ) -> Result<*mut ffi_type, String> {
        if elements.is_empty() {
            return Err("empty struct cannot be passed or returned by value".into());
        }
        let mut ptrs = Vec::with_capacity(elements.len() + 1);
        for e in elements {
            if *e == NativeType::Void {
                return Err("struct element of type void".into());
            }
            ptrs.push(self.lower(e)?);
        }
        ptrs.push(null_mut()); // libffi finds the end by this null
        let mut elements: Box<[*mut ffi_type]> = ptrs.into_boxed_slice();
        let ty = Box::new(UnsafeCell::new(ffi_type {
            size: 0, // 0 = "compute me" for libffi
            alignment: 0,
            type_: type_tag::STRUCT,
            elements: elements.as_mut_ptr(),
        }));
        let p = ty.get();
        self.structs.push(OwnedStruct {
            ty,
            _elements: elements,
            c_size: size,
            c_align: align,
        });
        Ok(p)
    }
}

/// libffi's complex types exist where the bundled libffi supports them.
#[cfg(not(windows))]
fn complex(double: bool) -> Result<*mut ffi_type, String> {
    Ok(if double {
        addr_of_mut!(types::complex_double)
    } else {
        addr_of_mut!(types::complex_float)
    })
}

#[cfg(windows)]
fn complex(_double: bool) -> Result<*mut ffi_type, String> {
    Err("complex types not supported by libffi on this platform".into())
}
