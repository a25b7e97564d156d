//! Types cffi knows without a declaration: the `*_t` primitives, `bool`,
//! `FILE`, `va_list`, and the Windows type names. They are consulted only
//! when a name is not a user typedef, so a cdef may redefine any of them.

use super::Parser;
use crate::lexer;
use crate::types::{Prim, TypeId};
use crate::{Error, Span};

/// Windows type names and their definitions (cffi's `commontypes.c`, 64-bit
/// variants). Sorted by name for binary search.
static WINDOWS_TYPES: &[(&str, &str)] = &[
    ("ATOM", "WORD"),
    ("BOOL", "int"),
    ("BOOLEAN", "BYTE"),
    ("BYTE", "unsigned char"),
    ("CCHAR", "char"),
    ("CHAR", "char"),
    ("COLORREF", "DWORD"),
    ("DWORD", "unsigned long"),
    ("DWORD32", "unsigned int"),
    ("DWORD64", "unsigned long long"),
    ("DWORDLONG", "ULONGLONG"),
    ("DWORD_PTR", "ULONG_PTR"),
    ("FLOAT", "float"),
    ("HACCEL", "HANDLE"),
    ("HALF_PTR", "int"),
    ("HANDLE", "PVOID"),
    ("HBITMAP", "HANDLE"),
    ("HBRUSH", "HANDLE"),
    ("HCOLORSPACE", "HANDLE"),
    ("HCONV", "HANDLE"),
    ("HCONVLIST", "HANDLE"),
    ("HCURSOR", "HICON"),
    ("HDC", "HANDLE"),
    ("HDDEDATA", "HANDLE"),
    ("HDESK", "HANDLE"),
    ("HDROP", "HANDLE"),
    ("HDWP", "HANDLE"),
    ("HENHMETAFILE", "HANDLE"),
    ("HFILE", "int"),
    ("HFONT", "HANDLE"),
    ("HGDIOBJ", "HANDLE"),
    ("HGLOBAL", "HANDLE"),
    ("HHOOK", "HANDLE"),
    ("HICON", "HANDLE"),
    ("HINSTANCE", "HANDLE"),
    ("HKEY", "HANDLE"),
    ("HKL", "HANDLE"),
    ("HLOCAL", "HANDLE"),
    ("HMENU", "HANDLE"),
    ("HMETAFILE", "HANDLE"),
    ("HMODULE", "HINSTANCE"),
    ("HMONITOR", "HANDLE"),
    ("HPALETTE", "HANDLE"),
    ("HPEN", "HANDLE"),
    ("HRESULT", "LONG"),
    ("HRGN", "HANDLE"),
    ("HRSRC", "HANDLE"),
    ("HSZ", "HANDLE"),
    ("HWND", "HANDLE"),
    ("INT", "int"),
    ("INT16", "short"),
    ("INT32", "int"),
    ("INT64", "long long"),
    ("INT8", "signed char"),
    ("INT_PTR", "long long"),
    ("LANGID", "WORD"),
    ("LCID", "DWORD"),
    ("LCTYPE", "DWORD"),
    ("LGRPID", "DWORD"),
    ("LONG", "long"),
    ("LONG32", "int"),
    ("LONG64", "long long"),
    ("LONGLONG", "long long"),
    ("LONG_PTR", "long long"),
    ("LPARAM", "LONG_PTR"),
    ("LPBOOL", "BOOL *"),
    ("LPBYTE", "BYTE *"),
    ("LPCOLORREF", "DWORD *"),
    ("LPCSTR", "const char *"),
    ("LPCVOID", "const void *"),
    ("LPCWSTR", "const WCHAR *"),
    ("LPDWORD", "DWORD *"),
    ("LPHANDLE", "HANDLE *"),
    ("LPINT", "int *"),
    ("LPLONG", "long *"),
    ("LPSTR", "CHAR *"),
    ("LPVOID", "void *"),
    ("LPWORD", "WORD *"),
    ("LPWSTR", "WCHAR *"),
    ("LRESULT", "LONG_PTR"),
    ("PBOOL", "BOOL *"),
    ("PBOOLEAN", "BOOLEAN *"),
    ("PBYTE", "BYTE *"),
    ("PCHAR", "CHAR *"),
    ("PCSTR", "const CHAR *"),
    ("PCWSTR", "const WCHAR *"),
    ("PDWORD", "DWORD *"),
    ("PDWORD32", "DWORD32 *"),
    ("PDWORD64", "DWORD64 *"),
    ("PDWORDLONG", "DWORDLONG *"),
    ("PDWORD_PTR", "DWORD_PTR *"),
    ("PFLOAT", "FLOAT *"),
    ("PHALF_PTR", "HALF_PTR *"),
    ("PHANDLE", "HANDLE *"),
    ("PHKEY", "HKEY *"),
    ("PINT", "int *"),
    ("PINT16", "INT16 *"),
    ("PINT32", "INT32 *"),
    ("PINT64", "INT64 *"),
    ("PINT8", "INT8 *"),
    ("PINT_PTR", "INT_PTR *"),
    ("PLCID", "PDWORD"),
    ("PLONG", "LONG *"),
    ("PLONG32", "LONG32 *"),
    ("PLONG64", "LONG64 *"),
    ("PLONGLONG", "LONGLONG *"),
    ("PLONG_PTR", "LONG_PTR *"),
    ("PSHORT", "SHORT *"),
    ("PSIZE_T", "SIZE_T *"),
    ("PSSIZE_T", "SSIZE_T *"),
    ("PSTR", "CHAR *"),
    ("PUCHAR", "UCHAR *"),
    ("PUHALF_PTR", "UHALF_PTR *"),
    ("PUINT", "UINT *"),
    ("PUINT16", "UINT16 *"),
    ("PUINT32", "UINT32 *"),
    ("PUINT64", "UINT64 *"),
    ("PUINT8", "UINT8 *"),
    ("PUINT_PTR", "UINT_PTR *"),
    ("PULONG", "ULONG *"),
    ("PULONG32", "ULONG32 *"),
    ("PULONG64", "ULONG64 *"),
    ("PULONGLONG", "ULONGLONG *"),
    ("PULONG_PTR", "ULONG_PTR *"),
    ("PUSHORT", "USHORT *"),
    ("PVOID", "void *"),
    ("PWCHAR", "WCHAR *"),
    ("PWORD", "WORD *"),
    ("PWSTR", "WCHAR *"),
    ("QWORD", "unsigned long long"),
    ("SC_HANDLE", "HANDLE"),
    ("SC_LOCK", "LPVOID"),
    ("SERVICE_STATUS_HANDLE", "HANDLE"),
    ("SHORT", "short"),
    ("SIZE_T", "ULONG_PTR"),
    ("SSIZE_T", "LONG_PTR"),
    ("UCHAR", "unsigned char"),
    ("UHALF_PTR", "unsigned int"),
    ("UINT", "unsigned int"),
    ("UINT16", "unsigned short"),
    ("UINT32", "unsigned int"),
    ("UINT64", "unsigned long long"),
    ("UINT8", "unsigned char"),
    ("UINT_PTR", "unsigned long long"),
    ("ULONG", "unsigned long"),
    ("ULONG32", "unsigned int"),
    ("ULONG64", "unsigned long long"),
    ("ULONGLONG", "unsigned long long"),
    ("ULONG_PTR", "unsigned long long"),
    ("USHORT", "unsigned short"),
    ("USN", "LONGLONG"),
    ("VOID", "void"),
    ("WCHAR", "wchar_t"),
    ("WINSTA", "HANDLE"),
    ("WORD", "unsigned short"),
    ("WPARAM", "UINT_PTR"),
    ("_Dcomplex", "_cffi_double_complex_t"),
    ("_Fcomplex", "_cffi_float_complex_t"),
];

