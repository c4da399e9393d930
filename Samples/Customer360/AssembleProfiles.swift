// The last stage: golden records per customer, with their activity. A custom stage, written
// the way any user would write one.
import Foundation
import Sluice

/// Collects resolved customer records and activity until the end of input, then emits one
/// ``CustomerProfile`` per customer. Activity whose customer record is missing (not in its
/// system's export, or rejected) goes to the error policy, naming the activity and the record.
struct AssembleProfiles: TransformStage {
    typealias Input = ProfileInput
    typealias Output = CustomerProfile
    var settings = StageSettings()
    let golden: GoldenRecords<Contact>

    var defaultName: String { "assembleProfiles" }
    /// One instance sees every customer.
    var maximumParallelism: Int? { 1 }

    func makeOperator(_ context: StageContext) -> Operator { Operator(golden: golden) }

    struct Operator: TransformOperator {
        let golden: GoldenRecords<Contact>
        var contacts: [EntityAssignment<Contact>] = []
        var activities: [Activity] = []

        mutating func process(_ element: ProfileInput, into output: inout Emitter<CustomerProfile>) {
            switch element {
            case .contact(let assignment): contacts.append(assignment)
            case .activity(let activity): activities.append(activity)
            }
        }

        mutating func finish(into output: inout Emitter<CustomerProfile>) throws {
            let entityOf = Dictionary(contacts.map { ($0.recordID, $0.entity) }, uniquingKeysWith: { first, _ in first })
            var activityOf: [String: [Activity]] = [:]
            for activity in activities.sorted(by: { ($0.at, $0.id) < ($1.at, $1.id) }) {
                guard let entity = entityOf[activity.contact] else {
                    try output.reject(RecordError("\(activity.kind) \(activity.id) belongs to customer record \(activity.contact), which no source delivered (missing from its export, or rejected)",
                                                  at: activity.file.map { SourceLocation(origin: $0, line: activity.line) }),
                                      rawInput: "\(activity)")
                    continue
                }
                activityOf[entity, default: []].append(activity)
            }
            var membersOf: [String: [CustomerProfile.Member]] = [:]
            for assignment in contacts {
                membersOf[assignment.entity, default: []].append(.init(record: assignment.recordID, system: assignment.element.system,
                                                                       readFrom: assignment.element.readFrom?.description,
                                                                       matchedWith: assignment.matchedRecordID,
                                                                       probability: assignment.probability.map { ($0 * 10_000).rounded() / 10_000 }))
            }
            for record in try golden.build(contacts.map(\.element), clusterOf: contacts.map(\.entity)) {
                let done = activityOf[record.entity] ?? []
                let members = (membersOf[record.entity] ?? []).sorted { $0.record < $1.record }
                let orders = done.filter { $0.kind == "order" }, purchases = done.filter { $0.kind == "purchase" }
                let tickets = done.filter { $0.kind == "ticket" }
                func value(_ field: String) -> String? { record[field]?.value }
                let name = [value("given"), value("family")].compactMap { $0 }.joined(separator: " ")
                output.emit(CustomerProfile(
                    customerId: record.entity, name: name.isEmpty ? nil : name, birthDate: value("birthDate"), email: value("email"),
                    phone: value("phone"), postcode: value("postcode"), city: value("city"), country: value("country"),
                    marketingOptIn: value("marketingOptIn").map { $0 == "true" },
                    systems: Array(Set(members.map(\.system))).sorted(),
                    orders: orders.count, orderValueGBP: Self.money(orders), storePurchases: purchases.count,
                    storeSpendGBP: Self.money(purchases), tickets: tickets.count,
                    openTickets: tickets.filter { $0.status == "open" || $0.status == "pending" }.count,
                    lastActivity: done.last?.at, members: members,
                    lineage: record.fields.compactMap { field in
                        guard let value = field.value, let system = field.source, let id = field.recordID else { return nil }
                        return .init(field: field.name, value: value, system: system, record: id)
                    }))
            }
            contacts = []
            activities = []
        }

        static func money(_ activities: [Activity]) -> Double {
            (activities.reduce(0) { $0 + ($1.amountGBP ?? 0) } * 100).rounded() / 100
        }
    }
}
