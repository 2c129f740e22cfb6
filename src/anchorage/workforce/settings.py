"""Workforce settings: suppression, Living Wage rates and apprenticeship/levy rules, each dated.

Defaults are the published rules; a workspace overrides any of them in the `[workforce]` table of
anchorage.toml. Rules are dated so that past years compute by the rules in force at the time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from anchorage.config import Config
from anchorage.core.errors import ConfigError


@dataclass(frozen=True)
class DatedRate:
    """A rate in force from `start` until the next one starts."""

    start: dt.date
    value: Decimal


@dataclass(frozen=True)
class LevyRule:
    """The apprenticeship levy rules in force from `start` (a tax year's 6 April, usually)."""

    start: dt.date
    rate: Decimal = Decimal("0.005")
    allowance: Decimal = Decimal("15000")
    top_up: Decimal = Decimal("0.10")  # government top-up on English levy funds
    transfer_cap: Decimal = Decimal("0.50")
    cap_basis: str = (
        "previous-year"  # funds that entered in the previous tax year, or "current-year"
    )


# London Living Wage (Living Wage Foundation), by the date each rate was announced; employers have
# until the following May to pay it, which a workspace can reflect by moving the dates.
LONDON_LIVING_WAGE = [
    DatedRate(dt.date(2020, 11, 9), Decimal("10.85")),
    DatedRate(dt.date(2021, 11, 15), Decimal("11.05")),
    DatedRate(dt.date(2022, 9, 22), Decimal("11.95")),
    DatedRate(dt.date(2023, 10, 24), Decimal("13.15")),
    DatedRate(dt.date(2024, 10, 22), Decimal("13.85")),
    DatedRate(dt.date(2025, 10, 22), Decimal("14.80")),
]
# Transfers began in April 2018 at 10% of the year's funds, rose to 25% in April 2019 and to 50% of the
# previous year's funds in April 2024.
LEVY_RULES = [
    LevyRule(dt.date(2017, 4, 6), transfer_cap=Decimal("0"), cap_basis="current-year"),
    LevyRule(dt.date(2018, 4, 6), transfer_cap=Decimal("0.10"), cap_basis="current-year"),
    LevyRule(dt.date(2019, 4, 6), transfer_cap=Decimal("0.25"), cap_basis="previous-year"),
    LevyRule(dt.date(2024, 4, 6), transfer_cap=Decimal("0.50"), cap_basis="previous-year"),
]
# Minimum apprenticeship duration in months by start date: 12 until 31 July 2025, 8 from 1 August 2025
# (apprenticeship funding rules 2025 to 2026).
MINIMUM_DURATION_MONTHS = [
    DatedRate(dt.date(2017, 5, 1), Decimal(12)),
    DatedRate(dt.date(2025, 8, 1), Decimal(8)),
]


@dataclass
class WorkforceSettings:
    suppression_threshold: int = 5
    round_to: int = 0  # 0: exact counts; 5: shown counts rounded to the nearest 5
    living_wage: list[DatedRate] = field(default_factory=lambda: list(LONDON_LIVING_WAGE))
    levy_rules: list[LevyRule] = field(default_factory=lambda: list(LEVY_RULES))
    levy_expiry_months: int = 24
    expiry_warning_months: int = 3
    minimum_duration_months: list[DatedRate] = field(
        default_factory=lambda: list(MINIMUM_DURATION_MONTHS)
    )
    pay_bands: dict[str, Decimal] = field(
        default_factory=dict
    )  # band -> hourly rate, for extracts with bands

    def living_wage_on(self, day: dt.date) -> Decimal:
        return rate_on(self.living_wage, day, "London Living Wage")

    def levy_rule_on(self, day: dt.date) -> LevyRule:
        rules = [r for r in sorted(self.levy_rules, key=lambda r: r.start) if r.start <= day]
        if not rules:
            raise ConfigError(
                [f"no levy rule is in force on {day:%d/%m/%Y}"], "[workforce] levy_rules"
            )
        return rules[-1]

    def minimum_duration_on(self, day: dt.date) -> int:
        return int(rate_on(self.minimum_duration_months, day, "minimum apprenticeship duration"))


def rate_on(rates: list[DatedRate], day: dt.date, what: str) -> Decimal:
    """The rate in force on `day`."""
    earlier = [r for r in sorted(rates, key=lambda r: r.start) if r.start <= day]
    if not earlier:
        raise ConfigError(
            [
                f"no {what} is set for {day:%d/%m/%Y} (the earliest starts "
                f"{min(r.start for r in rates):%d/%m/%Y})"
            ],
            "[workforce]",
        )
    return earlier[-1].value


def _date(value: Any, where: str, problems: list[str]) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(f'{where}: "{value}" is not a date (use YYYY-MM-DD)')
        return dt.date.min


def _rates(raw: Any, where: str, problems: list[str]) -> list[DatedRate]:
    out = []
    for i, item in enumerate(raw or []):
        try:
            out.append(
                DatedRate(
                    _date(item["start"], f"{where}[{i}].start", problems),
                    Decimal(str(item["value"])),
                )
            )
        except (KeyError, TypeError, ArithmeticError):
            problems.append(f'{where}[{i}] needs start = "YYYY-MM-DD" and value = a number')
    return out


def workforce_settings(cfg: Config) -> WorkforceSettings:
    """Settings from the workspace's [workforce] table over the defaults; all problems reported at once."""
    raw = dict(cfg.workforce)
    problems: list[str] = []
    s = WorkforceSettings()
    known = {f.name for f in fields(WorkforceSettings)}
    for key in raw:
        if key not in known:
            problems.append(
                f'"{key}" is not a workforce setting (settings: {", ".join(sorted(known))})'
            )
    for key in ("suppression_threshold", "round_to", "levy_expiry_months", "expiry_warning_months"):
        if key in raw:
            value = raw[key]
            if not isinstance(value, int) or value < 0:
                problems.append(f"{key} must be a whole number of at least 0 (it is {value!r})")
            else:
                setattr(s, key, value)
    if s.suppression_threshold < 1:
        problems.append("suppression_threshold must be at least 1")
    for key in ("living_wage", "minimum_duration_months"):
        if key in raw:
            setattr(s, key, _rates(raw[key], f"workforce.{key}", problems))
    for band, rate in dict(raw.get("pay_bands", {})).items():
        try:
            s.pay_bands[str(band)] = Decimal(str(rate))
        except ArithmeticError:
            problems.append(f'pay_bands: "{band}" = {rate!r} is not an hourly rate')
    if "levy_rules" in raw:
        rules = []
        for i, item in enumerate(raw["levy_rules"] or []):
            try:
                item = dict(item)
                start = _date(item.pop("start"), f"workforce.levy_rules[{i}].start", problems)
                basis = item.get("cap_basis", "previous-year")
                if basis not in ("previous-year", "current-year"):
                    problems.append(
                        f'workforce.levy_rules[{i}].cap_basis must be "previous-year" or "current-year"'
                    )
                numbers = {k: Decimal(str(v)) for k, v in item.items() if k != "cap_basis"}
                rules.append(LevyRule(start, cap_basis=str(basis), **numbers))
            except (KeyError, TypeError, ArithmeticError) as exc:
                problems.append(f"workforce.levy_rules[{i}] is not a levy rule ({exc})")
        s.levy_rules = rules
    if problems:
        raise ConfigError(problems, "anchorage.toml [workforce]")
    return s


def settings_to_toml(s: WorkforceSettings) -> dict[str, Any]:
    """The settings as a [workforce] table (dates ISO, numbers as strings where exact)."""
    rates = lambda rs: [{"start": r.start.isoformat(), "value": str(r.value)} for r in rs]  # noqa: E731
    return {
        "suppression_threshold": s.suppression_threshold,
        "round_to": s.round_to,
        "levy_expiry_months": s.levy_expiry_months,
        "expiry_warning_months": s.expiry_warning_months,
        "pay_bands": {k: str(v) for k, v in s.pay_bands.items()},
        "living_wage": rates(s.living_wage),
        "minimum_duration_months": rates(s.minimum_duration_months),
        "levy_rules": [
            {
                "start": r.start.isoformat(),
                "rate": str(r.rate),
                "allowance": str(r.allowance),
                "top_up": str(r.top_up),
                "transfer_cap": str(r.transfer_cap),
                "cap_basis": r.cap_basis,
            }
            for r in s.levy_rules
        ],
    }
