import Foundation
import Testing
import Sluice
import SluiceTesting

struct RawCustomer: Codable, Sendable { var id: String; var email: String; var phone: String; var postcode: String; var born: String }
struct Customer: Codable, Sendable, Equatable { var id: String; var email: String?; var phone: String?; var postcode: String?; var born: String? }

@Suite struct StandardisationGuideTests {
    @Test func theGuidesPipelineRuns() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let input = try directory.write("""
            id,email,phone,postcode,born
            c1, Ann@Example.com ,020 7946 0958,sw1a1aa,7 Mar 1984
            c2,bad@,not a phone,??,someday
            c1,ann@example.com,020 7946 0958,SW1A 1AA,1984-03-07
            """, to: "customers.csv")
        let output = directory.file("customers.jsonl")
        let dates = DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy", "d MMM yyyy"])
        _ = try await Pipeline("customers") {
            Source.csv(input, as: RawCustomer.self)
            Map { (raw: RawCustomer) in
                Customer(id: raw.id, email: Standardise.email(raw.email),
                         phone: Standardise.phoneE164(raw.phone, defaultCountry: "GB"),
                         postcode: Standardise.postcode(raw.postcode, country: "GB"), born: dates.iso(raw.born))
            }
            KeyBy(\Customer.id).deduplicate()
            Sink.jsonLines(output, of: Customer.self)
        }.run()
        let decoder = JSONRecordDecoder()
        let customers = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            .map { try decoder.decode(Customer.self, from: String($0)) }
        #expect(customers == [
            Customer(id: "c1", email: "ann@example.com", phone: "+442079460958", postcode: "SW1A 1AA", born: "1984-03-07"),
            Customer(id: "c2", email: nil, phone: nil, postcode: nil, born: nil),
        ])
    }
}
