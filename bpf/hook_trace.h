/* ABI between bpf/hook_trace.bpf.c and userspace/tracer.
 *
 * Fixed-width fields only, no pointers, no bool: the same bytes are read by
 * BPF and by C++ (userspace/tracer/event_decoder.cpp pins the layout with
 * static_asserts). Every duration is in nanoseconds, every timestamp is
 * CLOCK_MONOTONIC nanoseconds (bpf_ktime_get_ns). "pid" is the thread-group
 * id, "tid" the thread id, as userspace names them.
 */
#ifndef VALIDPROF_BPF_HOOK_TRACE_H
#define VALIDPROF_BPF_HOOK_TRACE_H

/* On-CPU time is kept per CPU id up to this many CPUs; time on CPUs with a
 * higher id is folded into the last slot and counted in
 * VP_COUNTER_CPU_FOLDED so the report can say so. */
#define VP_MAX_CPUS 128
#define VP_COMM_BYTES 16
#define VP_PATH_BYTES 256
/* The first bytes of argv are enough to match hook rules such as
 * "hooks post-edit"; longer command lines are flagged truncated. */
#define VP_ARGV_BYTES 512

enum vp_event_kind {
	VP_EVENT_FORK = 1,
	VP_EVENT_EXEC = 2,
	VP_EVENT_EXIT = 3,
	VP_EVENT_WAIT = 4,
	VP_EVENT_SPAN = 5,
};

/* A wait shorter than this (off CPU plus the run-queue wait after it) sends
 * no vp_wait_event: it stays in the thread's totals only. Configurable
 * (rodata wait_record_min_ns); this is the default. */
#define VP_WAIT_RECORD_MIN_NS 50000ULL
/* Path components of a waited-on file kept in a vp_wait_event, last first
 * in the kernel, joined with '/' by userspace. */
#define VP_WAIT_NAME_BYTES 128
#define VP_WAIT_NAME_DEPTH 6

/* Where a thread is while it is off CPU. */
enum vp_off_cpu_state {
	VP_STATE_ON_CPU = 0,
	VP_STATE_RUNNABLE = 1, /* preempted or woken: waiting in a run queue */
	VP_STATE_SLEEPING = 2, /* interruptible sleep (S) */
	VP_STATE_BLOCKED = 3,  /* uninterruptible (D): disk and other I/O */
	VP_STATE_STOPPED = 4,  /* stopped by a signal (T), or traced */
};

/* What a waiting system call's file descriptor refers to. */
enum vp_object_kind {
	VP_OBJECT_NONE = 0,
	VP_OBJECT_FILE = 1,      /* regular file */
	VP_OBJECT_DIRECTORY = 2,
	VP_OBJECT_PIPE = 3,      /* pipe or FIFO */
	VP_OBJECT_SOCKET = 4,
	VP_OBJECT_CHAR_DEVICE = 5,
	VP_OBJECT_BLOCK_DEVICE = 6,
	VP_OBJECT_OTHER = 7,     /* eventfd, timerfd, epoll, ... (anonymous inodes) */
};

/* Indexes of the per-CPU counters array. The VP_LOST_* ones are events the
 * kernel side could not deliver or account; they are stored with the
 * session and shown in every report. */
enum vp_counter {
	VP_LOST_RINGBUF_FORK = 0,  /* ring buffer full: fork event dropped */
	VP_LOST_RINGBUF_EXEC = 1,  /* ring buffer full: exec event dropped */
	VP_LOST_RINGBUF_EXIT = 2,  /* ring buffer full: exit event (and its times) dropped */
	VP_LOST_TRACK_FULL = 3,    /* tracked-threads map full: a new task went untracked */
	VP_COUNTER_CPU_FOLDED = 4, /* switch-outs on a CPU id >= VP_MAX_CPUS */
	VP_COUNTER_SWITCH_IN_UNSEEN = 5, /* switch-outs whose switch-in no program saw */
	/* A thread's final switch (TASK_DEAD) reached no program: its exit was
	 * reported when its task_struct was freed, from the kernel's counters. */
	VP_COUNTER_FINAL_SWITCH_UNSEEN = 6,
	/* A switch-in the kernel's sched_info did not count as an arrival
	 * (so its wait is in neither its figure nor ours). */
	VP_COUNTER_ARRIVAL_UNCOUNTED = 7,
	VP_LOST_RINGBUF_WAIT = 8, /* ring buffer full: a wait's reason dropped (its time is kept) */
	VP_LOST_RINGBUF_SPAN = 9, /* ring buffer full: a system call's span dropped */
	VP_COUNTER_MAX = 10,
};

