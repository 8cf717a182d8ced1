#include "descriptor_limit.hpp"

namespace crawl::supervisor {

descriptor_limit raise_descriptor_limit() noexcept
{
    descriptor_limit d;
    struct rlimit lim {};
    if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
        return d;
    }
    d.before = d.after = lim.rlim_cur;
    d.hard = lim.rlim_max;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &lim) == 0) {
            d.after = lim.rlim_max;
        }
    }
    return d;
}

} // namespace crawl::supervisor
