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


@pytest.mark.parametrize("error_if, bad, good", [
    (rcffi.contracts.lt(0), (-2, 1), (2, -2)),
    (rcffi.contracts.le(0), (0, 0), (1, 0)),
    (rcffi.contracts.gt(10), (10, 1), (10, 0)),
    (rcffi.contracts.ge(10), (5, 5), (5, 4)),
    (rcffi.contracts.eq(7), (3, 4), (3, 3)),
    (rcffi.contracts.ne(0), (1, 0), (1, -1)),
])
def test_declarative_comparisons(lib, error_if, bad, good):
    rcffi.contract(lib, "add", error_if=error_if)
    with pytest.raises(rcffi.NativeError, match=r"^add\(\) returned ") as info:
        lib.add(*bad)
    assert info.value.result == sum(bad) and info.value.function == "add"
    assert lib.add(*good) == sum(good)


def test_comparison_with_values_beyond_64_bits_and_floats(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path)
    rcffi.contract(lib, "mul64", error_if=rcffi.contracts.gt(2**64))   # an int no C long long reaches
    assert lib.mul64(2**31, 2**31) == 2**62
    rcffi.contract(lib, "mul64", error_if=rcffi.contracts.lt(-0.5))    # a float constant
    with pytest.raises(rcffi.NativeError):
        lib.mul64(-1, 1)
    assert lib.mul64(0, 1) == 0
    rcffi.contract(lib, "scale", error_if=rcffi.contracts.ge(100))     # a float result
    with pytest.raises(rcffi.NativeError, match=r"scale\(\) returned 150.0"):
        lib.scale(100.0, 1.5)
    assert lib.scale(1.0, 2.0) == 2.0


def test_a_failing_predicate_or_message_raises_its_own_error(lib):
    def predicate(rc):
        raise ZeroDivisionError("from the predicate")

    rcffi.contract(lib, "add", error_if=predicate)
    with pytest.raises(ZeroDivisionError, match="from the predicate"):
        lib.add(1, 2)
    rcffi.contract(lib, "add", error_if=3, message=lambda rc: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        lib.add(1, 2)
    assert lib.add(1, 1) == 2


def test_comparison_that_cannot_be_made_raises_typeerror(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path)
    rcffi.contract(lib, "maybe_null", error_if=rcffi.contracts.lt(0))   # a pointer is not ordered with 0
    with pytest.raises(TypeError):
        lib.maybe_null(1)


def test_errno_read_right_after_the_call_even_if_the_predicate_calls_c(risky_ffi, risky_path):
    lib = risky_ffi.dlopen(risky_path)
    raw = lib.set_errno
    seen = []

    def predicate(rc):
        raw(errno.EPERM)  # another C call, which changes ffi.errno
        seen.append(rc)
        return rc == -1

    rcffi.contract(lib, "set_errno", error_if=predicate, errno=True)
    with pytest.raises(rcffi.NativeError) as info:
        lib.set_errno(errno.ENOENT)
    assert info.value.errno == errno.ENOENT and seen[0] == -1


def test_built_in_conventions_need_no_python_frame_per_call(risky_ffi, risky_path):
    # the declarative forms are checked by the boundary function itself:
    # a call that passes the check runs no Python code (sys.setprofile sees
    # only the C call)
    import sys

    lib = risky_ffi.dlopen(risky_path)
    rcffi.contract(lib, "add", error_if=rcffi.contracts.lt(0), errno=True)
    rcffi.contract(lib, "maybe_null", error_if=rcffi.NULL)
    events = []
    sys.setprofile(lambda frame, event, arg: events.append((event, frame.f_code.co_name)))
    try:
        lib.add(1, 2)
        lib.maybe_null(1)
    finally:
        sys.setprofile(None)
    assert [e for e in events if e[0] == "call"] == []
