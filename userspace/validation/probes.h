// The validcore USDT provider: one macro per probe of probes/validcore.d,
// expanded with <sys/sdt.h>. A probe site is a single nop plus an ELF note
// (.note.stapsdt) that says where the arguments live, so probes cost nothing
// measurable when nothing is attached; validprof (or bpftrace, perf) turns
// them into uprobes when it wants the phase boundaries.
//
// No semaphores: with them every probe would need a `dtrace -G` object
// linked in and an attacher that bumps the counter; the arguments here are
// cheap enough to compute unconditionally.
//
// Keep this list and probes/validcore.d in step: tests/validation compares
// the notes in the built executable with the .d file.
#pragma once

#include <sys/sdt.h>

#define VALIDCORE_HOOK_START(hook) DTRACE_PROBE1(validcore, hook_start, hook)
#define VALIDCORE_HOOK_END(hook, exit_status) DTRACE_PROBE2(validcore, hook_end, hook, exit_status)

#define VALIDCORE_ROLLOUT_DECISION(user, bucket, percent, admitted) \
    DTRACE_PROBE4(validcore, rollout_decision, user, bucket, percent, admitted)

#define VALIDCORE_CHECKS_START(file) DTRACE_PROBE1(validcore, checks_start, file)
#define VALIDCORE_CHECKS_END(file, passed, applicable) DTRACE_PROBE3(validcore, checks_end, file, passed, applicable)
#define VALIDCORE_CHECK_START(check, file) DTRACE_PROBE2(validcore, check_start, check, file)
#define VALIDCORE_CHECK_END(check, result) DTRACE_PROBE2(validcore, check_end, check, result)

#define VALIDCORE_SCORE_START(files) DTRACE_PROBE1(validcore, score_start, files)
#define VALIDCORE_SCORE_END(score_permille, confidence_permille, approve) \
    DTRACE_PROBE3(validcore, score_end, score_permille, confidence_permille, approve)

#define VALIDCORE_EVALUATE_START(validator) DTRACE_PROBE1(validcore, evaluate_start, validator)
#define VALIDCORE_EVALUATE_END(validator, score_permille, approve) \
    DTRACE_PROBE3(validcore, evaluate_end, validator, score_permille, approve)

#define VALIDCORE_CONSENSUS_START(validators, faulty_tolerance) \
    DTRACE_PROBE2(validcore, consensus_start, validators, faulty_tolerance)
#define VALIDCORE_CONSENSUS_END(decision, view, timed_out) \
    DTRACE_PROBE3(validcore, consensus_end, decision, view, timed_out)

#define VALIDCORE_PRE_PREPARE_START(validator, view) DTRACE_PROBE2(validcore, pre_prepare_start, validator, view)
#define VALIDCORE_PRE_PREPARE_END(validator, view, completed) \
    DTRACE_PROBE3(validcore, pre_prepare_end, validator, view, completed)
#define VALIDCORE_PREPARE_START(validator, view) DTRACE_PROBE2(validcore, prepare_start, validator, view)
#define VALIDCORE_PREPARE_END(validator, view, completed) \
    DTRACE_PROBE3(validcore, prepare_end, validator, view, completed)
#define VALIDCORE_COMMIT_START(validator, view) DTRACE_PROBE2(validcore, commit_start, validator, view)
#define VALIDCORE_COMMIT_END(validator, view, completed) DTRACE_PROBE3(validcore, commit_end, validator, view, completed)
#define VALIDCORE_VIEW_CHANGE_START(validator, new_view) \
    DTRACE_PROBE2(validcore, view_change_start, validator, new_view)
#define VALIDCORE_VIEW_CHANGE_END(validator, new_view, completed) \
    DTRACE_PROBE3(validcore, view_change_end, validator, new_view, completed)

#define VALIDCORE_DB_WRITE_START(what) DTRACE_PROBE1(validcore, db_write_start, what)
#define VALIDCORE_DB_WRITE_END(what, ok) DTRACE_PROBE2(validcore, db_write_end, what, ok)
