#include "crawl/sitemap/body_reader.hpp"

#include <utility>

namespace crawl::sitemap {

bool is_gzip(std::string_view first_bytes) noexcept
{
    return first_bytes.starts_with("\x1F\x8B\x08");
}

body_reader::body_reader(const url::target& sitemap_url, url_sink out, limits l)
    : limits_(l), reader_(sitemap_url, std::move(out), l)
{
}

void body_reader::feed(std::string_view chunk)
{
    if (!wants_more()) {
        return;
    }
    if (!started_) {
        if (head_.size() + chunk.size() < gzip_magic_bytes) {
            head_.append(chunk);
            return;
        }
        if (!head_.empty()) {
            head_.append(chunk);
            start(head_);
            decode(std::exchange(head_, {}));
            return;
        }
        start(chunk);
    }
    decode(chunk);
}

void body_reader::start(std::string_view first_bytes)
{
    started_ = true;
    if (is_gzip(first_bytes)) {
        result_.gzip = true;
        // The sink hands each decoded piece straight to the reader: nothing is buffered here.
        // One byte over the cap reaches the reader, which so learns that the file went past
        // it (and drops the entry the cap cut), as it does for a body that is not gzipped.
        gzip_.emplace(decode::coding::gzip, limits_.max_bytes + 1, [this](std::string_view piece) {
            reader_.feed(piece);
        });
    }
}

void body_reader::decode(std::string_view compressed)
{
    if (!gzip_) {
        reader_.feed(compressed);
        return;
    }
    gzip_status_ = gzip_->feed(compressed);
}

bool body_reader::wants_more() const noexcept
{
    return gzip_status_ == decode::status::ok && reader_.wants_more();
}

body_summary body_reader::finish()
{
    if (!started_) {
        start(head_);
        decode(std::exchange(head_, {}));
    }
    if (gzip_ && gzip_status_ == decode::status::ok && reader_.wants_more()) {
        gzip_status_ = gzip_->finish();
    }
    result_.sitemap = reader_.finish();
    result_.inflated = gzip_ ? gzip_->decoded_bytes() : 0;
    // At the cap the reader has had its byte past max_bytes and said too_large itself (unless
    // reading had stopped before): the decoder's too_large is no error of the file's.
    if (gzip_status_ != decode::status::ok && gzip_status_ != decode::status::too_large) {
        result_.decode_error = gzip_->error();
    }
    return result_;
}

} // namespace crawl::sitemap
