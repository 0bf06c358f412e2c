# SPDX-License-Identifier: MIT
# The shared-state scenario of bench/run: the 100-recipe chain built once, then restored in a
# fresh build directory from a warm SSTATE_DIR, and from an HTTP cache (nginx with WebDAV on a
# loopback port).
"""Shared-state benchmark: `bench/run --sstate`."""

import shutil
import socket
import statistics
import sys
import subprocess
import tempfile
import time
from pathlib import Path

SECTION = "## Shared state"
RECIPES = 100
CACHED = RECIPES + 1  # the recipes, and `all` that depends on them: one do_install each


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx serving WebDAV PUT/GET from DIR/root on a loopback port, one process."""

    def __init__(self, root):
        self.dir = root
        self.port = free_port()
        (root / "root").mkdir(parents=True)
        conf = root / "nginx.conf"
        temps = "\n".join(f"  {kind}_temp_path {root}/{kind};"
                          for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        conf.write_text(f"""daemon off;
master_process off;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{}}
http {{
  access_log off;
{temps}
  server {{
    listen 127.0.0.1:{self.port};
    root {root}/root;
    client_max_body_size 0;
    location / {{ dav_methods PUT DELETE; create_full_put_path on; }}
  }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-p", str(root), "-e", str(root / "error.log"),
                                      "-c", str(conf)], stdout=subprocess.DEVNULL)
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("nginx did not start: " + (root / "error.log").read_text())

    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def builddir(workload, name, settings):
    """A fresh build directory of the workload's layer with `settings` in local.conf."""
    out = workload.root / name
    shutil.copytree(workload.root / "build" / "conf", out / "conf")
    with open(out / "conf" / "local.conf", "a") as conf:
        # Where the build directory is must not reach a signature, as in bbrun's own
        # bitbake.conf; the bench layer has its own that does not say so.
        conf.write('BB_BASEHASH_IGNORE_VARS = "TOPDIR TMPDIR SSTATE_DIR SSTATE_HTTP_CACHE '
                   'BB_NUMBER_THREADS"\n' + settings)
    return out


def timed_build(bbrun_exe, directory, expect):
    start = time.perf_counter()
    p = subprocess.run([bbrun_exe, "--ui", "plain", "all"], cwd=directory, text=True,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
    wall = time.perf_counter() - start
    subprocess.run([bbrun_exe, "-m"], cwd=directory, stdout=subprocess.DEVNULL)
    if p.returncode != 0 or expect not in p.stdout:
        raise RuntimeError(f"{directory}: expected {expect!r}:\n{p.stdout[-3000:]}")
    return wall


def one_run(workload_class, bbrun_exe, samples):
    tmp = Path(tempfile.mkdtemp(prefix="bbrun-bench-sstate-"))
    nginx = None
    try:
        workload = workload_class(tmp, "chain", RECIPES, threads=2)
        workload.write_bbrun()
        with open(tmp / "meta-bench" / "classes" / "bench.bbclass", "a") as bbclass:
            bbclass.write('do_install[sstate-outputs] = "${D}"\n')
        local = f'SSTATE_DIR = "{tmp}/cache"\n'
        samples["build"].append(timed_build(bbrun_exe, builddir(workload, "b1", local),
                                            "didn't need to be rerun and all succeeded"))
        samples["local"].append(timed_build(bbrun_exe, builddir(workload, "b2", local),
                                            f"Restored {CACHED} tasks from shared state "
                                            f"({CACHED} local)"))
        nginx = Nginx(tmp / "nginx")
        http = f'SSTATE_HTTP_CACHE = "{nginx.url()}"\n'
        samples["build, storing to HTTP"].append(
            timed_build(bbrun_exe, builddir(workload, "b3", http), "all succeeded"))
        samples["http"].append(timed_build(bbrun_exe, builddir(workload, "b4", http),
                                           f"({CACHED} http)"))
    finally:
        if nginx:
            nginx.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def fmt(values):
    return f"{statistics.median(values):.3f} ({min(values):.3f}..{max(values):.3f})"


def run(workload_class, bindir, runs, machine_lines):
    samples = {"build": [], "local": [], "build, storing to HTTP": [], "http": []}
    for r in range(runs):
        print(f"sstate run {r + 1}/{runs}", file=sys.stderr)
        one_run(workload_class, str(bindir / "bbrun"), samples)
    build = statistics.median(samples["build"])
    local = build / statistics.median(samples["local"])
    http = build / statistics.median(samples["http"])
    lines = [SECTION, "",
             f"Written by `bench/run --sstate`. The chain of {RECIPES} recipes (5 tasks each, "
             "`do_install[sstate-outputs] = \"${D}\"`), each build in a fresh build directory "
             "with a fresh server (parse included), `bbrun all`; wall seconds, median "
             f"(min..max) of {runs}.", "",
             "| build | s | speed-up | goal | met |", "|---|---|---|---|---|",
             f"| build, empty cache | {fmt(samples['build'])} | | | |",
             f"| restore from a warm SSTATE_DIR | {fmt(samples['local'])} | {local:.1f}× | ≥ 5× "
             f"| {'met' if local >= 5 else '**not met**'} |",
             f"| build, empty caches, storing to HTTP too | "
             f"{fmt(samples['build, storing to HTTP'])} | | | |",
             f"| restore from the HTTP cache (nginx WebDAV, loopback), empty SSTATE_DIR | "
             f"{fmt(samples['http'])} | {http:.1f}× | ≥ 3× | "
             f"{'met' if http >= 3 else '**not met**'} |",
             "", *machine_lines, ""]
    return "\n".join(lines)
