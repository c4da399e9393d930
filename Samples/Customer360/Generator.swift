// The bundled data: one set of made-up people, as four systems of one retailer record them.
// `customer-360 generate` writes it again (or bigger); Data/ holds the default run.
import Foundation
import Sluice

/// Writes the five source files and `truth.csv` (which person each source record is) into
/// `directory`, for `people` made-up customers.
func generateCustomerData(people count: Int, seed: UInt64, into directory: String) throws {
    var random = SplitMix64(seed: seed)
    let people = (0..<count).map { Person.make(index: $0, random: &random) }
    var households = people
    // Some people share a household with the person before them: same family name, address and
    // landline-like phone, different given name, birth date and email. They must stay apart.
    for index in stride(from: 1, to: households.count, by: 1) where random.chance(0.04) {
        let partner = households[index - 1]
        households[index].family = partner.family
        households[index].postcode = partner.postcode
        households[index].newPostcode = partner.newPostcode
        households[index].city = partner.city
        households[index].country = partner.country
        households[index].email = Person.email(given: households[index].given, family: partner.family, index: index, random: &random)
    }
    var files = SourceFiles()
    for person in households { files.add(person, random: &random) }
    files.addBadRecords(random: &random)
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try files.crm.joined().write(toFile: directory + "/crm-customers.csv", atomically: true, encoding: .utf8)
    try files.shopCustomers.joined().write(toFile: directory + "/shop-customers.jsonl", atomically: true, encoding: .utf8)
    try files.shopOrders.joined().write(toFile: directory + "/shop-orders.jsonl", atomically: true, encoding: .utf8)
    try files.pos.joined().write(toFile: directory + "/pos-purchases.csv", atomically: true, encoding: .utf8)
    let tickets = "{\n  \"export\": {\"system\": \"helpdesk\", \"generated_at\": \"2025-07-01T06:00:00Z\"},\n  \"tickets\": [\n"
        + files.tickets.joined(separator: ",\n") + "\n  ]\n}\n"
    try tickets.write(toFile: directory + "/support-tickets.json", atomically: true, encoding: .utf8)
    try (["record_id,person_id\n"] + files.truth.map { "\($0.0),\($0.1)\n" }).joined()
        .write(toFile: directory + "/truth.csv", atomically: true, encoding: .utf8)
}

/// A made-up customer, as they really are.
struct Person {
    var id: String
    var given: String
    var family: String
    var birthDate: (year: Int, month: Int, day: Int)
    var email: String
    var newEmail: String?
    var mobile: String          // national significant number, without the trunk zero
    var postcode: String
    var newPostcode: String?
    var city: String
    var country: String

    static func make(index: Int, random: inout SplitMix64) -> Person {
        let given = givenNames.randomElement(using: &random)!
        let family = familyNames.randomElement(using: &random)!
        let country = random.chance(0.05) ? "DE" : random.chance(0.03) ? "FR" : "GB"
        let (postcode, city) = address(country: country, random: &random)
        let mobile: String
        switch country {
        case "DE": mobile = "15\(Int.random(in: 1...9, using: &random))\(digits(8, &random))"
        case "FR": mobile = "6\(digits(8, &random))"
        default: mobile = "7700\(digits(6, &random))"
        }
        return Person(id: String(format: "P%05d", index + 1), given: given, family: family,
                      birthDate: (Int.random(in: 1941...2006, using: &random), Int.random(in: 1...12, using: &random), Int.random(in: 1...28, using: &random)),
                      email: email(given: given, family: family, index: index, random: &random),
                      newEmail: random.chance(0.08) ? email(given: given, family: family, index: index + 7, random: &random) : nil,
                      mobile: mobile, postcode: postcode,
                      newPostcode: random.chance(0.1) ? self.address(country: country, random: &random).0 : nil,
                      city: city, country: country)
    }

    static func email(given: String, family: String, index: Int, random: inout SplitMix64) -> String {
        let first = ascii(given).lowercased(), last = ascii(family).lowercased().filter(\.isLetter)
        let local: String
        switch Int.random(in: 0..<5, using: &random) {
        case 0: local = "\(first).\(last)"
        case 1: local = "\(first.prefix(1))\(last)"
        case 2: local = "\(last).\(first)"
        case 3: local = "\(first)_\(last)"
        default: local = "\(first)\(last.prefix(1))"
        }
        let suffix = random.chance(0.6) ? String(Int.random(in: 1...999, using: &random)) : ""
        let domain = ["example.com", "mail.example", "post.example.org", "inbox.example.net", "example.co.uk", "web.example.de"]
            .randomElement(using: &random)!
        return "\(local)\(suffix)@\(domain)"
    }

