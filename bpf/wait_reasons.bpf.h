/* What a waiting thread waits on, read in the kernel for its vp_wait_event:
 * the system call it is in and its first arguments (from the registers it
 * entered the kernel with), the file, pipe or socket its file-descriptor
 * argument refers to, and whether it was surely woken from interrupt
 * context. CO-RE reads only; usable from tp_btf and raw_tp programs. */
#ifndef VALIDPROF_BPF_WAIT_REASONS_BPF_H
#define VALIDPROF_BPF_WAIT_REASONS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "hook_trace.h"

/* Macros of the kernel's headers, not in BTF. */
#define VP_S_IFMT 0170000
#define VP_S_IFSOCK 0140000
#define VP_S_IFREG 0100000
#define VP_S_IFBLK 0060000
#define VP_S_IFDIR 0040000
#define VP_S_IFCHR 0020000
#define VP_S_IFIFO 0010000
#define VP_AF_UNIX 1
#define VP_AF_INET 2
#define VP_AF_INET6 10
#define VP_TASK_STOPPED_OR_TRACED 0x000c /* __TASK_STOPPED | __TASK_TRACED */

/* System calls whose first argument is the file descriptor they wait on.
 * Numbers are per architecture (arch/x86/entry/syscalls/syscall_64.tbl,
 * include/uapi/asm-generic/unistd.h); userspace names them from the same
 * tables (userspace/explain/syscall_names). */
static __always_inline bool vp_syscall_waits_on_fd(__s64 nr)
{
#if defined(__TARGET_ARCH_x86)
	switch (nr) {
	case 0: case 1: case 17: case 18: case 19: case 20:   /* read write pread64 pwrite64 readv writev */
	case 40: case 42: case 43: case 44: case 45: case 46: /* sendfile connect accept sendto recvfrom sendmsg */
	case 47: case 72: case 73: case 74: case 75: case 76: /* recvmsg fcntl flock fsync fdatasync truncate */
	case 77: case 217: case 277: case 285: case 288:      /* ftruncate getdents64 sync_file_range fallocate accept4 */
	case 295: case 296: case 299: case 307: case 327: case 328: /* preadv pwritev recvmmsg sendmmsg preadv2 pwritev2 */
		return true;
	}
#elif defined(__TARGET_ARCH_arm64)
	switch (nr) {
	case 25: case 32: case 46: case 47: case 61: case 63:   /* fcntl flock ftruncate fallocate getdents64 read */
	case 64: case 65: case 66: case 67: case 68: case 69:   /* write readv writev pread64 pwrite64 preadv */
	case 70: case 71: case 82: case 83: case 84: case 202:  /* pwritev sendfile fsync fdatasync sync_file_range accept */
	case 203: case 206: case 207: case 211: case 212:       /* connect sendto recvfrom sendmsg recvmsg */
	case 242: case 243: case 269: case 286: case 287:       /* accept4 recvmmsg sendmmsg preadv2 pwritev2 */
		return true;
	}
#endif
	return false;
}

/* System calls whose whole time (their CPU too, not only their waits)
 * names a cause, traced entry to exit: syncs, file locks, process
 * creation and exec. */
static __always_inline bool vp_syscall_is_span(__s64 nr)
{
#if defined(__TARGET_ARCH_x86)
	switch (nr) {
	case 26: case 74: case 75: case 162: case 277: case 306: /* msync fsync fdatasync sync sync_file_range syncfs */
	case 72: case 73:                                       /* fcntl flock */
	case 56: case 57: case 58: case 435:                    /* clone fork vfork clone3 */
	case 59: case 322:                                      /* execve execveat */
		return true;
	}
#elif defined(__TARGET_ARCH_arm64)
	switch (nr) {
	case 227: case 82: case 83: case 81: case 84: case 267: /* msync fsync fdatasync sync sync_file_range syncfs */
	case 25: case 32:                                       /* fcntl flock */
	case 220: case 435:                                     /* clone clone3 */
	case 221: case 281:                                     /* execve execveat */
		return true;
	}
#endif
	return false;
}

/* The number of the system call whose registers these are (at entry or
 * exit; -1 outside a system call). */
static __always_inline __s64 vp_syscall_number(struct pt_regs *regs)
{
#if defined(__TARGET_ARCH_x86)
	return (__s64)BPF_CORE_READ(regs, orig_ax);
#elif defined(__TARGET_ARCH_arm64)
	return (__s32)BPF_CORE_READ(regs, syscallno);
#else
	return -1;
#endif
}

/* The system call the current task is in (-1: none, e.g. a page fault or
 * an interrupt) and its first three arguments, from the registers saved at
 * kernel entry. Called at its switch-out, where it is the current task. */
static __always_inline __s64 vp_current_syscall(__u64 args[3])
{
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	if (!regs)
		return -1;
	__s64 nr = vp_syscall_number(regs);
	args[0] = PT_REGS_PARM1_CORE_SYSCALL(regs);
	args[1] = PT_REGS_PARM2_CORE_SYSCALL(regs);
	args[2] = PT_REGS_PARM3_CORE_SYSCALL(regs);
	return nr < 0 ? -1 : nr;
}

