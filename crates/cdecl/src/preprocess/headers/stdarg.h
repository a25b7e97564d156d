/* rcffi's stdarg.h: va_list is the compiler's own type. */
#ifndef _RCFFI_STDARG_H
#define _RCFFI_STDARG_H
#ifndef __GNUC_VA_LIST
#define __GNUC_VA_LIST
typedef __builtin_va_list __gnuc_va_list;
#endif
typedef __gnuc_va_list va_list;
#define va_start(v, l) __builtin_va_start(v, l)
#define va_end(v) __builtin_va_end(v)
#define va_arg(v, l) __builtin_va_arg(v, l)
#define va_copy(d, s) __builtin_va_copy(d, s)
#endif
/* glibc includes <stdarg.h> with __need___va_list for the type alone. */
#undef __need___va_list
