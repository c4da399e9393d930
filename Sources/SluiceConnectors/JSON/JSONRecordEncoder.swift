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
    let state = JSONWriterState()

    /// Creates an encoder.
    public init() {}

    deinit { state.release() }

    /// Appends the JSON text of `value` to `bytes`. On error `bytes` is left as it was.
    public func encode<T: Encodable>(_ value: T, into bytes: inout [UInt8]) throws {
        try state.encodeRecord(value)
        bytes.append(contentsOf: state.writer.bytes)
    }

    /// The JSON text of `value`.
    public func encode<T: Encodable>(_ value: T) throws -> String {
        try state.encodeRecord(value)
        return String(decoding: state.writer.bytes, as: UTF8.self)
    }
}

/// Output and open containers of an encoding in progress.
final class JSONWriterState {
    struct Frame {
        let isObject: Bool
        var count: Int
    }
    @exclusivity(unchecked) var writer = ByteWriter()
    @exclusivity(unchecked) var frames: [Frame] = []
    /// The top-level object's keyed container, reused from one record to the next.
    @exclusivity(unchecked) var rootContainer = ReusedKeyedEncodingContainer()

    init() { frames.reserveCapacity(8) }

    /// Frees the output buffer and the reused container (which refers back to this state).
    func release() {
        rootContainer = ReusedKeyedEncodingContainer()
        writer.free()
    }

    /// Encodes `value` as the only content of ``writer``.
    func encodeRecord<T: Encodable>(_ value: T) throws {
        frames.removeAll(keepingCapacity: true)
        writer.count = 0
        topLevelKeyIndex = 0
        try encodeValue(value, depth: 0, path: [])
        closeFrames(downTo: 0)
    }

