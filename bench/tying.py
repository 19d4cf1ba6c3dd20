"""Object tying benchmark: ns per operation and how the garbage collectors
scale with the number of bound (pinned) wrappers.

Runs unchanged on CPython 3.11 and PyPy 7.3.19 with the same universal HPy
binary:

    python bench/tying.py [--quick] [--json out.json] [--sizes 1000,100000,1000000]

Micro benchmarks: each operation runs in its own loop function (so that the
PyPy JIT traces each one separately); every loop is run a few times untimed
first, then timed `repeats` times with time.perf_counter_ns; the minimum is
reported, as ns per iteration (the loop itself included: see "empty loop").

Scale: every size runs in a fresh child process (same interpreter), which
binds n objects, then measures a pinned field read, a pinned element fetch,
minor and full collections, and the resident memory per bound object.

Minor collections.  CPython: gc.collect(0) (generation 0), wall time.  PyPy
ignores the argument of gc.collect() (it always runs a full collection), so
there a minor collection is provoked by allocating until the on_gc_minor hook
reports one, and its duration is the one the GC itself reports (gc.hooks).
Two kinds are measured: "idle" (no keeper written since the previous minor)
and "dirty" (one pinned wrapper replaced in every keeper just before, so the
collection has to walk every keeper: n slots).
"""
import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(_HERE)
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)

import tvm_ffi_hpy  # noqa: E402
from tvm_ffi_hpy.core import _ffi  # noqa: E402
from tvm_ffi_hpy.testing import TestHolder, TestIntPair  # noqa: E402

IS_PYPY = platform.python_implementation() == "PyPy"
perf_ns = time.perf_counter_ns
KEEPER_SLOTS = 1024  # slots per keeper (kSlabSize in hpy_ext/binding.cc)


# ---------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------
def measure(loop, n, repeats, warmup):
    """min over `repeats` of loop(n)'s own timing, in ns per iteration."""
    for _ in range(warmup):
        loop(n)
    best = None
    for _ in range(repeats):
        t = loop(n)
        if best is None or t < best:
            best = t
    return best / n


# One loop function per operation (PyPy traces each loop on its own).
def loop_empty(n):
    t0 = perf_ns()
    for _ in range(n):
        pass
    return perf_ns() - t0


def make_loops():
    hpy_nop = _ffi.hpy_nop
    nop = tvm_ffi_hpy.get_global_func("testing.nop")
    echo = tvm_ffi_hpy.get_global_func("testing.echo")
    apply = tvm_ffi_hpy.get_global_func("testing.apply")
    x = TestIntPair(1, 2)
    h = TestHolder(x)
    p = TestIntPair(3, 4)

    def ident(y):
        return y

    seen = []

    def check(y):
        seen.append(y)
        return y

    cb = tvm_ffi_hpy.convert(ident)  # an FFI Function, converted once

    # The semantics the timed paths rely on.
    assert echo(x) is x, "echo(x) is not x"
    assert h.value is x, "h.value is not the pinned wrapper"
    assert p.a == 3
    assert apply(tvm_ffi_hpy.convert(check), x) is x and seen[-1] is x, \
        "callback did not receive the caller's wrapper"
    assert apply(cb, 1) == 1

    def loop_hpy_nop(n):
        f = hpy_nop
        t0 = perf_ns()
        for _ in range(n):
            f()
        return perf_ns() - t0

    def loop_nop(n):
        f = nop
        t0 = perf_ns()
        for _ in range(n):
            f()
        return perf_ns() - t0

    def loop_echo_int(n):
        f = echo
        t0 = perf_ns()
        for _ in range(n):
            f(1)
        return perf_ns() - t0

    def loop_echo_obj(n):
        f = echo
        a = x
        t0 = perf_ns()
        for _ in range(n):
            f(a)
        return perf_ns() - t0

    def loop_field_pinned(n):
        o = h
        t0 = perf_ns()
        for _ in range(n):
            o.value
        return perf_ns() - t0

    def loop_field_int(n):
        o = p
        t0 = perf_ns()
        for _ in range(n):
            o.a
        return perf_ns() - t0

    def loop_apply_obj(n):
        f = apply
        g = cb
        a = x
        t0 = perf_ns()
        for _ in range(n):
            f(g, a)
        return perf_ns() - t0

    def loop_apply_int(n):
        f = apply
        g = cb
        t0 = perf_ns()
        for _ in range(n):
            f(g, 1)
        return perf_ns() - t0

    def loop_apply_pyfunc(n):
        f = apply
        g = ident
        t0 = perf_ns()
        for _ in range(n):
            f(g, 1)
        return perf_ns() - t0

    return [
        ("empty loop (per iteration)", loop_empty),
        ("hpy_nop() (floor)", loop_hpy_nop),
        ("nop()", loop_nop),
        ("echo(1)", loop_echo_int),
        ("echo(x) (x in flight)", loop_echo_obj),
        ("h.value (pinned wrapper)", loop_field_pinned),
        ("p.a (int field)", loop_field_int),
        ("apply(cb, x) (callback gets caller's wrapper)", loop_apply_obj),
        ("apply(cb, 1)", loop_apply_int),
        ("apply(py_func, 1) (callable converted per call)", loop_apply_pyfunc),
    ]


