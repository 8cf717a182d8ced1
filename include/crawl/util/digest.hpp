#pragma once
// Streaming message digests (OpenSSL EVP): SHA-256 for the hash of a decoded body, SHA-1 for
// the digests of WARC records (the algorithm WARC readers and indexes expect).

#include <memory>
#include <string>
#include <string_view>

namespace crawl {

/// Incremental digest. Feed any number of chunks, then take the digest once.
class digest {
public:
    enum class algorithm { sha1, sha256 };

    explicit digest(algorithm a);
    ~digest();
    digest(digest&&) noexcept;
    digest& operator=(digest&&) noexcept;

    void update(std::string_view bytes);

    /// The raw digest bytes (20 for SHA-1, 32 for SHA-256). Call once; the object is spent
    /// afterwards.
    [[nodiscard]] std::string finish();

private:
    struct state;
    std::unique_ptr<state> state_;
};

/// Lowercase hex of `bytes`.
[[nodiscard]] std::string to_hex(std::string_view bytes);

/// SHA-256 with its hex digest: the record's `hash`.
class sha256 : public digest {
public:
    sha256() : digest(algorithm::sha256) {}

    /// Lowercase hex digest (64 characters). Call once; the object is spent afterwards.
    [[nodiscard]] std::string hex_digest() { return to_hex(finish()); }
};

} // namespace crawl
