#include "crawl/util/digest.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace crawl {

struct digest::state {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~state() { EVP_MD_CTX_free(ctx); }
};

digest::digest(algorithm a) : state_(std::make_unique<state>())
{
    const EVP_MD* md = a == algorithm::sha1 ? EVP_sha1() : EVP_sha256();
    if (state_->ctx == nullptr || EVP_DigestInit_ex(state_->ctx, md, nullptr) != 1) {
        throw std::runtime_error("EVP_DigestInit_ex failed");
    }
}

digest::~digest() = default;
digest::digest(digest&&) noexcept = default;
digest& digest::operator=(digest&&) noexcept = default;

void digest::update(std::string_view bytes)
{
    EVP_DigestUpdate(state_->ctx, bytes.data(), bytes.size());
}

std::string digest::finish()
{
    std::array<unsigned char, EVP_MAX_MD_SIZE> raw{};
    unsigned int length = 0;
    EVP_DigestFinal_ex(state_->ctx, raw.data(), &length);
    return {reinterpret_cast<const char*>(raw.data()), length};
}

std::string to_hex(std::string_view bytes)
{
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * bytes.size());
    for (const char c : bytes) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(hex[b >> 4]);
        out.push_back(hex[b & 0xf]);
    }
    return out;
}

} // namespace crawl
