import Foundation

/// One spoken word and when it is said, in milliseconds from the start of the recording.
public struct TimedWord: Sendable, Equatable, Codable {
    public var text: String
    public var startMs: Int
    public var endMs: Int

    public init(text: String, startMs: Int, endMs: Int) {
        self.text = text; self.startMs = startMs; self.endMs = endMs
    }
}

/// One segment (a Whisper segment, an SRT/WebVTT cue) and its words.
public struct TimedSegment: Sendable, Equatable, Codable {
    public var startMs: Int
    public var endMs: Int
    public var speaker: String?
    public var words: [TimedWord]

    public init(startMs: Int, endMs: Int, speaker: String? = nil, words: [TimedWord]) {
        self.startMs = startMs; self.endMs = endMs; self.speaker = speaker; self.words = words
    }

    /// The words joined by single spaces: the text the redactor scans.
    public var text: String { words.map(\.text).joined(separator: " ") }
}

/// The words of a recording's transcript with their times: what the bleeps of a media
/// excerpt are placed by.
///
/// Whisper-style JSON (`segments[].words[]` with `word`, `start`, `end` in seconds) gives
/// measured word times. SRT, WebVTT and `[hh:mm:ss]` text give only cue times: each cue's
/// words are then placed within it in proportion to their length in characters (a word of
/// 6 characters in a cue of 30 takes a fifth of the cue's time), and ``estimated`` is true
/// (Docs/FORMAT.md, "Word times").
public struct WordTimeline: Sendable, Equatable {
    public var segments: [TimedSegment]
    /// Word times were estimated from cue times, not measured.
    public var estimated: Bool

    public init(segments: [TimedSegment], estimated: Bool) {
        self.segments = segments; self.estimated = estimated
    }

    /// Whether a file extension names a transcript format this type reads (json, srt, vtt, txt).
    public static func readsExtension(_ ext: String) -> Bool {
        ext.lowercased() == "json" || TranscriptFormat.fromExtension(ext) != nil
    }

    /// Parses a transcript in the format its file extension names.
    ///
    /// - Throws: ``RedactionError/malformedTranscript(line:reason:)``.
    public static func parse(_ text: String, fileExtension ext: String) throws -> WordTimeline {
        if ext.lowercased() == "json" { return try parseWhisperJSON(Array(text.utf8)) }
        guard let format = TranscriptFormat.fromExtension(ext) else {
            throw RedactionError.malformedTranscript(line: 0, reason: "unknown transcript format .\(ext) (json, srt, vtt or txt)")
        }
        return estimated(from: try Transcript.parse(text, format: format))
    }

    /// Parses Whisper-style JSON: `{"segments": [{"start": s, "end": s, "text": "…",
    /// "speaker": "…"?, "words": [{"word": "…", "start": s, "end": s}, …]}, …]}`. A segment
    /// without `words` gets estimated word times (and the timeline is marked estimated).
    ///
    /// - Throws: ``RedactionError/malformedTranscript(line:reason:)`` (line 0: JSON has no lines
    ///   that matter here; the reason names the segment and word by number).
    public static func parseWhisperJSON(_ bytes: [UInt8]) throws -> WordTimeline {
        func bad(_ reason: String) -> RedactionError { .malformedTranscript(line: 0, reason: reason) }
        guard let root = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let segs = root["segments"] as? [Any] else {
            throw bad("not Whisper-style JSON: expected an object with a \"segments\" list")
        }
        func ms(_ v: Any?, _ what: String) throws -> Int {
            guard let n = v as? NSNumber, n.doubleValue.isFinite, n.doubleValue >= 0,
                  n.doubleValue < 1e7 else { throw bad("\(what) is not a time in seconds") }
            return Int((n.doubleValue * 1000).rounded())
        }
        var out: [TimedSegment] = []
        var estimated = false
        for (i, s) in segs.enumerated() {
            guard let seg = s as? [String: Any] else { throw bad("segment \(i + 1) is not an object") }
            let speaker = seg["speaker"] as? String
            if let words = seg["words"] as? [Any], !words.isEmpty {
                var tw: [TimedWord] = []
                for (j, w) in words.enumerated() {
                    guard let word = w as? [String: Any], let text = word["word"] as? String else {
                        throw bad("segment \(i + 1), word \(j + 1) has no \"word\"")
                    }
                    let a = try ms(word["start"], "segment \(i + 1), word \(j + 1): start")
                    let b = try ms(word["end"], "segment \(i + 1), word \(j + 1): end")
                    guard b >= a else { throw bad("segment \(i + 1), word \(j + 1) ends before it starts") }
                    let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
                    if !t.isEmpty { tw.append(TimedWord(text: t, startMs: a, endMs: b)) }
                }
                guard !tw.isEmpty else { continue }
                let a = (try? ms(seg["start"], "")) ?? tw[0].startMs
                let b = (try? ms(seg["end"], "")) ?? tw[tw.count - 1].endMs
                out.append(TimedSegment(startMs: min(a, tw[0].startMs), endMs: max(b, tw[tw.count - 1].endMs), speaker: speaker, words: tw))
            } else {
                guard let text = seg["text"] as? String else { throw bad("segment \(i + 1) has neither \"words\" nor \"text\"") }
                let a = try ms(seg["start"], "segment \(i + 1): start"), b = try ms(seg["end"], "segment \(i + 1): end")
                guard b >= a else { throw bad("segment \(i + 1) ends before it starts") }
                let words = spread(text, from: a, to: b)
                guard !words.isEmpty else { continue }
                estimated = true
                out.append(TimedSegment(startMs: a, endMs: b, speaker: speaker, words: words))
            }
        }
        return WordTimeline(segments: out, estimated: estimated)
    }

