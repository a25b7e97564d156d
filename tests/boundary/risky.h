/* The C library of the boundary tests (tests/boundary): functions that
   crash, hang, exit, set errno or return error codes, and ones that pass
   every kind of value across an isolated call. */
#include <stddef.h>

struct point { int x; int y; };
struct named { const char *name; int id; };
struct counter;
enum color { RED, GREEN = 5, BLUE };
typedef int (*int_fn)(int);

extern int global_counter;
extern const char *global_name;

int add(int a, int b);
long long mul64(long long a, long long b);
unsigned char next_byte(unsigned char c);
double scale(double x, float k);
_Bool is_even(int n);
char first_char(const char *s);
enum color next_color(enum color c);

int crash_segv(int x);
int crash_abort(void);
int exit_now(int code);
int kill_self(int sig);
int hang(void);
int sleep_ms(int ms);

int parse_packet(const unsigned char *data, int len);
const char *last_error(void);
int set_errno(int e);
void *maybe_null(int give);

int fill_squares(int *out, int n);
size_t sum_bytes(const unsigned char *p, size_t n);
void invert(unsigned char *p, size_t n);
size_t string_len(const char *s);
char *dup_upper(const char *s);
void free_string(char *s);

struct point make_point(int x, int y);
int point_sum(struct point p);
void point_scale(struct point *p, int k);
int named_id(struct named *n);

struct counter *counter_new(int start);
int counter_incr(struct counter *c);
void counter_free(struct counter *c);

int apply(int_fn f, int x);
int twice(int x);
int_fn get_negate(void);
int printf_like(const char *fmt, ...);
