/* Prints the C library's output for the printf cases pinned in printf.rs's unit tests.
 * Build and run with: gcc -O0 -o /tmp/printf_check printf_check.c && /tmp/printf_check
 * (-O0 keeps gcc from folding the out-of-range casts; integer items are cast as Lua 5.1's
 * string.format casts them: (long) for %d and %i, (unsigned long) for the others.) */
#include <math.h>
#include <stdio.h>

static void show_double(const char *format, double value) {
    char item[2048];
    snprintf(item, sizeof item, format, value);
    printf("%-10s %-24.17g [%s]\n", format, value, item);
}

static void show_long(const char *format, double value) {
    char item[2048];
    snprintf(item, sizeof item, format, (long)value);
    printf("%-10s %-24.17g [%s]\n", format, value, item);
}

static void show_ulong(const char *format, double value) {
    char item[2048];
    snprintf(item, sizeof item, format, (unsigned long)value);
    printf("%-10s %-24.17g [%s]\n", format, value, item);
}

int main(void) {
    show_double("%05f", INFINITY);
    show_double("%05f", -NAN);
    show_double("%-6f", INFINITY);
    show_double("%+f", NAN);
    show_double("% f", INFINITY);
    show_double("%F", -INFINITY);
    show_double("%E", NAN);
    show_double("%+08.2e", 0.0);
    show_double("%+08.2e", INFINITY);
    show_double("%#g", 0.0);
    show_double("%#g", 1e300);
    show_double("%#.0f", 0.5);
    show_double("%#.0f", 1.5);
    show_double("%.0f", 2.5);
    show_double("%.2f", 0.125);
    show_double("%.0e", 1.5);
    show_double("%#.0e", 0.5);
    show_double("%#.0g", 2.5);
    show_double("%#.0g", 1e300);
    show_double("%.0g", 0.25);
    show_double("%+ 010.3g", 0.0);
    show_double("%+ 010.3g", 0.125);
    show_double("%-+10.3g", 123456789012345.0);
    show_double("%G", 5e-324);
    show_double("%E", -0.0);
    show_double("%f", -0.0001);
    show_double("%.3f", -0.0001);
    show_double("%#g", 999999.5);
    show_double("%#.3g", 999.5);
    show_double("%#.2g", 99.5);
    show_double("%#.3g", 99.95);
    show_double("%#.3g", 9995.0);
    show_long("%08ld", -42.0);
    show_long("%08.3ld", -42.0);
    show_long("%-08ld", -42.0);
    show_ulong("%#010lx", 255.0);
    show_ulong("%#10lX", 255.0);
    show_ulong("%#08lo", 8.0);
    show_ulong("%+5lu", 7.0);
    show_ulong("% lu", 7.0);
    show_long("%+.5li", 42.0);
    show_long("%5.0ld", 0.0);
    return 0;
}
