#include "stacks/source_lines.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>

#include <algorithm>

#include "common/unique_fd.h"
#include "stacks/elf_image.h"
#include "stacks/module_symbols.h"

namespace validprof::stacks {
namespace {

// Bounds against hostile DWARF: DIEs nest a few levels in real code, and a
// function has a handful of address ranges.
constexpr int kMaxDieDepth = 64;
constexpr std::size_t kMaxRanges = 4096;

using Range = std::pair<std::uint64_t, std::uint64_t>;  // [start, end)

std::vector<Range> ranges_of(Dwarf_Die* die) {
    std::vector<Range> ranges;
    Dwarf_Addr base = 0, start = 0, end = 0;
    for (ptrdiff_t at = 0; (at = dwarf_ranges(die, at, &base, &start, &end)) > 0 && ranges.size() < kMaxRanges;)
        if (end > start) ranges.emplace_back(start, end);
    return ranges;
}

bool covers(const std::vector<Range>& ranges, std::uint64_t pc) {
    for (const Range& range : ranges)
        if (pc >= range.first && pc < range.second) return true;
    return false;
}

// The functions of one compilation unit that have code, as a tree: each
// subprogram with the inlined subroutines inside it, nested as inlined.
struct FunctionNode {
    Dwarf_Off die = 0;
    bool inlined = false;  // DW_TAG_inlined_subroutine (else DW_TAG_subprogram)
    std::vector<Range> ranges;
    std::vector<std::uint32_t> children;
};

struct FunctionTree {
    std::vector<FunctionNode> nodes;
    std::vector<std::uint32_t> roots;
};

// One walk of the unit's DIEs, done when an address first falls in it;
// dwarf_getscopes would walk the unit again for every address.
void index_functions(Dwarf_Die* parent, int parent_node, FunctionTree& tree, int depth) {
    if (depth > kMaxDieDepth) return;
    Dwarf_Die child;
    if (dwarf_child(parent, &child) != 0) return;
    do {
        const int tag = dwarf_tag(&child);
        if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine) {
            // Declarations and abstract instances have no code, nor have
            // the DIEs below them.
            std::vector<Range> ranges = ranges_of(&child);
            if (ranges.empty()) continue;
            const auto id = static_cast<std::uint32_t>(tree.nodes.size());
            tree.nodes.push_back({dwarf_dieoffset(&child), tag == DW_TAG_inlined_subroutine, std::move(ranges), {}});
            (parent_node < 0 ? tree.roots : tree.nodes[static_cast<std::size_t>(parent_node)].children).push_back(id);
            index_functions(&child, static_cast<int>(id), tree, depth + 1);
        } else if (tag == DW_TAG_lexical_block || tag == DW_TAG_namespace || tag == DW_TAG_class_type ||
                   tag == DW_TAG_structure_type || tag == DW_TAG_union_type || tag == DW_TAG_module) {
            index_functions(&child, parent_node, tree, depth + 1);
        }
    } while (dwarf_siblingof(&child, &child) == 0);
}

const char* string_attribute(Dwarf_Die* die, unsigned int name) {
    Dwarf_Attribute attribute;
    return dwarf_attr_integrate(die, name, &attribute) ? dwarf_formstring(&attribute) : nullptr;
}

std::string function_name(Dwarf_Die* die) {
    for (unsigned int name : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name})
        if (const char* linkage = string_attribute(die, name)) return demangle(linkage);
    const char* plain = string_attribute(die, DW_AT_name);
    return plain ? plain : "";
}

std::int64_t unsigned_attribute(Dwarf_Die* die, unsigned int name) {
    Dwarf_Attribute attribute;
    Dwarf_Word value = 0;
    if (!dwarf_attr(die, name, &attribute) || dwarf_formudata(&attribute, &value) != 0) return 0;
    return static_cast<std::int64_t>(std::min<Dwarf_Word>(value, INT32_MAX));
}

}  // namespace

