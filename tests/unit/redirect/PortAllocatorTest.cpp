#include "redirect/PortAllocator.hpp"

#include "error/Error.hpp"
#include "fakes/FakeHost.hpp"
#include "net/Address.hpp"
#include "net/Transport.hpp"
#include "redirect/PortLease.hpp"
#include "redirect/PortRange.hpp"

#include <array>
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace fwx::redirect {
namespace {

using net::Transport;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A uniformly distributed number in [0, n).
unsigned below(std::mt19937& rng, unsigned n) {
    return std::uniform_int_distribution<unsigned>(0, n - 1)(rng);
}

class PortAllocatorTest : public ::testing::Test {
protected:
    // The allocator under test, over range; its searches start at offset_.
    PortAllocator& use(const char* range) {
        return allocator_.emplace(PortRange::parse(range), host_, [this](std::uint32_t bound) {
            bounds_.push_back(bound);
            return offset_;
        });
    }
    void startAt(std::uint32_t offset) { offset_ = offset; }
    // Local TCP sockets on a_.
    void bindAll(std::initializer_list<std::uint16_t> ports) {
        for (const std::uint16_t port : ports) {
            host_.bind(a_, Transport::Tcp, port);
        }
    }

    Error allocateError(unsigned count, Transport transport = Transport::Tcp) {
        try {
            allocator_->allocate(a_, transport, count);
        } catch (const Error& e) {
            return e;
        }
        ADD_FAILURE() << "allocating " << count << " ports succeeded";
        return Error(ErrorCode::Failed, "no error");
    }

    const net::Address a_ = net::Address::parse("203.0.113.1");
    const net::Address b_ = net::Address::parse("203.0.113.2");
    const net::Address any4_ = net::Address::any(net::Family::V4);
    fakes::FakeHost host_;
    std::uint32_t offset_ = 0;
    std::vector<std::uint32_t> bounds_;
    std::optional<PortAllocator> allocator_;
};

TEST_F(PortAllocatorTest, StartsAtTheRandomOffsetRoundedDownToAMultipleOfTheCount) {
    PortAllocator& alloc = use("41000-41999");
    startAt(123);
    // 123 rounds down to 120, a multiple of 4.
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 4), 41120);
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 4U);
    EXPECT_TRUE(alloc.isReserved(a_, Transport::Tcp, 41123));
    EXPECT_FALSE(alloc.isReserved(a_, Transport::Tcp, 41124));
    // Rounding a single port changes nothing; 41123 is taken, the next is free.
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 1), 41124);
    startAt(500);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 1), 41500);
    // The random source is asked for an offset into the whole range.
    EXPECT_THAT(bounds_, ElementsAre(1000U, 1000U, 1000U));
}

TEST_F(PortAllocatorTest, RunMayEndExactlyAtTheLastPort) {
    PortAllocator& alloc = use("41000-41009");
    startAt(7);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 5), 41005);
    EXPECT_TRUE(alloc.isReserved(a_, Transport::Tcp, 41009));
}

TEST_F(PortAllocatorTest, RunThatWouldPassTheLastPortStartsAtTheFirstInstead) {
    PortAllocator& alloc = use("41000-41009");
    // 9 rounds down to 8: 41008-41011 would leave the range.
    startAt(9);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 4), 41000);
}

TEST_F(PortAllocatorTest, RunsNeedNotBeAlignedToFit) {
    PortAllocator& alloc = use("41000-41009");
    bindAll({41002, 41005});
    startAt(0);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 3), 41006);
    // The free ports (41000-41001, 41003-41004, 41009) hold no run of 3.
    EXPECT_EQ(allocateError(3).code(), ErrorCode::PortsExhausted);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 2), 41000);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 2), 41003);
}

TEST_F(PortAllocatorTest, WholeRangeInOneRun) {
    PortAllocator& alloc = use("41000-41009");
    startAt(5);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 10), 41000);
    EXPECT_EQ(alloc.allocate(b_, Transport::Tcp, 10), 41000);
}

TEST_F(PortAllocatorTest, WorksAtTheTopOfThePortSpace) {
    PortAllocator& alloc = use("65530-65535");
    startAt(5);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 1), 65535);
    startAt(0);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 5), 65530);
    EXPECT_EQ(allocateError(1).code(), ErrorCode::PortsExhausted);
}

TEST_F(PortAllocatorTest, WorksOverTheWholePortSpace) {
    PortAllocator& alloc = use("1-65535");
    startAt(65534);
    EXPECT_EQ(alloc.allocate(a_, Transport::Udp, 1), 65535);
    EXPECT_EQ(alloc.allocate(a_, Transport::Udp, 65534), 1);
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Udp), 65535U);
}

