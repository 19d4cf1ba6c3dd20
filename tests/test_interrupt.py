"""Ctrl-C (SIGINT) during a long C++ call, in a subprocess on the running
interpreter.  HPy 0.9 has no signal check, so C++ cannot notice a pending
signal; what happens is documented in docs/design.md ("Ctrl-C"):

- a C++ call that does not call back into Python runs to completion, GIL
  released or not; KeyboardInterrupt is raised at the call site as soon as
  it returns (the result is lost), and the process goes on normally;
- a C++ call that calls back into Python gets the KeyboardInterrupt inside
  the next callback; it travels through C++ like any Python exception, so the
  C++ loop stops there and the caller sees it (CPython; PyPy may only get to
  it once the C++ call has returned, see below).
"""
import os
import platform
import signal
import subprocess
import sys

import pytest


IS_PYPY = platform.python_implementation() == "PyPy"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

PURE_CPP = r"""
import sys, tvm_ffi_hpy, tvm_ffi_hpy.testing
sleep_ms = tvm_ffi_hpy.get_global_func("testing.sleep_ms")
sleep_ms.release_gil = %(release)s
try:
    sleep_ms(1500, 1)  # writes "started" to stdout once it runs in C++
    print("no interrupt")
except KeyboardInterrupt:
    # The C++ call ran to its end before Python saw the signal.
    print("interrupted after", sleep_ms(0, -1) - 1, "finished call(s)")
print("still works:", tvm_ffi_hpy.get_global_func("testing.add_one")(41))
sys.stdout.flush()
"""

WITH_CALLBACKS = r"""
import sys, tvm_ffi_hpy, tvm_ffi_hpy.testing
N = 3 * 10**6
call_n = tvm_ffi_hpy.get_global_func("testing.call_n")
call_n.release_gil = %(release)s
calls = []
def cb():
    if not calls:
        print("started"); sys.stdout.flush()
    calls.append(1)
try:
    call_n(cb, N)
    print("no interrupt")
except KeyboardInterrupt as exc:
    print("interrupted", "in a callback" if len(calls) < N else "after the call")
print("still works:", tvm_ffi_hpy.get_global_func("testing.add_one")(41))
sys.stdout.flush()
"""


def _interrupt(code):
    env = dict(os.environ)
    # The package from this tree; nothing else from this process's sys.path
    # (other tests put stand-in modules there).
    env["PYTHONPATH"] = os.pathsep.join([REPO_ROOT] + [p for p in [env.get("PYTHONPATH")] if p])
    # Python keeps SIGINT ignored when it inherits it ignored (a job started
    # with `&` by a shell without job control): restore Ctrl-C's default
    # handler, as an interactive session has it.
    code = "import signal; signal.signal(signal.SIGINT, signal.default_int_handler)\n" + code
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, universal_newlines=True)
    try:
        first = proc.stdout.readline()
        assert first == "started\n", first + proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    return out.splitlines()


@pytest.mark.parametrize("release", [True, False], ids=["gil_released", "gil_held"])
def test_ctrl_c_during_pure_cpp_call(release):
    lines = _interrupt(PURE_CPP % {"release": release})
    assert lines == ["interrupted after 1 finished call(s)", "still works: 42"]


@pytest.mark.parametrize("release", [True, False], ids=["gil_released", "gil_held"])
def test_ctrl_c_during_cpp_loop_calling_python(release):
    lines = _interrupt(WITH_CALLBACKS % {"release": release})
    if IS_PYPY:
        # PyPy runs signal handlers every so many bytecodes; a loop of short
        # callbacks may not reach that point before the C++ call returns.
        # Either way the KeyboardInterrupt is never lost.
        assert lines[0] in ("interrupted in a callback", "interrupted after the call")
    else:
        assert lines[0] == "interrupted in a callback"
    assert lines[1:] == ["still works: 42"]
