#pragma once

#include "nft/Batch.hpp"
#include "nft/Nftnl.hpp"

#include <string>

namespace fwx::nft {

// Assembles one rule from expressions and appends it to a chain in a batch.
class RuleBuilder {
public:
    RuleBuilder(const std::string& table, const std::string& chain);

    RuleBuilder& add(Expr expression);
    // Shown by `nft list` after the rule, so an admin can tell what it is for.
    RuleBuilder& comment(const std::string& text);
    void appendTo(Batch& batch);

private:
    std::string chain_;
    Rule rule_;
};

} // namespace fwx::nft
