"""`RustGenerator`: a placeholder for ``--target rust``.

Files with ``//`` markers parse (file_utils), and the target is listed among
the generators, but every act of generation raises NotImplementedError: the
Rust bindings of apache tvm-ffi are not part of tvm_ffi_hpy."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Set, Tuple

from .. import consts as C


class RustGenerator:
    name = "rust"
    syntax = C.RUST_SYNTAX
    source_exts = frozenset({".rs"})
    directive_kinds: "frozenset[str]" = frozenset()

    def _missing(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("the rust target of tvm_ffi_hpy.stub generates nothing yet")

    def default_ty_map(self) -> Dict[str, str]:
        return {}

    def new_imports(self) -> List[str]:
        return []

    def canonical_type_name(self, type_key: str) -> str:
        return type_key

    def extra_export_names(self, imports: Any) -> Set[str]:
        return set()

    def is_builtin(self, type_key: str) -> bool:
        return type_key in C.BUILTIN_TYPE_KEYS

    def check_view(self, code_blocks: List[Any]) -> Tuple[str, ...]:
        return tuple(line for code in code_blocks for line in code.lines)

    def api_filename(self) -> str:
        return "mod.rs"

    def init_filename(self) -> str:
        return "lib.rs"

    def finalize_init(self, init_path: Path, generated_prefixes: Set[str]) -> None:
        pass

    add_directive = _missing
    generate_global_funcs_block = _missing
    generate_object_block = _missing
    generate_import_section_block = _missing
    generate_all_block = _missing
    generate_export_block = _missing
    generate_helpers_block = _missing
    generate_api_file = _missing
    generate_init_file = _missing
