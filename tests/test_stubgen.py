"""tvm_ffi_hpy.stub, the stub generator: markers, the model read from the
registry, the native-layout classifier, the Python target, the command line
(docs/stubgen.md)."""
import json
import sys
import types
import typing
from pathlib import Path

import pytest

import tvm_ffi_hpy
from tvm_ffi_hpy import Object, method
from tvm_ffi_hpy.core import MISSING, TypeSchema, _lookup_or_register_type_info_from_type_key
from tvm_ffi_hpy.dataclasses import py_class
from tvm_ffi_hpy.stub import cli, layout
from tvm_ffi_hpy.stub import consts as C
from tvm_ffi_hpy.stub.file_utils import CodeBlock, FileInfo, collect_files
from tvm_ffi_hpy.stub.generator import generator_names, get_generator
from tvm_ffi_hpy.stub.lib_state import collect_type_keys, object_info_from_type_key
from tvm_ffi_hpy.stub.python_generator import consts as PC
from tvm_ffi_hpy.stub.python_generator.utils import (ImportItem, render_func_signature,
                                                     render_object_init, render_object_methods)
from tvm_ffi_hpy.stub.utils import FuncInfo, InitFieldInfo, NamedTypeSchema, ObjectInfo

PY = C.PYTHON_SYNTAX
# Registering a py_class, or building the classes of every registered type,
# keeps core objects (the types' methods) alive for the process.
GROWS = pytest.mark.allow_core_growth


def short(name):
    return name.rsplit(".", 1)[-1]


def info_of(key):
    return ObjectInfo.from_type_info(_lookup_or_register_type_info_from_type_key(key))


# --- markers ---------------------------------------------------------------

def test_marker_text():
    assert PY.begin == "# tvm-ffi-stubgen(begin):"
    assert PY.end == "# tvm-ffi-stubgen(end)"
    assert C.RUST_SYNTAX.ty_map == "// tvm-ffi-stubgen(ty-map):"
    assert PY.skip_file == "# tvm-ffi-stubgen(skip-file)"


def test_file_blocks_round_trip(tmp_path):
    text = ["x = 1",
            "class A:",
            "    %s object/testing.TestIntPair" % PY.begin,
            "    stale = 1",
            "    " + PY.end,
            "%s a.B -> c.D" % PY.ty_map,
            "%s global/testing@my.pkg" % PY.begin,
            PY.end]
    path = tmp_path / "m.py"
    path.write_text("\n".join(text) + "\n")
    info = FileInfo.from_file(path)
    kinds = [b.kind for b in info.code_blocks]
    assert kinds == [None, None, "object", "directive", "global"]
    obj = info.code_blocks[2]
    assert (obj.param, obj.lineno_start, obj.lineno_end, obj.indent) == (
        "testing.TestIntPair", 3, 5, 4)
    assert info.code_blocks[3].param == ("ty-map", "a.B -> c.D")
    assert info.code_blocks[4].param == ("testing", "my.pkg")
    # Nothing changed: no write, text unchanged.
    assert info.update(verbose=False, dry_run=False) is False
    assert path.read_text() == "\n".join(text) + "\n"
    # Replacing a block's lines rewrites exactly that block.
    obj.lines = [obj.lines[0], "    fresh = 2", obj.lines[-1]]
    assert info.update(verbose=False, dry_run=False) is True
    assert path.read_text().splitlines()[3] == "    fresh = 2"


@pytest.mark.parametrize("body, message", [
    ([PY.begin + " global/a", PY.begin + " global/b"], "Nested stub"),
    ([PY.end], "Unmatched"),
    ([PY.begin + " global/a"], "Unclosed stub block"),
    ([PY.begin + " nonsense"], "Unknown stub type"),
    ([PY.prefix + "no close"], "Unknown stub type at line 1"),
])
def test_bad_markers_are_refused(tmp_path, body, message):
    path = tmp_path / "bad.py"
    path.write_text("\n".join(body) + "\n")
    with pytest.raises(ValueError, match=message):
        FileInfo.from_file(path)


def test_files_without_markers_or_skipped_are_left_out(tmp_path):
    (tmp_path / "plain.py").write_text("x = 1\n")
    (tmp_path / "skip.py").write_text("%s import-section\n%s\n%s\n"
                                      % (PY.begin, PY.end, PY.skip_file))
    (tmp_path / "kept.pyi").write_text("%s import-section\n%s\n" % (PY.begin, PY.end))
    (tmp_path / "other.rs").write_text("// tvm-ffi-stubgen(begin): import-section\n")
    found = collect_files([tmp_path], get_generator("python").source_exts)
    assert [f.path.name for f in found] == ["kept.pyi"]
    assert FileInfo.from_file(tmp_path / "plain.py", include_empty=True).code_blocks[0].lines == [
        "x = 1"]


