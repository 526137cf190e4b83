#include "config/Values.hpp"

#include "error/Error.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

#include <fmt/format.h>

namespace fwx::config {

namespace {

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

bool isSeparator(char c) {
    return c == ' ' || c == '\t' || c == ',';
}

// Clients on other hosts connect to an internal address, and fwxd's rules match it: it
// must be an ordinary unicast address (an IPv4 one written as such, not ::ffff:a.b.c.d).
net::Address parseInternalAddress(std::string_view item) {
    const net::Address address = net::Address::parse(item);
    if (const auto use = net::specialUse(address)) {
        throwInvalid(fmt::format("{} is {}: name a unicast address of this host that clients "
                                 "connect to",
                                 address.toString(), *use));
    }
    return address;
}

} // namespace

std::uint32_t parseNumber(std::string_view value, std::uint32_t min, std::uint32_t max) {
    std::uint32_t number = 0;
    // from_chars alone would take "12abc" as 12 and "+1" is not ours to accept.
    const bool digits = !value.empty() && std::all_of(value.begin(), value.end(), isDigit);
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (!digits || ec != std::errc{} || number < min || number > max) {
        throwInvalid(fmt::format("{:?}: expected a number from {} to {}", value, min, max));
    }
    return number;
}

bool parseBoolean(std::string_view value) {
    for (const std::string_view yes : {"yes", "true", "on", "1"}) {
        if (value == yes) {
            return true;
        }
    }
    for (const std::string_view no : {"no", "false", "off", "0"}) {
        if (value == no) {
            return false;
        }
    }
    throwInvalid(fmt::format("{:?}: expected yes or no", value));
}

std::chrono::seconds parseSeconds(std::string_view value, std::uint32_t min, std::uint32_t max) {
    return std::chrono::seconds{parseNumber(value, min, max)};
}

std::vector<std::string> parseList(std::string_view value) {
    std::vector<std::string> items;
    while (!value.empty()) {
        const auto start = std::find_if_not(value.begin(), value.end(), isSeparator);
        const auto end = std::find_if(start, value.end(), isSeparator);
        if (start != end) {
            std::string item(start, end);
            if (std::find(items.begin(), items.end(), item) != items.end()) {
                throwInvalid(fmt::format("{:?} is listed twice", item));
            }
            items.push_back(std::move(item));
        }
        value.remove_prefix(static_cast<std::size_t>(end - value.begin()));
    }
    return items;
}

std::vector<net::Address> parseAddresses(std::string_view value) {
    std::vector<net::Address> addresses;
    for (const std::string& item : parseList(value)) {
        const net::Address address = parseInternalAddress(item);
        if (std::find(addresses.begin(), addresses.end(), address) != addresses.end()) {
            throwInvalid(fmt::format("{:?} is listed twice (as {})", item, address.toString()));
        }
        addresses.push_back(address);
    }
    return addresses;
}

} // namespace fwx::config
