"""Compile C++ into a shared library over tvm_ffi_hpy's core, then load it.

``build_inline(name, cpp_sources=..., functions=[...])`` writes one source
file: ``#include <tvm/ffi/tvm_ffi.h>``, the given sources, and an export
(``TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC``) for each name in `functions`, each
of which must name a C++ function (or callable object) of the sources; when
`functions` is a mapping, its non-empty values are the functions' docstrings
(``TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC_DOC``, kept only when the build defines
``TVM_FFI_DLL_EXPORT_INCLUDE_METADATA=1``).  It compiles that file with the
machine's C++ compiler (``$CXX``, else ``g++``, else ``c++``) against the
package's headers, links the core library, and returns the library's path.
``load_inline`` loads the result with ``load_module``: the functions are
attributes of the returned Module.  ``build`` and ``load`` do the same for
source files (C, C++, object files) that export their functions themselves.

The sources see the core's C++ API (``tvm_ffi_hpy::Function``, ``Any``,
``String``, ``Array``, ``TensorView``, ...) and the part of apache tvm-ffi's
C++ API we provide: the namespace name ``tvm::ffi``, its header paths
(``#include <tvm/ffi/function.h>``, ...) and macro names
(``TVM_FFI_ICHECK``, ``TVM_FFI_DLL_EXPORT_TYPED_FUNC``, ...); see
docs/cpp-compat.md.  CUDA sources and embedded CUBIN are not supported.

A library is built once per content: its directory (`build_directory`, else
``$TVM_FFI_HPY_CACHE_DIR`` or ``~/.cache/tvm_ffi_hpy``, then
``<name>_<hash>``) is keyed by the sources, the flags, the compiler and the
core's headers; the library is written to a temporary name and renamed into
place, so concurrent builds never load a half-written file.
"""
import hashlib
import os
import shlex
import shutil
import subprocess
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

from .. import libinfo
from ..module import Module, load_module

__all__ = ["build", "build_inline", "load", "load_inline"]

_PRELUDE = """\
#include <tvm/ffi/tvm_ffi.h>
"""

Sources = Union[Sequence[str], str, None]


def _as_list(value: Union[Sequence[str], str, None]) -> "list[str]":
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def _compiler() -> "list[str]":
    cxx = os.environ.get("CXX")
    if cxx:
        return shlex.split(cxx)
    for name in ("g++", "c++", "clang++"):
        path = shutil.which(name)
        if path:
            return [path]
    raise RuntimeError("tvm_ffi_hpy.cpp: no C++ compiler found (set CXX, or install g++)")


def _headers_digest(include_dir: str) -> str:
    h = hashlib.sha256()
    for top in ("tvm_ffi_hpy", "tvm"):
        for folder, dirs, files in sorted(os.walk(os.path.join(include_dir, top))):
            dirs.sort()
            for entry in sorted(files):
                path = os.path.join(folder, entry)
                with open(path, "rb") as f:
                    h.update(os.path.relpath(path, include_dir).encode() + b"\0" + f.read())
    return h.hexdigest()


