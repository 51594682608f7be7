#include "io/svg_raster.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>

#include <zlib.h>

#include "core/error.hpp"

namespace evspike {
namespace {

// Margins around the plot area, px: room for tick labels, population names and the title.
constexpr int margin_left = 100, margin_right = 45, margin_top = 40, margin_bottom = 55;
constexpr int band_gap = 8;  // px between population bands

constexpr std::array<const char*, 10> colours = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

// Motif colours (detections): apart from grey, which is for spikes in no motif.
constexpr std::array<const char*, 8> motif_colours = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e",
                                                      "#9467bd", "#e377c2", "#17becf", "#8c564b"};

// A population's colour follows its name, not its band position, so that `exc` keeps its colour
// whatever the order or the other populations shown: FNV-1a of the name into the palette. When
// names of one plot fall on the same colour, they are resolved in alphabetical order, each later
// name taking the next free colour (so the result still does not depend on the order).
std::vector<const char*> population_colours(const std::vector<raster_population>& populations) {
    std::vector<std::size_t> order(populations.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return populations[a].name < populations[b].name; });
    std::vector<const char*> out(populations.size());
    std::array<bool, colours.size()> used{};
    std::size_t taken = 0;
    for (const std::size_t i : order) {
        std::uint64_t h = 14695981039346656037ULL;
        for (const unsigned char c : populations[i].name) h = (h ^ c) * 1099511628211ULL;
        std::size_t k = static_cast<std::size_t>(h % colours.size());
        if (taken < colours.size())
            while (used[k]) k = (k + 1) % colours.size();
        if (!used[k]) ++taken;
        used[k] = true;
        out[i] = colours[k];
    }
    return out;
}

std::array<std::uint8_t, 3> rgb(const char* hex) {
    std::array<std::uint8_t, 3> c{};
    for (int i = 0; i < 3; ++i) {
        unsigned v = 0;
        std::from_chars(hex + 1 + 2 * i, hex + 3 + 2 * i, v, 16);
        c[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v);
    }
    return c;
}

std::string xml_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default: out += c;
        }
    }
    return out;
}

// Coordinates with two decimals: enough for a screen, short in the file.
void append_coord(std::string& out, double v) {
    char buffer[32];
    const int n = std::snprintf(buffer, sizeof buffer, "%.2f", v);
    std::string_view s(buffer, static_cast<std::size_t>(n));
    if (s.find('.') != std::string_view::npos) {
        while (s.back() == '0') s.remove_suffix(1);
        if (s.back() == '.') s.remove_suffix(1);
    }
    out += s;
}

std::string coord(double v) {
    std::string s;
    append_coord(s, v);
    return s;
}

// 1, 2 or 5 times a power of ten, giving about `target` steps over `range`.
double nice_step(double range, double target) {
    const double raw = range / std::max(target, 1.0);
    const double power = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0})
        if (m * power >= raw) return m * power;
    return 10.0 * power;
}

std::string tick_label(double value, double step) {
    const int decimals = std::max(0, -static_cast<int>(std::floor(std::log10(step) + 1e-9)));
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    std::string s = buffer;
    if (s == "-0") s = "0";
    return s;
}

// A y tick's text: the row's unit id when the population has labels, else the node id.
std::string row_label(const std::vector<std::uint64_t>& labels, double row, double step) {
    const auto index = static_cast<std::size_t>(row);
    if (index < labels.size()) return std::to_string(labels[index]);
    return tick_label(row, step);
}

// --- A palette PNG whose image data zlib compresses (a dense raster's 172 KB of pixels become
// ~18 KB: most cells are empty or repeat their neighbour). ---

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void png_chunk(std::vector<std::uint8_t>& out, const char* type, const std::vector<std::uint8_t>& data) {
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), data.begin(), data.end());
    put_u32(out, static_cast<std::uint32_t>(crc32_z(0, out.data() + start, out.size() - start)));
}

