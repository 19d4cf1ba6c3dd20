"""Constants of the stub generator: the marker syntax of each target language
and the tables the pipeline shares."""

from __future__ import annotations

import dataclasses
from typing import Dict, FrozenSet, Optional

_TOOL = "tvm-ffi-stubgen"


@dataclasses.dataclass(frozen=True)
class MarkerSyntax:
    """The markers of one comment syntax.  Every marker is a line comment
    ``<comment> tvm-ffi-stubgen(<what>)``; only the comment token differs
    between languages (``#`` for Python, ``//`` for Rust)."""

    comment: str

    @property
    def prefix(self) -> str:
        """What every marker line starts with."""
        return "%s %s(" % (self.comment, _TOOL)

    def directive(self, name: str) -> str:
        """The start of a one-line directive ``name`` (its payload follows)."""
        return "%s%s):" % (self.prefix, name)

    @property
    def begin(self) -> str:
        """Opens a generated block; the block's kind follows."""
        return self.directive("begin")

    @property
    def end(self) -> str:
        """Closes a generated block."""
        return self.prefix + "end)"

    @property
    def ty_map(self) -> str:
        """``ty-map: A.B -> C.D`` renames a type in annotations."""
        return self.directive("ty-map")

    @property
    def import_object(self) -> str:
        """``import-object: full.name;type_checking_only;alias`` adds an import."""
        return self.directive("import-object")

    @property
    def skip_file(self) -> str:
        """A file holding this line is never touched."""
        return self.prefix + "skip-file)"


PYTHON_SYNTAX = MarkerSyntax("#")
RUST_SYNTAX = MarkerSyntax("//")

#: The marker syntax of a file, by its (lower-case) suffix.
SYNTAX_BY_EXT: Dict[str, MarkerSyntax] = {
    ".py": PYTHON_SYNTAX,
    ".pyi": PYTHON_SYNTAX,
    ".rs": RUST_SYNTAX,
}

#: Directives the pipeline itself reads; a generator declares any others.
PIPELINE_DIRECTIVE_KINDS: FrozenSet[str] = frozenset({"ty-map", "prefix", "skip"})

#: The kinds of ``CodeBlock`` (None: plain lines outside any block).
BLOCK_KINDS = frozenset({"global", "object", "import-section", "directive", "export",
                         "__all__", None})
STUB_BLOCK_KINDS = Optional[str]

TERM_RESET = "\033[0m"
TERM_BOLD = "\033[1m"
TERM_RED = "\033[31m"
TERM_GREEN = "\033[32m"
TERM_YELLOW = "\033[33m"
TERM_BLUE = "\033[34m"
TERM_CYAN = "\033[36m"

DOC_PATH = "docs/stubgen.md"

#: Renames applied to reflected method names (none today).
FN_NAME_MAP: Dict[str, str] = {}

#: Object types the runtime package binds itself: no generated class for them.
BUILTIN_TYPE_KEYS = frozenset({
    "ffi.Object", "ffi.String", "ffi.Bytes", "ffi.SmallStr", "ffi.SmallBytes",
    "ffi.Error", "ffi.Function", "ffi.Tensor", "ffi.BigInt", "ffi.OpaquePyObject",
})
