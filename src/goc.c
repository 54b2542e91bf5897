/* libgoc: every goc implementation compiled once, for programs that would
 * rather link a library (CMake's goc::lib) than compile the implementation
 * in a file of their own. The striped map is in it where stb_ds was found
 * when the library was built (see sync.h).
 * SPDX-License-Identifier: MIT */
#define GOC_IMPLEMENTATION
#include "../context.h"
