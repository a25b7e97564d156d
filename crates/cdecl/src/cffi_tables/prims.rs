//! cffi's numbering of primitive types (`_CFFI_PRIM_*` in its
//! `parse_c_type.h`), as rcffi's [`Prim`]s.

use crate::Prim;

/// `_CFFI_PRIM_VOID`: `void` is no `Prim`.
pub const VOID: i32 = 0;

/// The primitive numbered `n` (1 to 51; 0 is `void`, negative numbers are
/// API mode's "unknown" kinds).
pub fn prim(n: i32) -> Option<Prim> {
    use Prim::*;
    const BY_NUMBER: [Prim; 51] = [
        Bool, Char, SChar, UChar, Short, UShort, Int, UInt, Long, ULong, LongLong, ULongLong, Float, Double,
        LongDouble, WChar, Int8, UInt8, Int16, UInt16, Int32, UInt32, Int64, UInt64, IntPtr, UIntPtr, PtrDiff,
        Size, SSize, IntLeast8, UIntLeast8, IntLeast16, UIntLeast16, IntLeast32, UIntLeast32, IntLeast64,
        UIntLeast64, IntFast8, UIntFast8, IntFast16, UIntFast16, IntFast32, UIntFast32, IntFast64, UIntFast64,
        IntMax, UIntMax, FloatComplex, DoubleComplex, Char16, Char32,
    ];
    usize::try_from(n).ok().and_then(|i| i.checked_sub(1)).and_then(|i| BY_NUMBER.get(i)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_follow_cffi() {
        assert_eq!(prim(1), Some(Prim::Bool));
        assert_eq!(prim(7), Some(Prim::Int));
        assert_eq!(prim(15), Some(Prim::LongDouble));
        assert_eq!(prim(16), Some(Prim::WChar));
        assert_eq!(prim(28), Some(Prim::Size));
        assert_eq!(prim(47), Some(Prim::UIntMax));
        assert_eq!(prim(49), Some(Prim::DoubleComplex));
        assert_eq!(prim(51), Some(Prim::Char32));
        assert_eq!(prim(0), None);
        assert_eq!(prim(52), None);
        assert_eq!(prim(-1), None);
    }
}
