// customer-360: one view of each customer from four systems that each know part of them.
//
//   swift run customer-360              run on the bundled data, into customer-360-output/
//   swift run customer-360 --check      … and score the entities against the bundled truth
//   swift run customer-360 --graph      print the pipeline as Graphviz DOT
//   swift run customer-360 generate --people 5000 --output bigger-data
//
// A CRM export (CSV), web-shop customers and orders (JSON Lines), point-of-sale purchases
// (CSV, `;`, decimal commas) and support tickets (a JSON document) describe overlapping
// customers in inconsistent formats. The pipeline maps every source to one Contact type,
// standardises names, emails, phones, postcodes, countries and dates, validates (rejects go
// to dead letters, counted in a data-quality report), resolves which records are the same
// customer (Fellegi–Sunter, no labels), and builds golden profiles with the lineage of every
// field and the customer's orders, purchases and tickets.
import Foundation
import Sluice

let arguments = Array(CommandLine.arguments.dropFirst())
func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}
let bundled = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data").path

if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: customer-360 [--data DIR] [--output DIR] [--check] [--graph]
           customer-360 generate [--people N] [--seed S] [--output DIR]

      --data DIR     the five source files (default: the bundled data)
      --output DIR   where profiles.jsonl, entities.csv, dead-letters.jsonl and
                     quality-report.txt go (default: customer-360-output)
      --check        score the entities against DIR/truth.csv (precision, recall, F1 of the
                     pairs of records put together), on the last three lines
      --graph        print the pipeline as Graphviz DOT and exit
      generate       write made-up source files and their truth (default: 600 people, seed 7)
    """)
    exit(0)
}

if arguments.first == "generate" {
    let people = option("--people").flatMap(Int.init) ?? 600
    let directory = option("--output") ?? "customer-360-data"
    do {
        try generateCustomerData(people: people, seed: option("--seed").flatMap(UInt64.init) ?? 7, into: directory)
        print("Wrote data for \(people) people to \(directory)/")
    } catch {
        FileHandle.standardError.write(Data("customer-360: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

let data = option("--data") ?? bundled
let output = option("--output") ?? "customer-360-output"
let quality = DataQualityReport()
let semicolons = CSVOptions(delimiter: ";")

/// One row of entities.csv: which customer each source record became.
struct EntityRow: Codable, Sendable {
    var record_id: String
    var system: String
    var customer_id: String
    var matched_with: String?
    var probability: Double?
}

// Each file is read once, as a stream; every flow below that uses it gets all of its records.
let crm = DataStream("crm") { Source.csv("\(data)/crm-customers.csv").named("read crm").onError(.deadLetter) }
let shopCustomers = DataStream("shop") {
    Source.jsonLines("\(data)/shop-customers.jsonl").named("read shop customers").onError(.deadLetter)
}
let shopOrders = DataStream("orders") { Source.jsonLines("\(data)/shop-orders.jsonl").named("read orders").onError(.deadLetter) }
let pos = DataStream("pos") { Source.csv("\(data)/pos-purchases.csv", options: semicolons).named("read pos").onError(.deadLetter) }
let support = DataStream("support") {
    Source.json("\(data)/support-tickets.json", records: "tickets").named("read support").onError(.deadLetter)
}

let pipeline = Pipeline("customer-360") {
    Merge {
        Flow("customers") {
            Merge {
                Flow("crm customers") {
                    crm
                    MapRecords(Mappings.crm, as: Contact.self).named("map crm").onError(.deadLetter)
                }
                Flow("shop customers") {
                    shopCustomers
                    MapRecords(Mappings.shopCustomer, as: Contact.self).named("map shop customers").onError(.deadLetter)
                }
                Flow("cardholders") {
                    pos
                    MapRecords(Mappings.posCardholder, as: Contact.self).named("map cardholders").onError(.deadLetter)
                    KeyBy { (contact: Contact) in contact.id }.deduplicate().named("one per card")
                }
                Flow("requesters") {
                    support
                    MapRecords(Mappings.supportRequester, as: Contact.self).named("map requesters").onError(.deadLetter)
                    KeyBy { (contact: Contact) in contact.id }.deduplicate().named("one per requester")
                }
            }
            Validate(Rules.validation, source: { $0.system }, location: { $0.readFrom }, report: quality).named("validate")
            MatchEntities(Rules.matcher, id: { $0.id }).named("resolve entities")
            Map { (assignment: EntityAssignment<Contact>) in ProfileInput.contact(assignment) }.named("as contact")
        }
        Flow("activity") {
            Merge {
                Flow("web orders") {
                    shopOrders
                    MapRecords(Mappings.order, as: Activity.self).named("map orders").onError(.deadLetter)
                }
                Flow("till purchases") {
                    pos
                    MapRecords(Mappings.purchase, as: Activity.self).named("map purchases").onError(.deadLetter)
                }
                Flow("tickets") {
                    support
                    MapRecords(Mappings.ticket, as: Activity.self).named("map tickets").onError(.deadLetter)
                }
            }
            Map { (activity: Activity) in ProfileInput.activity(activity) }.named("as activity")
        }
    }
    AssembleProfiles(golden: Rules.golden).named("assemble profiles").onError(.deadLetter)
    FanOut {
        Flow("profiles") {
            Sink.jsonLines("\(output)/profiles.jsonl", of: CustomerProfile.self).named("write profiles")
        }
        Flow("entity map") {
            FlatMap { (profile: CustomerProfile) in
                profile.members.map { EntityRow(record_id: $0.record, system: $0.system, customer_id: profile.customerId,
                                                matched_with: $0.matchedWith, probability: $0.probability) }
            }.named("one row per record")
            Sink.csv("\(output)/entities.csv", of: EntityRow.self).named("write entities")
        }
    }
}.deadLetters(to: Sink.jsonLines("\(output)/dead-letters.jsonl", of: DeadLetter.self).named("write dead letters"))

if arguments.contains("--graph") {
    print(pipeline.dot())
    exit(0)
}

do {
    try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
    let report = try await pipeline.run(options: RunOptions(progress: RunProgress.printToStandardError))
    FileHandle.standardError.write(Data("\n".utf8))
    print(report)
    print()
    let summary = try QualityReport(run: report, validation: quality, output: output).text()
    try summary.write(toFile: "\(output)/quality-report.txt", atomically: true, encoding: .utf8)
    print(summary)
    print("Wrote \(output)/profiles.jsonl, entities.csv, dead-letters.jsonl and quality-report.txt")
    if arguments.contains("--check") {
        let score = try EntityCheck.score(entities: "\(output)/entities.csv", truth: "\(data)/truth.csv")
        print(score)
    }
} catch {
    FileHandle.standardError.write(Data("\ncustomer-360: \(error)\n".utf8))
    exit(1)
}
