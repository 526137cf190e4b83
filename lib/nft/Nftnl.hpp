// lib/nft: the nftables engine — table `inet fwxd`, its sets, maps, chains and rules, and
// the atomic batches that add and remove redirect groups.
//
// Lives here: move-only owners of libnftnl objects (this file), the expression and rule
// builders, the table layout, the netlink Batch and the reading of its answers
// (BatchAnswers), element messages that fit the kernel's 64 KiB lists (ElementMessages),
// single-use limit objects, and Engine, which implements redirect::NftBackend. Depends on net/,
// redirect/ (the interface and domain types), error/, libnftnl and libmnl. Nothing here decides
// policy: it executes redirect groups.
#pragma once

#include <memory>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

namespace fwx::nft {

namespace detail {
// libnftnl's free functions differ in constness, hence `auto`.
template <typename T, auto Free> struct Deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
} // namespace detail

using Table = std::unique_ptr<nftnl_table, detail::Deleter<nftnl_table, nftnl_table_free>>;
using Chain = std::unique_ptr<nftnl_chain, detail::Deleter<nftnl_chain, nftnl_chain_free>>;
using Set = std::unique_ptr<nftnl_set, detail::Deleter<nftnl_set, nftnl_set_free>>;
using SetElem =
    std::unique_ptr<nftnl_set_elem, detail::Deleter<nftnl_set_elem, nftnl_set_elem_free>>;
using Rule = std::unique_ptr<nftnl_rule, detail::Deleter<nftnl_rule, nftnl_rule_free>>;
using Expr = std::unique_ptr<nftnl_expr, detail::Deleter<nftnl_expr, nftnl_expr_free>>;
using Object = std::unique_ptr<nftnl_obj, detail::Deleter<nftnl_obj, nftnl_obj_free>>;
using Udata =
    std::unique_ptr<nftnl_udata_buf, detail::Deleter<nftnl_udata_buf, nftnl_udata_buf_free>>;

// Factories: each throws fwx::Error(Failed, ENOMEM) instead of returning null.
Table makeTable();
Chain makeChain();
Set makeSet();
SetElem makeSetElem();
Rule makeRule();
Expr makeExpr(const char* name);
Object makeObject();
Udata makeUdata();

} // namespace fwx::nft
