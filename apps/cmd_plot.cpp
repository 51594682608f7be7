// Placeholder until its issue lands: the command exists and says so.
#include "apps/commands.hpp"
#include "core/error.hpp"

namespace evspike::cli {

int run_plot(const args&) { throw error("plot: not implemented yet"); }

}  // namespace evspike::cli
