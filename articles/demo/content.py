"""The demo newsroom's text. Every story, person and quote here is invented."""

AGENCIES = [
    # name, photo credit, website
    ("AP", "AP Photo", "https://apnews.com"),
    ("Reuters", "Reuters", "https://www.reuters.com"),
    ("Al Jazeera", "Al Jazeera", "https://www.aljazeera.com"),
    ("AFP", "AFP", "https://www.afp.com"),
    ("Anadolu Agency", "Anadolu", "https://www.aa.com.tr"),
]

AUTHORS = [
    # name, job title, bio, linked demo account, active
    (
        "Leila Haddad",
        "Middle East correspondent",
        "Leila Haddad has reported from Beirut, Amman and Baghdad for a decade. She covers "
        "diplomacy, displacement and the economies of the Levant.\n\nShe studied Arabic "
        "literature in Cairo and journalism in London.",
        "journalist",
        True,
    ),
    (
        "Samuel Okafor",
        "Politics editor",
        "Samuel Okafor runs the politics desk. Before joining the paper he covered "
        "parliaments in Lagos, Brussels and Westminster.",
        "editor",
        True,
    ),
    (
        "Maya Lindqvist",
        "Washington correspondent",
        "Maya Lindqvist covers Congress, the courts and the campaign trail from Washington.",
        None,
        True,
    ),
    (
        "Tomás Ferreira",
        "World news reporter",
        "Tomás Ferreira writes about Latin America, trade and the climate, from São Paulo.",
        None,
        True,
    ),
    (
        "Aiko Tanaka",
        "Diplomatic correspondent",
        "Aiko Tanaka follows summits, sanctions and the United Nations from Geneva.",
        None,
        True,
    ),
    (
        "Yusuf Demir",
        "Senior reporter, Istanbul",
        "Yusuf Demir reports on Turkey, the Caucasus and the eastern Mediterranean.",
        None,
        True,
    ),
    (
        "Grace Mwangi",
        "Data and investigations",
        "Grace Mwangi leads the data team: public spending, procurement and the numbers "
        "behind the news.",
        None,
        True,
    ),
    (
        "Daniel Brooks",
        "Former US correspondent",
        "Daniel Brooks was our US correspondent until 2025.",
        None,
        False,
    ),
]

PHOTOS = [
    # key, alt text, caption, credit line, agency, rights, licence, palette
    ("harbour", "Cargo cranes stand over a container harbour at dusk",
     "Cranes at the container terminal, where exports fell for a third month.", "", "AP",
     "agency", "", ((20, 40, 80), (230, 140, 60))),
    ("parliament", "Members of parliament sit in a crowded chamber during a vote",
     "Lawmakers during Tuesday's vote on the budget.", "Reuters/Karim Nasser", "Reuters",
     "agency", "", ((90, 20, 30), (200, 180, 160))),
    ("market", "Shoppers walk between fruit stalls in a covered market",
     "The old market on the first day of the holiday.", "Staff photo: Omar Khalil", None,
     "staff", "", ((40, 90, 40), (240, 200, 90))),
    ("border", "Trucks queue at a desert border crossing under a pale sky",
     "Aid convoys waiting at the crossing on Sunday.", "", "AFP", "agency", "",
     ((180, 140, 90), (250, 240, 220))),
    ("capitol", "A white domed government building behind a line of flags",
     "The Capitol on the morning of the hearing.", "AP Photo/Jane Rivers", "AP", "agency", "",
     ((30, 50, 110), (220, 225, 235))),
    ("summit", "Delegates shake hands in front of a row of national flags",
     "Delegates at the opening session of the summit in Geneva.", "", "Reuters", "agency", "",
     ((60, 60, 70), (180, 200, 230))),
    ("flood", "A street under brown floodwater with people wading through it",
     "Residents wade through a flooded street after two days of rain.", "", "AFP", "agency",
     "", ((70, 60, 40), (140, 150, 160))),
    ("election", "A woman drops a ballot into a clear plastic box",
     "A voter casts her ballot in the capital.", "Handout: National Election Commission", None,
     "handout", "", ((110, 30, 90), (240, 230, 240))),
    ("solar", "Rows of solar panels stretch to the horizon in a dry landscape",
     "A solar farm that opened this spring.", "Photo: Lena Park", None, "cc", "CC BY 4.0",
     ((20, 60, 120), (250, 200, 80))),
    ("protest", "A crowd holds banners on a wide avenue",
     "Demonstrators march towards the ministry on Friday.", "", "Anadolu Agency", "agency", "",
     ((120, 40, 20), (230, 220, 200))),
    ("port-city", "An evening view over a port city with lights on the water",
     "The city's waterfront, where a new ferry line opens next month.", "Staff photo", None,
     "staff", "", ((10, 20, 60), (250, 160, 90))),
    ("classroom", "Children sit at desks in a bright classroom",
     "A reopened school in the north of the country.", "", "Al Jazeera", "agency", "",
     ((200, 120, 60), (250, 245, 230))),
]  # fmt: skip

