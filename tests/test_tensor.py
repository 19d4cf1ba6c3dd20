"""Tensors over DLPack: zero-copy exchange with NumPy both ways, metadata,
lifetimes, identity, and clean errors for everything DLPack can get wrong."""
import gc
import pickle

import numpy as np
import pytest

import tvm_ffi_hpy as ffi
from tvm_ffi_hpy import testing
from conftest import collect, released

echo = ffi.get_global_func("testing.echo")
tensor_sum = ffi.get_global_func("testing.tensor_sum")
tensor_fill = ffi.get_global_func("testing.tensor_fill")


def collect():
    for _ in range(3):
        gc.collect()


# ---- NumPy -> Tensor ----------------------------------------------------------

def test_from_numpy_metadata():
    a = np.arange(12, dtype="float64").reshape(3, 4)
    t = ffi.from_dlpack(a)
    assert isinstance(t, ffi.Tensor)
    assert t.shape == (3, 4) and t.ndim == 2
    assert t.strides == (4, 1)
    assert t.dtype == "float64"
    assert t.device == ffi.Device("cpu", 0)
    assert t.__dlpack_device__() == (1, 0)
    assert t.data_ptr() == a.ctypes.data
    assert t.numel() == 12 and t.size(1) == 4
    assert t.is_contiguous()
    assert repr(t) == "<Tensor float64[3, 4] on cpu:0>"


def test_from_numpy_shares_memory_both_directions():
    a = np.arange(6, dtype="float32")
    t = ffi.from_dlpack(a)
    assert tensor_sum(t) == 15.0
    a[0] = 100.0  # NumPy writes, C++ sees
    assert tensor_sum(t) == 115.0
    tensor_fill(t, 7.0)  # C++ writes, NumPy sees
    assert a.tolist() == [7.0, 8.0, 9.0, 10.0, 11.0, 12.0]


def test_strided_view_keeps_strides():
    a = np.arange(24, dtype="int64").reshape(4, 6)
    view = a[1:, ::3]
    t = ffi.from_dlpack(view)
    assert t.shape == (3, 2)
    assert t.strides == (6, 3)
    assert not t.is_contiguous()
    assert t.data_ptr() == view.ctypes.data
    assert tensor_sum(t) == view.sum()
    tensor_fill(t, -1.0)
    assert view.tolist() == [[-1, 0], [1, 2], [3, 4]]
    assert a[0].tolist() == list(range(6))  # outside the view: untouched


def test_scalar_and_empty_tensors():
    s = ffi.from_dlpack(np.array(3.5))
    assert s.shape == () and s.strides == () and s.numel() == 1
    assert tensor_sum(s) == 3.5
    e = ffi.from_dlpack(np.zeros((0, 5), dtype="float32"))
    assert e.shape == (0, 5) and e.numel() == 0
    assert tensor_sum(e) == 0.0


def _empty_arrays():
    from numpy.lib.stride_tricks import as_strided
    base = np.zeros(8, dtype="float64")
    return [
        np.zeros((4, 0, 4)),                      # NumPy gives strides (0, 0, 0)
        np.zeros(0, dtype="int32"),
        np.zeros((4, 6))[::2, 3:3],               # a slice: strides of the parent
        np.zeros((6, 4))[2:2, ::3],
        as_strided(base, (3, 0, 2), (8, 800, 24)),  # arbitrary strides
        as_strided(base, (0, 5), (-8, 16)),         # negative ones too
    ]


@pytest.mark.parametrize("index", range(6))
def test_empty_tensors_are_contiguous_whatever_their_strides(index):
    a = _empty_arrays()[index]
    t = ffi.from_dlpack(a)
    assert t.numel() == 0 and t.shape == a.shape
    assert t.is_contiguous()
    # the core's check (require_contiguous) agrees with the Python method
    t2 = ffi.from_dlpack(a, require_contiguous=True)
    assert t2.is_contiguous() and t2.shape == a.shape


