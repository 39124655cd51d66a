"""What the benchmarks ran on, for the report's header."""
import os
import platform

from . import allocators


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _mem_total_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 1048576, 1)
    except OSError:
        pass
    return None


def loadavg():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def describe():
    return {
        "cpu": _cpu_model(),
        "nproc": os.cpu_count(),
        "kernel": platform.release(),
        "glibc": allocators.glibc_version(),
        "mem_gib": _mem_total_gib(),
        "hostname": platform.node(),
    }
