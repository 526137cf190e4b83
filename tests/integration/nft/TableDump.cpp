#include "TableDump.hpp"

#include "nft/Nftnl.hpp"

#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <vector>

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace fwx::test {

namespace {

// Netlink dumps fill datagrams of at most 32 KiB.
constexpr std::size_t ReceiveBytes = std::size_t{64} * 1024;
// A dump is interrupted only by a change during it; fwxd changes its table a few times per
// request at most.
constexpr int DumpAttempts = 10;

std::runtime_error dumpError(const std::string& what, int errnum) {
    return std::runtime_error("dumping " + what + ": " + std::strerror(errnum));
}

std::vector<std::uint8_t> bytesOf(nftnl_set_elem* e, std::uint16_t attr) {
    if (!nftnl_set_elem_is_set(e, attr)) {
        return {};
    }
    std::uint32_t length = 0;
    const auto* data = static_cast<const std::uint8_t*>(nftnl_set_elem_get(e, attr, &length));
    return {data, data + length};
}

int commentOf(const nftnl_udata* attr, void* data) {
    if (nftnl_udata_type(attr) == NFTNL_UDATA_SET_ELEM_COMMENT) {
        const auto* text = static_cast<const char*>(nftnl_udata_get(attr));
        *static_cast<std::string*>(data) = std::string(text, strnlen(text, nftnl_udata_len(attr)));
    }
    return 0;
}

TableDump::Element toElement(nftnl_set_elem* e) {
    TableDump::Element element;
    element.key = bytesOf(e, NFTNL_SET_ELEM_KEY);
    element.keyEnd = bytesOf(e, NFTNL_SET_ELEM_KEY_END);
    element.data = bytesOf(e, NFTNL_SET_ELEM_DATA);
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_OBJREF)) {
        element.objref = nftnl_set_elem_get_str(e, NFTNL_SET_ELEM_OBJREF);
    }
    if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT)) {
        element.timeoutMs = nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT);
    }
    const auto userdata = bytesOf(e, NFTNL_SET_ELEM_USERDATA);
    if (!userdata.empty()) {
        nftnl_udata_parse(userdata.data(), static_cast<std::uint32_t>(userdata.size()), commentOf,
                          &element.comment);
    }
    return element;
}

using MessageParser = std::function<void(const nlmsghdr*)>;

int parseMessage(const nlmsghdr* header, void* data) {
    (*static_cast<MessageParser*>(data))(header);
    return MNL_CB_OK;
}

} // namespace

TableDump::TableDump(std::string table)
    : table_(std::move(table))
    , socket_(net::NetlinkSocket::open(NETLINK_NETFILTER)) {
}

bool TableDump::dump(std::uint16_t type, const std::function<void(nlmsghdr*)>& build,
                     const std::function<void(const nlmsghdr*)>& parse) const {
    static std::uint32_t sequence = 1;
    const std::uint32_t seq = sequence++;
    std::vector<char> buffer(ReceiveBytes);
    nlmsghdr* header = nftnl_nlmsg_build_hdr(buffer.data(), type, NFPROTO_INET, NLM_F_DUMP, seq);
    build(header);
    if (mnl_socket_sendto(socket_.get(), header, header->nlmsg_len) < 0) {
        throw dumpError("nf_tables", errno);
    }
    MessageParser parser = parse;
    for (;;) {
        const ssize_t got = mnl_socket_recvfrom(socket_.get(), buffer.data(), buffer.size());
        if (got < 0) {
            throw dumpError("nf_tables", errno);
        }
        const int done = mnl_cb_run(buffer.data(), static_cast<std::size_t>(got), seq,
                                    socket_.portId(), parseMessage, &parser);
        if (done < 0 && errno == EINTR) {
            socket_ = net::NetlinkSocket::open(NETLINK_NETFILTER);
            return false;
        }
        if (done < 0) {
            throw dumpError("table inet " + table_, errno);
        }
        if (done == MNL_CB_STOP) {
            return true;
        }
    }
}

void TableDump::dumpConsistently(std::uint16_t type, const std::function<void(nlmsghdr*)>& build,
                                 const std::function<void(const nlmsghdr*)>& parse,
                                 const std::function<void()>& reset) const {
    for (int attempt = 1;; ++attempt) {
        if (dump(type, build, parse)) {
            return;
        }
        if (attempt == DumpAttempts) {
            throw dumpError("table inet " + table_ + " (changing all the time)", EINTR);
        }
        reset();
    }
}

std::vector<TableDump::Element> TableDump::elements(const std::string& set) const {
    nft::Set request = nft::makeSet();
    nftnl_set_set_str(request.get(), NFTNL_SET_TABLE, table_.c_str());
    nftnl_set_set_str(request.get(), NFTNL_SET_NAME, set.c_str());
    nftnl_set_set_u32(request.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
    std::vector<Element> elements;
    try {
        const auto build = [&](nlmsghdr* header) {
            nftnl_set_elems_nlmsg_build_payload(header, request.get());
        };
        const auto parse = [&](const nlmsghdr* header) {
            nft::Set part = nft::makeSet();
            if (nftnl_set_elems_nlmsg_parse(header, part.get()) < 0) {
                throw std::runtime_error("unparsable elements of set " + set);
            }
            nftnl_set_elems_iter* iter = nftnl_set_elems_iter_create(part.get());
            for (nftnl_set_elem* e = nftnl_set_elems_iter_next(iter); e != nullptr;
                 e = nftnl_set_elems_iter_next(iter)) {
                elements.push_back(toElement(e));
            }
            nftnl_set_elems_iter_destroy(iter);
        };
        dumpConsistently(NFT_MSG_GETSETELEM, build, parse, [&] { elements.clear(); });
    } catch (const std::runtime_error& e) {
        throw std::runtime_error(std::string(e.what()) + " (set " + set + ")");
    }
    return elements;
}

std::vector<std::string> TableDump::objects(std::uint32_t type) const {
    nft::Object request = nft::makeObject();
    nftnl_obj_set_str(request.get(), NFTNL_OBJ_TABLE, table_.c_str());
    nftnl_obj_set_u32(request.get(), NFTNL_OBJ_TYPE, type);
    std::vector<std::string> names;
    const auto build = [&](nlmsghdr* header) {
        nftnl_obj_nlmsg_build_payload(header, request.get());
    };
    const auto parse = [&](const nlmsghdr* header) {
        nft::Object object = nft::makeObject();
        if (nftnl_obj_nlmsg_parse(header, object.get()) < 0) {
            throw std::runtime_error("unparsable object");
        }
        // The kernel filters by table and type already; this keeps other tables' objects
        // out on kernels that do not.
        if (table_ == nftnl_obj_get_str(object.get(), NFTNL_OBJ_TABLE) &&
            nftnl_obj_get_u32(object.get(), NFTNL_OBJ_TYPE) == type) {
            names.emplace_back(nftnl_obj_get_str(object.get(), NFTNL_OBJ_NAME));
        }
    };
    dumpConsistently(NFT_MSG_GETOBJ, build, parse, [&] { names.clear(); });
    return names;
}

} // namespace fwx::test
