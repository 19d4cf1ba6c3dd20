/*
 * call_state.h -- what this thread is doing with the core, shared by calls
 * into the core (function_type.cc) and callbacks out of it (callbacks.cc).
 */
#ifndef TVM_FFI_HPY_CALL_STATE_H_
#define TVM_FFI_HPY_CALL_STATE_H_

#include <hpy.h>

#include <atomic>

namespace tvm_ffi_hpy_ext {

struct CallState {
  int depth = 0;              // core calls this thread is inside (0: not a Python thread's)
  bool released = false;      // the innermost one left Python execution (release_gil)
  HPyThreadState saved{};     // ... and this is the state to re-enter with
  HPyContext* ctx = nullptr;  // the context of the outermost call
};
extern thread_local CallState tls_call;  // function_type.cc

// Threads inside a core call that kept the GIL: a callback from a C++ thread
// cannot be served meanwhile (callbacks.cc).  Written under the GIL only.
extern std::atomic<int> g_gil_holding_calls;  // function_type.cc

}  // namespace tvm_ffi_hpy_ext

#endif  // TVM_FFI_HPY_CALL_STATE_H_