# section slug, other sections, headline, standfirst, tags, agencies, photo key, author indexes
STORIES = [
    ("middle-east", ["world"], "Ceasefire talks resume in Cairo as negotiators trade new maps",
     "Mediators say both delegations brought revised proposals for the first time in weeks.",
     ["ceasefire", "Egypt", "diplomacy"], ["AP", "Al Jazeera"], "summit", [0]),
    ("middle-east", ["world", "politics"], "Jordan opens second border crossing for aid convoys",
     "The crossing near Ma'an will run day and night, officials said, doubling the trucks "
     "that can pass.", ["humanitarian aid", "Jordan", "borders"], ["Reuters"], "border", [0, 5]),
    ("middle-east", [], "Lebanon's central bank sets a single exchange rate for the first time in years",
     "Importers welcomed the move; savers still cannot reach their deposits.",
     ["Lebanon", "economy", "banking"], [], "harbour", [0]),
    ("middle-east", ["politics"], "Iraq's parliament passes a budget after a month of deadlock",
     "The three-year budget raises public-sector pay and sets aside money for electricity.",
     ["Iraq", "budget", "parliament"], ["AFP"], "parliament", [0]),
    ("middle-east", ["world"], "Gulf states agree to link their power grids by 2030",
     "Engineers say a shared grid could cut outages during summer peaks.",
     ["energy", "Gulf", "infrastructure"], ["Reuters", "Al Jazeera"], "solar", [6]),
    ("middle-east", [], "Syrian families return to Aleppo's old city as markets reopen",
     "Shopkeepers are rebuilding stalls that stood empty for a decade.",
     ["Syria", "reconstruction"], ["Al Jazeera"], "market", [0]),
    ("middle-east", ["world"], "Drought pushes Euphrates to its lowest level in forty years",
     "Farmers downstream say they have already lost a season of wheat.",
     ["climate", "water", "agriculture"], ["AFP"], "flood", [0, 6]),
    ("middle-east", [], "Istanbul's new ferry line will cross the Bosphorus in nine minutes",
     "The city hopes electric ferries will take cars off its bridges.",
     ["Turkey", "transport"], ["Anadolu Agency"], "port-city", [5]),
    ("middle-east", ["politics"], "Turkish opposition names its candidate for Istanbul mayor",
     "The party chose a former economy minister after a contested primary.",
     ["Turkey", "elections"], ["Anadolu Agency"], "election", [5]),
    ("middle-east", [], "Schools in northern Iraq reopen after repairs to 300 buildings",
     "Teachers say classes are full but textbooks are still short.",
     ["Iraq", "education"], ["Al Jazeera"], "classroom", [0]),
    ("middle-east", ["world"], "Red Sea shipping rates fall as insurers return",
     "Container lines have begun routing some vessels through the Suez Canal again.",
     ["shipping", "trade", "Red Sea"], ["Reuters"], "harbour", [6, 0]),
    ("politics", [], "Parliament votes to cap political donations at 10,000 a year",
     "The cross-party bill also bans donations from companies that hold public contracts.",
     ["campaign finance", "parliament"], [], "parliament", [1]),
    ("politics", ["world"], "Coalition talks stall over who controls the finance ministry",
     "Both parties say they are close; neither will give up the ministry.",
     ["coalition", "government"], ["Reuters"], "parliament", [1]),
    ("politics", [], "Electoral commission publishes new constituency map",
     "Twelve seats move from rural areas to the fast-growing suburbs.",
     ["elections", "constituencies"], [], "election", [1, 6]),
    ("politics", [], "Minister resigns after leaked messages about a hospital contract",
     "She denies wrongdoing and says she will cooperate with the inquiry.",
     ["resignation", "health", "procurement"], [], "protest", [1, 6]),
    ("politics", ["world"], "Voter turnout rises to its highest level since 1994",
     "Young voters and first-time voters drove the increase, a survey found.",
     ["elections", "turnout"], ["AFP"], "election", [1]),
    ("politics", [], "Opposition leader promises free school meals in every primary school",
     "The party says the plan would cost less than a tenth of the defence budget.",
     ["education", "opposition"], [], "classroom", [1]),
    ("politics", [], "Senate committee questions central bank governor on inflation",
     "The governor said prices should ease by the end of the year.",
     ["inflation", "central bank"], ["Reuters"], "capitol", [1, 2]),
    ("politics", ["middle-east"], "Foreign minister begins a regional tour in Amman",
     "The visit is the first by a foreign minister from the new government.",
     ["diplomacy", "Jordan"], ["AP"], "summit", [1, 4]),
    ("politics", [], "Public-sector unions call a one-day strike over pay",
     "Hospitals and schools will run emergency services only.",
     ["strikes", "unions", "pay"], [], "protest", [1]),
    ("politics", [], "New law gives journalists the right to see court documents",
     "Press freedom groups called it the biggest change in a generation.",
     ["press freedom", "courts"], [], "capitol", [1]),
    ("usa", ["politics"], "House passes spending bill hours before shutdown deadline",
     "The bill funds the government until March and now goes to the Senate.",
     ["Congress", "budget", "shutdown"], ["AP"], "capitol", [2]),
    ("usa", ["politics"], "Supreme Court agrees to hear challenge to state voting maps",
     "The case could redraw districts in three states before the midterms.",
     ["Supreme Court", "voting rights"], ["AP", "Reuters"], "capitol", [2]),
    ("usa", [], "Wildfire season starts early in the American West",
     "Firefighters in three states are already battling blazes that began in spring.",
     ["wildfires", "climate"], ["AP"], "solar", [2]),
    ("usa", ["world"], "US and Mexico agree on new rules for cross-border trucking",
     "The deal should shorten waits at the busiest crossings.",
     ["trade", "Mexico", "transport"], ["Reuters"], "border", [2, 3]),
    ("usa", [], "Texas floods leave thousands without power",
     "Officials expect repairs to take at least a week in the worst-hit counties.",
     ["floods", "Texas"], ["AP"], "flood", [2]),
    ("usa", ["politics"], "Governors' race tightens in Pennsylvania, poll shows",
     "The two candidates are within two points of each other.",
     ["elections", "Pennsylvania", "polls"], [], "election", [2]),
    ("usa", [], "Port of Los Angeles reports record container traffic",
     "Imports from Asia drove the rise, the port said.",
     ["ports", "trade"], ["Reuters"], "harbour", [2]),
    ("usa", [], "New York approves congestion charge for lower Manhattan",
     "Drivers will pay during peak hours; the money goes to the subway.",
     ["New York", "transport"], [], "port-city", [2]),
    ("usa", ["politics"], "Senate confirms new ambassador to the United Nations",
     "She served as a career diplomat for thirty years.",
     ["United Nations", "diplomacy"], ["AP"], "summit", [2, 4]),
    ("usa", [], "Teachers in Chicago reach a deal on class sizes",
     "The agreement caps kindergarten classes at 22 pupils.",
     ["education", "unions", "Chicago"], [], "classroom", [2]),
    ("world", [], "UN climate talks end with a deal on adaptation funding",
     "Poorer countries say the money is still far short of what they need.",
     ["climate", "United Nations"], ["AFP", "Reuters"], "solar", [4, 3]),
    ("world", [], "Brazil's central bank cuts rates for the third time this year",
     "The bank said inflation had fallen faster than expected.",
     ["Brazil", "interest rates", "economy"], ["Reuters"], "harbour", [3]),
    ("world", [], "Floods in Bangladesh displace half a million people",
     "Aid agencies say clean water is the most urgent need.",
     ["floods", "Bangladesh", "humanitarian aid"], ["AFP", "Al Jazeera"], "flood", [3]),
    ("world", ["politics"], "Kenya's parliament debates a tax on mobile money",
     "Traders say it would hit the poorest customers hardest.",
     ["Kenya", "tax", "mobile money"], ["Reuters"], "market", [6]),
    ("world", [], "Chile elects its youngest-ever mayor of Santiago",
     "The 31-year-old former student leader won with 54 percent.",
     ["Chile", "elections"], ["AFP"], "election", [3]),
    ("world", ["middle-east"], "Geneva talks on detained aid workers make progress",
     "Negotiators say the release of six workers could come within days.",
     ["humanitarian aid", "diplomacy", "Geneva"], ["Al Jazeera"], "summit", [4, 0]),
    ("world", [], "India opens its largest solar park",
     "The park in Rajasthan will power two million homes, officials say.",
     ["India", "energy", "solar"], ["Reuters"], "solar", [6]),
    ("world", [], "Japan's population falls for a fifteenth year",
     "The number of people over 75 now exceeds 20 million.",
     ["Japan", "population"], ["AFP"], "port-city", [4]),
    ("world", ["politics"], "EU agrees to new rules on political advertising online",
     "Platforms will have to say who paid for every political advert.",
     ["European Union", "elections", "technology"], ["Reuters", "AFP"], "parliament", [4, 1]),
    ("world", [], "Nigeria's farmers turn to solar pumps as diesel prices rise",
     "A government scheme lends farmers the cost of a pump over five years.",
     ["Nigeria", "agriculture", "energy"], ["AP"], "solar", [3, 6]),
    ("world", [], "Peru declares emergency as glacier lake threatens valley towns",
     "Engineers are draining the lake to lower its level by four metres.",
     ["Peru", "climate", "glaciers"], ["AFP"], "flood", [3]),
    ("world", ["usa"], "Canada and the US renew their fisheries treaty",
     "The treaty sets salmon quotas on the Pacific coast for ten years.",
     ["Canada", "fisheries", "trade"], ["AP"], "harbour", [2, 3]),
    ("world", [], "Ukraine's grain exports recover to pre-war levels",
     "Shipments through Odesa rose for the sixth month running.",
     ["Ukraine", "grain", "trade"], ["Reuters"], "harbour", [4]),
]  # fmt: skip

