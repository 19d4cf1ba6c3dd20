/*
 * tvm_ffi_hpy/c_api.h -- the C ABI of the tvm_ffi_hpy core.
 *
 * This is the one source of truth for everything that crosses a library
 * boundary: the C++ layer (the other headers in this folder), the HPy
 * extension, and any user library are all written against it.  A stranger
 * should be able to implement a binding from the layouts and offsets below.
 *
 * ------------------------------------------------------------------------
 * The model
 * ------------------------------------------------------------------------
 * Values.  Every value that crosses the ABI is a 16-byte TVMFFIAny: a 4-byte
 * type index, 4 bytes that are zero except for small strings (their length),
 * and an 8-byte payload.  Type indices below kTVMFFIStaticObjectBegin are
 * plain values (None, int64, bool, double, pointers, inline strings of at most
 * 7 bytes).  Indices from kTVMFFIStaticObjectBegin on are heap objects: the
 * payload is a TVMFFIObject* and the Any owns one strong reference to it --
 * unless the Any is a *view* (an argument array passed to a function is
 * always made of views; the callee borrows them for the duration of the call).
 *
 * Objects.  Every heap object starts with the 24-byte TVMFFIObject header:
 *
 *   offset 0   uint64 combined_ref_count   strong count (low 32 bits),
 *                                          weak count (high 32 bits)
 *   offset 8   int32  type_index
 *   offset 12  uint32 (padding, zero)
 *   offset 16  void (*deleter)(void* self, int flags)
 *
 * When the strong count reaches zero the deleter is called with
 * kTVMFFIObjectDeleterFlagBitMaskStrong (run the destructor); when the weak
 * count (which counts "one" for all strong references together) reaches zero
 * it is called with kTVMFFIObjectDeleterFlagBitMaskWeak (free the memory).
 * When both happen at once the flags are ORed (kTVMFFIObjectDeleterFlagBitMaskBoth).
 * The payload of an object follows the header; the built-in layouts are
 * listed with their cells below (string: TVMFFIByteArray at offset 24, ...).
 *
 * Allocation.  Every object the core allocates goes through the *installed
 * allocator* (TVMFFIGetCustomAllocator / TVMFFISetCustomAllocator).  An
 * allocator returns the address of the object; the 8 bytes right before it
 * are a TVMFFICustomAllocHeader whose delete_space frees the whole block.  An
 * allocator may put more bytes of its own in front of that header (the HPy
 * frontend keeps the Python wrapper binding there), so the memory layout of an
 * object is
 *
 *     [ allocator-private bytes ][ TVMFFICustomAllocHeader ][ TVMFFIObject | payload ]
 *                                  ^ obj - 8                   ^ obj
 *
 * A frontend recognises its own allocations by comparing delete_space with
 * its own function; nothing is stored in the object header for that.  The
 * core installs a builtin default allocator (8 bytes of header, malloc'ed)
 * before anything else runs, so every object carries at least the base header.
 *
 * Functions.  A function object holds a TVMFFISafeCallType: it takes views,
 * writes an owned Any to *result, and returns 0, or -1 after storing an Error
 * object in a thread-local slot (TVMFFIErrorSetRaised).  The caller takes it
 * with TVMFFIErrorMoveFromRaised.  No C++ exception ever crosses this ABI.
 *
 * Types.  Static indices are fixed below; types registered at run time get
 * indices from kTVMFFIDynObjectBegin on.  Every type records its ancestors by
 * depth, so "is A an instance of B" is one array lookup:
 * info(A)->type_ancestors[info(B)->type_depth]->type_index == B.
 * Types may carry reflected fields (name, offset, getter, setter, flags,
 * default) and methods (function objects).
 *
 * Threads.  Reference counts are atomic.  The global function table and the
 * type table are guarded by the core's own locks; type infos, once
 * registered, never move and are never freed.  Errors are per thread.
 *
 * Compatibility.  The layouts, the type indices and the functions whose name
 * starts with TVMFFI and that appear in apache tvm-ffi's c_api.h have the same
 * meaning here, so C code written against that header runs on this core.
 * The functions in the section "tvm_ffi_hpy extensions" are our own.
 */
#ifndef TVM_FFI_HPY_C_API_H_
#define TVM_FFI_HPY_C_API_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_MSC_VER)
#define TVM_FFI_DLL __declspec(dllexport)
#else
#define TVM_FFI_DLL __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------- */
/* DLPack                                                                   */
/* ---------------------------------------------------------------------- */
/* The DLPack 1.x structures (dmlc/dlpack, an ABI shared by array libraries),
 * declared here so that this header stays self-contained.  A translation
 * unit that includes the official dlpack.h first gets that one instead: it
 * defines DLPACK_MAJOR_VERSION, and the two describe the same layouts. */
#ifndef DLPACK_MAJOR_VERSION
#define DLPACK_MAJOR_VERSION 1
#define DLPACK_MINOR_VERSION 1

