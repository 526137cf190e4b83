// scale-bench: fwxd as a firewall sees it, at scale. Request latency and throughput against
// the bare D-Bus round trip, with 10 to 100,000 active redirects and 0 to 500,000 unrelated
// conntrack entries; fwxd's memory; tearing 100,000 redirects down while traffic flows;
// new connections through a redirect; latency after 10,000 sessions.
//
//   sudo build-bench/tests/bench/scale-bench [--quick] [--report FILE]
//
// tests/bench/run-scale-bench builds it and writes its report into docs/benchmarks.md.
// Runs as root in namespaces of its own (the lab); the only global change is
// net.netfilter.nf_conntrack_max (and the conntrack hash size if it would be far too
// small), put back on every exit. --quick: small levels, for trying the benchmark out.
#include "GlobalSysctl.hpp"
#include "Plan.hpp"
#include "Progress.hpp"
#include "Report.hpp"
#include "ScaleRun.hpp"
#include "StopSignal.hpp"
#include "lab/FirewallNetns.hpp"
#include "lab/Netns.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include <unistd.h>

namespace fwx::bench {
namespace {

// nf_conntrack_max bounds each namespace's table; the hash table is shared by all of them.
// The hash size is only raised when the table would be more than 8 entries per bucket.
void raiseConntrackLimits(const Plan& plan, GlobalSysctl& max, GlobalSysctl& buckets) {
    std::size_t most = 0;
    for (const std::size_t count : plan.conntrackLevels) {
        most = std::max(most, count);
    }
    const std::size_t wanted = most + 200'000;
    if (max.raiseTo(wanted)) {
        progress("net.netfilter.nf_conntrack_max {} → {} for this run", max.original(), wanted);
    }
    if (buckets.value() * 8 < wanted && buckets.raiseTo(wanted / 4)) {
        progress("net.netfilter.nf_conntrack_buckets {} → {} for this run", buckets.original(),
                 wanted / 4);
    }
}

int usage(const char* program) {
    std::fprintf(stderr, "usage: sudo %s [--quick] [--report FILE]   (needs root)\n", program);
    return EXIT_FAILURE;
}

} // namespace
} // namespace fwx::bench

int main(int argc, char** argv) {
    using namespace fwx::bench;
    Plan plan;
    std::string reportFile;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--quick") {
            plan = Plan::quick();
        } else if (arg == "--report" && i + 1 < argc) {
            reportFile = argv[++i];
        } else {
            return usage(argv[0]);
        }
    }
    if (::geteuid() != 0) {
        return usage(argv[0]);
    }
    RunResults results;
    int status = EXIT_SUCCESS;
    try {
        installStopHandlers();
        // Opened here, in the host's namespace, before the process leaves it.
        GlobalSysctl max("net/netfilter/nf_conntrack_max");
        GlobalSysctl buckets("net/netfilter/nf_conntrack_buckets");
        fwx::test::enterFirewallNetns();
        fwx::test::Netns::removeStale();
        raiseConntrackLimits(plan, max, buckets);
        runScale(plan, results);
    } catch (const Interrupted& e) {
        std::fprintf(stderr, "scale-bench: %s; cleaned up\n", e.what());
        return 130;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "scale-bench: %s\n", e.what());
        if (results.notes.empty() || results.notes.back().rfind("The run ended early", 0) != 0) {
            results.notes.push_back(std::string("The run ended early: ") + e.what());
        }
        status = EXIT_FAILURE;
    }
    results.seconds = secondsRunning();
    const std::string report = markdown(results);
    std::cout << report << std::flush;
    if (!reportFile.empty()) {
        std::ofstream out(reportFile);
        out << report;
        if (!out.flush()) {
            std::fprintf(stderr, "scale-bench: cannot write %s\n", reportFile.c_str());
            return EXIT_FAILURE;
        }
    }
    progress("done in {:.1f} s", results.seconds);
    return status;
}
