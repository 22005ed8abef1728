#include "common/assert.h"

#include <cstdio>
#include <cstdlib>

namespace vigil::detail {
void assert_failed(const char* file, int line, const char* condition) {
    std::fprintf(stderr, "vigil: assertion failed at %s:%d: %s\n", file, line, condition);
    std::fflush(stderr);
    std::abort();
}
}  // namespace vigil::detail
