# SPDX-License-Identifier: GPL-2.0-or-later
# gpupt — plain Make. The caller's CC, CFLAGS, CPPFLAGS and LDFLAGS are
# honoured; V=1 shows the commands.

VERSION     := 0.1
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
SBINDIR     ?= $(PREFIX)/sbin
LIBEXECDIR  ?= $(PREFIX)/libexec
MANDIR      ?= $(PREFIX)/share/man
DOCDIR      ?= $(PREFIX)/share/doc/gpupt
SYSCONFDIR  ?= /etc
# systemd's own answer when it is installed, its usual place otherwise
GENERATORDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemgeneratordir systemd \
                       2>/dev/null),/usr/lib/systemd/system-generators)
# where the static template units go, and where the generator's links point
SYSTEMDUNITDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd \
                         2>/dev/null),/usr/lib/systemd/system)
DRACUTMODDIR ?= $(PREFIX)/lib/dracut/modules.d
INITRAMFSTOOLSDIR ?= $(PREFIX)/share/initramfs-tools
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
UDEVRULESDIR ?= $(or $(shell $(PKG_CONFIG) --variable=udevdir udev 2>/dev/null),/usr/lib/udev)/rules.d
DESTDIR     ?=

CC          ?= cc
PKG_CONFIG  ?= pkg-config
PYTHON      ?= python3
SCDOC       ?= scdoc
BUILDDIR    ?= build

PKGS        := libconfuse libkmod blkid
CFLAGS      ?= -O2 -g
WARNINGS    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
               -Wformat=2 -Wno-format-nonliteral