std::optional<BuildId> build_id_from_hex(const std::string& hex) {
    if (hex.empty() || hex.size() > 2 * BuildId{}.size() || hex.size() % 2 != 0) return std::nullopt;
    auto digit = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    BuildId id{};
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int high = digit(hex[i]), low = digit(hex[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        id[i / 2] = static_cast<unsigned char>(high << 4 | low);
    }
    return id;
}

struct SourceLines::Object {
    common::UniqueFd fd;
    Dwarf* dwarf = nullptr;                // null: no DWARF found for this build-id
    std::shared_ptr<const ElfImage> main;  // the object itself, to turn offsets into addresses
    struct Unit {
        std::uint64_t start, end;
        Dwarf_Off die;
    };
    std::vector<Unit> units;  // compilation units' address ranges, by start
    std::unordered_map<Dwarf_Off, FunctionTree> trees;  // by unit DIE, built on first use

    Object() = default;
    Object(const Object&) = delete;
    Object& operator=(const Object&) = delete;
    ~Object() {
        if (dwarf) dwarf_end(dwarf);
    }

    bool open(const std::string& path) {
        common::UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!file.valid()) return false;
        Dwarf* opened = dwarf_begin(file.get(), DWARF_C_READ);  // null without .debug_info
        if (!opened) return false;
        dwarf = opened;
        fd = std::move(file);
        index_units();
        return true;
    }

    // From each unit's own ranges: .debug_aranges is optional (clang
    // leaves it out), and libdw 0.188 does not rebuild it when absent.
    void index_units() {
        Dwarf_CU* unit = nullptr;
        Dwarf_CU* next = nullptr;
        Dwarf_Half version = 0;
        std::uint8_t unit_type = 0;
        Dwarf_Die unit_die, sub_die;
        while (dwarf_get_units(dwarf, unit, &next, &version, &unit_type, &unit_die, &sub_die) == 0) {
            unit = next;
            // Partial units (dwz) are imported into compile units; type
            // and split units hold no code of their own here.
            if (unit_type != DW_UT_compile) continue;
            for (const Range& range : ranges_of(&unit_die))
                units.push_back({range.first, range.second, dwarf_dieoffset(&unit_die)});
        }
        std::sort(units.begin(), units.end(), [](const Unit& a, const Unit& b) { return a.start < b.start; });
    }

    bool unit_at(std::uint64_t pc, Dwarf_Die& unit_die) {
        auto after = std::upper_bound(units.begin(), units.end(), pc,
                                      [](std::uint64_t value, const Unit& unit) { return value < unit.start; });
        if (after != units.begin() && pc < (after - 1)->end) return dwarf_offdie(dwarf, (after - 1)->die, &unit_die);
        return dwarf_addrdie(dwarf, pc, &unit_die) != nullptr;
    }

    std::string full_path(const char* file, Dwarf_Die& unit_die) {
        if (!file || !*file) return "";
        if (file[0] == '/') return file;
        const char* directory = string_attribute(&unit_die, DW_AT_comp_dir);
        return directory && *directory ? std::string(directory) + "/" + file : std::string(file);
    }

    std::vector<SourceLine> lookup(std::uint64_t pc) {
        std::vector<SourceLine> chain;
        Dwarf_Die unit_die;
        if (!unit_at(pc, unit_die)) return chain;
        auto [tree, new_tree] = trees.try_emplace(dwarf_dieoffset(&unit_die));
        if (new_tree) index_functions(&unit_die, -1, tree->second, 0);

        // Outermost first: the subprogram, then what was inlined into it.
        std::vector<std::uint32_t> nesting;
        const std::vector<std::uint32_t>* level = &tree->second.roots;
        for (bool deeper = true; deeper;) {
            deeper = false;
            for (std::uint32_t id : *level) {
                const FunctionNode& node = tree->second.nodes[id];
                if (!covers(node.ranges, pc)) continue;
                // A function nested in another (a local class's method) is
                // not inlined there: the chain starts again.
                if (!node.inlined) nesting.clear();
                nesting.push_back(id);
                level = &node.children;
                deeper = true;
                break;
            }
        }

        int line_number = 0;
        const char* line_file = nullptr;
        if (Dwarf_Line* line = dwarf_getsrc_die(&unit_die, pc)) {
            if (dwarf_lineno(line, &line_number) != 0) line_number = 0;
            line_file = dwarf_linesrc(line, nullptr, nullptr);
        }
        if (nesting.empty()) {
            // Code without a function DIE (assembly): the line table alone.
            if (line_number > 0) chain.push_back({"", full_path(line_file, unit_die), 0, line_number});
            return chain;
        }
        std::int64_t current_line = line_number;
        for (std::size_t i = nesting.size(); i > 0; --i) {
            const FunctionNode& node = tree->second.nodes[nesting[i - 1]];
            Dwarf_Die die;
            if (!dwarf_offdie(dwarf, node.die, &die)) break;
            SourceLine entry;
            if (i > 1) entry.function = function_name(&die);
            const char* declared = dwarf_decl_file(&die);
            entry.file = full_path(declared ? declared : (i == nesting.size() ? line_file : nullptr), unit_die);
            int declared_line = 0;
            if (dwarf_decl_line(&die, &declared_line) == 0 && declared_line > 0) entry.function_line = declared_line;
            entry.line = current_line;
            chain.push_back(std::move(entry));
            // The caller executes the line this function was inlined at.
            current_line = node.inlined ? unsigned_attribute(&die, DW_AT_call_line) : 0;
        }
        return chain;
    }
};

