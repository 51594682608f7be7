// Placeholder until its issue lands: the command exists and says so.
#include "apps/commands.hpp"
#include "core/error.hpp"

namespace evspike::cli {

int run_generate_poisson(const args&) { throw error("generate poisson: not implemented yet"); }

}  // namespace evspike::cli
