import Foundation
import Testing

/// Every ```swift block of README.md and Documentation/ is compiled with the test suite, from
/// Generated/, which `.ci/documentation-blocks.swift` writes from the pages. This test fails
/// when a generated file is missing or differs from what the pages say now, so that a page
/// cannot change without its examples being compiled again.
@Suite struct DocumentationBlocksTests {
    @Test func everySwiftBlockIsCompiledAsThePageShowsIt() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["swift", root.appendingPathComponent(".ci/documentation-blocks.swift").path, "--check"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let said = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(said)")
    }
}
