#include "Report.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

namespace fwx::bench {

namespace {

std::string ratio(double a, double b) {
    if (b <= 0) {
        return "—";
    }
    const double q = a / b;
    return q < 100 ? fmt::format("{:.2f}", q)
                   : formatCount(static_cast<std::size_t>(std::lround(q)));
}

std::string mib(std::size_t kib) {
    return fmt::format("{:.1f} MiB", static_cast<double>(kib) / 1024.0);
}

std::string errorsOf(const std::map<std::string, std::size_t>& errors) {
    if (errors.empty()) {
        return "0";
    }
    std::string text;
    for (const auto& [name, count] : errors) {
        std::string shortName = name;
        if (const auto dot = name.rfind('.'); dot != std::string::npos) {
            shortName = name.substr(dot + 1);
        }
        text += fmt::format("{}{} {}", text.empty() ? "" : ", ", count, shortName);
    }
    return text;
}

std::string rate(double perSecond) {
    return perSecond >= 100 ? formatCount(static_cast<std::size_t>(std::lround(perSecond)))
                            : fmt::format("{:.1f}", perSecond);
}

const LevelResult* levelWith(const std::vector<LevelResult>& levels, bool lowest) {
    if (levels.empty()) {
        return nullptr;
    }
    return lowest ? &levels.front() : &levels.back();
}

void levelRows(std::ostringstream& out, const LevelResult& level) {
    for (const LoadResult& load : level.requests) {
        const LoadResult& ping = load.clients == 1 ? level.ping1 : level.ping8;
        out << fmt::format(
            "| {} | {} | {} | {} | {} / {} | {} | {} / {} | {} | {} | {} | {} | {} | {} |\n",
            formatCount(level.redirects), formatCount(level.kernelPorts),
            formatCount(level.conntrack), load.clients, formatMicroseconds(ping.latencyUs.p50()),
            formatMicroseconds(ping.latencyUs.p99()), load.targets,
            formatMicroseconds(load.latencyUs.p50()), formatMicroseconds(load.latencyUs.p99()),
            formatMicroseconds(load.cancelUs.p50()), rate(load.cyclesPerSecond()),
            rate(load.cyclesPerSecond() * static_cast<double>(load.targets)),
            load.latencyUs.count(), ratio(load.latencyUs.p50(), ping.latencyUs.p50()),
            errorsOf(load.errors));
    }
}

void requestTable(std::ostringstream& out, const std::vector<LevelResult>& levels) {
    out << "| active redirects | ports in the kernel | conntrack entries | clients | Ping p50 / "
           "p99 | N | RedirectConnections p50 / p99 | Cancel p50 | redirect+cancel cycles/s | "
           "redirects/s | requests measured | request p50 / Ping p50 | errors |\n"
           "|---:|---:|---:|---:|---|---:|---|---|---:|---:|---:|---:|---|\n";
    for (const LevelResult& level : levels) {
        levelRows(out, level);
    }
}

void rssTable(std::ostringstream& out, const RunResults& r) {
    out << "| active redirects | fwxd VmRSS | above the lowest level | per added redirect |\n"
           "|---:|---:|---:|---:|\n";
    const LevelResult* base = levelWith(r.redirectLevels, true);
    for (const LevelResult& level : r.redirectLevels) {
        const double above = static_cast<double>(level.rssKiB) - static_cast<double>(base->rssKiB);
        const double added =
            static_cast<double>(level.redirects) - static_cast<double>(base->redirects);
        out << fmt::format("| {} | {} | {:+.1f} MiB | {} |\n", formatCount(level.redirects),
                           mib(level.rssKiB), above / 1024.0,
                           added > 0 ? fmt::format("{:.2f} KiB", above / added) : "—");
    }
}

void flowTable(std::ostringstream& out, const RunResults& r) {
    out << "| when | redirects installed | new flows sent | arrived | time (median round) | "
           "new flows/s | vs the first row | fwxd CPU time in that round |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|\n";
    const double first = r.flowRates.empty() ? 0 : r.flowRates.front().median().perSecond();
    for (const FlowRateResult& f : r.flowRates) {
        const FlowRate m = f.median();
        out << fmt::format("| {} | {} | {} | {} | {} | {} | {} | {:.0f} ms |\n", f.when,
                           formatCount(f.redirects), formatCount(m.sent), formatCount(m.received),
                           formatMicroseconds(m.seconds * 1e6), rate(m.perSecond()),
                           ratio(m.perSecond(), first), m.fwxdCpuMs);
    }
}

std::string within(double seconds, bool done, double limit) {
    return done ? formatMicroseconds(seconds * 1e6) : fmt::format("> {:g} s (not finished)", limit);
}

void teardownTable(std::ostringstream& out, const RunResults& r) {
    out << "| how | redirects | elements in fwxd's sets | Close answered | ActiveRedirects back "
           "| kernel sets back | longest gap between forwarded datagrams | longest gap between "
           "the probe's sends | probe datagrams arrived / sent | fwxd VmRSS before → after |\n"
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n";
    for (const TeardownResult& t : r.teardowns) {
        std::string reply = "—";
        if (t.replySeconds) {
            reply = formatMicroseconds(*t.replySeconds * 1e6);
        } else if (!t.closeError.empty()) {
            reply = fmt::format("no ({})", t.closeError.substr(t.closeError.rfind('.') + 1));
        }
        out << fmt::format(
            "| {} | {} | {} | {} | {} | {} | {:.1f} ms | {:.1f} ms | {} / {} | {} → {} |\n",
            t.kind == TeardownKind::CloseSession ? "filler's Session1.Close"
                                                 : "filler leaves the bus",
            formatCount(t.redirects), formatCount(t.elements), reply,
            within(t.fwxdSeconds, t.fwxdDone, t.limitSeconds),
            within(t.kernelSeconds, t.kernelDone, t.limitSeconds), t.probe.longestArrivalGapMs,
            t.probe.longestSendGapMs, formatCount(t.probe.received), formatCount(t.probe.sent),
            mib(t.rssBeforeKiB), mib(t.rssAfterKiB));
    }
}

void historyTable(std::ostringstream& out, const HistoryResult& h) {
    out << fmt::format("{} of {} cycles in {:.1f} s, {} errors.\n\n", formatCount(h.cycles),
                       formatCount(h.planned), h.seconds, h.errors);
    out << fmt::format("| p50 of | first {} cycles | last {} cycles | last / first |\n"
                       "|---|---:|---:|---:|\n",
                       formatCount(h.window), formatCount(h.window));
    out << fmt::format("| whole cycle (OpenSession + RedirectConnections + Close) | {} | {} | {} "
                       "|\n",
                       formatMicroseconds(h.firstCycleUs.p50()),
                       formatMicroseconds(h.lastCycleUs.p50()),
                       ratio(h.lastCycleUs.p50(), h.firstCycleUs.p50()));
    out << fmt::format("| RedirectConnections (N = 1) | {} | {} | {} |\n",
                       formatMicroseconds(h.firstRequestUs.p50()),
                       formatMicroseconds(h.lastRequestUs.p50()),
                       ratio(h.lastRequestUs.p50(), h.firstRequestUs.p50()));
}

void largeRequestTable(std::ostringstream& out, const RunResults& r) {
    out << "| N | RedirectConnections | then ActiveRedirects / ports in the kernel | Close | "
           "then ActiveRedirects / ports in the kernel | fwxd's first error line |\n"
           "|---:|---|---:|---|---:|---|\n";
    for (const LargeRequest& l : r.largeRequests) {
        out << fmt::format("| {} | {} | {} / {} | {} | {} / {} | {} |\n", formatCount(l.targets),
                           l.redirect, formatCount(l.activeAfterRedirect),
                           formatCount(l.kernelAfterRedirect), l.close,
                           formatCount(l.activeAfterClose), formatCount(l.kernelAfterClose),
                           l.logLine.empty() ? "—" : "`" + l.logLine + "`");
    }
}

void singleUseTable(std::ostringstream& out, const SingleUseCapacity& s) {
    out << "| asked for | in groups of | fwxd holds | elements of once_v4 | refusal | fwxd's "
           "first error line |\n|---:|---:|---:|---:|---|---|\n";
    out << fmt::format("| {} | {} | {} | {} | {} | {} |\n", formatCount(s.wanted), s.chunk,
                       formatCount(s.accepted), formatCount(s.kernelOnce),
                       s.error.empty() ? "none" : "`" + s.error + "`",
                       s.logLine.empty() ? "—" : "`" + s.logLine + "`");
}

void fillTable(std::ostringstream& out, const RunResults& r) {
    out << "| step | added | requests | time | per second | errors |\n"
           "|---|---:|---:|---:|---:|---|\n";
    for (const FillStep& f : r.fills) {
        out << fmt::format("| {} | {} | {} | {:.1f} s | {} | {} |\n", f.what, formatCount(f.added),
                           f.requests == 0 ? "—" : formatCount(f.requests), f.seconds,
                           rate(f.seconds > 0 ? static_cast<double>(f.added) / f.seconds : 0),
                           errorsOf(f.errors));
    }
}

const LoadResult* find(const LevelResult* level, std::size_t clients, std::size_t targets) {
    if (level == nullptr) {
        return nullptr;
    }
    for (const LoadResult& load : level->requests) {
        if (load.clients == clients && load.targets == targets) {
            return &load;
        }
    }
    return nullptr;
}

std::string verdict(bool met) {
    return met ? "**met**" : "**missed**";
}

// Both calls of a cycle count: RedirectConnections and the Cancel of what it opened.
void flatRow(std::ostringstream& out, const std::string& target, const LevelResult* from,
             const LevelResult* to) {
    const LoadResult* a = find(from, 1, 1);
    const LoadResult* b = find(to, 1, 1);
    if (a == nullptr || b == nullptr || from == to) {
        out << "| " << target << " | not measured | — |\n";
        return;
    }
    const double request = b->latencyUs.p50() / a->latencyUs.p50();
    const double cancel = b->cancelUs.p50() / a->cancelUs.p50();
    const auto flat = [](double q) {
        return q >= 0.8 && q <= 1.2;
    };
    out << fmt::format("| {} | p50, 1 client, N = 1: RedirectConnections {} → {} (× {:.2f}), "
                       "Cancel {} → {} (× {:.2f}) | {} |\n",
                       target, formatMicroseconds(a->latencyUs.p50()),
                       formatMicroseconds(b->latencyUs.p50()), request,
                       formatMicroseconds(a->cancelUs.p50()), formatMicroseconds(b->cancelUs.p50()),
                       cancel, verdict(flat(request) && flat(cancel)));
}

void targetTable(std::ostringstream& out, const RunResults& r) {
    out << "| target (issue 9) | measured | verdict |\n|---|---|---|\n";
    const LevelResult* base = levelWith(r.redirectLevels, true);
    if (const LoadResult* one = find(base, 1, 1)) {
        const double p50 = one->latencyUs.p50();
        const double ping = base->ping1.latencyUs.p50();
        out << fmt::format("| request p50 ≤ 2 × the bare round trip (N = 1) | {} vs Ping {}: × "
                           "{:.2f} | {} |\n",
                           formatMicroseconds(p50), formatMicroseconds(ping), p50 / ping,
                           verdict(p50 <= 2 * ping));
        out << fmt::format("| request p50 < 1 ms (N = 1) | {} | {} |\n", formatMicroseconds(p50),
                           verdict(p50 < 1000));
    }
    if (const LoadResult* eight = find(base, r.clients, 1)) {
        out << fmt::format("| ≥ 5,000 redirect+cancel/s from {} clients on 2 cores | {}/s | {} "
                           "|\n",
                           r.clients, rate(eight->cyclesPerSecond()),
                           verdict(eight->cyclesPerSecond() >= 5000));
    }
    flatRow(out, "request cost flat (± 20 %) from 0 to the most conntrack entries",
            levelWith(r.conntrackLevels, true), levelWith(r.conntrackLevels, false));
    flatRow(out, "request cost flat (± 20 %) from the fewest to the most redirects", base,
            levelWith(r.redirectLevels, false));
    if (const LevelResult* top = levelWith(r.redirectLevels, false)) {
        out << fmt::format("| ≤ 100 MB RSS at {} redirects | {} ({:.1f} MB) | {} |\n",
                           formatCount(top->redirects), mib(top->rssKiB),
                           static_cast<double>(top->rssKiB) * 1024 / 1e6,
                           verdict(static_cast<double>(top->rssKiB) * 1024 <= 100e6));
    }
    // The teardowns at the top level: the target is about 100,000.
    std::size_t most = 0;
    for (const TeardownResult& t : r.teardowns) {
        most = std::max(most, t.redirects);
    }
    for (const TeardownResult& t : r.teardowns) {
        if (t.redirects * 2 < most) {
            continue;
        }
        const std::string how =
            t.kind == TeardownKind::CloseSession ? "Session1.Close" : "owner leaves the bus";
        const double took = std::max(t.fwxdSeconds, t.kernelSeconds);
        out << fmt::format(
            "| teardown of {} redirects < 2 s ({}) | {} | {} |\n", formatCount(t.redirects), how,
            within(took, t.completed(), t.limitSeconds), verdict(t.completed() && took < 2));
        out << fmt::format("| no forwarding stall > 50 ms during it ({}) | longest gap {:.1f} ms, "
                           "{} of {} probe datagrams arrived | {} |\n",
                           how, t.probe.longestArrivalGapMs, formatCount(t.probe.received),
                           formatCount(t.probe.sent), verdict(t.probe.longestArrivalGapMs <= 50));
    }
}

} // namespace

std::string formatMicroseconds(double us) {
    if (us < 1000) {
        return fmt::format("{:.0f} µs", us);
    }
    if (us < 1e6) {
        return fmt::format("{:.{}f} ms", us / 1e3, us < 1e4 ? 2 : 1);
    }
    return fmt::format("{:.2f} s", us / 1e6);
}

std::string formatCount(std::size_t n) {
    const std::string digits = std::to_string(n);
    std::string text;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            text += ',';
        }
        text += digits[i];
    }
    return text;
}