    static func address(country: String, random: inout SplitMix64) -> (String, String) {
        switch country {
        case "DE":
            let city = [("10115", "Berlin"), ("80331", "München"), ("20095", "Hamburg"), ("50667", "Köln")].randomElement(using: &random)!
            return (String(city.0.prefix(3)) + digits(2, &random), city.1)
        case "FR":
            let city = [("750", "Paris"), ("690", "Lyon"), ("130", "Marseille")].randomElement(using: &random)!
            return (city.0 + String(format: "%02d", Int.random(in: 1...20, using: &random)), city.1)
        default:
            let (outward, city) = outwardCodes.randomElement(using: &random)!
            let letters = Array("ABDEFGHJLNPQRSTUWXYZ")
            return ("\(outward) \(Int.random(in: 0...9, using: &random))\(letters.randomElement(using: &random)!)\(letters.randomElement(using: &random)!)", city)
        }
    }

    var callingCode: String { ["DE": "49", "FR": "33"][country] ?? "44" }
    var isoBirthDate: String { String(format: "%04d-%02d-%02d", birthDate.year, birthDate.month, birthDate.day) }

    static let givenNames = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
                             "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen",
                             "Christopher", "Margaret", "Daniel", "Katherine", "Matthew", "Lisa", "Anthony", "Emily", "Mark",
                             "Sandra", "Zoë", "José", "Siobhán", "Chloé", "Björn", "François", "Małgorzata", "Aoife", "Priya",
                             "Mohammed", "Wei", "Olumide", "Niamh", "Eilidh", "Rhys", "Ffion", "Jürgen", "Søren", "Amelia",
                             "Oliver", "Isla", "Harry", "Freya", "George", "Poppy", "Jack", "Grace", "Noah", "Ava", "Leo"]
    static let femaleNames: Set<String> = ["Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
                                           "Karen", "Margaret", "Katherine", "Lisa", "Emily", "Sandra", "Zoë", "Siobhán", "Chloé",
                                           "Małgorzata", "Aoife", "Priya", "Niamh", "Eilidh", "Ffion", "Amelia", "Isla", "Freya",
                                           "Poppy", "Grace", "Ava"]
    static let familyNames = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
                              "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
                              "Patel", "Khan", "O'Brien", "Müller", "Núñez", "Ødegaard", "Kowalski", "Nguyen", "MacDonald",
                              "Fitzgerald", "García", "Hughes", "Edwards", "Hill", "Moore", "Harrison", "Scott", "Young",
                              "Morris", "Ward", "Turner", "Carter", "Phillips", "Mitchell", "Lewis", "Lee", "Shaw", "Chapman",
                              "Kaur", "Singh", "Ahmed", "Ali", "Fischer", "Lefèvre", "Dubois", "Schäfer", "Byrne", "Murphy",
                              "Kelly", "Reid", "Campbell", "Stewart", "Anderson", "Okafor", "Mensah", "Sato", "Kim", "Rossi"]
    static let outwardCodes = [("SW1A", "London"), ("EC1A", "London"), ("W1D", "London"), ("N1", "London"), ("E2", "London"),
                               ("SE10", "London"), ("M1", "Manchester"), ("M14", "Manchester"), ("B1", "Birmingham"),
                               ("B15", "Birmingham"), ("LS1", "Leeds"), ("LS6", "Leeds"), ("G1", "Glasgow"), ("G12", "Glasgow"),
                               ("L1", "Liverpool"), ("BS1", "Bristol"), ("BS8", "Bristol"), ("S1", "Sheffield"),
                               ("EH1", "Edinburgh"), ("EH3", "Edinburgh"), ("CF10", "Cardiff"), ("NE1", "Newcastle"),
                               ("NG1", "Nottingham"), ("OX1", "Oxford"), ("CB2", "Cambridge")]
}

/// The five files, built person by person, and the truth.
struct SourceFiles {
    var crm = ["CustomerID,Title,Full Name,Date of Birth,E-mail,Telephone,Post Code,Country,Last Updated\r\n"]
    var shopCustomers: [String] = []
    var shopOrders: [String] = []
    var pos = ["receipt;store;date;time;card_number;card_holder;phone;postcode;amount\n"]
    var tickets: [String] = []
    var truth: [(String, String)] = []
    var nextCRM = 4_711, nextUser = 100_230, nextOrder = 500_000, nextCard = 0, nextReceipt = 880_000, nextRequester = 70, nextTicket = 10_000

