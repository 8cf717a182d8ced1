#include "corpus.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace crawl::bench {

namespace fs = std::filesystem;

std::uint64_t corpus::total_bytes() const
{
    std::uint64_t n = 0;
    for (const auto& p : pages) {
        n += p.html.size();
    }
    return n;
}

std::string default_corpus_dir()
{
    return std::string(CRAWL_SOURCE_DIR) + "/bench/corpus/files";
}

namespace {

// A page shaped like the real ones: a head with metadata, scripts and styles; a body of
// nested blocks with paragraphs, entities and many links (relative, absolute, fragments,
// javascript:). Sizes spread from about 13 KB to 400 KB.
std::string generate_page(unsigned n, std::mt19937& rng)
{
    static const char* const words[] = {"crawler", "page",   "core",  "event", "loop",  "parse",
                                        "inflate", "record", "host",  "link",  "title", "worker",
                                        "signal",  "queue",  "frame", "pipe",  "bytes", "stream"};
    auto word = [&] { return words[rng() % std::size(words)]; };
    std::lognormal_distribution<double> size_dist(11.25, 0.6);
    const auto target = std::clamp<std::size_t>(static_cast<std::size_t>(size_dist(rng)), 13'000, 400'000);

    std::string html;
    html.reserve(target + 4096);
    html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<title>Generated page " + std::to_string(n) + " &amp; friends</title>\n";
    html += "<meta name=\"description\" content=\"A generated page about " + std::string(word()) + "s.\">\n";
    html += "<link rel=\"canonical\" href=\"/article/" + std::to_string(n) + "\">\n";
    html += "<link rel=\"stylesheet\" href=\"/static/site.css\">\n<style>body{margin:0;font:16px/1.4 sans-serif}"
            ".nav a{color:#333}.card{padding:8px;border:1px solid #ddd}</style>\n";
    html += "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments);}"
            "var s='<a href=\"/not-a-link\">';for(var i=0;i<10;i++){if(i<3){gtag('event',i);}}</script>\n";
    html += "</head>\n<body>\n<div class=\"nav\">";
    for (int i = 0; i < 20; ++i) {
        html += "<a href=\"/section/" + std::to_string(i) + "\">" + word() + "</a> ";
    }
    html += "</div>\n";
    unsigned block = 0;
    while (html.size() < target) {
        html += "<div class=\"card\" id=\"b" + std::to_string(block) + "\"><div class=\"inner\"><h2>";
        html += std::string(word()) + " " + word() + "</h2>\n<p>";
        const int sentences = 3 + static_cast<int>(rng() % 6);
        for (int s = 0; s < sentences; ++s) {
            const int len = 6 + static_cast<int>(rng() % 14);
            for (int w = 0; w < len; ++w) {
                html += word();
                html += w + 1 < len ? " " : ". ";
            }
            switch (rng() % 6) {
            case 0:
                html += "<a href=\"/article/" + std::to_string(rng() % 100000) + "?ref=" + word() + "\">" + word() +
                        "</a> ";
                break;
            case 1:
                html += "<a href=\"https://example.org/" + std::string(word()) + "/" +
                        std::to_string(rng() % 1000) + "#top\">ext</a> ";
                break;
            case 2:
                html += "<a href=\"../" + std::string(word()) + ".html\">rel</a> &mdash; ";
                break;
            case 3:
                html += "<span class=\"tag\">&lt;" + std::string(word()) + "&gt;</span> ";
                break;
            case 4:
                html += "<a href=\"javascript:void(0)\" onclick=\"go(" + std::to_string(s) + ")\">js</a> ";
                break;
            default:
                html += "<img src=\"/img/" + std::to_string(rng() % 500) + ".png\" alt=\"\"> ";
                break;
            }
        }
        html += "</p></div></div>\n";
        if (block % 25 == 24) {
            html += "<script type=\"text/javascript\">(function(){var x=" + std::to_string(rng()) +
                    ";if(x>1&&x<2){document.write('</div>');}})();</script>\n";
        }
        ++block;
    }
    html += "<footer><a href=\"/about\">About</a> <a href=\"/contact\">Contact</a></footer>\n</body>\n</html>\n";
    return html;
}

} // namespace

corpus load_corpus(const std::string& dir)
{
    corpus c;
    std::error_code ec;
    if (fs::is_directory(dir, ec)) {
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.is_regular_file() && entry.path().extension() == ".html") {
                files.push_back(entry.path());
            }
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            std::ostringstream s;
            s << in.rdbuf();
            c.pages.push_back({f.filename().string(), s.str()});
        }
    }
    if (!c.pages.empty()) {
        c.source = dir;
        return c;
    }
    c.generated = true;
    c.source = "generated (258 synthetic pages; run bench/fetch-corpus for the real ones)";
    std::mt19937 rng(20261201);
    for (unsigned i = 0; i < 258; ++i) {
        c.pages.push_back({"generated-" + std::to_string(i), generate_page(i, rng)});
    }
    return c;
}

} // namespace crawl::bench
