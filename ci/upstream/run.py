"""Run apache tvm-ffi's own Python test suite against tvm_ffi_hpy.

    python ci/upstream/run.py --tests DIR --python NAME=EXE [--python ...]
                              [--reference EXE] [--only FILE ...] [--out DIR]
                              [--doc docs/upstream-suite.md]

DIR is the `tests/python` folder of the apache-tvm-ffi sdist (ci/upstream.sh
fetches it).  Each test file runs in its own pytest process per interpreter,
with `tvm_ffi` aliased to `tvm_ffi_hpy` (ci/upstream/alias) and
ci/upstream/upstream_plugin.py recording every outcome as it happens.  A file
whose process dies (a crash, a timeout) is run again without the tests that
were running when it died, so one crash does not hide the rest of the file;
those tests count as crashed.

--reference EXE is a python with the released apache-tvm-ffi: it collects the
suite once, and the number of tests it finds per file is the denominator (a
file that fails to import here still counts all its tests, as not passed).
It also runs every file once itself, without the alias: the tests the released
wheel passes on this machine (no GPU, no CUDA, its own venv without torch) give
a second pass rate, "of what apache tvm-ffi passes here, how much we pass".

A third rate leaves out the tests that skip because this machine lacks what
they need: a GPU, CUDA, ROCm or cuda-python, and torch or ml_dtypes where the
interpreter has none (issue 14 has torch's tests skip on PyPy, which has no
torch wheel).  Which packages each interpreter has is probed before its run.

The result: a table per file and interpreter (passed, failed, errors,
skipped, crashed, not run), printed, saved as OUT/results.json and
OUT/results.md, and written into DOC between its "upstream-run" markers.
"""

import argparse
import collections
import datetime
import json
import os
import pathlib
import re
import subprocess
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent

# Left out, with the reason (the issue allows exactly these kinds).
EXCLUDED = {
    "test_cubin_launcher.py": "CUDA: launches CUBIN kernels on a GPU",
    "test_current_work_stream_gpu.py": "GPU: CUDA work streams",
    "utils/test_embed_cubin.py": "CUDA: embeds CUBIN built by nvcc",
    "test_stubgen_rust.py": "Rust: the Rust stub generator",
    "test_rust_static_init.py": "Rust: builds the Rust crate with cargo",
    "test_free_threaded_python_helpers.py": "free-threaded CPython only",
}

# This issue's share (issue 13) and the next (issue 14), for the summary.
ISSUE_13 = re.compile(
    r"^(test_dataclass_.*|test_object|test_metadata|test_type_converter|test_typed_method|"
    r"test_function|test_error|test_examples|utils/test_kwargs_wrapper|"
    r"utils/test_unpack_dataclass|test_pyobject_tying)\.py$")

# Skip messages that name missing hardware (never here), and the optional
# packages whose absence a skip may name when the interpreter lacks them.
HARDWARE_SKIP = re.compile(r"CUDA|GPU|ROCm|cuda-python")
OPTIONAL_PACKAGES = {"torch": re.compile(r"torch", re.I), "ml_dtypes": re.compile(r"ml_dtypes")}

OUTCOMES = ("passed", "failed", "error", "skipped", "crashed", "not_run")
PRIORITY = {"failed": 4, "error": 3, "skipped": 2, "passed": 1}
TIMEOUT = int(os.environ.get("UPSTREAM_FILE_TIMEOUT", "900"))
MAX_RESTARTS = 20


def discover(tests):
    files = sorted(p.relative_to(tests).as_posix() for p in tests.rglob("test_*.py"))
    return [f for f in files if f not in EXCLUDED]


def env_for(extra_path, alias=True):
    env = dict(os.environ)
    # the alias, the plugin, the in-place build of tvm_ffi_hpy (ci/upstream.sh
    # builds it), then what the interpreter needs besides (PyPy: pytest).  The
    # reference run has the plugin only: `tvm_ffi` is the released wheel.
    parts = ([str(HERE / "alias"), str(HERE), str(REPO)] if alias else [str(HERE)]) + extra_path
    if env.get("PYTHONPATH"):
        parts.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(parts)
    env.pop("PYTEST_ADDOPTS", None)
    return env


