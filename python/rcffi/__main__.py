"""``python -m rcffi``: command-line tools.

    python -m rcffi cdef HEADER [--only NAME ...] [-I DIR ...] [-D NAME[=VALUE] ...]
                                [--packed | --pack N]

prints the plain cdef text equivalent to ``ffi.cdef_header(HEADER, ...)``
(typedefs, records, enums, functions, variables, ``#define NAME NUMBER``
constants), which ``cdef()`` of rcffi or cffi accepts. What plain cdef cannot
say (``pack=N``, ``aligned``, ``__asm__`` symbols) is given in comments.

    python -m rcffi check FILE.cdef --header HEADER [--lib LIBRARY] [-I DIR ...]
                                    [-D NAME[=VALUE] ...] [--json]

holds the declarations of FILE.cdef against the real header and library
(see ``rcffi.check``): exit status 0 if they agree, 1 on any mismatch, 2
if the check could not run.

    python -m rcffi gen-src BUILD.py[:NAME] OUT.c [--ffi-var NAME]

writes the C source of the compiled module that BUILD.py's FFI describes,
for build systems other than setuptools (see ``rcffi._gen_src``).

    python -m rcffi stubs BUILD.py[:NAME] OUT.pyi [--ffi-var NAME]
    python -m rcffi stubs --cdef FILE OUT.pyi

writes typed stubs of the declarations (see ``rcffi._stubs``): of the FFI
of a build script (any mode; ``set_source()`` is optional), or of a file of
cdef text (ABI mode).
"""

import argparse
import sys

from . import _rcffi
from ._header import cdef_header_args
from .error import CDefError


def _parser():
    parser = argparse.ArgumentParser(prog="python -m rcffi", description="rcffi command-line tools")
    sub = parser.add_subparsers(dest="command")
    sub.required = True
    cdef = sub.add_parser(
        "cdef",
        help="print the plain cdef text of a C header",
        description="Read a C header with rcffi's preprocessor and print the equivalent plain cdef text.",
    )
    cdef.add_argument("header", help='a path, or a name such as "zlib.h" searched like #include <...>')
    cdef.add_argument("--only", action="append", default=None, metavar="NAME",
                      help="keep only NAME and what it needs (repeatable; 'struct x' for a tag)")
    cdef.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                      help="search DIR before the system include directories (repeatable)")
    cdef.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                      help="define a macro before reading the header (repeatable)")
    group = cdef.add_mutually_exclusive_group()
    group.add_argument("--packed", action="store_true", help="pack every record (as cdef(packed=True))")
    group.add_argument("--pack", type=int, default=None, metavar="N", help="cap field alignment at N (as cdef(pack=N))")
    cdef.add_argument("-o", "--output", default=None, metavar="FILE", help="write to FILE instead of stdout")
    check = sub.add_parser(
        "check",
        help="check cdef declarations against the real header and library",
        description="Compare the declarations of a cdef file with a C header (read by rcffi's own header "
                    "reader) and the symbols a library exports. Exit status: 0 if they agree, 1 on any "
                    "mismatch, 2 if the check could not run.",
    )
    check.add_argument("cdef_file", metavar="FILE.cdef", help="a file of cdef text")
    check.add_argument("--header", required=True, help='the header: a path, or a name such as "zlib.h"')
    check.add_argument("--lib", default=None, metavar="LIBRARY",
                       help="the library whose exports to check (a name or path, as for ffi.dlopen)")
    check.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                       help="search DIR before the system include directories (repeatable)")
    check.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                       help="define a macro before reading the header (repeatable)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    gen = sub.add_parser(
        "gen-src",
        help="write the C source of a compiled module (for meson-python and other build systems)",
        description="Execute a build script and write the C source of the compiled module its FFI describes "
                    "(cffi-gen-src exec-python).",
    )
    gen.add_argument("build", metavar="BUILD.py[:NAME]",
                     help="the build script and its FFI object (or function returning one); NAME defaults to ffibuilder")
    gen.add_argument("output", metavar="OUT.c", help="the C file to write ('-': stdout); rewritten only if it changes")
    gen.add_argument("--ffi-var", default=None, metavar="NAME", help="the name of the FFI object in BUILD.py")
    stubs = sub.add_parser(
        "stubs",
        help="write typed stubs (.pyi) of an FFI's declarations",
        description="Write a .pyi describing the declarations for mypy and pyright: lib's functions, globals and "
                    "constants, ffi.new()/ffi.cast() by declared type, the cdata types.",
    )
    source = stubs.add_mutually_exclusive_group(required=True)
    source.add_argument("build", nargs="?", metavar="BUILD.py[:NAME]",
                        help="a build script and its FFI object (NAME defaults to ffibuilder)")
    source.add_argument("--cdef", metavar="FILE", help="a file of cdef text (ABI-mode declarations)")
    stubs.add_argument("output", metavar="OUT.pyi", help="the stub file to write ('-': stdout)")
    stubs.add_argument("--ffi-var", default=None, metavar="NAME", help="the name of the FFI object in BUILD.py")
    return parser


def _check(args):
    from .api import FFI
    from .check import check_ffi

    try:
        with open(args.cdef_file) as f:
            text = f.read()
        ffi = FFI()
        ffi.cdef(text)
        report = check_ffi(ffi, args.header, args.lib, include_dirs=args.include_dirs, defines=args.defines)
    except Exception as e:
        print("rcffi check: error: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        return 2
    if args.json:
        print(report.to_json())
    else:
        print(report)
    return 0 if report.ok else 1



def _stubs(args):
    from . import FFI
    from ._gen_src import GenSrcError, load
    from ._stubs import stub_text, write_stubs

    try:
        if args.cdef is not None:
            ffi = FFI()
            with open(args.cdef) as f:
                ffi.cdef(f.read())
        else:
            ffi = load(args.build, args.ffi_var, need_source=False)
        if args.output == "-":
            sys.stdout.write(stub_text(ffi))
        else:
            write_stubs(ffi, args.output)
    except (GenSrcError, CDefError, OSError) as e:
        print("rcffi stubs: error: %s" % (e,), file=sys.stderr)
        return 1
    return 0


def _gen_src(args):
    from ._gen_src import GenSrcError, load, write

    try:
        write(load(args.build, args.ffi_var), args.output)
    except (GenSrcError, CDefError, OSError) as e:
        print("rcffi gen-src: error: %s" % (e,), file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "check":
        return _check(args)
    if args.command == "cdef":
        try:
            call = cdef_header_args(args.header, args.include_dirs, args.defines, args.only, args.packed, args.pack)
            text = _rcffi.header_cdef_text(*call)
        except (CDefError, ValueError, TypeError, NotImplementedError) as e:
            print("rcffi cdef: error: %s" % (e,), file=sys.stderr)
            return 1
        if text and not text.endswith("\n"):
            text += "\n"
        if args.output:
            with open(args.output, "w") as f:
                f.write(text)
        else:
            sys.stdout.write(text)
        return 0
    if args.command == "gen-src":
        return _gen_src(args)
    if args.command == "stubs":
        return _stubs(args)
    return 2  # pragma: no cover - argparse rejects other commands


if __name__ == "__main__":
    sys.exit(main())
