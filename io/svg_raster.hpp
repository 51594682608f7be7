#pragma once
// Raster plots as SVG, written by our own code (no plotting library, no HDF5 here): time on x,
// node id on y, one colour and one horizontal band per population (first population at the
// bottom, node 0 at the bottom of its band), axes with ticks and units, a title.
//
// Thinning: up to `max_marks` spikes in the window are drawn one tick each. Above that the plot
// becomes a density image: each population's spikes are binned into a grid of one column per
// pixel and one row per pixel or per neuron (whichever is coarser), and each grid is embedded as
// a palette PNG (encoded here, pixels deflated by zlib) stretched over its band. A cell's opacity
// grows with log(1 + spikes per neuron in the cell), so rows holding one neuron or two look alike.
// The size is bounded by the pixel count (at most about 0.6 MB at the default size), whatever the
// number of spikes, so a 2e7-spike raster stays well under 2 MB.
//
// Streaming: the caller declares the populations and their row counts (max node id + 1) first,
// then feeds spikes in chunks; memory is the pixel grid plus at most max_marks spikes.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace evspike {

struct raster_population {
    std::string name;
    std::uint64_t neurons = 0;  // rows in the band: max node id + 1
};

struct raster_options {
    std::string title;
    double t_start_ms = 0.0;      // x range, half-open [t_start, t_stop)
    double t_stop_ms = 1.0;
    int width_px = 1000;
    int height_px = 600;
    std::size_t max_marks = 50000;  // above this many spikes: density image
    std::string y_label = "node id";
    // Row labels on the y axis per population (an imported recording's unit ids, indexed by node
    // id); a missing or empty entry labels rows by node id.
    std::vector<std::vector<std::uint64_t>> row_labels;
};

class svg_raster {
public:
    // Throws internal_error on an empty or inverted time range or a too small canvas.
    svg_raster(std::vector<raster_population> populations, raster_options options);

    // Spikes of population `population` (index into the constructor's list); spikes outside
    // [t_start, t_stop) or with node id >= neurons are ignored.
    void add(std::size_t population, std::span<const double> timestamps_ms,
             std::span<const std::uint64_t> node_ids);

    // Spikes with a motif tag per spike (-1: none): tagged spikes are drawn in their motif's colour
    // (tick mode), the others in grey once any motif is shown. Empty `motifs`: as add() above.
    void add(std::size_t population, std::span<const double> timestamps_ms,
             std::span<const std::uint64_t> node_ids, std::span<const std::int32_t> motifs);

    // Draws population `population`'s node `id` in row row_of_node[id] instead of row `id`
    // (a permutation of 0 .. neurons - 1, e.g. sorted by delay in a motif); the y-axis ticks then
    // name the node drawn in each labelled row. Call before add().
    void set_rows(std::size_t population, std::vector<std::uint64_t> row_of_node);

    // A detected occurrence of `motif` over [t_start, t_stop): a translucent band in the motif's
    // colour across the plot, and a tick above it at its start.
    void add_occurrence(double t_start_ms, double t_stop_ms, std::uint32_t motif);

    std::uint64_t spikes_in_window() const { return spikes_; }
    bool density_mode() const { return spikes_ > options_.max_marks; }

    // The whole SVG document.
    std::string render() const;

private:
    struct band {
        double y_top = 0, height = 0;  // px
        int cells = 1;                 // grid rows: min(pixel rows, neurons)
        std::vector<std::uint32_t> grid;  // cells x grid_w_ counts, row 0 at the top
    };
    struct mark {
        double t;
        std::uint64_t node;
        std::uint32_t population;
        std::int32_t motif = -1;
    };
    struct occurrence {
        double t0, t1;
        std::uint32_t motif;
    };
    std::uint64_t row_of(std::size_t population, std::uint64_t node) const {
        const auto& r = rows_[population];
        return r.empty() ? node : r[node];
    }
    std::vector<std::vector<std::uint64_t>> rows_;  // per population: node -> row (empty: identity)
    std::vector<std::vector<std::uint64_t>> node_of_row_;
    std::vector<occurrence> occurrences_;
    bool motifs_shown_ = false;

    double x_of(double t_ms) const;
    double y_of(std::size_t population, double node) const;  // node + 0.5 = row centre

    std::vector<raster_population> populations_;
    raster_options options_;
    double left_ = 0, top_ = 0, plot_w_ = 0, plot_h_ = 0;  // plot area, px
    int grid_w_ = 1;
    std::vector<band> bands_;
    std::vector<mark> marks_;
    std::uint64_t spikes_ = 0;
};

}  // namespace evspike