def pytest_cmd(exe, args):
    # upstream's pyproject adds "-n auto" (pytest-xdist): one process per file here.
    # Node ids are relative to the tests folder (--rootdir).
    return [exe, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q", "-rN",
            "--rootdir=.",
            "--tb=short", "-W", "ignore::DeprecationWarning"] + args


def reference_counts(exe, tests, files):
    """Tests per file as collected by the released apache-tvm-ffi."""
    out = subprocess.run(pytest_cmd(exe, ["--collect-only"] + files),
                         cwd=tests, capture_output=True, text=True, timeout=600)
    counts = collections.Counter()
    for line in out.stdout.splitlines():
        if "::" in line:
            counts[line.split("::", 1)[0]] += 1
    return counts


def run_file(exe, extra_path, tests, rel, logdir, alias=True):
    """Run one file; returns {nodeid: outcome}, collection errors, log text."""
    outcomes, messages, collect_errors = {}, {}, []
    deselect, log = [], []
    for attempt in range(MAX_RESTARTS):
        record = logdir / (rel.replace("/", "__") + f".{attempt}.jsonl")
        record.unlink(missing_ok=True)
        env = env_for(extra_path, alias)
        env["UPSTREAM_RECORD"] = str(record)
        args = ["-p", "upstream_plugin", rel] + [f"--deselect={d}" for d in deselect]
        t0 = time.time()
        try:
            proc = subprocess.run(pytest_cmd(exe, args), cwd=tests, env=env,
                                  capture_output=True, text=True, timeout=TIMEOUT)
            rc, tail = proc.returncode, (proc.stdout + proc.stderr)[-3000:]
        except subprocess.TimeoutExpired as e:
            rc = "timeout"
            tail = ((e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes)
                    else (e.stdout or ""))[-3000:]
        log.append(f"--- attempt {attempt}: rc={rc} ({time.time() - t0:.1f} s)\n{tail}")
        started, finished = None, set()
        if record.exists():
            for line in record.read_text(encoding="utf-8").splitlines():
                r = json.loads(line)
                if r["event"] == "start":
                    started = r["nodeid"]
                elif r["event"] == "finish":
                    finished.add(r["nodeid"])
                elif r["event"] == "collect_error":
                    collect_errors.append(r["message"])
                else:
                    nid, oc = r["nodeid"], r["outcome"]
                    if PRIORITY[oc] >= PRIORITY.get(outcomes.get(nid), 0):
                        outcomes[nid] = oc
                        if "message" in r:
                            messages[nid] = r["message"]
        died = rc == "timeout" or (isinstance(rc, int) and (rc < 0 or rc > 5))
        if not died:
            break
        # The test running when the process died: the last one started that
        # has no teardown report.  Count it crashed and run the rest again.
        victim = started if started not in finished else None
        if victim is None or victim in deselect:
            collect_errors.append(f"process died (rc={rc}) outside a test")
            break
        outcomes[victim] = "crashed"
        messages[victim] = f"process died: rc={rc}"
        deselect.append(victim)
    return outcomes, messages, collect_errors, "\n".join(log)


def tally(outcomes, expected):
    c = collections.Counter(outcomes.values())
    row = {k: c.get(k, 0) for k in OUTCOMES}
    row["not_run"] = max(0, expected - len(outcomes))
    row["total"] = len(outcomes) + row["not_run"]
    return row


