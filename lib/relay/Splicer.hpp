#pragma once

#include "relay/Pipe.hpp"

#include <cstddef>
#include <cstdint>

namespace fwx::relay {

// One direction of a relayed TCP connection: bytes from a source socket through a pipe
// into a destination socket with splice(), never through user space. The pipe is the
// relay's only buffer: while it is full the source is not read, so a slow destination
// slows the source down through TCP's own flow control instead of filling memory.
//
// The owner says which side the loop found ready, runs it, and then watches the source
// for reading while wantsSource() and the destination for writing while
// wantsDestination(). Once the source ended and everything is delivered, the destination
// is shut down for writing (a half-close: the other direction goes on).
class Splicer {
public:
    explicit Splicer(Pipe pipe);

    void sourceReady() noexcept { sourceReady_ = true; }
    void destinationReady() noexcept { destinationReady_ = true; }

    // Moves bytes until neither side can go on or about budget bytes were delivered.
    // Returns 0, or the errno that broke one of the two connections (then the direction
    // is of no further use).
    int run(int source, int destination, std::size_t budget);

    bool wantsSource() const noexcept { return !sourceEnded_ && !pipeFull_; }
    bool wantsDestination() const noexcept { return inPipe_ > 0; }
    // The source ended and the destination has all of it and was shut down.
    bool done() const noexcept { return shutDown_; }

    std::uint64_t delivered() const noexcept { return delivered_; }
    std::size_t buffered() const noexcept { return inPipe_; }

private:
    // Each returns the bytes moved (0 for none) and leaves a failure in error_.
    std::size_t fill(int source);
    std::size_t drain(int destination);
    void shutDownWhenDelivered(int destination);

    Pipe pipe_;
    std::size_t inPipe_ = 0;
    std::uint64_t delivered_ = 0;
    int error_ = 0;
    // Optimistic at first: a fresh connection is writable, and may have bytes waiting.
    bool sourceReady_ = true;
    bool destinationReady_ = true;
    bool sourceEnded_ = false;
    bool pipeFull_ = false;
    bool shutDown_ = false;
};

} // namespace fwx::relay
