#include "validation/hooks/hook_rows.h"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <regex>

namespace validprof::validation {

namespace {

using nlohmann::json;

constexpr int kSessionListLimit = 1000;
constexpr std::int64_t kDay = 86'400;

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

// Unique per invocation: two hooks in one millisecond differ by pid.
std::string invocation_id(const HookInput& input) {
    return std::to_string(input.now_ms) + "-" + std::to_string(input.pid);
}

class RowWriter {
public:
    RowWriter(MemoryStore& store, const HookInput& input)
        : store_(store), now_(input.now_ms / 1000) {}

    common::Result<void> upsert(std::string key, std::string ns, const json& value,
                                std::optional<std::int64_t> ttl = std::nullopt) {
        ++statements_;
        return store_.upsert(MemoryEntry{std::move(key), dump(value), std::move(ns), std::nullopt, ttl}, now_);
    }
    // Lookup then access update, as the real store's retrieve does.
    common::Result<std::optional<StoredEntry>> retrieve(const std::string& key, const std::string& ns) {
        ++statements_;
        auto entry = store_.get(key, ns);
        if (!entry || !*entry) return entry;
        ++statements_;
        if (auto touched = store_.touch(key, ns, now_); !touched) return touched.error();
        return entry;
    }
    common::Result<std::vector<StoredEntry>> list(const std::string& ns) {
        ++statements_;
        return store_.list(ns, kSessionListLimit);
    }
    common::Result<int> clean_up() {
        ++statements_;
        return store_.delete_expired(now_);
    }
    // A read-modify-write (read a row, write it back changed) must hold the
    // write lock from the read on: otherwise two hooks read the same totals
    // and the second write loses the first one's update. BEGIN IMMEDIATE
    // takes the lock up front (a deferred transaction would have to upgrade
    // from read to write, which fails with SQLITE_BUSY without waiting).
    // Inside the caller's transaction (--batched, itself BEGIN IMMEDIATE)
    // there is nothing to add: nullopt.
    common::Result<std::optional<sqlite_handle::Transaction>> begin_read_modify_write() {
        if (sqlite3_get_autocommit(store_.connection().get()) == 0) return std::optional<sqlite_handle::Transaction>{};
        auto transaction = store_.begin();
        if (!transaction) return transaction.error();
        return std::optional<sqlite_handle::Transaction>(std::move(*transaction));
    }
    common::Result<void> finish_read_modify_write(std::optional<sqlite_handle::Transaction>& transaction) {
        if (!transaction) return common::success();
        if (auto committed = transaction->commit(); !committed) {
            return common::make_error("cannot commit to " + store_.path() + ": " + committed.error().message);
        }
        return common::success();
    }
    int statements() const { return statements_; }
    std::int64_t now() const { return now_; }

private:
    MemoryStore& store_;
    std::int64_t now_;
    int statements_ = 0;
};

#define TRY_WRITE(expression)                   \
    do {                                            \
        if (auto done_ = (expression); !done_) {    \
            return done_.error();                   \
        }                                           \
    } while (0)

json parse_or_empty(const std::string& text) {
    json value = json::parse(text, nullptr, false);
    return value.is_discarded() || !value.is_object() ? json::object() : value;
}

}  // namespace

bool command_is_dangerous(const std::string& command) {
    static const std::regex dangerous(
        R"((rm\s+-[a-zA-Z]*[rR][a-zA-Z]*\s+(-[a-zA-Z]+\s+)*(/|~|\*)(\s|$))|(\bmkfs(\.\w+)?\b)|(\bdd\b.*\bof=/dev/)|(:\(\)\s*\{\s*:\|:&\s*\};:)|(chmod\s+-R\s+777\s+/(\s|$))|((curl|wget)\b[^|]*\|\s*(sudo\s+)?(ba)?sh\b))");
    return std::regex_search(command, dangerous);
}

common::Result<HookRowsSummary> write_hook_rows(MemoryStore& store, const HookInput& input) {
    RowWriter rows(store, input);
    HookRowsSummary summary;
    const std::string id = invocation_id(input);
    const json timestamp = input.now_ms;
    switch (input.kind) {
        case HookKind::PreTask: {
            summary.task_id = input.task_id.empty() ? "task-" + id : input.task_id;
            TRY_WRITE(rows.upsert("task/" + summary.task_id, "tasks",
                                      {{"task_id", summary.task_id}, {"description", input.description},
                                       {"status", "started"}, {"started_ms", timestamp}, {"agent", input.agent}}));
            TRY_WRITE(rows.upsert("current-task", "session", {{"task_id", summary.task_id}, {"since_ms", timestamp}}));
            summary.line = "pre-task: started " + summary.task_id;
            break;
        }
        case HookKind::PostTask: {
            summary.task_id = input.task_id;
            if (summary.task_id.empty()) {
                auto current = rows.retrieve("current-task", "session");
                if (!current) return current.error();
                summary.task_id = *current ? parse_or_empty((*current)->value).value("task_id", "") : "";
            }
            if (summary.task_id.empty()) summary.task_id = "task-" + id;
            auto rmw = rows.begin_read_modify_write();
            if (!rmw) return rmw.error();
            auto task = rows.retrieve("task/" + summary.task_id, "tasks");
            if (!task) return task.error();
            json record = *task ? parse_or_empty((**task).value) : json::object();
            const std::int64_t started = record.value("started_ms", input.now_ms);
            record["task_id"] = summary.task_id;
            record["status"] = "completed";
            record["completed_ms"] = timestamp;
            record["duration_ms"] = input.now_ms - started;
            TRY_WRITE(rows.upsert("task/" + summary.task_id, "tasks", record));
            TRY_WRITE(rows.finish_read_modify_write(*rmw));
            TRY_WRITE(rows.upsert("completed/" + summary.task_id, "task-history",
                                      {{"task_id", summary.task_id}, {"duration_ms", input.now_ms - started},
                                       {"completed_ms", timestamp}}));
            summary.line = "post-task: completed " + summary.task_id + " after " +
                           std::to_string(input.now_ms - started) + " ms";
            break;
        }
        case HookKind::PreEdit: {
            for (const std::string& file : input.files) {
                TRY_WRITE(rows.upsert("edit-intent/" + file, "edits",
                                          {{"file", file}, {"at_ms", timestamp}, {"agent", input.agent}}));
                auto history = rows.retrieve("file-history/" + file, "file-history");
                if (!history) return history.error();
            }
            summary.line = "pre-edit: " + std::to_string(input.files.size()) + " file(s) noted";
            break;
        }
        case HookKind::PostEdit: {
            for (const std::string& file : input.files) {
                const std::string memory_key = input.memory_key.empty() ? "swarm/edits/" + file : input.memory_key;
                TRY_WRITE(rows.upsert("edit-context/" + file, "coordination",
                                          {{"file", file}, {"memory_key", memory_key}, {"agent", input.agent},
                                           {"at_ms", timestamp}}));
                TRY_WRITE(rows.upsert("edit/" + id + "/" + file, "edits",
                                          {{"file", file}, {"at_ms", timestamp}, {"pid", input.pid}}));
                TRY_WRITE(rows.upsert(memory_key, "coordination",
                                          {{"file", file}, {"step", memory_key}, {"at_ms", timestamp}}));
                TRY_WRITE(rows.upsert("file-history/" + file, "file-history",
                                          {{"file", file}, {"last_edit_ms", timestamp}, {"last_edit", id}}));
            }
            summary.line = "post-edit: recorded " + std::to_string(input.files.size()) + " file(s)";
            break;
        }
        case HookKind::PreCommand: {
            const bool dangerous = input.validate_safety && command_is_dangerous(input.command);
            TRY_WRITE(rows.upsert("command/" + id, "commands",
                                      {{"command", input.command}, {"at_ms", timestamp}, {"agent", input.agent}}));
            TRY_WRITE(rows.upsert("command-safety/" + id, "safety",
                                      {{"command", input.command}, {"checked", input.validate_safety},
                                       {"safe", !dangerous}}));
            summary.blocked = dangerous;
            summary.line = dangerous ? "pre-command: blocked a dangerous command" : "pre-command: recorded";
            break;
        }
        case HookKind::PostCommand: {
            const int exit_code = input.exit_code.value_or(0);
            TRY_WRITE(rows.upsert("command-result/" + id, "commands",
                                      {{"command", input.command}, {"exit_code", exit_code}, {"at_ms", timestamp}}));
            auto rmw = rows.begin_read_modify_write();
            if (!rmw) return rmw.error();
            auto metrics = rows.retrieve("command-metrics", "performance");
            if (!metrics) return metrics.error();
            json totals = *metrics ? parse_or_empty((**metrics).value) : json::object();
            totals["commands"] = totals.value("commands", 0) + 1;
            totals["failures"] = totals.value("failures", 0) + (exit_code != 0 ? 1 : 0);
            totals["last_ms"] = timestamp;
            TRY_WRITE(rows.upsert("command-metrics", "performance", totals));
            TRY_WRITE(rows.finish_read_modify_write(*rmw));
            TRY_WRITE(rows.upsert("last-command", "session", {{"command", input.command}, {"exit_code", exit_code}}));
            TRY_WRITE(rows.upsert("command-history/" + id, "command-history",
                                      {{"command", input.command}, {"exit_code", exit_code}}, kDay));
            auto cleaned = rows.clean_up();
            if (!cleaned) return cleaned.error();
            summary.line = "post-command: recorded (" + std::to_string(totals["commands"].get<int>()) + " commands so far)";
            break;
        }
        case HookKind::SessionEnd: {
            std::size_t counts[3] = {0, 0, 0};
            const char* namespaces[3] = {"edits", "commands", "tasks"};
            for (int i = 0; i < 3; ++i) {
                auto listed = rows.list(namespaces[i]);
                if (!listed) return listed.error();
                counts[i] = listed->size();
            }
            const std::string session = input.session_id.empty() ? "session-" + id : input.session_id;
            const json report{{"session_id", session}, {"edits", counts[0]}, {"commands", counts[1]},
                              {"tasks", counts[2]}, {"ended_ms", timestamp}};
            TRY_WRITE(rows.upsert("session/" + session, "sessions", report));
            TRY_WRITE(rows.upsert("session-metrics/" + session, "performance", report));
            TRY_WRITE(rows.upsert("last-session", "session", {{"session_id", session}, {"ended_ms", timestamp}}));
            auto cleaned = rows.clean_up();
            if (!cleaned) return cleaned.error();
            summary.line = "session-end: " + std::to_string(counts[0]) + " edits, " + std::to_string(counts[1]) +
                           " commands, " + std::to_string(counts[2]) + " tasks; " + std::to_string(*cleaned) +
                           " expired rows removed";
            break;
        }
        case HookKind::Notify: {
            TRY_WRITE(rows.upsert("notification/" + id, "notifications",
                                      {{"message", input.message}, {"at_ms", timestamp}, {"agent", input.agent}},
                                      7 * kDay));
            TRY_WRITE(rows.upsert("last-notification", "session", {{"message", input.message}, {"at_ms", timestamp}}));
            summary.line = "notify: recorded";
            break;
        }
    }
    summary.statements = rows.statements();
    return summary;
}

}  // namespace validprof::validation
