import Foundation
import SluiceCore

/// Encodes `Encodable` values as compact JSON straight into a byte buffer, without building
/// an intermediate tree: containers are opened and closed as the value's `encode(to:)` runs.
///
/// Dates are written as ISO 8601 strings in UTC; non-finite floating-point values are an
/// error (JSON has no representation for them).
///
/// ```swift
/// var bytes: [UInt8] = []
/// try JSONRecordEncoder().encode(event, into: &bytes)   // {"user":"u1","amount":12.5}
/// ```
/// An instance reuses its buffers from one call to the next and is not thread-safe: use one
/// per task.
public final class JSONRecordEncoder {
    private let state = JSONWriterState(bytes: [])

    /// Creates an encoder.
    public init() {}

    /// Appends the JSON text of `value` to `bytes`. On error `bytes` is left as it was.
    public func encode<T: Encodable>(_ value: T, into bytes: inout [UInt8]) throws {
        state.frames.removeAll(keepingCapacity: true)
        swap(&state.bytes, &bytes)
        let mark = state.bytes.count
        do {
            try state.encodeValue(value, depth: 0, path: [])
            state.closeFrames(downTo: 0)
        } catch {
            state.bytes.removeSubrange(mark...)
            swap(&state.bytes, &bytes)
            throw error
        }
        swap(&state.bytes, &bytes)
    }

