#pragma once
// A throwaway self-signed certificate for the HTTPS test server.

#include <string>

namespace crawl::test {

/// A certificate and its private key, both PEM.
struct self_signed_certificate {
    std::string certificate_pem; ///< X509 v3, CN=localhost, SAN DNS:localhost + IP:127.0.0.1, CA:TRUE
    std::string private_key_pem; ///< PKCS#8 EC P-256 key
};

/// Generates a fresh EC P-256 key and a self-signed certificate valid from one hour ago for one
/// year. It is its own CA (basicConstraints CA:TRUE), so a client can trust it directly
/// (e.g. `crawl --cacert cert.pem`). Throws std::runtime_error when OpenSSL fails.
self_signed_certificate make_self_signed_certificate();

} // namespace crawl::test
