"""The price list of HPy on each interpreter: what one HPy API call, and one
call into an HPy extension of each shape, costs on CPython and on PyPy.

    python bench/hpy_costs/run.py --pypy PATH [--out FILE.md]

Run with the CPython that has `hpy.devel` (it compiles hpy_costs.c, next to
this file, into one universal binary under build/bench/), then times that
binary on itself and on the PyPy at PATH, and prints one markdown table (also
written to --out).  Every number is the minimum of repeats: API calls are
timed inside one C loop (bench/hpy_costs/hpy_costs.c, `run`) minus the empty
loop; call shapes from a Python loop that repeats the statement 10 times.

`--measure SO` (internal) times the binary SO on the running interpreter and
prints JSON.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
SOURCE = os.path.join(HERE, "hpy_costs.c")
BINARY = os.path.join(REPO, "build", "bench", "hpy_costs.hpy0.so")

# (label, kind of run(), which object)
API_CALLS = [
    ("`HPy_Is`", 1, "obj"),
    ("`HPy_TypeCheck` (an instance of a subtype)", 2, "obj"),
    ("`HPy_TypeCheck` (an int against `h_LongType`)", 3, "int"),
    ("`HPy_AsStruct`", 4, "obj"),
    ("`HPy_Dup` + `HPy_Close`", 5, "obj"),
    ("`HPyGlobal_Load` + `HPy_Close`", 6, "obj"),
    ("`HPyField_Load` + `HPy_Close` (with `HPy_AsStruct`)", 7, "obj"),
    ("`HPyLong_FromInt64_t` + `HPy_Close`", 8, "obj"),
    ("`HPyLong_AsInt64_t`", 9, "int"),
    ("`HPy_Type` + `HPy_Is` + `HPy_Close`", 10, "obj"),
    ("`HPy_GetItem_i` + `HPy_Close` (a tuple)", 11, "tuple"),
]
CALL_SHAPES = [
    ("module function, no argument: `f()`", "noargs()"),
    ("module function, one argument: `f(o)`", "one_arg(o)"),
    ("instance with `tp_call`, no argument: `o()`", "o()"),
    ("instance with `tp_call`, one argument: `o(o)`", "o(o)"),
    ("method, no argument: `o.method()`", "o.method()"),
    ("getset read (`HPy_AsStruct` + new int): `o.x`", "o.x"),
    ("member read: `o.member_x`", "o.member_x"),
]
REPEATS = 7


def build() -> None:
    import hpy.devel
    include = os.path.join(os.path.dirname(hpy.devel.__file__), "include")
    os.makedirs(os.path.dirname(BINARY), exist_ok=True)
    subprocess.check_call(["gcc", "-O2", "-shared", "-fPIC", "-DHPY_ABI_UNIVERSAL", "-I", include,
                           SOURCE, "-o", BINARY])


def load(path: str):
    import importlib.machinery
    import hpy.universal
    spec = importlib.machinery.ModuleSpec("hpy_costs", None, origin=path)
    return hpy.universal.load("hpy_costs", path, spec)


def measure(path: str) -> dict:
    mod = load(path)
    obj = mod.Derived()
    objects = {"obj": obj, "int": 5, "tuple": (obj,)}
    n = 1_000_000

    def timed(kind: int, o) -> float:
        mod.run(kind, o, 10_000)  # warm (JIT)
        best = float("inf")
        for _ in range(REPEATS):
            t = time.perf_counter()
            mod.run(kind, o, n)
            best = min(best, time.perf_counter() - t)
        return best / n * 1e9

    empty = timed(0, obj)
    api = {label: max(0.0, timed(kind, objects[which]) - empty)
           for label, kind, which in API_CALLS}
    shapes = {}
    for label, stmt in CALL_SHAPES:
        src = "def loop(n):\n    for _ in range(n):\n" + ("        %s\n" % stmt) * 10
        ns = {"noargs": mod.noargs, "one_arg": mod.one_arg, "o": obj}
        exec(src, ns)
        loop = ns["loop"]
        loop(20_000)
        best = float("inf")
        for _ in range(REPEATS):
            t = time.perf_counter()
            loop(100_000)
            best = min(best, time.perf_counter() - t)
        shapes[label] = best / 1_000_000 * 1e9
    return {"interpreter": "%s %s" % (platform.python_implementation(),
                                      platform.python_version()),
            "api": api, "shapes": shapes}


def table(results: "list[dict]") -> str:
    names = [r["interpreter"] for r in results]
    lines = ["| HPy call or call shape | " + " | ".join(names) + " | PyPy / CPython |",
             "|---|" + "---:|" * (len(names) + 1)]
    for section in ("api", "shapes"):
        for label in results[0][section]:
            values = [r[section][label] for r in results]
            ratio = "%.1f" % (values[1] / values[0]) if len(values) > 1 and values[0] > 0.05 else ""
            lines.append("| %s | %s | %s |" % (label, " | ".join("%.1f" % v for v in values), ratio))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pypy", help="the PyPy to time next to this interpreter")
    parser.add_argument("--out", help="also write the markdown table here")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    build()
    runs = [[sys.executable]] + ([[args.pypy]] if args.pypy else [])
    results = [json.loads(subprocess.check_output(cmd + [__file__, "--measure", BINARY]))
               for cmd in runs]
    text = ("ns per operation; API calls inside one C loop minus the empty loop, call shapes "
            "per statement of a Python loop (minimum of %d repeats; one binary, %s).\n\n"
            % (REPEATS, os.path.relpath(BINARY, REPO)) + table(results) + "\n")
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