typedef enum {
  kDLCPU = 1,
  kDLCUDA = 2,
  kDLCUDAHost = 3,
  kDLOpenCL = 4,
  kDLVulkan = 7,
  kDLMetal = 8,
  kDLVPI = 9,
  kDLROCM = 10,
  kDLROCMHost = 11,
  kDLExtDev = 12,
  kDLCUDAManaged = 13,
  kDLOneAPI = 14,
  kDLWebGPU = 15,
  kDLHexagon = 16,
  kDLMAIA = 17
} DLDeviceType;

typedef struct {
  DLDeviceType device_type; /* 4 bytes */
  int32_t device_id;
} DLDevice;

typedef enum {
  kDLInt = 0,
  kDLUInt = 1,
  kDLFloat = 2,
  kDLOpaqueHandle = 3,
  kDLBfloat = 4,
  kDLComplex = 5,
  kDLBool = 6
} DLDataTypeCode;

typedef struct {
  uint8_t code;   /* a DLDataTypeCode */
  uint8_t bits;   /* bits of one lane */
  uint16_t lanes; /* 1 for scalars */
} DLDataType;

typedef struct {
  void* data;          /* base address; the first element is at data + byte_offset */
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;      /* ndim extents */
  int64_t* strides;    /* ndim strides in elements, or NULL: compact row-major */
  uint64_t byte_offset;
} DLTensor;

typedef struct {
  uint32_t major;
  uint32_t minor;
} DLPackVersion;

/* DLPack < 1.0 ("dltensor" capsules). */
typedef struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(struct DLManagedTensor* self);
} DLManagedTensor;

#define DLPACK_FLAG_BITMASK_READ_ONLY (1UL << 0UL)
#define DLPACK_FLAG_BITMASK_IS_COPIED (1UL << 1UL)

/* DLPack >= 1.0 ("dltensor_versioned" capsules). */
typedef struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(struct DLManagedTensorVersioned* self);
  uint64_t flags;
  DLTensor dl_tensor;
} DLManagedTensorVersioned;
#endif /* DLPACK_MAJOR_VERSION */

/* ---------------------------------------------------------------------- */
/* Type indices                                                            */
/* ---------------------------------------------------------------------- */
#ifdef __cplusplus
enum TVMFFITypeIndex : int32_t {
#else
typedef enum {
#endif
  kTVMFFIAny = -1,            /* "any type": appears in annotations only */
  /* plain values, never reference counted */
  kTVMFFINone = 0,
  kTVMFFIInt = 1,             /* v_int64 */
  kTVMFFIBool = 2,            /* v_int64, 0 or 1 */
  kTVMFFIFloat = 3,           /* v_float64 */
  kTVMFFIOpaquePtr = 4,       /* v_ptr */
  kTVMFFIDataType = 5,        /* v_dtype, the rest of the 8 bytes zero (dtype_device.h) */
  kTVMFFIDevice = 6,          /* v_device, the rest of the 8 bytes zero (dtype_device.h) */
  kTVMFFIDLTensorPtr = 7,     /* DLTensor* (not used yet) */
  kTVMFFIRawStr = 8,          /* const char*, NUL-terminated; views only */
  kTVMFFIByteArrayPtr = 9,    /* TVMFFIByteArray*; views only */
  kTVMFFIObjectRValueRef = 10,/* v_ptr is a TVMFFIObject** the callee may steal */
  kTVMFFISmallStr = 11,       /* up to 7 UTF-8 bytes in v_bytes, NUL-terminated */
  kTVMFFISmallBytes = 12,     /* up to 7 bytes in v_bytes */
  /* reference-counted objects */
  kTVMFFIStaticObjectBegin = 64,
  kTVMFFIObject = 64,
  kTVMFFIStr = 65,            /* { header, TVMFFIByteArray } data NUL-terminated */
  kTVMFFIBytes = 66,          /* { header, TVMFFIByteArray } */
  kTVMFFIError = 67,          /* { header, TVMFFIErrorCell } */
  kTVMFFIFunction = 68,       /* { header, TVMFFIFunctionCell } */
  kTVMFFIShape = 69,          /* { header, TVMFFIShapeCell } */
  kTVMFFITensor = 70,         /* { header, DLTensor, private } (TVMFFITensorGetDLTensorPtr) */
  kTVMFFIArray = 71,          /* { header, TVMFFISeqCell } */
  kTVMFFIMap = 72,            /* opaque layout: use the ffi.Map* functions */
  kTVMFFIModule = 73,         /* a loaded library: opaque layout, use ffi.Module* functions */
  kTVMFFIOpaquePyObject = 74, /* { header, TVMFFIOpaqueObjectCell } */
  kTVMFFIList = 75,           /* { header, TVMFFISeqCell }: mutable, shared, data in its own buffer */
  kTVMFFIDict = 76,           /* mutable Map, shared: opaque layout, use the ffi.Dict* functions */
  kTVMFFIBigInt = 78,         /* { header, size_t n, int64_t words[n] }: see "Big integers" */
  kTVMFFIStaticObjectEnd,
  kTVMFFIDynObjectBegin = 128
#ifdef __cplusplus
};
#else
} TVMFFITypeIndex;
#endif

