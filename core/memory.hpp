#pragma once
// The machine's memory, for the up-front size checks of SPEC §8 (commands and file readers).
#include <cstdint>
#include <string>

namespace evspike {

// Physical memory of this machine (sysconf), bytes; the largest uint64 when it cannot be told.
std::uint64_t physical_memory();

// "3.7 GB" (powers of 1000, 2 significant digits).
std::string human_bytes(double bytes);

// Throws evspike::error when `bytes` exceeds `limit` (0: physical_memory()):
// "<what> needs about 12 GB of memory (<detail>), more than the 8.2 GB of this machine; ...";
// `limit_name` names a given limit ("--max-memory" for the commands, "max_memory" from Python).
void check_memory(const std::string& what, double bytes, const std::string& detail, std::uint64_t limit,
                  const std::string& limit_name = "--max-memory");

}  // namespace evspike
