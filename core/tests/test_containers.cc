/* Array, Map, Shape and their ffi.* functions. */
#include "test_util.h"

using namespace tvm_ffi_hpy;

TEST(containers, array) {
  Array a{Any(1), Any("two"), Any(3.0)};
  CHECK_EQ(a.size(), int64_t(3));
  const TVMFFISeqCell* seq = TVMFFISeqGetCellPtr(details::HeaderOf(a.get()));
  CHECK_EQ(seq->size, int64_t(3));
  CHECK(seq->capacity >= 3);
  CHECK(reinterpret_cast<const char*>(seq->data) == reinterpret_cast<const char*>(a.get()) + 48);
  CHECK_EQ(seq->data[0].v_int64, int64_t(1));
  CHECK(a[1].cast<String>() == "two");
  CHECK_THROWS(a[3], "IndexError", "Array index out of range");
  CHECK_THROWS(a.at(-1), "IndexError", "Array index out of range");

  // Copy on write: a shared array is never changed under its other owner.
  Array b = a;
  b.push_back(Any(4));
  CHECK_EQ(a.size(), int64_t(3));
  CHECK_EQ(b.size(), int64_t(4));
  CHECK(!a.same_as(b));
  const ArrayObj* before = b.get();
  b.Set(0, Any(100));
  CHECK(b.get() == before);  // unique: in place
  CHECK_EQ(b[0].cast<int64_t>(), int64_t(100));
  CHECK_EQ(a[0].cast<int64_t>(), int64_t(1));
  for (int i = 0; i < 20; ++i) b.push_back(Any(i));
  CHECK_EQ(b.size(), int64_t(24));
  CHECK_EQ(b[23].cast<int64_t>(), int64_t(19));
  int64_t count = 0;
  for (const Any& v : b) count += v.type_index() == kTVMFFIInt ? 1 : 0;
  CHECK_EQ(count, int64_t(22));  // 100, 4 and 0..19
}

TEST(containers, array_globals) {
  Function make = Function::GetGlobalRequired("ffi.Array");
  Function get = Function::GetGlobalRequired("ffi.ArrayGetItem");
  Function size = Function::GetGlobalRequired("ffi.ArraySize");
  Any arr = make(1, "a long string value", Array());
  CHECK_EQ(size(arr).cast<int64_t>(), int64_t(3));
  CHECK(get(arr, 1).cast<String>() == "a long string value");
  CHECK_THROWS(get(arr, 3), "IndexError", "Array index out of range");
  CHECK_THROWS(get(arr, -1), "IndexError", "Array index out of range");
  CHECK_THROWS(size(1), "TypeError", "Expected `ffi.Array` but got `int`");
  CHECK_EQ(make().cast<Array>().size(), int64_t(0));
}

TEST(containers, map) {
  Map m;
  m.Set("small", 1);
  m.Set(42, "int key");
  m.Set(nullptr, "none key");
  m.Set(std::string("a key longer than seven"), 2);
  CHECK_EQ(m.size(), size_t(4));
  // Numbers by value: 42 == 42.0 == int 42; True == 1.
  CHECK(m.at(42.0).cast<String>() == "int key");
  m.Set(1, "one");
  CHECK(m.at(true).cast<String>() == "one");
  CHECK_EQ(m.count(2.5), int64_t(0));
  // Strings by content: a Str object and a small string with the same text
  // are the same key, and so are raw views.
  TVMFFIAny short_obj{};
  details::SetObject(&short_obj, details::MakeByteObject<StringObj>("small", 5).release());
  Any short_str = Any::FromRawOwned(short_obj);
  CHECK_EQ(short_str.type_index(), int32_t(kTVMFFIStr));
  CHECK_EQ(m.at(short_str).cast<int64_t>(), int64_t(1));
  CHECK_EQ(m.at(AnyView("a key longer than seven")).cast<int64_t>(), int64_t(2));
  CHECK_EQ(m.count(Bytes("small", 5)), int64_t(0));  // bytes are not str
  CHECK(m.at(nullptr).cast<String>() == "none key");
  // Objects by identity.
  Array k1, k2;
  m.Set(k1, "k1");
  CHECK_EQ(m.count(k1), int64_t(1));
  CHECK_EQ(m.count(k2), int64_t(0));
  CHECK_THROWS(m.at("missing"), "KeyError", "'missing'");
  // Insertion order, replacement in place, erase.
  std::vector<std::string> order;
  for (const auto& kv : m) order.push_back(details::AnyRepr(&kv.first.raw()));
  CHECK_EQ(order[0], std::string("'small'"));
  CHECK_EQ(order[1], std::string("42"));
  CHECK_EQ(order[2], std::string("None"));
  Map shared = m;
  CHECK(m.erase(42));
  CHECK_EQ(m.count(42), int64_t(0));
  CHECK_EQ(shared.count(42), int64_t(1));  // copy on write
  CHECK(m.at("small").cast<int64_t>() == 1);
  CHECK(m.begin()[1].first.is_none());
}