typedef void* TVMFFIObjectHandle;

#ifdef __cplusplus
enum TVMFFIObjectDeleterFlagBitMask : int32_t {
#else
typedef enum {
#endif
  kTVMFFIObjectDeleterFlagBitMaskStrong = 1 << 0, /* run the destructor */
  kTVMFFIObjectDeleterFlagBitMaskWeak = 1 << 1,   /* free the memory */
  kTVMFFIObjectDeleterFlagBitMaskBoth = 3,
#ifdef __cplusplus
};
#else
} TVMFFIObjectDeleterFlagBitMask;
#endif

/* The 24-byte header of every heap object.  `__padding` (named as in apache
 * tvm-ffi) is set to 0 when the object is built and never read or written by
 * the core again: it belongs to the allocator that made the object (see the
 * allocator registry), which may keep 32 bits of per-object state there. */
typedef struct {
  uint64_t combined_ref_count; /* strong: low 32 bits; weak: high 32 bits */
  int32_t type_index;
  uint32_t __padding;
  union {
    void (*deleter)(void* self, int flags);
    int64_t __ensure_align;
  };
} TVMFFIObject;

/* The 16-byte value. */
typedef struct {
  int32_t type_index;
  union {
    uint32_t zero_padding;  /* zero for every type but the small ones */
    uint32_t small_str_len; /* kTVMFFISmallStr / kTVMFFISmallBytes: 0..7 */
  };
  union {
    int64_t v_int64;
    double v_float64;
    void* v_ptr;
    const char* v_c_str;
    TVMFFIObject* v_obj;
    char v_bytes[8];
    uint64_t v_uint64;
    DLDataType v_dtype; /* kTVMFFIDataType */
    DLDevice v_device;  /* kTVMFFIDevice */
  };
} TVMFFIAny;

typedef struct {
  const char* data;
  size_t size;
} TVMFFIByteArray;

typedef struct {
  const int64_t* data;
  size_t size;
} TVMFFIShapeCell;

/* Array and List payload: `size` owned Anys at `data` (our layout; apache
 * tvm-ffi keeps its sequence layouts private, so portable C code should use the
 * ffi.Array* and ffi.List* functions).  Both put this cell at offset 24, so a
 * reader may walk kTVMFFIArray and kTVMFFIList alike.  An Array's data lives in
 * the same block as its header and never moves; a List's data is a buffer of
 * its own that moves when the List grows (any mutation may invalidate `data`:
 * read it afresh after calling anything that can mutate the List). */
typedef struct {
  TVMFFIAny* data;
  int64_t size;
  int64_t capacity;
} TVMFFISeqCell;

#ifdef __cplusplus
enum TVMFFIBacktraceUpdateMode : int32_t {
#else
typedef enum {
#endif
  kTVMFFIBacktraceUpdateModeReplace = 0,
  kTVMFFIBacktraceUpdateModeAppend = 1,
#ifdef __cplusplus
};
#else
} TVMFFIBacktraceUpdateMode;
#endif

/* Error payload.  kind is the error class name ("TypeError", "ValueError",
 * ...), message the text, backtrace most recent call first.  cause_chain (an
 * Error: the error this one was raised from) and extra_context (any object)
 * are owned by the error and NULL when absent; frontends map cause_chain to
 * the language's exception chaining (Python: __cause__). */
typedef struct {
  TVMFFIByteArray kind;
  TVMFFIByteArray message;
  TVMFFIByteArray backtrace;
  void (*update_backtrace)(TVMFFIObjectHandle self, const TVMFFIByteArray* backtrace,
                           int32_t update_mode);
  TVMFFIObjectHandle cause_chain;
  TVMFFIObjectHandle extra_context;
} TVMFFIErrorCell;

/* Calling convention of every function.  args are views; the caller sets
 * result->type_index = kTVMFFINone before the call; on return 0 *result
 * holds an owned value; on -1 an Error waits in the thread's slot. */
typedef int (*TVMFFISafeCallType)(void* handle, const TVMFFIAny* args, int32_t num_args,
                                  TVMFFIAny* result);

typedef struct {
  TVMFFISafeCallType safe_call;
  void* cpp_call; /* C++-only fast path; NULL for functions made in C */
} TVMFFIFunctionCell;

typedef struct {
  void* handle; /* owned by the object; released by the deleter given at creation */
} TVMFFIOpaqueObjectCell;

/* ---------------------------------------------------------------------- */
/* Objects                                                                 */
/* ---------------------------------------------------------------------- */
TVM_FFI_DLL int TVMFFIObjectIncRef(TVMFFIObjectHandle obj);
TVM_FFI_DLL int TVMFFIObjectDecRef(TVMFFIObjectHandle obj);
/* Wrap a foreign handle (for Python: a reference to a Python object) in an
 * object of kTVMFFIOpaquePyObject (or another opaque type index). deleter is
 * called with the handle when the object dies, possibly on any thread. */
