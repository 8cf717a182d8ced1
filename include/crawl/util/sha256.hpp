#pragma once
// Streaming SHA-256 (OpenSSL), for the hash of a decoded body.

#include <memory>
#include <string>
#include <string_view>

namespace crawl {

/// Incremental SHA-256. Feed any number of chunks, then take the digest once.
class sha256 {
public:
    sha256();
    ~sha256();
    sha256(sha256&&) noexcept;
    sha256& operator=(sha256&&) noexcept;

    void update(std::string_view bytes);

    /// Lowercase hex digest (64 characters). Call once; the object is spent afterwards.
    [[nodiscard]] std::string hex_digest();

private:
    struct state;
    std::unique_ptr<state> state_;
};

} // namespace crawl
