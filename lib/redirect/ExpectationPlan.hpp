#pragma once

#include "redirect/Expectation.hpp"
#include "redirect/ExpectationBackend.hpp"
#include "redirect/Redirect.hpp"
#include "redirect/Request.hpp"
#include "redirect/Session.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fwx::redirect {

// The lifetime of an expectation for a redirect without TIMEOUT: the session's, as far as
// the kernel allows (CTA_EXPECT_TIMEOUT is seconds, multiplied by HZ in 32 bits).
inline constexpr std::chrono::seconds SessionLongExpectation{30L * 24 * 3600};

// The reason expectationObstacle gives for a session without a primary connection.
inline constexpr std::string_view NoPrimaryObstacle =
    "the session has no PrimaryConnection to hang expectations on";

// Why the redirects of request cannot be conntrack expectations on primary; none: they
// can. Asks the kernel about the primary (is it tracked, which helper, how many
// expectations it holds already). Throws fwx::Error(Failed) if conntrack cannot be asked.
std::optional<std::string> expectationObstacle(ExpectationBackend& expectations,
                                               const std::optional<PrimaryConnection>& primary,
                                               const Request& request);

// The expectation that backs redirect on primary.
Expectation expectationFor(const PrimaryConnection& primary, const Redirect& redirect);
std::vector<Expectation> expectationsFor(const PrimaryConnection& primary,
                                         const RedirectGroup& group);

} // namespace fwx::redirect
