#include "support/server/core.hpp"

#include "support/tls_cert.hpp"

#include <boost/asio/buffer.hpp>

#include <algorithm>
#include <utility>

namespace crawl::test {

std::size_t max_in_flight(const std::vector<logged_request>& log)
{
    // +1 at each arrival, -1 at each finish; at one instant the finishes sort first.
    std::vector<std::pair<std::chrono::steady_clock::time_point, int>> events;
    for (const logged_request& r : log) {
        events.emplace_back(r.at, 1);
        if (r.done) {
            events.emplace_back(*r.done, -1);
        }
    }
    std::sort(events.begin(), events.end());
    std::size_t most = 0;
    std::size_t now = 0;
    for (const auto& [when, change] : events) {
        now = change > 0 ? now + 1 : now - 1;
        most = std::max(most, now);
    }
    return most;
}

} // namespace crawl::test

namespace crawl::test::server_impl {

namespace ssl = boost::asio::ssl;

std::string server_core::base_url() const
{
    if (options_.tls) {
        return "https://localhost:" + std::to_string(port_);
    }
    const bool v6 = options_.address.find(':') != std::string::npos;
    return "http://" + (v6 ? "[" + options_.address + "]" : options_.address) + ":" + std::to_string(port_);
}

void server_core::enable_tls()
{
    const self_signed_certificate cert = make_self_signed_certificate();
    certificate_pem_ = cert.certificate_pem;
    ssl_ctx_.emplace(ssl::context::tls_server);
    ssl_ctx_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                          ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ssl_ctx_->use_certificate_chain(boost::asio::buffer(cert.certificate_pem));
    ssl_ctx_->use_private_key(boost::asio::buffer(cert.private_key_pem), ssl::context::pem);
}

std::size_t server_core::count_request(const std::string& path, std::string host, std::string target)
{
    requests_.fetch_add(1);
    const std::scoped_lock lock(paths_mutex_);
    ++path_counts_[path];
    log_.push_back({std::move(host), std::move(target), std::chrono::steady_clock::now(), std::nullopt});
    return log_.size() - 1;
}

void server_core::finish_request(std::size_t index)
{
    const std::scoped_lock lock(paths_mutex_);
    log_[index].done = std::chrono::steady_clock::now();
}

std::uint64_t server_core::requests_for(std::string_view prefix) const
{
    const std::scoped_lock lock(paths_mutex_);
    std::uint64_t total = 0;
    // The map is ordered, so every path with this prefix sits in one run from lower_bound.
    for (auto it = path_counts_.lower_bound(prefix); it != path_counts_.end() && it->first.starts_with(prefix); ++it) {
        total += it->second;
    }
    return total;
}

std::vector<logged_request> server_core::requests_log(std::string_view prefix) const
{
    const std::scoped_lock lock(paths_mutex_);
    std::vector<logged_request> out;
    for (const auto& r : log_) {
        if (std::string_view(r.target).starts_with(prefix)) {
            out.push_back(r);
        }
    }
    return out;
}

void server_core::set_response(std::string path, scripted_response response)
{
    const std::scoped_lock lock(scripted_mutex_);
    scripted_[std::move(path)] = std::move(response);
}

std::optional<scripted_response> server_core::scripted_for(const std::string& path) const
{
    const std::scoped_lock lock(scripted_mutex_);
    const auto it = scripted_.find(path);
    if (it == scripted_.end()) {
        return std::nullopt;
    }
    return it->second;
}

std::uint64_t server_core::next_attempt(const std::string& key)
{
    const std::scoped_lock lock(scripted_mutex_);
    return attempts_[key]++;
}

bool server_core::add_connection(std::uint64_t& id, std::function<void()> close)
{
    const std::scoped_lock lock(connections_mutex_);
    if (stopping_) {
        return false;
    }
    id = next_connection_id_++;
    open_connections_.emplace(id, std::move(close));
    return true;
}

void server_core::remove_connection(std::uint64_t id)
{
    {
        const std::scoped_lock lock(connections_mutex_);
        open_connections_.erase(id);
    }
    connections_cv_.notify_all();
}

void server_core::accept_loop_finished()
{
    {
        const std::scoped_lock lock(connections_mutex_);
        accepting_ = false;
    }
    connections_cv_.notify_all();
}

void server_core::close_all(std::chrono::milliseconds grace)
{
    std::vector<std::function<void()>> closers;
    {
        // Under the same lock as add_connection: no connection can slip in after this.
        const std::scoped_lock lock(connections_mutex_);
        stopping_ = true;
        stopping_flag_.store(true);
        for (const auto& entry : open_connections_) {
            closers.push_back(entry.second);
        }
    }
    for (const auto& close : closers) {
        close();
    }
    std::unique_lock lock(connections_mutex_);
    connections_cv_.wait_for(lock, grace, [this] { return open_connections_.empty() && !accepting_; });
}

} // namespace crawl::test::server_impl
