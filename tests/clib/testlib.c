/* Small C library the ABI-mode test suites dlopen().  Declarations: testlib.h */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <wchar.h>

/* ---- primitives ---- */
signed char tl_schar(signed char x) { return (signed char)(x + 1); }
unsigned char tl_uchar(unsigned char x) { return (unsigned char)(x + 1); }
char tl_char(char x) { return (char)(x + 1); }
short tl_short(short x) { return (short)(x + 1); }
unsigned short tl_ushort(unsigned short x) { return (unsigned short)(x + 1); }
int tl_int(int x) { return (int)((unsigned)x + 1u); }
unsigned int tl_uint(unsigned int x) { return x + 1u; }
long tl_long(long x) { return (long)((unsigned long)x + 1ul); }
unsigned long tl_ulong(unsigned long x) { return x + 1ul; }
long long tl_llong(long long x) { return (long long)((unsigned long long)x + 1ull); }
unsigned long long tl_ullong(unsigned long long x) { return x + 1ull; }
float tl_float(float x) { return x + 1.0f; }
double tl_double(double x) { return x + 1.0; }
long double tl_ldouble(long double x) { return x + 1.0L; }
bool tl_bool(bool x) { return !x; }
size_t tl_size(size_t x) { return x + 1u; }
ssize_t tl_ssize(ssize_t x) { return x + 1; }
int8_t tl_i8(int8_t x) { return (int8_t)(x + 1); }
uint8_t tl_u8(uint8_t x) { return (uint8_t)(x + 1); }
int16_t tl_i16(int16_t x) { return (int16_t)(x + 1); }
uint16_t tl_u16(uint16_t x) { return (uint16_t)(x + 1); }
int32_t tl_i32(int32_t x) { return (int32_t)((uint32_t)x + 1u); }
uint32_t tl_u32(uint32_t x) { return x + 1u; }
int64_t tl_i64(int64_t x) { return (int64_t)((uint64_t)x + 1u); }
uint64_t tl_u64(uint64_t x) { return x + 1u; }
wchar_t tl_wchar(wchar_t x) { return x + 1; }
intptr_t tl_intptr(intptr_t x) { return x + 1; }
static int void_calls = 0;
void tl_void(void) { void_calls++; }
int tl_void_calls(void) { return void_calls; }
double tl_mixed(char a, short b, int c, long long d, float e, double f) {
    return (double)a + b + c + (double)d + e + f;
}
int tl_add(int a, int b) { return a + b; }

/* ---- pointers ---- */
void tl_divmod(int a, int b, int *quot, int *rem) { *quot = a / b; *rem = a % b; }
int tl_sum_array(const int *arr, int n) { int s = 0; for (int i = 0; i < n; i++) s += arr[i]; return s; }
void tl_fill(int *arr, int n, int value) { for (int i = 0; i < n; i++) arr[i] = value + i; }
int tl_strlen(const char *s) { return s ? (int)strlen(s) : -1; }
void tl_upper(char *s) { for (; *s; s++) if (*s >= 'a' && *s <= 'z') *s -= 32; }
const char *tl_greet(void) { return "Hello, Alice Dev"; }
const char *tl_null_string(void) { return NULL; }
void *tl_null_ptr(void) { return NULL; }
int tl_is_null(void *p) { return p == NULL; }
void tl_swap_ptrs(int **a, int **b) { int *t = *a; *a = *b; *b = t; }
size_t tl_wcslen(const wchar_t *s) { return wcslen(s); }

/* ---- errno ---- */
int tl_set_errno(int value) { errno = value; return -1; }
int tl_get_errno(void) { return errno; }
/* errno = value, call f(value), and return errno as f left it */
int tl_errno_through(int (*f)(int), int value) { errno = value; f(value); return errno; }

/* ---- structs ---- */
struct tl_pair { int a; int b; };
struct tl_mixed { int a; double b; };
struct tl_chars { char c[3]; };
struct tl_big { long long a; long long b; long long c; double d; };
typedef struct { double x; double y; } tl_point;

int tl_pair_sum(struct tl_pair p) { return p.a + p.b; }
struct tl_pair tl_pair_make(int a, int b) { struct tl_pair p = {a, b}; return p; }
struct tl_pair tl_pair_swap(struct tl_pair p) { struct tl_pair r = {p.b, p.a}; return r; }
double tl_mixed_sum(struct tl_mixed m) { return m.a + m.b; }
struct tl_mixed tl_mixed_make(int a, double b) { struct tl_mixed m = {a, b}; return m; }
int tl_chars_sum(struct tl_chars c) { return c.c[0] + c.c[1] + c.c[2]; }
struct tl_chars tl_chars_make(char a, char b, char c) { struct tl_chars r = {{a, b, c}}; return r; }
double tl_big_sum(struct tl_big b) { return (double)(b.a + b.b + b.c) + b.d; }
struct tl_big tl_big_make(long long a, long long b, long long c, double d) {
    struct tl_big r = {a, b, c, d}; return r;
}
double tl_point_dist2(tl_point p, tl_point q) {
    return (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y);
}
tl_point tl_point_mid(tl_point p, tl_point q) {
    tl_point r = {(p.x + q.x) / 2, (p.y + q.y) / 2}; return r;
}
void tl_pair_scale(struct tl_pair *p, int k) { p->a *= k; p->b *= k; }

