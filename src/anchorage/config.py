"""Workspace config: the collaborative, its place and tiers, its anchors and exclusion rules (TOML)."""

from __future__ import annotations

import enum
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import tomli_w

from anchorage.core.errors import ConfigError, UnknownAnchorError


class AnchorType(enum.StrEnum):
    council = "council"
    nhs_trust = "nhs-trust"
    college = "college"
    housing_association = "housing-association"
    university = "university"
    other = "other"


ANCHOR_TYPES = tuple(t.value for t in AnchorType)
LAD_CODE = re.compile(r"^[EWSN]\d{8}$")
TIERS = ("local", "sub-region", "region", "uk", "abroad", "unknown")
UK_COUNTRY_CODES = ("E92000001", "W92000004", "S92000003", "N92000002")


@dataclass
class Anchor:
    name: str
    type: str
    slug: str = ""
    contact_email: str = (
        ""  # the procurement team's address, shown to suppliers on the public opportunities
    )
    contact_page: str = ""  # or its web page (https://...)
    # Other names and identifiers its notices use as buyer (OCDS / Contracts Finder), e.g. "Lewisham Council"
    # or "GB-LAC-E09000023": multi-buyer files file those releases under this anchor.
    buyers: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.slug:
            self.slug = slugify(self.name)


@dataclass
class ExclusionRule:
    """A payment that is not procurement (CLES): matched by regex on supplier name or category."""

    name: str
    field: str  # "supplier" or "category"
    pattern: str
    enabled: bool = True


DEFAULT_EXCLUSIONS = [
    ExclusionRule(
        "HMRC and taxes", "supplier", r"\bHMRC\b|\bH ?M REVENUE|INLAND REVENUE|REVENUE AND CUSTOMS"
    ),
    ExclusionRule(
        "Pension funds", "supplier", r"PENSION FUND|PENSIONS? SCHEME|\bLGPS\b|NHS PENSIONS"
    ),
    ExclusionRule(
        "Other public bodies",
        "supplier",
        r"^(LONDON BOROUGH OF|ROYAL BOROUGH OF|.* (CITY|COUNTY|BOROUGH|DISTRICT) COUNCIL$)|"
        r"\bNHS (TRUST|FOUNDATION TRUST|ENGLAND)\b|NHS BUSINESS SERVICES|POLICE|"
        r"\bDEPARTMENT FOR\b|\bMINISTRY OF\b|\bGREATER LONDON AUTHORITY\b|\bTRANSPORT FOR LONDON\b",
    ),
    ExclusionRule(
        "Salaries, payroll and benefits",
        "category",
        r"SALAR|PAYROLL|WAGES|PENSION|NATIONAL INSURANCE|\bPAYE\b|BENEFIT PAYMENTS|HOUSING BENEFIT",
    ),
    ExclusionRule("Grants", "category", r"\bGRANTS?\b"),
    ExclusionRule(
        "Taxes and levies", "category", r"\bVAT\b|\bTAX(ES)?\b|\bLEVY\b|BUSINESS RATES|PRECEPT"
    ),
]


@dataclass
class Place:
    """Where 'local' is, and the concentric tiers around it (LAD codes; region is an ONS RGN code)."""

    local: list[str]
    sub_region: list[str] = field(default_factory=list)
    region: str = ""
    name: str = ""


class Engine(enum.StrEnum):
    """Where the analysis, linking and lake run."""

    duckdb = "duckdb"
    spark = "spark"


ENGINES = tuple(e.value for e in Engine)
MEMORY = re.compile(r"^\d+[kmgt]?$", re.IGNORECASE)


