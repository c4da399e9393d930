// Generated from Documentation/Validation.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Validation {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // Documentation/Validation.md, line 9
    struct Signup: Codable, Sendable { var id, origin: String; var email: String?; var age: Int?; var country, postcode, joined: String? }

    // Documentation/Validation.md, line 9
    static func block1() async throws {


        let dates = DateStandardiser(formats: ["yyyy-MM-dd"])
        let rules: [ValidationRule<Signup>] = [
            .required("email") { $0.email },
            .range("age", 16...130) { $0.age },
            .allowed("country", ["GB", "IE"]) { $0.country },
            .pattern("postcode", #"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}"#) { $0.postcode },
            .type("joined", .date(dates)) { $0.joined },
            .crossField("adult in IE", "Irish sign-ups must be 18 or over") { $0.country != "IE" || ($0.age ?? 0) >= 18 },
            .custom("id shape") { $0.id.hasPrefix("s-") ? nil : "ids start with s-" },
        ]

        let quality = DataQualityReport()
        let report = try await Pipeline("signups") {
            Source.jsonLines("signups/*.jsonl", as: Signup.self)
            Validate(rules, source: { $0.origin }, report: quality).named("checks")
            Sink.jsonLines("valid.jsonl", of: Signup.self)
        }.deadLetters(to: Sink.jsonLines("invalid.jsonl", of: DeadLetter.self)).run()
        print(quality)
        _ = dates
        _ = rules
        _ = quality
        _ = report
    }

    // Documentation/Validation.md, line 63
    static func block2() async throws {
        let rules: [ValidationRule<Signup>] = [.required("email") { $0.email }]
        let quality = DataQualityReport()
        let signups = DataStream("signups") { Source.jsonLines("signups/*.jsonl", as: Signup.self) }
        let (valid, invalid) = signups.validate(rules, source: { $0.origin }, report: quality)
        let pipeline = Pipeline("signups") {
            valid.write(to: Sink.jsonLines("valid.jsonl"))
            invalid.write(to: Sink.jsonLines("to-review.jsonl"))
        }
        _ = rules
        _ = quality
        _ = signups
        _ = valid
        _ = invalid
        _ = pipeline
    }

    // Documentation/Validation.md, line 95
    static func block3() async throws {
        struct Contact: Sendable { var system: String; var file: String; var line: Int; var email: String? }
        let rules: [ValidationRule<Contact>] = [.required("email") { $0.email }]
        let quality = DataQualityReport()
        _ = Validate(rules, source: { $0.system }, location: { SourceLocation(origin: $0.file, line: $0.line) }, report: quality)
        _ = rules
        _ = quality
    }
}
