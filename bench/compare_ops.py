"""Worker of the side-by-side benchmark (bench/compare.py drives it).

One process = one column: an implementation (`ours` = tvm_ffi_hpy, or
`tvm_ffi` = apache-tvm-ffi's PyPI wheel) on the interpreter running it.

    python bench/compare_ops.py --impl ours|tvm_ffi            # serve timing requests
    python bench/compare_ops.py --impl ours|tvm_ffi --memory N # memory of N objects

Serving: requests are read from stdin, one per line, and each answered with
one JSON line on the original stdout (anything the libraries print goes to
stderr):

    hello            -> {"interpreter", "impl", "version", "ops": [available op names]}
    warm             -> {"n": {op: iterations}}  warm every op up (JIT) and size
                        its loop so that one timing takes about --target-ms
    time OP          -> {"ns": ns per operation}  one timing of OP's loop
    quit

Every operation is one Python statement (OPERATIONS below), the same text for
both implementations, evaluated against the names each implementation binds
(`namespace_ours`, `namespace_tvm_ffi`). An operation whose names are not all
bound has no equivalent in that implementation and is not offered ("n/a").
The statement is repeated UNROLL times inside the timed loop, so the loop's
own cost is spread over UNROLL operations; every loop is its own function
(the PyPy JIT traces each separately).
"""
import argparse
import gc
import json
import os
import platform
import sys
import time
from typing import Any

_HERE = os.path.dirname(os.path.abspath(__file__))
_REPO = os.path.dirname(_HERE)
IS_PYPY = platform.python_implementation() == "PyPy"
UNROLL = 10

# (name shown in the table, statement). Order = table order.
OPERATIONS = [
    ("floor: bare HPy function hpy_nop()", "hpy_nop()"),
    ("floor: __slots__ attribute read slots.a", "slots.a"),
    ("nop()", "nop()"),
    ("echo(1)", "echo(1)"),
    ("add_one(1)", "add_one(1)"),
    ("echo(None)", "echo(None)"),
    ('echo("hello")', 'echo("hello")'),
    ("echo(arr) (Array)", "echo(arr)"),
    ("echo(obj) (C++ object)", "echo(pair)"),
    ("echo(p) (plain Python object)", "echo(plain)"),
    ("int field read pair.a", "pair.a"),
    ("int field write base.v_i64 = 1", "base.v_i64 = 1"),
    ("object field read holder.value", "holder.value"),
    ("py_class object field read node.x", "node.x"),
    ("chained holder.value.v_i64", "holder.value.v_i64"),
    ("Function from a lambda: convert(f)", "convert(lam)"),
    ("call it: fn(1)", "fn(1)"),
    ("apply(fn, 1)", "apply(fn, 1)"),
    ("apply(fn, obj)", "apply(fn, pair)"),
    ('get_global_func("testing.echo")', 'get_global_func("testing.echo")'),
    ("convert([1, 2, 3])", "convert([1, 2, 3])"),
    ("TestIntPair(1, 2)", "TestIntPair(1, 2)"),
    ("py_class object creation Node(base)", "Node(base)"),
    # Structural algorithms and serialization over `tree`, a Map of 27 values
    # (issue 14: none slower than apache tvm-ffi's).
    ("RecursiveEq(tree, tree2)", "recursive_eq(tree, tree2)"),
    ("RecursiveHash(tree)", "recursive_hash(tree)"),
    ("structural_equal(tree, tree2)", "structural_equal(tree, tree2)"),
    ("structural_hash(tree)", "structural_hash(tree)"),
    ("DeepCopy(tree)", "deep_copy(tree)"),
    ("to_json_graph_str(tree)", "to_json(tree)"),
    ("from_json_graph_str(text)", "from_json(tree_text)"),
]

# TestIntPair in both cores: a 24-byte object header (TVMFFIObject) + two int64.
OBJECT_HEADER_BYTES = 24
TEST_INT_PAIR_PAYLOAD_BYTES = 16


