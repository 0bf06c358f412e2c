#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Benchmark workload generator: one task graph written three ways (BitBake-syntax metadata for
# bbrun, a Makefile, a build.ninja), so that bbrun, make and ninja do exactly the same work.
"""Generate the ANCHORS.md workload.

    generate.py OUT --shape chain|tree|wide --recipes N [--threads 2] [--python]

OUT/build      the bbrun build directory (conf/bblayers.conf, conf/local.conf)
OUT/meta-bench the layer: conf/layer.conf, conf/bitbake.conf, classes/, recipes/
OUT/make       Makefile (run `make -j2` there)
OUT/ninja      build.ninja (run `ninja -j2` there)

Used as a module, `Workload(...)` also exposes the graph (`tasks`, `edges()`) so the harness
can check that each tool runs exactly this graph.
"""

import argparse
from pathlib import Path

# The task chain of every recipe, in order; do_build is noexec (it only collects).
TASKS = ["do_fetch", "do_unpack", "do_configure", "do_compile", "do_install", "do_build"]
NOEXEC = {"do_build"}
# The directory each task writes into: bbrun creates it from [dirs], make and ninja as well.
TASK_DIR = {"do_install": "D"}
SLEEP = 0.05
ALL = "all"


def recipe_name(i):
    return f"r{i:04d}"


