// The LSB reading of resource command exits (docs/resources.md).
#include "core/events.h"

namespace vigil::core {

const char* resource_op_name(ResourceOp op) {
    switch (op) {
        case ResourceOp::start: return "start";
        case ResourceOp::stop: return "stop";
        case ResourceOp::monitor: return "monitor";
    }
    return "unknown";
}

ResourceOutcome resource_outcome(ResourceOp op, int exit_code, bool killed_at_timeout) {
    if (killed_at_timeout) return ResourceOutcome::timed_out;
    if (exit_code == 0) return ResourceOutcome::ok;
    // LSB: "program is not running". Only a monitor can say so; a start or stop that exits
    // 3 simply failed.
    if (op == ResourceOp::monitor && exit_code == 3) return ResourceOutcome::not_running;
    return ResourceOutcome::failed;
}

}  // namespace vigil::core
