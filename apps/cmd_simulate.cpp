// Placeholder until its issue lands: the command exists and says so.
#include "apps/commands.hpp"
#include "core/error.hpp"

namespace evspike::cli {

int run_simulate(const args&) { throw error("simulate: not implemented yet"); }

}  // namespace evspike::cli
