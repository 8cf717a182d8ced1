#include "ip_address.hpp"

#include "crawl/util/text.hpp"

#include <algorithm>
#include <array>
#include <cstddef>
#include <utility>

namespace crawl::url::detail {
namespace {

// Numbers above this fail every check the IPv4 parser makes, so parsing saturates here instead
// of overflowing on "http://99999999999999999999999".
constexpr std::uint64_t saturated = std::uint64_t{1} << 40;

// The standard's IPv4 number parser: decimal, "0x" hex or "0" octal; "0x" alone is 0.
std::optional<std::uint64_t> parse_ipv4_number(std::string_view s) noexcept
{
    if (s.empty()) {
        return std::nullopt;
    }
    int radix = 10;
    if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s.remove_prefix(2);
        radix = 16;
    } else if (s.size() >= 2 && s[0] == '0') {
        s.remove_prefix(1);
        radix = 8;
    }
    std::uint64_t value = 0;
    for (const char c : s) {
        const int digit = text::hex_digit_value(c);
        if (digit < 0 || digit >= radix) {
            return std::nullopt;
        }
        value = std::min(value * static_cast<std::uint64_t>(radix) + static_cast<std::uint64_t>(digit), saturated);
    }
    return value;
}

// "1.2.3.4." is 1.2.3.4: one trailing dot ends the last label rather than starting another.
std::string_view without_trailing_dot(std::string_view domain) noexcept
{
    if (domain.size() > 1 && domain.ends_with('.')) {
        domain.remove_suffix(1);
    }
    return domain;
}

bool ends_in_a_number(std::string_view domain) noexcept
{
    domain = without_trailing_dot(domain);
    const std::size_t dot = domain.rfind('.');
    const std::string_view last = dot == std::string_view::npos ? domain : domain.substr(dot + 1);
    if (last.empty() || last[0] < '0' || last[0] > '9') {
        return false; // every IPv4 number starts with a digit ("0x" too): most domains end here
    }
    if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return true;
    }
    return parse_ipv4_number(last).has_value();
}

// The first longest run of two or more zero pieces, as {start, length}; length 0 when none.
std::pair<std::size_t, std::size_t> longest_zero_run(const std::array<std::uint16_t, 8>& pieces) noexcept
{
    std::pair<std::size_t, std::size_t> best{0, 1};
    std::size_t run_start = 0;
    std::size_t run_length = 0;
    for (std::size_t i = 0; i <= pieces.size(); ++i) {
        if (i < pieces.size() && pieces[i] == 0) {
            if (run_length == 0) {
                run_start = i;
            }
            ++run_length;
            continue;
        }
        if (run_length > best.second) {
            best = {run_start, run_length};
        }
        run_length = 0;
    }
    return best.second > 1 ? best : std::pair<std::size_t, std::size_t>{0, 0};
}

void serialize_ipv6(const std::array<std::uint16_t, 8>& pieces, std::string& out)
{
    static constexpr std::string_view hex = "0123456789abcdef";
    const auto [zeros_start, zeros_length] = longest_zero_run(pieces);
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        if (zeros_length != 0 && i == zeros_start) {
            out += i == 0 ? "::" : ":";
            i += zeros_length - 1;
            continue;
        }
        const std::uint16_t piece = pieces[i];
        bool leading = true;
        for (int shift = 12; shift >= 0; shift -= 4) {
            const auto digit = static_cast<std::size_t>((piece >> shift) & 0xF);
            if (leading && digit == 0 && shift != 0) {
                continue;
            }
            leading = false;
            out += hex[digit];
        }
        if (i != pieces.size() - 1) {
            out += ':';
        }
    }
}

// The standard's IPv6 parser, step by step; `at(i)` is -1 past the end (its EOF code point).
class ipv6_parser {
public:
    explicit ipv6_parser(std::string_view in) : in_(in) {}

