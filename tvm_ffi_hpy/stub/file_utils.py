"""Files as sequences of blocks: plain lines, generated blocks between a
``begin`` and an ``end`` marker, and one-line directives.  A run rewrites the
generated blocks and writes the file back when its text changed."""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from pathlib import Path
from typing import Collection, Iterator, List, Optional, Tuple, Union

from . import consts as C

_BEGIN_KINDS = (("global/", "global"), ("object/", "object"), ("export/", "export"))


def syntax_for(path: Path) -> C.MarkerSyntax:
    """The marker syntax of `path`, by its suffix (Python's when unknown)."""
    return C.SYNTAX_BY_EXT.get(Path(path).suffix.lower(), C.PYTHON_SYNTAX)


@dataclasses.dataclass
class CodeBlock:
    """A run of lines of a file.

    ``kind`` is None for a plain line; ``"directive"`` for a one-line
    directive, whose ``param`` is ``(name, payload)``; otherwise the kind of a
    generated block: ``global`` (param ``(prefix, import_from)``), ``object``
    (param: the type key), ``export`` (param: the submodule),
    ``import-section`` and ``__all__`` (param ``""``)."""

    kind: Optional[str]
    param: Union[str, Tuple[str, ...]]
    lineno_start: int
    lineno_end: Optional[int]
    lines: List[str]

    def __post_init__(self) -> None:
        if self.kind not in C.BLOCK_KINDS:
            raise ValueError("unknown block kind %r" % (self.kind,))

    @property
    def indent(self) -> int:
        """The indentation of the block's first line."""
        if not self.lines:
            return 0
        head = self.lines[0]
        return len(head) - len(head.lstrip(" "))

    @staticmethod
    def from_begin_line(lineno: int, line: str, syntax: C.MarkerSyntax) -> "CodeBlock":
        """The block a marker line opens: a ``begin`` marker opens a generated
        block (no lines yet, no end); any other marker is a one-line directive."""
        if line.startswith(syntax.begin):
            what = line[len(syntax.begin):].strip()
            for head, kind in _BEGIN_KINDS:
                if what.startswith(head):
                    param: Union[str, Tuple[str, ...]] = what[len(head):].strip()
                    if kind == "global":
                        prefix, _, import_from = param.partition("@")  # type: ignore
                        param = (prefix, import_from)
                    return CodeBlock(kind, param, lineno, None, [])
            if what in ("import-section", "__all__"):
                return CodeBlock(what, "", lineno, None, [])
            raise ValueError("Unknown stub type `%s` at line %d" % (what, lineno))
        rest = line[len(syntax.prefix):] if line.startswith(syntax.prefix) else ""
        name, sep, payload = rest.partition("):")
        if not sep or not name or not name.replace("-", "_").isidentifier():
            raise ValueError("Unknown stub type at line %d: %s" % (lineno, line))
        return CodeBlock("directive", (name, payload.strip()), lineno, lineno, [])


