// The doctest runner. Randomised tests draw their seed from rdp_test_seed(); it is printed at
// start and can be set with RDP_TEST_SEED=N to replay a failure.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

std::uint64_t rdp_test_seed() {
  static const std::uint64_t seed = [] {
    const char* env = std::getenv("RDP_TEST_SEED");
    return env ? std::strtoull(env, nullptr, 10) : std::uint64_t{20261123};
  }();
  return seed;
}

int main(int argc, char** argv) {
  doctest::Context context;
  context.applyCommandLine(argc, argv);
  std::fprintf(stderr, "rdp_tests: seed %llu\n", (unsigned long long)rdp_test_seed());
  return context.run();
}
