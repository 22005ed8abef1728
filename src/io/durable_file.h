// Small files that must survive a crash intact: written to a temporary file in the same
// directory, fsynced, renamed over the old one, and the directory fsynced, so that after a
// crash or power loss the file holds either the old or the new content, never a mix, and the
// rename itself is on disk. Used for the durable state file (daemon/state_file.h).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace vigil::io {

// Writes `bytes` to `dir`/`name` as described above; the temporary file is `name`.tmp.
// Returns when the new content and its name are durable, or an Error naming the step that
// failed (the old file is then unchanged).
Result<void> write_file_durably(const std::string& dir, const std::string& name,
                                std::string_view bytes);

// The whole file, or nullopt if it does not exist. Files larger than `bytes_max` are an
// Error (invalid_argument), like unreadable ones (io).
Result<std::optional<std::string>> read_small_file(const std::string& path, std::size_t bytes_max);

// Creates `dir` and any missing parents with `mode`; an existing directory is left as it is.
Result<void> make_directories(const std::string& dir, mode_t mode);

}  // namespace vigil::io
