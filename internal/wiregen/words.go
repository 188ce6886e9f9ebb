package wiregen

// The word lists and sentence frames below are written for this project.
// They are deliberately plain: what matters is that each story draws its own
// people, places and subjects, so different stories share only the common
// phrases real news shares too.

var firstNames = []string{
	"Amara", "Bastian", "Carmen", "Dmitri", "Elif", "Farid", "Greta", "Hiroshi", "Ines", "Jonas",
	"Kavya", "Lukas", "Marisol", "Nikolai", "Oona", "Pedro", "Quentin", "Rania", "Sven", "Tamsin",
	"Ulrich", "Valeria", "Wendell", "Ximena", "Yusuf", "Zofia", "Anders", "Beatriz", "Cyrus", "Delphine",
	"Emeka", "Fiona", "Gideon", "Halima", "Ivo", "Juno", "Kofi", "Leonie", "Mateo", "Nadia",
}

var lastNames = []string{
	"Abernathy", "Bergstrom", "Castellanos", "Dube", "Eriksen", "Fontaine", "Gallagher", "Haddad", "Ishikawa", "Jovanovic",
	"Kowalczyk", "Lindqvist", "Mbeki", "Novak", "Okafor", "Petrov", "Quiroga", "Rahman", "Sandoval", "Takahashi",
	"Urquhart", "Varga", "Whitfield", "Xu", "Yilmaz", "Zeller", "Achterberg", "Brannigan", "Cardoso", "Delacroix",
	"Esposito", "Falk", "Grigoryan", "Holm", "Iqbal", "Jaramillo", "Kask", "Lorenzo", "Moreau", "Nakamura",
}

var places = []string{
	"Lisbon", "Nairobi", "Oslo", "Quito", "Hanoi", "Tbilisi", "Dakar", "Valletta", "Riga", "Montevideo",
	"Accra", "Kraków", "Porto Alegre", "Yerevan", "Tallinn", "Windhoek", "Bergen", "Cebu", "Antwerp", "Mombasa",
	"Arequipa", "Plovdiv", "Tromsø", "Da Nang", "Kigali", "Gdańsk", "Cork", "Leipzig", "Bilbao", "Izmir",
	"Chiang Mai", "Lyon", "Zanzibar", "Košice", "Galway", "Mendoza", "Aarhus", "Trieste", "Kumasi", "Varna",
}

var organizations = []string{
	"the Ministry of Water", "the Harbour Authority", "the National Grid Board", "the Coastal Council",
	"the Rail Workers Union", "the Central Statistics Office", "the Fisheries Agency", "the Regional Assembly",
	"the Supreme Audit Office", "the Federation of Farmers", "the Port Pilots Guild", "the Civil Aviation Board",
	"the Forest Service", "the Teachers Federation", "the Energy Regulator", "the Health Inspectorate",
	"the Transport Ministry", "the Housing Trust", "the Election Commission", "the Weather Service",
	"the Chamber of Commerce", "the Water Utility", "the Mining Council", "the Competition Authority",
}

var subjects = []string{
	"desalination plant", "ferry route", "grain silo", "tram extension", "wind farm", "bridge repair",
	"fishing quota", "pension reform", "school meals programme", "flood barrier", "copper mine", "vaccine depot",
	"border crossing", "rent freeze", "river dredging", "airport runway", "solar tariff", "wildfire season",
	"bus strike", "tax rebate", "harbour expansion", "hospital wing", "data centre", "coastal railway",
	"water rationing", "drought relief", "salmon farm", "cable car", "landfill site", "cocoa harvest",
	"steel tariff", "night train", "coral survey", "textile plant", "heat pump subsidy", "ferry strike",
}

var nouns = []string{
	"budget", "contract", "deadline", "inquiry", "proposal", "shortfall", "agreement", "dispute", "review",
	"audit", "report", "timetable", "estimate", "permit", "tender", "complaint", "hearing", "petition",
	"forecast", "shipment", "schedule", "warning", "assessment", "ruling", "survey", "subsidy", "levy",
	"loan", "backlog", "outage", "delay", "closure", "reopening", "settlement", "ballot", "consultation",
}

var verbs = []string{
	"approved", "delayed", "rejected", "questioned", "announced", "defended", "extended", "suspended",
	"criticised", "welcomed", "revised", "postponed", "confirmed", "challenged", "funded", "cancelled",
	"endorsed", "reviewed", "blocked", "published", "doubled", "halved", "signed", "disputed",
}

