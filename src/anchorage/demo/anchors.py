"""The five fictional anchors of the demo collaborative and their own category labels."""

from __future__ import annotations

from dataclasses import dataclass, field

# Non-procurement payees that the CLES exclusion rules should catch.
HMRC = "HM Revenue & Customs"
LPFA = "London Pension Fund Authority"
RBG = "Royal Borough of Greenwich"
NHSBSA = "NHS Business Services Authority"
VCSE_GRANT = ""  # payee drawn from the VCSE suppliers


@dataclass(frozen=True)
class AnchorSpec:
    """Static description of one anchor: identity, share, categories and areas."""

    key: str
    name: str
    anchor_type: str
    share: float
    categories: dict[str, tuple[float, tuple[str, ...]]]
    non_procurement: tuple[tuple[str, str, float], ...]
    areas: tuple[str, ...]
    coverage: float  # share of the universe this anchor buys from
    local_boost: float
    house_styles: tuple[int, ...]
    capital: frozenset[str] = field(default_factory=frozenset)


COUNCIL = AnchorSpec(
    key="council",
    name="Lewisham Council",
    anchor_type="council",
    share=0.40,
    categories={
        "catering": (1.0, ("Catering", "School Meals")),
        "concessions": (0.5, ("Concessions",)),
        "cleaning": (1.0, ("Cleaning & Domestic Supplies", "Contract Cleaning")),
        "construction": (
            3.0,
            ("Building Repairs & Maintenance", "Capital Works - Buildings", "Highways Maintenance"),
        ),
        "agency": (2.0, ("Agency Staff",)),
        "it": (1.0, ("IT Software", "IT Hardware", "IT Services")),
        "consultancy": (1.0, ("Consultancy", "Professional Fees")),
        "clinical": (0.2, ("Public Health - Clinical Services",)),
        "drugs": (0.1, ("Public Health - Substance Misuse",)),
        "care": (
            4.0,
            (
                "Residential Care",
                "Domiciliary Care",
                "Supported Living",
                "Foster Care - Independent",
            ),
        ),
        "transport": (1.0, ("Transport - Contract Hire", "Taxis & Minicabs")),
        "security": (0.5, ("Security",)),
        "grounds": (0.7, ("Grounds Maintenance",)),
        "education": (1.0, ("Training", "Education - Independent Schools")),
        "utilities": (0.5, ("Energy", "Water")),
        "legal": (0.5, ("Legal Fees",)),
        "office": (0.7, ("Stationery", "Printing", "Postage")),
        "waste": (0.7, ("Waste Disposal",)),
        "community": (1.5, ("Voluntary Sector Contracts", "Youth Services")),
    },
    non_procurement=(
        (HMRC, "Tax & National Insurance", 0.25),
        (LPFA, "Pension Contributions", 0.25),
        (RBG, "Payments to Other Local Authorities", 0.2),
        (VCSE_GRANT, "Grants to voluntary organisations", 0.3),
    ),
    areas=(
        "Adult Social Care",
        "Children & Young People",
        "Community Services",
        "Housing",
        "Environment",
        "Corporate Resources",
        "Public Health",
        "Regeneration & Place",
        "Chief Executive's",
    ),
    coverage=0.65,
    local_boost=1.6,
    house_styles=(1, 1, 2),
    capital=frozenset({"Capital Works - Buildings", "Highways Maintenance", "IT Hardware"}),
)

ACUTE = AnchorSpec(
    key="acute",
    name="Lewisham and Greenwich NHS Trust",
    anchor_type="nhs-trust",
    share=0.25,
    categories={
        "catering": (1.0, ("Catering - Provisions", "Catering - Contract")),
        "concessions": (0.4, ("Retail concessions",)),
        "cleaning": (1.0, ("Cleaning - Contract", "Domestic Services")),
        "construction": (2.0, ("Estates - Maintenance", "Capital - Building Works")),
        "agency": (2.5, ("Agency Staff - Nursing", "Agency Staff - Medical", "Agency Staff - AHP")),
        "it": (1.2, ("IT - Software Licences", "IT - Hardware", "IT - Services")),
        "consultancy": (0.8, ("Consultancy",)),
        "clinical": (
            4.0,
            (
                "Clinical Supplies",
                "Medical & Surgical Equipment",
                "Pathology - Reagents",
                "Radiology - Equipment",
            ),
        ),
        "drugs": (3.0, ("Drugs", "Drugs - Homecare")),
        "care": (0.3, ("Purchase of Healthcare - Non-NHS",)),
        "transport": (0.8, ("Patient Transport",)),
        "security": (0.5, ("Security Services",)),
        "utilities": (0.6, ("Utilities - Electricity", "Utilities - Gas", "Utilities - Water")),
        "legal": (0.3, ("Legal Fees",)),
        "office": (0.4, ("Printing & Stationery",)),
        "waste": (0.5, ("Clinical Waste",)),
        "education": (0.3, ("Training & Education",)),
    },
    non_procurement=((HMRC, "Tax & NI", 0.5), (NHSBSA, "NHS Pension Scheme Contributions", 0.5)),
    areas=(
        "Estates & Facilities",
        "Pharmacy",
        "Theatres & Anaesthetics",
        "Emergency Medicine",
        "Medicine",
        "Surgery",
        "Women's & Children's",
        "Clinical Support",
        "IT & Digital",
        "Corporate",
    ),
    coverage=0.4,
    local_boost=1.0,
    house_styles=(0, 7),
)