def test_generators():
    assert generator_names() == ["python", "rust"]
    with pytest.raises(ValueError, match="Known generators: python, rust"):
        get_generator("cobol")
    with pytest.raises(NotImplementedError):
        get_generator("rust").generate_all_block(None, set(), None)


# --- rendering ---------------------------------------------------------------

def test_signatures():
    schema = TypeSchema("Callable", (TypeSchema("Optional", (TypeSchema("str"),)),
                                     TypeSchema("testing.TestIntPair"), TypeSchema("int")))
    free = FuncInfo.from_schema("pkg.f", schema)
    assert render_func_signature(free, short, 2) == (
        "  def f(_0: TestIntPair, _1: int, /) -> str | None: ...")
    member = FuncInfo.from_schema("pkg.T.m", schema, is_member=True)
    assert render_func_signature(member, short, 0) == "def m(self, _1: int, /) -> str | None: ..."
    bare = FuncInfo.from_schema("pkg.g", TypeSchema("Callable"))
    assert render_func_signature(bare, short, 0) == "def g(*args: Any) -> Any: ..."
    with pytest.raises(ValueError):
        render_func_signature(FuncInfo.from_schema("pkg.x", TypeSchema("int")), short, 0)


def test_overloads_and_init_order():
    make = TypeSchema("Callable", (TypeSchema("int"), TypeSchema("str")))
    info = ObjectInfo(
        fields=[], has_init=True,
        methods=[FuncInfo.from_schema("T.make", make), FuncInfo.from_schema("T.make", make)],
        init_fields=[InitFieldInfo(n, NamedTypeSchema(n, TypeSchema("int")), kw, d)
                     for n, kw, d in [("a", False, True), ("b", False, False),
                                      ("c", True, True), ("d", True, False)]])
    assert info.has_overloaded_methods()
    assert render_object_methods(info, short, 0) == [
        "@overload", "@staticmethod", "def make(_0: str, /) -> int: ...",
        "@overload", "@staticmethod", "def make(_0: str, /) -> int: ..."]
    assert render_object_init(info, short, 0) == [
        "def __init__(self, b: int, a: int = ..., *, d: int, c: int = ...) -> None: ..."]


def test_imports_name_our_package():
    # Outside the `tvm_ffi` alias, generated stubs import tvm_ffi_hpy.
    assert "tvm_ffi" not in sys.modules or sys.modules["tvm_ffi"] is not tvm_ffi_hpy
    assert PC.RUNTIME_PACKAGE == "tvm_ffi_hpy"
    assert str(ImportItem("ffi.Object")) == "from tvm_ffi_hpy import Object"
    assert ImportItem("testing.sub.X").mod == "tvm_ffi_hpy.testing.sub"
    assert ImportItem("ffix.Y").mod == "ffix"
    assert str(ImportItem("numpy", alias="np")) == "import numpy as np"


# --- the model, from the registry ------------------------------------------------

def test_object_info_of_a_cxx_chain():
    base = info_of("testing.TestCxxClassBase")
    dd = info_of("testing.TestCxxClassDerivedDerived")
    assert base.ancestors == ["ffi.Object"] and base.parent_type_key == "ffi.Object"
    assert dd.ancestors[-1] == "testing.TestCxxClassDerived"
    assert [(f.name, f.offset, f.size, f.alignment) for f in base.fields] == [
        ("v_i64", 24, 8, 8), ("v_i32", 32, 4, 4)]
    assert base.total_size == 40  # sizeof, from the C ABI's type metadata
    assert dd.fields[1].alignment == 1 and dd.total_size == 80
    assert dd.fields[0].default == "default" and base.fields[0].default is MISSING
    assert [f.name for f in dd.init_fields] == ["v_i64", "v_i32", "v_f64", "v_f32", "v_str",
                                                "v_bool"]
    assert info_of("ffi.Object").total_size == 24
    assert info_of("ffi.Function").total_size is None  # no metadata of its own


def test_finality_comes_from_the_object_def():
    # refl::ObjectDef<T> registers __ffi_type_final__ (T::_type_final); a type
    # registered without an ObjectDef says nothing.
    assert info_of("testing.TestCxxClassBase").is_final is False
    assert info_of("testing.TestCxxClassDerivedDerived").is_final is True
    assert info_of("testing.TestCxxClassHiddenField").is_final is True
    assert info_of("ffi.Object").is_final is None


@GROWS
def test_py_class_method_schema_comes_from_annotations():
    @py_class("test_stubgen.Annotated")
    class Annotated(Object):
        value: int

        @method
        def scaled(self, factor: typing.List[int], name: str) -> str:
            return name

        @method
        @staticmethod
        def make(x) -> None:
            return None

    info = ObjectInfo.from_type_info(Annotated.__tvm_ffi_type_info__)
    by_name = {m.schema.name: m for m in info.methods}
    params = by_name["scaled"].schema.named_args["params"]
    assert [p.origin for p in params] == ["test_stubgen.Annotated", "List", "str"]
    assert render_object_methods(info, short, 0) == [
        "def scaled(self, _1: List[int], _2: str, /) -> str: ...",
        "@staticmethod",
        "def make(_0: Any, /) -> None: ...",
    ]


