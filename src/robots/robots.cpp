#include "crawl/robots/robots.hpp"

#include "crawl/url/url.hpp"
#include "crawl/util/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <unordered_set>

namespace crawl::robots {
namespace {

bool is_unreserved(unsigned char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~';
}

bool is_token_char(char c) noexcept
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

/// The lines of a group: the agents it names and its rule lines in order.
struct group {
    std::vector<std::string> agents; ///< lowercase product tokens, or "*"
    std::vector<rule> lines;         ///< raw patterns, as written
    std::optional<double> crawl_delay;
};

std::optional<double> parse_delay(std::string_view value) noexcept
{
    double seconds = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || ptr == value.data() || !std::isfinite(seconds) || seconds < 0) {
        return std::nullopt;
    }
    return seconds;
}

/// The agent a User-agent line names, as compared with our token: "*" or its product token,
/// lowercase ("Googlebot/2.1" names "googlebot").
std::string line_agent(std::string_view value)
{
    if (!value.empty() && value.front() == '*') {
        return "*";
    }
    std::size_t n = 0;
    while (n < value.size() && is_token_char(value[n])) {
        ++n;
    }
    return text::to_lower_ascii(value.substr(0, n));
}

/// What parse() reads from the file before selecting groups.
struct file_lines {
    std::vector<group> groups;
    std::vector<std::string> sitemaps;            ///< normalized, each once, in file order
    std::unordered_set<std::string> sitemap_seen; ///< the same (a 500 KiB file holds ~15,000)
};

/// A Sitemap line's value, when it is an absolute http(s) URL crawl keeps: RFC 9309 2.3.5
/// asks for a fully qualified URL, so a relative one is not resolved (Google ignores it too).
void add_sitemap(std::string_view value, file_lines& file)
{
    auto parsed = url::parse_input(value);
    if (parsed && parsed->href.size() <= url::max_url_bytes && file.sitemap_seen.insert(parsed->href).second) {
        file.sitemaps.push_back(std::move(parsed->href));
    }
}

file_lines read_lines(std::string_view body)
{
    if (body.size() > max_bytes) {
        body = body.substr(0, max_bytes);
        // A line cut in half could read as a shorter, different rule: drop it.
        const auto last_break = body.find_last_of("\r\n");
        body = last_break == std::string_view::npos ? std::string_view() : body.substr(0, last_break);
    }
    if (body.starts_with("\xEF\xBB\xBF")) {
        body.remove_prefix(3);
    }
    file_lines file;
    std::vector<group>& groups = file.groups;
    bool in_rules = true; // a User-agent line after rules (or first of all) starts a new group
    while (!body.empty()) {
        const auto end = body.find_first_of("\r\n");
        std::string_view line = body.substr(0, end);
        body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
        line = line.substr(0, line.find('#'));
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        const std::string key = text::to_lower_ascii(text::trim(line.substr(0, colon)));
        const std::string_view value = text::trim(line.substr(colon + 1));
        if (key == "user-agent") {
            if (in_rules) {
                groups.emplace_back();
                in_rules = false;
            }
            groups.back().agents.push_back(line_agent(value));
        } else if (key == "allow" || key == "disallow" || key == "crawl-delay") {
            if (groups.empty()) {
                continue; // rules before any User-agent line belong to no group
            }
            in_rules = true;
            if (key == "crawl-delay") {
                if (auto d = parse_delay(value)) {
                    groups.back().crawl_delay = d;
                }
            } else {
                groups.back().lines.push_back(rule{key == "allow", std::string(value)});
            }
        } else if (key == "sitemap") {
            add_sitemap(value, file);
        }
        // Sitemap and unknown lines neither belong to a group nor end one.
    }
    return file;
}

} // namespace

