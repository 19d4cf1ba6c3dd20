"""PyTorch tensors cross as core Tensors without a copy, and back (DLPack).

torch is installed for CPython 3.11 only when the machine has its CPU wheel
on disk (ci/install.sh); PyPy has no torch wheel.  Without it these tests
skip, saying so."""
import pytest

import tvm_ffi_hpy as ffi

torch = pytest.importorskip("torch", reason="torch is not installed for this interpreter "
                                            "(CPython 3.11 gets its CPU wheel from disk)")

pytestmark = pytest.mark.reenters_extension  # tensors cross through from_dlpack (the protocol hook)

tensor_sum = ffi.get_global_func("testing.tensor_sum")
tensor_fill = ffi.get_global_func("testing.tensor_fill")
echo = ffi.get_global_func("testing.echo")


def test_torch_tensor_is_taken_where_a_tensor_is_expected_without_a_copy():
    t = torch.arange(6, dtype=torch.float64).reshape(2, 3)
    assert tensor_sum(t) == 15.0
    tensor_fill(t, 10.0)  # the core writes into torch's memory
    assert t.flatten().tolist() == [10.0, 11.0, 12.0, 13.0, 14.0, 15.0]
    view = ffi.from_dlpack(t)
    assert view.shape == (2, 3) and str(view.dtype) == "float64"
    assert view.data_ptr() == t.data_ptr()  # the same memory, not a copy
    assert tuple(view.strides) == tuple(t.stride())


def test_core_tensor_goes_back_to_torch_sharing_memory():
    t = torch.zeros(4, dtype=torch.float32)
    core_tensor = ffi.from_dlpack(t)
    back = torch.from_dlpack(core_tensor)
    assert back.data_ptr() == t.data_ptr()
    back[1] = 7.0
    assert t.tolist() == [0.0, 7.0, 0.0, 0.0]
    assert echo(core_tensor) is core_tensor  # one wrapper per core object


def test_strided_torch_views_keep_their_strides():
    t = torch.arange(12, dtype=torch.float32).reshape(3, 4)
    column = t[:, 1]
    view = ffi.from_dlpack(column)
    assert tuple(view.shape) == (3,) and tuple(view.strides) == (4,)
    assert tensor_sum(column) == 1.0 + 5.0 + 9.0


def test_torch_dtypes_cross_as_data_types():
    for torch_dtype, name in ((torch.float32, "float32"), (torch.int64, "int64"),
                              (torch.bfloat16, "bfloat16"), (torch.bool, "bool")):
        value = echo(torch_dtype)
        assert isinstance(value, ffi.dtype) and str(value) == name


def test_torch_tensor_memory_outlives_the_torch_name():
    t = torch.ones(3, dtype=torch.float64)
    view = ffi.from_dlpack(t)
    del t
    assert tensor_sum(view) == 3.0
