#!/usr/bin/env python3
"""Writes the binary seeds of tests/fuzz/corpus/: ring-buffer records laid out
as bpf/hook_trace.h, bpf/sqlite_probes.h and bpf/phase_probes.h define them
(little-endian, x86-64 and arm64 alike), and small ELF files built with the
C compiler (USDT notes from <sys/sdt.h>, SQLite-named functions, a build-id).

The text seeds are written by hand; this script only makes what a hand
cannot. Run it from anywhere; it overwrites the files it owns:
    tests/fuzz/make_seeds.py
"""
import os
import pathlib
import shutil
import struct
import subprocess
import tempfile

CORPUS = pathlib.Path(__file__).resolve().parent / "corpus"
MAX_CPUS = 128


def write(harness, name, data):
    directory = CORPUS / harness
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)


def cstr(text, size):
    raw = text.encode()
    return raw[:size].ljust(size, b"\0")


def header(kind, cpu=1, timestamp=5_000_000_000):
    return struct.pack("<IIQ", kind, cpu, timestamp)


def hook_trace_records():
    write("event_decoder", "fork.bin", header(1) + struct.pack("<IIII", 4100, 4100, 4123, 4123))
    argv = b"node\0/home/user/.claude/hooks/post-edit.js\0--file\0src/app.ts\0"
    exec_event = (header(2) + struct.pack("<IIII", 4123, 4100, len(argv), 0)
                  + struct.pack("<QII", 1311013, (8 << 20) | 1, 0) + struct.pack("<II", 1, 0)
                  + cstr("node", 16) + cstr("/usr/bin/node", 256) + argv.ljust(512, b"\0"))
    write("event_decoder", "exec.bin", exec_event)
    totals = struct.pack("<6Q", 12_000_000, 300_000, 40_000_000, 2_000_000, 17, 3)
    totals += struct.pack("<Q", 12_000_000) + b"\0" * 8 * (MAX_CPUS - 1)
    write("event_decoder", "exit.bin",
          header(3) + struct.pack("<IIIiIIQ", 4123, 4123, 4100, 0, 1, 0, 5_100_000_000) + totals)
    name = b"memory.db\0.swarm\0project\0"
    wait = (header(4) + struct.pack("<IIQQQQq3Q", 4123, 4124, 4_000_000_000, 4_010_000_000, 1_000_000, 20_000,
                                     74, 7, 0, 0)
            + struct.pack("<IIIIIIII", 3, 4130, 4130, 0, 4130, 4130, 1, 1)
            + struct.pack("<QIHH", 99, (8 << 20) | 1, 0, 0) + b"\0" * 16
            + struct.pack("<II", 0, len(name)) + cstr("node", 16) + cstr("validcore", 16) + name.ljust(128, b"\0"))
    write("event_decoder", "wait_file.bin", wait)
    write("event_decoder", "span.bin",
          header(5) + struct.pack("<IIqQqQQ", 4123, 4123, 74, 4_000_000_000, 0, 7, 0))


