/*
 * binding.cc -- object tying: at most one live Python wrapper per core object.
 *
 * The model (states and transitions are drawn in docs/design.md).
 *
 * A wrapper always owns one strong reference to its object.  What keeps the
 * *wrapper* alive is what differs:
 *
 *   UNPINNED  only Python references.  The object's strong count is 1 (the
 *             wrapper's own): nothing in C++ can reach the object, so nothing
 *             but Python can ask for its wrapper.  When Python drops the
 *             wrapper it dies (CPython: at once; PyPy: at the next
 *             collection) and releases the object.
 *   PINNED    the strong count is 2 or more: some C++ holder keeps the object
 *             and may hand it to Python again at any time.  The wrapper is
 *             then also held by an HPyField in the object's allocation header
 *             (BindingHeader::wrapper), so it survives Python dropping it and
 *             comes back, same id(), at the next fetch.
 *
 * The binding of an object is split in two, so that it costs 8 bytes of
 * allocation header (16 with the core's own delete_space word):
 *
 *   [ BindingHeader: HPyField wrapper | delete_space | TVMFFIObject ... ]
 *                                                       `__padding`: the state word
 *
 *   state word (32 bits; c_api.h leaves the header's `__padding` to the
 *   allocator that made the object):
 *     bit 0       HAS_WRAPPER: a wrapper holds the object [B2] (set on
 *                 attach, cleared when a wrapper is destroyed or loses it)
 *     bits 1..31  keeper slot + 1 while PINNED, else 0 [B1]
 *
 * The HPyField of a header is owned by a *keeper*: a small GC-tracked HPy
 * object reachable from a module global (keeper_handle), whose tp_traverse visits
 * the fields of the slab of headers it keeps.  That is what HPy asks of a
 * field (one owner, passed to every store, visiting the field while it is
 * non-null; PyPy rewrites the field through that traverse when the wrapper
 * moves), and it makes pinned wrappers reachable from a root, so neither
 * collector mistakes them for garbage.  Slabs are small (kSlabSize) because
 * PyPy walks a written keeper in full at the next minor collection.
 *
 * Transitions.
 *   UNPINNED -> PINNED.  C++ can only reach an unpinned object through an
 *   argument of a call in flight (the wrapper held the only reference).  The
 *   arguments of each call are kept in this thread's record (tls_record), and
 *   at the end of the call's scope each one whose count is now >= 2 (C++
 *   kept it) gets its wrapper, the caller's, pinned (pin_kept_arguments).
 *   PINNED -> UNPINNED.  The core reports every 2->1 change of the strong
 *   count of our objects (TVMFFISetRefTransitionHook).  The hook may run on
 *   any thread, without the GIL, inside a destructor, so it only queues a
 *   pinned object (taking a raw reference so that it stays alive): in the
 *   thread's own record when that thread is inside a call of ours (no lock;
 *   it settles the queue at the end of its scope), else in a mutex-guarded
 *   global queue that the next call into the extension settles.  Settling
 *   unpins the wrapper if the count (without the queue's reference) is 1.
 * An unpinned wrapper can only be found again through the arguments of the
 * calls in flight on this thread.  That gives `f(x) is x` and "a callback
 * receives the caller's own wrapper" without weak references.
 *
 * Objects allocated before the extension installed its allocator (static
 * initialisation: global functions, method functions) have no BindingHeader.
 * They live as long as the process; their wrapper is bound through a side
 * table and stays pinned for good.
 *
 * docs/design.md ("States of a wrapper") is the long description; this file
 * is where every transition happens.  In code the binding of an object is in
 * one of three states (BindingState below, read from the state word):
 *
 *   kNoWrapper  no live wrapper holds the object
 *   kUnpinned   a wrapper holds it; only Python holds the wrapper
 *   kPinned     a wrapper holds it and the header field holds the wrapper
 *
 * and these invariants hold (cited as [B1]..[B6] where they are kept):
 *   [B1] pinned  <=>  slot != 0  <=>  the header field holds the wrapper
 *        <=>  slab entry slot-1 points at that field.  pin() and unpin()
 *        change all three together, under the GIL.
 *   [B2] HAS_WRAPPER is set while a live wrapper holds the object (atomic:
 *        tp_destroy clears it without the GIL on PyPy).  With two wrappers of
 *        one object (Limits in docs/design.md) the first to die clears it.
 *   [B3] A pinned object cannot die: its wrapper holds a strong reference
 *        and is itself held by the field.  So moving an object out of its
 *        wrapper (_move()) unpins it first (detach).
 *   [B4] Between calls, an unpinned object's strong count is 1 (its
 *        wrapper's): C++ can only take it through an argument of a call in
 *        flight, and that call's scope pins it at its end
 *        (pin_kept_arguments).  Creation pins at once when C++ holds it too.
 *   [B5] Every queued 2->1 transition holds a raw strong reference, dropped
 *        when it is settled; a thread-local entry is settled by its own
 *        thread before its outermost scope closes.
 *   [B6] Arguments in flight are pushed inside an open InflightScope and
 *        popped by the scope that pushed them (checked in builds with
 *        TVM_FFI_HPY_CHECKS: EXT_CHECK in ext.h).
 */
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

