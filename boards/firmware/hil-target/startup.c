/*
 * hil-target start-up for the STM32F205 (Cortex-M3): the vector table, .data and .bss set up, and a
 * HardFault handler that says where the fault was on the console and resets the chip, as a product's
 * fault handler does (a crash a bench sees as a signature line and a new boot).
 */
#include <stdint.h>

extern uint32_t _data_load, _data_start, _data_end, _bss_start, _bss_end, _stack_top;
extern int main(void);
void console_write(const char *text);
void console_hex(uint32_t value);

void reset_handler(void)
{
    uint32_t *src = &_data_load;
    for (uint32_t *dst = &_data_start; dst < &_data_end;)
        *dst++ = *src++;
    for (uint32_t *dst = &_bss_start; dst < &_bss_end;)
        *dst++ = 0;
    main();
    for (;;)
        ;
}

#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0Cu)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)

/* The stacked frame: r0-r3, r12, lr, pc, xpsr. */
void hard_fault_report(uint32_t *frame)
{
    uint32_t cfsr = SCB_CFSR;
    /* What the Configurable Fault Status Register says the fault was (ARMv7-M ARM, B3.2.15). */
    const char *kind = (cfsr & (1u << 25))   ? "divide-by-zero"
                       : (cfsr & (1u << 17)) ? "invalid-state"
                       : (cfsr & (1u << 16)) ? "undefined-instruction"
                       : (cfsr & 0xFF00u)    ? "bus-fault"
                       : (cfsr & 0xFFu)      ? "memory-fault"
                                             : "fault";
    console_write("\r\n*** HardFault (");
    console_write(kind);
    console_write(") pc=");
    console_hex(frame[6]);
    console_write(" lr=");
    console_hex(frame[5]);
    console_write(" cfsr=");
    console_hex(cfsr);
    console_write(" ***\r\nresetting\r\n");
    SCB_AIRCR = 0x05FA0004u; /* VECTKEY | SYSRESETREQ */
    for (;;)
        ;
}

__attribute__((naked)) void hard_fault_handler(void)
{
    __asm volatile("tst lr, #4\n"
                   "ite eq\n"
                   "mrseq r0, msp\n"
                   "mrsne r0, psp\n"
                   "b hard_fault_report\n");
}

static void default_handler(void)
{
    for (;;)
        ;
}

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    &_stack_top,        reset_handler,   default_handler, hard_fault_handler,
    hard_fault_handler, hard_fault_handler, hard_fault_handler, 0,
    0,                  0,               0,               default_handler,
    default_handler,    0,               default_handler, default_handler,
};
