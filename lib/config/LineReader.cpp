#include "config/LineReader.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace fwx::config {

namespace {

bool isBlank(char c) {
    return c == ' ' || c == '\t';
}

// A `#` starts a comment only after a blank, so that a value may contain one ("a#b").
std::string_view cutComment(std::string_view line) {
    for (std::size_t i = 1; i < line.size(); ++i) {
        if (line[i] == '#' && isBlank(line[i - 1])) {
            return line.substr(0, i);
        }
    }
    return line;
}

} // namespace

std::string_view normalizeLine(std::string_view line) {
    const auto start = std::find_if_not(line.begin(), line.end(), isBlank);
    return cutComment(line.substr(static_cast<std::size_t>(start - line.begin())));
}

char* LineReader::read(char* buffer, int size, void* stream) noexcept {
    auto* reader = static_cast<LineReader*>(stream);
    try {
        return reader->next(buffer, size > 0 ? static_cast<std::size_t>(size) : 0U);
    } catch (...) {
        // Only building a message can throw (bad_alloc); nothing sensible is left to do.
        reader->error_ = "out of memory";
        return nullptr;
    }
}

char* LineReader::next(char* buffer, std::size_t size) {
    if (text_.empty() || error_ || stopped_) {
        return nullptr;
    }
    const std::size_t end = std::min(text_.find('\n'), text_.size());
    const std::string_view line = normalizeLine(text_.substr(0, end));
    text_.remove_prefix(std::min(end + 1, text_.size()));
    ++lineNumber_;
    if (line.find('\0') != std::string_view::npos) {
        error_ = "the line contains a NUL byte";
        return nullptr;
    }
    // inih takes the name between '[' and the first ']' as it is; so does the check.
    if (onSection_ && line.starts_with('[')) {
        if (const auto close = line.find(']'); close != std::string_view::npos) {
            if (auto error = onSection_(line.substr(1, close - 1))) {
                error_ = std::move(error);
                return nullptr;
            }
        }
    }
    // inih needs room for the newline and the terminating NUL.
    if (line.size() + 2 > size) {
        error_ = fmt::format("the line is longer than {} characters, the most inih reads",
                             size < 2 ? 0U : size - 2);
        return nullptr;
    }
    std::memcpy(buffer, line.data(), line.size());
    buffer[line.size()] = '\n';
    buffer[line.size() + 1] = '\0';
    return buffer;
}

} // namespace fwx::config
