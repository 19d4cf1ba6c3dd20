"""Build test artifacts once per content, shared by both interpreters' runs.

An artifact lives in <repo>/build/<kind>/<hash of its inputs>/.  It is built
in a private temporary directory and renamed into place, so concurrent runs
never see a half-built directory (the loser of a race throws its copy away).
"""
import hashlib
import os
import shutil
import subprocess

import pytest


def content_hash(paths, extra=""):
    """16 hex digits over the paths and contents of `paths`, plus `extra`."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.encode() + b"\0")
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    h.update(extra.encode())
    return h.hexdigest()[:16]


def run_or_fail(cmd, what):
    """Run `cmd`; fail the test with its output when it fails."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    if proc.returncode != 0:
        pytest.fail("%s failed: %s\n%s" % (what, " ".join(cmd), proc.stdout))


def build_once(out_dir, build):
    """`out_dir`, built by build(tmp_dir) the first time it is asked for."""
    if os.path.isdir(out_dir):
        return out_dir
    tmp_dir = "%s.tmp-%d" % (out_dir, os.getpid())
    shutil.rmtree(tmp_dir, ignore_errors=True)
    os.makedirs(tmp_dir)
    try:
        build(tmp_dir)
    except BaseException:
        shutil.rmtree(tmp_dir, ignore_errors=True)
        raise
    os.makedirs(os.path.dirname(out_dir), exist_ok=True)
    try:
        os.rename(tmp_dir, out_dir)
    except OSError:  # a concurrent run won the race: use its copy
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return out_dir
