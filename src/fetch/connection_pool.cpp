#include "connection_pool.hpp"

namespace crawl::fetch {

namespace {

// Idle pooled connections older than this are likely closed by the server already.
constexpr auto max_idle_age = std::chrono::seconds(30);

} // namespace

std::unique_ptr<connection> connection_pool::take(const std::string& key)
{
    auto it = idle_.find(key);
    while (it != idle_.end() && !it->second.empty()) {
        auto conn = std::move(it->second.back());
        it->second.pop_back();
        --idle_count_;
        if (it->second.empty()) {
            idle_.erase(it);
            it = idle_.end();
        }
        // Bytes waiting on an idle connection were sent unasked (or are the server's close):
        // either way they must not be read as the answer to the next request.
        boost::system::error_code ec;
        const auto unsolicited = conn->tcp().socket().available(ec);
        if (clock::now() - conn->idle_since < max_idle_age && !ec && unsolicited == 0) {
            return conn;
        }
        conn->close();
    }
    return nullptr;
}

void connection_pool::put(std::unique_ptr<connection> conn)
{
    auto& list = idle_[conn->key];
    if (list.size() >= opts_.max_idle_per_host || idle_count_ >= opts_.max_idle_total) {
        conn->close();
        if (list.empty()) {
            idle_.erase(conn->key);
        }
        return;
    }
    conn->idle_since = clock::now();
    conn->buffer.shrink_to_fit(); // an idle connection holds no read buffer (empty after a whole response)
    list.push_back(std::move(conn));
    ++idle_count_;
}

bool connection_pool::close_oldest()
{
    auto oldest = idle_.end();
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
        if (oldest == idle_.end() || it->second.front()->idle_since < oldest->second.front()->idle_since) {
            oldest = it;
        }
    }
    if (oldest == idle_.end()) {
        return false;
    }
    oldest->second.erase(oldest->second.begin()); // its destructor closes it
    --idle_count_;
    if (oldest->second.empty()) {
        idle_.erase(oldest);
    }
    return true;
}

} // namespace crawl::fetch
