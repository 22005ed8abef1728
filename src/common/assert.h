// VIGIL_ASSERT stays on in release builds: stopping beats running on in an impossible
// state (STYLE.md §8). One condition per assertion.
#pragma once

namespace vigil::detail {
[[noreturn]] void assert_failed(const char* file, int line, const char* condition);
}

#define VIGIL_ASSERT(cond)                                                      \
    do {                                                                        \
        if (!(cond)) ::vigil::detail::assert_failed(__FILE__, __LINE__, #cond); \
    } while (0)

#ifdef NDEBUG
#define VIGIL_DEBUG_ASSERT(cond) \
    do {                         \
    } while (0)
#else
#define VIGIL_DEBUG_ASSERT(cond) VIGIL_ASSERT(cond)
#endif
