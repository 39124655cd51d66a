# The test programs share tests/programs/pmtest.h (fill pattern, pm_owns lookup): rebuild
# them when it changes. The pattern rules in the Makefile do the building.
$(PROGS): tests/programs/pmtest.h
