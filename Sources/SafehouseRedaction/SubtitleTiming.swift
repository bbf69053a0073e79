/// The timing rules that make every cue of an exported excerpt playable: strictly increasing
/// starts, every cue longer than zero, none overlapping the next (Docs/FORMAT.md, "Cue timing").
///
/// A `[hh:mm:ss]` transcript gives only start times, and SRT/WebVTT sources can hold cues that
/// overlap, share a start, or end at or before their start. ``normalized(_:followedBy:)`` turns
/// any such list into cues a subtitle player shows, by fixed rules, and is idempotent: applied
/// to its own output it changes nothing.
public enum SubtitleTiming {
    /// Reading speed for Latin and other narrow characters, per second: Netflix's English
    /// template, adult programmes (17 characters per second).
    public static let narrowPerSecond = 17
    /// Reading speed for Hangul, kana, CJK ideographs and full-width forms, per second.
    public static let widePerSecond = 12
    /// The shortest estimate: 5/6 s (Netflix's minimum duration), rounded up to whole milliseconds.
    public static let minimumMs = 834
    /// The longest estimate: 7 s (Netflix's maximum duration of one subtitle event).
    public static let maximumMs = 7000

    /// How long a viewer needs to read a cue, in milliseconds:
    /// `ceil(1000 × (narrow / 17 + wide / 12))`, clamped to [834, 7000].
    ///
    /// Counted: the `Character`s of the text without line breaks, plus the `SPEAKER: ` label when
    /// there is a speaker (it is shown in SRT and read in WebVTT players).
    public static func readingTimeMs(_ cue: Cue) -> Int {
        var narrow = 0, wide = 0
        func count(_ s: String) {
            for ch in s where ch != "\n" && ch != "\r\n" {
                if isWide(ch) { wide += 1 } else { narrow += 1 }
            }
        }
        count(cue.text)
        if let sp = cue.speaker { count(sp); narrow += 2 }
        let units = narrow * widePerSecond + wide * narrowPerSecond
        let perSecond = narrowPerSecond * widePerSecond
        let ms = (units * 1000 + perSecond - 1) / perSecond
        return min(maximumMs, max(minimumMs, ms))
    }

    /// Hangul, kana, CJK ideographs and full-width forms: scripts read about a syllable at a time.
    static func isWide(_ ch: Character) -> Bool {
        guard let v = ch.unicodeScalars.first?.value else { return false }
        switch v {
        case 0x1100...0x11FF, 0x2E80...0x303F, 0x3040...0x30FF, 0x3130...0x318F, 0x3400...0x4DBF,
             0x4E00...0x9FFF, 0xA960...0xA97F, 0xAC00...0xD7AF, 0xF900...0xFAFF, 0xFF01...0xFF60,
             0xFFE0...0xFFE6, 0x20000...0x3FFFF:
            return true
        default:
            return false
        }
    }

    /// The earliest start in `source` after every start in `excerpt`: where the source goes on
    /// once the excerpt's last cue is spoken (nil when the excerpt reaches the source's end).
    public static func nextStart(after excerpt: [Cue], in source: [Cue]) -> Int? {
        guard let last = excerpt.compactMap(\.start).max() else { return nil }
        return source.compactMap(\.start).filter { $0 > last }.min()
    }

    /// Applies the timing rules, in this order:
    ///
    /// 1. A cue with no visible text (empty or white space, no speaker) is dropped; a cue without
    ///    a start (text before the first stamp of a txt transcript) starts at 0; a negative start
    ///    counts as 0.
    /// 2. Cues are ordered by start (stable: equal starts keep their order).
    /// 3. Cues sharing a start become one: their texts joined by line breaks, a later cue's line
    ///    led by `SPEAKER: ` when its speaker differs from the first's; its end is the latest end.
    /// 4. With `next` the start of the following cue (or `followedBy` for the last one, when it
    ///    is later): an end after the start is kept; a cue with no end ends at `next` (a `[hh:mm:ss]`
    ///    transcript), or, when it is the last, after ``readingTimeMs(_:)``; an end at or before
    ///    the start is replaced by start + ``readingTimeMs(_:)``. Every end is then clamped to `next`.
    ///
    /// The result has strictly increasing starts, every end after its start and no later than the
    /// next start.
    /// - Parameter followedBy: the start of the source cue after the excerpt, if any (see
    ///   ``nextStart(after:in:)``), so the excerpt's last cue ends where the source goes on.
    public static func normalized(_ cues: [Cue], followedBy: Int? = nil) -> [Cue] {
        // (start, position in the input, cue): sorting by the first two is stable.
        var timed: [(start: Int, index: Int, cue: Cue)] = []
        timed.reserveCapacity(cues.count)
        for (i, c) in cues.enumerated() where hasVisibleText(c) {
            var c = c
            let s = max(0, c.start ?? 0)
            c.start = s
            timed.append((s, i, c))
        }
        timed.sort { ($0.start, $0.index) < ($1.start, $1.index) }
        var starts: [Int] = []
        var merged: [Cue] = []
        merged.reserveCapacity(timed.count)
        for t in timed {
            if let last = starts.last, last == t.start {
                merged[merged.count - 1] = joined(merged[merged.count - 1], t.cue)
            } else {
                starts.append(t.start)
                merged.append(t.cue)
            }
        }
        for k in merged.indices {
            let s = starts[k]
            let following = k + 1 < merged.count ? starts[k + 1] : followedBy
            let next = following.flatMap { $0 > s ? $0 : nil }
            var e: Int
            if let end = merged[k].end, end > s {
                e = end
            } else if merged[k].end == nil, let next {
                e = next
            } else {
                e = s + readingTimeMs(merged[k])
            }
            if let next { e = min(e, next) }
            merged[k].end = e
        }
        return merged
    }

    /// Whether a cue shows anything: a speaker, or text other than white space.
    static func hasVisibleText(_ c: Cue) -> Bool { c.speaker != nil || !isBlank(c.text) }

    /// Whether `s` is empty or only white space.
    static func isBlank<S: StringProtocol>(_ s: S) -> Bool { !s.unicodeScalars.contains { !$0.properties.isWhitespace } }

    /// Two cues that share a start, as one.
    private static func joined(_ a: Cue, _ b: Cue) -> Cue {
        var out = a
        let label = b.speaker.flatMap { $0 == a.speaker ? nil : $0 + ": " } ?? ""
        out.text = a.text + "\n" + label + b.text
        switch (a.end, b.end) {
        case let (x?, y?): out.end = max(x, y)
        case let (x, y): out.end = x ?? y
        }
        return out
    }
}
