#include "error/Error.hpp"

#include <cstring>

namespace fwx {

std::string_view toString(ErrorCode code) {
    switch (code) {
    case ErrorCode::InvalidArgument:
        return "InvalidArgument";
    case ErrorCode::AccessDenied:
        return "AccessDenied";
    case ErrorCode::QuotaExceeded:
        return "QuotaExceeded";
    case ErrorCode::PortsExhausted:
        return "PortsExhausted";
    case ErrorCode::UnknownProtocol:
        return "UnknownProtocol";
    case ErrorCode::NotSupported:
        return "NotSupported";
    case ErrorCode::Failed:
        return "Failed";
    }
    return "Failed";
}

Error::Error(ErrorCode code, const std::string& message)
    : std::runtime_error(message)
    , code_(code) {
}

Error::Error(ErrorCode code, const std::string& context, int errnum)
    : std::runtime_error(context + ": " + std::strerror(errnum))
    , code_(code)
    , errnum_(errnum) {
}

void throwInvalid(const std::string& message) {
    throw Error(ErrorCode::InvalidArgument, message);
}

void throwSystemError(const std::string& context, int errnum) {
    throw Error(ErrorCode::Failed, context, errnum);
}

} // namespace fwx
