# Long versions of the conformance additions (docs/testing.md), not part of `make test`:
#   make soak-conf   fork from a signal handler, key destructors around poolmalloc's
#                    teardown, and the pm_ concurrency suites repeated (also run by `make soak`)
# SOAK_MINUTES (default 10, from mk/soak.mk) bounds the repeated suites.
.PHONY: soak-conf
soak: soak-conf

soak-conf: all $(PROGS) $(BUILD)/tests/unit_tests
	BUILD=$(BUILD) CC=$(CC) CXX=$(CXX) SOAK_MINUTES=$(SOAK_MINUTES) sh tests/scripts/soak/conf.sh
