#include "io/toml_util.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "core/error.hpp"

namespace evspike::detail {

namespace {

bool is_bare_key(const std::string& key) {
    if (key.empty()) return false;
    return std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
               c == '-';
    });
}

std::string quote_key(const std::string& key) {
    std::string out = "\"";
    for (char c : key) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string join_names(const std::set<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
}

}  // namespace

std::string join_key(const std::string& parent, const std::string& key) {
    std::string k = is_bare_key(key) ? key : quote_key(key);
    return parent.empty() ? k : parent + "." + k;
}

std::string index_key(const std::string& parent, std::size_t index) {
    return parent + "[" + std::to_string(index) + "]";
}

std::string format_number(double value) {
    char buffer[64];
    auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    return std::string(buffer, result.ptr);
}

// ---- toml_node ----------------------------------------------------------------------------------

toml_node::toml_node(const toml::value& value, std::string path, std::shared_ptr<const std::string> file)
    : value_(&value), path_(std::move(path)), file_(std::move(file)) {}

std::string toml_node::where() const {
    // The root table's location is the first line of the file, which says nothing useful.
    if (path_.empty()) return *file_;
    const auto line = value_->location().line();
    return line > 0 ? *file_ + ":" + std::to_string(line) : *file_;
}

void toml_node::fail(const std::string& what) const {
    throw config_error(path_.empty() ? "(root)" : path_, what, where());
}

bool toml_node::is_number() const { return value_->is_integer() || value_->is_floating(); }
bool toml_node::is_integer() const { return value_->is_integer(); }
bool toml_node::is_string() const { return value_->is_string(); }
bool toml_node::is_bool() const { return value_->is_boolean(); }
bool toml_node::is_array() const { return value_->is_array(); }
bool toml_node::is_table() const { return value_->is_table(); }

std::string toml_node::type_name() const {
    switch (value_->type()) {
        case toml::value_t::boolean: return "a boolean";
        case toml::value_t::integer: return "an integer";
        case toml::value_t::floating: return "a float";
        case toml::value_t::string: return "a string";
        case toml::value_t::array: return "an array";
        case toml::value_t::table: return "a table";
        case toml::value_t::offset_datetime:
        case toml::value_t::local_datetime:
        case toml::value_t::local_date:
        case toml::value_t::local_time: return "a date/time";
        default: return "an empty value";
    }
}

double toml_node::as_number() const {
    if (value_->is_integer()) return static_cast<double>(value_->as_integer());
    if (!value_->is_floating()) fail("expected a number, got " + type_name());
    const double x = value_->as_floating();
    if (!std::isfinite(x)) fail("expected a finite number, got " + format_number(x));
    return x;
}

std::int64_t toml_node::as_integer() const {
    if (value_->is_floating()) fail("expected an integer, got the float " + format_number(value_->as_floating()));
    if (!value_->is_integer()) fail("expected an integer, got " + type_name());
    return value_->as_integer();
}

std::uint64_t toml_node::as_count() const {
    const std::int64_t n = as_integer();
    if (n < 0) fail("expected an integer >= 0, got " + std::to_string(n));
    return static_cast<std::uint64_t>(n);
}

std::string toml_node::as_string() const {
    if (!value_->is_string()) fail("expected a string, got " + type_name());
    return value_->as_string().str;
}

bool toml_node::as_bool() const {
    if (!value_->is_boolean()) fail("expected true or false, got " + type_name());
    return value_->as_boolean();
}

toml_table toml_node::as_table() const {
    if (!value_->is_table()) fail("expected a table, got " + type_name());
    return toml_table(*this);
}

std::vector<toml_node> toml_node::as_array() const {
    if (!value_->is_array()) fail("expected an array, got " + type_name());
    const auto& array = value_->as_array();
    std::vector<toml_node> out;
    out.reserve(array.size());
    for (std::size_t i = 0; i < array.size(); ++i) out.emplace_back(array[i], index_key(path_, i), file_);
    return out;
}

std::vector<double> toml_node::as_number_array() const {
    std::vector<double> out;
    const auto elements = as_array();
    std::transform(elements.begin(), elements.end(), std::back_inserter(out),
                   [](const toml_node& element) { return element.as_number(); });
    return out;
}

std::vector<std::uint64_t> toml_node::as_count_array() const {
    std::vector<std::uint64_t> out;
    const auto elements = as_array();
    std::transform(elements.begin(), elements.end(), std::back_inserter(out),
                   [](const toml_node& element) { return element.as_count(); });
    return out;
}

std::vector<std::string> toml_node::as_string_array() const {
    std::vector<std::string> out;
    const auto elements = as_array();
    std::transform(elements.begin(), elements.end(), std::back_inserter(out),
                   [](const toml_node& element) { return element.as_string(); });
    return out;
}

// ---- toml_table ---------------------------------------------------------------------------------

