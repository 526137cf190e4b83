// fwx::Error: the one exception type of libfwx.
//
// Lives here: the error codes every layer shares, and the exception that carries one
// together with the errno of a failed kernel call and a message that says what was wrong.
// Depends on nothing but the standard library. The daemon translates an Error into a
// named D-Bus error exactly once, at the bus boundary (ErrorCode -> org.fwxd.Error.*).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace fwx {

enum class ErrorCode {
    InvalidArgument, // the request or configuration is wrong; the message says how
    AccessDenied,    // the caller may not do this
    QuotaExceeded,   // a per-client limit would be exceeded
    PortsExhausted,  // no run of N free consecutive ports is left
    UnknownProtocol, // a protocol GUID nobody registered
    NotSupported,    // valid, but this build or kernel cannot do it
    Failed,          // a kernel or system call failed; errno() says why
};

std::string_view toString(ErrorCode code);

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message);
    // A failed system or kernel call: the message ends with strerror(errnum).
    Error(ErrorCode code, const std::string& context, int errnum);

    ErrorCode code() const noexcept { return code_; }
    // The errno of the failed call, 0 when the error is not a system error.
    int errnum() const noexcept { return errnum_; }

private:
    ErrorCode code_;
    int errnum_ = 0;
};

// Shorthands for the two errors thrown most.
[[noreturn]] void throwInvalid(const std::string& message);
[[noreturn]] void throwSystemError(const std::string& context, int errnum);

} // namespace fwx
