import Foundation
import SluiceConnectors
import SluiceCore

/// One value of a result with its column and type: the typed readings a decoder asks for,
/// each checking that the SQL type fits the Swift type.
struct PostgresValue {
    let bytes: [UInt8]?
    let type: PostgresType
    let column: String

    init(bytes: [UInt8]?, type: PostgresType, column: String) {
        self.bytes = bytes
        self.type = type
        self.column = column
    }

    var isNull: Bool { bytes == nil }

    var text: String { bytes.map { String(decoding: $0, as: UTF8.self) } ?? "NULL" }

    /// The value shortened for an error message.
    var excerpt: String {
        let full = text
        return full.count <= 60 ? "'\(full)'" : "'\(full.prefix(57))…' (\(bytes?.count ?? 0) bytes)"
    }

    func failure(_ swiftType: Any.Type, _ reason: String) -> PostgresDecodingError {
        PostgresDecodingError(column: column, sqlType: type.description, swiftType: String(describing: swiftType), reason: reason)
    }

    func notFitting(_ swiftType: Any.Type) -> PostgresDecodingError {
        failure(swiftType, "a \(type) column cannot be read as \(String(describing: swiftType))")
    }

    /// The bytes, or an error for NULL (only optionals take NULL).
    func present(_ swiftType: Any.Type) throws -> ArraySlice<UInt8> {
        guard let bytes else {
            throw failure(swiftType, "the value is NULL; declare the property optional (\(String(describing: swiftType))?) to accept NULL")
        }
        return bytes[...]
    }

    func bool() throws -> Bool {
        guard type == .bool else { throw notFitting(Bool.self) }
        guard let flag = PostgresText.bool(try present(Bool.self)) else { throw failure(Bool.self, "\(excerpt) is not a boolean") }
        return flag
    }

    func integer<T: FixedWidthInteger>(_ swiftType: T.Type) throws -> T {
        guard type.isInteger || type == .numeric else { throw notFitting(swiftType) }
        let bytes = try present(swiftType)
        if type == .numeric {
            guard let number = T(String(decoding: bytes, as: UTF8.self)) else {
                throw failure(swiftType, "\(excerpt) is not a whole number within \(T.min)…\(T.max)")
            }
            return number
        }
        guard let wide = PostgresText.int64(bytes) else { throw failure(swiftType, "\(excerpt) is not a whole number") }
        guard let number = T(exactly: wide) else { throw failure(swiftType, "\(excerpt) is outside \(T.min)…\(T.max)") }
        return number
    }

    func double() throws -> Double {
        guard type.isFloat || type.isInteger || type == .numeric else { throw notFitting(Double.self) }
        guard let number = PostgresText.double(try present(Double.self)) else { throw failure(Double.self, "\(excerpt) is not a number") }
        return number
    }

    func decimal() throws -> Decimal {
        guard type == .numeric || type.isInteger else { throw notFitting(Decimal.self) }
        guard let number = PostgresText.decimal(try present(Decimal.self)) else {
            throw failure(Decimal.self, "\(excerpt) is not a finite number of at most \(ExactDecimal.maximumDigits) digits; read it as Double or String")
        }
        return number
    }

    func string() throws -> String {
        guard !type.isNonText || type == .numeric else { throw notFitting(String.self) }
        return String(decoding: try present(String.self), as: UTF8.self)
    }

    func date() throws -> Date {
        let bytes = try present(Date.self)
        switch type {
        case .date:
            guard let seconds = PostgresText.date(bytes) else { throw failure(Date.self, "\(excerpt) is not a date Date can hold") }
            return Date(timeIntervalSince1970: Double(seconds))
        case .timestamp, .timestamptz:
            guard let micros = PostgresText.timestampMicroseconds(bytes) else {
                throw failure(Date.self, "\(excerpt) is not a timestamp Date can hold")
            }
            return Date(timeIntervalSince1970: Double(micros / 1_000_000) + Double(micros % 1_000_000) / 1_000_000)
        default:
            throw notFitting(Date.self)
        }
    }

    /// A time of day as the duration since midnight.
    func timeOfDay() throws -> Duration {
        guard type == .time else { throw notFitting(Duration.self) }
        guard let micros = PostgresText.timeMicroseconds(try present(Duration.self)) else {
            throw failure(Duration.self, "\(excerpt) is not a time of day")
        }
        return .microseconds(micros)
    }

    func uuid() throws -> UUID {
        guard type == .uuid || !type.isNonText else { throw notFitting(UUID.self) }
        guard let uuid = UUID(uuidString: String(decoding: try present(UUID.self), as: UTF8.self)) else {
            throw failure(UUID.self, "\(excerpt) is not a UUID")
        }
        return uuid
    }

    func byteArray(_ swiftType: Any.Type) throws -> [UInt8] {
        guard type == .bytea else { throw notFitting(swiftType) }
        guard let bytes = PostgresText.bytea(try present(swiftType)) else { throw failure(swiftType, "\(excerpt) is not hexadecimal bytea") }
        return bytes
    }

    /// The elements of a one-dimensional array, each with the element type.
    func elements(_ swiftType: Any.Type) throws -> [PostgresValue] {
        guard let elementType = type.elementType else { throw notFitting(swiftType) }
        guard let elements = PostgresText.arrayElements(try present(swiftType)) else {
            throw failure(swiftType, "\(excerpt) is not a one-dimensional array")
        }
        return elements.enumerated().map { PostgresValue(bytes: $1, type: elementType, column: "\(column)[\($0 + 1)]") }
    }

    /// A JSON document decoded into `swiftType`.
    func json<T: Decodable>(_ swiftType: T.Type) throws -> T {
        let bytes = try present(swiftType)
        do {
            return try bytes.withUnsafeBytes { try JSONRecordDecoder().decode(swiftType, from: $0) }
        } catch {
            throw failure(swiftType, "the JSON document does not fit: \(error)")
        }
    }

    /// The value as a ``Value``, typed by its column's type.
    func value() throws -> Value {
        guard let bytes else { return .null }
        let slice = bytes[...]
        switch type {
        case .bool: return .bool(try bool())
        case .int2, .int4, .int8, .oidType: return .int(try integer(Int64.self))
        case .float4, .float8: return .double(try double())
        case .numeric:
            if let exact = PostgresText.decimal(slice) { return .decimal(exact) }
            // NaN, infinities and more digits than Decimal holds stay exactly as written.
            return .string(text)
        case .date: return .date(try date())
        case .timestamp, .timestamptz:
            guard let micros = PostgresText.timestampMicroseconds(slice) else { return .string(text) }
            return .string(Self.iso8601(microseconds: micros))
        case .json, .jsonb: return try json(Value.self)
        default:
            if type.elementType != nil { return .array(try elements(Value.self).map { try $0.value() }) }
            return .string(text)
        }
    }

    /// `2026-03-01T10:00:00Z`, with microseconds when there are any.
    static func iso8601(microseconds: Int64) -> String {
        let (days, remainder) = microseconds.quotientAndRemainder(dividingBy: 86_400_000_000)
        let dayMicros = remainder < 0 ? remainder + 86_400_000_000 : remainder
        let day = CivilDate(daysSinceEpoch: Int(remainder < 0 ? days - 1 : days))
        let seconds = dayMicros / 1_000_000
        let fraction = dayMicros % 1_000_000
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var text = "\(day)T\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))"
        if fraction != 0 {
            var digits = String(fraction)
            digits = String(repeating: "0", count: 6 - digits.count) + digits
            while digits.hasSuffix("0") { digits.removeLast() }
            text += "." + digits
        }
        return text + "Z"
    }
}
