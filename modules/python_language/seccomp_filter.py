"""A seccomp filter for the sandbox, written as a classic BPF program (no libseccomp needed).

``bwrap --seccomp FD`` loads the raw program (an array of ``struct sock_filter``) just before it starts
the sandboxed command. The filter is a deny list on top of the namespaces: it refuses the system calls
that are only useful to break out of, or look around, the sandbox (ptrace, mounts, new namespaces,
kernel modules, keyrings, BPF, io_uring, ...), network sockets (only ``AF_UNIX`` is allowed, which
Python's multiprocessing uses; the network namespace is empty anyway), namespace-creating ``clone``
flags and terminal injection (``TIOCSTI``). ``clone3`` answers ENOSYS so that the C library falls back to
``clone``, whose flags the filter can inspect. A call made with another architecture's numbering (e.g.
32-bit calls on x86-64) kills the process.
"""

from __future__ import annotations

import errno
import platform
import struct

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6];
_NR_OFFSET, _ARCH_OFFSET, _ARGS_OFFSET = 0, 4, 16

_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
_JGE_K = 0x35  # BPF_JMP | BPF_JGE | BPF_K
_JSET_K = 0x45  # BPF_JMP | BPF_JSET | BPF_K
_RET_K = 0x06  # BPF_RET | BPF_K

_RET_KILL_PROCESS = 0x80000000
_RET_ERRNO = 0x00050000
_RET_ALLOW = 0x7FFF0000

AF_UNIX = 1
TIOCSTI, TIOCLINUX = 0x5412, 0x541C
_CLONE_NAMESPACES = (
    0x00020000  # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
    | 0x00000080  # CLONE_NEWTIME
)

DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    "unshare",
    "setns",
    "swapon",
    "swapoff",
    "reboot",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "acct",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "sethostname",
    "setdomainname",
    "iopl",
    "ioperm",
    "quotactl",
    "quotactl_fd",
    "lookup_dcookie",
    "syslog",
    "vhangup",
    "uselib",
    "nfsservctl",
    "_sysctl",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "fanotify_init",
    "open_by_handle_at",
    "name_to_handle_at",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "move_pages",
    "migrate_pages",
)

# Numbers per architecture (checked against libseccomp's tables); a name missing on an
# architecture simply does not exist there.
_X86_64 = {
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "pidfd_getfd": 438, "kcmp": 312,
    "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161, "open_tree": 428, "move_mount": 429,
    "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    "unshare": 272, "setns": 308,
    "swapon": 167, "swapoff": 168, "reboot": 169, "kexec_load": 246, "kexec_file_load": 320,
    "init_module": 175, "finit_module": 313, "delete_module": 176,
    "acct": 163, "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305, "adjtimex": 159,
    "sethostname": 170, "setdomainname": 171,
    "iopl": 172, "ioperm": 173, "quotactl": 179, "quotactl_fd": 443, "lookup_dcookie": 212, "syslog": 103,
    "vhangup": 153, "uselib": 134, "nfsservctl": 180, "_sysctl": 156,
    "keyctl": 250, "add_key": 248, "request_key": 249, "bpf": 321, "perf_event_open": 298,
    "userfaultfd": 323, "fanotify_init": 300, "open_by_handle_at": 304, "name_to_handle_at": 303,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "move_pages": 279, "migrate_pages": 256,
    "clone3": 435, "socket": 41, "socketpair": 53, "clone": 56, "ioctl": 16,
}  # fmt: skip
_AARCH64 = {
    "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "pidfd_getfd": 438, "kcmp": 272,
    "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51, "open_tree": 428, "move_mount": 429,
    "fsopen": 430, "fsconfig": 431, "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    "unshare": 97, "setns": 268,
    "swapon": 224, "swapoff": 225, "reboot": 142, "kexec_load": 104, "kexec_file_load": 294,
    "init_module": 105, "finit_module": 273, "delete_module": 106,
    "acct": 89, "settimeofday": 170, "clock_settime": 112, "clock_adjtime": 266, "adjtimex": 171,
    "sethostname": 161, "setdomainname": 162,
    "quotactl": 60, "quotactl_fd": 443, "lookup_dcookie": 18, "syslog": 116, "vhangup": 58,
    "nfsservctl": 42,
    "keyctl": 219, "add_key": 217, "request_key": 218, "bpf": 280, "perf_event_open": 241,
    "userfaultfd": 282, "fanotify_init": 262, "open_by_handle_at": 265, "name_to_handle_at": 264,
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    "move_pages": 239, "migrate_pages": 238,
    "clone3": 435, "socket": 198, "socketpair": 199, "clone": 220, "ioctl": 29,
}  # fmt: skip

