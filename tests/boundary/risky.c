#include "risky.h"
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <time.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>

int global_counter = 7;
const char *global_name = "risky";
static char last_err[128] = "";

int add(int a, int b) { return a + b; }
long long mul64(long long a, long long b) { return a * b; }
unsigned char next_byte(unsigned char c) { return (unsigned char)(c + 1); }
double scale(double x, float k) { return x * k; }
_Bool is_even(int n) { return n % 2 == 0; }
char first_char(const char *s) { return s[0]; }
enum color next_color(enum color c) { return c == RED ? GREEN : c == GREEN ? BLUE : RED; }

int crash_segv(int x) { volatile int *p = (volatile int *)(size_t)x; return *p; }
int crash_abort(void) { abort(); }
int exit_now(int code) { _exit(code); }
int kill_self(int sig) { raise(sig); return -1; }
int hang(void) { for (;;) pause(); }
int sleep_ms(int ms) {
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
    return ms;
}

int parse_packet(const unsigned char *data, int len) {
    if (len < 2) { strcpy(last_err, "packet too short"); return -1; }
    if (data[0] != 0xAB) { snprintf(last_err, sizeof last_err, "bad magic 0x%02x", data[0]); return -2; }
    return data[1];
}
const char *last_error(void) { return last_err; }
int set_errno(int e) { errno = e; return e ? -1 : 0; }
void *maybe_null(int give) { static int x; return give ? &x : NULL; }

int fill_squares(int *out, int n) { for (int i = 0; i < n; i++) out[i] = i * i; return n; }
size_t sum_bytes(const unsigned char *p, size_t n) { size_t s = 0; for (size_t i = 0; i < n; i++) s += p[i]; return s; }
void invert(unsigned char *p, size_t n) { for (size_t i = 0; i < n; i++) p[i] = (unsigned char)~p[i]; }
size_t string_len(const char *s) { return strlen(s); }
char *dup_upper(const char *s) {
    char *r = strdup(s);
    for (char *q = r; *q; q++) *q = (char)toupper((unsigned char)*q);
    return r;
}
void free_string(char *s) { free(s); }

struct point make_point(int x, int y) { struct point p = { x, y }; return p; }
int point_sum(struct point p) { return p.x + p.y; }
void point_scale(struct point *p, int k) { p->x *= k; p->y *= k; }
int named_id(struct named *n) { return n->id; }

struct counter { int value; };
struct counter *counter_new(int start) { struct counter *c = malloc(sizeof *c); c->value = start; return c; }
int counter_incr(struct counter *c) { return ++c->value; }
void counter_free(struct counter *c) { free(c); }

int apply(int_fn f, int x) { return f(x); }
static int negate(int x) { return -x; }
int twice(int x) { return 2 * x; }
int_fn get_negate(void) { return negate; }
int printf_like(const char *fmt, ...) { (void)fmt; return 0; }
