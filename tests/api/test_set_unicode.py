"""``ffi.set_unicode()``: the Windows text types, and UNICODE/_UNICODE for
the compiler of API-mode modules and ``ffi.verify()`` (cffi's behaviour on
every platform)."""

import pytest

from conftest import cffi_impl

SOURCE = """
static int unicode_defined(void) {
#if defined(UNICODE) && defined(_UNICODE)
    return 1;
#else
    return 0;
#endif
}
"""


@pytest.mark.parametrize("flag, char", [(True, "wchar_t"), (False, "char")])
def test_the_text_types_are_declared_once(flag, char):
    ffi = cffi_impl.FFI()
    with pytest.raises(cffi_impl.CDefError):
        ffi.typeof("TCHAR")  # not there before
    ffi.set_unicode(flag)
    for name in ("TBYTE", "TCHAR"):
        assert ffi.typeof(name) is ffi.typeof(char)
    for name in ("LPCTSTR", "PCTSTR", "LPTSTR", "PTSTR", "PTBYTE", "PTCHAR"):
        assert ffi.typeof(name) is ffi.typeof(char + " *")
    with pytest.raises(ValueError, match="can only be called once"):
        ffi.set_unicode(not flag)


@pytest.mark.parametrize("flag", [True, False])
def test_compiled_modules_see_unicode_defined_when_enabled(build, flag):
    ffi = cffi_impl.FFI()
    ffi.set_unicode(flag)
    mod = build("int unicode_defined(void); TCHAR first(LPCTSTR s);",
                SOURCE + "static TCHAR first(LPCTSTR s) { return s[0]; }\n"
                "#include <wchar.h>\n", ffi=ffi,
                # the types are the cdef's; C needs them too
                extra_compile_args=["-include", "stddef.h"],
                define_macros=[("TCHAR", "wchar_t" if flag else "char"),
                               ("LPCTSTR", "const wchar_t *" if flag else "const char *")])
    assert mod.lib.unicode_defined() == (1 if flag else 0)
    text = "xyz" if flag else b"xyz"
    assert mod.lib.first(text) == ("x" if flag else b"x")


def test_verify_sees_unicode_defined(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # (setuptools looks at the current directory)
    ffi = cffi_impl.FFI()
    ffi.set_unicode(True)
    ffi.cdef("int unicode_defined(void);")
    lib = ffi.verify(SOURCE, tmpdir=str(tmp_path))
    assert lib.unicode_defined() == 1