TVM_FFI_DLL int TVMFFIObjectCreateOpaque(void* handle, int32_t type_index,
                                         void (*deleter)(void* handle), TVMFFIObjectHandle* out);
TVM_FFI_DLL int TVMFFITypeKeyToIndex(const TVMFFIByteArray* type_key, int32_t* out_tindex);

/* ---------------------------------------------------------------------- */
/* Functions and errors                                                    */
/* ---------------------------------------------------------------------- */
/* Create a function from a C callback.  deleter(self) runs when the function
 * object dies (may be NULL). */
TVM_FFI_DLL int TVMFFIFunctionCreate(void* self, TVMFFISafeCallType safe_call,
                                     void (*deleter)(void* self), TVMFFIObjectHandle* out);
/* *out is NULL (and 0 is returned) when no such function exists. */
TVM_FFI_DLL int TVMFFIFunctionGetGlobal(const TVMFFIByteArray* name, TVMFFIObjectHandle* out);
TVM_FFI_DLL int TVMFFIFunctionSetGlobal(const TVMFFIByteArray* name, TVMFFIObjectHandle f,
                                        int allow_override);
TVM_FFI_DLL int TVMFFIAnyViewToOwnedAny(const TVMFFIAny* any_view, TVMFFIAny* out);
TVM_FFI_DLL int TVMFFIFunctionCall(TVMFFIObjectHandle func, TVMFFIAny* args, int32_t num_args,
                                   TVMFFIAny* result);
/* Take the error raised on this thread (NULL if none); the caller owns it. */
TVM_FFI_DLL void TVMFFIErrorMoveFromRaised(TVMFFIObjectHandle* result);
/* Raise an error on this thread; the call takes a new reference to it. */
TVM_FFI_DLL void TVMFFIErrorSetRaised(TVMFFIObjectHandle error);
TVM_FFI_DLL void TVMFFIErrorSetRaisedFromCStr(const char* kind, const char* message);
/* The message is the concatenation of the parts (NULL parts are skipped). */
TVM_FFI_DLL void TVMFFIErrorSetRaisedFromCStrParts(const char* kind, const char** message_parts,
                                                   int32_t num_parts);
TVM_FFI_DLL int TVMFFIErrorCreate(const TVMFFIByteArray* kind, const TVMFFIByteArray* message,
                                  const TVMFFIByteArray* backtrace, TVMFFIObjectHandle* out);
/* As TVMFFIErrorCreate, with a cause (an Error or NULL) and an extra context
 * (any object or NULL); the new error takes its own references to both. */
TVM_FFI_DLL int TVMFFIErrorCreateWithCauseAndExtraContext(
    const TVMFFIByteArray* kind, const TVMFFIByteArray* message, const TVMFFIByteArray* backtrace,
    TVMFFIObjectHandle cause_chain, TVMFFIObjectHandle extra_context, TVMFFIObjectHandle* out);
TVM_FFI_DLL const TVMFFIByteArray* TVMFFIBacktrace(const char* filename, int lineno,
                                                   const char* func, int cross_ffi_boundary);

/* ---------------------------------------------------------------------- */
/* Strings and bytes: *out is a small inline value (<= 7 bytes) or an object */
/* ---------------------------------------------------------------------- */
TVM_FFI_DLL int TVMFFIStringFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out);
TVM_FFI_DLL int TVMFFIBytesFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out);

/* Big integers.  An integer that does not fit int64 is a kTVMFFIBigInt
 * object: after the header, the word count n (size_t) and n int64 words, a
 * two's-complement number, least significant word first, each word in the
 * machine's byte order.  n is minimal (no redundant sign-extension word) and
 * at least 2: every value that fits int64 is a kTVMFFIInt instead.
 *   FromByteArray: whole words as above (redundant sign words and the empty
 *     array, meaning 0, are accepted) -> an owned int or BigInt value;
 *     ValueError when the size is not a multiple of 8.
 *   GetContentByteArray: the words of an int (one word, inside *value) or of
 *     a BigInt (borrowed from the object); {NULL, 0} for anything else. */
TVM_FFI_DLL int TVMFFIBigIntFromByteArray(const TVMFFIByteArray* input, TVMFFIAny* out);
TVM_FFI_DLL TVMFFIByteArray TVMFFIBigIntGetContentByteArray(const TVMFFIAny* value);

/* ---------------------------------------------------------------------- */
/* Reflection                                                              */
/* ---------------------------------------------------------------------- */
/* Read the field at address `field` into *result (an owned value). */
typedef int (*TVMFFIFieldGetter)(void* field, TVMFFIAny* result);
/* Write *value into the field at address `field`; a type mismatch raises a
 * TypeError and returns -1. */