/* Scheduler totals of one thread. */
struct vp_sched_totals {
	__u64 on_cpu_ns;
	__u64 run_queue_wait_ns;
	__u64 off_cpu_sleep_ns;
	__u64 off_cpu_blocked_ns;
	__u64 voluntary_switches;
	__u64 involuntary_switches;
	__u64 on_cpu_ns_per_cpu[VP_MAX_CPUS];
};

/* Value of the tracked_threads map (key: tid). Its presence is what makes a
 * thread tracked; it stays until the thread's final context switch, so the
 * exit path (unmapping memory, closing files, notifying the parent) counts
 * as the thread's time, as it does in the kernel's own accounting. */
struct vp_thread_state {
	struct vp_sched_totals totals;
	__u64 switched_in_ns;    /* last switch-in; 0 while off CPU */
	__u64 switched_out_ns;   /* last switch-out; 0 before the first */
	__u64 runnable_since_ns; /* wakeup or preemption; 0 unless in a run queue */
	/* The kernel's own counters at the last switch-out (or when tracking
	 * began): se.sum_exec_runtime, sched_info.run_delay and
	 * sched_info.pcount. On-CPU and run-queue wait are their differences
	 * from one switch-out to the next (see account_switch_out). */
	__u64 kernel_runtime_ns;
	__u64 kernel_run_delay_ns;
	__u64 kernel_timeslices;
	/* Run-queue wait measured with the clock since the last switch-out:
	 * counted only where the kernel keeps no sched_info. */
	__u64 clock_run_queue_wait_ns;
	__u64 exit_ns;           /* sched_process_exit; 0 while the thread lives */
	/* On-CPU by our clock, switch-in to switch-out, per CPU: for probes
	 * that time the slice in progress with the same clock (USDT phases),
	 * so whole and partial slices add up consistently. It differs from
	 * the kernel's runtime by what the scheduler leaves out of a task's
	 * time (hypervisor steal time, interrupts where accounted apart). */
	__u64 clock_on_cpu_ns_per_cpu[VP_MAX_CPUS];
	__u32 pid;               /* thread group of this thread */
	__u32 state;             /* enum vp_off_cpu_state */
	__s32 exit_code;         /* from sched_process_exit, as in vp_exit_event */
	__u32 group_dead;        /* from sched_process_exit, as in vp_exit_event */
	/* The wait in progress, for its vp_wait_event: taken at the
	 * switch-out (system call and arguments from the thread's saved
	 * registers, its totals) and at the wakeup (who woke it). */
	__s64 wait_syscall;      /* -1: not in a system call (page fault, preemption) */
	__u64 wait_args[3];
	__u64 wait_on_cpu_ns;    /* totals.on_cpu_ns at the switch-out */
	__u64 wait_run_queue_ns; /* totals.run_queue_wait_ns at the switch-out */
	__u64 woken_ns;          /* 0 until woken */
	__u32 waker_pid;
	__u32 waker_tid;
	__u32 waker_in_interrupt; /* 1: surely woken from interrupt context (it interrupted the idle task) */
	__u32 wait_state;        /* enum vp_off_cpu_state it left the CPU in */
	char waker_comm[VP_COMM_BYTES];
	/* The traced system call in progress (syscall_span_enter), -1 none. */
	__s64 span_syscall;
	__u64 span_start_ns;
	__u64 span_args[2];      /* its first two arguments (fcntl: the command second) */
	/* The thread's last exec while tracked (0: none). Userspace untracks a
	 * process judged at one exec only if it has not exec'd since: a
	 * wrapper that execs the real hook a moment later stays tracked. */
	__u64 exec_ns;
	/* When tracking began (its fork or exec event's time): an untrack
	 * request about a thread seen earlier than this is about an older
	 * thread that had the same tid. */
	__u64 tracked_ns;
};

struct vp_event_header {
	__u32 kind; /* enum vp_event_kind */
	__u32 cpu;
	__u64 timestamp_ns;
};

struct vp_fork_event {
	struct vp_event_header header;
	__u32 parent_pid;
	__u32 parent_tid;
	__u32 child_pid;
	__u32 child_tid;
};