std::string markdown(const RunResults& r) {
    std::ostringstream out;
    out << "### Targets\n\n";
    targetTable(out, r);
    out << "\n### Requests at each scale\n\n"
        << fmt::format("Each client has its own connection and session and runs its calls "
                       "back to back for {:g} s (Ping: {:g} s), however slow: at least one "
                       "cycle each. A cycle is one RedirectConnections (TCP, flags 0, N targets "
                       "at the server) and a Cancel of each of its N actions. Ping is "
                       "`org.freedesktop.DBus.Peer.Ping` to fwxd from the same clients just "
                       "before.\n\n",
                       r.budget.requestSeconds, r.budget.pingSeconds);
    out << "With the number of active redirects (no unrelated conntrack entries):\n\n";
    requestTable(out, r.redirectLevels);
    out << "\nWith unrelated conntrack entries in the firewall's table (UDP between "
           "documentation addresses, created through ctnetlink):\n\n";
    requestTable(out, r.conntrackLevels);
    out << "\n### fwxd's memory\n\n";
    rssTable(out, r);
    out << "\n### New connections through a redirect\n\n"
           "One UDP datagram per flow, each from a new socket in the client namespace, to a "
           "redirect with ALLOW_MULTIPLE; median of the rounds by rate.\n\n";
    flowTable(out, r);
    out << "\n### Teardown\n\n"
           "Times from the Close call (or the filler's disconnect) until fwxd's "
           "ActiveRedirects and the elements of its sets (kernel, `inet fwxd`) are back to the "
           "redirects that stay. Meanwhile a probe sends one UDP datagram per ms from the "
           "client to the server through a redirect that stays, each from a new socket.\n\n";
    teardownTable(out, r);
    if (r.history) {
        out << "\n### Latency vs history\n\n";
        historyTable(out, *r.history);
    }
    out << "\n### Large requests\n\n"
           "One RedirectConnections of N TCP targets and the session's Close, each N on a fresh "
           "fwxd; the contract is all N or none, and nothing left after Close.\n\n";
    largeRequestTable(out, r);
    if (r.singleUse) {
        out << "\nSingle-use redirects (flags 0), TCP and UDP in turn, on a fresh fwxd until it "
               "refuses one:\n\n";
        singleUseTable(out, *r.singleUse);
    }
    out << "\n### Filling\n\n"
        << fmt::format(
               "The bulk of the redirects belongs to a separate filler client with one "
               "session: requests of up to {} targets (TCP and UDP in turn, flags {:#x}{}), "
               "halved after a refusal. Conntrack entries are created through ctnetlink, "
               "one request each.\n\n",
               r.fillChunk, r.fillFlags, r.fillFlags == 1 ? ", ALLOW_MULTIPLE" : "");
    fillTable(out, r);
    if (!r.notes.empty()) {
        out << "\n### Notes from the run\n\n";
        for (const std::string& note : r.notes) {
            // Later lines of a note (a log excerpt) belong to its list item.
            std::string item;
            for (const char c : note) {
                item += c;
                if (c == '\n') {
                    item += "  ";
                }
            }
            out << "- " << item << "\n";
        }
    }
    return out.str();
}

} // namespace fwx::bench
