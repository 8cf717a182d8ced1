// Where a crawl may go, end to end: a redirect from a public address to an inward one is not
// followed (blocked_address), unless the URL started inward or --allow-private is given. Public
// addresses do not exist on loopback, so this binary moves itself into a network namespace of its
// own (it needs root; otherwise every test is skipped, saying why) where 198.51.100.7 (TEST-NET-2,
// a public-class address) is a local address beside 127.0.0.1.

#include "harness.hpp"
#include "support/test_server.hpp"

#include <sched.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace crawl::test {
namespace {

constexpr const char* public_address = "198.51.100.7";

/// Set once, before any test starts a thread: whether the namespace is ready, and why not.
std::string namespace_problem = "not set up";

class private_network final : public ::testing::Environment {
public:
    void SetUp() override
    {
        if (::unshare(CLONE_NEWNET) != 0) {
            namespace_problem = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno);
            return;
        }
        const std::string setup = std::string("ip link set lo up && ip addr add ") + public_address + "/32 dev lo";
        if (std::system(setup.c_str()) != 0) {
            namespace_problem = "could not run: " + setup;
            return;
        }
        namespace_problem.clear();
    }
};

[[maybe_unused]] const auto* const environment = ::testing::AddGlobalTestEnvironment(new private_network);

class AddressTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (!namespace_problem.empty()) {
            GTEST_SKIP() << "needs a network namespace of its own (run as root): " << namespace_problem;
        }
        outside.emplace(server_options{.address = public_address});
        inside.emplace();
    }

    std::string redirect_inward(std::string_view path) const
    {
        return outside->url("/redirect-to?location=" + inside->url(path));
    }

    std::optional<test_server> outside; ///< on the public address
    std::optional<test_server> inside;  ///< on 127.0.0.1
};

TEST_F(AddressTest, ARedirectFromAPublicAddressToLoopbackIsNotFollowed)
{
    const auto run = run_crawl({redirect_inward("/page/1"), outside->url("/page/2")}, {"-w", "1"});
    ASSERT_EQ(run.records.size(), 2u) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "blocked_address");
    EXPECT_EQ(str(run.at(1), "final_url"), inside->url("/page/1"));
    const auto why = str(run.at(1).at("error").as_object(), "message");
    EXPECT_NE(why.find("loopback"), std::string::npos) << why;
    EXPECT_NE(why.find("--allow-private"), std::string::npos) << why;
    EXPECT_EQ(inside->requests_for("/page/"), 0u) << "nothing was sent inward";
    EXPECT_EQ(error_class_of(run.at(2)), "none");
    EXPECT_EQ(run.process.exit_code, 1);
}

TEST_F(AddressTest, AllowPrivateFollowsIt)
{
    const auto run = run_crawl({redirect_inward("/page/1")}, {"-w", "1", "--allow-private"});
    ASSERT_EQ(run.records.size(), 1u) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "none");
    EXPECT_EQ(inside->requests_for("/page/1"), 1u);
}

TEST_F(AddressTest, AnInwardStartMayStayInwardAndGoOutward)
{
    const auto run = run_crawl({inside->url("/redirect-to?location=" + inside->url("/page/3")),
                                inside->url("/redirect-to?location=" + outside->url("/page/4"))},
                               {"-w", "1"});
    ASSERT_EQ(run.records.size(), 2u) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "none") << "an intranet crawl works as before";
    EXPECT_EQ(error_class_of(run.at(2)), "none");
    EXPECT_EQ(outside->requests_for("/page/4"), 1u);
}

TEST_F(AddressTest, TheMetadataServiceIsRefusedWithoutAConnectionAttempt)
{
    // Nothing listens there: a connection attempt would end in connect or timeout instead.
    const auto run = run_crawl(
        {outside->url("/redirect-to?location=http://169.254.169.254/latest/meta-data/")},
        {"-w", "1", "--connect-timeout", "30"});
    ASSERT_EQ(run.records.size(), 1u) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "blocked_address");
    EXPECT_NE(str(run.at(1).at("error").as_object(), "message").find("link-local"), std::string::npos);
}

TEST_F(AddressTest, ANameIsJudgedByTheAddressItLeadsTo)
{
    const std::string inward_name = "intranet.example:" + std::to_string(inside->port());
    const auto run = run_crawl({outside->url("/redirect-to?location=http://" + inward_name + "/page/5")},
                               {"-w", "1", "--resolve", inward_name + ":127.0.0.1"});
    ASSERT_EQ(run.records.size(), 1u) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "blocked_address");
    EXPECT_EQ(inside->requests_for("/page/5"), 0u);
}

TEST_F(AddressTest, AKeptAliveConnectionInwardIsNotReusedForAPublicStart)
{
    // One worker, one fetch at a time: line 1 (inward, allowed) leaves a keep-alive connection
    // to the inside server in the pool; line 2 starts public and is sent there by a redirect.
    const auto run = run_crawl({inside->url("/page/6"), redirect_inward("/page/7")},
                               {"-w", "1", "-c", "1", "--ignore-robots"});
    ASSERT_EQ(run.records.size(), 2u) << run.process.err;
    EXPECT_EQ(error_class_of(run.at(1)), "none");
    EXPECT_EQ(error_class_of(run.at(2)), "blocked_address");
    EXPECT_EQ(inside->requests_for("/page/7"), 0u);
}

} // namespace
} // namespace crawl::test
