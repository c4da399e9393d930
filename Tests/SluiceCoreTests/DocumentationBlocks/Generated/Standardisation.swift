// Generated from Documentation/Standardisation.md by .ci/documentation-blocks.swift: do not edit; edit the page.

import Foundation
import Sluice
import SluiceTesting
import Testing

enum Doc_Standardisation {
    static let pipeline = Pipeline("example") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }
    static func documented<T>(_ value: T) {}

    // The page's context.
    struct RawCustomer: Codable, Sendable { var id: String; var email: String; var phone: String; var postcode: String; var born: String }
    struct Customer: Codable, Sendable { var id: String; var email: String?; var phone: String?; var postcode: String?; var born: String? }
    struct Order: Codable, Sendable { var id: String; var placedAt: Int64 }
    static let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy"])

    // Documentation/Standardisation.md, line 14
    static func block1() async throws {

        _ = Pipeline("customers") {
            Source.csv("customers.csv", as: RawCustomer.self)
            Map { (raw: RawCustomer) in
                Customer(id: raw.id,
                         email: Standardise.email(raw.email),
                         phone: Standardise.phoneE164(raw.phone, defaultCountry: "GB"),
                         postcode: Standardise.postcode(raw.postcode, country: "GB"),
                         born: dates.iso(raw.born))
            }
            KeyBy(\Customer.id).deduplicate()
            Sink.jsonLines("customers.jsonl", of: Customer.self)
        }
    }

    // Documentation/Standardisation.md, line 81
    static func block2() async throws {
        let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy", "d MMM yyyy", "MMMM d, yyyy"])
        documented(dates.iso("7 mar 1984"))  // "1984-03-07"
        documented(dates.iso("March 7, 1984"))  // "1984-03-07"
        documented(dates.iso("29/02/1900"))  // nil: 1900 was not a leap year
        documented(dates.iso("1984-3-7"))  // nil: "MM" and "dd" want two digits
        documented(dates.iso("07.03.1984"))  // nil: not a listed format
        _ = dates
    }

    // Documentation/Standardisation.md, line 99
    static func block3() async throws {
        _ = KeyBy(\Order.id).deduplicate(within: .seconds(24 * 3600)) { Timestamp(millisecondsSinceEpoch: $0.placedAt) }
    }
}

@Suite struct Doc_Standardisation_Runs {
    @Test func block2() async throws { try await Doc_Standardisation.block2() }
}
