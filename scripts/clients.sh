#!/usr/bin/env bash
# Real cffi-based packages as tests (issue 10): each package is built from its
# sdist, downloaded from PyPI by name and pinned version at run time (nothing
# third-party is in this repository), twice, in fresh venvs:
#   - with real cffi 2.0.0                       (the reference), and
#   - with rcffi in drop-in mode: RCFFI_AS_CFFI=1 pip install --no-build-isolation
#     (real cffi gets installed too, as the packages depend on it: rcffi must win)
# then its own test suite runs in both venvs and each package prints
#   name version: rcffi P passed F failed / cffi P' passed F' failed
# with, under it, every test that passes with cffi and fails with rcffi. The
# last line is "N passed, M failed" over packages: a package passes when every
# test that passes with real cffi passes with rcffi. Not part of .ci/run (it
# downloads and builds for many minutes).
#
# Packages, and the cffi feature each one exercises:
#   bcrypt 3.2.2         API mode (cffi_modules, set_source), before its Rust rewrite
#   argon2-cffi-bindings API mode over bundled C sources, large buffers
#   pycares 4.8.0        API mode, extern "Python" callbacks, ffi.new_handle, ffi.gc;
#                        only its tests that need no network (they query 8.8.8.8)
#   pyvips 2.1.16        API mode against libvips (pkg-config), GObject callbacks,
#                        ffi.buffer/from_buffer, ffi.gc (2.1.16: the newest sdist
#                        whose tests include their helpers and images)
#   cairocffi 1.7.1      in-line ABI mode: dlopen() of libcairo, callbacks, buffers
#   psycopg2cffi 2.9.0   API mode over libpq, run against a PostgreSQL server started
#                        here on 127.0.0.1; tests: its own, plus psycopg2 2.7.7's
#                        suite through psycopg2cffi.compat.register() (psycopg2cffi's
#                        copy of that suite is not in its sdist; psycopg2's sdist has
#                        the original, in Python 2: 2to3 runs over it, as psycopg2's
#                        build did; later psycopg2 suites need psycopg2.errors)
#   pymunk 6.8.1         API mode over bundled Chipmunk2D: extern "Python" callbacks,
#                        var-sized structs (cpPolyline), many small structs
#   xattr 1.1.0          API mode, errno
#   sounddevice 0.5.1    out-of-line ABI mode (set_source(name, None)); it has no test
#                        suite, so a device-free smoke run: its module as built by
#                        each implementation, and the module real cffi generated
#                        loaded under rcffi
#   cffi demo/           the programs of cffi's own demo/ directory (from the cffi
#                        2.0.0 sdist): verify(), API and out-of-line modules,
#                        embedding, extern "Python"; each one runs and its output
#                        (addresses blanked) is compared
#   pycryptodome 4.5.0   in-line ABI mode on one FFI shared by every module: ffi.dlopen()
#                        of its own extension .so files with RTLD_DEEPBIND, ~80 cdef()
#                        calls into one ffi, from_buffer("uint8_t[]", ...) of bytes,
#                        bytearray and memoryview, ffi.buffer()[:], void*[1] out-params;
#                        tests: Crypto.SelfTest (its backend must be "cffi", not ctypes)
#   zstandard 0.25.0     API mode over bundled zstd, its cdef made by running the C
#                        preprocessor over zstd.h; ffi.gc with a size, ffi.buffer slicing,
#                        from_buffer, ffi.new_allocator; tests with its import policy cffi
#                        (PYTHON_ZSTANDARD_IMPORT_POLICY=cffi; zstandard.backend checked;
#                        its hypothesis fuzzing tests, which want ZSTD_SLOW_TESTS, are
#                        left out for time: they skip, saying so)
#   soundfile 0.14.0     out-of-line ABI mode dlopen() of Debian's libsndfile, callbacks
#                        in a struct of function pointers (SF_VIRTUAL_IO), ffi.cast of
#                        numpy buffers, enums
#   cmarkgfm 2025.10.22  API mode over bundled cmark-gfm, ffi.string, char** out-params
#   brotlicffi 1.2.1.0   API mode over bundled brotli, ffi.gc, size_t* out-params,
#                        threads sharing one object; its test data is not in its sdist:
#                        taken from Brotli 1.2.1's sdist (tests/testdata), as it expects
#   xcffib 1.13.0        in-line ABI mode: dlopen() of libxcb and dlopen(None), structs,
#                        ffi.buffer over replies, ffi.cast, ffi.gc, ffi.addressof; tests
#                        against an Xvfb server it starts (three run xeyes: x11-apps)
#   lmdb 3.0.0           ffi.verify(), the old API: two verify() calls on one FFI (one
#                        module per bundled LMDB version, modulename=, ext_package=),
#                        ffi.verifier.get_extension() handed to setup(); built and
#                        tested with LMDB_FORCE_CFFI=1 (lmdb.open from lmdb.cffi checked)
#   pylibsrtp 1.0.0      API mode over Debian's libsrtp2 (pkg-config), out-params
#   xxhash-cffi 1.3.0    API mode over bundled xxHash, digest buffers; tests: tests/test.py
#   miniaudio 1.71       API mode over the bundled one-file miniaudio (large cdef), decoders,
#                        extern "Python" stream callbacks, playback on its NULL backend
#   pygit2 1.11.1        API mode over Debian's libgit2 1.5 (the pygit2 for it), next to
#                        its own C extension; callbacks (remotes, credentials), handles
#   pywayland 0.4.19     API mode over libwayland client and server, extern "Python"
#                        listeners, wl_list walks; the protocol modules its build
#                        generates from wayland-protocols; a server in the test process
#   pyOpenSSL 26.4.0     pure Python over cryptography's binary wheel from PyPI (its
#                        _openssl module compiled by real cffi): in drop-in mode that
#                        module reaches rcffi's _cffi_backend, which hands it to real cffi
#   WeasyPrint 70.0      in-line ABI mode: ffi.dlopen() of Pango, HarfBuzz, fontconfig,
#                        GLib; a large cdef, structs, out-params, ffi.gc (draw tests use
#                        Ghostscript, gs)
#   misaka 2.1.1         API mode over bundled hoedown, ffi.callback() functions stored in
#                        a struct of function pointers, ffi.new_handle; its own test runner
#                        (its output read here); tests compare with HTML Tidy's output
#   cryptography 40.0.2  ffi.emit_c_code() of a ~900-name API-mode cdef over OpenSSL 3,
#                        run by its Rust build script, the C compiled into its Rust
#                        extension (module init from Rust); a subset of its hazmat tests
#   gevent 26.9.0        API mode over its bundled libuv and libev (its two cffi
#                        modules; the rest of its build is Cython): extern "Python"
#                        callbacks, handles, watchers; ~65 of its test files, each
#                        with GEVENT_LOOP=libuv-cffi and again with libev-cffi
#   pynng 0.9.0          API mode over bundled nng and mbedtls built by cmake (from
#                        PyPI), extern "Python" pipe callbacks, handles, asyncio/trio
#   ijson 3.6.0          in-line ABI mode (its yajl2_cffi backend over Debian's libyajl):
#                        ffi.callback()s in a struct handed to C
#   paka.cmark 3.0.0     API mode over bundled cmark
#   JACK-Client 0.5.7    out-of-line ABI mode over libjack; its doctests against a jackd
#                        started here (dummy driver)
#   pyzmq 27.3.0         its cffi backend (PYZMQ_BACKEND=cffi): emit_c_code() run by
#                        cmake under scikit-build-core, over Debian's libzmq
#   xkbcommon 1.5.1      API mode over Debian's libxkbcommon
#   signalfd 1.0.0       API mode over signalfd(2)/sigprocmask(2), warnings as errors
#   PyNaCl 1.6.2         API mode over its bundled libsodium (1.5.0's sdist had no tests)
#   unrar2-cffi 0.5.0    API mode over its bundled UnRAR (C++), a builder made by a function
#   xkbregistry 1.5      API mode over Debian's libxkbregistry
#   rockstore 0.1.2      in-line ABI mode, dlopen() of librocksdb tried over several names
#   ppmd-cffi 0.5.0      API mode over bundled PPMd, extern "Python" stream callbacks
#   pangocairocffi 0.7.1 in-line ABI mode built at import: ffi.include() of pangocffi's
#                        FFI, dlopen() of libpangocairo, cairo pointers from cairocffi's
#                        FFI handed to it
#   cskipdict 0.0.4      API mode compiled as C++ (source_extension='.cpp', extern "C"
#                        in set_source), ffi.new_handle/from_handle, ffi.addressof
#   xxtea-py 1.0.3       ffi.verify() at import time, with sources= and include_dirs=
#                        (compiled on first import into the package's __pycache__),
#                        ffi.from_buffer, ffi.buffer of a malloc'ed result
#   pysplice 0.1.0       API mode: "typedef int... loff_t", "#define X ...", errno,
#                        splice(2) between pipes and files
#   jpeg4py 0.1.4        in-line ABI mode, dlopen() of Debian's libturbojpeg, numpy
#                        arrays cast to unsigned char *, out-params
#   siphash-cffi 0.1.4   four API-mode modules from one build file (cffi_modules
#                        naming four FFI objects), ffi.buffer of output digests
#   atomiclong 0.1.1     ffi.verify() run by its setup.py, ffi.verifier.get_extension()
#                        handed to setup(ext_modules=), the module found again on import
#   pyhy 0.0.9           API mode over bundled libhydrogen (its .c #included by
#                        set_source), structs of byte arrays, ffi.memmove; its test.py
#                        program (hashes, KDF, secretbox, signatures, key exchange)
#   ssdeep 3.4           ffi.verify() run by its setup.py (verifier.get_extension()),
#                        over Debian's libfuzzy; delattr() on the verified lib, FILE *
#   pywlroots 0.15.24    API mode over Debian's wlroots 0.15, its builder ffi.include()s
#                        pywayland's and xkbcommon's API-mode builders (built first, by
#                        the same implementation); the headless backend
#   rpy2 3.5.17          R embedded, over Debian's R: an out-of-line ABI-mode module
#                        (dlopen of libR, ffi.callback) and an API-mode one (extern
#                        "Python"), its tests run with each (RPY2_CFFI_MODE=API, ABI)
# Not used: samplerate 0.1.0 (its last cffi release: no tests in its sdist), coincurve (its build downloads libsecp256k1 from GitHub),
# onigurumacffi, python-olm, secp256k1, libyang, rtmixer (their sdists have no
# tests, and this script reaches only PyPI and Debian); cryptography 3.3.2 (the
# last release without Rust: it builds under both, but its module does not
# load with OpenSSL 3, "undefined symbol: FIPS_mode", and Debian 12 has no
# OpenSSL 1.1); pyheif 0.8.0 (its tests read images its sdist leaves out);
# notmuch2 (its sdist leaves out the conftest.py its tests' fixtures are in);
# clipspy (no tests in its sdist); libthai-cffi (it pins cffi~=1.11.5);
# pangocffi, bcj-cffi, jenks-natural-breaks (one or two tests in each sdist);
# pysodium (ctypes, not cffi); libyang (its sdists leave out the YANG files its
# tests load); hunspell-cffi, csiphash, jenkins-cffi, mmh3cffi, lzf, tdigest-cffi,
# qtdigest-cffi, judyz-cffi, fclist-cffi, cffi-re2, monotonic-cffi (no tests in
# their sdists); libqrencode-cffi 0.1.1 (its three tests expect libqrencode
# 3.4.4's output, Debian 12 has 4.1.1: all fail with real cffi);
# python-tcod 21.2.2 (its build needs SDL 3, pkg-config sdl3: not in Debian 12).
#
# System libraries come from Debian (apt-get, when run as root); a package
# whose library is missing is skipped visibly with the reason.
#
# Environment: RCFFI_CLIENTS_DIR (scratch dir, default /tmp/rcffi-clients),
# CLIENTS (space-separated subset of: bcrypt argon2 pycares pyvips cairocffi
# psycopg2cffi pymunk xattr sounddevice demo pycryptodome zstandard soundfile
# cmarkgfm brotlicffi xcffib lmdb pylibsrtp xxhash miniaudio pygit2 pywayland
# pyopenssl weasyprint misaka cryptography gevent pynng ijson paka_cmark jack
# pyzmq xkbcommon signalfd pynacl unrar2 xkbregistry rockstore ppmd
# pangocairocffi cskipdict xxtea pysplice jpeg4py siphash atomiclong pyhy ssdeep pywlroots rpy2), PYTHON (default python3),
# CLIENTS_TIMEOUT (seconds per test run, default 1800), RCFFI_WHEEL (an rcffi
# wheel to use, e.g. a release build, instead of building one with the dev
# profile from this checkout).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${RCFFI_CLIENTS_DIR:-/tmp/rcffi-clients}
PY=${PYTHON:-python3}
TIMEOUT=${CLIENTS_TIMEOUT:-1800}
ALL="bcrypt argon2 pycares pyvips cairocffi psycopg2cffi pymunk xattr sounddevice demo pycryptodome zstandard soundfile cmarkgfm brotlicffi xcffib lmdb pylibsrtp xxhash miniaudio pygit2 pywayland pyopenssl weasyprint misaka cryptography gevent pynng ijson paka_cmark jack pyzmq xkbcommon signalfd pynacl unrar2 xkbregistry rockstore ppmd pangocairocffi cskipdict xxtea pysplice jpeg4py siphash atomiclong pyhy ssdeep pywlroots rpy2"
CLIENTS=${CLIENTS:-$ALL}
export PIP_DISABLE_PIP_VERSION_CHECK=1 MAKEFLAGS=-j1 PYTHONDONTWRITEBYTECODE=1

