// The canonical types every source is mapped to, and what the pipeline writes.
import Sluice

/// One customer as one source system knows them, standardised: the form every source's
/// customer records are mapped to before validation and entity resolution.
struct Contact: Codable, Sendable, Hashable {
    /// `system:key`, unique across systems: `crm:C004711`, `shop:U100231`, `pos:633712340001`.
    var id: String
    /// `crm`, `shop`, `pos` or `support`.
    var system: String
    var given: String?
    var family: String?
    /// `yyyy-MM-dd`.
    var birthDate: String?
    var email: String?
    /// E.164, `+447700900123`.
    var phone: String?
    var postcode: String?
    var city: String?
    /// ISO 3166 alpha-2.
    var country: String?
    var marketingOptIn: Bool?
    /// When the system last changed the record, ISO 8601 in UTC: what "most recent" means.
    var updatedAt: String?
    /// The file and line it was read from.
    var file: String?
    var line: Int?

    /// `crm-customers.csv:12`.
    var readFrom: SourceLocation? { file.map { SourceLocation(origin: $0, line: line) } }
}

/// Something a customer did: a web order, a till purchase or a support ticket, tied to the
/// source record of the customer who did it.
struct Activity: Codable, Sendable, Hashable {
    /// `order`, `purchase` or `ticket`.
    var kind: String
    var id: String
    /// The ``Contact/id`` of the customer record it belongs to.
    var contact: String
    /// ISO 8601 in UTC.
    var at: String
    var amountGBP: Double?
    var status: String?
    /// The file and line it was read from.
    var file: String?
    var line: Int?
}

/// What the profile builder receives: customer records with their entity, and activity.
enum ProfileInput: Sendable {
    case contact(EntityAssignment<Contact>)
    case activity(Activity)
}

/// One golden customer profile: the best value of each field with where it came from, the
/// source records behind it, and what the customer did across every channel.
struct CustomerProfile: Codable, Sendable, Equatable {
    /// Where one field's value came from.
    struct Lineage: Codable, Sendable, Equatable {
        var field: String
        var value: String
        var system: String
        var record: String
    }
    /// One source record of this customer, and why it was joined.
    struct Member: Codable, Sendable, Equatable {
        var record: String
        var system: String
        /// The file and line it was read from.
        var readFrom: String?
        var matchedWith: String?
        var probability: Double?
    }
    var customerId: String
    var name: String?
    var birthDate: String?
    var email: String?
    var phone: String?
    var postcode: String?
    var city: String?
    var country: String?
    var marketingOptIn: Bool?
    var systems: [String]
    var orders: Int
    var orderValueGBP: Double
    var storePurchases: Int
    var storeSpendGBP: Double
    var tickets: Int
    var openTickets: Int
    var lastActivity: String?
    var members: [Member]
    var lineage: [Lineage]
}
