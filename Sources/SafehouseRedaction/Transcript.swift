/// A transcript as a list of cues, independent of its file format.
public struct Transcript: Sendable, Equatable {
    public var cues: [Cue]

    public init(cues: [Cue]) { self.cues = cues }

    /// Parses `text` in the given format.
    ///
    /// - Throws: ``RedactionError/malformedTranscript(line:reason:)`` (SRT/WebVTT structure errors).
    public static func parse(_ text: String, format: TranscriptFormat) throws -> Transcript {
        // "\r\n" is one Character in Swift, so split on both.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        if lines.last == "" { lines.removeLast() }
        switch format {
        case .txt: return parseText(lines)
        case .srt: return try parseSRT(lines)
        case .vtt: return try parseVTT(lines)
        }
    }

    /// Writes the transcript back in `format` (ending with a newline).
    public func render(_ format: TranscriptFormat) -> String {
        switch format {
        case .txt: return renderText()
        case .srt: return renderSRT()
        case .vtt: return renderVTT()
        }
    }

    /// The cues whose start lies in `[fromMs, toMs)`; cues without a start are left out.
    public func slice(fromMs: Int, toMs: Int) -> Transcript {
        Transcript(cues: cues.filter { c in c.start.map { $0 >= fromMs && $0 < toMs } ?? false })
    }
}

extension Transcript: CustomStringConvertible {
    /// Cue count only.
    public var description: String { "Transcript(\(cues.count) cues)" }
}

// MARK: - Shared helpers

extension Transcript {
    /// Splits `SPEAKER: rest` when the label is short and plausible; otherwise nil.
    static func splitSpeaker(_ line: Substring) -> (String, String)? {
        guard let colon = line.firstIndex(of: ":") else { return nil }
        let label = line[..<colon]
        let after = line[line.index(after: colon)...]
        guard !label.isEmpty, label.count <= 48, label.first != " ", label.last != " ",
              !label.contains("\t"), !label.contains("["), !label.contains("<"),
              after.isEmpty || after.first == " " else { return nil }
        return (String(label), after.isEmpty ? "" : String(after.dropFirst()))
    }

    /// Formats milliseconds as `hh:mm:ss` + separator + `mmm` (or no fraction when `fraction` is nil).
    static func clock(_ ms: Int, fraction: Character?) -> String {
        let h = ms / 3_600_000, m = ms / 60_000 % 60, s = ms / 1000 % 60, f = ms % 1000
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var out = "\(two(h)):\(two(m)):\(two(s))"
        if let sep = fraction { out += "\(sep)" + (f < 10 ? "00\(f)" : f < 100 ? "0\(f)" : "\(f)") }
        return out
    }

    /// Parses `[hh:]mm:ss[.,]mmm` or `hh:mm:ss`; nil when malformed.
    static func parseClock<S: StringProtocol>(_ s: S) -> Int? {
        var parts = s.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        var ms = 0
        let last = parts.removeLast()
        let secParts = last.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "." || $0 == "," })
        guard secParts.count <= 2, let sec = digits(secParts[0]), secParts[0].count == 2, sec < 60 else { return nil }
        if secParts.count == 2 {
            guard secParts[1].count == 3, let f = digits(secParts[1]) else { return nil }
            ms = f
        }
        guard let mins = digits(parts.removeLast()), mins < 60 else { return nil }
        var hours = 0
        if let h = parts.first { guard let v = digits(h) else { return nil }; hours = v }
        return ((hours * 60 + mins) * 60 + sec) * 1000 + ms
    }

    private static func digits<S: StringProtocol>(_ s: S) -> Int? {
        guard !s.isEmpty, s.count <= 6, s.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(s)
    }
}
