#include "nft/RuleBuilder.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

namespace fwx::nft {

namespace {
constexpr std::size_t RuleCapacity = 8192;
}

RuleBuilder::RuleBuilder(const std::string& table, const std::string& chain)
    : chain_(chain)
    , rule_(makeRule()) {
    nftnl_rule_set_str(rule_.get(), NFTNL_RULE_TABLE, table.c_str());
    nftnl_rule_set_str(rule_.get(), NFTNL_RULE_CHAIN, chain.c_str());
    nftnl_rule_set_u32(rule_.get(), NFTNL_RULE_FAMILY, NFPROTO_INET);
}

RuleBuilder& RuleBuilder::add(Expr expression) {
    nftnl_rule_add_expr(rule_.get(), expression.release()); // the rule owns it now
    return *this;
}

RuleBuilder& RuleBuilder::comment(const std::string& text) {
    Udata udata = makeUdata();
    nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_RULE_COMMENT, text.c_str());
    nftnl_rule_set_data(rule_.get(), NFTNL_RULE_USERDATA, nftnl_udata_buf_data(udata.get()),
                        nftnl_udata_buf_len(udata.get()));
    return *this;
}

void RuleBuilder::appendTo(Batch& batch) {
    batch.add(
        NFT_MSG_NEWRULE, NFPROTO_INET, NLM_F_CREATE | NLM_F_APPEND, RuleCapacity,
        [&](nlmsghdr* header, std::size_t /*room*/) {
            nftnl_rule_nlmsg_build_payload(header, rule_.get());
        },
        "adding a rule to chain " + chain_);
}

} // namespace fwx::nft
