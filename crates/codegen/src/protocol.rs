//! The structures a compiled module hands to the runtime, defined once.
//!
//! Each is declared here with [`shared_struct!`], which gives both sides
//! from one list of fields: the `#[repr(C)]` Rust struct the runtime reads
//! (`crates/python/src/ffi_lib/api_module/`), and its C declaration, written into
//! every generated module ([`c_declarations`]) followed by
//! `_Static_assert`s on the size of each struct and the offset of each
//! field as Rust lays them out ([`layout_asserts`]): a mismatch stops the
//! C compiler instead of misreading memory at import.
//!
//! Every table but `cdefs` is sorted by name (bytewise, as `strcmp`): the
//! runtime finds a row by binary search when it is first needed.

use std::ffi::{c_char, c_int, c_void};
use std::mem::{offset_of, size_of};

/// A function of the module, as its address is stored (cast back by the runtime).
pub type CFn = Option<unsafe extern "C" fn()>;
/// A generated trampoline: calls one C function with its arguments (an
/// array of pointers to each) and stores the result.
pub type Trampoline = unsafe extern "C" fn(*mut *mut c_void, *mut c_void);
/// A module's `funcs_get`: the address and trampoline of function row `i`.
pub type FuncsGet = unsafe extern "C" fn(usize, *mut CFn, *mut Option<Trampoline>);
/// A module's `ints_get`: stores integer row `i`, says whether it is negative.
pub type IntsGet = unsafe extern "C" fn(usize, *mut u64) -> c_int;
/// The runtime's entry for `extern "Python"` functions.
pub type CallPython = unsafe extern "C" fn(*mut ExternPyC, *mut *mut c_void, *mut c_void);

