#include "Invariants.hpp"

#include "KernelChecks.hpp"
#include "ObjectChecks.hpp"

#include <sstream>

namespace fwx::test::soak {

std::string Findings::describe() const {
    std::ostringstream text;
    for (const std::string& residue : residues) {
        text << "  residue: " << residue << "\n";
    }
    for (const std::string& problem : problems) {
        text << "  " << problem << "\n";
    }
    return text.str();
}

Findings check(const SoakModel& model, const Observed& observed, milliseconds margin) {
    Findings findings;
    checkObjects(model, observed.daemon, observed.daemon.readAt, margin, findings);
    checkKernel(model, observed.daemon, observed.kernel, findings);
    checkHeldConnections(model, observed.kernel, findings);
    checkSignals(model, observed.expiries, findings);
    checkFinished(model, observed.daemon, observed.finishes, findings);
    return findings;
}

} // namespace fwx::test::soak
