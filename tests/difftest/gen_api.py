"""API-mode programs for the differential tester: a compiled module per
program (``ffi.set_source()`` + ``ffi.compile()``), then steps on its
``lib``.

A program's ``decls`` are items ``{"cdef": ..., "c": ...}``: the cdef piece
and the C source that defines it (the minimiser drops items as it drops ABI
declarations). Types (enums, typedefs, records) are spelled the same in
both; functions, globals, constants and ``extern "Python"`` functions have
a declaration in the cdef and a definition in C. Every C function is
well-defined for what the generator passes it: it folds its arguments
(integers, floats, records' fields, the first item behind a pointer it is
known to be given valid memory for) into an integer ``h`` and a double
``d``, calls the callbacks it gets, writes through the scalar pointers it
reads, and returns a value made of ``h``/``d`` or one of its arguments
(``echo``, which shows exactly what crossed the boundary). Records returned
by value are zeroed first (padding is never read), records passed by value
are built from full initialisers (cffi converts into an uncleared buffer:
a field left out would be unspecified) or copied from zeroed memory.

The ``lib`` steps: calls with good and bad arguments, repeated at one place
(a compiled function changes its entry after its first call in rcffi), with
wrong counts, keywords, out-of-range integers, None/NULL, released cdata;
globals read and written; constants and enums; ``extern "Python"``
functions defined, redefined and called from C; struct results used after
the call. The ABI generator's steps on ``ffi`` (new, index, field, cast,
buffers, release, ...) run on the module's ``ffi`` too.
"""

from . import model as m
from .gen import Gen
from .gen_var import Var

MODULE = "_dtapi"

HEADER = """#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdarg.h>
#include <wchar.h>
#include <uchar.h>
#include <sys/types.h>
"""

INT = m.INT
DOUBLE = m.BY_NAME["double"]
LL = m.BY_NAME["long long"]

# Function-pointer parameters the C functions call, with how they call them.
CB_SIGS = [
    m.Func(INT, [INT]),
    m.Func(DOUBLE, [DOUBLE, DOUBLE]),
    m.Func(m.VOID, [m.Ptr(INT), INT]),
    m.Func(LL, [LL, m.BY_NAME["signed char"]]),
]

# extern "Python" signatures (bodies from CallsMixin.CB_BODIES).
EXTERN_SIGS = [
    m.Func(INT, [INT]),
    m.Func(DOUBLE, [DOUBLE, DOUBLE]),
    m.Func(LL, [LL, m.BY_NAME["signed char"]]),
    m.Func(m.BOOL, [INT]),
    m.Func(m.BY_NAME["unsigned short"], [m.BY_NAME["unsigned short"], m.BY_NAME["unsigned char"]]),
]

VARARG_TYPES = {"int": ["int", "short", "signed char", "unsigned short", "_Bool", "int32_t"],
                "long long": ["long long", "int64_t"], "double": ["double"]}


class Fn:
    """A C function of the module, as the generator knows it."""

    def __init__(self, name, ret, args, varargs=None, derefs=(), writes=(), static_ret=False):
        self.name = name
        self.ret = ret
        self.args = list(args)
        self.varargs = varargs      # None, or the C type every variadic argument has
        self.derefs = set(derefs)   # argument indices whose first item C reads
        self.writes = set(writes)   # ... and writes
        self.static_ret = static_ret  # returns a pointer to a static object of its item type

    def functype(self):
        return m.Func(self.ret, self.args)


class Global:
    def __init__(self, name, t, const=False, kind="scalar"):
        self.name = name
        self.t = t
        self.const = const
        self.kind = kind            # scalar arr rec ptr str fptr
        self.target = None          # fptr: the callback var stored (None: NULL)


def sigkey(f):
    """A function type as CallsMixin.CB_BODIES and callable_sig spell it
    (``int(int)``, not ``int (int)``)."""
    return m.spell(f).replace(" (", "(")


def kind_of_t(t):
    t = m.resolve(t)
    if isinstance(t, m.Prim):
        return t.cls
    if isinstance(t, m.Enum):
        return "enum"
    if isinstance(t, m.Ptr):
        return "fptr" if isinstance(t.item, m.Func) else "ptr"
    if isinstance(t, m.Rec):
        return "rec"
    return "other"


def fold(expr, t, out, depth=0):
    """C statements folding the value ``expr`` of type ``t`` into h / d
    (only what is initialised: see readable())."""
    rt = m.resolve(t)
    k = kind_of_t(t)
    if k in ("int", "bool", "enum", "wchar"):
        out.append("h = h * 1000003u + (unsigned long long)(%s);" % expr)
    elif k == "char":
        out.append("h = h * 1000003u + (unsigned char)(%s);" % expr)
    elif k == "float":
        out.append("d = d * 0.5 + (double)(%s);" % expr)
    elif k == "complex":
        out.append("d = d * 0.5 + (double)__real__ (%s) + 2.0 * (double)__imag__ (%s);" % (expr, expr))
    elif k in ("ptr", "fptr"):
        out.append("h = h * 1000003u + ((%s) != 0);" % expr)
    elif k == "rec" and depth < 4:
        for path, ft in readable(rt):
            fold("%s%s" % (expr, path), ft, out, depth + 1)
    elif isinstance(rt, m.Arr) and rt.n is not None and depth < 4:
        for i in range(rt.n):
            fold("%s[%d]" % (expr, i), rt.item, out, depth + 1)


def readable(rec):
    """(C access suffix, type) of the members whose bytes are always
    defined: every named member of a struct; the first member of a union
    (the one full_init() sets), none of a union that can hold a pointer or
    a long double (other members would show its bytes); no flexible array
    member."""
    rec = m.resolve(rec)
    out = []
    if rec.kw == "union" and m.contains_ptr(rec):
        return out
    for f in rec.fields:
        if f.name is None:
            if isinstance(f.t, m.Rec):
                out.extend(readable(f.t))
            else:
                continue        # an unnamed bit field
        else:
            ft = m.resolve(f.t)
            if isinstance(ft, m.Arr) and ft.n is None:
                continue
            out.append(("." + f.name, f.t))
        if rec.kw == "union":
            break
    return out


