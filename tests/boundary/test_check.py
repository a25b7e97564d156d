"""Drift checks (ffi.check, python -m rcffi check): a cdef held against
the real header (tests/boundary/drift.h) and library (drift.c)."""

import json
import subprocess
import sys

import pytest

import rcffi

from .conftest import HERE

# disagrees with drift.h in every way a drift check reports (marked "!")
DRIFTED = """
#define DRIFT_VERSION 2                                   /* ! 3 in the header */
#define DRIFT_MAX 100
typedef int flags_t;                                      /* ! unsigned int */
enum mode { MODE_A = 1, MODE_B = 3, MODE_C = 4 };         /* ! MODE_B is 2 */
struct rec { int a; int b; char tag[3]; };                /* ! b is a long */
union val { int i; float d; };                            /* ! d is a double */
struct same { int x; int y; };
int count_bytes(const char *s, int n);                    /* ! size_t, size_t */
int add(int a, int b);
long total(struct rec *r);
double as_double(union val v);
int gone_soon(int x);                                     /* ! not exported */
int renamed_fn(int);                                      /* ! not in the header */
extern int drift_counter;
extern flags_t drift_flags;                               /* ! via the typedef */
extern int missing_global;                                /* ! not exported */
"""

# what drift.h and drift.c agree with
FAITHFUL = """
#define DRIFT_VERSION 3
typedef unsigned int flags_t;
enum mode { MODE_A = 1, MODE_B = 2, MODE_C = 4 };
struct rec { int a; long b; char tag[3]; };
union val { int i; double d; };
size_t count_bytes(const char *s, size_t n);
int add(int a, int b);
long total(struct rec *r);
double as_double(union val v);
extern int drift_counter;
extern flags_t drift_flags;
"""


def ffi_of(text):
    ffi = rcffi.FFI()
    ffi.cdef(text)
    return ffi


def found(report):
    return {(m.kind, m.name, m.what) for m in report.mismatches}


def test_every_kind_of_drift(drift_path):
    report = ffi_of(DRIFTED).check(header="drift.h", library=drift_path, include_dirs=[str(HERE)])
    assert not report.ok
    got = found(report)
    expected = {
        ("constant", "DRIFT_VERSION", "value"),
        ("typedef", "flags_t", "resolves to a different type"),
        ("enum", "MODE_B", "value"),
        ("struct", "struct rec", "size"),
        ("struct", "struct rec", "alignment"),
        ("struct", "struct rec", "field 'b' type"),
        ("struct", "struct rec", "field 'b' offset"),
        ("struct", "struct rec", "field 'tag' offset"),
        ("union", "union val", "size"),
        ("union", "union val", "alignment"),
        ("union", "union val", "field 'd' type"),
        ("function", "count_bytes", "result type"),
        ("function", "count_bytes", "parameter 2 type"),
        ("function", "renamed_fn", "declared in the cdef, not in the header"),
        ("variable", "drift_flags", "type"),
        ("symbol", "gone_soon", "declared function not exported by the library"),
        ("symbol", "renamed_fn", "declared function not exported by the library"),
        ("symbol", "missing_global", "declared global variable not exported by the library"),
    }
    assert got == expected
    by = {(m.kind, m.name, m.what): m for m in report.mismatches}
    m = by[("function", "count_bytes", "parameter 2 type")]
    assert (m.cdef, m.header) == ("int", "unsigned long")  # size_t resolved through its typedef
    m = by[("struct", "struct rec", "field 'tag' offset")]
    assert (m.cdef, m.header) == ("8", "16")
    assert by[("enum", "MODE_B", "value")].header == "2"


def test_faithful_cdef_passes(drift_path):
    report = ffi_of(FAITHFUL).check(header="drift.h", library=drift_path, include_dirs=[str(HERE)])
    assert report.ok, str(report)
    assert report.checked > 10
    assert report.raise_if_mismatch() is report


def test_without_a_library_symbols_are_not_checked():
    report = ffi_of("int gone_soon(int x);").check(header=str(HERE / "drift.h"))
    assert report.ok


def test_human_output_and_json(drift_path):
    report = ffi_of(DRIFTED).check(header=str(HERE / "drift.h"), library=drift_path)
    text = str(report)
    assert "18 mismatch(es)" in text
    assert "struct rec: field 'b' type (cdef: int; header: long)" in text
    assert "function count_bytes: parameter 2 type (cdef: int; header: unsigned long)" in text
    data = json.loads(report.to_json())
    assert data["ok"] is False and len(data["mismatches"]) == 18
    assert {"kind", "name", "what", "cdef", "header"} == set(data["mismatches"][0])