/// Declares a struct shared with the generated C: `field: RustType = "C
/// declarator"` (`@` stands for the field's name in the declarator).
macro_rules! shared_struct {
    ($(#[$m:meta])* pub struct $name:ident = $cname:literal { $($(#[$fm:meta])* $field:ident : $ty:ty = $cdecl:literal),* $(,)? }) => {
        $(#[$m])*
        #[repr(C)]
        pub struct $name {
            $($(#[$fm])* pub $field: $ty),*
        }

        impl $name {
            /// `struct NAME { ... };` in C.
            fn c_declaration(out: &mut String) {
                out.push_str(concat!("struct ", $cname, " {"));
                $(
                    out.push(' ');
                    out.push_str(&$cdecl.replace('@', stringify!($field)));
                    out.push(';');
                )*
                out.push_str(" };\n");
            }

            /// `_Static_assert`s on the struct's size and each field's offset.
            fn layout_asserts(out: &mut String) {
                out.push_str(&format!(
                    "_RCFFI_LAYOUT(sizeof(struct {}) == {}u, \"rcffi: struct {} does not have the size the runtime reads\");\n",
                    $cname, size_of::<$name>(), $cname
                ));
                $(
                    out.push_str(&format!(
                        "_RCFFI_LAYOUT(offsetof(struct {}, {}) == {}u, \"rcffi: {}.{} is not where the runtime reads it\");\n",
                        $cname, stringify!($field), offset_of!($name, $field), $cname, stringify!($field)
                    ));
                )*
            }
        }
    };
}

shared_struct! {
    /// One `ffi.cdef()` call (or an `ffi.include()`d module, see `INCLUDE_ROW`).
    pub struct CdefC = "_rcffi_cdef_s" {
        text: *const c_char = "const char *@",
        /// `CDEF_OVERRIDE | CDEF_DLLEXPORT`
        flags: c_int = "int @",
        pack: c_int = "int @",
    }
}

shared_struct! {
    /// A function (its address and trampoline, none when variadic, are
    /// given by the module's `funcs_get`, for this row's index).
    pub struct FuncC = "_rcffi_func_s" {
        /// Where its NUL-terminated name starts in the module's `names`
        name: u32 = "unsigned int @",
    }
}

shared_struct! {
    /// A global variable: a function giving its address now.
    pub struct GlobalC = "_rcffi_global_s" {
        /// Where its NUL-terminated name starts in the module's `names`
        name: u32 = "unsigned int @",
        address_getter: Option<unsafe extern "C" fn() -> *mut c_void> = "_rcffi_fn @",
    }
}

shared_struct! {
    /// An integer constant (stored by the module's `ints_get`, for this
    /// row's index, which says whether it is negative).
    pub struct IntC = "_rcffi_int_s" {
        /// Where its NUL-terminated name starts in the module's `names`
        name: u32 = "unsigned int @",
    }
}

shared_struct! {
    /// Any other constant: `get` stores its value.
    pub struct ConstC = "_rcffi_const_s" {
        /// Where its NUL-terminated name starts in the module's `names`
        name: u32 = "unsigned int @",
        get: unsafe extern "C" fn(*mut c_void) = "void (*@)(void *)",
    }
}

shared_struct! {
    /// A struct or union as the compiler lays it out (`fields`: where its
    /// cells start in the module's `fields`, two a field: offset and size,
    /// `SIZE_MAX` for a bit-field).
    pub struct RecordC = "_rcffi_record_s" {
        /// Where its NUL-terminated name starts in the module's `names`
        name: u32 = "unsigned int @",
        size: usize = "size_t @",
        align: usize = "size_t @",
        nfields: usize = "size_t @",
        fields: usize = "size_t @",
    }
}

shared_struct! {
    /// `typedef int... t;` and the like: kind 0 integer, 1 float, 2 enum.
    pub struct TypeC = "_rcffi_type_s" {
        /// Where its NUL-terminated name starts in the module's `names`
        name: u32 = "unsigned int @",
        kind: c_int = "int @",
        size: usize = "size_t @",
        is_signed: c_int = "int @",
    }
}

shared_struct! {
    /// The length of a `T x[...]`.
    pub struct LengthC = "_rcffi_length_s" {
        /// Where its NUL-terminated name starts in the module's `names`
        name: u32 = "unsigned int @",
        length: usize = "size_t @",
    }
}

shared_struct! {
    /// An `extern "Python"` function's descriptor (`reserved1`: the
    /// runtime's definition, set by `@ffi.def_extern()`).
    pub struct ExternPyC = "_rcffi_externpy_s" {
        name: *const c_char = "const char *@",
        size_of_result: usize = "size_t @",
        reserved1: *mut c_void = "void *@",
        reserved2: *mut c_void = "void *@",
    }
}

shared_struct! {
    /// An `extern "Python"` function's row.
    pub struct ExternC = "_rcffi_extern_s" {
        /// Where its NUL-terminated name starts in the module's `names`
        name: u32 = "unsigned int @",
        info: *mut ExternPyC = "struct _rcffi_externpy_s *@",
    }
}

shared_struct! {
    /// The module: what `PyInit_<module>` hands over in a capsule.
    pub struct ModuleC = "_rcffi_module_s" {
        version: u32 = "unsigned int @",
        module_name: *const c_char = "const char *@",
        cdefs: *const CdefC = "const struct _rcffi_cdef_s *@",
        ncdefs: usize = "size_t @",
        funcs: *const FuncC = "const struct _rcffi_func_s *@",
        nfuncs: usize = "size_t @",
        globals: *const GlobalC = "const struct _rcffi_global_s *@",
        nglobals: usize = "size_t @",
        ints: *const IntC = "const struct _rcffi_int_s *@",
        nints: usize = "size_t @",
        consts: *const ConstC = "const struct _rcffi_const_s *@",
        nconsts: usize = "size_t @",
        records: *const RecordC = "const struct _rcffi_record_s *@",
        nrecords: usize = "size_t @",
        types: *const TypeC = "const struct _rcffi_type_s *@",
        ntypes: usize = "size_t @",
        lengths: *const LengthC = "const struct _rcffi_length_s *@",
        nlengths: usize = "size_t @",
        externs: *const ExternC = "const struct _rcffi_extern_s *@",
        nexterns: usize = "size_t @",
        call_python: *mut Option<CallPython> = "_rcffi_call_python_fn *@",
        snapshot: *const u8 = "const unsigned char *@",
        snapshot_len: usize = "size_t @",
        /// The names of the rows of every table but `cdefs`, each ended by
        /// a NUL: a row holds where its name starts, not a pointer to it
        /// (a pointer is a relocation the loader applies at import, one per
        /// row).
        names: *const u8 = "const unsigned char *@",
        names_len: usize = "size_t @",
        /// The address and trampoline of function row `i` (code, not a
        /// table of pointers: a pointer in data is a relocation at import).
        funcs_get: Option<FuncsGet> = "void (*@)(size_t, _rcffi_fn *, void (**)(void **, void *))",
        /// Stores the value of integer row `i`; says whether it is negative.
        ints_get: Option<IntsGet> = "int (*@)(size_t, unsigned long long *)",
        /// The cells of every record's fields (`RecordC::fields`).
        fields: *const usize = "const size_t *@",
        nfield_cells: usize = "size_t @",
    }
}

/// Calls `$method(out)` of every shared struct but the module's, in the
/// order C needs their declarations.
macro_rules! each_table_struct {
    ($method:ident, $out:expr) => {
        CdefC::$method($out);
        FuncC::$method($out);
        GlobalC::$method($out);
        IntC::$method($out);
        ConstC::$method($out);
        RecordC::$method($out);
        TypeC::$method($out);
        LengthC::$method($out);
        ExternPyC::$method($out);
        ExternC::$method($out);
    };
}

/// The C declarations of the shared structs (what generated code includes).
pub fn c_declarations() -> String {
    let mut out = String::from("\ntypedef void (*_rcffi_fn)(void);\n");
    each_table_struct!(c_declaration, &mut out);
    out.push_str("typedef void (*_rcffi_call_python_fn)(struct _rcffi_externpy_s *, void **, void *);\n");
    ModuleC::c_declaration(&mut out);
    out
}

/// Compile-time checks that the C compiler lays the structs out as the
/// runtime reads them (C11 `_Static_assert`, C++11 `static_assert`).
pub fn layout_asserts() -> String {
    let mut out = String::from(
        "#ifdef __cplusplus\n#define _RCFFI_LAYOUT(c, m) static_assert(c, m)\n#else\n#define _RCFFI_LAYOUT(c, m) _Static_assert(c, m)\n#endif\n",
    );
    each_table_struct!(layout_asserts, &mut out);
    ModuleC::layout_asserts(&mut out);
    out
}