    /// The JSON text of `value`.
    public func encode<T: Encodable>(_ value: T) throws -> String {
        var bytes: [UInt8] = []
        try encode(value, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Output and open containers of an encoding in progress.
final class JSONWriterState {
    struct Frame {
        let isObject: Bool
        var count: Int
    }
    @exclusivity(unchecked) var bytes: [UInt8]
    @exclusivity(unchecked) var frames: [Frame] = []

    init(bytes: [UInt8]) { self.bytes = bytes }

    /// Closes containers deeper than `depth` frames.
    func closeFrames(downTo depth: Int) {
        while frames.count > depth {
            bytes.append(frames.removeLast().isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// Prepares to write a member (with `key`) or element of the frame at `depth`.
    func beginItem(frameDepth depth: Int, key: String?) {
        closeFrames(downTo: depth)
        if frames[depth - 1].count > 0 { bytes.append(UInt8(ascii: ",")) }
        frames[depth - 1].count += 1
        if let key {
            writeString(key)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    func writeString(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
                switch byte {
                case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
                case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
                case 0x0A: bytes.append(contentsOf: [0x5C, UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [0x5C, UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [0x5C, UInt8(ascii: "t")])
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
                runStart = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    func writeInteger<T: FixedWidthInteger>(_ value: T) {
        if value == 0 { bytes.append(UInt8(ascii: "0")); return }
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch space
        withUnsafeMutableBytes(of: &digits) { scratch in
            var position = scratch.count
            while magnitude > 0 {
                position -= 1
                scratch[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: scratch[position...])
        }
    }

    func writeDouble(_ value: Double, path: @autoclosure () -> [any CodingKey]) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: path(), debugDescription: "\(value) cannot be written as JSON"))
        }
        // Most data values have few decimals: find the shortest such form that reads back
        // exactly; otherwise use Swift's shortest round-trip description.
        if abs(value) < 1e15 {
            for decimals in 0...4 {
                let scale = NumberParsing.exactPowersOfTen[decimals]
                let scaled = (value * scale).rounded()
                if scaled / scale == value, abs(scaled) < 9e15 {
                    let integer = Int64(scaled)
                    if decimals == 0 {
                        writeInteger(integer)
                        bytes.append(contentsOf: [UInt8(ascii: "."), UInt8(ascii: "0")])
                        return
                    }
                    if integer < 0 { bytes.append(UInt8(ascii: "-")) }
                    let magnitude = integer.magnitude
                    let divisor = UInt64(scale)
                    writeInteger(magnitude / divisor)
                    bytes.append(UInt8(ascii: "."))
                    var fraction = magnitude % divisor
                    var digits = [UInt8](repeating: UInt8(ascii: "0"), count: decimals)
                    for position in stride(from: decimals - 1, through: 0, by: -1) {
                        digits[position] = UInt8(ascii: "0") + UInt8(fraction % 10)
                        fraction /= 10
                    }
                    bytes.append(contentsOf: digits)
                    return
                }
            }
        }
        bytes.append(contentsOf: value.description.utf8)
    }

    func encodeValue<T: Encodable>(_ value: T, depth: Int, path: [any CodingKey]) throws {
        // Comparing metatypes is far cheaper than a dynamic cast on every value.
        switch T.self {
        case is Date.Type:
            writeString(ISO8601Formatting.string(from: value as! Date))
        case is Decimal.Type:
            bytes.append(contentsOf: ExactDecimal.text(value as! Decimal).utf8)
        case is URL.Type:
            writeString((value as! URL).absoluteString)
        case is CSVRecord.Type:
            // Schema-less rows skip the Codable machinery: one object of strings.
            let record = value as! CSVRecord
            bytes.append(UInt8(ascii: "{"))
            for (index, (name, text)) in zip(record.columns, record.values).enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(name)
                bytes.append(UInt8(ascii: ":"))
                writeString(text)
            }
            bytes.append(UInt8(ascii: "}"))
        default:
            let before = bytes.count
            let framesBefore = frames.count
            try value.encode(to: JSONValueEncoder(state: self, depth: depth, codingPath: path))
            if bytes.count == before && frames.count == framesBefore {
                bytes.append(contentsOf: [UInt8(ascii: "{"), UInt8(ascii: "}")])
            }
        }
    }
}

/// Formats dates as `2026-11-21T08:30:00.123Z`.
enum ISO8601Formatting {
    static func string(from date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var days = milliseconds >= 0 ? milliseconds / 86_400_000 : (milliseconds - 86_399_999) / 86_400_000
        let dayMilliseconds = milliseconds - days * 86_400_000
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let seconds = dayMilliseconds / 1000
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))"
        if dayMilliseconds % 1000 != 0 { text += "." + pad(dayMilliseconds % 1000, 3) }
        return text + "Z"
    }
}

/// An `Encoder` for one value of an encoding in progress; `depth` is the number of frames
/// open around the value.
struct JSONValueEncoder: Encoder {
    let state: JSONWriterState
    let depth: Int
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    private func openFrame(isObject: Bool) {
        if state.frames.count == depth {
            state.bytes.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
            state.frames.append(.init(isObject: isObject, count: 0))
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        openFrame(isObject: true)
        return KeyedEncodingContainer(JSONKeyedEncodingContainer<Key>(state: state, depth: depth + 1, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        openFrame(isObject: false)
        return JSONUnkeyedEncodingContainer(state: state, depth: depth + 1, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueEncodingContainer(state: state, depth: depth, codingPath: codingPath)
    }
}

struct JSONKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: JSONWriterState
    let depth: Int
    let codingPath: [any CodingKey]

    private func begin(_ key: Key) { state.beginItem(frameDepth: depth, key: key.stringValue) }

    mutating func encodeNil(forKey key: Key) throws { begin(key); state.bytes.append(contentsOf: Array("null".utf8)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { begin(key); state.bytes.append(contentsOf: Array((value ? "true" : "false").utf8)) }
    mutating func encode(_ value: String, forKey key: Key) throws { begin(key); state.writeString(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { begin(key); try state.writeDouble(value, path: codingPath + [key]) }
    mutating func encode(_ value: Float, forKey key: Key) throws { begin(key); try state.writeDouble(Double(value), path: codingPath + [key]) }
    mutating func encode(_ value: Int, forKey key: Key) throws { begin(key); state.writeInteger(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { begin(key); state.writeInteger(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { begin(key); state.writeInteger(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { begin(key); state.writeInteger(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { begin(key); state.writeInteger(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { begin(key); state.writeInteger(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { begin(key); state.writeInteger(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { begin(key); state.writeInteger(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { begin(key); state.writeInteger(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { begin(key); state.writeInteger(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        begin(key)
        try state.encodeValue(value, depth: depth, path: codingPath + [key])
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        begin(key)
        return JSONValueEncoder(state: state, depth: depth, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        begin(key)
        return JSONValueEncoder(state: state, depth: depth, codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        state.beginItem(frameDepth: depth, key: "super")
        return JSONValueEncoder(state: state, depth: depth, codingPath: codingPath)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        begin(key)
        return JSONValueEncoder(state: state, depth: depth, codingPath: codingPath + [key])
    }
}

struct JSONUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let state: JSONWriterState
    let depth: Int
    let codingPath: [any CodingKey]
    var count: Int { state.frames.count >= depth ? state.frames[depth - 1].count : 0 }

    private func begin() { state.beginItem(frameDepth: depth, key: nil) }
    private var elementPath: [any CodingKey] { codingPath + [IndexKey(count)] }

    mutating func encodeNil() throws { begin(); state.bytes.append(contentsOf: Array("null".utf8)) }
    mutating func encode(_ value: Bool) throws { begin(); state.bytes.append(contentsOf: Array((value ? "true" : "false").utf8)) }
    mutating func encode(_ value: String) throws { begin(); state.writeString(value) }
    mutating func encode(_ value: Double) throws { let path = elementPath; begin(); try state.writeDouble(value, path: path) }
    mutating func encode(_ value: Float) throws { try encode(Double(value)) }
    mutating func encode(_ value: Int) throws { begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int64) throws { begin(); state.writeInteger(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = elementPath
        begin()
        try state.encodeValue(value, depth: depth, path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let path = elementPath
        begin()
        return JSONValueEncoder(state: state, depth: depth, codingPath: path).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = elementPath
        begin()
        return JSONValueEncoder(state: state, depth: depth, codingPath: path).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        let path = elementPath
        begin()
        return JSONValueEncoder(state: state, depth: depth, codingPath: path)
    }
}

struct JSONSingleValueEncodingContainer: SingleValueEncodingContainer {
    let state: JSONWriterState
    let depth: Int
    let codingPath: [any CodingKey]

    private func begin() { state.closeFrames(downTo: depth) }

    mutating func encodeNil() throws { begin(); state.bytes.append(contentsOf: Array("null".utf8)) }
    mutating func encode(_ value: Bool) throws { begin(); state.bytes.append(contentsOf: Array((value ? "true" : "false").utf8)) }
    mutating func encode(_ value: String) throws { begin(); state.writeString(value) }
    mutating func encode(_ value: Double) throws { begin(); try state.writeDouble(value, path: codingPath) }
    mutating func encode(_ value: Float) throws { begin(); try state.writeDouble(Double(value), path: codingPath) }
    mutating func encode(_ value: Int) throws { begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int8) throws { begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int16) throws { begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int32) throws { begin(); state.writeInteger(value) }
    mutating func encode(_ value: Int64) throws { begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt) throws { begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt8) throws { begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt16) throws { begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt32) throws { begin(); state.writeInteger(value) }
    mutating func encode(_ value: UInt64) throws { begin(); state.writeInteger(value) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        begin()
        try state.encodeValue(value, depth: depth, path: codingPath)
    }
}
