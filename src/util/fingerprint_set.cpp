#include "crawl/util/fingerprint_set.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>
#include <memory>

namespace crawl {

namespace {

struct context_free {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};

/// SHA256() looks the algorithm up in OpenSSL 3's providers on every call, which costs more
/// than hashing a URL (a recursive crawl hashes every link it is sent): the algorithm is
/// fetched once and each thread reuses one context.
bool hash_fast(std::string_view text, unsigned char* out) noexcept
{
    static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    thread_local const std::unique_ptr<EVP_MD_CTX, context_free> ctx(EVP_MD_CTX_new());
    unsigned int length = 0;
    return sha256 != nullptr && ctx != nullptr && EVP_DigestInit_ex2(ctx.get(), sha256, nullptr) == 1 &&
           EVP_DigestUpdate(ctx.get(), text.data(), text.size()) == 1 &&
           EVP_DigestFinal_ex(ctx.get(), out, &length) == 1 && length == SHA256_DIGEST_LENGTH;
}

} // namespace

std::uint64_t fingerprint64(std::string_view text) noexcept
{
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    if (!hash_fast(text, digest.data())) {
        SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest.data());
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < 8; ++i) {
        value = (value << 8) | digest[i];
    }
    return value;
}

std::optional<std::uint64_t> fingerprint_set::insert(std::uint64_t fingerprint, std::uint64_t seq)
{
    if (fingerprint == 0) {
        fingerprint = 1;
    }
    if (2 * (size_ + 1) > slots_.size()) {
        grow();
    }
    // The fingerprint is already uniformly distributed: its low bits pick the slot.
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = static_cast<std::size_t>(fingerprint) & mask;; i = (i + 1) & mask) {
        slot& s = slots_[i];
        if (s.fingerprint == 0) {
            s = slot{fingerprint, seq};
            ++size_;
            return std::nullopt;
        }
        if (s.fingerprint == fingerprint) {
            return s.seq;
        }
    }
}

void fingerprint_set::grow()
{
    std::vector<slot> old;
    old.swap(slots_);
    slots_.assign(old.empty() ? 1024 : old.size() * 2, slot{});
    const std::size_t mask = slots_.size() - 1;
    for (const slot& s : old) {
        if (s.fingerprint == 0) {
            continue;
        }
        std::size_t i = static_cast<std::size_t>(s.fingerprint) & mask;
        while (slots_[i].fingerprint != 0) {
            i = (i + 1) & mask;
        }
        slots_[i] = s;
    }
}

} // namespace crawl
