#include "shared_entry.hpp"

#include "crawl/url/url.hpp"
#include "crawl/util/text.hpp"

namespace crawl::supervisor {

namespace {

// One letter a field: a stream holds millions of entries, and each entry repeats its names.
constexpr std::string_view url_field = "u";
constexpr std::string_view depth_field = "d";
constexpr std::string_view hops_field = "r";
constexpr std::string_view found_on_field = "f";
constexpr std::string_view prefix_field = "p";
constexpr std::string_view flags_field = "x";

constexpr unsigned outward_only_flag = 1;
constexpr unsigned seed_chain_flag = 2;
constexpr unsigned all_flags = outward_only_flag | seed_chain_flag;

} // namespace

std::vector<std::string> encode_shared_entry(const frontier_entry& e)
{
    const unsigned flags = (e.outward_only ? outward_only_flag : 0) | (e.seed_chain ? seed_chain_flag : 0);
    std::vector<std::string> pairs{std::string(url_field), e.url, std::string(depth_field), std::to_string(e.depth)};
    // Fields at their usual value are left out: most entries are plain links.
    if (e.redirect_hops != 0) {
        pairs.insert(pairs.end(), {std::string(hops_field), std::to_string(e.redirect_hops)});
    }
    if (!e.found_on.empty()) {
        pairs.insert(pairs.end(), {std::string(found_on_field), e.found_on});
    }
    if (!e.scope_prefix.empty()) {
        pairs.insert(pairs.end(), {std::string(prefix_field), e.scope_prefix});
    }
    if (flags != 0) {
        pairs.insert(pairs.end(), {std::string(flags_field), std::to_string(flags)});
    }
    return pairs;
}

std::optional<frontier_entry> decode_shared_entry(const std::vector<std::string_view>& pairs)
{
    if (pairs.size() % 2 != 0) {
        return std::nullopt;
    }
    frontier_entry e;
    std::optional<std::string_view> url;
    std::optional<std::uint32_t> depth;
    unsigned seen_fields = 0; // one bit a field: a repeated one is refused
    for (std::size_t i = 0; i < pairs.size(); i += 2) {
        const std::string_view name = pairs[i];
        const std::string_view value = pairs[i + 1];
        unsigned bit = 0;
        if (name == url_field) {
            bit = 1;
            url = value;
        } else if (name == depth_field) {
            bit = 2;
            depth = text::parse_u32(value);
            if (!depth) {
                return std::nullopt;
            }
        } else if (name == hops_field) {
            bit = 4;
            const auto hops = text::parse_u32(value);
            if (!hops) {
                return std::nullopt;
            }
            e.redirect_hops = *hops;
        } else if (name == found_on_field) {
            bit = 8;
            e.found_on = std::string(value);
        } else if (name == prefix_field) {
            bit = 16;
            e.scope_prefix = std::string(value);
        } else if (name == flags_field) {
            bit = 32;
            const auto flags = text::parse_u32(value);
            if (!flags || (*flags & ~all_flags) != 0) {
                return std::nullopt;
            }
            e.outward_only = (*flags & outward_only_flag) != 0;
            e.seed_chain = (*flags & seed_chain_flag) != 0;
        } else {
            return std::nullopt;
        }
        if ((seen_fields & bit) != 0) {
            return std::nullopt;
        }
        seen_fields |= bit;
    }
    if (!url || !depth) {
        return std::nullopt;
    }
    auto target = url::parse_input(*url);
    if (!target || target->href != *url) {
        return std::nullopt;
    }
    e.depth = *depth;
    e.url = std::move(target->href);
    e.host_key = target->host_port();
    e.fingerprint = fingerprint64(e.url);
    return e;
}

} // namespace crawl::supervisor
