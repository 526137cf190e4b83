#include "nft/GroupElements.hpp"

#include "nft/ElementKey.hpp"
#include "nft/Nftnl.hpp"
#include "nft/TableLayout.hpp"

#include <fmt/format.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace fwx::nft {

namespace {
constexpr std::size_t ElementCapacity = 512;

std::vector<std::uint8_t> portKey(const redirect::Redirect& r) {
    return ElementKey()
        .address(r.internal.address)
        .protocol(net::ipProtocol(r.transport))
        .port(r.internal.port)
        .bytes();
}

std::string commentFor(const redirect::RedirectGroup& group, std::size_t index) {
    const redirect::Redirect& r = group.redirects[index];
    std::string text = fmt::format("fwxd group {} {}/{} -> {}", group.id, index + 1,
                                   group.redirects.size(), r.target.toString());
    if (r.snatSource) {
        text += " from " + r.snatSource->toString();
    }
    return text.substr(0, NFTNL_UDATA_COMMENT_MAXLEN - 1);
}

// The redirect's port key followed by a client address.
std::vector<std::uint8_t> clientKey(const redirect::Redirect& r, const net::Address& client) {
    return ElementKey()
        .address(r.internal.address)
        .protocol(net::ipProtocol(r.transport))
        .port(r.internal.port)
        .address(client)
        .bytes();
}

// An interval element of source_*: the range of client addresses allowed to use a port.
GroupElements::Element sourceElement(const redirect::Redirect& r, std::string comment) {
    GroupElements::Element e;
    e.key = clientKey(r, r.allowedSource.network());
    e.keyEnd = clientKey(r, r.allowedSource.last());
    e.comment = std::move(comment);
    return e;
}

// Who may use a port, and how often: the elements of once_/multi_ and open_/client_/source_.
struct Permissions {
    GroupElements::SetElements& once;
    GroupElements::SetElements& multi;
    GroupElements::SetElements& open;
    GroupElements::SetElements& client;
    GroupElements::SetElements& source;

    void add(const redirect::Redirect& r, const std::string& comment) const {
        std::optional<std::uint64_t> timeout;
        if (r.permissionTimeout) {
            timeout = static_cast<std::uint64_t>(r.permissionTimeout->count());
        }
        (r.singleUse ? once : multi).elements.push_back({portKey(r), {}, {}, timeout, comment});
        if (r.allowedSource.isAny()) {
            open.elements.push_back({portKey(r), {}, {}, {}, comment});
        } else if (r.allowedSource.isHost()) {
            client.elements.push_back(
                {clientKey(r, r.allowedSource.network()), {}, {}, {}, comment});
        } else {
            source.elements.push_back(sourceElement(r, comment));
        }
    }
};

SetElem makeElement(const GroupElements::Element& e, bool withValues) {
    SetElem elem = makeSetElem();
    nftnl_set_elem_set(elem.get(), NFTNL_SET_ELEM_KEY, e.key.data(),
                       static_cast<std::uint32_t>(e.key.size()));
    if (!e.keyEnd.empty()) {
        nftnl_set_elem_set(elem.get(), NFTNL_SET_ELEM_KEY_END, e.keyEnd.data(),
                           static_cast<std::uint32_t>(e.keyEnd.size()));
    }
    if (!withValues) {
        return elem;
    }
    if (!e.data.empty()) {
        nftnl_set_elem_set(elem.get(), NFTNL_SET_ELEM_DATA, e.data.data(),
                           static_cast<std::uint32_t>(e.data.size()));
    }
    if (e.timeoutMs) {
        nftnl_set_elem_set_u64(elem.get(), NFTNL_SET_ELEM_TIMEOUT, *e.timeoutMs);
    }
    Udata udata = makeUdata();
    nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_SET_ELEM_COMMENT, e.comment.c_str());
    nftnl_set_elem_set(elem.get(), NFTNL_SET_ELEM_USERDATA, nftnl_udata_buf_data(udata.get()),
                       nftnl_udata_buf_len(udata.get()));
    return elem;
}
} // namespace

GroupElements::GroupElements(const redirect::RedirectGroup& group, std::string table)
    : table_(std::move(table))
    , group_(redirect::describe(group)) {
    const FamilyLayout& f = layoutFor(group.family());
    SetElements ports{f.ports(), false, {}};
    SetElements dnat{f.dnat(), false, {}};
    SetElements once{f.once(), true, {}};
    SetElements multi{f.multi(), true, {}};
    SetElements open{f.open(), false, {}};
    SetElements client{f.client(), false, {}};
    SetElements source{f.source(), false, {}};
    SetElements snat{f.snat(), false, {}};
    for (std::size_t i = 0; i < group.redirects.size(); ++i) {
        const redirect::Redirect& r = group.redirects[i];
        const std::string comment = commentFor(group, i);
        ports.elements.push_back({portKey(r), {}, {}, {}, comment});
        dnat.elements.push_back({portKey(r),
                                 {},
                                 ElementKey().address(r.target.address).port(r.target.port).bytes(),
                                 {},
                                 comment});
        if (r.snatSource) {
            snat.elements.push_back(
                {portKey(r), {}, ElementKey().address(*r.snatSource).bytes(), {}, comment});
        }
        // An expected redirect's permission is the conntrack expectation: admit_* DNATs
        // the connections conntrack created from it, and refuses every other one.
        if (!r.expected) {
            Permissions{once, multi, open, client, source}.add(r, comment);
        }
    }
    for (SetElements* s : {&ports, &dnat, &once, &multi, &open, &client, &source, &snat}) {
        if (!s->elements.empty()) {
            sets_.push_back(std::move(*s));
        }
    }
}

void GroupElements::send(Batch& batch, const Message& message, const SetElements& set) const {
    Set nftSet = makeSet();
    nftnl_set_set_str(nftSet.get(), NFTNL_SET_TABLE, table_.c_str());
    nftnl_set_set_str(nftSet.get(), NFTNL_SET_NAME, set.set.c_str());
    nftnl_set_set_u32(nftSet.get(), NFTNL_SET_FAMILY, NFPROTO_INET);
    for (const Element& e : set.elements) {
        nftnl_set_elem_add(nftSet.get(), makeElement(e, message.withValues).release());
    }
    batch.add(
        message.type, NFPROTO_INET, message.flags, ElementCapacity * set.elements.size(),
        [&](nlmsghdr* header, std::size_t /*room*/) {
            nftnl_set_elems_nlmsg_build_payload(header, nftSet.get());
        },
        fmt::format("{} {} element(s) of set {} ({})", message.verb, set.elements.size(), set.set,
                    group_));
}

void GroupElements::addTo(Batch& batch) const {
    const Message add{NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL, true, "adding"};
    for (const SetElements& set : sets_) {
        send(batch, add, set);
    }
}

// A permission the kernel consumed or expired is gone, and deleting a missing element
// fails the whole batch. So permissions are first re-added without NLM_F_EXCL (a no-op if
// present) and then deleted, in the same transaction: this works on every kernel, unlike
// NFT_MSG_DESTROYSETELEM (Linux 6.3+), and leaves nothing behind either way.
void GroupElements::removeFrom(Batch& batch) const {
    const Message ensure{NFT_MSG_NEWSETELEM, NLM_F_CREATE, false, "re-adding"};
    const Message remove{NFT_MSG_DELSETELEM, 0, false, "removing"};
    for (const SetElements& set : sets_) {
        if (set.permission) {
            send(batch, ensure, set);
        }
        send(batch, remove, set);
    }
}

} // namespace fwx::nft