# --- the layout classifier ---------------------------------------------------------

def _obj(key, parent, size, *fields):
    ancestors = [] if parent is None else ["root"] + ([parent] if parent != "root" else [])
    return ObjectInfo(fields=[NamedTypeSchema(n, TypeSchema("int"), offset=o, size=s,
                                              alignment=a) for n, o, s, a in fields],
                      methods=[], type_key=key, parent_type_key=parent,
                      ancestors=ancestors, total_size=size)


def test_layout_verdicts():
    infos = {
        "root": _obj("root", None, 24),
        "full": _obj("full", "root", 40, ("a", 24, 8, 8), ("b", 32, 2, 2)),  # pad [34, 40)
        "hole": _obj("hole", "root", 40, ("a", 24, 4, 4), ("b", 32, 8, 4)),  # [28, 32) open
        "over": _obj("over", "root", 32, ("a", 24, 8, 8), ("b", 28, 4, 4)),
        "nosize": _obj("nosize", "root", None),
        "child": _obj("child", "nosize", 48, ("c", 40, 8, 8)),
    }
    v = layout.classify(infos)
    assert v["root"].is_complete and v["full"].is_complete
    assert v["full"].padding == [layout.ByteRange(34, 40)] and v["full"].alignment == 8
    assert (v["hole"].reason, v["hole"].uncovered) == ("uncovered-bytes",
                                                      [layout.ByteRange(28, 32)])
    assert v["over"].reason == "field-overlap" and "'b'" in v["over"].detail
    assert v["nosize"].reason == "layout-unknown"
    assert v["child"].reason == "parent-opaque" and "'nosize'" in v["child"].detail
    vetoed = layout.classify(infos, forced_opaque={"full", "hole"})
    assert vetoed["full"].reason == "by-directive" and vetoed["hole"].reason == "uncovered-bytes"
    with pytest.raises(KeyError, match="nosize"):
        layout.classify({"child": infos["child"]})


@GROWS
def test_layout_of_the_registry():
    infos = {k: object_info_from_type_key(k)
             for keys in collect_type_keys().values() for k in keys}
    v = layout.classify(infos)
    chain = ["testing.TestCxxClassBase", "testing.TestCxxClassDerived",
             "testing.TestCxxClassDerivedDerived"]
    assert all(v[k].is_complete for k in chain)
    assert [v[k].own_bytes for k in chain] == [
        layout.ByteRange(24, 40), layout.ByteRange(40, 56), layout.ByteRange(56, 80)]
    assert v["testing.TestCxxClassDerivedDerived"].padding == [layout.ByteRange(73, 80)]
    assert v["ffi.Function"].reason == "layout-unknown"
    # An unregistered int64 between v_i64 and v_i32: its 8 bytes are reported.
    hidden = v["testing.TestCxxClassHiddenField"]
    assert hidden.reason == "uncovered-bytes" and hidden.total_size == 48
    assert hidden.uncovered == [layout.ByteRange(32, 40)]
    assert hidden.padding == [layout.ByteRange(44, 48)]


# --- the command line ----------------------------------------------------------------

DEMO = """\
{b} import-section
{e}
from tvm_ffi_hpy import Object, register_object

{b} global/testing
{e}


@register_object("testing.TestIntPair")
class TestIntPair(Object):
    {b} object/testing.TestIntPair
    {e}


__all__ = [
    {b} __all__
    {e}
]
""".format(b=PY.begin, e=PY.end)


def run_cli(monkeypatch, *args):
    monkeypatch.setattr(sys, "argv", ["tvm-ffi-stubgen", *map(str, args)])
    return cli.__main__()


@pytest.fixture
def keep_test_int_pair_class():
    """The written module registers its own class for testing.TestIntPair: put
    the package's back, so that later tests see the registry they expect."""
    from tvm_ffi_hpy import _ffi, testing
    index = testing.TestIntPair.__tvm_ffi_type_info__.type_index
    before = _ffi.registered_class(index)
    yield
    _ffi.register_class(index, before)
    assert _ffi.registered_class(index) is testing.TestIntPair


