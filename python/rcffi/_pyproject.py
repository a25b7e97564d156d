"""``[tool.rcffi]`` in pyproject.toml: a project configured without setup.py.

    [build-system]
    requires = ["setuptools>=70", "rcffi"]
    build-backend = "setuptools.build_meta"

    [tool.rcffi]
    modules = ["src/pkg/_build.py:ffibuilder"]

Each entry is what ``cffi_modules=`` takes: a build script (relative to the
project root) and the name of its ``FFI`` object, or of a function
returning one. setuptools runs rcffi's ``finalize_distribution_options``
hook (``setuptools_ext.pyproject_modules``) for every project it builds
where rcffi is installed, so this reads pyproject.toml only when there is
one and does nothing without a ``[tool.rcffi]`` table.
"""

import os


def _toml():
    try:
        import tomllib  # Python 3.11+
    except ImportError:
        try:
            from setuptools.compat.py310 import tomllib  # setuptools' own reader (tomli)
        except ImportError:  # pragma: no cover - setuptools < 70
            import tomli as tomllib
    return tomllib


def module_specs(root, error):
    """The ``[tool.rcffi] modules`` entries of root/pyproject.toml (a list,
    empty without the file or the table); 'error' raises setuptools'
    configuration error with a message."""
    path = os.path.join(root, "pyproject.toml")
    if not os.path.isfile(path):
        return []
    with open(path, "rb") as f:
        raw = f.read()
    if b"rcffi" not in raw:
        return []  # the common case for every other project: no parse
    tomllib = _toml()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        error("%s: cannot read it: %s" % (path, e))
    table = data.get("tool", {}).get("rcffi")
    if table is None:
        return []
    if not isinstance(table, dict):
        error("%s: [tool.rcffi] must be a table" % (path,))
    unknown = sorted(set(table) - {"modules"})
    if unknown:
        error("%s: [tool.rcffi] has unknown key(s) %s (known: modules)" % (path, ", ".join(map(repr, unknown))))
    modules = table.get("modules", [])
    if isinstance(modules, str):
        modules = [modules]
    if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
        error('%s: [tool.rcffi] modules must be a list of "path/build.py:name" strings, not %r' % (path, modules))
    return modules
