#include "crawl/redis/address.hpp"

#include <charconv>
#include <limits>
#include <optional>

namespace crawl::redis {

namespace {

/// A decimal number with no sign, no spaces and nothing after it, at most `max`.
bool read_number(std::string_view digits, unsigned long max, unsigned long& value)
{
    if (digits.empty()) {
        return false;
    }
    const char* end = digits.data() + digits.size();
    const auto [at, ec] = std::from_chars(digits.data(), end, value);
    return ec == std::errc() && at == end && value <= max;
}

bool is_name_byte(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
}

constexpr unsigned long max_db = std::numeric_limits<unsigned>::max();

/// The database of either scheme: any number that fits, since only the server knows how many
/// it has (SELECT says when there is no such database).
std::string read_db(std::string_view digits, unsigned& db)
{
    unsigned long value = 0;
    if (!read_number(digits, max_db, value)) {
        return "the database is not a non-negative decimal number";
    }
    db = static_cast<unsigned>(value);
    return {};
}

/// HOST[:PORT][/DB], after "redis://".
std::string read_tcp(std::string_view rest, address& a)
{
    if (rest.find('@') != std::string_view::npos) {
        return "user names and passwords are not supported";
    }
    if (rest.find_first_of("?#") != std::string_view::npos) {
        return "a redis:// address takes no query or fragment (the database goes in the path: /DB)";
    }
    const std::size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    // "redis://host/" names database 0, as no path does.
    if (slash != std::string_view::npos && slash + 1 < rest.size()) {
        if (std::string why = read_db(rest.substr(slash + 1), a.db); !why.empty()) {
            return why;
        }
    }

    // HOST from :PORT: an IPv6 literal's own colons are inside its brackets.
    std::string_view host = authority;
    std::optional<std::string_view> port;
    if (authority.starts_with('[')) {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            return "the IPv6 address has no closing ']'";
        }
        host = authority.substr(1, close - 1);
        if (host.find(':') == std::string_view::npos ||
            host.find_first_not_of(":.0123456789abcdefABCDEF") != std::string_view::npos) {
            return "the host in brackets is not an IPv6 address";
        }
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') {
                return "the IPv6 address is followed by something other than :PORT";
            }
            port = after.substr(1);
        }
    } else {
        const std::size_t colon = authority.find(':');
        if (colon != authority.rfind(':')) {
            return "an IPv6 address goes in brackets: redis://[::1]:6379";
        }
        host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
        }
        if (host.empty()) {
            return "the host is missing";
        }
        for (const char c : host) {
            if (!is_name_byte(c)) {
                return "the host is neither a name nor an IP address (an IPv6 one goes in brackets)";
            }
        }
    }
    a.host = host;
    if (port) {
        unsigned long value = 0;
        if (!read_number(*port, 65535, value) || value == 0) {
            return "the port is not a number from 1 to 65535";
        }
        a.port = static_cast<std::uint16_t>(value);
    }
    return {};
}

/// PATH[?db=N], after "unix://".
std::string read_unix(std::string_view rest, address& a)
{
    const std::size_t query = rest.find('?');
    const std::string_view path = rest.substr(0, query);
    if (!path.starts_with('/')) {
        return "the socket's path is not absolute (unix:///path/to/redis.sock)";
    }
    a.unix_path = path;
    if (query == std::string_view::npos) {
        return {};
    }
    const std::string_view parameter = rest.substr(query + 1);
    if (!parameter.starts_with("db=")) {
        return "the only query a unix:// address takes is ?db=N";
    }
    return read_db(parameter.substr(3), a.db);
}

} // namespace

std::string address::text() const
{
    if (!unix_path.empty()) {
        return "unix://" + unix_path + (db == 0 ? "" : "?db=" + std::to_string(db));
    }
    const bool ipv6 = host.find(':') != std::string::npos;
    return "redis://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port) +
           (db == 0 ? "" : "/" + std::to_string(db));
}

std::variant<address, std::string> parse_address(std::string_view text)
{
    address a;
    std::string why;
    if (text.starts_with("redis://")) {
        why = read_tcp(text.substr(8), a);
    } else if (text.starts_with("unix://")) {
        why = read_unix(text.substr(7), a);
    } else if (text.starts_with("rediss://")) {
        why = "TLS (rediss://) is not supported";
    } else {
        why = "not a Redis address (redis://HOST[:PORT][/DB] or unix://PATH[?db=N])";
    }
    if (!why.empty()) {
        return "\"" + std::string(text) + "\": " + why;
    }
    return a;
}

} // namespace crawl::redis
