import SluiceCore

/// Decodes one JSON line and emits it, or hands it to the error policy with its file and line.
@inlinable func emitJSONLine<Output: Decodable>(
    _ line: UnsafeRawBufferPointer, decoder: JSONRecordDecoder, origin: String, lineNumber: Int,
    into output: inout Emitter<Output>
) throws {
    do {
        output.emit(try decoder.decode(Output.self, from: line), from: SourceLocation(origin: origin, line: lineNumber), raw: line)
    } catch {
        try output.reject(RecordErrors.located(error, origin: origin, line: lineNumber),
                          rawInput: String(decoding: line, as: UTF8.self))
    }
}

/// Turns decoding and parsing errors into ``RecordError``s that name the file, the line and
/// the field.
@usableFromInline enum RecordErrors {
    @usableFromInline static func located(_ error: any Error, origin: String, line: Int) -> RecordError {
        var location = SourceLocation(origin: origin, line: line)
        let message: String
        switch error {
        case let error as DecodingError:
            let (path, text) = describe(error)
            if !path.isEmpty { location.field = path }
            message = text
        case let error as JSONSyntaxError:
            message = error.description
        case let error as RecordErrorMessage:
            location.field = error.field
            message = error.message
        case let error as RecordError:
            return error
        default:
            message = String(describing: error)
        }
        return RecordError(message, at: location)
    }

    static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue, key.stringValue.hasPrefix("[") || key.stringValue == "\(index)" {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text
    }

    static func describe(_ error: DecodingError) -> (path: String, message: String) {
        switch error {
        case .typeMismatch(_, let context), .dataCorrupted(let context):
            return (path(context.codingPath), context.debugDescription)
        case .valueNotFound(let type, let context):
            return (path(context.codingPath), context.debugDescription.isEmpty ? "missing \(type)" : context.debugDescription)
        case .keyNotFound(let key, let context):
            return (path(context.codingPath + [key]), context.debugDescription.isEmpty ? "missing field" : context.debugDescription)
        @unknown default:
            return ("", String(describing: error))
        }
    }
}
