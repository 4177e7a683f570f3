# hydrores — plain Makefile (style of Redis and git).
#
#   make run        set up what is missing, build, run the default experiment
#   make check      set up what is missing, build, run the whole test suite
#   make bench      build and print the benchmark figures
#   make deps       install the Debian packages the build needs (as root)
#   make SANITIZER=address,undefined check    sanitizer build under build/san/
#   make WERROR=1   turn warnings into errors (CI does this)
#   make MPI=1      the MPI build (mpicc) in build/mpi/: mpirun -np N build/mpi/hydrores evolve ...
#   make PORTABLE=1 one binary for mixed CPUs (no -march=native), in build/generic/

# Debian packages the build and tests need; `make deps` installs the missing ones.
DEB_PKGS = gcc make pkg-config libfftw3-dev libgsl-dev libxml2-dev libcmocka-dev \
           libxml2-utils zlib1g-dev libjson-c-dev libhdf5-dev libcairo2-dev libgif-dev \
           libarpack2-dev libopenmpi-dev openmpi-bin python3 python3-numpy python3-scipy \
           python3-h5py

PKGS    = fftw3 gsl libxml-2.0 cmocka zlib json-c hdf5 cairo arpack
VERSION = 0.1.0

# -march=native for a user's own machine; PORTABLE=1 makes one binary for a
# cluster of mixed CPUs (x86-64-v2: SSE4.2, no AVX; other architectures: the
# compiler's baseline).
ifeq ($(PORTABLE),1)
OPT      ?= -O2 $(if $(filter x86_64,$(shell uname -m)),-march=x86-64-v2,)
BUILD    ?= build/generic
else
OPT      ?= -O2 -march=native
endif
# No fused multiply-add contraction (and see kdv_spectral.c): results are the
# same bits in the normal, sanitizer and portable builds (tests/cross_builds.sh).
FPFLAGS   = -ffp-contract=off
WARN      = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wundef -Wvla -Wcast-align \
            -Wno-unused-parameter
ifeq ($(WERROR),1)
WARN     += -Werror
endif

# MPI=1: the MPI build (mpicc, -DHR_MPI) of the same sources, in build/mpi/.
ifeq ($(MPI),1)
CC        = mpicc
BUILD    ?= build/mpi
MPIFLAGS  = -DHR_MPI
endif

ifneq ($(SANITIZER),)
BUILD    ?= build/san
SANFLAGS  = -fsanitize=$(SANITIZER) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# -O2 as the product build (ASan and UBSan both work at -O2): the same code the
# users run, and the sanitizer pass of .ci/run ~25% faster than at -O1.
OPT       = -O2 -g
else
BUILD    ?= build
SANFLAGS  =
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?=
CFLAGS  += -std=gnu11 -g $(OPT) $(FPFLAGS) $(WARN) $(SANFLAGS) $(MPIFLAGS) -fopenmp -I. $(PKG_CFLAGS) \
           -MMD -MP -DHR_VERSION='"$(VERSION)"' \
           -DHR_BUILD_FLAGS='"$(strip $(OPT) $(SANFLAGS))"'
LDFLAGS += $(SANFLAGS) -fopenmp
LDLIBS  += $(PKG_LIBS) -lgif -lm

MODULES  = base shallowwater reservoir evolve tasks interface
LIB_SRC  = $(filter-out interface/main.c,$(wildcard $(addsuffix /*.c,$(MODULES))))
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB      = $(BUILD)/libhydrores.a
BIN      = $(BUILD)/hydrores

TEST_SRC = $(wildcard tests/*.c)
TEST_BIN = $(TEST_SRC:%.c=$(BUILD)/%)
BENCH_SRC = $(wildcard bench/*.c)
BENCH_BIN = $(BENCH_SRC:%.c=$(BUILD)/%)

.PHONY: all deps check test-run bench bench-run run run-only clean mpi
.DEFAULT_GOAL := all

all: $(BIN) $(TEST_BIN) $(BENCH_BIN)

# V=1 shows the whole commands.
ifeq ($(V),1)
Q =
else
Q = @
endif

.SECONDARY:

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BIN): $(BUILD)/interface/main.o $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# The allocation-fault test replaces the library's malloc family by its
# countdown wrappers (SQLite's test_malloc.c idea, with the linker's --wrap).
WRAP_test_faults = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) $(WRAP_$*) $^ $(LDLIBS) -o $@

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB)
	@$(if $(Q),echo "  LINK    $@")
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# Installs the missing Debian packages (needs root; prints the command if not).
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make deps: installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "make deps: missing Debian packages:$$missing"; \
	    echo "  run: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

# `check` and `run` install first, then re-enter make so pkg-config sees the
# freshly installed packages.
check: deps
	@$(MAKE) --no-print-directory test-run

# The MPI build joins the normal `make check` when mpicc is there (not the
# sanitizer build: Open MPI's own allocations would drown LeakSanitizer).
ifeq ($(SANITIZER)$(MPI),)
ifneq ($(shell command -v mpicc 2>/dev/null),)
MPI_BIN = build/mpi/hydrores
endif
endif

mpi:
	@$(MAKE) --no-print-directory MPI=1 build/mpi/hydrores

# The sanitizer pass builds what it runs (not the benchmarks, which the normal
# pass compiles with the same warnings).
test-run: $(if $(SANITIZER),$(BIN) $(TEST_BIN),all) $(if $(MPI_BIN),mpi)
	@BUILD=$(BUILD) HYDRORES=$(BIN) HYDRORES_MPI=$(MPI_BIN) sh tests/run-all.sh $(TEST_BIN)

bench: deps
	@$(MAKE) --no-print-directory bench-run

bench-run: all $(if $(MPI_BIN),mpi)
	@for b in $(BENCH_BIN); do echo "== $$b"; $$b || exit 1; done
	@for b in bench/*.sh; do [ -f "$$b" ] || continue; echo "== $$b"; HYDRORES=$(BIN) HYDRORES_MPI=$(MPI_BIN) sh $$b || exit 1; done

run: deps
	@$(MAKE) --no-print-directory run-only

run-only: all
	@sh configs/default-run.sh $(BIN) $(BUILD)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(TEST_BIN:=.d) $(BENCH_BIN:=.d) $(BUILD)/interface/main.d
