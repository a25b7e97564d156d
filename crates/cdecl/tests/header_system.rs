//! Real system headers of this machine through `cdef_header`: the
//! declarations users need are there, with gcc's layouts and values.

mod common;

use std::path::Path;

use cdecl::header::{cdef_header, HeaderOptions};
use cdecl::{DeclKind, Registry, TypeArena};
use common::*;

fn load(header: &str) -> (Registry, TypeArena, Vec<String>) {
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    let report = cdef_header(&mut reg, &mut arena, header, &HeaderOptions::default()).unwrap_or_else(|e| panic!("{header}: {e}"));
    (reg, arena, report.warnings)
}

fn has_system_header(h: &str) -> bool {
    let ok = Path::new("/usr/include").join(h).is_file();
    if !ok {
        common::skipped(&format!("the test of <{h}>"), "the header is not installed");
    }
    ok
}

fn function_sig(reg: &Registry, arena: &TypeArena, name: &str) -> String {
    match &reg.lookup(name).unwrap_or_else(|| panic!("{name} is not declared")).kind {
        DeclKind::Function { ty, .. } => cdecl::names::type_name(arena, *ty),
        other => panic!("{name} is not a function: {other:?}"),
    }
}

#[test]
fn zlib() {
    if !has_system_header("zlib.h") {
        return;
    }
    let (reg, mut arena, _) = load("zlib.h");
    assert_eq!(const_value(&reg, "Z_OK"), Some(0));
    assert_eq!(const_value(&reg, "Z_BUF_ERROR"), Some(-5));
    assert_eq!(function_sig(&reg, &arena, "compress"), "int()(unsigned char *, unsigned long *, unsigned char *, unsigned long)");
    assert_eq!(
        function_sig(&reg, &arena, "uncompress"),
        "int()(unsigned char *, unsigned long *, unsigned char *, unsigned long)"
    );
    assert!(reg.lookup("compressBound").is_some() && reg.lookup("zlibVersion").is_some());
    if gcc_available() {
        let want = gcc_values("#include <zlib.h>", &["ZLIB_VERNUM", "Z_DEFLATED", "Z_BEST_COMPRESSION", "MAX_WBITS"], &[]);
        let got: Vec<i128> = ["ZLIB_VERNUM", "Z_DEFLATED", "Z_BEST_COMPRESSION", "MAX_WBITS"]
            .iter()
            .map(|n| const_value(&reg, n).unwrap())
            .collect();
        assert_eq!(got, want);
        let q: &[(&str, &[&str])] = &[
            ("z_stream", &["next_in", "avail_in", "total_out", "msg", "zalloc", "opaque", "adler", "reserved"]),
            ("gz_header", &["extra_len", "hcrc"]),
        ];
        assert_eq!(crate_layouts(&reg, &mut arena, q), gcc_layouts("#include <zlib.h>", q, &[]));
    }
}

#[test]
fn sqlite3() {
    if !has_system_header("sqlite3.h") {
        return;
    }
    let (reg, arena, _) = load("sqlite3.h");
    assert_eq!(const_value(&reg, "SQLITE_OK"), Some(0));
    assert_eq!(const_value(&reg, "SQLITE_ROW"), Some(100));
    assert_eq!(const_value(&reg, "SQLITE_OPEN_READWRITE"), Some(2));
    assert_eq!(function_sig(&reg, &arena, "sqlite3_open"), "int()(char *, sqlite3 * *)");
    assert_eq!(
        function_sig(&reg, &arena, "sqlite3_exec"),
        "int()(sqlite3 *, char *, int(*)(void *, int, char * *, char * *), void *, char * *)"
    );
    // Pointer-valued macros are not integer constants.
    assert!(reg.lookup("SQLITE_TRANSIENT").is_none());
    if gcc_available() {
        let names = ["SQLITE_VERSION_NUMBER", "SQLITE_IOERR_READ", "SQLITE_OPEN_URI", "SQLITE_UTF16"];
        let want = gcc_values("#include <sqlite3.h>", &names, &[]);
        let got: Vec<i128> = names.iter().map(|n| const_value(&reg, n).unwrap()).collect();
        assert_eq!(got, want);
    }
}

#[test]
fn stdio() {
    let (reg, mut arena, warnings) = load("stdio.h");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(function_sig(&reg, &arena, "printf"), "int()(char *, ...)");
    assert_eq!(function_sig(&reg, &arena, "fopen"), "FILE *()(char *, char *)");
    assert_eq!(const_value(&reg, "EOF"), Some(-1));
    assert_eq!(const_value(&reg, "SEEK_END"), Some(2));
    // glibc's scanf family lives under the C99 symbol names.
    match &reg.lookup("sscanf").unwrap().kind {
        DeclKind::Function { asm_name, .. } => assert_eq!(asm_name.as_deref(), Some("__isoc99_sscanf")),
        _ => unreachable!(),
    }
    if gcc_available() {
        let want = gcc_values("#include <stdio.h>", &["BUFSIZ", "FILENAME_MAX", "L_tmpnam", "TMP_MAX"], &[]);
        let got: Vec<i128> =
            ["BUFSIZ", "FILENAME_MAX", "L_tmpnam", "TMP_MAX"].iter().map(|n| const_value(&reg, n).unwrap()).collect();
        assert_eq!(got, want);
        let q: &[(&str, &[&str])] = &[("fpos_t", &["__pos", "__state"])];
        assert_eq!(crate_layouts(&reg, &mut arena, q), gcc_layouts("#include <stdio.h>", q, &[]));
    }
}

