// SPDX-License-Identifier: GPL-2.0
/* SQLite inside tracked processes: API calls through uprobes on every copy
 * of the library, database file I/O through the raw syscall tracepoints.
 *
 * Filter first: every program starts with the tracked-threads lookup
 * (hook_trace's map, shared). For the syscall tracepoints, which fire for
 * every system call on the machine, that lookup is all an untracked task
 * costs; a tracked one then pays a switch on the syscall number and, for
 * I/O, one lookup of the descriptor among the database files.
 *
 * Also here: the mapping gate. A tracked process that maps an executable
 * file validprof has not inspected (ld.so loading libsqlite3.so, dlopen of
 * a .node addon with SQLite inside) is stopped until userspace has looked
 * for SQLite in it and attached, so the first call is seen too. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "sqlite_probes.h"
#include "process_gate.bpf.h"
#include "tracked_threads.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define VP_PROT_EXEC 0x4

/* SQLite result codes (sqlite3.h). */
#define VP_SQLITE_BUSY 5
#define VP_SQLITE_LOCKED 6
#define VP_SQLITE_ROW 100

/* fcntl commands (asm-generic/fcntl.h). */
#define VP_F_DUPFD 0
#define VP_F_SETLK 6
#define VP_F_SETLKW 7
#define VP_F_OFD_SETLK 37
#define VP_F_OFD_SETLKW 38
#define VP_F_DUPFD_CLOEXEC 1030

/* System call numbers differ per architecture. */
#if defined(__TARGET_ARCH_x86)
#define VP_NR_READ 0
#define VP_NR_WRITE 1
#define VP_NR_CLOSE 3
#define VP_NR_MMAP 9
#define VP_NR_PREAD64 17
#define VP_NR_PWRITE64 18
#define VP_NR_DUP 32
#define VP_NR_DUP2 33
#define VP_NR_FCNTL 72
#define VP_NR_FSYNC 74
#define VP_NR_FDATASYNC 75
#define VP_NR_FTRUNCATE 77
#define VP_NR_UNLINK 87
#define VP_NR_OPENAT 257
#define VP_NR_UNLINKAT 263
#define VP_NR_DUP3 292
#elif defined(__TARGET_ARCH_arm64)
#define VP_NR_READ 63
#define VP_NR_WRITE 64
#define VP_NR_CLOSE 57
#define VP_NR_MMAP 222
#define VP_NR_PREAD64 67
#define VP_NR_PWRITE64 68
#define VP_NR_DUP 23
#define VP_NR_DUP2 -1 /* no dup2 on arm64 */
#define VP_NR_FCNTL 25
#define VP_NR_FSYNC 82
#define VP_NR_FDATASYNC 83
#define VP_NR_FTRUNCATE 46
#define VP_NR_UNLINK -1 /* no unlink on arm64 */
#define VP_NR_OPENAT 56
#define VP_NR_UNLINKAT 35
#define VP_NR_DUP3 24
#else
#error "validprof: syscall numbers for this architecture are missing"
#endif

/* The sixth argument register; libbpf 1.1's bpf_tracing.h stops at five. */
#if defined(__TARGET_ARCH_x86)
#define VP_PT_REGS_PARM6(ctx) ((ctx)->r9)
#elif defined(__TARGET_ARCH_arm64)
#define VP_PT_REGS_PARM6(ctx) (((struct user_pt_regs *)(ctx))->regs[5])
#endif

/* Gate executable mappings of files not inspected yet (--sql). */
const volatile __u32 gate_unchecked_mappings = 0;


struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32); /* tid */
	__type(value, struct vp_sqlite_thread);
} sqlite_threads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vp_statement_key);
	__type(value, struct vp_statement_state);
} running_statements SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* pid */
	__type(value, struct vp_sqlite_process_totals);
} process_totals SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct vp_fd_key);
	__type(value, __u64); /* file_id */
} database_fds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64); /* file_id */
	__type(value, struct vp_sqlite_file_stats);
} file_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32); /* tid */
	__type(value, struct vp_pending_syscall);
} pending_syscalls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} next_file_id SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} sqlite_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, VP_SQLITE_COUNTER_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sqlite_counters SEC(".maps");