    /// Word times estimated from cue times (SRT, WebVTT, `[hh:mm:ss]` text): the cue timing
    /// rules first (``SubtitleTiming/normalized(_:followedBy:)``: every cue gets an end), then
    /// each cue's words spread over it by character length.
    public static func estimated(from t: Transcript) -> WordTimeline {
        let cues = SubtitleTiming.normalized(t.cues)
        let segs = cues.compactMap { c -> TimedSegment? in
            guard let a = c.start else { return nil }
            let b = max(a, c.end ?? a)
            let words = spread(c.text, from: a, to: b)
            return words.isEmpty ? nil : TimedSegment(startMs: a, endMs: b, speaker: c.speaker, words: words)
        }
        return WordTimeline(segments: segs, estimated: true)
    }

    /// Splits `text` at white space and gives each word a share of `[from, to]` proportional
    /// to its length in `Character`s.
    static func spread(_ text: String, from: Int, to: Int) -> [TimedWord] {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).map(String.init)
        let total = words.reduce(0) { $0 + $1.count }
        guard total > 0 else { return [] }
        var out: [TimedWord] = []
        var done = 0
        let span = to - from
        for w in words {
            let a = from + span * done / total
            done += w.count
            out.append(TimedWord(text: w, startMs: a, endMs: from + span * done / total))
        }
        return out
    }

    /// The transcript the redactor and the exports work on: one cue per segment.
    public func transcript() -> Transcript {
        Transcript(cues: segments.map { Cue(start: $0.startMs, end: $0.endMs, speaker: $0.speaker, text: $0.text) })
    }

    /// The words said in `[fromMs, toMs)`, with times relative to `fromMs` and clamped to
    /// the clip: a word that overlaps an edge is kept, cut at the edge.
    public func clipped(fromMs: Int, toMs: Int) -> WordTimeline {
        let segs = segments.compactMap { s -> TimedSegment? in
            let words = s.words.filter { $0.endMs > fromMs && $0.startMs < toMs }.map {
                TimedWord(text: $0.text, startMs: max($0.startMs, fromMs) - fromMs, endMs: min($0.endMs, toMs) - fromMs)
            }
            guard let first = words.first, let last = words.last else { return nil }
            return TimedSegment(startMs: first.startMs, endMs: max(first.startMs + 1, last.endMs), speaker: s.speaker, words: words)
        }
        return WordTimeline(segments: segs, estimated: estimated)
    }
}

extension WordTimeline: CustomStringConvertible {
    /// Counts only: words are what a subject said.
    public var description: String {
        "WordTimeline(\(segments.count) segments, \(segments.reduce(0) { $0 + $1.words.count }) words\(estimated ? ", estimated" : ""))"
    }
}

/// A stretch of a recording to bleep: where an identity is said, widened by a margin.
public struct BleepSpan: Sendable, Equatable, Codable {
    public var startMs: Int
    public var endMs: Int
    /// What was found there (`name`, `place`, `relative`, `phone`, …) — never the text.
    public var kind: String

    public init(startMs: Int, endMs: Int, kind: String) {
        self.startMs = startMs; self.endMs = endMs; self.kind = kind
    }
}

extension Redactor {
    /// Where identities are said: every word the lexicon or a detector matches (in any
    /// spelling it knows: Hangul, romanizations, aliases) becomes a span from its first
    /// word's start − `marginMs` to its last word's end + `marginMs`, clamped at 0.
    /// Each segment is scanned on its own and the whole timeline once more as one text, so
    /// a name that a segment (or cue) boundary splits — "… met Gim" | "Yeong-ho, who …" —
    /// is found whole; joining two speakers' words can only add spans, never remove one.
    /// Overlapping or touching spans merge (their kinds joined by `+`, sorted). Speaker
    /// labels are not spoken and place no span.
    public func bleepSpans(_ timeline: WordTimeline, marginMs: Int) -> [BleepSpan] {
        var worker = ScanWorker(lexicon)
        var raw: [BleepSpan] = []
        // Scans `words` joined by single spaces and turns each region into a span.
        func scan(_ words: [TimedWord]) {
            var offsets: [(Int, Int)] = []
            var text = ""
            var pos = 0
            for (k, w) in words.enumerated() {
                if k > 0 { pos += 1; text += " " }
                let n = w.text.unicodeScalars.count
                offsets.append((pos, pos + n))
                pos += n
                text += w.text
            }
            for r in worker.regions(of: text) where r.action != .exclusion {
                let hit = offsets.indices.filter { offsets[$0].0 < r.end && r.start < offsets[$0].1 }
                guard let a = hit.first, let b = hit.last else { continue }
                raw.append(BleepSpan(startMs: max(0, min(words[a].startMs, words[b].startMs) - marginMs),
                                     endMs: max(words[a].endMs, words[b].endMs) + marginMs, kind: r.action.kindName))
            }
        }
        for seg in timeline.segments { scan(seg.words) }
        if timeline.segments.count > 1 { scan(timeline.segments.flatMap(\.words)) }
        return BleepSpan.merged(raw)
    }
}

extension BleepSpan {
    /// Sorted, with overlapping or touching spans merged (their kinds joined by `+`, sorted).
    public static func merged(_ spans: [BleepSpan]) -> [BleepSpan] {
        var merged: [BleepSpan] = []
        for s in spans.sorted(by: { ($0.startMs, $0.endMs) < ($1.startMs, $1.endMs) }) {
            if var last = merged.last, s.startMs <= last.endMs {
                last.endMs = max(last.endMs, s.endMs)
                let kinds = Set(last.kind.split(separator: "+").map(String.init) + s.kind.split(separator: "+").map(String.init))
                last.kind = kinds.sorted().joined(separator: "+")
                merged[merged.count - 1] = last
            } else {
                merged.append(s)
            }
        }
        return merged
    }
}