BASE_CFLAGS := -std=gnu11 $(WARNINGS) -D_GNU_SOURCE -DGPUPT_VERSION='"$(VERSION)"' \
               -DSYSCONFDIR='"$(SYSCONFDIR)"' -DLIBEXECDIR='"$(LIBEXECDIR)"' \
               -DSYSTEMDUNITDIR='"$(SYSTEMDUNITDIR)"'

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Asked of pkg-config once, at parse time; `make deps` explains a failure.
PKG_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# The library by layer, lowest first (README, Layout); the mains sit above
# them in generator/ itself. Each folder is on the include path, and
# tests/check-layers.py holds every #include to the order.
LAYERS     := shared sysfs conf plan render apply
LIB_SRCS   := $(wildcard $(LAYERS:%=generator/%/*.c))
LIB_HDRS   := $(wildcard $(LAYERS:%=generator/%/*.h))
LIB_OBJS   := $(LIB_SRCS:generator/%.c=$(BUILDDIR)/obj/%.o)
INCLUDES   := $(LAYERS:%=-Igenerator/%)
PROGRAMS   := gpupt-check gpupt-generator gpupt-apply
PROG_BINS  := $(PROGRAMS:%=$(BUILDDIR)/%)
TEST_SRCS  := $(wildcard tests/test-*.c)
TEST_BINS  := $(TEST_SRCS:tests/%.c=$(BUILDDIR)/tests/%)
TEST_HELPERS := $(filter-out tests/test-%.c,$(wildcard tests/*.c))
# Units, udev rules and the initramfs modules, with install paths filled in.
UNIT_SRCS  := $(wildcard units/*.in dracut/90gpupt/*.in initramfs-tools/hooks/*.in \
                         initramfs-tools/scripts/init-top/*.in)
UNIT_FILES := $(UNIT_SRCS:%.in=$(BUILDDIR)/%)
# The static template units, whose instances the generator enables.
STATIC_UNITS := $(filter %.service,$(UNIT_FILES))
MAN_SRCS   := $(wildcard man/*.scd)
MAN_PAGES  := $(MAN_SRCS:man/%.scd=$(BUILDDIR)/man/%)

ALL_CFLAGS := $(BASE_CFLAGS) $(INCLUDES) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS)

# The install paths the build embeds, one VAR=value a line. The file is
# rewritten only when a value changes, and everything that embeds a path
# depends on it, so `make PREFIX=/usr` after `make`, or `make install` with
# other paths than the build, rebuilds what would name the old ones.
PATH_VARS  := PREFIX BINDIR SBINDIR LIBEXECDIR MANDIR DOCDIR SYSCONFDIR GENERATORDIR \
              SYSTEMDUNITDIR DRACUTMODDIR INITRAMFSTOOLSDIR COMPLETIONDIR UDEVRULESDIR
PATHS_FILE := $(BUILDDIR)/paths
# The placeholders of units/*.in, the initramfs modules and the man pages.
SUBST      := sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@BINDIR@|$(BINDIR)|g' \
                  -e 's|@GENERATORDIR@|$(GENERATORDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
                  -e 's|@SYSTEMDUNITDIR@|$(SYSTEMDUNITDIR)|g'

.PHONY: FORCE all deps deps-check check check-layers check-unit check-programs check-asan check-shell check-clang check-images \
        check-paths check-ansible \
        check-package check-vm bench \
        check-valgrind demo man fuzz \
        install \
        uninstall clean help
.DEFAULT_GOAL := all

all: $(PROG_BINS) man $(UNIT_FILES)

# Every target, one a line: `make help` is where a newcomer starts, and
# tests/test_conventions.py holds it to the targets this file defines.
help:
	@echo "Build and install:"
	@echo "  make [all]           the programs and man pages, into $(BUILDDIR)/"
	@echo "  make man             only the man pages, into $(BUILDDIR)/man/"
	@echo "  make demo            build, then run gpupt-check on the recorded 8-GPU server"
	@echo "  make deps            install (as root) or name what the build and demo need"
	@echo "  make deps-check      the same for everything the tests use as well"
	@echo "  make install         DESTDIR=… PREFIX=… (default $(PREFIX))"
	@echo "  make uninstall       remove what make install put there (the same variables)"
	@echo "  make dist            gpupt-$(VERSION).tar.gz of the tracked files, with gpupt.spec"
	@echo "  make clean           remove $(BUILDDIR)/ and the other build directories"
	@echo "  make help            this list"
	@echo ""
	@echo "Tests (make check runs every tier but bench and fuzz; README, For developers):"
	@echo "  make check           all of them, deps-check first (30-50 min on 2 cores)"
	@echo "  make check-layers    each #include of generator/ against the layers' order"
	@echo "  make check-unit      the cmocka unit tests (libcmocka-dev)"
	@echo "  make check-programs  gpupt-check, gpupt-generator and gpupt-apply on every"
	@echo "                       recorded machine, their whole outputs against"
	@echo "                       tests/data/*/expected, and the README's examples"
	@echo "  make expected        write tests/data/*/expected anew, on purpose"
	@echo "  make check-handoff   --libvirt/--qemu/--proxmox output (in check-programs)"
	@echo "  make check-shell     shellcheck of every shell file, and the bash completion"
	@echo "  make check-paths     no installed file names a path it was not built for"
	@echo "  make check-images    real dracut and initramfs-tools images (as root)"
	@echo "  make check-ansible   the Ansible role against fixture roots"
	@echo "  make check-package   the Debian package: build, lintian, install, purge (root)"
	@echo "  make check-dist      the tarball builds and passes the unit tests unpacked"
	@echo "  make check-rpm       rpmbuild -ta of the tarball, its file list and rpmlint"
	@echo "  make check-vm        boot scenarios in QEMU through dracut and initramfs-tools"
	@echo "                       (as root; about 20 min)"
	@echo "  make check-asan      the unit and program tests under ASan and UBSan"
	@echo "  make check-clang     programs and unit tests built by clang, no warning"
	@echo "  make check-valgrind  the unit tests and a gpupt-check under valgrind memcheck"
	@echo "  make fuzz            libFuzzer on every parser, FUZZ_SECONDS (30) each"
	@echo "  make bench           time gpupt against iommu.sh and driverctl on large hosts"

# Checks (and as root installs) what the build and the demo need, or with
# deps-check everything the tests use too (QEMU, debootstrap, lintian, a
# kernel); prints what is missing otherwise.
deps:
	$(Q)sh tests/deps.sh build

deps-check:
	$(Q)sh tests/deps.sh check

$(PATHS_FILE): FORCE
	$(Q)mkdir -p $(@D) && printf '%s\n' $(foreach v,$(PATH_VARS),'$(v)=$($(v))') > $@.new && \
	if cmp -s $@.new $@; then rm -f $@.new; else \
		$(if $(Q),echo "  PATHS   $@" &&) mv -f $@.new $@; fi

$(BUILDDIR)/obj/%.o: generator/%.c $(LIB_HDRS) $(PATHS_FILE)
	@$(if $(Q),echo "  CC      $@")
	$(Q)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILDDIR)/libgpupt.a: $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILDDIR)/%: generator/%-main.c $(BUILDDIR)/libgpupt.a $(LIB_HDRS) $(PATHS_FILE)
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILDDIR)/libgpupt.a $(PKG_LIBS)

