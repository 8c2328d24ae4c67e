/* Test driver for runtime_c/qtc_float.h (tests/test_runtime_float.py).
 *
 * Usage: float_kernels_driver IN OUT. IN holds one call, native int32/float32:
 *   char name[16]; int32 nint, ints[nint]; int32 narr, then per array int32 len, float data[len];
 *   int32 out_len, scratch_len, inplace.
 * Every array gets its own exactly sized heap block (so ASan sees any overrun); y and scratch
 * start as NaN (so an unwritten output or an unset scratch value shows). With inplace = 1 the
 * first array is copied into y and y is passed as that input. OUT receives y (out_len floats).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qtc_common.h"
#include "qtc_float.h"
#include "qtc_float.h" /* twice: the include guard must hold */

#define MAX_INTS 64
#define MAX_ARRAYS 8

static void die(const char *what) {
    fprintf(stderr, "float_kernels_driver: %s\n", what);
    exit(2);
}

static int32_t read_i32(FILE *f) {
    int32_t v;
    if (fread(&v, sizeof v, 1, f) != 1) die("short read");
    return v;
}

/* A heap block of `count` floats (at least one, so malloc(0) never happens), filled with NaN. */
static float *alloc_nan(int count) {
    float *p = malloc(sizeof(float) * (size_t)(count > 0 ? count : 1));
    int i;
    if (!p) die("out of memory");
    for (i = 0; i < count; ++i) p[i] = nanf("");
    return p;
}

static qtc_window window_from(const int32_t *v) {
    qtc_window g;
    g.n = v[0]; g.h = v[1]; g.w = v[2]; g.c = v[3];
    g.kh = v[4]; g.kw = v[5]; g.sh = v[6]; g.sw = v[7]; g.dh = v[8]; g.dw = v[9];
    g.pad_top = v[10]; g.pad_left = v[11];
    g.oh = v[12]; g.ow = v[13]; g.f = v[14];
    return g;
}

int main(int argc, char **argv) {
    char name[17] = {0};
    int32_t ints[MAX_INTS];
    float *arr[MAX_ARRAYS] = {0};
    const float *in[MAX_ARRAYS] = {0};
    int len[MAX_ARRAYS] = {0};
    int nint, narr, out_len, scratch_len, inplace, i;
    float *y, *scratch;
    const int32_t *v = ints;
    FILE *f;

    if (argc != 3) die("usage: float_kernels_driver IN OUT");
    if (!(f = fopen(argv[1], "rb"))) die("cannot open input");
    if (fread(name, 1, 16, f) != 16) die("short read");
    nint = read_i32(f);
    if (nint < 0 || nint > MAX_INTS) die("bad int count");
    for (i = 0; i < nint; ++i) ints[i] = read_i32(f);
    narr = read_i32(f);
    if (narr < 0 || narr > MAX_ARRAYS) die("bad array count");
    for (i = 0; i < narr; ++i) {
        len[i] = read_i32(f);
        arr[i] = alloc_nan(len[i]);
        if (fread(arr[i], sizeof(float), (size_t)len[i], f) != (size_t)len[i]) die("short read");
        /* an empty array stands for NULL (no bias) */
        in[i] = len[i] > 0 ? arr[i] : NULL;
    }
    out_len = read_i32(f);
    scratch_len = read_i32(f);
    inplace = read_i32(f);
    fclose(f);
    y = alloc_nan(out_len);
    scratch = alloc_nan(scratch_len);
    if (inplace) {
        if (narr < 1 || len[0] != out_len) die("inplace needs len(x) == out_len");
        memcpy(y, arr[0], sizeof(float) * (size_t)out_len);
        in[0] = y;
    }

    if (!strcmp(name, "dense")) {
        qtc_dense_f32(in[0], in[1], in[2], y, v[0], v[1], v[2], v[3]);
    } else if (!strcmp(name, "conv2d") || !strcmp(name, "depthwise_conv2d")) {
        const qtc_window g = window_from(v);
        if (name[0] == 'c') qtc_conv2d_f32(in[0], in[1], in[2], y, &g, v[15]);
        else qtc_depthwise_conv2d_f32(in[0], in[1], in[2], y, &g, v[15]);
    } else if (!strcmp(name, "max_pool2d") || !strcmp(name, "avg_pool2d")) {
        const qtc_window g = window_from(v);
        if (name[0] == 'm') qtc_max_pool2d_f32(in[0], y, &g);
        else qtc_avg_pool2d_f32(in[0], y, &g);
    } else if (!strcmp(name, "global_avg_pool")) {
        qtc_global_avg_pool_f32(in[0], y, v[0], v[1], v[2]);
    } else if (!strcmp(name, "global_max_pool")) {
        qtc_global_max_pool_f32(in[0], y, v[0], v[1], v[2]);
    } else if (!strcmp(name, "add")) {
        qtc_add_f32(in[0], in[1], y, out_len, v[0]);
    } else if (!strcmp(name, "sub")) {
        qtc_sub_f32(in[0], in[1], y, out_len, v[0]);
    } else if (!strcmp(name, "mul")) {
        qtc_mul_f32(in[0], in[1], y, out_len, v[0]);
    } else if (!strcmp(name, "relu")) {
        qtc_relu_f32(in[0], y, out_len);
    } else if (!strcmp(name, "relu6")) {
        qtc_relu6_f32(in[0], y, out_len);
    } else if (!strcmp(name, "tanh")) {
        qtc_tanh_f32(in[0], y, out_len);
    } else if (!strcmp(name, "sigmoid")) {
        qtc_sigmoid_f32(in[0], y, out_len);
    } else if (!strcmp(name, "softmax")) {
        qtc_softmax_f32(in[0], y, v[0], v[1], v[2]);
    } else if (!strcmp(name, "scale_shift")) {
        qtc_scale_shift_f32(in[0], in[1], in[2], y, v[0], v[1], v[2]);
    } else if (!strcmp(name, "copy")) {
        qtc_copy_f32(in[0], y, out_len);
    } else if (!strcmp(name, "concat")) {
        int chunk_bytes[MAX_ARRAYS], k;
        for (k = 0; k < narr; ++k) chunk_bytes[k] = v[1 + k] * (int)sizeof(float);
        qtc_concat_bytes((const void *const *)in, chunk_bytes, narr, y, v[0]);
    } else if (!strcmp(name, "pad4")) {
        qtc_pad4_f32(in[0], y, v, v + 4, in[1][0]);
    } else if (!strcmp(name, "lstm")) {
        qtc_lstm_f32(in[0], in[1], in[2], in[3], y, scratch, v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    } else if (!strcmp(name, "gru")) {
        qtc_gru_f32(in[0], in[1], in[2], in[3], y, scratch, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
    } else {
        die("unknown kernel");
    }

    if (!(f = fopen(argv[2], "wb"))) die("cannot open output");
    if (fwrite(y, sizeof(float), (size_t)out_len, f) != (size_t)out_len) die("short write");
    fclose(f);
    for (i = 0; i < narr; ++i) free(arr[i]);
    free(y);
    free(scratch);
    return 0;
}