/// A primitive cffi registers under its own name: the `*_t` types and `bool`.
pub(super) fn builtin_prim(name: &str) -> Option<Prim> {
    if name == "bool" {
        return Some(Prim::Bool);
    }
    if !name.ends_with("_t") {
        return None;
    }
    Prim::ALL.iter().copied().find(|p| p.name() == name)
}

fn windows_def(name: &str) -> Option<&'static str> {
    WINDOWS_TYPES.binary_search_by(|(n, _)| n.cmp(&name)).ok().map(|i| WINDOWS_TYPES[i].1)
}

/// Whether `name` is one of the names known without a declaration.
pub(super) fn is_common_type_name(name: &str) -> bool {
    builtin_prim(name).is_some() || name == "FILE" || name == "va_list" || windows_def(name).is_some()
}

/// Resolve a name known without a declaration, `None` if it is not one.
pub(super) fn resolve(p: &mut Parser<'_>, name: &str, span: Span) -> Result<Option<TypeId>, Error> {
    if let Some(prim) = builtin_prim(name) {
        return Ok(Some(p.arena.prim(prim)));
    }
    match name {
        // An opaque struct whose name prints as `FILE` (cffi: `struct _IO_FILE`).
        "FILE" | "va_list" => return Ok(Some(p.arena.common_record(name))),
        _ => {}
    }
    let Some(def) = windows_def(name) else { return Ok(None) };
    // The definitions are themselves type strings over this table.
    let toks = lexer::lex("<common types>", def)?;
    let mut sub = Parser::new(p.reg, &mut *p.arena, def, "<common types>", toks, None);
    sub.depth = p.depth + 1;
    sub.type_mode = true;
    let r = sub.type_name();
    r.map(Some).map_err(|e| {
        let cause = Box::new(e.into_diagnostic().message);
        p.cdef_err(span, crate::Message::CommonType { name: name.to_string(), def, cause })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_table_sorted() {
        assert!(WINDOWS_TYPES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(windows_def("DWORD"), Some("unsigned long"));
        assert_eq!(windows_def("nope"), None);
    }
}
