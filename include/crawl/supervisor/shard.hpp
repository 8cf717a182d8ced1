#pragma once
// --shard K/N: which of N processes (machines, batch-scheduler tasks) owns an input line. A
// URL belongs to the shard of its host (of its registrable domain with --scope domain), so
// one host never belongs to two shards and per-host politeness stays exact across them; a
// line that is no URL belongs to shard 0 (docs/sharding.md).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crawl::supervisor {

struct shard_spec {
    std::uint32_t index = 0; ///< K: this process's shard, 0 <= K < count
    std::uint32_t count = 1; ///< N: 1 = not sharded

    [[nodiscard]] bool sharded() const noexcept { return count > 1; }
    /// "K/N", or "" when not sharded.
    [[nodiscard]] std::string text() const;
    bool operator==(const shard_spec&) const = default;
};

/// Parses "K/N" (decimal, 0 <= K < N, 1 <= N <= 65536); nullopt otherwise.
[[nodiscard]] std::optional<shard_spec> parse_shard(std::string_view text);

/// The shard (0..count-1) of a normalized host: the first 64 bits of SHA-256 of the host (or
/// of its registrable domain when `by_domain`) modulo `count`. Stable across runs, machines
/// and versions: the contract that lets N processes split one list.
[[nodiscard]] std::uint32_t shard_of(std::string_view host, std::uint32_t count, bool by_domain);

} // namespace crawl::supervisor
