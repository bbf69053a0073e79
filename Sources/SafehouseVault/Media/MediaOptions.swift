import Foundation

/// What a media excerpt does to the audio at each identity span.
public enum BleepMode: String, Sendable, Codable, CaseIterable {
    /// A 1 kHz sine at −12 dBFS replaces the span.
    case tone
    /// Digital silence replaces the span.
    case silence
}

/// Whether a media excerpt shifts the voice.
public enum VoiceMode: String, Sendable, Codable, CaseIterable {
    case keep
    /// Pitch up by a quarter (asetrate ×1.25, resample, atempo ×0.8: same length).
    /// - Warning: reversible by shifting back; it hides a voice from casual listeners, not
    ///   from anyone who tries (Docs/THREAT-MODEL.md).
    case shift
}

/// What a media excerpt does to the whole picture.
public enum VideoMode: String, Sendable, Codable, CaseIterable {
    case keep, blur, black
}

/// A region of the picture to blur, in pixels of the source, for the whole clip or for a
/// stretch of the source's time (`X,Y,W,H[@hh:mm:ss-hh:mm:ss]`).
public struct BlurBox: Sendable, Codable, Equatable {
    public var x, y, width, height: Int
    /// Source times in milliseconds; nil for the whole clip.
    public var fromMs: Int?
    public var toMs: Int?

    public init(x: Int, y: Int, width: Int, height: Int, fromMs: Int? = nil, toMs: Int? = nil) {
        self.x = x; self.y = y; self.width = width; self.height = height; self.fromMs = fromMs; self.toMs = toMs
    }

    /// Parses `X,Y,W,H` or `X,Y,W,H@hh:mm:ss-hh:mm:ss`.
    public static func parse(_ s: String) throws -> BlurBox {
        let usage = VaultError.usage("--blur-box takes X,Y,W,H or X,Y,W,H@hh:mm:ss-hh:mm:ss in pixels (got \(s))")
        let at = s.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false)
        let n = at[0].split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard n.count == 4, let x = n[0], let y = n[1], let w = n[2], let h = n[3], x >= 0, y >= 0, w > 0, h > 0 else { throw usage }
        var box = BlurBox(x: x, y: y, width: w, height: h)
        if at.count == 2 {
            guard let r = MediaClock.parseRange(String(at[1])) else { throw usage }
            box.fromMs = r.0; box.toMs = r.1
        }
        return box
    }

    /// The form it was given in (for the provenance).
    public var text: String {
        "\(x),\(y),\(width),\(height)" + (fromMs.map { a in "@\(MediaClock.text(a))-\(MediaClock.text(toMs ?? a))" } ?? "")
    }
}

/// How a media excerpt is made (`approve MEDIA_RECORD …`).
public struct MediaApproval: Sendable {
    public var bleep: BleepMode = .tone
    public var voice: VoiceMode = .keep
    public var video: VideoMode = .keep
    public var boxes: [BlurBox] = []
    /// Approve a recording with no linked transcript (names said in it are not checked).
    public var noTranscriptCheck = false

    public init(bleep: BleepMode = .tone, voice: VoiceMode = .keep, video: VideoMode = .keep, boxes: [BlurBox] = [],
                noTranscriptCheck: Bool = false) {
        self.bleep = bleep; self.voice = voice; self.video = video; self.boxes = boxes; self.noTranscriptCheck = noTranscriptCheck
    }

    /// Whether anything differs from the defaults (which a transcript approve also accepts).
    var isDefault: Bool { bleep == .tone && voice == .keep && video == .keep && boxes.isEmpty && !noTranscriptCheck }
}

/// `hh:mm:ss[.mmm]` times.
enum MediaClock {
    static func text(_ ms: Int) -> String {
        let base = String(format: "%02d:%02d:%02d", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60)
        return ms % 1000 == 0 ? base : base + String(format: ".%03d", ms % 1000)
    }

    static func seconds(_ ms: Int) -> String { String(format: "%d.%03d", ms / 1000, ms % 1000) }

    static func parse(_ t: Substring) -> Int? {
        let p = t.split(separator: ":")
        guard p.count == 3, let h = Int(p[0]), let m = Int(p[1]), h >= 0, (0..<60).contains(m) else { return nil }
        let sp = p[2].split(separator: ".", maxSplits: 1)
        guard let s = Int(sp[0]), (0..<60).contains(s) else { return nil }
        var ms = 0
        if sp.count == 2 {
            guard sp[1].count <= 3, let f = Int(sp[1]) else { return nil }
            ms = f * [1, 100, 10, 1][sp[1].count]
        }
        return ((h * 60 + m) * 60 + s) * 1000 + ms
    }

    static func parseRange(_ s: String) -> (Int, Int)? {
        let parts = s.split(separator: "-")
        guard parts.count == 2, let a = parse(parts[0]), let b = parse(parts[1]), a < b else { return nil }
        return (a, b)
    }
}
