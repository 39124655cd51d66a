"""The side-by-side benchmark runner of poolmalloc (standard library only).

bench/run.py is the entry point; this package holds one concern per module:
allocators (who is compared), measure (one timed child process), workloads, micro and
instr (the three suites), machine (what it ran on), stats, report and chart."""
