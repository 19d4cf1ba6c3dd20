/*
 * callbacks.cc -- Python callables called from the core, and the callback
 * service.
 *
 * A Python callable converted to a core Function (function_from_callable)
 * is an opaque key; its safe_call runs the callable through the package's
 * trampoline hook, which returns the result or a CallbackError carrying what
 * the callable raised (HPy 0.9 cannot fetch a raised exception).
 *
 * How a callback gets back into Python depends on what its thread is doing
 * (CallState, call_state.h):
 *
 *   depth > 0, released == false   the thread runs a core call with the GIL
 *                                  held: the callback runs directly;
 *   released == true               the thread released the GIL in
 *                                  call_function: the callback re-enters with
 *                                  the saved state and leaves again after;
 *   depth == 0                     a thread Python does not know (a C++
 *                                  thread).  HPy 0.9 has no way to attach
 *                                  it, so the call is handed to the callback
 *                                  service: a Python thread (started at
 *                                  import) that runs it and hands the result
 *                                  or the error back.  The C++ thread waits.
 *
 * The service can only run when no thread sits in a core call holding the
 * GIL: a C++ thread calling back while the thread that called into C++ keeps
 * the GIL would wait forever.  A request the service has not taken within
 * kServiceWait while such a call is in progress fails with a RuntimeError
 * that says to set release_gil = True on that function.
 */
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "call_state.h"
#include "ext.h"
#include "shim.h"
#include "small_buffer.h"

