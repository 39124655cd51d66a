"""One measured child process, through the small helper build/bench/pmrun: it forks the
command, sets LD_PRELOAD for it alone, waits with wait4 and reports wall time, CPU time
and ru_maxrss (which covers the command and every descendant it waited for, so g++'s
cc1plus counts). The helper exists because a child forked straight from this Python
process would carry Python's own RSS as its ru_maxrss floor."""
import os
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass

HELPER = "pmrun"


@dataclass
class Run:
    rc: int  # exit status, or -signal; 124 when killed for running past the limit
    wall: float  # seconds
    cpu: float  # user + system seconds
    maxrss_kib: int
    stdout: str
    stderr: str

    @property
    def ok(self):
        return self.rc == 0


def helper(build):
    return os.path.join(build, "bench", HELPER)


def run(build, argv, env, preload, timeout, stdin_path=None):
    """Run argv with LD_PRELOAD=preload (None: no preload) to completion, or kill it after
    timeout seconds, and measure it."""
    env = dict(env)
    env.pop("LD_PRELOAD", None)  # the helper itself runs without the allocator
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as res:
        stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
        try:
            proc = subprocess.Popen([helper(build), res.name, preload or "-"] + list(argv), env=env,
                                    stdin=stdin, stdout=out, stderr=err, start_new_session=True)
            timed_out = []

            def kill():
                timed_out.append(True)
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

            timer = threading.Timer(timeout, kill)
            timer.start()
            proc.wait()
            timer.cancel()
        finally:
            if stdin_path:
                stdin.close()
        fields = res.read().split()
        vals = dict(zip(fields[0::2], fields[1::2]))
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        if timed_out:
            rc = 124
        elif proc.returncode != 0 or "status" not in vals:
            rc = -1000  # the helper itself failed
            stderr += f"\npmrun exited {proc.returncode}"
        else:
            rc = int(vals["status"])
        return Run(rc, float(vals.get("wall", 0)), float(vals.get("cpu", 0)),
                   int(vals.get("maxrss_kib", 0)), stdout, stderr)


def metrics(stdout):
    """The "metric <name> <value> <unit>" lines a workload printed, as {name: value}."""
    found = {}
    for line in stdout.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "metric":
            try:
                found[parts[1]] = float(parts[2])
            except ValueError:
                pass
    return found
