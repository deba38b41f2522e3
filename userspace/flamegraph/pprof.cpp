#include "flamegraph/pprof.h"

#include <unordered_map>
#include <vector>

#include "flamegraph/flat_index.h"
#include "flamegraph/gzip.h"
#include "flamegraph/protobuf_writer.h"
#include "text/text_layout.h"

namespace validprof::flamegraph {

namespace {

// Field numbers from profile.proto.
namespace profile_field {
constexpr std::uint32_t kSampleType = 1;
constexpr std::uint32_t kSample = 2;
constexpr std::uint32_t kMapping = 3;
constexpr std::uint32_t kLocation = 4;
constexpr std::uint32_t kFunction = 5;
constexpr std::uint32_t kStringTable = 6;
constexpr std::uint32_t kTimeNanos = 9;
constexpr std::uint32_t kDurationNanos = 10;
constexpr std::uint32_t kPeriodType = 11;
constexpr std::uint32_t kPeriod = 12;
constexpr std::uint32_t kComment = 13;
constexpr std::uint32_t kDefaultSampleType = 14;
}  // namespace profile_field

namespace value_type_field {
constexpr std::uint32_t kType = 1;
constexpr std::uint32_t kUnit = 2;
}  // namespace value_type_field

namespace sample_field {
constexpr std::uint32_t kLocationId = 1;
constexpr std::uint32_t kValue = 2;
constexpr std::uint32_t kLabel = 3;
}  // namespace sample_field

namespace label_field {
constexpr std::uint32_t kKey = 1;
constexpr std::uint32_t kStr = 2;
constexpr std::uint32_t kNum = 3;
}  // namespace label_field

namespace mapping_field {
constexpr std::uint32_t kId = 1;
constexpr std::uint32_t kMemoryStart = 2;
constexpr std::uint32_t kMemoryLimit = 3;
constexpr std::uint32_t kFileOffset = 4;
constexpr std::uint32_t kFilename = 5;
constexpr std::uint32_t kBuildId = 6;
constexpr std::uint32_t kHasFunctions = 7;
constexpr std::uint32_t kHasFilenames = 8;
constexpr std::uint32_t kHasLineNumbers = 9;
constexpr std::uint32_t kHasInlineFrames = 10;
}  // namespace mapping_field

namespace location_field {
constexpr std::uint32_t kId = 1;
constexpr std::uint32_t kMappingId = 2;
constexpr std::uint32_t kAddress = 3;
constexpr std::uint32_t kLine = 4;
}  // namespace location_field

// Each object's frames keep their file offsets, not the addresses they
// had in one process (ASLR moves them per process, and samples of many
// processes merge). So each mapping gets a range of its own in one
// address space, [id << 40, (id + 1) << 40), with file_offset 0: a
// location's address minus memory_start is its offset in the file, which
// is what a symbolization server needs with the build-id. Kernel frames
// keep their kernel addresses, in one mapping covering the kernel half.
constexpr unsigned kMappingShift = 40;
constexpr std::uint64_t kKernelStart = 0xffff800000000000ull;

namespace line_field {
constexpr std::uint32_t kFunctionId = 1;
constexpr std::uint32_t kLine = 2;
}  // namespace line_field

namespace function_field {
constexpr std::uint32_t kId = 1;
constexpr std::uint32_t kName = 2;
constexpr std::uint32_t kSystemName = 3;
constexpr std::uint32_t kFilename = 4;
constexpr std::uint32_t kStartLine = 5;
}  // namespace function_field

class StringTable {
public:
    StringTable() { intern(""); }  // string_table[0] must be ""

