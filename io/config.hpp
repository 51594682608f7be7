#pragma once
// The simulation config of `evspike simulate` (SPEC §5): TOML text -> simulation_spec.
// Every key, type, default and unit is listed in docs/config.md.
//
// The loader validates everything it can without building the network: types, required keys,
// unknown keys (in every table), sizes, names, ids, delays > 0, rule feasibility, model
// parameters. Every failure is a config_error whose message reads
//     <config file>: <key path>: <what is wrong>
// with key paths such as "connection[2].delay", "population[0].params.tau_m",
// "output.voltage[0].node_ids[3]" (arrays of tables and array elements are indexed from 0).
//
// Relative paths in the config (source rate_file and spike_file path, output.spikes,
// output.voltage path) are resolved against the directory of the config file; the spec holds the
// resolved paths. Sources of kind "spike_file" and poisson rate files are read while loading, so
// the spec is self-contained (source_spec::times / source_spec::rate_file are filled in).
#include <string>

#include "sim/spec.hpp"

namespace evspike {

// Reads and validates the config file at `path`. Throws config_error, or io_error if the file
// cannot be read.
simulation_spec load_simulation_config(const std::string& path);

// Same, from TOML text already in memory. `path_for_messages_and_relative_paths` names the config
// in error messages and its parent directory anchors relative paths (an empty parent: the
// current directory). The text and path are stored in the spec for provenance.
simulation_spec parse_simulation_config(const std::string& toml_text,
                                        const std::string& path_for_messages_and_relative_paths);

}  // namespace evspike
