"""Build script of squares._native (run by rcffi's setuptools hook)."""
from rcffi import FFI

ffibuilder = FFI()
ffibuilder.cdef("""
    typedef struct { double x, y; } vec2;
    #define SQUARES_VERSION ...
    long square(long n);
    double norm2(const vec2 *v);
    int sum_squares(const int *values, int n, long *out);
""")
ffibuilder.set_source("squares._native", """
    typedef struct { double x, y; } vec2;
    #define SQUARES_VERSION 1
    static long square(long n) { return n * n; }
    static double norm2(const vec2 *v) { return v->x * v->x + v->y * v->y; }
    static int sum_squares(const int *values, int n, long *out) {
        long s = 0;
        if (n < 0) return -1;
        for (int i = 0; i < n; i++) s += (long)values[i] * values[i];
        *out = s;
        return 0;
    }
""")

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