@dataclass
class Compute:
    """Where the analysis runs: DuckDB in-process (default) or a Spark session (local, a cluster or Spark
    Connect), reading the workspace's lake. See docs/scaling.md."""

    engine: str = "duckdb"
    spark_master: str = "local[2]"  # local[N], spark://host:7077, yarn, k8s://...
    spark_remote: str = ""  # a Spark Connect address, sc://host:15002; used instead of spark_master
    driver_memory: str = "2g"
    executor_memory: str = "2g"
    shuffle_partitions: int = 4
    lake: str = (
        ""  # where `lake export` writes and Spark reads; empty: the lake/ folder of the workspace
    )
    start_timeout_seconds: int = 120  # a Spark session that has not started by then is given up
    timeout_minutes: int = 240  # a Spark run still going after this is stopped, never left hanging


SECURITY = ("starttls", "ssl", "none")


@dataclass
class Mail:
    """How Anchorage sends email (invitations, resets, confirmations, booking notices). With no host, each
    message is written to the workspace's outbox/ folder instead. The password is never kept in the config:
    it is read from the ANCHORAGE_SMTP_PASSWORD environment variable."""

    host: str = ""  # e.g. smtp.office365.com; empty: write messages to outbox/
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none (none only for a relay on the same machine)
    username: str = ""  # empty: no login
    sender: str = ""  # e.g. "Lewisham Anchor Network <anchors@lewisham.gov.uk>"; empty: no-reply@anchorage.invalid
    timeout_seconds: int = 20


@dataclass
class Config:
    collaborative: str
    place: Place
    anchors: list[Anchor] = field(default_factory=list)
    exclusions: list[ExclusionRule] = field(default_factory=lambda: list(DEFAULT_EXCLUSIONS))
    imd_version: str = "2019"
    records_url: str = ""  # empty: SQLite file in the workspace
    workforce: dict[str, Any] = field(default_factory=dict)  # read by anchorage.workforce.settings
    reference: dict[str, Any] = field(
        default_factory=dict
    )  # [reference.sources.X] overrides, see reference/fetch
    compute: Compute = field(default_factory=Compute)
    mail: Mail = field(default_factory=Mail)

    def anchor(self, name_or_slug: str) -> Anchor:
        key = slugify(name_or_slug)
        for a in self.anchors:
            if a.slug == key or a.name.lower() == name_or_slug.lower():
                return a
        known = ", ".join(a.name for a in self.anchors) or "none yet"
        raise UnknownAnchorError(
            f'There is no anchor called "{name_or_slug}" in this workspace (anchors: {known}).',
            web_fix="Choose one of the anchors listed; the collaborative admin can add a new one.",
            fix=f'Add it with: anchorage org add "{name_or_slug}" --type council',
        )

    def add_anchor(self, name: str, type_: str) -> Anchor:
        if type_ not in ANCHOR_TYPES:
            raise ConfigError(
                [f'anchor type "{type_}" must be one of {", ".join(ANCHOR_TYPES)}'], "org add"
            )
        anchor = Anchor(name=name, type=type_)
        if any(a.slug == anchor.slug for a in self.anchors):
            raise ConfigError([f'an anchor called "{name}" already exists'], "org add")
        self.anchors.append(anchor)
        return anchor


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def validate(cfg: Config) -> list[str]:
    """Every problem in the config, not just the first."""
    problems: list[str] = []
    if not cfg.collaborative.strip():
        problems.append("collaborative name is empty")
    if not cfg.place.local:
        problems.append("place.local needs at least one local-authority code, e.g. E09000012")
    for code in [*cfg.place.local, *cfg.place.sub_region]:
        if not LAD_CODE.match(code):
            problems.append(f'"{code}" is not a local-authority code (like E09000012)')
    if cfg.place.region and not re.match(r"^[EWSN]\d{8}$", cfg.place.region):
        problems.append(
            f'place.region "{cfg.place.region}" is not an ONS region code (like E12000007)'
        )
    for a in cfg.anchors:
        if a.type not in ANCHOR_TYPES:
            problems.append(
                f'anchor "{a.name}" has type "{a.type}"; use one of {", ".join(ANCHOR_TYPES)}'
            )
        if a.contact_page and not a.contact_page.startswith("https://"):
            problems.append(
                f'anchor "{a.name}": contact_page must be a web address starting https://'
            )
    for r in cfg.exclusions:
        if r.field not in ("supplier", "category"):
            problems.append(f'exclusion "{r.name}": field must be "supplier" or "category"')
        try:
            re.compile(r.pattern)
        except re.error as exc:
            problems.append(
                f'exclusion "{r.name}": pattern is not a valid regular expression ({exc})'
            )
    if cfg.imd_version not in ("2019", "2025"):
        problems.append('imd_version must be "2019" or "2025"')
    return problems + compute_problems(cfg.compute) + mail_problems(cfg.mail)


