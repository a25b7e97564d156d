"""Seeded generator of random programs for the differential tester.

A program is data: ``decls`` (cdef pieces, joined by newlines) and ``ops``
(Python source, one step each, run in order in one namespace). The
generator keeps a model of every variable it binds (``Var``): its C type,
which memory it refers to, the index range known to be inside that memory,
and which owners must stay alive for it to be valid. From that model it
only emits operations whose behaviour cffi defines:

* memory is touched only inside known bounds (arrays are bounds-checked by
  cffi, so any index is fine on an array; pointers only within the range
  the generator knows);
* nothing is used after its owner was released or deleted;
* values that depend on addresses (``int()`` of a pointer, ordering of
  unrelated pointers, ``hash`` of a pointer) are never printed.

A ``misuse`` program additionally kills owners (``ffi.release``, ``with``,
``del`` + ``gc.collect()``, a generator that releases the array it fills)
and then keeps using what depended on them. cffi's behaviour there is
undefined, so those programs run on rcffi alone, where the only requirement
is not to crash.

``generate(seed, kind)`` is a pure function of its arguments.
"""

import ast
import random

from . import clibdecl
from . import model as m

BAD_CDEFS = [
    "int f(void",
    "struct { int a; } ;",
    "int x[-1];",
    "typedef int T; typedef long T;",
    "int a; int a;",
    "enum e { A = 1/0 };",
    "struct q { struct q x; };",
    "struct w { int a : 40; };",
    "struct w { int a : -1; };",
    "struct w { float f : 3; };",
    "struct big { char a[0x2000000000000000]; char b[0x2000000000000000]; };",
    "struct s { int x; char a[0x2000000000000000]; };",
    "int (*fp)(int) = 0;",
    "void v;",
    "struct s { void v; };",
    "typedef struct s S; S x; struct s { S y; };",
    "int f(int a[]);",
    "int f(...);",
    "unsigned float x;",
    "long long long x;",
    "struct s { int a; }; union s { int b; };",
    "enum e { A, B }; enum e2 { A };",
    "#define X 1 +",
    "#define X 0x10000000000000000",
    "static const int K = 3;",
    "int g[5][];",
    "typedef int A[3]; A f(void);",
    "struct s { int n; int items[]; int after; };",
    "typedef int T; enum e { T };",
    "__int128 x;",
    "struct p { char c; } __attribute__((packed));",
    "int f(int, void);",
    "int *restrict p;",
    "volatile int x;",
    "extern int arr[];",
    "struct s { int a[0]; };",
]

BAD_TYPE_STRINGS = [
    "int[", "struct nope", "int int", "foo_t", "int[-1]", "void[3]",
    "int(*)(", "struct", "int ***[2][", "unsigned double", "int[2**3]",
    "", "*", "int(int)", "void", "...", "int[3][]",
]

class Var:
    def __init__(self, name, kind, t, deps, **kw):
        self.name = name
        self.kind = kind          # ptr arr rec prim fptr buf ba bytes handle alloc obj
        self.t = t
        self.deps = frozenset(deps)   # names whose death makes this var invalid
        self.dead = False
        self.lo = kw.get("lo", 0)     # ptr: first valid index (<= 0)
        self.hi = kw.get("hi")        # ptr: end index (int), a str expr, or None (no deref)
        self.n = kw.get("n")          # arr/ba/bytes: length
        self.releasable = kw.get("releasable", False)
        self.vslen = kw.get("vslen")  # var-sized record: items length
        self.readonly = kw.get("readonly", False)
        self.base = kw.get("base")    # (root name, offset): same-array pointer relations
        self.addr = kw.get("addr", False)  # a value that is an address: never print
        self.callable_sig = kw.get("callable_sig")  # fptr: safe to call with this Func


