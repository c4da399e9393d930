// How each source's fields become a Contact or an Activity: declarative field mappings with
// the standardisation of names, emails, phones, postcodes, countries, dates and money.
import SluiceCore
import Foundation
import Sluice

enum Mappings {
    // MARK: customers

    /// CRM export (CSV): `CustomerID,Title,Full Name,Date of Birth,E-mail,Telephone,Post Code,Country,Last Updated`.
    static let crm = FieldMapping([
        .field("id", from: ["CustomerID"], transform: prefixed("crm:")),
        .field("system", from: [], default: .string("crm")),
        .field("fullName", from: ["Full Name"], default: .null),
        .derived("given", given(of: "fullName")),
        .derived("family", family(of: "fullName")),
        .field("birthDate", from: ["Date of Birth"], as: .date(DateStandardiser(formats: ["dd/MM/yyyy"])), default: .null),
        .field("email", from: ["E-mail"], default: .null, transform: email),
        .field("country", from: ["Country"], default: .string("GB"), transform: country),
        .field("phoneAsGiven", from: ["Telephone"], default: .null),
        .derived("phone", phone(of: "phoneAsGiven")),
        .field("postcodeAsGiven", from: ["Post Code"], default: .null),
        .derived("postcode", postcode(of: "postcodeAsGiven")),
        .field("updatedAt", from: ["Last Updated"], default: .null, transform: timestamp(format: "dd/MM/yyyy HH:mm")),
    ] + readFrom)

    /// Web-shop customers (JSON Lines), with a nested address.
    static let shopCustomer = FieldMapping([
        .field("id", from: ["user_id"], transform: prefixed("shop:")),
        .field("system", from: [], default: .string("shop")),
        .field("given", from: ["first_name"], default: .null, transform: properName),
        .field("family", from: ["last_name"], default: .null, transform: properName),
        .field("birthDate", from: ["birthday"], as: .date(DateStandardiser(formats: ["yyyy-MM-dd", "dd/MM/yyyy"])), default: .null),
        .field("email", from: ["email"], default: .null, transform: email),
        .field("country", from: ["address.country_code"], default: .string("GB"), transform: country),
        .field("phoneAsGiven", from: ["phone"], default: .null),
        .derived("phone", phone(of: "phoneAsGiven")),
        .field("postcodeAsGiven", from: ["address.postcode"], default: .null),
        .derived("postcode", postcode(of: "postcodeAsGiven")),
        .field("city", from: ["address.city"], default: .null),
        .field("marketingOptIn", from: ["marketing_opt_in"], as: .boolean, default: .null),
        .field("updatedAt", from: ["updated_at", "created_at"], default: .null),
    ] + readFrom)

    /// Point-of-sale purchases (CSV with `;`): the loyalty card's holder as a customer.
    static let posCardholder = FieldMapping([
        .field("id", from: ["card_number"], transform: { $0.text.map { .string("pos:" + $0.filter(\.isNumber)) } }),
        .field("system", from: [], default: .string("pos")),
        .field("holder", from: ["card_holder"], default: .null),
        .derived("given", given(of: "holder")),
        .derived("family", family(of: "holder")),
        .field("country", from: [], default: .string("GB")),
        .field("phoneAsGiven", from: ["phone"], default: .null),
        .derived("phone", phone(of: "phoneAsGiven")),
        .field("postcodeAsGiven", from: ["postcode"], default: .null),
        .derived("postcode", postcode(of: "postcodeAsGiven")),
        .field("updatedAt", from: ["date"], as: .date(tillDates), default: .null),
    ] + readFrom)

    /// Support tickets (a JSON document): the requester as a customer.
    static let supportRequester = FieldMapping([
        .field("id", from: ["requester.id"], transform: prefixed("support:")),
        .field("system", from: [], default: .string("support")),
        .field("name", from: ["requester.name"], default: .null),
        .derived("given", given(of: "name")),
        .derived("family", family(of: "name")),
        .field("email", from: ["requester.email"], default: .null, transform: email),
        .field("phoneAsGiven", from: ["requester.phone"], default: .null),
        .derived("phone", phone(of: "phoneAsGiven")),
        .field("updatedAt", from: ["opened_at"], default: .null),
    ] + readFrom)

    // MARK: activity

    /// Web-shop orders (JSON Lines): totals are numbers or text, in GBP or EUR.
    static let order = FieldMapping([
        .field("kind", from: [], default: .string("order")),
        .field("id", from: ["order_id"]),
        .field("contact", from: ["user_id"], transform: prefixed("shop:")),
        .field("at", from: ["placed_at"]),
        .field("amount", from: ["total"], as: .decimal),
        .field("currency", from: ["currency"], transform: { gbpPer[$0.text ?? ""] == nil ? nil : $0 }),
        .derived("amountGBP") { record in
            guard case .double(let amount)? = record["amount"], let rate = record["currency"]?.text.flatMap({ gbpPer[$0] }) else { return nil }
            return .double((amount * rate * 100).rounded() / 100)
        },
        .field("status", from: ["status"], default: .null),
    ] + readFrom)

