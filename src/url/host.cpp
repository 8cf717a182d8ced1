#include "host.hpp"

#include "idna.hpp"
#include "ip_address.hpp"

#include "crawl/util/text.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace crawl::url::detail {
namespace {

// The standard's forbidden domain code points among ASCII: C0 controls, space, DEL and
// "#%/:<>?@[\]^|". No non-ASCII code point is forbidden.
constexpr std::array<bool, 256> forbidden_in_domain = [] {
    std::array<bool, 256> table{};
    for (std::size_t c = 0; c <= 0x20; ++c) {
        table[c] = true;
    }
    table[0x7F] = true;
    for (const char c : std::string_view("#%/:<>?@[\\]^|")) {
        table[static_cast<unsigned char>(c)] = true;
    }
    return table;
}();

bool has_forbidden_code_point(std::string_view s) noexcept
{
    return std::any_of(s.begin(), s.end(), [](char c) { return forbidden_in_domain[static_cast<unsigned char>(c)]; });
}

// The standard's percent-decoding: "%" and two hex digits is that byte; any other "%" stays.
void percent_decode(std::string_view in, std::string& out)
{
    out.clear();
    for (std::size_t i = 0; i < in.size(); ++i) {
        const int high = in[i] == '%' && i + 2 < in.size() ? text::hex_digit_value(in[i + 1]) : -1;
        const int low = high >= 0 ? text::hex_digit_value(in[i + 2]) : -1;
        if (low >= 0) {
            out += static_cast<char>(high * 16 + low);
            i += 2;
        } else {
            out += in[i];
        }
    }
}

bool is_ascii(std::string_view s) noexcept
{
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// Each byte of an ASCII domain as it is serialized (lowercase), or 0 for a byte that needs
// a closer look: a forbidden code point, or a non-ASCII byte that sends the domain to IDNA.
constexpr std::array<char, 256> plain_domain_byte = [] {
    std::array<char, 256> table{};
    for (std::size_t c = 0; c < 0x80; ++c) {
        table[c] = forbidden_in_domain[c] ? '\0' : text::to_lower_ascii(static_cast<char>(c));
    }
    return table;
}();

// The common case in one pass: an ASCII domain with no forbidden code point, lowercased into
// `out`. False, with `out` as it was, for any other domain.
bool append_plain_domain(std::string_view domain, std::string& out)
{
    const std::size_t begin = out.size();
    out.append(domain);
    for (auto it = out.begin() + static_cast<std::ptrdiff_t>(begin); it != out.end(); ++it) {
        const char serialized = plain_domain_byte[static_cast<unsigned char>(*it)];
        if (serialized == '\0') {
            out.resize(begin);
            return false;
        }
        *it = serialized;
    }
    return true;
}

// Any domain: ASCII lowercased, or through IDNA; then checked for forbidden code points.
problem append_domain(std::string_view domain, std::string& out, int& idna_code)
{
    const std::size_t begin = out.size();
    if (is_ascii(domain)) {
        // The standard's domain-to-ASCII leaves an ASCII domain as it is, lowercased, whatever
        // UTS #46 would say of it ("xn--" labels that are not Punycode included).
        out.append(domain);
        for (auto it = out.begin() + static_cast<std::ptrdiff_t>(begin); it != out.end(); ++it) {
            *it = text::to_lower_ascii(*it);
        }
    } else {
        // Forbidden code points are looked for after IDNA, which may remove them ("<" and a
        // combining U+0338 normalize to U+226E) or make them ("％" U+FF05 maps to "%"); a NUL
        // never becomes anything else, and libidn2 reads NUL-terminated strings.
        if (domain.find('\0') != std::string_view::npos) {
            return problem::forbidden_host_code_point;
        }
        idna_code = domain_to_ascii(domain, out);
        if (idna_code != 0) {
            return problem::idna;
        }
    }
    if (has_forbidden_code_point(std::string_view(out).substr(begin))) {
        return problem::forbidden_host_code_point;
    }
    if (out.size() == begin) {
        return problem::empty_domain;
    }
    return problem::none;
}

problem parse_domain(std::string_view domain, std::string& out, int& idna_code)
{
    const std::size_t begin = out.size();
    if (domain.empty() || !append_plain_domain(domain, out)) {
        if (const problem p = append_domain(domain, out, idna_code); p != problem::none) {
            return p;
        }
    }
    std::uint32_t address = 0;
    switch (parse_ipv4(std::string_view(out).substr(begin), address)) {
    case ipv4_verdict::not_ipv4:
        return problem::none;
    case ipv4_verdict::invalid:
        return problem::bad_ipv4;
    case ipv4_verdict::address:
        out.resize(begin);
        append_ipv4(address, out);
        return problem::none;
    }
    return problem::bad_ipv4;
}

} // namespace

problem parse_host(std::string_view input, std::string& out, int& idna_code)
{
    if (input.starts_with('[')) {
        if (input.size() < 2 || !input.ends_with(']')) {
            return problem::bad_ipv6;
        }
        out += '[';
        if (!parse_ipv6_host(input.substr(1, input.size() - 2), out)) {
            return problem::bad_ipv6;
        }
        out += ']';
        return problem::none;
    }
    if (input.find('%') == std::string_view::npos) {
        return parse_domain(input, out, idna_code);
    }
    // One process runs one thread (docs/design.md, "Process model"): the buffer is reused.
    thread_local std::string decoded;
    percent_decode(input, decoded);
    return parse_domain(decoded, out, idna_code);
}

} // namespace crawl::url::detail
