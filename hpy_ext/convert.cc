/*
 * convert.cc -- Python values <-> TVMFFIAny.
 *
 *   Python                         core value
 *   ------------------------------ ---------------------------------------
 *   None                           kTVMFFINone
 *   bool                           kTVMFFIBool          (checked before int)
 *   int (fits int64)               kTVMFFIInt           (else OverflowError)
 *   float                          kTVMFFIFloat
 *   str                            kTVMFFISmallStr (<= 7 bytes) or Str
 *   bytes                          kTVMFFISmallBytes (<= 7 bytes) or Bytes
 *   Object wrapper                 its object (a view: no new reference)
 *   x._move()                      kTVMFFIObjectRValueRef to the wrapper's slot
 *   tvm_ffi_hpy.Shape / Shape obj  Shape
 *   list, tuple                    Array (elements converted recursively)
 *   dict                           Map
 *   other callable                 Function calling it back
 *   anything else                  OpaquePyObject; comes back as itself
 *
 * Python objects held by the core.  An OpaquePyObject (and a Function made
 * from a Python callable) keeps its Python object in the opaque table under
 * an integer key; the core object's handle is that key.  The core may drop the
 * object anywhere (another thread, a destructor run from tp_destroy), where
 * no HPy context may be used, so the deleter only queues the key; the queue
 * is drained at the next call into the extension (maybe_drain_released).
 */
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "ext.h"
#include "shim.h"
#include "small_buffer.h"

