#include "io/journal.h"

#include <sys/stat.h>
#include <sys/uio.h>
// Without this, sd-journal.h adds CODE_FILE/CODE_LINE/CODE_FUNC of this wrapper to every
// entry: the same place each time, so it tells nothing.
#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include <charconv>
#include <cstdlib>
#include <cstring>

namespace vigil::io {

namespace {
constexpr const char* kJournalSocket = "/run/systemd/journal/socket";  // systemd-journald(8)
}

bool journal_stream_matches(std::string_view journal_stream, std::uint64_t device,
                            std::uint64_t inode) {
    const auto colon = journal_stream.find(':');
    if (colon == std::string_view::npos) return false;
    std::uint64_t dev = 0, ino = 0;
    const char* begin = journal_stream.data();
    const char* mid = begin + colon;
    const char* end = begin + journal_stream.size();
    auto d = std::from_chars(begin, mid, dev);
    auto i = std::from_chars(mid + 1, end, ino);
    if (d.ec != std::errc{} || d.ptr != mid || i.ec != std::errc{} || i.ptr != end) return false;
    if (colon == 0 || mid + 1 == end) return false;
    return dev == device && ino == inode;
}

bool stderr_is_journal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr) return false;
    struct stat st {};
    if (fstat(2, &st) != 0) return false;
    return journal_stream_matches(stream, st.st_dev, st.st_ino);
}

Result<void> journal_send(const std::vector<std::string>& fields) {
    // sd_journal_sendv reports success when the socket does not exist ("fail silently if
    // the journal is not available"), which would lose the event: look first. Events are
    // rare (never one per packet), so one stat each costs nothing that matters.
    struct stat socket_stat {};
    if (stat(kJournalSocket, &socket_stat) != 0 || !S_ISSOCK(socket_stat.st_mode))
        return Error::io(std::string("no journal socket at ") + kJournalSocket);
    std::vector<iovec> iov(fields.size());
    for (std::size_t i = 0; i < fields.size(); ++i) {
        iov[i].iov_base = const_cast<char*>(fields[i].data());
        iov[i].iov_len = fields[i].size();
    }
    const int rc = sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
    if (rc < 0) return Error::io(std::string("sd_journal_sendv: ") + std::strerror(-rc));
    return {};
}

}  // namespace vigil::io
