import Testing
@testable import SluiceConnectors

@Suite struct UTF8TextTests {
    func check(_ bytes: [UInt8]) -> Bool {
        let ours = bytes.withUnsafeBytes { UTF8Text.string($0) }
        let standard = String(validating: bytes, as: UTF8.self)
        return ours == standard
    }

    @Test func agreesWithTheStandardLibraryOnEdgeCases() {
        let cases: [[UInt8]] = [
            [], Array("plain ascii".utf8), Array("héllo wörld 日本 🚀".utf8),
            [0xC0, 0x80], [0xC1, 0xBF],                 // overlong two-byte forms
            [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],     // overlong three-byte forms
            [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],     // surrogates
            [0xF0, 0x8F, 0xBF, 0xBF],                   // overlong four-byte form
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], // above U+10FFFF
            [0xE2, 0x82], [0xF0, 0x9F, 0x9A],           // truncated
            [0x80], [0xBF], [0xFE], [0xFF],             // stray bytes
            [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], // largest valid forms
        ]
        for bytes in cases { #expect(check(bytes), "\(bytes)") }
    }

    @Test func agreesWithTheStandardLibraryOnRandomBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...12, using: &generator)
            // Bias towards bytes that form multi-byte sequences.
            let bytes = (0..<length).map { _ in
                [UInt8.random(in: 0x80...0xBF, using: &generator), UInt8.random(in: 0xC0...0xFF, using: &generator),
                 UInt8.random(in: 0...0x7F, using: &generator)].randomElement(using: &generator)!
            }
            #expect(check(bytes), "\(bytes)")
        }
    }
}