TEST_F(PortAllocatorTest, SinglePortRange) {
    PortAllocator& alloc = use("41000-41000");
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 1), 41000);
    EXPECT_THAT(allocateError(1).what(),
                HasSubstr("no single free tcp port on 203.0.113.1 in 41000-41000"));
}

TEST_F(PortAllocatorTest, WrapsAroundToPortsBeforeTheOffset) {
    PortAllocator& alloc = use("41000-41009");
    startAt(5);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 5), 41005);
    startAt(6);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 3), 41000);
}

TEST_F(PortAllocatorTest, FindsARunThatContainsTheOffset) {
    PortAllocator& alloc = use("41000-41009");
    bindAll({41000, 41001, 41002, 41009});
    // Free: 41003-41008. From offset 5 only 41005-41008 lie ahead: too short for 5.
    startAt(5);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 5), 41003);
}

TEST_F(PortAllocatorTest, NeverUsesARunThatWrapsFromLastToFirst) {
    PortAllocator& alloc = use("41000-41009");
    for (std::uint16_t port = 41002; port <= 41007; ++port) {
        host_.bind(a_, Transport::Tcp, port);
    }
    // Free: 41008, 41009, then 41000, 41001: four ports, but not consecutive numbers.
    for (std::uint32_t offset = 0; offset < 10; ++offset) {
        startAt(offset);
        EXPECT_EQ(allocateError(3).code(), ErrorCode::PortsExhausted) << "offset " << offset;
    }
    startAt(8);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 2), 41008);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 2), 41000);
}

TEST_F(PortAllocatorTest, FindsTheOnlyGapBigEnoughFromEveryOffset) {
    PortAllocator& alloc = use("41000-41031");
    // Gaps of 1, 2, 3, 4 (too small) and one of 5 at 41020-41024.
    const std::set<std::uint16_t> free = {41001, 41003, 41004, 41006, 41007, 41008, 41010, 41011,
                                          41012, 41013, 41020, 41021, 41022, 41023, 41024};
    for (std::uint16_t port = 41000; port <= 41031; ++port) {
        if (!free.contains(port)) {
            host_.bind(a_, Transport::Tcp, port);
        }
    }
    for (std::uint32_t offset = 0; offset < 32; ++offset) {
        startAt(offset);
        EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 5), 41020) << "offset " << offset;
        alloc.release(a_, Transport::Tcp, 41020, 5);
    }
}

TEST_F(PortAllocatorTest, SkipsPortsBoundByLocalSockets) {
    PortAllocator& alloc = use("41000-41999");
    host_.bind(a_, Transport::Tcp, 41001);
    host_.bind(any4_, Transport::Tcp, 41004); // a wildcard socket holds it on every address
    host_.bind(b_, Transport::Tcp, 41006);    // another address: irrelevant
    host_.bind(a_, Transport::Udp, 41007);    // another transport: irrelevant
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 2), 41002);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 3), 41005);
    // Asked every time: sockets come and go.
    EXPECT_EQ(host_.boundPortsCalls(), 2U);
    // Bound ports are not ours to reserve or release.
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 5U);
}

TEST_F(PortAllocatorTest, ExhaustionSaysWhatIsInTheWay) {
    PortAllocator& alloc = use("41000-41999");
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 991), 41000);
    // 40000 is outside the range and 41500 reserved anyway: neither is counted as bound.
    bindAll({41992, 41995, 41998, 40000, 41500});
    startAt(997);
    const Error e = allocateError(8);
    EXPECT_EQ(e.code(), ErrorCode::PortsExhausted);
    EXPECT_STREQ(e.what(), "no 8 consecutive free tcp ports on 203.0.113.1 in 41000-41999 "
                           "(991 reserved, 3 bound by local sockets)");
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 991U);
    // Two ports still fit between the sockets: from 41996 (997 rounded down to 996) ...
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 2), 41996);
    // ... and, wrapping, at 41993.
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 2), 41993);
}

TEST_F(PortAllocatorTest, RejectsCountsThatCannotFit) {
    use("41000-41009");
    const Error zero = allocateError(0);
    EXPECT_EQ(zero.code(), ErrorCode::InvalidArgument);
    EXPECT_THAT(zero.what(), HasSubstr("cannot allocate 0 ports"));
    const Error tooMany = allocateError(11);
    EXPECT_EQ(tooMany.code(), ErrorCode::InvalidArgument);
    EXPECT_THAT(tooMany.what(), HasSubstr("cannot allocate 11 consecutive ports: the port "
                                          "range 41000-41009 has only 10"));
    EXPECT_TRUE(bounds_.empty()); // rejected before searching
}

