/// Plain text: `[hh:mm:ss] SPEAKER: text`, lines without a stamp continue the cue before.
extension Transcript {
    static func parseText(_ lines: [Substring]) -> Transcript {
        var cues: [Cue] = []
        cues.reserveCapacity(lines.count)
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
    static func stamp(_ line: Substring) -> (Int, Substring)? {
        if let hit = fastStamp(line) { return hit }
        guard line.first == "[", let close = line.firstIndex(of: "]") else { return nil }
        let inner = line[line.index(after: line.startIndex)..<close]
        guard inner.count <= 16, let ms = parseClock(inner) else { return nil }
        var rest = line[line.index(after: close)...]
        if rest.first == " " { rest = rest.dropFirst() }
        return (ms, rest)
    }

    /// The common `[hh:mm:ss] ` shape, read from the UTF-8 bytes; nil means "ask the general rule".
    private static func fastStamp(_ line: Substring) -> (Int, Substring)? {
        let hit: (Int, Int)?? = line.utf8.withContiguousStorageIfAvailable { b -> (Int, Int)? in
            guard b.count >= 10, b[0] == 0x5B, b[3] == 0x3A, b[6] == 0x3A, b[9] == 0x5D else { return nil }
            for k in [1, 2, 4, 5, 7, 8] where !(b[k] >= 0x30 && b[k] <= 0x39) { return nil }
            // What follows "]" must start a new Character (not a combining mark) for the general
            // rule to see the same "]": only an ASCII byte or the end is taken here.
            guard b.count == 10 || b[10] < 0x80 else { return nil }
            func two(_ k: Int) -> Int { Int(b[k] - 0x30) * 10 + Int(b[k + 1] - 0x30) }
            let mins = two(4), sec = two(7)
            guard mins < 60, sec < 60 else { return nil }
            return (((two(1) * 60 + mins) * 60 + sec) * 1000, b.count > 10 && b[10] == 0x20 ? 11 : 10)
        }
        guard let found = hit, let (ms, skip) = found else { return nil }
        let u = line.utf8
        return (ms, line[u.index(u.startIndex, offsetBy: skip)...])
    }

    func renderText(into out: inout [UInt8], stamps: TextStamps) {
        for cue in cues {
            if let s = cue.start {
                out.append(0x5B)
                Transcript.appendClock(s, fraction: stamps == .shortest && s % 1000 == 0 ? nil : 0x2E, into: &out)
                out.append(0x5D); out.append(0x20)
                if let sp = cue.speaker { out.append(contentsOf: sp.utf8); out.append(0x3A); out.append(0x20) }
            } else if let sp = cue.speaker {
                out.append(contentsOf: sp.utf8); out.append(0x3A); out.append(0x20)
            }
            out.append(contentsOf: cue.text.utf8)
            out.append(0x0A)
        }
    }
}