mkdir -p "$WORK"/{sdists,logs,results,venvs,src,run,wheel}
RESULTS="$WORK/results"
rm -f "$RESULTS"/*.summary
say() { printf '%s\n' "$*"; }
log() { printf '  .. %s\n' "$*" >&2; }

# ---------------------------------------------------------------- system
APT_PKGS="gcc pkg-config libfuzzy-dev libwlroots-dev r-base-core libblas-dev libpcre2-dev liblzma-dev libbz2-dev libtirpc-dev libicu-dev libffi-dev libvips-dev libcairo2 libgmp-dev libportaudio2 postgresql libpq-dev libncurses-dev libattr1-dev libsndfile1 libxcb1 xvfb x11-apps libsrtp2-dev libgit2-dev libwayland-dev wayland-protocols libssl-dev tidy ghostscript libyajl2 libyajl-dev jackd2 libzmq3-dev libxkbcommon-dev xkb-data cmake libxkbregistry-dev librocksdb7.8 libpangocairo-1.0-0 libturbojpeg0"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=$(for p in $APT_PKGS; do dpkg -s "$p" >/dev/null 2>&1 || printf '%s ' "$p"; done)
  if [ -n "$missing" ]; then
    log "apt-get install $missing"
    { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing; } \
      >"$WORK/logs/apt.log" 2>&1 || log "apt-get failed (see $WORK/logs/apt.log): packages needing these libraries will be skipped"
  fi
fi
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
# (grep reads all of ldconfig's output: with grep -q, ldconfig could die of
# SIGPIPE after the first match, and pipefail would call the library missing)
have_lib() { ldconfig -p 2>/dev/null | grep "$1" >/dev/null; }

# ---------------------------------------------------------------- tools
# a venv for pip download and maturin; the rcffi wheel is built once from this
# checkout (the dev profile reuses the usual target/)
TOOLS="$WORK/venvs/tools"
if [ ! -x "$TOOLS/bin/pip" ]; then
  "$PY" -m venv "$TOOLS" || { say "cannot make a venv with $PY"; exit 2; }
fi
"$TOOLS/bin/pip" install -q setuptools wheel "maturin>=1.16,<2" >"$WORK/logs/tools.log" 2>&1 \
  || { say "cannot reach PyPI (pip install maturin failed): see $WORK/logs/tools.log"; exit 2; }
build_rcffi_wheel() {
  rm -f "$WORK"/wheel/*.whl
  (cd "$ROOT" && "$TOOLS/bin/maturin" build --quiet --profile dev -i "$TOOLS/bin/python" -o "$WORK/wheel") \
    >"$WORK/logs/rcffi-wheel.log" 2>&1 || return 1
  ls "$WORK"/wheel/rcffi-*.whl | head -1
}
if [ -n "${RCFFI_WHEEL:-}" ]; then
  [ -f "$RCFFI_WHEEL" ] || { say "RCFFI_WHEEL=$RCFFI_WHEEL: no such file"; exit 2; }
else
  RCFFI_WHEEL=$(build_rcffi_wheel) || { say "cannot build the rcffi wheel: see $WORK/logs/rcffi-wheel.log"; exit 2; }
fi
log "rcffi wheel: $RCFFI_WHEEL"

# ---------------------------------------------------------------- helpers
# sdist NAME==VERSION -> path of the downloaded sdist (cached; a .tar.gz, or
# a .zip for the few packages that publish that)
sdist_file() {
  local name=$1 version=$2 base ext
  for base in "$name" "${name//[-.]/_}"; do
    for ext in tar.gz zip; do
      [ -f "$WORK/sdists/$base-$version.$ext" ] && { printf '%s\n' "$WORK/sdists/$base-$version.$ext"; return 0; }
    done
  done
  return 0
}
sdist() {
  local spec=$1 name=${1%%==*} version=${1##*==} f
  f=$(sdist_file "$name" "$version")
  if [ -z "$f" ]; then
    # (--no-binary NAME, not :all:: pip prepares the sdist's metadata in an
    # isolated build env, and :all: would build that env's requirements,
    # cmake for pynng, from their sdists too)
    "$TOOLS/bin/pip" download -q --no-deps --no-binary "$name" -d "$WORK/sdists" "$spec" >"$WORK/logs/download-$name.log" 2>&1 || return 1
    f=$(sdist_file "$name" "$version")
  fi
  [ -n "$f" ] && printf '%s\n' "$f"
}

# unpack SDIST into a fresh DIR; prints the top directory
unpack() {
  rm -rf "$2" && mkdir -p "$2" || return 1
  case $1 in
    *.zip) "$PY" -m zipfile -e "$1" "$2" || return 1 ;;
    *) tar xzf "$1" -C "$2" || return 1 ;;
  esac
  printf '%s\n' "$2"/*/
}

# new_venv KEY IMPL DEPS...: a fresh venv with the implementation and DEPS
new_venv() {
  local key=$1 impl=$2; shift 2
  local v="$WORK/venvs/$key-$impl"
  rm -rf "$v" && "$PY" -m venv "$v" || return 1
  local base=(setuptools wheel pytest pytest-timeout)
  if [ "$impl" = cffi ]; then base+=("cffi==2.0.0"); else base+=("$RCFFI_WHEEL"); fi
  "$v/bin/pip" install -q "${base[@]}" "$@" >>"$WORK/logs/$key-$impl.log" 2>&1 || return 1
  printf '%s\n' "$v"
}

# in_impl IMPL CMD...: run CMD with rcffi standing in for cffi when IMPL=rcffi
in_impl() {
  local impl=$1; shift
  if [ "$impl" = rcffi ]; then RCFFI_AS_CFFI=1 "$@"; else env -u RCFFI_AS_CFFI "$@"; fi
}

# check_backend KEY IMPL VENV MODULE[:ATTR=VALUE]: which implementation the built
# module uses (rcffi's modules, or real cffi's _cffi_backend extension); with
# ATTR=VALUE, the module's ATTR (dotted: a.b) must also be VALUE (a package that can run on
# something else than cffi says which backend it took)
check_backend() {
  local key=$1 impl=$2 v=$3 mod=$4
  # (from an empty dir: a package that compiles on import, xxtea-py's
  # ffi.verify(), runs setuptools, which refuses a current directory that
  # looks like a project with several top-level packages, this checkout)
  rm -rf "$WORK/check" && mkdir -p "$WORK/check"
  (cd "$WORK/check" && in_impl "$impl" "$v/bin/python" - "$mod" "$impl") <<'EOF' >>"$WORK/logs/$key-$impl.log" 2>&1
import importlib, sys
name, _, want = sys.argv[1].partition(":")
mod = importlib.import_module(name)
if want:
    attr, _, value = want.partition("=")
    got = mod
    for part in attr.split("."):
        got = getattr(got, part, None)
    print("backend check:", name, attr, "=", repr(got), "wanted", repr(value))
    if str(got) != value:
        sys.exit(1)
# real cffi: its cffi package or _cffi_backend extension, by module name (a
# package's own "cffi" subpackage, pyzmq's zmq/backend/cffi/, is not it);
# rcffi's "cffi" alias in drop-in mode has no file, or one under rcffi/
def is_real(name, m):
    f = getattr(m, "__file__", None) or ""
    return (name in ("cffi", "_cffi_backend") or name.startswith("cffi.")) and f and "/rcffi/" not in f
real = any(is_real(n, m) for n, m in list(sys.modules.items()))
ours = "rcffi" in sys.modules
print("backend check:", name, "real cffi loaded:", real, "rcffi loaded:", ours)
sys.exit(0 if (ours and not real) == (sys.argv[2] == "rcffi") else 1)
EOF
}

