// Compiles the documentation's examples: turns every ```swift block of README.md and
// Documentation/ into Tests/SluiceCoreTests/DocumentationBlocks/Generated/<page>.swift, which
// the test suite compiles. A block that is deliberately not Swift the compiler can take is
// marked ```swift not-compiled; one marked ```swift runs is also run as a test. A page may give its blocks declarations they use but do not
// show, in an HTML comment `<!-- swift context … -->` (for the whole page) or
// `<!-- swift context for the next block … -->`.
//
//   swift .ci/documentation-blocks.swift           writes the generated files
//   swift .ci/documentation-blocks.swift --check   exits 1 when one is missing or stale
import Foundation

let root = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().deletingLastPathComponent()
let generated = root.appendingPathComponent("Tests/SluiceCoreTests/DocumentationBlocks/Generated")
let check = CommandLine.arguments.contains("--check")
var stale: [String] = []
var expected = Set<String>()
do {
    try FileManager.default.createDirectory(at: generated, withIntermediateDirectories: true)
    for page in try DocumentationBlocks.pages(root: root) {
        let source = try DocumentationBlocks.generate(page: page, root: root)
        let file = generated.appendingPathComponent(DocumentationBlocks.fileName(page))
        expected.insert(file.lastPathComponent)
        if (try? String(contentsOf: file, encoding: .utf8)) != source {
            if check { stale.append(page) } else { try source.write(to: file, atomically: true, encoding: .utf8) }
        }
    }
    for extra in Set(try FileManager.default.contentsOfDirectory(atPath: generated.path)).subtracting(expected) where extra.hasSuffix(".swift") {
        if check { stale.append(extra) } else { try FileManager.default.removeItem(at: generated.appendingPathComponent(extra)) }
    }
} catch {
    print("documentation-blocks: \(error)")
    exit(2)
}
if !stale.isEmpty {
    print("the Swift blocks of \(stale.joined(separator: ", ")) changed: run swift .ci/documentation-blocks.swift and build the tests again")
    exit(1)
}

/// Turns the Swift blocks of a Markdown page into a Swift file.
enum DocumentationBlocks {
    struct Block {
        var line: Int
        var info: String
        var code: [String]
        var context: [String]
    }

