"""Program generator: the cdef of a program (enums, typedefs, records with
nested and anonymous members, bitfields, flexible array members) and the
types its steps use."""

from . import clibdecl
from . import model as m


class DeclsMixin:
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
