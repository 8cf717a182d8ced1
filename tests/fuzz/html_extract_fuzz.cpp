// Fuzz target: the streaming HTML extractor (extract::html_extractor) on arbitrary bytes,
// fed in arbitrary pieces, under each kind of Content-Type charset.
// Input: u8 header charset (index into `labels`, mod its size), u8 flags (bit 0: keep
// links, bit 1: keep the follow list), u16 split seed, then the body.
// Checks: the result is identical however the body is split (the requirement);
// every extracted string is valid UTF-8 within its documented size; every link, followed URL
// and the canonical URL are serialized http(s) URLs (each resolves to itself), the followed
// ones distinct; links_count matches the kept list; a nofollow page has nothing to follow;
// collecting the follow list or not changes no other field.

#include "crawl/extract/html_extractor.hpp"
#include "crawl/url/url.hpp"
#include "crawl/util/text.hpp"
#include "fuzz_input.hpp"

#include <array>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace crawl;

// Labels as servers send them: empty, canonical, aliases, legacy multi-byte, UTF-16, unknown.
constexpr std::array<std::string_view, 12> labels = {
    "", "utf-8", "UTF8", "iso-8859-1", "windows-1252", "EUC-KR", "shift_jis", "gb2312",
    "big5", "utf-16le", "iso-2022-jp", "x-no-such-charset",
};

extract::page_info extract_pieces(std::string_view charset, extract::extract_options opts,
                                  const std::vector<std::string_view>& pieces)
{
    extract::html_extractor ex("http://example.com/dir/page.html?x=1", charset, opts);
    for (const auto piece : pieces) {
        ex.feed(piece);
    }
    ex.finish();
    return ex.result();
}

void check_text(const std::string& s, const char* what)
{
    fuzz::check(text::is_valid_utf8(s), what);
    fuzz::check(s.size() <= extract::max_text_bytes, what);
}

// A URL in its serialized form resolves to itself, whatever the base (a link may name port 0,
// as browsers allow, which parse_input would refuse as an input line).
void check_url(const std::string& s, const char* what)
{
    if (s.empty()) {
        return;
    }
    fuzz::check(s.size() <= extract::max_url_bytes, what);
    static const url::target other_base = url::parse_input("https://other.example/x/y").value();
    fuzz::check(url::resolve_link(other_base, s) == s, what);
}

// Every field but the follow list.
bool same_page(const extract::page_info& a, const extract::page_info& b)
{
    return a.title == b.title && a.description == b.description && a.canonical == b.canonical &&
           a.lang == b.lang && a.base == b.base && a.charset == b.charset && a.links_count == b.links_count &&
           a.links == b.links && a.nofollow == b.nofollow;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    fuzz::input in(data, size);
    const auto charset = labels[in.byte() % labels.size()];
    const auto flags = in.byte();
    const extract::extract_options opts{.keep_links = (flags & 1) != 0, .keep_follow = (flags & 2) != 0};
    const auto seed = in.u16();
    const auto body = in.rest();

    const std::vector<std::string_view> whole{body};
    const auto at_once = extract_pieces(charset, opts, whole);
    const auto in_pieces = extract_pieces(charset, opts, fuzz::split(body, seed));
    fuzz::check(same_page(at_once, in_pieces) && at_once.follow == in_pieces.follow,
                "extraction depends on how the body was split");
    extract::extract_options other = opts;
    other.keep_follow = !opts.keep_follow;
    fuzz::check(same_page(at_once, extract_pieces(charset, other, whole)),
                "collecting the follow list changes another field");

    check_text(at_once.title, "title not valid UTF-8 or too long");
    check_text(at_once.description, "description not valid UTF-8 or too long");
    check_text(at_once.lang, "lang not valid UTF-8 or too long");
    check_url(at_once.canonical, "canonical not a serialized URL");
    check_url(at_once.base, "base not a serialized URL");
    for (const auto& link : at_once.links) {
        check_url(link, "link not a serialized URL");
    }
    fuzz::check(opts.keep_links ? at_once.links.size() == at_once.links_count : at_once.links.empty(),
                "links_count and the kept links disagree");
    for (const auto& link : at_once.follow) {
        check_url(link, "followed URL not a serialized URL");
    }
    fuzz::check(std::set<std::string>(at_once.follow.begin(), at_once.follow.end()).size() == at_once.follow.size(),
                "a URL followed twice");
    fuzz::check((opts.keep_follow && !at_once.nofollow) || at_once.follow.empty(),
                "a follow list not asked for, or on a nofollow page");
    return 0;
}
