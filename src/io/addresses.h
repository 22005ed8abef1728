// The seam for virtual IPs: add, remove and look for addresses on interfaces, and tell
// neighbours where an address now lives. Netlink and raw sockets in production
// (netlink_addresses.cc, announcer.cc); a map in tests.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "core/config.h"

namespace vigil::io {

using core::VipConfig;

class Addresses {
public:
    virtual ~Addresses() = default;
    // Adds the VIP; adding an address that is already present succeeds. IPv6 VIPs are
    // added without duplicate address detection (IFA_F_NODAD) so they are usable at once.
    // A missing interface is Error::Code::not_found. For IPv4 the netlink implementation
    // also sets promote_secondaries on the interface (see netlink_addresses.cc for why).
    virtual Result<void> add(const VipConfig& vip) = 0;
    // Removes the VIP; removing an absent address succeeds, and so does removing from an
    // interface that no longer exists (its addresses went with it).
    virtual Result<void> remove(const VipConfig& vip) = 0;
    // True if the interface holds the address with any prefix length; false if the
    // interface does not exist.
    virtual Result<bool> present(const VipConfig& vip) = 0;
};

// Sends one gratuitous ARP (IPv4: an ARP request from and for the VIP, to broadcast) or
// one unsolicited neighbour advertisement (IPv6: override flag set, to ff02::1, hop
// limit 255) for the VIP on its interface, with the interface's MAC address.
class Announcer {
public:
    virtual ~Announcer() = default;
    virtual Result<void> announce(const VipConfig& vip) = 0;
};

// Reports that addresses changed on this host (netlink RTM_NEWADDR/RTM_DELADDR), so that
// the agent can re-check its VIPs. The fd becomes readable when something changed; drain()
// consumes the notifications and returns true if any address was deleted.
class AddressMonitor {
public:
    virtual ~AddressMonitor() = default;
    virtual int fd() const = 0;
    virtual bool drain() = 0;
};

std::unique_ptr<Addresses> make_netlink_addresses();
std::unique_ptr<Announcer> make_raw_announcer();
Result<std::unique_ptr<AddressMonitor>> make_netlink_address_monitor();

}  // namespace vigil::io
