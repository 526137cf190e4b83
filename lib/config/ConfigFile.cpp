#include "config/ConfigFile.hpp"

#include "config/Keys.hpp"
#include "config/LineReader.hpp"
#include "config/TextFile.hpp"
#include "config/Validate.hpp"
#include "error/Error.hpp"

#include <algorithm>
#include <cerrno>
#include <exception>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <ini.h>

namespace fwx::config {

namespace {

// One parse of one text: the state inih's callbacks share. inih is given our own reader
// (ini_parse_stream) rather than the string or the file, because only the reader knows
// which line the handler is looking at (see LineReader.hpp).
class Parser {
public:
    Parser(std::string_view text, const std::string& sourceName)
        : text_(text)
        , reader_(text)
        , source_(sourceName) {
        reader_.onSection([this](std::string_view name) { return checkSection(name); });
    }

    Config run();

private:
    struct Failure {
        unsigned line;
        std::string message;
    };

    static int onKey(void* user, const char* section, const char* name, const char* value) noexcept;
    std::optional<std::string> checkSection(std::string_view name);
    void apply(std::string_view section, std::string_view name, std::string_view value);
    const Key& lookUp(std::string_view section, std::string_view name) const;
    void throwFirstError(int inihError) const;
    void throwProblem(const Problem& problem) const;

    // "file:line: [Section] Key: ", the start of every message about a key.
    std::string at(std::optional<unsigned> line, std::string_view section,
                   std::string_view key) const;
    std::optional<unsigned> lineOf(std::string_view key) const;
    // Line number (from 1) of text_, as inih saw it, for quoting.
    std::string_view lineText(unsigned number) const;

    std::string_view text_;
    LineReader reader_;
    const std::string& source_;
    Config config_;
    // The line each key was set on; key names are unique across sections.
    std::map<std::string, unsigned, std::less<>> keyLines_;
    std::map<std::string, unsigned, std::less<>> sectionLines_;
    std::optional<Failure> failure_;
    std::exception_ptr unexpected_;
};

Config Parser::run() {
    const int inihError = ini_parse_stream(LineReader::read, &reader_, onKey, this);
    if (unexpected_) {
        std::rethrow_exception(unexpected_);
    }
    throwFirstError(inihError);
    // Unset, the largest request follows a port range smaller than its default.
    if (!lineOf("MaxPortsPerRequest")) {
        config_.redirect.maxPortsPerRequest =
            std::min(config_.redirect.maxPortsPerRequest, config_.redirect.portRange.size());
    }
    if (const auto problem = validate(config_)) {
        throwProblem(*problem);
    }
    return config_;
}

int Parser::onKey(void* user, const char* section, const char* name, const char* value) noexcept {
    auto& parser = *static_cast<Parser*>(user);
    try {
        parser.apply(section, name, value);
        return 1;
    } catch (const Error& error) {
        parser.failure_ = Failure{parser.reader_.lineNumber(), error.what()};
    } catch (...) {
        // Not ours to judge (bad_alloc): carried across inih's C frames, rethrown in run().
        parser.unexpected_ = std::current_exception();
    }
    parser.reader_.stop();
    return 0;
}

// A section is known and given once: an unknown one, even empty, is a typo of a known one,
// and a repeated one splits what belongs together.
std::optional<std::string> Parser::checkSection(std::string_view name) {
    if (!isSection(name)) {
        return fmt::format("[{}]: unknown section; fwxd.conf has {}", name, sectionNames());
    }
    const unsigned line = reader_.lineNumber();
    const auto [first, isNew] = sectionLines_.try_emplace(std::string(name), line);
    if (!isNew) {
        return fmt::format("[{}]: given twice (first on line {})", name, first->second);
    }
    return std::nullopt;
}

void Parser::apply(std::string_view section, std::string_view name, std::string_view value) {
    const Key& key = lookUp(section, name);
    const unsigned line = reader_.lineNumber();
    if (const auto first = lineOf(name)) {
        throwInvalid(at(line, section, name) +
                     fmt::format("given twice (first on line {})", *first));
    }
    keyLines_.emplace(name, line);
    try {
        key.apply(config_, value);
    } catch (const Error& error) {
        throwInvalid(at(line, section, name) + error.what());
    }
}

// Typos must stop the daemon: a misspelt key silently left at its default is the kind of
// mistake nobody finds until it matters.
const Key& Parser::lookUp(std::string_view section, std::string_view name) const {
    const unsigned line = reader_.lineNumber();
    if (section.empty()) {
        throwInvalid(fmt::format("{}:{}: {}: outside of any section; fwxd.conf has {}", source_,
                                 line, name, sectionNames()));
    }
    if (!isSection(section)) {
        throwInvalid(at(line, section, name) +
                     fmt::format("unknown section; fwxd.conf has {}", sectionNames()));
    }
    if (const Key* key = findKey(section, name)) {
        return *key;
    }
    throwInvalid(at(line, section, name) +
                 fmt::format("unknown key; [{}] has {}", section, keyNames(section)));
}

// inih reports only the line of its first error; ours carry their own line and message.
// Whichever came first in the file is the one to report.
void Parser::throwFirstError(int inihError) const {
    if (inihError < 0) {
        throwSystemError("inih cannot parse " + source_, ENOMEM);
    }
    const auto inihLine = static_cast<unsigned>(inihError);
    if (inihLine > 0 && (!failure_ || inihLine < failure_->line)) {
        const std::string_view line = lineText(inihLine);
        throwInvalid(fmt::format("{}:{}: syntax error: {:?} is not a [Section], a Key=Value or "
                                 "a comment",
                                 source_, inihLine, line));
    }
    if (failure_) {
        throwInvalid(failure_->message);
    }
    if (reader_.error()) {
        throwInvalid(fmt::format("{}:{}: {}", source_, reader_.lineNumber(), *reader_.error()));
    }
}

void Parser::throwProblem(const Problem& problem) const {
    const auto line = lineOf(problem.key) ? lineOf(problem.key) : lineOf(problem.otherKey);
    throwInvalid(at(line, problem.section, problem.key) + problem.message);
}

std::string Parser::at(std::optional<unsigned> line, std::string_view section,
                       std::string_view key) const {
    if (line) {
        return fmt::format("{}:{}: [{}] {}: ", source_, *line, section, key);
    }
    return fmt::format("{}: [{}] {}: ", source_, section, key);
}

std::optional<unsigned> Parser::lineOf(std::string_view key) const {
    const auto found = keyLines_.find(key);
    if (found == keyLines_.end()) {
        return std::nullopt;
    }
    return found->second;
}

std::string_view Parser::lineText(unsigned number) const {
    std::string_view rest = text_;
    for (unsigned i = 1; i < number && !rest.empty(); ++i) {
        rest.remove_prefix(std::min(rest.find('\n'), rest.size() - 1) + 1);
    }
    std::string_view line = normalizeLine(rest.substr(0, rest.find('\n')));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
        line.remove_suffix(1);
    }
    return line;
}

} // namespace

Config parseConfig(std::string_view text, const std::string& sourceName) {
    return Parser(text, sourceName).run();
}

Config loadConfig(const std::string& path) {
    return parseConfig(readTextFile(path), path);
}

} // namespace fwx::config
