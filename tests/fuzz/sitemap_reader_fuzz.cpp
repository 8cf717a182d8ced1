// Fuzz target: sitemap::reader and sitemap::body_reader on arbitrary bodies (XML, text, gzip).
// Input: u16 split seed, u8 limits (bits 0-1: max_urls 50,000, 3, 1 or 0; bits 2-3: max_bytes
// 50 MiB, 4 KiB, 100 or 1 bytes), u8 base URL choice, then the body.
// Checks: the URLs and the summary do not depend on how the body is split, nor on whether it
// arrives gzipped (zlib's own output through body_reader) or plain; each URL is an http(s) URL
// within url::max_url_bytes that parses to itself; the counts add up (urls as handed over, at
// most max_urls; no URLs unless the kind is urlset, index or text; a decided kind); no more
// bytes read than max_bytes, exactly that many when too_large, which only a longer body is.

#include "crawl/sitemap/body_reader.hpp"
#include "crawl/sitemap/reader.hpp"
#include "crawl/url/url.hpp"
#include "fuzz_input.hpp"
#include "support/encoder.hpp"

#include <iterator>
#include <string>
#include <vector>

namespace {

using namespace crawl;

struct outcome {
    sitemap::summary counts;
    std::vector<std::string> urls;
};

template <class Reader>
void feed_pieces(Reader& r, const std::vector<std::string_view>& pieces)
{
    for (const std::string_view piece : pieces) {
        if (!r.wants_more()) {
            break;
        }
        r.feed(piece);
    }
}

outcome read_plain(const url::target& base, const std::vector<std::string_view>& pieces, sitemap::limits l)
{
    outcome o;
    sitemap::reader r(base, [&o](std::string_view u) { o.urls.emplace_back(u); }, l);
    feed_pieces(r, pieces);
    o.counts = r.finish();
    return o;
}

/// `zlib_made`: the body is zlib's gzip of the payload (else the payload as it came).
outcome read_body(const url::target& base, const std::vector<std::string_view>& pieces, sitemap::limits l,
                  bool expect_gzip, bool zlib_made)
{
    outcome o;
    sitemap::body_reader r(base, [&o](std::string_view u) { o.urls.emplace_back(u); }, l);
    feed_pieces(r, pieces);
    const sitemap::body_summary s = r.finish();
    fuzz::check(s.gzip == expect_gzip, "body_reader's gzip sniffing says otherwise than is_gzip");
    fuzz::check(!zlib_made || s.decode_error.cls == error_class::none, "zlib's own output did not inflate");
    fuzz::check(s.inflated <= l.max_bytes + 1, "the gzip layer inflated past the cap");
    o.counts = s.sitemap;
    return o;
}

void check_same(const outcome& a, const outcome& b, const char* what)
{
    fuzz::check(a.urls == b.urls, what);
    fuzz::check(a.counts.kind == b.counts.kind && a.counts.urls == b.counts.urls &&
                    a.counts.ignored == b.counts.ignored && a.counts.invalid == b.counts.invalid &&
                    a.counts.too_large == b.counts.too_large,
                what);
    // Bytes taken in depend on the split once reading stopped early, but not at the cap.
    fuzz::check(!a.counts.too_large || a.counts.bytes == b.counts.bytes, what);
}

void check_outcome(const outcome& o, std::string_view body, sitemap::limits l)
{
    const sitemap::summary& s = o.counts;
    fuzz::check(s.urls == o.urls.size(), "summary.urls is not the number of URLs handed over");
    fuzz::check(s.urls <= l.max_urls, "more URLs than max_urls");
    fuzz::check(s.kind != sitemap::kind::unknown, "finish() left the kind undecided");
    const bool lists = s.kind == sitemap::kind::urlset || s.kind == sitemap::kind::index || s.kind == sitemap::kind::text;
    fuzz::check(lists || (s.urls == 0 && s.ignored == 0 && s.invalid == 0), "entries from what is no sitemap");
    fuzz::check(s.bytes <= l.max_bytes && s.bytes <= body.size(), "read more bytes than the limit or the body");
    fuzz::check(!s.too_large || body.size() > l.max_bytes, "too_large on a body within the limit");
    for (const std::string& u : o.urls) {
        fuzz::check(u.size() <= url::max_url_bytes, "a URL over url::max_url_bytes");
        const auto again = url::parse_input(u);
        fuzz::check(again && again->href == u, "a URL that does not parse to itself");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static constexpr std::size_t url_limits[] = {sitemap::max_urls, 3, 1, 0};
    static constexpr std::uint64_t byte_limits[] = {sitemap::max_bytes, 4096, 100, 1};
    static constexpr const char* bases[] = {"https://www.example.com/sitemaps/sitemap.xml",
                                            "http://[::1]:8080/a/b/c?q#f", "https://xn--fa-hia.example/"};
    fuzz::input in(data, size);
    const auto seed = in.u16();
    const std::uint8_t limit_bits = in.byte();
    const url::target base = url::parse_input(bases[in.byte() % std::size(bases)]).value();
    const std::string_view body = in.rest();
    const sitemap::limits l{url_limits[limit_bits & 3], byte_limits[(limit_bits >> 2) & 3]};

    const outcome whole = read_plain(base, {body}, l);
    check_outcome(whole, body, l);
    check_same(whole, read_plain(base, fuzz::split(body, seed), l), "the result depends on the split");

    // Through body_reader: the same body as it is (unless it starts like gzip), and gzipped.
    const bool looks_gzip = sitemap::is_gzip(body);
    const outcome as_is = read_body(base, fuzz::split(body, seed), l, looks_gzip, false);
    if (!looks_gzip) {
        check_same(whole, as_is, "body_reader changed a plain body's result");
    }
    const std::string gz = test::encode(test::wrapping::gzip, body);
    check_same(whole, read_body(base, fuzz::split(gz, seed), l, true, true), "the gzipped body read otherwise");
    return 0;
}
