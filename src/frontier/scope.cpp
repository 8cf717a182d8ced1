#include "crawl/frontier/scope.hpp"

#include "crawl/frontier/registrable_domain.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <utility>

namespace crawl::frontier {

namespace {

constexpr std::array<std::string_view, 3> mode_names{"host", "domain", "any"};
constexpr std::array<std::string_view, 6> verdict_names{"follow",       "off_host", "off_domain",
                                                        "above_parent", "rejected", "not_accepted"};

// RE2's budget for one pattern's compiled program and DFA cache (its own default, written out
// so the bound is ours): a pattern over it fails to compile instead of growing, and a DFA that
// fills its cache falls back to the NFA, still linear in the URL.
constexpr std::int64_t pattern_memory = std::int64_t{8} << 20;

using compiled_list = std::vector<std::unique_ptr<re2::RE2>>;

result<compiled_list> compile(const std::vector<std::string>& sources, std::string_view option)
{
    re2::RE2::Options options;
    options.set_log_errors(false); // a bad pattern is our error value, never a line on stderr
    options.set_max_mem(pattern_memory);
    compiled_list out;
    out.reserve(sources.size());
    for (const auto& source : sources) {
        auto pattern = std::make_unique<re2::RE2>(source, options);
        if (!pattern->ok()) {
            return rule_error{std::string(option) + " '" + source + "': " + pattern->error()};
        }
        out.push_back(std::move(pattern));
    }
    return out;
}

bool any_matches(const compiled_list& patterns, std::string_view text)
{
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const auto& pattern) { return re2::RE2::PartialMatch(text, *pattern); });
}

// The path of a request target (path and query): the query begins at the first '?', which a
// serialized path never holds unescaped.
std::string_view path_of(std::string_view request_target)
{
    return request_target.substr(0, request_target.find('?'));
}

// `prefix` is "host/directory/" (origin_of_seed). Only links on that host are held to the
// directory.
bool under_prefix(const url::target& link, std::string_view prefix)
{
    const auto slash = prefix.find('/');
    if (prefix.substr(0, slash) != link.host) {
        return true;
    }
    return path_of(link.request_target).starts_with(prefix.substr(slash));
}

// The last two labels of a host, trailing dots dropped as registrable_part drops them
// ("a.b.example.com." → "example.com").
std::string_view last_two_labels(std::string_view host)
{
    host = host.substr(0, host.find_last_not_of('.') + 1);
    const auto last_dot = host.rfind('.');
    if (last_dot == std::string_view::npos || last_dot == 0) {
        return host;
    }
    const auto dot = host.rfind('.', last_dot - 1);
    return dot == std::string_view::npos ? host : host.substr(dot + 1);
}

// Two different hosts share a registrable domain only if they end in the same two labels: a
// registrable domain has at least two labels, except a host that is its own (a single label, an
// address), which no other host shares. Most links to another host fail this string test and
// never reach the Public Suffix List.
bool same_registrable_domain(std::string_view a, std::string_view b)
{
    return a == b || (last_two_labels(a) == last_two_labels(b) && registrable_part(a) == registrable_part(b));
}

} // namespace

std::string_view to_string(scope_mode mode) noexcept { return mode_names[static_cast<std::size_t>(mode)]; }

std::optional<scope_mode> scope_mode_from_string(std::string_view word) noexcept
{
    const auto* found = std::find(mode_names.begin(), mode_names.end(), word);
    if (found == mode_names.end()) {
        return std::nullopt;
    }
    return static_cast<scope_mode>(found - mode_names.begin());
}

std::string_view to_string(verdict v) noexcept { return verdict_names[static_cast<std::size_t>(v)]; }

void throw_exception_from_error(const rule_error& e, const boost::source_location&)
{
    throw std::invalid_argument(e.message);
}

struct scope::patterns {
    compiled_list accept;
    compiled_list reject;
};

result<scope> scope::make(const scope_rules& rules)
{
    auto accept = compile(rules.accept, "--accept-regex");
    if (!accept) {
        return accept.error();
    }
    auto reject = compile(rules.reject, "--reject-regex");
    if (!reject) {
        return reject.error();
    }
    auto compiled = std::make_unique<patterns>(patterns{std::move(*accept), std::move(*reject)});
    return scope(rules.mode, rules.no_parent, std::move(compiled));
}

scope::scope(scope_mode mode, bool no_parent, std::unique_ptr<patterns> compiled)
    : mode_(mode), no_parent_(no_parent), patterns_(std::move(compiled))
{
}

scope::scope(scope&&) noexcept = default;
scope& scope::operator=(scope&&) noexcept = default;
scope::~scope() = default;

scope::origin scope::origin_of_seed(const url::target& seed) const
{
    if (!no_parent_) {
        return {};
    }
    const auto path = path_of(seed.request_target);
    // A serialized http(s) path starts with '/', so the directory is never empty.
    return {seed.host + std::string(path.substr(0, path.rfind('/') + 1))};
}

verdict scope::judge(const url::target& link, const url::target& page, const origin& from) const
{
    if (mode_ == scope_mode::host && link.host != page.host) {
        return verdict::off_host;
    }
    if (mode_ == scope_mode::domain && !same_registrable_domain(link.host, page.host)) {
        return verdict::off_domain;
    }
    if (!from.no_parent_prefix.empty() && !under_prefix(link, from.no_parent_prefix)) {
        return verdict::above_parent;
    }
    if (any_matches(patterns_->reject, link.href)) {
        return verdict::rejected;
    }
    if (!patterns_->accept.empty() && !any_matches(patterns_->accept, link.href)) {
        return verdict::not_accepted;
    }
    return verdict::follow;
}

} // namespace crawl::frontier
