// Fuzz target: decoding a shared frontier's stream entry (supervisor::decode_shared_entry) from
// arbitrary field-value pairs, as a Redis server holding another program's (or another
// version's) entries would deliver them.
// Input: the pairs, separated by NUL bytes (field, value, field, value...).
// Checks: an entry that decodes has a normalized http(s) URL whose host_key and fingerprint
// match it; encoding it and decoding the result gives the same entry back.

#include "supervisor/shared_entry.hpp"

#include "crawl/url/url.hpp"

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {

using namespace crawl;

void fail(const char* what)
{
    std::fprintf(stderr, "invariant broken: %s\n", what);
    std::abort();
}

bool same(const supervisor::frontier_entry& a, const supervisor::frontier_entry& b)
{
    return a.url == b.url && a.fingerprint == b.fingerprint && a.host_key == b.host_key && a.depth == b.depth &&
           a.redirect_hops == b.redirect_hops && a.found_on == b.found_on && a.scope_prefix == b.scope_prefix &&
           a.outward_only == b.outward_only && a.seed_chain == b.seed_chain;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    std::string_view rest(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> pairs;
    while (!rest.empty() && pairs.size() < 64) {
        const auto end = rest.find('\0');
        pairs.push_back(rest.substr(0, end));
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    const auto e = supervisor::decode_shared_entry(pairs);
    if (!e) {
        return 0;
    }
    const auto target = url::parse_input(e->url);
    if (!target || target->href != e->url) {
        fail("the URL is not normalized");
    }
    if (target->host_port() != e->host_key || fingerprint64(e->url) != e->fingerprint) {
        fail("host_key or fingerprint does not match the URL");
    }
    const auto encoded = supervisor::encode_shared_entry(*e);
    const std::vector<std::string_view> again(encoded.begin(), encoded.end());
    const auto round_trip = supervisor::decode_shared_entry(again);
    if (!round_trip || !same(*round_trip, *e)) {
        fail("encode then decode changed the entry");
    }
    return 0;
}
