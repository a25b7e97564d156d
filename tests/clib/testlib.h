/* Declarations of tests/clib/testlib.c, kept parseable by ffi.cdef(). */

/* ---- primitives: each returns its argument plus one (bool: negation) ---- */
signed char tl_schar(signed char x);
unsigned char tl_uchar(unsigned char x);
char tl_char(char x);
short tl_short(short x);
unsigned short tl_ushort(unsigned short x);
int tl_int(int x);
unsigned int tl_uint(unsigned int x);
long tl_long(long x);
unsigned long tl_ulong(unsigned long x);
long long tl_llong(long long x);
unsigned long long tl_ullong(unsigned long long x);
float tl_float(float x);
double tl_double(double x);
long double tl_ldouble(long double x);
_Bool tl_bool(_Bool x);
size_t tl_size(size_t x);
ssize_t tl_ssize(ssize_t x);
int8_t tl_i8(int8_t x);
uint8_t tl_u8(uint8_t x);
int16_t tl_i16(int16_t x);
uint16_t tl_u16(uint16_t x);
int32_t tl_i32(int32_t x);
uint32_t tl_u32(uint32_t x);
int64_t tl_i64(int64_t x);
uint64_t tl_u64(uint64_t x);
wchar_t tl_wchar(wchar_t x);
intptr_t tl_intptr(intptr_t x);
void tl_void(void);
int tl_void_calls(void);
double tl_mixed(char a, short b, int c, long long d, float e, double f);
int tl_add(int a, int b);

/* ---- pointers ---- */
void tl_divmod(int a, int b, int *quot, int *rem);
int tl_sum_array(const int *arr, int n);
void tl_fill(int *arr, int n, int value);
int tl_strlen(const char *s);
void tl_upper(char *s);
const char *tl_greet(void);
const char *tl_null_string(void);
void *tl_null_ptr(void);
int tl_is_null(void *p);
void tl_swap_ptrs(int **a, int **b);
size_t tl_wcslen(const wchar_t *s);

/* ---- errno ---- */
int tl_set_errno(int value);
int tl_get_errno(void);
int tl_errno_through(int (*f)(int), int value);

/* ---- structs ---- */
struct tl_pair { int a; int b; };
struct tl_mixed { int a; double b; };
struct tl_chars { char c[3]; };
struct tl_big { long long a; long long b; long long c; double d; };
typedef struct { double x; double y; } tl_point;

int tl_pair_sum(struct tl_pair p);
struct tl_pair tl_pair_make(int a, int b);
struct tl_pair tl_pair_swap(struct tl_pair p);
double tl_mixed_sum(struct tl_mixed m);
struct tl_mixed tl_mixed_make(int a, double b);
int tl_chars_sum(struct tl_chars c);
struct tl_chars tl_chars_make(char a, char b, char c);
double tl_big_sum(struct tl_big b);
struct tl_big tl_big_make(long long a, long long b, long long c, double d);
double tl_point_dist2(tl_point p, tl_point q);
tl_point tl_point_mid(tl_point p, tl_point q);
void tl_pair_scale(struct tl_pair *p, int k);

/* ---- globals ---- */
extern int tl_global_int;
extern double tl_global_double;
extern int tl_global_array[4];
extern struct tl_pair tl_global_pair;
extern int *tl_global_ptr;
extern const char *tl_global_name;
int tl_read_global_int(void);
double tl_read_global_double(void);
int tl_global_array_sum(void);
int tl_global_pair_sum(void);
int tl_global_ptr_deref(void);

/* ---- enums and constants ---- */
enum tl_color { TL_RED, TL_GREEN = 5, TL_BLUE };
enum tl_neg { TL_NEG = -3, TL_POS = 7 };
#define TL_ANSWER 42
#define TL_HEX 0x10
int tl_color_next(enum tl_color c);

/* ---- callbacks ---- */
int apply(int (*f)(int, int), int a, int b);
double tl_apply_d(double (*f)(double), double x);
void tl_apply_void(void (*f)(int), int x);
int tl_call_n(int (*f)(int), int n);
int tl_apply_in_thread(int (*f)(int, int), int a, int b);
int tl_apply_pair(int (*f)(struct tl_pair), int a, int b);
long long tl_apply_ll(long long (*f)(long long), long long x);
int tl_apply_ptr(int (*f)(void *), void *p);

/* ---- variadic ---- */
int sum_ints(int n, ...);
double sum_doubles(int n, ...);
long long sum_llongs(int n, ...);

/* ---- stored pointers (lifetime) ---- */
void tl_store(int *p);
int tl_load(void);
void tl_store_cb(int (*f)(int));
int tl_call_stored(int x);

/* ---- ownership: C allocates, C frees ---- */
char *tl_make_blob(const char *text);
void tl_free_blob(char *p);
int tl_blobs_alive(void);
struct tl_pair *tl_pair_new(int a, int b);
void tl_pair_free(struct tl_pair *p);
int tl_pairs_alive(void);

/* ---- error reporting ---- */
int parse_packet(const unsigned char *data, int len);
const char *last_error(void);

/* ---- lifetime: memory used after Python code ran ---- */
void tl_fill_after_cb(int *arr, int n, int value, int (*f)(int));
struct tl_obj;
struct tl_obj *tl_obj_new(void);
int tl_child_destroy(struct tl_obj *parent, struct tl_obj *child);
int tl_parent_destroy(struct tl_obj *parent);