$(BUILDDIR)/tests/test-%: tests/test-%.c $(TEST_HELPERS) tests/*.h $(BUILDDIR)/libgpupt.a \
                          $(LIB_HDRS) $(PATHS_FILE) | $(NEED_CMOCKA) $(BUILDDIR)/tests
	@$(if $(Q),echo "  CCLD    $@")
	$(Q)$(CC) $(ALL_CFLAGS) -Itests $(LDFLAGS) -o $@ $< $(TEST_HELPERS) \
		$(BUILDDIR)/libgpupt.a $(PKG_LIBS) $(CMOCKA_LIBS)

# One rule fills the install paths into every static unit, rule and script.
$(BUILDDIR)/%: %.in $(PATHS_FILE)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)mkdir -p $(@D) && $(SUBST) $< > $@.tmp && mv -f $@.tmp $@

# The man pages name the helper and the generator where they are installed.
$(BUILDDIR)/man/%: man/%.scd $(PATHS_FILE) | $(BUILDDIR)/man
	@$(if $(Q),echo "  SCDOC   $@")
	$(Q)$(SUBST) $< | $(SCDOC) > $@.tmp && mv -f $@.tmp $@

man: $(MAN_PAGES)

$(BUILDDIR)/tests $(BUILDDIR)/man:
	$(Q)mkdir -p $@

demo: deps
	$(Q)$(MAKE) --no-print-directory $(PROG_BINS)
	$(Q)sh tests/demo.sh $(BUILDDIR)

check: deps-check
	$(Q)$(MAKE) --no-print-directory check-layers check-unit check-programs check-shell check-paths check-images
	$(Q)$(MAKE) --no-print-directory check-ansible
	$(Q)$(MAKE) --no-print-directory check-package
	$(Q)$(MAKE) --no-print-directory check-dist check-rpm
	$(Q)$(MAKE) --no-print-directory check-vm
	$(Q)$(MAKE) --no-print-directory check-asan
	$(Q)$(MAKE) --no-print-directory check-clang
	$(Q)$(MAKE) --no-print-directory check-valgrind

# Without cmocka the unit tests cannot build: say which package gives it,
# before anything is compiled (the first prerequisite), rather than let the
# compiler or the linker fail on the first test.
ifeq ($(CMOCKA_LIBS),)
NEED_CMOCKA := need-cmocka
endif
.PHONY: need-cmocka
need-cmocka:
	@echo "The unit tests need cmocka, which $(PKG_CONFIG) does not find: install" \
		"libcmocka-dev (Debian, Ubuntu) or libcmocka-devel (Fedora), or run make deps-check" >&2
	@exit 1

check-unit: $(NEED_CMOCKA) $(TEST_BINS)
	$(Q)sh tests/run-unit.sh $(TEST_BINS)

check-programs: $(PROG_BINS) $(UNIT_FILES)
	$(Q)$(PYTHON) tests/test_programs.py --build $(BUILDDIR)
	$(Q)$(PYTHON) tests/test_generator.py --build $(BUILDDIR)
	$(Q)$(PYTHON) tests/test_expected.py --build $(BUILDDIR)
	$(Q)$(PYTHON) tests/test_handoff.py --build $(BUILDDIR)
	$(Q)$(PYTHON) tests/test_trust.py --build $(BUILDDIR)
	$(Q)$(PYTHON) tests/test_conventions.py --build $(BUILDDIR)
	$(Q)$(PYTHON) tests/test_readme.py --build $(BUILDDIR)
	$(Q)$(PYTHON) tests/test_terminal.py --build $(BUILDDIR)
	$(Q)$(PYTHON) tests/test_kubevirt.py --build $(BUILDDIR)
	$(Q)$(PYTHON) tests/test_labels.py --build $(BUILDDIR)

# Every recorded scenario's whole outputs (gpupt-check's text, --json and
# --list, the generator's tree) written anew into tests/data/*/expected,
# which check-programs compares byte for byte: run it after a change meant
# to alter them, and review `git diff tests/data`.
.PHONY: expected
expected: $(PROG_BINS)
	$(Q)$(PYTHON) tests/test_expected.py --build $(BUILDDIR) --regen

