"""Error contracts (rcffi.contract): return codes, NULL and errno turned
into exceptions with context, on ordinary and isolated libraries."""

import errno

import pytest

import rcffi


class NativeParseError(Exception):
    pass


@pytest.fixture(params=["ordinary", "isolated"])
def lib(request, risky_ffi, risky_path):
    if request.param == "ordinary":
        yield risky_ffi.dlopen(risky_path)
    else:
        lib = risky_ffi.dlopen(risky_path, isolated=True, timeout=10)
        yield lib
        risky_ffi.dlclose(lib)


def last_error_text(ffi, lib):
    p = lib.last_error()
    return p.string().decode() if rcffi.isolation.is_isolated(lib) else ffi.string(p).decode()


def test_the_seeds_pattern_declared_once(lib, risky_ffi):
    rcffi.contract(lib, "parse_packet", error_if=lambda rc: rc < 0, raise_=NativeParseError,
                   message=lambda rc: last_error_text(risky_ffi, lib))
    assert lib.parse_packet(b"\xab\x07", 2) == 7
    with pytest.raises(NativeParseError) as info:
        lib.parse_packet(b"\x01", 1)
    e = info.value
    assert str(e) == "parse_packet(): packet too short"  # the function named in the message
    assert (e.function, e.result, e.errno) == ("parse_packet", -1, None)
    with pytest.raises(NativeParseError, match=r"parse_packet\(\): bad magic 0x01") as info:
        lib.parse_packet(b"\x01\x02", 2)
    assert info.value.result == -2


def test_default_exception_and_message(lib):
    rcffi.contract(lib, "add", error_if=lambda rc: rc == 0)
    with pytest.raises(rcffi.NativeError, match=r"^add\(\) returned 0$") as info:
        lib.add(-1, 1)
    assert info.value.result == 0 and info.value.function == "add"
    assert lib.add(1, 1) == 2


def test_value_and_format_string(lib):
    rcffi.contract(lib, "add", error_if=42, message="{function} gave {result}")
    with pytest.raises(rcffi.NativeError, match="^add gave 42$"):
        lib.add(40, 2)


def test_null_result(lib, risky_ffi):
    rcffi.contract(lib, "maybe_null", error_if=rcffi.NULL, raise_=LookupError, message="nothing to give")
    assert lib.maybe_null(1) != risky_ffi.NULL
    with pytest.raises(LookupError, match=r"maybe_null\(\): nothing to give") as info:
        lib.maybe_null(0)
    assert info.value.result == risky_ffi.NULL


def test_errno_convention(lib, risky_ffi):
    rcffi.contract(lib, "set_errno", errno=True)  # POSIX: -1 with errno set
    assert lib.set_errno(0) == 0
    with pytest.raises(rcffi.NativeError) as info:
        lib.set_errno(errno.ENOENT)
    e = info.value
    assert e.errno == errno.ENOENT and e.result == -1
    assert "set_errno()" in str(e) and "No such file or directory" in str(e)


def test_errno_with_an_oserror_class(lib):
    rcffi.contract(lib, "set_errno", errno=True, raise_=OSError)
    with pytest.raises(FileNotFoundError) as info:  # OSError picks the subclass from errno
        lib.set_errno(errno.ENOENT)
    assert info.value.errno == errno.ENOENT and info.value.function == "set_errno"


def test_errno_is_cleared_before_the_call(lib, risky_ffi):
    rcffi.contract(lib, "add", error_if=lambda rc: rc < 0, errno=True)
    risky_ffi.errno = errno.EINVAL  # left over from something else
    with pytest.raises(rcffi.NativeError) as info:
        lib.add(-5, 1)
    assert info.value.errno == 0 and "errno" not in str(info.value)


def test_table_form(lib):
    rcffi.contract(lib, {
        "set_errno": {},
        "add": {"error_if": lambda rc: rc > 100, "errno": False, "message": "too big"},
    }, errno=True)
    with pytest.raises(rcffi.NativeError, match=r"add\(\): too big"):
        lib.add(100, 1)
    with pytest.raises(rcffi.NativeError) as info:
        lib.set_errno(errno.EPERM)
    assert info.value.errno == errno.EPERM
    assert set(rcffi.contracts.contracts_of(lib)) == {"set_errno", "add"}


def test_remove(lib):
    rcffi.contract(lib, "add", error_if=0)
    with pytest.raises(rcffi.NativeError):
        lib.add(0, 0)
    rcffi.contracts.remove(lib, "add")
    assert lib.add(0, 0) == 0


def test_bad_declarations(lib):
    with pytest.raises(TypeError, match="give error_if"):
        rcffi.contract(lib, "add")
    with pytest.raises(TypeError, match="raise_ must be an exception class"):
        rcffi.contract(lib, "add", error_if=0, raise_=42)
    with pytest.raises(TypeError, match="error_if=NULL for add"):
        rcffi.contract(lib, "add", error_if=rcffi.NULL)
    with pytest.raises(AttributeError):
        rcffi.contract(lib, "no_such_function", error_if=0)
    with pytest.raises(TypeError, match="unknown keyword"):
        rcffi.contract(lib, {"add": {"eror_if": 0}})


def test_ordinary_library_without_contract_is_untouched(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path)
    rcffi.contract(lib, "parse_packet", error_if=lambda rc: rc < 0)
    assert type(lib.add) is risky_ffi.CData  # only the function with a contract is wrapped
    assert type(lib.parse_packet) is not risky_ffi.CData
