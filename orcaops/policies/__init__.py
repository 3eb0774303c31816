"""Run policies: per-key defaults for ``orcaops run`` that applied recommendations set.

Applying a timeout or memory recommendation (``Warehouse.apply_recommendation``) stores a
policy for the job's ``baseline_key``; ``orcaops run`` without ``--timeout``/``--memory``
uses it and notes it in the run's ``metadata.policy``. Every change is a row of the
``actions`` table (``policy_apply``/``policy_rollback``, its evidence as JSON in ``note``),
read back through the ``policy_history`` view. After each run under a policy its runs are
compared with the runs before it (``judge``) and a policy that made things worse rolls back
by itself, with a notification (``notify``).

``Policies`` (service.py) is what the Warehouse holds and forwards to.
"""
