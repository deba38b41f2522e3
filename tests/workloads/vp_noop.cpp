// The shortest process there is: a static program that exits at once, so
// that starting it is nearly all the cost of a process's creation and
// teardown (vp_explain_fixture's burst). Static: no dynamic loader runs.
int main() { return 0; }
