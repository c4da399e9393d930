import SluiceCore

/// A seeded generator of people records with known duplicates, for testing and benchmarking
/// entity resolution: a share of the people appear 1–3 more times, each copy corrupted the
/// way real data is — typing errors, first and last names swapped, nicknames, missing
/// values, dates in other formats, day and month swapped.
public struct SyntheticPeople: Sendable {
    /// One generated record.
    public struct Person: Sendable, Hashable, Codable {
        /// Unique per record.
        public var id: String
        /// The person it describes (the truth).
        public var entity: Int
        /// Given name, family name.
        public var first: String?, last: String?
        /// In one of several formats.
        public var birthDate: String?
        /// A UK-style postcode.
        public var postcode: String?
        /// The town.
        public var city: String?
        /// An email address.
        public var email: String?
    }

    /// The records, duplicates shuffled in.
    public let records: [Person]

    /// Pairs of record ids that describe the same person, smaller id first.
    public var truePairs: Set<[String]> {
        var byEntity: [Int: [String]] = [:]
        for record in records { byEntity[record.entity, default: []].append(record.id) }
        var pairs = Set<[String]>()
        for ids in byEntity.values where ids.count > 1 {
            for i in 0..<ids.count { for j in (i + 1)..<ids.count { pairs.insert([ids[i], ids[j]].sorted()) } }
        }
        return pairs
    }

    /// About `count` records, of which `duplicateShare` of the people have 1–3 corrupted copies.
    public init(count: Int, duplicateShare: Double = 0.3, seed: UInt64 = 7) {
        var random = SplitMix64(seed: seed)
        func chance(_ p: Double) -> Bool { Double(random.next() % 1_000_000) / 1_000_000 < p }
        func pick<T>(_ list: [T], skew: Bool = true) -> T {
            // Skewed like real name frequencies: the most common name is a few percent of
            // people, the rarest a few in ten thousand.
            if skew {
                let u = Double(random.next() % 1_000_000) / 1_000_000
                return list[min(list.count - 1, Int(Double(list.count) * u * u.squareRoot()))]
            }
            return list[Int(random.next() % UInt64(list.count))]
        }
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        func typo(_ text: String) -> String {
            var characters = Array(text)
            guard characters.count > 2 else { return text }
            let position = 1 + Int(random.next() % UInt64(characters.count - 1))
            switch random.next() % 4 {
            case 0: characters[position] = letters[Int(random.next() % 26)]
            case 1: characters.remove(at: position)
            case 2: if position < characters.count - 1 { characters.swapAt(position, position + 1) } else { characters.remove(at: position) }
            default: characters.insert(letters[Int(random.next() % 26)], at: position)
            }
            let result = String(characters)
            return text.first?.isUppercase == true ? result.prefix(1).uppercased() + result.dropFirst() : result
        }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func format(_ year: Int, _ month: Int, _ day: Int, style: UInt64) -> String {
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            switch style % 4 {
            case 0: return "\(year)-\(two(month))-\(two(day))"
            case 1: return "\(two(day))/\(two(month))/\(year)"
            case 2: return "\(day) \(months[month - 1]) \(year)"
            default: return "\(two(day)).\(two(month)).\(year)"
            }
        }
        var people: [Person] = []
        let originals = max(1, Int(Double(count) / (1 + duplicateShare * 2)))
        var nextID = 0
        func newID() -> String {
            nextID += 1
            let digits = String(nextID)
            return "r" + String(repeating: "0", count: max(0, 7 - digits.count)) + digits
        }
        let nicknamesOf = Dictionary(grouping: Nicknames.english, by: \.value).mapValues { $0.map(\.key).sorted() }
        for entity in 0..<originals {
            let first = pick(Self.firstNames), last = pick(Self.lastNames)
            let year = 1940 + Int(random.next() % 65), month = 1 + Int(random.next() % 12), day = 1 + Int(random.next() % 28)
            let city = pick(Self.cities)
            let postcode = "\(city.prefix(2).uppercased())\(1 + random.next() % 20) \(random.next() % 10)\(letters[Int(random.next() % 26)])\(letters[Int(random.next() % 26)])".uppercased()
            let email = "\(first.lowercased()).\(last.lowercased())\(random.next() % 100)@\(pick(["mail.com", "post.net", "inbox.org"], skew: false))"
            let original = Person(id: newID(), entity: entity, first: first, last: last,
                                  birthDate: format(year, month, day, style: random.next() % 2 == 0 ? 0 : random.next()),
                                  postcode: chance(0.05) ? nil : postcode, city: city, email: chance(0.2) ? nil : email)
            people.append(original)
            guard chance(duplicateShare) else { continue }
            let copies = 1 + Int(random.next() % 3)
            for _ in 0..<copies {
                var copy = original
                copy.id = newID()
                copy.birthDate = format(year, month, day, style: random.next())
                if chance(0.25) { copy.first = typo(first) }
                if chance(0.25) { copy.last = typo(last) }
                if chance(0.12), let nicknames = nicknamesOf[first.lowercased()], !nicknames.isEmpty {
                    let nickname = pick(nicknames, skew: false)
                    copy.first = nickname.prefix(1).uppercased() + nickname.dropFirst()
                }
                if chance(0.08) { (copy.first, copy.last) = (copy.last, copy.first) }
                if chance(0.05) { copy.birthDate = format(year, day <= 12 ? day : month, day <= 12 ? month : day, style: random.next()) }
                if chance(0.05) { copy.birthDate = format(year + (random.next() % 2 == 0 ? 1 : -1), month, day, style: random.next()) }
                if chance(0.1) { copy.birthDate = nil }
                if chance(0.1) { copy.postcode = nil } else if chance(0.1), let code = copy.postcode { copy.postcode = typo(code) }
                if chance(0.3) { copy.email = nil }
                if chance(0.1) { copy.city = nil }
                if chance(0.05) { copy.first = nil }
                people.append(copy)
            }
        }
        // Shuffle, seeded, so that copies are not next to their original.
        for index in stride(from: people.count - 1, to: 0, by: -1) {
            people.swapAt(index, Int(random.next() % UInt64(index + 1)))
        }
        records = people
    }

