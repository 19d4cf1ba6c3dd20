"""libinfo's apache tvm-ffi names, `python -m tvm_ffi_hpy.config`, and
utils.lockfile.FileLock (both interpreters)."""
import os
import pathlib
import subprocess
import sys
import textwrap

import pytest

from tvm_ffi_hpy import libinfo
from tvm_ffi_hpy.utils.lockfile import FileLock


def config(*flags):
    out = subprocess.run([sys.executable, "-m", "tvm_ffi_hpy.config", *flags], check=True,
                         capture_output=True, text=True)
    assert out.stderr == ""
    return out.stdout.strip()


def test_apache_names_find_real_files():
    assert libinfo.find_libtvm_ffi() == libinfo.find_core_lib()
    assert os.path.isfile(os.path.join(libinfo.find_dlpack_include_path(), "tvm_ffi_hpy",
                                       "c_api.h"))  # DLPack's types are defined there
    assert os.path.isdir(os.path.join(libinfo.find_source_path(), "core")) or \
        os.path.isfile(os.path.join(libinfo.find_source_path(), "__init__.py"))
    ext = libinfo.find_cython_lib()
    assert ext.endswith("_ffi.hpy0.so") and os.path.isfile(ext)


def test_config_prints_what_libinfo_finds():
    include = libinfo.find_include_path()
    assert config("--includedir") == include
    assert config("--dlpack-includedir") == libinfo.find_dlpack_include_path()
    assert config("--sourcedir") == libinfo.find_source_path()
    assert config("--cython-lib-path") == libinfo.find_cython_lib()
    assert config("--cxxflags") == "-I%s -I%s -std=c++17" % (include, include)
    assert config("--cflags") == "-I%s -I%s" % (include, include)
    libdir = os.path.dirname(libinfo.find_core_lib())
    assert config("--ldflags") == "-L%s -Wl,-rpath,%s" % (libdir, libdir)
    assert config("--libs") == "-ltvm_ffi_hpy_core"


def test_find_library_by_basename(tmp_path):
    lib = tmp_path / "libsomething.so"
    lib.write_bytes(b"")
    assert libinfo._find_library_by_basename("dist", "something", [tmp_path]) == lib
    core = pathlib.Path(libinfo.find_core_lib())
    assert libinfo._find_library_by_basename("dist", "tvm_ffi_hpy_core") == core
    with pytest.raises(TypeError, match=r"extra_lib_paths\[1\] must be a pathlib\.Path"):
        libinfo._find_library_by_basename("dist", "something", [tmp_path, str(tmp_path)])
    with pytest.raises(RuntimeError, match="cannot find libnothing.so"):
        libinfo._find_library_by_basename("dist", "nothing", [tmp_path])


def test_find_library_among_a_distributions_files(tmp_path, monkeypatch):
    # An installed distribution's RECORD names the library it ships.
    site = tmp_path / "site"
    (site / "shipper").mkdir(parents=True)
    lib = site / "shipper" / "libshipped.so"
    lib.write_bytes(b"")
    info = site / "shipper-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: shipper\nVersion: 1.0\n")
    (info / "RECORD").write_text("shipper/libshipped.so,,\nshipper-1.0.dist-info/RECORD,,\n")
    monkeypatch.syspath_prepend(str(site))
    found = libinfo._find_library_by_basename("shipper", "shipped")
    assert found.resolve() == lib.resolve()
    with pytest.raises(RuntimeError, match="cannot find libshipped.so"):
        libinfo._find_library_by_basename("not-installed-anywhere", "shipped")


@pytest.mark.allow_core_growth  # the Module is kept for the life of the process
def test_load_lib_module_loads_the_testing_library():
    # The testing set is a library of this package's directory.
    module = libinfo.load_lib_module("tvm_ffi_hpy", "tvm_ffi_hpy_testing")
    assert any(kept is module for kept in libinfo._KEPT_MODULES)
    assert os.path.samefile(module.path, libinfo.find_testing_lib())
    with pytest.raises(RuntimeError, match="cannot find libno_such_target.so"):
        libinfo.load_lib_module("tvm_ffi_hpy", "no_such_target")


def test_file_lock_is_exclusive_and_released(tmp_path):
    path = tmp_path / "a.lock"
    first, second = FileLock(path), FileLock(str(path))
    assert first.acquire() is True and first._file_descriptor is not None
    assert first.acquire() is False  # held by this object
    assert second.acquire() is False  # held by another object (another open file)
    assert second.blocking_acquire(timeout=0.1) is False
    with pytest.raises(RuntimeError, match="held by this object"):
        first.blocking_acquire(timeout=0.1)
    first.release()
    assert first._file_descriptor is None
    first.release()  # not held: nothing happens
    with pytest.raises(ValueError, match="inside"):
        with second:
            assert second._file_descriptor is not None and first.acquire() is False
            raise ValueError("inside")
    assert second._file_descriptor is None and first.acquire() is True
    first.release()


def test_file_lock_serialises_processes(tmp_path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    worker = tmp_path / "worker.py"
    worker.write_text(textwrap.dedent("""
        import sys, time
        from tvm_ffi_hpy.utils.lockfile import FileLock
        with FileLock(sys.argv[1]):
            with open(sys.argv[2]) as f:
                value = int(f.read())
            time.sleep(0.02)  # another process would read the same value here
            # closed (flushed) inside the lock: PyPy closes an unclosed file
            # only when its GC runs, after the lock is gone
            with open(sys.argv[2], "w") as f:
                f.write(str(value + 1))
    """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    procs = [subprocess.Popen([sys.executable, str(worker), str(tmp_path / "c.lock"),
                               str(counter)], env=env) for _ in range(6)]
    assert [p.wait(timeout=120) for p in procs] == [0] * 6
    assert counter.read_text() == "6"
