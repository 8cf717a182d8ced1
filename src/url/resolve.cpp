#include "resolve.hpp"

namespace crawl::url::detail {
namespace {

void take_authority(const urls::url_view_base& from, components& to)
{
    to.has_authority = from.has_authority();
    to.has_userinfo = from.has_userinfo();
    to.userinfo = from.encoded_userinfo();
    to.host = from.encoded_host();
    to.host_type = from.host_type();
    to.has_port = from.has_port();
    to.port = from.port();
}

} // namespace

// RFC 3986 5.2.2 reference resolution, written out because Boost.URL 1.81's resolve() builds
// and rewrites a whole url object (most of resolve_link's time) and then needs fixing anyway.
// Dot segments are removed later by serialize(). `merged` holds a merged path.
components resolve_components(const urls::url_view_base& base, const urls::url_view_base& ref,
                              std::string& merged)
{
    if (ref.has_scheme()) {
        return components_of(ref);
    }
    components t;
    t.scheme = base.scheme_id();
    if (ref.has_authority()) {
        take_authority(ref, t);
        t.path = ref.encoded_path();
        t.has_query = ref.has_query();
        t.query = ref.encoded_query();
        return t;
    }
    take_authority(base, t);
    const std::string_view ref_path = ref.encoded_path();
    if (ref_path.empty()) {
        t.path = base.encoded_path();
        t.has_query = ref.has_query() || base.has_query();
        t.query = ref.has_query() ? ref.encoded_query() : base.encoded_query();
        return t;
    }
    t.has_query = ref.has_query();
    t.query = ref.encoded_query();
    if (ref_path.front() == '/') {
        t.path = ref_path;
        return t;
    }
    const std::string_view base_path = base.encoded_path();
    merged.clear();
    if (base.has_authority() && base_path.empty()) {
        merged += '/';
    } else {
        const std::size_t slash = base_path.rfind('/');
        if (slash != std::string_view::npos) {
            merged.append(base_path.substr(0, slash + 1));
        }
    }
    merged.append(ref_path);
    t.path = merged;
    return t;
}

components components_of(const urls::url_view_base& u)
{
    components c;
    c.scheme = u.scheme_id();
    take_authority(u, c);
    c.path = u.encoded_path();
    c.has_query = u.has_query();
    c.query = u.encoded_query();
    return c;
}

} // namespace crawl::url::detail