typedef int (*TVMFFIFieldSetter)(void* field, const TVMFFIAny* value);
typedef int (*TVMFFIObjectCreator)(TVMFFIObjectHandle* result);

#ifdef __cplusplus
enum TVMFFIFieldFlagBitMask : int32_t {
#else
typedef enum {
#endif
  kTVMFFIFieldFlagBitMaskWritable = 1 << 0,
  kTVMFFIFieldFlagBitMaskHasDefault = 1 << 1,
  kTVMFFIFieldFlagBitMaskIsStaticMethod = 1 << 2, /* also used on methods */
  kTVMFFIFieldFlagBitMaskSEqHashIgnore = 1 << 3,
  kTVMFFIFieldFlagBitMaskSEqHashDef = 1 << 4,
  /* The bits below are apache tvm-ffi's, with its values.  DefaultFromFactory
   * (with HasDefault): default_value holds a Function () -> value, called once
   * per new object.  ReprOff / CompareOff / HashOff: the field is left out of
   * the reflection-based repr / comparison / hashing.  InitOff: the field is
   * not a parameter of the auto-generated __ffi_init__ (it keeps its default,
   * or what the creator left).  KwOnly: a keyword-only parameter there.
   * SEqHashDefSimple: the field opens a simple def region (structural
   * equality metadata). */
  kTVMFFIFieldFlagBitMaskDefaultFromFactory = 1 << 5,
  kTVMFFIFieldFlagBitMaskReprOff = 1 << 6,
  kTVMFFIFieldFlagBitMaskCompareOff = 1 << 7,
  kTVMFFIFieldFlagBitMaskHashOff = 1 << 8,
  kTVMFFIFieldFlagBitMaskInitOff = 1 << 9,
  kTVMFFIFieldFlagBitMaskKwOnly = 1 << 10,
  kTVMFFIFieldFlagBitMaskSEqHashDefSimple = 1 << 12,
  /* This project's bits start at 1 << 24, away from apache tvm-ffi's.
   * PlainValue: the field is stored in place, at `offset`, as a C value of
   * `size` bytes whose kind field_static_type_index names: kTVMFFIInt a
   * signed two's-complement integer (1, 2, 4 or 8 bytes), kTVMFFIFloat an
   * IEEE binary32/binary64, kTVMFFIBool a one-byte bool (0 or 1); the getter
   * reads exactly that, and the setter stores what it is given converted to
   * that C type, nothing else.  With kTVMFFIAny and size 16 the field is a
   * TVMFFIAny in place (owned: the setter manages references) and the getter
   * returns it; a frontend may read the kinds without a reference itself
   * (kTVMFFINone, kTVMFFIInt and kTVMFFIBool in v_int64, kTVMFFIFloat in
   * v_float64) and takes the getter for every other kind and the setter for
   * every write.  A frontend may then read (and, for the C kinds, write) the
   * memory itself (tvm_ffi_hpy/_plain_fields.py); the core's reflection sets
   * it for fields of those C++ types and of Any, py_class slots have it. */
  kTVMFFIFieldFlagBitMaskPlainValue = 1 << 24,
#ifdef __cplusplus
};
#else
} TVMFFIFieldFlagBitMask;
#endif

#ifdef __cplusplus
enum TVMFFISEqHashKind : int32_t {
#else
typedef enum {
#endif
  kTVMFFISEqHashKindUnsupported = 0,
  kTVMFFISEqHashKindTreeNode = 1,
  kTVMFFISEqHashKindFreeVar = 2,
  kTVMFFISEqHashKindDAGNode = 3,
  kTVMFFISEqHashKindConstTreeNode = 4,
  kTVMFFISEqHashKindUniqueInstance = 5,
#ifdef __cplusplus
};
#else
} TVMFFISEqHashKind;
#endif

typedef struct {
  TVMFFIByteArray name;
  TVMFFIByteArray doc;
  TVMFFIByteArray metadata;   /* JSON text, may be empty */
  int64_t flags;              /* TVMFFIFieldFlagBitMask */
  int64_t size;
  int64_t alignment;
  int64_t offset;             /* from the object address (header included) */
  TVMFFIFieldGetter getter;
  TVMFFIFieldSetter setter;   /* set even for read-only fields */
  TVMFFIAny default_value;    /* a view; valid with ...HasDefault */
  int32_t field_static_type_index;
} TVMFFIFieldInfo;

typedef struct {
  TVMFFIByteArray name;
  TVMFFIByteArray doc;
  TVMFFIByteArray metadata;
  int64_t flags;              /* ...IsStaticMethod for static methods */
  TVMFFIAny method;           /* a Function; instance methods take self first */
} TVMFFIMethodInfo;

typedef struct {
  TVMFFIByteArray doc;
  TVMFFIObjectCreator creator;
  int32_t total_size;
  TVMFFISEqHashKind structural_eq_hash_kind;
} TVMFFITypeMetadata;

