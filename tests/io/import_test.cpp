// The importers of recordings (SPEC §9.1): delimited text, .npy, Kilosort/Phy folders and NWB
// Units tables, each with good input and every kind of bad input it must refuse.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "io/kilosort.hpp"
#include "io/npy.hpp"
#include "io/nwb_units.hpp"
#include "io/recording.hpp"
#include "io/text_spikes.hpp"
#include "support.hpp"

namespace {

using namespace evspike;

// An io_error whose message contains `what`.
#define CHECK_IO_ERROR(expr, expected)                               \
    do {                                                             \
        try {                                                        \
            (void)(expr);                                            \
            FAIL("accepted: " #expr);                                \
        } catch (const io_error& e) {                                \
            CHECK_MESSAGE(std::string(e.what()).find(expected) != std::string::npos, std::string(e.what())); \
        }                                                            \
    } while (0)

unit_spikes text(const std::string& t, text_options o = {}) { return parse_text_spikes(t, "rec.txt", o); }
text_options in(time_unit u) {
    text_options o;
    o.unit = u;
    return o;
}

// A .npy file's bytes: header dict, padded so the data starts at a multiple of 64, then `data`.
std::vector<std::byte> npy(const std::string& descr, const std::string& shape, const std::vector<std::uint8_t>& data,
                           int version = 1, const std::string& fortran = "False", const std::string& dict = "") {
    std::string header = dict.empty() ? "{'descr': '" + descr + "', 'fortran_order': " + fortran + ", 'shape': " + shape + ", }" : dict;
    const std::size_t prefix = version == 1 ? 10 : 12;
    while ((prefix + header.size() + 1) % 64 != 0) header += ' ';
    header += '\n';
    std::string bytes = "\x93NUMPY";
    bytes += static_cast<char>(version);
    bytes += '\0';
    const std::size_t n = header.size();
    bytes += static_cast<char>(n & 0xff);
    bytes += static_cast<char>((n >> 8) & 0xff);
    if (version != 1) bytes += std::string(2, '\0');
    bytes += header;
    std::vector<std::byte> out(bytes.size() + data.size());
    std::memcpy(out.data(), bytes.data(), bytes.size());
    if (!data.empty()) std::memcpy(out.data() + bytes.size(), data.data(), data.size());
    return out;
}

template <class T>
std::vector<std::uint8_t> little(const std::vector<T>& values) {
    std::vector<std::uint8_t> out(values.size() * sizeof(T));
    std::memcpy(out.data(), values.data(), out.size());
    return out;
}

void write_bytes(const std::string& path, const std::vector<std::byte>& bytes) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
void write_text(const std::string& path, const std::string& t) { std::ofstream(path, std::ios::binary) << t; }

}  // namespace

TEST_SUITE("io") {
    TEST_CASE("text import: two headerless columns are unit, time; ids written as 1.0 are accepted; s become ms") {
        const auto r = text("1.0\t1.7666666666666666\n2.0\t0.25\n\n# a comment\n75.0\t22.2\n", in(time_unit::s));
        CHECK(r.units == std::vector<std::uint64_t>{1, 2, 75});
        CHECK(r.times_ms == std::vector<double>{1.7666666666666666 * 1000.0, 250.0, 22.2 * 1000.0});
    }

    TEST_CASE("text import: header names find the columns, in any order, and a unit suffix gives the time unit") {
        auto r = text("spike_time_ms,extra,Cluster\n2.5,x,5\n1,y,3\n");
        CHECK(r.units == std::vector<std::uint64_t>{5, 3});
        CHECK(r.times_ms == std::vector<double>{2.5, 1.0});
        r = text("neuron;time (s)\n4;0.5\n");
        CHECK(r.times_ms == std::vector<double>{500.0});
        r = text("\xEF\xBB\xBFid  t\n  9   3\n", in(time_unit::us));
        CHECK(r.units == std::vector<std::uint64_t>{9});
        CHECK(r.times_ms == std::vector<double>{0.003});
    }

    TEST_CASE("text import: --columns takes header names or 1-based numbers; samples need a rate") {
        text_options o = in(time_unit::samples);
        o.sample_rate_hz = 30000;
        o.columns = "3,1";
        auto r = text("30000,7,4\n15,8,2\n", o);
        CHECK(r.units == std::vector<std::uint64_t>{4, 2});
        CHECK(r.times_ms == std::vector<double>{1000.0, 0.5});
        o = in(time_unit::ms);
        o.columns = "chan, when";
        r = text("when\tchan\tid\n7\t2\t99\n", o);
        CHECK(r.units == std::vector<std::uint64_t>{2});
        CHECK(r.times_ms == std::vector<double>{7.0});
        CHECK_IO_ERROR(text("1 2\n", in(time_unit::samples)), "need --sample-rate");
    }

    TEST_CASE("text import: bad lines are refused naming the file and line") {
        CHECK_IO_ERROR(text("1\t2\n1.5\t3\n", in(time_unit::ms)), "rec.txt: line 2: unit id '1.5' is not an integer");
        CHECK_IO_ERROR(text("1\t2\n-1\t3\n", in(time_unit::ms)), "line 2: unit id '-1' is negative");
        CHECK_IO_ERROR(text("1\t2\nx\t3\n", in(time_unit::ms)), "line 2: unit id 'x' is not a number");
        CHECK_IO_ERROR(text("1\t2\n1\tnan\n", in(time_unit::ms)), "line 2: time 'nan' is not finite");
        CHECK_IO_ERROR(text("1\t2\n1\t\n", in(time_unit::ms)), "line 2: time '' is not a number");
        CHECK_IO_ERROR(text("unit,time\n1,2\n3\n", in(time_unit::ms)), "line 3: expected at least 2 fields, found 1");
        CHECK_IO_ERROR(text("1,2\n\"3,4\n", in(time_unit::ms)), "line 2: unterminated quote");
        CHECK_IO_ERROR(text("1 2\n"), "cannot tell the time unit");
        CHECK_IO_ERROR(text("", in(time_unit::ms)), "rec.txt: no spikes");
        CHECK_IO_ERROR(text("unit,time\n", in(time_unit::ms)), "no spikes: only a header");
        CHECK_IO_ERROR(text("1 2 3\n", in(time_unit::ms)), "line 1: no header and 3 columns");
        CHECK_IO_ERROR(text("a,b\n1,2\n", in(time_unit::ms)), "line 1: no unit column in the header 'a', 'b'");
        CHECK_IO_ERROR(text("id,unit,t\n1,2,3\n", in(time_unit::ms)), "more than one unit column");
        CHECK_IO_ERROR(text("unit,time_ms\n1,2\n", in(time_unit::s)), "--time-unit contradicts");
        text_options o = in(time_unit::ms);
        o.columns = "0,1";
        CHECK_IO_ERROR(text("1 2\n", o), "column numbers start at 1");
        o.columns = "unit,nope";
        CHECK_IO_ERROR(text("unit time\n1 2\n", o), "no column named 'nope'");
    }

    TEST_CASE("text import: negative (stimulus-aligned) times are refused with the offset that fixes them, never dropped") {
        CHECK_IO_ERROR(text("1\t0.5\n2\t-0.25\n3\t-1.5\n", in(time_unit::s)),
                       "line 2: time -250 ms is negative (spike files keep times >= 0; the earliest is -1500 ms): shift every time with --time-offset 1500");
        text_options o = in(time_unit::s);
        o.time_offset_ms = 1500;
        const auto r = text("1\t0.5\n2\t-0.25\n3\t-1.5\n", o);
        CHECK(r.times_ms == std::vector<double>{2000.0, 1250.0, 0.0});
    }

    TEST_CASE("densify: sparse unit ids become node ids 0..n-1 by rank, silent known units included, spikes sorted") {
        unit_spikes in;
        in.units = {999, 3, 3, 500};
        in.times_ms = {1.0, 2.0, 0.5, 1.0};
        in.known_units = {42};
        const auto d = densify(in);
        CHECK(d.unit_ids == std::vector<std::uint64_t>{3, 42, 500, 999});
        CHECK(d.spikes.timestamps == std::vector<double>{0.5, 1.0, 1.0, 2.0});
        CHECK(d.spikes.node_ids == std::vector<std::uint64_t>{0, 2, 3, 0});
    }

    TEST_CASE("npy: 1.0, 2.0 and 3.0 files of every integer width, either byte order, (n,) or (n, 1), read back") {
        auto a = parse_npy(npy("<u8", "(3,)", little<std::uint64_t>({1, 2, 1ull << 40})), "a.npy");
        CHECK(npy_to_uint64(a, "a.npy") == std::vector<std::uint64_t>{1, 2, 1ull << 40});
        a = parse_npy(npy("<i4", "(2, 1)", little<std::int32_t>({7, 300000}), 2, "True"), "a.npy");
        CHECK(npy_to_uint64(a, "a.npy") == std::vector<std::uint64_t>{7, 300000});
        a = parse_npy(npy(">i8", "(2,)", {0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 5}, 3), "a.npy");
        CHECK(npy_to_uint64(a, "a.npy") == std::vector<std::uint64_t>{258, 5});
        a = parse_npy(npy(">u2", "(1, 2)", {1, 0, 0, 1}), "a.npy");
        CHECK(npy_to_uint64(a, "a.npy") == std::vector<std::uint64_t>{256, 1});
        a = parse_npy(npy("|u1", "(0,)", {}), "a.npy");
        CHECK(a.size() == 0);
    }

    TEST_CASE("npy: bad files are refused naming the file and what is wrong") {
        const auto bytes8 = little<std::uint64_t>({1, 2});
        CHECK_IO_ERROR(parse_npy(npy("<u8", "(3,)", bytes8), "t.npy"), "t.npy: truncated: shape (3,) needs 24 bytes of data but only 16");
        CHECK_IO_ERROR(parse_npy(npy("<u8", "(1,)", bytes8), "t.npy"), "shape (1,) needs 8 bytes of data but 16 follow");
        CHECK_IO_ERROR(parse_npy(npy("<u8", "(1152921504606846976,)", bytes8), "t.npy"), "truncated: shape (1152921504606846976,)");
        CHECK_IO_ERROR(parse_npy(npy("<u8", "(4611686018427387904,)", bytes8), "t.npy"), "is too large");
        CHECK_IO_ERROR(parse_npy(npy("<u8", "(2, 2)", bytes8), "t.npy"), "shape (2, 2) is not 1-D");
        CHECK_IO_ERROR(parse_npy(npy("<u8", "()", bytes8), "t.npy"), "shape () is not 1-D");
        CHECK_IO_ERROR(parse_npy(npy("<c16", "(1,)", bytes8), "t.npy"), "dtype '<c16' is not supported");
        CHECK_IO_ERROR(parse_npy(npy("|O", "(2,)", bytes8), "t.npy"), "dtype '|O' is not supported");
        CHECK_IO_ERROR(parse_npy(npy("|u8", "(2,)", bytes8), "t.npy"), "dtype '|u8' is not supported");
        CHECK_IO_ERROR(npy_to_uint64(parse_npy(npy("<f8", "(2,)", bytes8), "t.npy"), "t.npy"), "dtype is float64: expected integers");
        CHECK_IO_ERROR(npy_to_uint64(parse_npy(npy("<i4", "(2,)", little<std::int32_t>({3, -1})), "t.npy"), "t.npy"),
                       "value -1 at index 1 is negative");
        CHECK_IO_ERROR(parse_npy(npy("", "", bytes8, 1, "", "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }"), "t.npy"),
                       "structured dtypes");
        CHECK_IO_ERROR(parse_npy(npy("", "", bytes8, 1, "", "{'descr': '<u8', 'shape': (2,), }"), "t.npy"), "needs the keys");
        CHECK_IO_ERROR(parse_npy(npy("", "", bytes8, 1, "", "{'descr': '<u8', 'fortran_order': False, 'shape': (2,), 'x': 1}"), "t.npy"),
                       "unexpected key 'x'");
        CHECK_IO_ERROR(parse_npy(npy("", "", bytes8, 1, "", "{'descr': '<u8', 'fortran_order': False, 'shape': (2,)} junk"), "t.npy"),
                       "text after the dict");
        auto wrong = npy("<u8", "(2,)", bytes8);
        wrong[0] = std::byte{'X'};
        CHECK_IO_ERROR(parse_npy(wrong, "t.npy"), "no \\x93NUMPY magic");
        wrong = npy("<u8", "(2,)", bytes8, 4);
        CHECK_IO_ERROR(parse_npy(wrong, "t.npy"), "version 4.0 is not supported");
        auto cut = npy("<u8", "(2,)", bytes8);
        cut.resize(40);
        CHECK_IO_ERROR(parse_npy(cut, "t.npy"), "truncated: the .npy header claims");
        CHECK_IO_ERROR(parse_npy(std::vector<std::byte>(5), "t.npy"), "truncated: 5 bytes");
    }

    TEST_CASE("npy: read_npy checks a huge claimed shape against the file size before allocating") {
        test::temp_dir dir;
        write_bytes(dir / "huge.npy", npy("<u8", "(1152921504606846976,)", little<std::uint64_t>({1})));
        CHECK_IO_ERROR(read_npy(dir / "huge.npy"), "huge.npy: truncated: shape (1152921504606846976,) needs 9223372036854775808 bytes");
        write_bytes(dir / "ok.npy", npy(">u4", "(2,)", {0, 0, 1, 0, 0, 0, 0, 9}));
        CHECK(npy_to_uint64(read_npy(dir / "ok.npy"), "ok.npy") == std::vector<std::uint64_t>{256, 9});
        CHECK_IO_ERROR(read_npy(dir / "none.npy"), "none.npy: cannot open");
    }

    TEST_CASE("kilosort: samples become ms at params.py's rate; clusters are the units; --good-only keeps good clusters") {
        test::temp_dir dir;
        write_bytes(dir / "spike_times.npy", npy("<u8", "(4, 1)", little<std::uint64_t>({30, 60000, 90, 30000})));
        write_bytes(dir / "spike_clusters.npy", npy("<i4", "(4,)", little<std::int32_t>({812, 5, 812, 40})));
        write_text(dir / "params.py", "dat_path = 'x.bin'\nsample_rate = 30000.  # Hz\nn_channels_dat = 64\n");
        write_text(dir / "cluster_group.tsv", "cluster_id\tgroup\n5\tgood\n40\tmua\n812\tgood\n");
        auto r = read_kilosort(dir.path().string(), {});
        CHECK(r.units == std::vector<std::uint64_t>{812, 5, 812, 40});
        CHECK(r.times_ms == std::vector<double>{1.0, 2000.0, 3.0, 1000.0});
        kilosort_options good;
        good.good_only = true;
        r = read_kilosort(dir.path().string(), good);
        CHECK(r.units == std::vector<std::uint64_t>{812, 5, 812});
        good.sample_rate_hz = 1000.0;
        r = read_kilosort(dir.path().string(), good);
        CHECK(r.times_ms == std::vector<double>{30.0, 60000.0, 90.0});

        std::filesystem::remove(dir / "cluster_group.tsv");
        write_text(dir / "cluster_info.tsv", "id\tKSLabel\tgroup\tfr\n5\tgood\tnoise\t1.0\n40\tmua\tgood\t2.0\n812\tgood\t\t3\n");
        r = read_kilosort(dir.path().string(), kilosort_options{true, std::nullopt, 0.0});
        CHECK(r.units == std::vector<std::uint64_t>{40});

        std::filesystem::remove(dir / "spike_clusters.npy");
        write_bytes(dir / "spike_templates.npy", npy("<u4", "(4,)", little<std::uint32_t>({1, 2, 1, 0})));
        r = read_kilosort(dir.path().string(), {});
        CHECK(r.units == std::vector<std::uint64_t>{1, 2, 1, 0});
    }

    TEST_CASE("kilosort: a missing or inconsistent folder is refused naming the file") {
        test::temp_dir dir;
        const std::string folder = dir.path().string();
        CHECK_IO_ERROR(read_kilosort(folder, {}), "spike_times.npy: missing");
        write_bytes(dir / "spike_times.npy", npy("<i8", "(2,)", little<std::int64_t>({30, -60})));
        CHECK_IO_ERROR(read_kilosort(folder, {}), "params.py: missing: give the sampling rate with --sample-rate");
        write_text(dir / "params.py", "sample_rate = fast\n");
        CHECK_IO_ERROR(read_kilosort(folder, {}), "params.py: line 1: sample_rate 'fast' is not a positive number");
        write_text(dir / "params.py", "n_channels = 3\n");
        CHECK_IO_ERROR(read_kilosort(folder, {}), "params.py: no sample_rate");
        write_text(dir / "params.py", "sample_rate = 30000\n");
        CHECK_IO_ERROR(read_kilosort(folder, {}), "spike_clusters.npy: missing (and no spike_templates.npy");
        write_bytes(dir / "spike_clusters.npy", npy("<i4", "(3,)", little<std::int32_t>({1, 2, 3})));
        CHECK_IO_ERROR(read_kilosort(folder, {}), "spike_times.npy: value -60 at index 1 is negative");
        write_bytes(dir / "spike_times.npy", npy("<i8", "(2,)", little<std::int64_t>({30, 60})));
        CHECK_IO_ERROR(read_kilosort(folder, {}), "spike_clusters.npy: has 3 values but spike_times.npy has 2");
        write_bytes(dir / "spike_clusters.npy", npy("<f4", "(2,)", little<float>({1, 2})));
        CHECK_IO_ERROR(read_kilosort(folder, {}), "spike_clusters.npy: dtype is float32");
        write_bytes(dir / "spike_clusters.npy", npy("<i4", "(2,)", little<std::int32_t>({1, 2})));
        CHECK_IO_ERROR(read_kilosort(folder, kilosort_options{true, std::nullopt, 0.0}), "--good-only needs cluster_group.tsv");
        write_text(dir / "cluster_group.tsv", "cluster\tlabel\n1\tgood\n");
        CHECK_IO_ERROR(read_kilosort(folder, kilosort_options{true, std::nullopt, 0.0}), "cluster_group.tsv: line 1: expected tab-separated columns");
        write_text(dir / "cluster_group.tsv", "cluster_id\tgroup\nx\tgood\n");
        CHECK_IO_ERROR(read_kilosort(folder, kilosort_options{true, std::nullopt, 0.0}), "line 2: cluster id 'x'");
    }
}

namespace {

// Generated once per run by make_nwb_files.py (h5py). A missing h5py is a failure, never a skip
// (as in bad_files_test.cpp).
const test::temp_dir* nwb_fixtures() {
    static std::unique_ptr<test::temp_dir> dir;
    if (!dir) {
        auto d = std::make_unique<test::temp_dir>();
        auto r = test::run(std::string(test::system_python) + " " + test::source_dir + "/tests/io/make_nwb_files.py " +
                           d->path().string());
        REQUIRE_MESSAGE(r.exit_code == 0, "make_nwb_files.py failed (needs /usr/bin/python3 with h5py): " << r.out);
        dir = std::move(d);
    }
    return dir.get();
}

}  // namespace

TEST_SUITE("io") {
    TEST_CASE("nwb: the Units table becomes spikes in ms with each unit's id; silent units are kept") {
        const auto r = read_nwb_units(*nwb_fixtures() / "good.nwb");
        CHECK(r.units == std::vector<std::uint64_t>{7, 7, 12, 12, 12});
        CHECK(r.times_ms == std::vector<double>{500.0, 100.0, 2000.0, 250.0, 1500.0});
        CHECK(r.known_units == std::vector<std::uint64_t>{7, 3, 12});
        CHECK(hdf5_content_of(*nwb_fixtures() / "good.nwb") == hdf5_content::nwb_units);
        CHECK(read_nwb_units(*nwb_fixtures() / "negative.nwb", 500.0).times_ms == std::vector<double>{0.0, 1500.0});
    }

    TEST_CASE("nwb: bad Units tables are refused naming the file and dataset") {
        struct bad {
            const char* file;
            const char* reason;
        };
        for (const bad& b : {bad{"index_past_end.nwb", "/units/spike_times_index: value 9 at index 2 is past the end of spike_times (5 values)"},
                             bad{"index_decreasing.nwb", "/units/spike_times_index: decreases at index 1 (2 then 1)"},
                             bad{"index_short.nwb", "/units: spike_times has 5 values but spike_times_index ends at 4"},
                             bad{"nan_time.nwb", "/units/spike_times: value nan at index 2 is not a finite time"},
                             bad{"ids_mismatch.nwb", "/units: spike_times_index has 3 values but id has 2"},
                             bad{"duplicate_id.nwb", "/units/id: unit id 7 appears twice"},
                             bad{"negative_index.nwb", "/units/spike_times_index: negative value -1 at index 1"},
                             bad{"float_ids.nwb", "/units/id: unit ids must be integers"},
                             bad{"no_index.nwb", "/units/spike_times_index: missing dataset"},
                             bad{"no_units.nwb", "/units: missing group"},
                             bad{"negative.nwb", "/units/spike_times: index 0: time -500 ms is negative"}}) {
            CAPTURE(std::string(b.file));
            CHECK_IO_ERROR(read_nwb_units(*nwb_fixtures() / b.file), std::string(*nwb_fixtures() / b.file) + ": " + b.reason);
        }
    }
}

// The one RFC 4180 field splitter (io/text_spikes.hpp), used by the recording importer (trimming
// blanks) and by convert's reader of evspike's own CSV (keeping every byte).
TEST_CASE("split_record: quotes as in RFC 4180; blanks trimmed for recordings, kept for evspike's CSV") {
    std::vector<std::string> f;
    REQUIRE(split_record(" exc , 3 ,\" a,\"\"b\"\" \", 4.5 ", ',', f));
    CHECK(f == std::vector<std::string>{"exc", "3", " a,\"b\" ", "4.5"});
    REQUIRE(split_record(" exc , 3 ,\" a,\"\"b\"\" \", 4.5 ", ',', f, false));
    CHECK(f == std::vector<std::string>{" exc ", " 3 ", " a,\"b\" ", " 4.5 "});  // blanks stay
    // Trimmed, a quote may follow blanks; untrimmed it is then an ordinary character.
    REQUIRE(split_record("a, \"b,c\"", ',', f));
    CHECK(f == std::vector<std::string>{"a", "b,c"});
    REQUIRE(split_record("a, \"b,c\"", ',', f, false));
    CHECK(f == std::vector<std::string>{"a", " \"b", "c\""});
    REQUIRE(split_record("\"x,y\"\t1\t\t2", '\t', f, false));
    CHECK(f == std::vector<std::string>{"x,y", "1", "", "2"});
    CHECK(!split_record("\"open,1", ',', f));
    CHECK(!split_record("\"open,1", ',', f, false));
    REQUIRE(split_record("  7   12.5 ", 0, f));  // runs of blanks
    CHECK(f == std::vector<std::string>{"7", "12.5"});
}