TEST(containers, map_globals) {
  Function make = Function::GetGlobalRequired("ffi.Map");
  Function size = Function::GetGlobalRequired("ffi.MapSize");
  Function get = Function::GetGlobalRequired("ffi.MapGetItem");
  Function count = Function::GetGlobalRequired("ffi.MapCount");
  Function items = Function::GetGlobalRequired("ffi.MapItems");
  Any m = make("a", 1, "b", 2, "a", 3);
  CHECK_EQ(size(m).cast<int64_t>(), int64_t(2));
  CHECK_EQ(get(m, "a").cast<int64_t>(), int64_t(3));
  CHECK_EQ(count(m, "b").cast<int64_t>(), int64_t(1));
  CHECK_EQ(count(m, "z").cast<int64_t>(), int64_t(0));
  CHECK_THROWS(get(m, "zzz"), "KeyError", "'zzz'");
  CHECK_THROWS(make(1, 2, 3), "ValueError", "even number");
  Array kv = items(m).cast<Array>();
  CHECK_EQ(kv.size(), int64_t(4));
  CHECK(kv[0].cast<String>() == "a");
  CHECK_EQ(kv[1].cast<int64_t>(), int64_t(3));
  CHECK(kv[2].cast<String>() == "b");
  CHECK_EQ(kv[3].cast<int64_t>(), int64_t(2));
  CHECK_EQ(make().cast<Map>().size(), size_t(0));
}

TEST(containers, shape) {
  Shape s{2, 3, 4};
  CHECK_EQ(s.size(), size_t(3));
  CHECK_EQ(s.numel(), int64_t(24));
  const TVMFFIShapeCell* cell = TVMFFIShapeGetCellPtr(details::HeaderOf(s.get()));
  CHECK_EQ(cell->size, size_t(3));
  CHECK_EQ(cell->data[2], int64_t(4));
  CHECK(reinterpret_cast<const char*>(cell->data) == reinterpret_cast<const char*>(s.get()) + 40);
  CHECK_THROWS(s.at(3), "IndexError", "Shape index out of range");
  Function make = Function::GetGlobalRequired("ffi.Shape");
  Shape t = make(5, 6).cast<Shape>();
  CHECK_EQ(t.size(), size_t(2));
  CHECK_EQ(t[1], int64_t(6));
  CHECK_THROWS(make(1, "x"), "TypeError", "argument #1 when calling: `ffi.Shape`. Expected `int`");
  CHECK_EQ(make().cast<Shape>().size(), size_t(0));
  Function key_of = Function::GetGlobalRequired("ffi.GetTypeKeyOfIndex");
  CHECK(key_of(int64_t(kTVMFFIShape)).cast<String>() == "ffi.Shape");
  CHECK_THROWS(key_of(99999), "KeyError", "99999");
}

namespace {
std::vector<int64_t> Ints(const List& l) {
  std::vector<int64_t> out;
  for (const Any& v : l) out.push_back(v.cast<int64_t>());
  return out;
}
}  // namespace