def test_non_empty_strided_tensors_stay_non_contiguous():
    from numpy.lib.stride_tricks import as_strided
    odd = as_strided(np.zeros(64), (2, 3), (8 * 7, 8))  # gap between rows
    for a in (odd, np.zeros((3, 4))[:, ::2], np.zeros((3, 4)).T):
        assert not ffi.from_dlpack(a).is_contiguous()
        with pytest.raises(ValueError, match="not contiguous"):
            ffi.from_dlpack(a, require_contiguous=True)
    # extents of 1 may have any stride
    assert ffi.from_dlpack(as_strided(np.zeros(4), (1, 4), (800, 8))).is_contiguous()


@pytest.mark.parametrize("name", ["int8", "int16", "int32", "int64", "uint8", "uint16",
                                  "uint32", "uint64", "float16", "float32", "float64",
                                  "complex64", "complex128", "bool"])
def test_dtypes_from_numpy(name):
    a = np.zeros(3, dtype=name)
    t = ffi.from_dlpack(a)
    assert t.dtype == name
    assert t.dtype.itemsize == a.itemsize
    back = np.from_dlpack(t)
    assert back.dtype == a.dtype


def test_producer_keeps_memory_alive():
    a = np.arange(5, dtype="float64")
    t = ffi.from_dlpack(a)
    del a
    collect()
    assert tensor_sum(t) == 10.0  # the tensor holds NumPy's buffer


def test_legacy_capsule_and_old_producers():
    a = np.arange(4, dtype="int32")
    t = ffi.from_dlpack(a.__dlpack__())  # a "dltensor" capsule, DLPack < 1.0
    assert t.shape == (4,) and tensor_sum(t) == 6.0

    class OldProducer:  # __dlpack__ without keyword arguments
        def __init__(self, arr):
            self.arr = arr

        def __dlpack__(self):
            return self.arr.__dlpack__()

        def __dlpack_device__(self):
            return self.arr.__dlpack_device__()

    t2 = ffi.from_dlpack(OldProducer(a))
    assert t2.data_ptr() == a.ctypes.data


def test_capsule_is_consumed_once():
    a = np.arange(3.0)
    cap = a.__dlpack__(max_version=(1, 0))
    t = ffi.from_dlpack(cap)
    assert t.shape == (3,)
    with pytest.raises(ValueError, match="already consumed"):
        ffi.from_dlpack(cap)


@pytest.mark.parametrize("bad", [5, "x", None, object(), [1, 2]])
def test_not_a_dlpack_producer(bad):
    with pytest.raises(TypeError, match="DLPack capsule"):
        ffi.from_dlpack(bad)


def test_requirements():
    a = np.arange(12, dtype="float64").reshape(3, 4)
    t = ffi.from_dlpack(a, require_contiguous=True, require_alignment=8)
    assert t.data_ptr() == a.ctypes.data
    with pytest.raises(ValueError, match="not contiguous"):
        ffi.from_dlpack(a[:, ::2], require_contiguous=True)
    unaligned = np.frombuffer(bytearray(17), dtype="uint8")[1:]
    with pytest.raises(ValueError, match="not aligned to 16 bytes"):
        ffi.from_dlpack(unaligned, require_alignment=16)
    with pytest.raises(ValueError, match="power of two"):
        ffi.from_dlpack(a, require_alignment=3)
    # a failed import leaves the producer intact
    assert a.sum() == 66.0


def test_read_only_is_kept():
    a = np.arange(3.0)
    a.flags.writeable = False
    t = ffi.from_dlpack(a)
    with pytest.raises(ValueError, match="read-only"):
        tensor_fill(t, 0.0)
    back = np.from_dlpack(t)
    assert not back.flags.writeable
    assert a.tolist() == [0.0, 1.0, 2.0]


# ---- Tensor -> NumPy ----------------------------------------------------------

