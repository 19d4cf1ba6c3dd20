# apache tvm-ffi's package name over tvm_ffi_hpy, for CMake projects that port
# by changing nothing but where the package comes from:
#
#   find_package(tvm_ffi CONFIG REQUIRED)
#   target_link_libraries(my_lib PRIVATE tvm_ffi::shared)
#
# with -Dtvm_ffi_DIR="$(python -m tvm_ffi_hpy.config --cmakedir)".  Their
# sources include <tvm/ffi/...>, which this package's include directory
# provides over its own headers (docs/cpp-compat.md).
#
# Defines what apache tvm-ffi's configuration defines for C++ users:
#   tvm_ffi::header     interface target: the include directory, C++17
#   tvm_ffi::shared     the core library (tvm_ffi_hpy::core) with the headers
#   tvm_ffi_INCLUDE_DIR, tvm_ffi_LIB_FILES, tvm_ffi_ROOT_DIR
# setup.py copies this file next to tvm_ffi_hpy-config.cmake, which it reads.
include("${CMAKE_CURRENT_LIST_DIR}/tvm_ffi_hpy-config.cmake")
if(NOT tvm_ffi_hpy_FOUND)
  set(tvm_ffi_FOUND FALSE)
  set(tvm_ffi_NOT_FOUND_MESSAGE "${tvm_ffi_hpy_NOT_FOUND_MESSAGE}")
  return()
endif()

set(tvm_ffi_ROOT_DIR "${tvm_ffi_hpy_ROOT_DIR}")
set(tvm_ffi_INCLUDE_DIR "${tvm_ffi_hpy_INCLUDE_DIRS}")
set(tvm_ffi_LIB_FILES "${tvm_ffi_hpy_LIBRARIES}")

if(NOT TARGET tvm_ffi::header)
  add_library(tvm_ffi::header INTERFACE IMPORTED)
  set_target_properties(tvm_ffi::header PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${tvm_ffi_hpy_INCLUDE_DIRS}"
    INTERFACE_COMPILE_FEATURES cxx_std_17)
endif()
if(NOT TARGET tvm_ffi::shared)
  add_library(tvm_ffi::shared INTERFACE IMPORTED)
  set_target_properties(tvm_ffi::shared PROPERTIES
    INTERFACE_LINK_LIBRARIES "tvm_ffi_hpy::core;tvm_ffi::header")
endif()
set(tvm_ffi_FOUND TRUE)