def sqlite_records():
    def framed(records):
        return b"".join(struct.pack("<H", len(r)) + r for r in records)

    def sheader(kind, pid=4200, tid=4200, timestamp=6_000_000_000):
        return struct.pack("<IIIIQ", kind, pid, tid, 0, timestamp)

    opened = sheader(1) + struct.pack("<Q", 0x5555aaaa0000) + cstr("/home/user/.swarm/memory.db", 256)
    sql = b"INSERT INTO entries(key, value) VALUES ('swarm/coder/1', 'x')"
    prepared = sheader(2) + struct.pack("<QQIIII", 0x5555aaaa0000, 0x5555bbbb0000, len(sql), 0, 0, 0) + sql.ljust(256, b"\0")
    utf16_sql = "SELECT 1".encode("utf-16-le")
    prepared16 = sheader(2) + struct.pack("<QQIIII", 0x5555aaaa0000, 0x5555bbbb1000, len(utf16_sql), 0, 1, 0) + utf16_sql.ljust(256, b"\0")
    execution = sheader(3) + struct.pack("<QQQQiIIIII", 0x5555bbbb0000, 0, 5_990_000_000, 1, 101, 0, 0, 0, 0, 0) + b"\0" * 256
    exec_sql = b"BEGIN; CREATE TABLE IF NOT EXISTS t(a);"
    from_exec = sheader(3) + struct.pack("<QQQQiIIIII", 0, 0x5555aaaa0000, 5_980_000_000, 0, 0, 0, 0, 1, len(exec_sql), 0) + exec_sql.ljust(256, b"\0")
    file_opened = sheader(4) + struct.pack("<QiI", 77, 5, 0) + cstr("/home/user/.swarm/memory.db-wal", 256)
    unlinked = sheader(5) + cstr("/home/user/.swarm/memory.db-journal", 256)
    gated = sheader(6) + struct.pack("<QII", 1311100, (8 << 20) | 1, 0)
    write("sqlite_records", "session.bin", framed([opened, prepared, prepared16, execution, from_exec, file_opened,
                                                   unlinked, gated]))
    write("sqlite_records", "prepare_execute.bin", framed([prepared, execution]))


def phase_records():
    per_cpu = struct.pack("<Q", 800_000) + b"\0" * 8 * (MAX_CPUS - 1)
    write("phase_records", "parse.bin",
          struct.pack("<IIIIQQQ", 4300, 4301, 0, 0, 7_000_000_000, 7_001_000_000, 800_000) + per_cpu)
    write("phase_records", "unknown_id.bin",
          struct.pack("<IIIIQQQ", 4300, 4301, 9, 0, 7_000_000_000, 7_001_000_000, 800_000) + per_cpu)


ELF_SOURCE = r"""
#include <sys/sdt.h>
int sqlite3_prepare_v2(void) { return 0; }
int sqlite3_step(void) { return 100; }
int sqlite3_finalize(void) { return 0; }
static volatile int sink;
void parse(int n) {
    DTRACE_PROBE1(validcore, parse_start, n);
    sink = n;
    DTRACE_PROBE1(validcore, parse_end, n);
    DTRACE_PROBE(validcore, rollout_decision);
}
void _start(void) {
    parse(sqlite3_step());
    for (;;) {}
}
"""


def elf_files():
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not compiler:
        raise SystemExit("make_seeds.py: no C compiler for the ELF seeds")
    with tempfile.TemporaryDirectory() as work:
        source = os.path.join(work, "seed.c")
        pathlib.Path(source).write_text(ELF_SOURCE)
        built = {}
        variants = {
            "static": ["-static", "-Wl,--build-id=sha1"],
            "shared": ["-shared", "-fPIC", "-Wl,--build-id=sha1"],
            # Regression: a 200-byte build-id overflowed BCC's build-id
            # buffers (BuildIdIndex::add_file, ModuleSymbols::load).
            "long_build_id": ["-static", "-Wl,--build-id=0x" + "ab" * 200],
        }
        for name, flags in variants.items():
            output = os.path.join(work, name)
            subprocess.run([compiler, "-Os", "-nostdlib", "-fno-asynchronous-unwind-tables",
                            "-Wl,-z,norelro", "-Wl,-z,noseparate-code", *flags,
                            source, "-o", output], check=True)
            subprocess.run(["objcopy", "--remove-section=.comment", output], check=True)
            built[name] = pathlib.Path(output).read_bytes()
    for harness in ("usdt_notes", "sqlite_symbols", "elf_symbols"):
        write(harness, "static.elf", built["static"])
        write(harness, "shared.so", built["shared"])
    write("elf_symbols", "long-build-id.elf", built["long_build_id"])


if __name__ == "__main__":
    hook_trace_records()
    sqlite_records()
    phase_records()
    elf_files()
