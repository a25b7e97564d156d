/* The "real" header of the drift-check tests: test_check.py declares a
   cdef that disagrees with it in every way a drift check reports. */
#include <stddef.h>

#define DRIFT_VERSION 3
#define DRIFT_MAX 100

typedef unsigned int flags_t;
enum mode { MODE_A = 1, MODE_B = 2, MODE_C = 4 };
struct rec { int a; long b; char tag[3]; };
union val { int i; double d; };
struct same { int x; int y; };

size_t count_bytes(const char *s, size_t n);
int add(int a, int b);
long total(struct rec *r);
double as_double(union val v);
int gone_soon(int x);

extern int drift_counter;
extern flags_t drift_flags;
extern int missing_global;