def test_core_tensor_to_numpy_shares_memory():
    t = ffi.empty((2, 3))
    assert ffi.empty(4, "int8").shape == (4,)
    assert t.shape == (2, 3) and t.dtype == "float32"
    assert t.data_ptr() % 64 == 0
    n = np.from_dlpack(t)
    assert n.dtype == np.float32 and n.shape == (2, 3)
    assert n.ctypes.data == t.data_ptr()
    tensor_fill(t, 1.0)
    assert n.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    n[1, 2] = 50.0
    assert tensor_sum(t) == 65.0


def test_empty_is_zero_filled_and_aligned_at_every_size():
    for n in (0, 1, 7, 63, 64, 65, 1000, 1 << 20):
        t = ffi.empty([n], "uint8")
        assert t.data_ptr() % 64 == 0, n
        assert not np.from_dlpack(t).any(), n


def _resident_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_empty_leaves_its_pages_untouched_until_written():
    # 1 GiB of zeros costs no resident memory until it is written: empty()
    # once cleared every page itself, so a shape that the machine could not
    # hold got the process killed by the kernel (tests/test_properties.py
    # found it) instead of MemoryError below
    before = _resident_bytes()
    t = ffi.empty([1 << 30], "uint8")
    assert _resident_bytes() - before < (64 << 20)
    n = np.from_dlpack(t)
    n[-1] = 7
    assert n[-1] == 7 and n[0] == 0 and n[1 << 29] == 0


def test_empty_beyond_the_address_space_raises_memory_error():
    with pytest.raises(MemoryError):
        ffi.empty([1 << 50], "uint8")          # 1 PiB: more than x86-64 can map
    with pytest.raises(ValueError, match="too large"):
        ffi.empty([1 << 62, 1 << 62], "uint8")


def test_numpy_keeps_core_tensor_alive():
    t = ffi.empty([4], "int64")
    tensor_fill(t, 10.0)
    before = testing.live_object_count()
    n = np.from_dlpack(t)
    del t
    collect()
    assert testing.live_object_count() == before  # NumPy's capsule holds the tensor
    assert n.tolist() == [10, 11, 12, 13]
    del n
    collect()
    assert testing.live_object_count() == before - 1


def test_round_trip_through_numpy():
    a = np.arange(6.0).reshape(2, 3)
    t = ffi.from_dlpack(a)
    b = np.from_dlpack(t)
    assert np.shares_memory(a, b)
    t2 = ffi.from_dlpack(b)
    assert t2.data_ptr() == a.ctypes.data and t2.strides == (3, 1)


def test_dlpack_capsule_kinds():
    t = ffi.empty([2], "float64")
    assert "dltensor_versioned" in repr(t.__dlpack__(max_version=(1, 0)))
    assert "dltensor" in repr(t.__dlpack__())
    unused = t.__dlpack__(max_version=(1, 1))
    del unused  # an unconsumed capsule releases its reference (leak check)
    collect()


def test_dlpack_refuses_what_it_cannot_do():
    t = ffi.empty([2], "float64")
    with pytest.raises(BufferError, match="copy=True"):
        t.__dlpack__(copy=True)
    with pytest.raises(BufferError, match="not on"):
        t.__dlpack__(dl_device=(2, 0))
    with pytest.raises(BufferError, match="stream"):
        t.__dlpack__(stream=1)
    assert np.from_dlpack(t, copy=False).shape == (2,)


# ---- identity -------------------------------------------------------------------

def test_tensor_ties_like_any_object():
    t = ffi.from_dlpack(np.arange(3.0))
    assert echo(t) is t
    assert ffi.from_dlpack(t) is t
    holder = testing.TestHolder(t)
    assert holder.value is t
    i = id(holder.value)
    collect()
    assert id(holder.value) == i
    arr = ffi.Array([t, t])
    assert arr[0] is t and arr[1] is t


