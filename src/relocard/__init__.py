"""Relocard: the platform that runs the EU relocatee-card programme end to end.

The package has two halves:

* :mod:`relocard.core` is pure Python (no Django): rules as code, presence-day counting,
  signed credentials. It can be used and tested on its own.
* the Django apps around it (accounts, cases, cards, audit, portal, console) are a thin shell:
  views parse input, call a service or selector, and render.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
