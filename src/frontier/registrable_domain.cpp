#include "crawl/frontier/registrable_domain.hpp"

#include <libpsl.h>

#include <algorithm>
#include <array>
#include <cstring>

namespace crawl::frontier {

namespace {

// The list is loaded once per process and only read afterwards, which libpsl allows from any
// number of threads. psl_latest(nullptr) takes the freshest of the file Debian's libpsl names
// as its distribution file (/usr/share/publicsuffix/public_suffix_list.dafsa, from the
// publicsuffix package) and the list compiled into libpsl when it was built, by modification
// time: an update of the publicsuffix package takes effect without rebuilding libpsl or crawl,
// and a missing file leaves the compiled-in list. The DAFSA loads in 0.7 ms, against 13.6 ms
// for the text list (docs/design.md, "Scope", has the figures). Without any list (a libpsl
// built with none) every host is its own registrable domain: --scope domain becomes --scope
// host, never wider.
class suffix_list {
public:
    suffix_list() : context_(psl_latest(nullptr)) {}
    ~suffix_list() { psl_free(context_); }
    suffix_list(const suffix_list&) = delete;
    suffix_list& operator=(const suffix_list&) = delete;

    [[nodiscard]] const psl_ctx_t* get() const noexcept { return context_; }

private:
    psl_ctx_t* context_;
};

const psl_ctx_t* public_suffix_list()
{
    static const suffix_list list;
    return list.get();
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// The URL parser turns every host whose last label is a number into an IPv4 address (or
// rejects it), and IPv6 hosts are the only ones with a colon: no lookup needed for either.
bool is_ip_address(std::string_view host) noexcept
{
    if (host.find(':') != std::string_view::npos) {
        return true;
    }
    const auto last_dot = host.rfind('.');
    const auto last_label = last_dot == std::string_view::npos ? host : host.substr(last_dot + 1);
    return !last_label.empty() && std::all_of(last_label.begin(), last_label.end(), is_digit);
}

// libpsl reads C strings; a host fits the buffer unless it breaks DNS's 253-byte limit.
constexpr std::size_t host_buffer_size = 256;

const char* lookup(const psl_ctx_t* list, std::string_view host, std::string& spill)
{
    thread_local std::array<char, host_buffer_size> buffer{};
    const char* text = nullptr;
    if (host.size() < buffer.size()) {
        std::memcpy(buffer.data(), host.data(), host.size());
        buffer[host.size()] = '\0';
        text = buffer.data();
    } else {
        spill.assign(host);
        text = spill.c_str();
    }
    const char* found = psl_registrable_domain(list, text);
    if (found == nullptr) {
        return nullptr;
    }
    // Back to an offset into the caller's host.
    return host.data() + (found - text);
}

} // namespace

std::string_view registrable_part(std::string_view host)
{
    host = host.substr(0, host.find_last_not_of('.') + 1); // npos + 1: a host of dots is empty
    if (host.empty() || is_ip_address(host)) {
        return host;
    }
    std::string spill;
    const char* found = lookup(public_suffix_list(), host, spill);
    if (found == nullptr) {
        return host; // a public suffix itself, or a single label
    }
    return host.substr(static_cast<std::size_t>(found - host.data()));
}

std::string registrable_domain(std::string_view host) { return std::string(registrable_part(host)); }

} // namespace crawl::frontier