def test_core_tensor_identity_across_calls():
    t = ffi.empty([1], "int32")
    holder = testing.TestHolder(t)
    del t
    collect()
    assert holder.value is holder.value
    assert echo(holder.value) is holder.value


# ---- errors ---------------------------------------------------------------------

def test_core_errors_carry_the_message():
    with pytest.raises(ValueError, match="unknown data type `float7x`"):
        ffi.empty([2], "float7x")
    with pytest.raises(TypeError, match="Expected `ffi.Shape` but got `ffi.Array`"):
        ffi.get_global_func("ffi.TensorEmpty")([2], "float32")
    with pytest.raises(TypeError, match="expected float32/float64/int32/int64, got uint8"):
        tensor_sum(ffi.from_dlpack(np.zeros(2, dtype="uint8")))
    with pytest.raises(ValueError, match="negative extent"):
        ffi.empty([-1], "float32")
    with pytest.raises(TypeError):
        tensor_sum(ffi.Array([1]))


def test_tensor_is_not_constructible_or_picklable():
    with pytest.raises(TypeError):
        ffi.Tensor()
    t = ffi.empty([1], "float32")
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(t)


def test_moved_out_tensor():
    t = ffi.empty([1], "float32")
    holder = testing.TestHolder(t._move())
    assert repr(t) == "<Tensor (moved out)>"
    with pytest.raises(ValueError):
        t.shape
    assert holder.value.shape == (1,)


# ---- Device and dtype -----------------------------------------------------------

def test_device():
    assert ffi.Device("cuda:1") == ffi.Device("cuda", 1) == ffi.Device(2, 1)
    assert ffi.device("cpu") == ffi.Device(ffi.DLDeviceType.kDLCPU)
    assert str(ffi.Device("cuda", 1)) == "cuda:1"
    assert repr(ffi.Device("cpu")) == "device(type='cpu', index=0)"
    assert ffi.Device("rocm").dlpack_device_type() == 10
    assert len({ffi.Device("cpu"), ffi.Device("cpu", 0), ffi.Device("cpu", 1)}) == 2
    assert pickle.loads(pickle.dumps(ffi.Device("cuda:3"))) == ffi.Device("cuda", 3)
    with pytest.raises(ValueError, match="^Unknown device: gpu$"):
        ffi.Device("gpu")
    with pytest.raises(ValueError):
        ffi.Device("cpu", -1)
    with pytest.raises(TypeError):
        ffi.Device(1.5)


def test_dtype():
    d = ffi.dtype("float32x4")
    assert d == "float32x4" and (d.type_code, d.bits, d.lanes) == (2, 32, 4)
    assert d.itemsize == 16
    assert ffi.dtype("bool").type_code == 6 and ffi.dtype("bfloat16").type_code == 4
    assert ffi.dtype("uint8").itemsize == 1
    assert pickle.loads(pickle.dumps(ffi.dtype("int16"))).bits == 16
    with pytest.raises(ValueError, match="unknown data type"):
        ffi.dtype("float")
    with pytest.raises(TypeError):
        ffi.dtype(32)


def test_own_capsules_round_trip_without_numpy():
    # In a fresh process that never imports NumPy (on PyPy: cpyext not yet
    # in use), our capsules are made, consumed and released.
    import os
    import subprocess
    import sys
    code = (
        "import gc, sys, tvm_ffi_hpy as ffi\n"
        "ffi.testing  # loaded first: its import-time garbage is not counted\n"
        "for _ in range(3): gc.collect()\n"
        "base = ffi.testing.live_object_count()\n"
        "t = ffi.empty((2, 2), 'float64')\n"
        "t2 = ffi.from_dlpack(t.__dlpack__(max_version=(1, 0)))\n"
        "t3 = ffi.from_dlpack(t.__dlpack__())\n"
        "assert t2.data_ptr() == t3.data_ptr() == t.data_ptr() and t2 is not t\n"
        "unused = t.__dlpack__(max_version=(1, 1))\n"
        "del t, t2, t3, unused\n"
        "for _ in range(3): gc.collect()\n"
        "assert ffi.testing.live_object_count() == base, ffi.testing.live_object_count() - base\n"
        "assert 'numpy' not in sys.modules\n"
        "print('ok')\n")
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (repo, env.get("PYTHONPATH")) if p)
    proc = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, env=env, timeout=120)
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), proc.stdout