    static let firstNames = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
        "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Christopher", "Nancy",
        "Daniel", "Lisa", "Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra", "Donald", "Ashley", "Steven", "Kimberly",
        "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kenneth", "Dorothy", "Kevin", "Carol", "Brian", "Amanda",
        "George", "Melissa", "Edward", "Deborah", "Ronald", "Stephanie", "Timothy", "Rebecca", "Jason", "Sharon", "Jeffrey", "Laura",
        "Ryan", "Cynthia", "Jacob", "Kathleen", "Gary", "Amy", "Nicholas", "Shirley", "Eric", "Angela", "Jonathan", "Helen",
        "Stephen", "Anna", "Larry", "Brenda", "Justin", "Pamela", "Scott", "Nicole", "Brandon", "Emma", "Benjamin", "Samantha",
        "Samuel", "Katherine", "Gregory", "Christine", "Frank", "Debra", "Alexander", "Rachel", "Raymond", "Catherine", "Patrick",
        "Carolyn", "Jack", "Janet", "Dennis", "Ruth", "Jerry", "Maria", "Tyler", "Heather", "Aaron", "Diane", "Jose", "Virginia",
        "Adam", "Julie", "Henry", "Joyce", "Nathan", "Victoria", "Douglas", "Olivia", "Zachary", "Kelly", "Peter", "Christina",
        "Kyle", "Lauren", "Walter", "Joan", "Ethan", "Evelyn", "Jeremy", "Judith", "Harold", "Megan", "Keith", "Cheryl", "Christian",
        "Andrea", "Roger", "Hannah", "Noah", "Martha", "Gerald", "Jacqueline", "Carl", "Frances", "Terry", "Gloria", "Sean", "Ann",
        "Austin", "Teresa", "Arthur", "Kathryn", "Lawrence", "Sara", "Jesse", "Janice", "Dylan", "Jean", "Bryan", "Alice", "Joe",
        "Madison", "Jordan", "Doris", "Billy", "Abigail", "Bruce", "Julia", "Albert", "Judy", "Willie", "Grace", "Gabriel", "Denise",
        "Logan", "Amber", "Alan", "Marilyn", "Juan", "Beverly", "Wayne", "Danielle", "Roy", "Theresa", "Ralph", "Sophia", "Randy",
        "Marie", "Eugene", "Diana", "Vincent", "Brittany", "Russell", "Natalie", "Elijah", "Isabella", "Louis", "Charlotte", "Bobby",
        "Rose", "Philip", "Alexis", "Johnny", "Kayla", "Zoë", "Søren", "José", "Chloé", "Björn", "Zoltán"]

    static let lastNames = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
        "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez",
        "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
        "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell",
        "Mitchell", "Carter", "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards", "Collins",
        "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers", "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson",
        "Bailey", "Reed", "Kelly", "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez", "Wood",
        "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez", "Castillo", "Sanders", "Patel", "Myers",
        "Long", "Ross", "Foster", "Jimenez", "Powell", "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler",
        "Henderson", "Barnes", "Gonzales", "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Patterson", "Alexander", "Hamilton",
        "Graham", "Reynolds", "Griffin", "Wallace", "Moreno", "West", "Cole", "Hayes", "Bryant", "Herrera", "Gibson", "Ellis",
        "Tran", "Medina", "Aguilar", "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens", "Harrison", "Fernandez",
        "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen", "Freeman", "Webb", "Tucker", "Guzman",
        "Burns", "Crawford", "Olson", "Simpson", "Porter", "Hunter", "Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason",
        "Dixon", "Munoz", "Hunt", "Hicks", "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd", "Rose", "Stone", "Salazar",
        "Fox", "Warren", "Mills", "Meyer", "Rice", "Schmidt", "Garza", "Daniels", "Ferguson", "Nichols", "Stephens", "Soto",
        "Weaver", "Ryan", "Gardner", "Payne", "Grant", "Dunn", "Kelley", "Spencer", "Hawkins", "Arnold", "Pierce", "Vazquez",
        "Hansen", "Peters", "Santos", "Hart", "Bradley", "Knight", "Elliott", "Cunningham", "Duncan", "Armstrong", "Hudson",
        "Carroll", "Lane", "Riley", "Andrews", "Alvarado", "Ray", "Delgado", "Berry", "Perkins", "Hoffman", "Johnston", "Matthews",
        "Peña", "Richards", "Contreras", "Willis", "Carpenter", "Lawrence", "Sandoval", "Müller", "O'Brien", "Nowak", "Kowalski"]

    static let cities = ["London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Liverpool", "Bristol", "Sheffield", "Edinburgh",
        "Cardiff", "Leicester", "Coventry", "Bradford", "Belfast", "Nottingham", "Hull", "Newcastle", "Stoke", "Southampton",
        "Derby", "Portsmouth", "Brighton", "Plymouth", "Northampton", "Reading", "Luton", "Wolverhampton", "Bolton", "Aberdeen",
        "Bournemouth", "Norwich", "Swindon", "Swansea", "Oxford", "Cambridge", "York", "Exeter", "Bath", "Dundee", "Inverness"]
}