std::string canonical_path(std::string_view path)
{
    std::string out;
    out.reserve(path.size());
    for (std::size_t i = 0; i < path.size(); ++i) {
        const auto c = static_cast<unsigned char>(path[i]);
        if (c == '%') {
            const int hi = i + 2 < path.size() ? text::hex_digit_value(path[i + 1]) : -1;
            const int lo = hi >= 0 ? text::hex_digit_value(path[i + 2]) : -1;
            if (lo >= 0) {
                const auto decoded = static_cast<unsigned char>(hi * 16 + lo);
                if (is_unreserved(decoded)) {
                    out += static_cast<char>(decoded);
                } else {
                    text::append_percent_encoded(decoded, out);
                }
                i += 2;
            } else {
                text::append_percent_encoded(c, out); // a bare '%' is the octet '%' itself
            }
        } else if (c <= 0x20 || c >= 0x7F) {
            text::append_percent_encoded(c, out);
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

bool matches(std::string_view pattern, std::string_view path) noexcept
{
    const bool anchored = pattern.ends_with('$');
    if (anchored) {
        pattern.remove_suffix(1);
    }
    // Split at '*': the first piece must be a prefix; each later piece is found leftmost after
    // the previous one (leftmost is always safe: it leaves the most room for the rest); with
    // '$' the last piece must also end the path.
    std::size_t star = pattern.find('*');
    const std::string_view first = pattern.substr(0, star);
    if (!path.starts_with(first)) {
        return false;
    }
    if (star == std::string_view::npos) {
        return !anchored || path.size() == first.size();
    }
    std::size_t pos = first.size();
    pattern.remove_prefix(star + 1);
    for (;;) {
        star = pattern.find('*');
        const std::string_view piece = pattern.substr(0, star);
        if (star == std::string_view::npos) {
            if (anchored) {
                return path.size() - pos >= piece.size() && path.ends_with(piece);
            }
            return path.find(piece, pos) != std::string_view::npos;
        }
        const auto found = path.find(piece, pos);
        if (found == std::string_view::npos) {
            return false;
        }
        pos = found + piece.size();
        pattern.remove_prefix(star + 1);
    }
}

rules::rules(std::vector<rule> list, std::optional<double> crawl_delay, std::vector<std::string> sitemaps)
    : crawl_delay_(crawl_delay), sitemaps_(std::move(sitemaps))
{
    std::erase_if(list, [](const rule& r) { return r.pattern.empty(); });
    // The order list() promises (and check() breaks equal ties in): longest first, Allow first.
    const auto before = [](const rule& a, const rule& b) {
        if (a.pattern.size() != b.pattern.size()) {
            return a.pattern.size() > b.pattern.size();
        }
        return a.allow && !b.allow;
    };
    if (!std::is_sorted(list.begin(), list.end(), before)) {
        std::stable_sort(list.begin(), list.end(), before);
    }
    rules_ = std::move(list);
    by_prefix_.reserve(rules_.size());
    for (std::uint32_t i = 0; i < rules_.size(); ++i) {
        std::string_view literal = rules_[i].pattern;
        literal = literal.substr(0, literal.find('*'));
        if (literal.size() == rules_[i].pattern.size() && literal.ends_with('$')) {
            literal.remove_suffix(1); // the anchor, not an octet
        }
        by_prefix_.push_back({i, static_cast<std::uint32_t>(literal.size())});
    }
    const auto prefix = [this](const prefix_entry& e) {
        return std::string_view(rules_[e.rule].pattern).substr(0, e.prefix_size);
    };
    // string_view compares octets as unsigned char, as the walk in check() does. Rules that
    // share a prefix stay in list order, so check() reads them front to back.
    std::sort(by_prefix_.begin(), by_prefix_.end(), [&prefix](const prefix_entry& a, const prefix_entry& b) {
        const int order = prefix(a).compare(prefix(b));
        return order < 0 || (order == 0 && a.rule < b.rule);
    });
}

rules::verdict rules::check(std::string_view path_and_query) const
{
    if (rules_.empty()) {
        return {};
    }
    const std::string path = canonical_path(path_and_query);
    if (path == "/robots.txt") {
        return {};
    }
    const rule* best = nullptr;
    const auto consider = [&best, &path](const rule& r) {
        const bool better = best == nullptr || r.pattern.size() > best->pattern.size() ||
                            (r.pattern.size() == best->pattern.size() && r.allow && !best->allow);
        if (better && matches(r.pattern, path)) {
            best = &r;
        }
    };
    // Walk the sorted prefixes like a trie: [lo, hi) holds the entries whose prefix begins
    // with the path's first `depth` octets; those whose prefix is exactly that sort first.
    auto lo = by_prefix_.begin();
    auto hi = by_prefix_.end();
    for (std::size_t depth = 0;; ++depth) {
        for (; lo != hi && lo->prefix_size == depth; ++lo) {
            consider(rules_[lo->rule]);
        }
        if (lo == hi || depth == path.size()) {
            break;
        }
        const auto octet = [this, depth](const prefix_entry& e) {
            return static_cast<unsigned char>(rules_[e.rule].pattern[depth]);
        };
        const auto c = static_cast<unsigned char>(path[depth]);
        lo = std::partition_point(lo, hi, [&](const prefix_entry& e) { return octet(e) < c; });
        hi = std::partition_point(lo, hi, [&](const prefix_entry& e) { return octet(e) == c; });
    }
    if (best == nullptr) {
        return {};
    }
    return {best->allow, best};
}

std::size_t rules::memory_bytes() const noexcept
{
    // Short strings live inside the string object (the small-string buffer).
    const auto heap_bytes = [](const std::string& s) {
        return s.capacity() > std::string().capacity() ? s.capacity() + 1 : 0;
    };
    std::size_t bytes = rules_.capacity() * sizeof(rule) + by_prefix_.capacity() * sizeof(prefix_entry) +
                        sitemaps_.capacity() * sizeof(std::string);
    for (const rule& r : rules_) {
        bytes += heap_bytes(r.pattern);
    }
    for (const std::string& sitemap : sitemaps_) {
        bytes += heap_bytes(sitemap);
    }
    return bytes;
}

rules parse(std::string_view body, std::string_view agent)
{
    const std::string token = text::to_lower_ascii(product_token(agent));
    file_lines file = read_lines(body);
    std::vector<group>& groups = file.groups;
    const auto names = [&groups](std::size_t g, std::string_view who) {
        return std::find(groups[g].agents.begin(), groups[g].agents.end(), who) != groups[g].agents.end();
    };
    std::vector<std::size_t> selected;
    for (std::size_t g = 0; g < groups.size(); ++g) {
        if (names(g, token)) {
            selected.push_back(g);
        }
    }
    if (selected.empty()) {
        for (std::size_t g = 0; g < groups.size(); ++g) {
            if (names(g, "*")) {
                selected.push_back(g);
            }
        }
    }
    std::vector<rule> selected_rules;
    std::optional<double> delay;
    for (const std::size_t g : selected) {
        for (const rule& r : groups[g].lines) {
            selected_rules.push_back({r.allow, canonical_path(r.pattern)});
        }
        if (groups[g].crawl_delay && (!delay || *groups[g].crawl_delay > *delay)) {
            delay = groups[g].crawl_delay;
        }
    }
    return rules(std::move(selected_rules), delay, std::move(file.sitemaps));
}

std::string product_token(std::string_view user_agent)
{
    user_agent = text::trim(user_agent);
    std::size_t n = 0;
    while (n < user_agent.size() && is_token_char(user_agent[n])) {
        ++n;
    }
    return std::string(n == 0 ? user_agent : user_agent.substr(0, n));
}

} // namespace crawl::robots
