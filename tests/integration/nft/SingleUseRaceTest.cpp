// Single use is strict under concurrency: connections to one single-use permission, started
// at the same instant from two CPUs, admit exactly one. Each trial programs a fresh
// permission, releases two client threads together (each in the client namespace, pinned
// to its own CPU, so that the firewall handles their packets on that CPU), lets them fire
// all their connects at once, waits for the outcome of every connect (the admitted one
// reaches the server; the gate answers every other one with a TCP reset or an ICMP port
// unreachable), and counts at the server what got through.
#include "Firewall.hpp"
#include "lab/Deadline.hpp"
#include "lab/FamilyParam.hpp"
#include "lab/Netns.hpp"
#include "lab/Socket.hpp"
#include "lab/TcpServer.hpp"
#include "lab/UdpServer.hpp"

#include <atomic>
#include <barrier>
#include <cerrno>
#include <chrono>
#include <future>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fwx::test {
namespace {

using namespace std::chrono_literals;
using net::Transport;

constexpr int Trials = 100;
constexpr int ConnectsPerThread = 8; // two threads: 16 connects per trial
constexpr milliseconds OutcomeTimeout{5000};

enum class Outcome : std::uint8_t { Admitted, Refused, NoAnswer };

void pinToCpu(std::size_t cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        throw std::system_error(errno, std::generic_category(), "sched_setaffinity");
    }
}

// The result of a socket that has an answer (poll said so): a TCP connect completed or
// refused, a UDP datagram answered by the server or by an ICMP error.
Outcome settle(int fd, Transport transport) {
    if (transport == Transport::Tcp) {
        int error = 0;
        socklen_t length = sizeof error;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
            throw std::system_error(errno, std::generic_category(), "SO_ERROR");
        }
        return error == 0 ? Outcome::Admitted : Outcome::Refused;
    }
    char byte = 0;
    const ssize_t got = recv(fd, &byte, 1, MSG_DONTWAIT);
    return got >= 0 ? Outcome::Admitted : Outcome::Refused;
}

// One client thread's share of a trial: its sockets are made before the barrier, so that
// after it nothing but the connects themselves runs.
class Burst {
public:
    Burst(const Netns& ns, const SocketAddress& to, Transport transport)
        : to_(to)
        , transport_(transport) {
        for (int i = 0; i < ConnectsPerThread; ++i) {
            sockets_.push_back(openSocket(&ns, to.family(),
                                          transport == Transport::Tcp ? SOCK_STREAM : SOCK_DGRAM));
        }
    }

    void fire() {
        for (const UniqueFd& fd : sockets_) {
            const int rc = ::connect(fd.get(), to_.get(), to_.size());
            if (rc != 0 && errno != EINPROGRESS) {
                throw std::system_error(errno, std::generic_category(), "connect");
            }
            if (transport_ == Transport::Udp && ::send(fd.get(), "x", 1, 0) != 1) {
                throw std::system_error(errno, std::generic_category(), "send");
            }
        }
    }

    // Waits until every socket has its answer or the deadline passed.
    std::vector<Outcome> outcomes() {
        std::vector<Outcome> result(sockets_.size(), Outcome::NoAnswer);
        const Deadline deadline(OutcomeTimeout);
        std::size_t open = sockets_.size();
        while (open > 0 && !deadline.expired()) {
            std::vector<pollfd> fds;
            for (std::size_t i = 0; i < sockets_.size(); ++i) {
                if (result[i] == Outcome::NoAnswer) {
                    const short events = transport_ == Transport::Tcp ? POLLOUT : POLLIN;
                    fds.push_back({sockets_[i].get(), events, 0});
                }
            }
            const int ready = ::poll(fds.data(), fds.size(), deadline.pollTimeout());
            if (ready < 0 && errno != EINTR) {
                throw std::system_error(errno, std::generic_category(), "poll");
            }
            for (const pollfd& p : fds) {
                if (p.revents == 0) {
                    continue;
                }
                for (std::size_t i = 0; i < sockets_.size(); ++i) {
                    if (sockets_[i].get() == p.fd) {
                        result[i] = settle(p.fd, transport_);
                        --open;
                    }
                }
            }
        }
        return result;
    }

    // Tells the TCP server that an admitted connection is complete.
    void finish(const std::vector<Outcome>& outcomes) {
        for (std::size_t i = 0; i < sockets_.size(); ++i) {
            if (outcomes[i] == Outcome::Admitted && transport_ == Transport::Tcp) {
                static_cast<void>(::send(sockets_[i].get(), "x\n", 2, MSG_NOSIGNAL));
                ::shutdown(sockets_[i].get(), SHUT_WR);
            }
        }
    }

private:
    SocketAddress to_;
    Transport transport_;
    std::vector<UniqueFd> sockets_;
};

struct TrialResult {
    int admitted = 0;   // connects the client saw succeed
    int refused = 0;    // connects refused by the gate
    int unanswered = 0; // neither within OutcomeTimeout: a broken trial
    int atServer = 0;   // connections accepted / distinct client ports seen at the server
};

