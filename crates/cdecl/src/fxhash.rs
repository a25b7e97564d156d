//! A small, fast, non-cryptographic hasher for the name tables: one
//! folded multiply (128-bit product, halves xored) per 8 bytes. Names come
//! from the user's own cdef text, so HashDoS resistance buys nothing here,
//! while hashing is a visible part of parse time with SipHash.
//!
//! It replaced rustc's multiply-rotate `FxHasher` scheme, whose low bits
//! depend only on the low bits of what was added: names sharing a prefix
//! (`f_1234`, `f_1235`, ...) crowded a few buckets of the table (which
//! indexes by the low bits), some even got equal hashes, and a cdef of
//! 424,000 such declarations spent its 13 s probing.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

const K: u64 = 0x517c_c1b7_2722_0a95;

/// See the module documentation.
#[derive(Clone, Copy, Default)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        // a folded multiply: the low and high halves of the 128-bit
        // product, so every bit of the state depends on every bit added
        let m = u128::from(self.hash ^ word) * u128::from(K);
        self.hash = (m as u64) ^ ((m >> 64) as u64);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        while bytes.len() >= 8 {
            self.add(u64::from_le_bytes(bytes[..8].try_into().unwrap()));
            bytes = &bytes[8..];
        }
        if bytes.len() >= 4 {
            self.add(u32::from_le_bytes(bytes[..4].try_into().unwrap()) as u64);
            bytes = &bytes[4..];
        }
        for &b in bytes {
            self.add(b as u64);
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;
pub type FxHashMap<K, V> = HashMap<K, V, FxBuild>;
pub type FxHashSet<K> = HashSet<K, FxBuild>;

/// How the hash spreads generated names over a table's buckets: the
/// scaling of `cdef()` with the number of declarations depends on it (a
/// bucket holding thousands of names made parsing quadratic), and the
/// counts say so without timing anything.
#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash_of(s: &str) -> u64 {
        FxBuild::default().hash_one(s)
    }

    #[test]
    fn names_with_common_parts_spread_over_buckets() {
        const N: usize = 1 << 17;
        const BUCKET_BITS: u32 = 18; // a table about half full
        let shapes: [fn(usize) -> String; 4] = [
            |i| format!("f_{i}"),
            |i| format!("ZSTD_compressStream_variant_{i}"),
            |i| format!("{i}_t"),
            |i| format!("lib_{:08x}_fn", i * 4096),
        ];
        for shape in shapes {
            // hashbrown picks the bucket from the low bits and keeps the
            // top 7 bits in its control bytes: both must vary
            let mut buckets = vec![0u32; 1 << BUCKET_BITS];
            let mut tags = [0u32; 128];
            let mut hashes = std::collections::HashSet::new();
            for i in 0..N {
                let h = hash_of(&shape(i));
                hashes.insert(h);
                buckets[(h & ((1 << BUCKET_BITS) - 1)) as usize] += 1;
                tags[(h >> 57) as usize] += 1;
            }
            assert_eq!(hashes.len(), N, "{}: equal hashes for different names", shape(12345));
            let fullest = *buckets.iter().max().unwrap();
            let used = buckets.iter().filter(|&&c| c > 0).count();
            let name = shape(12345);
            // random placement: about 100,000 buckets used, the fullest ~8
            assert!(fullest <= 16, "{name}: {fullest} names in one bucket");
            assert!(used >= 90_000, "{name}: only {used} buckets used for {N} names");
            let (least, most) = (*tags.iter().min().unwrap(), *tags.iter().max().unwrap());
            assert!(least >= 256 && most <= 4096, "{name}: control tags from {least} to {most} names (1024 each if even)");
        }
    }
}