    /// A till receipt (CSV with `;`, day-first dates, decimal commas).
    static let purchase = FieldMapping([
        .field("kind", from: [], default: .string("purchase")),
        .field("id", from: ["receipt"]),
        .field("contact", from: ["card_number"], transform: { $0.text.map { .string("pos:" + $0.filter(\.isNumber)) } }),
        .field("day", from: ["date"], as: .date(tillDates)),
        .field("time", from: ["time"], default: .string("00:00")),
        .derived("at") { record in
            guard let day = record["day"]?.text, let time = record["time"]?.text else { return nil }
            return .string("\(day)T\(time):00Z")
        },
        .field("amountGBP", from: ["amount"], transform: { value in
            value.text.flatMap { Double($0.replacingOccurrences(of: ",", with: ".")) }.map(Value.double)
        }),
    ] + readFrom)

    /// A support ticket.
    static let ticket = FieldMapping([
        .field("kind", from: [], default: .string("ticket")),
        .field("id", from: ["ticket"]),
        .field("contact", from: ["requester.id"], transform: prefixed("support:")),
        .field("at", from: ["opened_at"]),
        .field("status", from: ["status"], transform: { $0.text.map { .string($0.lowercased()) } }),
    ] + readFrom)

    // MARK: standardisation helpers

    /// The file and line each record was read from, which file sources give every record.
    static let readFrom: [FieldMapping.Target] = [
        .derived("file") { record in record.origin.map { .string(URL(fileURLWithPath: $0.origin).lastPathComponent) } },
        .derived("line") { record in record.origin?.line.map { .int(Int64($0)) } },
    ]

    static let gbpPer: [String: Double] = ["GBP": 1, "EUR": 0.85]
    /// The tills write day-first dates with dots.
    static let tillDates = DateStandardiser(formats: ["dd.MM.yyyy"])

    static func prefixed(_ prefix: String) -> @Sendable (Value) -> Value? {
        { $0.text.map { .string(prefix + $0.trimmingCharacters(in: .whitespaces)) } }
    }

    /// Lower-case or shouting names are put in title case; names with mixed case are kept.
    static let properName: @Sendable (Value) -> Value? = { value in
        guard let text = value.text.map(Standardise.whitespace) else { return nil }
        return .string(titleCased(text))
    }

    static func titleCased(_ text: String) -> String {
        guard text == text.lowercased() || text == text.uppercased() else { return text }
        return text.lowercased().split(separator: " ").map { word in
            word.split(separator: "'", omittingEmptySubsequences: false).map { $0.prefix(1).uppercased() + $0.dropFirst() }
                .joined(separator: "'")
        }.joined(separator: " ")
    }

    static func given(of field: String) -> @Sendable (Record) -> Value? {
        { record in
            guard let parts = record[field]?.text.flatMap(Standardise.personName), !parts.given.isEmpty else { return nil }
            return .string(titleCased(parts.given))
        }
    }

    static func family(of field: String) -> @Sendable (Record) -> Value? {
        { record in record[field]?.text.flatMap(Standardise.personName).map { .string(titleCased($0.family)) } }
    }

    /// Standardised when it is an email; otherwise kept as given, for validation to reject.
    static let email: @Sendable (Value) -> Value? = { value in
        guard let text = value.text else { return nil }
        return .string(Standardise.email(text) ?? Standardise.whitespace(text))
    }

    /// ISO 3166 alpha-2 from a name, alias or code; an unknown country rejects the record.
    static let country: @Sendable (Value) -> Value? = { $0.text.flatMap(Countries.code).map(Value.string) }

    /// E.164 in the record's country when it reads as a phone number; otherwise as given.
    static func phone(of field: String) -> @Sendable (Record) -> Value? {
        { record in
            guard let text = record[field]?.text, !text.isEmpty else { return nil }
            return .string(Standardise.phoneE164(text, defaultCountry: record["country"]?.text ?? "GB") ?? text)
        }
    }

    /// The country's canonical postcode form when it has its shape; otherwise as given.
    static func postcode(of field: String) -> @Sendable (Record) -> Value? {
        { record in
            guard let text = record[field]?.text, !text.isEmpty else { return nil }
            return .string(Standardise.postcode(text, country: record["country"]?.text ?? "GB") ?? text)
        }
    }

    /// A local date or time in `format` as ISO 8601 UTC.
    static func timestamp(format: String) -> @Sendable (Value) -> Value? {
        let parser = TimestampFormat(format)
        return { $0.text.flatMap(parser.iso).map(Value.string) }
    }
}

/// Reads `dd`, `MM`, `yyyy`, `HH` and `mm` fields of a fixed format, strictly (no 31 April).
struct TimestampFormat: Sendable {
    let format: String
    init(_ format: String) { self.format = format }

    func iso(_ text: String) -> String? {
        let text = Array(text.trimmingCharacters(in: .whitespaces)), pattern = Array(format)
        guard text.count == pattern.count else { return nil }
        var fields: [Character: Int] = [:]
        for (character, kind) in zip(text, pattern) {
            if "dMyHm".contains(kind) {
                guard let digit = character.wholeNumberValue, character.isASCII else { return nil }
                fields[kind, default: 0] = fields[kind, default: 0] * 10 + digit
            } else if character != kind {
                return nil
            }
        }
        let year = fields["y"] ?? 0, month = fields["M"] ?? 0, day = fields["d"] ?? 0, hour = fields["H"] ?? 0, minute = fields["m"] ?? 0
        guard let date = CivilDate(year: year, month: month, day: day), hour < 24, minute < 60 else { return nil }
        return "\(date)T" + String(format: "%02d:%02d:00Z", hour, minute)
    }
}