COMMUNITY = AnchorSpec(
    key="community",
    name="South London Community and Mental Health Trust",
    anchor_type="nhs-trust",
    share=0.15,
    categories={
        "catering": (0.8, ("Provisions", "Catering Contract")),
        "concessions": (0.3, ("Concessions - Retail",)),
        "cleaning": (0.8, ("Cleaning Services",)),
        "construction": (1.5, ("Premises - Maintenance", "Premises - Capital")),
        "agency": (3.0, ("Bank & Agency Staff - Nursing", "Agency Staff - Medical")),
        "it": (1.0, ("Computer Software", "Computer Hardware")),
        "consultancy": (0.8, ("Consultancy Services",)),
        "clinical": (1.5, ("Medical & Surgical Equipment", "Clinical Supplies & Services")),
        "drugs": (1.5, ("Drugs",)),
        "care": (2.0, ("Purchase of Healthcare from Non-NHS", "Secure Placements")),
        "transport": (1.0, ("Taxis", "Patient Travel")),
        "security": (0.5, ("Security",)),
        "utilities": (0.4, ("Utilities",)),
        "legal": (0.5, ("Legal Fees",)),
        "office": (0.5, ("Printing & Stationery",)),
        "community": (1.0, ("Voluntary Sector Services",)),
        "education": (0.4, ("Training",)),
    },
    non_procurement=((HMRC, "PAYE & NI", 0.5), (NHSBSA, "Pension Contributions", 0.5)),
    areas=(
        "Adult Mental Health",
        "Children & Young People's Services",
        "Community Health Services",
        "Forensic Services",
        "Estates",
        "Pharmacy",
        "Corporate Services",
        "Learning Disabilities",
    ),
    coverage=0.35,
    local_boost=1.2,
    house_styles=(7, 7, 0),
    capital=frozenset({"Premises - Capital"}),
)

COLLEGE = AnchorSpec(
    key="college",
    name="Lewisham College",
    anchor_type="college",
    share=0.08,
    categories={
        "catering": (1.0, ("Catering supplies",)),
        "concessions": (0.6, ("Catering concession", "Vending concession")),
        "cleaning": (1.0, ("Cleaning",)),
        "construction": (2.0, ("Premises maintenance", "Capital building works")),
        "agency": (1.5, ("Agency staff",)),
        "it": (1.5, ("Software licences", "IT equipment")),
        "consultancy": (0.7, ("Consultancy",)),
        "education": (3.0, ("Subcontracted provision", "Examination fees", "Learning resources")),
        "security": (0.5, ("Security",)),
        "utilities": (0.5, ("Utilities",)),
        "office": (0.7, ("Printing & stationery",)),
        "community": (0.5, ("Student support services",)),
        "transport": (0.4, ("Travel",)),
        "legal": (0.2, ("Legal fees",)),
        "grounds": (0.3, ("Grounds maintenance",)),
    },
    non_procurement=((HMRC, "PAYE & NI", 0.6), (LPFA, "LGPS employer contributions", 0.4)),
    areas=(),
    coverage=0.2,
    local_boost=1.4,
    house_styles=(0, 5),
)

HOUSING = AnchorSpec(
    key="housing",
    name="Riverside Homes",
    anchor_type="housing-association",
    share=0.12,
    categories={
        "catering": (0.4, ("Catering",)),
        "concessions": (0.2, ("Concessions",)),
        "cleaning": (1.5, ("Communal Cleaning",)),
        "construction": (
            5.0,
            (
                "Responsive Repairs",
                "Planned Maintenance",
                "Void Works",
                "Major Works - Capital",
                "Gas Servicing",
            ),
        ),
        "agency": (1.0, ("Agency Staff",)),
        "it": (0.8, ("IT",)),
        "consultancy": (0.7, ("Consultancy",)),
        "care": (0.8, ("Supported Housing - Care",)),
        "security": (0.5, ("Security & Door Entry",)),
        "grounds": (1.5, ("Grounds Maintenance",)),
        "utilities": (0.8, ("Utilities - Communal",)),
        "legal": (0.6, ("Legal",)),
        "office": (0.3, ("Office Costs",)),
        "waste": (0.5, ("Bulk Waste Removal",)),
        "community": (0.5, ("Community Investment",)),
    },
    non_procurement=((HMRC, "PAYE", 0.6), (RBG, "Council Tax - Void Properties", 0.4)),
    areas=(
        "REP01 Responsive Repairs",
        "PLM02 Planned Maintenance",
        "VDS03 Voids",
        "HMG04 Housing Management",
        "SUP05 Supported Housing",
        "COR06 Corporate",
        "DEV07 Development",
        "CMI08 Community Investment",
    ),
    coverage=0.3,
    local_boost=1.5,
    house_styles=(2, 1, 0),
)

ANCHORS: tuple[AnchorSpec, ...] = (COUNCIL, ACUTE, COMMUNITY, COLLEGE, HOUSING)