    /// Closes containers deeper than `depth` frames.
    func closeFrames(downTo depth: Int) {
        while frames.count > depth {
            writer.append(frames.removeLast().isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// Prepares to write a member (with `key`) or element of the frame at `depth`.
    func beginItem(frameDepth depth: Int, key: String?) {
        if frames.count > depth { closeFrames(downTo: depth) }
        if frames[depth - 1].count > 0 { writer.append(UInt8(ascii: ",")) }
        frames[depth - 1].count += 1
        guard let key else { return }
        if depth == 1 { return writeTopLevelKey(key) }
        writeString(key)
        writer.append(UInt8(ascii: ":"))
    }

    /// The keys of the top-level object written in the record before, in order, each with
    /// its text `"name":`. A type writes its keys in the same order in every record, so the
    /// next key is usually the one found here: comparing two equal literal strings is
    /// cheaper than escaping one again.
    private var topLevelKeys: [(name: String, text: [UInt8])] = []
    private var topLevelKeyIndex = 0

    private func writeTopLevelKey(_ key: String) {
        defer { topLevelKeyIndex += 1 }
        if topLevelKeyIndex < topLevelKeys.count, topLevelKeys[topLevelKeyIndex].name == key {
            return topLevelKeys[topLevelKeyIndex].text.withUnsafeBytes { writer.append($0) }
        }
        let start = writer.count
        writeString(key)
        writer.append(UInt8(ascii: ":"))
        let entry = (name: key, text: Array(UnsafeRawBufferPointer(rebasing: writer.bytes[start...])))
        if topLevelKeyIndex < topLevelKeys.count {
            topLevelKeys[topLevelKeyIndex] = entry
        } else if topLevelKeyIndex == topLevelKeys.count {
            topLevelKeys.append(entry)
        }
    }

    func writeString(_ text: String) {
        let written: Void? = text.utf8.withContiguousStorageIfAvailable {
            JSONStringEscaping.write(UnsafeRawBufferPointer($0), to: &writer)
        }
        guard written == nil else { return }
        var text = text
        text.withUTF8 { JSONStringEscaping.write(UnsafeRawBufferPointer($0), to: &writer) }
    }

    func writeLiteral(_ text: StaticString) { writer.append(text) }

    func writeInteger<T: FixedWidthInteger>(_ value: T) {
        if value < 0 { writer.append(UInt8(ascii: "-")) }
        writeDigits(UInt64(value.magnitude), minimumCount: 1)
    }

    /// The decimal digits of `magnitude`, left-padded with zeros to `minimumCount`.
    private func writeDigits(_ magnitude: UInt64, minimumCount: Int) {
        var magnitude = magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch space
        withUnsafeMutableBytes(of: &digits) { scratch in
            var position = scratch.count
            while magnitude > 0 || scratch.count - position < minimumCount {
                position -= 1
                scratch[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            writer.append(UnsafeRawBufferPointer(rebasing: scratch[position...]))
        }
    }

    func writeDouble(_ value: Double, path: @autoclosure () -> [any CodingKey]) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: path(), debugDescription: "\(value) cannot be written as JSON"))
        }
        // Most data values have few decimals: find the shortest such form that reads back
        // exactly, and write its digits straight from the integer; otherwise use Swift's
        // shortest round-trip description.
        if abs(value) < 1e15 {
            for decimals in 0...4 {
                let scale = NumberParsing.exactPowersOfTen[decimals]
                let scaled = (value * scale).rounded()
                guard scaled / scale == value, abs(scaled) < 9e15 else { continue }
                let integer = Int64(scaled)
                if integer < 0 || (integer == 0 && value.sign == .minus) { writer.append(UInt8(ascii: "-")) }
                let magnitude = integer.magnitude
                if decimals == 0 {
                    writeDigits(magnitude, minimumCount: 1)
                    writer.append(UInt8(ascii: "."), UInt8(ascii: "0"))
                    return
                }
                let divisor = UInt64(scale)
                writeDigits(magnitude / divisor, minimumCount: 1)
                writer.append(UInt8(ascii: "."))
                writeDigits(magnitude % divisor, minimumCount: decimals)
                return
            }
        }
        var text = value.description
        text.withUTF8 { writer.append(UnsafeRawBufferPointer($0)) }
    }

    /// The columns of the CSV records written last, and the text before each value:
    /// `{"id":`, `,"name":`… Rows of one file share their columns, so the names are escaped
    /// once, not once per row.
    private var csvColumns: [String] = []
    private var csvPrefixes: [[UInt8]] = []

    /// Schema-less rows skip the Codable machinery: one object of strings.
    private func writeCSVRecord(_ record: CSVRecord) {
        let count = min(record.columns.count, record.values.count)
        guard count > 0 else { return writer.append(UInt8(ascii: "{"), UInt8(ascii: "}")) }
        if record.columns != csvColumns {
            csvColumns = record.columns
            var prefix = ByteWriter(capacity: 64)
            defer { prefix.free() }
            csvPrefixes = csvColumns.enumerated().map { index, name in
                prefix.count = 0
                prefix.append(index == 0 ? UInt8(ascii: "{") : UInt8(ascii: ","))
                var name = name
                name.withUTF8 { JSONStringEscaping.write(UnsafeRawBufferPointer($0), to: &prefix) }
                prefix.append(UInt8(ascii: ":"))
                return Array(prefix.bytes)
            }
        }
        for index in 0..<count {
            csvPrefixes[index].withUnsafeBytes { writer.append($0) }
            let written: Void? = record.values[index].utf8.withContiguousStorageIfAvailable {
                JSONStringEscaping.write(UnsafeRawBufferPointer($0), to: &writer)
            }
            if written == nil { writeString(record.values[index]) }
        }
        writer.append(UInt8(ascii: "}"))
    }

    func encodeValue<T: Encodable>(_ value: T, depth: Int, path: [any CodingKey]) throws {
        // Comparing metatypes is far cheaper than a dynamic cast on every value.
        switch T.self {
        case is Date.Type:
            writeString(ISO8601Formatting.string(from: value as! Date))
        case is Decimal.Type:
            var text = ExactDecimal.text(value as! Decimal)
            text.withUTF8 { writer.append(UnsafeRawBufferPointer($0)) }
        case is URL.Type:
            writeString((value as! URL).absoluteString)
        case is CSVRecord.Type:
            writeCSVRecord(value as! CSVRecord)
        default:
            let before = writer.count
            let framesBefore = frames.count
            try value.encode(to: JSONValueEncoder(state: self, depth: depth, codingPath: path))
            if writer.count == before && frames.count == framesBefore {
                writer.append(UInt8(ascii: "{"), UInt8(ascii: "}"))
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
            state.writer.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
            state.frames.append(.init(isObject: isObject, count: 0))
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        openFrame(isObject: true)
        if depth == 0 { return state.rootContainer.container(keyedBy: Key.self, state: state) }
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

    mutating func encodeNil(forKey key: Key) throws { begin(key); state.writeLiteral("null") }
    mutating func encode(_ value: Bool, forKey key: Key) throws { begin(key); state.writeLiteral(value ? "true" : "false") }
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

    mutating func encodeNil() throws { begin(); state.writeLiteral("null") }
    mutating func encode(_ value: Bool) throws { begin(); state.writeLiteral(value ? "true" : "false") }
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

    mutating func encodeNil() throws { begin(); state.writeLiteral("null") }
    mutating func encode(_ value: Bool) throws { begin(); state.writeLiteral(value ? "true" : "false") }
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
