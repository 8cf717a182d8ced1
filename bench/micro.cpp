// crawl-micro: Google Benchmark of the CPU-bound stages over the benchmark corpus
// (bench/corpus/files, or the generated stand-in): decoding gzip (inflate: crawl's decoder,
// libdeflate for a whole body; inflate_zlib: plain zlib streaming), br and zstd (each
// compressed at start as a server would send it), extract (crawl's tokenizer, with each byte
// scanner the CPU has, and the libxml2 2.9.14 extractor it replaced, side by side),
// inflate+extract, the worker's whole page pipeline (inflate + SHA-256 + extract), frame encode
// and decode, record serialization, and the WARC records of each page (--warc) at each gzip
// level. items_per_second is pages per second of one core. Also a page of 100,000 links (items:
// links), and robots.txt parsing and checking, for a typical file and for 500 KiB hostile ones.
//
//   crawl-micro [--benchmark_filter=REGEX] [--benchmark_repetitions=N] ...
//   CRAWL_CORPUS=DIR crawl-micro        (another corpus directory)

#include "corpus.hpp"
#include "support/encoder.hpp"

#include "crawl/decode/decoder.hpp"
#include "crawl/extract/html_extractor.hpp"
#include "crawl/record/record.hpp"
#include "crawl/robots/robots.hpp"
#include "crawl/util/digest.hpp"
#include "crawl/warc/record.hpp"
#include "crawl/wire/frame.hpp"
#include "extract/byte_scan.hpp"
#include "oracle/libxml2_extractor.hpp"

#include <benchmark/benchmark.h>
#include <zlib.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <variant>

namespace {

using namespace crawl;

// Bodies arrive from the socket in pieces of at most this size (fetch's read chunk).
constexpr std::size_t wire_chunk = 16 * 1024;

struct prepared {
    bench::corpus corpus;
    std::vector<std::string> gzipped;
    std::vector<std::string> brotli; ///< quality 5, 4 MiB window: a typical server's on-the-fly br
    std::vector<std::string> zstd;   ///< level 3, its size in the header
    std::vector<std::string> urls;
    std::vector<record::record> records; ///< what the worker would emit for each page
    std::uint64_t html_bytes = 0;
};

const prepared& data()
{
    static const prepared p = [] {
        prepared d;
        const char* dir = std::getenv("CRAWL_CORPUS");
        d.corpus = bench::load_corpus(dir != nullptr ? dir : bench::default_corpus_dir());
        std::cerr << "crawl-micro: corpus " << d.corpus.source << ": " << d.corpus.pages.size() << " pages, "
                  << d.corpus.total_bytes() << " bytes\n";
        for (std::size_t i = 0; i < d.corpus.pages.size(); ++i) {
            const auto& page = d.corpus.pages[i];
            d.gzipped.push_back(test::encode(test::wrapping::gzip, page.html));
            d.brotli.push_back(test::encode(test::wrapping::br, page.html));
            d.zstd.push_back(test::encode(test::wrapping::zstd, page.html));
            d.urls.push_back("http://127.0.0.1:8080/p/" + std::to_string(i));
            d.html_bytes += page.html.size();

            extract::html_extractor ex(d.urls.back(), "utf-8", {});
            ex.feed(page.html);
            ex.finish();
            const auto& info = ex.result();
            record::record r;
            r.seq = i + 1;
            r.url = d.urls.back();
            r.final_url = r.url;
            r.status = 200;
            r.content_type = "text/html; charset=utf-8";
            r.charset = info.charset;
            r.content_encoding = "gzip";
            r.wire_bytes = d.gzipped.back().size() + 180;
            r.body_bytes = page.html.size();
            r.title = info.title;
            r.description = info.description;
            r.canonical = info.canonical;
            r.lang = info.lang;
            r.links_count = info.links_count;
            sha256 h;
            h.update(page.html);
            r.hash = "sha256:" + h.hex_digest();
            r.time_ms = {0.01, 0.05, -1, 0.3, 1.2};
            r.worker = 0;
            d.records.push_back(std::move(r));
        }
        return d;
    }();
    return p;
}

template <class Feed>
void in_wire_chunks(std::string_view body, Feed&& feed)
{
    for (std::size_t off = 0; off < body.size(); off += wire_chunk) {
        feed(body.substr(off, wire_chunk));
    }
}

void finish_pass(benchmark::State& state, const prepared& d)
{
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.corpus.pages.size()));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(d.html_bytes));
}

