#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""py_compare: the Python binding against the C example it mirrors and
against pure-Python ctypes readers, on the create/write/close/unlink burst
(bench/workload), in one run.

    bench/py_compare.py          (root; BUILD, N, RATES, REPEAT, LISTENERS)

Listeners, all doing what examples/tree-logger.c does (FAN_REPORT_DFID_NAME
| FAN_REPORT_FID group, filesystem mark, create/delete/rename/close_write,
a full path per event, one line per event):

  c_example        examples/tree-logger (C, libfanotify; line-buffered output)
  py_example       python/examples/tree_logger.py, its Python twin on the
                   binding (line-buffered output, as the C one)
  py_binding       bench/py_listener.py --impl binding (block-buffered output)
  py_ctypes        bench/py_listener.py --impl ctypes: pure Python over ctypes,
                   a handle opened and readlink()ed per event
  py_ctypes_cache  --impl ctypes-cache: the same with a directory cache

For each repetition, rate and listener: a fresh tree on a private tmpfs (own
mount namespace), the listener pinned to CPU 1 (rusage_run -c 1) and waited
for until it says "watching", the workload pinned to CPU 0 for N
iterations, the listener left to drain (until its CPU time and output stay
the same for 0.6 s), then SIGINT.  Per run: the listener's CPU (user+sys,
wait4 rusage), the events it reported with their exact full path (per type:
distinct workload files ROOT/d<i%4>/f<i> reported with create, close_write,
delete; a merged record counts for each type it holds), overflows.

  CPU us/event    listener CPU / the workload's 3N events
  ev/CPU-s        events reported with their full path / listener CPU seconds
  x ctypes, x ctypes_cache, x c_example   ev/CPU-s ratios at the same rate

