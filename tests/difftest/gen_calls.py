"""Program generator: calls into clib.c (scalars, pointers, structs by
value, variadic), globals, errno, callbacks, handles and allocators."""

from . import clibdecl
from . import model as m
from .gen_var import Var


class CallsMixin:
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