    mutating func add(_ person: Person, random: inout SplitMix64) {
        var inCRM = random.chance(0.7), inShop = random.chance(0.55)
        let inPOS = random.chance(0.4), inSupport = random.chance(0.25)
        if !(inCRM || inShop || inPOS || inSupport) { inCRM = true }
        if inPOS && !inShop && !inCRM && random.chance(0.5) { inShop = true }
        if inCRM { addCRM(person, random: &random) }
        if inCRM && random.chance(0.05) { addCRM(person, random: &random, duplicate: true) }
        if inShop { addShop(person, random: &random) }
        if inShop && random.chance(0.03) { addShop(person, random: &random, secondAccount: true) }
        if inPOS { addPOS(person, random: &random) }
        if inSupport { addSupport(person, random: &random) }
    }

    mutating func addCRM(_ person: Person, random: inout SplitMix64, duplicate: Bool = false) {
        let id = String(format: "C%06d", nextCRM)
        nextCRM += Int.random(in: 1...3, using: &random)
        truth.append(("crm:\(id)", person.id))
        var family = person.family, email = person.email
        if duplicate || random.chance(0.06) { family = typo(family, &random) }
        if random.chance(0.04) { email = typo(email, &random) }
        let titles = Person.femaleNames.contains(person.given) ? ["Mrs", "Ms", "Miss", "Dr"] : ["Mr", "Dr", "Mx"]
        let title = random.chance(0.5) ? "" : titles.randomElement(using: &random)!
        let name: String
        switch Int.random(in: 0..<4, using: &random) {
        case 0: name = "\(family.uppercased()), \(person.given)"
        case 1: name = "\(title.isEmpty ? "" : title + " ")\(person.given) \(family)"
        case 2: name = "\(person.given)  \(family)"
        default: name = "\(person.given) \(family)"
        }
        let (y, m, d) = person.birthDate
        let dob = random.chance(0.08) ? "" : String(format: "%02d/%02d/%04d", d, m, y)
        let phone: String
        switch Int.random(in: 0..<5, using: &random) {
        case 0: phone = ""
        case 1: phone = "+\(person.callingCode) \(person.mobile)"
        case 2: phone = "0\(person.mobile.prefix(4)) \(person.mobile.dropFirst(4))"
        case 3: phone = "+\(person.callingCode) (0)\(person.mobile)"
        default: phone = "0\(person.mobile)"
        }
        let postcode = random.chance(0.5) ? person.postcode.lowercased().replacingOccurrences(of: " ", with: "") : person.postcode
        let country: String
        switch person.country {
        case "DE": country = ["Germany", "Deutschland", "DE"].randomElement(using: &random)!
        case "FR": country = ["France", "FR", "FRA"].randomElement(using: &random)!
        default: country = ["United Kingdom", "UK", "GB", "Great Britain", ""].randomElement(using: &random)!
        }
        let updated = String(format: "%02d/%02d/2024 %02d:%02d", Int.random(in: 1...28, using: &random), Int.random(in: 1...12, using: &random),
                             Int.random(in: 8...18, using: &random), Int.random(in: 0...59, using: &random))
        crm.append([id, title, name, dob, random.chance(0.15) ? "" : (random.chance(0.2) ? email.uppercased() : email), phone, postcode, country, updated]
            .map(csvField).joined(separator: ",") + "\r\n")
    }

