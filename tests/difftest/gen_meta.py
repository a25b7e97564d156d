"""Program generator: type queries (sizeof, alignof, offsetof, typeof,
getctype, ctype attributes, bad cdefs and type strings), addressof and the
cdata protocol (repr, bool, int, len, hash, comparisons, iteration)."""

from . import clibdecl
from . import model as m
from .gen_var import Var

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


class MetaMixin:
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
                # cffi hashes a long double by address; a NaN hashes by the
                # identity of a temporary float (Python >= 3.10): not compared
                c.append("hash(%s) if %s == %s else 'nan'")
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
