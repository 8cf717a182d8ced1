#pragma once
// The registrable domain (eTLD+1) of a host, from the Public Suffix List through libpsl: what
// `--scope domain` compares.

#include <string>
#include <string_view>

namespace crawl::frontier {

/// The registrable domain of a host as the URL parser normalizes it (lowercase, IDNA to
/// punycode, IPv6 without brackets): the public suffix plus one label, by the Public Suffix
/// List's ICANN and private sections (`www.example.co.uk` → `example.co.uk`,
/// `a.b.user.github.io` → `user.github.io`). Defined answers where the list gives none:
/// - an IP address is its own registrable domain;
/// - a host that is itself a public suffix (`co.uk`, `github.io`) or a single label
///   (`localhost`) is its own registrable domain, so it shares it with no other host;
/// - a suffix the list does not know (`.test`, `.internal`) is one label, by the list's
///   default rule `*`: `h001.d001.test` → `d001.test`;
/// - trailing dots are ignored (`www.example.com.` → `example.com`): libpsl would otherwise
///   call `co.uk.` registrable.
/// Thread-safe; the list is loaded once per process, on first use (docs/design.md, "Scope").
[[nodiscard]] std::string registrable_domain(std::string_view host);

/// The same, as a view into `host` (no allocation): the form scope's per-link check uses.
[[nodiscard]] std::string_view registrable_part(std::string_view host);

} // namespace crawl::frontier
