#include "support/web/filler.hpp"

#include "support/encoder.hpp"
#include "support/web/random.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#define ZLIB_CONST
#include <zlib.h>

namespace crawl::test::web {

namespace {

constexpr std::array<std::string_view, 96> vocabulary = {
    "the",      "crawler",  "of",       "page",     "and",      "core",     "event",    "loop",
    "parse",    "a",        "inflate",  "record",   "host",     "to",       "link",     "title",
    "worker",   "signal",   "queue",    "in",       "frame",    "pipe",     "bytes",    "stream",
    "is",       "garden",   "river",    "morning",  "letter",   "museum",   "harbour",  "winter",
    "lantern",  "market",   "village",  "story",    "with",     "season",   "window",   "station",
    "for",      "bridge",   "forest",   "kitchen",  "meadow",   "orchard",  "painter",  "quarter",
    "on",       "railway",  "sailor",   "teacher",  "umbrella", "valley",   "weather",  "yellow",
    "that",     "ancient",  "bright",   "careful",  "distant",  "eager",    "famous",   "gentle",
    "by",       "hidden",   "idle",     "jolly",    "kind",     "little",   "modern",   "narrow",
    "was",      "open",     "quiet",    "rapid",    "silent",   "tender",   "useful",   "vivid",
    "are",      "wander",   "gather",   "follow",   "measure",  "publish",  "receive",  "travel",
    "from",     "describe", "explain",  "remember", "discover", "consider", "continue", "believe",
};

/// Builds the pool's markup: the shapes of real article pages, and no link a crawler may take
/// (an <a> only with name, links only inside a script string or a comment).
class block_writer {
public:
    explicit block_writer(std::uint64_t seed) : rng_(seed) {}

    std::string make(unsigned shape)
    {
        out_.clear();
        switch (shape % 6) {
        case 0:
            card();
            break;
        case 1:
            list();
            break;
        case 2:
            table();
            break;
        case 3:
            script();
            break;
        case 4:
            figure();
            break;
        default:
            article();
            break;
        }
        return std::move(out_);
    }

private:
    void words(unsigned n)
    {
        for (unsigned i = 0; i < n; ++i) {
            if (i > 0) {
                out_ += ' ';
            }
            out_ += vocabulary[rng_.below(vocabulary.size())];
        }
    }
    void paragraph()
    {
        out_ += "<p>";
        const unsigned sentences = 2 + rng_.below(5);
        for (unsigned s = 0; s < sentences; ++s) {
            words(6 + rng_.below(14));
            switch (rng_.below(6)) {
            case 0:
                out_ += " <em>";
                words(2);
                out_ += "</em>";
                break;
            case 1:
                out_ += " &amp; <strong>";
                words(1);
                out_ += "</strong>";
                break;
            case 2:
                out_ += " &mdash; <code>q&lt;" + std::to_string(rng_.below(100)) + "&gt;</code>";
                break;
            case 3:
                out_ += " <span class=\"tag\">";
                words(1);
                out_ += "</span>";
                break;
            default:
                break;
            }
            out_ += ". ";
        }
        out_ += "</p>\n";
    }
    void card()
    {
        out_ += "<div class=\"card\" id=\"c" + std::to_string(rng_.below(10000)) + "\"><div class=\"inner\"><h2>";
        words(3);
        out_ += "</h2>\n";
        for (unsigned i = 1 + rng_.below(4); i > 0; --i) {
            paragraph();
        }
        out_ += "</div></div>\n";
    }
    void list()
    {
        out_ += "<ul class=\"points\">\n";
        for (unsigned i = 3 + rng_.below(10); i > 0; --i) {
            out_ += "<li>";
            words(4 + rng_.below(9));
            out_ += "</li>\n";
        }
        out_ += "</ul>\n";
    }
    void table()
    {
        out_ += "<table class=\"data\"><thead><tr><th>name</th><th>value</th><th>note</th></tr></thead><tbody>\n";
        for (unsigned i = 3 + rng_.below(12); i > 0; --i) {
            out_ += "<tr><td>";
            words(1);
            out_ += "</td><td>" + std::to_string(rng_.below(100000)) + "</td><td>";
            words(3);
            out_ += "</td></tr>\n";
        }
        out_ += "</tbody></table>\n";
    }
    void script()
    {
        out_ += "<script>(function(){var n=" + std::to_string(rng_.below(1000)) +
                ",s='<a href=\"/not-a-link\">';for(var i=0;i<n&&i<3;i++){if(i>1){window.track&&track(s);}}})();"
                "</script>\n<!-- <a href=\"/commented-out.html\">old menu</a> -->\n";
        paragraph();
    }
    void figure()
    {
        out_ += "<figure><img src=\"/img/" + std::to_string(rng_.below(500)) +
                ".jpg\" alt=\"photo\" width=\"640\" height=\"480\"><figcaption>";
        words(5);
        out_ += "</figcaption></figure>\n<a name=\"n" + std::to_string(rng_.below(100)) + "\"></a>";
        paragraph();
    }
    void article()
    {
        out_ += "<section><h3>";
        words(4);
        out_ += "</h3>\n";
        for (unsigned i = 2 + rng_.below(5); i > 0; --i) {
            paragraph();
        }
        out_ += "<blockquote>";
        words(12);
        out_ += "</blockquote></section>\n";
    }

