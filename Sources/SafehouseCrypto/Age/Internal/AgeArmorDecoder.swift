/// The strict ASCII armor of age files (c2sp.org/age, "ASCII armor"): RFC 7468
/// strict PEM with label `AGE ENCRYPTED FILE`, padded canonical base64 in
/// lines of exactly 64 columns but the last (1–64), LF or CRLF line ends, no
/// headers, no blank lines, and nothing but whitespace before or after.
/// Decodes one line at a time (constant memory); every violation is
/// `AgeError.unreadable(.armor)`.
final class AgeArmorDecoder {
    static let beginLine = Array("-----BEGIN AGE ENCRYPTED FILE-----".utf8)
    static let endLine = Array("-----END AGE ENCRYPTED FILE-----".utf8)
    static let columns = 64
    static let whitespace: Set<UInt8> = [0x20, 0x09, 0x0D, 0x0A]

    private let input: AgeInput
    private var decoded: [UInt8] = []
    private var offset = 0
    private var started = false
    private var finished = false
    /// A line shorter than 64 columns (or padded) was read: only the end line may follow.
    private var sawFinalLine = false

    init(_ input: AgeInput) { self.input = input }

    private static let failure = AgeError.unreadable(.armor)

    /// Fills `out` with decoded bytes; 0 only at the end of a well-formed armor.
    func read(_ out: UnsafeMutableRawBufferPointer) throws -> Int {
        var n = 0
        while n < out.count {
            if offset < decoded.count {
                let k = min(out.count - n, decoded.count - offset)
                decoded.withUnsafeBytes { d in (out.baseAddress! + n).copyMemory(from: d.baseAddress! + offset, byteCount: k) }
                offset += k; n += k
                continue
            }
            if finished { break }
            try decodeNextLine()
        }
        return n
    }

    /// One line without its LF or CRLF. The end line alone may lack a line end.
    private func line() throws -> [UInt8] {
        var l: [UInt8]
        switch try input.readLine(max: 2 * Self.columns) {
        case .line(let bytes), .unterminated(let bytes): l = bytes
        case .end: throw Self.failure
        }
        if l.last == 0x0D { l.removeLast() }
        return l
    }

    private func decodeNextLine() throws {
        decoded.removeAll(keepingCapacity: true)
        offset = 0
        if !started {
            while let b = try input.peek(), Self.whitespace.contains(b) { input.skip() }
            guard try line() == Self.beginLine else { throw Self.failure }
            started = true
            return
        }
        let l = try line()
        if l == Self.endLine {
            finished = true
            try checkTrailingWhitespace()
            return
        }
        guard !sawFinalLine, (1...Self.columns).contains(l.count),
              AgeBase64.decode(l, padded: true, into: &decoded) else { throw Self.failure }
        if l.count < Self.columns || l.last == UInt8(ascii: "=") { sawFinalLine = true }
    }

    /// After the end line: whitespace only, to the end of the input.
    private func checkTrailingWhitespace() throws {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try input.readFull($0) }
            guard chunk[0..<n].allSatisfy({ Self.whitespace.contains($0) }) else { throw Self.failure }
            if n < chunk.count { return }
        }
    }
}
