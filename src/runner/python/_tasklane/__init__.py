"""Tasklane's tracer for Python asyncio, imported by tasklane_runner.py."""