# gpupt-check --libvirt, --qemu, --proxmox on every recorded machine: the
# libvirt output through virt-xml-validate and virsh's test driver, the QEMU
# arguments and Proxmox values parsed back against the plan (check-programs
# runs it too).
.PHONY: check-handoff
check-handoff: $(PROG_BINS)
	$(Q)$(PYTHON) tests/test_handoff.py --build $(BUILDDIR)

# The Ansible role on this machine (connection local) against fixture roots,
# with the real gpupt-check; its handlers record instead of rebooting.
check-ansible: $(PROG_BINS)
	$(Q)$(PYTHON) tests/test_ansible.py --build $(BUILDDIR)

# Every #include of generator/ against the order of its layers (README,
# Layout), and the check itself against planted violations.
check-layers:
	$(Q)$(PYTHON) tests/check-layers.py
	$(Q)$(PYTHON) tests/check-layers.py --self-test

# ShellCheck over every shell file, and the bash completion run in bash on
# fixture roots.
check-shell: $(UNIT_FILES)
	$(Q)sh tests/check-shell.sh
	$(Q)$(PYTHON) tests/test_completion.py

# A fresh copy of the tree built for /usr/local, rebuilt and installed for
# /usr, then installed for /opt/gpupt: no installed file may name a path it
# was not built for.
check-paths:
	$(Q)bash tests/test-paths.sh

# Real images from dracut and mkinitramfs, with gpupt installed into this
# machine for the time of the test (root only; it says SKIP otherwise).
check-images:
	$(Q)bash tests/test-images.sh $(BUILDDIR)-images

# The Debian package: built from the tracked files, lintian, installed, run on
# a fixture and purged (root only; it says SKIP otherwise).
check-package:
	$(Q)bash tests/test-package.sh

# The release tarball: the tracked files (or the work tree's copy of them)
# under gpupt-$(VERSION)/, with gpupt.spec made from gpupt.spec.in so that
# `rpmbuild -ta` finds it; owners and times fixed, so the same tree gives
# the same bytes.
.PHONY: dist check-dist check-rpm
DISTDIR ?= .
DISTNAME := gpupt-$(VERSION)
dist:
	$(Q)git rev-parse --is-inside-work-tree >/dev/null 2>&1 || \
		{ echo "make dist packs the tracked files: run it in a git checkout" >&2; exit 1; }
	$(Q)rm -rf $(BUILDDIR)/dist && mkdir -p $(BUILDDIR)/dist/$(DISTNAME) $(DISTDIR)
	$(Q)git ls-files -z | xargs -0 cp --parents -t $(BUILDDIR)/dist/$(DISTNAME)
	$(Q)sed 's|@VERSION@|$(VERSION)|g' gpupt.spec.in > $(BUILDDIR)/dist/$(DISTNAME)/gpupt.spec
	$(Q)tar -C $(BUILDDIR)/dist --sort=name --owner=0 --group=0 --numeric-owner \
		--mtime=@$$(git log -1 --format=%ct 2>/dev/null || echo 0) -cf - $(DISTNAME) | \
		gzip -9n > $(DISTDIR)/$(DISTNAME).tar.gz
	$(Q)rm -rf $(BUILDDIR)/dist
	@echo "  DIST    $(DISTDIR)/$(DISTNAME).tar.gz"

# The tarball unpacked where there is no .git: it builds and passes check-unit.
check-dist:
	$(Q)bash tests/test-dist.sh

# The RPM for Fedora and RHEL, built from the tarball by Debian's rpmbuild
# (--nodeps: Fedora's package names mean nothing here), its file list and
# rpmlint. make deps installs both tools as root, where a missing one fails;
# as another user it is a SKIP.
check-rpm:
	$(Q)bash tests/test-rpm.sh

# Boots Debian's kernel in QEMU with gpupt installed, through a dracut and an
# initramfs-tools image, once per scenario (root only; it says SKIP otherwise).
# The Debian root is cached in GPUPT_VM_CACHE (/var/cache/gpupt-vm).
check-vm:
	$(Q)bash tests/vm/run.sh