/// Decoding alone, each body fed in wire chunks; the compressed sizes are reported as counters.
void decode_bodies(benchmark::State& state, decode::coding coding, const std::vector<std::string> prepared::*bodies)
{
    const auto& d = data();
    std::uint64_t encoded_bytes = 0;
    for (const auto& body : d.*bodies) {
        encoded_bytes += body.size();
    }
    for (auto _ : state) {
        for (const auto& body : d.*bodies) {
            std::uint64_t sum = 0;
            decode::decoder in(coding, 64u << 20, [&](std::string_view out) { sum += out.size(); });
            in_wire_chunks(body, [&](std::string_view c) { (void)in.feed(c); });
            (void)in.finish();
            benchmark::DoNotOptimize(sum);
        }
    }
    finish_pass(state, d);
    state.counters["ratio"] = static_cast<double>(d.html_bytes) / static_cast<double>(encoded_bytes);
}

void inflate(benchmark::State& state)
{
    decode_bodies(state, decode::coding::gzip, &prepared::gzipped);
}

/// Plain zlib inflate of the same bodies, in wire chunks into a 16 KiB buffer (what a streaming
/// client such as curl does): the yardstick the extraction target is set against.
void inflate_zlib(benchmark::State& state)
{
    const auto& d = data();
    std::array<char, 16 * 1024> out{};
    for (auto _ : state) {
        for (const auto& body : d.gzipped) {
            z_stream zs{};
            inflateInit2(&zs, 16 + MAX_WBITS);
            std::uint64_t sum = 0;
            in_wire_chunks(body, [&](std::string_view c) {
                zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(c.data()));
                zs.avail_in = static_cast<uInt>(c.size());
                int rc = Z_OK;
                do {
                    zs.next_out = reinterpret_cast<Bytef*>(out.data());
                    zs.avail_out = static_cast<uInt>(out.size());
                    rc = inflate(&zs, Z_NO_FLUSH);
                    sum += out.size() - zs.avail_out;
                } while (rc == Z_OK && zs.avail_out == 0);
            });
            inflateEnd(&zs);
            benchmark::DoNotOptimize(sum);
        }
    }
    finish_pass(state, d);
}

void decode_br(benchmark::State& state)
{
    decode_bodies(state, decode::coding::br, &prepared::brotli);
}

void decode_zstd(benchmark::State& state)
{
    decode_bodies(state, decode::coding::zstd, &prepared::zstd);
}

/// Extraction alone by `Extractor`, the decoded body in pieces of `piece` bytes.
template <class Extractor>
void extract_pass(benchmark::State& state, std::size_t piece)
{
    const auto& d = data();
    for (auto _ : state) {
        for (std::size_t i = 0; i < d.corpus.pages.size(); ++i) {
            Extractor ex(d.urls[i], "utf-8", {});
            const std::string_view html = d.corpus.pages[i].html;
            for (std::size_t off = 0; off < html.size(); off += piece) {
                ex.feed(html.substr(off, piece));
            }
            ex.finish();
            benchmark::DoNotOptimize(ex.result().links_count);
        }
    }
    finish_pass(state, d);
}

/// crawl's extractor; the argument is the size of the pieces the decoded body arrives in.
void extract_html(benchmark::State& state)
{
    extract_pass<extract::html_extractor>(state, static_cast<std::size_t>(state.range(0)));
}

/// The libxml2 2.9.14 extractor crawl used before its own tokenizer (tests/oracle), for the
/// ratio: 16 KiB pieces, as the worker reads them.
void extract_libxml2(benchmark::State& state)
{
    extract_pass<oracle::libxml2_extractor>(state, static_cast<std::size_t>(state.range(0)));
}