namespace tvm_ffi_hpy_ext {

// ---------------------------------------------------------------------------
// ArgTemps
// ---------------------------------------------------------------------------
void ArgTemps::release() {
  for (const Moved& m : moved_) {
    reattach_if_kept(ctx_, m.wrapper, m.obj);
    HPy_Close(ctx_, m.wrapper);
  }
  moved_.clear();
  TVMFFIObject** items = heap_ ? heap_ : inline_;
  for (int i = 0; i < size_; ++i) TVMFFIObjectDecRef(items[i]);
  size_ = 0;
  std::free(heap_);
  heap_ = nullptr;
  capacity_ = kInline;
}

void ArgTemps::release_from(int mark) {
  TVMFFIObject** items = heap_ ? heap_ : inline_;
  for (int i = mark; i < size_; ++i) TVMFFIObjectDecRef(items[i]);
  size_ = mark;
}

void ArgTemps::moved(HPy wrapper, TVMFFIObject* obj) { moved_.push_back({wrapper, obj}); }

void ArgTemps::own(TVMFFIObject* obj) {
  if (size_ == capacity_) {
    int cap = capacity_ * 2;
    auto* grown = static_cast<TVMFFIObject**>(std::malloc(sizeof(TVMFFIObject*) * cap));
    if (!grown) std::abort();
    std::memcpy(grown, heap_ ? heap_ : inline_, sizeof(TVMFFIObject*) * size_);
    std::free(heap_);
    heap_ = grown;
    capacity_ = cap;
  }
  (heap_ ? heap_ : inline_)[size_++] = obj;
}

// ---------------------------------------------------------------------------
// Python objects held by the core
// ---------------------------------------------------------------------------
volatile int g_released_pending = 0;

// The opaque table.  Key k >= 1 names one HPyField: keys are grouped in
// chunks, chunk c holding kFirstChunk << c fields (keys 1 .. kFirstChunk
// in chunk 0, the next 2 * kFirstChunk in chunk 1, ...), so the table grows
// without ever moving a field.  The fields of chunk c are owned by one
// keeper (binding.cc, kind kOpaqueKeeper), held in the module global
// g_opaque_keepers[c], whose tp_traverse visits exactly them
// (opaque_chunk_traverse): each field holds one strong reference and is
// visited by one owner.  A crossing costs a global load and a field store
// (no int object, no list item assignment); free keys are reused
// (g_free_keys), so the table only grows to the most objects held at once.
//   g_opaque_chunks[c].fields   calloc'ed once, never moved or freed (the
//                               keeper's tp_traverse may read it at any
//                               collection, also at interpreter exit);
// All of it changes under the GIL only.
static constexpr int64_t kFirstChunk = 1024;
struct OpaqueChunk {
  HPyField* fields = nullptr;
  int64_t size = 0;
};
static OpaqueChunk g_opaque_chunks[kOpaqueChunks];
static int g_opaque_chunk_count = 0;
static int64_t g_next_new_key = 1;  // the smallest key never handed out

int opaque_chunk_traverse(uint32_t chunk_index, HPyFunc_visitproc visit, void* arg) {
  if (chunk_index >= uint32_t(g_opaque_chunk_count)) return 0;
  const OpaqueChunk& chunk = g_opaque_chunks[chunk_index];
  for (int64_t i = 0; i < chunk.size; ++i) HPy_VISIT(&chunk.fields[i]);
  return 0;
}

// Where key `key` lives: its chunk and the index in it.
static inline void opaque_slot(int64_t key, int* chunk, int64_t* index) {
  uint64_t k = static_cast<uint64_t>(key - 1);
  int c = 63 - __builtin_clzll(k / kFirstChunk + 1);
  *chunk = c;
  *index = static_cast<int64_t>(k - uint64_t(kFirstChunk) * ((uint64_t(1) << c) - 1));
}

// Attach chunk g_opaque_chunk_count (its fields and its keeper); -1 with an
// error set.
static int opaque_add_chunk(HPyContext* ctx) {
  int c = g_opaque_chunk_count;
  if (c == kOpaqueChunks) {
    HPyErr_SetString(ctx, ctx->h_MemoryError, "too many Python objects held by the core");
    return -1;
  }
  int64_t size = kFirstChunk << c;
  auto* fields = static_cast<HPyField*>(std::calloc(size_t(size), sizeof(HPyField)));
  if (!fields) {
    HPyErr_NoMemory(ctx);
    return -1;
  }
  g_opaque_chunks[c].fields = fields;  // all empty: harmless to visit
  g_opaque_chunks[c].size = size;
  g_opaque_chunk_count = c + 1;
  HPy keeper = new_keeper(ctx, kOpaqueKeeper, uint32_t(c));
  if (HPy_IsNull(keeper)) {
    g_opaque_chunk_count = c;
    g_opaque_chunks[c] = OpaqueChunk{};
    std::free(fields);
    return -1;
  }
  HPyGlobal_Store(ctx, &g_opaque_keepers[c], keeper);
  HPy_Close(ctx, keeper);
  return 0;
}

// Store `h` (or HPy_NULL) in the field of `key`.  Storing NULL releases the
// object last: that may run arbitrary code (its __del__).
static void opaque_store(HPyContext* ctx, int64_t key, HPy h) {
  int c;
  int64_t i;
  opaque_slot(key, &c, &i);
  HPy keeper = HPyGlobal_Load(ctx, g_opaque_keepers[c]);
  HPyField_Store(ctx, keeper, &g_opaque_chunks[c].fields[i], h);
  HPy_Close(ctx, keeper);
}

static std::vector<int64_t> g_free_keys;  // under the GIL

// Guards g_released_keys: the deleter of an opaque object runs on any thread,
// perhaps inside a destructor.  The sections are a few instructions long, so
// a spin lock (one atomic exchange) beats a mutex on the common path.
static std::atomic_flag g_released_lock = ATOMIC_FLAG_INIT;
static std::vector<int64_t> g_released_keys;
// Where drain_released takes the keys to (keeps its capacity: no allocation
// per drain); g_draining: in use by a drain further up the stack.
static std::vector<int64_t> g_draining_keys;
static bool g_draining = false;  // under the GIL

namespace {
struct SpinGuard {
  SpinGuard() {
    while (g_released_lock.test_and_set(std::memory_order_acquire)) {
    }
  }
  ~SpinGuard() { g_released_lock.clear(std::memory_order_release); }
};
}  // namespace

static void opaque_deleter(void* handle) {
  SpinGuard lock;
  g_released_keys.push_back(reinterpret_cast<int64_t>(handle));
  g_released_pending = 1;
}

static void release_keys(HPyContext* ctx, std::vector<int64_t>& keys) {
  for (int64_t key : keys) {
    // Releasing may run a __del__ that calls back into us (and drains the
    // keys queued meanwhile into a vector of its own): the key is reused
    // only once its field is empty again.
    opaque_store(ctx, key, HPy_NULL);
    g_free_keys.push_back(key);
  }
}

void drain_released(HPyContext* ctx) {
  if (g_draining) {  // re-entered from a __del__: a vector of its own
    std::vector<int64_t> keys;
    {
      SpinGuard lock;
      keys.swap(g_released_keys);
      g_released_pending = 0;
    }
    release_keys(ctx, keys);
    return;
  }
  {
    SpinGuard lock;
    if (g_released_keys.empty()) {
      g_released_pending = 0;
      return;
    }
    g_draining_keys.swap(g_released_keys);
    g_released_pending = 0;
  }
  g_draining = true;
  release_keys(ctx, g_draining_keys);
  g_draining_keys.clear();
  g_draining = false;
}

// Settle bindings and drain released Python objects until neither has work
// left (each can give the other some).  Not nested: a finalizer run from in
// here (a wrapper unpinned and dropped) leaves its share to this loop.
void release_dropped(HPyContext* ctx) {
  static __thread bool releasing = false;
  if (releasing) return;
  releasing = true;
  do {
    settle_bindings(ctx);
    drain_released(ctx);
  } while (g_released_pending || bindings_pending());
  releasing = false;
}

// Store `h` in the table and return its key, or -1 with an error set.
static int64_t opaque_table_add(HPyContext* ctx, HPy h) {
  int64_t key;
  if (!g_free_keys.empty()) {
    key = g_free_keys.back();
    g_free_keys.pop_back();
  } else {
    int c;
    int64_t i;
    opaque_slot(g_next_new_key, &c, &i);
    if (c >= g_opaque_chunk_count && opaque_add_chunk(ctx) < 0) return -1;
    key = g_next_new_key++;
  }
  opaque_store(ctx, key, h);  // the field was empty: nothing is released
  return key;
}

// Give the key of an object the core never took back to the table.
static void opaque_table_remove(HPyContext* ctx, int64_t key) {
  std::vector<int64_t> keys{key};
  release_keys(ctx, keys);
}

// Create a core object of `type_index` that keeps `h` alive.
int opaque_create(HPyContext* ctx, HPy h, int32_t type_index, TVMFFISafeCallType call,
                  TVMFFIObject** out) {
  int64_t key = opaque_table_add(ctx, h);
  if (key < 0) return -1;
  void* handle = reinterpret_cast<void*>(key);
  int rc = call ? TVMFFIFunctionCreate(handle, call, opaque_deleter,
                                       reinterpret_cast<TVMFFIObjectHandle*>(out))
                : TVMFFIObjectCreateOpaque(handle, type_index, opaque_deleter,
                                           reinterpret_cast<TVMFFIObjectHandle*>(out));
  if (rc != 0) {
    raise_from_core(ctx);
    opaque_table_remove(ctx, key);
    return -1;
  }
  return 0;
}

HPy opaque_get(HPyContext* ctx, TVMFFIObject* opaque) {
  int64_t key = reinterpret_cast<int64_t>(TVMFFIOpaqueObjectGetCellPtr(opaque)->handle);
  return opaque_key_get(ctx, key);
}

HPy opaque_key_get(HPyContext* ctx, int64_t key) {
  if (key < 1 || key >= g_next_new_key) {
    HPyErr_SetString(ctx, ctx->h_SystemError, "opaque table: no such key");
    return HPy_NULL;
  }
  int c;
  int64_t i;
  opaque_slot(key, &c, &i);
  HPy keeper = HPyGlobal_Load(ctx, g_opaque_keepers[c]);
  HPy res = HPyField_Load(ctx, keeper, g_opaque_chunks[c].fields[i]);
  HPy_Close(ctx, keeper);
  if (HPy_IsNull(res)) {  // HPyField_Load of an empty field: a released key
    HPyErr_SetString(ctx, ctx->h_SystemError, "opaque table: the object was released");
  }
  return res;
}

// ---------------------------------------------------------------------------
// Python -> core
// ---------------------------------------------------------------------------
static TVMFFIObject* g_fn_array = nullptr;  // "ffi.Array", held for the process
static TVMFFIObject* g_fn_map = nullptr;    // "ffi.Map"
static TVMFFIObject* g_fn_shape = nullptr;  // "ffi.Shape"

int convert_init(HPyContext* ctx) {
  struct { const char* name; TVMFFIObject** slot; } fns[] = {
      {"ffi.Array", &g_fn_array}, {"ffi.Map", &g_fn_map}, {"ffi.Shape", &g_fn_shape}};
  for (auto& f : fns) {
    TVMFFIByteArray name{f.name, std::strlen(f.name)};
    if (TVMFFIFunctionGetGlobal(&name, reinterpret_cast<TVMFFIObjectHandle*>(f.slot)) != 0) {
      raise_from_core(ctx);
      return -1;
    }
    if (*f.slot == nullptr) {
      raise_format(ctx, ctx->h_ImportError, "the core lacks the global function %s", f.name);
      return -1;
    }
  }
  return 0;
}

// Call a core function on views; the owned result goes to *out.
static int call_views(HPyContext* ctx, TVMFFIObject* fn, TVMFFIAny* views, int32_t n,
                      TVMFFIAny* out) {
  out->type_index = kTVMFFINone;
  out->zero_padding = 0;
  out->v_int64 = 0;
  if (TVMFFIFunctionGetCellPtr(fn)->safe_call(fn, views, n, out) != 0) {
    raise_from_core(ctx);
    return -1;
  }
  return 0;
}

static inline void set_pod(TVMFFIAny* out, int32_t type_index) {
  out->type_index = type_index;
  out->zero_padding = 0;
}

// The Object type, loaded from its global on first use and closed by the
// owner (a handle per conversion, not per value: HPyGlobal_Load makes a new
// handle, about 10 ns on PyPy).
class ObjectTypeOnDemand {
 public:
  explicit ObjectTypeOnDemand(HPyContext* ctx) : ctx_(ctx) {}
  ~ObjectTypeOnDemand() { close_h(ctx_, type_); }
  ObjectTypeOnDemand(const ObjectTypeOnDemand&) = delete;
  ObjectTypeOnDemand& operator=(const ObjectTypeOnDemand&) = delete;
  HPy get() {
    if (HPy_IsNull(type_)) type_ = HPyGlobal_Load(ctx_, g_ObjectType);
    return type_;
  }