def _cache_root(build_directory: Optional[str]) -> "Optional[str]":
    if build_directory is not None:
        return None
    return os.environ.get("TVM_FFI_HPY_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "tvm_ffi_hpy")


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name or not (name.replace("_", "a").isalnum()
                                                     and name.isascii()):
        raise ValueError("tvm_ffi_hpy.cpp: the module name must be letters, digits and "
                         "underscores, got %r" % (name,))


def _refuse_unsupported(cuda_sources: Any, extra_cuda_cflags: Any, embed_cubin: Any,
                        backend: Any) -> None:
    if cuda_sources or extra_cuda_cflags or embed_cubin:
        raise NotImplementedError("tvm_ffi_hpy.cpp builds C++ only: CUDA sources and "
                                  "embedded CUBIN are not supported")
    if backend not in (None, "cpu"):
        raise NotImplementedError("tvm_ffi_hpy.cpp: backend %r is not supported" % (backend,))


_CXX_SUFFIXES = (".cc", ".cpp", ".cxx", ".c++", ".C")
_OBJECT_SUFFIXES = (".o", ".obj")


def _c_compiler() -> "list[str]":
    cc = os.environ.get("CC")
    if cc:
        return shlex.split(cc)
    for name in ("gcc", "cc", "clang"):
        path = shutil.which(name)
        if path:
            return [path]
    raise RuntimeError("tvm_ffi_hpy.cpp: no C compiler found (set CC, or install gcc)")


def _kind(path: str) -> str:
    """'c', 'cxx' or 'obj' by the file's suffix; ValueError for others."""
    if path.endswith(".c"):
        return "c"
    if path.endswith(_OBJECT_SUFFIXES):
        return "obj"
    if path.endswith(_CXX_SUFFIXES):
        return "cxx"
    if path.endswith((".cu", ".cuh")):
        raise NotImplementedError("tvm_ffi_hpy.cpp builds C and C++ only: CUDA source %r is "
                                  "not supported" % (path,))
    raise ValueError("tvm_ffi_hpy.cpp: cannot tell how to build %r (expected .c, .cc, .cpp, "
                     ".cxx, .o or .obj)" % (path,))


def _run(name: str, cmd: "list[str]") -> None:
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    if proc.returncode != 0:
        raise RuntimeError("tvm_ffi_hpy.cpp: building %r failed (exit %d)\ncommand: %s\n%s"
                           % (name, proc.returncode, " ".join(shlex.quote(c) for c in cmd),
                              proc.stdout))


def _compile(name: str, sources: "list[str]", extra_cflags: "list[str]",
             extra_ldflags: "list[str]", extra_include_paths: "list[str]",
             build_directory: Optional[str], output: Optional[str],
             inline_text: Optional[str]) -> str:
    """Build `sources` (C, C++ and object files; plus `inline_text` as one
    more C++ file) into a shared library, or into one object file when
    `output` ends with .o/.obj.  A relative `output` is a name in the build
    directory."""
    _check_name(name)
    kinds = [_kind(p) for p in sources]
    object_output = output is not None and output.endswith(_OBJECT_SUFFIXES)
    if object_output and (kinds.count("obj") or len(sources) + (inline_text is not None) != 1):
        raise ValueError("tvm_ffi_hpy.cpp: an object-file output (%r) is built from exactly one "
                         "C or C++ source" % (output,))
    include_dir = libinfo.find_include_path()
    core_lib = libinfo.find_core_lib()
    lib_dir = os.path.dirname(core_lib)
    cxx = _compiler()
    cc = _c_compiler() if "c" in kinds else []
    includes = ["-I" + os.path.abspath(p) for p in extra_include_paths] + ["-I" + include_dir]
    common = ["-O2", "-fPIC", "-fvisibility=hidden"]
    cxxflags = ["-std=c++17"] + common + extra_cflags
    cflags = common + extra_cflags
    ldflags = ["-shared", "-L" + lib_dir, "-ltvm_ffi_hpy_core",
               "-Wl,-rpath," + lib_dir] + extra_ldflags

    key = hashlib.sha256()
    for part in ([name, output or "", inline_text or ""] + cxx + cc + includes + cxxflags
                 + ldflags + [core_lib]):
        key.update(part.encode() + b"\0")
    for path in sources:
        with open(path, "rb") as f:
            key.update(path.encode() + b"\0" + f.read())
    key.update(_headers_digest(include_dir).encode())
    digest = key.hexdigest()[:16]

    root = _cache_root(build_directory)
    out_dir = build_directory if root is None else os.path.join(root, "%s_%s" % (name, digest))
    assert out_dir is not None
    os.makedirs(out_dir, exist_ok=True)
    if output is None:
        lib_path = os.path.join(out_dir, name + ".so")
    else:
        lib_path = output if os.path.isabs(output) else os.path.join(out_dir, output)
    lib_path = os.path.abspath(lib_path)
    stamp = lib_path + ".key"
    if os.path.exists(lib_path) and os.path.exists(stamp):
        with open(stamp) as f:
            if f.read() == digest:
                return lib_path
    if inline_text is not None:
        src = os.path.join(out_dir, name + ".cc")
        tmp_src = "%s.tmp-%d" % (src, os.getpid())
        with open(tmp_src, "w") as f:
            f.write(inline_text)
        os.replace(tmp_src, src)
        sources = [src] + sources
        kinds = ["cxx"] + kinds
    tmp_lib = "%s.tmp-%d" % (lib_path, os.getpid())
    try:
        if object_output:
            compiler, flags = (cc, cflags) if kinds[0] == "c" else (cxx, cxxflags)
            _run(name, compiler + flags + includes + ["-c", sources[0], "-o", tmp_lib])
        else:
            inputs = []
            for i, (path, kind) in enumerate(zip(sources, kinds)):
                if kind == "c":  # C sources become objects first (g++ would compile them as C++)
                    obj = os.path.join(out_dir, "%s_%d.c.o.tmp-%d" % (name, i, os.getpid()))
                    _run(name, cc + cflags + includes + ["-c", path, "-o", obj])
                    inputs.append(obj)
                else:
                    inputs.append(path)
            try:
                _run(name, cxx + cxxflags + includes + inputs + ["-o", tmp_lib] + ldflags)
            finally:
                for obj, kind in zip(inputs, kinds):
                    if kind == "c":
                        os.unlink(obj)
    except BaseException:
        try:
            os.unlink(tmp_lib)
        except OSError:
            pass
        raise
    os.replace(tmp_lib, lib_path)
    tmp_stamp = "%s.tmp-%d" % (stamp, os.getpid())
    with open(tmp_stamp, "w") as f:
        f.write(digest)
    os.replace(tmp_stamp, stamp)
    return lib_path


def _c_string(text: str) -> str:
    """`text` as a C string literal (UTF-8; octal escapes for all but plain ASCII)."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        if 32 <= byte < 127 and ch not in '\\"?':
            out.append(ch)
        else:
            out.append("\\%03o" % byte)
    return '"' + "".join(out) + '"'


def _inline_source(cpp_sources: Sources,
                   functions: "Union[Mapping[str, str], Sequence[str], str, None]") -> str:
    parts = [_PRELUDE]
    parts.extend(_as_list(cpp_sources))
    docs: "Mapping[str, str]" = {}
    names: "Iterable[str]"
    if functions is None:
        names = []
    elif isinstance(functions, str):
        names = [functions]
    elif isinstance(functions, Mapping):
        names = list(functions)
        docs = functions
    else:
        names = list(functions)
    for fname in names:
        if not (isinstance(fname, str) and fname.isidentifier()):
            raise ValueError("tvm_ffi_hpy.cpp: function names must be C++ identifiers, got %r"
                             % (fname,))
        parts.append("TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC(%s, %s);" % (fname, fname))
        doc = docs.get(fname)
        if doc:  # exported only when the build includes metadata (module.h)
            if not isinstance(doc, str):
                raise TypeError("tvm_ffi_hpy.cpp: the doc of %r must be a str, got %s"
                                % (fname, type(doc).__name__))
            parts.append("TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC_DOC(%s, %s);" % (fname, _c_string(doc)))
    return "\n".join(parts) + "\n"


def build_inline(name: str, *, cpp_sources: Sources = None, cuda_sources: Sources = None,
                 functions: "Union[Mapping[str, str], Sequence[str], str, None]" = None,
                 extra_cflags: "Optional[Sequence[str]]" = None,
                 extra_cuda_cflags: "Optional[Sequence[str]]" = None,
                 extra_ldflags: "Optional[Sequence[str]]" = None,
                 extra_include_paths: "Optional[Sequence[str]]" = None,
                 build_directory: Optional[str] = None,
                 embed_cubin: "Optional[Mapping[str, bytes]]" = None,
                 backend: Optional[str] = None, output: Optional[str] = None) -> str:
    """Compile `cpp_sources` (with an export for each of `functions`) into a
    shared library over the core; returns its path (see the module's docstring)."""
    _refuse_unsupported(cuda_sources, extra_cuda_cflags, embed_cubin, backend)
    text = _inline_source(cpp_sources, functions)
    return _compile(name, [], _as_list(extra_cflags), _as_list(extra_ldflags),
                    _as_list(extra_include_paths), build_directory, output, text)


def load_inline(name: str, *, cpp_sources: Sources = None, cuda_sources: Sources = None,
                functions: "Union[Mapping[str, str], Sequence[str], str, None]" = None,
                extra_cflags: "Optional[Sequence[str]]" = None,
                extra_cuda_cflags: "Optional[Sequence[str]]" = None,
                extra_ldflags: "Optional[Sequence[str]]" = None,
                extra_include_paths: "Optional[Sequence[str]]" = None,
                build_directory: Optional[str] = None,
                embed_cubin: "Optional[Mapping[str, bytes]]" = None,
                keep_module_alive: bool = True, backend: Optional[str] = None) -> Module:
    """``build_inline``, then ``load_module`` of the library (a loaded library
    is never unloaded, whatever `keep_module_alive` says)."""
    path = build_inline(name, cpp_sources=cpp_sources, cuda_sources=cuda_sources,
                        functions=functions, extra_cflags=extra_cflags,
                        extra_cuda_cflags=extra_cuda_cflags, extra_ldflags=extra_ldflags,
                        extra_include_paths=extra_include_paths,
                        build_directory=build_directory, embed_cubin=embed_cubin,
                        backend=backend)
    return load_module(path)


def build(name: str, *, sources: Sources = None, cpp_files: Sources = None,
          cuda_files: Sources = None,
          extra_cflags: "Optional[Sequence[str]]" = None,
          extra_cuda_cflags: "Optional[Sequence[str]]" = None,
          extra_ldflags: "Optional[Sequence[str]]" = None,
          extra_include_paths: "Optional[Sequence[str]]" = None,
          build_directory: Optional[str] = None, backend: Optional[str] = None,
          output: Optional[str] = None) -> str:
    """Compile source files (which export their functions themselves with
    ``TVM_FFI_HPY_DLL_EXPORT_TYPED_FUNC`` / ``TVM_FFI_DLL_EXPORT_TYPED_FUNC``)
    into a library over the core; returns its path.

    `sources` (and its older names `cpp_files`, `cuda_files`) are built by
    suffix: ``.c`` with the C compiler (``$CC``, else gcc), ``.cc``/``.cpp``/
    ``.cxx`` with the C++ compiler, ``.o``/``.obj`` linked as they are (CUDA
    files are refused).  An `output` ending with ``.o``/``.obj`` compiles the
    one source given into that object file instead of linking; a relative
    `output` names a file in the build directory."""
    _refuse_unsupported(cuda_files, extra_cuda_cflags, None, backend)
    files = [os.path.abspath(p) for p in _as_list(sources) + _as_list(cpp_files)]
    if not files:
        raise ValueError("tvm_ffi_hpy.cpp.build: no sources given")
    return _compile(name, files, _as_list(extra_cflags), _as_list(extra_ldflags),
                    _as_list(extra_include_paths), build_directory, output, None)


def load(name: str, *, sources: Sources = None, cpp_files: Sources = None,
         cuda_files: Sources = None,
         extra_cflags: "Optional[Sequence[str]]" = None,
         extra_cuda_cflags: "Optional[Sequence[str]]" = None,
         extra_ldflags: "Optional[Sequence[str]]" = None,
         extra_include_paths: "Optional[Sequence[str]]" = None,
         build_directory: Optional[str] = None, keep_module_alive: bool = True,
         backend: Optional[str] = None) -> Module:
    """``build``, then ``load_module`` of the library."""
    return load_module(build(name, sources=sources, cpp_files=cpp_files, cuda_files=cuda_files,
                             extra_cflags=extra_cflags, extra_cuda_cflags=extra_cuda_cflags,
                             extra_ldflags=extra_ldflags, extra_include_paths=extra_include_paths,
                             build_directory=build_directory, backend=backend))