/* Whether a wakeup surely came from interrupt context: the "current" task
 * then is whoever was interrupted, not the waker. An interrupt on an idle
 * CPU (the common case for timers and I/O completions) interrupts the idle
 * task, pid 0. An interrupt landing on a busy CPU is not told apart here
 * (reading preempt_count needs a per-CPU symbol the kernel may not resolve
 * for BPF, as on this 6.18); userspace trusts a waker only for waits whose
 * wakers run in process context (futex, wait4, pipes, locks, signals). */
static __always_inline __u32 vp_woken_from_idle(__u64 waker_pid_tgid)
{
	return (__u32)waker_pid_tgid == 0;
}

static __always_inline __u32 vp_object_kind_of(__u32 mode)
{
	switch (mode & VP_S_IFMT) {
	case VP_S_IFREG: return VP_OBJECT_FILE;
	case VP_S_IFDIR: return VP_OBJECT_DIRECTORY;
	case VP_S_IFIFO: return VP_OBJECT_PIPE;
	case VP_S_IFSOCK: return VP_OBJECT_SOCKET;
	case VP_S_IFCHR: return VP_OBJECT_CHAR_DEVICE;
	case VP_S_IFBLK: return VP_OBJECT_BLOCK_DEVICE;
	}
	return VP_OBJECT_OTHER;
}

/* The file's last path components, innermost first, each NUL-terminated,
 * crossing mount points the way d_path() does; each read bounded to half
 * the buffer so the verifier sees every write in range. A path that
 * reached the root ends with a "/" component; one cut short does not. */
static __always_inline void vp_read_path_names(struct vp_wait_event *event, const struct path *path)
{
	struct dentry *dentry = BPF_CORE_READ(path, dentry);
	struct vfsmount *vfs = BPF_CORE_READ(path, mnt);
	struct mount *mount = (void *)((char *)vfs - bpf_core_field_offset(struct mount, mnt));
	__u32 offset = 0;
	for (int step = 0; step < VP_WAIT_NAME_DEPTH + 3; step++) {
		if (!dentry || offset >= VP_WAIT_NAME_BYTES / 2)
			break;
		struct dentry *mount_root = BPF_CORE_READ(mount, mnt.mnt_root);
		struct mount *parent_mount = BPF_CORE_READ(mount, mnt_parent);
		if (dentry == mount_root && parent_mount != mount) {
			/* The root of a mounted filesystem: go on from where it is mounted. */
			dentry = BPF_CORE_READ(mount, mnt_mountpoint);
			mount = parent_mount;
			continue;
		}
		const unsigned char *name = BPF_CORE_READ(dentry, d_name.name);
		barrier_var(offset);
		offset &= VP_WAIT_NAME_BYTES / 2 - 1;
		long copied = bpf_probe_read_kernel_str(&event->object_name[offset], VP_WAIT_NAME_BYTES / 2, name);
		if (copied <= 1) /* an anonymous inode has no name */
			break;
		offset += copied;
		struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
		if (parent == dentry)
			break; /* the root: its name is "/" */
		dentry = parent;
	}
	event->name_bytes = offset;
}

static __always_inline void vp_read_socket_peer(struct vp_wait_event *event, struct file *file)
{
	struct socket *sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return;
	event->socket_type = BPF_CORE_READ(sock, type);
	struct sock *sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	event->socket_family = family;
	if (family == VP_AF_INET) {
		__u32 address = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(event->socket_peer_address, &address, sizeof(address));
		event->socket_peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	} else if (family == VP_AF_INET6) {
		BPF_CORE_READ_INTO(&event->socket_peer_address, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
		event->socket_peer_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	}
}

/* What file descriptor `fd` of `task` refers to. */
static __always_inline void vp_read_waited_object(struct vp_wait_event *event, struct task_struct *task, __u64 fd)
{
	struct files_struct *files = BPF_CORE_READ(task, files);
	if (!files)
		return;
	struct fdtable *table = BPF_CORE_READ(files, fdt);
	if (!table || fd >= BPF_CORE_READ(table, max_fds))
		return;
	struct file **descriptors = BPF_CORE_READ(table, fd);
	struct file *file = NULL;
	if (bpf_probe_read_kernel(&file, sizeof(file), &descriptors[fd]) || !file)
		return;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	if (!inode)
		return;
	__u32 kind = vp_object_kind_of(BPF_CORE_READ(inode, i_mode));
	event->object_kind = kind;
	event->object_inode = BPF_CORE_READ(inode, i_ino);
	event->object_device = BPF_CORE_READ(inode, i_sb, s_dev);
	if (kind == VP_OBJECT_SOCKET)
		vp_read_socket_peer(event, file);
	else if (kind != VP_OBJECT_PIPE)
		vp_read_path_names(event, &file->f_path);
}

#endif /* VALIDPROF_BPF_WAIT_REASONS_BPF_H */
