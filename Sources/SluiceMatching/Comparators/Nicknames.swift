/// Common English given-name nicknames and their full forms, lowercased: "bob" → "robert".
public enum Nicknames {
    /// Nickname → full form.
    public static let english: [String: String] = {
        let groups: [String: [String]] = [
            "robert": ["bob", "bobby", "rob", "robbie", "bert"], "william": ["bill", "billy", "will", "willy", "liam"],
            "richard": ["dick", "rick", "ricky", "rich", "richie"], "james": ["jim", "jimmy", "jamie"],
            "john": ["jack", "johnny", "jon"], "jonathan": ["jon", "jonny"], "michael": ["mike", "mikey", "mick"],
            "thomas": ["tom", "tommy"], "charles": ["charlie", "chuck", "chas"], "joseph": ["joe", "joey"],
            "daniel": ["dan", "danny"], "david": ["dave", "davy"], "edward": ["ed", "eddie", "ted", "ned"],
            "anthony": ["tony"], "christopher": ["chris", "kit"], "matthew": ["matt"], "andrew": ["andy", "drew"],
            "joshua": ["josh"], "nicholas": ["nick", "nicky"], "benjamin": ["ben", "benny"], "samuel": ["sam", "sammy"],
            "alexander": ["alex", "sandy", "xander"], "patrick": ["pat", "paddy"], "peter": ["pete"],
            "stephen": ["steve"], "steven": ["steve"], "timothy": ["tim", "timmy"], "gregory": ["greg"],
            "kenneth": ["ken", "kenny"], "ronald": ["ron", "ronnie"], "donald": ["don", "donny"],
            "lawrence": ["larry"], "leonard": ["leo", "len", "lenny"], "frederick": ["fred", "freddie"],
            "henry": ["harry", "hank"], "harold": ["harry", "hal"], "francis": ["frank", "fran"], "gerald": ["gerry", "jerry"],
            "raymond": ["ray"], "douglas": ["doug"], "philip": ["phil"], "zachary": ["zach", "zack"], "eugene": ["gene"],
            "elizabeth": ["liz", "lizzie", "beth", "betty", "eliza", "elsie", "libby"], "margaret": ["maggie", "meg", "peggy", "marge"],
            "catherine": ["cathy", "kate", "katie", "cat"], "katherine": ["kathy", "kate", "katie", "kat"],
            "jennifer": ["jen", "jenny"], "jessica": ["jess", "jessie"], "patricia": ["pat", "patty", "trish"],
            "susan": ["sue", "suzy"], "deborah": ["deb", "debbie"], "rebecca": ["becky", "becca"], "victoria": ["vicky", "tori"],
            "christine": ["chris", "chrissy", "tina"], "christina": ["chris", "tina"], "barbara": ["barb", "babs"],
            "dorothy": ["dot", "dottie"], "abigail": ["abby", "gail"], "samantha": ["sam", "sammy"],
            "alexandra": ["alex", "sandra", "lexi"], "kimberly": ["kim"], "pamela": ["pam"], "cynthia": ["cindy"],
            "judith": ["judy"], "theresa": ["terry", "tess"], "jacqueline": ["jackie"], "josephine": ["jo", "josie"],
            "eleanor": ["ellie", "nora"], "florence": ["flo"], "frances": ["fran", "frankie"], "amanda": ["mandy"],
            "melissa": ["mel", "missy"], "nancy": ["nan"], "sarah": ["sally", "sadie"], "anne": ["annie", "nan"],
            "mary": ["molly", "polly", "mae"], "helen": ["nell"], "virginia": ["ginny"], "valerie": ["val"],
        ]
        var table: [String: String] = [:]
        for (full, nicknames) in groups.sorted(by: { $0.key < $1.key }) {
            for nickname in nicknames where table[nickname] == nil { table[nickname] = full }
        }
        return table
    }()
}
