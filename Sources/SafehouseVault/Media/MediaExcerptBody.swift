import Foundation

/// Media excerpts: approved clips of recordings and photos (issue 18).
///
/// The body of a media excerpt is `"SHMEDIA1"`, the payload's length (4 bytes, big-endian),
/// the payload (`ExcerptPayload` JSON: the clip's redacted transcript, pseudonyms, signed
/// provenance, `media`), then the clip (Matroska or PNG). It is sealed, granted, revoked,
/// marked and audited as a text excerpt is.
///
/// No plaintext reaches a disk: ffmpeg reads the source from a `LoopbackSource` (which
/// decrypts only the chunks it asks for) and writes the clip to a pipe that is encrypted as
/// it arrives into an unnamed (`O_TMPFILE`) body file, named only after the clip is complete;
/// at export the clip is decrypted into ffmpeg's standard input and ffmpeg's output goes
/// through `AtomicOutput` to the file the member asked for.
enum MediaExcerptBody {
    static let magic = Array("SHMEDIA1".utf8)
    /// The largest clip approve writes (grant and revoke stream it, whatever its size).
    static let maxClipBytes: UInt64 = 256 << 20

    static func prefix(payload: [UInt8]) -> [UInt8] {
        let n = UInt32(payload.count)
        return magic + [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + payload
    }

    /// Splits a body's plaintext as it streams: payload first, then the clip to `clip`.
    final class Splitter {
        private var head: [UInt8] = []
        private var need: Int?
        private(set) var payload: [UInt8]?
        /// Text excerpt (no magic): the whole body is the payload.
        private(set) var isMedia: Bool?
        private let clip: ((UnsafeRawBufferPointer) throws -> Void)?
        private let onPayload: (([UInt8]) throws -> Void)?

        init(onPayload: (([UInt8]) throws -> Void)? = nil, clip: ((UnsafeRawBufferPointer) throws -> Void)? = nil) {
            self.onPayload = onPayload; self.clip = clip
        }

        func take(_ b: UnsafeRawBufferPointer) throws {
            var rest = b[...]
            while payload == nil, !rest.isEmpty {
                let want = (need ?? 12) - head.count
                let n = isMedia == false ? rest.count : min(want, rest.count)
                head += rest.prefix(n)
                rest = rest.dropFirst(n)
                guard head.count <= 64 << 20 else { throw VaultError.badData(object: "excerpt", hint: "its payload is too large") }
                if isMedia == nil, head.count >= 8 {
                    isMedia = Array(head.prefix(8)) == magic
                }
                if isMedia == true, need == nil, head.count >= 12 {
                    need = 12 + (Int(head[8]) << 24 | Int(head[9]) << 16 | Int(head[10]) << 8 | Int(head[11]))
                }
                if isMedia == true, let need, head.count == need {
                    payload = Array(head[12...])
                    head = []
                    try onPayload?(payload!)
                }
            }
            if payload != nil, !rest.isEmpty, let clip { try clip(UnsafeRawBufferPointer(rebasing: rest)) }
        }

        /// The payload once the whole body went through.
        func finish() throws -> [UInt8] {
            if let payload { return payload }
            guard isMedia != true else { throw VaultError.badData(object: "excerpt", hint: "its body is truncated") }
            return head
        }
    }
}