    std::optional<std::array<std::uint16_t, 8>> parse()
    {
        if (at(p_) == ':') {
            if (at(p_ + 1) != ':') {
                return std::nullopt;
            }
            p_ += 2;
            compress_ = ++piece_;
        }
        while (at(p_) != eof) {
            if (piece_ == 8) {
                return std::nullopt;
            }
            if (at(p_) == ':') {
                if (compress_ != none) {
                    return std::nullopt;
                }
                ++p_;
                compress_ = ++piece_;
                continue;
            }
            unsigned value = 0;
            std::size_t length = 0;
            while (length < 4 && hex_at(p_) >= 0) {
                value = value * 0x10 + static_cast<unsigned>(hex_at(p_));
                ++p_;
                ++length;
            }
            if (at(p_) == '.') {
                if (length == 0 || !ipv4_tail(length)) {
                    return std::nullopt;
                }
                break;
            }
            if (at(p_) == ':') {
                ++p_;
                if (at(p_) == eof) {
                    return std::nullopt;
                }
            } else if (at(p_) != eof) {
                return std::nullopt;
            }
            address_[piece_++] = static_cast<std::uint16_t>(value);
        }
        if (compress_ != none) {
            std::size_t swaps = piece_ - compress_;
            std::size_t index = 7;
            while (index != 0 && swaps > 0) {
                std::swap(address_[index], address_[compress_ + swaps - 1]);
                --index;
                --swaps;
            }
        } else if (piece_ != 8) {
            return std::nullopt;
        }
        return address_;
    }

private:
    static constexpr int eof = -1;
    static constexpr std::size_t none = 9;

    [[nodiscard]] int at(std::size_t i) const noexcept
    {
        return i < in_.size() ? static_cast<unsigned char>(in_[i]) : eof;
    }

    [[nodiscard]] bool is_digit_at(std::size_t i) const noexcept { return at(i) >= '0' && at(i) <= '9'; }

    [[nodiscard]] int hex_at(std::size_t i) const noexcept
    {
        return i < in_.size() ? text::hex_digit_value(in_[i]) : -1;
    }

    // The dotted IPv4 form of the last 32 bits ("::127.0.0.1"), starting `length` bytes back.
    bool ipv4_tail(std::size_t length)
    {
        p_ -= length;
        if (piece_ > 6) {
            return false;
        }
        int numbers_seen = 0;
        while (at(p_) != eof) {
            if (numbers_seen > 0) {
                if (at(p_) != '.' || numbers_seen >= 4) {
                    return false;
                }
                ++p_;
            }
            if (!is_digit_at(p_)) {
                return false;
            }
            int part = -1;
            while (is_digit_at(p_)) {
                const int number = at(p_) - '0';
                if (part == 0) {
                    return false; // a leading zero
                }
                part = part < 0 ? number : part * 10 + number;
                if (part > 255) {
                    return false;
                }
                ++p_;
            }
            address_[piece_] = static_cast<std::uint16_t>(address_[piece_] * 0x100 + part);
            ++numbers_seen;
            if (numbers_seen == 2 || numbers_seen == 4) {
                ++piece_;
            }
        }
        return numbers_seen == 4;
    }

    std::string_view in_;
    std::array<std::uint16_t, 8> address_{};
    std::size_t piece_ = 0;
    std::size_t compress_ = none;
    std::size_t p_ = 0;
};

} // namespace

ipv4_verdict parse_ipv4(std::string_view domain, std::uint32_t& address) noexcept
{
    if (domain.empty() || !ends_in_a_number(domain)) {
        return ipv4_verdict::not_ipv4;
    }
    domain = without_trailing_dot(domain);
    std::array<std::uint64_t, 4> numbers{};
    std::size_t count = 0;
    std::size_t start = 0;
    while (start <= domain.size()) {
        std::size_t dot = domain.find('.', start);
        if (dot == std::string_view::npos) {
            dot = domain.size();
        }
        const std::optional<std::uint64_t> n = parse_ipv4_number(domain.substr(start, dot - start));
        if (count == numbers.size() || !n) {
            return ipv4_verdict::invalid; // a fifth part, or one that is not a number
        }
        numbers[count++] = *n;
        start = dot + 1;
    }
    for (std::size_t i = 0; i + 1 < count; ++i) {
        if (numbers[i] > 255) {
            return ipv4_verdict::invalid;
        }
    }
    const std::uint64_t last = numbers[count - 1];
    if (last >= (std::uint64_t{1} << (8 * (5 - count)))) {
        return ipv4_verdict::invalid;
    }
    std::uint64_t value = last;
    for (std::size_t i = 0; i + 1 < count; ++i) {
        value += numbers[i] << (8 * (3 - i));
    }
    address = static_cast<std::uint32_t>(value);
    return ipv4_verdict::address;
}

void append_ipv4(std::uint32_t address, std::string& out)
{
    for (int shift = 24; shift >= 0; shift -= 8) {
        out += std::to_string((address >> shift) & 0xFFU);
        if (shift != 0) {
            out += '.';
        }
    }
}

bool parse_ipv6_host(std::string_view inside_brackets, std::string& out)
{
    const std::optional<std::array<std::uint16_t, 8>> pieces = ipv6_parser(inside_brackets).parse();
    if (!pieces) {
        return false;
    }
    serialize_ipv6(*pieces, out);
    return true;
}

} // namespace crawl::url::detail
