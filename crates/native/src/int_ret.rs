//! Small integer returns travel through libffi as a whole `ffi_arg`:
//! `ffi_call` writes one, and a closure must write one. Converting through
//! the integer value (not raw bytes) keeps this right on big-endian targets.

use libffi::low::{ffi_arg, ffi_sarg};

use crate::abi::NativeType;

/// Store the C-width value held in the `ffi_arg` at `src` into `dst`.
/// Types other than small integers are left alone.
///
/// # Safety
/// `src` must be a readable, aligned `ffi_arg`; `dst` writable for
/// `t.size()` bytes.
pub(crate) unsafe fn narrow(t: &NativeType, src: *const ffi_arg, dst: *mut u8) { unsafe {
    let v = src.read();
    match t {
        NativeType::U8 | NativeType::I8 => dst.write(v as u8),
        NativeType::U16 | NativeType::I16 => (dst as *mut u16).write_unaligned(v as u16),
        NativeType::U32 | NativeType::I32 => (dst as *mut u32).write_unaligned(v as u32),
        _ => {}
    }
}}

/// Widen the C-width value at `src` to a full `ffi_arg` at `dst`: signed
/// types sign-extend, unsigned ones zero-extend, as libffi requires.
/// Types other than small integers are left alone.
///
/// # Safety
/// `src` must be readable for `t.size()` bytes; `dst` a writable, aligned
/// `ffi_arg`.
pub(crate) unsafe fn widen(t: &NativeType, src: *const u8, dst: *mut ffi_arg) { unsafe {
    let v: ffi_arg = match t {
        NativeType::I8 => (src as *const i8).read() as ffi_sarg as ffi_arg,
        NativeType::U8 => src.read() as ffi_arg,
        NativeType::I16 => (src as *const i16).read_unaligned() as ffi_sarg as ffi_arg,
        NativeType::U16 => (src as *const u16).read_unaligned() as ffi_arg,
        NativeType::I32 => (src as *const i32).read_unaligned() as ffi_sarg as ffi_arg,
        NativeType::U32 => (src as *const u32).read_unaligned() as ffi_arg,
        _ => return,
    };
    dst.write(v);
}}

#[cfg(test)]
mod tests {
    use super::*;

    fn widened(t: NativeType, bytes: &[u8]) -> ffi_arg {
        let mut out: ffi_arg = 0x5A5A_5A5A;
        // SAFETY: `bytes` holds t.size() bytes; `out` is an ffi_arg.
        unsafe { widen(&t, bytes.as_ptr(), &mut out) };
        out
    }

    #[test]
    fn signed_types_sign_extend() {
        assert_eq!(widened(NativeType::I8, &(-1i8).to_ne_bytes()), ffi_arg::MAX);
        assert_eq!(
            widened(NativeType::I16, &(-2i16).to_ne_bytes()),
            (-2 as ffi_sarg) as ffi_arg
        );
        assert_eq!(widened(NativeType::I8, &5i8.to_ne_bytes()), 5);
    }

    #[test]
    fn unsigned_types_zero_extend() {
        assert_eq!(widened(NativeType::U8, &[0xFF]), 0xFF);
        assert_eq!(widened(NativeType::U16, &0xFFFFu16.to_ne_bytes()), 0xFFFF);
    }

    #[cfg(target_pointer_width = "64")]
    #[test]
    fn thirty_two_bit_types_widen_on_64_bit() {
        assert_eq!(
            widened(NativeType::I32, &(-3i32).to_ne_bytes()),
            (-3i64) as ffi_arg
        );
        assert_eq!(
            widened(NativeType::U32, &u32::MAX.to_ne_bytes()),
            0xFFFF_FFFF
        );
    }

    #[test]
    fn narrow_keeps_the_low_c_width_value() {
        let full = (-1 as ffi_sarg) as ffi_arg;
        let mut out = [0xAAu8; 4];
        // SAFETY: `out` has room for 2 bytes.
        unsafe { narrow(&NativeType::I16, &full, out.as_mut_ptr()) };
        assert_eq!(out, [0xFF, 0xFF, 0xAA, 0xAA]);
    }
}
