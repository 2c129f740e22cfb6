"""The words the demo's fictional suppliers are made of: sectors, places, surnames, trading names, countries,
and how kinds of supplier spread across sectors and distances (suppliers_gen.py draws from them)."""

from __future__ import annotations

SECTORS = (
    "catering", "concessions", "cleaning", "construction", "agency", "it", "consultancy",
    "clinical", "drugs", "care", "transport", "security", "grounds", "education",
    "utilities", "legal", "office", "waste", "community",
)
SECTOR_INDEX = {s: i for i, s in enumerate(SECTORS)}
# Share of non-VCSE suppliers in each sector (community is VCSE only).
_BUSINESS_SECTOR_SHARE = (
    0.07, 0.03, 0.06, 0.16, 0.06, 0.08, 0.08, 0.08, 0.03, 0.10,
    0.05, 0.03, 0.03, 0.05, 0.01, 0.03, 0.04, 0.01, 0.0,
)
_VCSE_SECTOR_SHARE = {"community": 0.5, "care": 0.2, "education": 0.15, "catering": 0.1,
                      "concessions": 0.05}

_ABROAD_SECTORS = ("it", "it", "clinical", "drugs", "consultancy", "education", "office")

SME, LARGE, VCSE = 0, 1, 2
LOCAL, SUBREGION, REGION, REST_UK, ABROAD, UNKNOWN = range(6)
# P(geography band | supplier kind); marginals come out near 30/10/20/30/3/7 %.
_BAND_PROBS = {
    SME: (0.367, 0.121, 0.144, 0.283, 0.005, 0.080),
    LARGE: (0.05, 0.05, 0.35, 0.40, 0.10, 0.05),
    VCSE: (0.60, 0.10, 0.15, 0.10, 0.0, 0.05),
}

LEWISHAM_PLACES = (
    "Lewisham", "Catford", "Brockley", "Deptford", "Sydenham", "Forest Hill", "Lee",
    "Hither Green", "Blackheath", "New Cross", "Ladywell", "Bellingham", "Downham",
    "Grove Park", "Honor Oak", "Crofton Park", "Rushey Green", "Telegraph Hill", "Ravensbourne",
)
SUBREGION_PLACES = ("Sutton", "Morden", "Croydon", "Mitcham", "Cheam", "Carshalton",
                    "Wallington", "Merton", "Wimbledon", "Worcester Park")
REGION_PLACES = ("Thames", "Holborn", "Bloomsbury", "Kingsway", "Capital", "City", "Metro",
                 "Covent Garden", "Fleet", "Strand", "London", "Westminster")
REST_PLACES = {"HG": ("Harrogate", "Knaresborough", "Ripon", "Nidd", "Yorkshire", "Pennine",
                      "Dales"),
               "TF": ("Telford", "Wrekin", "Shropshire", "Ironbridge", "Severn", "Wellington",
                      "Midland")}
