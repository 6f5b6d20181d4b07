# The Python code-node runner: run as `python3 -I -S -B -c <this>` in the sandbox's work directory.
# Never imported by the orchestrator. Protocol: stdin is {"code": str, "inputs": {...}}; stdout gets
# one JSON object, {"result": <main's return value>} or {"error": str, "kind": str}; whatever the
# user's code prints goes to stderr. Before the user's code runs, an audit hook (which Python code
# cannot remove) refuses files outside the work directory and the standard library, sockets,
# processes, ctypes, sub-interpreters and code-object forging. It is the inner wall: the jail's
# namespaces, Landlock and rlimits stand behind it.
import _thread
import json
import linecache
import os
import sys
import traceback

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_REFUSED_MODULES = frozenset(
    {
        "ctypes",
        "_ctypes",
        "_posixsubprocess",
        "_xxsubinterpreters",
        "_xxinterpchannels",
        "_interpreters",
        "_interpchannels",
        "_lsprof",
    }
)
_REFUSED_PREFIXES = (
    "socket.",
    "ctypes.",
    "subprocess.",
    "os.exec",
    "os.spawn",
    "os.posix_spawn",
    "os.fork",
    "os.system",
    "os.kill",
    "os.startfile",
    "pty.",
    "resource.",
    "code.__new__",
    "sys.addaudithook",
    "os.symlink",
    "os.link",
    "gc.get_referrers",
    "gc.get_referents",
    "gc.get_objects",
    "sys._current_frames",
    "sys.setprofile",
    "sys.settrace",
    "cpython.",
    "_posixsubprocess",
)
_WRITE_EVENTS = frozenset(
    {
        "os.mkdir",
        "os.rmdir",
        "os.remove",
        "os.chmod",
        "os.chown",
        "os.truncate",
        "os.utime",
        "os.chflags",
        "os.lchflags",
        "os.mkfifo",
        "os.mknod",
        "os.setxattr",
        "os.removexattr",
        "os.chdir",
        "shutil.rmtree",
    }
)
_READ_EVENTS = frozenset(
    {"os.listdir", "os.scandir", "os.getxattr", "os.listxattr", "glob.glob", "glob.glob/2"}
)


class SandboxViolation(PermissionError):
    pass


def _confine(root, readable):
    busy = set()

    def inside(path, roots):
        return any(path == r or path.startswith(r + os.sep) for r in roots)

    def resolve(path):
        if path is None:
            path = "."
        if isinstance(path, int):
            return None
        return os.path.realpath(os.path.join(os.getcwd(), os.fsdecode(os.fspath(path))))

    def refuse(what):
        raise SandboxViolation(f"[sandbox] {what} is not allowed in the code sandbox")

    def check(event, args):
        if event == "import":
            if args[0] in _REFUSED_MODULES or args[0].startswith("_test"):
                refuse(f"import {args[0]}")
            # Modules come from the standard library only: an extension module written to the work
            # directory would be native code past this hook (Landlock and the namespaces still hold).
            for entry in args[2] or ():
                if isinstance(entry, str) and entry and not inside(resolve(entry), readable):
                    refuse(f"importing from {entry!r}")
        elif event == "open":
            path, mode, flags = args
            target = resolve(path)
            if target is None:
                return
            writing = (isinstance(flags, int) and flags & _WRITE_FLAGS) or (
                isinstance(mode, str) and any(c in mode for c in "wax+")
            )
            if not inside(target, (root,) if writing else (root,) + readable):
                refuse(f"open({os.fsdecode(os.fspath(path))!r})")
            if os.path.isdir(target):  # directory fds would allow dir_fd-relative escapes
                refuse("opening a directory")
        elif event in _READ_EVENTS:
            target = resolve(args[0] if args else None)
            if target is not None and not inside(target, (root,) + readable):
                refuse(f"{event}({args[0]!r})")
        elif event in _WRITE_EVENTS or event == "os.rename":
            for path in args[:2] if event == "os.rename" else args[:1]:
                target = resolve(path)
                if target is not None and not inside(target, (root,)):
                    refuse(f"{event}({path!r})")
        elif event.startswith(_REFUSED_PREFIXES):
            refuse(event)

    def hook(event, args):
        me = _thread.get_ident()
        if me in busy:
            return
        busy.add(me)
        try:
            check(event, args)
        except SandboxViolation:
            raise
        except Exception as exc:  # a malformed argument is refused, never let through
            raise SandboxViolation(f"[sandbox] {event} refused ({exc})") from None
        finally:
            busy.discard(me)

    sys.addaudithook(hook)


def _user_traceback(exc):
    # The runner (compiled from -c) is "<string>": keep the user's "<code>" frames and the stdlib's.
    report = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    report.stack = traceback.StackSummary.from_list([f for f in report.stack if f.filename != "<string>"])
    return "".join(report.format())


def _main():
    request = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    code, inputs = request["code"], request.get("inputs") or {}
    root = os.path.realpath(os.getcwd())
    readable = tuple(os.path.realpath(p) for p in sys.path if p and os.path.isabs(p))
    readable += ("/usr/share/zoneinfo",)
    result_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)  # the user's prints (and fd 1) go to stderr; the result has its own copy of stdout
    linecache.cache["<code>"] = (len(code), None, code.splitlines(True), "<code>")
    _confine(root, readable)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        exec(compile(code, "<code>", "exec"), namespace)
        main = namespace.get("main")
        if not callable(main):
            payload = {"error": "error: the code must define a function main(...)", "kind": "definition"}
        else:
            payload = json.dumps({"result": main(**inputs)})
    except MemoryError:
        payload = {"error": "MemoryError", "kind": "memory"}
    except BaseException as exc:  # the user's error, SystemExit included: reported, not raised
        payload = {"error": _user_traceback(exc), "kind": "exception"}
    if not isinstance(payload, str):
        payload = json.dumps(payload)
    result_out.write(payload)
    result_out.flush()
    os._exit(0)  # no atexit handlers or finalizers of the user's objects


_main()