class ApiGen(Gen):
    WEIGHTS = [
        ("op_api_call", 30), ("op_api_repeat", 8), ("op_api_global", 10), ("op_api_const", 4),
        ("op_api_extern", 6), ("op_api_misc", 4), ("op_api_new", 7), ("op_api_callback", 4),
        ("op_new", 3), ("op_index", 3), ("op_field", 6), ("op_cast", 2), ("op_protocol", 3),
        ("op_meta", 2), ("op_release", 2), ("op_gc", 1), ("op_del", 1), ("op_buffer", 1),
        ("op_addressof", 2), ("op_string", 1),
    ]

    def __init__(self, seed, kind="api"):
        super().__init__(seed, "misuse" if kind == "api-misuse" else "defined")
        self.items = []
        self.fns = []
        self.globals = []
        self.consts = []       # (name, python-visible: value text or None for an error)
        self.externs = []      # (name, Func, caller name)
        self.defined_externs = set()
        self.plain_new = set()  # vars made by ffi.new() here (release keeps cffi's memory)

    # ------------------------------------------------------------- module
    def item(self, cdef, c):
        self.items.append({"cdef": cdef, "c": c})

    def gen_decls(self):
        self.arr_typedefs = []
        for _ in range(self.r.randint(0, 2)):
            self.gen_enum()
        for _ in range(self.r.randint(0, 2)):
            self.gen_typedef()
        for _ in range(self.r.randint(1, 4)):
            self.gen_named_rec()
        for d in self.decls:
            c = d
            if d.startswith("enum "):
                # every value spelled out: gcc refuses the implicit increment past INT_MAX
                e = next(e for e in self.enums if d.startswith(e.name + " "))
                c = "%s { %s };" % (e.name, ", ".join(
                    "%s = %s" % (n, hex(v) if v >= 0 else "(%d)" % v) for n, v in e.items))
            self.item(d, c)
        self.decls = []
        if self.chance(0.4):
            self.gen_dotdot_enum()
        n_fns = self.r.randint(3, 12)
        for _ in range(n_fns):
            self.gen_fn()
        if self.chance(0.3):
            self.gen_variadic()
        for _ in range(self.r.randint(0, 4)):
            self.gen_global()
        for _ in range(self.r.randint(0, 3)):
            self.gen_const()
        for _ in range(self.r.randint(0, 2)):
            self.gen_extern()

    def gen_dotdot_enum(self):
        k = len(self.enums) + 1
        vals = self.pick([[3, -1, 4], [0, 0x7fffffff, -0x80000000], [10, 20], [1 << 33, 5]])
        names = ["E%d_%s" % (k, "ABCDEFG"[j]) for j in range(len(vals))]
        shown = names[:self.r.randint(1, len(names))]
        cdef = "enum e%d { %s, ... };" % (k, ", ".join(shown))
        c = "enum e%d { %s };" % (k, ", ".join("%s = %s" % (n, v if v >= 0 else "(%d)" % v)
                                               for n, v in zip(names, vals)))
        e = m.Enum("enum e%d" % k, [(n, v) for n, v in zip(shown, vals)])
        self.item(cdef, c)
        self.enums.append(e)

    def by_value_recs(self):
        return [r for r in self.recs if not r.varsized()]

    def arg_type(self):
        r = self.r.random()
        if r < 0.42:
            return self.pick(m.INTS)
        if r < 0.52:
            return DOUBLE
        if r < 0.58:
            return m.BY_NAME["float"]
        if r < 0.72:
            return m.Ptr(self.pick([INT, m.CHAR, DOUBLE, m.VOID, self.pick(m.INTS)]
                                   + self.recs + [t for t in self.typedefs
                                                  if not isinstance(m.resolve(t), m.Ptr)]))
        if r < 0.8 and self.by_value_recs():
            return self.pick(self.by_value_recs())
        if r < 0.92:
            return self.scalar_type()
        if r < 0.96:
            return m.Ptr(self.pick(CB_SIGS))
        return self.pick([m.BY_NAME["long double"]] + m.COMPLEX)

    def ret_type(self):
        r = self.r.random()
        if r < 0.1:
            return m.VOID
        if r < 0.4:
            return self.pick(m.INTS)
        if r < 0.52:
            return self.pick([DOUBLE, m.BY_NAME["float"]])
        if r < 0.75 and self.by_value_recs():
            return self.pick(self.by_value_recs())
        if r < 0.85:
            return m.Ptr(self.pick([INT, DOUBLE, m.CHAR, m.VOID] + self.recs))
        return self.scalar_type()

    def gen_fn(self):
        k = len(self.fns) + 1
        name = "fn%d" % k
        nargs = self.pick([0, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 6, 8, 9])
        args = [self.arg_type() for _ in range(nargs)]
        ret = self.ret_type()
        fn = Fn(name, ret, args)
        params = ["a%d" % i for i in range(nargs)]
        body = ["unsigned long long h = %du;" % (k * 7919), "double d = 0.0;"]
        # callbacks first: one may release a pointer argument C reads after
        for i, t in enumerate(args):
            rt = m.resolve(t)
            if isinstance(rt, m.Ptr) and isinstance(rt.item, m.Func):
                body.append(self.c_call_cb(params[i], rt.item))
        for i, t in enumerate(args):
            rt = m.resolve(t)
            if isinstance(rt, m.Ptr) and not isinstance(rt.item, m.Func):
                it = m.resolve(rt.item)
                deref = isinstance(it, (m.Prim, m.Enum, m.Rec)) and (
                    not isinstance(it, m.Prim) or it.cls != "complex")
                if deref and self.chance(0.8):
                    fn.derefs.add(i)
                    inner = []
                    fold("(*%s)" % params[i], it, inner)
                    body.append("if (%s) { %s }" % (params[i], " ".join(inner)))
                    continue
            fold(params[i], t, body)
        for i in sorted(fn.derefs):
            it = m.resolve(m.resolve(args[i]).item)
            if isinstance(it, m.Prim) and it.cls in ("int", "float") and self.chance(0.6):
                fn.writes.add(i)
                body.append("if (%s) *%s = (%s)(%s);" % (
                    params[i], params[i], m.spell(m.resolve(args[i]).item),
                    "h % 1000" if it.cls == "int" else "d + 0.5"))
        body.extend(self.c_result(fn, params))
        cparams = ", ".join(m.spell(a, p) for p, a in zip(params, args)) or "void"
        head = m.spell(ret, "%s(%s)" % (name, cparams))
        static = "static " if self.chance(0.8) else ""
        c = "%s%s\n{\n    %s\n}" % (static, head, "\n    ".join(body))
        self.item(m.spell(fn.functype(), name) + ";", c)
        self.fns.append(fn)

    def c_call_cb(self, p, f):
        key = sigkey(f)
        if key == "int(int)":
            return "if (%s) h = h * 1000003u + (unsigned long long)%s((int)(h & 0xff));" % (p, p)
        if key == "double(double, double)":
            return "if (%s) d = d * 0.5 + %s(1.5, 0.25);" % (p, p)
        if key == "void(int *, int)":
            return ("if (%s) { int t_[4] = {0, 0, 0, 0}; %s(t_, 4); "
                    "h = h * 1000003u + (unsigned long long)(t_[0] + 3 * t_[3]); }" % (p, p))
        return "if (%s) h = h * 1000003u + (unsigned long long)%s((long long)h & 0xffff, -3);" % (p, p)

    def c_result(self, fn, params):
        ret = fn.ret
        rt = m.resolve(ret)
        k = kind_of_t(ret)
        rs = m.spell(ret)
        if rt is m.VOID:
            return []
        echo = [i for i, a in enumerate(fn.args) if kind_of_t(a) == k and k != "rec"
                and not (k == "ptr" and m.spell(a) != rs) and k not in ("fptr",)]
        if echo and self.chance(0.4):
            return ["return (%s)%s;" % (rs, params[self.pick(echo)])]
        if k in ("int", "enum"):
            return ["return (%s)(h ^ (h >> 29));" % rs]
        if k == "bool":
            return ["return (h >> 7) & 1;"]
        if k == "char":
            return ["return (char)(h >> 3);"]
        if k == "wchar":
            return ["return (%s)(h %% 0xD800u);" % rs]
        if k == "float":
            return ["return (%s)(d + (double)(h %% 1000u));" % rs]
        if k == "complex":
            part = "float" if rt.bits == 64 else "double"
            return ["return __builtin_complex((%s)(d), (%s)(h %% 100u));" % (part, part)]
        if k == "ptr":
            it = m.resolve(rt.item)
            if (isinstance(it, (m.Prim, m.Rec)) and not (isinstance(it, m.Rec) and it.varsized())
                    and self.chance(0.7)):
                fn.static_ret = True
                return ["static %s;" % m.spell(rt.item, "st_"), "return &st_;"]
            return ["return 0;"]
        if k == "rec":
            out = ["%s;" % m.spell(ret, "r_"), "memset(&r_, 0, sizeof r_);"]
            self.c_assign("r_", rt, out, [0])
            out.append("return r_;")
            return out
        return ["return 0;"]

    def c_assign(self, expr, t, out, counter, depth=0):
        """Statements giving every member of a struct (the first of a union)
        a value made of h and d."""
        rt = m.resolve(t)
        counter[0] += 1
        c = counter[0]
        k = kind_of_t(t)
        if k in ("int", "enum", "wchar", "char"):
            mod = " % 0xD800u" if k == "wchar" else ""
            out.append("%s = (%s)((h + %du)%s);" % (expr, m.spell(t), c * 2654435761, mod))
        elif k == "bool":
            out.append("%s = (h >> %d) & 1;" % (expr, c % 60))
        elif k == "float":
            out.append("%s = (%s)(d + %d.25);" % (expr, m.spell(t), c))
        elif k == "complex":
            part = "float" if rt.bits == 64 else "double"
            out.append("%s = __builtin_complex((%s)%d, (%s)(d));" % (expr, part, c, part))
        elif k in ("ptr", "fptr"):
            out.append("%s = 0;" % expr)
        elif k == "rec" and depth < 4:
            for f in rt.fields:
                if f.name is None:
                    if isinstance(f.t, m.Rec):
                        self.c_assign(expr, f.t, out, counter, depth + 1)
                        if rt.kw == "union":
                            break
                    continue
                ft = m.resolve(f.t)
                if isinstance(ft, m.Arr) and ft.n is None:
                    continue
                if f.bits is not None:
                    out.append("%s.%s = (h >> %d);" % (expr, f.name, c % 50))
                else:
                    self.c_assign("%s.%s" % (expr, f.name), f.t, out, counter, depth + 1)
                if rt.kw == "union":
                    break
        elif isinstance(rt, m.Arr) and rt.n is not None and depth < 4:
            for i in range(rt.n):
                self.c_assign("%s[%d]" % (expr, i), rt.item, out, counter, depth + 1)

    def gen_variadic(self):
        k = len(self.fns) + 1
        name = "vf%d" % k
        vt = self.pick(list(VARARG_TYPES))
        ret = m.BY_NAME[vt] if vt != "int" else INT
        acc = "double" if vt == "double" else "long long"
        c = ("static %s %s(int n, ...)\n{\n    va_list ap;\n    %s s = 0;\n    va_start(ap, n);\n"
             "    for (int i = 0; i < n && i < 16; i++) s = s * 3 + va_arg(ap, %s);\n"
             "    va_end(ap);\n    return (%s)s;\n}" % (m.spell(ret), name, acc, vt, m.spell(ret)))
        self.item("%s %s(int, ...);" % (m.spell(ret), name), c)
        fn = Fn(name, ret, [INT], varargs=vt)
        self.fns.append(fn)

    def gen_global(self):
        k = len(self.globals) + 1
        name = "g%d" % k
        r = self.r.random()
        ext = self.pick(["extern ", ""])
        if r < 0.4:
            t = self.pick([self.pick(m.INTS), DOUBLE, m.BY_NAME["float"], m.CHAR, m.BOOL,
                           self.scalar_type()])
            if kind_of_t(t) == "ptr":
                t = INT
            init = self.c_init(t)
            const = self.chance(0.15)
            cq = "const " if const else ""
            self.item("%s%s%s;" % (ext, cq, m.spell(t, name)), "%s%s = %s;" % (cq, m.spell(t, name), init))
            g = Global(name, t, const=const)
            if not const and kind_of_t(t) != "complex":
                self.item("%s get_%s(void);\nvoid set_%s(%s);" % (m.spell(t), name, name, m.spell(t)),
                          "static %s get_%s(void) { return %s; }\nstatic void set_%s(%s v) { %s = v; }"
                          % (m.spell(t), name, name, name, m.spell(t), name))
                self.fns.append(Fn("get_" + name, t, []))
                self.fns.append(Fn("set_" + name, m.VOID, [t]))
        elif r < 0.55:
            t = m.Arr(self.pick([INT, m.CHAR, DOUBLE, self.pick(m.INTS)]), self.r.randint(1, 5))
            it = m.resolve(t.item)
            init = ", ".join(str(i + 1) for i in range(t.n)) if it.cls == "int" else "0"
            self.item("%s%s;" % (ext, m.spell(t, name)), "%s = { %s };" % (m.spell(t, name), init))
            g = Global(name, t, kind="arr")
        elif r < 0.7 and self.by_value_recs():
            t = self.pick(self.by_value_recs())
            self.item("%s%s;" % (ext, m.spell(t, name)), "%s;" % m.spell(t, name))
            body = ["unsigned long long h = 1;", "double d = 0.0;"]
            fold(name, t, body)
            body.append("return h + (unsigned long long)(d == d && d < 1e18 && d > -1e18 ? (long long)d : 7);")
            self.item("unsigned long long hash_%s(void);" % name,
                      "static unsigned long long hash_%s(void)\n{\n    %s\n}" % (name, "\n    ".join(body)))
            self.fns.append(Fn("hash_" + name, m.BY_NAME["unsigned long long"], []))
            g = Global(name, t, kind="rec")
        elif r < 0.8:
            t = m.Ptr(self.pick([INT, m.CHAR, m.VOID] + self.recs))
            self.item("%s%s;" % (ext, m.spell(t, name)), "%s = 0;" % m.spell(t, name))
            g = Global(name, t, kind="ptr")
        elif r < 0.9:
            n = self.r.randint(2, 10)
            t = m.Arr(m.CHAR, n)
            self.item("%s%s;" % (ext, m.spell(t, name)), '%s = "%s";' % (m.spell(t, name), "hello"[:n - 1]))
            g = Global(name, t, kind="str")
        else:
            f = self.pick(CB_SIGS[:2])
            t = m.Ptr(f)
            self.item("%s%s;\n%s;" % (ext, m.spell(t, name), m.spell(f.ret, "call_%s(%s)" % (
                name, ", ".join(m.spell(a) for a in f.args)))),
                "%s = 0;\nstatic %s { return %s ? %s(%s) : %s; }" % (
                    m.spell(t, name),
                    m.spell(f.ret, "call_%s(%s)" % (name, ", ".join(m.spell(a, "x%d" % i) for i, a in enumerate(f.args)))),
                    name, name, ", ".join("x%d" % i for i in range(len(f.args))), "-1"))
            g = Global(name, t, kind="fptr")
            g.caller = "call_" + name
        self.globals.append(g)

    def c_init(self, t):
        k = kind_of_t(t)
        rt = m.resolve(t)
        if k == "int":
            return self.pick(["0", "7", "-1" if rt.signed else "1", str(rt.hi)]) + ("u" if not rt.signed else "")
        if k == "float":
            return self.pick(["0", "2.5", "-1e10"])
        if k == "char":
            return "'a'"
        if k == "bool":
            return "1"
        if k == "wchar":
            return "65"
        if k == "enum":
            return "(%s)%d" % (m.spell(t), rt.items[0][1]) if rt.items else "0"
        return "0"

    def gen_const(self):
        k = len(self.consts) + 1
        r = self.r.random()
        name = "K%d" % k
        if r < 0.35:
            v = self.pick([0, 1, -1, 0x7fffffff, -0x80000000, 0xffffffff, 1 << 40, -(1 << 63),
                           (1 << 64) - 1, 42])
            lit = hex(v) if v > 1000 else str(v)
            clit = lit if v >= 0 else "(%s)" % lit
            if v == -(1 << 63):
                clit = "(-0x7fffffffffffffffLL - 1)"
            if v == (1 << 64) - 1:
                clit = "0xffffffffffffffffULL"
            mismatch = self.chance(0.1)
            self.item("#define %s %s" % (name, lit), "#define %s %s" % (name, clit if not mismatch else "(%s + 1)" % clit))
        elif r < 0.55:
            c = self.pick(["(-7)", "0xffffffffU", "(1ULL << 63)", "(-1LL << 40)", "5", "'a'"])
            self.item("#define %s ..." % name, "#define %s %s" % (name, c))
        elif r < 0.85:
            t, init = self.pick([(INT, "42"), (DOUBLE, "2.5"), (LL, "(-1LL << 40)"),
                                 (m.BY_NAME["unsigned char"], "200"), (m.BY_NAME["float"], "0.1f"),
                                 (m.CHAR, "'z'"), (m.BOOL, "1"), (m.BY_NAME["uint64_t"], "18446744073709551615u")])
            self.item("static const %s;" % m.spell(t, name), "static const %s = %s;" % (m.spell(t, name), init))
        else:
            self.item("static const char *const %s;" % name, 'static const char *const %s = "konst";' % name)
        self.consts.append(name)

    def gen_extern(self):
        k = len(self.externs) + 1
        name = "py%d" % k
        f = self.pick(EXTERN_SIGS)
        caller = "call_py%d" % k
        params = ", ".join(m.spell(a, "x%d" % i) for i, a in enumerate(f.args))
        argl = ", ".join("x%d" % i for i in range(len(f.args)))
        plus = self.pick(["", " + 1"]) if kind_of_t(f.ret) == "int" else ""
        cdef = 'extern "Python" %s;\n%s;' % (m.spell(f, name), m.spell(f.ret, "%s(%s)" % (
            caller, ", ".join(m.spell(a) for a in f.args))))
        c = "static %s;\nstatic %s { return %s(%s)%s; }" % (
            m.spell(f, name), m.spell(f.ret, "%s(%s)" % (caller, params)), name, argl, plus)
        self.item(cdef, c)
        self.externs.append((name, f, caller))

    # ------------------------------------------------------------- values
    def full_init(self, t, depth=0):
        """An initialiser setting every byte C reads (readable())."""
        rt = m.resolve(t)
        if isinstance(rt, m.Rec):
            return "{%s}" % ", ".join("%r: %s" % kv for kv in self.full_items(rt, depth))
        if isinstance(rt, m.Arr) and rt.n is not None:
            return "[%s]" % ", ".join(self.full_init(rt.item, depth + 1) for _ in range(rt.n))
        if isinstance(rt, m.Ptr):
            return self.pick(["None", "ffi.NULL"])
        return self.value(t, True)

    def full_items(self, rec, depth):
        out = []
        if rec.kw == "union" and m.contains_ptr(rec):
            return out
        for f in rec.fields:
            if f.name is None:
                if isinstance(f.t, m.Rec):
                    out.extend(self.full_items(f.t, depth + 1))
                else:
                    continue
            else:
                ft = m.resolve(f.t)
                if isinstance(ft, m.Arr) and ft.n is None:
                    continue
                if f.bits is not None:
                    out.append((f.name, self.field_value(f, True, 0)))
                elif depth > 3:
                    out.append((f.name, "0" if isinstance(ft, (m.Prim, m.Enum)) else self.full_init(ft, depth + 1)))
                else:
                    out.append((f.name, self.full_init(f.t, depth + 1)))
            if rec.kw == "union":
                break
        return out

    def ptr_vars(self, item, deref, write):
        """Live variables a pointer-to-item argument may get."""
        sp = m.spell(item)

        def ok(v):
            if v.kind == "arr":
                return m.spell(m.resolve(v.t).item) == sp and (not deref or v.n >= 1) and not (write and v.readonly)
            if v.kind == "ptr":
                if m.spell(m.resolve(v.t).item) != sp:
                    return False
                if deref:
                    return isinstance(v.hi, int) and v.lo <= 0 < v.hi and not (write and v.readonly)
                return True
            return False
        return self.live("ptr", "arr", pred=ok)

    def arg_value(self, fn, i, good=True):
        t = fn.args[i]
        rt = m.resolve(t)
        k = kind_of_t(t)
        if k == "fptr":
            sig = sigkey(rt.item)
            if not good:
                return self.pick(["lambda x: x", "5", "b'x'", "ffi.cast('void *', 0)"]
                                 + ["lib.%s" % f.name for f in self.fns if sigkey(f.functype()) != sig][:2])
            c = ["ffi.NULL", "None"]
            c += [v.name for v in self.live("fptr", pred=lambda v: v.callable_sig == sig)]
            c += ["lib.%s" % f.name for f in self.fns if f.varargs is None and sigkey(f.functype()) == sig]
            c += ["lib.%s" % n for n, f, _ in self.externs if sigkey(f) == sig and n in self.defined_externs]
            return self.pick(c)
        if k == "ptr":
            item = rt.item
            deref = i in fn.derefs
            write = i in fn.writes
            if not good:
                return self.pick(["1", "'abc'", "[1, 2]", "1.5", "ffi.new('short *')",
                                  "ffi.cast('long', 0)", "{'a': 1}", "ffi.new('int[2]')"])
            c = ["ffi.NULL", "None"] + [v.name for v in self.ptr_vars(item, deref, write)] * 2
            it = m.resolve(item)
            if isinstance(it, (m.Prim, m.Enum, m.Rec)) and not (isinstance(it, m.Rec) and it.varsized()):
                c.append("ffi.new(%r)" % self.ts(m.Ptr(item)))
                c.append("ffi.new(%r, %s)" % (self.ts(m.Ptr(item)), self.full_init(item)))
            if isinstance(it, m.Prim) and it.cls in ("int", "float"):
                c.append("[%s]" % ", ".join(self.value(item, True) for _ in range(self.r.randint(1, 3))))
            if isinstance(it, m.Prim) and it.cls == "char" and not write:
                c += ["b'abc'", "b'\\x00'", "b'\\xff'"]
            if isinstance(it, m.Void):
                c += [v.name for v in self.live("ptr", "arr")]
            return self.pick(c)
        if k == "rec":
            if not good:
                return self.pick(["5", "None", "{'nope': 1}", "ffi.new(%r)" % self.ts(m.Ptr(t)),
                                  "[0] * 40", "ffi.NULL"])
            c = [self.full_init(t)] * 2 + ["ffi.new(%r)[0]" % self.ts(m.Ptr(t))]
            c += [v.name for v in self.live("rec", pred=lambda v: m.resolve(v.t) is rt)]
            c += ["%s[0]" % v.name for v in self.live(
                "ptr", pred=lambda v: m.resolve(v.t.item) is rt and isinstance(v.hi, int) and v.lo <= 0 < v.hi)]
            return self.pick(c)
        if k == "enum" and good and self.chance(0.2) and rt.items:
            return repr(self.pick(rt.items)[0])
        return self.value(t, good)

    def call_args(self, fn, bad_ok=True):
        """(list of argument sources, whether all are good)."""
        good = not bad_ok or self.chance(0.8)
        vals = []
        bad_at = self.r.randrange(len(fn.args)) if fn.args and not good else None
        for i in range(len(fn.args)):
            vals.append(self.arg_value(fn, i, i != bad_at))
        if fn.varargs:
            for _ in range(self.r.randint(0, 4)):
                vt = self.pick(VARARG_TYPES[fn.varargs])
                vals.append("ffi.cast(%r, %d)" % (vt, self.r.randint(-100, 100)) if vt != "double"
                            else "ffi.cast('double', %s)" % self.pick(["1.5", "-2", "1e100"]))
            if not good and self.chance(0.5):
                vals.append(self.pick(["1", "2.5", "b'x'", "None"]))
            vals[0] = str(len(vals) - 1)
        if not good and bad_at is None:
            if vals and self.chance(0.5):
                vals = vals[:-1]
            else:
                vals = vals + ["1"]
        return vals, good and bad_at is None

    def result_reader(self, t, expr, depth=0):
        """Python expression reading every field of a C-made record."""
        rt = m.resolve(t)
        parts = []
        for fname, f in rt.named_fields():
            ft = m.resolve(f.t)
            if isinstance(ft, m.Arr) and ft.n is None:
                continue
            if isinstance(ft, m.Rec) and depth < 3:
                parts.append(self.result_reader(ft, "%s.%s" % (expr, fname), depth + 1))
            elif isinstance(ft, m.Arr):
                parts.append("list(%s.%s)" % (expr, fname) if not isinstance(m.resolve(ft.item), m.Rec)
                             else "len(%s.%s)" % (expr, fname))
            else:
                parts.append("%s.%s" % (expr, fname))
        return "(%s,)" % ", ".join(parts) if parts else "()"

    # ------------------------------------------------------------- ops
    def pick_fn(self):
        if not self.fns:
            return None
        return self.pick(self.fns)

    def callee(self, fn):
        r = self.r.random()
        if r < 0.85 or fn.varargs:
            return "lib.%s" % fn.name
        if r < 0.93:
            return "ffi.addressof(lib, %r)" % fn.name
        return "(lambda f: f)(lib.%s)" % fn.name

    def op_api_call(self):
        fn = self.pick_fn()
        if fn is None:
            return
        r = self.r.random()
        if r < 0.05:
            # keyword arguments
            self.emit("lib.%s(%s)" % (fn.name, ", ".join("a%d=%s" % (i, self.arg_value(fn, i))
                                                          for i in range(len(fn.args))) or "x=1"))
            return
        if r < 0.1 and self.kind != "misuse":
            return self.released_arg_call(fn)
        if r < 0.15 and self.kind != "misuse":
            return self.release_in_callback(fn)
        if self.kind == "misuse" and r < 0.4:
            return self.misuse_call(fn)
        vals, good = self.call_args(fn)
        call = "%s(%s)" % (self.callee(fn), ", ".join(vals))
        rt = m.resolve(fn.ret)
        if isinstance(rt, m.Rec) and good:
            if self.chance(0.5):
                name = self.newname()
                self.emit("%s = %s\n_out = %s" % (name, call, self.result_reader(rt, name)))
                self.add(Var(name, "rec", fn.ret, {name}))
                return
            self.emit("_r = %s\n_out = %s" % (call, self.result_reader(rt, "_r")))
            return
        if isinstance(rt, m.Ptr) and fn.static_ret and good and self.chance(0.6):
            name = self.newname()
            self.emit("%s = %s" % (name, call))
            self.add(Var(name, "ptr", rt, set(), lo=0, hi=1))
            return
        if isinstance(rt, m.Ptr) and good and fn.args and self.chance(0.5):
            self.emit("_r = %s\n_out = (_r == ffi.NULL, [_r == a for a in (%s,)])" % (call, ", ".join(vals)))
            return
        if isinstance(rt, m.Prim) and rt.name == "long double":
            call = "float(%s)" % call if good else call
        self.emit(call)
        # a written scalar argument: read it back
        for i in fn.writes:
            if i < len(vals) and vals[i].startswith("v") and vals[i][1:].isdigit():
                self.emit("%s[0]" % vals[i])
                break

    def released_arg_call(self, fn):
        """A cdata released just before the call: cffi's ffi.new() memory
        lives on (docs/compat.md, the release row: rcffi raises)."""
        idx = [i for i, t in enumerate(fn.args) if kind_of_t(t) == "ptr"]
        if not idx:
            return self.op_api_call_plain(fn)
        i = self.pick(idx)
        item = m.resolve(fn.args[i]).item
        cands = [v for v in self.ptr_vars(item, i in fn.derefs, i in fn.writes) if v.name in self.plain_new]
        if not cands:
            return self.op_api_call_plain(fn)
        v = self.pick(cands)
        vals, _ = self.call_args(fn, bad_ok=False)
        vals[i] = v.name
        self.emit("ffi.release(%s)\n_out = lib.%s(%s)" % (v.name, fn.name, ", ".join(vals)))
        self.kill(v)

    def release_in_callback(self, fn):
        """A callback that releases a pointer argument C reads after it."""
        cbi = [i for i, t in enumerate(fn.args) if kind_of_t(t) == "fptr"
               and sigkey(m.resolve(t).item) == "int(int)"]
        pi = [i for i in fn.derefs]
        if not cbi or not pi:
            return self.op_api_call_plain(fn)
        i = self.pick(pi)
        item = m.resolve(fn.args[i]).item
        cands = [v for v in self.ptr_vars(item, True, i in fn.writes) if v.name in self.plain_new]
        if not cands:
            return self.op_api_call_plain(fn)
        v = self.pick(cands)
        vals, _ = self.call_args(fn, bad_ok=False)
        vals[i] = v.name
        vals[self.pick(cbi)] = "ffi.callback('int(int)', lambda x: (ffi.release(%s), x + 1)[1])" % v.name
        self.emit("_out = lib.%s(%s)" % (fn.name, ", ".join(vals)))
        self.kill(v)

    def misuse_call(self, fn):
        """rcffi alone: dead cdata as arguments, a callback releasing what C uses."""
        dead = [v for v in self.vars if v.dead and v.kind in ("ptr", "arr", "rec", "fptr")]
        vals, _ = self.call_args(fn, bad_ok=False)
        if dead and vals and fn.args:
            i = self.r.randrange(len(fn.args))
            vals[i] = self.pick(dead).name
        cbi = [i for i, t in enumerate(fn.args) if kind_of_t(t) == "fptr"
               and sigkey(m.resolve(t).item) == "int(int)"]
        roots = self.live(pred=lambda v: v.releasable)
        if cbi and roots:
            v = self.pick(roots)
            vals[self.pick(cbi)] = "ffi.callback('int(int)', lambda x: (ffi.release(%s), x)[1])" % v.name
            self.kill(v)
        self.emit("lib.%s(%s)" % (fn.name, ", ".join(vals)))

    def op_api_call_plain(self, fn):
        vals, _ = self.call_args(fn)
        self.emit("lib.%s(%s)" % (fn.name, ", ".join(vals)))

    def op_api_repeat(self):
        """The same call site several times (the entry switches after the
        first call), good and bad arguments mixed."""
        fn = self.pick_fn()
        if fn is None:
            return
        rt = m.resolve(fn.ret)
        reader = "_x"
        if isinstance(rt, m.Rec):
            reader = self.result_reader(rt, "_x")
        elif isinstance(rt, m.Prim) and rt.name == "long double":
            reader = "float(_x)"
        callee = self.callee(fn)
        if not fn.args or self.chance(0.3):
            vals, _ = self.call_args(fn)
            self.emit("_out = []\nfor _i in range(%d):\n    try:\n        _x = %s(%s)\n"
                      "        _out.append(%s)\n    except Exception as _e:\n"
                      "        _out.append(type(_e).__name__)" % (
                          self.r.randint(2, 5), callee, ", ".join(vals), reader))
            return
        # one argument varies over good and bad values, the rest stay good
        i = self.r.randrange(len(fn.args))
        alts = [self.arg_value(fn, i, self.chance(0.7)) for _ in range(self.r.randint(2, 6))]
        vals, _ = self.call_args(fn, bad_ok=False)
        if fn.varargs:
            i = 0
            alts = [str(len(vals) - 1)] * 2 + [self.pick(["-1", "None", "1.5"])]
        vals[i] = "_a"
        self.emit("_out = []\nfor _a in [%s]:\n    try:\n        _x = %s(%s)\n"
                  "        _out.append(%s)\n    except Exception as _e:\n"
                  "        _out.append(type(_e).__name__)" % (
                      ", ".join(alts), callee, ", ".join(vals), reader))

    def op_api_new(self):
        """Memory of the module's types, for pointer and struct arguments."""
        name = self.newname()
        r = self.r.random()
        if r < 0.5 and self.recs:
            rec = self.pick(self.recs)
            init = ""
            if rec.varsized():
                init = ", %d" % self.r.randint(0, 3)
            elif self.chance(0.7):
                init = ", " + (self.full_init(rec) if self.chance(0.6) else self.value(rec, True))
            self.emit("%s = ffi.new(%r%s)" % (name, self.ts(m.Ptr(rec)), init))
            self.add(Var(name, "ptr", m.Ptr(rec), {name}, lo=0, hi=1, releasable=True, base=(name, 0),
                         vslen=None if not rec.varsized() else int(init[2:])))
        else:
            item = self.pick([INT, DOUBLE, m.CHAR, self.pick(m.INTS), m.BY_NAME["float"]]
                             + [e for e in self.enums])
            n = self.r.randint(1, 4)
            if self.chance(0.5):
                t = m.Ptr(item)
                self.emit("%s = ffi.new(%r, %s)" % (name, self.ts(t), self.value(item, True)))
                self.add(Var(name, "ptr", t, {name}, lo=0, hi=1, releasable=True, base=(name, 0)))
            else:
                t = m.Arr(item, n)
                self.emit("%s = ffi.new(%r)" % (name, self.ts(t)))
                self.add(Var(name, "arr", t, {name}, n=n, releasable=True, base=(name, 0)))
        self.plain_new.add(name)

    def op_api_callback(self):
        name = self.newname()
        f = self.pick(CB_SIGS)
        sig = sigkey(f)
        body = self.pick(self.CB_BODIES.get(sig, ["lambda *a: 0"]))
        kw = ""
        if self.chance(0.3) and f.ret is not m.VOID:
            kw += ", error=%s" % self.pick(["-1", "7", "0", "2**70", "'e'", "1.5"])
        if self.chance(0.25):
            kw += ", onerror=%s" % self.pick(["onerr('oe%s', %s)" % (name[1:], self.pick(["None", "11", "'bad'"])),
                                              "lambda e, v, tb: 1 // 0"])
        self.emit("%s = ffi.callback(%r, %s%s)" % (name, sig, body, kw))
        self.add(Var(name, "fptr", None, {name}, callable_sig=sig))

    def op_api_global(self):
        if not self.globals:
            return self.op_api_misc()
        g = self.pick(self.globals)
        n = "lib.%s" % g.name
        t = g.t
        r = self.r.random()
        if g.kind == "scalar":
            if r < 0.3:
                self.emit(n if kind_of_t(t) != "float" or m.resolve(t).name != "long double"
                          else "float(%s)" % n)
            elif r < 0.75:
                good = self.chance(0.75)
                val = self.value(t, good)
                read = n if m.resolve(t) is not m.BY_NAME["long double"] else "float(%s)" % n
                getter = ", lib.get_%s()" % g.name if not g.const and kind_of_t(t) != "complex" else ""
                if getter and m.resolve(t) is m.BY_NAME["long double"]:
                    getter = ", float(lib.get_%s())" % g.name
                self.emit("%s = %s\n_out = (%s%s)" % (n, val, read, getter))
            elif r < 0.85 and not g.const and kind_of_t(t) != "complex":
                self.emit("lib.set_%s(%s)\n_out = %s" % (g.name, self.value(t, self.chance(0.8)),
                                                        n if m.resolve(t) is not m.BY_NAME["long double"]
                                                        else "float(%s)" % n))
            else:
                name = self.newname()
                self.emit("%s = ffi.addressof(lib, %r)" % (name, g.name))
                if not g.const:
                    self.add(Var(name, "ptr", m.Ptr(t), set(), lo=0, hi=1))
        elif g.kind == "arr":
            item = g.t.item
            if r < 0.25:
                self.emit("list(%s)" % n)
            elif r < 0.5:
                i = self.r.randint(-1, g.t.n)
                self.emit("%s[%d]" % (n, i))
            elif r < 0.7:
                self.emit("%s[%d] = %s\n_out = list(%s)" % (n, self.r.randint(0, g.t.n), self.value(item, self.chance(0.8)), n))
            elif r < 0.85:
                k = g.t.n + self.pick([0, 0, -1, 1])
                self.emit("%s = [%s]\n_out = list(%s)" % (n, ", ".join(self.value(item, True) for _ in range(max(k, 0))), n))
            else:
                name = self.newname()
                if self.chance(0.5):
                    self.emit("%s = %s" % (name, n))
                    self.add(Var(name, "arr", g.t, set(), n=g.t.n))
                else:
                    # a pointer to the array ('T(*)[n]'), not the array
                    self.emit("%s = ffi.addressof(lib, %r)" % (name, g.name))
                    self.add(Var(name, "ptr", m.Ptr(g.t), set(), lo=0, hi=1))
        elif g.kind == "rec":
            rec = m.resolve(t)
            fields = [(fname, f) for fname, f in rec.named_fields()
                      if not (isinstance(m.resolve(f.t), m.Arr) and m.resolve(f.t).n is None)]
            if r < 0.3:
                self.emit("_out = (%s, lib.hash_%s())" % (self.result_reader(rec, n), g.name))
            elif r < 0.55 and fields:
                fname, f = self.pick(fields)
                if fname in m.overlaid_names(rec):
                    self.emit("lib.hash_%s()" % g.name)
                    return
                self.emit("%s.%s = %s\n_out = lib.hash_%s()" % (n, fname, self.field_value(f, self.chance(0.8), 0), g.name))
            elif r < 0.75:
                val = self.full_init(rec) if self.chance(0.8) else self.value(rec, False)
                self.emit("%s = %s\n_out = lib.hash_%s()" % (n, val, g.name))
            else:
                name = self.newname()
                self.emit("%s = %s" % (name, self.pick([n, "ffi.addressof(lib, %r)[0]" % g.name])))
                self.add(Var(name, "rec", t, set()))
        elif g.kind == "ptr":
            cands = self.ptr_vars(t.item, False, False)
            if r < 0.4:
                self.emit("%s == ffi.NULL" % n)
            elif r < 0.8:
                val = self.pick([v.name for v in cands] + ["ffi.NULL", "None", "5", "b'ab'"])
                self.emit("%s = %s\n_out = (%s == %s)" % (n, val, n, val if val[0] == "v" else "ffi.NULL"))
            else:
                self.emit("ffi.typeof(%s)" % n)
        elif g.kind == "str":
            if r < 0.4:
                self.emit("ffi.string(%s)" % n)
            elif r < 0.8:
                val = self.pick(["b'ab'", "b''", "b'x' * %d" % g.t.n, "b'y' * %d" % (g.t.n - 1), "'s'", "None"])
                self.emit("%s = %s\n_out = ffi.string(%s)" % (n, val, n))
            else:
                self.emit("len(%s), %s[0]" % (n, n))
        else:  # fptr
            cbs = self.live("fptr", pred=lambda v: v.callable_sig == sigkey(t.item))
            if r < 0.4 and (g.target is None or not g.target.dead):
                arg = ", ".join(self.value(a, True) for a in t.item.args)
                self.emit("lib.%s(%s)" % (g.caller, arg))
            elif r < 0.8 and cbs:
                v = self.pick(cbs)
                self.emit("%s = %s\n_out = %s == %s" % (n, v.name, n, v.name))
                g.target = v
            else:
                val = self.pick(["ffi.NULL", "None", "5", "lambda x: x"])
                self.emit("%s = %s" % (n, val))
                if val in ("ffi.NULL", "None"):
                    g.target = None

    def op_api_const(self):
        c = []
        c += ["lib.%s" % n for n in self.consts]
        c += ["ffi.string(lib.%s)" % n for n in self.consts]
        for e in self.enums:
            for n, _ in e.items:
                c += ["lib.%s" % n, "ffi.cast(%r, lib.%s)" % (e.name, n)]
        c += ["lib.%s = 1" % n for n in self.consts[:2]]
        c += ["del lib.%s" % n for n in self.consts[:1]]
        if not c:
            return self.op_api_misc()
        self.emit(self.pick(c))

    def op_api_extern(self):
        if not self.externs:
            return self.op_api_misc()
        name, f, caller = self.pick(self.externs)
        sig = sigkey(f)
        r = self.r.random()
        if r < 0.35:
            body = self.pick(self.CB_BODIES.get(sig, ["lambda *a: 0"]))
            kw = ""
            if self.chance(0.3):
                kw += ", error=%s" % self.pick(["-1", "7", "0", "2**70", "'e'"])
            if self.chance(0.25):
                kw += ", onerror=%s" % self.pick(["onerr('ex%s', %s)" % (name, self.pick(["None", "11", "'bad'"])),
                                                  "lambda e, v, tb: 1 // 0"])
            form = self.r.random()
            if form < 0.6:
                self.emit("ffi.def_extern(name=%r%s)(%s)" % (name, kw, body))
            else:
                self.emit("@ffi.def_extern(%s)\ndef %s(*a):\n    return (%s)(*a)" % (kw[2:], name, body))
            self.defined_externs.add(name)
        elif r < 0.8:
            args = ", ".join(self.value(a, self.chance(0.9)) for a in f.args)
            self.emit("lib.%s(%s)" % (self.pick([caller, caller, name]), args))
        else:
            self.emit(self.pick([
                "ffi.def_extern(name='nope')(lambda: 0)", "ffi.def_extern()(lambda x: x)",
                "ffi.def_extern(5)", "ffi.def_extern(name=%r)(5)" % name,
                "ffi.typeof(lib.%s)" % name, "ffi.addressof(lib, %r) == lib.%s" % (name, name),
                "lib.%s = None" % name,
            ]))

    def op_api_misc(self):
        fn = self.pick_fn()
        c = ["sorted(dir(lib))", "lib.nope", "lib.__name__", "type(lib).__name__",
             "ffi.addressof(lib, 'nope')", "sorted(ffi.list_types()[1])", "'fn1' in dir(lib)",
             "getattr(lib, '')", "ffi.typeof(lib)", "isinstance(lib, type(lib))"]
        if fn is not None:
            f = "lib.%s" % fn.name
            c += ["%s.__name__" % f, "%s.__doc__" % f, "%s.__module__" % f, "type(%s).__name__" % f,
                  "ffi.typeof(%s)" % f, "ffi.addressof(lib, %r)" % fn.name, "callable(%s)" % f,
                  "isinstance(%s, ffi.CData)" % f, "%s = 5" % f, "del %s" % f,
                  "ffi.cast('void *', %s) == ffi.addressof(lib, %r)" % (f, fn.name),
                  "ffi.typeof(ffi.addressof(lib, %r))" % fn.name, "%s == %s" % (f, f),
                  "ffi.sizeof(%s)" % f, "%s.__qualname__" % f, "hash(%s) == hash(%s)" % (f, f)]
            if fn.varargs is None and len(fn.args) <= 3 and self.chance(0.3):
                name = self.newname()
                self.emit("%s = ffi.addressof(lib, %r)" % (name, fn.name))
                v = self.add(Var(name, "fptr", None, set(), callable_sig=sigkey(fn.functype())))
                v.cbf = None
                return
        self.emit(self.pick(c))

    def op_addressof(self):
        if self.globals and self.chance(0.4):
            g = self.pick(self.globals)
            name = self.newname()
            self.emit("%s = ffi.addressof(lib, %r)" % (name, g.name))
            if g.const:
                return
            if g.kind in ("scalar", "rec", "ptr", "fptr"):
                self.add(Var(name, "ptr", m.Ptr(g.t), set(), lo=0, hi=1))
            elif g.kind in ("arr", "str"):
                # a pointer to the array ('T(*)[n]'), not the array
                self.add(Var(name, "ptr", m.Ptr(g.t), set(), lo=0, hi=1))
            return
        return super().op_addressof()

    def generate(self, n_ops):
        prog = super().generate(n_ops)
        prog["decls"] = self.items
        return prog


def generate(seed, kind="api", n_ops=None):
    g = ApiGen(seed, kind)
    if n_ops is None:
        n_ops = g.r.randint(15, 50)
    prog = g.generate(n_ops)
    prog["kind"] = kind
    prog["seed"] = seed
    return prog


def steps(prog):
    """cdef, then build and import the module (LOAD rebinds ffi and lib to
    the module's), then the ops."""
    cdef = "\n".join(i["cdef"] for i in prog["decls"] if i["cdef"])
    src = HEADER + "\n".join(i["c"] for i in prog["decls"] if i["c"])
    return (["ffi.cdef(%r)" % cdef,
             "ffi.set_source(%r, %r)\nLOAD(ffi.compile(tmpdir=TMP), %r)" % (MODULE, src, MODULE)]
            + list(prog["ops"]))
