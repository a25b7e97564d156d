"""The generator's record of one variable of a program (tests/difftest/gen.py)."""


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
