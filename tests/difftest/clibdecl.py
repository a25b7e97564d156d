"""The cdef of clib.c, as separate declarations (the minimiser drops them one
by one), and the generator's model of the records it passes by value."""

from . import model as m

PT = m.Rec("struct", "struct dt_pt", [m.Field("x", m.INT), m.Field("y", m.INT)])
BIG = m.Rec("struct", "struct dt_big", [
    m.Field("a", m.BY_NAME["double"]), m.Field("b", m.Arr(m.INT, 5)),
    m.Field("c", m.CHAR)])
FL = m.Rec("struct", "struct dt_fl", [
    m.Field("a", m.BY_NAME["float"]), m.Field("b", m.BY_NAME["float"])])
MIX = m.Rec("struct", "struct dt_mix", [
    m.Field("c", m.CHAR), m.Field("d", m.BY_NAME["double"]),
    m.Field("s", m.BY_NAME["short"])])
BF = m.Rec("struct", "struct dt_bf", [
    m.Field("a", m.INT, 3), m.Field("b", m.BY_NAME["unsigned int"], 5)])
UN = m.Rec("union", "union dt_un", [
    m.Field("i", m.INT), m.Field("f", m.BY_NAME["float"])])
RECORDS = [PT, BIG, FL, MIX, BF, UN]

DECLS = [
    "struct dt_pt { int x, y; };",
    "struct dt_big { double a; int b[5]; char c; };",
    "struct dt_fl { float a, b; };",
    "struct dt_mix { char c; double d; short s; };",
    "struct dt_bf { int a : 3; unsigned b : 5; };",
    "union dt_un { int i; float f; };",
    "signed char dt_sc(signed char, signed char);",
    "unsigned char dt_uc(unsigned char);",
    "short dt_s(short, short);",
    "unsigned short dt_us(unsigned short);",
    "int dt_add(int, int);",
    "unsigned int dt_u(unsigned int);",
    "long dt_l(long, long);",
    "long long dt_ll(long long, int);",
    "unsigned long long dt_ull(unsigned long long, unsigned long long);",
    "_Bool dt_not(_Bool);",
    "char dt_nextc(char);",
    "wchar_t dt_wc(wchar_t);",
    "float dt_f(float, float);",
    "double dt_d(double, int, float);",
    "long double dt_ld(long double, long double);",
    "int8_t dt_i8(int8_t);",
    "uint64_t dt_u64(uint64_t);",
    "size_t dt_size(size_t);",
    "double dt_many(int, double, long, float, char, short, unsigned long long,"
    " double, int, float, double, double, double, double, double);",
    "int dt_sum(const int *, int);",
    "void dt_fill(int *, int, int);",
    "size_t dt_strlen(const char *);",
    "const char *dt_str(int);",
    "char *dt_upper(char *, const char *, size_t);",
    "void *dt_id(void *);",
    "int dt_isnull(void *);",
    "const wchar_t *dt_wstr(void);",
    "struct dt_pt dt_mkpt(int, int);",
    "int dt_ptsum(struct dt_pt);",
    "struct dt_pt *dt_ptinc(struct dt_pt *);",
    "struct dt_big dt_bigscale(struct dt_big, int);",
    "struct dt_fl dt_flswap(struct dt_fl);",
    "struct dt_mix dt_mixed(struct dt_mix, int);",
    "int dt_bfsum(struct dt_bf);",
    "int dt_uni(union dt_un);",
    "int dt_vsum(int, ...);",
    "double dt_vsumd(int, ...);",
    "long long dt_vll(int, ...);",
    "int dt_call(int (*)(int), int);",
    "int dt_callmany(int (*)(int), int);",
    "double dt_calld(double (*)(double, double), double, double);",
    "float dt_callf(float (*)(float), float);",
    "struct dt_pt dt_callpt(struct dt_pt (*)(struct dt_pt), struct dt_pt);",
    "void dt_callv(void (*)(int *, int), int *, int);",
    "long long dt_callll(long long (*)(long long, signed char), long long, signed char);",
    "_Bool dt_callb(_Bool (*)(int), int);",
    "char dt_callc(char (*)(char), char);",
    "unsigned short dt_callus(unsigned short (*)(unsigned short, unsigned char), unsigned short);",
    "const char *dt_calls(const char *(*)(int), int);",
    "int dt_callbig(int (*)(struct dt_big, double), struct dt_big);",
    "int dt_callerr(int (*)(int), int);",
    "int dt_errno_set(int);",
    "int dt_errno_get(void);",
    "void dt_count_free(void *);",
    "int dt_frees_get(void);",
    "extern int dt_global;",
    "extern double dt_gdouble;",
    "extern int dt_garr[4];",
    "extern struct dt_pt dt_gpt;",
    "extern char *dt_gptr;",
    "extern const char dt_gmsg[6];",
    "int dt_missing(int);",
]

# Callback signatures the library calls, with the function that calls each.
CALLBACK_SIGS = {
    "int(int)": "dt_call",
    "double(double, double)": "dt_calld",
    "float(float)": "dt_callf",
    "struct dt_pt(struct dt_pt)": "dt_callpt",
    "void(int *, int)": "dt_callv",
    "long long(long long, signed char)": "dt_callll",
    "_Bool(int)": "dt_callb",
    "char(char)": "dt_callc",
    "unsigned short(unsigned short, unsigned char)": "dt_callus",
    "const char *(int)": "dt_calls",
    "int(struct dt_big, double)": "dt_callbig",
}