# ---------------------------------------------------------------------------
# Memory
# ---------------------------------------------------------------------------
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


# ---------------------------------------------------------------------------
# Minor collections
# ---------------------------------------------------------------------------
class MinorClock:
    """Minor collection times: CPython gc.collect(0); PyPy gc.hooks."""

    def __init__(self):
        self.events = []  # PyPy: (count, duration_s, duration_max_s)
        if IS_PYPY:
            def on_minor(stats):
                self.events.append((stats.count, stats.duration, stats.duration_max))
            gc.hooks.on_gc_minor = on_minor

    def force(self):
        """Run one minor collection; return its duration in ns."""
        if not IS_PYPY:
            t0 = perf_ns()
            gc.collect(0)
            return perf_ns() - t0
        start = len(self.events)
        sink = None
        while len(self.events) == start:
            for _ in range(64):
                sink = [sink, None]  # small garbage to fill the nursery
                sink = None
        # The hook may aggregate several collections: report the longest one.
        return max(e[2] for e in self.events[start:]) * 1e9

    def since(self, start):
        """PyPy: longest minor collection reported since events[start:]."""
        return max(e[2] for e in self.events[start:]) * 1e9

    def close(self):
        if IS_PYPY:
            gc.hooks.on_gc_minor = None


# ---------------------------------------------------------------------------
# Scale (child process)
# ---------------------------------------------------------------------------
def bind(n):
    """Bind n objects: per keeper-sized chunk, one TestHolder value (pinned,
    replaceable) and up to 1023 array elements (pinned by the array), each
    element touched once through arr[i]."""
    holders, arrays = [], []
    left = n
    while left > 0:
        h = TestHolder(TestIntPair(-1, -1))
        left -= 1
        k = min(KEEPER_SLOTS - 1, left)
        if k:
            arr = tvm_ffi_hpy.convert([TestIntPair(i, i) for i in range(k)])
            for i in range(k):
                arr[i]
            arrays.append(arr)
            left -= k
        holders.append(h)
    return holders, arrays


def dirty_all_keepers(holders, tag):
    """Replace the value of every holder: one pin + one unpin per keeper."""
    for h in holders:
        h.value = TestIntPair(tag, tag)


