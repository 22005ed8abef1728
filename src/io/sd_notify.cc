#include "io/sd_notify.h"

#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace vigil::io {

namespace {

class SystemdManager final : public ServiceManager {
public:
    SystemdManager() {
        std::uint64_t usec = 0;
        // > 0: enabled for this process; 0: no watchdog; < 0: WATCHDOG_USEC malformed.
        if (sd_watchdog_enabled(/*unset_environment=*/0, &usec) > 0)
            interval_ = static_cast<Micros>(usec);
    }

    Result<void> notify(std::string_view state) override {
        const std::string message(state);
        // Returns 0 without NOTIFY_SOCKET (not under a service manager): nothing to do.
        int r = sd_notify(/*unset_environment=*/0, message.c_str());
        if (r < 0) return Error::io("sd_notify: " + std::string(std::strerror(-r)));
        return {};
    }

    Micros watchdog_interval() const override { return interval_; }

private:
    Micros interval_ = 0;
};

}  // namespace

std::unique_ptr<ServiceManager> make_systemd_manager() {
    return std::make_unique<SystemdManager>();
}

void claim_watchdog_for_this_process() {
    if (std::getenv("WATCHDOG_PID") == nullptr) return;
    setenv("WATCHDOG_PID", std::to_string(getpid()).c_str(), /*overwrite=*/1);
}

}  // namespace vigil::io
