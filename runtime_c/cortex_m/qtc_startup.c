/* qtc_startup.c: bare-metal start-up for measuring generated models on Cortex-M0/M3/M4(F).
 *
 * Used by `qtc cost` (qtc.compiler.cost) with qtc_cortex_m.ld; runs on Unicorn and on QEMU's
 * `microbit` (M0), `mps2-an385` (M3) and `mps2-an386` (M4F) boards. No interrupts are enabled.
 *
 * Reset: copy .data from flash, zero .bss (.noinit, which holds the input the host writes before
 * starting, is left alone), enable the FPU in hard-float builds, paint the free stack with
 * QTC_STACK_PAINT (the host finds the deepest overwritten word after the run: peak stack use),
 * call main() and leave through semihosting SYS_EXIT. Every fault handler exits through
 * semihosting with a run-time error, so QEMU stops instead of hanging.
 *
 * Plain C: ARMv6-M (Thumb-1) code when built with -mcpu=cortex-m0. Build with
 * -fno-tree-loop-distribute-patterns, so GCC keeps the copy/zero/paint loops as loops
 * instead of calling memcpy/memset before .data and .bss exist.
 */
#include <stdint.h>

#define QTC_STACK_PAINT 0xC0DEC0DEu

/* ARM semihosting (BKPT 0xAB, operation in r0, argument in r1). */
#define QTC_SYS_EXIT 0x18
#define QTC_ADP_STOPPED_APPLICATION_EXIT 0x20026
#define QTC_ADP_STOPPED_RUNTIME_ERROR 0x20023

/* Symbols of qtc_cortex_m.ld. */
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern uint32_t __stack_limit[], __stack_top[];

int main(void);
void Reset_Handler(void);
void qtc_fault_handler(void);

__attribute__((noreturn, used)) void qtc_semihosting_exit(uint32_t reason)
{
    register uint32_t r0 __asm__("r0") = QTC_SYS_EXIT;
    register uint32_t r1 __asm__("r1") = reason;
    for (;;) __asm__ volatile("bkpt 0xab" : : "r"(r0), "r"(r1) : "memory");
}

__attribute__((used)) void qtc_fault_handler(void)
{
    qtc_semihosting_exit(QTC_ADP_STOPPED_RUNTIME_ERROR);
}

/* The ARMv6-M / ARMv7-M system exceptions; the 4 fault entries 3..6 are reserved on ARMv6-M. */
__attribute__((section(".vectors"), used)) void (*const qtc_vectors[16])(void) = {
    (void (*)(void))__stack_top,
    Reset_Handler,
    qtc_fault_handler, /* NMI */
    qtc_fault_handler, /* HardFault */
    qtc_fault_handler, /* MemManage */
    qtc_fault_handler, /* BusFault */
    qtc_fault_handler, /* UsageFault */
    0, 0, 0, 0,
    qtc_fault_handler, /* SVCall */
    qtc_fault_handler, /* DebugMonitor */
    0,
    qtc_fault_handler, /* PendSV */
    qtc_fault_handler, /* SysTick */
};

__attribute__((noreturn, used)) void Reset_Handler(void)
{
    uint32_t *src = __data_load, *dst, *sp;
    for (dst = __data_start; dst < __data_end; ++dst) *dst = *src++;
    for (dst = __bss_start; dst < __bss_end; ++dst) *dst = 0;
#if defined(__ARM_FP)
    /* CPACR: full access to CP10 and CP11 (the FPU) before any floating-point instruction. */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" : : : "memory");
#endif
    /* Paint from the lowest stack address up to the current stack pointer (free stack only). */
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (dst = __stack_limit; dst < sp; ++dst) *(volatile uint32_t *)dst = QTC_STACK_PAINT;
    qtc_semihosting_exit(main() == 0 ? QTC_ADP_STOPPED_APPLICATION_EXIT : QTC_ADP_STOPPED_RUNTIME_ERROR);
}
