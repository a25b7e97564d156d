"""Every cdef text the test suites pass to ``.cdef(...)``, found by reading
their sources with ``ast`` (no test module is imported or run).

The argument of each ``X.cdef(ARG, ...)`` call is evaluated statically:
string constants; f-strings, ``+``, ``%``, ``*``, ``str.join``,
``.replace``, ``.strip``, ``.format`` and ``textwrap.dedent`` of values
that can themselves be evaluated; names bound once (in the function, at
module level, or imported from another test module); ``pathlib`` paths
read with ``.read_text()`` (the ``testlib_cdef`` fixture). A name that is
a parameter is followed: to the values of a ``pytest.mark.parametrize``
of it, to its default, to the matching argument of every call of the
function (in the same file; for a function of a ``conftest.py``, in every
file beside or below it), and to the fixture of that name.

What cannot be evaluated is reported with its kind (a loop variable, a
value computed at run time, a parameter no call site gives, ...), never
dropped: see :func:`find`."""

import ast
import pathlib
import re
import textwrap

MAX_DEPTH = 12  # calls followed through helpers (a helper calling itself stops here)


class Unevaluable(Exception):
    """The argument's value is not known without running the test; the
    message is its kind."""


class Failed:
    """A value that could not be evaluated on one path (one call site, one
    parametrize row): the others still count."""

    def __init__(self, kind):
        self.kind = kind


class Site:
    """One cdef text: where it is passed to ``.cdef()`` (``where``, as
    ``dir/file.py:LINE``, followed by the call sites it came through)."""

    def __init__(self, where, text, kwds):
        self.where = where
        self.text = text
        self.kwds = kwds

    def __repr__(self):
        return "Site(%s)" % self.where


class _Source:
    """One parsed test file: its tree, each node's parent, its module-level
    bindings."""

    def __init__(self, root, path):
        self.path = path
        self.rel = path.relative_to(root).as_posix()
        self.tree = ast.parse(path.read_text(), str(path))
        self.parent = {}
        self.calls = {}  # function name -> the calls of it by that name
        for node in ast.walk(self.tree):
            for child in ast.iter_child_nodes(node):
                self.parent[child] = node
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                self.calls.setdefault(node.func.id, []).append(node)

    def scopes(self, node):
        """The functions enclosing 'node', innermost first."""
        out = []
        while node in self.parent:
            node = self.parent[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                out.append(node)
        return out


def _params(fn):
    a = fn.args
    return a.posonlyargs + a.args + a.kwonlyargs


def _bindings(body_owner, name, source):
    """How 'name' is bound directly in a function or module (not in nested
    functions): ('assign', value node) if once by a plain assignment,
    ('loop', None) if by a for/with/comprehension/unpacking, None if not
    at all."""
    found = []
    stack = list(ast.iter_child_nodes(body_owner))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            if getattr(node, "name", None) == name:
                found.append(("other", None))
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    found.append(("assign", node.value))
                elif any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                    found.append(("unpack", None))
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            if isinstance(node.target, ast.Name) and node.target.id == name:
                found.append(("assign", node.value) if isinstance(node, ast.AnnAssign) else ("augmented", None))
        elif isinstance(node, ast.For):
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.target)):
                found.append(("for", node))
        elif isinstance(node, (ast.AsyncFor, ast.comprehension)):
            if any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.target)):
                found.append(("loop", None))
        elif isinstance(node, (ast.withitem,)):
            if node.optional_vars is not None and any(
                    isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.optional_vars)):
                found.append(("with", None))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if (alias.asname or alias.name.split(".")[0]) == name:
                    found.append(("import", node))
        elif isinstance(node, ast.NamedExpr) and node.target.id == name:
            found.append(("loop", None))
        stack.extend(ast.iter_child_nodes(node))
    if not found:
        return None
    if len(found) > 1:
        return ("rebound", None)
    return found[0]


