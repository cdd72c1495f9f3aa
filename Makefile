# imx build: a static core library (lib/), the CLI (src/), tests and benchmarks.
# `make check` installs what it needs, builds and runs every test layer.

VERSION := 0.1.0
CC ?= cc
OPT ?= -O2 -g
WARN := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wwrite-strings -Wvla -Wformat=2 -Wold-style-definition -Wpointer-arith -fno-common
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -DIMX_VERSION='"$(VERSION)"' -Ilib
PKGS := yajl libcurl libarchive libcrypto sqlite3 cairo fontconfig
LDLIBS += $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lyajl -lcurl -larchive -lcrypto -lsqlite3 -lcairo -lfontconfig) -lm -lpthread
CPPFLAGS += $(shell pkg-config --cflags $(PKGS) 2>/dev/null)

ifdef SANITIZE
OPT := -O1 -g -fno-omit-frame-pointer
SANFLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all
BUILD ?= build-san
else
BUILD ?= build
endif
ifdef DEVELOPER
WARN += -Werror
endif
ALL_CFLAGS = $(OPT) $(WARN) $(SANFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

LIB_SRC := $(sort $(wildcard lib/*/*.c))
CLI_SRC := $(sort $(wildcard src/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRC := $(filter-out tests/tools/failshim.c,$(sort $(wildcard tests/tools/*.c)))
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%)
FUZZ_REPLAY := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)
FAILSHIM := $(BUILD)/tools/failshim.so
LIBIMX := $(BUILD)/libimx.a
IMX := $(BUILD)/imx

DEB_PKGS := build-essential pkg-config libyajl-dev libcurl4-openssl-dev libarchive-dev libssl-dev \
	zlib1g-dev python3 ca-certificates clang clang-format libsqlite3-dev libcairo2-dev \
	fonts-dejavu-core chromium

.PHONY: all deps run check unit e2e real bench fuzz clean fmt fmt-check unit-bins tidy analyze print-pkgs
ifeq ($(BUILD),build)
all: $(IMX) imx
else
all: $(IMX)
endif

# ./imx is a convenience link to the default build only
imx: $(IMX)
	ln -sf $(IMX) imx

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(LIBIMX): $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(IMX): $(CLI_OBJ) $(LIBIMX)
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(LIBIMX) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIBIMX)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(ALL_CFLAGS) -o $@ $< $(LIBIMX) $(ALL_LDFLAGS) $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIBIMX)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIBIMX) $(ALL_LDFLAGS) $(LDLIBS)

# The LD_PRELOAD fault injector of tests/e2e/faults_disk.sh: a shared object, never sanitized
# (it is loaded before the sanitizer runtime sees any code of ours).
$(FAILSHIM): tests/tools/failshim.c
	@mkdir -p $(dir $@)
	$(CC) $(OPT) -Wall -Wextra -shared -fPIC $(CFLAGS) -o $@ $< -ldl -lpthread

# A fuzz target linked with a plain main() that replays inputs (make check replays regressions).
$(BUILD)/fuzz/%: fuzz/%.c fuzz/replay.c $(LIBIMX)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< fuzz/replay.c $(LIBIMX) $(ALL_LDFLAGS) $(LDLIBS)

# Installs the Debian packages imx needs (as root, through apt-get); quiet when all are present.
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq || true; \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The main job in one command: install, build, run (ARGS are imx's arguments).
run: deps
	@$(MAKE) --no-print-directory all >/dev/null
	./$(IMX) $(ARGS)

check: deps
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(TOOL_BIN) $(FAILSHIM) $(FUZZ_REPLAY)
	@IMX=$(abspath $(IMX)) BUILD=$(abspath $(BUILD)) VALGRIND=$(VALGRIND) bash tests/run.sh $(TESTS)

bench: deps
	@$(MAKE) --no-print-directory all $(TOOL_BIN)
	@IMX=$(abspath $(IMX)) BUILD=$(abspath $(BUILD)) bash bench/run.sh

# the pkg-config names of the libraries (fuzz/run.sh links the same ones)
print-pkgs:
	@echo $(PKGS)

# libFuzzer runs of every target (FUZZ_SECONDS each, default 60); needs clang.
fuzz: deps
	@bash fuzz/run.sh $(FUZZ_TARGETS)

FMT_SRC = $(LIB_SRC) $(CLI_SRC) $(wildcard lib/*/*.h src/*.h tests/unit/*.h) $(UNIT_SRC)
fmt:
	clang-format -i $(FMT_SRC)

# fails, naming the lines, where a file differs from .clang-format (CI runs it)
fmt-check:
	clang-format --dry-run -Werror $(FMT_SRC)

# every binary the tests use (the clang build of CI makes them all)
unit-bins: $(UNIT_BIN) $(TOOL_BIN) $(FAILSHIM) $(FUZZ_REPLAY)

tidy:
	clang-tidy $(LIB_SRC) -- $(CPPFLAGS) -std=c11

# gcc's static analyzer on the core and the CLI; any finding fails the target.
analyze: deps
	@fail=0; for f in $(LIB_SRC) $(CLI_SRC); do \
		gcc -fanalyzer -Werror $(WARN) $(CPPFLAGS) -Isrc $(shell pkg-config --cflags $(PKGS)) \
			-c $$f -o /dev/null || fail=1; \
	done; \
	if [ $$fail = 0 ]; then echo "analyze: no findings in $(words $(LIB_SRC) $(CLI_SRC)) files"; fi; \
	exit $$fail

clean:
	rm -rf build build-* imx

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d)
