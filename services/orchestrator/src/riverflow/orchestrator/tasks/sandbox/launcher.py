# The sandbox launcher: run as `python3 -I -S -c <this> <spec-json> <program argv...>` inside the
# jail's namespaces, before any untrusted code. It sets the rlimits, turns on no_new_privs, confines
# the filesystem (and TCP) with Landlock, then execs the program, which inherits all of it.
# Never imported by the orchestrator. `<spec-json>` = "probe" prints the Landlock ABI and exits.
import ctypes
import json
import os
import resource
import struct
import sys

_CREATE, _ADD_RULE, _RESTRICT = 444, 445, 446  # landlock syscalls (same number on every arch)
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38
_EXECUTE, _WRITE_FILE, _READ_FILE, _READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_REFER, _TRUNCATE, _IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_READ = _EXECUTE | _READ_FILE | _READ_DIR

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _abi():
    return _libc.syscall(ctypes.c_long(_CREATE), None, ctypes.c_size_t(0), ctypes.c_uint32(1))


def _fail(what):
    errno = ctypes.get_errno()
    sys.stderr.write(f"sandbox launcher: {what} failed: {os.strerror(errno)}\n")
    sys.stderr.flush()
    os._exit(125)


def _landlock(abi, writable, readable, files):
    handled = (1 << 13) - 1
    if abi >= 2:
        handled |= _REFER
    if abi >= 3:
        handled |= _TRUNCATE
    if abi >= 5:
        handled |= _IOCTL_DEV
    file_rights = handled & (_EXECUTE | _WRITE_FILE | _READ_FILE | _TRUNCATE)
    # ABI 4 adds TCP bind/connect: handled with no rule = denied (a second wall behind the netns).
    # ABI 6 adds scoping: no abstract unix sockets or signals outside the sandbox.
    if abi >= 6:
        attr = struct.pack("=QQQ", handled, 0b11, 0b11)
    elif abi >= 4:
        attr = struct.pack("=QQ", handled, 0b11)
    else:
        attr = struct.pack("=Q", handled)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _libc.syscall(ctypes.c_long(_CREATE), buf, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        _fail("landlock_create_ruleset")
    rules = [(p, handled) for p in writable] + [(p, _READ & handled) for p in readable]
    rules += [(p, file_rights if rw else (_READ_FILE | _EXECUTE) & handled) for p, rw in files]
    for path, access in rules:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue  # absent on this host: nothing to allow
        if not os.path.isdir(path):
            access &= file_rights
        rule = ctypes.create_string_buffer(struct.pack("=Qi", access, fd), 12)
        if (
            _libc.syscall(
                ctypes.c_long(_ADD_RULE),
                ctypes.c_int(ruleset),
                ctypes.c_int(_RULE_PATH_BENEATH),
                rule,
                ctypes.c_uint32(0),
            )
            < 0
        ):
            _fail(f"landlock_add_rule({path})")
        os.close(fd)
    if _libc.syscall(ctypes.c_long(_RESTRICT), ctypes.c_int(ruleset), ctypes.c_uint32(0)) < 0:
        _fail("landlock_restrict_self")
    os.close(ruleset)


def _main():
    if sys.argv[1] == "probe":
        print(max(_abi(), 0))
        return
    spec = json.loads(sys.argv[1])
    argv = sys.argv[2:]
    for name, (soft, hard) in spec["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    if _libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        _fail("prctl(PR_SET_NO_NEW_PRIVS)")
    if spec.get("landlock"):
        abi = _abi()
        if abi < 1:
            _fail("landlock")
        _landlock(abi, spec["writable"], spec["readable"], [(p, rw) for p, rw in spec["files"]])
    os.execv(argv[0], argv)


_main()
