#pragma once
// Strict TOML reading for evspike's configs (internal to io/; the only other place besides
// io/*.cpp that may include it is tests/io). Wraps toml11 so that every failure is a config_error
//     <file>:<line>: <key path>: <what is wrong>
// where the key path is the full path from the document root: "seed", "population[0].params.tau_m",
// "connection[1].rule.pairs[3][0]", "output.voltage[0].node_ids". Arrays (including arrays of
// tables) are indexed from 0; keys that are not bare TOML keys are quoted ("a.b" -> "\"a.b\"").
//
// Strictness:
//   - typed getters: a wrong type is an error naming the expected and the actual type;
//   - numbers: where a real number is expected an integer is accepted (1 -> 1.0); non-finite
//     values (inf, nan) are refused; where an integer is expected a float is refused (64.0 is
//     not an integer count);
//   - unknown keys: every key read through a toml_table (present or not) becomes "known";
//     finish() then refuses any other key of that table, naming it and listing the known ones.
//     Call finish() on every table once all its keys have been read.
//
// Typical use (one config section):
//     auto doc = detail::toml_document::from_file(path);   // or ::from_text(text, path)
//     detail::toml_table root = doc.root();
//     std::uint64_t seed = root.count("seed", 1);
//     for (detail::toml_table& k : root.array_of_tables("kernel")) {
//         double norm = k.number("norm");                  // required
//         double tau = k.number("tau", 10.0);              // optional with default
//         if (auto shape = k.find("shape")) { ... shape->as_string() ... }
//         k.finish();                                      // unknown keys -> error
//     }
//     root.finish();
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <toml.hpp>

namespace evspike::detail {

// "parent" + "key" -> "parent.key" (or "key" at the root); quotes keys that are not bare.
std::string join_key(const std::string& parent, const std::string& key);
// "parent" + 3 -> "parent[3]".
std::string index_key(const std::string& parent, std::size_t index);
// Shortest text that reads back to the same double (for messages).
std::string format_number(double value);

class toml_table;

// One TOML value with its key path and the file it came from.
class toml_node {
public:
    toml_node(const toml::value& value, std::string path, std::shared_ptr<const std::string> file);

    const toml::value& value() const { return *value_; }
    const std::string& path() const { return path_; }
    const std::string& file() const { return *file_; }
    const std::shared_ptr<const std::string>& file_ptr() const { return file_; }
    // The file name with the value's line, "cfg.toml:12" (just the file at the root).
    std::string where() const;

    // Throws config_error(path, what) located at this value.
    [[noreturn]] void fail(const std::string& what) const;

    bool is_number() const;   // integer or float
    bool is_integer() const;
    bool is_string() const;
    bool is_bool() const;
    bool is_array() const;
    bool is_table() const;
    std::string type_name() const;  // with article: "an integer", "a float", "a table", ...

    double as_number() const;             // integer or float, finite
    std::int64_t as_integer() const;      // integer only
    std::uint64_t as_count() const;       // integer >= 0
    std::string as_string() const;
    bool as_bool() const;
    toml_table as_table() const;
    std::vector<toml_node> as_array() const;          // elements have paths "path[i]"
    std::vector<double> as_number_array() const;
    std::vector<std::uint64_t> as_count_array() const;
    std::vector<std::string> as_string_array() const;

private:
    const toml::value* value_;
    std::string path_;
    std::shared_ptr<const std::string> file_;
};

// A TOML table that remembers which keys were asked for, so that finish() can refuse the others.
// Copies share that record.
class toml_table {
public:
    explicit toml_table(const toml_node& node);  // node must hold a table

    const toml_node& node() const { return node_; }
    const std::string& path() const { return node_.path(); }
    std::string key_path(const std::string& key) const { return join_key(path(), key); }

    // Marks `key` known; the value if present.
    std::optional<toml_node> find(const std::string& key) const;
    // Marks `key` known; throws "missing required key" if absent.
    toml_node at(const std::string& key) const;
    bool contains(const std::string& key) const;  // does not mark the key known
    void allow(const std::string& key) const;     // marks known without reading

    double number(const std::string& key) const;
    double number(const std::string& key, double fallback) const;
    std::uint64_t count(const std::string& key) const;
    std::uint64_t count(const std::string& key, std::uint64_t fallback) const;
    std::string string(const std::string& key) const;
    std::string string(const std::string& key, const std::string& fallback) const;
    bool boolean(const std::string& key, bool fallback) const;
    toml_table table(const std::string& key) const;                      // required
    std::optional<toml_table> optional_table(const std::string& key) const;
    // `[[key]]` entries (paths "key[i]"); absent -> empty; a single `[key]` table is an error.
    std::vector<toml_table> array_of_tables(const std::string& key) const;

    std::vector<std::string> keys() const;  // sorted
    // Throws for the first (in sorted order) key that was never asked for.
    void finish() const;

    [[noreturn]] void fail(const std::string& what) const { node_.fail(what); }
    // Error naming `path.key`, located at the key's value if present, else at the table.
    [[noreturn]] void fail(const std::string& key, const std::string& what) const;

private:
    toml_node node_;
    std::shared_ptr<std::set<std::string>> known_;
};

// An owned parsed document.
class toml_document {
public:
    // Syntax errors (also duplicate keys) -> config_error with key path "line N" and toml11's
    // excerpt of the offending line.
    static toml_document from_text(const std::string& text, const std::string& file_name);
    // An unreadable file -> io_error naming the file.
    static toml_document from_file(const std::string& path);

    toml_table root() const;
    const std::string& text() const { return text_; }
    const std::string& file() const { return *file_; }

private:
    toml_document() = default;
    std::shared_ptr<const toml::value> root_;
    std::shared_ptr<const std::string> file_;
    std::string text_;
};

// Reads a whole text file; throws io_error naming `path` if it cannot.
std::string read_text_file(const std::string& path);

}  // namespace evspike::detail