/* An executable file, as the kernel identifies it. */
struct vp_file_key {
	__u64 inode;
	__u32 device; /* super_block s_dev */
	__u32 reserved;
};

struct vp_exec_event {
	struct vp_event_header header;
	__u32 pid;
	__u32 ppid;
	__u32 argv_bytes;     /* valid bytes in argv, NUL-separated arguments */
	__u32 argv_truncated; /* 1 if the command line was longer than VP_ARGV_BYTES */
	struct vp_file_key file; /* the exec'd file (the script itself for #!) */
	__u32 gated;          /* 1: stopped with SIGSTOP until userspace has inspected the file */
	__u32 reserved;
	char comm[VP_COMM_BYTES];
	char filename[VP_PATH_BYTES];
	char argv[VP_ARGV_BYTES];
};

/* Sent at the thread's final context switch, so the totals are final and
 * equal what /proc/PID/schedstat then shows for it; the header's timestamp
 * is that switch. */
struct vp_exit_event {
	struct vp_event_header header;
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__s32 exit_code;  /* wait(2) style: status << 8, or the signal number */
	__u32 group_dead; /* 1 when this was the process's last thread */
	/* With group_dead: the process's peak resident set in pages
	 * (signal->maxrss, which do_exit() brings up to date before the
	 * exit path frees memory; what wait4's ru_maxrss reports, in KiB).
	 * 0 for other threads. */
	__u32 max_rss_pages;
	__u64 exiting_ns; /* sched_process_exit: where the exit path began */
	struct vp_sched_totals totals;
};

/* A tracked thread's wait of at least wait_record_min_ns: off CPU from
 * off_ns, woken at woken_ns (0: preempted, runnable from off_ns), running
 * again at the header's timestamp. Sent at that switch-in. With the
 * thread's totals at off_ns, userspace splits the stretch before the wait
 * exactly (its on-CPU, run-queue wait and shorter waits), so the thread's
 * timeline is complete although only long waits are sent. */
struct vp_wait_event {
	struct vp_event_header header;
	__u32 pid;
	__u32 tid;
	__u64 off_ns;
	__u64 woken_ns;
	__u64 on_cpu_before_ns;      /* thread's on-CPU total at off_ns (kernel figure) */
	__u64 run_queue_before_ns;   /* thread's run-queue wait total at off_ns */
	__s64 syscall;               /* -1: none (page fault, preemption) */
	__u64 args[3];               /* its first arguments, as the thread passed them */
	__u32 state;                 /* enum vp_off_cpu_state it left the CPU in */
	__u32 waker_pid;             /* 0: none seen */
	__u32 waker_tid;
	__u32 waker_in_interrupt;
	__u32 holder_pid;            /* ran on this CPU just before the switch-in */
	__u32 holder_tid;
	__u32 holder_tracked;        /* 1: the holder is itself tracked */
	__u32 object_kind;           /* enum vp_object_kind of args[0] as a file descriptor */
	__u64 object_inode;
	__u32 object_device;
	__u16 socket_family;         /* AF_INET, AF_INET6, AF_UNIX; 0 otherwise */
	__u16 socket_peer_port;      /* host byte order */
	__u8 socket_peer_address[16]; /* IPv4 in the first 4 bytes */
	__u32 socket_type;           /* SOCK_STREAM, SOCK_DGRAM, ... */
	__u32 name_bytes;            /* valid bytes of object_name */
	char waker_comm[VP_COMM_BYTES];
	char holder_comm[VP_COMM_BYTES];
	/* The file's last path components, innermost first, each ending
	 * in a NUL: "memory.db\0.swarm\0project\0". */
	char object_name[VP_WAIT_NAME_BYTES];
};

/* One traced system call of a tracked thread, entry to exit: the calls
 * whose whole time (CPU included, not only their waits) names a cause:
 * syncs, locks, fork/clone/vfork, exec. Sent at the exit when it lasted at
 * least wait_record_min_ns, and for every failed exec. */
struct vp_span_event {
	struct vp_event_header header; /* timestamp: the exit */
	__u32 pid;
	__u32 tid;
	__s64 syscall;
	__u64 start_ns;
	__s64 result;
	__u64 arg0;
	__u64 arg1;
};

#endif /* VALIDPROF_BPF_HOOK_TRACE_H */
