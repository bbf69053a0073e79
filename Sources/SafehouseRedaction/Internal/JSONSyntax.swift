/// Finds the first JSON syntax error in a document, for error messages that say
/// where (line and column) and what was expected — never quoting the text.
struct JSONSyntax {
    /// A syntax error: 1-based line and column (in Unicode scalars) and what was expected.
    struct Failure: Equatable {
        let line: Int
        let column: Int
        let expected: String
    }

    private let bytes: [UInt8]
    private var i = 0
    private static let maxDepth = 512

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// nil when `bytes` is syntactically valid JSON (RFC 8259).
    static func firstError(in bytes: [UInt8]) -> Failure? {
        var p = JSONSyntax(bytes)
        do {
            p.skipSpace()
            try p.value(depth: 0)
            p.skipSpace()
            if p.i < bytes.count { throw p.fail("the end of the document") }
            return nil
        } catch let f as Failure { return f } catch { return nil }
    }

    private func fail(_ expected: String) -> Failure {
        var line = 1, column = 1
        for b in bytes[0..<min(i, bytes.count)] {
            if b == 0x0A { line += 1; column = 1 } else if b & 0xC0 != 0x80 { column += 1 }
        }
        return Failure(line: line, column: column, expected: expected)
    }

    private mutating func skipSpace() {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private mutating func expect(_ b: UInt8, _ what: String) throws {
        guard i < bytes.count, bytes[i] == b else { throw fail(what) }
        i += 1
    }

    private mutating func value(depth: Int) throws {
        guard depth < Self.maxDepth else { throw fail("less nesting") }
        guard i < bytes.count else { throw fail("a value") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1; skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return }
            while true {
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("a field name in double quotes") }
                try string()
                skipSpace(); try expect(UInt8(ascii: ":"), "':' after the field name"); skipSpace()
                try value(depth: depth + 1); skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; skipSpace(); continue }
                try expect(UInt8(ascii: "}"), "',' or '}'"); return
            }
        case UInt8(ascii: "["):
            i += 1; skipSpace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return }
            while true {
                try value(depth: depth + 1); skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; skipSpace(); continue }
                try expect(UInt8(ascii: "]"), "',' or ']'"); return
            }
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw fail("a value (a string in double quotes, a number, a list, an object, true, false or null)")
        }
    }

    private mutating func literal(_ word: String) throws {
        for b in word.utf8 { try expect(b, word) }
    }

    private mutating func string() throws {
        i += 1
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") { i += 1; return }
            if b < 0x20 { throw fail("a closing '\"' before the end of the line") }
            if b == UInt8(ascii: "\\") {
                i += 1
                guard i < bytes.count, "\"\\/bfnrtu".utf8.contains(bytes[i]) else { throw fail("a valid escape after '\\'") }
                if bytes[i] == UInt8(ascii: "u") {
                    for _ in 0..<4 {
                        i += 1
                        guard i < bytes.count, bytes[i].isHexDigit else { throw fail("four hex digits after '\\u'") }
                    }
                }
            }
            i += 1
        }
        throw fail("a closing '\"'")
    }

    private mutating func number() throws {
        if bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard digits() > 0 else { throw fail("a digit") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") { i += 1; guard digits() > 0 else { throw fail("a digit after '.'") } }
        if i < bytes.count, bytes[i] | 0x20 == UInt8(ascii: "e") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { throw fail("a digit in the exponent") }
        }
    }

    private mutating func digits() -> Int {
        let start = i
        while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) { i += 1 }
        return i - start
    }
}

extension JSONSyntax.Failure: Error {}

private extension UInt8 {
    var isHexDigit: Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(self) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(self | 0x20)
    }
}
