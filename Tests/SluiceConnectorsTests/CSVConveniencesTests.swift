import Foundation
import Testing
import Sluice
import SluiceTesting

/// Decimal commas and thousands separators, snake_case columns, and exact integers in CSV.
@Suite struct CSVConveniencesTests {
    struct Sale: Codable, Sendable, Equatable { var name: String; var amount: Double; var units: Int; var exact: Decimal }
    struct Big: Codable, Sendable { var n: UInt64 }

    func read<T: Decodable & Sendable>(_ text: String, as type: T.Type, _ options: CSVOptions) async throws -> SourceHarness.Result<T> {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = try directory.write(text, to: "in.csv")
        return try await SourceHarness.readAll(Source.csv(path, as: T.self, options: options).onError(.deadLetter))
    }

    @Test func numbersWithADecimalCommaAndThousandsSeparatorsAreReadExactly() async throws {
        let text = "name;amount;units;exact\nA;1.234,56;1.000;0,10\nB; 7,5 ;12;-3\nC;1.23,4;1;1\nD;1,2,3;1;1\nE;1234,5;2.000.000;1.000.000,01\n"
        let result = try await read(text, as: Sale.self, CSVOptions(delimiter: ";", numberFormat: .decimalComma))
        #expect(result.elements == [
            Sale(name: "A", amount: 1234.56, units: 1000, exact: Decimal(string: "0.10")!),
            Sale(name: "B", amount: 7.5, units: 12, exact: -3),
            Sale(name: "E", amount: 1234.5, units: 2_000_000, exact: Decimal(string: "1000000.01")!),
        ])
        #expect(result.deadLetters.map(\.location?.line) == [4, 5])
        #expect(result.deadLetters.first?.location?.field == "amount")
        let plain = try await read("name,amount,units,exact\nA,1234.5,3,0.1\nB,\"1,234.5\",3,1\n", as: Sale.self, CSVOptions())
        #expect(plain.elements.map(\.amount) == [1234.5])
        #expect(plain.deadLetters.count == 1)
        let us = try await read("name,amount,units,exact\nA,\"1,234.5\",\"1,000\",2\n", as: Sale.self,
                                CSVOptions(numberFormat: CSVNumberFormat(decimalSeparator: ".", groupingSeparator: ",")))
        #expect(us.elements.map(\.amount) == [1234.5])
        #expect(us.elements.map(\.units) == [1000])
    }

    @Test func snakeCaseColumnsMatchCamelCaseProperties() async throws {
        let text = "first_name,last_name,customer_id\nAnn,Lee,C1\n"
        struct Row: Codable, Sendable, Equatable { var firstName: String; var lastName: String; var customerId: String }
        let result = try await read(text, as: Row.self, CSVOptions(keyDecoding: .convertFromSnakeCase))
        #expect(result.elements == [Row(firstName: "Ann", lastName: "Lee", customerId: "C1")])
        // Without the conversion the header does not fit the type, and the run says so.
        await #expect(throws: (any Error).self) { _ = try await read(text, as: Row.self, CSVOptions()) }
    }

    @Test func unsignedIntegersBeyondInt64AreRead() async throws {
        let result = try await read("n\n18446744073709551615\n18446744073709551616\n", as: Big.self, CSVOptions())
        #expect(result.elements.map(\.n) == [.max])
        #expect(result.deadLetters.count == 1)
    }

    @Test func anUnusableNumberFormatIsAClearError() async throws {
        await #expect(throws: (any Error).self) {
            _ = try await read("n\n1\n", as: Big.self, CSVOptions(numberFormat: CSVNumberFormat(decimalSeparator: ",", groupingSeparator: ",")))
        }
    }

    @Test func dateColumnsAreReadInTheirOwnFormats() async throws {
        struct Person: Codable, Sendable { var name: String; var born: Date; var joined: Date }
        let text = "name;born;joined\nAnn;07.03.1984;2020-01-02T00:00:00Z\nBob;7 Mar 1984;2020-01-02T00:00:00Z\nCy;1984-03-07;2020-01-02T00:00:00Z\nDee;31.02.1984;2020-01-02T00:00:00Z\n"
        let result = try await read(text, as: Person.self, CSVOptions(delimiter: ";", dateFormats: ["born": ["dd.MM.yyyy", "d MMM yyyy"]]))
        let day = CivilDate(iso: "1984-03-07")!.date
        #expect(result.elements.map(\.name) == ["Ann", "Bob"])
        #expect(result.elements.allSatisfy { $0.born == day })
        #expect(result.deadLetters.map(\.location?.line) == [4, 5])
        #expect(result.deadLetters.first?.error.contains("expected a date as dd.MM.yyyy or d MMM yyyy, found '1984-03-07'") == true)
    }
}
