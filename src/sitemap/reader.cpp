#include "crawl/sitemap/reader.hpp"

#include "xml_scanner.hpp"

#include "crawl/url/url.hpp"
#include "crawl/util/text.hpp"

#include <optional>
#include <string>
#include <utility>

namespace crawl::sitemap {
namespace {

// An entry's raw text this long cannot resolve to a URL of at most url::max_url_bytes (the
// extractor's rule for hrefs): it is counted invalid without being held.
constexpr std::size_t max_raw_entry_bytes = 8 * url::max_url_bytes;

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

/// A <loc> value without its leading and trailing C0 controls and spaces: XML's white space,
/// and what the URL parser strips too. An entry of nothing else would resolve to the
/// sitemap's own URL (an empty link is its base), so it has to be seen as empty here.
std::string_view trim_controls_and_space(std::string_view s) noexcept
{
    const auto strip = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
    while (!s.empty() && strip(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && strip(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace

std::string_view name(kind k) noexcept
{
    switch (k) {
    case kind::urlset:
        return "urlset";
    case kind::index:
        return "index";
    case kind::text:
        return "text";
    case kind::not_a_sitemap:
        return "not_a_sitemap";
    case kind::unknown:
        break;
    }
    return "unknown";
}

struct reader::impl final : detail::xml_events {
    enum class mode { start, xml, text, done };

    impl(const url::target& sitemap_url, url_sink sink, limits l)
        : base(sitemap_url), out(std::move(sink)), limit(l), scanner(*this)
    {
    }

    const url::target base;
    const url_sink out;
    const limits limit;
    detail::xml_scanner scanner;
    summary result;
    mode state = mode::start;
    std::uint64_t bytes = 0;   ///< fed so far (at most limit.max_bytes)
    std::uint64_t entries = 0; ///< begun so far, admitted or not
    std::string head;          ///< the first bytes, until a BOM can be told apart

    // XML: where the scanner is, as far as entries go.
    std::uint64_t depth = 0;     ///< elements open
    bool in_entry = false;       ///< inside a <url> or <sitemap> child of the root
    bool entry_has_loc = false;  ///< that entry's <loc> has begun
    bool in_loc = false;         ///< inside the <loc> being read
    // The entry being read: its text so far (references replaced), the raw run of text not
    // yet decoded, and whether it is already known to be invalid.
    std::string value;
    std::string raw_run;
    bool value_failed = false;

    void feed(std::string_view chunk)
    {
        if (state == mode::done) {
            return;
        }
        const bool over = chunk.size() > limit.max_bytes - bytes;
        if (over) {
            chunk = chunk.substr(0, static_cast<std::size_t>(limit.max_bytes - bytes));
        }
        bytes += chunk.size();
        if (state == mode::start && head.size() + chunk.size() < utf8_bom.size() && !over) {
            head.append(chunk);
            return;
        }
        if (state == mode::start && !head.empty()) {
            head.append(chunk);
            read(head);
            head.clear();
        } else {
            read(chunk);
        }
        if (over && state != mode::done) { // reading had not stopped before the cap
            result.too_large = true;
            state = mode::done;
        }
    }

    summary finish()
    {
        if (state == mode::start && !head.empty()) {
            read(std::exchange(head, {}));
        }
        if (state == mode::text && !result.too_large) {
            end_line();
        }
        if (result.kind == kind::unknown) {
            result.kind = kind::not_a_sitemap;
        }
        state = mode::done;
        result.bytes = bytes;
        return result;
    }

    /// Bytes after the first few: the BOM goes, the first byte that is not white space
    /// decides between XML and text.
    void read(std::string_view data)
    {
        if (state == mode::start && bytes == data.size() && data.starts_with(utf8_bom)) {
            data.remove_prefix(utf8_bom.size());
        }
        if (state == mode::start) {
            const std::size_t first = data.find_first_not_of(" \t\r\n");
            if (first == std::string_view::npos) {
                return;
            }
            data.remove_prefix(first);
            state = data.front() == '<' ? mode::xml : mode::text;
        }
        if (state == mode::xml) {
            scanner.feed(data);
        } else if (state == mode::text) {
            read_lines(data);
        }
    }

    // ---- entries, XML and text alike

    /// An entry begins: false (and counted) when it is past the limit.
    bool admit()
    {
        if (++entries > limit.max_urls) {
            ++result.ignored;
            return false;
        }
        return true;
    }

    void emit(const std::optional<std::string>& resolved)
    {
        if (resolved && resolved->size() <= url::max_url_bytes) {
            ++result.urls;
            out(*resolved);
        } else {
            ++result.invalid;
        }
    }

    // ---- XML

    void start_element(std::string_view local_name, bool empty) override
    {
        if (state == mode::done) {
            return; // after the root element, or under one that is no sitemap's
        }
        if (depth == 0) {
            start_root(local_name);
        } else if (depth == 1) {
            in_entry = local_name == (result.kind == kind::index ? "sitemap" : "url");
            entry_has_loc = false;
        } else if (depth == 2 && in_entry && local_name == "loc") {
            start_loc();
        } else if (in_loc) {
            flush_raw_run(); // text on either side of a child element is still the <loc>'s
        }
        ++depth;
        if (empty) {
            end_element();
        }
    }

    void start_root(std::string_view local_name)
    {
        if (local_name == "urlset") {
            result.kind = kind::urlset;
        } else if (local_name == "sitemapindex") {
            result.kind = kind::index;
        } else {
            result.kind = kind::not_a_sitemap;
            state = mode::done;
        }
    }

    void start_loc()
    {
        if (entry_has_loc) {
            ++result.ignored; // the protocol allows one; the first one counts
            return;
        }
        entry_has_loc = true;
        if (admit()) {
            in_loc = true;
            value.clear();
            raw_run.clear();
            value_failed = false;
        }
    }

    void end_element() override
    {
        if (state == mode::done || depth == 0) {
            return; // after the root element, or an end tag before any start tag
        }
        --depth;
        if (depth == 2 && in_loc) {
            in_loc = false;
            flush_raw_run();
            const std::string_view loc = trim_controls_and_space(value);
            if (value_failed || loc.empty()) {
                ++result.invalid;
            } else {
                auto resolved = url::resolve_fetchable(base, loc);
                emit(resolved ? std::optional<std::string>(std::move(resolved->href)) : std::nullopt);
            }
        } else if (depth == 1) {
            in_entry = false;
        } else if (depth == 0) {
            state = mode::done; // the root ended: nothing after it is read
        }
    }

    void text(std::string_view raw) override
    {
        if (in_loc && !value_failed) {
            raw_run.append(raw);
            check_entry_size();
        }
    }

    void cdata(std::string_view content) override
    {
        if (in_loc && !value_failed) {
            flush_raw_run();
            value.append(content);
            check_entry_size();
        }
    }

    void flush_raw_run()
    {
        if (!raw_run.empty() && !value_failed) {
            value_failed = !detail::append_decoded(raw_run, value);
        }
        raw_run.clear();
    }

    void check_entry_size()
    {
        if (value.size() + raw_run.size() > max_raw_entry_bytes) {
            value_failed = true;
            value.clear();
            raw_run.clear();
        }
    }

    // ---- text

    void read_lines(std::string_view data)
    {
        while (!data.empty() && state == mode::text) {
            const std::size_t end = data.find('\n');
            if (!value_failed) {
                value.append(data.substr(0, end));
                if (value.size() > max_raw_entry_bytes) {
                    value_failed = true;
                    value.clear();
                }
            }
            if (end == std::string_view::npos) {
                return;
            }
            data.remove_prefix(end + 1);
            end_line();
        }
    }

    void end_line()
    {
        const bool overlong = std::exchange(value_failed, false);
        const std::string line(text::trim(value));
        value.clear();
        if (line.empty() && !overlong) {
            return;
        }
        std::optional<std::string> href;
        if (!overlong) {
            if (auto parsed = url::parse_input(line)) {
                href = std::move(parsed->href);
            }
        }
        if (result.kind == kind::unknown) {
            // The first line decides: a text sitemap starts with a URL.
            if (!href || href->size() > url::max_url_bytes) {
                result.kind = kind::not_a_sitemap;
                state = mode::done;
                return;
            }
            result.kind = kind::text;
        }
        if (admit()) {
            emit(href);
        }
    }
};

reader::reader(const url::target& sitemap_url, url_sink out, limits l)
    : impl_(std::make_unique<impl>(sitemap_url, std::move(out), l))
{
}

reader::~reader() = default;

void reader::feed(std::string_view chunk)
{
    impl_->feed(chunk);
}

bool reader::wants_more() const noexcept
{
    return impl_->state != impl::mode::done;
}

summary reader::finish()
{
    return impl_->finish();
}

} // namespace crawl::sitemap
