"""The Python target's blocks: what each generated block holds, and the text
``--init`` mode starts a new ``_ffi_api.py`` or ``__init__.py`` with."""

from __future__ import annotations

from typing import Callable, Dict, Iterable, List, Optional, Set

from .. import consts as C
from ..file_utils import CodeBlock
from ..utils import FuncInfo, InitConfig, ObjectInfo, Options
from . import consts as PC
from .utils import (ImportItem, render_func_signature, render_object_ffi_init,
                    render_object_fields, render_object_init, render_object_methods)


def _recording_ty_map(ty_map: Dict[str, str], imports: List[ImportItem],
                      taken: Optional[Set[str]] = None) -> Callable[[str], str]:
    """A ty_map callable for rendering: maps an origin through `ty_map`, notes
    the import a dotted result needs (type-checking only), and answers the
    name to write.  A short name in `taken` (a function of the block) is
    imported under ``_<name>`` so it does not shadow the function."""
    def lookup(origin: str) -> str:
        full = ty_map.get(origin, origin)
        short = full.rsplit(".", 1)[-1]
        if "." not in full:
            return short
        alias = "_" + short if taken and short in taken else None
        imports.append(ImportItem(full, type_checking_only=True, alias=alias))
        return alias or short
    return lookup


def _input_map(ty_map: Dict[str, str]) -> Dict[str, str]:
    """`ty_map` for parameters: an origin still mapped to its output default
    reads as its input default; one the user mapped keeps the user's name."""
    out = dict(ty_map)
    for origin, accepted in PC.TY_MAP_INPUT_DEFAULTS.items():
        default = PC.TY_MAP_DEFAULTS.get(origin)
        if ty_map.get(origin, default) == default:
            out[origin] = accepted
    return out


def _between_markers(code: CodeBlock, body: Iterable[str], indent_body: bool = True) -> None:
    pad = " " * code.indent if indent_body else ""
    code.lines = [code.lines[0], *(pad + line for line in body), code.lines[-1]]


def generate_python_global_funcs(code: CodeBlock, global_funcs: List[FuncInfo],
                                 ty_map: Dict[str, str], imports: List[ImportItem],
                                 opt: Options) -> None:
    """``global/<prefix>[@<module>]``: registers the prefix's functions into the
    module at import (``<module>.init_ffi_api``, the runtime package's by
    default) and declares their signatures for type checkers."""
    if len(code.lines) < 2:
        raise ValueError("a block has a begin and an end line")
    if not global_funcs:
        return
    prefix, import_from = code.param[0], code.param[1]
    import_from = import_from or PC.RUNTIME_PACKAGE
    imports.append(ImportItem(import_from + ".init_ffi_api", alias="_FFI_INIT_FUNC"))
    imports.append(ImportItem("typing.TYPE_CHECKING"))
    names = {f.schema.name.rsplit(".", 1)[-1] for f in global_funcs}
    out_map = _recording_ty_map(ty_map, imports, names)
    in_map = _recording_ty_map(_input_map(ty_map), imports, names)
    _between_markers(code, [
        "# fmt: off",
        '_FFI_INIT_FUNC("%s", __name__)' % prefix,
        "if TYPE_CHECKING:",
        *(render_func_signature(f, out_map, opt.indent, input_ty_map=in_map)
          for f in global_funcs),
        "# fmt: on",
    ])


def generate_python_object(code: CodeBlock, ty_map: Dict[str, str], imports: List[ImportItem],
                           opt: Options, obj_info: ObjectInfo) -> None:
    """``object/<type key>``: the class body: field annotations, then under
    ``if TYPE_CHECKING:`` the constructors and methods."""
    if len(code.lines) < 2:
        raise ValueError("a block has a begin and an end line")
    names = {m.schema.name.rsplit(".", 1)[-1] for m in obj_info.methods}
    out_map = _recording_ty_map(ty_map, imports, names)
    if obj_info.has_overloaded_methods():
        imports.append(ImportItem("typing.overload", type_checking_only=True))
    in_map = _recording_ty_map(_input_map(ty_map), imports, names)
    checked = [
        *render_object_init(obj_info, out_map, opt.indent, input_ty_map=in_map),
        *render_object_ffi_init(obj_info, out_map, opt.indent, input_ty_map=in_map),
        *render_object_methods(obj_info, out_map, opt.indent, input_ty_map=in_map),
    ]
    body = ["# fmt: off", *render_object_fields(obj_info, out_map, 0)]
    if checked:
        imports.append(ImportItem("typing.TYPE_CHECKING"))
        body += ["if TYPE_CHECKING:", *checked]
    body.append("# fmt: on")
    _between_markers(code, body)


