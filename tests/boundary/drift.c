/* The library of drift.h, except gone_soon() and missing_global, which
   the header declares but the library does not export. */
#include "drift.h"
#include <string.h>

int drift_counter = 1;
flags_t drift_flags = 2;

size_t count_bytes(const char *s, size_t n) { return strnlen(s, n); }
int add(int a, int b) { return a + b; }
long total(struct rec *r) { return r->a + r->b; }
double as_double(union val v) { return v.d; }