def recipe_deps(shape, i):
    """DEPENDS of recipe i, as in ANCHORS.md: chain = i-1 and i/2, tree = i/2, wide = none."""
    if shape == "wide" or i == 0:
        return []
    wanted = [i - 1, i // 2] if shape == "chain" else [i // 2]
    return [recipe_name(j) for j in dict.fromkeys(wanted)]  # i=1 gives 0 twice: once only


class Workload:
    def __init__(self, root, shape, recipes, threads=2, python=False, touched=None):
        self.root = Path(root).resolve()
        self.shape = shape
        self.python = python
        self.threads = threads
        # A recipe whose do_compile body differs: the "one recipe touched" scenario.
        self.touched = touched
        names = [recipe_name(i) for i in range(recipes)]
        self.depends = {name: recipe_deps(shape, i) for i, name in enumerate(names)}
        self.depends[ALL] = names
        self.tasks = [(pn, t) for pn in self.depends for t in TASKS]

    # --- the graph --------------------------------------------------------------------------
    def task_deps(self, pn, task):
        """What (pn, task) waits for: addtask order within the recipe, plus the deptask flags
        (do_configure[deptask] = do_install, do_build[deptask] = do_build) over DEPENDS."""
        idx = TASKS.index(task)
        deps = [(pn, TASKS[idx - 1])] if idx else []
        across = {"do_configure": "do_install", "do_build": "do_build"}.get(task)
        if across:
            deps += [(dep, across) for dep in self.depends[pn]]
        return deps

    def edges(self):
        return [(dep, t) for t in self.tasks for dep in self.task_deps(*t)]

    def body(self, pn, task):
        """The shell body of a task, fully expanded (make and ninja need literal text); bbrun
        sees the same text with ${B}/${D}/${PN} unexpanded. None for noexec tasks."""
        if task in NOEXEC:
            return None
        word = "touched" if (pn == self.touched and task == "do_compile") else "done"
        dirvar = TASK_DIR.get(task, "B")
        write = f"echo {pn} {word} > ${{{dirvar}}}/{task}.out"
        # The wide graph measures slot use: its bodies sleep (and still leave their file).
        return f"sleep {SLEEP} && {write}" if self.shape == "wide" and pn != ALL else write

    # --- bbrun metadata ---------------------------------------------------------------------
    def write_bbrun(self):
        layer = self.root / "meta-bench"
        files = {
            "build/conf/bblayers.conf": f"""\
BBPATH = "${{TOPDIR}}"
BBFILES ?= ""
BBLAYERS = "{layer}"
""",
            "build/conf/local.conf": f'BB_NUMBER_THREADS = "{self.threads}"\n',
            "meta-bench/conf/layer.conf": """\
BBPATH .= ":${LAYERDIR}"
BBFILES += "${LAYERDIR}/recipes/*.bb"
BBFILE_COLLECTIONS += "bench"
BBFILE_PATTERN_bench = "^${LAYERDIR}/"
BBFILE_PRIORITY_bench = "5"
""",
            "meta-bench/conf/bitbake.conf": self.bitbake_conf(),
            "meta-bench/classes/base.bbclass": BASE_BBCLASS,
            "meta-bench/classes/bench.bbclass": self.bench_bbclass(),
            "meta-bench/recipes/bench.inc": 'SUMMARY = "benchmark recipe ${PN}"\nLICENSE = "MIT"\n',
        }
        for pn in self.depends:
            files[f"meta-bench/recipes/{pn}.bb"] = self.recipe_text(pn)
        for rel, text in files.items():
            write(self.root / rel, text)

    def bitbake_conf(self):
        # bbrun derives PN/PV/PR from the file name by itself; real layers spell it in python,
        # which only --python asks for.
        derive = ""
        if self.python:
            derive = """\
PN = "${@bb.parse.vars_from_file(d.getVar('FILE', False), d)[0] or 'defaultpkgname'}"
PV = "${@bb.parse.vars_from_file(d.getVar('FILE', False), d)[1] or '1.0'}"
PR = "${@bb.parse.vars_from_file(d.getVar('FILE', False), d)[2] or 'r0'}"
"""
        return derive + """\
P = "${PN}-${PV}"
PF = "${PN}-${PV}-${PR}"
TMPDIR = "${TOPDIR}/tmp"
WORKDIR = "${TMPDIR}/work/${PF}"
S = "${WORKDIR}/${P}"
B = "${S}"
D = "${WORKDIR}/image"
T = "${WORKDIR}/temp"
STAMP = "${TMPDIR}/stamps/${PF}"
BB_DEFAULT_TASK ?= "build"
include conf/local.conf
"""

    def recipe_text(self, pn):
        lines = ["require recipes/bench.inc", "inherit bench", ""]
        if self.python:
            # A few inline expressions of the kinds real recipes use, evaluated while parsing
            # (`:=`), one of them calling a def from the class.
            lines += [
                "FLAVOUR := \"${@bb.utils.contains('DISTRO_FEATURES', 'x11', 'gui', 'cli', d)}\"",
                "PN_ID := \"${@d.getVar('PN').replace('-', '_')}\"",
                "VERSION_OK := \"${@bench_version_ok(d)}\"",
                ""]
        if self.depends[pn]:
            lines += [f'DEPENDS = "{" ".join(self.depends[pn])}"', ""]
        for task in TASKS:
            body = self.body(pn, task)
            if body is None:
                continue
            if self.python and task == "do_fetch":
                # The python flavour of the same body: BitBake runs it in-process.
                lines += [f"python {task}() {{",
                          f"    open(d.getVar('B') + '/{task}.out', 'w').write('{pn} done\\n')",
                          "}", ""]
            else:
                lines += [f"{task}() {{", f"\t{body}", "}", ""]
        return "\n".join(lines)

    # --- make and ninja ---------------------------------------------------------------------
    def paths(self, pn):
        """B and D of a recipe for make and ninja, relative to their own directory."""
        return {"B": f"work/{pn}/build", "D": f"work/{pn}/image"}

    def expanded(self, pn, task):
        body = self.body(pn, task)
        if body is None:
            return None
        for var, path in self.paths(pn).items():
            body = body.replace(f"${{{var}}}", path)
        return body

    def task_dir(self, pn, task):
        return self.paths(pn)[TASK_DIR.get(task, "B")]

    def write_make(self):
        stamp = lambda t: f"stamps/{t[0]}.{t[1]}"
        out = [".SUFFIXES:", ".PHONY: all", f"all: {stamp((ALL, 'do_build'))}", ""]
        dirs = {"stamps"}
        for t in self.tasks:
            pn, task = t
            prereqs = " ".join(stamp(d) for d in self.task_deps(*t))
            body = self.expanded(pn, task)
            # Directories as order-only prerequisites: made once, never a reason to rerun.
            order_only = ["stamps"] + ([self.task_dir(pn, task)] if body else [])
            dirs.update(order_only)
            out.append(f"{stamp(t)}: {prereqs} | {' '.join(order_only)}")
            out.append(f"\t@{body + ' && ' if body else ''}touch $@")
        out += ["", *(f"{d}:\n\t@mkdir -p $@" for d in sorted(dirs))]
        write(self.root / "make/Makefile", "\n".join(out) + "\n")

    def write_ninja(self):
        stamp = lambda t: f"stamps/{t[0]}.{t[1]}"
        out = ["rule task", "  command = $cmd", "  description = $out", ""]
        for t in self.tasks:
            pn, task = t
            body = self.expanded(pn, task)
            # The file the body writes is an implicit output so that ninja creates its directory
            # itself, as bbrun does from [dirs]; the stamp stays the output tasks depend on.
            written = f" | {self.task_dir(pn, task)}/{task}.out" if body else ""
            deps = " ".join(stamp(d) for d in self.task_deps(*t))
            out.append(f"build {stamp(t)}{written}: task {deps}")
            out.append(f"  cmd = {body + ' && ' if body else ''}touch {stamp(t)}")
        out += ["", f"default {stamp((ALL, 'do_build'))}", ""]
        write(self.root / "ninja/build.ninja", "\n".join(out))

    def bench_bbclass(self):
        if not self.python:
            return BENCH_BBCLASS
        return BENCH_BBCLASS + """\
def bench_version_ok(d):
    return bb.utils.vercmp_string(d.getVar('PV') or '0', '0.1') > 0
"""

    def write_all(self):
        self.write_bbrun()
        self.write_make()
        self.write_ninja()


# The class bbrun ships (recipes/classes/base.bbclass), reproduced so the layer stands alone.
BASE_BBCLASS = """\
bbnote() {
	echo "NOTE: $*"
}
bbwarn() {
	echo "WARNING: $*"
}
bberror() {
	echo "ERROR: $*"
}
bbfatal() {
	echo "ERROR: $*"
	exit 1
}
die() {
	bbfatal "$*"
}
addtask build
do_build[noexec] = "1"
"""

BENCH_BBCLASS = """\
addtask fetch
addtask unpack after do_fetch
addtask configure after do_unpack
addtask compile after do_configure
addtask install after do_compile before do_build
do_configure[deptask] = "do_install"
do_build[deptask] = "do_build"
do_fetch[dirs] = "${B}"
do_unpack[dirs] = "${B}"
do_configure[dirs] = "${B}"
do_compile[dirs] = "${B}"
do_install[dirs] = "${D}"
"""


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    # Only rewrite what changed, so regenerating does not disturb mtimes make relies on.
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("--shape", choices=["chain", "tree", "wide"], default="chain")
    ap.add_argument("--recipes", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--python", action="store_true",
                    help="python do_fetch, ${@} PN/PV/PR and a few ${@} per recipe")
    ap.add_argument("--touched", help="recipe whose do_compile body is changed")
    args = ap.parse_args()
    w = Workload(args.out, args.shape, args.recipes, args.threads, args.python, args.touched)
    w.write_all()
    print(f"{w.root}: {len(w.tasks)} tasks, {len(w.edges())} edges")


if __name__ == "__main__":
    main()