TEST_F(PortAllocatorTest, ReleaseMakesPortsReusable) {
    PortAllocator& alloc = use("41000-41009");
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 10), 41000);
    EXPECT_EQ(allocateError(1).code(), ErrorCode::PortsExhausted);
    alloc.release(a_, Transport::Tcp, 41003, 3);
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 7U);
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 3), 41003);
    alloc.release(a_, Transport::Tcp, 41000, 10);
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 0U);
}

TEST_F(PortAllocatorTest, ReleasingWhatIsNotReservedIsAnErrorAndChangesNothing) {
    PortAllocator& alloc = use("41000-41009");
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 3), 41000);
    const auto releaseError = [&](std::uint16_t first, unsigned count) -> std::string {
        try {
            alloc.release(a_, Transport::Tcp, first, count);
        } catch (const Error& e) {
            EXPECT_EQ(e.code(), ErrorCode::InvalidArgument);
            return e.what();
        }
        return "released";
    };
    EXPECT_THAT(releaseError(41001, 3),
                HasSubstr("cannot release tcp ports 41001-41003 on 203.0.113.1: port 41003 is "
                          "not reserved"));
    EXPECT_THAT(releaseError(40999, 2), HasSubstr("not inside the range 41000-41009"));
    EXPECT_THAT(releaseError(41009, 2), HasSubstr("not inside the range 41000-41009"));
    EXPECT_THAT(releaseError(41000, 0), HasSubstr("the run is empty"));
    EXPECT_THAT(releaseError(41002, 0xffffffff), HasSubstr("not inside the range"));
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 3U);
    alloc.release(a_, Transport::Tcp, 41000, 3);
    EXPECT_THAT(releaseError(41000, 1), HasSubstr("port 41000 is not reserved"));
}

TEST_F(PortAllocatorTest, AddressesAndTransportsAreIndependent) {
    PortAllocator& alloc = use("41000-41000");
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 1), 41000);
    EXPECT_EQ(alloc.allocate(a_, Transport::Udp, 1), 41000);
    EXPECT_EQ(alloc.allocate(b_, Transport::Tcp, 1), 41000);
    EXPECT_EQ(allocateError(1, Transport::Tcp).code(), ErrorCode::PortsExhausted);
    alloc.release(a_, Transport::Tcp, 41000, 1);
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 0U);
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Udp), 1U);
    EXPECT_EQ(alloc.reservedCount(b_, Transport::Tcp), 1U);
}

TEST_F(PortAllocatorTest, ToleratesARandomSourceOutOfBounds) {
    PortAllocator& alloc = use("41000-41009");
    startAt(1'000'003); // 3 modulo the range size
    EXPECT_EQ(alloc.allocate(a_, Transport::Tcp, 1), 41003);
}

TEST_F(PortAllocatorTest, HostFailureReservesNothing) {
    PortAllocator& alloc = use("41000-41009");
    host_.failNextCall(Error(ErrorCode::Failed, "sock_diag", 12));
    EXPECT_EQ(allocateError(2).code(), ErrorCode::Failed);
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 0U);
}

TEST_F(PortAllocatorTest, LeaseReleasesOnDestruction) {
    PortAllocator& alloc = use("41000-41009");
    {
        const PortLease lease = alloc.lease(a_, Transport::Udp, 4);
        EXPECT_TRUE(lease.holds());
        EXPECT_EQ(lease.first(), 41000);
        EXPECT_EQ(lease.count(), 4U);
        EXPECT_EQ(lease.address(), a_);
        EXPECT_EQ(lease.transport(), Transport::Udp);
        EXPECT_EQ(alloc.reservedCount(a_, Transport::Udp), 4U);
    }
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Udp), 0U);
}

TEST_F(PortAllocatorTest, LeaseReleasesWhenAnExceptionUnwinds) {
    PortAllocator& alloc = use("41000-41009");
    const auto programKernel = [](const PortLease&) {
        throw std::runtime_error("EPERM");
    };
    EXPECT_THROW(
        {
            PortLease lease = alloc.lease(a_, Transport::Tcp, 2);
            programKernel(lease);
            lease.commit();
        },
        std::runtime_error);
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 0U);
}

TEST_F(PortAllocatorTest, CommittedLeaseKeepsThePorts) {
    PortAllocator& alloc = use("41000-41009");
    std::uint16_t first = 0;
    {
        PortLease lease = alloc.lease(a_, Transport::Tcp, 2);
        lease.commit();
        EXPECT_FALSE(lease.holds());
        first = lease.first(); // still describes the run
    }
    EXPECT_EQ(first, 41000);
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 2U);
    alloc.release(a_, Transport::Tcp, first, 2);
}

