/// Parses numbers from UTF-8 bytes without creating strings on the common path.
@usableFromInline enum NumberParsing {
    @usableFromInline static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// A decimal integer (optional sign); `nil` if the bytes are anything else or overflow.
    @usableFromInline static func int64(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        let count = bytes.count
        guard count > 0 else { return nil }
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
            guard count > 1 else { return nil }
        }
        var value: Int64 = 0
        while index < count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = negative ? times.subtractingReportingOverflow(Int64(digit))
                                            : times.addingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { return nil }
            value = sum
            index += 1
        }
        return value
    }

    /// A decimal floating-point number in JSON syntax (also accepting a leading `+`, and
    /// `nan`/`inf` spelled out); `nil` when malformed. Correctly rounded.
    @usableFromInline static func double(_ bytes: UnsafeRawBufferPointer) -> Double? {
        let count = bytes.count
        guard count > 0 else { return nil }
        var index = 0
        var negative = false
        if bytes[0] == UInt8(ascii: "-") || bytes[0] == UInt8(ascii: "+") {
            negative = bytes[0] == UInt8(ascii: "-")
            index = 1
        }
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var sawDigit = false
        while index < count, case let digit = bytes[index] &- 48, digit < 10 {
            sawDigit = true
            if significantDigits < 19 {
                mantissa = mantissa &* 10 &+ UInt64(digit)
                if mantissa != 0 { significantDigits += 1 }
            } else {
                exponent += 1
            }
            index += 1
        }
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < count, case let digit = bytes[index] &- 48, digit < 10 {
                sawDigit = true
                if significantDigits < 19 {
                    mantissa = mantissa &* 10 &+ UInt64(digit)
                    if mantissa != 0 { significantDigits += 1 }
                    exponent -= 1
                }
                index += 1
            }
        }
        guard sawDigit else { return slowDouble(bytes) }
        guard let written = exponentPart(bytes, at: &index) else { return nil }
        exponent += written
        guard index == count else { return nil }
        // Clinger's fast path: both the mantissa and the power of ten are exact doubles,
        // so one multiplication or division rounds correctly.
        if significantDigits <= 15, mantissa < (1 << 53), exponent >= -22, exponent <= 22 {
            var value = Double(mantissa)
            value = exponent < 0 ? value / exactPowersOfTen[-exponent] : value * exactPowersOfTen[exponent]
            return negative ? -value : value
        }
        return slowDouble(bytes)
    }

    @usableFromInline static func slowDouble(_ bytes: UnsafeRawBufferPointer) -> Double? {
        Double(String(decoding: bytes, as: UTF8.self))
    }

    /// The exponent (`e-5`, `E+12`) starting at `index`, which it steps over; 0 when there is
    /// none, `nil` when an `e` has no digits. Saturates far beyond any double's range.
    @usableFromInline static func exponentPart(_ bytes: UnsafeRawBufferPointer, at index: inout Int) -> Int? {
        let count = bytes.count
        guard index < count, bytes[index] | 0x20 == UInt8(ascii: "e") else { return 0 }
        index += 1
        var negative = false
        if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        let start = index
        var value = 0
        while index < count, case let digit = bytes[index] &- 48, digit < 10 {
            if value < 1_000_000 { value = value * 10 + Int(digit) }
            index += 1
        }
        guard index > start else { return nil }
        return negative ? -value : value
    }

    /// What a number's text says as a whole number.
    @usableFromInline enum WholeNumber: Equatable {
        /// A whole number: its sign and magnitude.
        case value(negative: Bool, magnitude: UInt64)
        /// It has a fractional part (`1.5`, `1e-1`).
        case fraction
        /// A whole number whose magnitude does not fit in 64 bits.
        case outOfRange
    }

    /// The exact whole number that JSON number text spells (`12`, `-3`, `1.0`, `2e3`),
    /// without going through a double, which would round; `nil` when the text is not a
    /// number.
    @usableFromInline static func wholeNumber(_ bytes: UnsafeRawBufferPointer) -> WholeNumber? {
        let count = bytes.count
        var index = 0
        var negative = false
        if index < count, bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: "+") {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        let integerStart = index
        while index < count, bytes[index] &- 48 < 10 { index += 1 }
        let integerEnd = index
        var fractionStart = index, fractionEnd = index
        if index < count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            fractionStart = index
            while index < count, bytes[index] &- 48 < 10 { index += 1 }
            fractionEnd = index
        }
        guard integerEnd > integerStart || fractionEnd > fractionStart else { return nil }
        guard let exponent = exponentPart(bytes, at: &index) else { return nil }
        guard index == count else { return nil }
        let integerDigits = integerEnd - integerStart
        let totalDigits = integerDigits + (fractionEnd - fractionStart)
        func digit(_ position: Int) -> UInt64 {
            UInt64(position < integerDigits ? bytes[integerStart + position] &- 48
                                            : bytes[fractionStart + position - integerDigits] &- 48)
        }
        // Digits before the decimal point once the exponent is applied.
        let wholeDigits = integerDigits + exponent
        for position in max(wholeDigits, 0)..<max(totalDigits, max(wholeDigits, 0)) where digit(position) != 0 {
            return .fraction
        }
        var magnitude: UInt64 = 0
        for position in 0..<max(0, min(wholeDigits, totalDigits)) {
            let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(digit(position))
            guard !overflow1, !overflow2 else { return .outOfRange }
            magnitude = sum
        }
        if magnitude != 0, wholeDigits > totalDigits {
            for _ in totalDigits..<wholeDigits {
                let (times, overflow) = magnitude.multipliedReportingOverflow(by: 10)
                guard !overflow else { return .outOfRange }
                magnitude = times
            }
        }
        return .value(negative: negative && magnitude != 0, magnitude: magnitude)
    }

    /// `whole` as a `T`, or `nil` when it does not fit.
    @usableFromInline static func exactly<T: FixedWidthInteger>(_ whole: WholeNumber, as type: T.Type) -> T? {
        guard case .value(let negative, let magnitude) = whole else { return nil }
        if !negative { return T(exactly: magnitude) }
        guard magnitude <= UInt64(Int64.max) + 1 else { return nil }
        let value = magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        return T(exactly: value)
    }
}