const struct vp_sqlite_thread zero_thread = {};
const struct vp_sqlite_process_totals zero_totals = {};
const struct vp_sqlite_file_stats zero_file_stats = {};

static __always_inline void count(__u32 which)
{
	__u64 *value = bpf_map_lookup_elem(&sqlite_counters, &which);
	if (value)
		*value += 1;
}

static __always_inline void *reserve(__u64 size, __u32 kind, __u64 pid_tgid, __u64 now)
{
	struct vp_sqlite_event_header *header = bpf_ringbuf_reserve(&sqlite_events, size, 0);
	if (!header) {
		count(VP_SQLITE_LOST_RINGBUF);
		return NULL;
	}
	header->kind = kind;
	header->pid = pid_tgid >> 32;
	header->tid = (__u32)pid_tgid;
	header->reserved = 0;
	header->timestamp_ns = now;
	return header;
}

static __always_inline bool tracked(__u32 tid)
{
	return bpf_map_lookup_elem(&tracked_threads, &tid) != NULL;
}

/* ---- SQLite API ------------------------------------------------------- */

static __always_inline void end_execution(__u64 pid_tgid, __u64 stmt, struct vp_statement_state *state,
					  __s32 result_code, __u64 now)
{
	struct vp_sqlite_execution *event =
		reserve(sizeof(*event), VP_SQLITE_EVENT_EXECUTION, pid_tgid, now);
	if (!event)
		return;
	event->stmt = stmt;
	event->db = 0;
	event->start_ns = state->start_ns;
	event->rows = state->rows;
	event->result_code = result_code;
	event->busy_results = state->busy_results;
	event->locked_results = state->locked_results;
	event->from_exec = 0;
	event->sql_bytes = 0;
	event->sql_truncated = 0;
	bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
}

SEC("uprobe")
int sqlite_entry(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	__u32 pid = pid_tgid >> 32;
	if (!tracked(tid))
		return 0;

	__u32 function = (__u32)bpf_get_attach_cookie(ctx);
	if (function >= VP_SQLITE_FUNCTION_COUNT)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	struct vp_sqlite_thread *thread = bpf_map_lookup_elem(&sqlite_threads, &tid);
	if (!thread) {
		if (bpf_map_update_elem(&sqlite_threads, &tid, &zero_thread, BPF_NOEXIST) &&
		    !bpf_map_lookup_elem(&sqlite_threads, &tid)) {
			count(VP_SQLITE_LOST_MAP_FULL);
			return 0;
		}
		thread = bpf_map_lookup_elem(&sqlite_threads, &tid);
		if (!thread)
			return 0;
	}

	struct vp_sqlite_process_totals *totals = bpf_map_lookup_elem(&process_totals, &pid);
	if (!totals) {
		bpf_map_update_elem(&process_totals, &pid, &zero_totals, BPF_NOEXIST);
		totals = bpf_map_lookup_elem(&process_totals, &pid);
	}
	/* The application's calls: what SQLite calls inside itself (exec's
	 * prepare/step, schema loading) depends on the copy, some inline it. */
	if (totals && thread->depth == 0) {
		__sync_fetch_and_add(&totals->calls[function & 0xf], 1);
		__sync_fetch_and_add(&totals->api_calls, 1);
	}

	__u32 depth = thread->depth;
	if (depth >= VP_SQLITE_MAX_DEPTH) {
		count(VP_SQLITE_LOST_DEPTH);
		thread->depth = depth + 1; /* keep returns balanced */
		return 0;
	}
	struct vp_sqlite_call *call = &thread->calls[depth & (VP_SQLITE_MAX_DEPTH - 1)];
	call->start_ns = now;
	call->function = function;
	call->executions_before = thread->executions_completed;
	thread->depth = depth + 1;

	switch (function) {
	case VP_SQLITE_OPEN:
	case VP_SQLITE_OPEN_V2:
		call->args[0] = PT_REGS_PARM1(ctx); /* filename */
		call->args[1] = PT_REGS_PARM2(ctx); /* ppDb */
		break;
	case VP_SQLITE_PREPARE_V2:
	case VP_SQLITE_PREPARE16_V2:
		call->args[0] = PT_REGS_PARM1(ctx); /* db */
		call->args[1] = PT_REGS_PARM2(ctx); /* sql */
		call->args[2] = PT_REGS_PARM4(ctx); /* ppStmt */
		call->args[3] = PT_REGS_PARM5(ctx); /* pzTail */
		break;
	case VP_SQLITE_PREPARE_V3:
	case VP_SQLITE_PREPARE16_V3:
		call->args[0] = PT_REGS_PARM1(ctx);
		call->args[1] = PT_REGS_PARM2(ctx);
		call->args[2] = PT_REGS_PARM5(ctx); /* ppStmt after prepFlags */
		call->args[3] = VP_PT_REGS_PARM6(ctx); /* pzTail */
		break;
	case VP_SQLITE_EXEC:
		call->args[0] = PT_REGS_PARM1(ctx); /* db */
		call->args[1] = PT_REGS_PARM2(ctx); /* sql */
		break;
	case VP_SQLITE_STEP: {
		struct vp_statement_key key = {.pid = pid, .stmt = PT_REGS_PARM1(ctx)};
		call->args[0] = key.stmt;
		if (!bpf_map_lookup_elem(&running_statements, &key)) {
			struct vp_statement_state state = {.start_ns = now};
			if (bpf_map_update_elem(&running_statements, &key, &state, BPF_ANY))
				count(VP_SQLITE_LOST_MAP_FULL);
		}
		break;
	}
	case VP_SQLITE_RESET:
	case VP_SQLITE_FINALIZE: {
		/* A statement reset or finalized before SQLITE_DONE ends here. */
		struct vp_statement_key key = {.pid = pid, .stmt = PT_REGS_PARM1(ctx)};
		struct vp_statement_state *state = bpf_map_lookup_elem(&running_statements, &key);
		if (state) {
			end_execution(pid_tgid, key.stmt, state, 0, now);
			thread->executions_completed += 1;
			bpf_map_delete_elem(&running_statements, &key);
		}
		break;
	}
	default:
		break;
	}
	return 0;
}

