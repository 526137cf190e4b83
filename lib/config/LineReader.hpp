// The ini_reader that feeds inih the configuration text one line at a time. Internal.
//
// inih as Debian builds it hands its handler no line numbers, treats an indented line as
// the continuation of the previous value (so an indented key would silently become part
// of another key's value) and strips only `;` inline comments. Feeding it ourselves fixes
// all three without patching inih: we count the lines, drop leading blanks (indentation
// carries no meaning in fwxd.conf) and cut `#` comments that follow a blank.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fwx::config {

class LineReader {
public:
    explicit LineReader(std::string_view text)
        : text_(text) {}

    // The ini_reader callback; stream is a LineReader*. Returns nullptr at the end of the
    // text and at a line inih cannot take (see error()), which ends the parse there.
    static char* read(char* buffer, int size, void* stream) noexcept;

    // Makes the next read report the end of the text: the handler found an error and the
    // rest of the file cannot change the outcome.
    void stop() noexcept { stopped_ = true; }

    // Called with the name of every [Section] header as its line is read; what it returns
    // stops the reading as error(). inih tells its handler of keys only, so an empty or
    // repeated section would pass unseen without this.
    using SectionCheck = std::function<std::optional<std::string>(std::string_view name)>;
    void onSection(SectionCheck check) { onSection_ = std::move(check); }

    // The line last handed to inih, counting from 1 (0 before the first).
    unsigned lineNumber() const noexcept { return lineNumber_; }
    // Why reading stopped early, about line lineNumber(); nullopt at the end of the text.
    const std::optional<std::string>& error() const noexcept { return error_; }

private:
    char* next(char* buffer, std::size_t size);

    std::string_view text_;
    unsigned lineNumber_ = 0;
    std::optional<std::string> error_;
    bool stopped_ = false;
    SectionCheck onSection_;
};

// The line as inih should see it: no leading blanks, no `#` comment after a blank.
std::string_view normalizeLine(std::string_view line);

} // namespace fwx::config