# Speed and memory, side by side with iommu.sh and driverctl on recorded hosts
# of 1 280 and 5 120 functions, huge configs (also under ASan+UBSan) and a
# fleet of 4 096 claims; the figures go to bench/results.md. The hosts are
# written to /dev/shm/gpupt-bench-UID when /dev/shm is a tmpfs (sysfs is in
# memory; --hosts DIR in BENCH_ARGS puts them elsewhere). BENCH_ARGS, e.g.
# "--runs 5 --slow-runs 1", passes on to bench/bench.py; "--only fleet" runs
# only the cases whose name matches (and prints them).
bench: deps-check
	$(Q)$(MAKE) --no-print-directory BUILDDIR=$(BUILDDIR)-bench CFLAGS="-O2" \
		$(BUILDDIR)-bench/gpupt-check $(BUILDDIR)-bench/gpupt-generator \
		$(BUILDDIR)-bench/gpupt-apply
	$(Q)$(MAKE) --no-print-directory BUILDDIR=$(BUILDDIR)-bench-asan CFLAGS="-O1 -g $(SAN)" \
		LDFLAGS="$(SAN)" $(BUILDDIR)-bench-asan/gpupt-apply
	$(Q)$(CC) -O2 $(WARNINGS) -o $(BUILDDIR)-bench/floor bench/floor.c
	$(Q)$(CC) -O2 $(WARNINGS) -o $(BUILDDIR)-bench/peakrss bench/peakrss.c
	$(Q)$(PYTHON) bench/bench.py $(BENCH_ARGS) --asan $(BUILDDIR)-bench-asan $(BUILDDIR)-bench

# The unit and program tests again under AddressSanitizer and UBSan, in a
# build directory of their own so the plain build stays as the caller made it.
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
check-asan:
	$(Q)$(MAKE) --no-print-directory BUILDDIR=$(BUILDDIR)-asan CFLAGS="-O1 -g $(SAN)" \
		LDFLAGS="$(SAN)" check-unit check-programs

# The unit tests and one gpupt-check run once more under memcheck: no
# error, no definite leak. The every-write-fails test runs three scenarios
# there (all of them take tens of minutes under memcheck).
VALGRIND_CMD := valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
check-valgrind: $(TEST_BINS) $(PROG_BINS)
	$(Q)VALGRIND="$(VALGRIND_CMD)" GPUPT_FAULT_SCENARIOS="amd-rebar-igpu sriov-gvt reset-methods" \
		sh tests/run-unit.sh $(TEST_BINS)
	$(Q)d=$$(mktemp -d) && python3 tests/mkfixture.py sriov-gvt $$d/root >/dev/null && \
		$(VALGRIND_CMD) $(BUILDDIR)/gpupt-check --root $$d/root --json >/dev/null; \
		s=$$?; rm -rf $$d; [ $$s -ne 99 ] && echo "valgrind: gpupt-check clean" || \
		{ echo "valgrind: gpupt-check has memory errors"; exit 1; }

# Both compilers must build the whole tree without a warning.
check-clang:
	$(Q)if command -v clang >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory BUILDDIR=$(BUILDDIR)-clang CC=clang \
			$(PROG_BINS:$(BUILDDIR)/%=$(BUILDDIR)-clang/%) \
			$(TEST_BINS:$(BUILDDIR)/%=$(BUILDDIR)-clang/%) && echo "clang: clean build"; \
	else echo "clang: SKIP (not installed)"; fi

