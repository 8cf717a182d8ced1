#include "crawl/decode/decoder.hpp"

#include "codec.hpp"
#include "crawl/util/text.hpp"

#include <algorithm>

namespace crawl::decode {
namespace {

struct coding_name {
    std::string_view name;
    coding value;
};

// clang-format off
constexpr coding_name coding_names[] = {
    {"identity", coding::identity}, {"gzip", coding::gzip}, {"x-gzip", coding::gzip},
    {"deflate", coding::deflate},   {"br", coding::br},     {"zstd", coding::zstd},
};
// clang-format on

std::unique_ptr<detail::codec> make_codec(coding c)
{
    switch (c) {
    case coding::gzip:
    case coding::deflate:
        return detail::make_zlib_codec(c);
    case coding::br:
        return detail::make_brotli_codec();
    case coding::zstd:
        return detail::make_zstd_codec();
    case coding::identity:
        break;
    }
    return nullptr;
}

} // namespace

std::string_view name(coding c) noexcept
{
    for (const auto& entry : coding_names) {
        if (entry.value == c) {
            return entry.name;
        }
    }
    return "identity";
}

content_codings parse_content_encoding(std::string_view header)
{
    content_codings result;
    std::size_t listed = 0;
    while (!header.empty()) {
        const std::size_t comma = std::min(header.find(','), header.size());
        const std::string_view element = text::trim(header.substr(0, comma));
        header.remove_prefix(std::min(comma + 1, header.size()));
        if (element.empty()) {
            continue;
        }
        const auto* known = std::find_if(std::begin(coding_names), std::end(coding_names),
                                         [&](const coding_name& n) { return text::iequals(n.name, element); });
        if (known == std::end(coding_names)) {
            result.refusal = "unsupported Content-Encoding: " + std::string(element);
            return result;
        }
        if (known->value != coding::identity) {
            result.applied.push_back(known->value);
            ++listed;
        }
    }
    if (listed > max_layers) {
        result.refusal = "Content-Encoding stacks " + std::to_string(listed) + " codings, more than the " +
                         std::to_string(max_layers) + " crawl decodes";
    }
    return result;
}

// The layers in decoding order: layers[0] undoes the coding applied last. Layer i's output
// feeds layer i + 1, the last layer's goes to the sink. Every layer's output is capped: the
// sink's at max_decoded, an inner layer's at max_encoded_size(max_decoded), so a stack of
// codings cannot make unbounded work out of a small body either.
struct decoder::state {
    struct layer {
        coding kind;
        std::unique_ptr<detail::codec> codec;
        detail::emit out;         // where its output goes
        std::uint64_t output = 0; // bytes it produced
        bool fed = false;         // it was given at least one byte
    };

    std::vector<layer> layers;
    std::uint64_t max_decoded;
    sink out;
    std::uint64_t decoded = 0;
    status st = status::ok;
    failure error;

    state(std::span<const coding> applied, std::uint64_t max, sink s) : max_decoded(max), out(std::move(s))
    {
        for (auto c = applied.rbegin(); c != applied.rend(); ++c) {
            if (*c != coding::identity) {
                layers.push_back({*c, make_codec(*c), {}});
            }
        }
        for (std::size_t i = 0; i < layers.size(); ++i) {
            layers[i].out = [this, i](std::string_view bytes) {
                if (i + 1 == layers.size()) {
                    return deliver(bytes);
                }
                return pass_inward(i, bytes);
            };
        }
    }

    // Layer `i` produced `bytes` for layer i + 1.
    status pass_inward(std::size_t i, std::string_view bytes)
    {
        const std::uint64_t cap = max_encoded_size(max_decoded);
        layer& from = layers[i];
        if (bytes.size() > cap - from.output) {
            from.output = cap;
            return fail(status::too_large, "the " + std::string(name(from.kind)) + " layer decodes to more than " +
                                               std::to_string(cap) + " bytes");
        }
        from.output += bytes.size();
        return feed_layer(i + 1, bytes);
    }

    status feed_layer(std::size_t i, std::string_view bytes)
    {
        layer& l = layers[i];
        l.fed = l.fed || !bytes.empty();
        return noted(l, l.codec->feed(bytes, l.out));
    }

    // Records a corrupt stream in layer `l` (unless a layer inside it failed first).
    status noted(const layer& l, status s)
    {
        if (s == status::corrupt && st == status::ok) {
            const std::string what = l.codec->problem();
            fail(s, "corrupt " + std::string(name(l.kind)) + " stream" + (what.empty() ? "" : ": " + what));
        }
        return s;
    }

    // Hands `bytes` to the sink in chunks, clipped at the cap.
    status deliver(std::string_view bytes)
    {
        while (!bytes.empty()) {
            if (decoded == max_decoded) {
                return fail(status::too_large, "decoded body exceeds " + std::to_string(max_decoded) + " bytes");
            }
            const auto n = static_cast<std::size_t>(
                std::min<std::uint64_t>({bytes.size(), chunk_size, max_decoded - decoded}));
            out(bytes.substr(0, n));
            decoded += n;
            bytes.remove_prefix(n);
        }
        return status::ok;
    }

    status fail(status s, std::string message)
    {
        st = s;
        error = {s == status::too_large ? error_class::body_too_large : error_class::decode, std::move(message)};
        return s;
    }

    status feed(std::string_view in)
    {
        if (st != status::ok || in.empty()) {
            return st;
        }
        const status s = layers.empty() ? deliver(in) : feed_layer(0, in);
        return st != status::ok ? st : s;
    }

    status finish()
    {
        if (st != status::ok) {
            return st;
        }
        // What a codec held back goes through, outermost layer first: its output reaches the
        // layers inside it.
        for (layer& l : layers) {
            noted(l, l.codec->finish(l.out));
            if (st != status::ok) {
                return st;
            }
        }
        // The outermost unfinished stream is the one cut short; those inside it follow.
        for (const layer& l : layers) {
            if (l.fed && !l.codec->complete()) {
                return fail(status::truncated, "truncated " + std::string(name(l.kind)) + " stream");
            }
        }
        return st;
    }
};

decoder::decoder(std::span<const coding> applied, std::uint64_t max_decoded, sink out)
    : state_(std::make_unique<state>(applied, max_decoded, std::move(out)))
{
}

decoder::decoder(coding c, std::uint64_t max_decoded, sink out)
    : decoder(std::span<const coding>(&c, 1), max_decoded, std::move(out))
{
}

decoder::~decoder() = default;
decoder::decoder(decoder&&) noexcept = default;
decoder& decoder::operator=(decoder&&) noexcept = default;

status decoder::feed(std::string_view encoded)
{
    return state_->feed(encoded);
}

status decoder::finish()
{
    return state_->finish();
}

std::uint64_t decoder::decoded_bytes() const noexcept
{
    return state_->decoded;
}

failure decoder::error() const
{
    return state_->error;
}

} // namespace crawl::decode
