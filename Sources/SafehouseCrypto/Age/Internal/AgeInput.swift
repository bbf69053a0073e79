/// A pull source of bytes: fills as much of the buffer as it has and returns
/// the count, 0 only at the end. Errors it throws (I/O) pass through unchanged.
public typealias AgeByteSource = (UnsafeMutableRawBufferPointer) throws -> Int

/// A fixed-size read-ahead buffer over an `AgeByteSource`: lines for the
/// header and armor, whole chunks for the payload, in constant memory.
final class AgeInput {
    private let source: AgeByteSource
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var sourceEnded = false

    init(_ source: @escaping AgeByteSource, capacity: Int = 1 << 16) {
        self.source = source
        buffer = [UInt8](repeating: 0, count: capacity)
    }

    /// Refills after moving what is unread to the front; false when the source ended.
    private func refill() throws -> Bool {
        if sourceEnded { return false }
        if start > 0 {
            buffer.withUnsafeMutableBytes { b in
                if end > start { b.baseAddress!.copyMemory(from: b.baseAddress! + start, byteCount: end - start) }
            }
            end -= start; start = 0
        }
        precondition(end < buffer.count, "refill with a full buffer")
        let n = try buffer.withUnsafeMutableBytes { try source(UnsafeMutableRawBufferPointer(rebasing: $0[end...])) }
        if n == 0 { sourceEnded = true; return false }
        end += n
        return true
    }

    /// The next byte without consuming it, nil at the end.
    func peek() throws -> UInt8? {
        if start == end, try !refill() { return nil }
        return buffer[start]
    }

    /// Consumes the byte `peek` returned.
    func skip() {
        precondition(start < end, "skip without a peeked byte")
        start += 1
    }

    /// Reads up to and including the next LF.
    /// - Returns: the line without its LF, `.end` when nothing is left, or
    ///   `.unterminated(bytes)` for a last line without LF (or one longer than `max`).
    enum Line { case line([UInt8]), unterminated([UInt8]), end }
    func readLine(max: Int) throws -> Line {
        var out: [UInt8] = []
        while true {
            if start == end, try !refill() { return out.isEmpty ? .end : .unterminated(out) }
            if let lf = buffer[start..<end].firstIndex(of: 0x0A) {
                out += buffer[start..<lf]
                start = lf + 1
                return out.count <= max ? .line(out) : .unterminated(out)
            }
            out += buffer[start..<end]
            start = end
            if out.count > max { return .unterminated(out) }
        }
    }

    /// Fills `out` as far as the input goes; returns the count (less only at the end).
    func readFull(_ out: UnsafeMutableRawBufferPointer) throws -> Int {
        var n = 0
        while n < out.count {
            if start == end {
                // Large reads go straight to the destination.
                if out.count - n >= buffer.count, !sourceEnded {
                    let got = try source(UnsafeMutableRawBufferPointer(rebasing: out[n...]))
                    if got == 0 { sourceEnded = true; break }
                    n += got
                    continue
                }
                if try !refill() { break }
            }
            let k = min(out.count - n, end - start)
            buffer.withUnsafeBytes { b in (out.baseAddress! + n).copyMemory(from: b.baseAddress! + start, byteCount: k) }
            start += k; n += k
        }
        return n
    }

    /// This input as a source, for a reader stacked on top (the armor decoder's output).
    func asSource() -> AgeByteSource {
        { [self] out in try self.readFull(out) }
    }
}
