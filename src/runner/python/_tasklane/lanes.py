"""Event loops running in several threads at once, each on a loop lane of its own.

Until a loop runs outside the main thread the tracer keeps one loop's state (the step under way,
since when the loop is idle) in plain attributes, every record is the main thread's, and a step's
run and the loop's idleness are written late, when what follows is known. Then the tracer and its
encoder take on the classes that keep that state by thread (Tracer.threaded_step_hook): each
thread's records go on its own lane (a LOOP record says whose they are), and a step's run and the
idleness after it are written as they happen, since other threads write records meanwhile and a
record is timed no earlier than the one before it.
"""

from threading import get_ident


class LoopLanes:
    """The lane of each thread that runs a loop or makes tasks (0: the main thread's), and the
    step under way there, by thread ident. The flusher thread (`flusher_ident()`) gets none: what
    it writes (the ends of tasks collected meanwhile) belongs to no loop."""

    def __init__(self, main_thread, current, flusher_ident):
        self.index = {main_thread: 0}
        self.current = {main_thread: current}
        self.flusher_ident = flusher_ident

    def index_here(self):
        """The calling thread's lane, given it if it has none; None for the flusher thread."""
        ident = get_ident()
        index = self.index.get(ident)
        if index is None and ident != self.flusher_ident():
            index = self.index[ident] = len(self.index)
        return index