    rng rng_;
    std::string out_;
};

void put_le32(std::string& out, std::uint32_t v)
{
    for (int i = 0; i < 4; ++i) {
        out += static_cast<char>((v >> (8 * i)) & 0xFF);
    }
}

} // namespace

deflated_block deflate_block(std::string_view text, std::uint64_t repeat)
{
    deflated_block b;
    if (repeat == 0) {
        encoder d(wrapping::raw_deflate, {.level = 6});
        d.feed(text, flush::sync);
        b.text = std::string(text);
        b.size = text.size();
        b.deflated = d.take();
        b.crc = static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(text.data()),
                                                 static_cast<uInt>(text.size())));
        return b;
    }
    if (text.empty()) {
        throw std::invalid_argument("deflate_block: nothing to repeat");
    }
    b.fill = text[0];
    b.size = repeat;
    const std::string step(std::min<std::uint64_t>(repeat, 1 << 20), b.fill);
    encoder d(wrapping::raw_deflate, {.level = 9});
    uLong crc = 0;
    for (std::uint64_t left = repeat; left > 0;) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, step.size()));
        left -= n;
        d.feed(std::string_view(step).substr(0, n), left == 0 ? flush::sync : flush::none);
        crc = crc32(crc, reinterpret_cast<const Bytef*>(step.data()), static_cast<uInt>(n));
    }
    b.deflated = d.take();
    b.crc = static_cast<std::uint32_t>(crc);
    return b;
}

filler::filler(std::uint64_t seed)
{
    // 64 blocks of about 0.3 to 5 KB: a page takes as many as its size asks for.
    block_writer writer(mix({seed, 0xF111E4}));
    for (unsigned i = 0; i < 64; ++i) {
        blocks_.push_back(deflate_block(writer.make(i)));
    }
}

std::string filler::sentence(std::uint64_t pick, unsigned words) const
{
    rng r(pick);
    std::string s;
    for (unsigned i = 0; i < words; ++i) {
        if (i > 0) {
            s += ' ';
        }
        s += vocabulary[r.below(vocabulary.size())];
    }
    return s;
}

void pieces::text(std::string_view s)
{
    if (s.empty()) {
        return;
    }
    if (!pieces_.empty() && pieces_.back().block == nullptr) {
        pieces_.back().length += s.size();
    } else {
        pieces_.push_back({nullptr, text_.size(), s.size()});
    }
    text_ += s;
    size_ += s.size();
}

void pieces::block(const deflated_block& b)
{
    pieces_.push_back({&b, 0, 0});
    size_ += b.size;
}

std::string pieces::identity() const
{
    std::string out;
    out.reserve(size_);
    for (const piece& p : pieces_) {
        if (p.block == nullptr) {
            out.append(text_, p.start, p.length);
        } else if (p.block->text.size() == p.block->size) {
            out += p.block->text;
        } else {
            out.append(p.block->size, p.block->fill);
        }
    }
    return out;
}

std::string pieces::gzip() const
{
    // Header: magic, deflate, no flags, no mtime, no extra flags, OS unknown (RFC 1952 2.3).
    std::string out("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", 10);
    uLong crc = 0;
    // The page's own text is deflated here, each piece ended by a full flush: byte-aligned,
    // and the compressor forgets what it saw, so nothing refers to bytes of another piece
    // (distances count decoded bytes, and the blocks come in between).
    encoder text(wrapping::raw_deflate, {.level = 1});
    for (const piece& p : pieces_) {
        if (p.block != nullptr) {
            out += p.block->deflated;
            crc = crc32_combine(crc, p.block->crc, static_cast<z_off_t>(p.block->size));
            continue;
        }
        const std::string_view bytes = std::string_view(text_).substr(p.start, p.length);
        crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size()));
        text.feed(bytes, flush::full);
        out += text.take();
    }
    // The final block: empty and stored.
    out.append("\x01\x00\x00\xff\xff", 5);
    put_le32(out, static_cast<std::uint32_t>(crc));
    put_le32(out, static_cast<std::uint32_t>(size_ & 0xFFFFFFFF));
    return out;
}

} // namespace crawl::test::web