/* ---- globals ---- */
int tl_global_int = 17;
double tl_global_double = 2.5;
int tl_global_array[4] = {1, 2, 3, 4};
struct tl_pair tl_global_pair = {10, 20};
static int global_target = 99;
int *tl_global_ptr = &global_target;
const char *tl_global_name = "testlib";
int tl_read_global_int(void) { return tl_global_int; }
double tl_read_global_double(void) { return tl_global_double; }
int tl_global_array_sum(void) { return tl_global_array[0] + tl_global_array[1] + tl_global_array[2] + tl_global_array[3]; }
int tl_global_pair_sum(void) { return tl_global_pair.a + tl_global_pair.b; }
int tl_global_ptr_deref(void) { return tl_global_ptr ? *tl_global_ptr : -1; }

/* ---- enums ---- */
enum tl_color { TL_RED, TL_GREEN = 5, TL_BLUE };
int tl_color_next(enum tl_color c) { return (int)c + 1; }

/* ---- callbacks ---- */
int apply(int (*f)(int, int), int a, int b) { return f(a, b); }
double tl_apply_d(double (*f)(double), double x) { return f(x); }
void tl_apply_void(void (*f)(int), int x) { f(x); }
int tl_call_n(int (*f)(int), int n) { int s = 0; for (int i = 0; i < n; i++) s += f(i); return s; }

struct thread_args { int (*f)(int, int); int a; int b; int result; };
static void *thread_main(void *arg) {
    struct thread_args *t = (struct thread_args *)arg;
    t->result = t->f(t->a, t->b);
    return NULL;
}
int tl_apply_in_thread(int (*f)(int, int), int a, int b) {
    pthread_t th;
    struct thread_args t = {f, a, b, -1};
    if (pthread_create(&th, NULL, thread_main, &t) != 0) return -12345;
    pthread_join(th, NULL);
    return t.result;
}
int tl_apply_pair(int (*f)(struct tl_pair), int a, int b) { struct tl_pair p = {a, b}; return f(p); }
long long tl_apply_ll(long long (*f)(long long), long long x) { return f(x); }
int tl_apply_ptr(int (*f)(void *), void *p) { return f(p); }

/* ---- variadic ---- */
int sum_ints(int n, ...) {
    va_list ap; int s = 0; va_start(ap, n);
    for (int i = 0; i < n; i++) s += va_arg(ap, int);
    va_end(ap); return s;
}
double sum_doubles(int n, ...) {
    va_list ap; double s = 0; va_start(ap, n);
    for (int i = 0; i < n; i++) s += va_arg(ap, double);
    va_end(ap); return s;
}
long long sum_llongs(int n, ...) {
    va_list ap; long long s = 0; va_start(ap, n);
    for (int i = 0; i < n; i++) s += va_arg(ap, long long);
    va_end(ap); return s;
}

/* ---- stored pointers ---- */
static int *stored_ptr = NULL;
void tl_store(int *p) { stored_ptr = p; }
int tl_load(void) { return stored_ptr ? *stored_ptr : -1; }
static int (*stored_cb)(int) = NULL;
void tl_store_cb(int (*f)(int)) { stored_cb = f; }
int tl_call_stored(int x) { return stored_cb ? stored_cb(x) : -1; }

/* ---- ownership ---- */
static int blobs_alive = 0;
char *tl_make_blob(const char *text) {
    size_t n = strlen(text);
    char *p = malloc(n + 1);
    memcpy(p, text, n + 1);
    blobs_alive++;
    return p;
}
void tl_free_blob(char *p) { if (p) { free(p); blobs_alive--; } }
int tl_blobs_alive(void) { return blobs_alive; }
static int pairs_alive = 0;
struct tl_pair *tl_pair_new(int a, int b) {
    struct tl_pair *p = malloc(sizeof *p); p->a = a; p->b = b; pairs_alive++; return p;
}
void tl_pair_free(struct tl_pair *p) { if (p) { free(p); pairs_alive--; } }
int tl_pairs_alive(void) { return pairs_alive; }

/* ---- error reporting ---- */
static const char *last_err = "";
int parse_packet(const unsigned char *data, int len) {
    if (len < 2) { last_err = "packet too short"; return -1; }
    if (data[0] != 0xAB) { last_err = "bad magic byte"; return -2; }
    int s = 0; for (int i = 1; i < len; i++) s += data[i];
    last_err = ""; return s;
}
const char *last_error(void) { return last_err; }

/* ---- lifetime: memory used after Python code ran ---- */
/* Calls f(0) (which may release `arr` in Python), then writes to arr. */
void tl_fill_after_cb(int *arr, int n, int value, int (*f)(int)) {
    f(0);
    for (int i = 0; i < n; i++) arr[i] = value;
}

/* Objects that must be destroyed children first (a space and its bodies).
   Destroying only marks them, so a wrong order is reported, not a crash. */
#define TL_OBJ_ALIVE 0x0b1ec7
struct tl_obj { int magic; };
struct tl_obj *tl_obj_new(void) {
    struct tl_obj *o = malloc(sizeof *o);
    o->magic = TL_OBJ_ALIVE;
    return o;
}
int tl_child_destroy(struct tl_obj *parent, struct tl_obj *child) {
    int ok = parent->magic == TL_OBJ_ALIVE && child->magic == TL_OBJ_ALIVE;
    child->magic = 0;
    return ok;
}
int tl_parent_destroy(struct tl_obj *parent) {
    int ok = parent->magic == TL_OBJ_ALIVE;
    parent->magic = 0;
    return ok;
}
