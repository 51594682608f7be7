// evspike plot FILE -o raster.svg [--t-start MS] [--t-stop MS] [--population NAME...]: a raster
// plot as SVG (io/svg_raster.hpp: one tick per spike, or a density image above --max-marks).
// Two streamed passes: the first finds each population's rows (max id + 1) and the last spike
// time, the second draws. The file is written under a temporary name and renamed when complete.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "apps/cli.hpp"
#include "apps/commands.hpp"
#include "core/error.hpp"
#include "io/atomic_file.hpp"
#include "io/spike_file.hpp"
#include "io/svg_raster.hpp"

namespace evspike::cli {
namespace {

constexpr std::size_t read_chunk = std::size_t{1} << 20;  // spikes per streamed chunk

// The end of the default time axis: the last spike rounded up to a round number (1, 2 or 5
// times a power of ten, in tenths of the span), strictly after it so that it is drawn.
double round_up(double t_last) {
    if (!(t_last > 0)) return 1.0;
    const double raw = t_last / 10;
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    double step = 10 * power;
    for (double m : {1.0, 2.0, 5.0})
        if (m * power >= raw) {
            step = m * power;
            break;
        }
    double end = std::ceil(t_last / step) * step;
    if (end <= t_last) end += step;
    return end;
}

}  // namespace

int run_plot(const args& a) {
    command_line cl;
    cl.usage = "evspike plot FILE -o OUT.svg [--t-start MS] [--t-stop MS] [--population NAME...] [--title TEXT]";
    std::string file, output, title;
    std::vector<std::string> selected;
    int width = 1000, height = 600;
    std::size_t max_marks = 50000;
    cl.options.add_options()
        ("file", po::value(&file)->required(), "SONATA spike file")
        ("output,o", po::value(&output)->required(), "output SVG file")
        ("t-start", time_ms(), "start of the time axis, ms (default 0)")
        ("t-stop", positive_time_ms(), "end of the time axis, ms (default: just after the last spike, rounded)")
        ("population", po::value(&selected)->multitoken(), "populations to draw (default all), bottom to top")
        ("title", po::value(&title), "title (default: the file name)")
        ("width", whole(&width, 200, 20000)->default_value(1000), "image width, px")
        ("height", whole(&height, 150, 20000)->default_value(600), "image height, px")
        ("max-marks", count_or_zero(&max_marks)->default_value(50000),
         "above this many spikes in the window, draw a density image instead of one tick per spike");
    cl.positional.add("file", 1);
    po::variables_map vm;
    if (!cl.parse(a, vm)) return 0;

    raster_options options;
    options.title = vm.count("title") ? title : std::filesystem::path(file).filename().string();
    options.width_px = width;
    options.height_px = height;
    options.max_marks = max_marks;
    std::optional<double> t_start, t_stop;
    if (vm.count("t-start")) t_start = vm["t-start"].as<double>();
    if (vm.count("t-stop")) t_stop = vm["t-stop"].as<double>();
    if (t_start && t_stop && !(*t_stop > *t_start)) throw usage_error("--t-stop must be greater than --t-start", cl.usage);

    const spike_reader reader(file);
    const auto available = reader.populations();
    if (selected.empty()) selected = available;
    for (const auto& name : selected)
        if (std::find(available.begin(), available.end(), name) == available.end()) {
            std::string have;
            for (const auto& p : available) have += (have.empty() ? "" : ", ") + p;
            throw io_error(file, "/spikes/" + name, "no such population (the file has: " + (have.empty() ? "none" : have) + ")");
        }
    if (selected.size() > 64) throw usage_error("--population: at most 64 populations in one plot", cl.usage);

    double total = 0, done = 0;
    for (const auto& name : selected) total += 2.0 * static_cast<double>(reader.size(name));
    progress_bar progress("plot", total, vm.count("quiet") != 0);

    // Pass 1: rows per population and the last spike time.
    std::vector<raster_population> layout;
    double t_last = 0;
    for (const auto& name : selected) {
        std::uint64_t rows = 0;
        reader.for_each_chunk(name, read_chunk, [&](const spike_table& chunk) {
            for (std::size_t i = 0; i < chunk.size(); ++i) {
                rows = std::max(rows, chunk.node_ids[i] + 1);
                t_last = std::max(t_last, chunk.timestamps[i]);
            }
            done += static_cast<double>(chunk.size());
            progress.update(done);
        });
        layout.push_back({name, rows});
    }
    options.t_start_ms = t_start.value_or(0.0);
    options.t_stop_ms = t_stop.value_or(round_up(t_last));
    if (!(options.t_stop_ms > options.t_start_ms))
        throw usage_error("--t-start is after the data (last spike at " + std::to_string(t_last) + " ms); give --t-stop",
                          cl.usage);

    // Pass 2: draw.
    svg_raster raster(layout, options);
    for (std::size_t p = 0; p < selected.size(); ++p)
        reader.for_each_chunk(selected[p], read_chunk, [&](const spike_table& chunk) {
            raster.add(p, chunk.timestamps, chunk.node_ids);
            done += static_cast<double>(chunk.size());
            progress.update(done);
        });
    atomic_file out(output);
    out.write(raster.render());
    out.commit();
    progress.finish();
    return 0;
}

}  // namespace evspike::cli
