# SPDX-License-Identifier: MIT
# Makefile -- builds udsx out of tree into build/ (and build/asan/ for sanitizers).

B       ?= build
CC      ?= cc
WERROR  ?=
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wno-unused-parameter $(WERROR)
BASE    := -std=gnu11 -D_GNU_SOURCE -Iinclude -Isrc $(WARN) $(CFLAGS) $(SAN)
# The data path crosses several small files (preload -> path -> ring, bell,
# lock); link-time optimisation inlines across them. initial-exec TLS: the
# library is loaded at start-up (LD_PRELOAD), so its few thread-locals can
# sit in the static TLS block instead of costing a __tls_get_addr call.
LIBOPT  ?= $(if $(SAN),,-flto=auto) -ftls-model=initial-exec
LIBFLAGS = -fPIC -fvisibility=hidden -pthread $(LIBOPT)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)

LIB_SRC  := $(wildcard src/*.c) $(wildcard preload/*.c)
LIB_OBJ  := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC))
DIFF_SRC := $(wildcard test/diff/*.c)
DIFF_BIN := $(patsubst test/diff/%.c,$(B)/test/diff/%,$(DIFF_SRC))
UNIT_SRC := $(wildcard test/unit/*.c)
UNIT_BIN := $(patsubst test/unit/%.c,$(B)/test/unit/%,$(UNIT_SRC))
BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(B)/bench/%,$(BENCH_SRC))
STRESS_BIN := $(patsubst test/stress/%.c,$(B)/test/%,$(wildcard test/stress/*.c))
HOST_BIN := $(B)/test/hostile $(B)/test/forge $(B)/test/reattach $(B)/test/idle $(STRESS_BIN)
EX_SRC   := $(wildcard examples/*.c)
EX_BIN   := $(patsubst examples/%.c,$(B)/examples/%,$(EX_SRC))

.PHONY: all lib test bench demo clean asan check-env
all: $(B)/libudsx.so $(B)/udsx $(DIFF_BIN) $(UNIT_BIN) $(HOST_BIN) $(BENCH_BIN) $(EX_BIN)
lib: $(B)/libudsx.so

$(B)/obj/%.o: %.c $(wildcard src/*.h include/*.h preload/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(LIBFLAGS) -DUDSX_VERSION='"$(VERSION)"' -c $< -o $@

$(B)/libudsx.so: $(LIB_OBJ) src/libudsx.map
	$(CC) $(SAN) $(LIBOPT) $(CFLAGS) -shared -pthread -Wl,-soname,libudsx.so.0 -Wl,--version-script=src/libudsx.map -Wl,-z,now \
		$(if $(SAN),,-Wl,-z,defs) -o $@ $(LIB_OBJ) -ldl

$(B)/udsx: tools/udsx.c include/udsx.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -DUDSX_VERSION='"$(VERSION)"' -o $@ $<

$(B)/test/diff/%: test/diff/%.c $(wildcard test/diff/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -pthread -o $@ $<

$(B)/test/hostile: test/hostile/hostile.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -o $@ $<

$(B)/test/forge: test/hostile/forge.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -o $@ $<

# Stress programs (test/stress): multi-threaded, run under udsx, pass or fail.
$(STRESS_BIN): $(B)/test/%: test/stress/%.c test/stress/status.h
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -pthread -o $@ $<

$(B)/test/idle: test/idle/idle.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -pthread -o $@ $<

$(B)/test/reattach: test/exec/reattach.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -o $@ $< -ldl

# Unit tests link the library objects directly so they can reach internals.
$(B)/test/unit/%: test/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -pthread -o $@ $< $(filter $(B)/obj/src/%,$(LIB_OBJ)) -ldl

$(B)/bench/%: bench/%.c $(wildcard bench/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -pthread -o $@ $< -lm

$(B)/examples/%: examples/%.c $(wildcard examples/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) -o $@ $<

# The sanitizer build: same sources, instrumented, in build/asan.
asan:
	$(MAKE) B=$(B)/asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" CFLAGS="-O1 -g" \
		$(B)/asan/libudsx.so $(B)/asan/udsx $(B)/asan/test/hostile $(B)/asan/test/forge $(B)/asan/test/reattach $(patsubst $(B)/%,$(B)/asan/%,$(STRESS_BIN)) $(patsubst $(B)/%,$(B)/asan/%,$(DIFF_BIN))

test: all asan
	bash test/run-all.sh $(B)

bench: all
	bash bench/run.sh $(B)

demo: all
	bash examples/demo.sh $(B)

clean:
	rm -rf $(B)
