# jeos - build, test and benchmark.
#
#   make deps        install the Debian packages jeos needs (idempotent)
#   make             build build/jeos
#   make appliance   deps + jeos + build recipes/minimal into build/minimal
#   make test        deps + unit tests (cmocka) + integration tests
#   make check-asan  unit tests under AddressSanitizer/UBSan
#   make fuzz        each libFuzzer target for FUZZ_SECONDS (default 60)
#   make bench       build/boot figures for recipes/minimal
#   make install     install jeos, its data, man pages and bash completion
#                    (PREFIX, DESTDIR, BINDIR, DATADIR, MANDIR); make uninstall
#   make man         the man pages in build/man/
#   make deb         the Debian package, into build/deb/

# Every Debian package the project needs. linux-image-amd64 is named on
# purpose: supermin (libguestfs's appliance builder) only recommends it.
# flex, bison, bc, libelf-dev and libssl-dev are what the kernel's Kconfig
# (jeos kconfig) and its build need; its source tarball is .tar.xz.
DEBS = build-essential pkg-config \
	libguestfs-dev libguestfs-tools linux-image-amd64 qemu-utils qemu-system-x86 \
	libxml2-dev libxml2-utils libarchive-dev libzstd-dev liblzma-dev zlib1g-dev \
	libsolv-dev libsolvext-dev libcurl4-openssl-dev libssl-dev libcrypt-dev \
	libcmocka-dev gpgv gnupg debian-archive-keyring dpkg-dev xz-utils zstd \
	mmdebstrap extlinux ovmf virt-v2v libvirt-clients nbdkit \
	flex bison bc libelf-dev libext2fs-dev \
	debhelper lintian bash-completion mandoc

PKGS = libxml-2.0 libarchive libzstd zlib libcurl libsolv libsolvext libcrypto libcrypt libguestfs ext2fs com_err
# Recursive (=) on purpose: evaluated when a recipe runs, i.e. after `make deps`.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS = $(shell pkg-config --libs $(PKGS))

CC ?= cc
WARN = -Wall -Wextra -Werror
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -Ibuilder -I$(BUILD)/obj
BUILD ?= build