std::size_t SourceLines::KeyHash::operator()(const Key& key) const {
    return std::hash<std::string>()(key.id) ^ (key.offset * 0x9e3779b97f4a7c15ull) ^ key.return_address;
}

SourceLines::SourceLines(std::string debug_root) : debug_root_(std::move(debug_root)) {}

SourceLines::~SourceLines() = default;

void SourceLines::add_mapped_file(const std::string& hex_id, const std::string& path) {
    index_.add_mapped_file(hex_id, path);
}

SourceLines::Object* SourceLines::object(const std::string& hex_id) {
    auto [found, inserted] = objects_.try_emplace(hex_id);
    if (!inserted) return found->second.get();
    found->second = std::make_unique<Object>();
    Object& object = *found->second;
    auto id = build_id_from_hex(hex_id);
    if (!id) return &object;
    std::optional<std::string> main_path = index_.find(*id);
    if (main_path) object.main = ElfImage::open(*main_path);
    // The debug file first: the object's own DWARF, if any, is what was
    // left of it when it was installed. Named by the id's real length
    // (the session pads shorter ids with zero bytes to 20).
    std::string hex = hex_id;
    std::vector<std::string> candidates;
    for (;;) {
        std::string path = debug_root_ + "/.build-id/" + hex.substr(0, 2) + "/" + hex.substr(2) + ".debug";
        if (read_build_id(path) == id) candidates.push_back(path);
        if (hex.size() <= 4 || hex.compare(hex.size() - 2, 2, "00") != 0) break;
        hex.resize(hex.size() - 2);
    }
    if (main_path) candidates.push_back(*main_path);
    for (const std::string& path : candidates)
        if (object.open(path)) break;
    return &object;
}

std::vector<SourceLine> SourceLines::lookup(const std::string& hex_id, std::uint64_t file_offset, bool return_address) {
    Key key{hex_id, file_offset, return_address};
    if (auto known = answers_.find(key); known != answers_.end()) return known->second;
    std::vector<SourceLine> lines;
    Object* found = object(hex_id);
    if (found && found->dwarf) {
        // DWARF speaks of virtual addresses. Without the object itself, its
        // debug file's program headers have no file offsets: assume they
        // are equal, as the linkers lay out most objects.
        std::uint64_t address = file_offset;
        if (found->main)
            if (auto mapped = found->main->virtual_address_of(file_offset)) address = *mapped;
        if (return_address && address > 0) address -= 1;
        lines = found->lookup(address);
    }
    return answers_.emplace(std::move(key), std::move(lines)).first->second;
}

std::size_t SourceLines::objects_with_lines() const {
    return static_cast<std::size_t>(
        std::count_if(objects_.begin(), objects_.end(), [](const auto& entry) { return entry.second->dwarf != nullptr; }));
}

}  // namespace validprof::stacks