    std::int64_t intern(std::string_view text) {
        auto [it, inserted] = ids_.try_emplace(std::string(text), static_cast<std::int64_t>(strings_.size()));
        if (inserted) strings_.emplace_back(text);
        return it->second;
    }
    const std::vector<std::string>& strings() const { return strings_; }

private:
    std::unordered_map<std::string, std::int64_t> ids_;
    std::vector<std::string> strings_;
};

struct SampleKey {
    StackId stack = 0;
    std::uint32_t hook = 0;     // string table index
    std::uint32_t process = 0;  // string table index
    std::int32_t pid = 0;
    std::int64_t invocation = 0;
    std::uint8_t kind = 0;
    std::uint8_t state = 0;
    bool operator==(const SampleKey&) const = default;
};

struct SampleKeyHash {
    std::size_t operator()(const SampleKey& k) const {
        std::uint64_t h = mix64((static_cast<std::uint64_t>(k.stack) << 32) ^ (static_cast<std::uint64_t>(k.hook) << 16) ^
                                k.process);
        h = mix64(h ^ static_cast<std::uint64_t>(k.invocation));
        h = mix64(h ^ ((static_cast<std::uint64_t>(static_cast<std::uint32_t>(k.pid)) << 16) |
                       (static_cast<std::uint64_t>(k.kind) << 8) | k.state));
        return static_cast<std::size_t>(h);
    }
};

struct SampleSum {
    SampleKey key;
    std::uint64_t count = 0;
    std::uint64_t cpu_ns = 0;
    std::uint64_t off_cpu_ns = 0;
};

// Hook and process names as string table indices, cleaned to valid UTF-8
// (protobuf strings must be) once per distinct name. Samples of one
// invocation usually arrive together, so the last name is checked first.
class NameInterner {
public:
    explicit NameInterner(StringTable& strings) : strings_(strings) {}
    std::uint32_t operator()(const std::string& text) {
        if (last_ != nullptr && *last_ == text) return last_id_;
        auto it = ids_.find(text);
        if (it == ids_.end()) {
            it = ids_.emplace(text, static_cast<std::uint32_t>(strings_.intern(text::sanitize(text)))).first;
        }
        last_ = &text;
        last_id_ = it->second;
        return last_id_;
    }

private:
    StringTable& strings_;
    std::unordered_map<std::string_view, std::uint32_t> ids_;  // views into the profile
    const std::string* last_ = nullptr;
    std::uint32_t last_id_ = 0;
};

std::string clean_name(std::string_view name) { return name.empty() ? "[unknown]" : text::sanitize(name); }

// The location, function and mapping tables: a location per frame in use,
// with one line per function of its inline chain when the frame has source
// lines (add_source_lines), else one line naming the frame; a function per
// (name, file, start line); a mapping per object.
class LocationTables {
public:
    explicit LocationTables(StringTable& strings) : strings_(strings) {}

    void add(std::uint64_t location_id, const Frame& frame) {
        std::uint64_t mapping_id = 0;
        std::uint64_t address = 0;
        const std::string module = frame.module.empty() && frame.kernel ? "[kernel]" : text::sanitize(frame.module);
        if (!module.empty()) {
            auto [mapping, inserted] = mapping_of_module_.try_emplace(module + '\0' + frame.build_id,
                                                                       mappings_.size() + 1);
            const std::uint64_t start = frame.kernel ? kKernelStart : mapping->second << kMappingShift;
            if (inserted) {
                mappings_.push_back({start, frame.kernel ? ~0ull : start + (1ull << kMappingShift),
                                     strings_.intern(module),
                                     frame.build_id.empty() ? 0 : strings_.intern(frame.build_id), false});
            }
            mapping_id = mapping->second;
            if (!frame.lines.empty()) mappings_[mapping_id - 1].has_lines = true;
            if (frame.address != 0 && (frame.kernel || !frame.build_id.empty()))
                address = frame.kernel ? frame.address : start + (frame.address & ((1ull << kMappingShift) - 1));
        }
        message_.clear();
        message_.varint_field(location_field::kId, location_id);
        if (mapping_id != 0) message_.varint_field(location_field::kMappingId, mapping_id);
        if (address != 0) message_.varint_field(location_field::kAddress, address);
        const std::int64_t frame_name = strings_.intern(clean_name(frame.name));
        if (frame.lines.empty()) add_line(function(frame_name, 0, 0), 0);
        for (const SourceLine& line : frame.lines) {
            const std::int64_t name = line.function.empty() ? frame_name : strings_.intern(clean_name(line.function));
            const std::int64_t file = line.file.empty() ? 0 : strings_.intern(text::sanitize(line.file));
            add_line(function(name, file, line.function_line), line.line);
        }
        out_.message_field(profile_field::kLocation, message_);
    }

    // A location without a mapping or address, for stacks that could not be read.
    void add_named(std::uint64_t location_id, std::string_view name) {
        message_.clear();
        message_.varint_field(location_field::kId, location_id);
        add_line(function(strings_.intern(name), 0, 0), 0);
        out_.message_field(profile_field::kLocation, message_);
    }

