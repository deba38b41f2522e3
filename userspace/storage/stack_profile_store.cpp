// ProfileDatabase: stack profiles. Distinct stacks are stored once per
// session and referenced by the (process, kind) sample rows, so a profile
// with many processes sharing the same hot paths stays small.
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>

#include "storage/profile_database.h"

namespace validprof::storage {
namespace {

// One line per frame: name, module, and when known path, build-id and
// address (hex), tab-separated. Lines of two fields are what sessions
// recorded before addresses were kept.
void append_field(std::string& text, const std::string& field) {
    // Tabs and newlines cannot occur in symbol names; strip them from
    // anything odd rather than corrupt the encoding.
    for (char c : field) text += (c == '\n' || c == '\t') ? ' ' : c;
}

std::string encode_frames(const std::vector<model::StackFrame>& frames) {
    std::string text;
    for (const model::StackFrame& frame : frames) {
        if (!text.empty()) text += '\n';
        append_field(text, frame.name);
        text += '\t';
        append_field(text, frame.module);
        if (frame.path.empty() && frame.build_id.empty() && frame.address == 0) continue;
        text += '\t';
        append_field(text, frame.path);
        text += '\t';
        append_field(text, frame.build_id);
        char address[24];
        std::snprintf(address, sizeof(address), "\t%llx", static_cast<unsigned long long>(frame.address));
        text += address;
    }
    return text;
}

std::vector<model::StackFrame> decode_frames(const std::string& text) {
    std::vector<model::StackFrame> frames;
    if (text.empty()) return frames;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::vector<std::string> fields;
        std::size_t start = 0;
        while (true) {
            auto tab = line.find('\t', start);
            fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
            if (tab == std::string::npos) break;
            start = tab + 1;
        }
        model::StackFrame frame;
        frame.name = fields[0];
        if (fields.size() > 1) frame.module = fields[1];
        if (fields.size() > 4) {
            frame.path = fields[2];
            frame.build_id = fields[3];
            frame.address = std::strtoull(fields[4].c_str(), nullptr, 16);
        }
        frames.push_back(std::move(frame));
    }
    return frames;
}

}  // namespace

common::Result<void> ProfileDatabase::store_stack_profile(std::int64_t session_id, const model::StackProfile& profile) {
    const std::string what = "store the stack profile of session " + std::to_string(session_id);
    auto transaction = Transaction::begin_immediate(connection_);
    if (!transaction) return failure(what, transaction.error());
    if (auto exists = require_session(session_id); !exists) return exists.error();

    auto settings = Statement::prepare(
        connection_.get(),
        "INSERT OR REPLACE INTO stack_profiles(session_id, frequency_hz, offcpu_min_ns) VALUES (?, ?, ?)", false);
    if (!settings) return failure(what, settings.error());
    settings->bind_int(1, session_id);
    settings->bind_int(2, profile.settings.frequency_hz);
    settings->bind_int(3, static_cast<std::int64_t>(profile.settings.offcpu_min_ns));
    if (auto done = settings->run(); !done) return failure(what, done.error());

    auto insert_stack = Statement::prepare(
        connection_.get(), "INSERT INTO stacks(session_id, frames) VALUES (?, ?) ON CONFLICT DO NOTHING", false);
    if (!insert_stack) return failure(what, insert_stack.error());
    auto find_stack =
        Statement::prepare(connection_.get(), "SELECT id FROM stacks WHERE session_id = ? AND frames = ?", false);
    if (!find_stack) return failure(what, find_stack.error());
    auto insert_sample = Statement::prepare(connection_.get(),
                                            "INSERT INTO stack_samples(session_id, stack_id, pid, kind, count, "
                                            "weight_ns) VALUES (?, ?, ?, ?, ?, ?)",
                                            false);
    if (!insert_sample) return failure(what, insert_sample.error());

    std::map<std::string, std::int64_t> stack_ids;
    for (const model::StackSample& sample : profile.samples) {
        std::string frames = encode_frames(sample.frames);
        auto known = stack_ids.find(frames);
        if (known == stack_ids.end()) {
            insert_stack->bind_int(1, session_id);
            insert_stack->bind_text(2, frames);
            if (auto done = insert_stack->run(); !done) return failure(what, done.error());
            find_stack->bind_int(1, session_id);
            find_stack->bind_text(2, frames);
            auto row = find_stack->step();
            if (!row) return failure(what, row.error());
            if (!*row) return common::make_error(what + ": stack row vanished");
            known = stack_ids.emplace(frames, find_stack->column_int(0)).first;
            find_stack->reset();
        }
        insert_sample->bind_int(1, session_id);
        insert_sample->bind_int(2, known->second);
        insert_sample->bind_int(3, sample.pid);
        insert_sample->bind_int(4, static_cast<std::int64_t>(sample.kind));
        insert_sample->bind_int(5, static_cast<std::int64_t>(sample.count));
        insert_sample->bind_int(6, static_cast<std::int64_t>(sample.weight_ns));
        if (auto done = insert_sample->run(); !done) return failure(what, done.error());
    }
    if (auto committed = transaction->commit(); !committed) return failure(what, committed.error());
    return common::success();
}

common::Result<model::StackProfile> ProfileDatabase::load_stack_profile(std::int64_t session_id) {
    const std::string what = "load the stack profile of session " + std::to_string(session_id);
    if (auto exists = require_session(session_id); !exists) return exists.error();
    model::StackProfile profile;
    auto settings = Statement::prepare(
        connection_.get(), "SELECT frequency_hz, offcpu_min_ns FROM stack_profiles WHERE session_id = ?", false);
    if (!settings) return failure(what, settings.error());
    settings->bind_int(1, session_id);
    auto row = settings->step();
    if (!row) return failure(what, row.error());
    if (!*row) return profile;
    profile.settings.frequency_hz = static_cast<std::uint32_t>(settings->column_int(0));
    profile.settings.offcpu_min_ns = static_cast<std::uint64_t>(settings->column_int(1));

    auto samples = Statement::prepare(connection_.get(),
                                      "SELECT s.pid, s.kind, s.count, s.weight_ns, t.frames FROM stack_samples s "
                                      "JOIN stacks t ON t.id = s.stack_id WHERE s.session_id = ? ORDER BY s.rowid",
                                      false);
    if (!samples) return failure(what, samples.error());
    samples->bind_int(1, session_id);
    while (true) {
        auto next = samples->step();
        if (!next) return failure(what, next.error());
        if (!*next) break;
        model::StackSample sample;
        sample.pid = static_cast<std::int32_t>(samples->column_int(0));
        sample.kind = static_cast<model::SampleKind>(samples->column_int(1));
        sample.count = static_cast<std::uint64_t>(samples->column_int(2));
        sample.weight_ns = static_cast<std::uint64_t>(samples->column_int(3));
        sample.frames = decode_frames(samples->column_text(4));
        profile.samples.push_back(std::move(sample));
    }
    return profile;
}

}  // namespace validprof::storage
