"""Work the runner does on a module as it is imported, for modules it patches only where a program
uses them: importing them itself would cost every program's start and change what a program finds
in sys.modules (a process pool's module brings in multiprocessing)."""

import sys


class _AfterImport:
    """A finder first on sys.meta_path that finds nothing itself: for a module some work waits on,
    it has the finders after it find the module, and does the work once the module's code has run."""

    def __init__(self):
        self.waiting = {}  # module name -> what to call with the module once imported

    def find_spec(self, fullname, path, target=None):
        if fullname not in self.waiting:
            return None
        spec = None
        for finder in sys.meta_path:
            find_spec = getattr(finder, "find_spec", None) if finder is not self else None
            spec = find_spec(fullname, path, target) if find_spec is not None else None
            if spec is not None:
                break
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_work(module):
            exec_module(module)
            for work in self.waiting.pop(fullname, ()):
                try:
                    work(module)
                except Exception:
                    pass  # the runner's work never stops the program's import

        spec.loader.exec_module = exec_then_work
        return spec


_after_import = _AfterImport()


def after_import(name, work):
    """Calls work(module) with the module called `name` now if it is imported already, else as soon
    as it is."""
    module = sys.modules.get(name)
    if module is not None:
        work(module)
        return
    _after_import.waiting.setdefault(name, []).append(work)
    if _after_import not in sys.meta_path:
        sys.meta_path.insert(0, _after_import)


def forget_imports():
    """No more work on modules imported from now (a forked child runs untraced)."""
    _after_import.waiting.clear()