    // The tables, the mappings last: whether an object had source lines is
    // known once all its locations are in.
    std::string take() {
        for (std::size_t i = 0; i < mappings_.size(); ++i) {
            const Mapping& mapping = mappings_[i];
            message_.clear();
            message_.varint_field(mapping_field::kId, i + 1);
            message_.varint_field(mapping_field::kMemoryStart, mapping.start);
            message_.varint_field(mapping_field::kMemoryLimit, mapping.limit);
            message_.varint_field(mapping_field::kFileOffset, 0);
            message_.int64_field(mapping_field::kFilename, mapping.filename);
            if (mapping.build_id != 0) message_.int64_field(mapping_field::kBuildId, mapping.build_id);
            message_.varint_field(mapping_field::kHasFunctions, 1);
            if (mapping.has_lines) {
                message_.varint_field(mapping_field::kHasFilenames, 1);
                message_.varint_field(mapping_field::kHasLineNumbers, 1);
                message_.varint_field(mapping_field::kHasInlineFrames, 1);
            }
            out_.message_field(profile_field::kMapping, message_);
        }
        return out_.take();
    }

private:
    struct Mapping {
        std::uint64_t start = 0, limit = 0;
        std::int64_t filename = 0, build_id = 0;  // string table indices
        bool has_lines = false;
    };
    struct FunctionKey {
        std::int64_t name = 0, file = 0, start_line = 0;
        bool operator==(const FunctionKey&) const = default;
    };
    struct FunctionKeyHash {
        std::size_t operator()(const FunctionKey& k) const {
            return static_cast<std::size_t>(mix64(static_cast<std::uint64_t>(k.name) ^
                                                  mix64(static_cast<std::uint64_t>(k.file) ^
                                                        mix64(static_cast<std::uint64_t>(k.start_line)))));
        }
    };

    std::uint64_t function(std::int64_t name, std::int64_t file, std::int64_t start_line) {
        auto [fn, inserted] = functions_.try_emplace(FunctionKey{name, file, start_line}, functions_.size() + 1);
        if (inserted) {
            function_.clear();
            function_.varint_field(function_field::kId, fn->second);
            function_.int64_field(function_field::kName, name);
            function_.int64_field(function_field::kSystemName, name);
            if (file != 0) function_.int64_field(function_field::kFilename, file);
            if (start_line != 0) function_.int64_field(function_field::kStartLine, start_line);
            out_.message_field(profile_field::kFunction, function_);
        }
        return fn->second;
    }

    void add_line(std::uint64_t function_id, std::int64_t line) {
        line_.clear();
        line_.varint_field(line_field::kFunctionId, function_id);
        if (line != 0) line_.int64_field(line_field::kLine, line);
        message_.message_field(location_field::kLine, line_);
    }

