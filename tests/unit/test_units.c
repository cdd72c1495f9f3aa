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

int main(void)
{
    RUN(sizes_and_rates);
    RUN(durations);
    UNIT_END();
}