    mutating func addShop(_ person: Person, random: inout SplitMix64, secondAccount: Bool = false) {
        let user = "U\(nextUser)"
        nextUser += Int.random(in: 1...5, using: &random)
        truth.append(("shop:\(user)", person.id))
        let email = secondAccount ? Person.email(given: person.given, family: person.family, index: nextUser, random: &random)
            : person.newEmail ?? person.email
        var fields: [String] = [
            "\"user_id\":\"\(user)\"",
            "\"first_name\":\(json(random.chance(0.3) ? person.given.lowercased() : person.given))",
            "\"last_name\":\(json(random.chance(0.05) ? typo(person.family, &random) : person.family))",
            "\"email\":\(json(random.chance(0.2) ? " \(email.capitalized) " : email))",
        ]
        if !random.chance(0.3) {
            let (y, m, d) = person.birthDate
            fields.append("\"birthday\":\(json(random.chance(0.1) ? String(format: "%02d/%02d/%04d", d, m, y) : person.isoBirthDate))")
        }
        fields.append("\"phone\":\(random.chance(0.4) ? "null" : json("+\(person.callingCode) \(person.mobile)"))")
        let postcode = person.newPostcode ?? person.postcode
        fields.append("\"address\":{\"line1\":\(json("\(Int.random(in: 1...220, using: &random)) \(["High St", "Station Rd", "Church Lane", "Park Ave", "Mill Road"].randomElement(using: &random)!)")),\"postcode\":\(json(postcode)),\"city\":\(json(person.city)),\"country_code\":\"\(person.country)\"}")
        let updated = String(format: "2025-%02d-%02dT%02d:%02d:00Z", Int.random(in: 1...6, using: &random), Int.random(in: 1...28, using: &random),
                             Int.random(in: 0...23, using: &random), Int.random(in: 0...59, using: &random))
        fields.append("\"created_at\":\"2023-\(String(format: "%02d", Int.random(in: 1...12, using: &random)))-01T09:00:00Z\"")
        fields.append("\"updated_at\":\"\(updated)\"")
        fields.append("\"marketing_opt_in\":\(random.chance(0.6))")
        shopCustomers.append("{" + fields.joined(separator: ",") + "}\n")
        for _ in 0..<Int.random(in: 0...5, using: &random) {
            nextOrder += 1
            let euro = person.country != "GB"
            let amount = Double(Int.random(in: 500...30_000, using: &random)) / 100
            let total = random.chance(0.1) ? json(String(format: "%.2f", amount)) : String(format: "%.2f", amount)
            shopOrders.append("{\"order_id\":\"O-\(nextOrder)\",\"user_id\":\"\(user)\",\"placed_at\":\"2025-\(String(format: "%02d-%02dT%02d:%02d:00Z", Int.random(in: 1...6, using: &random), Int.random(in: 1...28, using: &random), Int.random(in: 0...23, using: &random), Int.random(in: 0...59, using: &random)))\",\"total\":\(total),\"currency\":\"\(euro ? "EUR" : "GBP")\",\"items\":\(Int.random(in: 1...6, using: &random)),\"status\":\"\(["delivered", "delivered", "delivered", "shipped", "returned"].randomElement(using: &random)!)\"}\n")
        }
    }

    mutating func addPOS(_ person: Person, random: inout SplitMix64) {
        nextCard += 1
        let card = "6337 \(String(format: "%04d", (nextCard * 7_919) % 10_000)) \(String(format: "%04d", nextCard))"
        truth.append(("pos:\(card.filter(\.isNumber))", person.id))
        // The tills know no accents and shout; some cardholders give a nickname.
        let given = random.chance(0.3) ? (nickname(person.given) ?? person.given) : person.given
        let holder = ascii("\(given) \(person.family)").uppercased()
        // The till asks for a phone number or a postcode; visitors from abroad give a phone.
        let hasPhone = person.country != "GB" || !random.chance(0.3)
        let hasPostcode = person.country == "GB" && (!hasPhone || !random.chance(0.5))
        let phone = !hasPhone ? "" : person.country == "GB" ? "0\(person.mobile)" : "+\(person.callingCode)\(person.mobile)"
        let postcode = hasPostcode ? (person.newPostcode ?? person.postcode) : ""
        for _ in 0..<Int.random(in: 1...6, using: &random) {
            nextReceipt += Int.random(in: 1...40, using: &random)
            let amount = Int.random(in: 199...12_000, using: &random)
            pos.append(["R\(nextReceipt)", ["LON-01", "LON-02", "MAN-01", "BHM-01", "EDI-01", "ONLINE-COLLECT"].randomElement(using: &random)!,
                        String(format: "%02d.%02d.2025", Int.random(in: 1...28, using: &random), Int.random(in: 1...6, using: &random)),
                        String(format: "%02d:%02d", Int.random(in: 8...20, using: &random), Int.random(in: 0...59, using: &random)),
                        card, holder, phone, postcode, "\(amount / 100),\(String(format: "%02d", amount % 100))"].joined(separator: ";") + "\n")
        }
    }