Medians over the repetitions.  Raw results in bench/results/pycompare-DATE/.
"""
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
BUILD = os.path.abspath(os.environ.get("BUILD", os.path.join(SRC, "build-bench")))
N = int(os.environ.get("N", "100000"))
RATES = os.environ.get("RATES", "20000 max").split()
REPEAT = int(os.environ.get("REPEAT", "5"))
LISTENERS = os.environ.get("LISTENERS",
                           "c_example py_example py_binding py_ctypes py_ctypes_cache").split()
WORK_CPU, LISTEN_CPU = os.environ.get("WORK_CPU", "0"), os.environ.get("LISTEN_CPU", "1")
PY = "/usr/bin/python3"
TYPES = ("create", "close_write", "delete")


def die(msg):
    print("py_compare: " + msg, file=sys.stderr)
    sys.exit(1)


def command(listener, tree, out):
    lst = os.path.join(HERE, "py_listener.py")
    return {
        "c_example": [os.path.join(BUILD, "examples", "tree-logger"), tree],
        "py_example": [PY, os.path.join(SRC, "python", "examples", "tree_logger.py"), tree],
        "py_binding": [PY, lst, "--impl", "binding", "-o", out, tree],
        "py_ctypes": [PY, lst, "--impl", "ctypes", "-o", out, tree],
        "py_ctypes_cache": [PY, lst, "--impl", "ctypes-cache", "-o", out, tree],
    }[listener]


def cpu_ticks(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])
    except (OSError, IndexError):
        return None


def keyvals(text):
    return dict(re.findall(r"(\w+)=(\S+)", text))


def tally(out_path, tree):
    pat = re.compile(re.escape(os.fsencode(tree)) + rb"/d(\d+)/f(\d+)$")
    full = {t: set() for t in TYPES}
    lines = 0
    try:
        data = open(out_path, "rb").read()
    except OSError:
        data = b""
    for line in data.splitlines():
        names, _, path = line.partition(b" ")
        lines += 1
        m = pat.match(path)
        if not m:
            continue
        d, i = int(m.group(1)), int(m.group(2))
        if i >= N or d != i % 4:
            continue
        for t in names.decode().split(","):
            if t in full:
                full[t].add(i)
    return lines, {t: len(s) for t, s in full.items()}


def run_one(listener, rate, rep, root, results):
    tree = os.path.join(root, "w")
    rdir = os.path.join(results, "runs", "%s-%s-%d" % (listener, rate, rep))
    os.makedirs(rdir, exist_ok=True)
    if not os.path.ismount(root):
        die("the private tmpfs on %s is gone" % root)
    shutil.rmtree(tree, ignore_errors=True)
    os.mkdir(tree)
    subprocess.run([os.path.join(BUILD, "bench", "workload"), "--prepare", "-d", "4", tree],
                   check=True)
    out = os.path.join(rdir, "out")
    pidfile = os.path.join(rdir, "pid")
    env = dict(os.environ, PYTHONPATH=os.path.join(BUILD, "python"), PYTHONDONTWRITEBYTECODE="1")
    cmd = [os.path.join(BUILD, "bench", "rusage_run"), "-p", pidfile, "-o",
           os.path.join(rdir, "rusage"), "-c", LISTEN_CPU, "--"] + command(listener, tree, out)
    stdout = open(out if listener in ("c_example", "py_example") else
                  os.path.join(rdir, "stdout"), "wb")
    stderr = open(os.path.join(rdir, "stderr"), "wb")
    runner = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env)
    pid = None
    try:
        end = time.monotonic() + 15
        while True:
            if pid is None and os.path.exists(pidfile):
                txt = open(pidfile).read().strip()
                pid = int(txt) if txt else None
            if b"watching" in open(os.path.join(rdir, "stderr"), "rb").read():
                break
            if runner.poll() is not None or time.monotonic() > end:
                print("py_compare: %s did not become ready (%s)" % (listener, rdir),
                      file=sys.stderr)
                return None
            time.sleep(0.05)
        wl = subprocess.run([os.path.join(BUILD, "bench", "workload"), "-n", str(N), "-r", rate,
                             "-d", "4", "-c", WORK_CPU, tree], capture_output=True, text=True,
                            timeout=600)
        with open(os.path.join(rdir, "workload"), "w") as f:
            f.write(wl.stdout + wl.stderr)
        last, same = None, 0
        for _ in range(600):       # drain: at most 120 s
            time.sleep(0.2)
            now = (cpu_ticks(pid), os.path.getsize(out) if os.path.exists(out) else 0)
            same = same + 1 if now == last else 0
            last = now
            if same >= 3 or now[0] is None:
                break
        os.kill(pid, signal.SIGINT)
        try:
            runner.wait(20)
        except subprocess.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
            runner.wait()
    finally:
        if runner.poll() is None:
            if pid:
                os.kill(pid, signal.SIGKILL)
            runner.wait()
        stdout.close()
        stderr.close()
    ru = keyvals(open(os.path.join(rdir, "rusage")).read())
    wlkv = keyvals(open(os.path.join(rdir, "workload")).read())
    lines, full = tally(out, tree)
    cpu = int(ru.get("cpu_us", -1))
    info = keyvals(open(os.path.join(rdir, "stdout")).read()) if os.path.exists(
        os.path.join(rdir, "stdout")) else {}
    reported = sum(full.values())
    overflow_lines = len(re.findall(rb"overflow", open(out, "rb").read())) if os.path.exists(
        out) else 0
    r = {
        "listener": listener, "rate": rate, "rep": rep, "iterations": N,
        "cpu_us": cpu, "user_us": int(ru.get("user_us", -1)), "maxrss_kb": int(ru.get("maxrss_kb", -1)),
        "lines": lines, "full": full, "full_pct": 100.0 * reported / (3 * N),
        "cpu_us_per_event": cpu / (3.0 * N),
        "ev_per_cpu_s": reported / (cpu / 1e6) if cpu > 0 else None,
        "overflows": max(int(info.get("overflows", 0)), overflow_lines),
        "workload_rate": float(wlkv.get("rate", 0)),
    }
    with open(os.path.join(results, "results.jsonl"), "a") as f:
        f.write(json.dumps(r, sort_keys=True) + "\n")
    print("py_compare: %-16s %5s rep %d: %.2f us/event, %.1f%% with full path, %d overflows" %
          (listener, rate, rep, r["cpu_us_per_event"], r["full_pct"], r["overflows"]),
          file=sys.stderr)
    return r


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def summarize(results):
    runs = [json.loads(line) for line in open(os.path.join(results, "results.jsonl"))]
    head = ("listener", "rate", "wl rate/s", "full-path%", "overflows", "CPU us/event",
            "user us/ev", "ev/CPU-s", "x ctypes", "x ctypes_cache", "x c_example", "rss MB",
            "runs")
    rows = []

    def evs(listener, rate):
        return med(r["ev_per_cpu_s"] for r in runs if r["listener"] == listener and
                   r["rate"] == rate)
    for rate in RATES:
        for lst in LISTENERS:
            sel = [r for r in runs if r["listener"] == lst and r["rate"] == rate]
            if not sel:
                continue
            e = med(r["ev_per_cpu_s"] for r in sel)
            ratio = {b: (e / evs(b, rate) if e and evs(b, rate) else None)
                     for b in ("py_ctypes", "py_ctypes_cache", "c_example")}
            rows.append((lst, rate, fmt(med(r["workload_rate"] for r in sel), ".0f"),
                         fmt(med(r["full_pct"] for r in sel), ".1f"),
                         fmt(med(r["overflows"] for r in sel), "g"),
                         fmt(med(r["cpu_us_per_event"] for r in sel), ".2f"),
                         fmt(med(r["user_us"] / (3.0 * N) for r in sel), ".2f"),
                         fmt(e, ".0f"), fmt(ratio["py_ctypes"], ".2f"),
                         fmt(ratio["py_ctypes_cache"], ".2f"), fmt(ratio["c_example"], ".2f"),
                         fmt(med(r["maxrss_kb"] / 1024.0 for r in sel), ".1f"), str(len(sel))))
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    text = "\n".join("  ".join(c.rjust(w) if i else c.ljust(w)
                               for i, (c, w) in enumerate(zip(row, widths)))
                     for row in [head] + rows)
    text += ("\n(medians of %d runs; %d iterations = %d create/close_write/delete events per "
             "run;\n CPU us/event = listener user+sys / those events; ev/CPU-s = events "
             "reported with their\n exact full path per CPU second; x = ratio of ev/CPU-s)" %
             (REPEAT, N, 3 * N))
    with open(os.path.join(results, "table.txt"), "w") as f:
        f.write(text + "\n")
    print(text)


def main():
    if os.geteuid() != 0:
        die("needs root (fanotify groups, a private mount namespace)")
    if not os.environ.get("PYCOMPARE_IN_NS"):
        for prog in ("bench/workload", "bench/rusage_run", "examples/tree-logger"):
            if not os.access(os.path.join(BUILD, prog), os.X_OK):
                die("%s/%s missing: ninja -C %s" % (BUILD, prog, BUILD))
        if not any(f.startswith("fanotify.") for f in os.listdir(os.path.join(BUILD, "python"))):
            die("the Python binding is not built in %s" % BUILD)
        results = os.environ.get("RESULTS") or os.path.join(
            HERE, "results", "pycompare-" + time.strftime("%Y%m%d-%H%M%S"))
        os.makedirs(results, exist_ok=True)
        env = dict(os.environ, PYCOMPARE_IN_NS="1", RESULTS=results, BUILD=BUILD)
        os.execvpe("unshare", ["unshare", "-m", "--propagation", "private", PY,
                               os.path.abspath(__file__)], env)
    results = os.environ["RESULTS"]
    root = tempfile.mkdtemp(prefix="pycompare-")
    subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=0755,size=256m", "tmpfs", root],
                   check=True)
    try:
        with open(os.path.join(results, "env.txt"), "w") as f:
            f.write("date: %s\nkernel: %s  cpus: %d\nN=%d RATES=%s REPEAT=%d listeners=%s\n"
                    "load: %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), os.uname().release,
                                    os.cpu_count(), N, " ".join(RATES), REPEAT,
                                    " ".join(LISTENERS), open("/proc/loadavg").read().strip()))
        print(open(os.path.join(results, "env.txt")).read(), end="")
        for rep in range(1, REPEAT + 1):
            for rate in RATES:
                for lst in LISTENERS:
                    run_one(lst, rate, rep, root, results)
        summarize(results)
        print("raw results: " + results)
    finally:
        subprocess.run(["umount", "-l", root], check=False)
        os.rmdir(root)


if __name__ == "__main__":
    main()
