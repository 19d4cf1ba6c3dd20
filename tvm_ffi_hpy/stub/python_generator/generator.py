"""`PythonGenerator`: the Python target of the pipeline (``--target python``)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Mapping, Set, Tuple

from .. import consts as C
from ..file_utils import CodeBlock
from ..utils import FuncInfo, InitConfig, ObjectInfo, Options
from . import codegen as G
from . import consts as PC
from .utils import ImportItem, PythonImports


class PythonGenerator:
    """Writes Python stubs into ``.py``/``.pyi`` files; reads the
    ``import-object`` directive (``full.name;type_checking_only;alias``)."""

    name = "python"
    syntax = C.PYTHON_SYNTAX
    source_exts = frozenset({".py", ".pyi"})
    directive_kinds = frozenset({"import-object"})

    def default_ty_map(self) -> Dict[str, str]:
        return dict(PC.TY_MAP_DEFAULTS)

    def new_imports(self) -> PythonImports:
        return PythonImports()

    def add_directive(self, imports: PythonImports, name: str, payload: str,
                      lineno: int) -> None:
        if name != "import-object":
            raise ValueError("Unknown directive `%s` at line %d" % (name, lineno))
        parts = [p.strip() for p in payload.split(";")] + ["", ""]
        full_name, checking_only, alias = parts[0], parts[1], parts[2]
        imports.items.append(ImportItem(full_name, type_checking_only=checking_only.lower() == "true",
                                        alias=alias or None))
        if alias == "_FFI_LOAD_LIB" or full_name.endswith("libinfo.load_lib_module"):
            imports.has_lib_load = True

    def canonical_type_name(self, type_key: str) -> str:
        return ImportItem(type_key).full_name

    def extra_export_names(self, imports: PythonImports) -> Set[str]:
        return {"LIB"} if imports.has_lib_load else set()

    def is_builtin(self, type_key: str) -> bool:
        return type_key in C.BUILTIN_TYPE_KEYS

    def check_view(self, code_blocks: List[CodeBlock]) -> Tuple[str, ...]:
        return tuple(line for code in code_blocks for line in code.lines)

    def generate_global_funcs_block(self, code: CodeBlock, global_funcs: List[FuncInfo],
                                    ty_map: Dict[str, str], imports: PythonImports,
                                    opt: Options) -> None:
        G.generate_python_global_funcs(code, global_funcs, ty_map, imports.items, opt)

    def generate_object_block(self, code: CodeBlock, ty_map: Dict[str, str],
                              imports: PythonImports, opt: Options, obj_info: ObjectInfo,
                              declared: Mapping[str, Path]) -> None:
        G.generate_python_object(code, ty_map, imports.items, opt, obj_info)

    def generate_import_section_block(self, code: CodeBlock, imports: PythonImports,
                                      opt: Options, defined_types: Set[str]) -> None:
        # A type defined in this very file is not imported.
        kept = [item for item in imports.items if item.full_name not in defined_types]
        G.generate_python_import_section(code, kept, opt)

    def generate_all_block(self, code: CodeBlock, names: Set[str], opt: Options) -> None:
        G.generate_python_all(code, names, opt)

    def generate_export_block(self, code: CodeBlock) -> None:
        G.generate_python_export(code)

    def generate_helpers_block(self, code: CodeBlock, opt: Options) -> None:
        """Python files have no helpers block."""

    def api_filename(self) -> str:
        return "_ffi_api.py"

    def init_filename(self) -> str:
        return "__init__.py"

    def generate_api_file(self, code_blocks: List[CodeBlock], ty_map: Dict[str, str],
                          module_name: str, object_infos: List[ObjectInfo],
                          init_cfg: InitConfig, is_root: bool) -> str:
        return G.generate_python_ffi_api(code_blocks, ty_map, module_name, object_infos,
                                         init_cfg, is_root, self.syntax)

    def generate_init_file(self, code_blocks: List[CodeBlock], module_name: str,
                           submodule: str) -> str:
        return G.generate_python_init(code_blocks, module_name, submodule, self.syntax)

    def finalize_init(self, init_path: Path, generated_prefixes: Set[str]) -> None:
        """Python packages need no wiring after --init."""
