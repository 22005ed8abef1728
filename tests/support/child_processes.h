// Helpers for daemon tests that run real child processes under a real io::EventLoop: a
// temporary directory removed at the end, a bounded wait on the loop (never a fixed
// sleep), and whether a process is gone.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>

#include "io/clock.h"
#include "io/event_loop.h"

namespace vigil::testing {

// A fresh directory under /tmp, removed with everything in it when the test ends.
class TempDir {
public:
    explicit TempDir(const std::string& prefix) {
        std::string pattern = "/tmp/" + prefix + "-XXXXXX";
        if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    bool ok() const { return !path_.empty(); }
    std::string path(const std::string& name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

inline std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Runs the loop until `done()` or until `limit` passed; `on_tick` runs at every wake-up and
// `next_deadline()` (the code under test's) bounds each wait, as in the agent. Returns
// done().
inline bool run_loop_until(io::EventLoop& loop, const std::function<bool()>& done,
                           const std::function<void(TimePoint)>& on_tick,
                           const std::function<TimePoint()>& next_deadline,
                           Micros limit = ms(3000)) {
    const TimePoint give_up = io::monotonic_now() + limit;
    while (!done() && io::monotonic_now() < give_up) {
        loop.wake_at(std::min({next_deadline(), give_up, io::monotonic_now() + ms(20)}));
        if (!loop.run_once([&] { on_tick(io::monotonic_now()); })) return done();
    }
    return done();
}

// Gone or a zombie (an orphan whose reaper has not come by yet): it runs no more.
inline bool process_gone(pid_t pid) {
    std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
    if (stat.empty()) return true;
    auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

}  // namespace vigil::testing
