"""The demo's missions: embassies of FR, DE, PL and CY in Moscow and consulates of FR and DE
in St Petersburg, an officer at each (the demo's FR consular officer at the FR embassy),
slots published for next week and a booking window open for registration at each embassy,
all through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta

from relocard.accounts.models import Role, User
from relocard.accounts.services import staff_user_create
from relocard.consular import services as cs

MISSIONS = [
    ("FR", "embassy", "Moscow", "Bolshaya Yakimanka 45, 119049 Moscow"),
    ("FR", "consulate", "St Petersburg", "Naberezhnaya reki Moiki 15, 191186 St Petersburg"),
    ("DE", "embassy", "Moscow", "Mosfilmovskaya 56, 119285 Moscow"),
    ("DE", "consulate", "St Petersburg", "Furshtatskaya 39, 191123 St Petersburg"),
    ("PL", "embassy", "Moscow", "Klimashkina 4, 123557 Moscow"),
    ("CY", "embassy", "Moscow", "Povarskaya 9, 121069 Moscow"),
]
TIMES = [time(9, 0), time(9, 30), time(10, 0), time(10, 30), time(11, 0)]


def seed_missions(
    *,
    fr_officer: User,
    password: Callable[[], str],
    totp: Callable[[User], str],
    domain: str,
) -> list[tuple[str, ...]]:
    creds: list[tuple[str, ...]] = []
    for ms, kind, city, address in MISSIONS:
        mission = cs.mission_create(
            actor=None, member_state=ms, kind=kind, city=city, address=address
        )
        if ms == "FR" and kind == "embassy":
            officer = fr_officer
        else:
            email = f"consular.{ms.lower()}.{city.split()[-1].lower()}@{domain}"
            secret = password()
            officer = staff_user_create(
                actor=None, email=email, password=secret, role=Role.CONSULAR_OFFICER,
                member_state=ms,
            )  # fmt: skip
            creds.append((f"consular_officer {ms} {city}", email, secret, totp(officer)))
        cs.mission_officer_assign(actor=None, user=officer, mission=mission)
        if kind != "embassy":
            continue
        today = mission.today()
        first = today + timedelta(days=7)
        days = [first + timedelta(days=n) for n in range(5)]
        for day in days:
            if day.isoweekday() in mission.weekdays:
                cs.slots_publish(actor=officer, mission=mission, day=day, times=TIMES, per_time=2)
        cs.window_open(
            actor=officer,
            mission=mission,
            first_day=days[0],
            last_day=days[-1],
            closes_at=datetime.combine(today + timedelta(days=3), time(18), tzinfo=mission.zone),
        )
    return creds
