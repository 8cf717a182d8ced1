#pragma once
// What a page yields, gathered from its elements whatever parser found them: the HTML
// tokenizer's tree rules in production, libxml2 in the tests' oracle (tests/oracle). The parser
// decides which elements count (the first <title>, an <html> tag's lang, what lies inside
// <template>); this class decides what each one contributes: links resolved against the base
// and deduplicated, what may be followed (rel=nofollow, <meta name=robots>), values collapsed
// and capped.

#include "crawl/extract/html_extractor.hpp"
#include "page_text.hpp"

#include "crawl/url/url.hpp"
#include "crawl/util/seen_fingerprints.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace crawl::extract {

class page_collector {
public:
    /// `page_url`: the final URL, what links resolve against until a <base href>; no link is
    /// collected when it is not an absolute URL. `opts`: keep the links, not just count them;
    /// collect the follow list; whose robots <meta> counts.
    page_collector(std::string_view page_url, const extract_options& opts);

    /// Text of the document's title, in as many pieces as it comes.
    void title_text(std::string_view text) { title_.append(text); }
    /// The lang attribute of the <html> element (the first call counts).
    void html_lang(std::string_view lang);
    /// A <meta>: the first with name=description and a content gives the description; any
    /// with name=robots (or the robots agent) whose content says nofollow or none sets nofollow.
    void meta(std::optional<std::string_view> name, std::optional<std::string_view> content);
    /// A <link>: the first rel=canonical with an href that resolves gives the canonical URL.
    void link(std::optional<std::string_view> rel, std::optional<std::string_view> href);
    /// A <base>: the first with an href sets the base URL of the links that follow.
    void base(std::optional<std::string_view> href);
    /// The href of an <a> or <area>, with its rel: a link, followed unless rel says nofollow.
    void hyperlink(std::string_view href, std::optional<std::string_view> rel);
    /// The src of a <frame> or <iframe>: followed, not a link.
    void frame(std::string_view src);
    /// The content of a <meta http-equiv=refresh>: the URL it names, if any, is followed (a
    /// page that moved says so this way as often as with a redirect), not a link.
    void refresh(std::string_view content);

    /// Completes info() (the title), with `charset` as the charset the page was decoded with.
    void finish(std::string charset);
    [[nodiscard]] const page_info& info() const noexcept { return info_; }

private:
    /// Resolves `href` against the base into resolved_; false when it is no link to keep.
    [[nodiscard]] bool resolve(std::string_view href);
    /// Resolves `href` once for the lists it is to join: links (`link`), follow (`follow`).
    void collect(std::string_view href, bool link, bool follow);
    void stop_following();

    bool keep_links_ = false;
    bool following_ = false;   ///< collecting the follow list: asked for, and no nofollow met yet
    std::string robots_agent_; ///< the <meta name> that speaks to crawl besides "robots"
    std::optional<url::target> page_url_;
    std::optional<url::target> base_url_;
    std::optional<url::link_resolver> resolver_; ///< resolves against the base URL of now
    std::string resolved_;                       ///< the link just resolved (reused buffer)

    page_info info_;
    text_collector title_;
    bool have_lang_ = false;
    bool have_description_ = false;
    bool have_base_ = false;
    // Flat sets of 64-bit hashes: a node-based set cost an allocation per link.
    seen_fingerprints seen_links_;        ///< hashes of the resolved links counted
    seen_fingerprints seen_hrefs_;        ///< hashes of raw hrefs met since the base was set
    seen_fingerprints seen_follow_;       ///< as seen_links_, for the follow list
    seen_fingerprints seen_follow_hrefs_; ///< as seen_hrefs_, for the follow list
};

} // namespace crawl::extract
