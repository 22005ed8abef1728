// The servers on the event loop (UnixServer, HttpServer) keep their clients in a map from
// fd to a struct with a `deadline`; these two walks over it are the same for both.
#pragma once

#include <algorithm>
#include <vector>

#include "common/time.h"

namespace vigil::io {

// The fds whose deadline passed at `now`, collected first so that dropping them cannot
// invalidate the walk.
template <typename Clients>
std::vector<int> clients_past_deadline(const Clients& clients, TimePoint now) {
    std::vector<int> late;
    for (const auto& [fd, client] : clients)
        if (now >= client.deadline) late.push_back(fd);
    return late;
}

template <typename Clients>
TimePoint earliest_client_deadline(const Clients& clients) {
    TimePoint next = TimePoint::never();
    for (const auto& [fd, client] : clients) next = std::min(next, client.deadline);
    return next;
}

}  // namespace vigil::io
