"""Real servers under each allocator: redis-server driven by redis-benchmark, and
PostgreSQL driven by pgbench. The allocator is preloaded into the server alone (the
client runs with no preload), and the runner proves it is loaded by reading the server's
/proc/PID/maps; a server that does not show it fails the run. Servers listen on the
loopback address only, keep their data in a temporary folder under the build folder, and
are stopped by their PID at the end (and on failure).

Each run is a fixed amount of work: the time is the client's wall time for it, and the
peak RSS is the server's: VmHWM of redis-server; for PostgreSQL, a multi-process server,
the peak over the run of the summed PSS of the postmaster and its backends, sampled every
0.2 s (PSS shares out the pages the processes share, such as shared_buffers)."""
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, List

PG_BIN_GLOB = "/usr/lib/postgresql"
PACKAGES = {"redis": ("redis-server", "redis-tools"), "postgres": ("postgresql", "postgresql-contrib")}


class ServerError(Exception):
    pass


@dataclass
class Result:
    rc: int
    wall: float  # seconds, the client's fixed work
    cpu: float  # the server's user + system seconds
    maxrss_kib: int  # the server's peak (see above)
    metrics: Dict[str, float]
    error: str = ""


@dataclass
class Server:
    name: str
    pattern: str
    what: str
    full: Dict[str, int]
    quick: Dict[str, int]
    runner: Callable  # (ctx, allocator, params) -> Result
    skip_glibc: str = ""  # why "no preload" is not glibc's malloc for this server


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status_kib(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_s(pid, reaped=False):
    """User + system seconds of pid (and of the children it reaped, with reaped=True)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        n = 4 if reaped else 2
        return sum(int(x) for x in fields[11:11 + n]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def check_loaded(pid, preload, what):
    """Fail loudly unless the server process maps the preloaded library."""
    if not preload:
        return
    real = os.path.realpath(preload)
    try:
        with open(f"/proc/{pid}/maps") as f:
            maps = f.read()
    except OSError as e:
        raise ServerError(f"{what}: cannot read /proc/{pid}/maps: {e}")
    if real not in maps and preload not in maps:
        raise ServerError(f"{what} (pid {pid}) does not map {preload}: the allocator is not loaded")


def stop(proc, pid=None, sig=signal.SIGTERM, wait=20):
    """Stop the server by its PID; SIGKILL if it does not exit in time."""
    pid = pid or proc.pid
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
    try:
        proc.wait(wait)
    except subprocess.TimeoutExpired:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(10)


def wait_until(cond, timeout, what, proc=None):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        if proc is not None and proc.poll() is not None:
            raise ServerError(f"{what} exited {proc.returncode} while starting")
        time.sleep(0.05)
    raise ServerError(f"{what} did not come up in {timeout} s")


def tail(path, n=3):
    try:
        with open(path, errors="replace") as f:
            return " | ".join(f.read().strip().splitlines()[-n:])
    except OSError:
        return ""


# --- redis ---------------------------------------------------------------------------

def _redis(ctx, alloc, prm):
    server, client = shutil.which("redis-server"), shutil.which("redis-benchmark")
    if not server or not client:
        raise ServerError("redis-server or redis-benchmark missing (apt-get install redis-server redis-tools)")
    work = tempfile.mkdtemp(prefix="redis-", dir=ctx.servers)
    log = os.path.join(work, "redis.log")
    port = free_port()
    env = alloc.env()
    proc = subprocess.Popen([server, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--daemonize", "no", "--dir", work,
                             "--logfile", log, "--protected-mode", "yes"],
                            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        ping = [shutil.which("redis-cli") or "redis-cli", "-h", "127.0.0.1", "-p", str(port), "ping"]
        cenv = alloc.env()
        cenv.pop("LD_PRELOAD", None)
        wait_until(lambda: subprocess.run(ping, env=cenv, capture_output=True, text=True).stdout.strip() == "PONG",
                   20, "redis-server", proc)
        check_loaded(proc.pid, alloc.preload, "redis-server")
        argv = [client, "-h", "127.0.0.1", "-p", str(port), "-n", str(prm["requests"]),
                "-c", str(prm["clients"]), "-P", str(prm["pipeline"]), "-d", str(prm["size"]),
                "-r", str(prm["keys"]), "-t", "set,get,lpush,lpop,sadd,hset,mset", "--csv"]
        start = time.time()
        out = subprocess.run(argv, env=cenv, capture_output=True, text=True, timeout=prm.get("timeout", 300))
        wall = time.time() - start
        if out.returncode != 0:
            raise ServerError(f"redis-benchmark exited {out.returncode}: {out.stderr.strip()[-200:]}")
        metrics, total = {}, 0.0
        for line in out.stdout.splitlines():
            m = re.match(r'"([^"]+)","([0-9.]+)"', line)
            if m:
                key = "rps_" + re.sub(r"[^a-z0-9]+", "_", m.group(1).lower()).strip("_")
                metrics[key] = float(m.group(2))
        if not metrics:
            raise ServerError("redis-benchmark printed no results: " + out.stdout[-200:])
        tests = len(metrics)
        metrics["requests_per_s"] = tests * prm["requests"] / wall
        if proc.poll() is not None:
            raise ServerError(f"redis-server exited {proc.returncode}: {tail(log)}")
        hwm = status_kib(proc.pid, "VmHWM") or 0
        cpu = cpu_s(proc.pid)
        return Result(0, wall, cpu, hwm, metrics)
    finally:
        stop(proc)
        shutil.rmtree(work, ignore_errors=True)


# --- PostgreSQL ----------------------------------------------------------------------

def pg_bindir():
    found = []
    if os.path.isdir(PG_BIN_GLOB):
        for v in os.listdir(PG_BIN_GLOB):
            b = os.path.join(PG_BIN_GLOB, v, "bin")
            if os.path.exists(os.path.join(b, "postgres")) and os.path.exists(os.path.join(b, "pgbench")):
                found.append((int(v) if v.isdigit() else 0, b))
    if not found:
        raise ServerError("PostgreSQL missing (apt-get install postgresql postgresql-contrib)")
    return max(found)[1]


def _pg_user():
    """The account the server runs as: postgres when we are root (it refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise ServerError("running as root and there is no postgres account to run the server as")


def _as_user(pw):
    if pw is None:
        return {}
    return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}


def _pg_start(bindir, data, port, env, pw, log):
    argv = [os.path.join(bindir, "postgres"), "-D", data, "-p", str(port), "-c", "listen_addresses=127.0.0.1",
            "-c", f"unix_socket_directories={data}", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off", "-c", "shared_buffers=64MB", "-c", "max_connections=40"]
    with open(log, "ab") as lf:
        proc = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=lf, stderr=lf,
                                cwd=data, **_as_user(pw))
    return proc


def _pg_ready(bindir, port, env, proc):
    ready = [os.path.join(bindir, "pg_isready"), "-h", "127.0.0.1", "-p", str(port), "-q"]
    wait_until(lambda: subprocess.run(ready, env=env).returncode == 0, 60, "postgres", proc)


def _pg_template(ctx, bindir, prm, env, pw):
    """An initialised pgbench database (made once, with no preload), copied for each run."""
    tmpl = os.path.join(ctx.servers, f"pg-template-s{prm['scale']}")
    if os.path.exists(os.path.join(tmpl, "ready")):
        return tmpl
    shutil.rmtree(tmpl, ignore_errors=True)
    data = os.path.join(tmpl, "data")
    os.makedirs(data)
    if pw:
        for d in (tmpl, data):
            os.chown(d, pw.pw_uid, pw.pw_gid)
    os.chmod(data, 0o700)
    log = os.path.join(tmpl, "setup.log")
    with open(log, "wb") as lf:
        subprocess.run([os.path.join(bindir, "initdb"), "-D", data, "-U", "pmbench", "--auth=trust",
                        "--no-sync", "-E", "UTF8", "--locale=C"], env=env, stdout=lf, stderr=lf,
                       check=False, **_as_user(pw))
    if not os.path.exists(os.path.join(data, "PG_VERSION")):
        raise ServerError(f"initdb failed: {tail(log)}")
    port = free_port()
    proc = _pg_start(bindir, data, port, env, pw, log)
    try:
        _pg_ready(bindir, port, env, proc)
        r = subprocess.run([os.path.join(bindir, "pgbench"), "-h", "127.0.0.1", "-p", str(port), "-U", "pmbench",
                            "-i", "-q", "-s", str(prm["scale"]), "postgres"], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise ServerError(f"pgbench -i failed: {r.stderr.strip()[-200:]}")
    finally:
        stop(proc, sig=signal.SIGINT, wait=60)
    open(os.path.join(tmpl, "ready"), "w").close()
    return tmpl


def _sample_tree(root, peak, stop_evt):
    while not stop_evt.is_set():
        pids = [root] + children(root)
        total = sum(pss_kib(p) for p in pids)
        peak["pss"] = max(peak["pss"], total)
        for p in pids[1:]:
            h = status_kib(p, "VmHWM")
            if h:
                peak["backend_hwm"] = max(peak["backend_hwm"], h)
        stop_evt.wait(0.2)


def _postgres(ctx, alloc, prm):
    bindir = pg_bindir()
    pw = _pg_user()
    cenv = alloc.env()
    cenv.pop("LD_PRELOAD", None)
    cenv["PGHOST"] = "127.0.0.1"
    tmpl = _pg_template(ctx, bindir, prm, cenv, pw)
    work = tempfile.mkdtemp(prefix="pg-", dir=ctx.servers)
    data = os.path.join(work, "data")
    subprocess.run(["cp", "-a", os.path.join(tmpl, "data"), data], check=True)
    if pw:
        os.chown(work, pw.pw_uid, pw.pw_gid)
    for f in ("postmaster.pid", "postmaster.opts"):
        if os.path.exists(os.path.join(data, f)):
            os.unlink(os.path.join(data, f))
    log = os.path.join(work, "server.log")
    port = free_port()
    proc = _pg_start(bindir, data, port, alloc.env(), pw, log)
    stop_evt = threading.Event()
    sampler = None
    try:
        _pg_ready(bindir, port, cenv, proc)
        check_loaded(proc.pid, alloc.preload, "postgres")
        peak = {"pss": 0, "backend_hwm": 0}
        sampler = threading.Thread(target=_sample_tree, args=(proc.pid, peak, stop_evt), daemon=True)
        sampler.start()
        argv = [os.path.join(bindir, "pgbench"), "-h", "127.0.0.1", "-p", str(port), "-U", "pmbench", "-n",
                "-c", str(prm["clients"]), "-j", str(prm["jobs"]), "-t", str(prm["transactions"]), "postgres"]
        start = time.time()
        out = subprocess.run(argv, env=cenv, capture_output=True, text=True, timeout=prm.get("timeout", 300))
        wall = time.time() - start
        stop_evt.set()
        sampler.join()
        if out.returncode != 0:
            raise ServerError(f"pgbench exited {out.returncode}: {out.stderr.strip()[-200:]}")
        m = re.search(r"tps = ([0-9.]+)", out.stdout)
        metrics = {"tps": float(m.group(1)) if m else prm["clients"] * prm["transactions"] / wall,
                   "postmaster_hwm_kib": float(status_kib(proc.pid, "VmHWM") or 0),
                   "backend_hwm_max_kib": float(peak["backend_hwm"])}
        if proc.poll() is not None:
            raise ServerError(f"postgres exited {proc.returncode}: {tail(log)}")
        time.sleep(0.2)  # the backends exit as pgbench disconnects; their CPU time counts once reaped
        return Result(0, wall, cpu_s(proc.pid, reaped=True), peak["pss"], metrics)
    finally:
        stop_evt.set()
        stop(proc, sig=signal.SIGINT, wait=60)  # fast shutdown of the postmaster, by its PID
        shutil.rmtree(work, ignore_errors=True)


SERVERS: List[Server] = [
    Server("redis", "real server", "redis-server under redis-benchmark: set, get, lpush, lpop, sadd, hset, mset; "
           "256 B values, 100K keys, 50 clients, pipeline 16",
           {"requests": 1000000, "clients": 50, "pipeline": 16, "size": 256, "keys": 100000},
           {"requests": 80000, "clients": 50, "pipeline": 16, "size": 256, "keys": 100000}, _redis,
           skip_glibc="Debian's redis-server is linked with libjemalloc: with no preload it runs jemalloc"),
    Server("postgres", "real server", "PostgreSQL under pgbench (TPC-B like), scale 4, 8 clients, fsync off",
           {"scale": 4, "clients": 8, "jobs": 2, "transactions": 2500},
           {"scale": 4, "clients": 8, "jobs": 2, "transactions": 400}, _postgres),
]


class Context:
    def __init__(self, build):
        self.servers = os.path.abspath(os.path.join(build, "bench", "servers"))
        os.makedirs(self.servers, exist_ok=True)
        pw = _pg_user() if os.geteuid() == 0 else None
        if pw:
            os.chown(self.servers, pw.pw_uid, pw.pw_gid)


def ensure_installed(log):
    """apt-get install the server packages that are missing, as root (like bench/deps.sh)."""
    missing = []
    if not shutil.which("redis-server") or not shutil.which("redis-benchmark"):
        missing += PACKAGES["redis"]
    try:
        pg_bindir()
    except ServerError:
        missing += PACKAGES["postgres"]
    if not missing:
        return []
    if os.geteuid() != 0:
        return [f"servers missing, install with: sudo apt-get install -y {' '.join(missing)}"]
    log("servers: installing " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "--no-install-recommends"] + missing
    if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update"], env=env, capture_output=True)
        if subprocess.run(cmd, env=env, capture_output=True).returncode != 0:
            return [f"servers: '{' '.join(cmd)}' failed"]
    return []


def run(ctx, server, alloc, quick):
    """One measured run; a Result with rc != 0 and the error when it failed."""
    prm = server.quick if quick else server.full
    try:
        return server.runner(ctx, alloc, prm)
    except (ServerError, subprocess.SubprocessError, OSError) as e:
        return Result(1, 0.0, 0.0, 0, {}, str(e))
