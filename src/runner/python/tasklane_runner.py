"""Tasklane's tracer for Python asyncio (standard library only).

Run as `python tasklane_runner.py script.py [args...]` (or `-m module [args...]`) with
TASKLANE_RUNNER set; it runs the script (the module) as `__main__`, as `python script.py` (`python
-m module`) would, and writes the same binary frames as the Node runner to the side channel.
It observes asyncio at points that add no frame to a task's own tracebacks, chiefly the loop's
Handle._run (each task step), BaseEventLoop.create_task and asyncio's registry of tasks (task
creation), run_in_executor (what an executor's future runs) and Task.cancel (_tasklane.hooks has
them all).
"""

import json
import os
import runpy
import signal
import sys

# The tracer's own modules sit beside this file, whose folder Python put first on sys.path; main()
# gives that place to the script's folder, as `python script.py` would. They are imported without
# writing bytecode caches into the extension's folder; the program's own imports write theirs.
_writes_bytecode = sys.dont_write_bytecode
sys.dont_write_bytecode = True
from _tasklane.code import describe_error, without_runner_entries  # noqa: E402
from _tasklane.descriptors import reserve  # noqa: E402
from _tasklane.frames import Sink  # noqa: E402
from _tasklane.hooks import install  # noqa: E402
from _tasklane.signals import watch_signals  # noqa: E402
from _tasklane.tracer import Tracer  # noqa: E402
from _tasklane.uvloop_stand_in import stand_in_for_uvloop  # noqa: E402
sys.dont_write_bytecode = _writes_bytecode

RUNNER_ENV = "TASKLANE_RUNNER"
# signal.signal itself: the program's calls of it go through watch_signals' stand-in.
set_signal_handler = signal.signal


def show_traceback(exc, script, runs_module):
    """Prints the traceback as `python script.py` (`python -m`, `runs_module`) would: starting at
    the script's own frame, or with none when the script never ran (a SyntaxError in it has only
    the runner's frames), and with no frame of the runner's in it or in the exceptions it chains."""
    start = exc.__traceback__
    while start is not None and os.path.abspath(start.tb_frame.f_code.co_filename) != script:
        start = start.tb_next
    # Not raised in it: raised finding the module `python -m` runs (in its package's __init__),
    # which Python shows from runpy's frames.
    exc.__traceback__ = start if start is not None or not runs_module else exc.__traceback__
    chained, seen = [exc], set()
    while chained:
        error = chained.pop()
        if error is None or id(error) in seen:
            continue
        seen.add(id(error))
        error.__traceback__ = without_runner_entries(error.__traceback__)
        chained += (error.__cause__, error.__context__)
    sys.excepthook(type(exc), exc, exc.__traceback__)


class ModuleNotRunnable(Exception):
    """`python -m` would not run the module (none of that name, a package with no __main__)."""


def module_code(name, main_module):
    """The code of the module `name` and its file, `main_module` set up to run it as `python -m
    name` runs it (runpy's own steps: its package imported first, sys.argv[0] its file)."""
    # runpy's own lookup (private, in every Python from 3.9 on), so that what is imported first
    # and what is said of a module it cannot run are python -m's.
    _, spec, code = runpy._get_module_details(name, ModuleNotRunnable)
    main_module.__dict__.update({
        "__file__": spec.origin, "__cached__": spec.cached, "__loader__": spec.loader,
        "__package__": spec.parent, "__spec__": spec, "__builtins__": __builtins__,
    })
    sys.argv[0] = spec.origin
    return code, os.path.abspath(spec.origin)


def main():
    config = json.loads(os.environ.pop(RUNNER_ENV, "") or "null")
    module = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "-m" else None
    if len(sys.argv) < 2 or sys.argv[1] == "-m" and module is None:
        sys.stderr.write("usage: tasklane_runner.py script.py [args...] | -m module [args...]\n")
        return 2
    if module is not None:
        script = module
        sys.argv = sys.argv[2:]
        sys.path[0] = os.getcwd()
    else:
        script = os.path.abspath(sys.argv[1])
        sys.argv = sys.argv[1:]
        sys.path[0] = os.path.dirname(script)
    tracer = None
    if isinstance(config, dict) and isinstance(config.get("fd"), int):
        try:
            os.fstat(config["fd"])
            max_events = config.get("maxEvents")
            cap = max_events if isinstance(max_events, int) and max_events >= 0 else None
            tracer = Tracer(Sink(config["fd"], config.get("flushMs", 20), cap), script, module)
            install(tracer)
            reserve(config["fd"])
            stand_in_for_uvloop()
        except Exception:
            tracer = None

    def finish(reason, code, sig="", message="", site=""):
        if tracer is not None:
            try:
                tracer.finish(reason, code, sig, message, site)
            except Exception:
                pass

    def end_by(signum, _frame):
        """What the default action of SIGTERM or SIGINT does, with the trace complete."""
        name = signal.Signals(signum).name
        finish("signal", None, name, "terminated by " + name)
        set_signal_handler(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    if tracer is not None:
        watch_signals(tracer, {
            signal.SIGTERM: {signal.SIG_DFL: end_by},
            signal.SIGINT: {signal.default_int_handler: signal.default_int_handler, signal.SIG_DFL: end_by},
        })

    if module is None:
        with open(script, "rb") as source_file:
            source = source_file.read()
    sys.modules["__main__"] = main_module = type(sys)("__main__")
    try:
        if module is not None:
            code, script = module_code(module, main_module)
        else:
            main_module.__dict__.update({"__file__": script, "__builtins__": __builtins__, "__package__": None, "__spec__": None, "__loader__": None, "__cached__": None})
            code = compile(source, script, "exec")
        exec(code, main_module.__dict__)
    except ModuleNotRunnable as exc:
        finish("exception", 1, "", str(exc))
        sys.stderr.write("%s: %s\n" % (sys.executable, exc))  # as `python -m` says it
        return 1
    except SystemExit as exc:
        status = exc.code
        exit_code = 0 if status is None else int(status) if isinstance(status, int) else 1  # sys.exit(True), as unittest.main() does, is 1
        finish("exit", exit_code)
        raise
    except KeyboardInterrupt as exc:
        message, site = describe_error(exc)
        finish("signal", None, "SIGINT", "interrupted (KeyboardInterrupt)", site)
        show_traceback(exc, script, module is not None)
        set_signal_handler(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    except BaseException as exc:
        message, site = describe_error(exc)
        finish("exception", 1, "", message, site)
        show_traceback(exc, script, module is not None)
        return 1
    finish("exit", 0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
