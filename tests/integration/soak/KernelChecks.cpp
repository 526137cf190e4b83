// fwxd's objects against the kernel: which actions hold a port programmed (every action fwxd
// lists that the soak did not cancel: it stays exactly while it may admit a connection or
// one through it lives, which ObjectChecks checks), and the elements each such holder implies
// (lib/nft/GroupElements.cpp, README "What fwxd programs"), derived here independently from
// the action's properties. An action that was cancelled, or whose session ended, while a
// connection through it lived holds its port with nothing in the kernel until that
// connection ends: no other action may get the port meanwhile.
#include "KernelChecks.hpp"

#include "net/Address.hpp"
#include "nft/ElementKey.hpp"
#include "nft/TableLayout.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include <fmt/format.h>

namespace fwx::test::soak {

namespace {

using Bytes = std::vector<std::uint8_t>;

// A permission's kernel timeout runs from when fwxd programmed it, a little before the
// ExpiresAt it reports: this close to ExpiresAt the element may be gone already.
constexpr std::int64_t KernelExpiryLeadUsec = 100'000;

// Actions the soak does not know (a finding of the object checks already) count as
// programmed by their State.
bool programmedByState(const std::string& s) {
    return s == state::Pending || s == state::Established;
}

// An action as the kernel sees it: its properties, parsed.
struct Programmed {
    const ActionView* view = nullptr;
    net::Transport transport = net::Transport::Tcp;
    net::Endpoint internal;
    net::Endpoint target;
    std::optional<net::Address> proxy;
    net::Prefix allowedSource;
    Bytes portKey;
};

std::optional<Programmed> programmedOf(const ActionView& a, const SoakModel& model) {
    const auto internal = net::Address::tryParse(a.internalAddress);
    const auto target = net::Address::tryParse(a.connectAddress);
    if (!internal || !target || (a.protocol != "tcp" && a.protocol != "udp")) {
        return std::nullopt;
    }
    Programmed p;
    p.view = &a;
    p.transport = a.protocol == "tcp" ? net::Transport::Tcp : net::Transport::Udp;
    p.internal = net::Endpoint{*internal, a.internalPort};
    p.target = net::Endpoint{*target, a.connectPort};
    if (!a.proxyExternalAddress.empty()) {
        p.proxy = net::Address::tryParse(a.proxyExternalAddress);
    }
    // Not a property: the soak knows what it asked for (an action it does not know is a
    // finding of the object checks already).
    const auto known = model.actions.find(a.path);
    p.allowedSource = known != model.actions.end() ? known->second.allowedSource
                                                   : net::Prefix::any(internal->family());
    p.portKey = nft::ElementKey()
                    .address(p.internal.address)
                    .protocol(net::ipProtocol(p.transport))
                    .port(p.internal.port)
                    .bytes();
    return p;
}

// The elements of one holder: required ones, and permissions that may already have timed out.
struct Implied {
    std::vector<KernelElement> required;
    std::vector<KernelElement> optional;
    std::optional<std::string> limit;
};

Bytes clientKey(const Programmed& p, const net::Address& client) {
    return nft::ElementKey()
        .address(p.internal.address)
        .protocol(net::ipProtocol(p.transport))
        .port(p.internal.port)
        .address(client)
        .bytes();
}

void addPermission(const Programmed& p, std::int64_t now, Implied& implied) {
    const nft::FamilyLayout& f = nft::layoutFor(p.internal.family());
    const ActionView& a = *p.view;
    const bool timed = (a.flags & TimeoutFlag) != 0;
    const bool surelyThere =
        !timed || static_cast<std::int64_t>(a.expiresAt) > now + KernelExpiryLeadUsec;
    const bool single = (a.flags & AllowMultiple) == 0;
    KernelElement permission{single ? f.once() : f.multi(), p.portKey, {}, {}, {}};
    (surelyThere ? implied.required : implied.optional).push_back(std::move(permission));
    if (single) {
        const std::string limit = fmt::format("once-{}-{}-{}", p.internal.address.toString(),
                                              net::toString(p.transport), p.internal.port);
        implied.required.push_back(KernelElement{f.onceLimits(), p.portKey, {}, {}, limit});
        implied.limit = limit;
    }
    if (p.allowedSource.isAny()) {
        implied.required.push_back(KernelElement{f.open(), p.portKey, {}, {}, {}});
    } else if (p.allowedSource.isHost()) {
        implied.required.push_back(
            KernelElement{f.client(), clientKey(p, p.allowedSource.network()), {}, {}, {}});
    } else {
        implied.required.push_back(KernelElement{f.source(),
                                                 clientKey(p, p.allowedSource.network()),
                                                 clientKey(p, p.allowedSource.last()),
                                                 {},
                                                 {}});
    }
}

Implied impliedBy(const Programmed& p, std::int64_t now) {
    const nft::FamilyLayout& f = nft::layoutFor(p.internal.family());
    Implied implied;
    implied.required.push_back(KernelElement{f.ports(), p.portKey, {}, {}, {}});
    implied.required.push_back(
        KernelElement{f.dnat(),
                      p.portKey,
                      {},
                      nft::ElementKey().address(p.target.address).port(p.target.port).bytes(),
                      {}});
    if (p.proxy) {
        implied.required.push_back(KernelElement{
            f.snat(), p.portKey, {}, nft::ElementKey().address(*p.proxy).bytes(), {}});
    }
    // An expectation-backed redirect's permission is the expectation.
    if (!p.view->expected) {
        addPermission(p, now, implied);
    }
    return implied;
}

// "ports_v4 203.0.113.1:41000/tcp" from a key: address, protocol and port, each padded to 4.
std::string describe(const KernelElement& e) {
    if (e.set.starts_with("helpers_")) {
        return fmt::format("{} element -> {}", e.set, e.objref);
    }
    const bool v6 = e.set.ends_with("v6");
    const std::size_t length = v6 ? 16 : 4;
    if (e.key.size() < length + 8) {
        return e.set + " (a key of " + std::to_string(e.key.size()) + " bytes)";
    }
    const net::Address address = net::Address::fromBytes(v6 ? net::Family::V6 : net::Family::V4,
                                                         std::span(e.key).first(length));
    const int protocol = e.key[length];
    const int port = (e.key[length + 4] << 8) | e.key[length + 5];
    std::string text = fmt::format("{} {}:{}/{}", e.set, address.toString(), port,
                                   protocol == 6    ? "tcp"
                                   : protocol == 17 ? "udp"
                                                    : "?");
    if (!e.objref.empty()) {
        text += " : " + e.objref;
    }
    return text;
}

// Bytes of the port key at the start of an element's key ("address . protocol . port").
Bytes portKeyOf(const KernelElement& e) {
    const std::size_t length = (e.set.ends_with("v6") ? 16U : 4U) + 8U;
    return Bytes(e.key.begin(),
                 e.key.begin() + static_cast<std::ptrdiff_t>(std::min(length, e.key.size())));
}

class KernelCheck {
public:
    KernelCheck(const SoakModel& model, const DaemonView& daemon, const KernelView& kernel,
                Findings& findings)
        : model_(model)
        , daemon_(daemon)
        , kernel_(kernel)
        , findings_(findings) {}

