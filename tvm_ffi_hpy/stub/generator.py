"""The targets of the stub generator.  The pipeline (cli) reads the registry
and the files; a generator turns the model into text of one language.  Every
generator offers the members of `Generator`; `get_generator` finds one by
name (``--target``)."""

from __future__ import annotations

from typing import Any, Dict, List

from .python_generator import PythonGenerator
from .rust_generator import RustGenerator

try:
    from typing import Protocol
except ImportError:  # pragma: no cover
    Protocol = object  # type: ignore


class Generator(Protocol):
    """What the pipeline asks of a target (see PythonGenerator for one).

    ``name``, ``syntax`` (its MarkerSyntax), ``source_exts`` (the suffixes a
    directory walk visits), ``directive_kinds`` (one-line directives it reads);
    an opaque import collector (``new_imports``, ``add_directive``,
    ``extra_export_names``); the block writers ``generate_*_block`` (they
    replace ``code.lines``); ``--init`` scaffolding (``api_filename``,
    ``init_filename``, ``generate_api_file``, ``generate_init_file``,
    ``finalize_init``); ``default_ty_map``, ``canonical_type_name``,
    ``is_builtin`` and ``check_view`` (what ``--check`` compares)."""

    name: str


_GENERATORS: Dict[str, Any] = {g.name: g for g in (PythonGenerator(), RustGenerator())}


def generator_names() -> List[str]:
    """The names of the targets, sorted."""
    return sorted(_GENERATORS)


def get_generator(target: str) -> Any:
    """The generator named `target`."""
    found = _GENERATORS.get(target)
    if found is None:
        raise ValueError("Unknown stubgen generator: %r. Known generators: %s"
                         % (target, ", ".join(generator_names())))
    return found
