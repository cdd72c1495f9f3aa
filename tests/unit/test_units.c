/* test_units: sizes, rates and durations for people (util/units): small transfers show
 * bytes or KB, never "0.0 MB". */
#include "unit.h"
#include "util/units.h"

static void sizes_and_rates(void)
{
    char b[32];

    units_bytes(0, b, sizeof(b));
    CHECK_STR(b, "0 B");
    units_bytes(1023, b, sizeof(b));
    CHECK_STR(b, "1023 B");
    units_bytes(18526, b, sizeof(b));
    CHECK_STR(b, "18.1 KB");
    units_bytes(3565158, b, sizeof(b));
    CHECK_STR(b, "3.4 MB");
    units_bytes(1288490189ULL, b, sizeof(b));
    CHECK_STR(b, "1.2 GB");
    units_rate(812.4, b, sizeof(b));
    CHECK_STR(b, "812 B/s");
    units_rate(3174.0, b, sizeof(b));
    CHECK_STR(b, "3.1 KB/s");
    units_rate(0.2, b, sizeof(b));
    CHECK_STR(b, "0 B/s");
    units_rate(-5, b, sizeof(b));
    CHECK_STR(b, "0 B/s");
}

static void durations(void)
{
    char b[32];

    units_duration(0.4, b, sizeof(b));
    CHECK_STR(b, "0s");
    units_duration(45, b, sizeof(b));
    CHECK_STR(b, "45s");
    units_duration(125, b, sizeof(b));
    CHECK_STR(b, "2m05s");
    units_duration(3720, b, sizeof(b));
    CHECK_STR(b, "1h02m");
}

/* numbers people type: decimal only (strtod alone took 0x10 as 16, and inf, nan) */
static void decimals(void)
{
    static const char *const bad[] = {"",    "0x10", "0X1p3", "inf", "nan", "1e999",
                                      "1,5", " 1",   "1 ",    "5%",  "--1", "abc"};
    double v = 42;

    CHECK(units_decimal("64", &v) == 0 && v == 64);
    CHECK(units_decimal("0.5", &v) == 0 && v == 0.5);
    CHECK(units_decimal("-3", &v) == 0 && v == -3);
    CHECK(units_decimal("1.5e3", &v) == 0 && v == 1500);
    CHECK(units_decimal("+2E-1", &v) == 0 && v == 0.2);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = 42;
        CHECK(units_decimal(bad[i], &v) == -1 && v == 42);
    }
}

int main(void)
{
    RUN(sizes_and_rates);
    RUN(durations);
    RUN(decimals);
    UNIT_END();
}