def test_cli_writes_a_module_that_imports(tmp_path, monkeypatch, capsys, keep_test_int_pair_class):
    path = tmp_path / "demo_stub_mod.py"
    path.write_text(DEMO)
    assert run_cli(monkeypatch, path) == 0
    text = path.read_text()
    assert "    def add_one(_0: int, /) -> int: ..." in text
    assert "        def sum(self, /) -> int: ..." in text
    assert "    a: int" in text
    assert "from tvm_ffi_hpy import init_ffi_api as _FFI_INIT_FUNC" in text
    assert "from tvm_ffi_hpy.testing import" not in text  # TestIntPair is defined here
    # The written module runs: its functions are the registry's.
    module = types.ModuleType("demo_stub_mod")
    monkeypatch.setitem(sys.modules, "demo_stub_mod", module)
    exec(compile(text, str(path), "exec"), module.__dict__)
    assert module.add_one(41) == 42 and "add_one" in module.__all__
    # A second run changes nothing; --check agrees.
    assert run_cli(monkeypatch, "--check", path) == 0 and path.read_text() == text
    # An edited block is stale: --check says so and writes nothing.
    path.write_text(text.replace("-> int: ...", "-> str: ...", 1))
    assert run_cli(monkeypatch, "--check", path) == 1
    assert "-> str: ..." in path.read_text()
    assert "[Stale]" in capsys.readouterr().out


def test_cli_ty_map_and_unregistered_block(tmp_path, monkeypatch, capsys):
    path = tmp_path / "m.py"
    path.write_text("\n".join([
        "%s Object -> my.base.Base" % PY.ty_map,
        "%s import-section" % PY.begin, PY.end,
        "%s object/testing.NoSuchType" % PY.begin, PY.end,
        "%s global/testing" % PY.begin, PY.end, ""]))
    assert run_cli(monkeypatch, path) == 2  # the unregistered block fails the file...
    text = path.read_text()
    assert "from my.base import Base" in text  # ...after the rest of it was written
    assert "-> Base: ..." in text
    assert "testing.NoSuchType" in capsys.readouterr().out


@GROWS
def test_cli_coverage_report(tmp_path, monkeypatch):
    out = tmp_path / "cov.json"
    assert run_cli(monkeypatch, "--coverage-out", out) == 0
    report = json.loads(out.read_text())
    assert report["testing.TestCxxClassBase"]["verdict"] == "complete"
    assert report["testing.TestCxxClassBase"]["padding"] == [[36, 40]]
    assert report["ffi.Object"]["own_bytes"] == [24, 24]


@GROWS
def test_python_dash_m_runs_the_cli(tmp_path, monkeypatch):
    import runpy
    out = tmp_path / "cov.json"
    monkeypatch.setattr(sys, "argv", ["python -m tvm_ffi_hpy.stub", "--coverage-out", str(out)])
    with pytest.raises(SystemExit) as done:
        runpy.run_module("tvm_ffi_hpy.stub", run_name="__main__")
    assert done.value.code == 0
    assert json.loads(out.read_text())["ffi.Object"]["verdict"] == "complete"


def test_cli_needs_paths(monkeypatch):
    with pytest.raises(SystemExit):
        run_cli(monkeypatch)
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, "--init-pypkg", "x", "f.py")  # the --init flags go together


@GROWS
def test_cli_init_scaffolds_a_prefix(tmp_path, monkeypatch):
    @py_class("stubinit.sub.Leaf")
    class Leaf(Object):
        n: int

    root = tmp_path / "pkg"
    root.mkdir()
    assert run_cli(monkeypatch, "--init-pypkg", "pkg", "--init-lib", "pkg_shared",
                   "--init-prefix", "stubinit.", root) == 0
    api = (root / "stubinit" / "sub" / "_ffi_api.py").read_text()
    assert '@_FFI_REG_OBJ("stubinit.sub.Leaf")' in api
    assert "class Leaf(_ffi_Object):" in api
    assert "\n    n: int\n" in api  # the object block, filled in the same run
    init = (root / "stubinit" / "sub" / "__init__.py").read_text()
    assert "from ._ffi_api import *" in init


# --- init_ffi_api --------------------------------------------------------------------

def test_init_ffi_api_sets_the_prefix_functions(monkeypatch):
    module = types.ModuleType("stub_target")
    monkeypatch.setitem(sys.modules, "stub_target", module)
    tvm_ffi_hpy.init_ffi_api("testing", "stub_target")
    assert module.add_one(1) == 2
    assert not any("." in name for name in vars(module))


def test_init_ffi_api_bad_arguments():
    # Clean errors whose text never needs the argument's own repr.
    class Unprintable:
        def __repr__(self):
            raise RuntimeError("no repr")

    with pytest.raises(TypeError, match="namespace must be a str, got int"):
        tvm_ffi_hpy.init_ffi_api(-2**63, Unprintable())
    with pytest.raises(TypeError, match="target_module_name must be a str or None"):
        tvm_ffi_hpy.init_ffi_api("testing", Unprintable())
    with pytest.raises(ValueError, match="module 'no_such_module_here' is not imported"):
        tvm_ffi_hpy.init_ffi_api("testing", "no_such_module_here")
