#include "crawl/cli/cli.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

int main(int argc, char** argv)
{
    // Descriptors 0-2 must exist, or the first pipe would become "stdout".
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) < 0) {
            (void)::open("/dev/null", O_RDWR);
        }
    }
    try {
        return crawl::cli::main(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "crawl: error: %s\n", e.what());
        return 1;
    }
}
