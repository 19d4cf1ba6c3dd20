"""The command line of the stub generator (``tvm-ffi-stubgen`` in apache
tvm-ffi): ``python -m tvm_ffi_hpy.stub.cli [options] PATH...``.

A run reads the registry (after importing ``--imports`` and loading
``--dlls``), reads the files under PATH that hold markers, and rewrites their
generated blocks:

1. ``_stage_1``: each file's ``ty-map`` directives fill the type map;
2. ``_stage_2`` (``--init-*`` only): writes ``_ffi_api.py`` and ``__init__.py``
   for every registry prefix under ``--init-prefix`` that has functions or
   types no file covers yet; then ``prefix`` directives add ``object/`` blocks
   for the registered types under their prefix;
3. ``_stage_3``: per file, the generator writes each block, then the file is
   written back when it changed.

``--coverage-out FILE`` also writes the native-layout report (stub.layout).
Exit status: 0; 2 when a file failed; 1 when ``--check`` found a stale file.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib
import sys
import traceback
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set

from ..type_converter import _object_type_key_to_index
from . import consts as C
from .file_utils import CodeBlock, FileInfo, collect_files, syntax_for
from .generator import generator_names, get_generator
from .layout import classify, write_coverage_report
from .lib_state import (collect_global_funcs, collect_type_keys, object_info_from_type_key,
                        toposort_objects)
from .utils import FuncInfo, InitConfig, Options


def _fail(path: Path) -> None:
    print('%s[Failed] File "%s": %s%s' % (C.TERM_RED, path, traceback.format_exc(),
                                          C.TERM_RESET))


def __main__() -> int:
    """Run the command line (sys.argv); returns the exit status."""
    opt = _parse_args()
    generator = get_generator(opt.target)
    for name in opt.imports:
        importlib.import_module(name)
    libraries = [ctypes.CDLL(path) for path in opt.dlls]  # kept loaded for the run
    files = collect_files([Path(f) for f in opt.files], generator.source_exts)
    global_funcs = collect_global_funcs()
    failed = stale = 0

    ty_map = generator.default_ty_map()
    for file in files:
        try:
            _stage_1(file, ty_map)
        except Exception:  # noqa: BLE001
            failed += 1
            _fail(file.path)

    generated: Set[str] = set()
    root: Optional[Path] = None
    if opt.files:
        root = Path(opt.files[0]).resolve()
        if root.is_file():
            root = root.parent
    if opt.init is not None and root is not None:
        generated = _stage_2(files, ty_map, opt.init, root, global_funcs, generator)

    before = {f.path: generator.check_view(f.code_blocks) for f in files} if opt.check else {}
    failed += _roll_out_prefixes(files, generator)
    declared = _declared_objects(files)
    for file in files:
        if opt.verbose:
            print("%s[File] %s%s" % (C.TERM_CYAN, file.path, C.TERM_RESET))
        try:
            changed = _stage_3(file, opt, ty_map, global_funcs, generator, declared)
        except Exception:  # noqa: BLE001
            failed += 1
            _fail(file.path)
            continue
        if opt.check and changed and generator.check_view(file.code_blocks) != before[file.path]:
            stale += 1
            print("%s[Stale] %s%s" % (C.TERM_YELLOW, file.path, C.TERM_RESET))

    if generated and root is not None:
        generator.finalize_init(root, generated)
    if opt.coverage_out is not None:
        infos = {key: object_info_from_type_key(key)
                 for keys in collect_type_keys().values() for key in keys}
        write_coverage_report(Path(opt.coverage_out), classify(infos))
    del libraries
    return 2 if failed else (1 if stale else 0)


def _stage_1(file: FileInfo, ty_map: Dict[str, str]) -> None:
    """Read the file's ``ty-map: A -> B`` directives into `ty_map`."""
    for code in file.code_blocks:
        if code.kind == "directive" and code.param[0] == "ty-map":
            lhs, arrow, rhs = code.param[1].partition("->")
            if not arrow or "->" in rhs or not lhs.strip() or not rhs.strip():
                raise ValueError("Invalid ty_map format at line %d. Example: `A.B -> C.D`"
                                 % code.lineno_start)
            ty_map[lhs.strip()] = rhs.strip()


def _declared_objects(files: List[FileInfo]) -> Dict[str, Path]:
    """The type key of each ``object/`` block of the run, to its file."""
    out: Dict[str, Path] = {}
    for file in files:
        for code in file.code_blocks:
            if code.kind == "object" and isinstance(code.param, str):
                out.setdefault(code.param, file.path)
    return out


def _new_blocks(syntax: C.MarkerSyntax, lineno: int, what: str) -> List[CodeBlock]:
    """A blank line, then an empty generated block ``what``."""
    begin = "%s %s" % (syntax.begin, what)
    block = CodeBlock.from_begin_line(lineno, begin, syntax)
    block.lineno_end = lineno
    block.lines = [begin, syntax.end]
    return [CodeBlock(None, "", lineno, lineno, [""]), block]


