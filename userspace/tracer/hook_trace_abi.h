// The BPF ABI header as C++ sees it: kernel-style fixed-width types first,
// then bpf/hook_trace.h, with the layout pinned so that a change on one side
// that the other does not follow fails the build instead of corrupting data.
#pragma once

#include <linux/types.h>

#include "hook_trace.h"

static_assert(sizeof(vp_sched_totals) == 8 * (6 + VP_MAX_CPUS));
static_assert(sizeof(vp_thread_state) ==
              sizeof(vp_sched_totals) + 8 * 8 + 8 * VP_MAX_CPUS + 4 * 4 + 8 + 3 * 8 + 3 * 8 + 4 * 4 + VP_COMM_BYTES +
                  4 * 8 + 8 + 8);
static_assert(sizeof(vp_span_event) == 16 + 2 * 4 + 5 * 8);
static_assert(sizeof(vp_event_header) == 16);
static_assert(sizeof(vp_fork_event) == 16 + 4 * 4);
static_assert(sizeof(vp_file_key) == 16);
static_assert(sizeof(vp_exec_event) == 16 + 4 * 4 + 16 + 2 * 4 + VP_COMM_BYTES + VP_PATH_BYTES + VP_ARGV_BYTES);
static_assert(sizeof(vp_exit_event) == 16 + 6 * 4 + 8 + sizeof(vp_sched_totals));
static_assert(sizeof(vp_wait_event) ==
              16 + 2 * 4 + 4 * 8 + 8 + 3 * 8 + 8 * 4 + 8 + 4 + 2 * 2 + 16 + 2 * 4 + 2 * VP_COMM_BYTES + VP_WAIT_NAME_BYTES);
