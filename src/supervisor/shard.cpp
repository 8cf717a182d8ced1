#include "crawl/supervisor/shard.hpp"

#include "crawl/frontier/registrable_domain.hpp"
#include "crawl/util/fingerprint_set.hpp"
#include "crawl/util/text.hpp"


namespace crawl::supervisor {

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
    const auto k = text::parse_u32(text.substr(0, slash));
    const auto n = text::parse_u32(text.substr(slash + 1));
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