# Bounded fuzzing of every parser with libFuzzer; new inputs stay in
# $(BUILDDIR)-fuzz, crashes land there as crash-* files.
FUZZ_TARGETS := conf kmsg cmdline sysfs iomem modprobe
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
fuzz:
	$(Q)mkdir -p $(BUILDDIR)-fuzz
	$(Q)set -e; for t in $(FUZZ_TARGETS); do \
		clang $(BASE_CFLAGS) $(INCLUDES) $(PKG_CFLAGS) $(FUZZ_CFLAGS) \
			-o $(BUILDDIR)-fuzz/fuzz-$$t tests/fuzz/fuzz-$$t.c $(LIB_SRCS) $(PKG_LIBS); \
		mkdir -p $(BUILDDIR)-fuzz/corpus-$$t; \
		echo "fuzz-$$t: $(FUZZ_SECONDS) s"; \
		$(BUILDDIR)-fuzz/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -max_len=4096 \
			-artifact_prefix=$(BUILDDIR)-fuzz/crash-$$t- -print_final_stats=1 \
			$(BUILDDIR)-fuzz/corpus-$$t tests/fuzz/corpus/$$t 2>&1 | \
			grep -E 'stat::number_of_executed_units|ERROR|SUMMARY' || true; \
		if ls $(BUILDDIR)-fuzz/crash-$$t-* >/dev/null 2>&1; then \
			echo "fuzz-$$t: crash found, see $(BUILDDIR)-fuzz/"; exit 1; fi; \
	done
	$(Q)# Huge configs, written by a script rather than kept in the corpus (and
	$(Q)# longer than -max_len): each is run once through the conf target.
	$(Q)mkdir -p $(BUILDDIR)-fuzz/huge-conf && set -e; \
	for a in "entries 20000" "ids 20000" "entries 5000 --dup" "ids 2000 --dup"; do \
		$(PYTHON) tests/fuzz/mkhuge.py $$a $(BUILDDIR)-fuzz/huge-conf/$$(echo $$a | tr -d ' -').conf; \
	done; \
	if $(BUILDDIR)-fuzz/fuzz-conf $(BUILDDIR)-fuzz/huge-conf/*.conf \
		> $(BUILDDIR)-fuzz/huge-conf.log 2>&1; then \
		echo "fuzz-conf: $$(ls $(BUILDDIR)-fuzz/huge-conf/*.conf | wc -l) huge configs ran clean"; \
	else tail -20 $(BUILDDIR)-fuzz/huge-conf.log; echo "fuzz-conf: a huge config failed"; exit 1; fi

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR)
	install -d $(DESTDIR)$(GENERATORDIR) $(DESTDIR)$(LIBEXECDIR)/gpupt $(DESTDIR)$(UDEVRULESDIR)
	install -m 0644 $(BUILDDIR)/units/90-gpupt-mdev.rules $(DESTDIR)$(UDEVRULESDIR)/
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	install -m 0644 $(STATIC_UNITS) $(DESTDIR)$(SYSTEMDUNITDIR)/
	install -d $(DESTDIR)$(DRACUTMODDIR)/90gpupt $(DESTDIR)$(INITRAMFSTOOLSDIR)/hooks \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/init-top
	install -m 0755 $(BUILDDIR)/dracut/90gpupt/module-setup.sh \
		$(BUILDDIR)/dracut/90gpupt/gpupt-pre-udev.sh $(DESTDIR)$(DRACUTMODDIR)/90gpupt/
	install -m 0755 $(BUILDDIR)/initramfs-tools/hooks/gpupt $(DESTDIR)$(INITRAMFSTOOLSDIR)/hooks/
	install -m 0755 $(BUILDDIR)/initramfs-tools/scripts/init-top/gpupt \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/init-top/
	install -m 0755 $(BUILDDIR)/gpupt-check $(DESTDIR)$(BINDIR)/
	install -m 0755 $(BUILDDIR)/gpupt-generator $(DESTDIR)$(GENERATORDIR)/
	install -m 0755 $(BUILDDIR)/gpupt-apply $(DESTDIR)$(LIBEXECDIR)/gpupt/
	for p in $(MAN_PAGES); do \
		s=$${p##*.}; install -m 0644 $$p $(DESTDIR)$(MANDIR)/man$$s/; done
	install -m 0644 conf/gpupt.conf README.md $(DESTDIR)$(DOCDIR)/
	install -d $(DESTDIR)$(COMPLETIONDIR)
	install -m 0644 conf/bash-completion/gpupt-check conf/bash-completion/gpupt-apply \
		$(DESTDIR)$(COMPLETIONDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/gpupt-check $(DESTDIR)$(GENERATORDIR)/gpupt-generator
	rm -rf $(DESTDIR)$(LIBEXECDIR)/gpupt
	rm -f $(DESTDIR)$(UDEVRULESDIR)/90-gpupt-mdev.rules
	rm -f $(STATIC_UNITS:$(BUILDDIR)/units/%=$(DESTDIR)$(SYSTEMDUNITDIR)/%)
	rm -rf $(DESTDIR)$(DRACUTMODDIR)/90gpupt
	rm -f $(DESTDIR)$(INITRAMFSTOOLSDIR)/hooks/gpupt \
		$(DESTDIR)$(INITRAMFSTOOLSDIR)/scripts/init-top/gpupt
	for p in $(MAN_PAGES); do s=$${p##*.}; \
		rm -f $(DESTDIR)$(MANDIR)/man$$s/$${p##*/}; done
	rm -rf $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(COMPLETIONDIR)/gpupt-check $(DESTDIR)$(COMPLETIONDIR)/gpupt-apply

clean:
	rm -rf $(BUILDDIR) $(BUILDDIR)-asan $(BUILDDIR)-clang $(BUILDDIR)-images $(BUILDDIR)-fuzz \
		$(BUILDDIR)-bench $(BUILDDIR)-bench-asan /dev/shm/gpupt-bench-$$(id -u)
