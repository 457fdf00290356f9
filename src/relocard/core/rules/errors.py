"""The rules engine's exceptions: one hierarchy, each message says what was wrong and what to do.

::

    RulesError                      base of everything the engine raises on purpose
     +-- RulesInputError            bad input from a caller: facts, country, stage, --set, table
     +-- PolicyError                a policy or test-case file breaks its schema (names file, key)
     +-- ReplayError                a stored stamp no longer matches the policy files
"""

from __future__ import annotations


class RulesError(Exception):
    """Base class of every error the rules engine raises on purpose."""


class RulesInputError(RulesError, ValueError):
    """A caller's input cannot be used: it names the key (or column) and what is expected."""


class PolicyError(RulesError):
    """A policy or test-case file is invalid; the message names the file and the key."""


class ReplayError(RulesError):
    """A decision's stamp cannot be reproduced: the parameters in force have changed since."""
