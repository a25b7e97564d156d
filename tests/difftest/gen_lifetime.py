"""Program generator: buffers, from_buffer, and what ends a cdata's life
(release, with, gc, del), plus the misuse steps that use it afterwards."""

import ast

from . import model as m
from .gen_var import Var


class LifetimeMixin:
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
                 # C reads the pointer: a NULL one (a pointer field of a
                 # zeroed struct) crashes any FFI, so only a non-NULL one
                 # is passed (DT48)
                 "lib.dt_sum(ffi.cast('int *', %s), 1) if %s != ffi.NULL else None",
                 "lib.dt_isnull(%s)",
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