SRCS = $(filter-out builder/main.c,$(sort $(wildcard builder/*.c)))
OBJS = $(SRCS:builder/%.c=$(BUILD)/obj/%.o)
SCHEMA_C = $(BUILD)/obj/schema_data.c
UNIT_SRCS = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# tests/fuzz/fuzz_T.c is the fuzz target T; tests/fuzz/T/ its corpus: the
# seeds and every input that once crashed it (see tests/fuzz/replay.c).
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS = $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)
REPLAY_BINS = $(FUZZ_TARGETS:%=$(BUILD)/tests/replay_%)
FUZZ_HARNESS = tests/fuzz/fuzz.c tests/fuzz/fuzz.h
FUZZ_SECONDS ?= 60
SANITIZE = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all deps appliance test unit integration check-asan fuzz fuzz-run bench clean FORCE
all: $(BUILD)/jeos

deps:
	@missing=$$(dpkg-query -W -f='$${Package} $${Status}\n' $(DEBS) 2>/dev/null \
		| awk '$$NF != "installed" {print $$1}'; \
		for p in $(DEBS); do dpkg-query -W $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing" $$missing; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $(DEBS); \
	fi

# The schema files are compiled into the binary, so jeos runs from anywhere:
# builder/schema/recipe.rng becomes `const char schema_recipe_rng[]`.
SCHEMA_FILES = builder/schema/recipe.rng builder/schema/kiwi-names.txt
$(SCHEMA_C): $(SCHEMA_FILES)
	@mkdir -p $(dir $@)
	for f in $(SCHEMA_FILES); do \
	  echo "const char schema_$$(basename $$f | tr .- __)[] ="; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' $$f; \
	  echo ';'; \
	done > $@

$(BUILD)/obj/%.o: builder/%.c builder/*.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/schema_data.o: $(SCHEMA_C)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libjeos.a: $(OBJS) $(BUILD)/obj/schema_data.o
	rm -f $@
	ar rcs $@ $^

$(BUILD)/jeos: builder/main.c $(BUILD)/obj/buildinfo.h $(BUILD)/libjeos.a
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libjeos.a $(PKG_LIBS) $(LDFLAGS)

$(BUILD)/tests/%: tests/unit/%.c tests/unit/*.h $(BUILD)/libjeos.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libjeos.a $(PKG_LIBS) -lcmocka $(LDFLAGS)

# The fuzz targets with replay.c's main instead of libFuzzer's.
$(BUILD)/tests/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_HARNESS) $(BUILD)/libjeos.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/fuzz -o $@ $< tests/fuzz/replay.c tests/fuzz/fuzz.c \
		$(BUILD)/libjeos.a $(PKG_LIBS) $(LDFLAGS)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_HARNESS) $(BUILD)/libjeos.a
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< tests/fuzz/fuzz.c \
		$(BUILD)/libjeos.a $(PKG_LIBS) $(LDFLAGS)

unit: $(BUILD)/jeos $(UNIT_BINS) $(REPLAY_BINS)
	@fail=0; for t in $(UNIT_BINS); do \
		JEOS=$(abspath $(BUILD)/jeos) $$t || fail=1; \
	done; \
	for t in $(FUZZ_TARGETS); do \
		$(BUILD)/tests/replay_$$t tests/fuzz/$$t || fail=1; \
	done; exit $$fail

integration: $(BUILD)/jeos
	@JEOS=$(abspath $(BUILD)/jeos) tests/integration/run-all

test: deps
	$(MAKE) unit
	$(MAKE) integration

check-asan:
	$(MAKE) BUILD=build/asan CFLAGS="-O1 -g $(SANITIZE)" LDFLAGS="-fsanitize=address,undefined" unit

# libjeos instrumented for coverage (clang), then each target for
# FUZZ_SECONDS from its committed corpus; new inputs go to
# build/fuzz/corpus/T, findings to build/fuzz/crashes/T, and any finding
# fails. The committed corpus is only read.
fuzz:
	$(MAKE) BUILD=build/fuzz CC=clang CFLAGS="-O1 -g $(SANITIZE) -fsanitize=fuzzer-no-link" \
		LDFLAGS="-fsanitize=address,undefined" fuzz-run

fuzz-run: $(FUZZ_BINS)
	@fail=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/corpus/$$t $(BUILD)/crashes/$$t; \
		$(BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
			-print_final_stats=1 -artifact_prefix=$(BUILD)/crashes/$$t/ \
			$(BUILD)/corpus/$$t tests/fuzz/$$t >$(BUILD)/fuzz_$$t.log 2>&1 \
			|| { fail=1; echo "fuzz_$$t: FINDING in $(BUILD)/crashes/$$t/, see $(BUILD)/fuzz_$$t.log"; }; \
		echo "fuzz_$$t: $$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' $(BUILD)/fuzz_$$t.log | tail -n 1)"; \
	done; exit $$fail

appliance: deps all
	$(BUILD)/jeos build recipes/minimal -o $(BUILD)/minimal

bench: deps all
	tests/bench/run

clean:
	rm -rf build

# ---- installing: make install, the man pages, the Debian package ----

# The version is debian/changelog's (dch -v VERSION), the one place Debian's
# tools insist on; the git revision is added when built from git (make deb
# passes it in, as its copy of the tree has no .git).
VERSION := $(shell sed -n '1s/^jeos [(]\([^ ]*\)[)].*/\1/p' debian/changelog)
RELEASE_DATE := $(shell date -u +%Y-%m-%d -d "$$(sed -n '/^ -- /{s/^ -- .*>  //p;q}' debian/changelog)")
GIT_REVISION ?= $(shell git describe --always --dirty --exclude='*' 2>/dev/null)
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
BASH_COMPLETION_DIR ?= $(DATADIR)/bash-completion/completions
# The data jeos reads at run time (jeos_data_dir() in builder/util.c).
DATA_DIRS = overlays kernel-configs
MAN_PAGES = $(BUILD)/man/jeos.1 $(BUILD)/man/jeos-recipe.5

# What the binary is built with; rewritten only when a value changes, so
# `make install PREFIX=/usr` after `make` rebuilds just what depends on it.
$(BUILD)/obj/buildinfo.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define JEOS_VERSION "%s"\n#define JEOS_GIT_REVISION "%s"\n#define JEOS_BINDIR "%s"\n#define JEOS_DATADIR "%s"\n' \
		'$(VERSION)' '$(GIT_REVISION)' '$(BINDIR)' '$(DATADIR)/jeos' > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/obj/util.o: $(BUILD)/obj/buildinfo.h

# The man pages name the version, its date and where this build looks for
# its data.
$(BUILD)/man/%: man/%.in $(BUILD)/obj/buildinfo.h
	@mkdir -p $(dir $@)
	sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@DATE@|$(RELEASE_DATE)|g' -e 's|@DATADIR@|$(DATADIR)/jeos|g' $< > $@

.PHONY: man install uninstall deb
man: $(MAN_PAGES)

install: $(BUILD)/jeos $(MAN_PAGES)
	install -D -m 0755 $(BUILD)/jeos $(DESTDIR)$(BINDIR)/jeos
	for d in $(DATA_DIRS); do \
	  find $$d -type d -printf '%P\n' | while read -r p; do \
	    install -d -m 0755 "$(DESTDIR)$(DATADIR)/jeos/$$d/$$p"; done; \
	  find $$d -type f -printf '%P\n' | while read -r p; do \
	    if [ -x "$$d/$$p" ]; then m=0755; else m=0644; fi; \
	    install -m $$m "$$d/$$p" "$(DESTDIR)$(DATADIR)/jeos/$$d/$$p"; done; \
	done
	install -D -m 0644 $(BUILD)/man/jeos.1 $(DESTDIR)$(MANDIR)/man1/jeos.1
	install -D -m 0644 $(BUILD)/man/jeos-recipe.5 $(DESTDIR)$(MANDIR)/man5/jeos-recipe.5
	install -D -m 0644 completion/jeos $(DESTDIR)$(BASH_COMPLETION_DIR)/jeos

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/jeos $(DESTDIR)$(MANDIR)/man1/jeos.1 \
		$(DESTDIR)$(MANDIR)/man5/jeos-recipe.5 $(DESTDIR)$(BASH_COMPLETION_DIR)/jeos
	rm -rf $(DESTDIR)$(DATADIR)/jeos

# dpkg-buildpackage writes next to the tree it builds, so it builds a copy
# in build/deb/src and the .deb, .buildinfo and .changes land in build/deb/.
# The copy is built as a fresh tree: this make's own variables (BUILD,
# PREFIX... given on its command line) would reach debian/rules' make.
deb:
	rm -rf $(BUILD)/deb
	mkdir -p $(BUILD)/deb/src
	tar -cf - --exclude=./build --exclude=./.git . | tar -C $(BUILD)/deb/src -xf -
	cd $(BUILD)/deb/src && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u DESTDIR \
		-u PREFIX -u BINDIR -u DATADIR -u MANDIR -u BASH_COMPLETION_DIR \
		GIT_REVISION='$(GIT_REVISION)' dpkg-buildpackage -us -uc -b
	lintian --fail-on error $(BUILD)/deb/jeos_$(VERSION)_amd64.deb