/// crawl's extractor with one byte scanner; the argument is its scan::kind (0 portable,
/// 1 AVX2, 2 AVX-512BW). A kind this CPU lacks is skipped.
void extract_html_scanner(benchmark::State& state)
{
    const auto kind = static_cast<extract::scan::kind>(state.range(0));
    const extract::scan::kind before = extract::scan::active();
    if (!extract::scan::use(kind)) {
        state.SkipWithError("this CPU lacks this byte scanner");
        return;
    }
    state.SetLabel(std::string(extract::scan::name(kind)));
    extract_pass<extract::html_extractor>(state, 16 * 1024);
    extract::scan::use(before);
}

/// Inflate + extract, chunk by chunk: the baseline of the end-to-end efficiency target.
void inflate_extract(benchmark::State& state)
{
    const auto& d = data();
    for (auto _ : state) {
        for (std::size_t i = 0; i < d.gzipped.size(); ++i) {
            extract::html_extractor ex(d.urls[i], "utf-8", {});
            decode::decoder in(decode::coding::gzip, 64u << 20, [&](std::string_view out) { ex.feed(out); });
            in_wire_chunks(d.gzipped[i], [&](std::string_view c) { (void)in.feed(c); });
            (void)in.finish();
            ex.finish();
            benchmark::DoNotOptimize(ex.result().links_count);
        }
    }
    finish_pass(state, d);
}

/// What a worker does with a body: inflate, hash and extract.
void page_pipeline(benchmark::State& state)
{
    const auto& d = data();
    for (auto _ : state) {
        for (std::size_t i = 0; i < d.gzipped.size(); ++i) {
            extract::html_extractor ex(d.urls[i], "utf-8", {});
            sha256 hash;
            decode::decoder in(decode::coding::gzip, 64u << 20, [&](std::string_view out) {
                hash.update(out);
                ex.feed(out);
            });
            in_wire_chunks(d.gzipped[i], [&](std::string_view c) { (void)in.feed(c); });
            (void)in.finish();
            ex.finish();
            benchmark::DoNotOptimize(hash.hex_digest());
        }
    }
    finish_pass(state, d);
}

// A page of 100,000 distinct links (the hostile suite's size), in the forms pages use: root-
// relative with a query, dot segments, relative files with fragments, and absolute URLs to
// other hosts, one in eight with a non-ASCII host name. Extracting it is mostly resolving URLs.
std::string many_links_page()
{
    std::string page = "<!doctype html><html><head><title>links</title></head><body>\n";
    for (int i = 0; i < 100'000; ++i) {
        const std::string n = std::to_string(i);
        switch (i % 8) {
        case 0: page += "<a href=\"/item/" + n + "?ref=list&amp;p=2\">"; break;
        case 1: page += "<a href=\"../archive/2024/" + n + "/./index.html\">"; break;
        case 2: page += "<a href=\"page-" + n + ".html#top\">"; break;
        case 3: page += "<a href=\"https://cdn" + std::to_string(i % 16) + ".example.com/a/" + n + "\">"; break;
        case 4: page += "<a href=\"//static.example.org/img/" + n + ".png\">"; break;
        case 5: page += "<a href=\"?page=" + n + "\">"; break;
        case 6: page += "<a href=\"HTTP://Www.Example.COM:80/Path/" + n + "/\">"; break;
        default: page += "<a href=\"https://b\xC3\xBC" "cher" + std::to_string(i % 16) + ".example/" + n + "\">"; break;
        }
        page += "link</a>\n";
    }
    return page + "</body></html>";
}