toml_table::toml_table(const toml_node& node) : node_(node), known_(std::make_shared<std::set<std::string>>()) {
    if (!node.is_table()) node.fail("expected a table, got " + node.type_name());
}

std::optional<toml_node> toml_table::find(const std::string& key) const {
    known_->insert(key);
    const auto& entries = node_.value().as_table();
    auto it = entries.find(key);
    if (it == entries.end()) return std::nullopt;
    return toml_node(it->second, key_path(key), node_.file_ptr());
}

toml_node toml_table::at(const std::string& key) const {
    auto value = find(key);
    if (!value) throw config_error(key_path(key), "missing required key", node_.where());
    return *value;
}

bool toml_table::contains(const std::string& key) const { return node_.value().as_table().count(key) > 0; }

void toml_table::allow(const std::string& key) const { known_->insert(key); }

double toml_table::number(const std::string& key) const { return at(key).as_number(); }
double toml_table::number(const std::string& key, double fallback) const {
    auto value = find(key);
    return value ? value->as_number() : fallback;
}

std::uint64_t toml_table::count(const std::string& key) const { return at(key).as_count(); }
std::uint64_t toml_table::count(const std::string& key, std::uint64_t fallback) const {
    auto value = find(key);
    return value ? value->as_count() : fallback;
}

std::string toml_table::string(const std::string& key) const { return at(key).as_string(); }
std::string toml_table::string(const std::string& key, const std::string& fallback) const {
    auto value = find(key);
    return value ? value->as_string() : fallback;
}

bool toml_table::boolean(const std::string& key, bool fallback) const {
    auto value = find(key);
    return value ? value->as_bool() : fallback;
}

toml_table toml_table::table(const std::string& key) const { return at(key).as_table(); }

std::optional<toml_table> toml_table::optional_table(const std::string& key) const {
    auto value = find(key);
    if (!value) return std::nullopt;
    return value->as_table();
}

std::vector<toml_table> toml_table::array_of_tables(const std::string& key) const {
    auto value = find(key);
    if (!value) return {};
    if (!value->is_array())
        value->fail("expected an array of tables ([[" + key + "]] entries), got " + value->type_name());
    std::vector<toml_table> out;
    const auto elements = value->as_array();
    std::transform(elements.begin(), elements.end(), std::back_inserter(out),
                   [](const toml_node& element) { return element.as_table(); });
    return out;
}

std::vector<std::string> toml_table::keys() const {
    std::vector<std::string> out;
    for (const auto& [key, value] : node_.value().as_table()) out.push_back(key);
    std::sort(out.begin(), out.end());
    return out;
}

void toml_table::finish() const {
    for (const auto& key : keys()) {
        if (known_->count(key)) continue;
        const std::string expected =
            known_->empty() ? "this table takes no keys" : "expected one of: " + join_names(*known_);
        fail(key, "unknown key (" + expected + ")");
    }
}

void toml_table::fail(const std::string& key, const std::string& what) const {
    const auto& entries = node_.value().as_table();
    auto it = entries.find(key);
    if (it != entries.end()) toml_node(it->second, key_path(key), node_.file_ptr()).fail(what);
    throw config_error(key_path(key), what, node_.where());
}

// ---- toml_document ------------------------------------------------------------------------------

toml_document toml_document::from_text(const std::string& text, const std::string& file_name) {
    toml_document doc;
    doc.file_ = std::make_shared<const std::string>(file_name);
    doc.text_ = text;
    std::istringstream stream(text);
    try {
        doc.root_ = std::make_shared<const toml::value>(toml::parse(stream, file_name));
    } catch (const toml::exception& e) {
        // toml11 prefixes "[error] toml::<function>: ", which means nothing to a user.
        std::string what = e.what();
        if (what.rfind("[error] ", 0) == 0) what.erase(0, 8);
        if (what.rfind("toml::", 0) == 0) {
            const auto colon = what.find(": ");
            if (colon != std::string::npos) what.erase(0, colon + 2);
        }
        const auto line = e.location().line();
        throw config_error(line > 0 ? "line " + std::to_string(line) : "(syntax)", "TOML syntax error: " + what,
                           file_name);
    } catch (const std::exception& e) {
        throw config_error("(syntax)", std::string("TOML syntax error: ") + e.what(), file_name);
    }
    return doc;
}

toml_document toml_document::from_file(const std::string& path) {
    return from_text(read_text_file(path), path);
}

toml_table toml_document::root() const { return toml_table(toml_node(*root_, "", file_)); }

std::string read_text_file(const std::string& path) {
    if (std::filesystem::is_directory(path)) throw io_error(path, "", "is a directory, not a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw io_error(path, "", "cannot open the file for reading");
    std::ostringstream contents;
    contents << in.rdbuf();
    if (in.bad()) throw io_error(path, "", "cannot read the file");
    return contents.str();
}

}  // namespace evspike::detail
