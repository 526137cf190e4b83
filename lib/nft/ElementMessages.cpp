#include "nft/ElementMessages.hpp"

#include "nft/Nftnl.hpp"

#include <stdexcept>
#include <string_view>

#include <endian.h>
#include <fmt/format.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

namespace fwx::nft {

namespace {

// libmnl's MNL_ALIGN mixes int and unsigned: align by hand.
constexpr std::size_t align4(std::size_t length) {
    return (length + 3) & ~std::size_t{3};
}

constexpr std::size_t AttributeHeader = align4(sizeof(nlattr));
// nlmsghdr and nfgenmsg: where the attributes of every message start.
constexpr std::size_t HeaderBytes = align4(sizeof(nlmsghdr)) + align4(sizeof(nfgenmsg));

// An attribute of length bytes of payload, header and padding included.
constexpr std::size_t attributeSize(std::size_t length) {
    return align4(AttributeHeader + length);
}

// The comment as stored: libnftnl's (and the kernel's) limit, NUL included.
std::string_view storedComment(const SetElement& element) {
    return std::string_view(element.comment).substr(0, NFTNL_UDATA_COMMENT_MAXLEN - 1);
}

// NFTA_SET_ELEM_USERDATA as nft reads it: one TLV (type, length, value), the string with
// its NUL.
std::size_t userdataLength(const SetElement& element) {
    return 2 + storedComment(element).size() + 1;
}

// Refuses what the kernel refuses anyway, before a length could overflow a field.
void checkSizes(const SetElement& element) {
    for (const auto* bytes : {&element.key, &element.keyEnd, &element.data}) {
        if (bytes->size() > NFT_DATA_VALUE_MAXLEN) {
            throw std::invalid_argument(fmt::format("nft: a key or value of {} bytes (element {})",
                                                    bytes->size(), element.label));
        }
    }
    if (element.objref.size() >= NFT_OBJ_MAXNAMELEN) {
        throw std::invalid_argument("nft: object name too long: " + element.objref);
    }
}

// Writes through libmnl's checked functions; a write that does not fit is a size
// computation gone wrong, never a reason to write past the room.
class CheckedWriter {
public:
    CheckedWriter(nlmsghdr* header, std::size_t room)
        : header_(header)
        , room_(room) {}

    void put(std::uint16_t type, std::size_t length, const void* data) {
        require(mnl_attr_put_check(header_, room_, type, length, data));
    }
    void putU64(std::uint16_t type, std::uint64_t value) {
        require(mnl_attr_put_u64_check(header_, room_, type, value));
    }
    void putString(std::uint16_t type, const std::string& text) {
        require(mnl_attr_put_strz_check(header_, room_, type, text.c_str()));
    }
    nlattr* begin(std::uint16_t type) {
        nlattr* nest = mnl_attr_nest_start_check(header_, room_, type);
        require(nest != nullptr);
        return nest;
    }
    void end(nlattr* nest) { mnl_attr_nest_end(header_, nest); }
    // NFTA_DATA_VALUE inside a nest of type: how keys and map data travel.
    void putValue(std::uint16_t type, const std::vector<std::uint8_t>& bytes) {
        nlattr* nest = begin(type);
        put(NFTA_DATA_VALUE, bytes.size(), bytes.data());
        end(nest);
    }
    std::uint32_t offset() const noexcept { return header_->nlmsg_len; }

private:
    static void require(bool fits) {
        if (!fits) {
            throw std::logic_error("nft: an element message outgrew the room computed for it");
        }
    }