# record KEY IMPL STATUS [JUNIT...]: counts of one run into $RESULTS/KEY-IMPL.json
record() {
  local key=$1 impl=$2 status=$3; shift 3
  "$PY" - "$RESULTS/$key-$impl.json" "$status" "$WORK/run/$key" "$@" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
out, status, rundir, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
tests = {}
for f in files:
    try:
        root = ET.parse(f).getroot()
    except (OSError, ET.ParseError):
        continue
    for case in root.iter("testcase"):
        # parametrized ids can hold a path in the run dir (brotlicffi's): the
        # same test has the same id under both implementations
        tid = "%s::%s" % (case.get("classname", ""), case.get("name", "").replace(rundir, "RUN"))
        kids = {c.tag for c in case}
        if kids & {"failure", "error"}:
            tests[tid] = "failed"
        elif "skipped" in kids:
            tests[tid] = "skipped"
        else:
            tests[tid] = "passed"
json.dump({"status": status, "tests": tests}, open(out, "w"), indent=1)
EOF
}

# pytest_run KEY IMPL VENV DIR NAME ARGS...: one pytest run in DIR -> junit NAME
pytest_run() {
  local key=$1 impl=$2 v=$3 dir=$4 name=$5; shift 5
  (cd "$dir" && PYTHONHASHSEED=0 in_impl "$impl" timeout "$TIMEOUT" "$v/bin/pytest" -p no:cacheprovider -o addopts="" \
      --timeout=120 --continue-on-collection-errors --tb=native --durations=5 -q -rN --junitxml="$RESULTS/$key-$impl-$name.xml" "$@") >>"$WORK/logs/$key-$impl.log" 2>&1
  return 0
}

# why tests fail with real cffi too (outside rcffi), by package key: said
# under the package's line with those tests
declare -A BOTH_FAIL_WHY=(
  [pycares]="they ask a public DNS server (network)"
  [psycopg2cffi]="features psycopg2cffi lacks (psycopg2.sql, replication, ...) and psycopg2's Python 2 suite through 2to3"
  [demo]="Python 2 code in cffi's demo/ (str for char *, a renamed ffi) and manual2.py's bytes module name"
  [xcffib]="they run xeyes (Debian's x11-apps)"
  [pyopenssl]="the default CA paths of the OpenSSL in cryptography's wheel hold no certificate here"
  [weasyprint]="they need Ghostscript (gs)"
  [misaka]="they need HTML Tidy (tidy)"
  [gevent]="subprocess.run('sleep 3', shell=True, timeout=0.1, capture_output=True) takes the whole 3 s here, not the 0.1 s the test allows"
  [rockstore]="RocksDB aborts the process: the test closes the database under a live iterator"
  [rpy2]="with each module: R's recommended package survival is not installed (r-recommended), pandas now makes a string dtype where the test expects object, and its ipython tests need IPython"
  [ppmd]="it expects the --help text of argparse before Python 3.10 (\"optional arguments:\")"
)

# tests whose outcome depends on timing, by package key: one failing with
# rcffi only is printed as such and does not fail the package (brotlicffi's
# test_decompressor_concurrency races four threads through a barrier and a
# 1 ms sleep, and fails now and then under load with either implementation:
# alone it passed 5 times out of 5 with each; its hypothesis test
# test_streaming_compression_flush was once reported "FlakyFailure" with cffi;
# gevent's TestPeriodicMonitoringThread threadpool tests race a worker hub's
# registration with the monitor thread: run by hand six times each under
# libev-cffi, one of them failed in 2 runs with cffi and 1 with rcffi; its
# test__queue timing test, with cffi once; its test__core_timer
# test_resolution wants each of 150 1 ms timers to fire within 11 ms: run by
# hand ten times each under load (libuv-cffi), it failed 5 times with cffi and
# 7 with rcffi, late by 22 to 54 ms with each; pyvips's test_progress waits for
# an "eval" signal that libvips sends only when its threadpool's main loop
# ticks before the workers finish: a 1x100000 black image's avg() repeated
# 300 times with the operation cache off, under load, missed the signal 27
# times with cffi and 14 with rcffi). A test's name is the last part
# of its id (after "::" and the last ".")
declare -A FLAKY=(
  [pyvips]="test_progress"
  [pyzmq]="test_blank_root_topic"
  [brotlicffi]="test_decompressor_concurrency test_streaming_compression_flush"
  [gevent]="test_blocking_threadpool_thread_task_queue test_blocking_threadpool_thread_multi_greenlet test_blocking_threadpool_thread_one_greenlet test_raises_timeout_Timeout_exc_customized test_resolution"
)

# report KEY "NAME VERSION": the package's line, its regressions, what fails
# with both implementations (and why, when known), its verdict
report() {
  "$PY" - "$RESULTS" "$1" "$2" "${BOTH_FAIL_WHY[$1]:-}" "${FLAKY[$1]:-}" <<'EOF'
import json, os, sys
res, key, label, why, flaky = sys.argv[1:6]
def load(impl):
    try:
        return json.load(open(os.path.join(res, "%s-%s.json" % (key, impl))))
    except OSError:
        return {"status": "not run", "tests": {}}
r, c = load("rcffi"), load("cffi")
def counts(d):
    v = list(d["tests"].values())
    s = "%d passed %d failed" % (v.count("passed"), v.count("failed"))
    if v.count("skipped"):
        s += " (%d skipped)" % v.count("skipped")
    if d["status"] != "ok":
        s += " [%s]" % d["status"]
    return s
print("%s: rcffi %s / cffi %s" % (label, counts(r), counts(c)))
worse = sorted(t for t, s in c["tests"].items() if s == "passed" and r["tests"].get(t) != "passed")
timing = [t for t in worse if r["tests"].get(t) == "failed" and t.split("::")[-1].split("[")[0].rsplit(".", 1)[-1] in flaky.split()]
worse = [t for t in worse if t not in timing]
for t in worse:
    print("    passes with cffi, not with rcffi (%s): %s" % (r["tests"].get(t, "missing"), t))
for t in timing:
    print("    passes with cffi, not with rcffi, a test known to depend on timing (not counted): %s" % t)
both = sorted(t for t, s in c["tests"].items() if s == "failed" and r["tests"].get(t) == "failed")
if both:
    print("    %d fail with real cffi too, outside rcffi: %s" % (len(both), why or "the package's own tests or setup"))
    for t in both[:5]:
        print("      %s" % t)
    if len(both) > 5:
        print("      ... and %d more (%s/%s-cffi.json)" % (len(both) - 5, res, key))
skipped = c["status"].startswith("skipped") and r["status"].startswith("skipped")
ok = not worse and (skipped or (r["status"] == "ok" and c["status"] == "ok"))
open(os.path.join(res, key + ".summary"), "w").write("skipped" if skipped else "passed" if ok else "failed")
EOF
}

# ---------------------------------------------------------------- generic package
# build_and_test KEY SPEC MODULE DEPS -- TEST-FUNCTION
# builds SPEC's sdist in both venvs, checks MODULE's backend, then calls
# TEST-FUNCTION KEY IMPL VENV SRC (SRC: the unpacked sdist of that impl)
build_and_test() {
  local key=$1 spec=$2 mod=$3 deps=$4 testfn=$5 sd impl v src
  sd=$(sdist "$spec") || { for impl in cffi rcffi; do record "$key" "$impl" "download failed"; done; return; }
  for impl in cffi rcffi; do
    : >"$WORK/logs/$key-$impl.log"
    rm -f "$RESULTS/$key-$impl"-*.xml
    log "$key: $impl venv, build"
    # shellcheck disable=SC2086
    v=$(new_venv "$key" "$impl" $deps) || { record "$key" "$impl" "venv failed"; continue; }
    src=$(unpack "$sd" "$WORK/src/$key-$impl") || { record "$key" "$impl" "unpack failed"; continue; }
    # PRE_BUILD (a function, given KEY IMPL VENV): what the package needs
    # built by the implementation under test before its own build
    if [ -n "${PRE_BUILD:-}" ] && ! "$PRE_BUILD" "$key" "$impl" "$v" >>"$WORK/logs/$key-$impl.log" 2>&1; then
      record "$key" "$impl" "build failed (its dependencies)"; continue
    fi
    if ! (cd "$WORK/run" && in_impl "$impl" "$v/bin/pip" install -v --no-build-isolation "$sd") >>"$WORK/logs/$key-$impl.log" 2>&1; then
      record "$key" "$impl" "build failed"; continue
    fi
    if ! check_backend "$key" "$impl" "$v" "$mod"; then
      record "$key" "$impl" "wrong backend"; continue
    fi
    log "$key: $impl tests"
    "$testfn" "$key" "$impl" "$v" "$src"
    record "$key" "$impl" ok "$RESULTS/$key-$impl"-*.xml
  done
}

# skip_pkg KEY REASON: both runs of KEY recorded as skipped, with REASON
skip_pkg() {
  local i
  for i in cffi rcffi; do record "$1" "$i" "skipped: $2"; done
}

# lib_pkg KEY LABEL CHECK REASON SPEC MODULE DEPS TESTFN: build_and_test when
# the command CHECK succeeds (a system library is there), else skipped
lib_pkg() {
  local key=$1 label=$2 check=$3 why=$4; shift 4
  if $check; then build_and_test "$key" "$@"; else skip_pkg "$key" "$why"; fi
  report "$key" "$label"
}

