#include "crawl/util/exit_child.hpp"

#include <unistd.h>

// GCC says -fsanitize=address with __SANITIZE_ADDRESS__, clang with __has_feature; LSan is part
// of ASan on Linux.
#if defined(__SANITIZE_ADDRESS__)
#define CRAWL_LEAK_CHECK 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CRAWL_LEAK_CHECK 1
#endif
#endif

#if defined(CRAWL_LEAK_CHECK)
#include <sanitizer/lsan_interface.h>
#endif

namespace crawl {

void exit_child(int status) noexcept
{
#if defined(CRAWL_LEAK_CHECK)
    __lsan_do_leak_check(); // reports and exits nonzero when something leaked
#endif
    ::_exit(status);
}

} // namespace crawl
