"""Words that tell what a spend file's text column holds, whatever its header says.

An expense type (what was bought: the ledger's subjective account) and an expense area (who bought it: a
service, directorate or cost centre) are both short text, so their shape cannot tell them apart, and real
files swap their headers (issue 16: the NHS Newham file heads its types "Expense area"). Their words can:
types name goods, services and payments ("Rent", "Drugs", "Hcare Srv Rec NHS Trust-Contract"), areas name
parts of an organisation ("ACUTE COMMISSIONING", "Adult Social Care", "Estates"). The lists are the usual
words of UK public-sector ledgers (CIPFA subjective and service analyses, NHS cost centres); on the 21 real
files in the shared data every correctly headed type column leans to types and every area column to areas.
"""

from __future__ import annotations

import re

TYPE_WORDS = frozenset(
    str.split("""
    contract contracts cont fees fee rent rents rates supplies supply equipment maintenance repairs repair drugs drug
    prescribing staff agency locum pension pensions payment payments purchase purchases materials furniture water
    utilities utility cleaning consultancy consultants professional prof hcare srv rec baseline cost costs grant grants
    subsidies subsidy software licences licence hardware travel insurance catering postage stationery printing
    training legal audit energy electricity gas fuel vehicle vehicles hire telephone telephones subscriptions
    subscription charges charge fixtures fittings plant provisions creditors accrual accruals gms pms apms des qof
    premises notional pco voids placements allowances wages salaries salary instruments appliances dressings
    consumables reagents uniforms laundry food expenses recharge reimbursement contribution contributions levy
""")
)
AREA_WORDS = frozenset(
    str.split("""
    commissioning commissioned directorate directorates department departments depts dept division divisions team
    teams unit units programme programmes projects project acute community communities mental children childrens
    child adult adults social wellbeing corporate estates facilities finance sheet executive nursing pathology
    pharmacy theatres surgery medicine medical primary delegated highways housing leisure culture environment
    transport education schools economy chc public ambulance maternity paediatrics radiology emergency outpatients
    wards ward clinic neighbourhood neighbourhoods regeneration planning governance strategy board office offices
    resources workforce quality safety operations locality localities borough city countryside parks libraries
    museums sport waste recycling
""")
)
_WORD = re.compile(r"[a-z]+")


def word_kind(value: str) -> str | None:
    """'type' or 'area' when the value's words are only of one kind, else None."""
    words = set(_WORD.findall(value.lower()))
    is_type, is_area = bool(words & TYPE_WORDS), bool(words & AREA_WORDS)
    if is_type == is_area:
        return None
    return "type" if is_type else "area"
