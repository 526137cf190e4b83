#include "nft/GroupElements.hpp"

#include "nft/ElementKey.hpp"
#include "nft/ElementMessages.hpp"
#include "nft/Nftnl.hpp"
#include "nft/TableLayout.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace fwx::nft {

namespace {

std::vector<std::uint8_t> portKey(const redirect::Redirect& r) {
    return ElementKey()
        .address(r.internal.address)
        .protocol(net::ipProtocol(r.transport))
        .port(r.internal.port)
        .bytes();
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

std::string labelOf(const redirect::Redirect& r) {
    return fmt::format("{}/{}", r.internal.toString(), net::toString(r.transport));
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

// "300 redirects from 203.0.113.1:41000/tcp to [2001:db8:1::1]:41299/udp"
std::string describeRedirects(std::span<const redirect::Redirect> redirects) {
    if (redirects.size() == 1) {
        return "redirect " + labelOf(redirects.front());
    }
    return fmt::format("{} redirects from {} to {}", redirects.size(), labelOf(redirects.front()),
                       labelOf(redirects.back()));
}

// The sets of one family, in the order their messages go into a batch.
enum Kind : std::uint8_t {
    Ports,
    Dnat,
    Once,
    OnceLimits,
    Multi,
    Open,
    Client,
    Source,
    Snat,
    KindCount
};

std::string setName(const FamilyLayout& f, Kind kind) {
    switch (kind) {
    case Ports:
        return f.ports();
    case Dnat:
        return f.dnat();
    case Once:
        return f.once();
    case OnceLimits:
        return f.onceLimits();
    case Multi:
        return f.multi();
    case Open:
        return f.open();
    case Client:
        return f.client();
    case Source:
        return f.source();
    case Snat:
    case KindCount:
        break;
    }
    return f.snat();
}

using FamilySets = std::array<GroupElements::SetElements, KindCount>;

FamilySets emptySets(net::Family family) {
    FamilySets sets;
    for (std::size_t k = 0; k < KindCount; ++k) {
        const auto kind = static_cast<Kind>(k);
        sets[k].set = setName(layoutFor(family), kind);
        sets[k].permission = kind == Once || kind == Multi;
        sets[k].refersToObjects = kind == OnceLimits;
    }
    return sets;
}

// Who may use a port (open_/client_/source_) and how often (once_/multi_).
void addPermission(FamilySets& sets, const redirect::Redirect& r, const SetElement& base) {
    SetElement permission = base;
    if (r.permissionTimeout) {
        permission.timeoutMs = static_cast<std::uint64_t>(r.permissionTimeout->count());
    }
    if (r.singleUse) {
        sets[Once].elements.push_back(std::move(permission));
        SetElement limit = base;
        limit.objref = SingleUseLimit::nameFor(r);
        sets[OnceLimits].elements.push_back(std::move(limit));
    } else {
        sets[Multi].elements.push_back(std::move(permission));
    }
    if (r.allowedSource.isAny()) {
        sets[Open].elements.push_back(base);
    } else if (r.allowedSource.isHost()) {
        SetElement client = base;
        client.key = clientKey(r, r.allowedSource.network());
        sets[Client].elements.push_back(std::move(client));
    } else {
        // An interval: the range of client addresses allowed to use the port.
        SetElement source = base;
        source.key = clientKey(r, r.allowedSource.network());
        source.keyEnd = clientKey(r, r.allowedSource.last());
        sets[Source].elements.push_back(std::move(source));
    }
}

} // namespace

GroupElements::GroupElements(const redirect::RedirectGroup& group, std::string table)
    : table_(std::move(table))
    , about_(redirect::describe(group)) {
    gather(group.redirects, &group);
}

GroupElements::GroupElements(std::span<const redirect::Redirect> redirects, std::string table)
    : table_(std::move(table))
    , about_(redirects.empty() ? "no redirects" : describeRedirects(redirects)) {
    gather(redirects, nullptr);
}

void GroupElements::gather(std::span<const redirect::Redirect> redirects,
                           const redirect::RedirectGroup* group) {
    std::array<FamilySets, 2> families{emptySets(net::Family::V4), emptySets(net::Family::V6)};
    for (std::size_t i = 0; i < redirects.size(); ++i) {
        const redirect::Redirect& r = redirects[i];
        FamilySets& sets = families[r.internal.family() == net::Family::V4 ? 0 : 1];
        SetElement base;
        base.key = portKey(r);
        base.label = labelOf(r);
        if (group != nullptr) {
            base.comment = commentFor(*group, i);
        }
        sets[Ports].elements.push_back(base);
        SetElement dnat = base;
        dnat.data = ElementKey().address(r.target.address).port(r.target.port).bytes();
        sets[Dnat].elements.push_back(std::move(dnat));
        if (r.snatSource) {
            SetElement snat = base;
            snat.data = ElementKey().address(*r.snatSource).bytes();
            sets[Snat].elements.push_back(std::move(snat));
        }
        // An expected redirect's permission is the conntrack expectation: admit_* DNATs
        // the connections conntrack created from it, and refuses every other one.
        if (!r.expected) {
            addPermission(sets, r, base);
            if (r.singleUse) {
                limits_.emplace_back(r);
            }
        }
    }
    // Set by set, both families each: a port that is taken fails the batch in its first
    // message, where the error says so (ports_v4).
    for (std::size_t kind = 0; kind < KindCount; ++kind) {
        for (FamilySets& sets : families) {
            SetElements& set = sets[kind];
            if (set.elements.empty()) {
                continue;
            }
            if (set.permission) {
                // Those that may expire first: only they need re-adding before a removal.
                const auto timed = std::stable_partition(
                    set.elements.begin(), set.elements.end(),
                    [](const SetElement& e) { return e.timeoutMs.has_value(); });
                set.expiring = static_cast<std::size_t>(timed - set.elements.begin());
            }
            sets_.push_back(std::move(set));
        }
    }
}

void GroupElements::addTo(Batch& batch) const {
    const ElementMessages add(NFT_MSG_NEWSETELEM, NLM_F_CREATE | NLM_F_EXCL,
                              ElementMessages::Content::Full, "adding");
    bool objectsSent = false;
    for (const SetElements& set : sets_) {
        if (set.refersToObjects && !objectsSent) {
            for (const SingleUseLimit& limit : limits_) {
                limit.addTo(batch, table_);
            }
            objectsSent = true;
        }
        add.append(batch, table_, set.set, set.elements, about_);
    }
}

// A permission the kernel expired is gone, and deleting a missing element fails the
// whole batch. So permissions with a timeout are first re-added without NLM_F_EXCL (a
// no-op if present) and then deleted, in the same transaction: this works on every
// kernel, unlike NFT_MSG_DESTROYSETELEM (Linux 6.3+; Debian 12 runs 6.1), and leaves
// nothing behind either way. Permissions without a timeout, and once_limits_*, never
// expire: they are simply deleted, and the limit objects after them.
void GroupElements::removeFrom(Batch& batch) const {
    const ElementMessages ensure(NFT_MSG_NEWSETELEM, NLM_F_CREATE, ElementMessages::Content::Key,
                                 "re-adding");
    const ElementMessages remove(NFT_MSG_DELSETELEM, 0, ElementMessages::Content::Key, "removing");
    for (const SetElements& set : sets_) {
        if (set.expiring > 0) {
            ensure.append(batch, table_, set.set,
                          std::span<const SetElement>(set.elements).first(set.expiring), about_);
        }
        remove.append(batch, table_, set.set, set.elements, about_);
    }
    for (const SingleUseLimit& limit : limits_) {
        limit.removeFrom(batch, table_);
    }
}

std::size_t GroupElements::removalOperations(const redirect::Redirect& r) {
    std::size_t operations = 2; // ports, dnat
    if (r.snatSource) {
        ++operations;
    }
    if (!r.expected) {
        // The permission (re-added first if it may have expired); who may connect.
        operations += (r.permissionTimeout ? 2U : 1U) + 1U;
        if (r.singleUse) {
            operations += 2; // its once_limits element and limit object
        }
    }
    return operations;
}

} // namespace fwx::nft
