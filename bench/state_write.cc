// bench/state_write: how long one durable write of the state file takes, the old way and the
// new one, on the file system of a given directory. A failover waits for two such writes in
// sequence (the candidate's vote for itself, then the voter's), so they sit on its path.
//
//   replace   a temporary file, fsync, rename over the file, fsync of the directory
//             (io::write_file_durably: how the state file was written before)
//   in_place  pwrite of the next slot, fdatasync (io::DurableFile::write, docs/state.md)
//
// Each way writes N times in a row, then the other, as in production only one way runs;
// interleaved, they share the journal and the disk's flushes, which slows the in-place
// writes somewhat. --alternate interleaves them anyway, one write each way per round, for
// when the machine's load changes during a run and both ways should see the same. The
// disk is what varies most: on a shared machine, other I/O can make both ways several
// times slower for a while, so compare runs, not single figures. Payloads: a typical state
// (2 groups) and the largest one (128 groups with 63-byte names,
// daemon::kStatePayloadBytesMax).
//
// usage: vigil-bench-state-write [--dir DIR] [--writes N] [--alternate]
//   DIR defaults to a new directory under /var/tmp (removed at the end); use the
//   file system of the real state_dir (default /var/lib/vigil) to measure that one.
//   N defaults to 200 writes each way and payload.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/config.h"
#include "daemon/state_file.h"
#include "io/durable_file.h"

using namespace vigil;

namespace {

using Clock = std::chrono::steady_clock;

struct Stats {
    double median_ms, min_ms, max_ms, p90_ms;
};

Stats stats(std::vector<double> ms) {
    std::sort(ms.begin(), ms.end());
    const std::size_t n = ms.size();
    const double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
    return {median, ms.front(), ms.back(), ms[std::min(n - 1, n * 9 / 10)]};
}

core::DurableState typical(std::uint64_t epoch) {
    return core::DurableState{{{"northbound", epoch, "n2"}, {"southbound", epoch, "n2"}}};
}

core::DurableState largest(std::uint64_t epoch) {
    core::DurableState s;
    for (std::size_t g = 0; g < core::kGroupsMax; ++g) {
        std::string name = "g" + std::to_string(g);
        name += std::string(core::kNameBytesMax - name.size(), '.');
        s.groups.push_back({name, epoch, std::string(core::kNameBytesMax, 'n')});
    }
    return s;
}

double elapsed_ms(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

[[noreturn]] void fail(const std::string& what) {
    std::fprintf(stderr, "state_write: %s\n", what.c_str());
    std::exit(1);
}

void run(const char* label, const std::string& dir, int writes, bool alternate,
         core::DurableState (*state)(std::uint64_t)) {
    auto file = io::DurableFile::open(dir, "in_place.state", daemon::encode_state({}));
    if (!file) fail(file.error().message);
    std::vector<double> replace_ms, in_place_ms;
    std::size_t payload_bytes = 0;
    auto replace = [&](int i) {
        const std::string payload = daemon::encode_state(state(static_cast<std::uint64_t>(i)));
        payload_bytes = payload.size();
        auto start = Clock::now();
        if (auto r = io::write_file_durably(dir, "replace.state", payload); !r)
            fail(r.error().message);
        replace_ms.push_back(elapsed_ms(start));
    };
    auto in_place = [&](int i) {
        const std::string payload = daemon::encode_state(state(static_cast<std::uint64_t>(i)));
        auto start = Clock::now();
        if (auto r = file->write(payload); !r) fail(r.error().message);
        in_place_ms.push_back(elapsed_ms(start));
    };
    if (alternate) {
        for (int i = 1; i <= writes; ++i) {
            replace(i);
            in_place(i);
        }
    } else {
        for (int i = 1; i <= writes; ++i) replace(i);
        for (int i = 1; i <= writes; ++i) in_place(i);
    }
    const std::pair<const char*, const std::vector<double>*> ways[] = {{"replace", &replace_ms},
                                                                       {"in_place", &in_place_ms}};
    for (const auto& [way, ms] : ways) {
        const Stats s = stats(*ms);
        std::printf("%-8s %-9s %6zu %6d %9.3f %9.3f %9.3f %9.3f\n", label, way, payload_bytes,
                    writes, s.median_ms, s.min_ms, s.max_ms, s.p90_ms);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string dir;
    int writes = 200;
    bool alternate = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--dir" && i + 1 < argc) {
            dir = argv[++i];
        } else if (arg == "--alternate") {
            alternate = true;
        } else if (arg == "--writes" && i + 1 < argc) {
            writes = std::atoi(argv[++i]);
        } else {
            std::fprintf(stderr, "usage: %s [--dir DIR] [--writes N] [--alternate]\n", argv[0]);
            return 2;
        }
    }
    if (writes < 1) fail("--writes must be at least 1");
    bool made = false;
    if (dir.empty()) {
        std::string pattern = "/var/tmp/vigil-state-write-XXXXXX";
        if (mkdtemp(pattern.data()) == nullptr) fail(std::string("mkdtemp: ") + strerror(errno));
        dir = pattern;
        made = true;
    }
    std::printf("directory %s; times in ms\n", dir.c_str());
    std::printf("%-8s %-9s %6s %6s %9s %9s %9s %9s\n", "payload", "way", "bytes", "writes",
                "median", "min", "max", "p90");
    run("typical", dir, writes, alternate, typical);
    run("largest", dir, writes, alternate, largest);
    for (const char* name : {"/replace.state", "/in_place.state"}) unlink((dir + name).c_str());
    if (made) rmdir(dir.c_str());
    return 0;
}
