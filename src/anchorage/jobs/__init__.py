"""Queued long work: loads, supplier resolution, the analysis refresh and report builds (ARCHITECTURE.md).

`queue` keeps jobs in the records database; `worker` runs them, one at a time, in the process that owns the
workspace's warehouse (the web server), or inline in a command-line process when no server runs.
"""
