# BPF build helpers.
#
# vmlinux.h comes from the running kernel's BTF when the build machine has it
# (/sys/kernel/btf/vmlinux), so CO-RE relocations are checked against the real
# types; otherwise from the committed fallback in bpf/vmlinux/. Either way the
# object is CO-RE and runs on any kernel with BTF.
#
# add_bpf_skeleton(NAME) compiles bpf/NAME.bpf.c with clang -target bpf,
# generates NAME.skel.h with bpftool and exposes it as the INTERFACE target
# NAME_skel. A depfile makes the object rebuild when any header it includes
# changes.

find_program(BPF_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
  set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_TARGET_ARCH arm64)
else()
  message(FATAL_ERROR "validprof: no BPF target arch mapping for ${CMAKE_SYSTEM_PROCESSOR}")
endif()

# <bpf/usdt.bpf.h> includes <linux/errno.h>, whose <asm/errno.h> lives in
# the multiarch include directory.
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(BPF_MULTIARCH_INCLUDE -idirafter /usr/include/${CMAKE_LIBRARY_ARCHITECTURE})
endif()

set(VMLINUX_DIR ${CMAKE_BINARY_DIR}/vmlinux)
set(VMLINUX_H ${VMLINUX_DIR}/vmlinux.h)
set(VMLINUX_FALLBACK ${PROJECT_SOURCE_DIR}/bpf/vmlinux/vmlinux_${BPF_TARGET_ARCH}.h.gz)
if(EXISTS /sys/kernel/btf/vmlinux)
  add_custom_command(
    OUTPUT ${VMLINUX_H}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${VMLINUX_DIR}
    COMMAND sh -c "${BPFTOOL} btf dump file /sys/kernel/btf/vmlinux format c > ${VMLINUX_H}.tmp && mv ${VMLINUX_H}.tmp ${VMLINUX_H}"
    COMMENT "Generating vmlinux.h from the running kernel's BTF"
    VERBATIM)
else()
  add_custom_command(
    OUTPUT ${VMLINUX_H}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${VMLINUX_DIR}
    COMMAND sh -c "gzip -dc ${VMLINUX_FALLBACK} > ${VMLINUX_H}"
    DEPENDS ${VMLINUX_FALLBACK}
    COMMENT "No kernel BTF on the build machine: using the committed vmlinux.h"
    VERBATIM)
endif()
add_custom_target(vmlinux_h DEPENDS ${VMLINUX_H})

function(add_bpf_skeleton name)
  set(source ${CMAKE_CURRENT_SOURCE_DIR}/${name}.bpf.c)
  set(object ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
  set(skeleton ${CMAKE_CURRENT_BINARY_DIR}/${name}.skel.h)
  add_custom_command(
    OUTPUT ${object}
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${BPF_TARGET_ARCH}
            -I${VMLINUX_DIR} -I${CMAKE_CURRENT_SOURCE_DIR} ${BPF_MULTIARCH_INCLUDE}
            -MD -MF ${object}.d
            -c ${source} -o ${object}
    DEPENDS ${source} ${VMLINUX_H}
    DEPFILE ${object}.d
    COMMENT "Compiling BPF object ${name}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skeleton}
    COMMAND sh -c "${BPFTOOL} gen skeleton ${object} name ${name} > ${skeleton}.tmp && mv ${skeleton}.tmp ${skeleton}"
    DEPENDS ${object}
    COMMENT "Generating BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel_gen DEPENDS ${skeleton})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${CMAKE_CURRENT_BINARY_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