var adjectives = []string{
	"sharp", "modest", "unexpected", "long-awaited", "contested", "costly", "temporary", "sweeping",
	"cautious", "urgent", "partial", "formal", "quiet", "public", "fresh", "lengthy", "narrow", "broad",
	"late", "revised", "provisional", "final", "initial", "separate",
}

var weekdays = []string{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}

var outlets = []string{
	"Harbour Times", "Valley Courier", "Northern Ledger", "Evening Signal", "Coastline Daily", "Metro Bulletin",
	"Capital Dispatch", "Riverside Post", "Highland Herald", "Market Wire", "Plains Gazette", "Island Chronicle",
}

// sentenceFrames are filled per story. Slots: {P} person, {Q} second person,
// {O} organization, {L} place, {S} subject, {N} noun, {V} verb, {A}
// adjective, {D} weekday, {#} number.
var sentenceFrames = []string{
	"{O} {V} the {A} {N} for the {S} in {L} on {D}.",
	"{P}, who leads the {S} project, said the {N} had been {V} after {#} weeks of talks.",
	"According to {O}, the {S} will cost about {#} million, well above the {A} {N} published last year.",
	"Residents of {L} have waited {#} years for the {S}, and many say the {N} came too late.",
	"\"We were told the {N} would be ready by spring,\" {Q} said, standing outside the {S} site.",
	"{Q} {V} the plan in a statement, calling the {N} {A} and asking {O} to explain the figures.",
	"Officials in {L} counted {#} complaints about the {S} before the {N} was {V}.",
	"The {A} {N} follows a {S} dispute that split {O} earlier this year.",
	"Critics argue that the {S} favours {L} over smaller towns along the coast.",
	"{P} told reporters that {O} had {V} the {N} without consulting the {S} workers.",
	"Under the {A} terms, the {S} must publish a {N} every {#} months.",
	"A spokesperson for {O} declined to say when the {S} would reopen.",
	"Engineers working on the {S} near {L} reported a {A} {N} on {D} morning.",
	"The {N} for the {S} was {V} by {#} votes to {#} in the assembly.",
	"{Q}, a former adviser to {O}, described the {N} as {A} but necessary.",
	"Local businesses in {L} expect the {S} to bring {#} new jobs within two years.",
	"The {S} has become a test of whether {O} can deliver large projects on time.",
	"Documents seen by reporters show the {N} was {V} twice before {D}.",
	"{P} said a second {N} on the {S} would follow before the end of the year.",
	"Union members gathered in central {L} on {D} to protest the {A} {N}.",
	"{O} said it had {V} an independent {N} of the {S} accounts.",
	"Shares in companies tied to the {S} rose {#} percent after the {N} was {V}.",
	"The {S} in {L} is the largest of its kind, covering {#} hectares.",
	"Opposition members {V} the {N}, saying {O} had ignored its own {A} advice.",
	"{Q} warned that further {N} delays could push the {S} into next spring.",
	"Farmers near {L} say the {S} has already changed how they plan the season.",
	"Asked about the {A} {N}, {P} replied that the numbers speak for themselves.",
	"The {S} was first proposed {#} years ago by a committee chaired by {Q}.",
}

// headlineFrames build a story's headline. Reprints rewrite it.
var headlineFrames = []string{
	"{O} {V} {S} {N} in {L}",
	"{L} {S}: {N} {V} after {#} weeks",
	"{P} defends {A} {N} for {L} {S}",
	"{S} in {L} faces {A} {N}",
	"Questions grow over {L} {S} {N}",
}

// synonyms are the word swaps a sub-editor makes on a reprint.
var synonyms = map[string]string{
	"said": "stated", "told": "informed", "about": "roughly", "before": "ahead of", "after": "following",
	"many": "several", "large": "big", "new": "fresh", "people": "residents", "town": "city",
	"talks": "negotiations", "plan": "scheme", "project": "scheme", "warned": "cautioned", "expect": "anticipate",
	"reported": "noted", "show": "indicate", "began": "started", "smaller": "lesser", "ready": "finished",
}

// datelineAgencies are the credit lines reprints add.
var datelineAgencies = []string{"Wire", "Newsroom", "Agencies", "Staff and wires"}