/// Extraction of a page made of links, links kept: the cost of resolving one link.
void extract_links_page(benchmark::State& state)
{
    static const std::string page = many_links_page();
    std::size_t links = 0;
    for (auto _ : state) {
        extract::html_extractor ex("https://www.example.com/dir/list.html", "utf-8", {.keep_links = true});
        in_wire_chunks(page, [&](std::string_view c) { ex.feed(c); });
        ex.finish();
        links = ex.result().links.size();
        benchmark::DoNotOptimize(ex.result().links.data());
    }
    state.SetItemsProcessed(state.iterations() * 100'000);
    state.counters["links"] = static_cast<double>(links); // those the URL module accepted
}

void sha256_body(benchmark::State& state)
{
    const auto& d = data();
    for (auto _ : state) {
        for (const auto& page : d.corpus.pages) {
            sha256 hash;
            in_wire_chunks(page.html, [&](std::string_view c) { hash.update(c); });
            benchmark::DoNotOptimize(hash.hex_digest());
        }
    }
    finish_pass(state, d);
}

void record_jsonl(benchmark::State& state)
{
    const auto& d = data();
    std::string out;
    for (auto _ : state) {
        for (const auto& r : d.records) {
            out.clear();
            record::append_jsonl(r, false, out);
            benchmark::DoNotOptimize(out.data());
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.records.size()));
}

void record_csv(benchmark::State& state)
{
    const auto& d = data();
    std::string out;
    for (auto _ : state) {
        for (const auto& r : d.records) {
            out.clear();
            record::append_csv(r, out);
            benchmark::DoNotOptimize(out.data());
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(d.records.size()));
}

/// What --warc costs a worker per page: the payload digest (SHA-1, over the body as it came),
/// then the request and response records built and compressed at the level in the first
/// argument. The second: 1, the page gzipped, as the benchmark server sends it (its body then
/// goes into the record's member as stored blocks); 0, the page as it is (no content coding).
void warc_records(benchmark::State& state)
{
    const auto& d = data();
    const bool coded = state.range(1) != 0;
    std::vector<std::string_view> bodies;
    for (std::size_t i = 0; i < d.gzipped.size(); ++i) {
        bodies.push_back(coded ? std::string_view(d.gzipped[i]) : std::string_view(d.corpus.pages[i].html));
    }
    std::vector<std::string> responses;
    for (const auto& body : bodies) {
        responses.push_back(std::string("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n") +
                            (coded ? "Content-Encoding: gzip\r\n" : "") +
                            "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body));
    }
    const std::string request = "GET /p/1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: crawl/0.1.0\r\n"
                                "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\nAccept-Encoding: gzip, deflate\r\n\r\n";
    warc::record_builder builder(static_cast<int>(state.range(0)), 1);
    std::string out;
    std::uint64_t written = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < responses.size(); ++i) {
            digest payload(digest::algorithm::sha1);
            in_wire_chunks(bodies[i], [&](std::string_view c) { payload.update(c); });
            const std::string payload_digest = payload.finish();
            warc::exchange e;
            e.target_uri = d.urls[i];
            e.ip_address = "127.0.0.1";
            e.date = std::chrono::system_clock::now();
            e.request = request;
            e.response = responses[i];
            e.header_size = responses[i].size() - bodies[i].size();
            e.payload_digest = payload_digest;
            e.payload_length = bodies[i].size();
            e.payload_compressed = coded;
            out.clear();
            builder.append_exchange(e, nullptr, out);
            written += out.size();
        }
    }
    finish_pass(state, d);
    state.counters["warc_bytes_per_page"] =
        static_cast<double>(written) /
        (static_cast<double>(state.iterations()) * static_cast<double>(responses.size()));
}

std::vector<wire::result> result_frames()
{
    std::vector<wire::result> frames;
    for (const auto& r : data().records) {
        wire::result f;
        f.seq = r.seq;
        f.http_status = 200;
        f.wire_bytes = r.wire_bytes;
        f.body_bytes = r.body_bytes;
        record::append_jsonl(r, false, f.line);
        frames.push_back(std::move(f));
    }
    return frames;
}

void frame_encode(benchmark::State& state)
{
    const auto frames = result_frames();
    std::string out;
    for (auto _ : state) {
        out.clear();
        for (const auto& f : frames) {
            wire::append_frame(f, out);
        }
        benchmark::DoNotOptimize(out.data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(frames.size()));
}

/// The supervisor's side: frames arrive in pipe-sized reads and are decoded to views.
void frame_decode(benchmark::State& state)
{
    std::string stream;
    for (const auto& f : result_frames()) {
        wire::append_frame(f, stream);
    }
    for (auto _ : state) {
        wire::frame_reader reader;
        std::size_t decoded = 0;
        for (std::size_t off = 0; off < stream.size();) {
            auto space = reader.prepare();
            const std::size_t n = std::min(space.size(), std::min<std::size_t>(stream.size() - off, 65536));
            std::memcpy(space.data(), stream.data() + off, n);
            reader.commit(n);
            off += n;
            for (auto next = reader.next(); const auto* frame = std::get_if<wire::frame_view>(&next);
                 next = reader.next()) {
                auto r = wire::decode_result(frame->payload);
                benchmark::DoNotOptimize(r);
                ++decoded;
            }
        }
        benchmark::DoNotOptimize(decoded);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data().records.size()));
}

/// robots.txt bodies: 0 a typical one (a few dozen rules); 1 and 2 hostile ones, as large as
/// RFC 9309 asks crawlers to read: 1 distinct literal paths, 2 rules that all begin with a
/// wildcard, so that every one of them can match any path.
std::string robots_body(std::int64_t kind)
{
    std::string body = "User-agent: *\n";
    if (kind == 0) {
        for (int i = 0; i < 40; ++i) {
            body += (i % 4 == 0 ? "Allow: /section" : "Disallow: /section") + std::to_string(i) + "/*?sort=\n";
        }
        return body + "Disallow: /*.pdf$\nCrawl-delay: 1\n";
    }
    for (int i = 0; body.size() < robots::max_bytes - 64; ++i) {
        body += (kind == 1 ? "Disallow: /item/" : "Disallow: /*x*y") + std::to_string(i) + "\n";
    }
    return body;
}

void robots_parse(benchmark::State& state)
{
    const std::string body = robots_body(state.range(0));
    for (auto _ : state) {
        auto rules = robots::parse(body, "crawl");
        benchmark::DoNotOptimize(rules.list().data());
    }
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(body.size()));
}

