"""sqlite3.h read with ffi.cdef_header(): an in-memory database driven
through libsqlite3 with a Python callback."""

import ctypes.util
import os

import pytest

SQLITE_LIB = ctypes.util.find_library("sqlite3")
if SQLITE_LIB is None and os.path.exists("/usr/lib/x86_64-linux-gnu/libsqlite3.so.0"):
    SQLITE_LIB = "/usr/lib/x86_64-linux-gnu/libsqlite3.so.0"
pytestmark = pytest.mark.skipif(
    not os.path.exists("/usr/include/sqlite3.h") or SQLITE_LIB is None,
    reason="sqlite3.h or libsqlite3 not installed")


@pytest.fixture
def sq(hffi):
    hffi.cdef_header("sqlite3.h")
    return hffi, hffi.dlopen(SQLITE_LIB)


def open_memory(ffi, lib):
    db_p = ffi.new("sqlite3 **")
    assert lib.sqlite3_open(b":memory:", db_p) == lib.SQLITE_OK
    return db_p[0]


def test_exec_with_python_callback(sq):
    ffi, lib = sq
    db = open_memory(ffi, lib)
    try:
        errmsg = ffi.new("char **")
        sql = b"""
            CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL);
            INSERT INTO t (name, score) VALUES ('ada', 9.5), ('brian', 7.25), ('carla', NULL);
        """
        assert lib.sqlite3_exec(db, sql, ffi.NULL, ffi.NULL, errmsg) == lib.SQLITE_OK

        rows = []

        @ffi.callback("int(void *, int, char **, char **)")
        def on_row(userdata, ncols, values, names):
            assert ffi.from_handle(userdata) is rows
            rows.append({ffi.string(names[i]).decode(): (ffi.string(values[i]).decode() if values[i] else None)
                         for i in range(ncols)})
            return 0

        handle = ffi.new_handle(rows)
        rc = lib.sqlite3_exec(db, b"SELECT id, name, score FROM t ORDER BY id", on_row, handle, errmsg)
        assert rc == lib.SQLITE_OK
        assert rows == [
            {"id": "1", "name": "ada", "score": "9.5"},
            {"id": "2", "name": "brian", "score": "7.25"},
            {"id": "3", "name": "carla", "score": None},
        ]

        # a callback returning non-zero aborts the statement
        stop = ffi.callback("int(void *, int, char **, char **)", lambda *a: 1)
        assert lib.sqlite3_exec(db, b"SELECT * FROM t", stop, ffi.NULL, ffi.NULL) == lib.SQLITE_ABORT

        # an SQL error comes back with a message allocated by sqlite
        assert lib.sqlite3_exec(db, b"SELECT * FROM nope", ffi.NULL, ffi.NULL, errmsg) == lib.SQLITE_ERROR
        assert b"no such table" in ffi.string(errmsg[0])
        lib.sqlite3_free(errmsg[0])
    finally:
        assert lib.sqlite3_close(db) == lib.SQLITE_OK


def test_prepared_statement_and_bindings(sq):
    ffi, lib = sq
    db = open_memory(ffi, lib)
    try:
        stmt_p = ffi.new("sqlite3_stmt **")
        assert lib.sqlite3_prepare_v2(db, b"SELECT ?1 * 2, upper(?2), typeof(?3)", -1, stmt_p, ffi.NULL) == lib.SQLITE_OK
        stmt = stmt_p[0]
        assert lib.sqlite3_bind_int64(stmt, 1, 1 << 40) == lib.SQLITE_OK
        # SQLITE_TRANSIENT is ((sqlite3_destructor_type)-1): a pointer cast, so not a constant
        transient = ffi.cast("sqlite3_destructor_type", -1)
        assert lib.sqlite3_bind_text(stmt, 2, b"hello", 5, transient) == lib.SQLITE_OK
        assert lib.sqlite3_bind_double(stmt, 3, 2.5) == lib.SQLITE_OK
        assert lib.sqlite3_step(stmt) == lib.SQLITE_ROW
        assert lib.sqlite3_column_count(stmt) == 3
        assert lib.sqlite3_column_int64(stmt, 0) == 1 << 41
        assert lib.sqlite3_column_type(stmt, 0) == lib.SQLITE_INTEGER
        assert ffi.string(ffi.cast("char *", lib.sqlite3_column_text(stmt, 1))) == b"HELLO"
        assert ffi.string(ffi.cast("char *", lib.sqlite3_column_text(stmt, 2))) == b"real"
        assert lib.sqlite3_step(stmt) == lib.SQLITE_DONE
        assert lib.sqlite3_finalize(stmt) == lib.SQLITE_OK
    finally:
        lib.sqlite3_close(db)


def test_constants_and_version(sq, gcc_probe):
    ffi, lib = sq
    names = ["SQLITE_OK", "SQLITE_ROW", "SQLITE_DONE", "SQLITE_ABORT", "SQLITE_OPEN_READWRITE",
             "SQLITE_OPEN_CREATE", "SQLITE_IOERR_READ", "SQLITE_VERSION_NUMBER", "SQLITE_UTF8"]
    assert [getattr(lib, n) for n in names] == gcc_probe("#include <sqlite3.h>", names)
    # SQLITE_IOERR_READ is (SQLITE_IOERR | (1<<8)): macro arithmetic
    assert lib.SQLITE_IOERR_READ == lib.SQLITE_IOERR | (1 << 8)
    assert lib.sqlite3_libversion_number() // 1000000 == lib.SQLITE_VERSION_NUMBER // 1000000 == 3
    assert ffi.string(lib.sqlite3_libversion()).startswith(b"3.")


def test_variadic_mprintf(sq):
    ffi, lib = sq
    p = lib.sqlite3_mprintf(b"%s=%d (%q)", ffi.new("char[]", b"x"), ffi.cast("int", 42), ffi.new("char[]", b"it's"))
    try:
        assert ffi.string(p) == b"x=42 (it''s)"
    finally:
        lib.sqlite3_free(p)