#ifdef __cplusplus
struct TVMFFITypeInfo {
#else
typedef struct TVMFFITypeInfo {
#endif
  int32_t type_index;
  int32_t type_depth;         /* 0 for Object */
  TVMFFIByteArray type_key;
  const struct TVMFFITypeInfo** type_ancestors; /* [0, type_depth) */
  uint64_t type_key_hash;
  int32_t num_fields;         /* own fields only, not the parents' */
  int32_t num_methods;
  const TVMFFIFieldInfo* fields;
  const TVMFFIMethodInfo* methods;
  const TVMFFITypeMetadata* metadata;
#ifdef __cplusplus
};
#else
} TVMFFITypeInfo;
#endif

TVM_FFI_DLL int32_t TVMFFITypeGetOrAllocIndex(const TVMFFIByteArray* type_key,
                                              int32_t static_type_index, int32_t type_depth,
                                              int32_t num_child_slots,
                                              int32_t child_slots_can_overflow,
                                              int32_t parent_type_index);
TVM_FFI_DLL const TVMFFITypeInfo* TVMFFIGetTypeInfo(int32_t type_index);
TVM_FFI_DLL int TVMFFITypeRegisterField(int32_t type_index, const TVMFFIFieldInfo* info);
TVM_FFI_DLL int TVMFFITypeRegisterMethod(int32_t type_index, const TVMFFIMethodInfo* info);
TVM_FFI_DLL int TVMFFITypeRegisterMetadata(int32_t type_index, const TVMFFITypeMetadata* metadata);

/* Type attributes: named columns of values indexed by type index (apache
 * tvm-ffi's layout), e.g. "__ffi_init__", the auto-generated constructor.
 * RegisterAttr keeps its own reference to the value; registering a name
 * twice for one type replaces the value.  A column's entry for type_index is
 * data[type_index - begin_index] when begin_index <= type_index <
 * begin_index + size, and None there means "not set".  GetTypeAttrColumn
 * returns NULL for a name never registered; the column's data may move when
 * a later registration grows it.
 *
 * Names the core reads (each value a Function; docs/structural.md):
 *   "__ffi_init__"          the constructor generated from reflection
 *   "__ffi_shallow_copy__"  (self) -> a new object with the same fields
 *   "__ffi_deep_copy__"     (self) -> the value ffi.DeepCopy gives for it
 *   "__ffi_eq__"            (self, other, fn_eq) -> bool    } ffi.RecursiveEq &
 *   "__ffi_compare__"       (self, other, fn_cmp) -> int    } co.; a subtype
 *   "__ffi_hash__"          (self, fn_hash) -> int          } without its own
 *   "__ffi_repr__"          (self, fn_repr) -> str          } uses its parent's */
typedef struct {
  const TVMFFIAny* data;
  int32_t size;
  int32_t begin_index;
} TVMFFITypeAttrColumn;
TVM_FFI_DLL int TVMFFITypeRegisterAttr(int32_t type_index, const TVMFFIByteArray* attr_name,
                                       const TVMFFIAny* attr_value);
TVM_FFI_DLL const TVMFFITypeAttrColumn* TVMFFIGetTypeAttrColumn(const TVMFFIByteArray* attr_name);

/* In-place construction of a C++ object type (the type attribute
 * "__ffi_in_place_ops__" of exactly that type, an opaque pointer to a static
 * TVMFFIInPlaceOps; refl::ObjectDef<T> registers it for a
 * default-constructible T that is not final).  With it the core builds, inside a larger block
 * of its own, an object whose first `size` bytes are a T: a py_class
 * deriving from T (core/src/py_class.cc).  The functions never see the
 * object header's type_index or deleter (the caller sets them after
 * construct/copy).
 *   construct(mem)       T() at mem, then T's field defaults; 0, or -1 with
 *                        the error raised (nothing left to destroy)
 *   copy(mem, src)       T(*src) at mem (NULL when T is not copyable); same
 *   destroy(obj)         ~T() */
typedef struct {
  int32_t version; /* 1 */
  int32_t size;    /* sizeof(T) */
  int (*construct)(void* mem);
  int (*copy)(void* mem, const void* src);
  void (*destroy)(void* obj);
} TVMFFIInPlaceOps;

/* ---------------------------------------------------------------------- */
/* Tensors                                                                  */
/* ---------------------------------------------------------------------- */
/* A Tensor (kTVMFFITensor) is { header, DLTensor, private }: the DLTensor at
 * offset 24 describes memory the tensor shares with whoever made it, and is
 * immutable.  Its shape and strides point into the tensor object itself, and
 * strides are never NULL.
 *
 * FromDLPack takes over `from` on success only (it calls from->deleter when
 * the tensor dies); on failure the caller still owns it.  require_alignment
 * (0 or a power of two) checks data + byte_offset; require_contiguous checks
 * that the strides are compact row-major (extents of 1 are free).  Errors:
 * ValueError.
 *
 * ToDLPack returns a new managed tensor that holds a reference to the tensor
 * until its deleter runs; the consumer must call the deleter exactly once.
 * The versioned form carries version 1.1 and the read-only flag of the
 * source. */