    StringTable& strings_;
    ProtobufWriter out_, message_, line_, function_;
    std::unordered_map<FunctionKey, std::uint64_t, FunctionKeyHash> functions_;
    std::unordered_map<std::string, std::uint64_t> mapping_of_module_;  // module + build-id → mapping id
    std::vector<Mapping> mappings_;                                       // by id - 1
};

std::string_view state_name(OffCpuState state) {
    switch (state) {
        case OffCpuState::kSleeping: return "sleeping";
        case OffCpuState::kBlocked: return "blocked";
        case OffCpuState::kUnknown: break;
    }
    return "";
}

}  // namespace

common::Result<std::string> encode_pprof(const Profile& profile, const Selection& selection,
                                         const PprofOptions& options) {
    if (auto valid = validate(profile); !valid) return valid.error();
    const bool want_cpu = selection.view != View::kOffCpu;
    const bool want_off = selection.view != View::kCpu;

    StringTable strings;
    NameInterner hook_id(strings);
    NameInterner process_id(strings);

    // Merge the selected samples by stack and labels.
    std::vector<SampleSum> sums;
    FlatIndex sum_index(profile.samples.size() / 8);
    std::vector<std::uint8_t> stack_used(profile.stacks.size(), 0);
    for (const StackSample& sample : profile.samples) {
        const bool cpu = sample.kind == SampleKind::kCpu;
        if (cpu ? !want_cpu : !want_off) continue;
        if (selection.hook && sample.hook != *selection.hook) continue;
        if (selection.invocation && sample.invocation_id != *selection.invocation) continue;
        if (sample.count == 0 && (cpu || sample.weight_ns == 0)) continue;
        if (cpu && profile.sample_period_ns == 0) {
            return common::make_error(
                "the profile has on-CPU samples but no sample period: pprof needs cpu time in nanoseconds");
        }
        SampleKey key;
        key.stack = sample.stack;
        key.hook = hook_id(sample.hook);
        key.process = process_id(sample.process);
        key.kind = static_cast<std::uint8_t>(sample.kind);
        key.state = cpu ? 0 : static_cast<std::uint8_t>(sample.state);
        if (options.invocation_labels) {
            key.invocation = sample.invocation_id;
            key.pid = sample.pid;
        }
        bool inserted = false;
        const std::uint32_t index = sum_index.find_or_insert(
            SampleKeyHash{}(key), [&](std::uint32_t id) { return sums[id].key == key; },
            static_cast<std::uint32_t>(sums.size()), inserted);
        if (inserted) sums.push_back(SampleSum{key});
        SampleSum& sum = sums[index];
        sum.count += sample.count;
        if (cpu) {
            sum.cpu_ns += sample.count * profile.sample_period_ns;
        } else {
            sum.off_cpu_ns += sample.weight_ns;
        }
        stack_used[sample.stack] = 1;
    }

    // Locations (one per frame in use, small ids first seen first), their
    // functions (one per name) and mappings (one per module).
    std::vector<std::uint64_t> location_of_frame(profile.frames.size(), 0);
    std::vector<FrameId> location_frames;  // location id - 1 → frame
    bool missing_used = false;
    for (StackId s = 0; s < profile.stacks.size(); ++s) {
        if (!stack_used[s]) continue;
        missing_used = missing_used || profile.stacks[s].empty();
        for (FrameId f : profile.stacks[s]) {
            if (location_of_frame[f] == 0) {
                location_frames.push_back(f);
                location_of_frame[f] = location_frames.size();
            }
        }
    }
    // A sample whose stack could not be read keeps its time under a
    // "[missing stack]" location, as in the other formats, rather than
    // becoming a sample without locations that pprof's views leave out.
    const std::uint64_t missing_location = location_frames.size() + 1;
    ProtobufWriter tables;
    {
        LocationTables locations(strings);
        for (std::size_t i = 0; i < location_frames.size(); ++i) locations.add(i + 1, profile.frames[location_frames[i]]);
        if (missing_used) locations.add_named(missing_location, "[missing stack]");
        tables.append_raw(locations.take());
    }

    // Each stack's location_id field, encoded once: leaf first, as pprof wants.
    std::vector<std::string> stack_field(profile.stacks.size());
    {
        std::vector<std::uint64_t> ids;
        for (StackId s = 0; s < profile.stacks.size(); ++s) {
            if (!stack_used[s]) continue;
            const auto& frames = profile.stacks[s];
            ids.assign(frames.size(), 0);
            for (std::size_t i = 0; i < frames.size(); ++i) ids[frames.size() - 1 - i] = location_of_frame[frames[i]];
            if (frames.empty()) ids.push_back(missing_location);
            ProtobufWriter field;
            field.packed_varints(sample_field::kLocationId, ids);
            stack_field[s] = field.take();
        }
    }

    const std::int64_t hook_key = strings.intern("hook");
    const std::int64_t process_key = strings.intern("process");
    const std::int64_t state_key = strings.intern("state");
    const std::int64_t invocation_key = strings.intern("invocation");
    const std::int64_t pid_key = strings.intern("pid");

    // Encoded label fields for each (hook, process, state), shared by all
    // samples that have them.
    std::unordered_map<std::uint64_t, std::string> label_fields;
    auto labels_for = [&](const SampleKey& key) -> const std::string& {
        const std::uint64_t id = (static_cast<std::uint64_t>(key.hook) << 34) ^
                                 (static_cast<std::uint64_t>(key.process) << 4) ^ key.state;
        auto [it, inserted] = label_fields.try_emplace(id);
        if (inserted) {
            ProtobufWriter fields;
            ProtobufWriter label;
            auto string_label = [&](std::int64_t k, std::int64_t v) {
                label.clear();
                label.int64_field(label_field::kKey, k);
                label.int64_field(label_field::kStr, v);
                fields.message_field(sample_field::kLabel, label);
            };
            string_label(hook_key, key.hook);
            string_label(process_key, key.process);
            const std::string_view state = state_name(static_cast<OffCpuState>(key.state));
            if (!state.empty()) string_label(state_key, strings.intern(state));
            it->second = fields.take();
        }
        return it->second;
    };

    const std::int64_t samples_name = strings.intern("samples");
    const std::int64_t count_unit = strings.intern("count");
    const std::int64_t cpu_name = strings.intern("cpu");
    const std::int64_t ns_unit = strings.intern("nanoseconds");
    const std::int64_t off_cpu_name = strings.intern("off-cpu");
    const std::int64_t wall_name = strings.intern("wall");

    ProtobufWriter out;
    out.reserve(sums.size() * 96 + tables.bytes().size() + 4096);
    {
        ProtobufWriter value_type;
        for (auto [type, unit] : {std::pair{samples_name, count_unit}, std::pair{cpu_name, ns_unit},
                                  std::pair{off_cpu_name, ns_unit}, std::pair{wall_name, ns_unit}}) {
            value_type.clear();
            value_type.int64_field(value_type_field::kType, type);
            value_type.int64_field(value_type_field::kUnit, unit);
            out.message_field(profile_field::kSampleType, value_type);
        }
    }

    // Samples, written straight into the output: the location field comes
    // pre-encoded, values and labels go through a scratch buffer.
    std::string rest;
    std::string header;
    for (const SampleSum& sum : sums) {
        rest.clear();
        const std::uint64_t values[4] = {sum.count, sum.cpu_ns, sum.off_cpu_ns, sum.cpu_ns + sum.off_cpu_ns};
        std::size_t values_length = 0;
        for (std::uint64_t v : values) values_length += ProtobufWriter::varint_size(v);
        ProtobufWriter::append_varint(rest, (sample_field::kValue << 3) | 2);
        ProtobufWriter::append_varint(rest, values_length);
        for (std::uint64_t v : values) ProtobufWriter::append_varint(rest, v);
        rest += labels_for(sum.key);
        if (options.invocation_labels) {
            ProtobufWriter label;
            label.int64_field(label_field::kKey, invocation_key);
            label.int64_field(label_field::kNum, sum.key.invocation);
            ProtobufWriter fields;
            fields.message_field(sample_field::kLabel, label);
            label.clear();
            label.int64_field(label_field::kKey, pid_key);
            label.int64_field(label_field::kNum, sum.key.pid);
            fields.message_field(sample_field::kLabel, label);
            rest += fields.bytes();
        }
        const std::string& locations = stack_field[sum.key.stack];
        header.clear();
        ProtobufWriter::append_varint(header, (profile_field::kSample << 3) | 2);
        ProtobufWriter::append_varint(header, locations.size() + rest.size());
        out.append_raw(header);
        out.append_raw(locations);
        out.append_raw(rest);
    }

    out.append_raw(tables.bytes());

    if (profile.start_unix_ns != 0) out.int64_field(profile_field::kTimeNanos, profile.start_unix_ns);
    if (profile.duration_ns != 0) {
        out.int64_field(profile_field::kDurationNanos, static_cast<std::int64_t>(profile.duration_ns));
    }
    {
        ProtobufWriter period_type;
        period_type.int64_field(value_type_field::kType, cpu_name);
        period_type.int64_field(value_type_field::kUnit, ns_unit);
        out.message_field(profile_field::kPeriodType, period_type);
        if (profile.sample_period_ns != 0) {
            out.int64_field(profile_field::kPeriod, static_cast<std::int64_t>(profile.sample_period_ns));
        }
    }
    std::string comment = "validprof " + std::string(view_name(selection.view)) + " profile";
    if (!profile.name.empty()) comment += ": " + text::sanitize(profile.name);
    const std::int64_t comment_id = strings.intern(comment);
    std::int64_t default_type = wall_name;
    if (selection.view == View::kCpu) default_type = cpu_name;
    if (selection.view == View::kOffCpu) default_type = off_cpu_name;

    out.int64_field(profile_field::kComment, comment_id);
    out.int64_field(profile_field::kDefaultSampleType, default_type);
    // The string table last: everything above has interned its strings by now.
    for (const std::string& text : strings.strings()) out.bytes_field(profile_field::kStringTable, text);
    return out.take();
}

common::Result<void> write_pprof(std::ostream& out, const Profile& profile, const Selection& selection,
                                 const PprofOptions& options) {
    auto encoded = encode_pprof(profile, selection, options);
    if (!encoded) return encoded.error();
    auto compressed = gzip_compress(*encoded, options.gzip_level);
    if (!compressed) return compressed.error();
    out.write(compressed->data(), static_cast<std::streamsize>(compressed->size()));
    out.flush();
    if (!out) return common::make_error("writing the pprof file failed");
    return common::success();
}

}  // namespace validprof::flamegraph