# ---------------------------------------------------------------------------
# The names each implementation binds
# ---------------------------------------------------------------------------
def common_namespace(ffi: Any, testing: Any, py_class: Any, holder_cls: Any) -> dict:
    """Names bound the same way through either package's (shared) API."""

    @py_class("bench_compare.Node")
    class Node(ffi.Object):
        x: Any

    class Plain:
        pass

    class Slots:  # the interpreter's own cheapest attribute read: a floor
        __slots__ = ("a",)

        def __init__(self) -> None:
            self.a = 3

    echo = ffi.get_global_func("testing.echo")
    base = testing.create_object("testing.TestObjectBase")
    pair = testing.TestIntPair(3, 4)
    ns = {
        "nop": ffi.get_global_func("testing.nop"),
        "echo": echo,
        "add_one": ffi.get_global_func("testing.add_one"),
        "apply": ffi.get_global_func("testing.apply"),
        "get_global_func": ffi.get_global_func,
        "convert": ffi.convert,
        "TestIntPair": testing.TestIntPair,
        "Node": Node,
        "arr": ffi.convert([1, 2, 3]),
        "pair": pair,
        "plain": Plain(),
        "slots": Slots(),
        "base": base,
        "holder": holder_cls(base),
        "node": Node(base),
        "lam": lambda x: x,
        "fn": ffi.convert(lambda x: x),
    }
    from_py = {"a": [1, 2, {"b": [3.5, "x"]}], "c": list(range(20)), "d": "text"}
    ns["tree"] = ffi.convert(from_py)
    ns["tree2"] = ffi.convert(from_py)
    ns["recursive_eq"] = ffi.get_global_func("ffi.RecursiveEq")
    ns["recursive_hash"] = ffi.get_global_func("ffi.RecursiveHash")
    ns["deep_copy"] = ffi.get_global_func("ffi.DeepCopy")
    ns["structural_equal"] = ffi.structural_equal
    ns["structural_hash"] = ffi.structural_hash
    ns["to_json"] = ffi.serialization.to_json_graph_str
    ns["from_json"] = ffi.serialization.from_json_graph_str
    ns["tree_text"] = ns["to_json"](ns["tree"])
    # The values the timed statements produce.
    assert ns["recursive_eq"](ns["tree"], ns["tree2"]) and ns["structural_equal"](ns["tree"],
                                                                                  ns["tree2"])
    assert ns["recursive_hash"](ns["tree"]) == ns["recursive_hash"](ns["tree2"])
    assert ns["recursive_eq"](ns["from_json"](ns["tree_text"]), ns["tree"])
    assert ns["recursive_eq"](ns["deep_copy"](ns["tree"]), ns["tree"])
    assert ns["add_one"](1) == 2 and echo("hello") == "hello" and echo(None) is None
    assert ns["plain"] is echo(ns["plain"])
    assert echo(pair).same_as(pair) and ns["holder"].value.same_as(base)
    assert ns["node"].x.same_as(base) and ns["holder"].value.v_i64 == base.v_i64
    assert ns["apply"](ns["fn"], pair).same_as(pair) and ns["fn"](1) == 1
    assert pair.a == 3 and len(ns["convert"]([1, 2, 3])) == 3
    return ns


def namespace_ours() -> dict:
    if _REPO not in sys.path:
        sys.path.insert(0, _REPO)
    import tvm_ffi_hpy as ffi
    from tvm_ffi_hpy import testing
    from tvm_ffi_hpy.core import _ffi
    from tvm_ffi_hpy.dataclasses import py_class

    ns = common_namespace(ffi, testing, py_class, testing.TestHolder)
    ns["hpy_nop"] = _ffi.hpy_nop
    # Identity (object tying) is on: the timed paths return the same wrapper.
    assert ns["echo"](ns["pair"]) is ns["pair"] and ns["holder"].value is ns["base"]
    assert ns["node"].x is ns["base"]
    return ns


def namespace_tvm_ffi() -> dict:
    import tvm_ffi as ffi
    from tvm_ffi import testing
    from tvm_ffi.dataclasses import py_class

    return common_namespace(ffi, testing, py_class, testing.TestObjectPtrHolder)


NAMESPACES = {"ours": namespace_ours, "tvm_ffi": namespace_tvm_ffi}


def describe(impl: str) -> dict:
    if IS_PYPY:
        interp = "PyPy %d.%d.%d (Python %s)" % (sys.pypy_version_info[:3]
                                               + (platform.python_version(),))
    else:
        interp = "CPython %s" % platform.python_version()
    if impl == "ours":
        import tvm_ffi_hpy
        version = "tvm_ffi_hpy %s" % tvm_ffi_hpy.__version__
    else:
        import tvm_ffi
        version = "apache-tvm-ffi %s" % tvm_ffi.__version__
    return {"interpreter": interp, "impl": impl, "version": version}


