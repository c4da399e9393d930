import Foundation
import Testing
import Sluice
import SluiceTesting

struct Signup: Codable, Sendable, Equatable {
    var id: String
    var email: String?
    var age: Int?
    var country: String?
    var postcode: String?
    var joined: String?
    var origin: String
}

@Suite struct ValidationTests {
    let dates = DateStandardiser(formats: ["yyyy-MM-dd"])

    var rules: [ValidationRule<Signup>] {
        let dates = dates
        return [
            .required("email") { $0.email },
            .range("age", 16...130) { $0.age },
            .allowed("country", ["GB", "IE"]) { $0.country },
            .pattern("postcode", #"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}"#) { $0.postcode },
            .type("joined", .date(dates)) { $0.joined },
            .crossField("adult in IE", "Irish sign-ups must be 18 or over") { $0.country != "IE" || ($0.age ?? 0) >= 18 },
        ]
    }

    @Test func aRecordFailingSeveralRulesIsOneDeadLetterNamingThemAll() throws {
        var harness = try StageHarness(Validate(rules))
        let good = Signup(id: "1", email: "a@b.co", age: 30, country: "GB", postcode: "SW1A 1AA", joined: "2024-01-02", origin: "web")
        let bad = Signup(id: "2", email: " ", age: 17, country: "IE", postcode: "sw1a", joined: "yesterday", origin: "shop")
        try harness.push(good, bad)
        try harness.endInput()
        #expect(harness.takeOutput() == [good])
        let letter = try #require(harness.deadLetters.first)
        #expect(harness.deadLetters.count == 1)
        #expect(letter.error.hasPrefix("failed 4 rules: email: missing; postcode: 'sw1a' does not match"))
        #expect(letter.error.contains("joined: 'yesterday' is not a date in yyyy-MM-dd"))
        #expect(letter.error.contains("adult in IE: Irish sign-ups must be 18 or over"))
        #expect(letter.rawInput.contains("id: \"2\""))
    }

    @Test func missingOptionalValuesPassEveryRuleButRequired() throws {
        var harness = try StageHarness(Validate(rules))
        try harness.push(Signup(id: "3", email: "x@y.org", age: nil, country: nil, postcode: nil, joined: nil, origin: "web"))
        try harness.endInput()
        #expect(harness.takeOutput().count == 1)
        #expect(harness.deadLetters.isEmpty)
    }

    @Test func theQualityReportCountsPerRuleAndSource() async throws {
        let quality = DataQualityReport()
        let signups = [
            Signup(id: "1", email: "a@b.co", age: 30, country: "GB", postcode: "M1 1AE", joined: "2024-01-02", origin: "web"),
            Signup(id: "2", email: nil, age: 200, country: "FR", postcode: nil, joined: nil, origin: "web"),
            Signup(id: "3", email: "c@d.co", age: 40, country: "IE", postcode: nil, joined: "2024-13-01", origin: "shop"),
        ]
        let dead = Collector<DeadLetter>()
        let valid = Collector<Signup>()
        let rules = rules
        _ = try await Pipeline("signups") {
            Source.collection(signups)
            Validate(rules, source: { $0.origin }, report: quality).named("checks").parallelism(2)
            Sink.collect(into: valid)
        }.deadLetters(to: Sink.collect(into: dead)).run()
        #expect(valid.elements.map(\.id) == ["1"])
        #expect(Set(dead.elements.map(\.stage)) == ["checks"])
        #expect(quality.counts(rule: "email", source: "web") == .init(passed: 1, failed: 1))
        #expect(quality.counts(rule: "joined") == .init(passed: 2, failed: 1))
        #expect(quality.counts(rule: "country", source: "shop") == .init(passed: 1, failed: 0))
        #expect(quality.description.contains("joined       shop         0       1"))
        #expect(quality.rules.count == 6)
    }

    /// Validation.md: valid and invalid records as two streams, counted in the report.
    @Test func validationCanSplitTheStreamInsteadOfDeadLettering() async throws {
        let signups = [
            Signup(id: "1", email: "a@b.co", age: 30, country: "GB", postcode: "M1 1AE", joined: "2024-01-02", origin: "web"),
            Signup(id: "2", email: nil, age: 200, country: "FR", postcode: nil, joined: nil, origin: "web"),
            Signup(id: "3", email: "c@d.co", age: 40, country: "IE", postcode: nil, joined: "2024-13-01", origin: "shop"),
        ]
        let quality = DataQualityReport()
        let valid = Collector<Signup>(), review = Collector<Invalid<Signup>>()
        let stream = DataStream("signups") { Source.collection(signups) }
        let (passed, failed) = stream.validate(rules, source: { $0.origin }, report: quality)
        let report = try await Pipeline("signups") {
            passed.write(to: Sink.collect(into: valid))
            failed.write(to: Sink.collect(into: review))
        }.run()
        #expect(valid.elements.map(\.id) == ["1"])
        #expect(review.elements.map(\.element.id).sorted() == ["2", "3"])
        #expect(review.elements.first { $0.element.id == "2" }?.failures == ["email: missing", "age: 200 is outside 16…130", "country: 'FR' is not one of GB, IE"])
        #expect(report.deadLetters.isEmpty)
        #expect(report[stage: "validate"]?.recordsOut == 3)
        #expect(quality.counts(rule: "email", source: "web") == .init(passed: 1, failed: 1))
    }

    @Test func anInvalidPatternIsReportedNotACrash() throws {
        var harness = try StageHarness(Validate([ValidationRule<Signup>.pattern("bad", "([", { $0.id })]))
        try harness.push(Signup(id: "1", origin: "x"))
        #expect(harness.deadLetters.first?.error.contains("not a valid regular expression") == true)
    }
}

extension Signup {
    init(id: String, origin: String) {
        self.init(id: id, email: nil, age: nil, country: nil, postcode: nil, joined: nil, origin: origin)
    }
}
