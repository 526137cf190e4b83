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
