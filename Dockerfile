# validprof in a container: builds the same way as on a host (scripts/setup.sh
# then scripts/build.sh) on Debian 12, and runs the unit tests while it
# builds (the privileged ones need the host's kernel: see below).
#
# Tracing the host's hooks needs the host's kernel and PID namespace:
#   docker build -t validprof .
#   docker run --rm -it --privileged --pid=host \
#     -v /sys/kernel/btf:/sys/kernel/btf:ro \
#     -v /sys/kernel/tracing:/sys/kernel/tracing \
#     -v "$PWD":/data -e VALIDPROF_DB=/data/validprof.db \
#     validprof attach --duration 30
#
# --privileged  grants CAP_BPF and CAP_PERFMON (and lifts the seccomp filter
#               that blocks bpf(2)); `--cap-add BPF --cap-add PERFMON` with
#               `--security-opt seccomp=unconfined` is the narrower form.
# --pid=host    makes pids in events and /proc the host's, so hook trees
#               started outside the container are followed.
# /sys/kernel/btf      kernel type information for CO-RE relocations.
# /sys/kernel/tracing  only needed for debugging with bpftool/trace_pipe;
#                      validprof itself attaches through BTF or raw tracepoints.
FROM debian:12

WORKDIR /src/validprof
COPY . .
RUN ./scripts/setup.sh && VALIDPROF_BUILD_DIR=/src/validprof/build ./scripts/build.sh \
 && (cd build && ctest --label-exclude privileged --output-on-failure --parallel "$(nproc)") \
 && install -m 0755 build/userspace/cli/validprof /usr/local/bin/validprof

ENTRYPOINT ["validprof"]
CMD ["--help"]
