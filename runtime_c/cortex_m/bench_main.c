/* bench_main.c: one measured inference of a generated model (`qtc cost`).
 *
 * qtc.compiler.cost writes qtc_bench_config.h next to the build, which includes the model's
 * header and defines:
 *   QTC_BENCH_INPUT_TYPE            the element type of the model's inputs
 *   QTC_BENCH_OUTPUT_TYPE           the element type of its outputs (int8_t after int16
 *                                   pre-processing input, for example)
 *   QTC_BENCH_INPUT_ELEMENTS        all input elements (several inputs: one after the other)
 *   QTC_BENCH_OUTPUT_ELEMENTS       all output elements
 *   QTC_BENCH_INIT()                NAME_init()
 *   QTC_BENCH_RUN(in, out)          NAME_run(...) with pointers into the two buffers
 *
 * The host writes the input into qtc_bench_input (section .noinit, untouched by the start-up
 * code) before reset. The inference runs between the calls of qtc_bench_begin and
 * qtc_bench_end: the host counts the instructions executed after the first returns and before
 * the second is entered. Both are out of line and opaque to the optimiser (an empty volatile
 * asm with a memory clobber), so the input is in memory and the output written at the marks.
 */
#include "qtc_bench_config.h"

__attribute__((section(".noinit"), used, aligned(8)))
QTC_BENCH_INPUT_TYPE qtc_bench_input[QTC_BENCH_INPUT_ELEMENTS];

__attribute__((used, aligned(8))) QTC_BENCH_OUTPUT_TYPE qtc_bench_output[QTC_BENCH_OUTPUT_ELEMENTS];

__attribute__((noinline, used)) void qtc_bench_begin(void)
{
    __asm__ volatile("" : : : "memory");
}

__attribute__((noinline, used)) void qtc_bench_end(void)
{
    __asm__ volatile("" : : : "memory");
}

int main(void)
{
    int status = QTC_BENCH_INIT();
    qtc_bench_begin();
    status |= QTC_BENCH_RUN(qtc_bench_input, qtc_bench_output);
    qtc_bench_end();
    return status;
}
