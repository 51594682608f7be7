#include "io/generator_config.hpp"

#include <cstdio>
#include <string>

#include "core/error.hpp"
#include "io/toml_util.hpp"

namespace evspike {

namespace {

using detail::toml_table;

// Re-throws a model-level config_error (key path, no file) with the file name.
template <class F>
void with_file(const std::string& file, F&& validate) {
    try {
        validate();
    } catch (const config_error& e) {
        std::string what = e.what();
        const std::string prefix = e.key + ": ";
        if (what.rfind(prefix, 0) == 0) what = what.substr(prefix.size());
        throw config_error(e.key, what, file);
    }
}

void check_population(const toml_table& root, const std::string& name) {
    if (name.empty()) root.fail("population", "must not be empty");
    for (char c : name)
        if (c == '/' || c == '\0') root.fail("population", "must not contain '/'");
}

std::string exact(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", x);
    std::string s = buffer;
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";  // a TOML float, not an integer
    return s;
}

}  // namespace

std::string format_hawkes_config(const hawkes_params& params, const std::string& population,
                                 const std::vector<std::string>& header) {
    std::string out;
    for (const auto& line : header) out += "# " + line + "\n";
    out += "seed = " + std::to_string(params.seed) + "\n";
    out += "t_stop = " + exact(params.t_stop_ms) + "\n";
    out += "burn_in = " + exact(params.burn_in_ms) + "\n";
    out += "population = \"" + population + "\"\n";
    out += "baseline = [";
    for (std::size_t i = 0; i < params.baseline_hz.size(); ++i)
        out += (i ? ", " : "") + exact(params.baseline_hz[i]);
    out += "]  # Hz\n";
    for (const auto& k : params.kernels) {
        out += "\n[[kernel]]\nsource = " + std::to_string(k.source) + "\ntarget = " + std::to_string(k.target) +
               "\nnorm = " + exact(k.norm) + "\nshape = \"" + to_string(k.shape) + "\"\n";
        switch (k.shape) {
            case kernel_shape::exponential: out += "tau = " + exact(k.tau) + "\n"; break;
            case kernel_shape::truncated_exponential:
                out += "tau = " + exact(k.tau) + "\nsupport = " + exact(k.support) + "\n";
                break;
            case kernel_shape::truncated_gaussian:
                out += "mean = " + exact(k.mean) + "\nsigma = " + exact(k.sigma) + "\nsupport = " + exact(k.support) + "\n";
                break;
            case kernel_shape::raised_cosine:
                out += "start = " + exact(k.start) + "\nwidth = " + exact(k.width) + "\n";
                break;
        }
    }
    return out;
}

hawkes_config parse_hawkes_config(const std::string& text, const std::string& file, const hawkes_check& before_validation) {
    const auto doc = detail::toml_document::from_text(text, file);
    const toml_table root = doc.root();
    hawkes_config c;
    c.text = text;
    auto& p = c.params;
    p.seed = root.count("seed", 1);
    p.t_stop_ms = root.number("t_stop");
    p.burn_in_ms = root.number("burn_in", 0.0);
    c.population = root.string("population", "hawkes");
    check_population(root, c.population);
    p.baseline_hz = root.at("baseline").as_number_array();
    for (auto& k : root.array_of_tables("kernel")) {
        hawkes_kernel kernel;
        kernel.source = k.count("source");
        kernel.target = k.count("target");
        kernel.norm = k.number("norm");
        const auto shape = k.at("shape");
        if (!parse_kernel_shape(shape.as_string(), kernel.shape))
            shape.fail("unknown shape '" + shape.as_string() +
                       "' (expected exponential, truncated_exponential, truncated_gaussian or raised_cosine)");
        switch (kernel.shape) {
            case kernel_shape::exponential: kernel.tau = k.number("tau"); break;
            case kernel_shape::truncated_exponential:
                kernel.tau = k.number("tau");
                kernel.support = k.number("support");
                break;
            case kernel_shape::truncated_gaussian:
                kernel.mean = k.number("mean");
                kernel.sigma = k.number("sigma");
                kernel.support = k.number("support");
                break;
            case kernel_shape::raised_cosine:
                kernel.start = k.number("start");
                kernel.width = k.number("width");
                break;
        }
        k.finish();
        p.kernels.push_back(kernel);
    }
    root.finish();
    if (before_validation) before_validation(p);
    with_file(file, [&] { p.validate(); });
    return c;
}

hawkes_config load_hawkes_config(const std::string& path, const hawkes_check& before_validation) {
    return parse_hawkes_config(detail::read_text_file(path), path, before_validation);
}

motifs_config parse_motifs_config(const std::string& text, const std::string& file) {
    const auto doc = detail::toml_document::from_text(text, file);
    const toml_table root = doc.root();
    motifs_config c;
    c.text = text;
    const auto model = root.at("model");
    const std::string name = model.as_string();
    c.population = root.string("population", "motifs");
    check_population(root, c.population);
    const std::uint64_t seed = root.count("seed", 1);
    const std::uint64_t template_seed = root.count("template_seed", seed);
    if (name == "hdsnn") {
        c.model = motif_model::hdsnn;
        auto& h = c.hdsnn;
        h.seed = seed;
        h.template_seed = template_seed;
        h.neurons = root.count("neurons", h.neurons);
        h.motifs = root.count("motifs", h.motifs);
        h.delays = root.count("delays", h.delays);
        h.bins = root.count("bins", h.bins);
        h.bin_ms = root.number("bin", h.bin_ms);
        h.p_background = root.number("p_background", h.p_background);
        h.p_motif = root.number("p_motif", h.p_motif);
        h.weight_scale = root.number("weight_scale", h.weight_scale);
        h.sparsity = root.number("sparsity", h.sparsity);
        h.tau_rise = root.number("tau_rise", h.tau_rise);
        h.tau_decay = root.number("tau_decay", h.tau_decay);
        h.trials = root.count("trials", h.trials);
        root.finish();
        with_file(file, [&] { h.validate(); });
    } else if (name == "jittered") {
        c.model = motif_model::jittered;
        auto& j = c.jittered;
        j.seed = seed;
        j.template_seed = template_seed;
        j.neurons = root.count("neurons", j.neurons);
        j.motifs = root.count("motifs", j.motifs);
        j.t_stop_ms = root.number("t_stop", j.t_stop_ms);
        j.duration_ms = root.number("duration", j.duration_ms);
        j.synapses = root.count("synapses", j.synapses);
        j.participation = root.number("participation", j.participation);
        j.jitter_ms = root.number("jitter", j.jitter_ms);
        j.motif_rate_hz = root.number("motif_rate", j.motif_rate_hz);
        j.background_rate_hz = root.number("background_rate", j.background_rate_hz);
        root.finish();
        with_file(file, [&] { j.validate(); });
    } else {
        model.fail("unknown model '" + name + "' (expected \"hdsnn\" or \"jittered\")");
    }
    return c;
}

motifs_config load_motifs_config(const std::string& path) {
    return parse_motifs_config(detail::read_text_file(path), path);
}

}  // namespace evspike
