// Fuzz target: the recursive crawl's scope (frontier::registrable_domain, frontier::scope) on
// URLs and patterns as hostile pages and careless users would write them.
// Input: one byte (bits 0-1: the mode, host/domain/any, 3 read as any; bit 2: --no-parent),
// then lines: the seed URL, the link URL, then patterns, each an --accept-regex when it starts
// with '+' and a --reject-regex otherwise (its first byte dropped), at most 4.
// Checks: a registrable domain is the host or a label-aligned suffix of it (trailing dots
// dropped) and is its own registrable domain; a pattern that does not compile is an error naming
// it; otherwise the verdict is the same twice, a seed is in its own scope, a verdict past the
// host rule means the same host (host mode) or registrable domain (domain mode), and the link's
// own URL, quoted as a pattern, is found by --reject-regex and by --accept-regex.

#include "crawl/frontier/registrable_domain.hpp"
#include "crawl/frontier/scope.hpp"
#include "crawl/url/url.hpp"
#include "fuzz_input.hpp"

#include <re2/re2.h>

#include <string>
#include <vector>

namespace {

using namespace crawl;
using frontier::verdict;

void check_registrable(std::string_view host)
{
    const auto part = frontier::registrable_part(host);
    const auto bare = host.substr(0, host.find_last_not_of('.') + 1);
    const bool suffix = part == bare || (bare.ends_with(part) && bare.size() > part.size() &&
                                         bare[bare.size() - part.size() - 1] == '.');
    fuzz::check(suffix, "a registrable domain is not a label-aligned suffix of its host");
    fuzz::check(frontier::registrable_part(part) == part, "a registrable domain is not its own");
}

std::string_view next_line(std::string_view& rest)
{
    const auto end = rest.find('\n');
    const auto line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    return line;
}

// The link's own URL as an exact pattern must be found anywhere a rule looks for it.
void check_quoted_link(const url::target& link)
{
    const auto quoted = re2::RE2::QuoteMeta(link.href);
    const auto rejecting = frontier::scope::make({.mode = frontier::scope_mode::any, .accept = {}, .reject = {quoted}, .no_parent = false});
    const auto accepting = frontier::scope::make({.mode = frontier::scope_mode::any, .accept = {quoted}, .reject = {}, .no_parent = false});
    if (!rejecting || !accepting) {
        return; // a URL too long for RE2's 8 MiB budget as a literal
    }
    fuzz::check(rejecting->judge(link, link, {}) == verdict::rejected, "the link's quoted URL does not reject it");
    fuzz::check(accepting->judge(link, link, {}) == verdict::follow, "the link's quoted URL does not accept it");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const auto flags = in.byte();
    frontier::scope_rules rules;
    rules.mode = static_cast<frontier::scope_mode>(std::min(flags & 3, 2));
    rules.no_parent = (flags & 4) != 0;
    auto rest = in.rest();
    const auto seed = url::parse_input(next_line(rest));
    const auto link = url::parse_input(next_line(rest));
    for (int i = 0; i < 4 && !rest.empty(); ++i) {
        const auto line = next_line(rest);
        const auto source = std::string(line.substr(line.empty() ? 0 : 1));
        (line.starts_with('+') ? rules.accept : rules.reject).push_back(source);
    }
    if (seed) {
        check_registrable(seed->host);
    }
    if (link) {
        check_registrable(link->host);
        check_quoted_link(*link);
    }
    const auto made = frontier::scope::make(rules);
    if (!made) {
        const auto& message = made.error().message;
        fuzz::check(message.starts_with("--accept-regex '") || message.starts_with("--reject-regex '"),
                    "a pattern error does not name its option");
        return 0;
    }
    if (!seed || !link) {
        return 0;
    }
    const auto& scope = *made;
    const auto from = scope.origin_of_seed(*seed);
    const auto v = scope.judge(*link, *seed, from);
    fuzz::check(scope.judge(*link, *seed, from) == v, "the same link judged twice differently");
    const auto own = scope.judge(*seed, *seed, from);
    fuzz::check(own != verdict::off_host && own != verdict::off_domain && own != verdict::above_parent,
                "a seed is outside its own scope");
    if (v != verdict::off_host && rules.mode == frontier::scope_mode::host) {
        fuzz::check(link->host == seed->host, "host scope admitted another host");
    }
    if (v != verdict::off_domain && rules.mode == frontier::scope_mode::domain) {
        fuzz::check(frontier::registrable_part(link->host) == frontier::registrable_part(seed->host),
                    "domain scope admitted another registrable domain");
    }
    return 0;
}