TVM_FFI_DLL int TVMFFITensorFromDLPack(DLManagedTensor* from, int32_t require_alignment,
                                       int32_t require_contiguous, TVMFFIObjectHandle* out);
TVM_FFI_DLL int TVMFFITensorToDLPack(TVMFFIObjectHandle from, DLManagedTensor** out);
TVM_FFI_DLL int TVMFFITensorFromDLPackVersioned(DLManagedTensorVersioned* from,
                                                int32_t require_alignment,
                                                int32_t require_contiguous,
                                                TVMFFIObjectHandle* out);
TVM_FFI_DLL int TVMFFITensorToDLPackVersioned(TVMFFIObjectHandle from,
                                              DLManagedTensorVersioned** out);

/* Data types as text: "int32", "uint8", "float16", "bfloat16", "bool",
 * "float32x4" (4 lanes), "handle", "complex64".  FromString raises
 * ValueError on anything else; ToString writes an owned Str. */
TVM_FFI_DLL int TVMFFIDataTypeFromString(const TVMFFIByteArray* str, DLDataType* out);
TVM_FFI_DLL int TVMFFIDataTypeToString(const DLDataType* dtype, TVMFFIAny* out);

/* ---------------------------------------------------------------------- */
/* tvm_ffi_hpy extensions (not in apache tvm-ffi)                          */
/* ---------------------------------------------------------------------- */

/* The allocator registry.
 *
 * Contract:
 * - allocate(ctx, size) returns the address of `size` zeroed bytes, aligned
 *   to 8, for one object (header included), or NULL when out of memory.
 *   The 8 bytes right before the returned address hold a
 *   TVMFFICustomAllocHeader whose delete_space is set by the allocator.
 * - The core calls header->delete_space(header) exactly once, when the
 *   object's weak count reaches zero (after the destructor ran).  It may run
 *   on any thread, and with no interpreter lock held.
 * - An allocator may prepend more bytes of its own before the header; it
 *   recognises its own objects by the value of delete_space.  It also owns
 *   the `__padding` word of the objects it made (0 at construction).
 * - Objects outlive allocators: an object frees itself through the
 *   delete_space recorded in its own header, whatever is installed later.
 *   Objects allocated before an allocator was installed carry only the
 *   header of the allocator that was installed then.
 * - Set and Get may be called from any thread; an object allocated
 *   concurrently with a Set uses either the old or the new allocator.  The
 *   allocator struct passed to Set must stay valid for the process lifetime. */
typedef struct TVMFFICustomAllocHeader {
  void (*delete_space)(struct TVMFFICustomAllocHeader* header);
} TVMFFICustomAllocHeader;

typedef struct {
  void* ctx;
  void* (*allocate)(void* ctx, size_t size);
} TVMFFICustomAllocator;

TVM_FFI_DLL const TVMFFICustomAllocator* TVMFFIGetCustomAllocator(void);
/* Install `alloc` (NULL reinstalls the builtin default). Returns 0. */
TVM_FFI_DLL int TVMFFISetCustomAllocator(const TVMFFICustomAllocator* alloc);

/* Reference-count transitions, for frontends that tie objects to wrappers.
 *
 * After TVMFFISetRefTransitionHook(space, hook), the core calls
 * hook(obj, new_strong) whenever the strong count of an object whose
 * allocation header has delete_space == space goes from 1 to 2
 * (new_strong == 2) or from 2 to 1 (new_strong == 1), through any path:
 * the C ABI, the inline C++ layer of any library, weak-reference upgrades.
 * The hook runs on whatever thread changed the count, with or without an
 * interpreter lock, possibly inside a destructor: it must be short, must not
 * throw, and must not call back into the interpreter.  It may read the
 * object's header and take a reference with a raw atomic increment of
 * combined_ref_count (which does not call the hook).  One hook at a time;
 * hook == NULL removes it.  The check costs one predictable branch on the
 * 1->2 and 2->1 paths only. */
typedef void (*TVMFFIRefTransitionHook)(TVMFFIObject* obj, uint32_t new_strong);
TVM_FFI_DLL int TVMFFISetRefTransitionHook(void (*delete_space)(TVMFFICustomAllocHeader* header),
                                           TVMFFIRefTransitionHook hook);

/* Number of objects alive in this core (constructed, destructor not yet run). */
TVM_FFI_DLL int64_t TVMFFIGetLiveObjectCount(void);

