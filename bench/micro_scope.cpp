// crawl-micro's scope case: scope::judge on the links of the benchmark corpus (each page read
// as https://www.example.com/dir/page.html, so relative links stay on that host and absolute ones
// go where the page's authors sent them), under --scope domain with two --reject-regex patterns.
// Arg 0: every link; arg 1: only the links to another host; arg 2: every link, without the
// patterns (the regexes' part is the difference from arg 0). items_per_second is links judged
// per second of one core. And registrable_domain alone on the hosts of the links to another
// host (items: lookups).

#include "corpus.hpp"

#include "crawl/extract/html_extractor.hpp"
#include "crawl/frontier/registrable_domain.hpp"
#include "crawl/frontier/scope.hpp"
#include "crawl/url/url.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

namespace {

using namespace crawl;

struct link_set {
    url::target page;
    std::vector<url::target> all;
    std::vector<url::target> other_host;
};

const link_set& corpus_links()
{
    static const link_set links = [] {
        link_set set;
        set.page = url::parse_input("https://www.example.com/dir/page.html").value();
        const char* dir = std::getenv("CRAWL_CORPUS");
        const auto corpus = bench::load_corpus(dir != nullptr ? dir : bench::default_corpus_dir());
        for (const auto& page : corpus.pages) {
            extract::html_extractor ex(set.page.href, "utf-8", extract::extract_options{.keep_links = true});
            ex.feed(page.html);
            ex.finish();
            for (const auto& link : ex.result().links) {
                auto parsed = url::parse_input(link);
                if (!parsed) {
                    continue;
                }
                if (parsed->host != set.page.host) {
                    set.other_host.push_back(*parsed);
                }
                set.all.push_back(std::move(*parsed));
            }
        }
        return set;
    }();
    return links;
}

void scope_judge(benchmark::State& state)
{
    const auto& set = corpus_links();
    const auto& links = state.range(0) == 1 ? set.other_host : set.all;
    std::vector<std::string> reject{R"(\.(?:jpe?g|png|gif|pdf|zip)(?:\?|$))", R"([?&](?:sessionid|sort|utm_[a-z]+)=)"};
    if (state.range(0) == 2) {
        reject.clear();
    }
    const auto judge =
        frontier::scope::make({.mode = frontier::scope_mode::domain, .accept = {}, .reject = reject, .no_parent = false})
            .value();
    const frontier::scope::origin from;
    std::size_t followed = 0;
    for (auto _ : state) {
        followed = 0;
        for (const auto& link : links) {
            followed += judge.judge(link, set.page, from) == frontier::verdict::follow ? 1U : 0U;
        }
        benchmark::DoNotOptimize(followed);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(links.size()));
    state.counters["links"] = static_cast<double>(links.size());
    state.counters["followed"] = static_cast<double>(followed);
}

void registrable_domain_lookup(benchmark::State& state)
{
    const auto& links = corpus_links().other_host;
    std::size_t bytes = 0;
    for (auto _ : state) {
        for (const auto& link : links) {
            bytes += frontier::registrable_part(link.host).size();
        }
        benchmark::DoNotOptimize(bytes);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(links.size()));
}

} // namespace

BENCHMARK(scope_judge)->Unit(benchmark::kMillisecond)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(registrable_domain_lookup)->Unit(benchmark::kMillisecond);