std::vector<std::uint8_t> png_indexed(int width, int height, const std::vector<std::uint8_t>& pixels,
                                      const std::vector<std::array<std::uint8_t, 3>>& palette,
                                      const std::vector<std::uint8_t>& alpha) {
    std::vector<std::uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    std::vector<std::uint8_t> header;
    put_u32(header, static_cast<std::uint32_t>(width));
    put_u32(header, static_cast<std::uint32_t>(height));
    header.insert(header.end(), {8, 3, 0, 0, 0});  // depth 8, indexed colour, deflate, no filter/interlace
    png_chunk(out, "IHDR", header);
    std::vector<std::uint8_t> plte;
    for (const auto& c : palette) plte.insert(plte.end(), c.begin(), c.end());
    png_chunk(out, "PLTE", plte);
    png_chunk(out, "tRNS", alpha);

    // Scanlines, each with filter byte 0, as one zlib stream. Level 9 costs a few ms on the
    // ~0.2 MB of a default-size raster.
    std::vector<std::uint8_t> raw;
    raw.reserve(static_cast<std::size_t>(height) * (static_cast<std::size_t>(width) + 1));
    for (int y = 0; y < height; ++y) {
        raw.push_back(0);
        const auto row = pixels.begin() + static_cast<std::ptrdiff_t>(y) * width;
        raw.insert(raw.end(), row, row + width);
    }
    uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
    std::vector<std::uint8_t> z(packed_size);
    if (compress2(z.data(), &packed_size, raw.data(), static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION) != Z_OK)
        throw internal_error("svg_raster: zlib failed to compress the density image");
    z.resize(packed_size);
    png_chunk(out, "IDAT", z);
    png_chunk(out, "IEND", {});
    return out;
}

std::string base64(const std::vector<std::uint8_t>& data) {
    static constexpr char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < data.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{data[i]} << 16) | (std::uint32_t{data[i + 1]} << 8) | data[i + 2];
        for (int shift = 18; shift >= 0; shift -= 6) out += digits[(v >> shift) & 63];
    }
    if (i < data.size()) {
        std::uint32_t v = std::uint32_t{data[i]} << 16;
        if (i + 1 < data.size()) v |= std::uint32_t{data[i + 1]} << 8;
        out += digits[(v >> 18) & 63];
        out += digits[(v >> 12) & 63];
        out += i + 1 < data.size() ? digits[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

}  // namespace

svg_raster::svg_raster(std::vector<raster_population> populations, raster_options options)
    : populations_(std::move(populations)), options_(std::move(options)) {
    if (!(options_.t_stop_ms > options_.t_start_ms) || !std::isfinite(options_.t_start_ms) ||
        !std::isfinite(options_.t_stop_ms))
        throw internal_error("svg_raster: empty time range");
    const int min_height = margin_top + margin_bottom + 20 + static_cast<int>(populations_.size()) * (band_gap + 1);
    if (options_.width_px < margin_left + margin_right + 50 || options_.height_px < min_height)
        throw internal_error("svg_raster: canvas too small");
    left_ = margin_left;
    top_ = margin_top;
    grid_w_ = options_.width_px - margin_left - margin_right;
    const int grid_h = options_.height_px - margin_top - margin_bottom;
    plot_w_ = grid_w_;
    plot_h_ = grid_h;

    // Band heights proportional to neuron counts, but at least 1/50 of the total so that a
    // small population stays visible next to a large one.
    const std::size_t n = populations_.size();
    const int gaps = n > 1 ? band_gap * static_cast<int>(n - 1) : 0;
    const int available = grid_h - gaps;
    double total = 0;
    for (const auto& p : populations_) total += static_cast<double>(std::max<std::uint64_t>(p.neurons, 1));
    std::vector<double> weights;
    double weight_sum = 0;
    for (const auto& p : populations_) {
        weights.push_back(std::max(static_cast<double>(std::max<std::uint64_t>(p.neurons, 1)), total / 50));
        weight_sum += weights.back();
    }
    bands_.resize(n);
    double cumulative = 0;
    int offset_from_bottom = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const int lo = static_cast<int>(std::lround(available * cumulative / weight_sum));
        cumulative += weights[i];
        const int hi = static_cast<int>(std::lround(available * cumulative / weight_sum));
        const int rows = std::max(1, hi - lo);
        auto& b = bands_[i];
        b.y_top = top_ + std::max(0, grid_h - offset_from_bottom - rows);
        b.height = rows;
        b.cells = static_cast<int>(std::min<std::uint64_t>(static_cast<std::uint64_t>(rows),
                                                           std::max<std::uint64_t>(populations_[i].neurons, 1)));
        b.grid.assign(static_cast<std::size_t>(b.cells) * static_cast<std::size_t>(grid_w_), 0);
        offset_from_bottom += rows + band_gap;
    }
}