    void run() {
        parseActions();
        findHolders();
        compareElements();
        compareObjects();
        compareExpectations();
        compareActiveRedirects();
    }

private:
    // The programmed actions per port key, the ports held for live connections only, and
    // the ports the kernel has.
    void parseActions() {
        for (const auto& [path, view] : daemon_.actions) {
            const auto known = model_.actions.find(path);
            const bool programmed = known != model_.actions.end()
                                        ? !known->second.withdrawn && !known->second.detached
                                        : programmedByState(view.state);
            if (!programmed) {
                continue;
            }
            if (auto p = programmedOf(view, model_)) {
                byKey_[p->portKey].push_back(*p);
            }
        }
        for (const auto& [path, action] : model_.actions) {
            if ((action.withdrawn || action.detached) && model_.live(path)) {
                held_.emplace(actionPortKey(action), &action);
            }
        }
        for (const KernelElement& e : kernel_.elements) {
            if (e.set.starts_with("ports_")) {
                kernelPorts_.insert(e.key);
            }
        }
    }

    static Bytes actionPortKey(const ModelAction& a) {
        return nft::ElementKey()
            .address(a.internal.address)
            .protocol(net::ipProtocol(a.transport))
            .port(a.internal.port)
            .bytes();
    }

    // One programmed action per port, with its port in the kernel; none on a port held for a
    // live connection of another (fwxd hands out free ports only; the kernel view was read
    // after fwxd's objects, and a connection that lives now lived then).
    void findHolders() {
        for (auto& [key, candidates] : byKey_) {
            if (candidates.size() > 1) {
                problem(fmt::format("{} and {} both hold {}", std::string(candidates[0].view->path),
                                    std::string(candidates[1].view->path), label(candidates[0])));
            }
            const Programmed& holder = candidates.front();
            holders_.emplace(key, &holder);
            if (!kernelPorts_.contains(key)) {
                problem(fmt::format("{} is listed ({}) but the kernel has no port {}",
                                    std::string(holder.view->path), holder.view->state,
                                    label(holder)));
            }
            if (const auto held = held_.find(key); held != held_.end()) {
                problem(fmt::format("{} got {}, which {} holds for a connection that lives",
                                    std::string(holder.view->path), label(holder),
                                    std::string(held->second->path)));
            }
        }
    }

