#include "nft/Nftnl.hpp"

#include "error/Error.hpp"

#include <cerrno>
#include <string>

namespace fwx::nft {

namespace {
template <typename Ptr> Ptr checked(typename Ptr::pointer raw, const char* what) {
    if (raw == nullptr) {
        throwSystemError(std::string("allocating libnftnl ") + what, ENOMEM);
    }
    return Ptr(raw);
}
} // namespace

Table makeTable() {
    return checked<Table>(nftnl_table_alloc(), "table");
}
Chain makeChain() {
    return checked<Chain>(nftnl_chain_alloc(), "chain");
}
Set makeSet() {
    return checked<Set>(nftnl_set_alloc(), "set");
}
SetElem makeSetElem() {
    return checked<SetElem>(nftnl_set_elem_alloc(), "set element");
}
Rule makeRule() {
    return checked<Rule>(nftnl_rule_alloc(), "rule");
}
Expr makeExpr(const char* name) {
    return checked<Expr>(nftnl_expr_alloc(name), name);
}
Object makeObject() {
    return checked<Object>(nftnl_obj_alloc(), "object");
}
Udata makeUdata() {
    return checked<Udata>(nftnl_udata_buf_alloc(NFTNL_UDATA_COMMENT_MAXLEN + 16), "userdata");
}

} // namespace fwx::nft
