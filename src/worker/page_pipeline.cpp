#include "crawl/worker/page_pipeline.hpp"

#include "crawl/extract/charset.hpp"
#include "crawl/extract/refresh.hpp"
#include "crawl/extract/robots_header.hpp"
#include "crawl/url/url.hpp"

namespace crawl::worker {

page_pipeline::page_pipeline(const options& opts, record::record& out, purpose p)
    : opts_(opts), record_(out), purpose_(p)
{
}

failure page_pipeline::on_header(const response::response_info& info)
{
    const auto codings = decode::parse_content_encoding(info.content_encoding);
    if (!codings.refusal.empty()) {
        return {error_class::unsupported_encoding, codings.refusal};
    }
    record_.content_encoding = std::string(info.content_encoding);
    decoder_.emplace(codings.applied, opts_.fetch.max_body, [this](std::string_view decoded) { on_decoded(decoded); });
    const auto media = extract::media_type(info.content_type);
    const auto header_charset = extract::charset_from_content_type(info.content_type);
    if (purpose_ == purpose::sitemap) {
        // Servers label sitemaps every way (text/xml, application/x-gzip, text/plain): the
        // reader decides what the body is.
        if (auto target = url::parse_input(info.final_url)) {
            sitemap_.emplace(*target, [this](std::string_view entry) { add_follow(entry); });
        }
    } else if (extract::is_html_media_type(media)) {
        if (purpose_ == purpose::follow) {
            header_nofollow_ = extract::x_robots_tag_says_nofollow(info.x_robots_tag, opts_.robots_agent);
        }
        // A Refresh field is the header form of <meta http-equiv=refresh>: its URL is
        // followed as the meta's is, before the page's own links.
        if (const auto to = purpose_ == purpose::follow ? extract::refresh_url(info.refresh) : std::nullopt;
            to && !to->empty()) {
            if (const auto base = url::parse_input(info.final_url)) {
                if (const auto target = url::resolve_fetchable(*base, *to)) {
                    header_refresh_ = target->href;
                }
            }
        }
        extractor_.emplace(info.final_url, header_charset,
                           extract::extract_options{.keep_links = opts_.links,
                                                    .keep_follow = purpose_ == purpose::follow,
                                                    .robots_agent = opts_.robots_agent});
    } else {
        record_.charset = extract::canonical_charset(header_charset);
    }
    return {};
}

/// Links resolved against a long <base href> can weigh far more than the body they came from:
/// the list a result frame carries stops at a bound well inside the frame limit.
void page_pipeline::take_follow(const std::vector<std::string>& links)
{
    for (const auto& link : links) {
        add_follow(link);
    }
}

void page_pipeline::add_follow(std::string_view link)
{
    if (follow_bytes_ + link.size() + 4 <= max_follow_bytes) {
        follow_bytes_ += link.size() + 4;
        follow_.emplace_back(link);
    }
}

void page_pipeline::on_decoded(std::string_view bytes)
{
    hash_.update(bytes);
    if (extractor_) {
        extractor_->feed(bytes);
    } else if (sitemap_ && sitemap_->wants_more()) {
        sitemap_->feed(bytes);
    }
}

failure page_pipeline::on_body(std::string_view bytes)
{
    if (decoder_->feed(bytes) != decode::status::ok) {
        return decoder_->error();
    }
    return {};
}

failure page_pipeline::on_end()
{
    if (decoder_->finish() != decode::status::ok) {
        return decoder_->error();
    }
    body_complete_ = true;
    return {};
}

void page_pipeline::complete(fetch::outcome&& outcome)
{
    record_.final_url = std::move(outcome.final_url);
    record_.status = outcome.status;
    record_.redirects = outcome.redirects;
    record_.wire_bytes = outcome.wire_bytes;
    record_.content_type = std::move(outcome.content_type);
    record_.content_encoding = std::move(outcome.content_encoding);
    record_.time_ms = outcome.time_ms;
    record_.error = outcome.error.cls;
    record_.error_message = std::move(outcome.error.message);
    const bool redirected = !outcome.redirect_to.empty();
    if (redirected && purpose_ == purpose::follow) {
        follow_.push_back(std::move(outcome.redirect_to));
    }
    if (decoder_) {
        record_.body_bytes = decoder_->decoded_bytes();
    }
    if (body_complete_) {
        record_.hash = "sha256:" + hash_.hex_digest();
    }
    if (extractor_) {
        extractor_->finish();
        const auto& page = extractor_->result();
        record_.title = page.title;
        record_.description = page.description;
        record_.canonical = page.canonical;
        record_.lang = page.lang;
        record_.charset = page.charset;
        record_.links_count = page.links_count;
        if (purpose_ == purpose::follow && !redirected && !header_nofollow_) {
            if (!header_refresh_.empty()) {
                add_follow(header_refresh_);
            }
            take_follow(page.follow);
        }
        record_.links = page.links;
    }
    if (sitemap_) {
        const auto read = sitemap_->finish();
        sitemap_index_ = read.sitemap.kind == sitemap::kind::index;
        record_.links_count = read.sitemap.urls;
        if (record_.error == error_class::none && read.decode_error.cls != error_class::none) {
            record_.error = read.decode_error.cls;
            record_.error_message = "sitemap: " + read.decode_error.message;
        }
    }
    // A redirect a recursive crawl schedules as a URL of its own is not a failure.
    if (record_.error == error_class::none && !record_.ok() && !redirected) {
        record_.error = error_class::http_status;
        record_.error_message = "HTTP status " + std::to_string(record_.status);
    }
}

} // namespace crawl::worker