SEC("uprobe")
int sqlite_return(struct pt_regs *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	__u32 pid = pid_tgid >> 32;
	if (!tracked(tid))
		return 0;
	struct vp_sqlite_thread *thread = bpf_map_lookup_elem(&sqlite_threads, &tid);
	if (!thread || thread->depth == 0)
		return 0;
	__u32 depth = thread->depth - 1;
	thread->depth = depth;
	if (depth >= VP_SQLITE_MAX_DEPTH)
		return 0;
	struct vp_sqlite_call *call = &thread->calls[depth & (VP_SQLITE_MAX_DEPTH - 1)];
	__u64 now = bpf_ktime_get_ns();
	long result = PT_REGS_RC(ctx);
	__s32 rc = (__s32)result;

	if (depth == 0) {
		struct vp_sqlite_process_totals *totals = bpf_map_lookup_elem(&process_totals, &pid);
		if (totals && now > call->start_ns)
			__sync_fetch_and_add(&totals->in_sqlite_ns, now - call->start_ns);
	}

	switch (call->function) {
	case VP_SQLITE_OPEN:
	case VP_SQLITE_OPEN_V2: {
		if (rc != 0)
			break;
		__u64 db = 0;
		bpf_probe_read_user(&db, sizeof(db), (void *)call->args[1]);
		struct vp_sqlite_db_opened *event =
			reserve(sizeof(*event), VP_SQLITE_EVENT_DB_OPENED, pid_tgid, now);
		if (!event)
			break;
		event->db = db;
		if (bpf_probe_read_user_str(event->filename, sizeof(event->filename), (void *)call->args[0]) < 0)
			event->filename[0] = '\0';
		bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
		break;
	}
	case VP_SQLITE_PREPARE_V2:
	case VP_SQLITE_PREPARE_V3:
	case VP_SQLITE_PREPARE16_V2:
	case VP_SQLITE_PREPARE16_V3: {
		if (rc != 0)
			break;
		__u64 stmt = 0;
		bpf_probe_read_user(&stmt, sizeof(stmt), (void *)call->args[2]);
		if (!stmt)
			break; /* only whitespace or a comment: nothing to run */
		struct vp_sqlite_prepared *event = reserve(sizeof(*event), VP_SQLITE_EVENT_PREPARED, pid_tgid, now);
		if (!event)
			break;
		event->db = call->args[0];
		event->stmt = stmt;
		event->utf16 = call->function == VP_SQLITE_PREPARE16_V2 || call->function == VP_SQLITE_PREPARE16_V3;
		/* The application's own: an outermost prepare, or one made by its
		 * sqlite3_exec directly. Deeper ones are SQLite's. */
		event->internal = 0;
		if (depth >= 2) {
			event->internal = 1;
		} else if (depth == 1) {
			struct vp_sqlite_call *parent = &thread->calls[0];
			event->internal = parent->function != VP_SQLITE_EXEC;
		}
		long length = event->utf16 ? bpf_probe_read_user(event->sql, sizeof(event->sql), (void *)call->args[1])
					   : bpf_probe_read_user_str(event->sql, sizeof(event->sql), (void *)call->args[1]);
		if (event->utf16)
			length = length == 0 ? sizeof(event->sql) : 0;
		/* zSql may hold several statements (the sqlite3 shell passes the
		 * rest of its input); *pzTail ends the one prepared. */
		__u64 tail = 0;
		if (call->args[3])
			bpf_probe_read_user(&tail, sizeof(tail), (void *)call->args[3]);
		__u64 statement_bytes = tail > call->args[1] ? tail - call->args[1] : 0;
		if (length > 0 && statement_bytes && statement_bytes < (__u64)length)
			length = statement_bytes;
		event->sql_bytes = length > 0 ? length : 0;
		event->sql_truncated = statement_bytes > sizeof(event->sql) ||
				       (!statement_bytes && length >= (long)sizeof(event->sql));
		bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
		break;
	}
	case VP_SQLITE_STEP: {
		struct vp_statement_key key = {.pid = pid, .stmt = call->args[0]};
		struct vp_statement_state *state = bpf_map_lookup_elem(&running_statements, &key);
		if (!state)
			break;
		if (rc == VP_SQLITE_ROW) {
			state->rows += 1;
		} else if ((rc & 0xff) == VP_SQLITE_BUSY) {
			state->busy_results += 1; /* the caller may step again */
		} else if ((rc & 0xff) == VP_SQLITE_LOCKED) {
			state->locked_results += 1;
		} else {
			end_execution(pid_tgid, key.stmt, state, rc, now);
			thread->executions_completed += 1;
			bpf_map_delete_elem(&running_statements, &key);
		}
		break;
	}
	case VP_SQLITE_EXEC: {
		/* Statements sqlite3_exec ran through the exported prepare/step
		 * were seen as such; in a copy where they are inlined, the exec
		 * itself is the execution. */
		if (thread->executions_completed != call->executions_before)
			break;
		struct vp_sqlite_execution *event =
			reserve(sizeof(*event), VP_SQLITE_EVENT_EXECUTION, pid_tgid, now);
		if (!event)
			break;
		event->stmt = 0;
		event->db = call->args[0];
		event->start_ns = call->start_ns;
		event->rows = 0;
		event->result_code = rc;
		event->busy_results = (rc & 0xff) == VP_SQLITE_BUSY;
		event->locked_results = (rc & 0xff) == VP_SQLITE_LOCKED;
		event->from_exec = 1;
		long length = bpf_probe_read_user_str(event->sql, sizeof(event->sql), (void *)call->args[1]);
		event->sql_bytes = length > 0 ? length : 0;
		event->sql_truncated = length >= (long)sizeof(event->sql);
		bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
		thread->executions_completed += 1;
		break;
	}
	default:
		break;
	}
	return 0;
}