# a copy of DIR (tests taken out of the sdist, so that the source tree does
# not shadow the installed package) -> prints the copy
run_dir() {
  # (one path for both implementations, cleared in between: a test id that
  # holds a path is the same under both, and so is pytest's fallback to
  # "NAME<index>" for an id over 100 characters (brotlicffi's and WeasyPrint's
  # parametrized paths: a run dir one character longer turned one more of
  # them into "simple_compressed_file7"), the index following the order of
  # a set of those paths, fixed by PYTHONHASHSEED in pytest_run)
  local d="$WORK/run/$1"
  rm -rf "$d" && mkdir -p "$d" && printf '%s\n' "$d"
}

# ---------------------------------------------------------------- packages
# t_tests KEY IMPL VENV SRC: the sdist's tests/ directory, run by pytest
# (from a copy, so that the source tree does not shadow the installed package)
t_tests() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  pytest_run "$1" "$2" "$3" "$d" all tests
}

# t_test: the same for an sdist whose directory is test/
t_test() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/test" "$d/"
  pytest_run "$1" "$2" "$3" "$d" all test
}

# pyproject.toml files with an SPDX license string need setuptools 77+ (a new
# venv has the one its Python bundles): given to the packages that need it
SETUPTOOLS77="setuptools>=77"

p_bcrypt() { build_and_test bcrypt "bcrypt==3.2.2" bcrypt "six" t_tests; report bcrypt "bcrypt 3.2.2"; }

p_argon2() { build_and_test argon2 "argon2-cffi-bindings==21.2.0" _argon2_cffi_bindings "" t_tests; report argon2 "argon2-cffi-bindings 21.2.0"; }

# the tests that ask 8.8.8.8 (or other servers) are left out
PYCARES_NETWORK="query_ or getaddrinfo5 or search or lookup or idna or result_not_ascii or EventThread or custom_resolvconf or channel_local_ip or channel_timeout"
t_pycares() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  pytest_run "$1" "$2" "$3" "$d" all tests -k "not ($PYCARES_NETWORK)"
}
p_pycares() { build_and_test pycares "pycares==4.8.0" pycares "" t_pycares; report pycares "pycares 4.8.0"; }

t_pyvips() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  pytest_run "$1" "$2" "$3" "$d" all tests
}
p_pyvips() {
  lib_pkg pyvips "pyvips 2.1.16" "have_pc vips" "libvips-dev (pkg-config vips) not installed" \
    "pyvips==2.1.16" pyvips "" t_pyvips
}

t_cairocffi() {
  local d; d=$(run_dir "$1" "$2")
  # its tests live in the installed package; test_xcb needs xcffib and an X server
  pytest_run "$1" "$2" "$3" "$d" all --pyargs cairocffi.test_cairo cairocffi.test_numpy
}
p_cairocffi() {
  lib_pkg cairocffi "cairocffi 1.7.1" "have_lib libcairo.so.2" "libcairo2 not installed" \
    "cairocffi==1.7.1" cairocffi "flit_core numpy pikepdf" t_cairocffi
}

PG_PORT=54329
PG_DIR="$WORK/pg"
start_postgres() {
  local bin; bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -n "$bin" ] && [ -x "$bin/initdb" ] || { PG_WHY="no PostgreSQL server installed (apt-get install postgresql)"; return 1; }
  id postgres >/dev/null 2>&1 || { PG_WHY="no 'postgres' user to run the server as"; return 1; }
  rm -rf "$PG_DIR" && mkdir -p "$PG_DIR/sock" && chown -R postgres "$PG_DIR"
  runuser -u postgres -- "$bin/initdb" -D "$PG_DIR/data" -U postgres --auth=trust >>"$WORK/logs/postgres.log" 2>&1 \
    || { PG_WHY="initdb failed (see $WORK/logs/postgres.log)"; return 1; }
  runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR/sock" start >>"$WORK/logs/postgres.log" 2>&1 \
    || { PG_WHY="the server did not start (see $PG_DIR/server.log)"; return 1; }
  PG_BIN=$bin
  runuser -u postgres -- "$bin/createdb" -h 127.0.0.1 -p $PG_PORT -U postgres psycopg2_test >>"$WORK/logs/postgres.log" 2>&1
}
stop_postgres() {
  [ -n "${PG_BIN:-}" ] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >>"$WORK/logs/postgres.log" 2>&1
  PG_BIN=
}
t_psycopg2cffi() {
  local d; d=$(run_dir "$1" "$2")
  # its own tests, out of the installed package (whose tests/__init__.py
  # imports the psycopg2_tests its sdist leaves out)
  mkdir -p "$d/own" && cp "$4"/psycopg2cffi/tests/test_*.py "$d/own/"
  pytest_run "$1" "$2" "$3" "$d" own own
  # psycopg2's own suite, with psycopg2cffi standing in for psycopg2
  local ps; ps=$(unpack "$PSYCOPG2_SDIST" "$WORK/src/psycopg2-$2") || return 0
  cp -r "$ps/tests" "$d/"
  # psycopg2 2.7 ran 2to3 over its tests at build time for Python 3: so do we
  # (lib2to3, in Python up to 3.12); its tests/__init__.py imports every
  # module (one failing import fails them all): emptied, each module is
  # collected alone
  "$3/bin/python" -W ignore -m lib2to3 -w -n "$d/tests" >>"$WORK/logs/$1-$2.log" 2>&1
  : >"$d/tests/__init__.py"
  cat >"$d/conftest.py" <<'EOF'
# glue written by scripts/clients.sh: psycopg2's tests import psycopg2
from psycopg2cffi import compat
compat.register()
EOF
  # the two test_copy_no_hang hang with psycopg2cffi (cffi and rcffi alike)
  PSYCOPG2_TESTDB=psycopg2_test PSYCOPG2_TESTDB_HOST=127.0.0.1 PSYCOPG2_TESTDB_PORT=$PG_PORT \
    PSYCOPG2_TESTDB_USER=postgres pytest_run "$1" "$2" "$3" "$d" psycopg2 tests -k "not copy_no_hang"
}
p_psycopg2cffi() {
  PG_WHY=
  if ! PSYCOPG2_SDIST=$(sdist "psycopg2==2.7.7"); then
    skip_pkg psycopg2cffi "cannot download psycopg2 2.7.7's tests"
  elif ! have_pc libpq; then
    skip_pkg psycopg2cffi "libpq-dev not installed"
  elif ! start_postgres; then
    skip_pkg psycopg2cffi "$PG_WHY"
  else
    build_and_test psycopg2cffi "psycopg2cffi==2.9.0" psycopg2cffi "six" t_psycopg2cffi
    stop_postgres
  fi
  report psycopg2cffi "psycopg2cffi 2.9.0"
}
trap stop_postgres EXIT

t_pymunk() {
  local d; d=$(run_dir "$1" "$2")
  pytest_run "$1" "$2" "$3" "$d" all --pyargs pymunk.tests
}
p_pymunk() { build_and_test pymunk "pymunk==6.8.1" pymunk "" t_pymunk; report pymunk "pymunk 6.8.1"; }

t_xattr() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  # its tests make files in the current directory and in TMPDIR
  mkdir -p "$d/tmp" && TMPDIR="$d/tmp" pytest_run "$1" "$2" "$3" "$d" all tests
}
p_xattr() { build_and_test xattr "xattr==1.1.0" xattr "" t_xattr; report xattr "xattr 1.1.0"; }

# sounddevice: no test suite upstream; these calls need no audio device
SD_SMOKE='
import sys, sounddevice as sd
print("portaudio", sd.get_portaudio_version()[0] > 0)
print("hostapis", type(sd.query_hostapis()).__name__)
print("devices", type(sd.query_devices()).__name__)
print("default", sd.default.samplerate, sd.default.channels, sd.default.dtype)
try:
    sd.check_output_settings(device=10**6)
except Exception as e:
    print("bad device:", type(e).__name__, e)
