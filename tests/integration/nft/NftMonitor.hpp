#pragma once

#include "net/NetlinkSocket.hpp"

namespace fwx::test {

// Listens to nf_tables notifications the way `nft monitor` does. The kernel ends every
// committed transaction with exactly one NFT_MSG_NEWGEN, so counting them counts
// transactions independently of what the engine claims.
class NftMonitor {
public:
    NftMonitor();

    struct Counts {
        unsigned transactions = 0;    // NFT_MSG_NEWGEN
        unsigned elementsAdded = 0;   // NFT_MSG_NEWSETELEM
        unsigned elementsRemoved = 0; // NFT_MSG_DELSETELEM
    };
    // Reads every notification queued so far. The kernel queues them before the sender's
    // sendmsg() returns, so nothing is still in flight once a batch was answered.
    Counts drain();

private:
    net::NetlinkSocket socket_;
};

} // namespace fwx::test
