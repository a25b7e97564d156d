"""Program generator: Python source of values for a C type (initialisers,
good and bad, and arguments of ffi.cast)."""

from . import model as m


class ValuesMixin:
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
