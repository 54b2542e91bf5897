/* goc timer.h, as <goc/timer.h> for builds that use goc from its source tree
 * (CMake add_subdirectory or FetchContent, a Meson subproject): the include
 * directory is include/, and this forwards to the header itself. An install
 * puts the real header here instead.
 * SPDX-License-Identifier: MIT */
#include "../../timer.h"