@pytest.mark.reenters_extension  # the protocol hook calls from_dlpack
def test_dlpack_producers_cross_as_tensors_and_come_back_as_themselves():
    # A NumPy array passed to a core function becomes a Tensor over the same
    # memory (apache tvm-ffi takes any DLPack producer where a Tensor goes),
    # and that Tensor comes back to Python as the array itself.
    echo = ffi.get_global_func("testing.echo")
    a = np.arange(6, dtype="float32").reshape(2, 3)
    assert echo(a) is a
    nested = echo([a, {"k": a}])
    assert type(nested) is ffi.Array and nested[0] is a and nested[1]["k"] is a
    to_tensor = ffi.get_global_func("testing.schema_id_tensor")  # typed: takes a Tensor
    assert to_tensor(a) is a
    tensor_fill(a, 1.0)  # the core writes into the array's memory
    assert a.ravel().tolist() == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert tensor_sum(a) == 21.0
    # What the caller asked to be a Tensor stays one.
    t = ffi.from_dlpack(a)
    assert type(echo(t)) is ffi.Tensor and echo(t) is t


@pytest.mark.reenters_extension  # the producer crosses through the protocol hook
def test_containers_made_in_cpp_give_back_the_producer():
    a, b = np.arange(4.0), np.arange(8, dtype="int32")
    made = ffi.get_global_func("testing.make_nested_map_with_tensor")(a, b)
    assert type(made) is ffi.Map and made["scalar"] == 99
    assert made["array"][0] is a and made["array"][1] is b and made["map"]["t"] is a
    lst = ffi.get_global_func("testing.make_list_with_tensor")(a, 7)
    assert type(lst) is ffi.List and lst[0] is a and lst[1] == 7
    t = ffi.from_dlpack(a)  # a plain Tensor in, a plain Tensor out
    assert ffi.get_global_func("testing.make_array_with_tensor")(t)[0] is t


@pytest.mark.reenters_extension  # the producer crosses through the protocol hook
def test_a_kept_tensor_keeps_its_producer_and_releases_it():
    import weakref
    a = np.arange(3.0)
    ref = weakref.ref(a)
    holder = testing.TestHolder(a)  # C++ keeps the Tensor made from a
    del a
    collect()
    assert ref() is not None and holder.value is ref()  # the same array, still alive
    del holder
    assert released(ref)


@pytest.mark.reenters_extension  # the producer crosses through the protocol hook
def test_a_bad_producer_raises():
    class NoCapsule:
        def __dlpack__(self, **kwargs):
            return 42

        def __dlpack_device__(self):
            return (1, 0)

    class Failing(NoCapsule):
        def __dlpack__(self, **kwargs):
            raise RuntimeError("no export today")

    echo = ffi.get_global_func("testing.echo")
    with pytest.raises(TypeError, match="did not return a DLPack capsule"):
        echo(NoCapsule())
    with pytest.raises(RuntimeError, match="no export today"):
        echo(Failing())


@pytest.mark.reenters_extension  # the NumPy array crosses through from_dlpack (the protocol hook)
def test_optional_tensor_view_argument():
    has_value = ffi.get_global_func("testing.optional_tensor_view_has_value")
    assert has_value(None) is False
    assert has_value(np.zeros(3, dtype="float32")) is True  # a DLPack producer
    assert has_value(ffi.from_dlpack(np.zeros(2))) is True
    with pytest.raises(TypeError, match="optional_tensor_view_has_value"):
        has_value(3)