class Gen:
    def __init__(self, seed, kind="defined"):
        self.r = random.Random(seed)
        self.kind = kind
        self.decls = []
        self.ops = []
        self.vars = []
        self.counter = 0
        self.recs = []       # named records usable in type strings
        self.enums = []
        self.typedefs = []   # m.Typedef for non-record types
        self.fptr_types = []  # m.Func signatures of function-pointer types in use
        self.n_decl = 0

    # ---------------------------------------------------------------- helpers
    def pick(self, seq):
        return seq[self.r.randrange(len(seq))]

    def chance(self, p):
        return self.r.random() < p

    def newname(self):
        self.counter += 1
        return "v%d" % self.counter

    def add(self, var):
        self.vars.append(var)
        return var

    def live(self, *kinds, pred=None):
        out = [v for v in self.vars if not v.dead and (not kinds or v.kind in kinds)]
        if pred is not None:
            out = [v for v in out if pred(v)]
        return out

    def emit(self, src):
        self.ops.append(src)

    def kill(self, root):
        for v in self.vars:
            if root.name in v.deps:
                v.dead = True

    def derive(self, parent, name, kind, t, own=False, **kw):
        deps = set(parent.deps) if parent is not None else set()
        if own:
            deps.add(name)
        if parent is not None and parent.readonly:
            kw["readonly"] = True
        return self.add(Var(name, kind, t, deps, **kw))

    # ---------------------------------------------------------------- types
    def prim(self):
        r = self.r.random()
        if r < 0.55:
            return self.pick(m.INTS)
        if r < 0.65:
            return m.CHAR
        if r < 0.72:
            return m.BOOL
        if r < 0.8:
            return self.pick(m.WCHARS)
        if r < 0.95:
            return self.pick(m.FLOATS)
        return self.pick(m.COMPLEX)

    def scalar_type(self):
        r = self.r.random()
        if r < 0.6 or (not self.enums and not self.typedefs):
            return self.prim()
        if r < 0.8 and self.enums:
            return self.pick(self.enums)
        if self.typedefs:
            return self.pick(self.typedefs)
        return self.prim()

    def any_type(self, depth=0):
        """A complete object type for ffi.new / fields."""
        r = self.r.random()
        if r < 0.45 or depth > 2:
            return self.scalar_type()
        if r < 0.65 and self.recs:
            return self.pick(self.recs)
        if r < 0.8:
            item = self.any_type(depth + 1)
            if isinstance(m.resolve(item), m.Rec) and m.resolve(item).varsized():
                item = m.INT
            return m.Arr(item, self.r.randint(1, 5))
        if r < 0.93:
            return m.Ptr(self.pointee(depth + 1))
        return m.Ptr(self.functype())

    def pointee(self, depth=0):
        r = self.r.random()
        if r < 0.15:
            return m.VOID
        if r < 0.3:
            return m.CHAR
        if r < 0.5 and self.recs:
            return self.pick(self.recs)
        return self.any_type(depth + 1) if depth < 2 else self.scalar_type()

    def functype(self):
        if self.fptr_types and self.chance(0.5):
            return self.pick(self.fptr_types)
        ret = m.VOID if self.chance(0.15) else self.scalar_type()
        if self.recs and self.chance(0.15):
            ret = self.pick(self.recs)
        args = []
        for _ in range(self.r.randint(0, 3)):
            a = self.scalar_type()
            if self.recs and self.chance(0.1):
                a = self.pick(self.recs)
            args.append(a)
        f = m.Func(ret, args)
        self.fptr_types.append(f)
        return f

    def ts(self, t):
        return m.spell(t)

    def gen_enum(self):
        k = len(self.enums) + 1
        vals, cur = [], 0
        for j in range(self.r.randint(1, 4)):
            name = "E%d_%s" % (k, "ABCDEFG"[j])
            if self.chance(0.4):
                cur = self.pick([0, 5, -3, 0x7fffffff, 0xffffffff, -0x80000000,
                                 1 << 40, 100])
                vals.append((name, cur, "%s = %s" % (name, hex(cur) if cur > 1000 else cur)))
            else:
                vals.append((name, cur, name))
            cur += 1
        e = m.Enum("enum e%d" % k, [(n, v) for n, v, _ in vals])
        self.decls.append("enum e%d { %s };" % (k, ", ".join(s for _, _, s in vals)))
        self.enums.append(e)

    def field_type(self, depth):
        r = self.r.random()
        if r < 0.4:
            return self.scalar_type(), None
        if r < 0.55:
            bt = self.pick(m.BITFIELD_TYPES)
            width = 1 if bt is m.BOOL else self.r.randint(1, bt.bits)
            return bt, width
        if r < 0.65:
            return m.Arr(self.pick([m.CHAR, self.prim()]), self.r.randint(1, 6)), None
        if r < 0.72:
            return m.Arr(m.Arr(self.prim(), self.r.randint(1, 3)), self.r.randint(1, 3)), None
        if r < 0.8:
            return m.Ptr(self.pointee(depth + 1)), None
        fixed = [rec for rec in self.recs if not rec.varsized()]
        if r < 0.86 and fixed:
            return self.pick(fixed), None
        if r < 0.92 and depth < 2:
            return self.gen_rec(None, depth + 1), None
        return m.Ptr(self.functype()), None

    def gen_rec(self, name, depth=0):
        kw = "union" if self.chance(0.25) else "struct"
        fields = []
        used = set()
        for j in range(self.r.randint(1, 5)):
            t, bits = self.field_type(depth)
            if isinstance(t, m.Rec) and t.name is None and self.chance(0.6):
                fname = None       # anonymous member: its fields are flattened
                inner = set(n for n, _ in t.named_fields())
                if inner & used:
                    fname = "f%d_%d" % (depth, j)
                else:
                    used |= inner
            else:
                fname = "f%d_%d" % (depth, j) if depth else "f%d" % j
                if bits is not None and self.chance(0.1):
                    fname = None   # unnamed bitfield (padding)
                    if self.chance(0.5):
                        bits = 0
                if fname is None and bits is None:
                    fname = "f%d" % j
            if fname is not None:
                used.add(fname)
            fields.append(m.Field(fname, t, bits))
        if not any(f.name for f in fields) and not any(
                f.name is None and isinstance(f.t, m.Rec) for f in fields):
            fields.append(m.Field("last", m.INT))
        if (kw == "struct" and name is not None and self.chance(0.2)):
            fields.append(m.Field("items", m.Arr(self.pick(
                [m.INT, m.CHAR, m.BY_NAME["short"], m.BY_NAME["double"]]), None)))
        return m.Rec(kw, name, fields)

    def gen_named_rec(self):
        k = len(self.recs) + 1
        style = self.r.random()
        if style < 0.7:
            rec = self.gen_rec(None)
            rec.name = "%s s%d" % (rec.kw, k)
            self.decls.append("%s;" % m.record_body(rec).replace(
                rec.kw, rec.name, 1))
        else:
            rec = self.gen_rec(None)
            self.decls.append("typedef %s t%d;" % (m.record_body(rec), k))
            rec.name = "t%d" % k
        self.recs.append(rec)

    def gen_typedef(self):
        k = len(self.typedefs) + len(self.arr_typedefs) + 1
        target = self.pick([self.prim(), m.Arr(self.prim(), self.r.randint(1, 4)),
                            m.Ptr(self.prim())])
        if isinstance(target, m.Arr):
            self.decls.append("typedef %s;" % m.spell(target, "ty%d" % k))
            # array typedefs are not scalars: keep them out of scalar_type()
            self.arr_typedefs.append(m.Typedef("ty%d" % k, target))
            return
        self.decls.append("typedef %s;" % m.spell(target, "ty%d" % k))
        self.typedefs.append(m.Typedef("ty%d" % k, target))

    def gen_decls(self):
        self.arr_typedefs = []
        for _ in range(self.r.randint(0, 2)):
            self.gen_enum()
        for _ in range(self.r.randint(0, 2)):
            self.gen_typedef()
        for _ in range(self.r.randint(1, 4)):
            self.gen_named_rec()
        if self.chance(0.3):
            self.decls.append("#define DK%d %d" % (self.r.randint(1, 9),
                                                  self.pick([0, 7, -1, 0x7fffffff, 1 << 40])))
        self.decls.extend(clibdecl.DECLS)
        self.recs.extend(clibdecl.RECORDS)

    # ---------------------------------------------------------------- values
    def int_value(self, p, good):
        lo, hi = p.lo, p.hi
        if good:
            c = [0, 1, lo, hi, self.r.randint(lo, hi), "True"]
            if p.signed:
                c.append(-1)
            if self.chance(0.1):
                c.append("IndexOnly(%d)" % self.r.randint(max(lo, -5), min(hi, 5)))
            return str(self.pick(c))
        return str(self.pick([hi + 1, lo - 1, 2 ** 64, -2 ** 64, 2 ** 70, "1.5",
                              "'1'", "None", "b'a'", "[1]", "IntOnly(3)",
                              "Decimal(3)", "Fraction(7, 2)", "float('nan')",
                              "ffi.cast('int', 3)", "ffi.NULL", "1j"]))

    def value(self, t, good=True, depth=0):
        """Python source of a value to store in a ``t`` (an initializer)."""
        t = m.resolve(t)
        if isinstance(t, m.Prim):
            if t.cls == "int" or t.cls == "bool":
                if t.cls == "bool" and not good:
                    return self.pick(["2", "-1", "0.5", "None", "'x'", "2**64"])
                return self.int_value(t, good)
            if t.cls == "char":
                if good:
                    return self.pick(["b'a'", "b'\\x00'", "b'\\xff'", "b'Z'"])
                return self.pick(["'a'", "97", "b'ab'", "b''", "None", "ffi.cast('int', 65)"])
            if t.cls == "wchar":
                if good:
                    c = ["'a'", "'\\u20ac'", "'\\x00'"]
                    if t.bits == 32 or self.chance(0.3):
                        c.append("'\\U0001f600'")
                    return self.pick(c)
                return self.pick(["b'a'", "97", "'ab'", "''", "None", "'\\ud800'"])
            if t.cls == "float":
                if good:
                    return self.pick(["1.5", "-0.0", "1e10", "3", "float('inf')",
                                      "float('nan')", "True", "-2.5e-300", "1e300",
                                      "FloatOnly(2.5)", "ffi.cast('double', 4.25)",
                                      "ffi.cast('long double', 0.5)"])
                return self.pick(["'1'", "None", "b'1'", "2**1024", "1+2j", "[1.0]"])
            if t.cls == "complex":
                if good:
                    return self.pick(["1+2j", "1.5", "3", "-0.5j", "complex('nan')"])
                return self.pick(["'1'", "None", "b'1'", "[1j]"])
        if isinstance(t, m.Enum):
            if good:
                return str(self.pick([v for _, v in t.items] + [0, -1, 77]))
            return self.pick(["'%s'" % t.items[0][0], "2**40", "1.5", "None"])
        if isinstance(t, m.Ptr):
            return self.ptr_value(t, good)
        if isinstance(t, m.Arr):
            n = t.n if t.n is not None else self.r.randint(0, 4)
            item = m.resolve(t.item)
            if isinstance(item, m.Prim) and item.cls == "char" and self.chance(0.6):
                k = n if good else n + 1
                k = self.r.randint(0, k) if good else k
                return repr(bytes(self.r.choice(b"abcxyz\x00\xff") for _ in range(k)))
            if isinstance(item, m.Prim) and item.cls == "wchar" and self.chance(0.6):
                # the full length: a shorter str leaves the rest as it was in
                # cffi, rcffi writes a terminator (DT39)
                k = n if good else n + 1
                return repr("".join(self.r.choice("ab\u20acz") for _ in range(k)))
            if not good and self.chance(0.5):
                return self.pick(["5", "None", "'abc'", "{'x': 1}"])
            k = self.r.randint(0, n) if good else n + 1
            items = [self.value(item, good or self.chance(0.7), depth + 1) for _ in range(k)]
            return ("[%s]" if self.chance(0.8) else "(%s,)") % ", ".join(items) if items else "[]"
        if isinstance(t, m.Rec):
            fields = t.named_fields()
            if not good and self.chance(0.4):
                return self.pick(["{'nope': 1}", "5", "None", "[%s]" % ", ".join(
                    ["0"] * (len(t.fields) + 2))])
            if t.kw == "union":
                if not fields:
                    return "{}"
                name, f = self.pick(fields)
                return "{%r: %s}" % (name, self.field_value(f, good, depth))
            chosen = [(n, f) for n, f in fields if self.chance(0.6)]
            if self.chance(0.3) and not any(f.name is None for f in t.fields):
                # positional form
                items = [self.field_value(f, good, depth) for f in t.fields[:self.r.randint(0, len(t.fields))]
                         if f.name is not None]
                return "[%s]" % ", ".join(items)
            return "{%s}" % ", ".join("%r: %s" % (n, self.field_value(f, good, depth))
                                      for n, f in chosen)
        if isinstance(t, m.Func):
            return "None"
        return "None"

    def full_value(self, rec):
        """An initializer giving every field of rec a value: a struct passed
        by value from a partial initializer has unspecified bytes in cffi
        (its argument buffer is not cleared)."""
        parts = []
        for name, f in rec.named_fields():
            ft = m.resolve(f.t)
            if isinstance(ft, m.Arr):
                val = "[%s]" % ", ".join(self.value(ft.item, True) for _ in range(ft.n))
            else:
                val = self.field_value(f, True, 0)
            parts.append("%r: %s" % (name, val))
            if rec.kw == "union":
                break
        return "{%s}" % ", ".join(parts)

    def field_value(self, f, good, depth):
        if depth > 3:
            return "0"
        if f.bits is not None:
            p = m.resolve(f.t)
            if p is m.BOOL:
                lo, hi = 0, 1
            elif p.signed:
                lo, hi = -(1 << (f.bits - 1)), (1 << (f.bits - 1)) - 1
            else:
                lo, hi = 0, (1 << f.bits) - 1
            if good:
                return str(self.pick([lo, hi, 0, self.r.randint(lo, hi)]))
            return str(self.pick([hi + 1, lo - 1, "1.5", "None"]))
        if isinstance(m.resolve(f.t), m.Arr) and m.resolve(f.t).n is None:
            # the var-sized array: a length or the items
            if good:
                return self.pick([str(self.r.randint(0, 4)),
                                  self.value(m.Arr(m.resolve(f.t).item, 3), True, depth + 1)])
            return self.pick(["-1", "None", "'x'"])
        return self.value(f.t, good, depth + 1)

    def ptr_value(self, t, good):
        item = m.resolve(t.item)
        if isinstance(item, m.Func):
            cands = self.live("fptr", pred=lambda v: v.callable_sig is not None)
            if good:
                c = ["None", "ffi.NULL"] + [v.name for v in cands]
                return self.pick(c)
            return self.pick(["lambda *a: 0", "0", "1", "b'x'"])
        if good:
            c = ["None", "ffi.NULL", "ffi.cast(%r, 0)" % self.ts(t)]
            for v in self.live("ptr", "arr"):
                vt = v.t.item if v.kind == "arr" else v.t.item
                if isinstance(item, m.Void) or m.spell(vt) == m.spell(item):
                    c.append(v.name)
            return self.pick(c)
        return self.pick(["1", "b'abc'", "'abc'", "[1, 2]", "1.5",
                          "ffi.new('short *')", "ffi.cast('long', 0)"])

    def cast_value(self, t):
        t = m.resolve(t)
        vals = ["0", "1", "-1", "255", "256", "-129", "65535", "2**31", "2**32 + 5",
                "2**63", "2**64 - 1", "2**64", "-2**63 - 1", "2**100", "1e30",
                "-2.5", "2.99", "float('nan')", "float('inf')", "-float('inf')",
                "2**1024", "1e300", "b'a'", "b'\\xff'", "b'ab'", "b''", "'a'",
                "'\\u20ac'", "'\\U0001f600'", "''", "'ab'", "IntOnly(7)", "IndexOnly(9)",
                "FloatOnly(2.5)", "Decimal('3.7')", "Decimal('nan')", "Fraction(7, 2)",
                "None", "True", "1j", "[1]", "ffi.cast('double', 2.75)",
                "ffi.cast('long double', -1.25)", "ffi.cast('char', b'x')",
                "ffi.cast('signed char', -3)", "ffi.cast('_Bool', 1)",
                "ffi.cast('wchar_t', 'q')", "ffi.cast('float _Complex', 1+1j)",
                "ffi.cast('int *', 0)", "ffi.NULL"]
        prims = self.live("prim", pred=lambda v: not v.addr)
        vals += [v.name for v in prims]
        if isinstance(t, m.Enum):
            vals += [repr(n) for n, _ in t.items]
        return self.pick(vals)

    # ---------------------------------------------------------------- op kinds
    def op_new(self):
        r = self.r.random()
        name = self.newname()
        good = self.chance(0.8)
        if r < 0.45:
            t = self.any_type()
            rt = m.resolve(t)
            tstr = self.ts(m.Ptr(t))
            if self.chance(0.3):
                src = "ffi.new(%r)" % tstr
                init_vslen = 0
            else:
                init = self.value(t, good)
                src = "ffi.new(%r, %s)" % (tstr, init)
                init_vslen = None
            vslen = None
            if isinstance(rt, m.Rec) and rt.varsized():
                vslen = self.varsized_len(src, rt)
            if not good:
                self.emit(src)
                return
            self.add(Var(name, "ptr", m.Ptr(t), {name}, lo=0, hi=1, releasable=True,
                         vslen=vslen, base=(name, 0)))
        elif r < 0.8:
            item = self.any_type(1)
            if self.chance(0.5):
                n = self.r.randint(0, 6)
                init = self.value(m.Arr(item, n), good) if self.chance(0.7) else None
                tstr = self.ts(m.Arr(item, n))
                src = "ffi.new(%r%s)" % (tstr, ", %s" % init if init else "")
                length = n
            else:
                tstr = self.ts(m.Arr(item, None))
                if self.chance(0.5) or not good:
                    length = self.r.randint(0, 8) if good else self.pick([-1, 2 ** 62, "None", "1.5", "'x'", 2 ** 64])
                    src = "ffi.new(%r, %s)" % (tstr, length)
                else:
                    init = self.value(m.Arr(item, self.r.randint(0, 5)), True)
                    src = "ffi.new(%r, %s)" % (tstr, init)
                    length = self.init_len(item, init)
            if not good or length is None:
                self.emit(src)
                return
            self.add(Var(name, "arr", m.Arr(item, length), {name}, n=length,
                         releasable=True, base=(name, 0)))
        elif r < 0.9:
            # big arrays: in misuse programs their freed pages are unmapped
            n = self.pick([1 << 17, 1 << 20, 3 << 20])
            src = "ffi.new('char[]', %d)" % n
            self.add(Var(name, "arr", m.Arr(m.CHAR, n), {name}, n=n,
                         releasable=True, base=(name, 0)))
        else:
            # a pointer to a pointer, initialised from a live variable
            cands = self.live("ptr", "arr")
            if not cands:
                self.emit("ffi.new('int **')")
                return
            v = self.pick(cands)
            it = v.t.item
            src = "ffi.new(%r, %s)" % (self.ts(m.Ptr(m.Ptr(it))), v.name)
            self.add(Var(name, "ptr", m.Ptr(m.Ptr(it)), {name}, lo=0, hi=1,
                         releasable=True, base=(name, 0)))
        self.emit("%s = %s" % (name, src))

    def varsized_len(self, src, rec):
        """Length of the items of a var-sized record made by ``src``: the
        generator parses back the initializer it wrote."""
        import ast
        try:
            call = ast.parse(src, mode="eval").body
            if len(call.args) < 2:
                return 0
            init = ast.literal_eval(call.args[1])
        except Exception:
            return None
        last = rec.fields[-1].name
        if isinstance(init, dict):
            v = init.get(last, 0)
        elif isinstance(init, (list, tuple)) and len(init) == len(rec.fields):
            v = init[-1]
        else:
            return 0
        if isinstance(v, bool):
            return None
        if isinstance(v, int):
            return v if v >= 0 else None
        if isinstance(v, (list, tuple)):
            return len(v)
        return None

    def init_len(self, item, init):
        import ast
        try:
            v = ast.literal_eval(init)
        except Exception:
            return None
        item = m.resolve(item)
        if isinstance(v, bytes):
            return len(v) + 1
        if isinstance(v, str):
            if isinstance(item, m.Prim) and item.name == "char16_t":
                return sum(2 if ord(c) > 0xFFFF else 1 for c in v) + 1
            return len(v) + 1
        if isinstance(v, (list, tuple)):
            return len(v)
        return None

    def op_cast(self):
        r = self.r.random()
        name = self.newname()
        if r < 0.05:
            # targets cffi cannot cast to
            tgt = self.pick(["struct dt_pt", "int[]", "void", "int(int)", "union dt_un"]
                            + [self.ts(rec) for rec in self.recs[:2]])
            self.emit("ffi.cast(%r, %s)" % (tgt, self.pick(["0", "ffi.NULL", "1.5"])))
            return
        if r < 0.55:
            t = self.scalar_type()
            rt = m.resolve(t)
            if isinstance(rt, m.Ptr):
                t = self.prim()
            src = "ffi.cast(%r, %s)" % (self.ts(t), self.cast_value(t))
            self.emit("%s = %s" % (name, src))
            self.add(Var(name, "prim", t, set()))
        elif r < 0.7:
            # a pointer from a small integer: comparisons only, never dereferenced
            t = m.Ptr(self.pointee())
            src = "ffi.cast(%r, %s)" % (self.ts(t), self.pick(
                ["0", "0x1000", "-1", "2**64 - 8", "2**64", "IndexOnly(16)", "None", "1.5"]))
            self.emit("%s = %s" % (name, src))
            self.add(Var(name, "ptr", t, set(), hi=None))
        elif r < 0.85:
            # reinterpreting a live pointer or array
            cands = self.live("ptr", "arr", pred=lambda v: not v.readonly)
            if not cands:
                return self.emit("ffi.cast('int', 7)")
            v = self.pick(cands)
            choice = self.r.random()
            if choice < 0.4:
                item = v.t.item
                t = m.Ptr(item)
                if v.kind == "arr":
                    lo, hi = 0, v.n
                else:
                    lo, hi = v.lo, v.hi
                base = v.base
            elif choice < 0.7 and not m.contains_ptr(v.t.item):
                item = self.pick([m.CHAR, m.BY_NAME["unsigned char"], m.BY_NAME["uint8_t"]])
                t = m.Ptr(item)
                lo, base = 0, None
                if v.kind == "arr" and v.n:
                    hi = "ffi.sizeof(%s)" % v.name
                elif v.kind == "ptr" and isinstance(v.hi, int) and v.lo == 0 and v.hi > 0 \
                        and not (isinstance(m.resolve(v.t.item), m.Rec) and m.resolve(v.t.item).varsized()):
                    hi = "ffi.sizeof(ffi.typeof(%s).item) * %d" % (v.name, v.hi)
                else:
                    hi = None
            else:
                t = m.Ptr(self.pointee())
                lo, hi, base = 0, None, None
            self.emit("%s = ffi.cast(%r, %s)" % (name, self.ts(t), v.name))
            self.derive(v, name, "ptr", t, lo=lo, hi=hi, base=base)
        else:
            # through an integer and back: the integer is an address, never printed
            cands = self.live("ptr", "arr")
            if not cands:
                return self.emit("ffi.cast('intptr_t', ffi.NULL)")
            v = self.pick(cands)
            it = self.pick(["intptr_t", "uintptr_t", "size_t", "long"])
            self.emit("%s = ffi.cast(%r, %s)\n_out = ffi.typeof(%s)" % (name, it, v.name, name))
            iv = self.derive(v, name, "prim", m.BY_NAME[it], addr=True)
            name2 = self.newname()
            self.emit("%s = ffi.cast(%r, %s)" % (name2, self.ts(v.t if v.kind == "ptr" else m.Ptr(v.t.item)), iv.name))
            lo, hi = (v.lo, v.hi) if v.kind == "ptr" else (0, v.n)
            self.derive(v, name2, "ptr", v.t if v.kind == "ptr" else m.Ptr(v.t.item),
                        lo=lo, hi=hi, base=v.base)

    def pick_index(self, v):
        """An index for var v: any on an array (cffi checks it), only one
        inside the known range on a pointer; None if there is none."""
        if v.kind == "arr":
            n = v.n
            return str(self.pick([0, n - 1, n, -1, 2 ** 63, 2 ** 64, "'x'", "1.0",
                                  "IndexOnly(0)", "True", self.r.randint(0, max(n - 1, 0)),
                                  "None", "-2**63"]))
        lo, hi = v.lo, v.hi
        if isinstance(hi, str):
            return self.pick(["0", "(%s) - 1" % hi, "(%s) // 2" % hi])
        if hi is None or hi <= lo:
            return None
        return str(self.r.randint(lo, hi - 1))

    def op_index(self):
        cands = self.live("arr", "ptr", pred=lambda v: v.kind == "arr" or (
            v.hi is not None and (not isinstance(v.hi, int) or v.hi > v.lo)))
        if not cands:
            return self.op_new()
        v = self.pick(cands)
        idx = self.pick_index(v)
        if idx is None:
            return
        item = m.resolve(v.t.item)
        if isinstance(v.hi, str) and not (isinstance(item, m.Prim) and item.bits == 8):
            return
        setting = self.chance(0.4) and not v.readonly
        if setting:
            val = self.value(item, self.chance(0.75))
            if isinstance(item, m.Rec) and self.chance(0.3):
                other = self.live("rec", pred=lambda w: w.t is item)
                if other:
                    val = self.pick(other).name
            self.emit("%s[%s] = %s" % (v.name, idx, val))
            return
        try:
            i = int(idx)
        except ValueError:
            i = None   # a symbolic in-range index of a byte pointer, or a bad one
        if i is not None and self.in_range(v, i) and isinstance(item, (m.Rec, m.Arr)):
            name = self.newname()
            self.emit("%s = %s[%s]" % (name, v.name, idx))
            if isinstance(item, m.Rec):
                self.derive(v, name, "rec", item, vslen=v.vslen)
            else:
                self.derive(v, name, "arr", item, n=item.n)
            return
        self.emit("%s[%s]" % (v.name, idx))

    def in_range(self, v, i):
        if v.kind == "arr":
            return 0 <= i < v.n
        return isinstance(v.hi, int) and v.lo <= i < v.hi

    def op_slice(self):
        cands = self.live("arr", "ptr", pred=lambda v: v.kind == "arr" or isinstance(v.hi, int))
        if not cands:
            return
        v = self.pick(cands)
        item = m.resolve(v.t.item)
        if v.kind == "arr":
            n = v.n
            a = self.r.randint(0, n)
            b = self.r.randint(a, n)
            if self.chance(0.2):
                a, b = self.pick([(b, a - 1), (0, n + 1), (-1, n), (None, n), (0, None)])
            lo_ok = 0
        else:
            if v.hi <= v.lo:
                return
            a = self.r.randint(v.lo, v.hi)
            b = self.r.randint(a, v.hi)
            if self.chance(0.1):
                a = None
            lo_ok = v.lo
        sl = "%s:%s" % ("" if a is None else a, "" if b is None else b)
        if self.chance(0.05):
            sl += ":2"
        valid = (a is not None and b is not None and lo_ok <= a <= b and ":2" not in sl
                 and (b <= v.n if v.kind == "arr" else b <= v.hi))
        if self.chance(0.45) and not v.readonly:
            k = (b - a) if valid else 2
            if not self.chance(0.8):
                k += self.pick([-1, 1])
            k = max(k, 0)
            kind = self.r.random()
            if isinstance(item, m.Prim) and item.cls == "char" and kind < 0.5:
                val = repr(b"q" * k)
            elif isinstance(item, m.Prim) and item.cls == "wchar" and kind < 0.5:
                val = repr("w" * k)
            elif kind < 0.65:
                # a cdata source only of the right length: on a mismatch cffi
                # raises after copying item by item, which smears an
                # overlapping source (DT37 in docs/difftest-findings.md)
                other = self.live("arr", pred=lambda w: m.spell(w.t.item) == m.spell(item) and w.n >= k)
                if other and valid and k == b - a:
                    o = self.pick(other)
                    val = "%s[0:%d]" % (o.name, k)
                else:
                    val = "[%s]" % ", ".join(self.value(item, True) for _ in range(k))
            elif kind < 0.75:
                val = "iter([%s])" % ", ".join(self.value(item, True) for _ in range(k))
            else:
                val = "[%s]" % ", ".join(self.value(item, self.chance(0.8)) for _ in range(k))
            self.emit("%s[%s] = %s" % (v.name, sl, val))
            return
        if valid and self.chance(0.6):
            name = self.newname()
            self.emit("%s = %s[%s]" % (name, v.name, sl))
            base = (v.base[0], v.base[1] + a) if v.base else None
            self.derive(v, name, "arr", m.Arr(v.t.item, b - a), n=b - a, base=base,
                        vslen=None)
            return
        self.emit("%s[%s]" % (v.name, sl))

    def rec_targets(self):
        """Vars through which a record's fields are reachable: record values
        and pointers to records with index 0 in range."""
        out = []
        for v in self.live("rec"):
            out.append((v, v.name, m.resolve(v.t)))
        for v in self.live("ptr"):
            it = m.resolve(v.t.item)
            if isinstance(it, m.Rec) and isinstance(v.hi, int) and v.lo <= 0 < v.hi:
                out.append((v, v.name, it))
        return out

    def op_field(self):
        targets = self.rec_targets()
        if not targets:
            return self.op_new()
        v, expr, rec = self.pick(targets)
        fields = rec.named_fields()
        if not fields or self.chance(0.05):
            self.emit("%s.%s" % (expr, self.pick(["nope", "__dict__", "f99"])))
            return
        fname, f = self.pick(fields)
        ft = m.resolve(f.t)
        overlaid = fname in m.overlaid_names(rec)
        if (self.chance(0.45) or overlaid) and not v.readonly:
            good = self.chance(0.75)
            if isinstance(ft, m.Rec) and self.chance(0.4):
                other = self.live("rec", pred=lambda w: w.t is ft)
                val = self.pick(other).name if other else self.value(ft, good)
            else:
                val = self.field_value(f, good, 0)
            self.emit("%s.%s = %s" % (expr, fname, val))
            return
        if overlaid:
            return
        if isinstance(ft, m.Rec):
            name = self.newname()
            self.emit("%s = %s.%s" % (name, expr, fname))
            self.derive(v, name, "rec", ft)
            return
        if isinstance(ft, m.Arr):
            n = ft.n
            if n is None:
                n = v.vslen
                if f is not rec.fields[-1]:
                    n = None
            name = self.newname()
            self.emit("%s = %s.%s" % (name, expr, fname))
            if n is not None:
                self.derive(v, name, "arr", m.Arr(ft.item, n), n=n, base=(name, 0))
            return
        if isinstance(ft, m.Ptr):
            name = self.newname()
            self.emit("%s = %s.%s" % (name, expr, fname))
            self.add(Var(name, "ptr", ft, set(), hi=None))
            return
        self.emit("%s.%s" % (expr, fname))

    def op_string(self):
        r = self.r.random()
        chars = self.live("arr", pred=lambda v: m.is_charlike(v.t.item))
        if r < 0.5 and chars:
            v = self.pick(chars)
            if self.chance(0.5):
                self.emit("ffi.string(%s)" % v.name)
            else:
                # not above the length: cffi then reads past the array
                self.emit("ffi.string(%s, %s)" % (v.name, self.pick(
                    [0, min(1, v.n), v.n, max(v.n - 1, 0), -1, "None", "'x'"])))
            return
        ptrs = self.live("ptr", pred=lambda v: m.is_charlike(v.t.item) and isinstance(v.hi, int) and v.lo == 0 and v.hi > 0)
        if r < 0.6 and ptrs:
            v = self.pick(ptrs)
            self.emit("ffi.string(%s, %d)" % (v.name, self.r.randint(0, v.hi)))
            return
        prims = self.live("prim", pred=lambda v: not v.addr)
        if r < 0.75 and prims:
            self.emit("ffi.string(%s)" % self.pick(prims).name)
            return
        if r < 0.85:
            self.emit("ffi.string(lib.dt_str(%d))" % self.r.randint(0, 4))
            return
        if r < 0.9:
            self.emit("ffi.string(lib.dt_wstr())")
            return
        arrs = self.live("arr")
        if arrs:
            v = self.pick(arrs)
            self.emit("ffi.string(%s)" % v.name)
        else:
            self.emit("ffi.string(%s)" % self.pick(["b'abc'", "5", "None", "ffi.NULL"]))

    def op_unpack(self):
        cands = self.live("arr", "ptr", pred=lambda v: v.kind == "arr" or (
            isinstance(v.hi, int) and v.lo == 0 and v.hi >= 0))
        if not cands:
            return
        v = self.pick(cands)
        n = v.n if v.kind == "arr" else v.hi
        k = self.r.randint(0, n)
        if self.chance(0.1):
            k = self.pick([-1, "None", "'3'"])
        self.emit("ffi.unpack(%s, %s)" % (v.name, k))

    def op_buffer(self):
        r = self.r.random()
        bufs = self.live("buf")
        if r < 0.45 and bufs:
            b = self.pick(bufs)
            ro = b.readonly
            c = ["%s[:]", "bytes(%s)", "len(%s)", "%s[0]", "%s[-1]", "%s[len(%s)]",
                 "%s[0:2]", "%s[::2]", "list(memoryview(%s))", "%s == %s",
                 "memoryview(%s).format", "%s[:] == bytes(len(%s))", "str(%s)[:0]"]
            if not ro:
                c += ["%s[0] = 65", "%s[0] = b'A'", "%s[0:2] = b'xy'",
                      "%s[:] = bytes(len(%s))", "%s[0:1] = b'ab'", "%s[0] = 256",
                      "%s[-1:] = b'z'", "memoryview(%s)[0:1] = b'm'"]
            tmpl = self.pick(c)
            self.emit(tmpl.replace("%s", b.name))
            return
        if r < 0.7:
            cands = self.live("arr", "ptr", pred=lambda v: not m.contains_ptr(v.t.item) and (
                v.kind == "arr" or (isinstance(v.hi, int) and v.lo <= 0 < v.hi and not (
                    isinstance(m.resolve(v.t.item), m.Rec) and m.resolve(v.t.item).varsized()))))
            if not cands:
                return
            v = self.pick(cands)
            name = self.newname()
            if v.kind == "arr":
                size = self.pick(["", ", ffi.sizeof(%s)" % v.name, ", 0", ", -1",
                                  ", max(ffi.sizeof(%s) - 1, 0)" % v.name])
            else:
                size = self.pick(["", ", ffi.sizeof(ffi.typeof(%s).item)" % v.name, ", 0", ", 1"])
                if size == ", 1" and v.t.item is m.VOID:
                    size = ""
            self.emit("%s = ffi.buffer(%s%s)" % (name, v.name, size))
            self.derive(v, name, "buf", None, readonly=v.readonly)
            return
        if r < 0.8:
            self.emit("ffi.buffer(%s)" % self.pick(["b'abc'", "5", "None", "bytearray(3)",
                                                   "ffi.NULL"]))
            return
        # memmove within bounds
        cands = self.live("arr", pred=lambda v: not v.readonly and v.n > 0)
        if not cands:
            return
        d = self.pick(cands)
        sources = self.live("arr", pred=lambda v: not m.contains_ptr(v.t.item)) + self.live("ba")
        if not sources:
            return
        s = self.pick(sources)
        n_expr = "min(ffi.sizeof(%s), %s)" % (d.name, "len(%s)" % s.name if s.kind == "ba"
                                              else "ffi.sizeof(%s)" % s.name)
        if self.chance(0.2):
            src = self.pick(["b'hello'", "bytearray(b'xy')"])
            n_expr = "min(ffi.sizeof(%s), 2)" % d.name
            self.emit("ffi.memmove(%s, %s, %s)" % (d.name, src, n_expr))
        elif self.chance(0.1):
            self.emit("ffi.memmove(%s, %s, -1)" % (d.name, s.name))
        else:
            self.emit("ffi.memmove(%s, %s, %s)" % (d.name, s.name, n_expr))

    def op_from_buffer(self):
        r = self.r.random()
        if r < 0.3 or not self.live("ba", "bytes", "buf"):
            name = self.newname()
            n = self.r.randint(0, 24)
            if self.chance(0.7):
                self.emit("%s = bytearray(%r)" % (name, bytes(self.r.randrange(256) for _ in range(n))))
                self.add(Var(name, "ba", None, set(), n=n))
            else:
                self.emit("%s = %r" % (name, bytes(self.r.randrange(256) for _ in range(n))))
                self.add(Var(name, "bytes", None, set(), n=n))
            return
        srcs = self.live("ba", "bytes", "buf")
        s = self.pick(srcs)
        name = self.newname()
        sizes = {"char": 1, "int": 4, "short": 2, "double": 8, "uint8_t": 1, "int64_t": 8}
        tname = self.pick(list(sizes))
        form = self.r.random()
        if form < 0.4:
            src = "ffi.from_buffer(%s)" % s.name
            tname = "char"
        elif form < 0.8:
            src = "ffi.from_buffer('%s[]', %s)" % (tname, s.name)
        else:
            k = self.r.randint(0, 6)
            src = "ffi.from_buffer('%s[%d]', %s)" % (tname, k, s.name)
            if s.kind == "buf" or k * sizes[tname] > s.n:
                self.emit(src)
                return
        if self.chance(0.2):
            src = src[:-1] + ", require_writable=%s)" % self.pick(["True", "False"])
        if s.kind == "buf":
            # length only known at run time: no indexing, reads of the whole
            self.emit("%s = %s" % (name, src))
            item = m.CHAR if tname == "char" else m.BY_NAME[tname]
            self.derive(s, name, "arr", m.Arr(item, 0), n=0, own=True, releasable=True,
                        readonly=True)
            return
        n = k if form >= 0.8 else s.n // sizes[tname]
        self.emit("%s = %s" % (name, src))
        item = m.CHAR if tname == "char" else m.BY_NAME[tname]
        self.derive(s, name, "arr", m.Arr(item, n), n=n, own=True, releasable=True,
                    readonly=(s.kind == "bytes"), base=(name, 0))

    def op_bytearray(self):
        bas = self.live("ba")
        if not bas:
            return self.op_from_buffer()
        b = self.pick(bas)
        self.emit(self.pick(["%s.append(1)", "%s.extend(b'zz')", "%s.pop()"]) % b.name)
        # its length changed (or a live export refused the change): the
        # generator relies on exact lengths, so it stops using this one
        b.dead = True

    def op_release(self):
        roots = self.live(pred=lambda v: v.releasable)
        r = self.r.random()
        if r < 0.15:
            others = self.live("ptr", "arr", "rec", "prim", pred=lambda v: not v.releasable)
            if others:
                self.emit("ffi.release(%s)" % self.pick(others).name)
                return
        if r < 0.25:
            self.emit("ffi.release(%s)" % self.pick(["5", "None", "b'x'", "ffi.NULL",
                                                     "ffi.cast('int *', 0)"]))
            return
        if r < 0.55 or not roots:
            return self.op_with()
        v = self.pick(roots)
        self.emit("ffi.release(%s)" % v.name)
        self.kill(v)

    def op_with(self):
        name = self.newname()
        t = self.pick([m.Arr(m.INT, 3), m.Arr(m.CHAR, 5), m.Ptr(m.INT)] + [
            m.Ptr(r) for r in self.recs[:3] if not r.varsized()])
        init = self.value(t, True) if self.chance(0.6) else None
        src = "ffi.new(%r%s)" % (self.ts(t), ", " + init if init else "")
        if isinstance(t, m.Arr):
            var = Var(name, "arr", t, {name}, n=t.n, releasable=True, base=(name, 0))
        else:
            var = Var(name, "ptr", t, {name}, lo=0, hi=1, releasable=True, base=(name, 0))
        self.add(var)
        # a few operations inside the block; expression results go to _out
        saved = self.ops
        self.ops = []
        for _ in range(self.r.randint(0, 3)):
            self.op_on(var)
        inner = self.ops
        self.ops = saved
        body = ["_out = []", "with %s as %s:" % (src, name)]
        for s in inner:
            tree = ast.parse(s)
            if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
                body.append("    _out.append(%s)" % s)
            else:
                body.extend("    " + line for line in s.split("\n"))
        body.append("    _out.append(len(_out))")
        self.emit("\n".join(body))
        self.kill(var)

    def op_on(self, var):
        """One operation using var (inside a with block)."""
        saved = self.vars
        self.vars = [var] + [v for v in saved if v.kind in ("ba", "bytes")]
        try:
            self.pick([self.op_index, self.op_slice, self.op_field, self.op_unpack,
                       self.op_string])()
        finally:
            added = [v for v in self.vars if v not in saved and v is not var]
            for v in added:
                v.dead = True
            self.vars = saved + added

    def op_gc(self):
        r = self.r.random()
        # not of arrays: cffi's ffi.gc() of an array returns a 'T[]' whose
        # length is read from memory it never wrote (any number, often 0)
        cands = self.live("ptr")
        if r < 0.1 or not cands:
            self.emit("ffi.gc(%s, mkd('bad'))" % self.pick(["5", "None", "b'x'"]))
            return
        v = self.pick(cands)
        name = self.newname()
        d = self.pick(["mkd('g%s')" % name[1:], "mkd('g%s')" % name[1:],
                       "lambda p: raise_(ValueError('in destructor'))",
                       "lib.dt_count_free", "None", "5"])
        size = ", size=%d" % self.r.randint(0, 1000) if self.chance(0.2) else ""
        self.emit("%s = ffi.gc(%s, %s%s)" % (name, v.name, d, size))
        if d in ("None", "5"):
            return
        t = v.t
        kw = dict(lo=v.lo, hi=v.hi, base=v.base)
        self.derive(v, name, v.kind, t, own=True, releasable=True, vslen=v.vslen,
                    readonly=v.readonly, **kw)

    def op_del(self):
        roots = self.live(pred=lambda v: v.kind not in ("alloc",))
        if not roots:
            return
        v = self.pick(roots)
        group = [w for w in self.vars if not w.dead and v.name in w.deps]
        if v not in group:
            group.append(v)
        if self.kind == "misuse" and self.chance(0.7):
            group = [v]   # dependents stay: used after their owner died
        # one by one: a name whose step raised was never bound
        self.emit("for _n in (%s,):\n    globals().pop(_n, None)\ngc.collect()" % ", ".join(
            repr(w.name) for w in group))
        for w in group:
            w.dead = True
        # anything depending on a deleted owner is invalid now
        for w in group:
            self.kill(w)

    def op_meta(self):
        r = self.r.random()
        types = [self.ts(t) for t in self.recs[:6]] + [self.ts(self.any_type()) for _ in range(3)]
        types += [e.name for e in self.enums] + [t.name for t in self.typedefs]
        types += [t.name for t in self.arr_typedefs]
        if r < 0.2:
            self.emit("ffi.sizeof(%r)" % self.pick(types + BAD_TYPE_STRINGS[:4] + ["int[]", "void"]))
        elif r < 0.3:
            vs = self.live("ptr", "arr", "rec", "prim")
            if vs:
                self.emit("ffi.sizeof(%s)" % self.pick(vs).name)
        elif r < 0.4:
            self.emit("ffi.alignof(%r)" % self.pick(types + ["void", "int[]"]))
        elif r < 0.55:
            rec = self.pick(self.recs)
            fields = rec.named_fields()
            if fields and self.chance(0.85):
                fname, f = self.pick(fields)
                extra = ""
                ft = m.resolve(f.t)
                if isinstance(ft, m.Rec) and ft.named_fields() and self.chance(0.5):
                    extra = ", %r" % self.pick(ft.named_fields())[0]
                elif isinstance(ft, m.Arr) and self.chance(0.5):
                    extra = ", %d" % self.r.randint(0, 3)
                self.emit("ffi.offsetof(%r, %r%s)" % (self.ts(rec), fname, extra))
            else:
                self.emit("ffi.offsetof(%r, %s)" % (self.pick([self.ts(rec), "int[5]", "int *", "int"]),
                                                    self.pick(["'nope'", "2", "-1"])))
        elif r < 0.7:
            src = self.pick(types + BAD_TYPE_STRINGS + ["int(*)(int)", "int *(*)[3]",
                                                        "void(*)(void)", "struct dt_pt *"])
            form = self.r.random()
            if form < 0.5:
                self.emit("ffi.typeof(%r)" % src)
            else:
                attr = self.pick(["kind", "cname", "item", "length", "fields", "args", "result",
                                  "ellipsis", "abi", "elements", "relements"])
                self.emit("getattr(ffi.typeof(%r), %r)" % (src, attr))
        elif r < 0.78:
            vs = self.live("ptr", "arr", "rec", "prim", "fptr")
            if vs:
                self.emit("ffi.typeof(%s)" % self.pick(vs).name)
            else:
                self.emit("ffi.typeof(lib.dt_add)")
        elif r < 0.86:
            self.emit("ffi.getctype(%r, %r)" % (self.pick(types + ["int", "char *"]), self.pick(
                ["", "*", "[5]", "(*)(long)", "&", "a", "*[2]"])))
        elif r < 0.9:
            self.emit("(lambda f: (f.cdef(%r), f.sizeof(%r)))(cffi.FFI())" % (
                self.pick(BAD_CDEFS), self.pick(["struct s", "struct big", "int", "struct w", "struct p"])))
        elif r < 0.9:
            self.emit("sorted(ffi.list_types()[0])[:5], sorted(ffi.list_types()[1])[:5]")
        elif r < 0.91:
            self.emit(self.packed_record())
        elif r < 0.93:
            # a failing cdef on the program's own ffi: what stays declared?
            self.emit("ffi.cdef(%r)" % self.pick(BAD_CDEFS + [
                "struct s1 { int zz; };", "typedef int ty1;", "enum e1 { E1_A };",
                "struct dt_pt { int x, y; }; int dt_add(int, int);",
                "struct fresh1 { int a; }; typedef int fresh2; int broken(;"]))
        elif r < 0.96 and self.enums:
            e = self.pick(self.enums)
            n = self.pick(e.items)[0]
            self.emit(self.pick(["lib.%s" % n, "ffi.cast(%r, lib.%s)" % (e.name, n),
                                 "ffi.string(ffi.cast(%r, %d))" % (e.name, self.pick([v for _, v in e.items] + [12345]))]))
        else:
            self.emit("ffi.typeof(%r) is ffi.typeof(%r)" % (self.pick(types), self.pick(types)))

    def packed_record(self):
        """A copy of a generated record declared with packed=True or pack=N
        (layouts cffi computes its own way with bitfields: docs/compat.md),
        its size and its fields' offsets."""
        k = len(self.decls)
        rec = self.pick([r for r in self.recs if r.name and r.name.startswith(("struct s", "union s"))]
                        or [clibdecl.PT])
        body = m.record_body(rec)
        opt = self.pick(["packed=True", "pack=1", "pack=2", "pack=4", "pack=3"])
        tag = "%s pk%d" % (rec.kw, k)
        names = [n for n, f in rec.named_fields() if f.bits is None][:4]
        return "ffi.cdef(%r, %s)\n_out = (ffi.sizeof(%r), ffi.alignof(%r), %s)" % (
            "%s;" % body.replace(rec.kw, tag, 1), opt, tag, tag,
            "[%s]" % ", ".join("ffi.offsetof(%r, %r)" % (tag, n) for n in names))

    def op_fptr_field(self):
        """Store a callback in a function-pointer field and call it through
        the field."""
        for v, expr, rec in self.rec_targets():
            if v.readonly:
                continue
            for fname, f in rec.named_fields():
                ft = m.resolve(f.t)
                if not (isinstance(ft, m.Ptr) and isinstance(ft.item, m.Func)):
                    continue
                if fname in m.overlaid_names(rec):
                    continue
                cbs = self.live("fptr", pred=lambda c: getattr(c, "cbf", None) is ft.item)
                if cbs:
                    c = self.pick(cbs)
                    args = ", ".join(self.value(a, self.chance(0.9)) for a in ft.item.args)
                    self.emit("%s.%s = %s\n_out = %s.%s(%s)" % (expr, fname, c.name, expr, fname, args))
                    return
                # make one of that exact type for a later call
                name = self.newname()
                body = "lambda *a: %s" % (self.value(ft.item.ret, True)
                                          if ft.item.ret is not m.VOID else "None")
                self.emit("%s = ffi.callback(%r, %s)" % (name, m.spell(ft.item), body))
                cb = self.add(Var(name, "fptr", None, {name}, callable_sig=m.spell(ft.item)))
                cb.cbf = ft.item
                return

    def op_addressof(self):
        targets = self.rec_targets()
        r = self.r.random()
        if r < 0.5 and targets:
            v, expr, rec = self.pick(targets)
            fields = rec.named_fields()
            if v.kind == "ptr":
                expr = "%s[0]" % expr
            if fields and self.chance(0.9):
                fname, f = self.pick(fields)
                name = self.newname()
                self.emit("%s = ffi.addressof(%s, %r)" % (name, expr, fname))
                if f.bits is None:
                    ft = f.t
                    rt = m.resolve(ft)
                    hi = 1 if not (isinstance(rt, m.Arr) and rt.n is None) else None
                    self.derive(v, name, "ptr", m.Ptr(ft), lo=0, hi=hi)
            else:
                self.emit("ffi.addressof(%s, 'nope')" % expr)
            return
        arrs = self.live("arr")
        if r < 0.75 and arrs:
            v = self.pick(arrs)
            i = self.r.randint(0, v.n) if self.chance(0.8) else self.pick([-1, v.n + 1])
            name = self.newname()
            self.emit("%s = ffi.addressof(%s, %d)" % (name, v.name, i))
            if 0 <= i <= v.n:
                base = (v.base[0], v.base[1] + i) if v.base else None
                self.derive(v, name, "ptr", m.Ptr(v.t.item), lo=-i, hi=v.n - i, base=base)
            return
        name = self.newname()
        g = self.pick(["dt_global", "dt_gdouble", "dt_garr", "dt_gpt", "dt_add", "dt_nope", "dt_missing"])
        self.emit("%s = ffi.addressof(lib, %r)" % (name, g))
        types = {"dt_global": m.INT, "dt_gdouble": m.BY_NAME["double"], "dt_gpt": clibdecl.PT}
        if g in types:
            self.add(Var(name, "ptr", m.Ptr(types[g]), set(), lo=0, hi=1))
        elif g == "dt_garr":
            # cffi gives the array itself, 'int[4]' (not a pointer to it)
            self.add(Var(name, "arr", m.Arr(m.INT, 4), set(), n=4))

    def op_protocol(self):
        vs = self.live("ptr", "arr", "rec", "prim", "fptr", pred=lambda v: not v.addr)
        if not vs:
            return self.op_new()
        v = self.pick(vs)
        n = v.name
        c = ["repr(%s)", "str(%s)", "bool(%s)", "len(%s)", "%s == %s", "%s != None",
             "%s == ffi.NULL", "isinstance(%s, ffi.CData)", "dir(%s)"]
        if v.kind == "prim" and not v.addr:
            if m.resolve(v.t) is not m.BY_NAME["long double"]:
                c.append("hash(%s)")   # cffi hashes a long double by address
            c += ["int(%s)", "float(%s)", "complex(%s)", "%s < %s",
                  "%s == 5", "-%s", "%s + 1", "%s * 2", "abs(%s)", "%s.__index__()",
                  "[0, 1, 2][%s]", "round(%s)"]
            others = self.live("prim", pred=lambda w: not w.addr)
            if others:
                o = self.pick(others)
                c += ["%%s == %s" % o.name, "%%s < %s" % o.name, "%%s >= %s" % o.name]
        if v.kind == "ptr" and v.hi is None and not v.deps and not v.addr:
            c += ["%s + 3", "%s - 1"]
        if v.kind in ("arr",):
            c += ["list(%s)", "[x for x in %s]", "%s + 1", "%s + %d" % ("%s", v.n),
                  "len(list(iter(%s)))", "%s - 1 == %s"]
        if v.kind == "ptr":
            c += ["list(%s)", "iter(%s)", "len(%s)"]
            same = self.live("ptr", "arr", pred=lambda w: w.base and v.base and w.base[0] == v.base[0])
            if same:
                o = self.pick(same)
                if m.spell(o.t.item) == m.spell(v.t.item):
                    c += ["%%s - %s" % o.name, "%%s < %s" % o.name, "%%s <= %s" % o.name,
                          "%%s == %s" % o.name, "%%s > %s" % o.name]
        if v.kind == "rec":
            c += ["list(%s)", "%s == %s", "dir(%s)"]
        if v.kind == "fptr":
            c += ["%s == lib.dt_add", "bool(%s)"]
        tmpl = self.pick(c)
        self.emit(tmpl.replace("%s", n))

    # ---------------------------------------------------------------- calls
    def op_call(self):
        r = self.r.random()
        if r < 0.35:
            self.emit(self.scalar_call())
        elif r < 0.55:
            self.emit(self.pointer_call())
        elif r < 0.7:
            self.emit(self.struct_call())
        elif r < 0.8:
            self.emit(self.variadic_call())
        elif r < 0.9:
            self.emit(self.global_op())
        else:
            self.emit(self.errno_op())

    def scalar_call(self):
        fns = [("dt_sc", ["signed char"] * 2), ("dt_uc", ["unsigned char"]),
               ("dt_s", ["short"] * 2), ("dt_us", ["unsigned short"]),
               ("dt_add", ["int"] * 2), ("dt_u", ["unsigned int"]),
               ("dt_l", ["long"] * 2), ("dt_ll", ["long long", "int"]),
               ("dt_ull", ["unsigned long long"] * 2), ("dt_not", ["_Bool"]),
               ("dt_nextc", ["char"]), ("dt_wc", ["wchar_t"]), ("dt_f", ["float"] * 2),
               ("dt_d", ["double", "int", "float"]), ("dt_ld", ["long double"] * 2),
               ("dt_i8", ["int8_t"]), ("dt_u64", ["uint64_t"]), ("dt_size", ["size_t"]),
               ("dt_many", ["int", "double", "long", "float", "char", "short",
                            "unsigned long long", "double", "int", "float", "double",
                            "double", "double", "double", "double"])]
        fn, args = self.pick(fns)
        good = self.chance(0.8)
        vals = [self.value(m.BY_NAME[a], good or self.chance(0.6)) for a in args]
        if fn == "dt_ld" and vals[1] in ("0", "-0.0", "False"):
            vals[1] = "2.0"
        if not good and self.chance(0.3):
            vals = vals[:-1] if self.chance(0.5) else vals + ["1"]
        if fn == "dt_ld":
            return "float(lib.dt_ld(%s))" % ", ".join(vals)
        if self.chance(0.15):
            # the same call through a function-pointer cdata
            return "ffi.cast(%r, lib.%s)(%s)" % (
                "%s(*)(%s)" % (self.ret_of(fn), ", ".join(args)), fn, ", ".join(vals))
        return "lib.%s(%s)" % (fn, ", ".join(vals))

    def ret_of(self, fn):
        for d in clibdecl.DECLS:
            if " %s(" % fn in d or "*%s(" % fn in d:
                return d.split(fn + "(")[0].strip()
        return "int"

    def pointer_call(self):
        r = self.r.random()
        ints = self.live("arr", pred=lambda v: m.spell(v.t.item) == "int" and not v.readonly)
        if r < 0.25:
            if ints and self.chance(0.7):
                v = self.pick(ints)
                return "lib.dt_sum(%s, %d)" % (v.name, self.r.randint(0, v.n))
            return "lib.dt_sum(%s)" % self.pick(["[1, 2, 3], 3", "(5, -1), 2", "ffi.NULL, 0",
                                                  "None, 0", "[1, 'x'], 2", "b'abcd', 1",
                                                  "ffi.new('short[3]'), 3", "[2**40], 1"])
        if r < 0.4:
            if ints:
                v = self.pick(ints)
                return "lib.dt_fill(%s, %d, %s)\n_out = list(%s)" % (
                    v.name, self.r.randint(0, v.n), self.value(m.INT, True), v.name)
            return "lib.dt_fill(ffi.new('int[2]'), 2, 7)"
        if r < 0.55:
            chars = self.live("arr", pred=lambda v: m.spell(v.t.item) == "char" and v.n > 0)
            srcs = ["b'hello'", "b''", "'str'", "None", "ffi.new('char[]', b'xyz')"]
            if chars and self.chance(0.5):
                v = self.pick(chars)
                # the source must be NUL-terminated inside the array
                return "%s[%d] = b'\\x00'\n_out = lib.dt_strlen(%s)" % (v.name, v.n - 1, v.name)
            return "lib.dt_strlen(%s)" % self.pick(srcs)
        if r < 0.65:
            chars = self.live("arr", pred=lambda v: m.spell(v.t.item) == "char" and v.n > 0
                              and not v.readonly)
            if chars:
                v = self.pick(chars)
                return "_out = ffi.string(lib.dt_upper(%s, b'mixed Case!', %d))" % (
                    v.name, self.r.randint(0, v.n))
            # the result points into the first argument: it must outlive the call
            return "_t = ffi.new('char[8]')\n_out = ffi.string(lib.dt_upper(_t, b'abc', 8))"
        if r < 0.8:
            vs = self.live("ptr", "arr")
            arg = self.pick([v.name for v in vs] + ["ffi.NULL", "None", "5", "b'x'", "[1]"])
            fn = self.pick(["dt_id", "dt_isnull"])
            if fn == "dt_id":
                return "lib.dt_id(%s) == %s" % (arg, arg)
            return "lib.dt_isnull(%s)" % arg
        pts = self.live("ptr", pred=lambda v: m.spell(v.t.item) == "struct dt_pt" and isinstance(v.hi, int)
                        and v.lo <= 0 < v.hi and not v.readonly)
        if pts:
            v = self.pick(pts)
            return "_out = (lib.dt_ptinc(%s) == %s, %s.x)" % (v.name, v.name, v.name)
        return "lib.dt_ptinc(%s)" % self.pick(["ffi.NULL", "ffi.new('struct dt_pt *', [1, 2])",
                                                "ffi.new('int *')"])

    def struct_call(self):
        r = self.r.random()
        if r < 0.2:
            return "_out = lib.dt_mkpt(%s, %s)\n_out = (_out.x, _out.y)" % (
                self.value(m.INT, True), self.value(m.INT, self.chance(0.8)))
        if r < 0.4:
            recs = self.live("rec", pred=lambda v: v.t is clibdecl.PT)
            arg = self.pick([v.name for v in recs] + [self.full_value(clibdecl.PT), "{'x': 2**40, 'y': 0}",
                                                      "ffi.new('struct dt_pt *')", "ffi.new('struct dt_pt *')[0]"])
            return "lib.dt_ptsum(%s)" % arg
        if r < 0.55:
            return "_out = lib.dt_bigscale(%s, %s)\n_out = (_out.a, list(_out.b), _out.c)" % (
                self.full_value(clibdecl.BIG), self.value(m.INT, True))
        if r < 0.65:
            return "_out = lib.dt_flswap(%s)\n_out = (_out.a, _out.b)" % self.full_value(clibdecl.FL)
        if r < 0.75:
            return "_out = lib.dt_mixed(%s, %d)\n_out = (_out.c, _out.d, _out.s)" % (
                self.full_value(clibdecl.MIX), self.r.randint(-3, 3))
        if r < 0.85:
            return "lib.dt_bfsum(%s)" % self.full_value(clibdecl.BF)
        return "lib.dt_uni(%s)" % self.full_value(clibdecl.UN)

    def variadic_call(self):
        fn, ct = self.pick([("dt_vsum", ["int", "short", "char", "signed char", "unsigned short",
                                         "_Bool", "int32_t"]),
                            ("dt_vsumd", ["double"]), ("dt_vll", ["long long", "int64_t"])])
        k = self.r.randint(0, 4)
        args = []
        for _ in range(k):
            t = self.pick(ct)
            if t == "char":
                args.append("ffi.cast('char', %s)" % self.pick(["b'a'", "65"]))
            elif t == "double":
                args.append("ffi.cast('double', %s)" % self.pick(["1.5", "-2", "1e100"]))
            else:
                args.append("ffi.cast(%r, %d)" % (t, self.r.randint(-100, 100)))
        if self.chance(0.2):
            args.append(self.pick(["1", "2.5", "b'x'", "None"]))
            k += 1
        return "lib.%s(%s)" % (fn, ", ".join([str(k)] + args))

    def global_op(self):
        return self.pick([
            "lib.dt_global", "lib.dt_global = %s\n_out = lib.dt_global" % self.value(m.INT, self.chance(0.7)),
            "lib.dt_gdouble", "lib.dt_gdouble = %s\n_out = lib.dt_gdouble" % self.value(m.BY_NAME["double"], self.chance(0.7)),
            "list(lib.dt_garr)", "lib.dt_garr[%d]" % self.r.randint(-1, 4),
            "lib.dt_garr[1] = %s" % self.value(m.INT, self.chance(0.7)),
            "(lib.dt_gpt.x, lib.dt_gpt.y)", "lib.dt_gpt = %s" % self.value(clibdecl.PT, self.chance(0.7)),
            "lib.dt_gptr", "lib.dt_gptr = ffi.NULL", "lib.dt_gptr = b'abc'",
            "ffi.string(lib.dt_gmsg)", "lib.dt_nope",
            "lib.dt_missing", "lib.dt_missing(1)", "lib.dt_add", "lib.__name__",
            "ffi.dlopen('/nonexistent/libnope.so')", "ffi.dlopen(5)",
            "(lambda l: (ffi.dlclose(l), l.dt_add))(ffi.dlopen(CLIB))",
            "(lambda l: (ffi.dlclose(l), ffi.dlclose(l)))(ffi.dlopen(CLIB))",
            "sorted(dir(lib))[:3]", "lib.dt_garr = [1, 2, 3, 4]",
        ])

    def errno_op(self):
        return self.pick([
            "ffi.errno = %d\n_out = lib.dt_errno_get()" % self.r.randint(0, 40),
            "lib.dt_errno_set(%d)\n_out = ffi.errno" % self.r.randint(0, 40),
            "ffi.errno = %s" % self.pick(["'x'", "2**40", "None", "-1"]),
            "ffi.errno",
        ])

    # ---------------------------------------------------------------- callbacks
    CB_BODIES = {
        "int(int)": ["lambda x: x * 2", "lambda x: x + 2**40", "lambda x: 1 // 0",
                     "lambda x: None", "lambda x: 'a'", "lambda x: x if x < 3 else raise_(ValueError('big'))",
                     "lambda x: (setattr(ffi, 'errno', x + 1), x)[1]", "lambda x: -x",
                     "lambda x: ffi.cast('int', x)", "lambda x, y: x", "lambda x: 1.5"],
        "double(double, double)": ["lambda a, b: a - b", "lambda a, b: a / b", "lambda a, b: 'x'",
                                   "lambda a, b: 10**400", "lambda a, b: float('nan')"],
        "float(float)": ["lambda a: a * 3", "lambda a: 1e300", "lambda a: None"],
        "struct dt_pt(struct dt_pt)": ["lambda p: {'x': p.x + 1, 'y': p.y}", "lambda p: p",
                                       "lambda p: [p.y, p.x]", "lambda p: 5",
                                       "lambda p: {'x': 2**40}"],
        "void(int *, int)": ["lambda p, n: [p.__setitem__(i, i * i) for i in range(n)] and None",
                             "lambda p, n: 7", "lambda p, n: raise_(KeyError(n))"],
        "long long(long long, signed char)": ["lambda a, b: a * b", "lambda a, b: 2**63",
                                              "lambda a, b: b"],
        "_Bool(int)": ["lambda x: x % 3", "lambda x: x > 0", "lambda x: 'yes'", "lambda x: bool(x)"],
        "char(char)": ["lambda c: c.upper()", "lambda c: 65", "lambda c: b'ab'", "lambda c: c"],
        "unsigned short(unsigned short, unsigned char)": ["lambda a, b: a + b", "lambda a, b: -1",
                                                          "lambda a, b: 70000"],
        "const char *(int)": ["lambda i: lib.dt_str(i % 4)", "lambda i: ffi.NULL", "lambda i: b'x'"],
        "int(struct dt_big, double)": ["lambda b, d: b.b[0] + int(d * 10)", "lambda b, d: b.c[0]",
                                       "lambda b, d: len(b.b)"],
    }

    def op_callback(self):
        r = self.r.random()
        cbs = self.live("fptr", pred=lambda v: v.callable_sig is not None)
        if r < 0.45 and cbs:
            v = self.pick(cbs)
            sig = v.callable_sig
            fn = clibdecl.CALLBACK_SIGS.get(sig)
            if fn is None:
                return self.emit("%s(%s)" % (v.name, ", ".join(self.cb_args(v))))
            call = {
                "dt_call": "lib.dt_call(%s, %s)" % (v.name, self.value(m.INT, True)),
                "dt_calld": "lib.dt_calld(%s, 1.5, %s)" % (v.name, self.pick(["0.5", "0.0", "-2"])),
                "dt_callf": "lib.dt_callf(%s, 2.5)" % v.name,
                "dt_callpt": "_out = lib.dt_callpt(%s, [3, 4])\n_out = (_out.x, _out.y)" % v.name,
                "dt_callv": "_out = ffi.new('int[4]')\nlib.dt_callv(%s, _out, %d)\n_out = list(_out)" % (
                    v.name, self.r.randint(0, 4)),
                "dt_callll": "lib.dt_callll(%s, %d, %d)" % (v.name, self.r.randint(-9, 9), self.r.randint(-128, 127)),
                "dt_callb": "lib.dt_callb(%s, %d)" % (v.name, self.r.randint(-2, 5)),
                "dt_callc": "lib.dt_callc(%s, b'q')" % v.name,
                "dt_callus": "lib.dt_callus(%s, %d)" % (v.name, self.r.randint(0, 65535)),
                "dt_calls": "_out = lib.dt_calls(%s, %d)\n_out = ffi.string(_out) if _out else None" % (
                    v.name, self.r.randint(0, 5)),
                "dt_callbig": "lib.dt_callbig(%s, [1.0, [4, 5], b'z'])" % v.name,
            }[fn]
            if fn == "dt_call" and self.chance(0.3):
                call = self.pick(["lib.dt_callmany(%s, %d)" % (v.name, self.r.randint(0, 6)),
                                  "lib.dt_callerr(%s, %d)" % (v.name, self.r.randint(0, 30)),
                                  "%s(%s)" % (v.name, self.value(m.INT, self.chance(0.8)))])
            self.emit(call)
            return
        name = self.newname()
        if r < 0.8:
            sig = self.pick(list(self.CB_BODIES))
            body = self.pick(self.CB_BODIES[sig])
        else:
            f = self.functype()
            sig = m.spell(f)
            body = "lambda *a: %s" % (self.value(f.ret, self.chance(0.8)) if f.ret is not m.VOID else "None")
        kw = ""
        ret = None
        for piece in sig.split("(")[:1]:
            ret = piece.strip()
        if self.chance(0.4) and ret != "void":
            kw += ", error=%s" % self.pick(["-1", "7", "0", "2**70", "'e'", "None", "1.5"]) if not ret.startswith("struct") \
                else ""
        if self.chance(0.35):
            kw += ", onerror=%s" % self.pick(["onerr('oe%s', %s)" % (name[1:], self.pick(["None", "11", "'bad'"])),
                                              "lambda e, v, tb: 1 // 0", "5"])
        form = self.r.random()
        if form < 0.8:
            src = "ffi.callback(%r, %s%s)" % (sig, body, kw)
        elif form < 0.9:
            src = "ffi.callback(%r%s)(%s)" % (sig, kw, body)
        else:
            src = "ffi.callback(%r, %s%s)" % (self.pick(["int", "int(int, ...)", "int(*)(int)",
                                                         "struct dt_pt", "int[3]"]), body, kw)
            self.emit(src)
            return
        self.emit("%s = %s" % (name, src))
        v = self.add(Var(name, "fptr", None, {name}, callable_sig=sig))
        v.cbf = None if sig in self.CB_BODIES else f

    def cb_args(self, v):
        f = getattr(v, "cbf", None)
        if f is None:
            return ["1"]
        return [self.value(a, self.chance(0.85)) for a in f.args]

    def op_handle(self):
        hs = self.live("handle")
        if hs and self.chance(0.6):
            h = self.pick(hs)
            self.emit(self.pick(["ffi.from_handle(%s) is OBJ%s" % (h.name, h.name),
                                 "ffi.from_handle(ffi.cast('void *', %s)) is OBJ%s" % (h.name, h.name),
                                 "%s == ffi.cast('void *', %s)" % (h.name, h.name),
                                 "ffi.from_handle(%s)" % h.name]))
            return
        name = self.newname()
        if self.chance(0.1):
            self.emit("ffi.from_handle(%s)" % self.pick(["ffi.NULL", "5", "None"]))
            return
        self.emit("OBJ%s = [%d]\n%s = ffi.new_handle(OBJ%s)\n_out = ffi.typeof(%s)" % (
            name, self.r.randint(0, 9), name, name, name))
        self.add(Var(name, "handle", m.Ptr(m.VOID), {name}, hi=None))

    def op_allocator(self):
        allocs = self.live("alloc")
        if allocs and self.chance(0.6):
            a = self.pick(allocs)
            name = self.newname()
            t = self.pick([m.Arr(m.INT, 3), m.Ptr(m.INT), m.Arr(m.CHAR, 4)] + [m.Ptr(r) for r in self.recs[:2]])
            init = self.value(t, self.chance(0.85)) if self.chance(0.6) else None
            src = "%s(%r%s)" % (a.name, self.ts(t), ", " + init if init else "")
            if getattr(a, "null", False):
                self.emit(src)
                return
            self.emit("%s = %s" % (name, src))
            if isinstance(t, m.Arr):
                self.derive(a, name, "arr", t, own=True, n=t.n, releasable=True, base=(name, 0))
            else:
                self.derive(a, name, "ptr", t, own=True, lo=0, hi=1, releasable=True, base=(name, 0))
            return
        name = self.newname()
        form = self.r.random()
        if form < 0.5:
            src = ("ffi.new_allocator(alloc=lambda n: (LOG.append('alloc'), ffi.new('char[]', n))[1], "
                   "free=mkd('free%s'), should_clear_after_alloc=%s)" % (name[1:], self.pick(["True", "False"])))
            null = False
        elif form < 0.75:
            src = "ffi.new_allocator(should_clear_after_alloc=True)"
            null = False
        elif form < 0.85:
            src = "ffi.new_allocator(alloc=lambda n: ffi.NULL)"
            null = True
        else:
            src = "ffi.new_allocator(%s)" % self.pick(["alloc=lambda n: 5", "free=5", "free=mkd('x')",
                                                     "alloc=5"])
            null = True
        self.emit("%s = %s" % (name, src))
        v = self.add(Var(name, "alloc", None, set()))
        v.null = null

    # ---------------------------------------------------------------- misuse
    def op_misuse(self):
        """Use something that died (misuse programs only)."""
        dead = [v for v in self.vars if v.dead and v.kind in ("ptr", "arr", "rec", "buf", "fptr")]
        if not dead:
            return self.op_kill()
        v = self.pick(dead)
        n = v.name
        if v.kind == "buf":
            c = ["%s[:]", "bytes(%s)", "%s[0]", "%s[0] = 1", "%s[:] = bytes(len(%s))",
                 "len(%s)", "memoryview(%s).tobytes()", "ffi.from_buffer(%s)[0]"]
        elif v.kind == "rec":
            fs = m.resolve(v.t).named_fields() if isinstance(m.resolve(v.t), m.Rec) else []
            c = ["repr(%s)", "ffi.buffer(%s)[:]", "ffi.addressof(%s)"]
            for fname, _ in fs[:3]:
                c += ["%%s.%s" % fname, "%%s.%s = 0" % fname]
        elif v.kind == "fptr":
            c = ["repr(%s)", "bool(%s)"]
        else:
            c = ["%s[0]", "%s[0] = 0", "ffi.buffer(%s)[:]", "ffi.buffer(%s)[0:1] = b'x'",
                 "repr(%s)", "bool(%s)", "ffi.release(%s)", "list(%s)[:3]" if v.kind == "arr" else "repr(%s)",
                 "ffi.string(%s)" if v.kind == "arr" else "%s[0]", "ffi.unpack(%s, 2)",
                 "%s[0:2]", "%s[0:2] = [0, 0]", "ffi.memmove(%s, b'abcd', 4)",
                 "ffi.memmove(bytearray(4), %s, 4)", "ffi.from_buffer(ffi.buffer(%s))[0]",
                 "ffi.cast('int *', %s)[0]", "(%s + 1)[0]", "ffi.gc(%s, mkd('late'))",
                 "lib.dt_sum(ffi.cast('int *', %s), 1)", "lib.dt_isnull(%s)",
                 "ffi.from_buffer('int[]', ffi.buffer(%s))", "ffi.addressof(%s, 0)",
                 "ffi.sizeof(%s)", "len(%s)", "%s == %s", "ffi.typeof(%s)"]
            it = m.resolve(v.t.item) if v.t is not None and hasattr(v.t, "item") else None
            if isinstance(it, m.Rec):
                for fname, _ in it.named_fields()[:3]:
                    c += ["%%s.%s" % fname, "%%s.%s = 1" % fname, "%%s[0].%s" % fname]
            c += ["with %s: pass"]
        self.emit(self.pick(c).replace("%s", n))

    def op_kill(self):
        """Kill an owner while things depending on it stay in use."""
        roots = self.live(pred=lambda v: v.releasable)
        r = self.r.random()
        if roots and r < 0.45:
            v = self.pick(roots)
            self.emit("ffi.release(%s)" % v.name)
            self.kill(v)
            return
        if roots and r < 0.75:
            v = self.pick(roots)
            self.emit("del %s\ngc.collect()" % v.name)
            self.kill(v)
            return
        if r < 0.85:
            arrs = self.live("arr", pred=lambda w: w.releasable and m.is_int(w.t.item) and w.n >= 3)
            if arrs:
                v = self.pick(arrs)
                self.emit("%s[0:3] = gen_then([1, 2, 3], lambda: ffi.release(%s))" % (v.name, v.name))
                self.kill(v)
                return
        # a big array, a view of it, then the owner goes
        name = self.newname()
        self.emit("%s = ffi.new('int[]', %d)" % (name, self.pick([1 << 16, 1 << 20])))
        v = self.add(Var(name, "arr", m.Arr(m.INT, 1 << 16), {name}, n=1 << 16, releasable=True,
                         base=(name, 0)))
        for _ in range(self.r.randint(1, 3)):
            self.pick([self.op_buffer, self.op_cast, self.op_slice, self.op_from_buffer])()

    # ---------------------------------------------------------------- driver
    WEIGHTS = [
        ("op_new", 14), ("op_cast", 10), ("op_index", 12), ("op_slice", 7), ("op_field", 14),
        ("op_string", 5), ("op_unpack", 3), ("op_buffer", 8), ("op_from_buffer", 5),
        ("op_bytearray", 1), ("op_release", 3), ("op_gc", 3), ("op_del", 2), ("op_meta", 8),
        ("op_addressof", 4), ("op_protocol", 10), ("op_call", 10), ("op_callback", 7),
        ("op_handle", 2), ("op_allocator", 2), ("op_fptr_field", 2),
    ]

    def generate(self, n_ops):
        self.gen_decls()
        total = sum(w for _, w in self.WEIGHTS)
        misuse = self.kind == "misuse"
        while len(self.ops) < n_ops:
            if misuse and self.chance(0.25):
                getattr(self, self.pick(["op_misuse", "op_misuse", "op_kill"]))()
                continue
            x = self.r.uniform(0, total)
            for meth, w in self.WEIGHTS:
                x -= w
                if x <= 0:
                    break
            getattr(self, meth)()
        return {"decls": self.decls, "ops": self.ops, "kind": self.kind}


def generate(seed, kind="defined", n_ops=None):
    g = Gen(seed, kind)
    if n_ops is None:
        n_ops = g.r.randint(15, 60)
    prog = g.generate(n_ops)
    prog["seed"] = seed
    return prog


def steps(prog):
    """The program as the child runs it: cdef, dlopen, then the ops."""
    return (["ffi.cdef(%r)" % "\n".join(prog["decls"]), "lib = ffi.dlopen(CLIB)"]
            + list(prog["ops"]))