TEST(containers, list) {
  List a{Any(1), Any(2), Any(3)};
  // Array's layout: the cell at offset 24, so sequence walkers treat 71 and 75 alike.
  const TVMFFIObject* header = details::HeaderOf(a.get());
  CHECK_EQ(header->type_index, int32_t(kTVMFFIList));
  const TVMFFISeqCell* seq = TVMFFISeqGetCellPtr(header);
  CHECK(reinterpret_cast<const char*>(seq) == reinterpret_cast<const char*>(a.get()) + 24);
  CHECK_EQ(seq->size, int64_t(3));
  CHECK_EQ(seq->data[2].v_int64, int64_t(3));

  // Shared by reference: a mutation through one holder is seen by the other.
  List b = a;
  b.push_back(Any(4));
  CHECK(a.same_as(b));
  CHECK_EQ(a.size(), int64_t(4));
  b.Set(0, Any(10));
  CHECK_EQ(a[0].cast<int64_t>(), int64_t(10));
  a.insert(1, Any(5));
  a.insert(a.size(), Any(6));
  CHECK(Ints(b) == std::vector<int64_t>({10, 5, 2, 3, 4, 6}));
  CHECK_EQ(a.pop(1).cast<int64_t>(), int64_t(5));
  CHECK_EQ(a.pop_back().cast<int64_t>(), int64_t(6));
  a.erase(1, 3);
  CHECK(Ints(a) == std::vector<int64_t>({10, 4}));
  a.reverse();
  CHECK(Ints(a) == std::vector<int64_t>({4, 10}));
  for (int i = 0; i < 100; ++i) a.push_back(Any(i));  // grows: the buffer moves
  CHECK_EQ(a.size(), int64_t(102));
  CHECK(a.get()->capacity() >= 102);
  CHECK_EQ(a[101].cast<int64_t>(), int64_t(99));
  CHECK_THROWS(a[102], "IndexError", "List index out of range");
  CHECK_THROWS(a.at(-1), "IndexError", "List index out of range");
  CHECK_THROWS(a.insert(104, Any(0)), "IndexError", "List index out of range");
  CHECK_THROWS(a.erase(5, 2), "IndexError", "out of bounds");
  a.clear();
  CHECK(b.empty());
  CHECK(TVMFFISeqGetCellPtr(header)->data == nullptr);

  // Replacing a range by the List's own items: they are copied first.
  List c{Any(0), Any(1), Any(2), Any(3), Any(4)};
  ListObj* obj = const_cast<ListObj*>(c.get());
  obj->ReplaceRange(1, 3, c.begin(), c.size());
  CHECK(Ints(c) == std::vector<int64_t>({0, 0, 1, 2, 3, 4, 3, 4}));
  obj->ReplaceRange(2, 8, nullptr, 0);
  CHECK(Ints(c) == std::vector<int64_t>({0, 0}));
  // A List converts to an Array (a copy sharing the items) and back.
  Array as_array = Any(c).cast<Array>();
  CHECK_EQ(as_array.size(), int64_t(2));
  CHECK_EQ(details::HeaderOf(as_array.get())->type_index, int32_t(kTVMFFIArray));
  List back = Any(as_array).cast<List>();
  CHECK(!back.same_as(c) && Ints(back) == Ints(c));
  CHECK(Any(c).cast<List>().same_as(c));  // no copy for the type itself
  CHECK_THROWS(Any(Map()).cast<List>(), "TypeError", "Cannot convert from type `ffi.Map`");
  CHECK_THROWS(Function::GetGlobalRequired("ffi.ArraySize")(Map()), "TypeError", "Expected `ffi.Array`");
}

TEST(containers, list_globals) {
  Function make = Function::GetGlobalRequired("ffi.List");
  Function append = Function::GetGlobalRequired("ffi.ListAppend");
  Function get = Function::GetGlobalRequired("ffi.ListGetItem");
  Function set = Function::GetGlobalRequired("ffi.ListSetItem");
  Function contains = Function::GetGlobalRequired("ffi.ListContains");
  Function replace = Function::GetGlobalRequired("ffi.ListReplaceSlice");
  Function size = Function::GetGlobalRequired("ffi.ListSize");
  Any l = make(1, "a long string value");
  append(l, 2.5);
  set(l, 0, 7);
  CHECK_EQ(size(l).cast<int64_t>(), int64_t(3));
  CHECK_EQ(get(l, 0).cast<int64_t>(), int64_t(7));
  CHECK(contains(l, "a long string value").cast<bool>());
  CHECK(contains(l, 2.5).cast<bool>());
  CHECK(!contains(l, 7.0).cast<bool>());  // 7 is an int, not a float
  CHECK(!contains(l, true).cast<bool>());
  replace(l, 1, 3, Array{Any(8), Any(9)});
  CHECK(Ints(l.cast<List>()) == std::vector<int64_t>({7, 8, 9}));
  CHECK_THROWS(replace(l, 0, 1, 5), "TypeError", "List or an Array");
  CHECK_THROWS(get(l, 3), "IndexError", "List index out of range");
  // The List functions take exactly a List: an Array is not copied into a
  // temporary List that a mutation would then change unseen.
  CHECK_THROWS(size(Array()), "TypeError", "Expected `ffi.List` but got `ffi.Array`");
  CHECK_THROWS(Function::GetGlobalRequired("ffi.ListAppend")(Array(), 1), "TypeError",
               "Expected `ffi.List` but got `ffi.Array`");
  CHECK_THROWS(Function::GetGlobalRequired("ffi.DictSetItem")(Map(), 1, 2), "TypeError",
               "Expected `ffi.Dict` but got `ffi.Map`");
  CHECK_THROWS(Function::GetGlobalRequired("ffi.ListReserve")(l, int64_t(1) << 62), "ValueError",
               "too large");
  Function key_of = Function::GetGlobalRequired("ffi.GetTypeKeyOfIndex");
  CHECK(key_of(int64_t(kTVMFFIList)).cast<String>() == "ffi.List");
  CHECK(key_of(int64_t(kTVMFFIDict)).cast<String>() == "ffi.Dict");
}