double svg_raster::x_of(double t_ms) const {
    return left_ + (t_ms - options_.t_start_ms) / (options_.t_stop_ms - options_.t_start_ms) * plot_w_;
}

double svg_raster::y_of(std::size_t population, double node) const {
    const auto& b = bands_[population];
    const double rows = static_cast<double>(std::max<std::uint64_t>(populations_[population].neurons, 1));
    return b.y_top + b.height - node / rows * b.height;
}

void svg_raster::add(std::size_t population, std::span<const double> timestamps_ms,
                     std::span<const std::uint64_t> node_ids) {
    add(population, timestamps_ms, node_ids, {});
}

void svg_raster::set_rows(std::size_t population, std::vector<std::uint64_t> row_of_node) {
    if (population >= populations_.size()) throw internal_error("svg_raster::set_rows: no such population");
    const auto n = populations_[population].neurons;
    if (row_of_node.size() != n) throw internal_error("svg_raster::set_rows: one row per node expected");
    std::vector<std::uint64_t> node_of_row(n, n);
    for (std::uint64_t id = 0; id < n; ++id) {
        if (row_of_node[id] >= n || node_of_row[row_of_node[id]] != n)
            throw internal_error("svg_raster::set_rows: not a permutation");
        node_of_row[row_of_node[id]] = id;
    }
    rows_.resize(populations_.size());
    node_of_row_.resize(populations_.size());
    rows_[population] = std::move(row_of_node);
    node_of_row_[population] = std::move(node_of_row);
}

void svg_raster::add_occurrence(double t_start_ms, double t_stop_ms, std::uint32_t motif) {
    motifs_shown_ = true;
    if (t_stop_ms <= options_.t_start_ms || t_start_ms >= options_.t_stop_ms) return;
    occurrences_.push_back({std::max(t_start_ms, options_.t_start_ms), std::min(t_stop_ms, options_.t_stop_ms), motif});
}

void svg_raster::add(std::size_t population, std::span<const double> timestamps_ms,
                     std::span<const std::uint64_t> node_ids, std::span<const std::int32_t> motifs) {
    rows_.resize(populations_.size());
    if (population >= populations_.size()) throw internal_error("svg_raster::add: no such population");
    auto& b = bands_[population];
    const std::uint64_t neurons = populations_[population].neurons;
    const double t0 = options_.t_start_ms, t1 = options_.t_stop_ms;
    const double col_scale = grid_w_ / (t1 - t0);
    const double row_scale = static_cast<double>(b.cells) / static_cast<double>(std::max<std::uint64_t>(neurons, 1));
    const std::size_t n = std::min(timestamps_ms.size(), node_ids.size());
    for (std::size_t i = 0; i < n; ++i) {
        const double t = timestamps_ms[i];
        const std::uint64_t id = node_ids[i];
        if (!(t >= t0 && t < t1) || id >= neurons) continue;
        const int col = std::min(grid_w_ - 1, static_cast<int>((t - t0) * col_scale));
        const int r = std::min(b.cells - 1, static_cast<int>(static_cast<double>(row_of(population, id)) * row_scale));
        const int row = b.cells - 1 - r;
        ++b.grid[static_cast<std::size_t>(row) * static_cast<std::size_t>(grid_w_) + static_cast<std::size_t>(col)];
        ++spikes_;
        if (spikes_ <= options_.max_marks) {
            const std::int32_t motif = i < motifs.size() ? motifs[i] : -1;
            if (motif >= 0) motifs_shown_ = true;
            marks_.push_back({t, row_of(population, id), static_cast<std::uint32_t>(population), motif});
        } else if (!marks_.empty()) {
            marks_.clear();
            marks_.shrink_to_fit();
        }
    }
}

