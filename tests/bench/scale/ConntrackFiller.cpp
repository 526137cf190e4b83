#include "ConntrackFiller.hpp"

#include "StopSignal.hpp"

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <netinet/in.h>

namespace fwx::bench {

namespace {

constexpr std::uint32_t TimeoutSec = 3600;
constexpr std::size_t PortsPerSource = 50'000;

struct EntryFree {
    void operator()(nf_conntrack* ct) const noexcept { nfct_destroy(ct); }
};

std::uint32_t ipv4(const std::string& text) {
    in_addr address{};
    ::inet_pton(AF_INET, text.c_str(), &address);
    return address.s_addr;
}

// Entry index as a conntrack object with both tuples (ctnetlink wants both to create).
std::unique_ptr<nf_conntrack, EntryFree> entry(std::size_t index) {
    std::unique_ptr<nf_conntrack, EntryFree> ct(nfct_new());
    if (!ct) {
        throw std::system_error(ENOMEM, std::generic_category(), "nfct_new");
    }
    const std::uint32_t source = ipv4("192.0.2." + std::to_string(100 + index / PortsPerSource));
    const std::uint32_t destination = ipv4("198.51.100.200");
    const auto sourcePort = htons(static_cast<std::uint16_t>(10000 + index % PortsPerSource));
    const std::uint16_t dnsPort = htons(53);
    nfct_set_attr_u8(ct.get(), ATTR_L3PROTO, AF_INET);
    nfct_set_attr_u8(ct.get(), ATTR_L4PROTO, IPPROTO_UDP);
    nfct_set_attr_u32(ct.get(), ATTR_IPV4_SRC, source);
    nfct_set_attr_u32(ct.get(), ATTR_IPV4_DST, destination);
    nfct_set_attr_u16(ct.get(), ATTR_PORT_SRC, sourcePort);
    nfct_set_attr_u16(ct.get(), ATTR_PORT_DST, dnsPort);
    // The reply tuple: the original one inverted.
    nfct_setobjopt(ct.get(), NFCT_SOPT_SETUP_REPLY);
    nfct_set_attr_u32(ct.get(), ATTR_TIMEOUT, TimeoutSec);
    return ct;
}

} // namespace

void ConntrackFiller::Close::operator()(nfct_handle* handle) const noexcept {
    nfct_close(handle);
}

ConntrackFiller::ConntrackFiller()
    : handle_(nfct_open(CONNTRACK, 0)) {
    if (!handle_) {
        throw std::system_error(errno, std::generic_category(), "nfct_open");
    }
}

ConntrackFiller::~ConntrackFiller() {
    removeAll();
}

void ConntrackFiller::growTo(std::size_t count) {
    if (count > MaxEntries) {
        throw std::invalid_argument("ConntrackFiller: at most " + std::to_string(MaxEntries));
    }
    while (created_ < count) {
        if (created_ % 10'000 == 0) {
            throwIfStopped();
        }
        const auto ct = entry(created_);
        if (nfct_query(handle_.get(), NFCT_Q_CREATE, ct.get()) != 0) {
            throw std::system_error(errno, std::generic_category(),
                                    "creating conntrack entry " + std::to_string(created_ + 1));
        }
        ++created_;
    }
}

void ConntrackFiller::removeAll() noexcept {
    std::size_t failed = 0;
    int lastError = 0;
    while (created_ > 0) {
        try {
            const auto ct = entry(created_ - 1);
            if (nfct_query(handle_.get(), NFCT_Q_DESTROY, ct.get()) != 0 && errno != ENOENT) {
                ++failed;
                lastError = errno;
            }
        } catch (const std::exception&) {
            ++failed;
        }
        --created_;
    }
    if (failed > 0) {
        std::fprintf(stderr, "warning: %zu conntrack entries not deleted (%s)\n", failed,
                     std::strerror(lastError));
    }
}

std::size_t conntrackCount() {
    std::ifstream in("/proc/sys/net/netfilter/nf_conntrack_count");
    std::size_t count = 0;
    in >> count;
    return count;
}

} // namespace fwx::bench
