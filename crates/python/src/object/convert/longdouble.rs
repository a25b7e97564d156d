//! `long double`: kept as cdata (cffi never converts it implicitly), stored
//! in the platform format: x87 80-bit extended on x86-64, IEEE binary128 on
//! aarch64. Rust has neither type, so the bits are built by hand from f64.

use pyo3::prelude::*;

/// # Safety
/// `dst` points to 16 writable bytes.
pub unsafe fn store(py: Python<'_>, obj: &Bound<'_, PyAny>, dst: *mut u8) -> PyResult<()> { unsafe {
    // a `long double` cdata is copied as is: no rounding through f64
    if let Some(cd) = crate::cdata::as_cdata(py, obj) {
        if cd.ctype().conv == crate::ctype::Conv::LongDouble {
            std::ptr::copy_nonoverlapping(cd.ptr.get() as *const u8, dst, 16);
            return Ok(());
        }
    }
    let v = super::float::extract(py, obj)?;
    std::ptr::copy_nonoverlapping(encode(v).as_ptr(), dst, 16);
    Ok(())
}}

/// # Safety
/// `src` points to 16 readable bytes holding a long double.
pub unsafe fn load(src: *const u8) -> f64 { unsafe {
    let mut b = [0u8; 16];
    std::ptr::copy_nonoverlapping(src, b.as_mut_ptr(), 16);
    decode(b)
}}

#[cfg(target_arch = "x86_64")]
pub fn encode(v: f64) -> [u8; 16] {
    let bits = v.to_bits();
    let sign = (bits >> 63) as u16;
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    let (e80, mant): (u16, u64) = if exp == 0 && frac == 0 {
        (0, 0)
    } else if exp == 0x7ff {
        (0x7fff, (1u64 << 63) | (frac << 11))
    } else if exp == 0 {
        // subnormal double: normalise
        let shift = frac.leading_zeros() - 11;
        let m = frac << (shift + 11);
        ((1 - 1023 - shift as i32 + 16383) as u16, m)
    } else {
        ((exp - 1023 + 16383) as u16, (1u64 << 63) | (frac << 11))
    };
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&mant.to_le_bytes());
    out[8..10].copy_from_slice(&((sign << 15) | e80).to_le_bytes());
    out
}

#[cfg(target_arch = "x86_64")]
pub fn decode(b: [u8; 16]) -> f64 {
    let mant = u64::from_le_bytes(b[..8].try_into().unwrap());
    let se = u16::from_le_bytes([b[8], b[9]]);
    let sign = if se & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = (se & 0x7fff) as i32;
    if exp == 0 && mant == 0 {
        return sign * 0.0;
    }
    if exp == 0x7fff {
        return if mant << 1 == 0 { sign * f64::INFINITY } else { f64::NAN };
    }
    // scaled in halves: `powi` of a large negative exponent is 1/inf = 0,
    // which would lose the values that are subnormal doubles
    let e = exp - 16383 - 63;
    sign * (mant as f64) * 2f64.powi(e / 2) * 2f64.powi(e - e / 2)
}

#[cfg(not(target_arch = "x86_64"))]
pub fn encode(v: f64) -> [u8; 16] {
    let bits = v.to_bits();
    let sign = (bits >> 63) as u128;
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = (bits & ((1u64 << 52) - 1)) as u128;
    let (e, m): (u128, u128) = if exp == 0 && frac == 0 {
        (0, 0)
    } else if exp == 0x7ff {
        (0x7fff, frac << 60)
    } else if exp == 0 {
        let shift = (frac as u64).leading_zeros() as i64 - 11;
        let m = (frac << (shift + 1)) & ((1u128 << 52) - 1);
        ((1 - 1023 - shift + 16383) as u128, m << 60)
    } else {
        ((exp - 1023 + 16383) as u128, frac << 60)
    };
    ((sign << 127) | (e << 112) | m).to_le_bytes()
}

#[cfg(not(target_arch = "x86_64"))]
pub fn decode(b: [u8; 16]) -> f64 {
    let x = u128::from_le_bytes(b);
    let sign = if x >> 127 != 0 { -1.0 } else { 1.0 };
    let exp = ((x >> 112) & 0x7fff) as i32;
    let frac = x & ((1u128 << 112) - 1);
    if exp == 0 && frac == 0 {
        return sign * 0.0;
    }
    if exp == 0x7fff {
        return if frac == 0 { sign * f64::INFINITY } else { f64::NAN };
    }
    let m = ((frac >> 60) as u64 | (1u64 << 52)) as f64;
    sign * m * 2f64.powi(exp - 16383 - 52)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn round_trips() {
        for v in [0.0, 1.5, -2.25, 1e300, 1e-310, f64::INFINITY, std::f64::consts::PI] {
            assert_eq!(decode(encode(v)), v);
        }
    }
}
