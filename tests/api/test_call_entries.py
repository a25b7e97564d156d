"""API mode: the entries a compiled module's functions switch to after
their first call (rcffi: the integer entry, the trampoline entry of
functions with struct results or many arguments; CPython's specialised
calls of one- and no-argument builtins). Every call shape is made several
times at the same place, so the later calls take those entries, and must
give what the first call gave: the same values, the same errors."""

import sys

import pytest

from conftest import cffi_impl

RCFFI = cffi_impl.__name__.startswith("rcffi")

CDEF = """
struct point { int x; int y; };
union num { int i; double d; };
struct wide { long a, b, c, d, e; };
struct point make_point(int, int);
struct point point_from(double, float);
struct point sum8(int, int, int, int, int, int, int, int);
long add8(long, long, long, long, long, long, long, long);
double mean5(double, double, double, double, double);
union num as_num(int);
struct wide widen(struct point *, unsigned short);
struct point swap(const struct point *);
int neg(int);
int forty_two(void);
void set_cb(int (*)(int));
struct point fill_and_call(int *, int);
"""

SOURCE = """
struct point { int x; int y; };
union num { int i; double d; };
struct wide { long a, b, c, d, e; };
static struct point make_point(int x, int y) { struct point p = { x, y }; return p; }
static struct point point_from(double x, float y) { struct point p = { (int)x, (int)y }; return p; }
static struct point sum8(int a, int b, int c, int d, int e, int f, int g, int h)
{ struct point p = { a + b + c + d, e + f + g + h }; return p; }
static long add8(long a, long b, long c, long d, long e, long f, long g, long h)
{ return a + 2 * b + 3 * c + 4 * d + 5 * e + 6 * f + 7 * g + 8 * h; }
static double mean5(double a, double b, double c, double d, double e) { return (a + b + c + d + e) / 5; }
static union num as_num(int i) { union num n; n.i = i; return n; }
static struct wide widen(struct point *p, unsigned short k)
{ struct wide w = { p->x, p->y, k, (long)p->x * k, -1 }; return w; }
static struct point swap(const struct point *p) { struct point q = { p->y, p->x }; return q; }
static int neg(int x) { return -x; }
static int forty_two(void) { return 42; }
static int (*stored_cb)(int);
static void set_cb(int (*cb)(int)) { stored_cb = cb; }
static struct point fill_and_call(int *arr, int n)
{
    struct point p = { stored_cb(0), n };
    for (int i = 0; i < n; i++) arr[i] = 9;
    return p;
}
"""

N = 5  # calls at each place: the first one switches the entry


@pytest.fixture
def mod(build):
    return build(CDEF, SOURCE)


def test_struct_results_are_new_owned_structs(mod):
    ffi, lib = mod.ffi, mod.lib
    got = []
    for i in range(N):
        got.append(lib.make_point(i, -i))
    assert [(p.x, p.y) for p in got] == [(i, -i) for i in range(N)]
    assert all(ffi.typeof(p) is ffi.typeof("struct point") for p in got)
    got[1].x = 100           # each result is its own memory
    assert (got[0].x, got[1].x, got[2].x) == (0, 100, 2)
    assert ffi.sizeof(got[3]) == ffi.sizeof("struct point")
    assert ffi.buffer(ffi.addressof(got[4]))[:] == ffi.buffer(ffi.new("struct point *", [4, -4]))[:]
    for _ in range(N):
        n = lib.as_num(7)
        assert ffi.typeof(n) is ffi.typeof("union num") and n.i == 7
    for i in range(N):
        w = lib.widen(ffi.new("struct point *", [3, 4]), 1000 + i)
        assert (w.a, w.b, w.c, w.d, w.e) == (3, 4, 1000 + i, 3 * (1000 + i), -1)


def test_float_and_many_arguments(mod):
    lib = mod.lib
    for i in range(N):
        p = lib.point_from(2.75 + i, 1.5)
        assert (p.x, p.y) == (2 + i, 1)
        p = lib.sum8(1, 2, 3, 4, 5, 6, 7, i)
        assert (p.x, p.y) == (10, 18 + i)
        assert lib.add8(1, 1, 1, 1, 1, 1, 1, i) == 28 + 8 * i
        assert lib.mean5(1.0, 2.0, 3.0, 4.0, 5.0 + 5 * i) == 3.0 + i
    # what the specialised entry leaves to the general one: an int for a
    # double, a negative value for an unsigned parameter, a list for a
    # struct pointer
    for i in range(N):
        assert (lib.point_from(7, 2).x, lib.point_from(7, 2).y) == (7, 2)
        assert lib.mean5(1, 2, 3, 4, 5) == 3.0
        assert lib.swap([[1, 2]]).x == 2


