import Foundation

/// Reads the server's operations out of the bytes received, however they were cut into
/// reads: an operation split across reads waits for the rest. Everything is checked before it
/// is trusted — the control line's shape and length, byte counts against the limit, the line
/// break after each payload, the header block — and any violation is an error naming it, after
/// which the connection must be dropped.
struct NATSProtocolParser {
    /// The longest control line taken: subjects and the INFO text are well below it.
    static let maximumControlLine = 64 * 1024
    /// The largest payload taken (the server's `max_payload` once known).
    var maximumPayload: Int

    private var buffer: [UInt8] = []
    private var start = 0

    init(maximumPayload: Int = 64 * 1024 * 1024) {
        self.maximumPayload = maximumPayload
    }

    /// Bytes received and not yet parsed into operations.
    var bufferedCount: Int { buffer.count - start }

    /// Adds received bytes.
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeFirst(start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete operation, or `nil` when more bytes are needed.
    mutating func next() throws -> NATSServerOperation? {
        guard let lineEnd = findLineEnd() else {
            if bufferedCount > Self.maximumControlLine {
                throw NATSError.protocolViolation("the server sent a control line longer than \(Self.maximumControlLine) bytes")
            }
            return nil
        }
        let line = buffer[start..<lineEnd]
        let afterLine = lineEnd + 2
        let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
        guard let verb = fields.first.map({ String(decoding: $0, as: UTF8.self).uppercased() }) else {
            throw NATSError.protocolViolation("the server sent an empty control line")
        }
        switch verb {
        case "MSG", "HMSG":
            let withHeaders = verb == "HMSG"
            let arguments = fields.dropFirst().map { String(decoding: $0, as: UTF8.self) }
            let counts = withHeaders ? 2 : 1
            guard arguments.count == 2 + counts || arguments.count == 3 + counts else {
                throw NATSError.protocolViolation("the server sent \(verb) with \(arguments.count) arguments: '\(describe(line))'")
            }
            let subject = arguments[0]
            guard let sid = UInt64(arguments[1]) else {
                throw NATSError.protocolViolation("the server sent \(verb) with subscription id '\(arguments[1].prefix(20))'")
            }
            let replyTo = arguments.count == 3 + counts ? arguments[2] : nil
            guard let total = Int(arguments[arguments.count - 1]), total >= 0, total <= maximumPayload else {
                throw NATSError.protocolViolation("the server sent \(verb) with byte count '\(arguments[arguments.count - 1].prefix(20))' (the limit is \(maximumPayload))")
            }
            var headerCount = 0
            if withHeaders {
                guard let count = Int(arguments[arguments.count - 2]), count >= 0, count <= total else {
                    throw NATSError.protocolViolation("the server sent HMSG with header size '\(arguments[arguments.count - 2].prefix(20))' for \(total) bytes")
                }
                headerCount = count
            }
            guard buffer.count >= afterLine + total + 2 else { return nil }
            guard buffer[afterLine + total] == 0x0D, buffer[afterLine + total + 1] == 0x0A else {
                throw NATSError.protocolViolation("the server's \(verb) on '\(subject)' is not followed by a line break after its \(total) bytes")
            }
            let headers = withHeaders ? try NATSHeaders.decode(buffer[afterLine..<afterLine + headerCount]) : nil
            let payload = Array(buffer[afterLine + headerCount..<afterLine + total])
            start = afterLine + total + 2
            return .message(sid: sid, NATSMessage(subject: subject, replyTo: replyTo, headers: headers, payload: payload))
        case "PING":
            start = afterLine
            return .ping
        case "PONG":
            start = afterLine
            return .pong
        case "+OK":
            start = afterLine
            return .ok
        case "-ERR":
            let text = String(decoding: line.dropFirst(4), as: UTF8.self).trimmingCharacters(in: .whitespaces)
            start = afterLine
            return .error(text.count >= 2 && text.hasPrefix("'") && text.hasSuffix("'") ? String(text.dropFirst().dropLast()) : text)
        case "INFO":
            let json = line.dropFirst(4)
            do {
                let info = try JSONDecoder().decode(NATSServerInfo.self, from: Data(json))
                start = afterLine
                return .info(info)
            } catch {
                throw NATSError.protocolViolation("the server's INFO could not be read: \(error)")
            }
        default:
            throw NATSError.protocolViolation("the server sent an unknown operation '\(describe(line))'")
        }
    }

    private func findLineEnd() -> Int? {
        var index = start
        while index + 1 < buffer.count {
            if buffer[index] == 0x0D {
                if buffer[index + 1] == 0x0A { return index }
            }
            index += 1
        }
        return nil
    }

    private func describe(_ line: ArraySlice<UInt8>) -> String {
        let text = String(decoding: line.prefix(60), as: UTF8.self)
        return line.count > 60 ? text + "…" : text
    }
}
