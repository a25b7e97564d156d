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

``generate(seed, kind)`` is a pure function of its arguments. The kinds of
steps live in mixins, one file each: gen_decls (the cdef), gen_values
(initialisers), gen_memory (new, cast, index, slice, field, string,
unpack), gen_lifetime (buffers, release/with/gc/del, misuse), gen_meta
(type queries, addressof, the cdata protocol), gen_calls (calls, callbacks,
handles, allocators); gen_var has the per-variable record.
"""

import random

from .gen_calls import CallsMixin
from .gen_decls import DeclsMixin
from .gen_lifetime import LifetimeMixin
from .gen_memory import MemoryMixin
from .gen_meta import MetaMixin
from .gen_values import ValuesMixin
from .gen_var import Var


class Gen(DeclsMixin, ValuesMixin, MemoryMixin, LifetimeMixin, MetaMixin, CallsMixin):
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
    if kind.startswith("api"):
        from . import gen_api
        return gen_api.generate(seed, kind, n_ops)
    g = Gen(seed, kind)
    if n_ops is None:
        n_ops = g.r.randint(15, 60)
    prog = g.generate(n_ops)
    prog["seed"] = seed
    return prog


def steps(prog):
    """The program as the child runs it: cdef, dlopen, then the ops (an
    API-mode program: cdef, compile and import, then the ops)."""
    if prog["kind"].startswith("api"):
        from . import gen_api
        return gen_api.steps(prog)
    return (["ffi.cdef(%r)" % "\n".join(prog["decls"]), "lib = ffi.dlopen(CLIB)"]
            + list(prog["ops"]))