std::string svg_raster::render() const {
    const std::vector<const char*> colour_of = population_colours(populations_);
    const int W = options_.width_px, H = options_.height_px;
    const double bottom = top_ + plot_h_;
    std::string s;
    s += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    s += "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"" +
         std::to_string(W) + "\" height=\"" + std::to_string(H) + "\" viewBox=\"0 0 " + std::to_string(W) + " " +
         std::to_string(H) + "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    s += "<text x=\"" + coord(left_ + plot_w_ / 2) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">" +
         xml_escape(options_.title) + "</text>\n";
    s += "<text x=\"" + coord(W - margin_right) + "\" y=\"" + coord(top_ - 6) +
         "\" text-anchor=\"end\" font-size=\"10\" fill=\"#555\">" + std::to_string(spikes_) + " spikes" +
         (density_mode() ? ", shown as density (opacity ~ log(1 + spikes per neuron and pixel))" : "") + "</text>\n";

    // Band backgrounds, population names and node-id ticks.
    for (std::size_t p = 0; p < populations_.size(); ++p) {
        const auto& b = bands_[p];
        const char* colour = colour_of[p];
        s += "<rect x=\"" + coord(left_) + "\" y=\"" + coord(b.y_top) + "\" width=\"" + coord(plot_w_) +
             "\" height=\"" + coord(b.height) + "\" fill=\"#f7f7f7\"/>\n";
        const double cy = b.y_top + b.height / 2;
        s += "<text transform=\"translate(" + coord(left_ - 50) + " " + coord(cy) +
             ") rotate(-90)\" text-anchor=\"middle\" fill=\"" + colour + "\">" +
             xml_escape(populations_[p].name) + "</text>\n";
        const auto neurons = std::max<std::uint64_t>(populations_[p].neurons, 1);
        const double step = std::max(1.0, nice_step(static_cast<double>(neurons), std::max(1.0, b.height / 35)));
        for (double id = 0; id < static_cast<double>(neurons); id += step) {
            const double y = y_of(p, id + 0.5);
            s += "<line x1=\"" + coord(left_ - 5) + "\" y1=\"" + coord(y) + "\" x2=\"" + coord(left_) + "\" y2=\"" +
                 coord(y) + "\" stroke=\"#444\"/>";
            const bool sorted = p < node_of_row_.size() && !node_of_row_[p].empty();
            const std::vector<std::uint64_t> none;
            const auto& units = p < options_.row_labels.size() ? options_.row_labels[p] : none;
            const double node = sorted ? static_cast<double>(node_of_row_[p][static_cast<std::size_t>(id)]) : id;
            const std::string label = !units.empty() ? row_label(units, node, step)
                                      : sorted       ? std::to_string(node_of_row_[p][static_cast<std::size_t>(id)])
                                                     : tick_label(id, step);
            s += "<text x=\"" + coord(left_ - 8) + "\" y=\"" + coord(y + 4) + "\" text-anchor=\"end\">" + label +
                 "</text>\n";
        }
    }

    // Detected occurrences: translucent bands and a tick above the plot at each start.
    if (!occurrences_.empty()) {
        std::vector<std::string> bands(motif_colours.size()), starts(motif_colours.size());
        for (const auto& o : occurrences_) {
            const auto c = o.motif % motif_colours.size();
            auto& d = bands[c];
            d += 'M';
            append_coord(d, x_of(o.t0));
            d += ' ';
            append_coord(d, top_);
            d += 'H';
            append_coord(d, x_of(o.t1));
            d += 'V';
            append_coord(d, top_ + plot_h_);
            d += 'H';
            append_coord(d, x_of(o.t0));
            d += 'Z';
            auto& t = starts[c];
            t += 'M';
            append_coord(t, x_of(o.t0));
            t += ' ';
            append_coord(t, top_ - 5);
            t += "v5";
        }
        for (std::size_t c = 0; c < bands.size(); ++c) {
            if (bands[c].empty()) continue;
            s += std::string("<path fill=\"") + motif_colours[c] + "\" fill-opacity=\"0.10\" stroke=\"none\" d=\"" +
                 bands[c] + "\"/>\n";
            s += std::string("<path fill=\"none\" stroke=\"") + motif_colours[c] + "\" stroke-width=\"1.5\" d=\"" +
                 starts[c] + "\"/>\n";
        }
    }

    // The spikes.
    if (density_mode()) {
        constexpr int levels = 255;  // palette: index 0 transparent, then 255 opacities
        for (std::size_t p = 0; p < bands_.size(); ++p) {
            const auto& b = bands_[p];
            const auto neurons = static_cast<double>(std::max<std::uint64_t>(populations_[p].neurons, 1));
            // Neurons whose spikes land in grid row r (counted from the bottom): ids with
            // floor(id * cells / neurons) == r.
            auto neurons_in = [&](int r) {
                auto first = [&](int k) { return std::ceil(k * neurons / b.cells); };
                return std::max(1.0, first(r + 1) - first(r));
            };
            std::vector<double> density(b.grid.size());
            double top = 0;
            for (int row = 0; row < b.cells; ++row) {
                const double per = 1.0 / neurons_in(b.cells - 1 - row);
                for (int col = 0; col < grid_w_; ++col) {
                    const std::size_t k = static_cast<std::size_t>(row) * static_cast<std::size_t>(grid_w_) + static_cast<std::size_t>(col);
                    density[k] = b.grid[k] * per;
                    top = std::max(top, density[k]);
                }
            }
            if (top == 0) continue;
            std::vector<std::array<std::uint8_t, 3>> palette = {{255, 255, 255}};
            std::vector<std::uint8_t> alpha = {0};
            for (int l = 1; l <= levels; ++l) {
                palette.push_back(rgb(colour_of[p]));
                alpha.push_back(static_cast<std::uint8_t>(std::lround(255.0 * (0.15 + 0.85 * l / levels))));
            }
            const double scale = std::log1p(top);
            std::vector<std::uint8_t> pixels(b.grid.size(), 0);
            for (std::size_t k = 0; k < pixels.size(); ++k)
                if (b.grid[k] != 0)
                    pixels[k] = static_cast<std::uint8_t>(
                        std::clamp(static_cast<int>(std::ceil(levels * std::log1p(density[k]) / scale)), 1, levels));
            s += "<image x=\"" + coord(left_) + "\" y=\"" + coord(b.y_top) + "\" width=\"" + coord(plot_w_) +
                 "\" height=\"" + coord(b.height) +
                 "\" preserveAspectRatio=\"none\" style=\"image-rendering:pixelated\" xlink:href=\"data:image/png;base64,";
            s += base64(png_indexed(grid_w_, b.cells, pixels, palette, alpha));
            s += "\"/>\n";
        }
    } else {
        // One path per population, then one per motif colour for the spikes of detected motifs.
        std::vector<std::string> paths(populations_.size() + motif_colours.size());
        for (const auto& m : marks_) {
            const auto p = static_cast<std::size_t>(m.population);
            const std::size_t path = m.motif >= 0 ? populations_.size() + static_cast<std::size_t>(m.motif) % motif_colours.size() : p;
            const double row_h = bands_[p].height / static_cast<double>(std::max<std::uint64_t>(populations_[p].neurons, 1));
            const double tick = std::max(1.0, 0.8 * row_h);
            auto& d = paths[path];
            d += 'M';
            append_coord(d, x_of(m.t));
            d += ' ';
            append_coord(d, y_of(p, static_cast<double>(m.node) + 0.5) - tick / 2);
            d += 'v';
            append_coord(d, tick);
        }
        for (std::size_t p = 0; p < paths.size(); ++p) {
            if (paths[p].empty()) continue;
            const bool motif = p >= populations_.size();
            const char* colour = motif ? motif_colours[p - populations_.size()]
                                       : (motifs_shown_ ? "#b0b0b0" : colour_of[p]);
            s += std::string("<path fill=\"none\" stroke=\"") + colour + "\" stroke-width=\"" + (motif ? "1.6" : "1") +
                 "\" d=\"" + paths[p] + "\"/>\n";
        }
    }

    // Frame, time axis and labels.
    s += "<rect x=\"" + coord(left_) + "\" y=\"" + coord(top_) + "\" width=\"" + coord(plot_w_) + "\" height=\"" +
         coord(plot_h_) + "\" fill=\"none\" stroke=\"#444\"/>\n";
    const double t0 = options_.t_start_ms, t1 = options_.t_stop_ms;
    const double step = nice_step(t1 - t0, plot_w_ / 90);
    for (double k = std::ceil(t0 / step); k * step <= t1 + step * 1e-9; k += 1) {
        const double t = k * step;
        const double x = x_of(t);
        s += "<line x1=\"" + coord(x) + "\" y1=\"" + coord(bottom) + "\" x2=\"" + coord(x) + "\" y2=\"" +
             coord(bottom + 5) + "\" stroke=\"#444\"/>";
        s += "<text x=\"" + coord(x) + "\" y=\"" + coord(bottom + 18) + "\" text-anchor=\"middle\">" +
             tick_label(t, step) + "</text>\n";
    }
    s += "<text x=\"" + coord(left_ + plot_w_ / 2) + "\" y=\"" + coord(H - 12) +
         "\" text-anchor=\"middle\">time (ms)</text>\n";
    s += "<text transform=\"translate(16 " + coord(top_ + plot_h_ / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + xml_escape(options_.y_label) + "</text>\n";
    s += "</svg>\n";
    return s;
}

}  // namespace evspike