#[test]
fn stdlib_and_string() {
    let (reg, mut arena, _) = load("stdlib.h");
    assert_eq!(function_sig(&reg, &arena, "malloc"), "void *()(unsigned long)");
    assert_eq!(function_sig(&reg, &arena, "qsort"), "void()(void *, unsigned long, unsigned long, int(*)(void *, void *))");
    assert_eq!(const_value(&reg, "EXIT_FAILURE"), Some(1));
    assert_eq!(const_value(&reg, "RAND_MAX"), Some(2147483647));
    if gcc_available() {
        let q: &[(&str, &[&str])] = &[("div_t", &["quot", "rem"]), ("lldiv_t", &["rem"])];
        assert_eq!(crate_layouts(&reg, &mut arena, q), gcc_layouts("#include <stdlib.h>", q, &[]));
    }
    let (reg, arena, _) = load("string.h");
    assert_eq!(function_sig(&reg, &arena, "memcpy"), "void *()(void *, void *, unsigned long)");
    assert_eq!(function_sig(&reg, &arena, "strlen"), "unsigned long()(char *)");
}

#[test]
fn sys_stat_and_time_layouts_match_gcc() {
    let (reg, mut arena, _) = load("sys/stat.h");
    assert!(reg.lookup("stat").is_some() && reg.lookup("fstat").is_some() && reg.lookup("chmod").is_some());
    if gcc_available() {
        let q: &[(&str, &[&str])] = &[(
            "struct stat",
            &[
                "st_dev",
                "st_ino",
                "st_nlink",
                "st_mode",
                "st_uid",
                "st_size",
                "st_blksize",
                "st_blocks",
                "st_atim",
                "st_mtim.tv_nsec",
                "st_ctim",
            ],
        )];
        assert_eq!(crate_layouts(&reg, &mut arena, q), gcc_layouts("#include <sys/stat.h>", q, &[]));
        let want = gcc_values("#include <sys/stat.h>", &["S_IFMT", "S_IFDIR", "S_IRWXU", "S_IXOTH"], &[]);
        let got: Vec<i128> = ["S_IFMT", "S_IFDIR", "S_IRWXU", "S_IXOTH"].iter().map(|n| const_value(&reg, n).unwrap()).collect();
        assert_eq!(got, want);
    }
    let (reg, mut arena, _) = load("time.h");
    assert_eq!(function_sig(&reg, &arena, "time"), "long()(long *)");
    assert!(reg.lookup("strftime").is_some() && reg.lookup("nanosleep").is_some());
    if gcc_available() {
        let q: &[(&str, &[&str])] = &[
            ("struct tm", &["tm_sec", "tm_year", "tm_isdst", "tm_gmtoff", "tm_zone"]),
            ("struct timespec", &["tv_sec", "tv_nsec"]),
            ("struct itimerspec", &["it_value.tv_nsec"]),
        ];
        assert_eq!(crate_layouts(&reg, &mut arena, q), gcc_layouts("#include <time.h>", q, &[]));
        assert_eq!(
            const_value(&reg, "CLOCKS_PER_SEC"),
            gcc_values("#include <time.h>", &["CLOCKS_PER_SEC"], &[]).first().copied()
        );
    }
}

#[test]
fn more_glibc_layouts_match_gcc() {
    if !gcc_available() {
        return;
    }
    let prelude = "#include <pthread.h>\n#include <signal.h>\n#include <dirent.h>\n#include <sys/socket.h>\n#include <netinet/in.h>\n#include <sys/epoll.h>\n";
    let (mut reg, mut arena) = (Registry::new(), TypeArena::new());
    cdecl::header::cdef_header_text(&mut reg, &mut arena, "probe.h", prelude, &HeaderOptions::default()).unwrap();
    let q: &[(&str, &[&str])] = &[
        ("pthread_mutex_t", &["__size", "__align"]),
        ("pthread_attr_t", &[]),
        ("sigset_t", &[]),
        ("struct sigaction", &["sa_mask", "sa_flags"]),
        ("struct dirent", &["d_ino", "d_reclen", "d_type", "d_name"]),
        ("struct sockaddr_in", &["sin_family", "sin_port", "sin_addr"]),
        ("struct sockaddr_in6", &["sin6_flowinfo", "sin6_addr", "sin6_scope_id"]),
        ("struct epoll_event", &["events", "data"]),
        ("siginfo_t", &["si_signo", "si_code"]),
    ];
    assert_eq!(crate_layouts(&reg, &mut arena, q), gcc_layouts(prelude, q, &[]));
}