/* ---- system calls on database files ------------------------------------ */

static __always_inline bool inside_sqlite(__u32 tid)
{
	struct vp_sqlite_thread *thread = bpf_map_lookup_elem(&sqlite_threads, &tid);
	return thread && thread->depth > 0;
}

static __always_inline struct vp_sqlite_file_stats *stats_of(__u64 file_id)
{
	return bpf_map_lookup_elem(&file_stats, &file_id);
}

/* The file behind descriptor fd of the current task. */
static __always_inline struct file *current_file(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file **table = BPF_CORE_READ(task, files, fdt, fd);
	struct file *file = NULL;
	bpf_probe_read_kernel(&file, sizeof(file), &table[fd]);
	return file;
}

static __always_inline void gate_mapping(__u64 pid_tgid, int fd)
{
	struct file *file = current_file(fd);
	if (!file)
		return;
	struct vp_file_key key = {};
	key.inode = BPF_CORE_READ(file, f_inode, i_ino);
	key.device = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	if (vp_file_checked(&key))
		return;
	__u64 now = bpf_ktime_get_ns();
	struct vp_sqlite_mapping_gated *event = reserve(sizeof(*event), VP_SQLITE_EVENT_MAPPING_GATED, pid_tgid, now);
	if (!event)
		return; /* never stop a process userspace will not hear of */
	event->file = key;
	/* Delivered on the way back to user space, after the mapping exists. */
	if (!vp_gate_hold(pid_tgid >> 32, now)) {
		bpf_ringbuf_discard(event, 0);
		return;
	}
	/* A stopped process waits for this one: wake userspace even while
	 * earlier records are unread. */
	bpf_ringbuf_submit(event, BPF_RB_FORCE_WAKEUP);
}

