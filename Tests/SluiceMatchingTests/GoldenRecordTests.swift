import Testing
import SluiceMatching
import SluiceCore

struct Contact: Sendable {
    var id: String
    var system: String
    var name: String?
    var email: String?
    var postcode: String?
    var address: String?
    var updated: Int?
}

@Suite struct GoldenRecordTests {
    let contacts = [
        Contact(id: "c3", system: "shop", name: "Ann Lee", email: "ann@old.com", postcode: "M1 1AE", address: "1 Main St", updated: 10),
        Contact(id: "c1", system: "crm", name: "Ann B. Lee", email: "ann@new.com", postcode: "M1 1AE", address: nil, updated: 20),
        Contact(id: "c2", system: "web", name: "A Lee", email: nil, postcode: "M1 1AF", address: "Flat 2, 1 Main Street", updated: nil),
        Contact(id: "d1", system: "shop", name: "Bo", email: nil, postcode: nil, address: nil, updated: 5),
    ]
    let golden = GoldenRecords<Contact>(id: { $0.id }, source: { $0.system }, rules: [
        .sourcePriority("name", ["crm", "shop"]) { $0.name },
        .mostRecent("email", { $0.email }, time: { $0.updated }),
        .mostFrequent("postcode") { $0.postcode },
        .longest("address") { $0.address },
        .firstNonEmpty("first name seen") { $0.name },
    ])

    @Test func eachFieldSurvivesByItsRuleAndRecordsItsOrigin() throws {
        let records = try golden.build(contacts, clusterOf: ["c1", "c1", "c1", "d1"])
        #expect(records.map(\.entity) == ["c1", "d1"])
        let ann = records[0]
        #expect(ann.members == ["c1", "c2", "c3"])
        #expect(ann["name"] == GoldenField(name: "name", value: "Ann B. Lee", recordID: "c1", source: "crm"))
        #expect(ann["email"]?.value == "ann@new.com")
        #expect(ann["postcode"]?.value == "M1 1AE")
        #expect(ann["address"]?.recordID == "c2")
        #expect(ann["first name seen"]?.recordID == "c3")
        let bo = records[1]
        #expect(bo["email"] == GoldenField(name: "email", value: nil, recordID: nil, source: nil))
    }

    @Test func inputOrderDoesNotChangeTheResultExceptForFirstSeen() throws {
        let forwards = try golden.build(contacts, clusterOf: ["c1", "c1", "c1", "d1"])
        let backwards = try golden.build(contacts.reversed(), clusterOf: ["d1", "c1", "c1", "c1"])
        for (a, b) in zip(forwards, backwards) {
            #expect(a.fields.dropLast() == b.fields.dropLast())
        }
    }

    @Test func entitiesThatDoNotMatchTheRecordsAreAnErrorNotACrash() {
        let golden = GoldenRecords<String>(id: { $0 }, source: { _ in "crm" }, rules: [.firstNonEmpty("name") { $0 }])
        #expect(throws: RecordError.self) { try golden.build(["a", "b"], clusterOf: ["e1"]) }
    }
}