def mail_problems(m: Mail) -> list[str]:
    """Every problem in the [mail] section."""
    problems: list[str] = []
    if m.security not in SECURITY:
        problems.append(f'mail.security "{m.security}" must be one of {", ".join(SECURITY)}')
    if not isinstance(m.port, int) or isinstance(m.port, bool) or not 0 < m.port < 65536:
        problems.append(f"mail.port must be a port number from 1 to 65535 (it is {m.port!r})")
    if (
        not isinstance(m.timeout_seconds, int)
        or isinstance(m.timeout_seconds, bool)
        or m.timeout_seconds < 1
    ):
        problems.append(
            f"mail.timeout_seconds must be a whole number of at least 1 (it is {m.timeout_seconds!r})"
        )
    if m.sender and "@" not in m.sender:
        problems.append(
            f'mail.sender "{m.sender}" is not an email address (like "Anchors <anchors@example.gov.uk>")'
        )
    return problems


def compute_problems(c: Compute) -> list[str]:
    """Every problem in the [compute] section."""
    problems: list[str] = []
    if c.engine not in ENGINES:
        problems.append(f'compute.engine "{c.engine}" must be one of {", ".join(ENGINES)}')
    if c.spark_remote and not re.match(r"^sc://[^/:]+(:\d+)?(/.*)?$", c.spark_remote):
        problems.append(
            f'compute.spark_remote "{c.spark_remote}" is not a Spark Connect address (like sc://host:15002)'
        )
    if not re.match(
        r"^(local(\[(\d+|\*)\])?|spark://[^/]+|yarn|k8s://.+|mesos://.+)$", c.spark_master
    ):
        problems.append(
            f'compute.spark_master "{c.spark_master}" is not a Spark master (like local[2] or spark://host:7077)'
        )
    for name in ("driver_memory", "executor_memory"):
        value = getattr(c, name)
        if not isinstance(value, str) or not MEMORY.match(value):
            problems.append(
                f'compute.{name} "{value}" is not an amount of memory (like 4g or 512m)'
            )
    for name in ("shuffle_partitions", "start_timeout_seconds", "timeout_minutes"):
        value = getattr(c, name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(
                f"compute.{name} must be a whole number of at least 1 (it is {value!r})"
            )
    return problems


def load(path: Path) -> Config:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], str(path)) from None
    try:
        place = Place(**raw.get("place", {}))
        cfg = Config(
            collaborative=raw.get("collaborative", ""),
            place=place,
            anchors=[Anchor(**a) for a in raw.get("anchors", [])],
            exclusions=[ExclusionRule(**r) for r in raw["exclusions"]]
            if "exclusions" in raw
            else list(DEFAULT_EXCLUSIONS),
            imd_version=str(raw.get("imd_version", "2019")),
            records_url=raw.get("records_url", ""),
            workforce=dict(raw.get("workforce", {})),
            reference=dict(raw.get("reference", {})),
            compute=Compute(**raw.get("compute", {})),
            mail=Mail(**raw.get("mail", {})),
        )
    except TypeError as exc:
        raise ConfigError([f"unexpected setting: {exc}"], str(path)) from None
    problems = validate(cfg)
    if problems:
        raise ConfigError(problems, str(path))
    return cfg


def save(cfg: Config, path: Path) -> None:
    problems = validate(cfg)
    if problems:
        raise ConfigError(problems, str(path))
    data: dict[str, Any] = asdict(cfg)
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
