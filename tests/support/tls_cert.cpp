#include "support/tls_cert.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdint>
#include <memory>
#include <stdexcept>

namespace crawl::test {
namespace {

template <class T, void (*Free)(T*)>
struct openssl_deleter {
    void operator()(T* p) const noexcept { Free(p); }
};
using pkey_ptr = std::unique_ptr<EVP_PKEY, openssl_deleter<EVP_PKEY, EVP_PKEY_free>>;
using x509_ptr = std::unique_ptr<X509, openssl_deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, openssl_deleter<BIO, BIO_free_all>>;
using ext_ptr = std::unique_ptr<X509_EXTENSION, openssl_deleter<X509_EXTENSION, X509_EXTENSION_free>>;

void check(bool ok, const char* what)
{
    if (!ok) {
        throw std::runtime_error(std::string("test certificate: ") + what + " failed");
    }
}

void add_extension(X509* cert, int nid, const char* value)
{
    X509V3_CTX ctx{};
    // Issuer and subject are the same certificate: that is what makes it self-signed, and
    // authorityKeyIdentifier needs the issuer to find the subjectKeyIdentifier added before it.
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    const ext_ptr ext{X509V3_EXT_conf_nid(nullptr, &ctx, nid, value)};
    check(ext != nullptr, value);
    check(X509_add_ext(cert, ext.get(), -1) == 1, "X509_add_ext");
}

std::string drain(BIO* bio)
{
    std::string out(BIO_ctrl_pending(bio), '\0');
    const int n = BIO_read(bio, out.data(), static_cast<int>(out.size()));
    check(n >= 0 && static_cast<std::size_t>(n) == out.size(), "BIO_read");
    return out;
}

} // namespace

self_signed_certificate make_self_signed_certificate()
{
    const pkey_ptr key{EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")};
    check(key != nullptr, "EC P-256 key generation");

    const x509_ptr cert{X509_new()};
    check(cert != nullptr, "X509_new");
    check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");

    // A random positive serial, so that two servers in one test never look like one certificate.
    std::array<unsigned char, 8> serial_bytes{};
    check(RAND_bytes(serial_bytes.data(), static_cast<int>(serial_bytes.size())) == 1, "RAND_bytes");
    std::uint64_t serial = 0;
    for (const unsigned char b : serial_bytes) {
        serial = (serial << 8U) | b;
    }
    serial &= 0x7FFFFFFFFFFFFFFFULL;
    check(ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial) == 1, "serial");

    // Valid from an hour ago, so clock differences between processes never make it "not yet valid".
    check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr, "notBefore");
    check(X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 24 * 3600) != nullptr, "notAfter");
    check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");

    X509_NAME* name = X509_get_subject_name(cert.get());
    const auto add_name = [name](const char* field, const char* value) {
        check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_ASC,
                                         reinterpret_cast<const unsigned char*>(value), -1, -1, 0) == 1,
              field);
    };
    add_name("O", "crawl test server");
    add_name("CN", "localhost");
    check(X509_set_issuer_name(cert.get(), name) == 1, "X509_set_issuer_name");

    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
    add_extension(cert.get(), NID_ext_key_usage, "serverAuth");
    add_extension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
    add_extension(cert.get(), NID_subject_key_identifier, "hash");
    add_extension(cert.get(), NID_authority_key_identifier, "keyid:always");

    check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

    self_signed_certificate out;
    const bio_ptr cert_bio{BIO_new(BIO_s_mem())};
    check(cert_bio != nullptr && PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1, "PEM_write_bio_X509");
    out.certificate_pem = drain(cert_bio.get());
    const bio_ptr key_bio{BIO_new(BIO_s_mem())};
    check(key_bio != nullptr &&
              PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
    out.private_key_pem = drain(key_bio.get());
    return out;
}

} // namespace crawl::test
