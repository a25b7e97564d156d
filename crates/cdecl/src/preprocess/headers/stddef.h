/* rcffi's stddef.h, used when no C compiler's own headers are installed.
   Types come from the predefined macros, as with gcc. */
#ifndef _RCFFI_STDDEF_H
#define _RCFFI_STDDEF_H
/* glibc asks for single types with __need_size_t etc.; giving all of
   them every time is harmless because each has its own guard. */
#ifndef _SIZE_T_DEFINED_RCFFI
#define _SIZE_T_DEFINED_RCFFI
typedef __SIZE_TYPE__ size_t;
#endif
#ifndef _PTRDIFF_T_DEFINED_RCFFI
#define _PTRDIFF_T_DEFINED_RCFFI
typedef __PTRDIFF_TYPE__ ptrdiff_t;
#endif
#ifndef _WCHAR_T_DEFINED_RCFFI
#define _WCHAR_T_DEFINED_RCFFI
typedef __WCHAR_TYPE__ wchar_t;
#endif
typedef struct {
  long long __max_align_ll __attribute__((__aligned__(__alignof__(long long))));
  long double __max_align_ld __attribute__((__aligned__(__alignof__(long double))));
} max_align_t;
#ifndef NULL
#define NULL ((void *)0)
#endif
#define offsetof(TYPE, MEMBER) __builtin_offsetof (TYPE, MEMBER)
#endif
/* Only on request, as gcc does: glibc's own wint_t.h defines it when
   _WINT_T is not set. */
#if defined __need_wint_t && !defined _WINT_T
#define _WINT_T 1
typedef __WINT_TYPE__ wint_t;
#endif
/* glibc includes <stddef.h> asking for one type with __need_size_t etc. */
#undef __need_size_t
#undef __need_ptrdiff_t
#undef __need_wchar_t
#undef __need_NULL
#undef __need_wint_t