class Finder:
    def __init__(self, root):
        self.root = pathlib.Path(root).resolve()
        self.sources = {}

    def source(self, path):
        path = pathlib.Path(path).resolve()
        if path not in self.sources:
            self.sources[path] = _Source(self.root, path)
        return self.sources[path]

    # ---------------------------------------------------------- evaluation
    #
    # values(src, node, env) -> [(value, via, env)]: every value 'node' (an
    # expression of 'src') can have. 'via' lists the call sites followed;
    # 'env' records which call site (or parametrize row) each function's
    # parameters were taken from, so that two parameters of one function
    # always come from the same call.

    def values(self, src, node, env=(), depth=0):
        if depth > MAX_DEPTH:
            raise Unevaluable("a helper followed more than %d calls deep" % MAX_DEPTH)
        parts = lambda nodes, make: self.combine(src, nodes, make, env, depth)  # noqa: E731
        if node is None or isinstance(node, ast.Constant):
            return [(None if node is None else node.value, [], env)]
        if isinstance(node, ast.Name):
            return self.name_values(src, node, node.id, env, depth)
        if isinstance(node, ast.JoinedStr):
            return parts(node.values, "".join)
        if isinstance(node, ast.FormattedValue):
            conv = {-1: lambda v: v, 115: str, 114: repr, 97: ascii}[node.conversion]
            return parts([node.value, node.format_spec], lambda p: format(conv(p[0]), p[1] or ""))
        if isinstance(node, (ast.Tuple, ast.List)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                raise Unevaluable("a starred item")
            return parts(node.elts, tuple if isinstance(node, ast.Tuple) else list)
        if isinstance(node, ast.Dict):
            if None in node.keys:
                raise Unevaluable("a dict with **items")
            return parts(node.keys + node.values, lambda p: dict(zip(p[:len(p) // 2], p[len(p) // 2:])))
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            return parts(node.values, lambda p: next((v for v in p if v), p[-1]))
        if isinstance(node, ast.BinOp):
            ops = {ast.Add: lambda a, b: a + b, ast.Mod: lambda a, b: a % b, ast.Mult: lambda a, b: a * b,
                   ast.Div: lambda a, b: a / b}
            if type(node.op) not in ops:
                raise Unevaluable("the operator %s" % type(node.op).__name__)
            return parts([node.left, node.right], lambda p: ops[type(node.op)](*p))
        if isinstance(node, ast.Subscript):
            return parts([node.value, node.slice], lambda p: p[0][p[1]])
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id == "re" and node.attr in ("M", "MULTILINE", "S"):
                return [(getattr(re, node.attr), [], env)]
            if node.attr in ("parent", "name", "stem"):
                return parts([node.value], lambda p: getattr(self.as_path(p[0]), node.attr))
            raise Unevaluable("an attribute (.%s)" % node.attr)
        if isinstance(node, ast.Call):
            return self.call_values(src, node, env, depth)
        raise Unevaluable("a %s expression" % type(node).__name__)

    @staticmethod
    def as_path(value):
        if not isinstance(value, pathlib.PurePath):
            raise Unevaluable("a path operation on a %s" % type(value).__name__)
        return value

    def call_values(self, src, node, env, depth):
        func = node.func
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise Unevaluable("a call with *arguments or **keywords")
        names = [k.arg for k in node.keywords]
        n = len(node.args)

        def call(fn, check=None):
            def make(p):
                if check is not None and not isinstance(p[0], check):
                    raise Unevaluable("a call of .%s() on a %s" % (func.attr, type(p[0]).__name__))
                return fn(*p[:n + 1 if check else n], **dict(zip(names, p[n + 1 if check else n:])))
            nodes = ([func.value] if check else []) + node.args + [k.value for k in node.keywords]
            return self.combine(src, nodes, make, env, depth)

        if isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if (owner, func.attr) == ("textwrap", "dedent"):
                return call(textwrap.dedent)
            if (owner, func.attr) == ("pathlib", "Path"):
                return call(pathlib.Path)
            if (owner, func.attr) == ("re", "sub"):
                return call(re.sub)
            methods = {"join": str.join, "replace": str.replace, "strip": str.strip, "lstrip": str.lstrip,
                       "rstrip": str.rstrip, "format": str.format, "split": str.split, "upper": str.upper, "lower": str.lower}
            if func.attr in methods:
                return call(methods[func.attr], str)
            if func.attr == "read_text":
                return call(lambda path, **_: self.read(path), pathlib.PurePath)
            if func.attr == "resolve":
                return call(lambda path: path.resolve(), pathlib.PurePath)
            raise Unevaluable("a call of .%s()" % func.attr)
        if isinstance(func, ast.Name) and func.id == "str":
            return call(str)
        raise Unevaluable("a call of %s" % (func.id if isinstance(func, ast.Name) else "a computed function"))

    def read(self, path):
        path = self.as_path(path).resolve()
        if not path.is_relative_to(self.root):
            raise Unevaluable("a file outside tests/")
        return path.read_text()

    def combine(self, src, nodes, make, env, depth):
        """Every combination of the values of 'nodes' (evaluated in turn,
        each under the choices the earlier ones made), made into one."""
        out = [((), [], env)]
        for node in nodes:
            out = [(vals + (v,), via + v_via, e2)
                   for vals, via, e in out for v, v_via, e2 in self.values(src, node, e, depth)]
        result = []
        for vals, via, e in out:
            failed = next((v for v in vals if isinstance(v, Failed)), None)
            if failed is not None:
                result.append((failed, via, e))
                continue
            try:
                result.append((make(vals), via, e))
            except Unevaluable:
                raise
            except Exception as exc:  # the test's own values do not combine: not a cdef text
                raise Unevaluable("an expression that fails (%s)" % type(exc).__name__) from None
        return result

    def name_values(self, src, node, name, env, depth):
        if name == "__file__":
            return [(src.path, [], env)]
        for fn in src.scopes(node):
            if not isinstance(fn, ast.Lambda):
                bound = _bindings(fn, name, src)
                if bound is not None:
                    return self.bound_values(src, bound, name, env, depth)
            if name in [a.arg for a in _params(fn)]:
                return self.param_values(src, fn, name, env, depth)
        bound = _bindings(src.tree, name, src)
        if bound is None:
            raise Unevaluable("a name bound nowhere in its file (%s)" % name)
        return self.bound_values(src, bound, name, env, depth)

    def bound_values(self, src, bound, name, env, depth):
        how, value = bound
        if how == "assign":
            return self.values(src, value, env, depth)
        if how == "import" and isinstance(value, ast.ImportFrom):
            return self.imported(src, value, name, env, depth)
        if how == "for" and isinstance(value.iter, (ast.Tuple, ast.List)):
            # `for a, b in ((..., ...), ...)`: each item, taken apart
            chosen = dict(env).get(id(value))
            out = []
            for i, item in enumerate(value.iter.elts):
                if chosen is not None and chosen != i:
                    continue
                part = self.unpack(value.target, item, name)
                if part is None:
                    raise Unevaluable("a loop variable bound by a pattern it cannot follow")
                where = "%s:%d[%d]" % (src.rel, value.lineno, i)
                out += [(v, via + [where], e)
                        for v, via, e in self.guarded(src, part, env + ((id(value), i),), depth)]
            return out
        raise Unevaluable({"loop": "a loop or comprehension variable", "unpack": "a name bound by unpacking",
                           "with": "a name bound by with", "rebound": "a name bound more than once",
                           "augmented": "a name changed by +=", "other": "a function or class",
                           "import": "an imported module", "for": "a loop variable over a computed sequence"}[how])

    @staticmethod
    def unpack(target, item, name):
        """The part of expression 'item' that 'target' binds to 'name'."""
        if isinstance(target, ast.Name):
            return item if target.id == name else None
        if isinstance(target, (ast.Tuple, ast.List)) and isinstance(item, (ast.Tuple, ast.List)):
            if len(target.elts) != len(item.elts):
                return None
            for t, i in zip(target.elts, item.elts):
                found = Finder.unpack(t, i, name)
                if found is not None:
                    return found
        return None

    def imported(self, src, imp, name, env, depth):
        alias = next(a for a in imp.names if (a.asname or a.name) == name)
        base = src.path.parent
        if imp.level == 0:
            base = self.root  # the test suites put tests/ first on sys.path
        else:
            for _ in range(imp.level - 1):
                base = base.parent
        path = base.joinpath(*(imp.module or "").split(".")).with_suffix(".py")
        if not path.is_file():
            raise Unevaluable("a name imported from outside the test suites")
        other = self.source(path)
        bound = _bindings(other.tree, alias.name, other)
        if bound is None:
            raise Unevaluable("an imported name bound nowhere (%s)" % alias.name)
        return self.bound_values(other, bound, alias.name, env, depth)

    def param_values(self, src, fn, name, env, depth):
        if isinstance(fn, ast.Lambda):
            raise Unevaluable("a lambda's parameter")
        chosen = dict(env).get(id(fn))
        # pytest.mark.parametrize("a, b", [(..., ...), ...])
        for deco in fn.decorator_list:
            if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Attribute)
                    and deco.func.attr == "parametrize" and len(deco.args) >= 2):
                names = self.values(src, deco.args[0], env, depth)[0][0]
                names = [n.strip() for n in (names.split(",") if isinstance(names, str) else names)]
                if name not in names:
                    continue
                rows = deco.args[1]
                if not isinstance(rows, (ast.List, ast.Tuple)):
                    raise Unevaluable("a parametrize list computed at run time")
                k = names.index(name)
                out = []
                for i, row in enumerate(rows.elts):
                    if chosen is not None and chosen != i:
                        continue
                    if len(names) > 1:
                        if not isinstance(row, (ast.List, ast.Tuple)):
                            raise Unevaluable("a parametrize row computed at run time")
                        row = row.elts[k]
                    where = "%s:%d[%d]" % (src.rel, fn.lineno, i)
                    out += [(v, via + [where], e)
                            for v, via, e in self.guarded(src, row, env + ((id(fn), i),), depth)]
                return out
        if self.is_fixture_param(fn):
            return self.fixture_values(src, name, env, depth)
        positional = [a.arg for a in fn.args.posonlyargs + fn.args.args]
        defaults = dict(zip(positional[len(positional) - len(fn.args.defaults):], fn.args.defaults))
        defaults.update({a.arg: d for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults) if d is not None})
        out = []
        for caller, call in self.calls_of(src, fn):
            if chosen is not None and chosen != id(call):
                continue
            arg = None
            for kw in call.keywords:
                if kw.arg == name:
                    arg = kw.value
            if arg is None and name in positional and positional.index(name) < len(call.args):
                if any(isinstance(a, ast.Starred) for a in call.args[:positional.index(name) + 1]):
                    raise Unevaluable("a call with *arguments")
                arg = call.args[positional.index(name)]
            where = "%s:%d" % (caller.rel, call.lineno)
            sub_env = env + ((id(fn), id(call)),)
            if arg is None and name in defaults:
                found = self.guarded(src, defaults[name], sub_env, depth + 1)
            elif arg is not None:
                found = self.guarded(caller, arg, sub_env, depth + 1)
            else:
                continue
            out += [(v, via + [where], e) for v, via, e in found]
        if not out:
            raise Unevaluable("a parameter that no call site in the suites gives (%s)" % name)
        return out

    def guarded(self, src, node, env, depth):
        """values(), a failure as a :class:`Failed` value."""
        try:
            return self.values(src, node, env, depth)
        except Unevaluable as e:
            return [(Failed(str(e)), [], env)]

    @staticmethod
    def is_fixture_param(fn):
        """A test function or fixture: pytest gives its parameters."""
        if fn.name.startswith("test"):
            return True
        return any((isinstance(d, ast.Attribute) and d.attr == "fixture")
                   or (isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr == "fixture")
                   for d in fn.decorator_list)

    def fixture_values(self, src, name, env, depth):
        """A fixture's value: what its function returns (one plain return),
        found in the test's file or a conftest.py above it."""
        candidates = [src.path] + [d / "conftest.py" for d in src.path.parents if d.is_relative_to(self.root)]
        for path in candidates:
            if not path.is_file():
                continue
            other = self.source(path)
            for node in other.tree.body:
                if isinstance(node, ast.FunctionDef) and node.name == name and self.is_fixture_param(node):
                    returns = [n for n in ast.walk(node) if isinstance(n, ast.Return)]
                    if len(returns) != 1 or returns[0].value is None:
                        raise Unevaluable("a fixture computed at run time (%s)" % name)
                    return self.values(other, returns[0].value, env, depth + 1)
        raise Unevaluable("a fixture that is not defined in the suites' sources (%s)" % name)

    def calls_of(self, src, fn):
        """Calls of function 'fn' by name: in its file, or (a conftest's,
        or a function a fixture returns) in every test file beside or
        below it."""
        if src.path.name == "conftest.py":
            paths = sorted(src.path.parent.rglob("*.py"))
        else:
            paths = [src.path]
        for path in paths:
            other = self.source(path)
            for node in other.calls.get(fn.name, ()):
                yield other, node

    # -------------------------------------------------------------- search

    def find(self, skip=()):
        """(sites, unevaluable): a :class:`Site` per cdef text, and a
        (where, kind) pair per ``.cdef()`` argument that cannot be
        evaluated. Files whose relative path is in 'skip' are not read."""
        sites, unevaluable = [], set()
        for path in sorted(self.root.rglob("*.py")):
            rel = path.relative_to(self.root).as_posix()
            if rel in skip:
                continue
            src = self.source(path)
            for node in ast.walk(src.tree):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "cdef" and node.args):
                    continue
                where = "%s:%d" % (rel, node.lineno)
                # the text and the keywords together: they come from one call
                kwds_node = ast.Dict(keys=[], values=[])
                for kw in node.keywords:
                    if kw.arg is None:
                        kwds_node = kw.value
                    elif kw.arg in ("packed", "pack", "override"):
                        kwds_node = ast.Dict(keys=[ast.Constant(kw.arg)], values=[kw.value])
                try:
                    found = self.values(src, ast.Tuple(elts=[node.args[0], kwds_node]))
                except Unevaluable as e:
                    unevaluable.add((where, str(e)))
                    continue
                texts = set()
                for pair, via, _ in found:
                    label = " via ".join(dict.fromkeys([where] + via))  # each call site once
                    if isinstance(pair, Failed):
                        unevaluable.add((label, pair.kind))
                        continue
                    value, kwds = pair
                    if value is None:
                        unevaluable.add((label, "None (the .cdef() call is behind an if)"))
                        continue
                    if not isinstance(value, str) or not isinstance(kwds, dict):
                        unevaluable.add((label, "not a str (a %s: the test checks the error)"
                                            % type(value).__name__))
                        continue
                    key = (value, repr(sorted(kwds.items())))
                    if key in texts:
                        continue  # the same text again from another call site of this one
                    texts.add(key)
                    sites.append(Site(label, value, kwds))
        return sites, sorted(unevaluable)


def find(root, skip=()):
    return Finder(root).find(skip)
