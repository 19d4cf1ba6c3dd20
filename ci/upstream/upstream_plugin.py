"""pytest plugin for ci/upstream.sh: records each test's outcome as it ends.

One JSON line per test goes to $UPSTREAM_RECORD (appended and flushed at
once), plus a "start" line when a test begins, so the outcomes before a crash
survive it and the test that was running when the process died is known.

It also lifts one skip: apache tvm-ffi's test_pyobject_tying.py skips its whole
module because tying is dormant upstream; here tying is the point, so that
module-level skip is removed (and only that one: the reason must match).
"""

import json
import os

import pytest

_TYING_FILE = "test_pyobject_tying.py"
_DORMANT = "PyObject tying is compiled but dormant"

_out = None
_seen = {}  # nodeid -> worst outcome so far


def _write(record):
    global _out
    if _out is None:
        _out = open(os.environ["UPSTREAM_RECORD"], "a", encoding="utf-8")
    _out.write(json.dumps(record) + "\n")
    _out.flush()


def pytest_collection_modifyitems(session, config, items):
    for item in items:
        module = item.getparent(pytest.Module)
        if module is None or module.path.name != _TYING_FILE:
            continue
        module.own_markers[:] = [
            m for m in module.own_markers
            if not (m.name == "skip" and _DORMANT in str(m.kwargs.get("reason", "")))
        ]


def pytest_collectreport(report):
    if report.failed:
        _write({"event": "collect_error", "nodeid": report.nodeid,
                "message": str(report.longrepr)[-2000:]})


def pytest_runtest_logstart(nodeid, location):
    _write({"event": "start", "nodeid": nodeid})


def pytest_runtest_logfinish(nodeid, location):
    _write({"event": "finish", "nodeid": nodeid})


def pytest_runtest_logreport(report):
    # Outcome of one test: skipped if setup skipped it; error if setup or
    # teardown failed; otherwise the call phase decides (xfail counts as
    # skipped, xpass as passed, as pytest reports them).
    if report.when == "call":
        outcome = report.outcome
        if hasattr(report, "wasxfail"):
            outcome = "skipped" if report.skipped else "passed"
    elif report.failed:
        outcome = "error"
    elif report.skipped:
        outcome = "skipped"
    else:
        return
    record = {"event": "result", "nodeid": report.nodeid, "when": report.when,
              "outcome": outcome}
    if report.failed or report.skipped:
        text = report.longreprtext if report.failed else str(report.longrepr)
        record["message"] = _summary(text)
    _write(record)


def _summary(text):
    """The last 'E   ' line of a failure (the exception), else its tail."""
    lines = [ln[4:].strip() for ln in text.splitlines() if ln.startswith("E   ")]
    if lines:
        return " ".join(lines[-3:])[:400]
    return text.strip().splitlines()[-1][:400] if text.strip() else ""
