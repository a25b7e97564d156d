"""Input meant to break the library gets a Python exception, never a crash:
types nested far beyond any real C, handles that are not handles, an
allocator that returns too little memory. Each of these crashed rcffi
(a stack overflow, a panic that aborted the process, a heap overflow
that hung in malloc) before it was fixed."""

import subprocess
import sys

import pytest

from conftest import IMPL_NAME

rcffi_only = pytest.mark.skipif(IMPL_NAME != "rcffi", reason="cffi crashes or recurses here (rcffi's own checks)")


@rcffi_only
@pytest.mark.parametrize("text", [
    "int" + "*" * 200_000,
    "int" + "[1]" * 100_000,
    "int(*)(" + "int" + "*" * 300 + ")",
])
def test_types_nested_too_deep_are_a_cdef_error(ffi_mod, text):
    ffi = ffi_mod.FFI()
    with pytest.raises(ffi_mod.CDefError, match="type nested too deep"):
        ffi.typeof(text)
    # the FFI stays usable
    assert ffi.sizeof("int" + "*" * 200) == ffi.sizeof("void *")


@rcffi_only
def test_typedef_chains_too_deep_are_a_cdef_error(ffi_mod):
    ffi = ffi_mod.FFI()
    chain = "typedef int *T0;\n" + "".join("typedef T%d *T%d;\n" % (i - 1, i) for i in range(1, 300))
    with pytest.raises(ffi_mod.CDefError, match="type nested too deep"):
        ffi.cdef(chain)


def test_from_handle_of_a_pointer_to_another_type_is_a_type_error(ffi):
    with pytest.raises(TypeError, match="'void \\*' out of new_handle\\(\\), got 'int \\*'"):
        ffi.from_handle(ffi.new("int *"))
    with pytest.raises(TypeError, match="expected a 'cdata' object"):
        ffi.from_handle(5)


def test_from_handle_accepts_char_pointer_casts_of_a_handle(ffi):
    obj = object()
    h = ffi.new_handle(obj)
    assert ffi.from_handle(ffi.cast("char *", h)) is obj
    assert ffi.from_handle(ffi.cast("void *", ffi.cast("intptr_t", h))) is obj


@rcffi_only
@pytest.mark.parametrize("pointer", ["ffi.cast('void *', 0x1234)", "ffi.cast('void *', ffi.new('char[64]'))"])
def test_from_handle_of_garbage_raises_instead_of_crashing(pointer):
    # cffi reads the memory the pointer points to (and aborts or crashes):
    # run in a child so that a crash fails this test rather than the run
    code = "import rcffi\nffi = rcffi.FFI()\nkeep = %s\ntry:\n    ffi.from_handle(keep)\nexcept RuntimeError as e:\n    print('RuntimeError', e)\n" % pointer
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "RuntimeError" in r.stdout and "is not a live handle from ffi.new_handle()" in r.stdout


@rcffi_only
def test_from_handle_of_a_freed_handle_raises(ffi):
    h = ffi.new_handle(object())
    stale = ffi.cast("void *", ffi.cast("intptr_t", h))
    del h
    with pytest.raises(RuntimeError, match="not a live handle"):
        ffi.from_handle(stale)


@rcffi_only
def test_allocator_returning_too_little_memory_is_refused(ffi):
    alloc = ffi.new_allocator(lambda n: ffi.new("char[1]"))
    with pytest.raises(ValueError, match=r"alloc\(\) returned cdata 'char\[1\]' with room for 1 bytes, but 'int\[1000\]' needs 4000"):
        alloc("int[1000]")
    enough = ffi.new_allocator(lambda n: ffi.new("char[]", n))
    p = enough("int[1000]")
    p[999] = 7
    assert p[999] == 7


def test_callback_with_a_struct_libffi_cannot_lay_out_is_not_implemented(ffi):
    # cffi's type and message for a callback it cannot build
    # (the difftest's: the anonymous member's fields, flattened, are laid
    # out by libffi without the member's own padding)
    ffi.cdef("typedef struct { intptr_t f0; struct { void *p; wchar_t w; long double ld; void *q; }; long (*f3)[4]; } t1;")
    with pytest.raises(NotImplementedError, match="callback with unsupported argument or return type"):
        ffi.callback("void(t1)", lambda *a: None)


@rcffi_only
def test_struct_too_large_to_pass_by_value_is_refused(ffi):
    # cffi copies the 200 MB onto the C stack and crashes
    ffi.cdef("struct big { char a[200000000]; }; void *memset(struct big, int, size_t);"
             "struct fine { char a[4096]; }; int abs(int);")
    lib = ffi.dlopen(None)
    p = ffi.new("struct big *")
    with pytest.raises(NotImplementedError, match=r"'struct big' too large to be passed by value \(200000000 bytes"):
        lib.memset(p[0], 0, 0)
    with pytest.raises(NotImplementedError, match="callback with unsupported argument or return type"):
        ffi.callback("void(struct big)", lambda s: None)
    ffi.callback("void(struct fine)", lambda s: None)  # 4 KB is fine
    assert lib.abs(-3) == 3


@pytest.mark.parametrize("replace_with", ["\x00", "a\x00b", "*\x00"])
def test_getctype_replace_with_a_nul_is_a_value_error(ffi, replace_with):
    # cffi takes it as a C string; a NUL would silently cut the name short
    with pytest.raises(ValueError, match="embedded null character"):
        ffi.getctype("int", replace_with)
    assert ffi.getctype("int", "*") == "int *"


def test_buffer_item_of_the_wrong_length_is_a_type_error(ffi):
    b = ffi.buffer(ffi.new("char[4]", b"abc"))
    with pytest.raises(TypeError, match="must assign a bytes of length 1"):
        b[0] = b"xy"
    with pytest.raises(TypeError, match="must assign a bytes of length 1"):
        b[1] = b""
    with pytest.raises(ValueError, match="right operand length must match slice length"):
        b[0:2] = b"x"
    b[0] = b"z"
    assert b[:] == b"zbc\x00"


def test_void_pointer_slice_and_unpack_are_value_errors(ffi):
    p = ffi.cast("void *", ffi.new("char[8]"))
    with pytest.raises(ValueError, match="array item of unknown size: 'void'"):
        p[0:2]
    with pytest.raises(ValueError, match="'void \\*' points to items of unknown size"):
        ffi.unpack(p, 2)


def test_from_buffer_with_a_function_pointer_type_is_a_type_error(ffi):
    with pytest.raises(TypeError, match=r"expected a pointer or array ctype, got 'int\(\*\)\(int\)'"):
        ffi.from_buffer("int(*)(int)", bytearray(16))


def test_ctypes_and_buffers_take_weak_references(ffi):
    import weakref
    ct = ffi.typeof("struct { int a; } *")
    b = ffi.buffer(ffi.new("char[3]"))
    assert weakref.ref(ct)() is ct
    assert weakref.ref(b)() is b


@rcffi_only
def test_init_once_asked_again_for_its_own_tag_raises(ffi):
    # cffi waits for its own lock forever
    calls = []

    def init():
        calls.append(1)
        return ffi.init_once(init, "tag")

    with pytest.raises(RuntimeError, match="called ffi.init_once\\(\\) with the same tag again"):
        ffi.init_once(init, "tag")
    assert calls == [1]
    # not marked done: a later call runs a function again, and other tags work
    assert ffi.init_once(lambda: 5, "tag") == 5
    assert ffi.init_once(lambda: ffi.init_once(lambda: 7, "inner"), "outer") == 7
