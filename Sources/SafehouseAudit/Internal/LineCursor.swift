/// Walks newline-terminated lines of a byte buffer, for the strict parsers.
/// A final fragment without "\n" is reported as `unterminated`, never as a line,
/// so a truncated input cannot parse as a shorter valid one.
struct LineCursor {
    private let bytes: [UInt8]
    private var position = 0
    /// 1-based number of the line `next()` returned last.
    private(set) var lineNumber = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    enum Step {
        case line(ArraySlice<UInt8>)
        case unterminated
        case end
    }

    /// The next line without its "\n".
    mutating func next() -> Step {
        guard position < bytes.count else { return .end }
        lineNumber += 1
        guard let nl = bytes[position...].firstIndex(of: 0x0A) else { return .unterminated }
        defer { position = nl + 1 }
        return .line(bytes[position..<nl])
    }

    /// Index of the first byte not yet consumed.
    var offset: Int { position }

    /// True when every byte has been consumed.
    var atEnd: Bool { position >= bytes.count }
}

extension ArraySlice where Element == UInt8 {
    /// If the slice starts with `prefix` followed by a space, the rest.
    func value(after key: StaticString) -> ArraySlice<UInt8>? {
        let k = key.utf8Start
        let n = key.utf8CodeUnitCount
        guard count > n, self[startIndex + n] == UInt8(ascii: " ") else { return nil }
        for i in 0..<n where self[startIndex + i] != k[i] { return nil }
        return self[(startIndex + n + 1)...]
    }
}
