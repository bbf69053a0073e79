/// A transcript as a list of cues, independent of its file format.
public struct Transcript: Sendable, Equatable {
    public var cues: [Cue]

    public init(cues: [Cue]) { self.cues = cues }

    /// Parses `text` in the given format.
    ///
    /// - Throws: ``RedactionError/malformedTranscript(line:reason:)`` (SRT/WebVTT structure errors).
    public static func parse(_ text: String, format: TranscriptFormat) throws -> Transcript {
        try parse(text, format: format, continuing: false)
    }

    /// Parses one block of a longer transcript that was cut at cue boundaries (see
    /// ``cueBoundary(in:before:format:)``).
    ///
    /// With `continuing` the block is not the start of the file: a WebVTT block has no `WEBVTT`
    /// header and no byte-order mark is expected. Parsing every block of a file cut at cue
    /// boundaries gives the same cues as parsing the whole file. Line numbers in errors count
    /// from the start of the block.
    ///
    /// - Throws: ``RedactionError/malformedTranscript(line:reason:)``.
    public static func parse(_ text: String, format: TranscriptFormat, continuing: Bool) throws -> Transcript {
        var lines = splitLines(text)
        if !continuing, let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
        if lines.last == "" { lines.removeLast() }
        switch format {
        case .txt: return parseText(lines)
        case .srt: return try parseSRT(lines)
        case .vtt: return try parseVTT(lines, header: !continuing)
        }
    }

