#pragma once
// A real redis-server for the tests of the Redis client and of what is built on it: started in
// a fresh temporary directory (saving nothing to disk), on a free loopback port and on a Unix
// socket in that directory.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace crawl::test {

class background_process;

/// A loopback port that nothing was listening on a moment ago: bound to port 0, then closed.
std::uint16_t unused_loopback_port();

class redis_server {
public:
    /// Starts the server (REDIS_SERVER, else /usr/bin/redis-server) and waits until it answers
    /// PING. Throws std::runtime_error, with the server's output, when it does not.
    redis_server();
    /// Stops it (SIGTERM, SIGKILL after a few seconds) and removes its directory.
    ~redis_server();
    redis_server(const redis_server&) = delete;
    redis_server& operator=(const redis_server&) = delete;

    [[nodiscard]] std::string url() const;      ///< redis://127.0.0.1:PORT
    [[nodiscard]] std::string unix_url() const; ///< unix:///DIR/redis.sock
    [[nodiscard]] std::uint16_t port() const noexcept { return port_; }
    [[nodiscard]] pid_t pid() const noexcept;

    /// Runs `redis-cli -h 127.0.0.1 -p PORT ARGS...` (REDIS_CLI, else the redis-cli beside the
    /// server) and returns what it printed. Throws std::runtime_error when it fails.
    [[nodiscard]] std::string cli(const std::vector<std::string>& args) const;

private:
    std::string dir_;
    std::string server_path_;
    std::uint16_t port_ = 0;
    std::unique_ptr<background_process> process_;
};

} // namespace crawl::test