def scale_child(n, quick):
    repeats = 5 if quick else 15
    gc_repeats = 3 if quick else 7
    clock = MinorClock()
    gc.collect()
    gc.collect()
    base_pinned = _ffi.binding_info()[1]
    rss0 = rss_bytes()
    t0 = perf_ns()
    holders, arrays = bind(n)
    bind_ns = perf_ns() - t0
    pinned = _ffi.binding_info()[1] - base_pinned
    assert pinned >= n, "only %d of %d wrappers pinned" % (pinned, n)
    gc.collect()
    gc.collect()
    rss1 = rss_bytes()
    res = {"n": n, "pinned": pinned, "keepers": -(-(_ffi.binding_info()[1]) // KEEPER_SLOTS),
           "bind_ns_per_object": bind_ns / n,
           "rss_bytes_per_object": (rss1 - rss0) / n}

    # Pinned paths with n bound.
    x = TestIntPair(1, 2)
    h = TestHolder(x)
    assert h.value is x
    a = arrays[len(arrays) // 2] if arrays else tvm_ffi_hpy.convert([TestIntPair(0, 0)])
    j = len(a) // 2
    assert a[j] is a[j]

    def loop_field(m):
        o = h
        t0 = perf_ns()
        for _ in range(m):
            o.value
        return perf_ns() - t0

    def loop_fetch(m):
        o = a
        k = j
        t0 = perf_ns()
        for _ in range(m):
            o[k]
        return perf_ns() - t0

    inner = 20000
    res["field_read_ns"] = measure(loop_field, inner, repeats, 5)
    res["array_fetch_ns"] = measure(loop_fetch, inner, repeats, 5)

    # Minor collections: idle (nothing written since the last one).
    clock.force()
    res["minor_idle_ns"] = min(clock.force() for _ in range(gc_repeats * 3))

    # Minor collections right after one pinned wrapper was replaced (the
    # steady state: a few keepers written since the previous minor).
    one = []
    for r in range(gc_repeats * 3):
        clock.force()
        start = len(clock.events)
        holders[r % len(holders)].value = TestIntPair(r, r)
        if IS_PYPY:
            clock.force()
            one.append(clock.since(start))
        else:
            one.append(clock.force())
    res["minor_one_ns"] = min(one)

    # Minor collections right after a write into every keeper.
    dirty = []
    dirty_loop = []
    for r in range(gc_repeats):
        clock.force()
        start = len(clock.events)
        t0 = perf_ns()
        dirty_all_keepers(holders, r)
        dirty_loop.append(perf_ns() - t0)
        if IS_PYPY:
            clock.force()
            dirty.append(clock.since(start))
        else:
            dirty.append(clock.force())
    res["minor_dirty_ns"] = min(dirty)
    res["minor_dirty_max_ns"] = max(dirty)
    res["dirty_writes"] = len(holders)
    res["dirty_loop_ns"] = min(dirty_loop)
    pinned_after = _ffi.binding_info()[1] - base_pinned
    assert pinned_after >= n, "pinned dropped to %d after replacements" % pinned_after

    # Full collections.
    full = []
    for _ in range(gc_repeats):
        t0 = perf_ns()
        gc.collect()
        full.append(perf_ns() - t0)
    res["full_ns"] = min(full)
    res["full_max_ns"] = max(full)
    clock.close()
    assert h.value is x and a[j] is a[j]
    return res


def run_scale(n, quick):
    """Run scale_child(n) in a fresh process of this interpreter."""
    cmd = [sys.executable, os.path.abspath(__file__), "--scale-child", str(n)]
    if quick:
        cmd.append("--quick")
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         universal_newlines=True, env=os.environ.copy())
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise RuntimeError("scale child n=%d failed with status %d" % (n, out.returncode))
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------
def size_tag(n):
    digits = str(n)
    if digits[0] == "1" and digits.strip("0") == "1" and n >= 1000:
        return "n=10^%d" % (len(digits) - 1)
    return "n=%d" % n


# PyPy's GC hooks report durations in steps of 2**-20 s (about 0.95 us).
PYPY_MINOR_RESOLUTION_NS = 2.0 ** -20 * 1e9
MINOR_RESOLUTION_NS = PYPY_MINOR_RESOLUTION_NS if IS_PYPY else 0.0


def rows(result):
    """(label, value, unit, resolution) rows in a fixed order (run.sh merges
    on label); a value below 2 * resolution is only an upper bound."""
    out = [(name, v, "ns", 0.0) for name, v in result["micro"]]
    out.append(("binding header per object", result["header_bytes"], "bytes", 0.0))
    for s in result["scale"]:
        tag = size_tag(s["n"])
        res = MINOR_RESOLUTION_NS
        out.append(("%s: bind, per object" % tag, s["bind_ns_per_object"], "ns", 0.0))
        out.append(("%s: h.value (pinned)" % tag, s["field_read_ns"], "ns", 0.0))
        out.append(("%s: arr[i] (pinned)" % tag, s["array_fetch_ns"], "ns", 0.0))
        out.append(("%s: minor GC, idle" % tag, s["minor_idle_ns"], "ns", res))
        out.append(("%s: minor GC, one value re-pinned" % tag, s["minor_one_ns"], "ns", res))
        out.append(("%s: minor GC, every keeper written" % tag, s["minor_dirty_ns"], "ns", res))
        out.append(("%s: full GC" % tag, s["full_ns"], "ns", 0.0))
        out.append(("%s: RSS per bound object" % tag, s["rss_bytes_per_object"], "bytes", 0.0))
    return out


def markdown(result):
    lines = ["| %s | value | unit |" % result["interpreter"], "|---|---:|---|"]
    for label, v, unit, res in rows(result):
        shown = "< %.0f" % (2 * res) if v < 2 * res else "%.1f" % v
        lines.append("| %s | %s | %s |" % (label, shown, unit))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats")
    ap.add_argument("--json", help="write the results as JSON here")
    ap.add_argument("--sizes", default="1000,100000,1000000",
                    help="comma-separated numbers of bound objects")
    ap.add_argument("--scale-child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.scale_child is not None:
        print(json.dumps(scale_child(args.scale_child, args.quick)))
        return

    repeats = 7 if args.quick else 31
    inner = 20000 if args.quick else 50000
    micro = []
    for name, loop in make_loops():
        micro.append((name, measure(loop, inner, repeats, 5)))
    scale = [run_scale(int(n), args.quick) for n in args.sizes.split(",") if n]

    result = {
        "interpreter": "%s %s" % (platform.python_implementation(),
                                  sys.version.split()[0] if not IS_PYPY else
                                  "%d.%d.%d (Python %s)" % (sys.pypy_version_info[:3]
                                                            + (sys.version.split()[0],))),
        "binary": os.path.join(os.path.dirname(tvm_ffi_hpy.__file__), "_ffi.hpy0.so"),
        "quick": args.quick,
        "repeats": repeats,
        "inner": inner,
        "header_bytes": _ffi.binding_info()[0],
        "micro": micro,
        "scale": scale,
        "rows": rows({"micro": micro, "header_bytes": _ffi.binding_info()[0], "scale": scale}),
    }
    print(markdown(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