/// The supervisor's cost per URL on a host with such a robots.txt.
void robots_check(benchmark::State& state)
{
    const auto rules = robots::parse(robots_body(state.range(0)), "crawl");
    std::vector<std::string> paths;
    for (int i = 0; i < 64; ++i) {
        paths.push_back("/section" + std::to_string(i) + "/item/" + std::to_string(i * 7919) + "/page.html?id=" +
                        std::to_string(i));
    }
    for (auto _ : state) {
        for (const auto& p : paths) {
            benchmark::DoNotOptimize(rules.check(p).allowed);
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(paths.size()));
}

BENCHMARK(inflate)->Unit(benchmark::kMillisecond);
BENCHMARK(inflate_zlib)->Unit(benchmark::kMillisecond);
BENCHMARK(decode_br)->Unit(benchmark::kMillisecond);
BENCHMARK(decode_zstd)->Unit(benchmark::kMillisecond);
BENCHMARK(extract_html)->Unit(benchmark::kMillisecond)->Arg(16 * 1024)->Arg(1 << 20);
BENCHMARK(extract_libxml2)->Unit(benchmark::kMillisecond)->Arg(16 * 1024);
BENCHMARK(extract_html_scanner)->Unit(benchmark::kMillisecond)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(inflate_extract)->Unit(benchmark::kMillisecond);
BENCHMARK(page_pipeline)->Unit(benchmark::kMillisecond);
BENCHMARK(extract_links_page)->Unit(benchmark::kMillisecond);
BENCHMARK(sha256_body)->Unit(benchmark::kMillisecond);
BENCHMARK(record_jsonl)->Unit(benchmark::kMicrosecond);
BENCHMARK(record_csv)->Unit(benchmark::kMicrosecond);
BENCHMARK(warc_records)->Unit(benchmark::kMillisecond)->ArgsProduct({{0, 1, 3, 6, 9}, {1, 0}});
BENCHMARK(frame_encode)->Unit(benchmark::kMicrosecond);
BENCHMARK(frame_decode)->Unit(benchmark::kMicrosecond);
BENCHMARK(robots_parse)->Unit(benchmark::kMillisecond)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(robots_check)->Unit(benchmark::kMicrosecond)->Arg(0)->Arg(1)->Arg(2);

} // namespace

BENCHMARK_MAIN();