def _roll_out_prefixes(files: List[FileInfo], generator: Any) -> int:
    """For a file with a ``prefix: P`` directive: drop its ``object/`` blocks
    of P whose type is gone, and add one for each type registered directly
    under P that no file has, that no ``skip`` directive names and that the
    runtime does not bind itself.  Returns the number of files refused."""
    have = {code.param for f in files for code in f.code_blocks if code.kind == "object"}
    registry = collect_type_keys()
    owner: Dict[str, Path] = {}
    bad = 0
    for file in files:
        directives = [c for c in file.code_blocks if c.kind == "directive"]
        heads = [c for c in directives if c.param[0] == "prefix"]
        if not heads:
            continue
        prefix = heads[0].param[1].rstrip(".")
        problem = None
        if len(heads) > 1:
            problem = "a second `prefix` directive at line %d" % heads[1].lineno_start
        elif owner.setdefault(prefix, file.path) != file.path:
            problem = "prefix `%s` already belongs to %s" % (prefix, owner[prefix])
        if problem:
            bad += 1
            print('%s[Failed] File "%s": %s%s' % (C.TERM_RED, file.path, problem, C.TERM_RESET))
            continue
        registered = registry.get(prefix, [])
        kept: List[CodeBlock] = []
        for code in file.code_blocks:
            if (code.kind == "object" and isinstance(code.param, str)
                    and code.param.rpartition(".")[0] == prefix and code.param not in registered):
                print('%s[Removed] File "%s": `object/%s`: no longer registered%s'
                      % (C.TERM_YELLOW, file.path, code.param, C.TERM_RESET))
                if kept and kept[-1].kind is None and kept[-1].lines == [""]:
                    kept.pop()
                continue
            kept.append(code)
        file.code_blocks[:] = kept
        if not registered:
            print("%s[Skipped] no object registered under `%s`%s"
                  % (C.TERM_YELLOW, prefix, C.TERM_RESET))
            continue
        skipped = {c.param[1].strip() for c in directives if c.param[0] == "skip"}
        wanted = [k for k in registered
                  if k not in have and k not in skipped and not generator.is_builtin(k)]
        blocks = file.code_blocks
        lineno = heads[0].lineno_start
        if not any(c.kind == "import-section" for c in blocks):
            at = blocks.index(heads[0]) + 1
            blocks[at:at] = _new_blocks(file.syntax, lineno, "import-section")
        at = 1 + max(i for i, c in enumerate(blocks) if c.kind in ("object", "import-section"))
        blocks[at:at] = [b for info in toposort_objects(wanted)
                         for b in _new_blocks(file.syntax, lineno, "object/" + str(info.type_key))]
    return bad


def _stage_2(files: List[FileInfo], ty_map: Dict[str, str], init_cfg: InitConfig,
             init_path: Path, global_funcs: Dict[str, List[FuncInfo]],
             generator: Any) -> Set[str]:
    """``--init``: for every registry prefix under ``init_cfg.prefix`` with
    functions or types that no file covers, append to (or create)
    ``<init_path>/<prefix as dirs>/_ffi_api.py`` and its ``__init__.py``.
    Returns the prefixes written."""
    def file_for(path: Path) -> FileInfo:
        if path.exists():
            for f in files:
                if path.samefile(f.path):
                    return f
            info = FileInfo.from_file(path, include_empty=True)
            assert info is not None
        else:
            info = FileInfo(path, (), [], syntax_for(path))
        files.append(info)
        return info

    blocks = [code for f in files for code in f.code_blocks]
    func_prefixes = {code.param[0] for code in blocks if code.kind == "global"}
    objects = {code.param for code in blocks if code.kind == "object"}
    skipped = {code.param[1].strip() for code in blocks
               if code.kind == "directive" and code.param[0] == "skip"}
    wanted = init_cfg.prefix.strip()
    if wanted and not wanted.endswith("."):
        wanted += "."
    root = wanted.rstrip(".")
    prefixes = collect_type_keys()
    for prefix in global_funcs:
        prefixes.setdefault(prefix, [])
    written: Set[str] = set()
    for prefix, keys in prefixes.items():
        if prefix != root and not prefix.startswith(wanted):
            continue
        funcs = [] if prefix in func_prefixes else global_funcs.get(prefix, [])
        funcs = sorted(funcs, key=lambda f: f.schema.name)
        infos = toposort_objects(sorted(
            k for k in set(keys) - objects - skipped if not generator.is_builtin(k)))
        if not funcs and not infos:
            continue
        written.add(prefix)
        folder = init_path.joinpath(*prefix.split("."))
        folder.mkdir(parents=True, exist_ok=True)
        api_path = folder / generator.api_filename()
        api = file_for(api_path)
        with api_path.open("a", encoding="utf-8") as out:
            out.write(generator.generate_api_file(api.code_blocks, ty_map, prefix, infos,
                                                  init_cfg, is_root=prefix == root))
        api.reload()
        init_file_path = folder / generator.init_filename()
        init_file = file_for(init_file_path)
        with init_file_path.open("a", encoding="utf-8") as out:
            out.write(generator.generate_init_file(init_file.code_blocks, prefix,
                                                   generator.api_filename().rsplit(".", 1)[0]))
        init_file.reload()
    return written


