#pragma once
// The machine's memory, for the up-front size checks of SPEC §8 (commands and file readers).
#include <cstdint>

namespace evspike {

// Physical memory of this machine (sysconf), bytes; the largest uint64 when it cannot be told.
std::uint64_t physical_memory();

}  // namespace evspike