#include "ext.h"
#include "shim.h"

namespace tvm_ffi_hpy_ext {

// ---------------------------------------------------------------------------
// The allocation header
// ---------------------------------------------------------------------------
struct BindingHeader {
  HPyField wrapper;  // the wrapper while PINNED, else HPyField_NULL
};
static_assert(sizeof(BindingHeader) == 8, "the binding header is one HPyField");

constexpr uint32_t kHasWrapper = 1;     // state bit 0
constexpr uint32_t kMaxSlots = (1u << 31) - 1;  // slot + 1 fits in bits 1..31

static void binding_delete_space(TVMFFICustomAllocHeader* base) {
  std::free(reinterpret_cast<char*>(base) - sizeof(BindingHeader));
}

// [ BindingHeader | TVMFFICustomAllocHeader | object ]: malloc's 16-byte
// alignment + 16 bytes leaves the object 16-aligned; zeroed memory is
// HPyField_NULL (the core zeroes the state word when it builds the header).
// Small blocks (most objects) by malloc + memset rather than calloc:
// glibc's calloc bypasses its per-thread cache (blocks up to about 1 KB), so
// every object paid the allocator's slow paths on both ends (about 170
// instructions per object made and freed).  Larger blocks keep calloc, which
// takes fresh zero pages without touching them.
static constexpr size_t kCachedBlock = 1024;
static void* binding_allocate(void*, size_t size) {
  size_t total = sizeof(BindingHeader) + sizeof(TVMFFICustomAllocHeader) + size;
  if (total < size) return nullptr;  // overflow
  char* block;
  if (total <= kCachedBlock) {
    block = static_cast<char*>(std::malloc(total));
    if (!block) return nullptr;
    __asm__ volatile("" : : "r"(block) : "memory");  // keeps GCC from folding into calloc
    std::memset(block, 0, total);
  } else {
    block = static_cast<char*>(std::calloc(1, total));
    if (!block) return nullptr;
  }
  auto* base = reinterpret_cast<TVMFFICustomAllocHeader*>(block + sizeof(BindingHeader));
  base->delete_space = &binding_delete_space;
  return base + 1;
}

static const TVMFFICustomAllocator g_allocator = {nullptr, &binding_allocate};

static inline bool is_ours(TVMFFIObject* obj) {
  return (reinterpret_cast<TVMFFICustomAllocHeader*>(obj) - 1)->delete_space ==
         &binding_delete_space;
}

static inline BindingHeader* header_of(TVMFFIObject* obj) {
  return reinterpret_cast<BindingHeader*>(reinterpret_cast<char*>(obj) -
                                          sizeof(TVMFFICustomAllocHeader) -
                                          sizeof(BindingHeader));
}

static inline uint32_t strong_count(TVMFFIObject* obj) {
  return static_cast<uint32_t>(__atomic_load_n(&obj->combined_ref_count, __ATOMIC_ACQUIRE));
}

// Where the binding of an object lives: the header field and the state word.
struct Binding {
  HPyField* wrapper;
  uint32_t* state;  // read and written with __atomic builtins
  explicit operator bool() const { return wrapper != nullptr; }
};

// The state word and what it says.
static inline uint32_t load_state(const Binding& b) {
  return __atomic_load_n(b.state, __ATOMIC_ACQUIRE);
}
static inline uint32_t slot_plus1_of(uint32_t state) { return state >> 1; }
static inline bool is_pinned(uint32_t state) { return slot_plus1_of(state) != 0; }  // [B1]
static inline bool has_wrapper(uint32_t state) { return (state & kHasWrapper) != 0; }  // [B2]

enum class BindingState { kNoWrapper, kUnpinned, kPinned };
static inline BindingState binding_state(uint32_t state) {
  if (is_pinned(state)) return BindingState::kPinned;
  return has_wrapper(state) ? BindingState::kUnpinned : BindingState::kNoWrapper;
}

static inline Binding binding_of_ours(TVMFFIObject* obj) {
  return Binding{&header_of(obj)->wrapper, &obj->__padding};
}

// Objects without our header: a binding of their own, for good (GIL).
struct ForeignBinding {
  HPyField wrapper;
  uint32_t state;
};
static std::unordered_map<TVMFFIObject*, ForeignBinding*> g_foreign;

static Binding binding_of(TVMFFIObject* obj) {
  if (is_ours(obj)) return binding_of_ours(obj);
  auto it = g_foreign.find(obj);
  if (it == g_foreign.end()) return Binding{nullptr, nullptr};
  return Binding{&it->second->wrapper, &it->second->state};
}

// ---------------------------------------------------------------------------
// Keepers
// ---------------------------------------------------------------------------
static constexpr uint32_t kSlabSize = 1024;

struct Slab {
  HPyField* fields[kSlabSize];  // the header fields this keeper owns (NULL: free)
};
// Slab i belongs to one keeper (keeper_handle finds it).  Changed under the GIL only,
// never while a collection may run (no HPy call in between).
static std::vector<Slab*> g_slabs;
static std::vector<uint32_t> g_free_slots;

// One keeper type owns the HPyFields of both tables that keep Python objects
// alive from outside any Python object: a slab of pinned wrappers' header
// fields (kSlabKeeper, below) or a chunk of the opaque table (kOpaqueKeeper,
// convert.cc).  Its payload names which, and tp_traverse visits exactly those
// fields: each field is visited by one owner.  The data a keeper names is in
// place before the keeper is made (new_keeper), so a collection never sees a
// keeper without its fields.
struct KeeperPayload {
  uint32_t kind;        // KeeperKind
  uint32_t index_plus1;  // the slab or chunk + 1
};
HPyType_HELPERS(KeeperPayload)

HPyDef_SLOT(Keeper_traverse, HPy_tp_traverse)
static int Keeper_traverse_impl(void* self, HPyFunc_visitproc visit, void* arg) {
  const KeeperPayload* p = static_cast<KeeperPayload*>(self);
  if (p->index_plus1 == 0) return 0;
  if (p->kind == kOpaqueKeeper) return opaque_chunk_traverse(p->index_plus1 - 1, visit, arg);
  if (p->index_plus1 > g_slabs.size()) return 0;
  Slab* slab = g_slabs[p->index_plus1 - 1];
  for (uint32_t i = 0; i < kSlabSize; ++i) {
    if (slab->fields[i]) HPy_VISIT(slab->fields[i]);
  }
  return 0;
}

static HPyDef* Keeper_defines[] = {&Keeper_traverse, nullptr};

HPyType_Spec Keeper_spec = {
    .name = "tvm_ffi_hpy.core._Keeper",
    .basicsize = sizeof(KeeperPayload),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
    .builtin_shape = HPyType_BuiltinShape_Object,
    .defines = Keeper_defines,
    .doc = "Owns HPyFields kept outside Python objects: one slab of pinned wrappers' object "
           "headers, or one chunk of the Python objects held by the core.",
};

HPy new_keeper(HPyContext* ctx, KeeperKind kind, uint32_t index) {
  HPy type = HPyGlobal_Load(ctx, g_KeeperType);
  KeeperPayload* p;
  HPy keeper = HPy_New(ctx, type, &p);
  HPy_Close(ctx, type);
  if (!HPy_IsNull(keeper)) {
    p->kind = kind;
    p->index_plus1 = index + 1;  // visited from now on
  }
  return keeper;
}

// The keeper of slab `slab`: a global load for the first kGlobalSlabs (the
// hot path of every pinned wrapper's fetch), an item of g_keepers after them.
static HPy keeper_handle(HPyContext* ctx, uint32_t slab) {
  if (slab < kGlobalSlabs) return HPyGlobal_Load(ctx, g_slab_keepers[slab]);
  HPy list = HPyGlobal_Load(ctx, g_keepers);
  HPy keeper = HPy_GetItem_i(ctx, list, static_cast<HPy_ssize_t>(slab - kGlobalSlabs));
  HPy_Close(ctx, list);
  return keeper;
}

// Make slab `index`'s keeper reachable (a module global or the list's next
// item: slabs are added in order); -1 with an error set.
static int attach_slab_keeper(HPyContext* ctx, uint32_t index, HPy keeper) {
  if (index < kGlobalSlabs) {
    HPyGlobal_Store(ctx, &g_slab_keepers[index], keeper);
    return 0;
  }
  HPy list = HPyGlobal_Load(ctx, g_keepers);
  int rc = HPyList_Append(ctx, list, keeper);
  HPy_Close(ctx, list);
  return rc;
}

static int add_slab(HPyContext* ctx) {
  if (g_slabs.size() * kSlabSize + kSlabSize > kMaxSlots) {
    HPyErr_SetString(ctx, ctx->h_MemoryError, "too many pinned wrappers (2**31)");
    return -1;
  }
  Slab* slab = new (std::nothrow) Slab();  // every field pointer null
  if (!slab) {
    HPyErr_NoMemory(ctx);
    return -1;
  }
  uint32_t index = static_cast<uint32_t>(g_slabs.size());
  g_slabs.push_back(slab);
  HPy keeper = new_keeper(ctx, kSlabKeeper, index);
  int rc = HPy_IsNull(keeper) ? -1 : attach_slab_keeper(ctx, index, keeper);
  if (!HPy_IsNull(keeper)) HPy_Close(ctx, keeper);  // reachable now, or it dies
  if (rc < 0) {
    g_slabs.pop_back();  // a dying keeper no longer visits it (index_plus1 > size)
    delete slab;
    return -1;
  }
  for (uint32_t i = kSlabSize; i > 0; --i) g_free_slots.push_back(index * kSlabSize + i - 1);
  return 0;
}

// kUnpinned -> kPinned: the field takes the wrapper, the slab entry and the
// slot bits are set together [B1].
static int pin(HPyContext* ctx, const Binding& b, HPy wrapper) {
  if (g_free_slots.empty() && add_slab(ctx) < 0) return -1;
  uint32_t id = g_free_slots.back();
  HPy keeper = keeper_handle(ctx, id / kSlabSize);
  if (HPy_IsNull(keeper)) return -1;
  g_free_slots.pop_back();
  g_slabs[id / kSlabSize]->fields[id % kSlabSize] = b.wrapper;  // visited from now on
  HPyField_Store(ctx, keeper, b.wrapper, wrapper);
  HPy_Close(ctx, keeper);
  __atomic_fetch_add(b.state, (id + 1) << 1, __ATOMIC_RELEASE);  // slot bits were 0
  return 0;
}

// kPinned -> kUnpinned: the slot bits, the slab entry and the field are
// cleared together [B1].
static void unpin(HPyContext* ctx, const Binding& b) {
  uint32_t slot_plus1 = slot_plus1_of(__atomic_load_n(b.state, __ATOMIC_RELAXED));
  uint32_t id = slot_plus1 - 1;
  HPy keeper = keeper_handle(ctx, id / kSlabSize);
  __atomic_fetch_sub(b.state, slot_plus1 << 1, __ATOMIC_RELEASE);
  g_slabs[id / kSlabSize]->fields[id % kSlabSize] = nullptr;
  g_free_slots.push_back(id);
  // Last: releasing the wrapper may run arbitrary code (its __del__).
  HPyField_Store(ctx, keeper, b.wrapper, HPy_NULL);
  HPy_Close(ctx, keeper);
}

static HPy load_pinned(HPyContext* ctx, const Binding& b, uint32_t slot_plus1) {
  HPy keeper = keeper_handle(ctx, (slot_plus1 - 1) / kSlabSize);
  if (HPy_IsNull(keeper)) return HPy_NULL;
  HPy w = HPyField_Load(ctx, keeper, *b.wrapper);
  HPy_Close(ctx, keeper);
  return w;
}

// ---------------------------------------------------------------------------
// Per-thread state: the arguments in flight (the only way to find an
// unpinned wrapper from its object) and the transitions this thread queued.
// One trivially constructible and destructible record, so that every access
// is a plain TLS address (no guard, no registered destructor); the rare
// heap blocks it grows into are freed at thread exit by tls_heap.
// ---------------------------------------------------------------------------
namespace {
struct Inflight {
  TVMFFIObject* obj;
  ObjectPayload* payload;  // of `wrapper`: payloads do not move while it lives
  HPy wrapper;             // borrowed from the caller for the duration of its call
};

// Small inline blocks: the module's whole thread-local block (this record,
// tls_heap, function_type.cc's call state: 216 bytes) must fit glibc's spare
// static TLS so that TLS descriptors (setup.py) make each access a load.
// Deeper nesting grows into the heap once per thread.
constexpr uint32_t kInlineInflight = 4;
constexpr uint32_t kInlineQueue = 4;

struct ThreadRecord {
  Inflight* inflight;  // NULL: inline_inflight
  uint32_t inflight_size;
  uint32_t inflight_capacity;  // 0: kInlineInflight
  uint32_t scopes;             // InflightScopes open on this thread
  // Transitions reported on this thread while a scope is open: only this
  // thread settles them (at the end of its scope), so no lock.  Each entry
  // holds a raw strong reference.
  TVMFFIObject** queue;  // NULL: inline_queue
  uint32_t queue_size;
  uint32_t queue_capacity;  // 0: kInlineQueue
  Inflight inline_inflight[kInlineInflight];
  TVMFFIObject* inline_queue[kInlineQueue];
};
thread_local ThreadRecord tls_record;

// Frees the heap blocks of tls_record when the thread ends (touched only
// when a block is allocated).
struct ThreadHeap {
  void* blocks[2] = {nullptr, nullptr};
  ~ThreadHeap() {
    std::free(blocks[0]);
    std::free(blocks[1]);
  }
};
thread_local ThreadHeap tls_heap;

inline Inflight* inflight_items(ThreadRecord& t) {
  return t.inflight ? t.inflight : t.inline_inflight;
}
inline TVMFFIObject** queue_items(ThreadRecord& t) { return t.queue ? t.queue : t.inline_queue; }

// Double the capacity of a block of tls_record (false when out of memory).
template <typename T>
bool grow(T** block, T* inline_items, uint32_t size, uint32_t* capacity, uint32_t inline_n,
          int heap_slot) {
  uint32_t cap = (*capacity ? *capacity : inline_n) * 2;
  T* grown = static_cast<T*>(std::malloc(sizeof(T) * cap));
  if (!grown) return false;
  std::memcpy(grown, *block ? *block : inline_items, sizeof(T) * size);
  std::free(*block);
  *block = grown;
  *capacity = cap;
  tls_heap.blocks[heap_slot] = grown;
  return true;
}
}  // namespace

void inflight_push(TVMFFIObject* obj, ObjectPayload* payload, HPy wrapper) {
  ThreadRecord& t = tls_record;
  EXT_CHECK(t.scopes != 0, "an argument in flight outside an InflightScope [B6]");
  uint32_t cap = t.inflight_capacity ? t.inflight_capacity : kInlineInflight;
  if (t.inflight_size == cap &&
      !grow(&t.inflight, t.inline_inflight, t.inflight_size, &t.inflight_capacity,
            kInlineInflight, 0)) {
    std::abort();  // out of memory
  }
  inflight_items(t)[t.inflight_size++] = {obj, payload, wrapper};
}

size_t inflight_mark() {
  ThreadRecord& t = tls_record;
  ++t.scopes;
  return t.inflight_size;
}

static void settle_local(HPyContext* ctx);
static void settle_global(HPyContext* ctx);
static std::atomic<bool> g_transitions_pending{false};

// UNPINNED -> PINNED.  C++ can only have reached an unpinned object through
// an argument of a call in flight (its count was 1: the wrapper's), so at the
// end of each scope its own arguments are checked: an argument whose wrapper
// still holds it and whose count is now >= 2 is kept by C++, and its wrapper
// (the caller's, at hand) is pinned.
static void pin_kept_arguments(HPyContext* ctx, ThreadRecord& t, uint32_t mark) {
  // pin() may run Python code that opens scopes of its own (which release
  // back to their marks) and may move the buffer: re-read it every time.
  for (uint32_t i = mark; i < t.inflight_size; ++i) {
    Inflight e = inflight_items(t)[i];
    if (e.payload->handle != e.obj || !is_ours(e.obj) || strong_count(e.obj) < 2) continue;
    Binding b = binding_of_ours(e.obj);
    if (is_pinned(load_state(b))) continue;
    if (pin(ctx, b, e.wrapper) < 0) HPyErr_Clear(ctx);  // kUnpinned -> kPinned [B4]
  }
}

void inflight_release(HPyContext* ctx, size_t mark) {
  ThreadRecord& t = tls_record;
  uint32_t m = static_cast<uint32_t>(mark);
  EXT_CHECK(t.scopes != 0 && m <= t.inflight_size, "InflightScopes closed out of order [B6]");
  if (t.inflight_size > m) {
    pin_kept_arguments(ctx, t, m);
    t.inflight_size = m;
  }
  // PINNED -> UNPINNED, queued by the hook: one predictable branch when
  // nothing is queued.
  if (__builtin_expect(t.queue_size != 0 || g_transitions_pending.load(std::memory_order_acquire),
                       0)) {
    settle_bindings(ctx);
  }
  --t.scopes;
  EXT_CHECK(t.scopes != 0 || (t.queue_size == 0 && t.inflight_size == 0),
            "the outermost scope closed with arguments or transitions left [B5][B6]");
}

static HPy inflight_find(TVMFFIObject* obj) {
  ThreadRecord& t = tls_record;
  Inflight* items = inflight_items(t);
  for (uint32_t i = t.inflight_size; i > 0; --i) {
    const Inflight& e = items[i - 1];
    if (e.obj == obj && e.payload->handle == obj) return e.wrapper;
  }
  return HPy_NULL;
}

// ---------------------------------------------------------------------------
// Transitions: queued by the hook (any thread), applied with a context
// ---------------------------------------------------------------------------
static std::mutex g_transition_mutex;  // guards g_transitions
static std::vector<TVMFFIObject*> g_transitions;  // each holds a raw strong reference

// The core reports 1->2 and 2->1 changes of the strong count.  Only 2->1 of
// a pinned object matters here (1->2 is found by pin_kept_arguments): the
// only holder left may be the wrapper, which must then be unpinned.
static void transition_hook(TVMFFIObject* obj, uint32_t new_strong) {
  if (new_strong != 1) return;
  if (!is_pinned(__atomic_load_n(&obj->__padding, __ATOMIC_RELAXED))) return;
  // Keep it alive until settled; a raw increment does not call the hook.
  __atomic_fetch_add(&obj->combined_ref_count, 1, __ATOMIC_RELAXED);
  ThreadRecord& t = tls_record;
  if (t.scopes != 0) {
    // This thread is inside a call of ours: it settles the entry itself at
    // the end of its scope.
    uint32_t cap = t.queue_capacity ? t.queue_capacity : kInlineQueue;
    if (t.queue_size < cap ||
        grow(&t.queue, t.inline_queue, t.queue_size, &t.queue_capacity, kInlineQueue, 1)) {
      queue_items(t)[t.queue_size++] = obj;
      return;
    }
  }
  std::lock_guard<std::mutex> lock(g_transition_mutex);
  g_transitions.push_back(obj);
  g_transitions_pending.store(true, std::memory_order_release);
}

// Apply one queued 2->1 transition and drop the queue's reference.
static void settle_one(HPyContext* ctx, TVMFFIObject* obj) {
  Binding b = binding_of_ours(obj);
  uint32_t holders = strong_count(obj) - 1;  // without the queue's reference
  if (holders == 1 && is_pinned(load_state(b))) unpin(ctx, b);  // kPinned -> kUnpinned
  TVMFFIObjectDecRef(obj);  // the queue's reference [B5] (may queue more)
}

// Entries are popped before they are applied: applying one may run Python
// code (a __del__) that re-enters the extension and settles the rest.
static void settle_local(HPyContext* ctx) {
  ThreadRecord& t = tls_record;
  while (t.queue_size != 0) {
    TVMFFIObject* obj = queue_items(t)[--t.queue_size];
    settle_one(ctx, obj);
  }
}

static void settle_global(HPyContext* ctx) {
  while (g_transitions_pending.load(std::memory_order_acquire)) {
    std::vector<TVMFFIObject*> batch;
    {
      std::lock_guard<std::mutex> lock(g_transition_mutex);
      batch.swap(g_transitions);
      g_transitions_pending.store(false, std::memory_order_release);
    }
    for (TVMFFIObject* obj : batch) settle_one(ctx, obj);
  }
}

bool bindings_pending() { return tls_record.queue_size != 0; }

void settle_bindings(HPyContext* ctx) {
  do {
    settle_local(ctx);
    settle_global(ctx);
  } while (tls_record.queue_size != 0);
}

// ---------------------------------------------------------------------------
// Wrapping
// ---------------------------------------------------------------------------
static HPy new_wrapper(HPyContext* ctx, TVMFFIObject* obj) {
  HPy cls = class_for_type_index(ctx, obj->type_index);
  if (HPy_IsNull(cls)) return HPy_NULL;
  ObjectPayload* p;
  HPy h = HPy_New(ctx, cls, &p);
  HPy_Close(ctx, cls);
  if (HPy_IsNull(h)) return HPy_NULL;
  p->handle = obj;
  return h;
}

// kNoWrapper -> kUnpinned, or kPinned when C++ holds the object too [B4]:
// `wrapper` now holds `obj` (its payload handle is set).
static int attach(HPyContext* ctx, TVMFFIObject* obj, HPy wrapper) {
  Binding b;
  if (is_ours(obj)) {
    b = binding_of_ours(obj);
    uint32_t state = __atomic_fetch_or(b.state, kHasWrapper, __ATOMIC_ACQ_REL);
    // kNoWrapper -> kUnpinned; -> kPinned below when C++ holds it too [B4]
    if (strong_count(obj) < 2 || is_pinned(state)) return 0;
  } else {
    ForeignBinding* f = new (std::nothrow) ForeignBinding();
    if (!f) {
      HPyErr_NoMemory(ctx);
      return -1;
    }
    f->state = kHasWrapper;
    g_foreign[obj] = f;
    b = Binding{&f->wrapper, &f->state};
  }
  return pin(ctx, b, wrapper);
}

HPy wrap_object(HPyContext* ctx, TVMFFIObject* obj, bool steal) {
  Binding b = binding_of(obj);
  if (b) {
    uint32_t state = load_state(b);
    HPy w = HPy_NULL;
    switch (binding_state(state)) {
      case BindingState::kPinned:  // the field holds it [B1]
        w = load_pinned(ctx, b, slot_plus1_of(state));
        break;
      case BindingState::kUnpinned: {  // only an argument in flight can hold it [B4]
        HPy found = inflight_find(obj);
        if (!HPy_IsNull(found)) w = HPy_Dup(ctx, found);
        break;
      }
      case BindingState::kNoWrapper:
        break;
    }
    if (!HPy_IsNull(w)) {
      if (steal) TVMFFIObjectDecRef(obj);
      return w;
    }
    if (HPyErr_Occurred(ctx)) {
      if (steal) TVMFFIObjectDecRef(obj);
      return HPy_NULL;
    }
  }
  if (!steal) TVMFFIObjectIncRef(obj);
  HPy w = new_wrapper(ctx, obj);
  if (HPy_IsNull(w)) {
    TVMFFIObjectDecRef(obj);
    return HPy_NULL;
  }
  if (attach(ctx, obj, w) < 0) {
    HPy_Close(ctx, w);
    return HPy_NULL;
  }
  return w;
}

int adopt_object(HPyContext* ctx, HPy wrapper, TVMFFIObject* obj) {
  ObjectPayload* p = ObjectPayload_AsStruct(ctx, wrapper);
  TVMFFIObject* old = p->handle;
  if (old) {
    detach(ctx, wrapper, old);
    TVMFFIObjectDecRef(old);
  }
  p->handle = obj;
  return attach(ctx, obj, wrapper);
}

// -> kNoWrapper: the wrapper loses the object (moved out).  A pinned object is
// unpinned first, since the callee may now destroy it [B3].
void detach(HPyContext* ctx, HPy wrapper, TVMFFIObject* obj) {
  Binding b = binding_of(obj);
  if (!b) return;
  uint32_t state = load_state(b);
  if (is_pinned(state)) {
    HPy pinned = load_pinned(ctx, b, slot_plus1_of(state));
    bool mine = !HPy_IsNull(pinned) && HPy_Is(ctx, pinned, wrapper);
    close_h(ctx, pinned);
    if (!mine) return;
    unpin(ctx, b);
  }
  if (is_ours(obj)) {  // [B2]
    __atomic_fetch_and(b.state, ~kHasWrapper, __ATOMIC_RELEASE);
  } else {
    auto it = g_foreign.find(obj);
    delete it->second;
    g_foreign.erase(it);
  }
}

void reattach_if_kept(HPyContext* ctx, HPy wrapper, TVMFFIObject* obj) {
  if (ObjectPayload_AsStruct(ctx, wrapper)->handle != obj) return;  // moved out: gone
  if (attach(ctx, obj, wrapper) < 0) HPyErr_Clear(ctx);
}

bool has_live_wrapper(TVMFFIObject* obj) {
  Binding b = binding_of(obj);
  return b && has_wrapper(load_state(b));
}

// kUnpinned -> kNoWrapper (a pinned wrapper is not destroyed while its keeper
// lives [B3]).  No context (tp_destroy): only the state bit [B2].
void wrapper_destroyed(TVMFFIObject* obj) {
  if (is_ours(obj)) __atomic_fetch_and(&obj->__padding, ~kHasWrapper, __ATOMIC_RELEASE);
}

int binding_init(HPyContext* ctx) {
  (void)ctx;
  TVMFFISetCustomAllocator(&g_allocator);
  TVMFFISetRefTransitionHook(&binding_delete_space, &transition_hook);
  return 0;
}

int64_t binding_header_bytes() {
  return static_cast<int64_t>(sizeof(BindingHeader) + sizeof(TVMFFICustomAllocHeader));
}

int64_t pinned_count() {
  return static_cast<int64_t>(g_slabs.size() * kSlabSize - g_free_slots.size());
}

}  // namespace tvm_ffi_hpy_ext
