//! The C of an embedding library (`ffi.embedding_api()`): a shared library
//! a C program links against, whose exported functions start Python on
//! their first call, run the `ffi.embedding_init_code()` once, and then
//! call the Python functions attached with `@ffi.def_extern()`.
//!
//! Locks: Python itself is initialized under one process-wide mutex
//! shared by every rcffi embedding library (a weak symbol, see
//! `support`); each library's own start (module creation and init code) is
//! serialized by a recursive mutex of its own, taken without the GIL, so
//! another thread calling one of its functions waits for the init code to
//! finish while the init code itself may call them (recursively, on the
//! same thread). Two libraries run their init code concurrently.

use crate::emit::c_string;
use crate::Embedding;

/// Before the user's source: what cffi documents for it (`CFFI_DLLEXPORT`,
/// `cffi_start_python()`).
pub const PRELUDE: &str = r#"
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#if defined(__GNUC__)
#  define CFFI_DLLEXPORT  __attribute__((visibility("default")))
#else
#  define CFFI_DLLEXPORT
#endif
/* starts Python and runs the init code if not done yet: 0, or -1 if that
   failed (the error was printed) */
static _RCFFI_UNUSED_FN int cffi_start_python(void);
"#;

/// After the user's source, before the functions of `embedding_api()`.
pub const DECLARATIONS: &str = r#"static void _rcffi_call_python_missing(struct _rcffi_externpy_s *e, void **args, void *result)
{
    (void)args;
    fprintf(stderr, "extern \"Python\": function %s() called, but the rcffi runtime is not loaded.  Returning 0.\n", e->name);
    if (result != NULL)
        memset(result, 0, e->size_of_result);
}

/* set by the runtime when the module is created */
static _rcffi_call_python_fn _rcffi_call_python_rt = _rcffi_call_python_missing;
/* the module object, made once (by the first call from C or an import) */
static PyObject *_rcffi_emb_module;
static _RCFFI_UNUSED_FN void _rcffi_embedding_call(struct _rcffi_externpy_s *, void **, void *);

"#;

/// At the top of `PyInit_<name>`: one module object per library, whoever
/// asks first (the start code or Python's import).
pub const INIT_REUSE: &str = r#"    if (_rcffi_emb_module != NULL) {
        Py_INCREF(_rcffi_emb_module);
        return _rcffi_emb_module;
    }
"#;

/// At the end of `PyInit_<name>`.
pub const INIT_KEEP: &str = r#"    Py_INCREF(m);
    _rcffi_emb_module = m;
"#;

/// The start code, after `PyInit_<last>`.
pub fn support(module_name: &str, last: &str, emb: &Embedding) -> String {
    SUPPORT
        .replace("@NAME@", &c_string(module_name))
        .replace("@LAST@", last)
        .replace("@CODE@", &c_string(&emb.init_code))
        .replace("@FILENAME@", &c_string(&format!("<init code for '{module_name}'>")))
        .replace("@RUNTIME_DIR@", &c_string(&emb.runtime_dir))
        .replace("@VERSION@", &c_string(&emb.version))
}

const SUPPORT: &str = r#"
/************************************************************/
/* embedding: Python starts on the first call from C         */

static const char _rcffi_emb_code[] = @CODE@;
static const char _rcffi_emb_runtime_dir[] = @RUNTIME_DIR@;

/* Every rcffi embedding library defines this lock weak and exported: the
   dynamic linker binds all their references to the first definition it
   loaded, so two of them never run Py_InitializeEx() at the same time. */
#ifdef __cplusplus
extern "C" {
#endif
__attribute__((weak, visibility("default"))) pthread_mutex_t _rcffi_embedding_python_lock = PTHREAD_MUTEX_INITIALIZER;
#ifdef __cplusplus
}
#endif

static pthread_mutex_t _rcffi_emb_lock;   /* this library's start; recursive */
static pthread_once_t _rcffi_emb_lock_once = PTHREAD_ONCE_INIT;
static int _rcffi_emb_state;              /* 0: not started, 1: ready, -1: failed */
static int _rcffi_emb_running;            /* the lock's owner runs the init code */

static void _rcffi_emb_make_lock(void)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&_rcffi_emb_lock, &attr);
    pthread_mutexattr_destroy(&attr);
}

/* Extension modules (rcffi's runtime among them) find libpython's symbols
   in the process's global scope, where a host that loaded this library
   with dlopen(RTLD_LOCAL) did not put it: promote it there (cffi leaves
   this to the host program). */
static void _rcffi_emb_make_libpython_global(void)
{
#ifdef RTLD_NOLOAD
    Dl_info info;
    if (dladdr((void *)&Py_InitializeEx, &info) != 0 && info.dli_fname != NULL)
        (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
#endif
}

/* Python itself, once per process, by whichever library comes first; the
   GIL is released afterwards, for every thread to take it as it needs. */
static void _rcffi_emb_start_interpreter(void)
{
    pthread_mutex_lock(&_rcffi_embedding_python_lock);
    if (!Py_IsInitialized()) {
        _rcffi_emb_make_libpython_global();
        Py_InitializeEx(0);   /* 0: the host program keeps its signal handlers */
        (void)PyEval_SaveThread();
    }
    pthread_mutex_unlock(&_rcffi_embedding_python_lock);
}

/* rcffi's runtime must be importable: a host program does not see the
   virtualenv the library was built in, so the directory rcffi was built
   from is appended to sys.path when the import fails. */
static int _rcffi_emb_import_runtime(void)
{
    PyObject *m = PyImport_ImportModule("rcffi");
    if (m == NULL && _rcffi_emb_runtime_dir[0] != '\0' && PyErr_ExceptionMatches(PyExc_ImportError)) {
        PyObject *path = PySys_GetObject("path");   /* borrowed */
        PyObject *dir;
        int appended;
        PyErr_Clear();
        dir = PyUnicode_DecodeFSDefault(_rcffi_emb_runtime_dir);
        if (dir == NULL)
            return -1;
        appended = path != NULL && PyList_Check(path) && PyList_Append(path, dir) == 0;
        Py_DECREF(dir);
        if (!appended) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ImportError, "cannot import rcffi: no sys.path list");
            return -1;
        }
        m = PyImport_ImportModule("rcffi");
    }
    if (m == NULL)
        return -1;
    Py_DECREF(m);
    return 0;
}

