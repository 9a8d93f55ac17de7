/*
 * hil-target: a small console firmware for the STM32F205 (QEMU -M netduino2), written to prove the
 * harness's fuzzing. USART1 carries a line console (`hil> `) with a few commands, and two bugs:
 *
 * - shallow: `led <n>` takes n unchecked into a table of four actions; n = 4 calls the zero after the
 *   table, a HardFault. Black-box grammar fuzzing, which reads `help`, finds it in seconds.
 * - deep: `dump <region>` is refused until `key` has been given the code, compared a byte at a time
 *   (in the style of LAVA-M's magic values, but each byte a branch of its own, so coverage sees the
 *   progress); once unlocked (a state change that lasts until reset), region 8 calls past its table
 *   into the trap kept after it: an undefined instruction, a fault of another kind than `led 4`'s,
 *   so a signature of its own.
 *
 * Nothing here is a model of a product: it is a target with known answers. The command handlers are
 * kept out of line, so the coverage file names them by function.
 */
#include <stdint.h>

#define VERSION "1.0.0"
#define USART1_SR (*(volatile uint32_t *)0x40011000u)
#define USART1_DR (*(volatile uint32_t *)0x40011004u)
#define USART1_CR1 (*(volatile uint32_t *)0x4001100Cu)
#define SR_RXNE (1u << 5)
#define SR_TXE (1u << 7)
#define CR1_UE (1u << 13)
#define CR1_TE (1u << 3)
#define CR1_RE (1u << 2)
#define LINE_MAX 120

static void put(char c)
{
    while (!(USART1_SR & SR_TXE))
        ;
    USART1_DR = (uint8_t)c;
}

void console_write(const char *text)
{
    while (*text)
        put(*text++);
}

void console_hex(uint32_t value)
{
    put('0');
    put('x');
    for (int shift = 28; shift >= 0; shift -= 4)
        put("0123456789abcdef"[(value >> shift) & 0xF]);
}

static void console_dec(uint32_t value)
{
    char digits[10];
    int n = 0;
    do {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n)
        put(digits[--n]);
}

static char get(void)
{
    while (!(USART1_SR & SR_RXNE))
        ;
    return (char)USART1_DR;
}

static int same(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* A decimal number, or -1 when the text is not one (or would not fit). */
static int32_t number(const char *text)
{
    int32_t value = 0;
    if (!*text)
        return -1;
    for (; *text; text++) {
        if (*text < '0' || *text > '9' || value > 100000000)
            return -1;
        value = value * 10 + (*text - '0');
    }
    return value;
}

static uint32_t leds;
static int unlocked;

static void led0(void) { leds ^= 1; }
static void led1(void) { leds ^= 2; }
static void led2(void) { leds ^= 4; }
static void led3(void) { leds ^= 8; }

/* The zero after each table is a count the firmware keeps (never set here): what an overrun calls. */
static struct {
    void (*actions[4])(void);
    uint32_t blinks;
} led_table = {{led0, led1, led2, led3}, 0};

static uint32_t dumped;
static void dump_region(uint32_t region) { dumped |= 1u << region; }
/* Where the firmware stops for good: an undefined instruction (UDF), as an abort() does. */
__attribute__((naked, noinline)) static void trap(void) { __asm volatile("udf #0"); }
static struct {
    void (*dump[8])(uint32_t);
    void (*trap)(void);
} region_table = {{dump_region, dump_region, dump_region, dump_region, dump_region, dump_region,
                   dump_region, dump_region},
                  trap};

__attribute__((noinline)) static void help(void)
{
    console_write("help\r\nversion\r\nstatus\r\necho <text>\r\nsum <a> <b>\r\nled <n>\r\nkey <code>\r\n"
                  "dump <region>\r\n");
}

__attribute__((noinline)) static void key(const char *code)
{
    /* HiL!, a byte at a time. */
    if (code[0] == 'H') {
        if (code[1] == 'i') {
            if (code[2] == 'L') {
                if (code[3] == '!' && code[4] == 0) {
                    unlocked = 1;
                    console_write("unlocked\r\n");
                    return;
                }
            }
        }
    }
    console_write("wrong key\r\n");
}

__attribute__((noinline)) static void dump(const char *arg)
{
    int32_t region = number(arg);
    if (!unlocked) {
        console_write("locked: give the key first\r\n");
        return;
    }
    if (region < 0) {
        console_write("dump: not a region\r\n");
        return;
    }
    region_table.dump[region]((uint32_t)region); /* the bug: no upper bound */
    console_write("dumped ");
    console_dec((uint32_t)region);
    console_write("\r\n");
}

__attribute__((noinline)) static void run(char *line)
{
    char *arg = line;
    while (*arg && *arg != ' ')
        arg++;
    char *rest = arg;
    if (*arg) {
        *arg = 0;
        rest = arg + 1;
    }
    if (!*line)
        return;
    if (same(line, "help"))
        help();
    else if (same(line, "version"))
        console_write("hil-target v" VERSION "\r\n");
    else if (same(line, "status")) {
        console_write(unlocked ? "unlocked, leds " : "locked, leds ");
        console_hex(leds);
        console_write("\r\n");
    } else if (same(line, "echo")) {
        console_write(rest);
        console_write("\r\n");
    } else if (same(line, "sum")) {
        char *b = rest;
        while (*b && *b != ' ')
            b++;
        if (*b)
            *b++ = 0;
        int32_t x = number(rest), y = number(b);
        if (x < 0 || y < 0)
            console_write("sum: two numbers\r\n");
        else {
            console_dec((uint32_t)(x + y));
            console_write("\r\n");
        }
    } else if (same(line, "led")) {
        int32_t n = number(rest);
        if (n < 0)
            console_write("led: a number\r\n");
        else {
            led_table.actions[n](); /* the bug: no upper bound */
            console_write("ok\r\n");
        }
    } else if (same(line, "key"))
        key(rest);
    else if (same(line, "dump"))
        dump(rest);
    else {
        console_write("unknown command: ");
        console_write(line);
        console_write("\r\n");
    }
}

int main(void)
{
    static char line[LINE_MAX + 1];
    USART1_CR1 = CR1_UE | CR1_TE | CR1_RE;
    console_write("\r\nhil-target v" VERSION " (STM32F205, netduino2)\r\n");
    for (;;) {
        unsigned n = 0;
        console_write("hil> ");
        for (;;) {
            char c = get();
            if (c == '\r' || c == '\n') {
                console_write("\r\n");
                break;
            }
            if ((c == 8 || c == 127) && n > 0) {
                n--;
                console_write("\b \b");
            } else if (c >= 32 && c < 127 && n < LINE_MAX) {
                line[n++] = c;
                put(c);
            }
        }
        line[n] = 0;
        run(line);
    }
}
