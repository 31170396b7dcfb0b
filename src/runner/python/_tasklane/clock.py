"""The tracer's clocks, out of reach of a program's fake ones.

freezegun (and its like) replace time's functions, and every module attribute that is one of them,
so a program that froze the time froze the trace's too, and its times ran backwards. A partial of
the function is no attribute they look for (3 ns more a read)."""

import functools
import time

perf_counter_ns = functools.partial(time.perf_counter_ns)
monotonic = functools.partial(time.monotonic)