static __always_inline int on_sys_enter(struct pt_regs *regs, long number)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	if (!tracked(tid))
		return 0;

	__u32 pid = pid_tgid >> 32;
	struct vp_pending_syscall pending = {};
	pending.number = number;
	int fd = (int)PT_REGS_PARM1_CORE_SYSCALL(regs);

	if (number == VP_NR_MMAP) {
		if (gate_unchecked_mappings && (PT_REGS_PARM3_CORE_SYSCALL(regs) & VP_PROT_EXEC)) {
			int map_fd = (int)PT_REGS_PARM5_CORE_SYSCALL(regs);
			if (map_fd >= 0)
				gate_mapping(pid_tgid, map_fd);
		}
		return 0;
	}
	if (number == VP_NR_OPENAT) {
		/* SQLite opens its files (database, -wal, -shm, -journal) only
		 * from inside its API calls. */
		if (!inside_sqlite(tid))
			return 0;
		pending.path = PT_REGS_PARM2_CORE_SYSCALL(regs);
		pending.start_ns = bpf_ktime_get_ns();
		bpf_map_update_elem(&pending_syscalls, &tid, &pending, BPF_ANY);
		return 0;
	}
	if (number == VP_NR_UNLINK || number == VP_NR_UNLINKAT) {
		if (!inside_sqlite(tid))
			return 0;
		struct vp_sqlite_file_unlinked *event =
			reserve(sizeof(*event), VP_SQLITE_EVENT_FILE_UNLINKED, pid_tgid, bpf_ktime_get_ns());
		if (!event)
			return 0;
		__u64 path = number == VP_NR_UNLINK ? PT_REGS_PARM1_CORE_SYSCALL(regs) : PT_REGS_PARM2_CORE_SYSCALL(regs);
		if (bpf_probe_read_user_str(event->path, sizeof(event->path), (void *)path) < 0)
			event->path[0] = '\0';
		bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
		return 0;
	}
	if (number != VP_NR_READ && number != VP_NR_WRITE && number != VP_NR_PREAD64 && number != VP_NR_PWRITE64 &&
	    number != VP_NR_FSYNC && number != VP_NR_FDATASYNC && number != VP_NR_FTRUNCATE && number != VP_NR_FCNTL &&
	    number != VP_NR_DUP && number != VP_NR_DUP2 && number != VP_NR_DUP3 && number != VP_NR_CLOSE)
		return 0;

	struct vp_fd_key fd_key = {.pid = pid, .fd = fd};
	__u64 *file_id = bpf_map_lookup_elem(&database_fds, &fd_key);
	if (!file_id)
		return 0;
	if (number == VP_NR_CLOSE) {
		bpf_map_delete_elem(&database_fds, &fd_key);
		return 0;
	}
	pending.file_id = *file_id;
	pending.start_ns = bpf_ktime_get_ns();
	if (number == VP_NR_FCNTL)
		pending.fcntl_command = (__u32)PT_REGS_PARM2_CORE_SYSCALL(regs);
	bpf_map_update_elem(&pending_syscalls, &tid, &pending, BPF_ANY);
	return 0;
}