    /// README.md and every page under Documentation/, relative to `root`, sorted.
    static func pages(root: URL) throws -> [String] {
        var pages = ["README.md"]
        let documentation = root.appendingPathComponent("Documentation")
        let enumerator = FileManager.default.enumerator(atPath: documentation.path)
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".md") { pages.append("Documentation/" + path) }
        }
        return pages.sorted()
    }

    static func fileName(_ page: String) -> String {
        page.replacingOccurrences(of: "Documentation/", with: "").replacingOccurrences(of: "/", with: "+")
            .replacingOccurrences(of: ".md", with: ".swift")
    }

    static func namespace(_ page: String) -> String {
        "Doc_" + fileName(page).replacingOccurrences(of: ".swift", with: "").replacingOccurrences(of: "+", with: "_")
    }

    /// The blocks of `text`, with the context comments that apply to each, and the page's context.
    static func blocks(of text: String) -> (page: [String], blocks: [Block]) {
        let lines = text.components(separatedBy: "\n")
        var page: [String] = [], blocks: [Block] = [], next: [String] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            if line.hasPrefix("<!-- swift context") {
                let forNext = line.hasPrefix("<!-- swift context for the next block")
                var body: [String] = []
                index += 1
                while index < lines.count, !lines[index].hasPrefix("-->") { body.append(lines[index]); index += 1 }
                if forNext { next += body } else { page += body }
            } else if line.drop(while: { $0 == " " }).hasPrefix("```swift") {
                // A block may be indented (in a list): its lines lose the fence's indentation.
                let indent = line.prefix(while: { $0 == " " }).count
                let info = String(line.dropFirst(indent + 3))
                var code: [String] = []
                let start = index + 1
                index += 1
                while index < lines.count, !lines[index].drop(while: { $0 == " " }).hasPrefix("```") {
                    code.append(String(lines[index].dropFirst(min(indent, lines[index].prefix(while: { $0 == " " }).count))))
                    index += 1
                }
                blocks.append(Block(line: start, info: info, code: code, context: next))
                next = []
            }
            index += 1
        }
        return (page, blocks)
    }

    static let declarationStarts = ["struct ", "enum ", "final class ", "class ", "protocol ", "typealias ", "@", "import ", "//", "}", "    ", ")", "]"]

    /// Whether every statement of `code` declares a type (no statements, no `let`s).
    static func declaresOnly(_ code: [String]) -> Bool {
        code.allSatisfy { line in line.isEmpty || declarationStarts.contains { line.hasPrefix($0) } }
            && code.contains { $0.hasPrefix("struct ") || $0.hasPrefix("enum ") || $0.hasPrefix("final class ") || $0.hasPrefix("protocol ") }
    }

    /// The names bound by `let`/`var` at the top level of `code`, to mark them used.
    static func boundNames(_ code: [String]) -> [String] {
        code.compactMap { line -> [String]? in
            for keyword in ["let ", "var "] where line.hasPrefix(keyword) {
                let rest = line.dropFirst(keyword.count)
                if rest.hasPrefix("(") {
                    return rest.dropFirst().prefix(while: { $0 != ")" }).split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                }
                let name = rest.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })
                return name.isEmpty ? nil : [String(name)]
            }
            return nil
        }.flatMap { $0 }.filter { $0 != "_" }
    }

    /// A top-level line that is an expression whose value nothing uses.
    static func isBareExpression(_ line: String) -> Bool {
        guard let first = line.first, first.isLetter else { return false }
        let keywords = ["let ", "var ", "try ", "for ", "if ", "guard ", "print(", "defer ", "do ", "return ", "struct ", "enum ",
                        "final ", "class ", "func ", "import ", "extension ", "protocol ", "typealias ", "switch ", "while ", "await "]
        if keywords.contains(where: { line.hasPrefix($0) }) { return false }
        if line.contains(" = ") || line.contains(" += ") { return false }
        return true
    }

    /// A top-level expression statement, with its value marked as used: `_ = ` before a
    /// value being built (it may span lines), `documented(…)` around a one-line call, whose
    /// result may be `Void` (where `_ =` would warn).
    static func markUsed(_ line: String) -> String {
        guard isBareExpression(line) else { return line }
        if line.first!.isUppercase { return "_ = " + line }
        var code = line, comment = ""
        if let range = line.range(of: "  //") {
            code = String(line[..<range.lowerBound])
            comment = String(line[range.lowerBound...])
        }
        let trimmed = code.trimmingCharacters(in: .whitespaces)
        let opens = trimmed.filter { "({[".contains($0) }.count, closes = trimmed.filter { ")}]".contains($0) }.count
        guard opens == closes, trimmed.hasSuffix(")") else { return "_ = " + line }
        return "documented(" + trimmed + ")" + comment
    }

    /// The top-level type declarations of `code` (with attributes before them), and the rest.
    static func splitTypes(_ code: [String]) -> (types: [String], rest: [String]) {
        var types: [String] = [], rest: [String] = [], pending: [String] = []
        var index = 0
        let starts = ["struct ", "enum ", "final class ", "class ", "protocol "]
        while index < code.count {
            let line = code[index]
            if line.hasPrefix("@") && !line.hasPrefix("@Test") { pending.append(line); index += 1; continue }
            if starts.contains(where: { line.hasPrefix($0) }) {
                types += pending
                pending = []
                types.append(line)
                let opens = line.filter { $0 == "{" }.count, closes = line.filter { $0 == "}" }.count
                if opens > closes {
                    index += 1
                    while index < code.count, code[index] != "}" { types.append(code[index]); index += 1 }
                    if index < code.count { types.append(code[index]) }
                }
            } else {
                rest += pending
                pending = []
                rest.append(line)
            }
            index += 1
        }
        return (types, rest + pending)
    }

    static func generate(page: String, root: URL) throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent(page), encoding: .utf8)
        let (context, blocks) = self.blocks(of: text)
        let name = namespace(page)
        var imports: Set<String> = ["import Foundation", "import Sluice", "import SluiceTesting", "import Testing"]
        var members: [String] = [], fileScope: [String] = []
        var declared = Set<String>()
        func note(_ code: [String]) {
            for line in code {
                for keyword in ["struct ", "enum ", "final class ", "class ", "protocol "] where line.hasPrefix(keyword) {
                    declared.insert(String(line.dropFirst(keyword.count).prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" })))
                }
            }
        }
        func indented(_ lines: [String], _ depth: Int) -> [String] {
            lines.map { $0.isEmpty ? "" : String(repeating: "    ", count: depth) + $0 }
        }
        // A pipeline for blocks that show how to run, describe or stop one they do not build;
        // a block's own `pipeline` replaces it.
        members += ["    static let pipeline = Pipeline(\"example\") { Source.collection([1, 2, 3]); Sink.collect(into: Collector<Int>()) }",
                    "    static func documented<T>(_ value: T) {}", ""]
        // A page whose blocks extend types keeps its context at file scope, where the
        // extensions (also at file scope) find it.
        let extends = blocks.contains { $0.info == "swift" && $0.code.contains { $0.hasPrefix("extension ") } }
        var fileContext: [String] = []
        if !context.isEmpty {
            note(context)
            if extends {
                fileContext = ["// The page's context."] + context + [""]
            } else {
                members += ["    // The page's context."] + indented(context.map { $0.hasPrefix("let ") || $0.hasPrefix("func ") || $0.hasPrefix("var ") ? "static " + $0 : $0 }, 1) + [""]
            }
        }
        var runs: [Int] = []
        for (number, block) in blocks.enumerated() where block.info == "swift" || block.info == "swift runs" {
            if block.info == "swift runs" { runs.append(number + 1) }
            // `@Test` functions are compiled as functions (they are examples, not this suite's tests).
            let code = block.code.filter { line in
                if line.hasPrefix("import ") { imports.insert(line); return false }
                return true
            }.map { $0.hasPrefix("@Test ") ? String($0.dropFirst("@Test ".count)) : $0 }
            let origin = "// \(page), line \(block.line)"
            if code.contains(where: { $0.hasPrefix("extension ") }) {
                note(code)
                fileScope += [origin] + code.map { line in
                    guard line.hasPrefix("extension ") else { return line }
                    let target = line.dropFirst("extension ".count)
                    let first = String(target.prefix(while: { $0.isLetter || $0.isNumber || $0 == "_" }))
                    return declared.contains(first) && !extends ? "extension \(name).\(target)" : line
                } + [""]
            } else if declaresOnly(code) && block.context.isEmpty {
                note(code)
                members += ["    " + origin] + indented(code, 1) + [""]
            } else {
                // Types the block declares are the page's: later blocks use them.
                let (types, statements) = splitTypes(code)
                if !types.isEmpty {
                    note(types)
                    members += ["    " + origin] + indented(types, 1) + [""]
                }
                let code = statements
                let body = block.context + code.map(markUsed)
                let names = boundNames(block.context + code)
                members += ["    " + origin, "    static func block\(number + 1)() async throws {"] + indented(body, 2)
                    + names.filter { name in !code.contains { $0.hasPrefix("let \(name) = Mutex(") } }.map { "        _ = \($0)" }
                    + ["    }", ""]
            }
        }
        var out = ["// Generated from \(page) by .ci/documentation-blocks.swift: do not edit; edit the page.", ""]
        out += imports.sorted() + [""]
        out += ["enum \(name) {"] + (members.last == "" ? Array(members.dropLast()) : members) + ["}"]
        fileScope = fileContext + fileScope
        if !runs.isEmpty {
            // Blocks marked ```swift runs are run, not only compiled.
            fileScope += ["@Suite struct \(name)_Runs {"] + runs.map { "    @Test func block\($0)() async throws { try await \(name).block\($0)() }" } + ["}"]
        }
        if !fileScope.isEmpty { out += [""] + (fileScope.last == "" ? Array(fileScope.dropLast()) : fileScope) }
        return out.joined(separator: "\n") + "\n"
    }
}
