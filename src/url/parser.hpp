#pragma once
// The WHATWG URL Standard's basic URL parser, for the special schemes crawl fetches (http,
// https), writing the URL serializer's output directly (fragment excluded).

#include "problem.hpp"

#include "crawl/url/layout.hpp"
#include "crawl/url/target.hpp"

#include <string>
#include <string_view>

namespace crawl::url::detail {

[[nodiscard]] base_parts take_apart(const target& base) noexcept;

/// Parses `input` against `base` (null for none) and writes the serialization of the resulting
/// http(s) URL, without its fragment, to `out` (replacing its contents); where its parts lie goes
/// to `where`. Any other scheme is problem::unsupported_scheme, without parsing further.
problem parse(std::string_view input, const target* base, std::string& out, layout& where);

/// The same, with `base` already taken apart into `parts` (both null, or neither).
problem parse(std::string_view input, const target* base, const base_parts* parts, std::string& out, layout& where);

} // namespace crawl::url::detail
