# goc's CMake package: find_package(goc CONFIG) defines goc::goc, an
# INTERFACE target with the headers (#include <goc/chan.h>) and
# Threads::Threads. Where goc was installed by CMake with its library,
# gocTargets.cmake defines goc::goc and goc::lib (every implementation
# compiled once) instead. The same file serves `make install`, which puts it
# in <prefix>/share/cmake/goc, and CMake's install.
include(CMakeFindDependencyMacro)
find_dependency(Threads)
if(EXISTS "${CMAKE_CURRENT_LIST_DIR}/gocTargets.cmake")
  include("${CMAKE_CURRENT_LIST_DIR}/gocTargets.cmake")
elseif(NOT TARGET goc::goc)
  get_filename_component(_goc_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
  add_library(goc::goc INTERFACE IMPORTED)
  set_target_properties(goc::goc PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_goc_prefix}/include"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
  unset(_goc_prefix)
endif()
