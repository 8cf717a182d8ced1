#pragma once
// Where a Redis server listens, as given on the command line: redis://HOST[:PORT][/DB] or
// unix://PATH[?db=N]. No user name or password: nothing needs them yet, and a password in an
// address on the command line would show in ps. No TLS (rediss://): hiredis 0.14 has none.

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace crawl::redis {

struct address {
    std::string host;         ///< a name or an IP literal (IPv6 without its brackets); empty for unix://
    std::uint16_t port = 6379;
    std::string unix_path;    ///< absolute; set for unix:// only
    unsigned db = 0;          ///< the database SELECTed after connecting

    /// The address as parse_address reads it back (the port always written, the database
    /// only when it is not 0).
    [[nodiscard]] std::string text() const;

    bool operator==(const address&) const = default;
};

/// Reads redis://HOST[:PORT][/DB] (HOST a name or an IP literal, an IPv6 one in brackets;
/// PORT 1 to 65535, 6379 when absent; DB a decimal number, 0 when absent) or
/// unix://PATH[?db=N] (PATH absolute). Otherwise a message that quotes the text and says what
/// is wrong with it.
[[nodiscard]] std::variant<address, std::string> parse_address(std::string_view text);

} // namespace crawl::redis
