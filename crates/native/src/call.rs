//! `CallPlan`: a prepared libffi call interface (cif) for one C signature,
//! built once and shared (in an `Arc`) by every call and closure using it.

use std::cell::UnsafeCell;
use std::ffi::{c_uint, c_void};

use libffi::low::{ffi_abi_FFI_DEFAULT_ABI, ffi_arg, ffi_cif, ffi_type};
use libffi::raw;

use crate::abi::{FfiTypes, NativeType};
use crate::scratch::Scratch;
use crate::{int_ret, layout};

pub struct CallPlan {
    /// Boxed so closures can keep its address; `UnsafeCell` because libffi
    /// takes `*mut ffi_cif` even though calls only read it.
    cif: Box<UnsafeCell<ffi_cif>>,
    /// `cif.arg_types` points into this; never resized after creation.
    _arg_types: Box<[*mut ffi_type]>,
    /// Owns the struct `ffi_type`s the cif points to.
    _types: FfiTypes,
    args: Vec<NativeType>,
    ret: NativeType,
}

// SAFETY: after construction nothing writes the cif or the types it points
// to; libffi only reads them during calls, from any thread.
unsafe impl Send for CallPlan {}
unsafe impl Sync for CallPlan {}

/// The most bytes the arguments (and result) of one call may take: what
/// a call puts on the C stack stays far below a thread's stack size.
pub const MAX_ARGUMENT_BYTES: usize = 2 << 20;

/// Refuse arguments (and a result) taking more than [`MAX_ARGUMENT_BYTES`]:
/// libffi copies every argument onto the C stack of the call (and a C
/// caller of a closure does too), and more than a thread's stack holds
/// crashes there. Each argument takes at least a word.
pub fn check_argument_bytes(args: &[NativeType], ret: &NativeType) -> Result<(), String> {
    let bytes = args
        .iter()
        .chain([ret])
        .fold(0usize, |t, a| t.saturating_add(a.size().max(8).next_multiple_of(8)));
    if bytes > MAX_ARGUMENT_BYTES {
        return Err(format!(
            "{} arguments taking {bytes} bytes, more than rcffi's limit of {MAX_ARGUMENT_BYTES}: \
             a call copies them onto the C stack, which they would overflow",
            args.len()
        ));
    }
    Ok(())
}

impl CallPlan {
    /// A plan for a non-variadic function.
    pub fn new(args: &[NativeType], ret: NativeType) -> Result<CallPlan, String> {
        CallPlan::build(None, args, ret)
    }

    /// A plan for one call of a variadic function: the first `n_fixed` of
    /// `args` are the declared parameters, the rest the actual variadic
    /// arguments (already promoted: no float, nothing narrower than int).
    pub fn new_variadic(
        n_fixed: usize,
        args: &[NativeType],
        ret: NativeType,
    ) -> Result<CallPlan, String> {
        if n_fixed > args.len() {
            return Err(format!(
                "{n_fixed} fixed arguments but only {} arguments in total",
                args.len()
            ));
        }
        CallPlan::build(Some(n_fixed), args, ret)
    }

    fn build(
        n_fixed: Option<usize>,
        args: &[NativeType],
        ret: NativeType,
    ) -> Result<CallPlan, String> {
        if args.contains(&NativeType::Void) {
            return Err("void is not a valid argument type".into());
        }
        let nargs = c_uint::try_from(args.len()).map_err(|_| "too many arguments")?;
        check_argument_bytes(args, &ret)?;
        let mut types = FfiTypes::new();
        let rtype = types.lower(&ret)?;
        let mut arg_types = args
            .iter()
            .map(|a| types.lower(a))
            .collect::<Result<Vec<_>, _>>()?
            .into_boxed_slice();
        let cif = Box::new(UnsafeCell::new(ffi_cif::default()));
        // SAFETY: every pointer handed to libffi lives in `types`,
        // `arg_types` or `cif`, all of which the plan keeps.
        let status = unsafe {
            match n_fixed {
                None => raw::ffi_prep_cif(
                    cif.get(),
                    ffi_abi_FFI_DEFAULT_ABI,
                    nargs,
                    rtype,
                    arg_types.as_mut_ptr(),
                ),
                Some(n) => raw::ffi_prep_cif_var(
                    cif.get(),
                    ffi_abi_FFI_DEFAULT_ABI,
                    n as c_uint, // n <= args.len(), which fits
                    nargs,
                    rtype,
                    arg_types.as_mut_ptr(),
                ),
            }
        };
        check_status(status)?;
        layout::check(&types)?;
        Ok(CallPlan {
            cif,
            _arg_types: arg_types,
            _types: types,
            args: args.to_vec(),
            ret,
        })
    }

    pub fn arg_count(&self) -> usize {
        self.args.len()
    }

    pub fn arg_types(&self) -> &[NativeType] {
        &self.args
    }

    pub fn ret_type(&self) -> &NativeType {
        &self.ret
    }

    /// Bytes `call` writes to `ret`: the C size of the return type (0 for
    /// void). No extra room for libffi's widening is needed.
    pub fn ret_buffer_size(&self) -> usize {
        self.ret.size()
    }

    /// The cif, for closures (which keep the plan alive).
    pub(crate) fn cif_ptr(&self) -> *mut ffi_cif {
        self.cif.get()
    }

    /// Call `fnptr`. `args` holds one pointer per argument to its value;
    /// the result is written to `ret` at its C width (nothing for void).
    ///
    /// # Safety
    /// `fnptr` must be a C function of this plan's signature, `args` must
    /// point to `arg_count()` valid pointers to values of the right types,
    /// and `ret` must be writable for `ret_buffer_size()` bytes.
    pub unsafe fn call(&self, fnptr: *const c_void, args: *mut *mut c_void, ret: *mut c_void) { unsafe {
        let size = self.ret.size();
        let mut scratch = Scratch::new(size);
        let rvalue = scratch.as_mut_ptr();
        // SAFETY (transmute): the caller promises fnptr is a C function.
        let f = std::mem::transmute::<*const c_void, unsafe extern "C" fn()>(fnptr);
        raw::ffi_call(self.cif.get(), Some(f), rvalue, args);
        if self.ret.is_small_int() {
            int_ret::narrow(&self.ret, rvalue as *const ffi_arg, ret as *mut u8);
        } else if size > 0 {
            std::ptr::copy_nonoverlapping(rvalue as *const u8, ret as *mut u8, size);
        }
    }}
}

fn check_status(status: raw::ffi_status) -> Result<(), String> {
    match status {
        raw::ffi_status_FFI_OK => Ok(()),
        raw::ffi_status_FFI_BAD_TYPEDEF => Err("libffi rejected a type definition".into()),
        raw::ffi_status_FFI_BAD_ABI => Err("libffi rejected the calling convention".into()),
        raw::ffi_status_FFI_BAD_ARGTYPE => Err(
            "libffi rejected an argument type (variadic arguments must be \
             promoted: no float, no integer narrower than int)"
                .into(),
        ),
        other => Err(format!("libffi error {other}")),
    }
}