using Param = FamilyTransport;

class SingleUseRace : public ::testing::TestWithParam<Param> {
protected:
    Family family() const { return std::get<0>(GetParam()); }
    Transport transport() const { return std::get<1>(GetParam()); }

    TrialResult trial(const SocketAddress& target) {
        const auto& group = firewall.open(Firewall::requestTo({target}, transport()));
        const SocketAddress internal = Firewall::internalOf(group);
        std::barrier start(2);
        std::vector<std::unique_ptr<Burst>> bursts;
        std::vector<std::future<std::vector<Outcome>>> clients;
        for (const std::size_t cpu : {0U, 1U}) {
            bursts.push_back(std::make_unique<Burst>(lab.client(), internal, transport()));
            Burst& burst = *bursts.back();
            clients.push_back(std::async(std::launch::async, [&, cpu] {
                pinToCpu(cpu);
                const NetnsGuard inClient(lab.client().fd());
                start.arrive_and_wait();
                burst.fire();
                return burst.outcomes();
            }));
        }
        // The UDP server answers while the clients wait for their answers.
        std::set<std::uint16_t> udpPeers;
        const auto waiting = [&] {
            for (auto& client : clients) {
                if (client.wait_for(0s) != std::future_status::ready) {
                    return true;
                }
            }
            return false;
        };
        while (transport() == Transport::Udp && waiting()) {
            serveUdp(udpPeers, 5ms);
        }
        TrialResult result;
        for (std::size_t b = 0; b < clients.size(); ++b) {
            const std::vector<Outcome> got = clients[b].get();
            bursts[b]->finish(got);
            for (const Outcome o : got) {
                result.admitted += o == Outcome::Admitted ? 1 : 0;
                result.refused += o == Outcome::Refused ? 1 : 0;
                result.unanswered += o == Outcome::NoAnswer ? 1 : 0;
            }
        }
        result.atServer =
            transport() == Transport::Tcp ? acceptedTcp(result.admitted) : drainUdp(udpPeers);
        firewall.close(group.id);
        return result;
    }

    // Every connection the client saw admitted must arrive; then nothing more may be there.
    int acceptedTcp(int expected) {
        int accepted = 0;
        while (accepted < expected && tcpServer->accept(OutcomeTimeout)) {
            ++accepted;
        }
        while (tcpServer->accept(0ms)) {
            ++accepted;
        }
        return accepted;
    }

    void serveUdp(std::set<std::uint16_t>& peers, milliseconds wait) {
        if (auto datagram = udpServer->receive(wait)) {
            peers.insert(datagram->peer.port());
            udpServer->reply(datagram->peer, datagram->data);
        }
    }

    int drainUdp(std::set<std::uint16_t>& peers) {
        serveUdp(peers, 0ms);
        while (auto datagram = udpServer->receive(0ms)) {
            peers.insert(datagram->peer.port());
        }
        return static_cast<int>(peers.size());
    }

    void SetUp() override {
        if (transport() == Transport::Tcp) {
            tcpServer = std::make_unique<TcpServer>(&lab.server(), Lab::serverAddress(family()));
        } else {
            udpServer = std::make_unique<UdpServer>(&lab.server(), Lab::serverAddress(family()));
        }
    }

    SocketAddress targetAddress() const {
        return tcpServer ? tcpServer->address() : udpServer->address();
    }

    Lab lab;
    Firewall firewall;
    std::unique_ptr<TcpServer> tcpServer;
    std::unique_ptr<UdpServer> udpServer;
};

TEST_P(SingleUseRace, ConcurrentConnectsFromTwoCpusAdmitExactlyOne) {
    ASSERT_GE(std::thread::hardware_concurrency(), 2U) << "the race needs two CPUs";
    int exactlyOne = 0;
    int doubles = 0;
    for (int t = 0; t < Trials; ++t) {
        const TrialResult r = trial(targetAddress());
        EXPECT_EQ(r.unanswered, 0) << "trial " << t << ": connects without an answer";
        EXPECT_EQ(r.admitted + r.refused + r.unanswered, 2 * ConnectsPerThread);
        EXPECT_EQ(r.admitted, 1) << "trial " << t << ": admitted at the client";
        EXPECT_EQ(r.atServer, 1) << "trial " << t << ": arrived at the server";
        exactlyOne += r.admitted == 1 && r.atServer == 1 ? 1 : 0;
        doubles += r.atServer > 1 ? 1 : 0;
    }
    std::printf("%d trials of %d concurrent connects from 2 CPUs: %d admitted exactly one, %d "
                "admitted more\n",
                Trials, 2 * ConnectsPerThread, exactlyOne, doubles);
    EXPECT_EQ(exactlyOne, Trials);
}

INSTANTIATE_TEST_SUITE_P(All, SingleUseRace, familiesAndTransports(), FamilyTransportName());

} // namespace
} // namespace fwx::test
