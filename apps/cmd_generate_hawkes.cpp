// Placeholder until its issue lands: the command exists and says so.
#include "apps/commands.hpp"
#include "core/error.hpp"

namespace evspike::cli {

int run_generate_hawkes(const args&) { throw error("generate hawkes: not implemented yet"); }

}  // namespace evspike::cli
