#include "net/Prefix.hpp"

#include "error/Error.hpp"
#include "net/Parsing.hpp"
#include "net/Text.hpp"

#include <array>

namespace fwx::net {

namespace {

std::uint8_t width(Family family) noexcept {
    return family == Family::V4 ? 32 : 128;
}

// The address with every bit after the first length bits cleared (or set, for the last
// address of the prefix).
Address withHostBits(const Address& address, std::uint8_t length, bool set) {
    std::array<std::uint8_t, 16> bytes{};
    const auto in = address.bytes();
    for (std::size_t i = 0; i < in.size(); ++i) {
        const std::size_t firstBit = i * 8;
        const std::size_t networkBits = length > firstBit ? length - firstBit : 0;
        const auto mask =
            networkBits >= 8 ? 0xffU : static_cast<unsigned>(0xff00U >> networkBits) & 0xffU;
        bytes[i] = static_cast<std::uint8_t>(set ? (in[i] | ~mask) : (in[i] & mask));
    }
    return Address::fromBytes(address.family(), std::span(bytes).first(in.size()));
}

std::string lengthTooLarge(std::string_view lengthText, Family family) {
    // Digits only here, but there may be millions of them.
    constexpr std::size_t kShown = 10;
    const std::string shown = lengthText.size() <= kShown
                                  ? std::string(lengthText)
                                  : std::string(lengthText.substr(0, kShown)) + "...";
    return "prefix length " + shown + " exceeds " + std::to_string(width(family)) + " for " +
           std::string(toString(family));
}

std::optional<std::uint8_t> parseLength(std::string_view text, std::string_view lengthText,
                                        Family family, std::string* why) {
    const auto number = text::parseDecimal(lengthText, width(family));
    if (!number.error) {
        return static_cast<std::uint8_t>(number.value);
    }
    switch (*number.error) {
    case text::NumberError::Empty:
        return detail::fail(
            why, [&] { return text::quote(text) + " has no prefix length after \"/\""; });
    case text::NumberError::NotDecimal:
        return detail::fail(why, [&] {
            return text::quote(text) + ": prefix length " + text::quote(lengthText) +
                   " is not a decimal number";
        });
    case text::NumberError::TooLarge:
        break;
    }
    return detail::fail(
        why, [&] { return text::quote(text) + ": " + lengthTooLarge(lengthText, family); });
}

} // namespace

namespace detail {

std::optional<Prefix> parsePrefix(std::string_view text, std::string* why) {
    if (text.empty()) {
        return fail(
            why, [&] { return "\"\" is empty: a prefix is needed (ADDRESS or ADDRESS/LENGTH)"; });
    }
    if (text::hasOuterWhitespace(text)) {
        return fail(why, [&] { return text::quote(text) + " has leading or trailing whitespace"; });
    }
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        const auto address = parseAddress(text, why);
        return address ? std::optional(Prefix::host(*address)) : std::nullopt;
    }
    const std::string_view addressText = text.substr(0, slash);
    if (addressText.empty()) {
        return fail(why, [&] { return text::quote(text) + " has no address before \"/\""; });
    }
    std::string addressWhy;
    const auto address = parseAddress(addressText, why != nullptr ? &addressWhy : nullptr);
    if (!address) {
        return fail(why, [&] { return text::quote(text) + ": " + addressWhy; });
    }
    const auto length = parseLength(text, text.substr(slash + 1), address->family(), why);
    if (!length) {
        return std::nullopt;
    }
    const Prefix prefix = Prefix::of(*address, *length);
    if (prefix.network() != *address) {
        return fail(why, [&] {
            return text::quote(text) + " has host bits set (did you mean " +
                   prefix.network().toString() + "/" + std::to_string(*length) + "?)";
        });
    }
    return prefix;
}

} // namespace detail

Prefix Prefix::parse(std::string_view text) {
    std::string why;
    auto prefix = detail::parsePrefix(text, &why);
    if (!prefix) {
        throwInvalid(why);
    }
    return *prefix;
}

std::optional<Prefix> Prefix::tryParse(std::string_view text) {
    return detail::parsePrefix(text, nullptr);
}

Prefix Prefix::of(const Address& address, std::uint8_t length) {
    if (length > width(address.family())) {
        throwInvalid(lengthTooLarge(std::to_string(length), address.family()) + " (address " +
                     address.toString() + ")");
    }
    Prefix prefix;
    prefix.network_ = withHostBits(address, length, false);
    prefix.length_ = length;
    return prefix;
}

Prefix Prefix::host(const Address& address) {
    return of(address, width(address.family()));
}

Prefix Prefix::any(Family family) {
    return of(Address::any(family), 0);
}

Address Prefix::last() const {
    return withHostBits(network_, length_, true);
}

bool Prefix::contains(const Address& address) const noexcept {
    if (address.family() != family()) {
        return false;
    }
    // Cannot throw: the family matches, so length_ fits and the byte count is right.
    return withHostBits(address, length_, false) == network_;
}

bool Prefix::isHost() const noexcept {
    return length_ == width(family());
}

std::string Prefix::toString() const {
    if (isHost()) {
        return network_.toString();
    }
    return network_.toString() + "/" + std::to_string(length_);
}

} // namespace fwx::net