namespace tvm_ffi_hpy_ext {

// ---------------------------------------------------------------------------
// Python callables as core functions
// ---------------------------------------------------------------------------
// Record a failure whose Python exception cannot be carried (HPy 0.9 cannot
// fetch a raised exception): keep its class, say where it happened.
static void fail_with_current_error(HPyContext* ctx, const char* what) {
  const char* kind = "RuntimeError";
  // KeyboardInterrupt: Ctrl-C handled as the callback is entered (CPython
  // runs signal handlers at a function's first instruction, before the
  // trampoline's try block) must stay a KeyboardInterrupt.
  if (HPyErr_ExceptionMatches(ctx, ctx->h_KeyboardInterrupt)) kind = "KeyboardInterrupt";
  else if (HPyErr_ExceptionMatches(ctx, ctx->h_RecursionError)) kind = "RecursionError";
  else if (HPyErr_ExceptionMatches(ctx, ctx->h_OverflowError)) kind = "OverflowError";
  else if (HPyErr_ExceptionMatches(ctx, ctx->h_UnicodeError)) kind = "UnicodeError";
  else if (HPyErr_ExceptionMatches(ctx, ctx->h_TypeError)) kind = "TypeError";
  else if (HPyErr_ExceptionMatches(ctx, ctx->h_ValueError)) kind = "ValueError";
  else if (HPyErr_ExceptionMatches(ctx, ctx->h_MemoryError)) kind = "MemoryError";
  HPyErr_Clear(ctx);
  set_core_error(kind, what);
}

// One argument of a Python callback.  An argument passed as x._move()
// arrives as kTVMFFIObjectRValueRef (a pointer to the caller's slot): the
// callee takes the object, as a C++ callee taking it by value would, so the
// callback holds the only reference and x is empty afterwards.
static HPy callback_arg_to_py(HPyContext* ctx, const TVMFFIAny* arg) {
  if (arg->type_index != kTVMFFIObjectRValueRef) return any_view_to_py(ctx, arg);
  TVMFFIObject** slot = static_cast<TVMFFIObject**>(arg->v_ptr);
  if (*slot == nullptr) {
    raise_moved_out(ctx);
    return HPy_NULL;
  }
  TVMFFIAny owned;
  owned.type_index = (*slot)->type_index;
  owned.zero_padding = 0;
  owned.v_obj = *slot;
  *slot = nullptr;
  return any_owned_to_py(ctx, &owned);
}

static int run_callback(HPyContext* ctx, int64_t key, const TVMFFIAny* args, int32_t num_args,
                        TVMFFIAny* result) {
  SmallBuffer<HPy> call_args(static_cast<size_t>(num_args) + 1, HPy_NULL);
  int rc = -1;
  HPy trampoline = HPyGlobal_Load(
      ctx, num_args < kFixedArityTrampolines ? g_trampoline_n[num_args] : g_trampoline);
  HPy marker_class = HPyGlobal_Load(ctx, g_CallbackError);
  HPy out = HPy_NULL;
  call_args[0] = opaque_key_get(ctx, key);
  if (HPy_IsNull(call_args[0])) {
    fail_with_current_error(ctx, "the Python callable of this function is gone");
    goto done;
  }
  for (int32_t i = 0; i < num_args; ++i) {
    call_args[i + 1] = callback_arg_to_py(ctx, &args[i]);
    if (HPy_IsNull(call_args[i + 1])) {
      fail_with_current_error(ctx, "cannot convert an argument of a Python callback to Python");
      goto done;
    }
  }
  out = call_positional(ctx, trampoline, call_args.data(), call_args.size());
  if (HPy_IsNull(out)) {
    fail_with_current_error(ctx, "calling a Python callback failed");
    goto done;
  }
  if (HPy_TypeCheck(ctx, out, marker_class)) {
    HPy exc = HPy_GetAttr_s(ctx, out, "exc");
    if (HPy_IsNull(exc)) {
      fail_with_current_error(ctx, "a Python callback raised an exception");
      goto done;
    }
    set_core_error_from_exception(ctx, exc);
    HPy_Close(ctx, exc);
    goto done;
  }
  if (py_to_any_owned(ctx, out, result) < 0) {
    fail_with_current_error(ctx, "a Python callback returned a value that cannot cross the FFI");
    goto done;
  }
  rc = 0;
done:
  for (HPy h : call_args) close_h(ctx, h);
  close_h(ctx, out);
  HPy_Close(ctx, marker_class);
  HPy_Close(ctx, trampoline);
  return rc;
}

// ---------------------------------------------------------------------------
// The callback service: Python callbacks called from C++ threads
// ---------------------------------------------------------------------------
namespace {
struct ServiceRequest {
  int64_t key;
  const TVMFFIAny* args;
  int32_t num_args;
  TVMFFIAny* result;
  int rc = 0;
  TVMFFIObjectHandle error = nullptr;  // moved over from the service thread
  bool taken = false;
  bool done = false;
};

constexpr std::chrono::milliseconds kServiceWait{2000};

// Guards everything below; g_service_cv wakes the service, g_request_cv the
// C++ threads waiting for their request.
std::mutex g_service_mutex;
std::condition_variable g_service_cv;
std::condition_variable g_request_cv;
std::deque<ServiceRequest*> g_requests;
bool g_serving = false;
bool g_stopping = false;
}  // namespace

static int call_through_service(int64_t key, const TVMFFIAny* args, int32_t num_args,
                                TVMFFIAny* result) {
  ServiceRequest req{key, args, num_args, result};
  std::unique_lock<std::mutex> lock(g_service_mutex);
  if (!g_serving || g_stopping) {
    lock.unlock();
    set_core_error("RuntimeError",
                   "a Python callback was called from a C++ thread, and the callback service "
                   "of tvm_ffi_hpy is not running (the interpreter is shutting down)");
    return -1;
  }
  g_requests.push_back(&req);
  g_service_cv.notify_one();
  while (!req.taken) {
    if (g_request_cv.wait_for(lock, kServiceWait) == std::cv_status::timeout && !req.taken &&
        g_gil_holding_calls.load(std::memory_order_relaxed) > 0) {
      for (auto it = g_requests.begin(); it != g_requests.end(); ++it) {
        if (*it == &req) {
          g_requests.erase(it);
          break;
        }
      }
      lock.unlock();
      set_core_error("RuntimeError",
                     "a Python callback was called from a C++ thread while the thread that "
                     "called into the library holds the GIL: it would wait forever. Set "
                     "release_gil = True on the function that runs the C++ threads.");
      return -1;
    }
  }
  g_request_cv.wait(lock, [&] { return req.done; });
  lock.unlock();
  if (req.rc != 0) {
    TVMFFIErrorSetRaised(req.error);
    TVMFFIObjectDecRef(req.error);
  }
  return req.rc;
}

HPy serve_callbacks(HPyContext* ctx) {
  {
    std::lock_guard<std::mutex> lock(g_service_mutex);
    if (g_serving) {
      HPyErr_SetString(ctx, ctx->h_RuntimeError, "the callback service is already running");
      return HPy_NULL;
    }
    g_serving = true;
    g_stopping = false;
  }
  for (;;) {
    // Wait for work with the GIL released; take a request only once the GIL
    // is ours again, so that a request is never "taken" by a service that
    // cannot run it (the requester's deadlock check relies on that).
    HPyThreadState state = HPy_LeavePythonExecution(ctx);
    {
      std::unique_lock<std::mutex> lock(g_service_mutex);
      g_service_cv.wait(lock, [] { return !g_requests.empty() || g_stopping; });
    }
    HPy_ReenterPythonExecution(ctx, state);
    ServiceRequest* req = nullptr;
    {
      std::lock_guard<std::mutex> lock(g_service_mutex);
      if (!g_requests.empty()) {
        req = g_requests.front();
        g_requests.pop_front();
        req->taken = true;
        g_request_cv.notify_all();
      } else if (g_stopping) {
        g_serving = false;
        break;
      }
    }
    if (!req) continue;  // withdrawn by its requester meanwhile
    CallState saved = tls_call;
    tls_call.ctx = ctx;
    tls_call.depth = 1;
    tls_call.released = false;
    {
      InflightScope scope(ctx);
      req->rc = run_callback(ctx, req->key, req->args, req->num_args, req->result);
    }
    if (req->rc != 0) TVMFFIErrorMoveFromRaised(&req->error);
    tls_call = saved;
    std::lock_guard<std::mutex> lock(g_service_mutex);
    req->done = true;
    g_request_cv.notify_all();
  }
  return HPy_Dup(ctx, ctx->h_None);
}

void stop_serving() {
  std::lock_guard<std::mutex> lock(g_service_mutex);
  g_stopping = true;
  g_service_cv.notify_all();
}

static int callback_safe_call(void* self, const TVMFFIAny* args, int32_t num_args,
                              TVMFFIAny* result) {
  CallState& st = tls_call;
  int64_t key = reinterpret_cast<int64_t>(self);
  if (st.depth == 0 || st.ctx == nullptr) return call_through_service(key, args, num_args, result);
  HPyContext* ctx = st.ctx;
  bool reentered = false;
  if (st.released) {
    HPy_ReenterPythonExecution(ctx, st.saved);
    st.released = false;
    reentered = true;
  }
  int rc = run_callback(ctx, key, args, num_args, result);
  if (reentered) {
    st.saved = HPy_LeavePythonExecution(ctx);
    st.released = true;
  }
  return rc;
}

int function_from_callable(HPyContext* ctx, HPy callable, TVMFFIObject** out) {
  return opaque_create(ctx, callable, kTVMFFIFunction, callback_safe_call, out);
}

}  // namespace tvm_ffi_hpy_ext
