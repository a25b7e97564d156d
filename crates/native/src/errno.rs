//! The calling thread's C `errno`, read and written around foreign calls.

use std::ffi::c_int;

pub fn get_errno() -> i32 {
    // SAFETY: the location is the calling thread's own errno.
    unsafe { *location() }
}

pub fn set_errno(value: i32) {
    // SAFETY: as above.
    unsafe { *location() = value }
}

#[cfg(any(
    target_os = "linux",
    target_os = "emscripten",
    target_os = "redox",
    target_os = "hurd",
    target_os = "dragonfly"
))]
unsafe fn location() -> *mut c_int { unsafe {
    libc::__errno_location()
}}

#[cfg(any(target_vendor = "apple", target_os = "freebsd"))]
unsafe fn location() -> *mut c_int {
    libc::__error()
}

#[cfg(any(target_os = "android", target_os = "netbsd", target_os = "openbsd"))]
unsafe fn location() -> *mut c_int {
    libc::__errno()
}

#[cfg(windows)]
unsafe fn location() -> *mut c_int {
    // The C runtime's per-thread errno (ucrt and msvcrt both export it).
    extern "C" {
        fn _errno() -> *mut c_int;
    }
    _errno()
}
