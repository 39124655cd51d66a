# Long runs of the program-based tests (minutes, not part of `make test`).
#   make soak            every soak target below
#   make soak-programs   stress, cross-thread, thread exit, fork and signal programs, long,
#                        under LD_PRELOAD=$(BUILD)/libpoolmalloc.so
# SOAK_MINUTES (default 10) sets the stress program's share; the others scale with it.
.PHONY: soak soak-programs
SOAK_MINUTES ?= 10

soak: soak-programs

soak-programs: all $(PROGS)
	BUILD=$(BUILD) CC=$(CC) CXX=$(CXX) SOAK_MINUTES=$(SOAK_MINUTES) sh tests/scripts/soak/programs.sh
