"""Program generator: steps that make and touch cdata memory (new, cast,
indexing, slices, fields, string, unpack)."""

import ast

from . import model as m
from .gen_var import Var


class MemoryMixin:
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
