"""Policy data for the rules engine: programme defaults, one file per member state, schemas.

Nothing here is code: the files are read with :mod:`importlib.resources` by
:mod:`relocard.core.rules.policy`, so that they ship inside the wheel. Values are
configuration, not law: every value names its source.
"""
