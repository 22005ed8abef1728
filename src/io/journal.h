// The journald seam: whether stderr already goes to the journal, and sending one
// structured entry (sd_journal_sendv(3)). Which fields an event becomes is decided in
// daemon/log_journal.h; this file only talks to the OS.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace vigil::io {

// systemd.exec(5): a service whose stderr is connected to the journal gets
// $JOURNAL_STREAM="DEVICE:INODE" of that stream. A child that inherits the variable but not
// the stream (stderr redirected to a file) must not take it for the journal, hence the
// comparison with stderr's own device and inode (sd_journal_print(3) says the same).
bool journal_stream_matches(std::string_view journal_stream, std::uint64_t device,
                            std::uint64_t inode);
// The check above for this process's stderr and environment.
bool stderr_is_journal();

// Sends one entry; each field is "NAME=value" (the value may hold any bytes, newlines
// included). Fails when no journal listens on /run/systemd/journal/socket.
Result<void> journal_send(const std::vector<std::string>& fields);

}  // namespace vigil::io
