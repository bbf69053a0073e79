/// Plain text: `[hh:mm:ss] SPEAKER: text`, lines without a stamp continue the cue before.
extension Transcript {
    static func parseText(_ lines: [Substring]) -> Transcript {
        var cues: [Cue] = []
        for line in lines {
            if let (ms, rest) = stamp(line) {
                if let (speaker, text) = splitSpeaker(rest) {
                    cues.append(Cue(start: ms, speaker: speaker, text: text))
                } else {
                    cues.append(Cue(start: ms, text: String(rest)))
                }
            } else if cues.isEmpty {
                cues.append(Cue(text: String(line)))
            } else {
                cues[cues.count - 1].text += "\n" + line
            }
        }
        return Transcript(cues: cues)
    }

    /// `[hh:mm:ss]` or `[hh:mm:ss.mmm]` at the start of a line, then one optional space.
    private static func stamp(_ line: Substring) -> (Int, Substring)? {
        guard line.first == "[", let close = line.firstIndex(of: "]") else { return nil }
        let inner = line[line.index(after: line.startIndex)..<close]
        guard inner.count <= 16, let ms = parseClock(inner) else { return nil }
        var rest = line[line.index(after: close)...]
        if rest.first == " " { rest = rest.dropFirst() }
        return (ms, rest)
    }

    func renderText() -> String {
        var out = ""
        for cue in cues {
            if let s = cue.start {
                out += "[" + Transcript.clock(s, fraction: s % 1000 == 0 ? nil : ".") + "] "
                if let sp = cue.speaker { out += sp + ": " }
            } else if let sp = cue.speaker {
                out += sp + ": "
            }
            out += cue.text + "\n"
        }
        return out
    }
}