/* Support for code that manages objects inline (the C++ layer's header-only
 * IncRef, DecRef, deleters and allocation, compiled into every library):
 *  - TVMFFIObjectRefTransition(obj, new_strong): such code changed an
 *    object's strong count from 1 to 2 (new_strong == 2) or 2 to 1
 *    (new_strong == 1) itself; the core passes it to the transition hook.
 *  - TVMFFIObjectBeginDestroy(obj, flags) / TVMFFIObjectEndDestroy():
 *    destruction without deep recursion.  A deleter calls Begin before the
 *    destructor; 0 means the core queued the destruction (it runs later, on
 *    this thread, from the outermost one) and the deleter must return at
 *    once; 1 means run the destructor, then call End.
 *  - TVMFFILiveObjectCountAdd(delta): an object was constructed (+1) or
 *    destroyed (-1) by such code (TVMFFIGetLiveObjectCount). */
TVM_FFI_DLL void TVMFFIObjectRefTransition(TVMFFIObject* obj, uint32_t new_strong);
TVM_FFI_DLL int TVMFFIObjectBeginDestroy(TVMFFIObject* obj, int flags);
TVM_FFI_DLL void TVMFFIObjectEndDestroy(void);
TVM_FFI_DLL void TVMFFILiveObjectCountAdd(int64_t delta);

/* The frontend payload of an error: any value a frontend wants to travel
 * with the error (the HPy extension keeps the original Python exception
 * there, as an OpaquePyObject).  Set takes a new reference; Get writes a view
 * (kTVMFFINone when unset). */
TVM_FFI_DLL int TVMFFIErrorSetPayload(TVMFFIObjectHandle error, const TVMFFIAny* payload);
TVM_FFI_DLL int TVMFFIErrorGetPayload(TVMFFIObjectHandle error, TVMFFIAny* out_view);

/* Remove a global function; returns 0, with *out_removed 1 when it existed. */
TVM_FFI_DLL int TVMFFIFunctionRemoveGlobal(const TVMFFIByteArray* name, int* out_removed);
/* *out becomes an owned Array of Str with every registered global name, sorted. */
TVM_FFI_DLL int TVMFFIFunctionListGlobalNames(TVMFFIAny* out);
/* TVMFFIFunctionSetGlobal, keeping `metadata` (JSON text of an object, e.g.
 * {"type_schema": "..."}; NULL or empty for none) with the name. */
TVM_FFI_DLL int TVMFFIFunctionSetGlobalWithMetadata(const TVMFFIByteArray* name,
                                                    TVMFFIObjectHandle f,
                                                    const TVMFFIByteArray* metadata,
                                                    int allow_override);
/* *out becomes an owned Str: the metadata kept with global function `name`
 * ("" when it has none).  ValueError when no such function exists. */
TVM_FFI_DLL int TVMFFIFunctionGetGlobalMetadata(const TVMFFIByteArray* name, TVMFFIAny* out);

/* The current stream of each device, per thread (apache tvm-ffi's
 * c_env_api.h): an opaque handle (cudaStream_t, ...) that callers set
 * around a call and kernels read.  The table is thread-local, keyed by
 * (device_type, device_id); a pair never set reads NULL.  Set stores
 * `stream` (NULL clears the entry) and, when opt_out_original_stream is not
 * NULL, writes the previous value there; it returns 0.  The global functions
 * ffi.EnvSetStream(device_type, device_id, stream: int) -> previous int and
 * ffi.EnvGetStream(device_type, device_id) -> int give frontends the same
 * table (addresses as integers). */
typedef void* TVMFFIStreamHandle;
TVM_FFI_DLL int TVMFFIEnvSetStream(int32_t device_type, int32_t device_id,
                                   TVMFFIStreamHandle stream,
                                   TVMFFIStreamHandle* opt_out_original_stream);
TVM_FFI_DLL TVMFFIStreamHandle TVMFFIEnvGetStream(int32_t device_type, int32_t device_id);

#ifdef __cplusplus
}  /* extern "C" */
#endif

/* ---------------------------------------------------------------------- */
/* Offsets of the built-in cells (all follow the 24-byte header)          */
/* ---------------------------------------------------------------------- */
#define TVMFFI_CELL(obj, T) ((T*)((char*)(obj) + sizeof(TVMFFIObject)))
#define TVMFFIBytesGetByteArrayPtr(obj) TVMFFI_CELL(obj, TVMFFIByteArray)
#define TVMFFIErrorGetCellPtr(obj) TVMFFI_CELL(obj, TVMFFIErrorCell)
#define TVMFFIFunctionGetCellPtr(obj) TVMFFI_CELL(obj, TVMFFIFunctionCell)
#define TVMFFIOpaqueObjectGetCellPtr(obj) TVMFFI_CELL(obj, TVMFFIOpaqueObjectCell)
#define TVMFFIShapeGetCellPtr(obj) TVMFFI_CELL(obj, TVMFFIShapeCell)
#define TVMFFISeqGetCellPtr(obj) TVMFFI_CELL(obj, TVMFFISeqCell)
#define TVMFFITensorGetDLTensorPtr(obj) TVMFFI_CELL(obj, DLTensor)

#endif /* TVM_FFI_HPY_C_API_H_ */