    /// Splits at "\n" and "\r\n" (the same lines as splitting the `Character`s at "\n" and
    /// "\r\n", where "\r\n" is one `Character`), without walking grapheme clusters.
    static func splitLines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        let u = text.utf8
        var lineStart = u.startIndex
        var i = u.startIndex
        var prevCR = false
        while i != u.endIndex {
            let b = u[i]
            if b == 0x0A {
                var e = i
                if prevCR { e = u.index(before: i) }
                lines.append(text[lineStart..<e])
                u.formIndex(after: &i)
                lineStart = i
                prevCR = false
                continue
            }
            prevCR = b == 0x0D
            u.formIndex(after: &i)
        }
        lines.append(text[lineStart..<u.endIndex])
        return lines
    }

    /// How the txt writer spells a cue's start.
    public enum TextStamps: Sendable {
        /// `[hh:mm:ss]` for a whole second, `[hh:mm:ss.mmm]` otherwise: a `[hh:mm:ss]` source
        /// redacts back to the same stamps.
        case shortest
        /// Always `[hh:mm:ss.mmm]`: one style for every line (excerpt exports).
        case milliseconds
    }

    /// Writes the transcript back in `format` (ending with a newline).
    /// - Parameter textStamps: the stamp style of the txt format (SRT and WebVTT always write
    ///   `hh:mm:ss,mmm` and `hh:mm:ss.mmm`).
    public func render(_ format: TranscriptFormat, textStamps: TextStamps = .shortest) -> String {
        var out: [UInt8] = []
        render(format, continuing: false, cuesBefore: 0, textStamps: textStamps, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the UTF-8 of one block of a longer transcript to `out`.
    ///
    /// With `continuing` the block is not the start of the file (WebVTT gets no header);
    /// `cuesBefore` is how many cues the earlier blocks held (SRT numbers go on from there).
    /// Concatenating the blocks gives the same text as rendering all cues at once.
    public func render(_ format: TranscriptFormat, continuing: Bool, cuesBefore: Int, textStamps: TextStamps = .shortest,
                       into out: inout [UInt8]) {
        var bytes = 0
        for c in cues { bytes += c.text.utf8.count + (c.speaker?.utf8.count ?? 0) + 48 }
        out.reserveCapacity(out.count + bytes + 16)
        switch format {
        case .txt: renderText(into: &out, stamps: textStamps)
        case .srt: renderSRT(into: &out, firstNumber: cuesBefore + 1)
        case .vtt: renderVTT(into: &out, header: !continuing)
        }
    }

    /// The UTF-8 offset in `utf8` of the last cue start before `end` (and after offset 0), or nil.
    ///
    /// A cue starts at a line that begins with a `[hh:mm:ss]` stamp (txt), or at a non-empty line
    /// after an empty one (SRT, WebVTT; in WebVTT that is always after the header). Cutting a file
    /// there and parsing the parts (the later ones with `continuing: true`) gives the same cues
    /// as parsing the whole file.
    public static func cueBoundary(in utf8: UnsafeBufferPointer<UInt8>, before end: Int, format: TranscriptFormat) -> Int? {
        var p = min(end, utf8.count) - 1
        while p > 0 {
            if utf8[p - 1] == 0x0A, !isEmptyLine(utf8, at: p) {
                switch format {
                case .txt:
                    if utf8[p] == 0x5B, isStampLine(utf8, p) { return p }
                case .srt, .vtt:
                    if let q = lineStart(utf8, before: p - 1), isEmptyLine(utf8, at: q) { return p }
                }
            }
            p -= 1
        }
        return nil
    }

    /// Whether the line starting at `p` is empty ("\n", "\r\n" or the end of the bytes).
    private static func isEmptyLine(_ utf8: UnsafeBufferPointer<UInt8>, at p: Int) -> Bool {
        p >= utf8.count || utf8[p] == 0x0A || (utf8[p] == 0x0D && p + 1 < utf8.count && utf8[p + 1] == 0x0A)
    }

    /// The start of the line whose "\n" is at `nl`.
    private static func lineStart(_ utf8: UnsafeBufferPointer<UInt8>, before nl: Int) -> Int? {
        var q = nl
        while q > 0, utf8[q - 1] != 0x0A { q -= 1 }
        return q
    }

    /// Whether the line at `p` starts with a stamp, by the parser's own rule.
    private static func isStampLine(_ utf8: UnsafeBufferPointer<UInt8>, _ p: Int) -> Bool {
        var e = p
        while e < utf8.count, e - p < 1024, utf8[e] != 0x0A { e += 1 }
        let line = String(decoding: UnsafeBufferPointer(rebasing: utf8[p..<e]), as: UTF8.self)
        return stamp(line[...]) != nil
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
        // The first ":" byte is the first ":" Character unless a combining mark follows it.
        guard let colonByte = line.utf8.firstIndex(of: 0x3A) else { return nil }
        let next = line.utf8.index(after: colonByte)
        let colon: Substring.Index
        if next == line.utf8.endIndex || line.utf8[next] < 0x80 {
            colon = colonByte
            // A label is at most 48 Characters, so a colon far out needs no Character walk.
            guard line.utf8.distance(from: line.utf8.startIndex, to: colon) <= 48 * 64 else { return nil }
        } else {
            guard let c = line.firstIndex(of: ":") else { return nil }
            colon = c
        }
        let label = line[..<colon]
        let after = line[line.index(after: colon)...]
        guard !label.isEmpty, label.count <= 48, label.first != " ", label.last != " ",
              !label.unicodeScalars.contains(where: { $0 == "\t" || $0 == "[" || $0 == "<" }),
              after.isEmpty || after.first == " " else { return nil }
        return (String(label), after.isEmpty ? "" : String(after.dropFirst()))
    }

    /// Appends `hh:mm:ss` (+ `fraction` and `mmm` when given) as ASCII.
    static func appendClock(_ ms: Int, fraction: UInt8?, into out: inout [UInt8]) {
        let h = ms / 3_600_000, m = ms / 60_000 % 60, s = ms / 1000 % 60, f = ms % 1000
        guard ms >= 0, h < 100 else {
            out.append(contentsOf: clock(ms, fraction: fraction.map { Character(Unicode.Scalar($0)) }).utf8)
            return
        }
        out.append(0x30 + UInt8(h / 10)); out.append(0x30 + UInt8(h % 10))
        out.append(0x3A); out.append(0x30 + UInt8(m / 10)); out.append(0x30 + UInt8(m % 10))
        out.append(0x3A); out.append(0x30 + UInt8(s / 10)); out.append(0x30 + UInt8(s % 10))
        if let sep = fraction {
            out.append(sep)
            out.append(0x30 + UInt8(f / 100)); out.append(0x30 + UInt8(f / 10 % 10)); out.append(0x30 + UInt8(f % 10))
        }
    }

    /// Appends a subtitle cue's speaker label (`SPEAKER: ` for SRT, `<v SPEAKER>` for WebVTT)
    /// and text, leaving out lines that are empty or white space: a blank line ends a cue in
    /// both formats, so a txt paragraph break must not reach them. WebVTT gets `-->` in text as
    /// `--&gt;` (shown as `-->`): the arrow itself would start a new cue there.
    static func appendSubtitleText(_ cue: Cue, voice: Bool, into out: inout [UInt8]) {
        if let sp = cue.speaker {
            if voice { out.append(contentsOf: "<v ".utf8); out.append(contentsOf: sp.utf8); out.append(0x3E) }
            else { out.append(contentsOf: sp.utf8); out.append(0x3A); out.append(0x20) }
        }
        var text = cue.text
        if cue.text.utf8.contains(0x0A) || SubtitleTiming.isBlank(cue.text) {
            text = cue.text.split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !SubtitleTiming.isBlank($0) }.joined(separator: "\n")
        }
        if voice, text.contains("-->") { text = text.replacing("-->", with: "--&gt;") }
        out.append(contentsOf: text.utf8)
    }

    /// Formats milliseconds as `hh:mm:ss` + separator + `mmm` (or no fraction when `fraction` is nil).
    public static func clock(_ ms: Int, fraction: Character?) -> String {
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
