#pragma once
// A loopback TCP server that answers with scripted raw bytes instead of a real HTTP stack: the
// malformed, lying and hostile responses Beast's serializer cannot produce (garbage status
// lines, wrong Content-Length, endless bodies and headers, resets), plus hostile HTML, and two
// "TLS" ports that answer a handshake with garbage or never at all. Routes: see
// tests/support/README.md ("Liar server routes").
//
// One thread per connection with blocking sockets, so each script reads top to bottom. The
// destructor shuts every socket down (which unblocks those threads) and joins them.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace crawl::test {

class liar_server {
public:
    /// What every connection gets.
    enum class mode {
        http,        ///< read a request head, answer by its path (the route table)
        tls_garbage, ///< read the client's first bytes (a TLS ClientHello), answer plain text, close
        tls_silent,  ///< accept and read, never write: a handshake that never completes
    };

    explicit liar_server(mode m = mode::http);
    ~liar_server();
    liar_server(const liar_server&) = delete;
    liar_server& operator=(const liar_server&) = delete;

    [[nodiscard]] std::uint16_t port() const noexcept;
    /// "http://127.0.0.1:PORT" + path (https:// for the TLS modes).
    [[nodiscard]] std::string url(std::string_view path) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

namespace liar {

/// Title of the page /continue serves after its 100 Continue.
inline constexpr std::string_view after_continue_title = "After Continue";
/// Title of /after-short (fetched on the same host after /length-short's extra bytes).
inline constexpr std::string_view after_short_title = "After Short";
/// Title of the response smuggled into /length-short's extra bytes; a client that reuses that
/// connection reads it as the answer to its next request.
inline constexpr std::string_view smuggled_title = "Smuggled";
/// Links on /links (distinct, same host).
inline constexpr std::size_t many_links = 100'000;
/// Depth of /deep-nesting.
inline constexpr std::size_t nesting_depth = 200'000;
/// Bytes of the attribute value in /huge-attribute.
inline constexpr std::size_t huge_attribute_bytes = 5u << 20;
/// Title of /deep-nesting and /huge-attribute (before the hostile part), and of /title-hidden
/// (after the decoys).
inline constexpr std::string_view real_title = "Real Title";
/// What /title-entities' title decodes to.
inline constexpr std::string_view entities_title = "Fish & Chips <3> \"quoted\" caf\xC3\xA9 \xE2\x98\xBA \xE2\x82\xAC";
/// What /title-invalid-utf8's title becomes: each ill-formed byte and each NUL one U+FFFD.
inline constexpr std::string_view invalid_utf8_title = "A\xEF\xBF\xBD" "B\xEF\xBF\xBD" "C\xEF\xBF\xBD(D \xC3\xA9";

// The HTML the routes send (liar_pages.cpp), also for tests that parse it without a server.

/// A small page titled `title` (markup allowed), `body` in its body.
std::string titled_page(std::string_view title, std::string_view body = {});
/// /title-invalid-utf8: a title with a lone 0xFF, a NUL, a cut two-byte sequence, a valid one.
std::string invalid_utf8_title_page();
/// /title-entities: entities_title written with character references.
std::string entities_title_page();
/// /title-hidden: <title> in a comment and in a script string before the real_title.
std::string hidden_title_page();
/// /links: many_links distinct links.
std::string many_links_page();
/// /deep-nesting: nesting_depth nested <div>s, a link before and inside them.
std::string deep_nesting_page();
/// /huge-attribute: a huge_attribute_bytes attribute value between two links.
std::string huge_attribute_page();

} // namespace liar

} // namespace crawl::test