# Stories that stay behind the scenes in the demo.
DRAFTS = [
    ("politics", "Inquiry into hospital contract to call former minister",
     "The inquiry will hold public hearings from next month.", ["health", "procurement"], "draft"),
    ("middle-east", "Water-sharing talks between Iraq and Turkey to begin in Ankara",
     "Both sides say a deal on the Tigris is within reach.", ["water", "Iraq", "Turkey"],
     "returned"),
    ("world", "Fishing fleets in West Africa face new catch limits",
     "Regional governments agreed the limits after a survey of stocks.", ["fisheries"], "draft"),
    ("usa", "What the new spending bill means for science funding",
     "Research agencies get a small rise, but less than they asked for.",
     ["Congress", "science"], "review"),
    ("world", "Morocco's high-speed line reaches Marrakech",
     "Journey times from Tangier fall to under four hours.", ["Morocco", "transport"],
     "scheduled"),
]  # fmt: skip

SUBHEADS = [
    "What happens next",
    "A long road",
    "The numbers",
    "Reaction",
    "Why it matters",
    "Behind the decision",
]

PARAGRAPHS = [
    "Officials who spoke on condition of anonymity said the decision had been months in "
    "the making, and that several drafts were rejected before the final text was agreed.",
    "Residents interviewed on Tuesday were cautious. “We have heard promises before,” said "
    "one shopkeeper, who asked that only her first name, Rania, be used.",
    "The plan still needs the approval of the finance committee, which meets next week. "
    "Its chair said she expected “a serious debate, not a rubber stamp”.",
    "Economists said the figures were better than forecast, but warned that one good "
    "quarter did not make a recovery.",
    "The ministry did not respond to a request for comment by the time of publication.",
    "According to figures published on Monday, the number of people affected has nearly "
    "doubled since the spring, with the largest rise in rural districts.",
    "Critics argue the measure does too little, too late. Supporters say it is the most "
    "ambitious attempt in a decade to fix a problem everyone agrees exists.",
    "Diplomats described the atmosphere as businesslike. One said the two sides had "
    "“stopped talking past each other”, which he called progress in itself.",
    "A spokesperson for the regional government said emergency teams had been sent to the "
    "worst-affected areas and that schools would stay closed until Thursday.",
    "Independent monitors will publish their first report in three months. Until then, "
    "both sides have agreed not to comment on the details of the talks.",
    "The cost of the programme is estimated at 2.4 billion over five years, to be shared "
    "between the national budget and international lenders.",
    "Opposition politicians called for a full debate in parliament, saying the public had "
    "a right to know how the decision was reached.",
]

QUOTES = [
    "This is not the end of the story. It is the beginning of the hard part.",
    "People want to see results in their daily lives, not announcements.",
    "We will judge this by what happens on the ground, not on paper.",
]

RETURN_NOTE = (
    "Good story — but we need a second source for the figure in the third paragraph, and "
    "the standfirst should say when the talks begin. Please fix and resubmit."
)

CORRECTION = (
    "An earlier version of this article said the crossing would open on Monday. It opened "
    "on Sunday."
)
