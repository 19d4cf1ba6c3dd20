/* py_class types deriving from a C++ class (a native parent, py_class.cc):
 * the C++ part is built and destroyed by the class's own constructor and
 * destructor, copied by its copy constructor, and the slots follow it. */
#include "test_util.h"

using namespace tvm_ffi_hpy;

namespace {

int g_constructed = 0;
int g_copied = 0;
int g_destroyed = 0;

/* A member no memcpy may move (a long std::string owns a heap block; a
 * short one points into the object itself), and counters. */
class CountedObj : public Object {
 public:
  int64_t n = 7;
  std::string text = "a string longer than the small-string buffer of std::string";
  CountedObj() { ++g_constructed; }
  CountedObj(const CountedObj& other) : Object(other), n(other.n), text(other.text) {
    ++g_copied;
  }
  ~CountedObj() { ++g_destroyed; }
  int64_t Twice() const { return 2 * n; }
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("core_test.native.Counted", CountedObj, Object)
};

class SealedObj : public Object {
 public:
  int64_t v = 0;
  TVM_FFI_HPY_DECLARE_FINAL_OBJECT_INFO("core_test.native.Sealed", SealedObj, Object)
};

class NoDefaultObj : public Object {
 public:
  explicit NoDefaultObj(int64_t v) : v(v) {}
  int64_t v;
  TVM_FFI_HPY_DECLARE_OBJECT_INFO("core_test.native.NoDefault", NoDefaultObj, Object)
};

void Register() {
  static bool done = [] {
    refl::ObjectDef<CountedObj>().def_rw("n", &CountedObj::n, refl::Default(int64_t(3)));
    refl::ObjectDef<SealedObj>().def_rw("v", &SealedObj::v);
    refl::ObjectDef<NoDefaultObj>(refl::init(false)).def_rw("v", &NoDefaultObj::v);
    return true;
  }();
  (void)done;
}

Any ReadField(const ObjectRef& obj, const TVMFFIFieldInfo& f) {
  TVMFFIAny out{};
  char* base = const_cast<char*>(reinterpret_cast<const char*>(obj.get()));
  if (f.getter(base + f.offset, &out) != 0) details::ThrowRaised();
  return Any::FromRawOwned(out);
}

ObjectRef ShallowCopyOf(const ObjectRef& obj) {
  TVMFFIByteArray name = details::ToByteArray("__ffi_shallow_copy__");
  const TVMFFITypeAttrColumn* column = TVMFFIGetTypeAttrColumn(&name);
  int32_t index = obj->type_index();
  CHECK(column != nullptr && index >= column->begin_index &&
        index < column->begin_index + column->size);
  Function copy = AnyView::FromRaw(column->data[index - column->begin_index]).cast<Function>();
  return copy(obj).cast<ObjectRef>();
}

}  // namespace

TEST(py_class, native_parent_layout_and_lifetime) {
  Register();
  Function define = Function::GetGlobalRequired("ffi.DefinePyClass");
  Function make = Function::GetGlobalRequired("ffi.NewPyClassObject");
  int64_t parent = CountedObj::RuntimeTypeIndex();
  int64_t child = define(String("core_test.native.Child"), parent,
                         Array({Any(String("extra"))}), false, Array())
                      .cast<int64_t>();
  int64_t grandchild = define(String("core_test.native.Grandchild"), child,
                              Array({Any(String("more"))}), false, Array())
                           .cast<int64_t>();
  // The slots start after the C++ part, rounded up to 8, and extend down the line.
  int64_t first = (int64_t(sizeof(CountedObj)) + 7) / 8 * 8;
  CHECK_EQ(TVMFFIGetTypeInfo(int32_t(child))->fields[0].offset, first);
  CHECK_EQ(TVMFFIGetTypeInfo(int32_t(grandchild))->fields[0].offset, first + 16);

  int constructed = g_constructed, copied = g_copied, destroyed = g_destroyed;
  {
    // One value per field: the C++ field `n`, then the slots.
    ObjectRef obj = make(grandchild, int64_t(21), String("x"), int64_t(5)).cast<ObjectRef>();
    CHECK_EQ(g_constructed, constructed + 1);
    CHECK_EQ(obj->type_index(), int32_t(grandchild));
    // A C++ view of the object: its fields and methods are the class's.
    const CountedObj* counted = obj.as<CountedObj>();
    CHECK(counted != nullptr);
    CHECK_EQ(counted->n, int64_t(21));
    CHECK_EQ(counted->Twice(), int64_t(42));
    CHECK(counted->text.size() > 40);
    const TVMFFITypeInfo* child_info = TVMFFIGetTypeInfo(int32_t(child));
    CHECK(ReadField(obj, child_info->fields[0]).cast<String>().view() == "x");
    CHECK_EQ(ReadField(obj, TVMFFIGetTypeInfo(int32_t(grandchild))->fields[0]).cast<int64_t>(),
             int64_t(5));

    ObjectRef copy = ShallowCopyOf(obj);  // the C++ copy constructor, then the slots
    CHECK_EQ(g_copied, copied + 1);
    CHECK(!copy.same_as(obj));
    CHECK_EQ(copy.as<CountedObj>()->n, int64_t(21));
    CHECK(copy.as<CountedObj>()->text == counted->text);
    CHECK(ReadField(copy, child_info->fields[0]).cast<String>().view() == "x");

    CHECK_THROWS(make(grandchild, int64_t(1)), "TypeError", "takes 3 field values");
    CHECK_THROWS(make(grandchild, String("no"), String("x"), int64_t(5)), "TypeError",
                 "Cannot set field `n`");
    // The refused values built nothing that stays alive.
  }
  CHECK_EQ(g_constructed + g_copied - g_destroyed, constructed + copied - destroyed);
}

TEST(py_class, native_parent_refused) {
  Register();
  Function define = Function::GetGlobalRequired("ffi.DefinePyClass");
  auto define_on = [&](const char* key, int64_t parent) {
    define(String(key), parent, Array(), false, Array());
  };
  CHECK_THROWS(define_on("core_test.native.FromSealed", SealedObj::RuntimeTypeIndex()),
               "TypeError", "not final");
  CHECK_THROWS(define_on("core_test.native.FromNoDefault", NoDefaultObj::RuntimeTypeIndex()),
               "TypeError", "default-constructible");
  CHECK_THROWS(define_on("core_test.native.FromArray", int64_t(kTVMFFIArray)), "TypeError",
               "cannot be derived from");
  CHECK_THROWS(define_on("core_test.native.FromNowhere", int64_t(1) << 40), "TypeError",
               "not a registered type");
  CHECK_THROWS(define_on("core_test.native.FromNegative", int64_t(-3)), "TypeError",
               "not a registered type");
}