@dataclasses.dataclass
class FileInfo:
    """A file read into blocks; ``lines`` is its text when read (or last written)."""

    path: Path
    lines: Tuple[str, ...]
    code_blocks: List[CodeBlock]
    syntax: C.MarkerSyntax

    def update(self, verbose: bool, dry_run: bool) -> bool:
        """Join the blocks; when the text changed, show the diff (verbose) and
        write it (unless dry_run).  Returns whether it changed."""
        joined = tuple(line for block in self.code_blocks for line in block.lines)
        if joined == self.lines:
            if verbose:
                print("%s  unchanged%s" % (C.TERM_CYAN, C.TERM_RESET))
            return False
        if verbose:
            colour = {"-": C.TERM_RED, "+": C.TERM_GREEN, "?": C.TERM_YELLOW}
            for diff_line in difflib.unified_diff(self.lines, joined, lineterm=""):
                if diff_line.startswith(("---", "+++")):
                    continue
                tint = colour.get(diff_line[:1])
                print(diff_line if tint is None else tint + diff_line + C.TERM_RESET)
        self.lines = joined
        if not dry_run:
            self.path.write_text("\n".join(joined) + "\n", encoding="utf-8")
        return True

    @staticmethod
    def from_file(file: Path, include_empty: bool = False,
                  syntax: Optional[C.MarkerSyntax] = None) -> "Optional[FileInfo]":
        """Read `file` into blocks.  None when it holds the skip-file marker,
        or no marker at all (unless include_empty)."""
        file = Path(file)
        if not file.is_file():
            raise FileNotFoundError("not a file: %s" % file)
        file = file.resolve()
        syntax = syntax or syntax_for(file)
        lines = file.read_text(encoding="utf-8").splitlines()
        stripped = [line.strip() for line in lines]
        if any(s.startswith(syntax.skip_file) for s in stripped):
            return None
        if not include_empty and not any(s.startswith(syntax.prefix) for s in stripped):
            return None
        blocks: List[CodeBlock] = []
        open_block: Optional[CodeBlock] = None
        for lineno, (line, s) in enumerate(zip(lines, stripped), start=1):
            if s.startswith(syntax.begin):
                if open_block is not None:
                    raise ValueError("Nested stub not permitted at line %d" % lineno)
                open_block = CodeBlock.from_begin_line(lineno, s, syntax)
                open_block.lines.append(line)
            elif s.startswith(syntax.end):
                if open_block is None:
                    raise ValueError("Unmatched `%s` found at line %d" % (syntax.end, lineno))
                open_block.lineno_end = lineno
                open_block.lines.append(line)
                blocks.append(open_block)
                open_block = None
            elif s.startswith(syntax.prefix):
                if open_block is not None:
                    raise ValueError("Nested stub not permitted at line %d" % lineno)
                directive = CodeBlock.from_begin_line(lineno, s, syntax)
                directive.lines.append(line)
                blocks.append(directive)
            elif open_block is not None:
                open_block.lines.append(line)
            else:
                blocks.append(CodeBlock(None, "", lineno, lineno, [line]))
        if open_block is not None:
            raise ValueError("Unclosed stub block at end of file (opened at line %d)"
                             % open_block.lineno_start)
        return FileInfo(file, tuple(lines), blocks, syntax)

    def reload(self) -> None:
        """Read the blocks again from disk (``lines`` keeps the text read first)."""
        again = FileInfo.from_file(self.path, include_empty=True, syntax=self.syntax)
        if again is None:
            raise ValueError("%s no longer holds stub markers" % self.path)
        self.code_blocks = again.code_blocks


def _report(exc: BaseException) -> None:
    print("%s[Error] %s: %s%s" % (C.TERM_RED, type(exc).__name__, exc, C.TERM_RESET),
          file=sys.stdout, flush=True)


def _walk(paths: "List[Path]", exts: "set[str]") -> Iterator[Path]:
    for path in paths:
        path = Path(path)
        if path.is_file():
            yield path  # named explicitly: visited whatever its suffix
            continue
        if not path.exists():
            continue
        for root, _dirs, names in os.walk(path, onerror=_report, followlinks=False):
            for name in names:
                candidate = Path(root) / name
                if candidate.suffix.lower() in exts:
                    yield candidate


def collect_files(paths: "List[Path]", source_exts: Collection[str]) -> "List[FileInfo]":
    """The files under `paths` that hold markers, sorted by path.  Directories
    are walked for files whose suffix is in `source_exts` (any case); a file
    named in `paths` is read whatever its suffix.  A file that fails to parse
    is reported and left out."""
    exts = {ext.lower() for ext in source_exts}
    found: List[FileInfo] = []
    for path in sorted(_walk(list(paths), exts), key=str):
        try:
            info = FileInfo.from_file(path)
        except Exception as exc:  # noqa: BLE001 - reported, the run goes on
            _report(exc)
            continue
        if info is not None:
            found.append(info)
    return found