TEST_F(PortAllocatorTest, MovedLeaseReleasesOnce) {
    PortAllocator& alloc = use("41000-41009");
    std::optional<PortLease> outer;
    {
        PortLease inner = alloc.lease(a_, Transport::Tcp, 2);
        outer.emplace(std::move(inner));
        // NOLINTNEXTLINE(bugprone-use-after-move,clang-analyzer-cplusplus.Move): the point
        EXPECT_FALSE(inner.holds());
    }
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 2U);
    outer.reset();
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 0U);
}

TEST_F(PortAllocatorTest, MoveAssignmentReleasesWhatTheTargetHeld) {
    PortAllocator& alloc = use("41000-41009");
    PortLease first = alloc.lease(a_, Transport::Tcp, 2);
    startAt(5);
    PortLease second = alloc.lease(a_, Transport::Tcp, 3);
    first = std::move(second);
    EXPECT_FALSE(alloc.isReserved(a_, Transport::Tcp, 41000));
    EXPECT_TRUE(alloc.isReserved(a_, Transport::Tcp, 41003));
    EXPECT_EQ(first.first(), 41003);
    first.reset();
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 0U);
    first.reset(); // nothing left to give back
    EXPECT_EQ(alloc.reservedCount(a_, Transport::Tcp), 0U);
}

// The finding of issue 10: 1,000 ports, 10-port requests from random starts ran out with
// 160 ports free, stranded in gaps shorter than 10.
TEST(PortAllocatorPlacement, RequestsOfOneSizeUseTheWholeRangeAndKeepDoingSoUnderChurn) {
    const PortRange range(40000, 40999);
    fakes::FakeHost host;
    std::mt19937 rng(20261203);
    PortAllocator alloc(range, host, [&](std::uint32_t bound) { return below(rng, bound); });
    const net::Address address = net::Address::parse("203.0.113.1");
    std::vector<std::uint16_t> runs;
    runs.reserve(100);
    for (int i = 0; i < 100; ++i) {
        runs.push_back(alloc.allocate(address, Transport::Tcp, 10));
    }
    EXPECT_EQ(alloc.reservedCount(address, Transport::Tcp), 1000U);
    for (int round = 0; round < 1000; ++round) {
        const auto it = runs.begin() + below(rng, static_cast<unsigned>(runs.size()));
        alloc.release(address, Transport::Tcp, *it, 10);
        runs.erase(it);
        if (runs.size() < 50 || below(rng, 2) == 0) {
            ASSERT_NO_THROW(runs.push_back(alloc.allocate(address, Transport::Tcp, 10)))
                << "round " << round << ", " << runs.size() << " runs held";
        }
    }
    while (runs.size() < 100) {
        ASSERT_NO_THROW(runs.push_back(alloc.allocate(address, Transport::Tcp, 10)));
    }
}

TEST(PortAllocatorSystemRandom, StaysBelowTheBound) {
    EXPECT_EQ(PortAllocator::systemRandom(1), 0U);
    std::set<std::uint32_t> seen;
    for (int i = 0; i < 2000; ++i) {
        const std::uint32_t value = PortAllocator::systemRandom(7);
        ASSERT_LT(value, 7U);
        seen.insert(value);
    }
    EXPECT_EQ(seen.size(), 7U); // every value shows up; the chance one does not is ~1e-133
}

// Random allocations and releases on several addresses and transports, with sockets coming
// and going, checked step by step against a model that states the rules naively.
class AllocatorModel {
public:
    explicit AllocatorModel(PortRange range)
        : range_(range) {}

    // The start the rules demand for count ports from offset, or none if nothing fits:
    // the first free run from offset rounded down to a multiple of count, wrapping.
    std::optional<std::uint16_t> expectedStart(unsigned key, unsigned count,
                                               unsigned offset) const {
        const unsigned size = range_.size();
        for (unsigned i = 0; i < size; ++i) {
            const unsigned start = (offset - offset % count + i) % size;
            if (start + count <= size && runIsFree(key, start, count)) {
                return static_cast<std::uint16_t>(range_.first() + start);
            }
        }
        return std::nullopt;
    }

    bool runIsFree(unsigned key, unsigned start, unsigned count) const {
        for (unsigned i = start; i < start + count; ++i) {
            const auto port = static_cast<std::uint16_t>(range_.first() + i);
            if (reserved_[key].contains(port) || bound_[key].contains(port)) {
                return false;
            }
        }
        return true;
    }

