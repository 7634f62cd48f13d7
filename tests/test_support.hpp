#pragma once
// Helpers shared by the tests.
#include <cstdint>

/// The suite's seed (printed at start; RDP_TEST_SEED overrides it).
std::uint64_t rdp_test_seed();
