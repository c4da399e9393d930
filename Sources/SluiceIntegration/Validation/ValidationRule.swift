import SluiceCore
import Foundation

/// One declarative check of a record: it passes, or fails with a reason a person can act on.
///
/// ```swift
/// let rules: [ValidationRule<Customer>] = [
///     .required("email") { $0.email },
///     .pattern("postcode", #"^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$"#) { $0.postcode },
///     .range("age", 0...130) { $0.age },
///     .allowed("country", ["GB", "IE"]) { $0.country },
///     .crossField("dates in order", "signed up before the last order") { $0.signedUp <= $0.lastOrder },
/// ]
/// ```
public struct ValidationRule<Element>: Sendable {
    /// The rule's name, as dead letters and the quality report show it.
    public let name: String
    let check: @Sendable (Element) -> String?

    /// A rule from a check returning `nil` when the record passes, or why it fails.
    public static func custom(_ name: String, _ check: @escaping @Sendable (Element) -> String?) -> ValidationRule {
        ValidationRule(name: name, check: check)
    }

    /// The value is present and not blank.
    public static func required(_ name: String, _ value: @escaping @Sendable (Element) -> String?) -> ValidationRule {
        custom(name) { element in
            guard let text = value(element), !text.isBlank else { return "missing" }
            return nil
        }
    }

    /// The value, when present, reads as the type: an integer, a decimal number, or a date in
    /// one of the standardiser's formats.
    public static func type(_ name: String, _ kind: ValueKind, _ value: @escaping @Sendable (Element) -> String?) -> ValidationRule {
        custom(name) { element in
            guard let text = value(element)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            switch kind {
            case .integer: return Int(text) == nil ? "'\(text)' is not an integer" : nil
            case .decimal: return Double(text).map { $0.isFinite } == true ? nil : "'\(text)' is not a number"
            case .date(let dates): return dates.iso(text) == nil ? "'\(text)' is not a date in \(dates.formats.joined(separator: ", "))" : nil
            }
        }
    }

    /// The value, when present, lies in `range`.
    public static func range<Value: Comparable & Sendable>(_ name: String, _ range: ClosedRange<Value>,
                                                          _ value: @escaping @Sendable (Element) -> Value?) -> ValidationRule {
        custom(name) { element in
            guard let found = value(element) else { return nil }
            return range.contains(found) ? nil : "\(found) is outside \(range.lowerBound)…\(range.upperBound)"
        }
    }

    /// The value, when present, matches the regular expression `pattern` as a whole.
    public static func pattern(_ name: String, _ pattern: String, _ value: @escaping @Sendable (Element) -> String?) -> ValidationRule {
        let expression = try? NSRegularExpression(pattern: pattern)
        let unchecked = UncheckedRegex(expression: expression)
        return custom(name) { element in
            guard let text = value(element) else { return nil }
            guard let regex = unchecked.expression else { return "the rule's pattern \(pattern) is not a valid regular expression" }
            let whole = NSRange(text.startIndex..., in: text)
            let match = regex.firstMatch(in: text, options: [.anchored], range: whole)
            return match?.range == whole ? nil : "'\(text)' does not match \(pattern)"
        }
    }

    /// The value, when present, is one of `values`.
    public static func allowed(_ name: String, _ values: Set<String>, _ value: @escaping @Sendable (Element) -> String?) -> ValidationRule {
        custom(name) { element in
            guard let text = value(element) else { return nil }
            return values.contains(text) ? nil : "'\(text)' is not one of \(values.sorted().joined(separator: ", "))"
        }
    }

    /// A condition over several fields; fails with `message` when it does not hold.
    public static func crossField(_ name: String, _ message: String, _ holds: @escaping @Sendable (Element) -> Bool) -> ValidationRule {
        custom(name) { holds($0) ? nil : message }
    }
}

/// What a ``ValidationRule/type(_:_:_:)`` rule expects a text to read as.
public enum ValueKind: Sendable {
    /// A whole number.
    case integer
    /// A finite decimal number.
    case decimal
    /// A date in one of the standardiser's formats.
    case date(DateStandardiser)
}

/// NSRegularExpression is immutable once made and safe to share.
struct UncheckedRegex: @unchecked Sendable {
    let expression: NSRegularExpression?
}