def test_raise_if_mismatch(drift_path):
    report = ffi_of("int add(long a, int b);").check(header=str(HERE / "drift.h"))
    with pytest.raises(rcffi.DriftError, match=r"function add: parameter 1 type") as info:
        report.raise_if_mismatch()
    assert isinstance(info.value, AssertionError) and info.value.report is report


def test_record_layout_drift():
    header = HERE / "drift.h"
    report = ffi_of("struct same { int x; long y; };").check(header=str(header))
    assert found(report) == {("struct", "struct same", "size"), ("struct", "struct same", "alignment"),
                             ("struct", "struct same", "field 'y' type"), ("struct", "struct same", "field 'y' offset")}


def test_nested_anonymous_records(tmp_path):
    h = tmp_path / "h.h"
    h.write_text("struct outer { struct { int a; } in; union { int u; float f; }; int last; };\n")
    same = ffi_of("struct outer { struct { int a; } in; union { int u; float f; }; int last; };")
    assert same.check(header=str(h)).ok
    drifted = ffi_of("struct outer { struct { long a; } in; union { int u; float f; }; int last; };")
    got = found(drifted.check(header=str(h)))
    assert ("struct", "struct outer", "field 'in' type") in got
    assert ("struct", "struct outer", "field 'last' offset") in got


def test_missing_fields_both_ways(tmp_path):
    h = tmp_path / "h.h"
    h.write_text("struct s { int a; int b; };\ntypedef struct { char c; } anon_t;\nint use(anon_t *p);\n")
    report = ffi_of("struct s { int a; int c; };\ntypedef struct { short c; } anon_t;\nint use(anon_t *p);").check(
        header=str(h))
    got = found(report)
    assert ("struct", "struct s", "field 'c' not in the header") in got
    assert ("struct", "struct s", "field 'b' not in the cdef") in got
    # a typedef'd anonymous struct is compared under its typedef name, once,
    # not again in every signature that uses it
    assert ("struct", "anon_t", "field 'c' type") in got
    assert ("struct", "anon_t", "size") in got
    assert not any(kind == "function" for kind, _, _ in got)


def test_partial_records_are_notes(tmp_path):
    h = tmp_path / "h.h"
    h.write_text("struct s { int a; int b; };\n")
    report = ffi_of("struct s { int a; ...; };").check(header=str(h))
    assert report.ok
    assert any("'...'" in n for n in report.notes)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "rcffi", "check", *args], capture_output=True, text=True)


def test_cli_exit_status_and_output(tmp_path, drift_path):
    bad = tmp_path / "drifted.cdef"
    bad.write_text(DRIFTED)
    good = tmp_path / "faithful.cdef"
    good.write_text(FAITHFUL)
    r = run_cli(str(bad), "--header", "drift.h", "-I", str(HERE), "--lib", drift_path)
    assert r.returncode == 1, r.stderr
    assert "function count_bytes: result type (cdef: int; header: unsigned long)" in r.stdout
    assert "symbol gone_soon: declared function not exported by the library" in r.stdout
    r = run_cli(str(bad), "--header", str(HERE / "drift.h"), "--lib", drift_path, "--json")
    assert r.returncode == 1
    assert len(json.loads(r.stdout)["mismatches"]) == 18
    r = run_cli(str(good), "--header", str(HERE / "drift.h"), "--lib", drift_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 mismatch(es)" in r.stdout


def test_cli_errors_are_status_2(tmp_path):
    bad = tmp_path / "bad.cdef"
    bad.write_text("int f(;")
    r = run_cli(str(bad), "--header", str(HERE / "drift.h"))
    assert r.returncode == 2 and "rcffi check: error: CDefError" in r.stderr
    r = run_cli(str(tmp_path / "missing.cdef"), "--header", str(HERE / "drift.h"))
    assert r.returncode == 2 and "No such file" in r.stderr
    good = tmp_path / "ok.cdef"
    good.write_text("int add(int, int);")
    r = run_cli(str(good), "--header", str(HERE / "drift.h"), "--lib", str(tmp_path / "libnope.so"))
    assert r.returncode == 2 and "cannot load library" in r.stderr
