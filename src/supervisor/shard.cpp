#include "crawl/supervisor/shard.hpp"

#include "crawl/frontier/registrable_domain.hpp"
#include "crawl/util/fingerprint_set.hpp"

#include <charconv>

namespace crawl::supervisor {

namespace {

std::optional<std::uint32_t> parse_number(std::string_view text)
{
    std::uint32_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

} // namespace

std::string shard_spec::text() const
{
    return sharded() ? std::to_string(index) + "/" + std::to_string(count) : std::string();
}

std::optional<shard_spec> parse_shard(std::string_view text)
{
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    const auto k = parse_number(text.substr(0, slash));
    const auto n = parse_number(text.substr(slash + 1));
    if (!k || !n || *n == 0 || *n > 65536 || *k >= *n) {
        return std::nullopt;
    }
    return shard_spec{*k, *n};
}

std::uint32_t shard_of(std::string_view host, std::uint32_t count, bool by_domain)
{
    if (count <= 1) {
        return 0;
    }
    const std::string_view key = by_domain ? frontier::registrable_part(host) : host;
    return static_cast<std::uint32_t>(fingerprint64(key) % count);
}

} // namespace crawl::supervisor
