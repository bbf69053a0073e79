/// SubRip: numbered blocks of a timing line and text lines, separated by blank lines.
extension Transcript {
    static func parseSRT(_ lines: [Substring]) throws -> Transcript {
        var cues: [Cue] = []
        var k = 0
        while k < lines.count {
            if lines[k].allSatisfy(\.isWhitespace) { k += 1; continue }
            var timingLine = k
            if !lines[k].contains("-->") {
                guard lines[k].allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw RedactionError.malformedTranscript(line: k + 1, reason: "expected a cue number or timing line")
                }
                timingLine = k + 1
            }
            guard timingLine < lines.count, let (start, end) = timing(lines[timingLine]) else {
                throw RedactionError.malformedTranscript(line: min(timingLine, lines.count - 1) + 1, reason: "expected a timing line 'hh:mm:ss,mmm --> hh:mm:ss,mmm'")
            }
            k = timingLine + 1
            var body: [Substring] = []
            while k < lines.count, !lines[k].isEmpty { body.append(lines[k]); k += 1 }
            var cue = Cue(start: start, end: end, text: body.joined(separator: "\n"))
            if let first = body.first, let (speaker, rest) = splitSpeaker(first) {
                cue.speaker = speaker
                cue.text = ([Substring(rest)] + body.dropFirst()).joined(separator: "\n")
            }
            cues.append(cue)
        }
        return Transcript(cues: cues)
    }

    /// Parses `start --> end [settings]`.
    static func timing(_ line: Substring) -> (Int, Int)? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count >= 3, parts[1] == "-->", let a = parseClock(parts[0]), let b = parseClock(parts[2]) else { return nil }
        return (a, b)
    }

    func renderSRT(into out: inout [UInt8], firstNumber: Int) {
        for (i, cue) in cues.enumerated() {
            let s = cue.start ?? 0
            out.append(contentsOf: String(firstNumber + i).utf8); out.append(0x0A)
            Transcript.appendClock(s, fraction: 0x2C, into: &out)
            out.append(contentsOf: " --> ".utf8)
            Transcript.appendClock(cue.end ?? s, fraction: 0x2C, into: &out)
            out.append(0x0A)
            Transcript.appendSubtitleText(cue, voice: false, into: &out)
            out.append(0x0A); out.append(0x0A)
        }
    }
}
