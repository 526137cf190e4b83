#include "SoakDriver.hpp"

#include "OtherUser.hpp"
#include "lab/WaitUntil.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>

#include <fmt/format.h>

namespace fwx::test::soak {

namespace {

// How long the check waits for fwxd and the kernel to agree with the model: conntrack
// destroys a finished connection's entry after a second or two (the fixture's timeouts),
// and fwxd settles a deadline about 50 ms after it; a busy 2-core machine takes longer.
constexpr milliseconds CheckTimeout{20'000};
// How close to a TIMEOUT deadline both outcomes count as right (see ModelAction::phase).
constexpr milliseconds DeadlineMargin{250};

} // namespace

std::string Tally::summary() const {
    std::ostringstream text;
    text << "operations " << total << " (";
    const char* separator = "";
    for (const auto& [kind, count] : operations) {
        text << separator << kind << " " << count;
        separator = ", ";
    }
    text << "), faults injected " << faults() << " (bad arguments " << badArguments
         << ", another uid's objects " << deniedForeign << ", disconnects mid-call "
         << midCallDisconnects << "), quota refusals " << refusedByQuota << ", connections reached "
         << reached << " (held open " << heldOpen << "), refused " << refused
         << ", actions finished " << finished << " (" << outlived
         << " cancelled or closed while a connection lived), quota decided by a passing "
            "deadline "
         << quotaUndecided << ", checks " << checks << ", residues found " << residues;
    return text.str();
}

SoakDriver::SoakDriver(SoakContext context, std::uint64_t seed, std::uint64_t operations)
    : context_(context)
    , random_(seed)
    , kinds_({
          {"open", 10, &SoakDriver::openSession},
          {"redirect", 24, &SoakDriver::redirect},
          {"cancel", 8, &SoakDriver::cancel},
          {"close", 5, &SoakDriver::close},
          {"traffic", 16, &SoakDriver::traffic},
          {"hang-up", 2, &SoakDriver::hangUp},
          {"register", 3, &SoakDriver::registerProtocol},
          {"unregister", 3, &SoakDriver::unregisterProtocol},
          {"disconnect", 2, &SoakDriver::disconnect},
          {"disconnect-mid-call", 4, &SoakDriver::disconnectMidCall},
          {"bad-arguments", 18, &SoakDriver::badArguments},
          {"foreign-objects", 5, &SoakDriver::foreignObjects},
      })
    , observer_(std::make_unique<FwxdClient>(context.bus.address()))
    // A quarter of the run, at most 20,000 operations, warms up.
    , bounds_(std::min<std::uint64_t>(operations / 4, 20'000)) {
    for (const Kind& kind : kinds_) {
        totalWeight_ += kind.weight;
    }
    for (const Family family : {Family::V4, Family::V6}) {
        for (const net::Transport transport : {net::Transport::Tcp, net::Transport::Udp}) {
            auto& servers = targets_[{family, transport}];
            for (int i = 0; i < 2; ++i) {
                servers.push_back(std::make_unique<Target>(context.lab, family, transport));
            }
        }
    }
    const std::array<uid_t, Slots> uids{0, 0, context.otherUid};
    for (std::size_t i = 0; i < Slots; ++i) {
        slots_[i] = connectClient(uids[i]).id;
    }
}

SoakDriver::~SoakDriver() = default;

SoakDriver::Client& SoakDriver::connectClient(uid_t uid) {
    Client client;
    client.id = nextClient_++;
    client.uid = uid;
    client.bus = uid == 0 ? std::make_unique<FwxdClient>(context_.bus.address())
                          : connectAs(context_.bus.address(), uid, uid);
    const int id = client.id;
    // One match for every Expired the client receives (signals are unicast to the owner):
    // per-action proxies would cost a match rule each, and the bus allows few.
    client.expiredMatch = client.bus->connection().addMatch(
        "type='signal',interface='org.fwxd.Action1',member='Expired'",
        [this, id](sdbus::Message& signal) {
            std::string reason;
            signal >> reason;
            received_[id][signal.getPath()].push_back(reason);
        });
    client.finishedMatch = client.bus->connection().addMatch(
        "type='signal',interface='org.fwxd.Action1',member='Finished'",
        [this, id](sdbus::Message& signal) {
            std::string state;
            std::uint32_t connections = 0;
            signal >> state >> connections;
            finished_[id][signal.getPath()].push_back(state + "," + std::to_string(connections));
        });
    model_.clients[id] = ModelClient{id, uid, client.bus->uniqueName()};
    return clients_.emplace(id, std::move(client)).first->second;
}

// The client leaves the bus: fwxd must close everything it had, without a word to it.
void SoakDriver::dropClient(int id) {
    model_.removeClient(id);
    received_.erase(id);
    finished_.erase(id);
    clients_.erase(id);
}

SoakDriver::Client& SoakDriver::randomSlot() {
    return slot(below(Slots));
}

void SoakDriver::dispatchAll() {
    for (auto& [id, client] : clients_) {
        client.bus->dispatchUntil([] { return false; }, milliseconds{0});
    }
}

::testing::AssertionResult SoakDriver::step(std::uint64_t index) {
    unsigned roll = static_cast<unsigned>(below(totalWeight_));
    const Kind* kind = &kinds_.front();
    for (const Kind& k : kinds_) {
        if (roll < k.weight) {
            kind = &k;
            break;
        }
        roll -= k.weight;
    }
    current_ = kind->name;
    try {
        hangUpOld();
        (this->*(kind->run))();
    } catch (const std::exception& e) {
        return ::testing::AssertionFailure()
               << "operation " << index << " (" << current_ << "): " << e.what();
    }
    ++tally_.operations[ran_];
    ++tally_.total;
    ::testing::AssertionResult checked = ::testing::AssertionSuccess();
    try {
        checked = checkUntilClean(index);
    } catch (const std::exception& e) {
        return ::testing::AssertionFailure()
               << "checking after operation " << index << " (" << current_ << "): " << e.what();
    }
    if (index % 64 == 0) {
        forgetOldSignals();
    }
    return checked;
}

// The signals of actions the checks no longer look at: the soak's memory must not grow with
// the run either.
void SoakDriver::forgetOldSignals() {
    std::set<std::string> wanted;
    for (const ExpectedExpiry& expiry : model_.expiries) {
        wanted.insert(expiry.action);
    }
    for (const ExpectedFinish& finish : model_.finishes) {
        wanted.insert(finish.action);
    }
    for (auto* received : {&received_, &finished_}) {
        for (auto& [client, byPath] : *received) {
            std::erase_if(byPath, [&](const auto& entry) {
                return !wanted.contains(entry.first) && !model_.actions.contains(entry.first);
            });
        }
    }
}

Findings SoakDriver::checkOnce() {
    dispatchAll();
    DaemonView daemon = DaemonView::read(*observer_);
    // Last: a connection that lives now lived when fwxd answered.
    KernelView kernel = kernel_.read(connectionsMade());
    // Signals fwxd sent before it answered the reads are in by now.
    dispatchAll();
    ++tally_.checks;
    observeConnections(kernel);
    Findings findings =
        check(model_, Observed{daemon, kernel, received_, finished_}, DeadlineMargin);
    if (findings.clean()) {
        learn(daemon);
    }
    return findings;
}

std::vector<ConnectionMade> SoakDriver::connectionsMade() const {
    std::vector<ConnectionMade> made;
    made.reserve(model_.connections.size());
    for (const ModelConnection& c : model_.connections) {
        made.push_back(ConnectionMade{c.transport, c.client, c.internal});
    }
    return made;
}

// A connection is over for good once conntrack has no entry of it, or (TCP) once its entry
// says it ended (TIME_WAIT, CLOSE): fwxd has then sent its Closed, or will. The entry may
// stay for the TIME_WAIT timeout: its tuple is never used again meanwhile (SYNs reopen a
// TIME_WAIT entry anyway). Those the soak holds open are checked instead (checkHeldConnections).
void SoakDriver::observeConnections(const KernelView& kernel) {
    std::erase_if(model_.connections, [&](const ModelConnection& c) {
        if (c.heldOpen) {
            return false;
        }
        const auto& flows = kernel.conntrack.flows;
        const auto flow = std::find_if(flows.begin(), flows.end(), [&](const redirect::Flow& f) {
            return f.transport == c.transport && f.client == c.client && f.internal == c.internal;
        });
        return flow == flows.end() || flow->ended;
    });
}

// What fwxd said in a check that agreed with the model: a permission it reports consumed
// (or expired) has seen its deadline pass; an action it no longer lists, of a session that
// is open, has finished; a detached one has finished once nothing lives through it.
void SoakDriver::learn(const DaemonView& daemon) {
    std::vector<sdbus::ObjectPath> finished;
    for (auto& [path, action] : model_.actions) {
        if (action.detached) {
            if (!model_.live(path)) {
                finished.push_back(path);
            }
            continue;
        }
        const auto seen = daemon.actions.find(path);
        if (seen == daemon.actions.end()) {
            finished.push_back(path);
        } else if (!action.withdrawn && seen->second.state != state::Pending &&
                   seen->second.state != state::Established) {
            action.settled = true;
        }
    }
    for (const sdbus::ObjectPath& path : finished) {
        model_.finish(path);
    }
    tally_.finished += finished.size();
}

::testing::AssertionResult SoakDriver::checkUntilClean(std::uint64_t index) {
    Findings last;
    const auto clean = waitUntil(
        [&] {
            last = checkOnce();
            return last.clean();
        },
        CheckTimeout, "fwxd and the kernel to agree with the model");
    if (clean) {
        return ::testing::AssertionSuccess();
    }
    tally_.residues += last.residues.size();
    return ::testing::AssertionFailure() << "after operation " << index << " (" << current_
                                         << "): " << clean.message() << "; still:\n"
                                         << last.describe();
}

::testing::AssertionResult SoakDriver::sampleBounds(std::uint64_t index) {
    const ProcessSample sample = sampleProcess(context_.fwxd.pid());
    if (bounds_.add(index, sample)) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << "after operation " << index << ": fwxd has " << sample.fds << " descriptors and "
           << sample.rssKiB << " KiB resident; " << bounds_.describe();
}

} // namespace fwx::test::soak