    void compareElements() {
        std::set<KernelElement> required;
        std::set<KernelElement> optional;
        for (const auto& [key, holder] : holders_) {
            Implied implied = impliedBy(*holder, kernel_.realReadAt);
            required.insert(implied.required.begin(), implied.required.end());
            optional.insert(implied.optional.begin(), implied.optional.end());
            if (implied.limit) {
                limits_.insert(*implied.limit);
            }
        }
        std::set<KernelElement> actual(kernel_.elements.begin(), kernel_.elements.end());
        for (const KernelElement& e : actual) {
            if (required.contains(e) || optional.contains(e)) {
                continue;
            }
            if (holders_.contains(portKeyOf(e))) {
                problem("the kernel holds " + describe(e) + ", which its action does not imply");
            } else if (const auto held = held_.find(portKeyOf(e)); held != held_.end()) {
                residue(fmt::format("the kernel holds {} of {}, which {}: only its port stays "
                                    "held, for its live connection",
                                    describe(e), std::string(held->second->path),
                                    held->second->detached ? "left with its session"
                                                           : "was cancelled"));
            } else {
                residue("the kernel holds " + describe(e) + " of no live action");
            }
        }
        for (const KernelElement& e : required) {
            if (!actual.contains(e)) {
                problem("the kernel lacks " + describe(e) + " of " +
                        std::string(holders_.at(portKeyOf(e))->view->path));
            }
        }
    }

    void compareObjects() {
        for (const std::string& name : kernel_.limitObjects) {
            if (!limits_.contains(name)) {
                residue("the kernel holds limit object " + name + " of no live action");
            }
        }
        for (const std::string& name : limits_) {
            if (!kernel_.limitObjects.contains(name)) {
                problem("the kernel lacks limit object " + name);
            }
        }
        // TODO(helpers): expect helper objects and elements of registered protocols once
        // RegisterProtocol takes Servers; until then none may exist.
        for (const std::string& name : kernel_.helperObjects) {
            residue("the kernel holds ct helper object " + name + " of no protocol");
        }
    }

    // Only expectation-backed actions that still admit connections have an expectation.
    void compareExpectations() {
        std::set<std::pair<net::Transport, net::Endpoint>> wanted;
        for (const auto& [key, holder] : holders_) {
            const std::string& s = holder->view->state;
            if (holder->view->expected && (s == state::Pending || s == state::Established)) {
                wanted.emplace(holder->transport, holder->internal);
            }
        }
        std::set<std::pair<net::Transport, net::Endpoint>> present;
        for (const redirect::Expectation& e : kernel_.conntrack.expectations) {
            present.emplace(e.transport, e.destination);
            if (!wanted.contains({e.transport, e.destination})) {
                residue(fmt::format("conntrack expects {}/{} for no live action",
                                    e.destination.toString(), net::toString(e.transport)));
            }
        }
        for (const auto& w : wanted) {
            if (!present.contains(w)) {
                problem(fmt::format("conntrack lacks the expectation of {}/{}", w.second.toString(),
                                    net::toString(w.first)));
            }
        }
    }

    // What is programmed (and what the kernel refused to remove, which fwxd retries), not
    // the ports merely held for live connections.
    void compareActiveRedirects() {
        if (daemon_.activeRedirects != kernelPorts_.size()) {
            problem(fmt::format("ActiveRedirects is {}, the kernel has {} port(s) ({} held for "
                                "live connections only)",
                                daemon_.activeRedirects, kernelPorts_.size(), held_.size()));
        }
    }

    static std::string label(const Programmed& p) {
        return fmt::format("{}/{}", p.internal.toString(), net::toString(p.transport));
    }
    void problem(std::string text) { findings_.problems.push_back(std::move(text)); }
    void residue(std::string text) { findings_.residues.push_back(std::move(text)); }

    const SoakModel& model_;
    const DaemonView& daemon_;
    const KernelView& kernel_;
    Findings& findings_;
    std::map<Bytes, std::vector<Programmed>> byKey_;
    std::set<Bytes> kernelPorts_;
    std::map<Bytes, const Programmed*> holders_;
    std::map<Bytes, const ModelAction*> held_;
    std::set<std::string> limits_;
};

} // namespace

void checkKernel(const SoakModel& model, const DaemonView& daemon, const KernelView& kernel,
                 Findings& findings) {
    KernelCheck(model, daemon, kernel, findings).run();
}

} // namespace fwx::test::soak