/* With the GIL: the module (in sys.modules, as the init code imports it),
   then the init code, run in a namespace of its own. */
static int _rcffi_emb_run_init_code(void)
{
    PyObject *m, *code = NULL, *globals = NULL, *r;
    int status = -1;
    if (_rcffi_emb_import_runtime() < 0)
        return -1;
    m = PyInit_@LAST@();  /* which puts it in sys.modules */
    if (m == NULL)
        return -1;
    code = Py_CompileString(_rcffi_emb_code, @FILENAME@, Py_file_input);
    if (code == NULL)
        goto done;
    /* as cffi: only __builtins__ (so __name__ is the builtins' one) */
    globals = PyDict_New();
    if (globals == NULL || PyDict_SetItemString(globals, "__builtins__", PyEval_GetBuiltins()) < 0)
        goto done;
    r = PyEval_EvalCode(code, globals, globals);
    if (r == NULL)
        goto done;
    Py_DECREF(r);
    status = 0;
done:
    Py_XDECREF(globals);
    Py_XDECREF(code);
    Py_DECREF(m);
    return status;
}

static void _rcffi_emb_write(PyObject *f, const char *s, PyObject *obj)
{
    if (f == NULL || f == Py_None) {
        fputs(s, stderr);
        return;
    }
    if (PyFile_WriteString(s, f) < 0 || (obj != NULL && PyFile_WriteObject(obj, f, 0) < 0))
        PyErr_Clear();
}

/* The pending exception's traceback and what helps finding why (cffi
   prints the same facts). */
static void _rcffi_emb_report(void)
{
    PyObject *f, *runtime, *where = NULL, *r;
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *exc = PyErr_GetRaisedException();
    f = PySys_GetObject("stderr");   /* borrowed */
    _rcffi_emb_write(f, "Failed to initialize the Python-CFFI embedding logic:\n\n", NULL);
    if (exc != NULL)
        PyErr_DisplayException(exc);
    Py_XDECREF(exc);
#else
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    f = PySys_GetObject("stderr");   /* borrowed */
    _rcffi_emb_write(f, "Failed to initialize the Python-CFFI embedding logic:\n\n", NULL);
    if (type != NULL) {
        PyErr_NormalizeException(&type, &value, &tb);
        PyErr_Display(type, value, tb);
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
#endif
    _rcffi_emb_write(f, "\nFrom: " @NAME@ "\ncompiled with rcffi version: " @VERSION@ "\nrcffi runtime: ", NULL);
    runtime = PyDict_GetItemString(PyImport_GetModuleDict(), "rcffi");   /* borrowed */
    if (runtime != NULL)
        where = PyObject_GetAttrString(runtime, "__file__");
    PyErr_Clear();
    if (where != NULL)
        _rcffi_emb_write(f, "", where);
    else
        _rcffi_emb_write(f, "not loaded", NULL);
    Py_XDECREF(where);
    _rcffi_emb_write(f, "\nsys.path: ", PySys_GetObject("path"));
    _rcffi_emb_write(f, "\n\n", NULL);
    if (f != NULL && f != Py_None) {
        r = PyObject_CallMethod(f, "flush", NULL);
        Py_XDECREF(r);
    }
    PyErr_Clear();
}

static int cffi_start_python(void)
{
    int state = __atomic_load_n(&_rcffi_emb_state, __ATOMIC_ACQUIRE);
    int saved_errno;
    if (state != 0)
        return state > 0 ? 0 : -1;
    saved_errno = errno;
    pthread_once(&_rcffi_emb_lock_once, _rcffi_emb_make_lock);
    pthread_mutex_lock(&_rcffi_emb_lock);
    state = _rcffi_emb_state;
    if (state == 0 && _rcffi_emb_running) {
        /* the init code calling this library's functions: go ahead */
        state = 1;
    }
    else if (state == 0) {
        PyGILState_STATE gil;
        _rcffi_emb_running = 1;
        _rcffi_emb_start_interpreter();
        gil = PyGILState_Ensure();
        state = _rcffi_emb_run_init_code() == 0 ? 1 : -1;
        if (state < 0)
            _rcffi_emb_report();
        PyGILState_Release(gil);
        _rcffi_emb_running = 0;
        __atomic_store_n(&_rcffi_emb_state, state, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&_rcffi_emb_lock);
    errno = saved_errno;
    return state > 0 ? 0 : -1;
}

/* What every function of embedding_api() (and extern "Python") calls. */
static void _rcffi_embedding_call(struct _rcffi_externpy_s *e, void **args, void *result)
{
    if (cffi_start_python() != 0) {
        fprintf(stderr, "function %s() called, but initialization code failed.  Returning 0.\n", e->name);
        if (result != NULL)
            memset(result, 0, e->size_of_result);
        return;
    }
    _rcffi_call_python_rt(e, args, result);
}
"#;
