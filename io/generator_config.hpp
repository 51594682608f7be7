#pragma once
// TOML configs of `evspike generate hawkes` and `evspike generate motifs` (SPEC §6). Strict:
// unknown keys (including a parameter that the chosen kernel shape or motif model does not
// take), wrong types and out-of-range values are config_errors naming file and key path
// ("kernel[2].tau"). Keys and defaults: docs/generators.md.
#include <functional>
#include <string>
#include <vector>

#include "models/hawkes.hpp"
#include "motifs/hdsnn.hpp"
#include "motifs/jittered.hpp"

namespace evspike {

struct hawkes_config {
    hawkes_params params;              // validated (spectral radius < 1)
    std::string population = "hawkes";
    std::string text;                  // the config text, for provenance
};
// `before_validation` (optional) sees the parsed parameters before validate(), whose stability
// check's memory a command checks first (hawkes_validation_bytes).
using hawkes_check = std::function<void(const hawkes_params&)>;
hawkes_config load_hawkes_config(const std::string& path, const hawkes_check& before_validation = {});
hawkes_config parse_hawkes_config(const std::string& text, const std::string& file_name,
                                  const hawkes_check& before_validation = {});

// The TOML text of a Hawkes config that parse_hawkes_config reads back to the same parameters
// (numbers written with 17 significant digits). `header` lines are written first as comments.
std::string format_hawkes_config(const hawkes_params& params, const std::string& population,
                                 const std::vector<std::string>& header);

enum class motif_model { hdsnn, jittered };

struct motifs_config {
    motif_model model = motif_model::hdsnn;
    std::string population = "motifs";
    hdsnn_params hdsnn;                // used when model == hdsnn
    jittered_params jittered;          // used when model == jittered
    std::string text;
    std::uint64_t seed() const { return model == motif_model::hdsnn ? hdsnn.seed : jittered.seed; }
};
motifs_config load_motifs_config(const std::string& path);
motifs_config parse_motifs_config(const std::string& text, const std::string& file_name);

}  // namespace evspike
