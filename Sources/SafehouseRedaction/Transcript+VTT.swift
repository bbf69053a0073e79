/// WebVTT: a `WEBVTT` header, then cues of an optional identifier, a timing line and payload.
///
/// NOTE, STYLE and REGION blocks and cue identifiers are dropped (they may hold names);
/// a leading `<v Speaker>` voice span becomes the cue's speaker.
extension Transcript {
    /// - Parameter header: whether `lines` start with the `WEBVTT` header block (false for a
    ///   later block of a file cut at cue boundaries).
    static func parseVTT(_ lines: [Substring], header: Bool = true) throws -> Transcript {
        var cues: [Cue] = []
        var k = 0
        if header {
            guard let first = lines.first, first.hasPrefix("WEBVTT") else {
                throw RedactionError.malformedTranscript(line: 1, reason: "a WebVTT file starts with 'WEBVTT'")
            }
            k = 1
            while k < lines.count, !lines[k].isEmpty { k += 1 }  // header block
        }
        while k < lines.count {
            if lines[k].allSatisfy(\.isWhitespace) { k += 1; continue }
            let blockStart = k
            var block: [Substring] = []
            while k < lines.count, !lines[k].isEmpty { block.append(lines[k]); k += 1 }
            if block[0].hasPrefix("NOTE") || block[0] == "STYLE" || block[0] == "REGION" { continue }
            var t = 0
            if !block[0].contains("-->") { t = 1 }
            guard t < block.count, let (start, end) = timing(block[t]) else {
                throw RedactionError.malformedTranscript(line: blockStart + t + 1, reason: "expected a timing line 'hh:mm:ss.mmm --> hh:mm:ss.mmm'")
            }
            let body = block[(t + 1)...]
            var cue = Cue(start: start, end: end, text: body.joined(separator: "\n"))
            if let firstLine = body.first, let (speaker, rest) = voice(firstLine) {
                cue.speaker = speaker
                cue.text = ([rest] + body.dropFirst()).joined(separator: "\n")
            }
            cues.append(cue)
        }
        return Transcript(cues: cues)
    }

    /// `<v Name>rest` or `<v.class Name>rest` (an optional `</v>` at the end is dropped).
    private static func voice(_ line: Substring) -> (String, Substring)? {
        guard line.hasPrefix("<v"), let close = line.firstIndex(of: ">") else { return nil }
        let inner = line[line.index(line.startIndex, offsetBy: 2)..<close]
        guard let space = inner.firstIndex(of: " "), inner[..<space].allSatisfy({ $0 != "<" }) else { return nil }
        let name = inner[inner.index(after: space)...]
        guard !name.isEmpty else { return nil }
        var rest = line[line.index(after: close)...]
        if rest.hasSuffix("</v>") { rest = rest.dropLast(4) }
        return (String(name), rest)
    }

    func renderVTT(into out: inout [UInt8], header: Bool) {
        if header { out.append(contentsOf: "WEBVTT\n\n".utf8) }
        for cue in cues {
            let s = cue.start ?? 0
            Transcript.appendClock(s, fraction: 0x2E, into: &out)
            out.append(contentsOf: " --> ".utf8)
            Transcript.appendClock(cue.end ?? s, fraction: 0x2E, into: &out)
            out.append(0x0A)
            Transcript.appendSubtitleText(cue, voice: true, into: &out)
            out.append(0x0A); out.append(0x0A)
        }
    }
}