TEST(containers, dict) {
  Dict d{{Any("a"), Any(1)}, {Any(2), Any("two")}};
  Dict alias = d;
  alias.Set("c", 3);
  CHECK_EQ(d.size(), size_t(3));  // no copy on write
  CHECK_EQ(d.at("c").cast<int64_t>(), int64_t(3));
  CHECK(d.at(2.0).cast<String>() == "two");  // Map's key semantics
  CHECK_THROWS(d.at("zz"), "KeyError", "key 'zz' is not in the Dict");
  CHECK(d.erase("a"));
  CHECK(!alias.erase("a"));
  CHECK_EQ(alias.count("a"), int64_t(0));
  CHECK(d.begin()[0].first.type_index() == kTVMFFIInt);  // order kept after erase
  CHECK_EQ(d.get()->Find("c")->cast<int64_t>(), int64_t(3));
  d.clear();
  CHECK(alias.empty());
  d.Set("k", 1);
  Map as_map = Any(d).cast<Map>();  // a copy: Map stays immutable under later Dict changes
  d.Set("k", 2);
  CHECK_EQ(as_map.at("k").cast<int64_t>(), int64_t(1));
  CHECK_EQ(Any(as_map).cast<Dict>().at("k").cast<int64_t>(), int64_t(1));
  CHECK_THROWS(Any(List()).cast<Dict>(), "TypeError", "Cannot convert from type `ffi.List`");
  d.clear();

  Function make = Function::GetGlobalRequired("ffi.Dict");
  Function items = Function::GetGlobalRequired("ffi.DictItems");
  Function iter = Function::GetGlobalRequired("ffi.DictForwardIterFunctor");
  Any g = make("x", 1, "y", 2);
  CHECK_THROWS(make(1), "ValueError", "even number");
  CHECK_EQ(items(g).cast<Array>().size(), int64_t(4));
  Function it = iter(g).cast<Function>();
  CHECK(it(0).cast<String>() == "x");
  CHECK_EQ(it(1).cast<int64_t>(), int64_t(1));
  CHECK(it(2).cast<bool>());
  CHECK(it(0).cast<String>() == "y");
  CHECK(!it(2).cast<bool>());
  CHECK_THROWS(it(0), "IndexError", "iterator out of range");
}

TEST(containers, access_path) {
  AccessPath root = AccessPath::Root();
  AccessPath p = root.Attr("layer").ArrayItem(2).MapItemMissing("k");
  CHECK_EQ(p->depth, int64_t(3));
  std::vector<AccessStep> steps = p.ToSteps();
  CHECK_EQ(steps.size(), size_t(3));
  CHECK_EQ(steps[0]->kind, int64_t(AccessKind::kAttr));
  CHECK_EQ(steps[1]->key.cast<int64_t>(), int64_t(2));
  CHECK_EQ(steps[2]->kind, int64_t(AccessKind::kMapItemMissing));
  CHECK(root.IsPrefixOf(p));
  CHECK(root.Attr("layer").IsPrefixOf(p));
  CHECK(!root.Attr("other").IsPrefixOf(p));
  CHECK(!p.IsPrefixOf(root));
  CHECK(p.PathEqual(root.Attr("layer").ArrayItem(2).MapItemMissing("k")));
  CHECK(!p.PathEqual(root.Attr("layer").ArrayItem(2).MapItem("k")));
  CHECK(root.ToSteps().empty());
}
