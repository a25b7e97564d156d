//! The clock of metered calls (metered.rs): two reads per call, so each
//! read must be cheap. On x86-64 Linux, when the kernel itself keeps time
//! with the TSC (`current_clocksource` is `tsc`: the counter is invariant
//! and synchronised across CPUs, or the kernel would have rejected it),
//! a read is one `rdtsc` (about 11 ns on the project's VM, against 24 ns
//! for `clock_gettime(CLOCK_MONOTONIC)`), and ticks become nanoseconds by
//! a fixed-point multiply with a scale measured once against
//! CLOCK_MONOTONIC. Everywhere else, and with `RCFFI_METRICS_CLOCK=monotonic`
//! in the environment, a read is `clock_gettime(CLOCK_MONOTONIC)`.
//!
//! Accuracy of the TSC clock: the scale is measured over 5 ms, each end
//! bracketed by two TSC reads a few tens of nanoseconds apart, so it is
//! off by at most ~2e-5 (plus CLOCK_MONOTONIC's own NTP slewing, at most
//! 5e-4). `rdtsc` does not serialise, so a read may move by a few dozen
//! cycles around the call it brackets: nanoseconds, below the first
//! histogram bucket (1 µs).

use std::sync::OnceLock;

/// How a metered object reads time: `scale` is nanoseconds per TSC tick
/// in 32.32 fixed point, or 0 for CLOCK_MONOTONIC (ticks are then
/// nanoseconds already).
#[derive(Clone, Copy)]
pub struct Clock {
    scale: u64,
}

impl Clock {
    /// The process's clock (calibrated at the first call: 5 ms, once).
    pub fn get() -> Clock {
        static CLOCK: OnceLock<Clock> = OnceLock::new();
        *CLOCK.get_or_init(|| Clock { scale: calibrate().unwrap_or(0) })
    }

    /// CLOCK_MONOTONIC (for objects that time nothing: no calibration).
    pub fn monotonic() -> Clock {
        Clock { scale: 0 }
    }

    /// A reading, in the clock's own ticks.
    #[inline(always)]
    pub fn ticks(self) -> u64 {
        #[cfg(target_arch = "x86_64")]
        if self.scale != 0 {
            // SAFETY: `rdtsc` exists on every x86-64 CPU and has no
            // memory effects; `scale != 0` only after `calibrate` found
            // the kernel trusting the TSC.
            return unsafe { core::arch::x86_64::_rdtsc() };
        }
        monotonic_ns()
    }

    /// Nanoseconds between two readings.
    #[inline(always)]
    pub fn elapsed_ns(self, t0: u64, t1: u64) -> u64 {
        let d = t1.wrapping_sub(t0);
        if self.scale == 0 {
            d
        } else {
            ((d as u128 * self.scale as u128) >> 32) as u64
        }
    }

    /// `("tsc", ns per tick)` or `("monotonic", 1.0)` (for docs and tests).
    pub fn describe(self) -> (&'static str, f64) {
        if self.scale == 0 {
            ("monotonic", 1.0)
        } else {
            ("tsc", self.scale as f64 / 4_294_967_296.0)
        }
    }
}

/// CLOCK_MONOTONIC in nanoseconds (a vDSO read on Linux and macOS).
#[inline]
pub fn monotonic_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid out-pointer; CLOCK_MONOTONIC always exists on Linux
    // and macOS, so the call cannot fail.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    (ts.tv_sec as u64).wrapping_mul(1_000_000_000).wrapping_add(ts.tv_nsec as u64)
}

/// The TSC's scale (ns per tick, 32.32), or None where it is not to be
/// used.
#[cfg(all(target_arch = "x86_64", target_os = "linux"))]
fn calibrate() -> Option<u64> {
    use core::arch::x86_64::_rdtsc;

    if std::env::var_os("RCFFI_METRICS_CLOCK").is_some_and(|v| v == "monotonic") {
        return None;
    }
    let source = std::fs::read_to_string("/sys/devices/system/clocksource/clocksource0/current_clocksource").ok()?;
    if source.trim() != "tsc" {
        return None;
    }
    // (tsc, ns) at one instant: the narrowest of a few TSC brackets
    // around a CLOCK_MONOTONIC read
    let pair = || {
        let mut best = (u64::MAX, 0u64, 0u64);
        for _ in 0..5 {
            // SAFETY: see `Clock::ticks`.
            let a = unsafe { _rdtsc() };
            let ns = monotonic_ns();
            // SAFETY: as above.
            let b = unsafe { _rdtsc() };
            if b > a && b - a < best.0 {
                best = (b - a, a + (b - a) / 2, ns);
            }
        }
        (best.1, best.2)
    };
    let (t0, n0) = pair();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let (t1, n1) = pair();
    let (dt, dn) = (t1.checked_sub(t0)?, n1.checked_sub(n0)?);
    if dt == 0 || dn < 4_000_000 {
        return None;
    }
    let scale = ((dn as u128) << 32) / dt as u128;
    u64::try_from(scale).ok().filter(|&s| s != 0)
}

#[cfg(not(all(target_arch = "x86_64", target_os = "linux")))]
fn calibrate() -> Option<u64> {
    None
}
