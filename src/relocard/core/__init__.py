"""The pure core of Relocard: no Django import anywhere below this package.

A test (``tests/test_architecture.py``) enforces that nothing here imports Django, directly or
through another module, so that the rules, the presence calculator and the credentials library
can be used from the CLI, from notebooks and from bulk jobs without a web stack.

Subpackages:

* :mod:`relocard.core.rules` - the programme's criteria as code, explained decisions.
* :mod:`relocard.core.residence` - presence days (the three-quarters rule) and Schengen 90/180.
* :mod:`relocard.core.credentials` - RC1 QR payloads, SD-JWT VC, status lists, trust lists.
"""
