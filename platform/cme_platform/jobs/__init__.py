"""Background jobs: one queue (SAQ) for every long or scheduled piece of work, on any number of workers.

- :mod:`.kinds`: what a job kind declares (:class:`JobKind`) and the context a running job gets.
- :mod:`.queue`: the queue of the configured database (SAQ's PostgreSQL queue, or :mod:`.sqlite_queue`
  for the embedded SQLite default), how a job is enqueued and cancelled, and what happens when SAQ
  gives one up.
- :mod:`.worker`: the worker (``cme worker``, or inside ``cme serve`` / ``cme demo``).

Kinds are contributed through the ``cme_job_kinds`` start-up hook; the core's own (people imports,
compliance recomputation, the daily announcement of credits that start to count) come from its default
plugin. docs/jobs.md tells how to add one.
"""