def probe_packages(exe, extra_path):
    """{package: importable} for the optional packages, in that interpreter."""
    code = ("import importlib.util, json; print(json.dumps({m: importlib.util.find_spec(m) "
            "is not None for m in %r}))" % (sorted(OPTIONAL_PACKAGES),))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(extra_path))
    out = subprocess.run([exe, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def skipped_for_lack(message, packages):
    """True when a skip says this machine lacks what the test needs."""
    if HARDWARE_SKIP.search(message):
        return True
    return any(not packages.get(name, True) and pattern.search(message)
               for name, pattern in OPTIONAL_PACKAGES.items())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tests", required=True, type=pathlib.Path)
    ap.add_argument("--python", action="append", required=True,
                    help="NAME=EXE[:EXTRA_PYTHONPATH]")
    ap.add_argument("--reference")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", type=pathlib.Path, default=REPO / "build" / "upstream")
    ap.add_argument("--doc", type=pathlib.Path)
    ap.add_argument("--label", default="")
    a = ap.parse_args()

    tests = a.tests.resolve()
    files = a.only or discover(tests)
    a.out = a.out.resolve()  # the plugin runs in the tests folder
    a.out.mkdir(parents=True, exist_ok=True)
    ref = reference_counts(a.reference, tests, files) if a.reference else collections.Counter()

    results = {"label": a.label, "date": datetime.datetime.now().isoformat(timespec="minutes"),
               "excluded": EXCLUDED, "reference": dict(ref), "interpreters": {},
               "reference_passed": {}, "packages": {}}
    if a.reference:
        logdir = a.out / "reference"
        logdir.mkdir(parents=True, exist_ok=True)
        for rel in files:
            outcomes, _, _, log = run_file(a.reference, [], tests, rel, logdir, alias=False)
            (logdir / (rel.replace("/", "__") + ".log")).write_text(log, encoding="utf-8")
            results["reference_passed"][rel] = sorted(
                nid for nid, oc in outcomes.items() if oc == "passed")
            print(f"[upstream] reference {rel:42s} passed="
                  f"{len(results['reference_passed'][rel])}", flush=True)
    for spec in a.python:
        name, rest = spec.split("=", 1)
        exe, _, extra = rest.partition(":")
        extra_path = [p for p in extra.split(os.pathsep) if p]
        results["packages"][name] = probe_packages(exe, extra_path)
        logdir = a.out / name
        logdir.mkdir(parents=True, exist_ok=True)
        per_file = {}
        for rel in files:
            t0 = time.time()
            outcomes, messages, cerr, log = run_file(exe, extra_path, tests, rel, logdir)
            row = tally(outcomes, ref.get(rel, 0))
            row["collect_errors"] = cerr[:3]
            row["seconds"] = round(time.time() - t0, 1)
            row["tests"] = {nid: [oc, messages.get(nid, "")] for nid, oc in sorted(outcomes.items())}
            per_file[rel] = row
            (logdir / (rel.replace("/", "__") + ".log")).write_text(log, encoding="utf-8")
            print(f"[upstream] {name:8s} {rel:42s} " + " ".join(
                f"{k}={row[k]}" for k in OUTCOMES if row[k]) + f"  ({row['seconds']} s)",
                flush=True)
        results["interpreters"][name] = per_file

    (a.out / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    md = render(results, files)
    (a.out / "results.md").write_text(md, encoding="utf-8")
    print(md)
    if a.doc:
        put_into_doc(a.doc, md)


def pct(n, d):
    return f"{100.0 * n / d:.1f}%" if d else "-"


def render(results, files):
    names = list(results["interpreters"])
    lines = [f"Run of {results['date']}{' on ' + results['label'] if results['label'] else ''}.",
             "Columns per interpreter: passed / failed / errors / skipped / crashed / not run "
             "(not run: the file did not import, or fewer tests were collected than upstream's).",
             ""]
    head = "| file | tests |" + "".join(f" {n} |" for n in names)
    lines += [head, "|---|---:|" + "---|" * len(names)]
    sums = {n: {g: collections.Counter() for g in ("13", "14", "all")} for n in names}
    for rel in files:
        rowtxt = f"| {rel}{' (13)' if ISSUE_13.match(rel) else ''} |"
        total = max(results["interpreters"][n][rel]["total"] for n in names)
        rowtxt += f" {total} |"
        for n in names:
            r = results["interpreters"][n][rel]
            rowtxt += " " + "/".join(str(r[k]) for k in OUTCOMES) + " |"
            group = "13" if ISSUE_13.match(rel) else "14"
            for k in OUTCOMES + ("total",):
                sums[n][group][k] += r[k]
                sums[n]["all"][k] += r[k]
        lines.append(rowtxt)
    lines += ["", "| share | interpreter | tests | passed | failed | errors | skipped | crashed | not run | pass rate |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for g, label in (("13", "issue 13 files"), ("14", "issue 14 files"), ("all", "whole suite")):
        for n in names:
            s = sums[n][g]
            lines.append(f"| {label} | {n} | {s['total']} | " + " | ".join(
                str(s[k]) for k in OUTCOMES) + f" | {pct(s['passed'], s['total'])} |")
    if results.get("reference_passed"):
        lines += ["", "Of the tests the released apache-tvm-ffi wheel passes on this machine "
                  "(its own run, same files; the rest need a GPU, CUDA or torch there):", "",
                  "| share | interpreter | released wheel passes | we pass of those | rate |",
                  "|---|---|---:|---:|---:|"]
        for g, label in (("13", "issue 13 files"), ("14", "issue 14 files"),
                         ("all", "whole suite")):
            for n in names:
                ref_n = ours_n = 0
                for rel in files:
                    if g != "all" and (g == "13") != bool(ISSUE_13.match(rel)):
                        continue
                    passed_ref = results["reference_passed"].get(rel, [])
                    mine = results["interpreters"][n][rel]["tests"]
                    ref_n += len(passed_ref)
                    ours_n += sum(1 for nid in passed_ref
                                  if mine.get(nid, [""])[0] == "passed")
                lines.append(f"| {label} | {n} | {ref_n} | {ours_n} | {pct(ours_n, ref_n)} |")
    if results.get("packages"):
        lines += ["", "Of the tests that can run here: a skip for a missing GPU, CUDA, ROCm or "
                  "cuda-python, or for torch or ml_dtypes where the interpreter has none ("
                  + "; ".join(f"{n}: " + (", ".join(sorted(m for m, ok in
                                                         results["packages"][n].items() if not ok))
                                          or "none missing") for n in names)
                  + "), is left out of the count:", "",
                  "| share | interpreter | tests | left out | passed | rate |",
                  "|---|---|---:|---:|---:|---:|"]
        for g, label in (("13", "issue 13 files"), ("14", "issue 14 files"),
                         ("all", "whole suite")):
            for n in names:
                packages = results["packages"].get(n, {})
                total = passed = left_out = 0
                for rel in files:
                    if g != "all" and (g == "13") != bool(ISSUE_13.match(rel)):
                        continue
                    r = results["interpreters"][n][rel]
                    total += r["total"]
                    passed += r["passed"]
                    left_out += sum(1 for oc, msg in r["tests"].values()
                                    if oc == "skipped" and skipped_for_lack(msg, packages))
                lines.append(f"| {label} | {n} | {total} | {left_out} | {passed} | "
                             f"{pct(passed, total - left_out)} |")
    lines += ["", "Left out: " + "; ".join(f"`{f}` ({r})" for f, r in results["excluded"].items()) + "."]
    return "\n".join(lines) + "\n"


def put_into_doc(doc, md):
    begin, end = "<!-- upstream-run:begin -->", "<!-- upstream-run:end -->"
    text = doc.read_text(encoding="utf-8") if doc.exists() else f"{begin}\n{end}\n"
    if begin not in text:
        text += f"\n{begin}\n{end}\n"
    pre, rest = text.split(begin, 1)
    _, post = rest.split(end, 1)
    doc.write_text(pre + begin + "\n" + md + end + post, encoding="utf-8")


if __name__ == "__main__":
    main()
