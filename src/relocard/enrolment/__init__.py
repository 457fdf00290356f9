"""At the mission: biometrics enrolment, the fee and its receipt, the long-stay (D) entry visa,
the card's production and hand-over after a passport check, and the holder's photo.

Services in :mod:`.services` (every write), reads in :mod:`.selectors`, pages in :mod:`.views`.
See docs/mission-desk.md.
"""