    nlmsghdr* header_;
    std::size_t room_;
};

// One element, in the attribute order libnftnl uses.
void encode(CheckedWriter& out, const SetElement& e, ElementMessages::Content content) {
    nlattr* nest = out.begin(NFTA_LIST_ELEM);
    const bool full = content == ElementMessages::Content::Full;
    if (full && e.timeoutMs) {
        out.putU64(NFTA_SET_ELEM_TIMEOUT, htobe64(*e.timeoutMs));
    }
    out.putValue(NFTA_SET_ELEM_KEY, e.key);
    if (!e.keyEnd.empty()) {
        out.putValue(NFTA_SET_ELEM_KEY_END, e.keyEnd);
    }
    if (full && !e.data.empty()) {
        out.putValue(NFTA_SET_ELEM_DATA, e.data);
    }
    if (full && !e.objref.empty()) {
        out.putString(NFTA_SET_ELEM_OBJREF, e.objref);
    }
    if (full && !e.comment.empty()) {
        Udata udata = makeUdata();
        const std::string comment(storedComment(e));
        nftnl_udata_put_strz(udata.get(), NFTNL_UDATA_SET_ELEM_COMMENT, comment.c_str());
        out.put(NFTA_SET_ELEM_USERDATA, nftnl_udata_buf_len(udata.get()),
                nftnl_udata_buf_data(udata.get()));
    }
    out.end(nest);
}

// The elements of one message: as many as fit its list, from first on.
struct MessagePlan {
    std::size_t first = 0;
    std::size_t count = 0;
    std::size_t listBytes = AttributeHeader; // the list's nest, its own header included
    std::vector<Batch::Part> parts;          // where each element starts, from the header
};

MessagePlan plan(std::span<const SetElement> elements, std::size_t first, std::size_t leading,
                 ElementMessages::Content content) {
    MessagePlan p;
    p.first = first;
    std::size_t offset = HeaderBytes + leading + AttributeHeader;
    for (std::size_t i = first; i < elements.size(); ++i) {
        checkSizes(elements[i]);
        const std::size_t size = ElementMessages::encodedSize(elements[i], content);
        if (p.listBytes + size > ElementMessages::MaxListBytes) {
            break;
        }
        p.parts.push_back({static_cast<std::uint32_t>(offset), elements[i].label});
        p.listBytes += size;
        offset += size;
        ++p.count;
    }
    if (p.count == 0) {
        throw std::logic_error("nft: an element larger than an element list");
    }
    return p;
}

} // namespace

ElementMessages::ElementMessages(std::uint16_t type, std::uint16_t flags, Content content,
                                 std::string verb)
    : type_(type)
    , flags_(flags)
    , content_(content)
    , verb_(std::move(verb)) {
}

std::size_t ElementMessages::encodedSize(const SetElement& e, Content content) {
    const std::size_t valueNest = AttributeHeader; // a nest holding NFTA_DATA_VALUE
    std::size_t size = AttributeHeader;            // NFTA_LIST_ELEM
    const bool full = content == Content::Full;
    if (full && e.timeoutMs) {
        size += attributeSize(sizeof(std::uint64_t));
    }
    size += valueNest + attributeSize(e.key.size());
    if (!e.keyEnd.empty()) {
        size += valueNest + attributeSize(e.keyEnd.size());
    }
    if (full && !e.data.empty()) {
        size += valueNest + attributeSize(e.data.size());
    }
    if (full && !e.objref.empty()) {
        size += attributeSize(e.objref.size() + 1);
    }
    if (full && !e.comment.empty()) {
        size += attributeSize(userdataLength(e));
    }
    return size;
}

void ElementMessages::append(Batch& batch, const std::string& table, const std::string& set,
                             std::span<const SetElement> elements, const std::string& about) const {
    // NFTA_SET_ELEM_LIST_TABLE and _SET come before the list.
    const std::size_t leading = attributeSize(table.size() + 1) + attributeSize(set.size() + 1);
    for (std::size_t first = 0; first < elements.size();) {
        const MessagePlan p = plan(elements, first, leading, content_);
        const auto build = [&](nlmsghdr* header, std::size_t room) {
            CheckedWriter out(header, room);
            out.putString(NFTA_SET_ELEM_LIST_TABLE, table);
            out.putString(NFTA_SET_ELEM_LIST_SET, set);
            nlattr* list = out.begin(NFTA_SET_ELEM_LIST_ELEMENTS);
            for (std::size_t i = 0; i < p.count; ++i) {
                if (out.offset() != p.parts[i].offset) {
                    throw std::logic_error("nft: an element's size was computed wrong");
                }
                encode(out, elements[p.first + i], content_);
            }
            out.end(list);
            if (list->nla_len != p.listBytes) {
                throw std::logic_error("nft: an element list's size was computed wrong");
            }
        };
        const std::string what =
            p.count == elements.size()
                ? fmt::format("{} {} element(s) of set {} ({})", verb_, p.count, set, about)
                : fmt::format("{} elements {}-{} of {} of set {} ({})", verb_, p.first + 1,
                              p.first + p.count, elements.size(), set, about);
        batch.add(type_, NFPROTO_INET, flags_, leading + p.listBytes, build, what, p.parts);
        first += p.count;
    }
}

} // namespace fwx::nft