def generate_python_import_section(code: CodeBlock, imports: List[ImportItem],
                                   opt: Options) -> None:
    """``import-section``: the imports collected, one ``from`` line per module
    (modules and names sorted); type-checking-only ones under
    ``if TYPE_CHECKING:``.  Left as is when nothing is imported."""
    at_runtime: Dict[str, Set[str]] = {}
    checking: Dict[str, Set[str]] = {}
    for item in imports:
        table = checking if item.type_checking_only else at_runtime
        table.setdefault(item.mod, set()).add(item.name_with_alias)
    if checking:
        at_runtime.setdefault("typing", set()).add("TYPE_CHECKING")

    def line(mod: str, names: Set[str], pad: str) -> str:
        listed = ", ".join(sorted(names))
        return "%sfrom %s import %s" % (pad, mod, listed) if mod else "%simport %s" % (pad, listed)

    body = [line(mod, at_runtime[mod], "") for mod in sorted(at_runtime)]
    if checking:
        body.append("if TYPE_CHECKING:")
        body += [line(mod, checking[mod], " " * opt.indent) for mod in sorted(checking)]
    if not body:
        return
    code.lines = [code.lines[0], "# fmt: off", "# isort: off",
                  "from __future__ import annotations", *body,
                  "# isort: on", "# fmt: on", code.lines[-1]]


def _isort_key(name: str) -> "tuple[int, str]":
    """Constants first, then classes (CamelCase), then the rest."""
    if name.isupper():
        return (0, name)
    if name[:1].isupper() and "_" not in name:
        return (1, name)
    return (2, name)


def generate_python_all(code: CodeBlock, names: Set[str], opt: Options) -> None:
    """``__all__``: the last component of each name, quoted, isort's order."""
    if len(code.lines) < 2:
        raise ValueError("a block has a begin and an end line")
    if not names:
        return
    short = {n.rsplit(".", 1)[-1] for n in names}
    _between_markers(code, ['"%s",' % n for n in sorted(short, key=_isort_key)])


def generate_python_export(code: CodeBlock) -> None:
    """``export/<submodule>``: re-export the submodule's names, extending
    ``__all__``."""
    if len(code.lines) < 2:
        raise ValueError("a block has a begin and an end line")
    mod = code.param
    code.lines = [
        code.lines[0],
        "# fmt: off",
        "# isort: off",
        "from .%s import *  # noqa: F403" % mod,
        "from .%s import __all__ as %s__all__" % (mod, mod),
        'if "__all__" not in globals():',
        "    __all__ = []",
        "__all__.extend(%s__all__)" % mod,
        "# isort: on",
        "# fmt: on",
        code.lines[-1],
    ]


def _empty_block(syntax: C.MarkerSyntax, what: str, pad: str = "") -> str:
    return "%s%s %s\n%s%s\n" % (pad, syntax.begin, what, pad, syntax.end)


def _import_object(syntax: C.MarkerSyntax, full_name: str, alias: str) -> str:
    return "%s %s;False;%s\n" % (syntax.import_object, full_name, alias)


def generate_python_ffi_api(code_blocks: List[CodeBlock], ty_map: Dict[str, str],
                            module_name: str, object_infos: List[ObjectInfo],
                            init_cfg: InitConfig, is_root: bool,
                            syntax: C.MarkerSyntax) -> str:
    """The text appended to a module's ``_ffi_api.py`` by ``--init``: whatever
    of these it lacks: an import section, the library load (root module
    only), the global-function block, a class per object type, ``__all__``."""
    kinds = {code.kind for code in code_blocks}
    text = "" if code_blocks else '"""FFI API bindings for %s."""\n' % module_name
    if "import-section" not in kinds:
        text += "\n" + _empty_block(syntax, "import-section")
    if is_root:
        text += _import_object(syntax, PC.RUNTIME_PACKAGE + ".libinfo.load_lib_module",
                               "_FFI_LOAD_LIB")
        text += 'LIB = _FFI_LOAD_LIB("%s", "%s")\n' % (init_cfg.pkg, init_cfg.shared_target)
    if "global" not in kinds:
        text += _empty_block(syntax, "global/" + module_name)
    if object_infos:
        text += _import_object(syntax, PC.RUNTIME_PACKAGE + ".register_object", "_FFI_REG_OBJ")
    local = {ty_map.get(i.type_key, i.type_key) for i in object_infos if i.type_key}
    for info in object_infos:
        if info.type_key is None:
            continue
        key = ty_map.get(info.type_key, info.type_key)
        parent = info.parent_type_key
        parent = ty_map.get(parent, parent) if parent else None
        base = parent.rsplit(".", 1)[-1] if parent else "Object"
        if parent and parent not in local:
            base = "_" + parent.replace(".", "_")
            text += _import_object(syntax, parent, base)
        text += ('@_FFI_REG_OBJ("{key}")\nclass {name}({base}):\n'
                 '    """FFI binding for `{key}`."""\n\n').format(
                     key=key, name=key.rsplit(".", 1)[-1], base=base)
        text += _empty_block(syntax, "object/" + key, "    ") + "\n\n"
    if "__all__" not in kinds:
        text += "\n__all__ = [\n" + _empty_block(syntax, "__all__", "    ") + "]\n"
    return text


def generate_python_init(code_blocks: List[CodeBlock], module_name: str, submodule: str,
                         syntax: C.MarkerSyntax) -> str:
    """The text appended to a package's ``__init__.py`` by ``--init``: an
    ``export/<submodule>`` block, unless it has one."""
    block = "\n" + _empty_block(syntax, "export/" + submodule)
    if not code_blocks:
        return '"""Package %s."""\n' % module_name + block
    return "" if any(code.kind == "export" for code in code_blocks) else block
