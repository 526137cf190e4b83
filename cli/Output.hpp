// Everything fwxctl prints on stdout: plain text for people, JSON for scripts (--json), one
// line at a time and flushed at once, so that a reader of a pipe sees each line as it comes.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::cli {

// Keys keep the order they are written in: "event" first.
using Json = nlohmann::ordered_json;

class Output {
public:
    explicit Output(bool json);

    bool json() const noexcept { return json_; }
    // A line of text, flushed.
    void line(const std::string& text) const;
    // One JSON document, pretty-printed (list, status, cancel).
    void document(const Json& value) const;
    // One JSON object on one line (JSON Lines: redirect's allocation and events).
    void record(const Json& value) const;

private:
    bool json_;
};

// Any D-Bus value as JSON: numbers stay numbers, structs and arrays become arrays,
// dictionaries objects, variants their content.
Json toJson(const sdbus::Variant& value);
Json toJson(const std::map<std::string, sdbus::Variant>& values);

// A value for text output: strings bare, arrays "a, b", structs "(a, b)".
std::string toText(const sdbus::Variant& value);
// "Key=value Key=value", in key order.
std::string toText(const std::map<std::string, sdbus::Variant>& values);

// Text fwxd's clients chose (a session's Description, a protocol's Name) for a terminal: every
// control character (C0, DEL and the UTF-8 encoded C1 range, e.g. CSI U+009B), the backslash
// and the double quote written as a \xNN escape, as fwxd's log writes them. A description
// cannot move the cursor, recolour the terminal or fake a line of the listing.
std::string printable(std::string_view text);
// printable(text) in double quotes, so that its ends show.
std::string quotedText(std::string_view text);

// A CLOCK_REALTIME time in µs as local ISO 8601 with milliseconds
// ("2024-05-01T12:00:03.250+02:00"); 0 -> "never".
std::string formatRealtime(std::uint64_t usec);

} // namespace fwx::cli