def test_errors_are_the_same_at_every_call(mod):
    ffi, lib = mod.ffi, mod.lib
    messages = []
    for _ in range(N):
        lib.make_point(1, 2)
        with pytest.raises(TypeError) as e:
            lib.make_point(1)
        messages.append(str(e.value))
        with pytest.raises(OverflowError):
            lib.make_point(1 << 40, 2)
        with pytest.raises(TypeError):
            lib.make_point("1", 2)
        with pytest.raises(TypeError):
            lib.make_point(1.5, 2)
        with pytest.raises(TypeError):
            lib.point_from("x", 1.0)
        with pytest.raises(OverflowError):
            lib.widen(ffi.new("struct point *"), -1)
        with pytest.raises(TypeError):
            lib.widen(ffi.new("int *"), 1)
        with pytest.raises(TypeError):
            lib.make_point(x=1, y=2)
    assert messages == ["make_point expected 2 arguments, got 1"] * N


@pytest.mark.skipif(not RCFFI, reason="rcffi's lifetime model (cffi: undefined behaviour)")
def test_released_pointer_argument_raises(mod):
    ffi, lib = mod.ffi, mod.lib
    for _ in range(N):
        p = ffi.new("struct point *", [1, 2])
        assert lib.swap(p).x == 2
        ffi.release(p)
        with pytest.raises(RuntimeError):
            lib.swap(p)


@pytest.mark.skipif(not RCFFI, reason="rcffi's lifetime model (cffi: undefined behaviour)")
def test_callback_releasing_an_argument_during_the_call(mod):
    ffi, lib = mod.ffi, mod.lib
    events = []
    new = ffi.new_allocator(lambda size: events.append("alloc") or ffi.new("char[]", size),
                            lambda cd: events.append("free"))
    victim = []
    freed_in_callback = []

    @ffi.callback("int(int)")
    def release_it(_):
        frees = events.count("free")
        ffi.release(victim[0])
        freed_in_callback.append(events.count("free") - frees)
        return 5

    lib.set_cb(release_it)
    for i in range(N):
        arr = new("int[4]")
        victim[:] = [arr]
        p = lib.fill_and_call(arr, 4)
        assert (p.x, p.y) == (5, 4)
        # held for the call: not given back while C still writes into it,
        # given back as soon as the call returned
        assert freed_in_callback[-1] == 0
        assert events[-1] == "free"
    assert events == ["alloc", "free"] * N
    del victim[:]


def test_one_and_no_argument_functions(mod):
    lib = mod.lib
    assert [lib.neg(i) for i in range(20)] == [-i for i in range(20)]
    assert [lib.forty_two() for _ in range(20)] == [42] * 20
    f = lib.neg
    assert [f(i) for i in range(20)] == [-i for i in range(20)]
    for _ in range(N):
        with pytest.raises(TypeError) as e:
            lib.neg(1, 2)
        assert str(e.value) == "%s.Lib.neg() takes exactly one argument (2 given)" % (mod.__name__,)
        with pytest.raises(TypeError) as e:
            lib.neg()
        assert str(e.value) == "%s.Lib.neg() takes exactly one argument (0 given)" % (mod.__name__,)
        with pytest.raises(TypeError) as e:
            lib.forty_two(1)
        assert str(e.value) == "%s.Lib.forty_two() takes no arguments (1 given)" % (mod.__name__,)
        with pytest.raises(TypeError):
            lib.neg(x=1)
        with pytest.raises(TypeError):
            lib.neg("1")


@pytest.mark.skipif(not RCFFI, reason="rcffi's lib cache (cffi keeps its own)")
def test_lib_names_are_kept_under_interned_strings(mod):
    # `lib.name` in code looks the name up with the interned string: the
    # cache's key is that very string, so the lookup is an identity check
    lib = mod.lib
    lib.make_point, lib.neg
    cache = cffi_impl._rcffi._lib_cache(lib)
    keys = {k: k for k in cache}
    assert keys["neg"] is sys.intern("neg")
    assert keys["make_point"] is sys.intern("make_point")
