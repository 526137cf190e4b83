// fwxd's properties as fwxctl shows them, in text and in JSON alike: a CLOCK_REALTIME time
// (ExpiresAt) as local ISO 8601, never as raw microseconds, and a PrimaryConnection as a
// connection, or as nothing when the session has none. Other values go through
// toJson/toText (cli/Output.hpp) unchanged.
#pragma once

#include "cli/Output.hpp"

#include <map>
#include <string>

#include <sdbus-c++/sdbus-c++.h>

namespace fwx::cli {

// JSON: a time as formatRealtime() gives it, null for 0 (never); an absent
// PrimaryConnection (empty strings and zeros) as null.
Json propertyJson(const std::string& key, const sdbus::Variant& value);
Json propertiesJson(const std::map<std::string, sdbus::Variant>& values);

// Text: a time as formatRealtime() gives it ("never" for 0); a PrimaryConnection (ssqsq) as
// "tcp 192.0.2.2:40000 -> 198.51.100.1:21", or "none"; a Description as quotedText(); every
// other value through printable(): no value can put a control character on the terminal.
std::string propertyText(const std::string& key, const sdbus::Variant& value);
// "Key=value Key=value", in key order.
std::string propertiesText(const std::map<std::string, sdbus::Variant>& values);

} // namespace fwx::cli
