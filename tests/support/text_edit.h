// Config tests start from one valid file and change one spot of it; an edit whose anchor
// is missing would silently test the unedited file, so it fails the test instead.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

// In namespace vigil, not vigil::testing: config tests name gtest as `testing::`.
namespace vigil {

// `text` with the first `from` replaced by `to`.
inline std::string edit_test_text(std::string text, std::string_view from, std::string_view to) {
    const std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << "test edit not found: " << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

}  // namespace vigil