# (AUDIT_ARCH_*, syscall table, lowest number of a foreign ABI sharing the architecture value)
ARCHITECTURES: dict[str, tuple[int, dict[str, int], int | None]] = {
    "x86_64": (0xC000003E, _X86_64, 0x40000000),  # x32 calls carry bit 30
    "aarch64": (0xC00000B7, _AARCH64, None),
}


class UnsupportedArchitecture(Exception):
    pass


def _insn(code: int, k: int = 0, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def _errno(number: int) -> int:
    return _RET_ERRNO | (number & 0xFFFF)


def _arg_low(index: int) -> int:
    """Offset of the low 32 bits of syscall argument ``index`` (both supported CPUs are little-endian)."""
    return _ARGS_OFFSET + 8 * index


def seccomp_program(machine: str | None = None) -> bytes:
    """The filter for ``machine`` (default: this one) as bytes for ``bwrap --seccomp``."""
    machine = machine or platform.machine()
    if machine not in ARCHITECTURES:
        raise UnsupportedArchitecture(
            f"no seccomp filter for the {machine} architecture (supported: {', '.join(ARCHITECTURES)})"
        )
    audit_arch, numbers, foreign_abi = ARCHITECTURES[machine]
    eperm = _errno(errno.EPERM)
    program = [
        _insn(_LD_W_ABS, _ARCH_OFFSET),
        _insn(_JEQ_K, audit_arch, jt=1),
        _insn(_RET_K, _RET_KILL_PROCESS),
        _insn(_LD_W_ABS, _NR_OFFSET),
    ]
    if foreign_abi is not None:
        program += [_insn(_JGE_K, foreign_abi, jf=1), _insn(_RET_K, eperm)]
    for name in DENIED:
        if name in numbers:
            program += [_insn(_JEQ_K, numbers[name], jf=1), _insn(_RET_K, eperm)]
    program += [_insn(_JEQ_K, numbers["clone3"], jf=1), _insn(_RET_K, _errno(errno.ENOSYS))]
    # Each block below ends in a return on both paths, so the accumulator still holds the syscall
    # number whenever a block is skipped.
    for name in ("socket", "socketpair"):  # the address family is the first argument
        program += [
            _insn(_JEQ_K, numbers[name], jf=4),
            _insn(_LD_W_ABS, _arg_low(0)),
            _insn(_JEQ_K, AF_UNIX, jf=1),
            _insn(_RET_K, _RET_ALLOW),
            _insn(_RET_K, _errno(errno.EPERM)),
        ]
    program += [  # clone(flags, ...): no new namespaces
        _insn(_JEQ_K, numbers["clone"], jf=4),
        _insn(_LD_W_ABS, _arg_low(0)),
        _insn(_JSET_K, _CLONE_NAMESPACES, jf=1),
        _insn(_RET_K, eperm),
        _insn(_RET_K, _RET_ALLOW),
    ]
    program += [  # ioctl(fd, request, ...): no typing into the controlling terminal
        _insn(_JEQ_K, numbers["ioctl"], jf=5),
        _insn(_LD_W_ABS, _arg_low(1)),
        _insn(_JEQ_K, TIOCSTI, jt=1),
        _insn(_JEQ_K, TIOCLINUX, jf=1),
        _insn(_RET_K, eperm),
        _insn(_RET_K, _RET_ALLOW),
    ]
    program.append(_insn(_RET_K, _RET_ALLOW))
    return b"".join(program)
