//! `%.6LE` of a `long double` from its bits, exactly: a value beyond
//! `double`'s range or precision (1E-500) must print as C prints it, not as
//! its rounding to f64. The value is `mantissa * 2^e2`; its decimal digits
//! come from a small big integer (`mantissa * 2^e2`, or `mantissa * 5^-e2`
//! shifted by `-e2` decimal places), rounded half to even as glibc does.

/// `(negative, mantissa, e2)` of a finite value, or the text of an infinity
/// or NaN.
enum Parts {
    Finite(bool, u128, i32),
    Special(&'static str),
}

#[cfg(target_arch = "x86_64")]
fn parts(b: &[u8; 16]) -> Parts {
    // x87 extended: 64-bit mantissa with an explicit integer bit
    let mant = u64::from_le_bytes(b[..8].try_into().expect("8 bytes"));
    let se = u16::from_le_bytes([b[8], b[9]]);
    let neg = se & 0x8000 != 0;
    let exp = (se & 0x7fff) as i32;
    if exp == 0x7fff {
        return Parts::Special(match (mant << 1 == 0, neg) {
            (true, false) => "INF",
            (true, true) => "-INF",
            _ => "NAN",
        });
    }
    Parts::Finite(neg, mant as u128, exp.max(1) - 16383 - 63)
}

#[cfg(not(target_arch = "x86_64"))]
fn parts(b: &[u8; 16]) -> Parts {
    // IEEE binary128: 112-bit fraction, implicit integer bit
    let x = u128::from_le_bytes(*b);
    let neg = x >> 127 != 0;
    let exp = ((x >> 112) & 0x7fff) as i32;
    let frac = x & ((1u128 << 112) - 1);
    if exp == 0x7fff {
        return Parts::Special(match (frac == 0, neg) {
            (true, false) => "INF",
            (true, true) => "-INF",
            _ => "NAN",
        });
    }
    let mant = if exp == 0 { frac } else { frac | (1u128 << 112) };
    Parts::Finite(neg, mant, exp.max(1) - 16383 - 112)
}

/// Little-endian base-10^9 limbs.
struct Big(Vec<u64>);

const LIMB: u64 = 1_000_000_000;

impl Big {
    fn from_u128(mut v: u128) -> Big {
        let mut limbs = Vec::new();
        while v > 0 {
            limbs.push((v % LIMB as u128) as u64);
            v /= LIMB as u128;
        }
        Big(limbs)
    }

    fn mul_small(&mut self, k: u64) {
        let mut carry = 0u64;
        for limb in self.0.iter_mut() {
            let p = *limb * k + carry;
            *limb = p % LIMB;
            carry = p / LIMB;
        }
        while carry > 0 {
            self.0.push(carry % LIMB);
            carry /= LIMB;
        }
    }

    /// Multiply by `base^n`, in steps of `base^step` (< 2^32).
    fn mul_pow(&mut self, base: u64, step: u32, mut n: u32) {
        while n > 0 {
            let k = n.min(step);
            self.mul_small(base.pow(k));
            n -= k;
        }
    }

    fn digits(&self) -> Vec<u8> {
        let mut s = String::new();
        for (i, limb) in self.0.iter().rev().enumerate() {
            if i == 0 {
                s.push_str(&limb.to_string());
            } else {
                s.push_str(&format!("{limb:09}"));
            }
        }
        s.into_bytes().into_iter().map(|c| c - b'0').collect()
    }
}

/// `%.6LE` of the `long double` whose bytes are `b`: `1.000000E-500`.
pub fn format_e_bits(b: &[u8; 16]) -> String {
    let (neg, mant, e2) = match parts(b) {
        Parts::Special(s) => return s.to_string(),
        Parts::Finite(neg, mant, e2) => (neg, mant, e2),
    };
    let sign = if neg { "-" } else { "" };
    if mant == 0 {
        return format!("{sign}0.000000E+00");
    }
    let mut n = Big::from_u128(mant);
    let shift = if e2 >= 0 {
        n.mul_pow(2, 31, e2 as u32);
        0
    } else {
        n.mul_pow(5, 13, (-e2) as u32);
        -e2
    };
    let digits = n.digits();
    let mut exp10 = digits.len() as i32 - 1 - shift;
    // round to 7 significant digits, half to even on the exact rest
    let mut kept: Vec<u8> = digits.iter().copied().chain(std::iter::repeat(0)).take(7).collect();
    let rest = if digits.len() > 7 { &digits[7..] } else { &[][..] };
    let round_up = match rest.first() {
        Some(&d) if d > 5 => true,
        Some(&5) => rest[1..].iter().any(|&d| d != 0) || kept[6] % 2 == 1,
        _ => false,
    };
    if round_up {
        let mut i = 6;
        loop {
            if kept[i] == 9 {
                kept[i] = 0;
                if i == 0 {
                    kept.insert(0, 1);
                    kept.truncate(7);
                    exp10 += 1;
                    break;
                }
                i -= 1;
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let text: String = kept.iter().map(|d| (b'0' + d) as char).collect();
    format!("{sign}{}.{}E{}{:02}", &text[..1], &text[1..], if exp10 < 0 { '-' } else { '+' }, exp10.abs())
}

/// Whether the `long double` whose bytes are `b` is nonzero (what `_Bool`
/// of it is in C), however small.
pub fn is_nonzero(b: &[u8; 16]) -> bool {
    match parts(b) {
        Parts::Special(_) => true,
        Parts::Finite(_, mant, _) => mant != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::longdouble::encode;

    #[test]
    fn as_c_prints_doubles() {
        // gcc/glibc's printf("%.6LE", (long double)v)
        let cases = [
            (1.5, "1.500000E+00"),
            (-2.25, "-2.250000E+00"),
            (1e300, "1.000000E+300"),
            (1e-310, "1.000000E-310"),
            (std::f64::consts::PI, "3.141593E+00"),
            (0.0, "0.000000E+00"),
            (123456789.0, "1.234568E+08"),
            (9.9999995, "9.999999E+00"),
            (1.0 / 3.0, "3.333333E-01"),
            (2.5e-7, "2.500000E-07"),
            (9999999.5, "1.000000E+07"),
            (1234567.5, "1.234568E+06"),
        ];
        for (v, text) in cases {
            assert_eq!(format_e_bits(&encode(v)), text, "{v}");
        }
    }

    #[test]
    fn beyond_double() {
        // 2^-1700 and 2^1700 (outside double's range)
        let mut tiny = [0u8; 16];
        let mut huge = [0u8; 16];
        #[cfg(target_arch = "x86_64")]
        {
            tiny[7] = 0x80;
            tiny[8..10].copy_from_slice(&((16383u16 - 1700).to_le_bytes()));
            huge[7] = 0x80;
            huge[8..10].copy_from_slice(&((16383u16 + 1700).to_le_bytes()));
        }
        #[cfg(not(target_arch = "x86_64"))]
        {
            tiny = ((16383u128 - 1700) << 112).to_le_bytes();
            huge = ((16383u128 + 1700) << 112).to_le_bytes();
        }
        assert_eq!(format_e_bits(&tiny), "1.774220E-512");
        assert_eq!(format_e_bits(&huge), "5.636281E+511");
        assert!(is_nonzero(&tiny));
        assert!(!is_nonzero(&encode(0.0)));
    }
}