# ---------------------------------------------------------------------------
# Timed loops
# ---------------------------------------------------------------------------
def make_loop(name: str, stmt: str, ns: dict) -> Any:
    """loop(n): run `stmt` UNROLL * n times; return the elapsed ns. The names
    the statement uses are bound as locals before the clock starts."""
    used = [v for v in compile(stmt, "<stmt>", "exec").co_names if v in ns]
    lines = ["def loop(n):"]
    lines += ["    %s = NS[%r]" % (v, v) for v in used]
    lines += ["    t0 = perf_ns()", "    for _ in range(n):"]
    lines += ["        " + stmt] * UNROLL
    lines += ["    return perf_ns() - t0"]
    scope = {"NS": ns, "perf_ns": time.perf_counter_ns}
    exec(compile("\n".join(lines), "<loop %s>" % name, "exec"), scope)
    return scope["loop"]


def available(ns: dict) -> list:
    """The operations whose names are all bound in ns."""
    out = []
    for name, stmt in OPERATIONS:
        code = compile(stmt, "<stmt>", "exec")
        # co_names holds attribute names too: a statement is available when
        # its first name (the callee or the object) is bound.
        if code.co_names and code.co_names[0] in ns:
            out.append(name)
    return out


def warm_and_size(loops: dict, target_ns: float) -> dict:
    """Run every loop enough to warm it up (PyPy: traced and compiled), then
    pick its iteration count so that one timing takes about target_ns."""
    sizes = {}
    for name, loop in loops.items():
        for _ in range(10):
            loop(2000)
        n = 1000
        while True:
            t = loop(n)
            if t >= target_ns / 4 or n >= 1 << 24:
                break
            n *= 4
        n = max(100, int(n * target_ns / max(t, 1)))
        for _ in range(3):
            loop(n)
        sizes[name] = n
    return sizes


def serve(impl: str, target_ms: float) -> None:
    out = sys.stdout
    sys.stdout = sys.stderr  # keep the reply channel clean
    ns = NAMESPACES[impl]()
    ops = available(ns)
    stmts = dict(OPERATIONS)
    loops = {name: make_loop(name, stmts[name], ns) for name in ops}
    sizes: dict = {}

    def reply(obj: Any) -> None:
        out.write(json.dumps(obj) + "\n")
        out.flush()

    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "hello":
            reply(dict(describe(impl), ops=ops))
        elif cmd == "warm":
            sizes = warm_and_size(loops, target_ms * 1e6)
            reply({"n": sizes})
        elif cmd == "time":
            n = sizes[arg]
            reply({"ns": loops[arg](n) / (n * UNROLL)})
        elif cmd == "quit":
            break
        else:
            reply({"error": "unknown request %r" % line})


# ---------------------------------------------------------------------------
# Memory: N wrapped TestIntPair objects held in a list
# ---------------------------------------------------------------------------
_PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def memory(impl: str, count: int) -> dict:
    ns = NAMESPACES[impl]()
    make = ns["TestIntPair"]
    res = describe(impl)
    if impl == "ours":
        from tvm_ffi_hpy.core import _ffi
        alloc_header = _ffi.binding_info()[0]  # allocator + binding bytes before the object
    else:
        alloc_header = 0  # apache tvm-ffi's SimpleObjAllocator allocates sizeof(T) exactly
    res["alloc_header_bytes"] = alloc_header
    res["core_object_bytes"] = alloc_header + OBJECT_HEADER_BYTES + TEST_INT_PAIR_PAYLOAD_BYTES
    res["wrapper_bytes"] = None if IS_PYPY else sys.getsizeof(make(1, 2))
    held = [None] * count  # the list's own slots are allocated before the baseline
    gc.collect()
    gc.collect()
    rss0 = rss_bytes()
    for i in range(count):
        held[i] = make(1, 2)
    gc.collect()
    gc.collect()
    res["count"] = count
    res["rss_bytes_per_object"] = (rss_bytes() - rss0) / count
    assert held[-1].a == 1
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--impl", choices=sorted(NAMESPACES), required=True)
    ap.add_argument("--memory", type=int, help="measure the memory of this many objects")
    ap.add_argument("--target-ms", type=float, default=3.0,
                    help="duration of one timing of one operation")
    args = ap.parse_args()
    if args.memory:
        print(json.dumps(memory(args.impl, args.memory)))
    else:
        serve(args.impl, args.target_ms)


if __name__ == "__main__":
    main()
