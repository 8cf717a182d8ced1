#pragma once
// The components of a parsed URL, or of a reference resolved against a base URL (RFC 3986
// 5.2.2), ready for serialize().

#include "normalize.hpp"

#include <boost/url/url_view_base.hpp>

#include <string>

namespace crawl::url::detail {

/// The components of the absolute URL `u`.
components components_of(const urls::url_view_base& u);

/// `ref` resolved against `base`; `merged` holds a merged path the result may view.
components resolve_components(const urls::url_view_base& base, const urls::url_view_base& ref, std::string& merged);

} // namespace crawl::url::detail
