/// One timed piece of a transcript.
public struct Cue: Sendable, Equatable, Codable {
    /// Start time in milliseconds, if the format had one.
    public var start: Int?
    /// End time in milliseconds (SRT and WebVTT only).
    public var end: Int?
    /// The speaker label (`SPEAKER:` in text and SRT, `<v SPEAKER>` in WebVTT).
    public var speaker: String?
    /// The cue's text; lines are separated by `\n`.
    public var text: String

    public init(start: Int? = nil, end: Int? = nil, speaker: String? = nil, text: String) {
        self.start = start
        self.end = end
        self.speaker = speaker
        self.text = text
    }
}

extension Cue: CustomStringConvertible {
    /// Timing only: cue text and speakers may hold identities.
    public var description: String { "Cue(start: \(start.map(String.init) ?? "-"), \(text.unicodeScalars.count) scalars)" }
}
