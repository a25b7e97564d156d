/* The small C library the differential tester calls into (tests/difftest).
 * Built once per run with gcc; every program sees the same functions.
 * Integer arithmetic goes through unsigned types so that wrap-around is
 * defined behaviour: results must be the same under cffi and rcffi. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <wchar.h>

signed char dt_sc(signed char a, signed char b) { return (signed char)(unsigned char)((unsigned)a + (unsigned)b); }
unsigned char dt_uc(unsigned char a) { return (unsigned char)(a * 3u); }
short dt_s(short a, short b) { return (short)(unsigned short)((unsigned)a - (unsigned)b); }
unsigned short dt_us(unsigned short a) { return (unsigned short)(a + 1u); }
int dt_add(int a, int b) { return (int)((unsigned)a + (unsigned)b); }
unsigned int dt_u(unsigned int a) { return a * 2u + 1u; }
long dt_l(long a, long b) { return (long)((unsigned long)a ^ (unsigned long)b); }
long long dt_ll(long long a, int k) { return (long long)((unsigned long long)a * (unsigned long long)(long long)k); }
unsigned long long dt_ull(unsigned long long a, unsigned long long b) { return a - b; }
_Bool dt_not(_Bool b) { return !b; }
char dt_nextc(char c) { return (char)(c + 1); }
wchar_t dt_wc(wchar_t c) { return c + 1; }
float dt_f(float a, float b) { return a * b; }
double dt_d(double a, int k, float f) { return a * k + f; }
long double dt_ld(long double a, long double b) { return a / b; }
int8_t dt_i8(int8_t a) { return (int8_t)(uint8_t)(~(uint8_t)a); }
uint64_t dt_u64(uint64_t a) { return a >> 3; }
size_t dt_size(size_t a) { return a + 7; }
double dt_many(int a, double b, long c, float d, char e, short f,
               unsigned long long g, double h, int i, float j, double k,
               double l, double m, double n, double o)
{
    return a + b + c + d + e + f + (double)(g % 1000u) + h + i + j + k + l + m + n + o;
}
int dt_sum(const int *p, int n) { unsigned s = 0; for (int i = 0; i < n; i++) s += (unsigned)p[i]; return (int)s; }
void dt_fill(int *p, int n, int v) { for (int i = 0; i < n; i++) p[i] = v + i; }
size_t dt_strlen(const char *s) { return s ? strlen(s) : (size_t)-1; }
static const char *const dt_strings[] = {"", "hello", "caf\xc3\xa9", "a\tb"};
const char *dt_str(int i) { return (i >= 0 && i < 4) ? dt_strings[i] : NULL; }
char *dt_upper(char *dst, const char *src, size_t n)
{
    size_t i = 0;
    for (; i + 1 < n && src[i]; i++)
        dst[i] = (char)((src[i] >= 'a' && src[i] <= 'z') ? src[i] - 32 : src[i]);
    if (n) dst[i] = 0;
    return dst;
}
void *dt_id(void *p) { return p; }
int dt_isnull(void *p) { return p == NULL; }
const wchar_t *dt_wstr(void) { return L"w\u00e9!"; }

struct dt_pt { int x, y; };
struct dt_big { double a; int b[5]; char c; };
struct dt_fl { float a, b; };
struct dt_mix { char c; double d; short s; };
struct dt_bf { int a : 3; unsigned b : 5; };
union dt_un { int i; float f; };
struct dt_pt dt_mkpt(int x, int y) { struct dt_pt p = {x, y}; return p; }
int dt_ptsum(struct dt_pt p) { return (int)((unsigned)p.x + (unsigned)p.y); }
struct dt_pt *dt_ptinc(struct dt_pt *p) { if (p) p->x++; return p; }
struct dt_big dt_bigscale(struct dt_big v, int k)
{
    v.a *= k;
    for (int i = 0; i < 5; i++) v.b[i] = (int)((unsigned)v.b[i] * (unsigned)k);
    v.c = (char)(v.c + 1);
    return v;
}
struct dt_fl dt_flswap(struct dt_fl v) { struct dt_fl r = {v.b, v.a}; return r; }
struct dt_mix dt_mixed(struct dt_mix v, int k) { v.c = (char)(v.c + k); v.d += k; v.s = (short)(v.s * k); return v; }
int dt_bfsum(struct dt_bf v) { return v.a + (int)v.b; }
int dt_uni(union dt_un u) { return u.i; }

int dt_vsum(int n, ...)
{
    va_list ap; unsigned s = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++) s += (unsigned)va_arg(ap, int);
    va_end(ap);
    return (int)s;
}
double dt_vsumd(int n, ...)
{
    va_list ap; double s = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++) s += va_arg(ap, double);
    va_end(ap);
    return s;
}
long long dt_vll(int n, ...)
{
    va_list ap; unsigned long long s = 0;
    va_start(ap, n);
    for (int i = 0; i < n; i++) s += (unsigned long long)va_arg(ap, long long);
    va_end(ap);
    return (long long)s;
}

int dt_call(int (*cb)(int), int x) { return cb ? (int)((unsigned)cb(x) + 1u) : -999; }
int dt_callmany(int (*cb)(int), int n) { unsigned s = 0; for (int i = 0; i < n; i++) s += (unsigned)cb(i); return (int)s; }
double dt_calld(double (*cb)(double, double), double a, double b) { return cb(a, b) * 2; }
float dt_callf(float (*cb)(float), float a) { return cb(a) + 1.0f; }
struct dt_pt dt_callpt(struct dt_pt (*cb)(struct dt_pt), struct dt_pt p) { struct dt_pt r = cb(p); r.y++; return r; }
void dt_callv(void (*cb)(int *, int), int *p, int n) { cb(p, n); }
long long dt_callll(long long (*cb)(long long, signed char), long long a, signed char b) { return cb(a, b); }
_Bool dt_callb(_Bool (*cb)(int), int a) { return cb(a); }
char dt_callc(char (*cb)(char), char c) { return cb(c); }
unsigned short dt_callus(unsigned short (*cb)(unsigned short, unsigned char), unsigned short a) { return cb(a, (unsigned char)a); }
const char *dt_calls(const char *(*cb)(int), int a) { return cb(a); }
int dt_callbig(int (*cb)(struct dt_big, double), struct dt_big b) { return cb(b, 0.5); }
int dt_callerr(int (*cb)(int), int v) { errno = v; int r = cb(v); return r * 1000 + errno; }

int dt_errno_set(int v) { errno = v; return -1; }
int dt_errno_get(void) { return errno; }
static int dt_frees;
void dt_count_free(void *p) { (void)p; dt_frees++; }
int dt_frees_get(void) { return dt_frees; }

int dt_global = 42;
double dt_gdouble = 2.5;
int dt_garr[4] = {1, 2, 3, 4};
struct dt_pt dt_gpt = {7, 8};
char *dt_gptr;
const char dt_gmsg[] = "const";
