/*
 * USDT provider of the validcore validation core (userspace/validation).
 *
 * This file is the definition; userspace/validation/probes.h expands each
 * probe with <sys/sdt.h> (no semaphores, so nothing to link and nothing for
 * an attacher to enable), and tests/validation/probes_test.cpp checks that
 * the notes in the built validcore executable match this list, name for name
 * and argument count for argument count.
 *
 * Begin/end pairs fire on the same thread, so a tracer pairs them per thread.
 * Every *_end carries a status or result, so an interrupted phase (a round
 * that ended, a view that changed) still closes its pair. Strings are
 * NUL-terminated; integers are 32-bit. Meanings: docs/validation-core.md.
 */
provider validcore {
    /* one hook invocation, on the main thread */
    probe hook_start(char *hook);
    probe hook_end(char *hook, int exit_status);

    /* rollout admission (a point, not a pair) */
    probe rollout_decision(char *user, int bucket, int percent, int admitted);

    /* all checks on one file, and each check inside */
    probe checks_start(char *file);
    probe checks_end(char *file, int passed, int applicable);
    probe check_start(char *check, char *file);
    probe check_end(char *check, int result);

    /* the truth score of the evidence, on the hook's thread */
    probe score_start(int files);
    probe score_end(int score_permille, int confidence_permille, int approve);

    /* a validator's own evaluation of the request (re-reading the files,
       re-running the checks, reading the history), on its thread */
    probe evaluate_start(int validator);
    probe evaluate_end(int validator, int score_permille, int approve);

    /* one consensus round, on the hook's (client's) thread */
    probe consensus_start(int validators, int faulty_tolerance);
    probe consensus_end(int decision, int view, int timed_out);

    /* PBFT phases, on each validator's thread */
    probe pre_prepare_start(int validator, int view);
    probe pre_prepare_end(int validator, int view, int completed);
    probe prepare_start(int validator, int view);
    probe prepare_end(int validator, int view, int completed);
    probe commit_start(int validator, int view);
    probe commit_end(int validator, int view, int completed);
    probe view_change_start(int validator, int new_view);
    probe view_change_end(int validator, int new_view, int completed);

    /* one batch of database writes */
    probe db_write_start(char *what);
    probe db_write_end(char *what, int ok);
};
