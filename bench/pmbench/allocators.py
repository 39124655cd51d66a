"""The allocators compared: poolmalloc and the peers, each by LD_PRELOAD of its shared
library, and glibc's malloc with no preload. Every allocator runs the same binaries."""
import os
import subprocess
from dataclasses import dataclass
from typing import Optional

LIBDIR = "/usr/lib/x86_64-linux-gnu"
PEERS = ("jemalloc", "mimalloc", "tcmalloc")  # the targets compare against these
BASELINE = "jemalloc"  # ratios are given to this one

# name -> (Debian package, library preloaded)
DEBIAN = {
    "jemalloc": ("libjemalloc2", f"{LIBDIR}/libjemalloc.so.2"),
    "mimalloc": ("libmimalloc2.0", f"{LIBDIR}/libmimalloc.so.2"),
    "tcmalloc": ("libtcmalloc-minimal4", f"{LIBDIR}/libtcmalloc_minimal.so.4"),
}


@dataclass
class Allocator:
    name: str
    preload: Optional[str]  # None: glibc's own malloc
    version: str

    def env(self, base=None):
        """The environment a child runs in under this allocator."""
        env = dict(os.environ if base is None else base)
        env.pop("LD_PRELOAD", None)
        if self.preload:
            env["LD_PRELOAD"] = self.preload
        return env


def _debian_version(package):
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", package],
                             capture_output=True, text=True, check=False)
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def _git_version(root):
    try:
        out = subprocess.run(["git", "-C", root, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, check=False)
        return out.stdout.strip() or "?"
    except OSError:
        return "?"


def glibc_version():
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") or "glibc ?"
    except (ValueError, OSError):
        return "glibc ?"


def discover(build, root, smoke_cmd, wanted=None):
    """The allocators to compare, in report order, and a list of notes on any left out.
    poolmalloc is included when build/libpoolmalloc.so exists and runs smoke_cmd."""
    found, notes = [], []
    so = os.path.abspath(os.path.join(build, "libpoolmalloc.so"))
    if os.path.exists(so):
        pm = Allocator("poolmalloc", so, _git_version(root))
        rc = subprocess.run(smoke_cmd, env=pm.env(), capture_output=True, check=False).returncode
        if rc == 0:
            found.append(pm)
        else:
            notes.append(f"poolmalloc left out: {' '.join(smoke_cmd)} exited {rc} under it")
    else:
        notes.append(f"poolmalloc left out: {so} is not built")
    for name, (package, lib) in DEBIAN.items():
        if os.path.exists(lib):
            found.append(Allocator(name, lib, f"{package} {_debian_version(package)}"))
        else:
            notes.append(f"{name} left out: {lib} missing (apt-get install {package})")
    found.append(Allocator("glibc", None, glibc_version()))
    # Builds of poolmalloc to compare side by side, only when asked for by name in
    # --allocators: pm-hardened (build/libpoolmalloc-hardened.so), and any listed in
    # PM_BENCH_VARIANTS=name=/path/lib.so,... (for example the build before a change).
    variants = []
    hard = os.path.abspath(os.path.join(build, "libpoolmalloc-hardened.so"))
    if os.path.exists(hard):
        variants.append(Allocator("pm-hardened", hard, _git_version(root) + " hardened"))
    for item in filter(None, os.environ.get("PM_BENCH_VARIANTS", "").split(",")):
        name, _, lib = item.partition("=")
        if lib and os.path.exists(lib):
            variants.append(Allocator(name, os.path.abspath(lib), lib))
        else:
            notes.append(f"{name} left out: {lib} missing")
    if wanted:
        keep = set(wanted)
        found = [a for a in found + variants if a.name in keep]
    return found, notes
