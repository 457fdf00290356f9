"""The 27 member states for the reference table (from :mod:`relocard.core.eu`), and where the
programme starts."""

from relocard.core.eu import MEMBER_STATES

#: (code, English name, Russian name, time zone), as the data migration loads them.
EU27 = [tuple(m) for m in MEMBER_STATES]

#: Where the programme starts: the four countries of the survey behind the proposal.
PROGRAMME_LAUNCH = ("FR", "DE", "PL", "CY")