    mutating func addSupport(_ person: Person, random: inout SplitMix64) {
        nextRequester += Int.random(in: 1...9, using: &random)
        let requester = String(format: "R-%05d", nextRequester)
        truth.append(("support:\(requester)", person.id))
        let name = random.chance(0.2) ? "\(nickname(person.given) ?? person.given) \(person.family)" : "\(person.given) \(person.family)"
        let email = random.chance(0.5) ? (person.newEmail ?? person.email) : person.email
        let phone = random.chance(0.7) ? "null" : json("+\(person.callingCode)\(person.mobile)")
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            nextTicket += 1
            let status = ["open", "pending", "solved", "solved", "closed"].randomElement(using: &random)!
            let subject = ["Where is my order?", "Refund not received", "Change my address", "Loyalty points missing",
                           "Damaged item", "Cancel my subscription", "Question about sizing"].randomElement(using: &random)!
            tickets.append("""
                {"ticket": "ZD-\(nextTicket)", "opened_at": "2025-\(String(format: "%02d-%02dT%02d:%02d:00Z", Int.random(in: 1...6, using: &random), Int.random(in: 1...28, using: &random), Int.random(in: 0...23, using: &random), Int.random(in: 0...59, using: &random)))", "status": "\(status)", "channel": "\(["email", "chat", "phone"].randomElement(using: &random)!)", "subject": \(json(subject)),
                     "requester": {"id": "\(requester)", "name": \(json(name)), "email": \(json(email)), "phone": \(phone)}}
                """)
        }
    }

    /// A few records each system gets wrong, so that every kind of rejection shows.
    mutating func addBadRecords(random: inout SplitMix64) {
        crm.append("C999001,Mr,,,,,,UK,03/03/2024 10:00\r\n")                                   // no name, no contact point
        crm.append("C999002,,Ann Example,31/02/1984,ann@example.com,,N1 9GU,UK,03/03/2024 10:00\r\n")  // no such day
        crm.append("C999003,,\"Bob \"\"The Builder\"\" Example\",01/01/1970,bob@,,N1 9GU,UK,03/03/2024 10:00\r\n")  // an email without a domain
        crm.append("C999004,,Old Example,01/01/1850,old@example.com,,N1 9GU,UK,03/03/2024 10:00\r\n")  // born too early
        shopCustomers.append("{\"user_id\":\"U999001\",\"first_name\":\"Broken\",\"last_name\":\"Line\",\"email\":\n")   // cut off
        shopCustomers.append("{\"first_name\":\"No\",\"last_name\":\"Id\",\"email\":\"no.id@example.com\"}\n")          // no user id
        shopOrders.append("{\"order_id\":\"O-999001\",\"user_id\":\"U999999\",\"placed_at\":\"2025-02-02T10:00:00Z\",\"total\":19.99,\"currency\":\"GBP\",\"items\":1,\"status\":\"delivered\"}\n")  // an account that is not in the export
        shopOrders.append("{\"order_id\":\"O-999002\",\"user_id\":\"U100230\",\"placed_at\":\"2025-02-02T10:00:00Z\",\"total\":\"N/A\",\"currency\":\"GBP\",\"items\":1,\"status\":\"delivered\"}\n")  // no amount
        pos.append("R999001;LON-01;31.04.2025;12:00;6337 0000 9999;A CUSTOMER;;;9,99\n")           // no such day
    }
}

extension SplitMix64 {
    /// `true` with probability `p`.
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

func digits(_ count: Int, _ random: inout SplitMix64) -> String {
    String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &random))) })
}

/// One typing error: two neighbours swapped, or a letter dropped or doubled.
func typo(_ text: String, _ random: inout SplitMix64) -> String {
    var characters = Array(text)
    guard characters.count > 3 else { return text }
    let at = Int.random(in: 1..<(characters.count - 1), using: &random)
    switch Int.random(in: 0..<3, using: &random) {
    case 0: characters.swapAt(at, at - 1)
    case 1: characters.remove(at: at)
    default: characters.insert(characters[at], at: at)
    }
    return String(characters)
}

func nickname(_ given: String) -> String? {
    ["William": "Bill", "Robert": "Bob", "Elizabeth": "Liz", "Katherine": "Kate", "James": "Jim", "Margaret": "Maggie",
     "Michael": "Mike", "Richard": "Rick", "Thomas": "Tom", "Joseph": "Joe", "Christopher": "Chris", "Daniel": "Dan",
     "Matthew": "Matt", "Anthony": "Tony", "Jennifer": "Jen", "Patricia": "Patty", "Susan": "Sue"][given]
}

func ascii(_ text: String) -> String {
    text.applyingTransform(.stripDiacritics, reverse: false)!.replacingOccurrences(of: "ø", with: "o")
        .replacingOccurrences(of: "Ø", with: "O").replacingOccurrences(of: "ł", with: "l")
}

func json(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}

func csvField(_ text: String) -> String {
    text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
}
