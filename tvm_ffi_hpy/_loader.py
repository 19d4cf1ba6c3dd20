"""Load the HPy universal extension ``_ffi.hpy0.so`` that sits next to this file.

HPy's generated stub loader imports ``pkg_resources``, which current setuptools
no longer ships, so the package loads its extension itself through
``hpy.universal.load``.  The same file serves every interpreter with the HPy 0.9
universal ABI: CPython 3.10 to 3.12 with ``hpy==0.9.0`` installed, CPython 3.13 with
hpy 0.9.0 carrying this project's 3.13 patch (``hpy==0.9.0+tvmffihpy.1``:
ci/hpy-patches/, docs/packaging.md), and PyPy >= 7.3.14.
An interpreter with an older HPy ABI gets an ImportError saying what is needed;
loading such a binary there would crash the process.

Set ``TVM_FFI_HPY_DEBUG=1`` to load the extension in HPy's debug mode (handle
leak and use-after-close checks), or ``TVM_FFI_HPY_TRACE=1`` to load it in HPy's
trace mode, where ``hpy.trace.get_call_counts()`` counts the HPy calls it makes
(PyPy 7.3.19 counts only those of module functions, not of code entered
through a type's slots).  The two exclude each other.
"""
import importlib.machinery
import os
import platform
import sys
import types

EXTENSION_NAME = "_ffi"
EXTENSION_FILE = EXTENSION_NAME + ".hpy0.so"
REQUIRED_HPY = (0, 9)

# The hpy that CPython 3.13 needs: hpy 0.9.0 with this project's patch of its
# CPython runtime (ci/hpy-patches/), built by ci/hpy313.sh.  The local version
# label is compiled into the runtime (hpy.universal.get_version()), so the
# loader can tell it from a plain hpy 0.9.0, which crashes there at the first
# object it makes (HPy's type mark is bit 2 of tp_flags, CPython 3.13's
# Py_TPFLAGS_INLINE_VALUES).  CPython 3.14 and later are not supported yet.
PATCHED_HPY_LABEL = "tvmffihpy"
PATCHED_HPY_313 = "0.9.0+%s.1" % PATCHED_HPY_LABEL

# What runs this binary.
SUPPORTED = ("CPython 3.10, 3.11 or 3.12 with `pip install hpy==0.9.0`, CPython 3.13 with "
             "hpy==%s (hpy 0.9.0 patched for 3.13 by tvm_ffi_hpy), or PyPy 7.3.14 or "
             "newer (Python 3.10 or 3.11) built with its HPy module (7.3.14 to 7.3.23 are)"
             % PATCHED_HPY_313)
_NEEDS = "tvm_ffi_hpy needs the HPy 0.9 universal ABI: " + SUPPORTED


def _pypy_version() -> "tuple[int, ...]":
    return tuple(getattr(sys, "pypy_version_info", (0, 0, 0))[:3])


def _interpreter() -> str:
    if platform.python_implementation() == "PyPy":
        return "PyPy %s (Python %s)" % (".".join(map(str, _pypy_version())),
                                        platform.python_version())
    return "%s %s" % (platform.python_implementation(), platform.python_version())


def hpy_version() -> str:
    """The HPy version this interpreter provides, as a string ('' if none)."""
    try:
        import hpy.universal as universal  # type: ignore[import-untyped]  # hpy ships no types
    except ImportError:
        return ""
    get_version = getattr(universal, "get_version", None)
    if get_version is None:
        return "0.0"
    version = get_version()
    return str(version[0]) if isinstance(version, tuple) else str(version)


def _parse(version: str) -> "tuple[int, ...]":
    parts: "list[int]" = []
    for piece in version.split(".")[:2]:
        digits = "".join(c for c in piece if c.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def is_patched_hpy(version: str) -> bool:
    """True for an hpy 0.9.0 carrying this project's 3.13 patch ('0.9.0+tvmffihpy.N')."""
    public, _, local = version.partition("+")
    return public == "0.9.0" and local.split(".")[0] == PATCHED_HPY_LABEL


def interpreter_problem() -> str:
    """Why this interpreter cannot run the binary, before HPy is asked ('' if it may)."""
    implementation = platform.python_implementation()
    if implementation == "PyPy" and _pypy_version() < (7, 3, 14):
        version = hpy_version()
        return "it %s (HPy 0.9 came with PyPy 7.3.14)" % (
            "provides HPy %s, an older and incompatible ABI" % version if version
            else "has no `hpy.universal` module")
    if sys.version_info < (3, 10):
        return "Python %d.%d is older than 3.10" % sys.version_info[:2]
    if implementation == "CPython" and sys.version_info >= (3, 14):
        return ("CPython %d.%d is not supported yet: HPy 0.9's CPython runtime does not run "
                "there" % sys.version_info[:2])
    if implementation == "CPython" and sys.version_info >= (3, 13):
        version = hpy_version()
        if not is_patched_hpy(version):
            return ("CPython 3.13 needs hpy==%s, hpy 0.9.0 with tvm_ffi_hpy's patch for 3.13 "
                    "(a plain hpy 0.9.0 crashes there); %s (docs/packaging.md: pip install "
                    "--find-links DIR, DIR holding that hpy wheel)"
                    % (PATCHED_HPY_313, "this one has hpy %s" % version if version
                       else "this one has no hpy"))
    return ""


def debug_mode() -> bool:
    return os.environ.get("TVM_FFI_HPY_DEBUG", "") not in ("", "0")


def trace_mode() -> bool:
    return os.environ.get("TVM_FFI_HPY_TRACE", "") not in ("", "0")


def extension_path() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), EXTENSION_FILE)


def load() -> types.ModuleType:
    """Load and return the extension module (once per process)."""
    full_name = __package__ + "." + EXTENSION_NAME
    if full_name in sys.modules:
        return sys.modules[full_name]
    unsupported = interpreter_problem()
    if unsupported:
        raise ImportError("tvm_ffi_hpy does not run on %s: %s.  It runs on %s."
                          % (_interpreter(), unsupported, SUPPORTED))
    version = hpy_version()
    if not version:
        raise ImportError("%s; %s has no `hpy.universal` module%s." % (
            _NEEDS, _interpreter(),
            " (this PyPy was built without HPy)" if platform.python_implementation() == "PyPy"
            else ""))
    if _parse(version) < REQUIRED_HPY:
        raise ImportError("%s; %s provides HPy %s, whose ABI is older and incompatible."
                          % (_NEEDS, _interpreter(), version))
    path = extension_path()
    if not os.path.exists(path):
        raise ImportError("the compiled extension %s is missing: build the package first "
                          "(`pip install .`, or `python setup.py build_ext --inplace`)" % path)
    import hpy.universal as universal
    spec = importlib.machinery.ModuleSpec(full_name, None, origin=path)
    if trace_mode():
        if debug_mode():
            raise ImportError("TVM_FFI_HPY_DEBUG and TVM_FFI_HPY_TRACE exclude each other")
        module: types.ModuleType = universal.load(EXTENSION_NAME, path, spec,
                                                  mode=universal.MODE_TRACE)
    else:
        module = universal.load(EXTENSION_NAME, path, spec, debug=debug_mode())
    module.__file__ = path
    sys.modules[full_name] = module
    return module
