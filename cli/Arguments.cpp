#include "cli/Arguments.hpp"

#include "cli/Duration.hpp"
#include "error/Error.hpp"
#include "net/Address.hpp"
#include "net/Endpoint.hpp"
#include "net/Prefix.hpp"

#include <algorithm>

namespace fwx::cli {

namespace {

constexpr std::string_view ActionPrefix = "/org/fwxd/Firewall1/action/";

template <typename Parse> std::string check(Parse&& parse) {
    try {
        parse();
        return {};
    } catch (const Error& e) {
        return e.what();
    }
}

bool isNumber(std::string_view text) {
    return !text.empty() && text.size() <= 10 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
           text.front() != '0';
}

} // namespace

std::string checkEndpoint(std::string_view text) {
    return check([&] { net::Endpoint::parse(text); });
}

std::string checkAddress(std::string_view text) {
    return check([&] { net::Address::parse(text); });
}

std::string checkPrefix(std::string_view text) {
    return check([&] { net::Prefix::parse(text); });
}

std::string checkDuration(std::string_view text) {
    return check([&] { parseDuration(text); });
}

std::string checkActionPath(std::string_view text) {
    return check([&] { actionPath(text); });
}

std::string checkPrimary(std::string_view text) {
    return check([&] { parsePrimary(text); });
}

PrimaryArgument parsePrimary(std::string_view text) {
    const std::size_t first = text.find(',');
    const std::size_t second = first == std::string_view::npos ? first : text.find(',', first + 1);
    if (second == std::string_view::npos || text.find(',', second + 1) != std::string_view::npos) {
        throwInvalid("\"" + std::string(text) +
                     "\" is not a primary connection: expected TRANSPORT,CLIENT:PORT,SERVER:PORT "
                     "(e.g. tcp,192.0.2.2:40000,198.51.100.1:21)");
    }
    return {net::parseTransport(text.substr(0, first)),
            net::Endpoint::parse(text.substr(first + 1, second - first - 1)),
            net::Endpoint::parse(text.substr(second + 1))};
}

std::string actionPath(std::string_view text) {
    std::string_view number = text;
    if (text.starts_with(ActionPrefix)) {
        number = text.substr(ActionPrefix.size());
    }
    if (!isNumber(number)) {
        throwInvalid("\"" + std::string(text) + "\" is not an action: expected its number N or " +
                     std::string(ActionPrefix) + "N");
    }
    return std::string(ActionPrefix) + std::string(number);
}

} // namespace fwx::cli
