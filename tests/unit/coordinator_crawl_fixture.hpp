#pragma once
// The fixture of the coordinator's recursive-crawl tests: the fake pool with a real frontier
// (SQLite, in memory), and helpers that answer a page with its links and read the records.

#include "coordinator_fixture.hpp"

namespace crawl::supervisor::coordinator_tests {

class CoordinatorCrawlTest : public CoordinatorTest {
protected:
    CoordinatorCrawlTest()
    {
        opts.crawl.depth = 2;
        auto opened = frontier_store::open(":memory:", {.fresh = true, .lowering = true});
        links.emplace(std::move(std::get<frontier_store>(opened)));
    }

    void start_crawl()
    {
        coordinator::environment env;
        env.now = [this] { return now; };
        env.warn = [this](std::string_view line) { warnings.emplace_back(line); };
        env.frontier = &*links;
        env.shared = shared;
        c = std::make_unique<coordinator>(opts, pool, std::move(env));
        for (unsigned w = 0; w < opts.workers; ++w) {
            c->worker_ready(w);
        }
    }

    /// A worker's answer to a recursive job: its record (with depth and found_on, as the
    /// worker writes them) and the links it found, or the redirect's target.
    void answer_links(const pool_call& job, std::vector<std::string> follow, bool redirect = false)
    {
        record::record r;
        r.seq = job.job.seq;
        r.url = job.job.url;
        r.status = redirect ? 301 : 200;
        r.attempts = 1;
        r.place = {true, (job.job.crawl.flags & wire::discovered) != 0, job.job.crawl.depth, job.job.crawl.found_on};
        std::string line;
        record::append_jsonl(r, false, line);
        wire::result_view result;
        result.seq = job.job.seq;
        result.http_status = static_cast<std::uint16_t>(r.status);
        result.line = line;
        result.redirect = redirect;
        for (const auto& l : follow) {
            result.follow.emplace_back(l);
        }
        c->page_result(job.worker, result);
    }

    /// The URLs of the jobs sent since the last call.
    std::vector<std::string> sent_urls()
    {
        sent.clear();
        std::vector<std::string> out;
        for (auto& s : pool.take_sent()) {
            out.push_back(s.job.url);
            sent.push_back(std::move(s));
        }
        return out;
    }

    const pool_call& job_of(std::string_view url) const
    {
        for (const auto& s : sent) {
            if (s.job.url == url) {
                return s;
            }
        }
        throw std::runtime_error("no job for " + std::string(url));
    }

    /// Every record written so far, as (url, depth, found_on) lines.
    std::vector<std::string> written()
    {
        std::vector<std::string> out;
        std::string_view text = c->output();
        while (!text.empty()) {
            const auto end = text.find('\n');
            const auto r = json::parse(text.substr(0, end)).as_object();
            out.push_back(std::string(r.at("url").as_string()) + " " + std::to_string(r.at("depth").as_int64()) + " " +
                          (r.at("found_on").is_null() ? "-" : std::string(r.at("found_on").as_string())));
            text.remove_prefix(end + 1);
        }
        return out;
    }

    std::optional<frontier_store> links;
    shared_frontier* shared = nullptr; ///< set before start_crawl(): a shared crawl
    std::vector<pool_call> sent;
};

} // namespace crawl::supervisor::coordinator_tests
