/* ABI between bpf/sqlite_probes.bpf.c and userspace/sqlite.
 *
 * SQLite API calls come from uprobes on every copy of SQLite a tracked
 * process runs (the attach cookie says which function); database file I/O
 * from the raw syscall tracepoints, for descriptors SQLite opened. Totals
 * are aggregated in maps (per process, per opened file); statement
 * executions, prepares and opens cross the ring buffer because each one
 * matters. Units: nanoseconds, bytes. */
#ifndef VALIDPROF_BPF_SQLITE_PROBES_H
#define VALIDPROF_BPF_SQLITE_PROBES_H

#include "hook_trace.h"

#define VP_SQL_BYTES 256
#define VP_SQLITE_MAX_DEPTH 8 /* nested API calls tracked per thread (exec → prepare → …) */

/* The attach cookie of each probe: which API function it is on. */
enum vp_sqlite_function {
	VP_SQLITE_OPEN = 0,        /* sqlite3_open(filename, ppDb) */
	VP_SQLITE_OPEN_V2 = 1,     /* sqlite3_open_v2(filename, ppDb, flags, vfs) */
	VP_SQLITE_PREPARE_V2 = 2,  /* (db, sql, nByte, ppStmt, pzTail) */
	VP_SQLITE_PREPARE_V3 = 3,  /* (db, sql, nByte, prepFlags, ppStmt, pzTail) */
	VP_SQLITE_PREPARE16_V2 = 4,
	VP_SQLITE_PREPARE16_V3 = 5,
	VP_SQLITE_STEP = 6,        /* (stmt) */
	VP_SQLITE_EXEC = 7,        /* (db, sql, callback, arg, errmsg) */
	VP_SQLITE_RESET = 8,       /* (stmt) */
	VP_SQLITE_FINALIZE = 9,    /* (stmt) */
	VP_SQLITE_CLOSE = 10,      /* (db) */
	VP_SQLITE_CLOSE_V2 = 11,   /* (db) */
	VP_SQLITE_FUNCTION_COUNT = 12,
};

enum vp_sqlite_event_kind {
	VP_SQLITE_EVENT_DB_OPENED = 1,
	VP_SQLITE_EVENT_PREPARED = 2,
	VP_SQLITE_EVENT_EXECUTION = 3,
	VP_SQLITE_EVENT_FILE_OPENED = 4,
	VP_SQLITE_EVENT_FILE_UNLINKED = 5,
	VP_SQLITE_EVENT_MAPPING_GATED = 6,
};

enum vp_sqlite_counter {
	VP_SQLITE_LOST_RINGBUF = 0,     /* ring buffer full: an event dropped */
	VP_SQLITE_LOST_DEPTH = 1,       /* calls nested deeper than VP_SQLITE_MAX_DEPTH */
	VP_SQLITE_LOST_MAP_FULL = 2,    /* a statement, file or thread map full */
	VP_SQLITE_COUNTER_MAX = 3,
};

struct vp_sqlite_event_header {
	__u32 kind; /* enum vp_sqlite_event_kind */
	__u32 pid;
	__u32 tid;
	__u32 reserved;
	__u64 timestamp_ns;
};

/* sqlite3_open* succeeded: handle db names filename (UTF-8, as given). */
struct vp_sqlite_db_opened {
	struct vp_sqlite_event_header header;
	__u64 db;
	char filename[VP_SQL_BYTES];
};

/* sqlite3_prepare* succeeded: stmt runs sql on db. For the UTF-16
 * variants sql holds UTF-16 bytes (utf16 = 1). */
struct vp_sqlite_prepared {
	struct vp_sqlite_event_header header;
	__u64 db;
	__u64 stmt;
	__u32 sql_bytes;     /* valid bytes in sql */
	__u32 sql_truncated;
	__u32 utf16;
	/* Prepared by SQLite itself inside another API call (schema loading
	 * during a prepare or step), not by the application: its executions
	 * are not the application's statements. */
	__u32 internal;
	char sql[VP_SQL_BYTES];
};

/* One statement execution ended (DONE, error, reset or finalize), or an
 * sqlite3_exec ran with no visible prepare/step inside (from_exec = 1, its
 * text in sql). */
struct vp_sqlite_execution {
	struct vp_sqlite_event_header header;
	__u64 stmt; /* 0 for from_exec */
	__u64 db;   /* for from_exec; 0 otherwise (userspace knows it from the prepare) */
	__u64 start_ns;
	__u64 rows;
	__s32 result_code;
	__u32 busy_results;
	__u32 locked_results;
	__u32 from_exec;
	__u32 sql_bytes;
	__u32 sql_truncated;
	char sql[VP_SQL_BYTES];
};

/* A file opened (openat) by a tracked thread inside a SQLite call. */
struct vp_sqlite_file_opened {
	struct vp_sqlite_event_header header;
	__u64 file_id; /* key of file_stats */
	__s32 fd;
	__u32 reserved;
	char path[VP_SQL_BYTES];
};

struct vp_sqlite_file_unlinked {
	struct vp_sqlite_event_header header;
	char path[VP_SQL_BYTES];
};

/* A tracked thread mapped an executable file not inspected yet; it was
 * stopped (SIGSTOP) and waits for userspace to attach and SIGCONT it. */
struct vp_sqlite_mapping_gated {
	struct vp_sqlite_event_header header;
	struct vp_file_key file;
};

/* Per process (key: pid); outermost calls only, i.e. the application's. */
struct vp_sqlite_process_totals {
	__u64 api_calls;
	__u64 in_sqlite_ns;
	/* By enum vp_sqlite_function; 16 slots so that a masked index is
	 * always in bounds for the verifier. */
	__u64 calls[16];
};

/* Per opened database file (key: file_id). */
struct vp_sqlite_file_stats {
	__u32 pid;
	__u32 reserved;
	__u64 reads;
	__u64 read_bytes;
	__u64 writes;
	__u64 write_bytes;
	__u64 io_ns;
	__u64 syncs;
	__u64 sync_ns;
	__u64 lock_calls;
	__u64 lock_failures;
	__u64 lock_wait_ns;
	__u64 truncates;
};

/* Map values the BPF side keeps for itself; here because the skeleton's
 * rodata (zero templates) names them. */
/* A call in progress on one thread. */
struct vp_sqlite_call {
	__u64 start_ns;
	__u64 args[4];            /* what the return probe needs of the entry's arguments */
	__u64 executions_before;  /* exec: executions_completed at its entry */
	__u32 function;
	__u32 reserved;
};

struct vp_sqlite_thread {
	__u32 depth;
	__u32 reserved;
	__u64 executions_completed;
	struct vp_sqlite_call calls[VP_SQLITE_MAX_DEPTH];
};

struct vp_statement_key {
	__u32 pid;
	__u32 reserved;
	__u64 stmt;
};

struct vp_statement_state {
	__u64 start_ns;
	__u64 rows;
	__u32 busy_results;
	__u32 locked_results;
};

struct vp_fd_key {
	__u32 pid;
	__s32 fd;
};

/* A system call on a database file (or an open inside SQLite) in flight. */
struct vp_pending_syscall {
	__u64 start_ns;
	__u64 file_id;
	__u64 path;  /* openat: the user pointer to the path */
	__s32 number;
	__u32 fcntl_command;
};

#endif /* VALIDPROF_BPF_SQLITE_PROBES_H */
