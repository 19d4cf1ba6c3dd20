"""apache tvm-ffi's ``tvm_ffi.error`` module: error classes by kind
(`register_error`) and the parsing of core backtraces.

A core backtrace is text with one frame per line, outermost first, in
Python's traceback format: ``File "<file>", line <n>, in <function>``.
"""
import re

from .errors import register_error

__all__ = ["register_error"]

# One frame: its file, its line number and, when given, its function.
_FRAME_LINE = re.compile(r'^\s*File "([^"\n]*)", line (\d+)(?:, in ([^\n]*?))?\s*$')


def _parse_backtrace(backtrace: str) -> "list[tuple[str, int, str]]":
    """The frames of a core backtrace, outermost first, as (file, line,
    function) tuples; lines that are not frames are skipped."""
    frames = []
    for line in backtrace.splitlines():
        m = _FRAME_LINE.match(line)
        if m is not None:
            frames.append((m.group(1), int(m.group(2)), m.group(3) or ""))
    return frames
