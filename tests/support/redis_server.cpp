// The server logs to stdout, which background_process drains. Readiness is a PING over the Unix
// socket: that socket is in our own directory, so the answer cannot come from some other
// server, and redis-server opens it only after its TCP port (it exits when that port is taken).

#include "support/redis_server.hpp"

#include "support/process.hpp"
#include "support/spawn.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace crawl::test {

namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

constexpr int start_attempts = 5;
constexpr auto ready_timeout = 10s;
constexpr auto stop_timeout = 5s;

std::string env_or(const char* name, std::string fallback)
{
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

/// What redis-server is started through: util-linux's setpriv, where there is one, so that the
/// server gets SIGKILL when the test that started it dies (a ctest timeout SIGKILLs the test,
/// whose destructors then never run). The signal follows the thread that started the server,
/// which is the test's own.
std::vector<std::string> launcher()
{
    constexpr const char* setpriv = "/usr/bin/setpriv";
    if (::access(setpriv, X_OK) == 0) {
        return {setpriv, "--pdeathsig", "KILL", "--"};
    }
    return {};
}

/// One PING over the Unix socket at `path`: true when it answered +PONG within a short wait.
bool answers_ping(const std::string& path)
{
    posix::fd_handle fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        posix::fail("socket");
    }
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) {
        throw std::runtime_error("redis_server: socket path too long: " + path);
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        return false; // not there yet
    }
    constexpr std::string_view ping = "PING\r\n";
    if (::send(fd.get(), ping.data(), ping.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(ping.size())) {
        return false;
    }
    std::string answer;
    const steady::time_point deadline = steady::now() + 200ms;
    while (answer.find("\r\n") == std::string::npos && steady::now() < deadline) {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) {
            continue;
        }
        std::array<char, 64> buf{};
        const ssize_t n = ::recv(fd.get(), buf.data(), buf.size(), 0);
        if (n <= 0) {
            return false;
        }
        answer.append(buf.data(), static_cast<std::size_t>(n));
    }
    return answer.starts_with("+PONG\r\n");
}

} // namespace

std::uint16_t unused_loopback_port()
{
    posix::fd_handle fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
        posix::fail("socket");
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t length = sizeof(addr);
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
        posix::fail("bind 127.0.0.1:0");
    }
    return ntohs(addr.sin_port);
}

redis_server::redis_server() : server_path_(env_or("REDIS_SERVER", "/usr/bin/redis-server"))
{
    std::string templ = (std::filesystem::temp_directory_path() / "crawl-redis-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
        posix::fail("mkdtemp");
    }
    dir_ = templ;
    const std::string socket_path = dir_ + "/redis.sock";
    std::string failures;
    // Another process may take the port between our probe and the server's bind: then the
    // server exits, and the next attempt tries another port.
    for (int attempt = 0; attempt < start_attempts && !process_; ++attempt) {
        port_ = unused_loopback_port();
        std::vector<std::string> argv = launcher();
        argv.insert(argv.end(), {server_path_, "--port", std::to_string(port_), "--bind", "127.0.0.1", "--unixsocket",
                                 socket_path, "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                                 "--daemonize", "no", "--dir", dir_});
        auto process = std::make_unique<background_process>(argv);
        const steady::time_point deadline = steady::now() + ready_timeout;
        bool ready = false;
        while (!ready && process_alive(process->pid()) && steady::now() < deadline) {
            ready = answers_ping(socket_path);
            if (!ready) {
                std::this_thread::sleep_for(20ms);
            }
        }
        if (ready) {
            process_ = std::move(process);
        } else {
            const process_result result = process->wait(0ms);
            failures += "port " + std::to_string(port_) + ": exit " + std::to_string(result.exit_code) + "\n" +
                        result.out + result.err;
        }
    }
    if (!process_) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        throw std::runtime_error("redis_server: " + server_path_ + " did not start:\n" + failures);
    }
}

redis_server::~redis_server()
{
    process_->send_signal(SIGTERM);
    process_->wait(stop_timeout); // SIGKILLs it when the time is up
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

std::string redis_server::url() const
{
    return "redis://127.0.0.1:" + std::to_string(port_);
}

std::string redis_server::unix_url() const
{
    return "unix://" + dir_ + "/redis.sock";
}

pid_t redis_server::pid() const noexcept
{
    return process_->pid();
}

std::string redis_server::cli(const std::vector<std::string>& args) const
{
    const std::string sibling = (std::filesystem::path(server_path_).parent_path() / "redis-cli").string();
    std::vector<std::string> argv{env_or("REDIS_CLI", sibling), "-h", "127.0.0.1", "-p", std::to_string(port_)};
    argv.insert(argv.end(), args.begin(), args.end());
    const process_result result = run_process(argv, {}, 10s);
    if (result.exit_code != 0) {
        throw std::runtime_error("redis-cli exited with " + std::to_string(result.exit_code) + ": " + result.err);
    }
    return result.out;
}

} // namespace crawl::test
