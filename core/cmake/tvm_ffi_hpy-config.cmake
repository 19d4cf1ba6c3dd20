# CMake package configuration of tvm_ffi_hpy (the installed Python package).
#
#   find_package(tvm_ffi_hpy CONFIG REQUIRED)
#   target_link_libraries(my_lib PRIVATE tvm_ffi_hpy::core)
#
# Point CMake at it with -Dtvm_ffi_hpy_DIR="$(python -m tvm_ffi_hpy.config --cmakedir)",
# or put the directory that holds the package (site-packages) on CMAKE_PREFIX_PATH.
#
# This file sits in <package>/cmake/; setup.py copies it there next to
# <package>/include/tvm_ffi_hpy/*.h and <package>/libtvm_ffi_hpy_core.so.
#
# Defines:
#   tvm_ffi_hpy::core          imported shared library: the core, its include
#                              directory, C++17
#   tvm_ffi_hpy_INCLUDE_DIRS   the include directory
#   tvm_ffi_hpy_LIBRARIES      the core library (full path)
#   tvm_ffi_hpy_ROOT_DIR       the package directory
get_filename_component(tvm_ffi_hpy_ROOT_DIR "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(tvm_ffi_hpy_INCLUDE_DIRS "${tvm_ffi_hpy_ROOT_DIR}/include")
set(tvm_ffi_hpy_LIBRARIES "${tvm_ffi_hpy_ROOT_DIR}/libtvm_ffi_hpy_core.so")

if(NOT EXISTS "${tvm_ffi_hpy_INCLUDE_DIRS}/tvm_ffi_hpy/c_api.h")
  set(tvm_ffi_hpy_FOUND FALSE)
  set(tvm_ffi_hpy_NOT_FOUND_MESSAGE
      "the headers are missing from ${tvm_ffi_hpy_INCLUDE_DIRS} (build the package first)")
  return()
endif()
if(NOT EXISTS "${tvm_ffi_hpy_LIBRARIES}")
  set(tvm_ffi_hpy_FOUND FALSE)
  set(tvm_ffi_hpy_NOT_FOUND_MESSAGE
      "the core library ${tvm_ffi_hpy_LIBRARIES} is missing (build the package first)")
  return()
endif()

include(CMakeFindDependencyMacro)
find_dependency(Threads)

if(NOT TARGET tvm_ffi_hpy::core)
  add_library(tvm_ffi_hpy::core SHARED IMPORTED)
  set_target_properties(tvm_ffi_hpy::core PROPERTIES
    IMPORTED_LOCATION "${tvm_ffi_hpy_LIBRARIES}"
    # Link by soname: a library loaded with tvm_ffi_hpy.load_module then
    # reuses the core the Python package already loaded.
    IMPORTED_SONAME "libtvm_ffi_hpy_core.so"
    INTERFACE_INCLUDE_DIRECTORIES "${tvm_ffi_hpy_INCLUDE_DIRS}"
    INTERFACE_COMPILE_FEATURES cxx_std_17
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
set(tvm_ffi_hpy_FOUND TRUE)