static __always_inline int on_sys_exit(long result)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	if (!tracked(tid))
		return 0;
	struct vp_pending_syscall *pending = bpf_map_lookup_elem(&pending_syscalls, &tid);
	if (!pending)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 elapsed = now > pending->start_ns ? now - pending->start_ns : 0;
	__u32 pid = pid_tgid >> 32;
	__s32 number = pending->number;

	if (number == VP_NR_OPENAT) {
		if (result >= 0) {
			__u32 zero = 0;
			__u64 *counter = bpf_map_lookup_elem(&next_file_id, &zero);
			__u64 file_id = counter ? __sync_fetch_and_add(counter, 1) + 1 : 0;
			struct vp_fd_key fd_key = {.pid = pid, .fd = (int)result};
			struct vp_sqlite_file_stats stats = {};
			stats.pid = pid;
			if (bpf_map_update_elem(&database_fds, &fd_key, &file_id, BPF_ANY) ||
			    bpf_map_update_elem(&file_stats, &file_id, &stats, BPF_ANY))
				count(VP_SQLITE_LOST_MAP_FULL);
			struct vp_sqlite_file_opened *event =
				reserve(sizeof(*event), VP_SQLITE_EVENT_FILE_OPENED, pid_tgid, now);
			if (event) {
				event->file_id = file_id;
				event->fd = (int)result;
				event->reserved = 0;
				if (bpf_probe_read_user_str(event->path, sizeof(event->path), (void *)pending->path) < 0)
					event->path[0] = '\0';
				bpf_ringbuf_submit(event, BPF_RB_NO_WAKEUP);
			}
		}
		bpf_map_delete_elem(&pending_syscalls, &tid);
		return 0;
	}

	__u64 file_id = pending->file_id;
	struct vp_sqlite_file_stats *stats = stats_of(file_id);
	bool duplicate = number == VP_NR_DUP || number == VP_NR_DUP2 || number == VP_NR_DUP3 ||
			 (number == VP_NR_FCNTL &&
			  (pending->fcntl_command == VP_F_DUPFD || pending->fcntl_command == VP_F_DUPFD_CLOEXEC));
	if (duplicate) {
		if (result >= 0) {
			struct vp_fd_key fd_key = {.pid = pid, .fd = (int)result};
			bpf_map_update_elem(&database_fds, &fd_key, &file_id, BPF_ANY);
		}
	} else if (stats) {
		if (number == VP_NR_READ || number == VP_NR_PREAD64) {
			__sync_fetch_and_add(&stats->reads, 1);
			if (result > 0)
				__sync_fetch_and_add(&stats->read_bytes, result);
			__sync_fetch_and_add(&stats->io_ns, elapsed);
		} else if (number == VP_NR_WRITE || number == VP_NR_PWRITE64) {
			__sync_fetch_and_add(&stats->writes, 1);
			if (result > 0)
				__sync_fetch_and_add(&stats->write_bytes, result);
			__sync_fetch_and_add(&stats->io_ns, elapsed);
		} else if (number == VP_NR_FSYNC || number == VP_NR_FDATASYNC) {
			__sync_fetch_and_add(&stats->syncs, 1);
			__sync_fetch_and_add(&stats->sync_ns, elapsed);
		} else if (number == VP_NR_FTRUNCATE) {
			__sync_fetch_and_add(&stats->truncates, 1);
		} else if (number == VP_NR_FCNTL) {
			__u32 command = pending->fcntl_command;
			if (command == VP_F_SETLK || command == VP_F_SETLKW || command == VP_F_OFD_SETLK ||
			    command == VP_F_OFD_SETLKW) {
				__sync_fetch_and_add(&stats->lock_calls, 1);
				__sync_fetch_and_add(&stats->lock_wait_ns, elapsed);
				if (result < 0)
					__sync_fetch_and_add(&stats->lock_failures, 1);
			}
		}
	}
	bpf_map_delete_elem(&pending_syscalls, &tid);
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	return on_sys_enter(regs, id);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	return on_sys_enter(regs, id);
}

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	return on_sys_exit(ret);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return on_sys_exit(ret);
}
