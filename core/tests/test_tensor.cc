/* Tensors: DLPack in and out through the C ABI, lifetimes, requirements,
 * data-type names. */
#include <cstdlib>

#include "test_util.h"

using namespace tvm_ffi_hpy;

namespace {

// A producer's managed tensor over a static buffer, counting deleter calls.
struct Producer {
  int64_t shape[2] = {2, 3};
  int64_t strides[2] = {3, 1};
  alignas(64) float data[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  int deleted = 0;
  DLManagedTensorVersioned managed{};

  DLManagedTensorVersioned* Make(int64_t* strides_or_null, uint64_t offset = 0) {
    managed = DLManagedTensorVersioned{};
    managed.version = DLPackVersion{1, 0};
    managed.manager_ctx = this;
    managed.deleter = [](DLManagedTensorVersioned* self) {
      ++static_cast<Producer*>(self->manager_ctx)->deleted;
    };
    managed.dl_tensor.data = data;
    managed.dl_tensor.device = DLDevice{kDLCPU, 0};
    managed.dl_tensor.ndim = 2;
    managed.dl_tensor.dtype = DLDataType{kDLFloat, 32, 1};
    managed.dl_tensor.shape = shape;
    managed.dl_tensor.strides = strides_or_null;
    managed.dl_tensor.byte_offset = offset;
    return &managed;
  }
};

}  // namespace

TEST(tensor, from_dlpack_shares_and_calls_deleter_once) {
  Producer p;
  TVMFFIObjectHandle h = nullptr;
  CHECK_EQ(TVMFFITensorFromDLPackVersioned(p.Make(nullptr), 0, 1, &h), 0);
  const DLTensor* dl = TVMFFITensorGetDLTensorPtr(h);
  CHECK(dl->data == p.data);
  CHECK(dl->shape != p.shape);  // copied into the tensor
  CHECK_EQ(dl->shape[1], int64_t(3));
  CHECK(dl->strides != nullptr);  // computed for a compact producer
  CHECK_EQ(dl->strides[0], int64_t(3));
  CHECK_EQ(dl->strides[1], int64_t(1));
  CHECK_EQ(p.deleted, 0);
  TVMFFIObjectDecRef(h);
  CHECK_EQ(p.deleted, 1);
}

TEST(tensor, to_dlpack_holds_a_reference) {
  Tensor t = Tensor::Empty({4}, DLDataType{kDLInt, 64, 1});
  CHECK_EQ(t.get()->use_count(), 1);
  DLManagedTensorVersioned* out = t.ToDLPackVersioned();
  CHECK_EQ(t.get()->use_count(), 2);
  CHECK_EQ(out->version.major, uint32_t(1));
  CHECK(out->dl_tensor.data == t.dl().data);
  CHECK_EQ(out->dl_tensor.shape[0], int64_t(4));
  out->deleter(out);
  CHECK_EQ(t.get()->use_count(), 1);
  DLManagedTensor* legacy = t.ToDLPack();
  CHECK_EQ(t.get()->use_count(), 2);
  legacy->deleter(legacy);
  CHECK_EQ(t.get()->use_count(), 1);
}

TEST(tensor, round_trip_keeps_the_producer_alive) {
  Producer p;
  Tensor t = Tensor::FromDLPackVersioned(p.Make(p.strides), 0, false);
  DLManagedTensorVersioned* out = t.ToDLPackVersioned();
  t = Tensor::Empty({1}, DLDataType{kDLFloat, 32, 1});  // drop the first tensor
  CHECK_EQ(p.deleted, 0);  // the export still holds it
  out->deleter(out);
  CHECK_EQ(p.deleted, 1);
}

TEST(tensor, requirements_fail_without_taking_ownership) {
  Producer p;
  int64_t strided[2] = {6, 2};
  TVMFFIObjectHandle h = nullptr;
  CHECK_EQ(TVMFFITensorFromDLPackVersioned(p.Make(strided), 0, 1, &h), -1);
  TVMFFIObjectHandle err = nullptr;
  TVMFFIErrorMoveFromRaised(&err);
  CHECK(err != nullptr);
  TVMFFIObjectDecRef(err);
  CHECK_THROWS(Tensor::FromDLPackVersioned(p.Make(nullptr, 4), 64, false), "ValueError",
               "not aligned to 64 bytes");
  CHECK_THROWS(Tensor::FromDLPackVersioned(p.Make(nullptr), 3, false), "ValueError",
               "power of two");
  DLManagedTensorVersioned* future = p.Make(nullptr);
  future->version.major = 2;
  CHECK_THROWS(Tensor::FromDLPackVersioned(future, 0, false), "ValueError", "DLPack version 2.0");
  CHECK_EQ(p.deleted, 0);  // every failure left the producer's tensor alone
  // extents of 1 may have any stride
  p.shape[0] = 1;
  int64_t odd[2] = {99, 1};
  Tensor ok = Tensor::FromDLPackVersioned(p.Make(odd), 16, true);
  CHECK(ok.IsContiguous());
}

TEST(tensor, read_only_flag_travels) {
  Producer p;
  DLManagedTensorVersioned* in = p.Make(nullptr);
  in->flags = DLPACK_FLAG_BITMASK_READ_ONLY | DLPACK_FLAG_BITMASK_IS_COPIED;
  Tensor t = Tensor::FromDLPackVersioned(in, 0, false);
  DLManagedTensorVersioned* out = t.ToDLPackVersioned();
  CHECK_EQ(out->flags, uint64_t(DLPACK_FLAG_BITMASK_READ_ONLY));
  out->deleter(out);
}

TEST(tensor, data_type_names) {
  const char* names[] = {"int8", "int64", "uint16", "float16", "float32", "bfloat16",
                         "bool", "handle", "float32x4", "complex64"};
  for (const char* name : names) {
    DLDataType dt = StringToDataType(name);
    CHECK(DataTypeToString(dt) == name);
    TVMFFIByteArray text{name, std::strlen(name)};
    DLDataType via_c{};
    CHECK_EQ(TVMFFIDataTypeFromString(&text, &via_c), 0);
    CHECK_EQ(via_c.code, dt.code);
    CHECK_EQ(via_c.bits, dt.bits);
    CHECK_EQ(via_c.lanes, dt.lanes);
  }
  CHECK_EQ(DataTypeBytes(StringToDataType("float32x4")), size_t(16));
  CHECK_THROWS(StringToDataType("float"), "ValueError", "unknown data type");
  CHECK_THROWS(StringToDataType("int32x"), "ValueError", "unknown data type");
  CHECK_THROWS(StringToDataType("int256"), "ValueError", "unknown data type");
  TVMFFIAny out{};
  DLDataType f32{kDLFloat, 32, 1};
  CHECK_EQ(TVMFFIDataTypeToString(&f32, &out), 0);
  CHECK(Any::FromRawOwned(out).cast<String>().view() == "float32");
}

TEST(tensor, empty_is_aligned_zeroed_and_typed) {
  Tensor t = Tensor::Empty({3, 5}, StringToDataType("float64"));
  CHECK_EQ(reinterpret_cast<uintptr_t>(t.dl().data) % 64, uintptr_t(0));
  CHECK_EQ(t.numel(), int64_t(15));
  CHECK_EQ(t.dl().strides[0], int64_t(5));
  const double* d = static_cast<const double*>(t.dl().data);
  double sum = 0;
  for (int i = 0; i < 15; ++i) sum += d[i];
  CHECK_EQ(sum, 0.0);
  CHECK_EQ(details::HeaderOf(t.get())->type_index, int32_t(kTVMFFITensor));
  Any a = t;
  CHECK(a.cast<Tensor>().same_as(t));
  CHECK_THROWS(Tensor::Empty({-2}, StringToDataType("int8")), "ValueError", "negative extent");
  CHECK_THROWS(Function::GetGlobalRequired("ffi.TensorEmpty")(Shape({2}), String("floaty")),
               "ValueError", "unknown data type `floaty`");
}

TEST(tensor, empty_is_contiguous_whatever_the_strides) {
  Producer p;
  p.shape[1] = 0;
  int64_t odd[2] = {7, 5};
  Tensor t = Tensor::FromDLPackVersioned(p.Make(odd), 0, true);
  CHECK(t.IsContiguous());
  CHECK_EQ(t.numel(), int64_t(0));
  // the same strides on a non-empty tensor are not contiguous
  p.shape[1] = 3;
  CHECK_THROWS(Tensor::FromDLPackVersioned(p.Make(odd), 0, true), "ValueError",
               "not contiguous");
}
