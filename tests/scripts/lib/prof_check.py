"""Reads a poolmalloc heap profile back (tests/scripts/prof.sh) without google-pprof.

Usage: prof_check.py PROFILE PROGRAM THREE ONE [--leak]
  Checks the format (header, one line per stack, MAPPED_LIBRARIES with the program), that
  the in-use bytes add up to THREE + ONE (the program's own figures) within 10%, and that
  the leaf frames in site_three and site_one hold 75% and 25% of them within 5 points
  (the sites are found with nm in PROGRAM; leaf addresses are placed with the maps).
  --leak: site_one's blocks were freed: it must hold nothing in use, site_three all."""
import re
import subprocess
import sys

HEADER = re.compile(r"^heap profile:\s*(\d+):\s+(\d+)\s+\[\s*(\d+):\s+(\d+)\]\s+@\s+heapprofile$")
LINE = re.compile(r"^\s*(\d+):\s+(\d+)\s+\[\s*(\d+):\s+(\d+)\]\s+@((?:\s+0x[0-9a-f]+)+)$")


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    path, prog, three, one = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    leak = "--leak" in sys.argv
    lines = open(path).read().split("\n")
    m = HEADER.match(lines[0])
    if not m:
        fail("bad header line: %r" % lines[0])
    head = [int(x) for x in m.groups()]
    stacks, i = [], 1
    while i < len(lines) and lines[i] != "":
        m = LINE.match(lines[i])
        if not m:
            fail("bad stack line %d: %r" % (i + 1, lines[i]))
        stacks.append(([int(x) for x in m.groups()[:4]], [int(a, 16) for a in m.group(5).split()]))
        i += 1
    if i + 1 >= len(lines) or lines[i + 1] != "MAPPED_LIBRARIES:":
        fail("no MAPPED_LIBRARIES: section after the stacks")
    maps = lines[i + 2:]
    sums = [sum(s[0][k] for s in stacks) for k in range(4)]
    if any(abs(a - b) > len(stacks) for a, b in zip(head, sums)):
        fail("header %s is not the sum of the stacks %s" % (head, sums))
    if not all(s[0][0] <= s[0][2] and s[0][1] <= s[0][3] for s in stacks):
        fail("a stack has more in use than allocated")

    # The program's base: its first mapping (offset 0) in the maps.
    base = None
    for l in maps:
        f = l.split()
        if len(f) >= 6 and f[5].endswith("/" + prog.split("/")[-1]) and int(f[2], 16) == 0:
            base = int(f[0].split("-")[0], 16)
            break
    if base is None:
        fail("the program is not in MAPPED_LIBRARIES")
    pie = "DYN" in subprocess.run(["readelf", "-h", prog], capture_output=True, text=True).stdout
    if not pie:
        base = 0
    # site_three_twin and site_one_twin (the twins mode) count as site_three and site_one.
    syms = []
    for l in subprocess.run(["nm", "-S", "--defined-only", prog], capture_output=True, text=True).stdout.splitlines():
        f = l.split()
        if len(f) != 4:
            continue
        name = f[3].split(".")[0]
        if name.endswith("_twin"):
            name = name[:-len("_twin")]
        if name in ("site_three", "site_one", "site_churn"):
            syms.append((name, int(f[0], 16), int(f[0], 16) + int(f[1], 16)))
    for need in ("site_three", "site_one", "site_churn"):
        if need not in [s[0] for s in syms]:
            fail("nm found no %s in %s" % (need, prog))

    def site(addr):
        for name, lo, hi in syms:
            if lo <= addr - base < hi:
                return name
        return None

    inuse, alloc = {}, {}
    for counts, addrs in stacks:
        # the leaf is written one lower than the return address; the rest are return addresses
        name = site(addrs[0]) or next((site(a - 1) for a in addrs[1:] if site(a - 1)), None) or "other"
        if name != "other" and site(addrs[0]) is None:
            fail("a stack's leaf 0x%x is not its call site (allocator frames left in?)" % addrs[0])
        inuse[name] = inuse.get(name, 0) + counts[1]
        alloc[name] = alloc.get(name, 0) + counts[3]
    total = sum(inuse.values())
    print("in use: %s; allocated: %s" % (inuse, alloc))
    if alloc.get("site_churn", 0) == 0:
        fail("site_churn's freed blocks are not in the allocated space")
    if inuse.get("site_churn", 0) > 0.02 * total:
        fail("site_churn's blocks were all freed but hold %d bytes in use" % inuse["site_churn"])
    if leak:
        if inuse.get("site_one", 0) != 0:
            fail("site_one's blocks were freed but hold %d bytes in use" % inuse["site_one"])
        want = three
    else:
        want = three + one
        share = 100.0 * inuse.get("site_three", 0) / total
        print("site_three %.1f%%, site_one %.1f%% of %d bytes in use" % (share, 100 - share, total))
        if abs(share - 75) > 5:
            fail("site_three holds %.1f%% of the in-use bytes, not 75 +- 5" % share)
    if abs(total - want) > 0.1 * want:
        fail("%d bytes in use in the profile, the program holds %d" % (total, want))


main()