    void reserve(unsigned key, std::uint16_t first, unsigned count) {
        for (unsigned i = 0; i < count; ++i) {
            reserved_[key].insert(static_cast<std::uint16_t>(first + i));
        }
        runs_[key].emplace_back(first, count);
    }

    // Forgets a random run of key and returns it.
    std::pair<std::uint16_t, unsigned> takeRun(unsigned key, std::mt19937& rng) {
        auto& runs = runs_[key];
        const auto it = runs.begin() + below(rng, static_cast<unsigned>(runs.size()));
        const auto run = *it;
        runs.erase(it);
        for (unsigned i = 0; i < run.second; ++i) {
            reserved_[key].erase(static_cast<std::uint16_t>(run.first + i));
        }
        return run;
    }

    bool hasRuns(unsigned key) const { return !runs_[key].empty(); }
    // Returns whether the port is bound now.
    bool toggleBound(unsigned key, std::uint16_t port) {
        if (bound_[key].erase(port) == 0) {
            bound_[key].insert(port);
            return true;
        }
        return false;
    }
    const std::set<std::uint16_t>& reserved(unsigned key) const { return reserved_[key]; }

    static constexpr unsigned keys = 4;

private:
    PortRange range_;
    std::array<std::set<std::uint16_t>, keys> reserved_;
    std::array<std::set<std::uint16_t>, keys> bound_;
    std::array<std::vector<std::pair<std::uint16_t, unsigned>>, keys> runs_;
};

TEST(PortAllocatorProperty, AgreesWithTheModelOver10000RandomSteps) {
    const PortRange range(41000, 41047);
    const std::array<std::pair<net::Address, Transport>, AllocatorModel::keys> keys = {{
        {net::Address::parse("203.0.113.1"), Transport::Tcp},
        {net::Address::parse("203.0.113.1"), Transport::Udp},
        {net::Address::parse("2001:db8::1"), Transport::Tcp},
        {net::Address::parse("2001:db8::1"), Transport::Udp},
    }};
    std::mt19937 rng(20240611); // fixed: a failure must be reproducible
    std::uint32_t offset = 0;
    fakes::FakeHost host;
    PortAllocator alloc(range, host, [&](std::uint32_t) { return offset; });
    AllocatorModel model(range);
    unsigned allocations = 0;
    unsigned exhaustions = 0;

    for (int step = 0; step < 10'000; ++step) {
        const unsigned key = below(rng, AllocatorModel::keys);
        const auto& [address, transport] = keys[key];
        const unsigned action = below(rng, 10);
        if (action == 0) {
            // Sometimes just outside the range, where sockets must not matter.
            const auto port = static_cast<std::uint16_t>(40998 + below(rng, 52));
            if (model.toggleBound(key, port)) {
                host.bind(address, transport, port);
            } else {
                host.unbind(address, transport, port);
            }
        } else if (action <= 5) {
            const unsigned count = 1 + below(rng, 6);
            offset = below(rng, range.size());
            const auto expected = model.expectedStart(key, count, offset);
            if (expected) {
                const bool viaLease = action == 5;
                std::uint16_t first = 0;
                if (viaLease) {
                    PortLease lease = alloc.lease(address, transport, count);
                    first = lease.first();
                    lease.commit();
                } else {
                    first = alloc.allocate(address, transport, count);
                }
                ASSERT_EQ(first, *expected) << "step " << step;
                model.reserve(key, first, count);
                ++allocations;
            } else {
                try {
                    alloc.allocate(address, transport, count);
                    FAIL() << "step " << step << ": allocation succeeded, model says full";
                } catch (const Error& e) {
                    ASSERT_EQ(e.code(), ErrorCode::PortsExhausted) << "step " << step;
                }
                ++exhaustions;
            }
        } else if (model.hasRuns(key)) {
            const auto [first, count] = model.takeRun(key, rng);
            alloc.release(address, transport, first, count);
        }

        for (unsigned k = 0; k < AllocatorModel::keys; ++k) {
            const auto& reserved = model.reserved(k);
            ASSERT_EQ(alloc.reservedCount(keys[k].first, keys[k].second), reserved.size())
                << "step " << step;
            for (unsigned port = range.first(); port <= range.last(); ++port) {
                const auto p = static_cast<std::uint16_t>(port);
                ASSERT_EQ(alloc.isReserved(keys[k].first, keys[k].second, p), reserved.contains(p))
                    << "step " << step << " port " << port;
            }
        }
    }
    // The walk must have visited both outcomes many times to prove anything.
    EXPECT_GT(allocations, 1000U);
    EXPECT_GT(exhaustions, 100U);
}

} // namespace
} // namespace fwx::redirect