 private:
  HPyContext* ctx_;
  HPy type_ = HPy_NULL;
};

// The core function that builds a container from the items of `h` (a
// tvm_ffi_hpy.Shape, a list or tuple, a dict), or NULL when `h` is none of them.
static TVMFFIObject* container_builder(HPyContext* ctx, HPy h) {
  if (HPyList_Check(ctx, h) || HPyTuple_Check(ctx, h)) {
    HPy shape_class = HPyGlobal_Load(ctx, g_ShapeClass);
    bool is_shape = !HPy_Is(ctx, shape_class, ctx->h_None) && HPy_TypeCheck(ctx, h, shape_class);
    HPy_Close(ctx, shape_class);
    return is_shape ? g_fn_shape : g_fn_array;
  }
  if (HPyDict_Check(ctx, h)) return g_fn_map;
  return nullptr;
}

// ---------------------------------------------------------------------------
// Containers: a walk with its own stack
// ---------------------------------------------------------------------------
// Nested lists, tuples, dicts and Shapes become nested Arrays, Maps and
// Shapes, innermost first.  The walk keeps its state on the heap, not on
// the C stack, so any nesting depth converts (the core frees nested
// containers without recursion too), on any thread's stack.
//
// Each open container is a Frame.  Its items (dict: key, value, key, ...)
// are new handles in `items_`; their views are at the same indices of
// `views_`.  A frame is opened when its container is met as an item of the
// frame below, and closed when all its items are converted: the core builds
// the container from the views, the result takes the item's view slot in
// the frame below (or *out for the root), and what the items made
// (temporaries, the inner containers) is released, because the container
// now holds it.  The items are in flight (binding.cc) while their frame is
// open: a wrapper that the container keeps is pinned when the frame closes.
//
// A container that contains itself would open frames forever.  At depths
// 64, 128, 256, ... the newly opened container is compared with every open
// one: a cycle of any length is found at the first such depth past it, at a
// total cost linear in the depth, and raises ValueError.
class ContainerWalk {
 public:
  ContainerWalk(HPyContext* ctx, ArgTemps* temps) : ctx_(ctx), temps_(temps) {}
  ~ContainerWalk() {
    while (!frames_.empty()) close_frame();
  }
  ContainerWalk(const ContainerWalk&) = delete;
  ContainerWalk& operator=(const ContainerWalk&) = delete;

  // Convert `root`, built by `builder`; its value goes to *out, owned by the temps.
  int run(HPy root, TVMFFIObject* builder, TVMFFIAny* out);

 private:
  static constexpr size_t kRootSlot = ~size_t(0);
  struct Frame {
    HPy container;         // borrowed: the root, or an item of the frame below
    TVMFFIObject* builder; // ffi.Array, ffi.Map or ffi.Shape
    size_t begin;          // first item in items_ / views_
    size_t size;           // number of items
    size_t next;           // next item to convert
    size_t slot;           // where the result goes: views_ index, or kRootSlot
    size_t inflight;       // inflight_mark() taken when the frame opened
    int temps;             // temps_->mark() when the frame opened
  };

  int open_frame(HPy container, TVMFFIObject* builder, size_t slot);
  int fetch_items(HPy container, TVMFFIObject* builder, size_t begin);
  int check_cycle(HPy container);
  int report_cycle(HPy container, size_t length);
  // Close the top frame, its items released (the built value is the caller's).
  void close_frame();