print("ffi", type(sd._ffi).__name__, sd._ffi.sizeof("PaStreamParameters"))
'
smoke() {  # smoke KEY IMPL-NAME VENV IMPL-TO-RUN-UNDER: one "test" comparing outputs
  in_impl "$4" "$3/bin/python" -c "$SD_SMOKE" >"$RESULTS/$1-$2.out" 2>&1
}
t_sounddevice() {
  smoke "$1" "$2" "$3" "$2"
  if [ "$2" = rcffi ]; then
    # the _sounddevice.py real cffi generated (cffi venv), loaded with rcffi
    local site; site=$("$WORK/venvs/$1-cffi/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
    PYTHONPATH="$site" smoke "$1" "cffi-made" "$3" rcffi
  fi
  "$PY" - "$RESULTS" "$1" "$2" <<'EOF'
import os, re, sys
res, key, impl = sys.argv[1:4]
def out(name):
    try:
        text = open(os.path.join(res, "%s-%s.out" % (key, name))).read()
        return re.sub(r"0x[0-9a-f]+", "0x?", re.sub(r"/sounddevice-r?cffi/", "/VENV/", text))
    except OSError:
        return None
ref = out("cffi")
cases = [("smoke", out(impl))] + ([("cffi-made module under rcffi", out("cffi-made"))] if impl == "rcffi" else [])
with open(os.path.join(res, "%s-%s-smoke.xml" % (key, impl)), "w") as f:
    f.write("<testsuite>")
    for name, text in cases:
        bad = text is None or "Traceback" in text or text != ref
        f.write('<testcase classname="sounddevice" name="%s">%s</testcase>' % (name, "<failure/>" if bad else ""))
    f.write("</testsuite>")
EOF
}
p_sounddevice() {
  lib_pkg sounddevice "sounddevice 0.5.1" "have_lib libportaudio.so.2" "libportaudio2 not installed" \
    "sounddevice==0.5.1" sounddevice "" t_sounddevice
}

# cffi's demo/ programs: KEY -> "build-script program args" (run in order)
DEMOS="api:api.py
bsdopendirtype:bsdopendirtype_build.py bsdopendirtype.py
extern_python:extern_python.py
extern_python_varargs:extern_python_varargs.py
fastcsv:fastcsv.py
gmp:gmp_build.py gmp.py 123456789012345678901234567890 987654321098765432109876543210
manual2:manual2.py
pwuid:pwuid_build.py pwuid.py
pyobj:pyobj.py
readdir:readdir_build.py readdir.py
readdir2:readdir2_build.py readdir2.py
recopendirtype:recopendirtype_build.py recopendirtype.py
embedding:embedding.py
_curses:_curses_build.py"
t_demo_one() {  # KEY IMPL VENV DIR DEMO-KEY "steps"
  local key=$1 impl=$2 v=$3 dir=$4 name=$5 steps=$6 out="$RESULTS/demo-$2-$5.out"
  : >"$out"
  local first rest
  (
    cd "$dir" || exit 1
    set -- $steps
    # a build script's output (compiler messages) is kept apart, not compared
    if [[ $1 == *_build.py ]]; then in_impl "$impl" timeout 600 "$v/bin/python" "$1" >"$out.build" 2>&1 || exit 1; shift; fi
    in_impl "$impl" timeout 600 "$v/bin/python" "$@" >>"$out" 2>&1 || exit 1
    if [ "$name" = embedding ]; then
      # the library embedding.py built, called from C (cffi's embedding_test.c)
      local so; so=$(ls _embedding_cffi*.so | head -1)
      gcc -o embedding_test embedding_test.c "./$so" -Wl,-rpath,"$dir" >>"$out" 2>&1 || exit 1
      # the embedded interpreter is the base one: give it the venv's packages
      local site; site=$("$v/bin/python" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
      PYTHONPATH="$dir:$site" in_impl "$impl" timeout 60 ./embedding_test >>"$out" 2>&1 || exit 1
    fi
    if [ "$name" = _curses ]; then
      in_impl "$impl" timeout 60 "$v/bin/python" -c "import _curses; print(_curses.version if hasattr(_curses, 'version') else 'ok')" >>"$out" 2>&1 || exit 1
    fi
  )
  echo "exit $?" >>"$out"
}
t_demo() {
  local key=$1 impl=$2 v=$3 src=$4 d line name steps
  d=$(run_dir "$key" "$impl"); cp -r "$src/demo" "$d/"
  # the readdir demos list /tmp: give them a directory whose content is fixed
  mkdir -p "$d/fixture/sub" && touch "$d/fixture/a" "$d/fixture/sub/b"
  sed -i "s#\(['\"]\)/tmp\1#\1$d/fixture\1#" "$d"/demo/*.py
  while IFS= read -r line; do
    name=${line%%:*}; steps=${line#*:}
    t_demo_one "$key" "$impl" "$v" "$d/demo" "$name" "$steps"
  done <<<"$DEMOS"
  "$PY" - "$RESULTS" "$impl" "$d" <<'EOF'
import glob, os, re, sys
res, impl, d = sys.argv[1:4]
def norm(t):
    # warnings name the line that warns (cffi: a line of its own parser)
    out, warned = [], False
    for line in t.splitlines():
        if warned and line.startswith("  "):
            warned = False
            continue
        warned = re.search(r": [A-Za-z]*Warning: ", line) is not None
        if not warned:
            out.append(line)
    t = re.sub(r"/demo-r?cffi\b", "/demo-IMPL", "\n".join(out))
    return re.sub(r"0x[0-9a-f]+", "0x?", t)
with open(os.path.join(res, "demo-%s-all.xml" % impl), "w") as f:
    f.write("<testsuite>")
    for p in sorted(glob.glob(os.path.join(res, "demo-%s-*.out" % impl))):
        name = os.path.basename(p)[len("demo-%s-" % impl):-4]
        text = open(p).read()
        ok = text.rstrip().endswith("exit 0")
        if ok and impl == "rcffi":
            try:
                ok = norm(text) == norm(open(os.path.join(res, "demo-cffi-%s.out" % name)).read())
            except OSError:
                pass
        f.write('<testcase classname="demo" name="%s">%s</testcase>' % (name, "" if ok else "<failure/>"))
    f.write("</testsuite>")
EOF
}
p_demo() {
  local sd impl v src
  sd=$(sdist "cffi==2.0.0") || { for impl in cffi rcffi; do record demo "$impl" "download failed"; done; report demo "cffi demo/"; return; }
  for impl in cffi rcffi; do
    : >"$WORK/logs/demo-$impl.log"; rm -f "$RESULTS"/demo-"$impl"-*
    log "demo: $impl"
    v=$(new_venv demo "$impl") || { record demo "$impl" "venv failed"; continue; }
    src=$(unpack "$sd" "$WORK/src/demo-$impl") || { record demo "$impl" "unpack failed"; continue; }
    t_demo demo "$impl" "$v" "$src"
    record demo "$impl" ok "$RESULTS/demo-$impl-all.xml"
  done
  report demo "cffi 2.0.0 demo/"
}

t_pycryptodome() {
  local d; d=$(run_dir "$1" "$2")
  # Crypto.SelfTest is in the installed package, run with its own pytest plugin
  pytest_run "$1" "$2" "$3" "$d" all -p Crypto.SelfTest.plugin --pyargs Crypto.SelfTest
}
p_pycryptodome() {
  build_and_test pycryptodome "pycryptodome==4.5.0" "Crypto.Util._raw_api:backend=cffi" "$SETUPTOOLS77" t_pycryptodome
  report pycryptodome "pycryptodome 4.5.0"
}

p_zstandard() {
  # the cffi backend, not its C extension, under both implementations
  PYTHON_ZSTANDARD_IMPORT_POLICY=cffi build_and_test zstandard "zstandard==0.25.0" "zstandard:backend=cffi" "$SETUPTOOLS77" t_tests
  report zstandard "zstandard 0.25.0"
}

p_soundfile() {
  lib_pkg soundfile "soundfile 0.14.0" "have_lib libsndfile.so.1" "libsndfile1 not installed" \
    "soundfile==0.14.0" soundfile "numpy typing-extensions" t_tests
}

p_cmarkgfm() { build_and_test cmarkgfm "cmarkgfm==2025.10.22" cmarkgfm "$SETUPTOOLS77" t_tests; report cmarkgfm "cmarkgfm 2025.10.22"; }

t_brotlicffi() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/test" "$d/"
  # its conftest reads ../libbrotli/tests/testdata (a git submodule, not in
  # its sdist): Brotli's own sdist has that directory
  local b; b=$(unpack "$BROTLI_SDIST" "$WORK/src/brotli-$2") || return 0
  mkdir -p "$d/libbrotli/tests" && cp -r "$b/tests/testdata" "$d/libbrotli/tests/"
  # (and a test reads libbrotli/c/common/version.h, which the sdist has)
  cp -r "$4/libbrotli/c" "$d/libbrotli/"
  pytest_run "$1" "$2" "$3" "$d" all test
}
p_brotlicffi() {
  if ! BROTLI_SDIST=$(sdist "brotli==1.2.1"); then
    skip_pkg brotlicffi "cannot download Brotli 1.2.1's test data"
  else
    build_and_test brotlicffi "brotlicffi==1.2.1.0" brotlicffi "hypothesis" t_brotlicffi
  fi
  report brotlicffi "brotlicffi 1.2.1.0"
}

# each of xcffib's tests starts an Xvfb on a free display (xcffib.testing)
have_xvfb() { command -v Xvfb >/dev/null && have_lib libxcb.so.1; }
p_xcffib() {
  lib_pkg xcffib "xcffib 1.13.0" have_xvfb "Xvfb (xvfb) or libxcb1 not installed" \
    "xcffib==1.13.0" xcffib "" t_test
}

p_lmdb() {
  # its verify()-based cffi module, not its C extension, built and tested
  LMDB_FORCE_CFFI=1 build_and_test lmdb "lmdb==3.0.0" "lmdb:open.__module__=lmdb.cffi" "" t_tests
  report lmdb "lmdb 3.0.0"
}

p_pylibsrtp() {
  lib_pkg pylibsrtp "pylibsrtp 1.0.0" "have_pc libsrtp2" "libsrtp2-dev (pkg-config libsrtp2) not installed" \
    "pylibsrtp==1.0.0" pylibsrtp "$SETUPTOOLS77" t_tests
}

t_xxhash() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  # its one test file is tests/test.py (a name pytest does not collect by itself)
  pytest_run "$1" "$2" "$3" "$d" all tests/test.py
}
p_xxhash() { build_and_test xxhash "xxhash-cffi==1.3.0" xxhash_cffi "" t_xxhash; report xxhash "xxhash-cffi 1.3.0"; }

# its tests open tests/audio/* relative to the current directory, and play
# through miniaudio's NULL backend (no device)
p_miniaudio() { build_and_test miniaudio "miniaudio==1.71" miniaudio "" t_tests; report miniaudio "miniaudio 1.71"; }

# pygit2 1.11.1 is the release for libgit2 1.5 (Debian 12's libgit2-dev)
p_pygit2() {
  lib_pkg pygit2 "pygit2 1.11.1" "have_pc libgit2" "libgit2-dev (pkg-config libgit2) not installed" \
    "pygit2==1.11.1" pygit2 "" t_test
}

t_pywayland() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/test" "$d/"
  # its client/server tests open a socket in XDG_RUNTIME_DIR
  mkdir -p "$d/xdg" && chmod 700 "$d/xdg"
  XDG_RUNTIME_DIR="$d/xdg" pytest_run "$1" "$2" "$3" "$d" all test
}
# its build generates the protocol modules from wayland-protocols' XML files
have_wayland() { have_pc wayland-server && have_pc wayland-protocols; }
p_pywayland() {
  lib_pkg pywayland "pywayland 0.4.19" have_wayland "libwayland-dev or wayland-protocols not installed" \
    "pywayland==0.4.19" pywayland "$SETUPTOOLS77" t_pywayland
}

# pyOpenSSL's suite over cryptography's binary wheel from PyPI, whose _openssl
# module real cffi compiled: in drop-in mode its PyInit_ reaches rcffi's
# _cffi_backend, which hands it to real cffi's extension (docs/compat.md,
# _cffi_backend); pyOpenSSL itself is pure Python over that module's ffi/lib
p_pyopenssl() {
  build_and_test pyopenssl "pyopenssl==26.4.0" OpenSSL.SSL "$SETUPTOOLS77 cryptography pretend" t_tests
  report pyopenssl "pyOpenSSL 26.4.0"
}

# WeasyPrint is pure Python: its in-line ABI-mode cdef over Pango, HarfBuzz,
# fontconfig and GLib (ffi.dlopen of each) runs under the cffi of the venv
p_weasyprint() {
  lib_pkg weasyprint "WeasyPrint 70.0" "have_lib libpango-1.0.so.0" "libpango-1.0-0 not installed" \
    "weasyprint==70.0" weasyprint.text.ffi "flit_core Pillow>=12.1.0" t_tests
}

# misaka's tests run under its own runner (tests/run_tests.py, chibitest),
# which prints "name ... PASSED|FAILED" under ">> TestCase": read into junit
t_misaka() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  (cd "$d" && in_impl "$2" timeout "$TIMEOUT" "$3/bin/python" tests/run_tests.py) >"$d/out.txt" 2>&1
  cat "$d/out.txt" >>"$WORK/logs/$1-$2.log"
  "$PY" - "$d/out.txt" "$RESULTS/$1-$2-all.xml" <<'EOF2'
import re, sys
from xml.sax.saxutils import quoteattr
case, rows = "", []
for line in open(sys.argv[1], errors="replace"):
    if line.startswith(">> "):
        case = line[3:].strip()
    m = re.match(r"(.*) \.\.\. (PASSED|FAILED)$", line.rstrip("\n"))
    if m:
        rows.append('<testcase classname=%s name=%s>%s</testcase>' % (
            quoteattr(case), quoteattr(m.group(1)), "" if m.group(2) == "PASSED" else "<failure/>"))
open(sys.argv[2], "w").write("<testsuite>%s</testsuite>" % "".join(rows))
EOF2
}
p_misaka() { build_and_test misaka "misaka==2.1.1" misaka "" t_misaka; report misaka "misaka 2.1.1"; }

# cryptography 40.0.2: the newest cffi-generated _openssl module that still
# carries most of its OpenSSL calls (later releases moved them to Rust) and
# the first line that supports OpenSSL 3 (Debian 12's). Its build runs
# build_openssl.py (ffi.emit_c_code of a ~900-name API-mode cdef) from its
# Rust build script, and compiles that C into its Rust extension, whose
# module init calls PyInit__openssl; needs cargo (crates from crates.io).
# Tests: the hazmat files that go through that module (ciphers, hashes, MACs,
# KDFs, EC/Ed25519/X25519 keys, serialization, PKCS7/12, its bindings and
# backend), with cryptography_vectors 40.0.2; RSA, DSA and DH (key
# generation dominates) and x509 (Rust) are left out for time
CRYPTO_FILES="aes aead aes_gcm hashes hash_vectors hmac hmac_vectors hkdf pbkdf2hmac chacha20 poly1305 cmac padding keywrap x25519 ed25519 ec serialization pkcs7 pkcs12 3des camellia ciphers block constant_time x963kdf concatkdf kbkdf scrypt"
t_cryptography() {
  local d f files=(tests/hazmat/bindings tests/hazmat/backends tests/test_fernet.py)
  d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  for f in $CRYPTO_FILES; do files+=("tests/hazmat/primitives/test_$f.py"); done
  pytest_run "$1" "$2" "$3" "$d" all -p no:randomly "${files[@]}"
}
p_cryptography() {
  if ! command -v cargo >/dev/null; then
    skip_pkg cryptography "no cargo (its build compiles Rust)"
  elif ! VECTORS_SDIST=$(sdist "cryptography_vectors==40.0.2"); then
    skip_pkg cryptography "cannot download cryptography_vectors 40.0.2"
  else
    build_and_test cryptography "cryptography==40.0.2" cryptography.hazmat.bindings._rust \
      "setuptools-rust pytest-benchmark pytest-subtests pretend iso8601 $VECTORS_SDIST" t_cryptography
  fi
  report cryptography "cryptography 40.0.2"
}

# gevent 26.9.0: its two cffi modules (gevent.libuv._corecffi and
# gevent.libev._corecffi, API mode over its bundled libuv and libev:
# extern "Python" callbacks, handles, ffi.gc, watcher structs) are what rcffi
# builds; the rest of its build is Cython over its C extensions (the .c files
# its sdist ships), built alike under both. c-ares (a Cython module that
# runs configure) is left out: GEVENTSETUP_DISABLE_ARES=1. Its tests run one
# file a process, as its own runner does (the files monkey-patch at import):
# `python -m gevent.tests.test__X` with unittest.main given a runner that
# writes junit, plus a "process exit" case a file; each file twice, with
# GEVENT_LOOP=libuv-cffi and GEVENT_LOOP=libev-cffi (the default loop is its
# Cython libev extension, no cffi in it). The files: those of the loop and its
# watchers (core*, loop, hub, destroy, fork), what runs on them (timeouts,
# sleep, greenlets, events, queues, pools, locks, threadpool, signals,
# subprocesses, select/selectors, sockets and servers on 127.0.0.1, files,
# os); left out: DNS and network (ares, socket_dns*, ssl, examples that
# fetch), the doctests and monkey-patching-only files (no loop), and the slow
# leak/refcount checks
GEVENT_FILES="core core_async core_callback core_fork core_loop_run core_stat core_timer core_watcher
loop_callback hub hub_join hub_join_timeout destroy destroy_default_loop nondefaultloop close_backend_fd
sleep0 timeout api api_timeout event events greenlet greenletset iwait joinall pool queue semaphore lock
local threadpool signal subprocess subprocess_poll monkey_sigchld select selectors socket socketpair
socket_close socket_errors socket_timeout socket_send_memoryview socket_ex server server_pywsgi pywsgi
fileobject os GreenletExit exc_info issue6 issue112 issue230 issue330 issue467 issue600 issue607"
GEVENT_LOOPS="libuv-cffi libev-cffi"
# (the driver: unittest.main's runner records each test; written in the run dir)
GEVENT_DRIVER='
import json, runpy, sys, unittest
from xml.sax.saxutils import quoteattr
mod, out, tag = sys.argv[1], sys.argv[2], sys.argv[3]
rows = []
class Result(unittest.TextTestResult):
    def _row(self, test, kid=""):
        rows.append("<testcase classname=%s name=%s>%s</testcase>" % (
            quoteattr(tag + ":" + mod), quoteattr(test.id().replace(mod + ".", "", 1)), kid))
    def addSuccess(self, test):
        super().addSuccess(test); self._row(test)
    def addFailure(self, test, err):
        super().addFailure(test, err); self._row(test, "<failure/>")
    def addError(self, test, err):
        super().addError(test, err); self._row(test, "<error/>")
    def addSkip(self, test, reason):
        super().addSkip(test, reason); self._row(test, "<skipped/>")
    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err); self._row(test, "<skipped/>")
    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test); self._row(test)
class Runner(unittest.TextTestRunner):
    resultclass = Result
    def run(self, test):
        try:
            return super().run(test)
        finally:
            open(out, "w").write("<testsuite>%s</testsuite>" % "".join(rows))
main = unittest.main
class Program(main):
    def __init__(self, *a, **kw):
        kw["testRunner"] = Runner
        kw.setdefault("verbosity", 2)
        super().__init__(*a, **kw)
unittest.main = Program
sys.argv[1:] = []
runpy.run_module(mod, run_name="__main__", alter_sys=True)
'
# which loop a GEVENT_LOOP gives, and from which implementation's module
GEVENT_LOOP_CHECK='
import sys, gevent
loop = gevent.get_hub().loop
print("loop:", type(loop).__module__, type(loop).__name__)
real = any((n in ("cffi", "_cffi_backend") or n.startswith("cffi.")) and "/rcffi/" not in (getattr(m, "__file__", None) or "/rcffi/")
           for n, m in list(sys.modules.items()))
print("real cffi loaded:", real, "rcffi loaded:", "rcffi" in sys.modules)
want = {"libuv-cffi": "gevent.libuv.loop", "libev-cffi": "gevent.libev.corecffi"}[sys.argv[1]]
sys.exit(0 if type(loop).__module__ == want and (("rcffi" in sys.modules and not real) == (sys.argv[2] == "rcffi")) else 1)
'
t_gevent() {
  local key=$1 impl=$2 v=$3 d loop f rc x
  d=$(run_dir "$key" "$impl")
  printf '%s' "$GEVENT_DRIVER" >"$d/gevent_junit.py"
  for loop in $GEVENT_LOOPS; do
    (cd "$d" && GEVENT_LOOP=$loop in_impl "$impl" "$v/bin/python" -c "$GEVENT_LOOP_CHECK" "$loop" "$impl") >>"$WORK/logs/$key-$impl.log" 2>&1
    rc=$?
    printf '<testsuite><testcase classname="%s" name="loop check">%s</testcase></testsuite>' "$loop" \
      "$([ $rc = 0 ] || echo '<failure/>')" >"$RESULTS/$key-$impl-$loop-check.xml"
    for f in $GEVENT_FILES; do
      x="$RESULTS/$key-$impl-$loop-$f"
      printf '\n== %s %s\n' "$loop" "$f" >>"$WORK/logs/$key-$impl.log"
      # (through a pipe: test__core's test_io polls fd 1, which libuv refuses
      # for a regular file, EPERM)
      (cd "$d" && GEVENT_LOOP=$loop in_impl "$impl" timeout 600 "$v/bin/python" -u gevent_junit.py \
        "gevent.tests.test__$f" "$x.xml" "$loop") 2>&1 | cat >>"$WORK/logs/$key-$impl.log"
      rc=${PIPESTATUS[0]}
      # the process itself: a failure when it did not exit 0 and no test
      # of it failed (a crash, a timeout, an import error, no results)
      local bad=
      if [ "$rc" != 0 ] && ! grep -qE '<(failure|error)/>' "$x.xml" 2>/dev/null; then bad='<failure/>'; fi
      printf '<testsuite><testcase classname="%s:gevent.tests.test__%s" name="process exit">%s</testcase></testsuite>' \
        "$loop" "$f" "$bad" >"$x-exit.xml"
    done
  done
}
p_gevent() {
  GEVENTSETUP_DISABLE_ARES=1 build_and_test gevent "gevent==26.9.0" gevent.libuv._corecffi \
    "Cython>=3.2.4 greenlet>=3.2.2 zope.event zope.interface" t_gevent
  report gevent "gevent 26.9.0"
}

# pynng 0.9.0: API mode (cffi_modules) over its bundled nng and mbedtls,
# which its build_ext compiles with cmake first (cmake from
# Debian) and links in as static archives; callbacks (pipe notifications via
# extern "Python"), ffi.new_handle, out-params, buffers; tests: its test/
# (tcp, ipc and inproc on this machine, TLS with its own certificates,
# asyncio and trio)
have_cmake() { command -v cmake >/dev/null; }
p_pynng() {
  lib_pkg pynng "pynng 0.9.0" have_cmake "cmake not installed" \
    "pynng==0.9.0" pynng "setuptools-scm sniffio pytest-asyncio pytest-trio trio" t_test
}

# ijson 3.6.0: its yajl2_cffi backend, in-line ABI mode (ffi.dlopen of
# Debian's libyajl 2, a struct of ffi.callback()s handed to yajl_alloc); its
# tests run every backend it finds (yajl2_cffi, yajl2_c, yajl2 over ctypes,
# python), each test id naming its backend; the yajl2_cffi ones are those that
# reach cffi
p_ijson() {
  lib_pkg ijson "ijson 3.6.0" "have_lib libyajl.so.2" "libyajl2 not installed" \
    "ijson==3.6.0" ijson.backends.yajl2_cffi "$SETUPTOOLS77" t_tests
}

# paka.cmark 3.0.0: API mode over its bundled cmark (cffi_modules), node
# trees walked through the lib, ffi.string; tests: its tests/ (run from
# there: they import their testutils module)
t_paka_cmark() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  pytest_run "$1" "$2" "$3" "$d/tests" all .
}
p_paka_cmark() { build_and_test paka_cmark "paka.cmark==3.0.0" paka.cmark "" t_paka_cmark; report paka_cmark "paka.cmark 3.0.0"; }

# JACK-Client 0.5.7: out-of-line ABI mode (jack_build.py: set_source("_jack",
# None)), dlopen of Debian's libjack; its tests are the doctests of
# doc/usage.rst (27 examples, one pytest item: clients, ports, connections),
# run as upstream does, against a jackd started here with the dummy driver
t_jack() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/doc" "$d/"
  JACK_NO_AUDIO_RESERVATION=1 jackd --no-realtime -d dummy >"$d/jackd.log" 2>&1 &
  local jpid=$!
  sleep 3
  pytest_run "$1" "$2" "$3" "$d" all --doctest-glob='*.rst' doc/usage.rst
  kill "$jpid" 2>/dev/null; wait "$jpid" 2>/dev/null
}
have_jack() { command -v jackd >/dev/null && have_lib libjack.so.0; }
p_jack() {
  lib_pkg jack "JACK-Client 0.5.7" have_jack "jackd2 (jackd, libjack) not installed" \
    "jack-client==0.5.7" jack "$SETUPTOOLS77 setuptools-scm" t_jack
}

# pyzmq 27.3.0 with its cffi backend (PYZMQ_BACKEND=cffi, at build time and
# when its tests run; on CPython its default is a Cython backend, which is not
# built): scikit-build-core and cmake run buildutils/build_cffi.py,
# ffi.emit_c_code() of an API-mode module over Debian's libzmq (pkg-config;
# PYZMQ_NO_BUNDLE=1: no download of a bundled libzmq); sockets, polling,
# messages through ffi.buffer/from_buffer, ffi.gc; tests: its tests/ but
# test_mypy, test_cython and test_ssh (mypy, Cython and ssh tooling)
# (test_log's test_blank_root_topic subscribes and publishes at once: when
# the PUB socket has not yet taken the new subscription in, which libzmq
# checks at most every millisecond or so, the message is dropped and the
# test waits for it until its 60 s alarm, leaving its handler's closed socket
# in the root logger, where the next eight tests of TestPubLog fail on it:
# it runs in a pytest of its own. A script doing the same 60 times lost the
# message about half the time with each implementation; its test, run 20
# times alone, hung 2 times with cffi and 6 with rcffi, whose quicker calls
# leave libzmq less time)
PYZMQ_RACY=tests/test_log.py::TestPubLog::test_blank_root_topic
t_pyzmq() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$4/pytest.ini" "$d/"
  PYZMQ_BACKEND=cffi pytest_run "$1" "$2" "$3" "$d" all --import-mode=importlib tests \
    --ignore=tests/test_mypy.py --ignore=tests/test_cython.py --ignore=tests/test_ssh.py \
    --deselect "$PYZMQ_RACY"
  PYZMQ_BACKEND=cffi pytest_run "$1" "$2" "$3" "$d" racy --import-mode=importlib "$PYZMQ_RACY"
}
p_pyzmq() {
  PYZMQ_BACKEND=cffi PYZMQ_NO_BUNDLE=1 lib_pkg pyzmq "pyzmq 27.3.0 (cffi backend)" "have_pc libzmq" \
    "libzmq3-dev (pkg-config libzmq) not installed" "pyzmq==27.3.0" "zmq.backend.cffi" \
    "scikit-build-core>=0.10 cmake packaging pytest-asyncio tornado" t_pyzmq
}

# xkbcommon 1.5.1: API mode over Debian's libxkbcommon (keymaps, key
# states, compose tables; ffi.string, char buffers, out-params); tests: its
# tests/ (keymaps from xkb-data and from its own strings)
p_xkbcommon() {
  lib_pkg xkbcommon "xkbcommon 1.5.1" "have_pc xkbcommon" "libxkbcommon-dev (pkg-config xkbcommon) not installed" \
    "xkbcommon==1.5.1" xkbcommon._ffi "$SETUPTOOLS77" t_tests
}

# signalfd 1.0.0: API mode over signalfd(2) and sigprocmask(2) (struct
# signalfd_siginfo read into a cdata, sigset_t out-params, errno); tests:
# its tests/, with its pytest.ini (warnings are errors)
t_signalfd() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$4/pytest.ini" "$d/"
  pytest_run "$1" "$2" "$3" "$d" all tests
}
p_signalfd() { build_and_test signalfd "signalfd==1.0.0" signalfd "" t_signalfd; report signalfd "signalfd 1.0.0"; }

# PyNaCl 1.6.2: API mode over its bundled libsodium (configure and make run
# by its build; Debian 12's libsodium 1.0.18 lacks the AEGIS calls it
# binds), large cdef, buffers (ffi.buffer, from_buffer), out-params;
# tests: its tests/ (hypothesis, test vectors in tests/data)
p_pynacl() {
  SODIUM_INSTALL=bundled build_and_test pynacl "pynacl==1.6.2" nacl._sodium "hypothesis" t_tests
  report pynacl "PyNaCl 1.6.2"
}

# unrar2-cffi 0.5.0: API mode over its bundled UnRAR C++ sources (its build
# runs make for libunrar first); cffi_modules names a function that returns
# the builder (buildconf.py:create_builder); callbacks (data, passwords);
# tests: its tests/ (RAR files in its sdist)
p_unrar2() { build_and_test unrar2 "unrar2-cffi==0.5.0" unrar.cffi._unrarlib "$SETUPTOOLS77" t_tests; report unrar2 "unrar2-cffi 0.5.0"; }

# xkbregistry 1.5: API mode over Debian's libxkbregistry (the XKB rules
# registry: layouts, variants, options walked through linked lists); tests:
# its tests/ (with its own rules file)
p_xkbregistry() {
  lib_pkg xkbregistry "xkbregistry 1.5" "have_pc xkbregistry" "libxkbregistry-dev (pkg-config xkbregistry) not installed" \
    "xkbregistry==1.5" xkbregistry "$SETUPTOOLS77" t_tests
}

# rockstore 0.1.2 (its newest sdist; later releases are wheels only):
# in-line ABI mode, ffi.dlopen() of Debian's librocksdb tried over a list of
# names until one loads (each failure must be an OSError), char** error
# out-params, ffi.buffer/ffi.string of values; tests: its tests/, but
# test_iterate_range_generator in a pytest of its own: it closes the database
# under a live iterator, and RocksDB aborts the process (with both); no junit
# from that run counts as its failure
RS_ABORT=tests/test_store.py::test_iterate_range_generator
t_rockstore() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  pytest_run "$1" "$2" "$3" "$d" all tests --deselect "$RS_ABORT"
  pytest_run "$1" "$2" "$3" "$d" abort "$RS_ABORT"
  [ -s "$RESULTS/$1-$2-abort.xml" ] || printf '%s' \
    '<testsuite><testcase classname="tests.test_store" name="test_iterate_range_generator"><failure/></testcase></testsuite>' \
    >"$RESULTS/$1-$2-abort.xml"
}
p_rockstore() {
  lib_pkg rockstore "rockstore 0.1.2" "have_lib librocksdb.so" "librocksdb7.8 not installed" \
    "rockstore==0.1.2" rockstore "" t_rockstore
}

# ppmd-cffi 0.5.0: API mode over its bundled PPMd (7-Zip's) C sources,
# extern "Python" (ffi.def_extern) byte-stream callbacks, ffi.new_handle;
# tests: its tests/ (with hypothesis; data files in its sdist)
p_ppmd() { build_and_test ppmd "ppmd-cffi==0.5.0" _ppmd "setuptools-scm hypothesis" t_tests; report ppmd "ppmd-cffi 0.5.0"; }

# pangocairocffi 0.7.1: in-line ABI mode, its FFI made at import
# (pangocairocffi/ffi_build.py): ffi.include() of pangocffi's in-line FFI
# (pangocffi 0.14.1, pure Python, its FFI made at import too), ffi.dlopen() of
# libpangocairo tried over several names, cairo_t pointers from cairocffi's
# FFI cast into its own; tests: its tests/ (PDFs written to tests/output/,
# which its sdist leaves out: made here). pangocffi's own tests are not run:
# its sdist leaves out their tests/context_creator.py
t_pangocairocffi() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  mkdir -p "$d/tests/output"
  pytest_run "$1" "$2" "$3" "$d" all tests
}
have_pangocairo() { have_lib libpangocairo-1.0.so.0 && have_lib libcairo.so.2; }
p_pangocairocffi() {
  lib_pkg pangocairocffi "pangocairocffi 0.7.1" have_pangocairo "libpangocairo-1.0-0 or libcairo2 not installed" \
    "pangocairocffi==0.7.1" pangocairocffi "pangocffi==0.14.1 cairocffi==1.7.1" t_pangocairocffi
}

# cskipdict 0.0.4: API mode compiled as C++ (set_source(...,
# source_extension='.cpp') with an extern "C" block and a .cpp source), a skip
# list whose values are Python objects kept through ffi.new_handle and read
# back with ffi.from_handle; tests: its test/ (nose's assert_raises: pynose)
p_cskipdict() { build_and_test cskipdict "cskipdict==0.0.4" cskipdict._skiplist "pynose" t_test; report cskipdict "cskipdict 0.0.4"; }

# xxtea-py 1.0.3: ffi.verify() at import time, with sources= (its xxtea.c)
# and include_dirs=: nothing is compiled when it installs, the module is built
# into the package's __pycache__ on first import (here: the backend check);
# ffi.from_buffer of bytes, ffi.buffer of the malloc'ed result, free() through
# the lib; tests: tests/test.py (setup_requires names nose: installed first)
t_xxtea() {
  local d; d=$(run_dir "$1" "$2"); cp -r "$4/tests" "$d/"
  pytest_run "$1" "$2" "$3" "$d" all tests/test.py
}
p_xxtea() { build_and_test xxtea "xxtea-py==1.0.3" xxtea "nose" t_xxtea; report xxtea "xxtea-py 1.0.3"; }

# pysplice 0.1.0: API mode over splice(2) ("typedef int... loff_t;",
# "#define SPLICE_F_MOVE ...", loff_t* in/out offsets, ffi.errno); tests:
# its test/ (pipes, /dev/zero, files in the run dir)
p_pysplice() { build_and_test pysplice "pysplice==0.1.0" pysplice._splice "" t_test; report pysplice "pysplice 0.1.0"; }

# jpeg4py 0.1.4: in-line ABI mode, ffi.dlopen() of Debian's libturbojpeg
# (tjDecompressHeader2/tjDecompress2 over numpy arrays cast to unsigned char *,
# int out-params); tests: its tests/ (JPEG files in its sdist)
p_jpeg4py() {
  lib_pkg jpeg4py "jpeg4py 0.1.4" "have_lib libturbojpeg.so.0" "libturbojpeg0 not installed" \
    "jpeg4py==0.1.4" jpeg4py "numpy" t_tests
}

# siphash-cffi 0.1.4 (a .zip sdist): four API-mode modules from one build
# file (cffi_modules names four FFI objects of build.py), ffi.buffer of the
# digest buffers; tests: its tests/ (reference vectors)
p_siphash() { build_and_test siphash "siphash-cffi==0.1.4" siphash "" t_tests; report siphash "siphash-cffi 0.1.4"; }

# atomiclong 0.1.1: ffi.verify() at the import of its module, which its
# setup.py does to hand ffi.verifier.get_extension() to setup(ext_modules=);
# installed, the module verify() looks for is found by name, not rebuilt
# (__sync_* builtins in the verified C); tests: its test_atomiclong.py. Its
# setup.py imports setuptools.command.test, gone from setuptools 72: pinned
t_atomiclong() {
  local d; d=$(run_dir "$1" "$2"); cp "$4/test_atomiclong.py" "$d/"
  pytest_run "$1" "$2" "$3" "$d" all test_atomiclong.py
}
p_atomiclong() { build_and_test atomiclong "atomiclong==0.1.1" atomiclong "setuptools<72" t_atomiclong; report atomiclong "atomiclong 0.1.1"; }

# pyhy 0.0.9: API mode over its bundled libhydrogen (set_source's C is
# '#include <hydrogen.c>'), keys and packets in structs of byte arrays,
# ffi.memmove, ffi.new of char[]; its tests are a program, test.py, whose
# main() runs every test function twice (str and bytes inputs) and exits at
# import's end: run as a program, one case a test set it completes ("Test
# set NAME COMPLETE"), and one for its exit status (its output holds random
# keys: not compared)
t_pyhy() {
  local key=$1 impl=$2 v=$3 d rc
  d=$(run_dir "$key" "$impl"); cp "$4/test.py" "$d/"
  (cd "$d" && in_impl "$impl" timeout "$TIMEOUT" "$v/bin/python" test.py) >"$d/out.txt" 2>&1
  rc=$?
  cat "$d/out.txt" >>"$WORK/logs/$key-$impl.log"
  "$PY" - "$d/out.txt" "$rc" "$RESULTS/$key-$impl-all.xml" <<'EOF'
import sys
out, rc, xml = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
cases = [(n, "Test set %s COMPLETE" % n in out) for n in ("STR_TEST_SET", "BYTES_TEST_SET")]
cases.append(("exit status", rc == "0" and "Traceback" not in out))
with open(xml, "w") as f:
    f.write("<testsuite>")
    for name, ok in cases:
        f.write('<testcase classname="pyhy.test" name="%s">%s</testcase>' % (name, "" if ok else "<failure/>"))
    f.write("</testsuite>")
EOF
}
p_pyhy() { build_and_test pyhy "pyhy==0.0.9" _libhydrogen "" t_pyhy; report pyhy "pyhy 0.0.9"; }

# ssdeep 3.4: ffi.verify() run by its setup.py (a build command subclass
# hands ffi.verifier.get_extension() to setup(), modulename= a CRC of its
# source, ext_package=), over Debian's libfuzzy; the lib then has names taken
# out by delattr(lib, NAME) when the library lacks them, a cdef with FILE *
# and "static const long" constants; tests: its tests/ (a file it hashes, by
# a path relative to the current directory). Its setup.py imports
# pkg_resources and distutils: setuptools pinned
p_ssdeep() {
  lib_pkg ssdeep "ssdeep 3.4" "have_lib libfuzzy.so.2" "libfuzzy-dev not installed" \
    "ssdeep==3.4" ssdeep "setuptools<72 six pytest-runner" t_tests
}

# pywlroots 0.15.24 (the release for Debian 12's wlroots 0.15): API mode over
# libwlroots whose builder ffi.include()s two other packages' API-mode
# builders, pywayland's and xkbcommon's (so the module it builds imports
# theirs, built first in the same venv by the same implementation, from
# their sdists; pywayland 0.4.17: later ones generate each protocol as one
# module, pywlroots imports pywayland.protocol.wayland.wl_pointer),
# ffi.verify() in its build script (wlroots' version), extern
# "Python" log callback; tests: its tests/ (a compositor on the headless
# backend, structs)
pre_pywlroots() {
  local spec sd
  for spec in "pywayland==0.4.17" "xkbcommon==1.5.1"; do
    sd=$(sdist "$spec") || return 1
    (cd "$WORK/run" && in_impl "$2" "$3/bin/pip" install -v --no-build-isolation "$sd") || return 1
  done
}
have_wlroots() { have_pc wlroots && have_wayland && have_pc xkbcommon; }
p_pywlroots() {
  PRE_BUILD=pre_pywlroots lib_pkg pywlroots "pywlroots 0.15.24" have_wlroots \
    "libwlroots-dev, libwayland-dev, wayland-protocols or libxkbcommon-dev not installed" \
    "pywlroots==0.15.24" wlroots._ffi "$SETUPTOOLS77" t_tests
}

# rpy2 3.5.17: R embedded in Python, over Debian's R (libR.so), its two cffi
# modules from one build script, an out-of-line ABI-mode module
# (_rinterface_cffi_abi, ffi.dlopen() of libR, ffi.callback()s) and an
# API-mode one (_rinterface_cffi_api, extern "Python" callbacks: R's console,
# its event loop, finalizers), both built by its default mode (ANY); R
# objects held through ffi.new_handle, ffi.gc; tests: its rpy2.tests package
# (the installed one), run once with each module (RPY2_CFFI_MODE=API, =ABI;
# test ids take the mode as a prefix); numpy and pandas for its conversion tests
t_rpy2() {
  local key=$1 impl=$2 v=$3 d mode
  d=$(run_dir "$key" "$impl")
  for mode in API ABI; do
    RPY2_CFFI_MODE=$mode pytest_run "$key" "$impl" "$v" "$d" "$mode" --pyargs rpy2.tests
    "$PY" - "$RESULTS/$key-$impl-$mode.xml" "$mode" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
f, mode = sys.argv[1:3]
try:
    tree = ET.parse(f)
except (OSError, ET.ParseError):
    sys.exit(0)
for case in tree.getroot().iter("testcase"):
    case.set("classname", "%s:%s" % (mode, case.get("classname", "")))
tree.write(f)
PYEOF
  done
}
# (its API-mode module links with what "R CMD config --ldflags" names: the
# -dev packages of BLAS, PCRE2, lzma, bzip2, TI-RPC, ICU)
have_r() { command -v R >/dev/null && [ -f /usr/share/R/include/R.h ] && have_pc blas && have_pc icu-uc; }
p_rpy2() {
  lib_pkg rpy2 "rpy2 3.5.17" have_r "r-base-core, libblas-dev or libicu-dev not installed" \
    "rpy2==3.5.17" _rinterface_cffi_api "jinja2 tzlocal numpy pandas" t_rpy2
}

# ---------------------------------------------------------------- main
for key in $CLIENTS; do
  started=$SECONDS
  case " $ALL " in *" $key "*) "p_$key" ;; *) say "unknown package '$key' (known: $ALL)"; continue ;; esac
  say "    ($key: $((SECONDS - started)) s, both builds and test runs)"
done
"$PY" - "$RESULTS" <<'EOF'
import glob, sys
v = [open(p).read() for p in glob.glob(sys.argv[1] + "/*.summary")]
extra = " (%d skipped)" % v.count("skipped") if v.count("skipped") else ""
print("%d passed, %d failed%s" % (v.count("passed"), v.count("failed"), extra))
sys.exit(1 if v.count("failed") else 0)
EOF