ADJECTIVES = (
    "Premier", "Apex", "Summit", "Keystone", "Meridian", "Crown", "Sovereign", "Phoenix",
    "Albion", "Britannia", "Regal", "Pinnacle", "Horizon", "Evergreen", "Oak", "Cedar",
    "Kingfisher", "Compass", "Beacon", "Unity", "Sterling", "Vanguard", "Atlas", "Orbit",
    "Vertex", "Northern", "Southern", "Eastern", "Western", "Central", "National",
)
SURNAMES = (
    "Smith", "Jones", "Patel", "Okafor", "Williams", "Brown", "Taylor", "Khan", "Ahmed",
    "Adeyemi", "Mensah", "Nguyen", "Kowalski", "O'Brien", "O'Neill", "Murphy", "Campbell",
    "Clarke", "Evans", "Hughes", "Walker", "Wright", "Hall", "Green", "Baker", "Shah", "Singh",
    "Begum", "Hussain", "Osei", "Boateng", "Thompson", "Robinson", "Edwards", "Davies",
    "Wilson", "Johnson", "Martin", "Lewis", "Harris", "Cooper", "Ward", "Morris", "Turner",
    "Phillips", "Mitchell", "Carter", "Bennett", "Gray", "Allen", "King", "Scott", "Adams",
    "D'Souza", "Fernandes", "Kaur", "Mahmood", "Yilmaz", "Popescu", "Silva", "Santos", "Chen",
    "Wong", "Lam", "Demir", "Ogunleye", "Asante", "Nowak", "Müller", "Léger",
)
SECTOR_WORDS = {
    "catering": ("Catering", "Catering Services", "Foods", "Kitchens", "Hospitality",
                 "Fine Foods", "Bakery"),
    "concessions": ("Coffee Co", "Café", "Vending", "Retail", "Newsagents", "Florists",
                    "Coffee House", "Crêperie"),
    "cleaning": ("Cleaning Services", "Cleaning", "Hygiene", "Facilities Services",
                 "Window Cleaning"),
    "construction": ("Building Services", "Construction", "Builders", "Roofing",
                     "Plumbing & Heating", "Electrical Contractors", "Decorators", "Scaffolding",
                     "Joinery", "Property Maintenance", "Gas Services"),
    "agency": ("Recruitment", "Staffing", "Personnel", "Locums", "Healthcare Staffing",
               "Nursing Agency"),
    "it": ("IT Solutions", "Software", "Systems", "Digital", "Technology", "Data Services",
           "Networks"),
    "consultancy": ("Consulting", "Associates", "Advisory", "Management Consultants",
                    "Partners"),
    "clinical": ("Medical", "Healthcare", "Surgical", "Diagnostics", "Medical Supplies",
                 "Orthopaedics"),
    "drugs": ("Pharma", "Pharmaceuticals", "Pharmacy", "Life Sciences"),
    "care": ("Care", "Home Care", "Care Services", "Support Services", "Care Homes",
             "Supported Living"),
    "transport": ("Transport", "Coaches", "Cars", "Logistics", "Travel", "Minicabs"),
    "security": ("Security", "Security Services", "Guarding", "Locksmiths"),
    "grounds": ("Landscapes", "Gardens", "Grounds Maintenance", "Tree Surgeons",
                "Horticulture"),
    "education": ("Training", "Learning", "Education", "Tuition", "Skills"),
    "utilities": ("Energy", "Power", "Water", "Utilities"),
    "legal": ("Solicitors", "Legal", "Law"),
    "office": ("Office Supplies", "Stationers", "Print", "Printing", "Furniture"),
    "waste": ("Waste Management", "Recycling", "Environmental Services", "Skip Hire"),
    "community": ("Community Services",),
}
VCSE_CAUSES = (
    "Youth", "Community", "Food Bank", "Mental Health", "Carers", "Refugee", "Arts",
    "Older People's", "Families", "Women's Aid", "Play", "Sports", "Tenants'", "Disability",
    "Advice", "Befriending", "Homeless", "Music", "Gardening", "Reading",
)
VCSE_ORGS = ("Trust", "Foundation", "Association", "CIC", "Project", "Network", "Centre",
             "Society", "Forum", "Partnership")
TA_FIRST = ("Tasty", "Sparkle", "Swift", "Bright", "Happy", "Golden", "Green", "Urban", "Fresh",
            "Prime", "Smart", "Speedy", "Little", "Big")
TA_SECOND = {"catering": ("Food", "Bites", "Kitchen"), "concessions": ("Beans", "Cuppa", "Bites"),
             "cleaning": ("Clean", "Shine"), "construction": ("Build", "Fix", "Spaces"),
             "it": ("Tech", "Bytes"), "care": ("Care", "Hands"), "transport": ("Cars", "Wheels"),
             "office": ("Print", "Desk"), "grounds": ("Gardens", "Leaf"), "security": ("Guard",),
             "agency": ("Staff", "People"), "education": ("Learning", "Minds")}
FOREIGN = (  # country, legal suffix, sample postcodes
    ("Ireland", "Limited", ("D02 X285", "D04 T6F4", "T12 R9CK", "H91 E2K3")),
    ("Germany", "GmbH", ("10115", "80331", "20095")),
    ("United States", "Inc.", ("10001", "94105", "02110")),
    ("Netherlands", "B.V.", ("1017 AB", "3011 AD")),
    ("France", "SAS", ("75008", "69002")),
)