  HPyContext* ctx_;
  ArgTemps* temps_;
  PodStack<Frame, 4> frames_;
  PodStack<HPy, 16> items_;
  PodStack<TVMFFIAny, 16> views_;
  size_t next_cycle_check_ = 64;
};

static const char* container_kind(HPyContext* ctx, HPy h) {
  return HPyDict_Check(ctx, h) ? "dict" : HPyList_Check(ctx, h) ? "list" : "tuple";
}

// A cycle makes the walk go deeper without end, so it is looked for only at
// depths 64, 128, 256, ... (open_frame): is `container`, about to be opened,
// already on the stack?  And is the frame halfway up the stack on it again
// above itself?  The second finds a cycle that the walk leaves now and then
// (`l = [[1]]; l.append(l)` opens [1] at every depth first): once half the
// depth exceeds the cycle's length and the way into it, the frame halfway is
// on the cycle.  Each check reads at most the whole stack: linear in all.
int ContainerWalk::check_cycle(HPy container) {
  size_t depth = frames_.size();
  for (size_t i = depth; i > 0; --i) {
    if (HPy_Is(ctx_, frames_[i - 1].container, container)) {
      return report_cycle(container, depth - (i - 1));
    }
  }
  size_t mid = depth / 2;
  for (size_t i = mid + 1; i < depth; ++i) {
    if (HPy_Is(ctx_, frames_[i].container, frames_[mid].container)) {
      return report_cycle(frames_[mid].container, i - mid);
    }
  }
  return 0;
}

// ValueError for `container`, met again `length` frames above itself.
int ContainerWalk::report_cycle(HPy container, size_t length) {
  if (length == 1) {
    raise_format(ctx_, ctx_->h_ValueError, "cannot convert a %s that contains itself",
                 container_kind(ctx_, container));
  } else {
    raise_format(ctx_, ctx_->h_ValueError,
                 "cannot convert a %s that contains itself through %d other container%s "
                 "(a reference cycle)",
                 container_kind(ctx_, container), static_cast<int>(length - 1),
                 length == 2 ? "" : "s");
  }
  return -1;
}

// Take the items of `container` as new handles into items_[begin, ...).
int ContainerWalk::fetch_items(HPy container, TVMFFIObject* builder, size_t begin) {
  if (builder != g_fn_map) {
    for (size_t i = begin; i < items_.size(); ++i) {
      items_[i] = HPy_GetItem_i(ctx_, container, static_cast<HPy_ssize_t>(i - begin));
      if (HPy_IsNull(items_[i])) return -1;
    }
    return 0;
  }
  HPy keys = dict_keys(ctx_, container);
  if (HPy_IsNull(keys)) return -1;
  int rc = HPy_Length(ctx_, keys) * 2 == static_cast<HPy_ssize_t>(items_.size() - begin) ? 0 : -1;
  if (rc < 0) HPyErr_SetString(ctx_, ctx_->h_RuntimeError, "dictionary changed size during conversion");
  for (size_t i = begin; i < items_.size() && rc == 0; i += 2) {
    items_[i] = HPy_GetItem_i(ctx_, keys, static_cast<HPy_ssize_t>((i - begin) / 2));
    if (HPy_IsNull(items_[i])) rc = -1;
    else if (HPy_IsNull(items_[i + 1] = HPy_GetItem(ctx_, container, items_[i]))) rc = -1;
  }
  HPy_Close(ctx_, keys);
  return rc;
}

int ContainerWalk::open_frame(HPy container, TVMFFIObject* builder, size_t slot) {
  if (frames_.size() + 1 == next_cycle_check_) {
    next_cycle_check_ *= 2;
    if (check_cycle(container) < 0) return -1;
  }
  HPy_ssize_t n = HPy_Length(ctx_, container);
  if (n < 0) return -1;
  size_t size = static_cast<size_t>(n) * (builder == g_fn_map ? 2 : 1);
  size_t begin = items_.push(size, HPy_NULL);
  views_.push(size, TVMFFIAny{});
  if (fetch_items(container, builder, begin) < 0) {
    for (size_t i = begin; i < items_.size(); ++i) close_h(ctx_, items_[i]);
    items_.truncate(begin);
    views_.truncate(begin);
    return -1;
  }
  frames_.push(1, Frame{container, builder, begin, size, 0, slot, inflight_mark(), temps_->mark()});
  return 0;
}

void ContainerWalk::close_frame() {
  Frame f = frames_.top();
  frames_.truncate(frames_.size() - 1);
  temps_->release_from(f.temps);
  // The items' handles stay open until their in-flight entries are settled.
  inflight_release(ctx_, f.inflight);
  for (size_t i = f.begin; i < f.begin + f.size; ++i) close_h(ctx_, items_[i]);
  items_.truncate(f.begin);
  views_.truncate(f.begin);
}

static int to_view_flat(HPyContext* ctx, HPy h, ObjectTypeOnDemand& object_type, TVMFFIAny* out,
                        ArgTemps* temps, TVMFFIObject** builder);

int ContainerWalk::run(HPy root, TVMFFIObject* builder, TVMFFIAny* out) {
  if (open_frame(root, builder, kRootSlot) < 0) return -1;
  ObjectTypeOnDemand object_type(ctx_);
  while (!frames_.empty()) {
    Frame& f = frames_.top();
    if (f.next < f.size) {
      size_t i = f.begin + f.next++;
      TVMFFIObject* child = nullptr;
      int rc = to_view_flat(ctx_, items_[i], object_type, &views_[i], temps_, &child);
      if (rc == 1) rc = open_frame(items_[i], child, i);
      if (rc < 0) return -1;  // the destructor closes the open frames
      continue;
    }
    TVMFFIAny result;
    int rc = call_views(ctx_, f.builder, &views_[f.begin], static_cast<int32_t>(f.size), &result);
    size_t slot = f.slot;
    close_frame();
    if (rc < 0) return -1;
    temps_->own(result.v_obj);
    if (slot == kRootSlot) *out = result;
    else views_[slot] = result;
  }
  return 0;
}

// An int beyond int64: a kTVMFFIBigInt made from the words the int_to_words
// hook gives (c_api.h "Big integers").
static int big_int_to_any(HPyContext* ctx, HPy h, TVMFFIAny* out, ArgTemps* temps) {
  HPy hook = HPyGlobal_Load(ctx, g_int_to_words);
  if (HPy_Is(ctx, hook, ctx->h_None)) {
    HPy_Close(ctx, hook);
    HPyErr_SetString(ctx, ctx->h_OverflowError, "int too large for int64");
    return -1;
  }
  HPy words = call_positional(ctx, hook, &h, 1);
  HPy_Close(ctx, hook);
  if (HPy_IsNull(words)) return -1;
  int rc = -1;
  if (!HPyBytes_Check(ctx, words)) {
    HPyErr_SetString(ctx, ctx->h_TypeError, "int_to_words must return bytes");
  } else {
    TVMFFIByteArray ba{HPyBytes_AsString(ctx, words), size_t(HPyBytes_Size(ctx, words))};
    if (TVMFFIBigIntFromByteArray(&ba, out) != 0) {
      raise_from_core(ctx);
    } else {
      if (out->type_index >= kTVMFFIStaticObjectBegin) temps->own(out->v_obj);
      rc = 0;
    }
  }
  HPy_Close(ctx, words);
  return rc;
}

static int bytes_like_to_any(HPyContext* ctx, const char* data, HPy_ssize_t size, bool is_str,
                             TVMFFIAny* out, ArgTemps* temps) {
  TVMFFIByteArray ba{data, static_cast<size_t>(size)};
  int rc = is_str ? TVMFFIStringFromByteArray(&ba, out) : TVMFFIBytesFromByteArray(&ba, out);
  if (rc != 0) {
    raise_from_core(ctx);
    return -1;
  }
  if (out->type_index >= kTVMFFIStaticObjectBegin) temps->own(out->v_obj);
  return 0;
}

static int protocol_to_view(HPyContext* ctx, HPy h, ObjectTypeOnDemand& object_type,
                            TVMFFIAny* out, ArgTemps* temps, bool cache_checked);
static bool is_last_plain_type(HPyContext* ctx, HPy type);

// *out: `obj`, a reference the call's temps take over.
static int owned_view(TVMFFIObject* obj, TVMFFIAny* out, ArgTemps* temps) {
  temps->own(obj);
  set_pod(out, obj->type_index);
  out->v_obj = obj;
  return 0;
}

// *out: a new OpaquePyObject holding `h` (a Python object crossing as itself).
static int opaque_view(HPyContext* ctx, HPy h, TVMFFIAny* out, ArgTemps* temps) {
  TVMFFIObject* obj;
  if (opaque_create(ctx, h, kTVMFFIOpaquePyObject, nullptr, &obj) < 0) return -1;
  return owned_view(obj, out, temps);
}

// Convert one value that is not a container; for a container, return 1 with
// its builder in *builder and convert nothing (the walk opens it).

static int to_view_flat(HPyContext* ctx, HPy h, ObjectTypeOnDemand& object_type, TVMFFIAny* out,
                        ArgTemps* temps, TVMFFIObject** builder) {
  out->v_int64 = 0;
  if (HPy_Is(ctx, h, ctx->h_None)) {
    set_pod(out, kTVMFFINone);
    return 0;
  }
  // Wrappers first: they are the common case of the object-heavy calls.
  if (HPy_TypeCheck(ctx, h, object_type.get())) {
    ObjectPayload* payload = ObjectPayload_AsStruct(ctx, h);
    TVMFFIObject* obj = live_handle(ctx, payload);
    if (!obj) return -1;
    set_pod(out, obj->type_index);
    out->v_obj = obj;
    inflight_push(obj, payload, h);
    return 0;
  }
  if (HPy_TypeCheck(ctx, h, ctx->h_LongType)) {
    // bool derives from int and has two instances: two identity tests are
    // cheaper than a second type check (PyPy).
    if (HPy_Is(ctx, h, ctx->h_True) || HPy_Is(ctx, h, ctx->h_False)) {
      set_pod(out, kTVMFFIBool);
      out->v_int64 = HPy_Is(ctx, h, ctx->h_True) ? 1 : 0;
      return 0;
    }
    int64_t v = HPyLong_AsInt64_t(ctx, h);
    if (v == -1 && HPyErr_Occurred(ctx)) {
      if (!HPyErr_ExceptionMatches(ctx, ctx->h_OverflowError)) return -1;
      HPyErr_Clear(ctx);
      return big_int_to_any(ctx, h, out, temps);
    }
    set_pod(out, kTVMFFIInt);
    out->v_int64 = v;
    return 0;
  }
  if (HPy_TypeCheck(ctx, h, ctx->h_FloatType)) {
    set_pod(out, kTVMFFIFloat);
    out->v_float64 = HPyFloat_AsDouble(ctx, h);
    return 0;
  }
  if (HPyUnicode_Check(ctx, h)) {  // a flag test on CPython, not a walk of the MRO
    // A str subclass may stand for something else (dtype is a str whose
    // value is a kTVMFFIDataType): the protocols decide, with the plain-type
    // cache, so other subclasses pay one dict lookup.
    HPy type = HPy_Type(ctx, h);
    bool exact = HPy_Is(ctx, type, ctx->h_UnicodeType);
    HPy_Close(ctx, type);
    if (!exact) {
      int rc = protocol_to_view(ctx, h, object_type, out, temps, /*cache_checked=*/false);
      if (rc <= 0) return rc;
    }
    HPy_ssize_t size;
    const char* data = utf8_from_unicode(ctx, h, &size);
    if (!data) return -1;
    return bytes_like_to_any(ctx, data, size, true, out, temps);
  }
  if (HPyBytes_Check(ctx, h)) {
    return bytes_like_to_any(ctx, HPyBytes_AsString(ctx, h), HPyBytes_Size(ctx, h), false, out,
                             temps);
  }
  if ((*builder = container_builder(ctx, h)) != nullptr) return 1;
  HPy type = HPy_Type(ctx, h);
  bool cached_plain = is_last_plain_type(ctx, type);  // the plain-type cache (known_plain)
  HPy_Close(ctx, type);
  if (cached_plain) return opaque_view(ctx, h, out, temps);
  HPy rvalue_class = HPyGlobal_Load(ctx, g_RValueRef);
  int is_rvalue = HPy_TypeCheck(ctx, h, rvalue_class);
  HPy_Close(ctx, rvalue_class);
  if (is_rvalue) {
    HPy target = HPy_GetAttr_s(ctx, h, "obj");
    if (HPy_IsNull(target)) return -1;
    TVMFFIObject* obj = object_handle(ctx, target);
    if (!obj) {
      HPy_Close(ctx, target);
      return -1;
    }
    // The callee may steal the object: the wrapper must not stay pinned to
    // it.  Bound again after the call if it was not taken (ArgTemps).
    detach(ctx, target, obj);
    temps->moved(target, obj);
    // The slot lives in the wrapper's payload, which does not move; temps
    // keeps the wrapper alive for the duration of the call.
    set_pod(out, kTVMFFIObjectRValueRef);
    out->v_ptr = &ObjectPayload_AsStruct(ctx, target)->handle;
    return 0;
  }
  TVMFFIObject* obj;
  if (HPy_TypeCheck(ctx, h, ctx->h_BaseException)) {  // an Error carrying it (errors.cc)
    if (error_from_exception(ctx, h, &obj) < 0) return -1;
    return owned_view(obj, out, temps);
  }
  if (HPyCallable_Check(ctx, h)) {
    if (function_from_callable(ctx, h, &obj) < 0) return -1;
    return owned_view(obj, out, temps);
  }
  int rc = protocol_to_view(ctx, h, object_type, out, temps, /*cache_checked=*/true);
  if (rc <= 0) return rc;
  return opaque_view(ctx, h, out, temps);
}

static int to_view(HPyContext* ctx, HPy h, ObjectTypeOnDemand& object_type, TVMFFIAny* out,
                   ArgTemps* temps);

// An object none of the direct conversions took: asks the protocol_value hook
// (conversion_protocols.py) unless its type is known plain: in the
// plain_types dict (one lookup), or, when it is in neither that dict nor
// protocol_types, marked by the class attribute kPlainFlagName (a class
// defined inside a function).  1 when it is not special (it crosses as
// itself), 0 when *out was set, -1 with an error set.
static constexpr int kMaxProtocolDepth = 64;
enum ProtocolKind : long {  // conversion_protocols.py
  kAsItself = 0, kReplaced = 1, kOpaquePtr = 2, kDataType = 3, kDevice = 4, kProducer = 5
};

// The ints of a tuple `fields` (n of them, each checked to fit `limits`).
static bool small_ints(HPyContext* ctx, HPy fields, const int64_t* limits, int64_t* out,
                       int n) {
  if (!HPyTuple_Check(ctx, fields) || HPy_Length(ctx, fields) != n) {
    HPyErr_SetString(ctx, ctx->h_TypeError, "protocol_value: expected a tuple of ints");
    return false;
  }
  for (int i = 0; i < n; ++i) {
    HPy item = HPy_GetItem_i(ctx, fields, i);
    if (HPy_IsNull(item)) return false;
    out[i] = HPyLong_AsInt64_t(ctx, item);
    HPy_Close(ctx, item);
    if (HPyErr_Occurred(ctx)) return false;
    if (out[i] < 0 || out[i] > limits[i]) {
      HPyErr_SetString(ctx, ctx->h_ValueError, "data type or device field out of range");
      return false;
    }
  }
  return true;
}
// 1: the dict held in `cache` contains `type`, 0: it does not, -1: error.
static int cached_type(HPyContext* ctx, HPyGlobal cache, HPy type) {
  HPy dict = HPyGlobal_Load(ctx, cache);
  int found = HPy_Contains(ctx, dict, type);
  HPy_Close(ctx, dict);
  return found;
}

// The plain-type cache: g_last_plain_type holds the exact type that last
// crossed as itself (found in plain_types or by its mark), or None.  One
// identity test then answers for the next object of that type, the common
// case of a call made many times with the same kind of object: it skips the
// dict lookups and the attribute lookup above (about 450 instructions for a
// class defined in a function), and to_view_flat skips the checks the type
// has already failed (all of them are by type).  Like the dicts and the
// mark it stands for, it does not see a class changed after it crossed
// (forget_types() empties it).
//
// It holds the type strongly.  A type from plain_types is held by that dict
// anyway; a marked class (defined in a function) must not be kept alive, so
// it is remembered only while g_remember_marked is set: the package sets it
// where it can empty the cache at the start of every garbage collection
// (CPython's gc.callbacks, conversion_protocols.py), so that such a class
// dies in the same collection as without the cache.  PyPy has no such hook:
// there marked classes are looked up each time.  Both under the GIL.
static bool g_remember_marked = false;

static bool is_last_plain_type(HPyContext* ctx, HPy type) {
  HPy last = HPyGlobal_Load(ctx, g_last_plain_type);
  bool same = HPy_Is(ctx, last, type);
  HPy_Close(ctx, last);
  return same;
}

void forget_plain_type(HPyContext* ctx, bool remember_marked) {
  HPyGlobal_Store(ctx, &g_last_plain_type, ctx->h_None);
  g_remember_marked = remember_marked;
}

// 1 when the type of `h` is known plain, 0 when the hook must be asked, -1
// with an error set.  cache_checked: the caller found it not in the cache.
static int known_plain(HPyContext* ctx, HPy h, bool cache_checked) {
  HPy type = HPy_Type(ctx, h);
  if (!cache_checked && is_last_plain_type(ctx, type)) {
    HPy_Close(ctx, type);
    return 1;
  }
  bool remember = true;
  int known = cached_type(ctx, g_plain_types, type);
  if (known == 0) {
    int special = cached_type(ctx, g_protocol_types, type);
    if (special != 0) {
      known = special < 0 ? -1 : 0;
    } else {
      HPy name = HPyGlobal_Load(ctx, g_plain_flag_name);
      HPy flag = HPy_GetAttr(ctx, type, name);
      HPy_Close(ctx, name);
      if (!HPy_IsNull(flag)) {
        known = HPy_Is(ctx, flag, type) ? 1 : 0;
        remember = g_remember_marked;
        HPy_Close(ctx, flag);
      } else if (HPyErr_ExceptionMatches(ctx, ctx->h_AttributeError)) {
        HPyErr_Clear(ctx);  // not marked: the hook decides (and may mark it)
      } else {
        known = -1;
      }
    }
  }
  if (known == 1 && remember) HPyGlobal_Store(ctx, &g_last_plain_type, type);
  HPy_Close(ctx, type);
  return known;
}

static int protocol_to_view(HPyContext* ctx, HPy h, ObjectTypeOnDemand& object_type,
                            TVMFFIAny* out, ArgTemps* temps, bool cache_checked) {
  int known = known_plain(ctx, h, cache_checked);
  if (known != 0) return known < 0 ? -1 : 1;
  HPy hook = HPyGlobal_Load(ctx, g_protocol_value);
  if (HPy_Is(ctx, hook, ctx->h_None)) {  // before set_hooks
    HPy_Close(ctx, hook);
    return 1;
  }
  HPy res = call_positional(ctx, hook, &h, 1);
  HPy_Close(ctx, hook);
  if (HPy_IsNull(res)) return -1;
  HPy kind_h = HPy_GetItem_i(ctx, res, 0);
  HPy value = HPy_IsNull(kind_h) ? HPy_NULL : HPy_GetItem_i(ctx, res, 1);
  HPy_Close(ctx, res);
  int rc = -1;
  if (!HPy_IsNull(value)) {
    long kind = HPyLong_AsLong(ctx, kind_h);
    if (kind == kAsItself) {
      rc = 1;
    } else if (kind == kOpaquePtr) {
      uint64_t address = HPyLong_AsUInt64_tMask(ctx, value);
      if (!HPyErr_Occurred(ctx)) {
        set_pod(out, kTVMFFIOpaquePtr);
        out->v_ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(address));
        rc = 0;
      }
    } else if (kind == kDataType) {
      static const int64_t kLimits[] = {255, 255, 65535};
      int64_t f[3];
      if (small_ints(ctx, value, kLimits, f, 3)) {
        set_pod(out, kTVMFFIDataType);
        out->v_dtype = DLDataType{uint8_t(f[0]), uint8_t(f[1]), uint16_t(f[2])};
        rc = 0;
      }
    } else if (kind == kDevice) {
      static const int64_t kLimits[] = {0x7fffffff, 0x7fffffff};
      int64_t f[2];
      if (small_ints(ctx, value, kLimits, f, 2)) {
        set_pod(out, kTVMFFIDevice);
        out->v_device = DLDevice{static_cast<DLDeviceType>(f[0]), int32_t(f[1])};
        rc = 0;
      }
    } else if (kind == kProducer) {  // (capsule, producer): a Tensor tied to the producer
      HPy capsule = HPy_GetItem_i(ctx, value, 0);
      HPy producer = HPy_IsNull(capsule) ? HPy_NULL : HPy_GetItem_i(ctx, value, 1);
      TVMFFIObject* tensor = nullptr;
      if (!HPy_IsNull(producer) && tensor_from_producer(ctx, capsule, producer, &tensor) == 0) {
        temps->own(tensor);
        set_pod(out, kTVMFFITensor);
        out->v_obj = tensor;
        rc = 0;
      }
      close_h(ctx, producer);
      close_h(ctx, capsule);
    } else if (kind == kReplaced) {
      if (temps->protocol_depth >= kMaxProtocolDepth) {
        HPyErr_SetString(ctx, ctx->h_TypeError,
                         "conversion protocols nest too deeply (does __tvm_ffi_value__ return "
                         "the object itself?)");
      } else if (HPy_TypeCheck(ctx, value, object_type.get())) {
        // A wrapper made by the protocol: `value` dies before the call ends,
        // so it cannot be found as an argument in flight.  The call holds a
        // reference (owned by temps), and the wrapper is pinned at once, in
        // a scope of its own, as it would be at the end of the call.
        ObjectPayload* payload = ObjectPayload_AsStruct(ctx, value);
        TVMFFIObject* obj = live_handle(ctx, payload);
        if (obj) {
          TVMFFIObjectIncRef(obj);
          temps->own(obj);
          {
            InflightScope pin_scope(ctx);
            inflight_push(obj, payload, value);
          }
          set_pod(out, obj->type_index);
          out->v_obj = obj;
          rc = 0;
        }
      } else {
        ++temps->protocol_depth;
        rc = to_view(ctx, value, object_type, out, temps);
        --temps->protocol_depth;
      }
    } else if (!HPyErr_Occurred(ctx)) {
      HPyErr_SetString(ctx, ctx->h_SystemError, "protocol_value returned an unknown kind");
    }
  }
  close_h(ctx, value);
  close_h(ctx, kind_h);
  return rc;
}