def _stage_3(file: FileInfo, opt: Options, ty_map: Dict[str, str],
             global_funcs: Dict[str, List[FuncInfo]], generator: Any,
             declared: Optional[Mapping[str, Path]] = None) -> bool:
    """Write every generated block of `file` and the file itself (unless
    dry_run); returns whether its text changed.  An ``object/`` block whose
    type is not registered is left alone and reported (ValueError) after the
    rest of the file is written."""
    if declared is None:
        declared = _declared_objects([file])
    imports = generator.new_imports()
    for code in file.code_blocks:
        if code.kind != "directive" or code.param[0] in C.PIPELINE_DIRECTIVE_KINDS:
            continue
        name, payload = code.param[0], code.param[1]
        if name not in generator.directive_kinds:
            raise ValueError("Unknown directive `%s` at line %d" % (name, code.lineno_start))
        generator.add_directive(imports, name, payload, code.lineno_start)
    funcs_defined: Set[str] = set()
    types_defined: Set[str] = set()
    missing: List[str] = []
    for code in file.code_blocks:
        if code.kind == "global":
            funcs = global_funcs.get(code.param[0], [])
            funcs_defined.update(f.schema.name for f in funcs)
            generator.generate_global_funcs_block(code, funcs, ty_map, imports, opt)
    for code in file.code_blocks:
        if code.kind == "object":
            key = str(code.param)
            if _object_type_key_to_index(key) is None:
                missing.append("`object/%s` (line %d)" % (key, code.lineno_start))
                continue
            info = object_info_from_type_key(key)
            types_defined.add(generator.canonical_type_name(ty_map.get(key, key)))
            generator.generate_object_block(code, ty_map, imports, opt, info, declared)
    section = next((c for c in file.code_blocks if c.kind == "import-section"), None)
    if section is not None:
        generator.generate_import_section_block(section, imports, opt, types_defined)
    all_block = next((c for c in file.code_blocks if c.kind == "__all__"), None)
    if all_block is not None:
        names = funcs_defined | types_defined | generator.extra_export_names(imports)
        generator.generate_all_block(all_block, names, opt)
    for code in file.code_blocks:
        if code.kind == "export":
            generator.generate_export_block(code)
    changed = file.update(verbose=opt.verbose, dry_run=opt.dry_run)
    if missing:
        raise ValueError("%s: the type is no longer registered; delete the block"
                         % ", ".join(missing))
    return changed


def _split_list(text: str) -> List[str]:
    return [part.strip() for part in (text or "").split(";") if part.strip()]


def _parse_args(argv: Optional[List[str]] = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="tvm-ffi-stubgen",
        description="Write type stubs for the functions and object types of the FFI "
                    "registry into the marked blocks of source files (%s)." % C.DOC_PATH,
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("files", nargs="*", metavar="PATH",
                        help="files or directories (walked for the target's suffixes)")
    parser.add_argument("--imports", default="", metavar="IMPORTS",
                        help="modules to import first, separated by ';'")
    parser.add_argument("--dlls", default="", metavar="LIBS",
                        help="shared libraries to load first, separated by ';'")
    parser.add_argument("--init-pypkg", default="", help="--init: the distribution name")
    parser.add_argument("--init-lib", default="", help="--init: the CMake target of the library")
    parser.add_argument("--init-prefix", default="", help="--init: the registry prefix covered")
    parser.add_argument("--indent", type=int, default=4,
                        help="spaces added inside generated blocks")
    parser.add_argument("--target", default="python", choices=generator_names(),
                        help="the generator")
    parser.add_argument("--verbose", action="store_true", help="print a diff of each change")
    parser.add_argument("--dry-run", action="store_true", help="write nothing")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a file is out of date")
    parser.add_argument("--coverage-out", default=None, metavar="JSON",
                        help="write the native-layout report (PATH is then optional)")
    args = parser.parse_args(argv)
    init_args = (args.init_pypkg, args.init_lib, args.init_prefix)
    init = None
    if any(init_args):
        if not all(init_args):
            parser.error("--init-pypkg, --init-lib, and --init-prefix must be provided together")
        init = InitConfig(pkg=args.init_pypkg, shared_target=args.init_lib,
                          prefix=args.init_prefix)
    if args.check and init is not None:
        parser.error("--check cannot be combined with --init-* flags")
    if not args.files and args.coverage_out is None:
        parser.print_help()
        sys.exit(1)
    return Options(imports=_split_list(args.imports), dlls=_split_list(args.dlls), init=init,
                   indent=args.indent, files=list(args.files), verbose=args.verbose,
                   dry_run=args.dry_run or args.check, check=args.check, target=args.target,
                   coverage_out=args.coverage_out)


if __name__ == "__main__":
    sys.exit(__main__())
