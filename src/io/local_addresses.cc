#include "io/local_addresses.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace vigil::io {

Result<std::unordered_set<std::string>> local_addresses() {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) return Error::io(std::string("getifaddrs: ") + std::strerror(errno));
    std::unordered_set<std::string> out;
    for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
        if (a->ifa_addr == nullptr || a->ifa_name == nullptr) continue;
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw = nullptr;
        if (a->ifa_addr->sa_family == AF_INET)
            raw = &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr;
        else if (a->ifa_addr->sa_family == AF_INET6)
            raw = &reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr;
        if (raw == nullptr || inet_ntop(a->ifa_addr->sa_family, raw, text, sizeof text) == nullptr)
            continue;
        out.insert(local_address_key(a->ifa_name, text));
    }
    freeifaddrs(list);
    return out;
}

}  // namespace vigil::io