static int to_view(HPyContext* ctx, HPy h, ObjectTypeOnDemand& object_type, TVMFFIAny* out,
                   ArgTemps* temps) {
  TVMFFIObject* builder = nullptr;
  int rc = to_view_flat(ctx, h, object_type, out, temps, &builder);
  if (rc != 1) return rc;
  ContainerWalk walk(ctx, temps);
  return walk.run(h, builder, out);
}

int py_to_any_view(HPyContext* ctx, HPy h, TVMFFIAny* out, ArgTemps* temps) {
  ObjectTypeOnDemand object_type(ctx);
  return to_view(ctx, h, object_type, out, temps);
}

int py_to_any_views(HPyContext* ctx, const HPy* items, size_t n, TVMFFIAny* out,
                    ArgTemps* temps) {
  if (n == 0) return 0;
  ObjectTypeOnDemand object_type(ctx);
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; ++i) rc = to_view(ctx, items[i], object_type, &out[i], temps);
  return rc;
}

int py_to_any_owned(HPyContext* ctx, HPy h, TVMFFIAny* out) {
  InflightScope scope(ctx);
  ArgTemps temps(ctx);
  TVMFFIAny view;
  if (py_to_any_view(ctx, h, &view, &temps) < 0) return -1;
  if (TVMFFIAnyViewToOwnedAny(&view, out) != 0) {
    raise_from_core(ctx);
    return -1;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// core -> Python
// ---------------------------------------------------------------------------
static HPy str_from_utf8(HPyContext* ctx, const char* data, size_t size, bool nul_terminated) {
  return unicode_from_utf8(ctx, data, size, nul_terminated, "strict");
}

// `fn(value)` when the global `fn` is set (a class or hook the package
// installs), else `value` itself; takes over `value` (HPy_NULL passes through).
static HPy apply_if_set(HPyContext* ctx, HPyGlobal fn_global, HPy value) {
  if (HPy_IsNull(value)) return HPy_NULL;
  HPy fn = HPyGlobal_Load(ctx, fn_global);
  if (HPy_Is(ctx, fn, ctx->h_None)) {
    HPy_Close(ctx, fn);
    return value;
  }
  HPy res = call_positional(ctx, fn, &value, 1);
  HPy_Close(ctx, fn);
  HPy_Close(ctx, value);
  return res;
}

static HPy shape_to_py(HPyContext* ctx, TVMFFIObject* obj) {
  const TVMFFIShapeCell* cell = TVMFFIShapeGetCellPtr(obj);
  HPyTupleBuilder tb = HPyTupleBuilder_New(ctx, static_cast<HPy_ssize_t>(cell->size));
  for (size_t i = 0; i < cell->size; ++i) {
    HPy v = int_to_py(ctx, cell->data[i]);
    if (HPy_IsNull(v)) {
      HPyTupleBuilder_Cancel(ctx, tb);
      return HPy_NULL;
    }
    HPyTupleBuilder_Set(ctx, tb, static_cast<HPy_ssize_t>(i), v);
    HPy_Close(ctx, v);
  }
  return apply_if_set(ctx, g_ShapeClass, HPyTupleBuilder_Build(ctx, tb));
}

// Values whose Python form does not keep the core object (strings, bytes,
// shapes, Python objects); HPy_NULL with no error set for anything else.
static HPy value_object_to_py(HPyContext* ctx, TVMFFIObject* obj, bool* handled) {
  *handled = true;
  switch (obj->type_index) {
    case kTVMFFIStr: {
      const TVMFFIByteArray* ba = TVMFFIBytesGetByteArrayPtr(obj);
      return str_from_utf8(ctx, ba->data, ba->size, true);
    }
    case kTVMFFIBytes: {
      const TVMFFIByteArray* ba = TVMFFIBytesGetByteArrayPtr(obj);
      return HPyBytes_FromStringAndSize(ctx, ba->data, static_cast<HPy_ssize_t>(ba->size));
    }
    case kTVMFFIShape:
      return shape_to_py(ctx, obj);
    case kTVMFFIBigInt: {  // a plain int, through the int_from_words hook
      TVMFFIAny view;
      view.type_index = kTVMFFIBigInt;
      view.zero_padding = 0;
      view.v_obj = obj;
      TVMFFIByteArray words = TVMFFIBigIntGetContentByteArray(&view);
      HPy bytes = HPyBytes_FromStringAndSize(ctx, words.data, HPy_ssize_t(words.size));
      return apply_if_set(ctx, g_int_from_words, bytes);
    }
    case kTVMFFIOpaquePyObject:
      return opaque_get(ctx, obj);
    case kTVMFFITensor: {  // made from a Python producer: that producer (tensor.cc)
      HPy producer = HPy_NULL;
      *handled = tensor_producer(ctx, obj, &producer);
      return producer;
    }
    default:
      *handled = false;
      return HPy_NULL;
  }
}

// kTVMFFIOpaquePtr -> the opaque_ptr_to_py hook (ctypes.c_void_p); before the
// hooks are installed, an int (None for NULL).
static HPy opaque_ptr_to_py(HPyContext* ctx, void* ptr) {
  HPy address = ptr ? HPyLong_FromUInt64_t(ctx, reinterpret_cast<uint64_t>(ptr))
                    : HPy_Dup(ctx, ctx->h_None);
  return apply_if_set(ctx, g_opaque_ptr_to_py, address);
}

// kTVMFFIDataType -> dtype, kTVMFFIDevice -> Device, through their hooks;
// before the hooks are installed, the tuple of fields.
// The dtype hook gets (code, bits, lanes, name): the name is the core's
// (TVMFFIDataTypeToString), so the hook needs no call back into the core
// (Python code the extension runs must not re-enter it: PyPy's debug mode).
static HPy dtype_to_py(HPyContext* ctx, DLDataType t) {
  TVMFFIAny text;
  if (TVMFFIDataTypeToString(&t, &text) != 0) return raise_from_core(ctx);
  HPy name = any_owned_to_py(ctx, &text);
  if (HPy_IsNull(name)) return HPy_NULL;
  HPy items[4] = {HPyLong_FromInt32_t(ctx, t.code), HPyLong_FromInt32_t(ctx, t.bits),
                  HPyLong_FromInt32_t(ctx, t.lanes), name};
  HPy fields = HPyTuple_FromArray(ctx, items, 4);
  for (HPy item : items) HPy_Close(ctx, item);
  return apply_if_set(ctx, g_dtype_from_fields, fields);
}

static HPy device_to_py(HPyContext* ctx, DLDevice d) {
  HPy items[2] = {HPyLong_FromInt32_t(ctx, int32_t(d.device_type)),
                  HPyLong_FromInt32_t(ctx, d.device_id)};
  HPy fields = HPyTuple_FromArray(ctx, items, 2);
  for (HPy item : items) HPy_Close(ctx, item);
  return apply_if_set(ctx, g_device_from_fields, fields);
}

HPy any_view_to_py(HPyContext* ctx, const TVMFFIAny* v) {
  switch (v->type_index) {
    case kTVMFFIDataType:
      return dtype_to_py(ctx, v->v_dtype);
    case kTVMFFIDevice:
      return device_to_py(ctx, v->v_device);
    case kTVMFFINone:
      return HPy_Dup(ctx, ctx->h_None);
    case kTVMFFIInt:
      return int_to_py(ctx, v->v_int64);
    case kTVMFFIBool:
      return HPyBool_FromBool(ctx, v->v_int64 != 0);
    case kTVMFFIFloat:
      return HPyFloat_FromDouble(ctx, v->v_float64);
    case kTVMFFIOpaquePtr:
      return opaque_ptr_to_py(ctx, v->v_ptr);
    case kTVMFFIRawStr:
      return str_from_utf8(ctx, v->v_c_str, std::strlen(v->v_c_str), true);
    case kTVMFFIByteArrayPtr: {  // a view of bytes (the core's Bytes traits)
      auto* ba = static_cast<const TVMFFIByteArray*>(v->v_ptr);
      return HPyBytes_FromStringAndSize(ctx, ba->data, static_cast<HPy_ssize_t>(ba->size));
    }
    case kTVMFFISmallStr:
      return str_from_utf8(ctx, v->v_bytes, v->small_str_len, true);
    case kTVMFFISmallBytes:
      return HPyBytes_FromStringAndSize(ctx, v->v_bytes, v->small_str_len);
    case kTVMFFIObjectRValueRef: {
      // A moved argument forwarded as is (e.g. by testing.apply): the callee
      // sees the object; it was not stolen, so this is a view of it.
      TVMFFIObject* obj = *static_cast<TVMFFIObject**>(v->v_ptr);
      if (!obj) return HPy_Dup(ctx, ctx->h_None);
      TVMFFIAny view;
      view.type_index = obj->type_index;
      view.zero_padding = 0;
      view.v_obj = obj;
      return any_view_to_py(ctx, &view);
    }
    default:
      break;
  }
  if (v->type_index < kTVMFFIStaticObjectBegin || v->v_obj == nullptr) {
    if (v->type_index >= kTVMFFIStaticObjectBegin) return HPy_Dup(ctx, ctx->h_None);
    return raise_format(ctx, ctx->h_TypeError,
                        "cannot convert a core value of type index %d to Python",
                        static_cast<int>(v->type_index));
  }
  bool handled;
  HPy res = value_object_to_py(ctx, v->v_obj, &handled);
  if (handled) return res;
  return wrap_object(ctx, v->v_obj, false);
}

HPy any_owned_to_py(HPyContext* ctx, TVMFFIAny* v) {
  if (v->type_index < kTVMFFIStaticObjectBegin || v->v_obj == nullptr) {
    return any_view_to_py(ctx, v);
  }
  bool handled;
  HPy res = value_object_to_py(ctx, v->v_obj, &handled);
  if (handled) {
    TVMFFIObjectDecRef(v->v_obj);
    return res;
  }
  return wrap_object(ctx, v->v_obj, true);
}

void any_release(TVMFFIAny* v) {
  if (v->type_index >= kTVMFFIStaticObjectBegin && v->v_obj) TVMFFIObjectDecRef(v->v_obj);
  v->type_index = kTVMFFINone;
  v->v_int64 = 0;
}

HPy py_str(HPyContext* ctx, const TVMFFIByteArray& text) {
  return unicode_from_utf8(ctx, text.data ? text.data : "", text.size, false, "replace");
}

const char* type_key_of(int32_t type_index) {
  const TVMFFITypeInfo* info = TVMFFIGetTypeInfo(type_index);
  return info ? info->type_key.data : "<unknown type>";
}

}  // namespace tvm_ffi_hpy_ext
